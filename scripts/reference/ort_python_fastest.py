"""Fastest embed-only configuration of the onnxruntime Python package (the floor serfiq is compared with).

Usage: python ort_python_fastest.py MODEL.onnx [ROUNDS]
Tries every graph optimisation level with and without denormal flushing, one intra-op thread, batch 1,
and prints one JSON object: per-configuration median ms/image and the fastest one. Run by
`cargo bench --bench perf` in the same run as serfiq's own timings.
"""
import json
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def median_ms(session, name, images, rounds):
    for x in images[:4]:
        session.run(None, {name: x})
    per_round = []
    for _ in range(rounds):
        t = time.perf_counter()
        for x in images:
            session.run(None, {name: x})
        per_round.append((time.perf_counter() - t) * 1e3 / len(images))
    return statistics.median(per_round)


def main():
    model = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    rng = np.random.default_rng(0)
    images = [((rng.integers(0, 256, (1, 3, 112, 112)) - 127.5) / 128.0).astype(np.float32) for _ in range(16)]
    levels = {
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }
    results = {}
    for level_name, level in levels.items():
        for flush in (False, True):
            so = ort.SessionOptions()
            so.graph_optimization_level = level
            so.intra_op_num_threads = 1
            so.inter_op_num_threads = 1
            if flush:
                so.add_session_config_entry("session.set_denormal_as_zero", "1")
            session = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
            name = session.get_inputs()[0].name
            results[f"{level_name}{'+flush' if flush else ''}"] = median_ms(session, name, images, rounds)
    fastest = min(results, key=results.get)
    print(json.dumps({"ms_per_image": results, "fastest": fastest, "fastest_ms": results[fastest]}))


if __name__ == "__main__":
    main()
