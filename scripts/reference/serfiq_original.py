#!/usr/bin/env python3
"""SER-FIQ run the way the authors' 2021 code (pterhoer/FaceImageQuality) runs it.

Why: a speed reference for `serfiq bench`; no test uses it. The authors push T copies of the image
through the WHOLE recognition network in one batch, with dropout (p) on the input of the embedding
layer, so each image costs about T full forward passes. serfiq runs the backbone once instead.

Score: L2-normalise the T embeddings, take the mean Euclidean distance over pairs i < j,
s = 2 / (1 + exp(mean distance)).

Usage (from the repo root, after `bash scripts/reference/setup.sh`):

    .cache/pyref/bin/python scripts/reference/serfiq_original.py .cache/models/fr_feature.onnx \
        --crops CROPS.rgb --count N [--size 112] [--samples 100] [--dropout 0.5] [--rounds 3] [--seed 0] [--tap NAME]

CROPS.rgb holds N aligned size x size RGB crops, raw uint8 HWC, one after another. Prints one JSON
line: script, ms_per_image (median over rounds), rounds, samples, s (last round), tap, ort_version.

Graph surgery (onnx package): ONNX Runtime deletes Dropout nodes while optimising, even with
training_mode=1, so dropout is a Mul of the tap tensor (the embedding layer's input) by a mask that is
a new graph input, drawn here per call as Bernoulli(1 - p) / (1 - p). The batch dimension is made
dynamic, including Reshape shape constants such as [1, -1] that pin the exported batch of 1.
"""
# First: serfiq_common pins numpy's BLAS to one thread, which must happen before numpy loads.
from serfiq_common import constants, find_tap, main, serfiq_score, session

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

MASK_INPUT = "serfiq_dropout_mask"


def dynamic_batch(model):
    """Let the batch dimension vary: symbolic dim 0 on the graph input/outputs, Reshape constants fixed."""
    graph = model.graph
    inits = {t.name for t in graph.initializer}
    real_inputs = [i for i in graph.input if i.name not in inits]
    dim0 = real_inputs[0].type.tensor_type.shape.dim[0]
    batch = dim0.dim_value if dim0.HasField("dim_value") else None
    for vi in list(real_inputs) + list(graph.output):
        d = vi.type.tensor_type.shape.dim
        if len(d):
            d[0].dim_param = "N"
    # Stored intermediate shapes carry the old batch; ORT infers them again.
    del graph.value_info[:]
    if not batch:
        return
    consts = constants(graph)
    replaced = set()
    for k, n in enumerate(graph.node):
        if n.op_type != "Reshape" or n.input[0] in consts or n.input[1] not in consts:
            continue
        shape = consts[n.input[1]].astype(np.int64).copy()
        if shape.ndim != 1 or len(shape) == 0 or shape[0] != batch:
            continue
        allowzero = any(a.name == "allowzero" and a.i for a in n.attribute)
        if not allowzero:
            shape[0] = 0  # 0 = copy the input's dim 0, i.e. the batch
        elif -1 not in shape:
            shape[0] = -1
        else:
            raise ValueError(f"cannot make Reshape {n.name} batch-dynamic (allowzero=1 and -1 already used)")
        # A fresh initializer per Reshape: the old one may be shared with nodes that need it unchanged.
        new_name = f"{n.input[1]}_dynbatch_{k}"
        graph.initializer.append(numpy_helper.from_array(shape, new_name))
        replaced.add(n.input[1])
        n.input[1] = new_name
    # Drop replaced shape initializers nothing uses any more (ORT warns about unused ones).
    used = {i for n in graph.node for i in n.input} | {i.name for i in graph.input}
    for t in [t for t in graph.initializer if t.name in replaced and t.name not in used]:
        graph.initializer.remove(t)


def add_dropout(model, tap):
    """Insert tap * mask before every consumer of tap; mask is a new float input shaped like tap."""
    graph = model.graph
    dropped = tap + "_serfiq_dropped"
    consumers = [n for n in graph.node if tap in n.input]
    if not consumers:
        raise ValueError(f"tensor {tap!r} feeds no node")
    for n in consumers:
        for k, name in enumerate(n.input):
            if name == tap:
                n.input[k] = dropped
    # Put the Mul right before the first consumer so the node list stays in topological order.
    first = min(list(graph.node).index(n) for n in consumers)
    graph.node.insert(first, helper.make_node("Mul", [tap, MASK_INPUT], [dropped], name="serfiq_dropout"))
    graph.input.append(helper.make_tensor_value_info(MASK_INPUT, onnx.TensorProto.FLOAT, None))


def prepare(args, images):
    model = onnx.load(args.model)
    tap = args.tap or find_tap(model.graph)
    plain = session(model.SerializeToString())
    dynamic_batch(model)
    add_dropout(model, tap)
    sess = session(model.SerializeToString())
    in_name = plain.get_inputs()[0].name
    out_name = sess.get_outputs()[0].name

    # Mask shape = tap shape with batch T; read it once from a run with the tap as an extra output.
    probe = onnx.load(args.model)
    probe.graph.output.append(helper.make_tensor_value_info(tap, onnx.TensorProto.FLOAT, None))
    tap_shape = session(probe.SerializeToString()).run([tap], {in_name: images[0]})[0].shape[1:]

    # The surgery must not change the network: with an all-ones mask, each of the T rows must
    # equal the untouched model's embedding.
    t = args.samples
    ref = plain.run(None, {in_name: images[0]})[0].reshape(-1)
    got = sess.run([out_name], {in_name: np.repeat(images[0], t, axis=0),
                                MASK_INPUT: np.ones((t, *tap_shape), np.float32)})[0].reshape(t, -1)
    if not np.allclose(got, ref[None, :], rtol=1e-3, atol=1e-4 * np.abs(ref).max()):
        raise ValueError("batched graph with an all-ones mask disagrees with the original model")

    rng = np.random.default_rng(args.seed)
    keep = 1.0 - args.dropout

    def score(x):
        batch = np.repeat(x, t, axis=0)
        mask = (rng.random((t, *tap_shape), dtype=np.float32) < keep).astype(np.float32) / keep
        emb = sess.run([out_name], {in_name: batch, MASK_INPUT: mask})[0]
        return serfiq_score(emb)

    return score, tap


if __name__ == "__main__":
    main("serfiq_original", __doc__, prepare)
