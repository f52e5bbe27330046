"""Compares the C example's output (line 1: s q, line 2: the embedding) on
another platform with the x86-64 Linux reference; fails above the tolerance.
Usage: compare.py REFERENCE OUTPUT TOLERANCE LABEL"""
import sys


def floats(path):
    lines = open(path, encoding="ascii").read().replace("\r", "").splitlines()
    return [list(map(float, line.split())) for line in lines if line.strip()]


def main():
    ref_path, out_path, tol, label = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    ref, out = floats(ref_path), floats(out_path)
    if len(ref) != len(out) or any(len(a) != len(b) for a, b in zip(ref, out)):
        sys.exit(f"{label}: output shape differs from the reference ({out_path} vs {ref_path})")
    ds, dq = abs(ref[0][0] - out[0][0]), abs(ref[0][1] - out[0][1])
    de = max((abs(a - b) for a, b in zip(ref[1], out[1])), default=0.0) if len(ref) > 1 else 0.0
    # Printed with 9 significant digits, equal text means equal float32 values.
    same = ref == out
    print(f"{label}: s {out[0][0]:.9g} q {out[0][1]:.9g}; |ds| {ds:.3g} |dq| {dq:.3g} max|de| {de:.3g}"
          f"{' over %d embedding floats' % len(out[1]) if len(out) > 1 else ' (s and q only)'}: {'bit-identical' if same else 'within ' + str(tol) if max(ds, dq, de) <= tol else 'OUTSIDE ' + str(tol)}")
    if max(ds, dq, de) > tol:
        sys.exit(1)


main()
