#!/usr/bin/env python3
"""SER-FIQ with the backbone run once per image and the dropout head in numpy.

Why: a speed reference for `serfiq bench`; no test uses it. It is the plain-Python form of what
serfiq does: ONNX Runtime runs the network up to the embedding layer's input (the tap) once, then
numpy applies T dropout masks (p) to the tap and runs the embedding layer and everything after it
(BatchNormalization, Flatten, ...) on the T masked copies as one batch.

Score: L2-normalise the T embeddings, take the mean Euclidean distance over pairs i < j,
s = 2 / (1 + exp(mean distance)).

Usage (from the repo root, after `bash scripts/reference/setup.sh`):

    .cache/pyref/bin/python scripts/reference/serfiq_numpy_head.py .cache/models/fr_feature.onnx \
        --crops CROPS.rgb --count N [--size 112] [--samples 100] [--dropout 0.5] [--rounds 3] [--seed 0] [--tap NAME]

CROPS.rgb holds N aligned size x size RGB crops, raw uint8 HWC, one after another. Prints one JSON
line: script, ms_per_image (median over rounds), rounds, samples, s (last round), tap, ort_version.
"""
# First: serfiq_common pins numpy's BLAS to one thread, which must happen before numpy loads.
from serfiq_common import constants, find_tap, main, serfiq_score, session

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import helper  # noqa: E402


def split(model, tap):
    """Backbone model whose one output is tap, and the head: the nodes from tap to the first output."""
    graph = model.graph
    producer = {o: n for n in graph.node for o in n.output}
    consts = constants(graph)

    def ancestors(names, stop):
        seen, todo = set(), list(names)
        while todo:
            name = todo.pop()
            node = producer.get(name)
            if name in stop or node is None or id(node) in seen:
                continue
            seen.add(id(node))
            todo.extend(node.input)
        return seen

    if tap not in producer:
        raise ValueError(f"no node produces tensor {tap!r}")
    out_name = graph.output[0].name
    before_tap = ancestors([tap], set())
    head_ids = ancestors([out_name], {tap}) - before_tap
    head = [n for n in graph.node if id(n) in head_ids and n.op_type != "Constant"]
    made = {tap} | {o for n in head for o in n.output}
    for n in head:
        for i in n.input:
            if i and i not in made and i not in consts:
                raise ValueError(f"head node {n.name} ({n.op_type}) needs {i!r}, computed before the tap")
    if out_name not in made:
        raise ValueError(f"output {out_name!r} does not depend on tap {tap!r}")

    # Backbone: only the nodes the tap needs, and the initializers they use.
    keep = [n for n in graph.node if id(n) in before_tap]
    del graph.node[:]
    graph.node.extend(keep)
    used = {i for n in keep for i in n.input}
    inits = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(tap, onnx.TensorProto.FLOAT, None))
    del graph.value_info[:]
    return model, head, consts


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def run_head(head, consts, tap, x, out_name, batch0):
    """Evaluate the head nodes in numpy on x (T x tap shape). batch0 is the model's fixed batch (or None)."""
    env = dict(consts)
    env[tap] = x
    t = x.shape[0]
    for n in head:
        a = attrs(n)
        ins = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == "Conv":
            w, b = ins[1], (ins[2] if len(ins) > 2 else None)
            g = a.get("group", 1)
            m, cg, kh, kw = w.shape
            v = ins[0]
            if v.shape[2:] == (kh, kw) and not any(a.get("pads", [])) and set(a.get("dilations", [1])) == {1}:
                # Kernel covers the whole input: a (grouped) fully connected layer, output 1x1.
                # optimize=True lets einsum use BLAS (~8x faster for the 512x512 layer).
                y = np.einsum("tgck,gmck->tgm", v.reshape(t, g, cg, kh * kw),
                              w.reshape(g, m // g, cg, kh * kw), optimize=True).reshape(t, m, 1, 1)
            elif (kh, kw) == (1, 1) and g == 1 and not any(a.get("pads", [])) and set(a.get("strides", [1])) == {1}:
                y = np.einsum("tchw,mc->tmhw", v, w[:, :, 0, 0], optimize=True)
            else:
                raise ValueError(f"Conv {n.name}: only 1x1 or whole-input kernels are supported in the head")
            y = y + b.reshape(1, -1, 1, 1) if b is not None else y
        elif op == "Gemm":
            aa = ins[0].T if a.get("transA", 0) else ins[0]
            bb = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (aa @ bb)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            y = ins[0] @ ins[1]
        elif op in ("Add", "Sub", "Mul", "Div"):
            y = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](ins[0], ins[1])
        elif op == "BatchNormalization":
            v, scale, bias, mean, var = ins[:5]
            shape = (1, -1) + (1,) * (v.ndim - 2)
            k = scale / np.sqrt(var + a.get("epsilon", 1e-5))
            y = v * k.reshape(shape) + (bias - mean * k).reshape(shape)
        elif op == "PRelu":
            slope = ins[1].reshape((1, -1) + (1,) * (ins[0].ndim - 2)) if ins[1].ndim == 1 else ins[1]
            y = np.where(ins[0] >= 0, ins[0], ins[0] * slope)
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "Reshape":
            shape = [int(s) for s in ins[1]]
            if not a.get("allowzero", 0):
                shape = [ins[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
            if batch0 is not None and shape and shape[0] == batch0:
                shape[0] = t  # shape constant pinned to the exported batch
            y = ins[0].reshape(shape)
        elif op == "Flatten":
            axis = a.get("axis", 1)
            y = ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
        elif op in ("Identity", "Dropout"):
            y = ins[0]
        elif op == "Squeeze":
            axes = a.get("axes", ins[1] if len(ins) > 1 else None)
            y = np.squeeze(ins[0], axis=None if axes is None else tuple(int(i) for i in axes))
        elif op == "Unsqueeze":
            axes = a.get("axes", ins[1] if len(ins) > 1 else None)
            y = np.expand_dims(ins[0], tuple(int(i) for i in axes))
        else:
            raise ValueError(f"op {op} ({n.name}) is not supported in the numpy head")
        env[n.output[0]] = y.astype(np.float32, copy=False)
    return env[out_name]


def prepare(args, images):
    model = onnx.load(args.model)
    plain = session(model.SerializeToString())
    in_name = plain.get_inputs()[0].name
    out_name = model.graph.output[0].name
    dim0 = model.graph.output[0].type.tensor_type.shape.dim
    batch0 = dim0[0].dim_value if len(dim0) and dim0[0].HasField("dim_value") else None
    tap = args.tap or find_tap(model.graph)
    backbone_model, head, consts = split(model, tap)
    backbone = session(backbone_model.SerializeToString())

    # The split must not change the network: head(backbone(x)) without dropout = the whole model.
    ref = plain.run(None, {in_name: images[0]})[0].reshape(-1)
    got = run_head(head, consts, tap, backbone.run(None, {in_name: images[0]})[0], out_name, batch0)
    if not np.allclose(got.reshape(-1), ref, rtol=1e-3, atol=1e-4 * np.abs(ref).max()):
        raise ValueError("backbone + numpy head disagrees with the original model")

    rng = np.random.default_rng(args.seed)
    t, keep = args.samples, 1.0 - args.dropout

    def score(x):
        feat = backbone.run(None, {in_name: x})[0]  # 1 x tap shape, once per image
        mask = (rng.random((t, *feat.shape[1:]), dtype=np.float32) < keep).astype(np.float32) / keep
        return serfiq_score(run_head(head, consts, tap, feat * mask, out_name, batch0))

    return score, tap


if __name__ == "__main__":
    main("serfiq_numpy_head", __doc__, prepare)
