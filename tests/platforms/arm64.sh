#!/usr/bin/env bash
# Linux arm64 under qemu-user: the C example on the fixture face against the
# x86-64 Linux reference (within 1e-6) and the C API test's error paths
# (SERFIQ_ERRORS_ONLY: no scoring rounds, which take seconds each emulated).
# ONNX Runtime reads /proc/cpuinfo at start and crashes on the host's x86
# text, so the programs run in a private mount namespace where an arm64
# cpuinfo (Neoverse N1, the CPU qemu emulates here) is bind-mounted over it.
# Usage: arm64.sh BUILD_DIR ORT_DIR OUT_DIR   (BUILD_DIR: target/aarch64-unknown-linux-gnu/release)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
CC=aarch64-linux-gnu-gcc
SYSROOT=/usr/aarch64-linux-gnu
command -v qemu-aarch64 >/dev/null || { echo "arm64.sh: qemu-aarch64 not found (Debian package qemu-user)" >&2; exit 1; }

rm -rf "$OUT/run" && mkdir -p "$OUT/run"
cp "$BUILD/libserfiq.so" "$ORT/libonnxruntime.so.1.31.1" "$OUT/run/"
ln -s libserfiq.so "$OUT/run/libserfiq.so.1"
ln -s libonnxruntime.so.1.31.1 "$OUT/run/libonnxruntime.so.1"
$CC -std=c11 -Wall -Wextra -Werror -pedantic -I"$ROOT/include" "$ROOT/examples/c/score.c" \
  -o "$OUT/run/c-score" -L"$OUT/run" -lserfiq -Wl,-rpath,'$ORIGIN'
$CC -std=c11 -Wall -Wextra -Werror -pedantic -g -I"$ROOT/include" "$ROOT/tests/c/api_test.c" \
  -o "$OUT/run/api_test" -L"$OUT/run" -lserfiq -Wl,-rpath,'$ORIGIN' -lm
$CC -shared -fPIC -o "$OUT/run/libfake_old_ort.so" "$ROOT/tests/c/fake_ort.c"

# One namespace for every emulated run: as root `unshare -m`, else a user namespace.
ns=(unshare -m)
[[ $(id -u) == 0 ]] || ns=(unshare -rm)
"${ns[@]}" bash -euo pipefail -s -- "$ROOT" "$OUT" "$MODEL" "$DETECTOR" "$FIX" "$SYSROOT" <<'INNER'
ROOT="$1" OUT="$2" MODEL="$3" DETECTOR="$4" FIX="$5" SYSROOT="$6"
unset SERFIQ_ORT_LIB
mount --bind "$ROOT/tests/platforms/arm64-cpuinfo" /proc/cpuinfo
run() { qemu-aarch64 -cpu neoverse-n1 -L "$SYSROOT" "$@"; }

echo "== C example under qemu-aarch64 (ONNX Runtime found beside libserfiq.so)"
start=$EPOCHREALTIME
run "$OUT/run/c-score" "$MODEL" "$FIX/face.ppm" "$FIX/face.landmarks" --embedding > "$OUT/face.out"
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "   wall %.2f s (model load and one score, emulated)\n", b - a }'
python3 "$ROOT/tests/platforms/compare.py" "$FIX/face.reference" "$OUT/face.out" 1e-6 linux-aarch64

echo "== C API test's error paths under qemu-aarch64"
SERFIQ_ERRORS_ONLY=1 run "$OUT/run/api_test" "$MODEL" "$OUT/run/libonnxruntime.so.1.31.1" "$OUT/run/libfake_old_ort.so" \
  "$DETECTOR" "$FIX/face.ppm" "$FIX/face.landmarks"
INNER
