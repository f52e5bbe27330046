#!/usr/bin/env bash
# The capture's shared test sequence and its C reference, for the bindings' tests:
#   tests/capture/reference.sh OUT
# writes OUT/frames/*.ppm (tests/capture/frames.c, from $SERFIQ_FIXTURES/face.ppm) and
# OUT/reference.txt (examples/c/capture.c over that folder). Needs the BINDING_ENV of the Makefile.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$1"
mkdir -p "$out/frames"
rm -f "$out"/frames/*.ppm
cc=(gcc -std=c11 -Wall -Wextra -Werror -pedantic)
"${cc[@]}" "$root/tests/capture/frames.c" -o "$out/frames-tool"
"${cc[@]}" -I"$SERFIQ_INCLUDE_DIR" "$root/examples/c/capture.c" -o "$out/c-capture" \
    -L"$SERFIQ_LIB_DIR" -lserfiq -Wl,-rpath,"$SERFIQ_LIB_DIR"
"$out/frames-tool" "$SERFIQ_FIXTURES/face.ppm" "$out/frames"
"$out/c-capture" "$SERFIQ_MODEL" "$SERFIQ_DETECTOR" "$out/frames" >"$out/reference.txt"
