#!/usr/bin/env bash
# Windows x64 under wine: the C example on the fixture face against the x86-64
# Linux reference, the C API test (mingw-w64, no sanitizers; only its fork()
# case is left out), and ONNX Runtime planted in the working directory being
# ignored. Run by `make platforms` after the cross build.
# Usage: windows.sh BUILD_DIR ORT_DIR OUT_DIR   (BUILD_DIR: target/x86_64-pc-windows-gnu/release)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
CC=x86_64-w64-mingw32-gcc
WINE="$(command -v wine64 || echo /usr/lib/wine/wine64)"
[[ -x "$WINE" ]] || { echo "windows.sh: wine64 not found (Debian package wine64)" >&2; exit 1; }

rm -rf "$OUT/run" "$OUT/no-ort"
mkdir -p "$OUT/run" "$OUT/no-ort"
cp "$BUILD/serfiq.dll" "$BUILD/serfiq.exe" "$ORT/onnxruntime.dll" "$OUT/run/"
# Test only: wine 8.0 lacks ProcessPrng, which Rust's std imports (see processprng.c).
$CC -shared -O2 -o "$OUT/run/bcryptprimitives.dll" "$ROOT/tests/platforms/processprng.c" -ladvapi32
$CC -std=c11 -Wall -Wextra -Werror -pedantic -I"$ROOT/include" "$ROOT/examples/c/score.c" \
  -o "$OUT/run/c-score.exe" -L"$BUILD" -lserfiq
$CC -std=c11 -Wall -Wextra -Werror -pedantic -g -I"$ROOT/include" "$ROOT/tests/c/api_test.c" \
  -o "$OUT/run/api_test.exe" -L"$BUILD" -lserfiq -lm
$CC -shared -o "$OUT/run/fake_old_ort.dll" "$ROOT/tests/c/fake_ort.c"

export WINEPREFIX="$ROOT/target/platforms/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="bcryptprimitives=n"
w() { echo "Z:$1"; } # wine's Z: drive is the host's /
wine_run() { "$WINE" "$@" 2> >(grep -v -e '^Failed to create DXGI factory' -e '^wine: ' >&2); }

echo "== C example under wine (ONNX Runtime found beside serfiq.dll)"
start=$EPOCHREALTIME
wine_run "$OUT/run/c-score.exe" "$(w "$MODEL")" "$(w "$FIX/face.ppm")" "$(w "$FIX/face.landmarks")" --embedding \
  > "$OUT/face.out"
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "   wall %.2f s (wine start, model load, one score)\n", b - a }'
python3 "$ROOT/tests/platforms/compare.py" "$FIX/face.reference" "$OUT/face.out" 1e-6 windows-x86_64

echo "== C API test under wine"
wine_run "$OUT/run/api_test.exe" "$(w "$MODEL")" "$(w "$OUT/run/onnxruntime.dll")" "$(w "$OUT/run/fake_old_ort.dll")" \
  "$(w "$DETECTOR")" "$(w "$FIX/face.ppm")" "$(w "$FIX/face.landmarks")"

echo "== ONNX Runtime only in the working directory: not loaded"
cp "$OUT/run/serfiq.dll" "$OUT/run/c-score.exe" "$OUT/run/bcryptprimitives.dll" "$OUT/no-ort/"
if (cd "$OUT/run" && env -u SERFIQ_ORT_LIB "$WINE" "$OUT/no-ort/c-score.exe" "$(w "$MODEL")" "$(w "$FIX/face.ppm")" \
      "$(w "$FIX/face.landmarks")" > "$OUT/no-ort.out" 2> "$OUT/no-ort.err"); then
  echo "windows.sh: serfiq loaded an onnxruntime.dll from the working directory" >&2; exit 1
fi
grep -q "could not load the ONNX Runtime library" "$OUT/no-ort.err" || { cat "$OUT/no-ort.err" >&2; exit 1; }
grep -q 'no-ort\\onnxruntime.dll (no such file)' "$OUT/no-ort.err" || { cat "$OUT/no-ort.err" >&2; exit 1; }
echo "   refused: $(grep -o 'looked in: .*(no such file)' "$OUT/no-ort.err" | head -1)"
