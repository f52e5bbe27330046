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
import os

# One thread for numpy's BLAS too, like ORT's one intra-op thread; must be set before numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

# Ops allowed between the embedding layer and the output: they change layout or apply a fixed
# affine map, so the embedding layer is the last weighted layer.
PASS_OPS = {"Reshape", "Flatten", "BatchNormalization", "Identity", "Squeeze", "Unsqueeze", "Dropout",
            "Add", "Sub", "Mul", "Div"}
EMBED_OPS = {"Conv", "Gemm", "MatMul"}
MASK_INPUT = "serfiq_dropout_mask"


def constants(graph):
    """Name -> numpy array of the initializers and Constant node outputs."""
    out = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    out[n.output[0]] = numpy_helper.to_array(a.t)
    return out


def find_tap(graph):
    """Input tensor of the last Conv/Gemm/MatMul that reaches the first output through PASS_OPS only."""
    consts = constants(graph)
    producer = {o: n for n in graph.node for o in n.output}
    name = graph.output[0].name
    while name in producer:
        node = producer[name]
        data = [i for i in node.input if i and i not in consts]
        if node.op_type in EMBED_OPS and len(data) == 1:
            return data[0]
        if node.op_type not in PASS_OPS or len(data) != 1:
            break
        name = data[0]
    raise ValueError("cannot find the embedding layer (last Conv/Gemm/MatMul before the output); give --tap")


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


def session(model_bytes):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    # ALL (adds the NCHWc conv layouts) measured fastest here: ~15% over EXTENDED for the batch of T
    # (MobileFaceNet, 1 thread, x86). The all-ones check in main covers its rewrites.
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.set_denormal_as_zero", "1")
    so.log_severity_level = 3  # errors only: keep stderr for our own message
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def serfiq_score(emb):
    """T x D embeddings -> s = 2 / (1 + exp(mean pairwise Euclidean distance of the L2-normalised rows))."""
    emb = emb.reshape(emb.shape[0], -1).astype(np.float64)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    i, j = np.triu_indices(len(emb), k=1)
    d = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * (emb @ emb.T)[i, j]))  # |a - b| of unit vectors
    return float(2.0 / (1.0 + np.exp(d.mean())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--crops", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--size", type=int, default=112)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tap", help="embedding layer's input tensor (found automatically if not given)")
    args = ap.parse_args()
    try:
        if args.count < 1 or args.rounds < 1 or args.samples < 2 or not 0.0 <= args.dropout < 1.0:
            raise ValueError("need --count >= 1, --rounds >= 1, --samples >= 2, 0 <= --dropout < 1")
        raw = np.fromfile(args.crops, dtype=np.uint8)
        n_px = args.size * args.size * 3
        if raw.size != args.count * n_px:
            raise ValueError(f"{args.crops}: {raw.size} bytes, expected {args.count} x {n_px}")
        # HWC RGB uint8 -> NCHW float, (x - 127.5) / 128 as the default model wants.
        images = (raw.reshape(args.count, 1, args.size, args.size, 3).transpose(0, 1, 4, 2, 3)
                  .astype(np.float32) - 127.5) / 128.0

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

        for x in images[:2]:  # warm-up
            score(x)
        per_round = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            s = [score(x) for x in images]
            per_round.append((time.perf_counter() - start) * 1e3 / args.count)
        print(json.dumps({"script": "serfiq_original", "ms_per_image": statistics.median(per_round),
                          "rounds": args.rounds, "samples": t, "s": s, "tap": tap,
                          "ort_version": ort.__version__}))
    except Exception as e:  # one line on stderr for the bench to show
        print(f"serfiq_original: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
