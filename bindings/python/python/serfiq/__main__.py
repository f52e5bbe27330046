"""``python -m serfiq score PATHS``: the CLI's ``serfiq score`` output from Python.

CSV ``path,s,q,n,f,q100,l`` (or ``--json``: objects with path, path_hex, s, q, n, f, q100, l) for every image
that was scored, in input order; folders are walked recursively for *.jpg, *.jpeg and *.png (sorted
by path; a link back to a folder being walked is reported as a loop, not followed); images that
could not be scored are reported on stderr as ``serfiq: PATH: reason`` and make the exit status 1.
Images are decoded as the CLI decodes them, so the numbers are the CLI's, and paths and messages
are escaped by the CLI's code: no control character reaches the terminal and no cell of the CSV
reads as a spreadsheet formula.
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


def _walk(top: str, problems: List[Tuple[str, str]]) -> List[str]:
    """Image files under ``top``, links followed; a folder that is its own ancestor (a link loop)
    is reported, as walkdir reports it for the CLI, and not entered."""
    found: List[str] = []
    stack = [(top, frozenset())]
    while stack:
        folder, ancestors = stack.pop()
        try:
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                problems.append((folder, f"File system loop found: {folder} points to an ancestor"))
                continue
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as e:
            problems.append((folder, e.strerror or str(e)))
            continue
        inner = ancestors | {key}
        for e in entries:
            try:
                if e.is_dir():
                    stack.append((e.path, inner))
                elif e.is_file() and e.name.lower().endswith(_EXTENSIONS):
                    found.append(e.path)
            except OSError as err:
                problems.append((e.path, err.strerror or str(err)))
    return sorted(found, key=lambda p: p.split(os.sep))


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
            images += _walk(arg, problems)
        elif os.path.lexists(arg) and os.path.exists(arg):
            images.append(arg)
        else:
            problems.append((arg, "No such file or directory"))
    return images, problems


def _batch_size(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not 1 <= n <= serfiq._native.MAX_BATCH:
        raise argparse.ArgumentTypeError(f"{n} is not in 1..={serfiq._native.MAX_BATCH}")
    return n


def _problem(path: str, reason: str) -> str:
    """``serfiq: PATH: reason`` as the CLI prints it (process::problem)."""
    return f"serfiq: {_native_path(path)[1]}: {serfiq._native.shown_text(str(reason))}"


def _json_path(path: str, shown: str, hexed: str) -> str:
    """The CLI's JSON path: the exact name when it is UTF-8, else its escaped form and its bytes in hex."""
    try:
        path.encode("utf-8")
        return f'"path": {json.dumps(path, ensure_ascii=False)}'
    except UnicodeEncodeError:  # a name that is not UTF-8 (held as surrogate escapes)
        return f'"path": {json.dumps(shown, ensure_ascii=False)}, "path_hex": {json.dumps(hexed)}'


def _native_path(path: str) -> Tuple[str, str, str]:
    return serfiq._native.shown_path(path)


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
    p.add_argument("--batch", type=_batch_size, default=16, help="images per model run (1 to 4096)")
    a = p.parse_args(argv)
    images, problems = collect(a.inputs)
    for path, reason in problems:
        print(_problem(path, reason), file=sys.stderr)
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
        print(f"serfiq: {serfiq._native.shown_text(str(e))}", file=sys.stderr)
        return 2
    out = sys.stdout
    bad = len(problems)
    rows = 0
    if not a.json:
        out.write("path,s,q,n,f,q100,l\n")
    else:
        out.write("[")
    for k in range(0, len(images), a.batch):
        chunk = images[k : k + a.batch]
        r = model.score_files(chunk, count_faces=False, batch_size=len(chunk))
        for path, s, q, n, f, q100, l, err in zip(chunk, r.s, r.q, r.n, r.f, r.q100, r.l, r.errors):
            values = (s, q, n, f, q100, l)
            csv_path, shown, hexed = _native_path(path)
            if err is not None:
                print(_problem(path, err.message), file=sys.stderr)
                bad += 1
            elif a.json:
                sep = "\n  " if rows == 0 else ",\n  "
                fields = ", ".join(f'"{k}": {_json(v)}' for k, v in zip(("s", "q", "n", "f", "q100", "l"), values))
                out.write(f"{sep}{{{_json_path(path, shown, hexed)}, {fields}}}")
                rows += 1
            else:
                out.write(f"{csv_path},{','.join(_csv(v) for v in values)}\n")
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
