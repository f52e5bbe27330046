"""What the two SER-FIQ reference scripts share: finding the embedding layer, the ORT session
settings, the score, the command line and the timing loop. Not a script of its own.
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
import onnxruntime as ort  # noqa: E402
from onnx import numpy_helper  # noqa: E402

# Ops allowed between the embedding layer and the output: they change layout or apply a fixed
# affine map, so the embedding layer is the last weighted layer.
PASS_OPS = {"Reshape", "Flatten", "BatchNormalization", "Identity", "Squeeze", "Unsqueeze", "Dropout",
            "Add", "Sub", "Mul", "Div"}
EMBED_OPS = {"Conv", "Gemm", "MatMul"}


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


def session(model_bytes):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    # ALL (adds the NCHWc conv layouts) measured fastest here for both scripts: ~15 % over EXTENDED for
    # the batch of T, ~20 % for the batch-1 backbone (MobileFaceNet, 1 thread, x86). Each script's
    # check against the untouched model covers its rewrites.
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


def parse_args(doc):
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--crops", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--size", type=int, default=112)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tap", help="embedding layer's input tensor (found automatically if not given)")
    return ap.parse_args()


def read_crops(args):
    """The --crops file as N x 1 x 3 x size x size float, (x - 127.5) / 128 as the default model wants."""
    if args.count < 1 or args.rounds < 1 or args.samples < 2 or not 0.0 <= args.dropout < 1.0:
        raise ValueError("need --count >= 1, --rounds >= 1, --samples >= 2, 0 <= --dropout < 1")
    raw = np.fromfile(args.crops, dtype=np.uint8)
    n_px = args.size * args.size * 3
    if raw.size != args.count * n_px:
        raise ValueError(f"{args.crops}: {raw.size} bytes, expected {args.count} x {n_px}")
    # HWC RGB uint8 -> NCHW float.
    return (raw.reshape(args.count, 1, args.size, args.size, 3).transpose(0, 1, 4, 2, 3)
            .astype(np.float32) - 127.5) / 128.0


def main(script, doc, prepare):
    """Reads the crops, calls prepare(args, images) -> (score, tap) where score(x) gives s of one
    image, times score over all images (2 warm-up calls, then --rounds rounds, median) and prints the
    JSON line. Any error: one line on stderr (the bench shows it) and exit status 1."""
    args = parse_args(doc)
    try:
        images = read_crops(args)
        score, tap = prepare(args, images)
        for x in images[:2]:  # warm-up
            score(x)
        per_round = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            s = [score(x) for x in images]
            per_round.append((time.perf_counter() - start) * 1e3 / args.count)
        print(json.dumps({"script": script, "ms_per_image": statistics.median(per_round),
                          "rounds": args.rounds, "samples": args.samples, "s": s, "tap": tap,
                          "ort_version": ort.__version__}))
    except Exception as e:
        print(f"{script}: {e}", file=sys.stderr)
        sys.exit(1)
