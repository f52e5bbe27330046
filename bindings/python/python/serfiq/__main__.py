"""``python -m serfiq score PATHS``: the CLI's ``serfiq score`` output from Python.

CSV ``path,s,q,n,f,q100,l`` (or ``--json``: objects with path, s, q, n, f, q100, l) for every image that was scored,
in input order; folders are walked recursively for *.jpg, *.jpeg and *.png (sorted by path);
images that could not be scored are reported on stderr as ``serfiq: PATH: reason`` and make the
exit status 1. Images are decoded as the CLI decodes them, so the numbers are the CLI's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np

import serfiq

_EXTENSIONS = (".jpg", ".jpeg", ".png")


def _f32(v: float) -> str:
    """A float32 as Rust's `{}` prints it: the shortest digits that read back, never an exponent."""
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def _csv(v: float) -> str:
    """A CSV field: empty for NaN (l without a quality network)."""
    return "" if np.isnan(v) else _f32(v)


def _json(v: float) -> str:
    return "null" if np.isnan(v) else _f32(v)


def collect(args: Sequence[str]) -> Tuple[List[str], List[Tuple[str, str]]]:
    """Files as given; folders expanded to their image files, sorted by path."""
    images: List[str] = []
    problems: List[Tuple[str, str]] = []
    for arg in args:
        if os.path.isdir(arg):
            found = []
            for root, _dirs, files in os.walk(arg, followlinks=True):
                found += [os.path.join(root, f) for f in files if f.lower().endswith(_EXTENSIONS)]
            images += sorted(found, key=lambda p: p.split(os.sep))
        elif os.path.exists(arg):
            images.append(arg)
        else:
            problems.append((arg, "No such file or directory"))
    return images, problems


def score(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m serfiq score", description=__doc__.split("\n\n")[1])
    p.add_argument("inputs", nargs="+", metavar="IMAGES_OR_DIRS")
    p.add_argument("--json", action="store_true", help="print a JSON array instead of CSV")
    p.add_argument("--model", help="ONNX recognition model [default: the one in the wheel]")
    p.add_argument("--detector", help="face detector [default: the one in the wheel]")
    p.add_argument("--no-detect", action="store_true", help="no detector: images must be aligned crops")
    p.add_argument("--face-policy", choices=["largest", "central"], default="largest")
    p.add_argument("--detector-threshold", type=float, default=None)
    p.add_argument("--ort-lib", help="ONNX Runtime library [default: the onnxruntime package's]")
    p.add_argument("--quality-net", help="second quality network [default: the LightQNet in the wheel]")
    p.add_argument("--no-quality-net", action="store_true", help="no second quality network: l empty, f from s and n")
    p.add_argument("--batch", type=int, default=16, help="images per model run")
    a = p.parse_args(argv)
    images, problems = collect(a.inputs)
    for path, reason in problems:
        print(f"serfiq: {path}: {reason}", file=sys.stderr)
    detector: object = False if a.no_detect else a.detector
    try:
        model = serfiq.Model(
            a.model,
            detector,
            face_policy="most_central" if a.face_policy == "central" else "largest",
            detector_threshold=a.detector_threshold,
            ort_library_path=a.ort_lib,
            quality_net=None if a.no_quality_net else (a.quality_net or serfiq.DEFAULT_QUALITY_NET),
        )
    except serfiq.Error as e:
        print(f"serfiq: {e}", file=sys.stderr)
        return 2
    out = sys.stdout
    bad = len(problems)
    rows = 0
    if not a.json:
        out.write("path,s,q,n,f,q100,l\n")
    else:
        out.write("[")
    for k in range(0, len(images), max(a.batch, 1)):
        chunk = images[k : k + a.batch]
        r = model.score_files(chunk, count_faces=False, batch_size=len(chunk))
        for path, s, q, n, f, q100, l, err in zip(chunk, r.s, r.q, r.n, r.f, r.q100, r.l, r.errors):
            values = (s, q, n, f, q100, l)
            if err is not None:
                print(f"serfiq: {path}: {err.message}", file=sys.stderr)
                bad += 1
            elif a.json:
                sep = "\n  " if rows == 0 else ",\n  "
                fields = ", ".join(f'"{k}": {_json(v)}' for k, v in zip(("s", "q", "n", "f", "q100", "l"), values))
                out.write(f'{sep}{{"path": {json.dumps(path)}, {fields}}}')
                rows += 1
            else:
                field = '"' + path.replace('"', '""') + '"' if any(c in path for c in ',"\n\r') else path
                out.write(f"{field},{','.join(_csv(v) for v in values)}\n")
                rows += 1
        out.flush()
    if a.json:
        out.write("\n]\n" if rows else "]\n")
    model.close()
    return 1 if bad else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m serfiq score [--json] [--model M] [--detector D | --no-detect] IMAGES_OR_DIRS...")
        return 0 if argv else 2
    if argv[0] == "score":
        return score(argv[1:])
    if argv[0] == "version":
        print(serfiq.VERSION)
        return 0
    print(f"python -m serfiq: unknown command {argv[0]!r} (try: score)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
