#!/usr/bin/env bash
# Time per score on this machine natively, under wine (Windows x64) and under qemu-user
# (Linux arm64): `serfiq score` on 1 and on N+1 aligned LFW crops (../shared/data), and
# (t(N+1) - t(1)) / N, which leaves out start-up and model loading; the median of R runs.
# Needs `make platforms` (and the arm64 CLI: cargo build --target aarch64-unknown-linux-gnu -p serfiq-cli).
# N is 64 natively and under wine, 4 under qemu (seconds per score there).
# Usage: scripts/platform-timing.sh [N] [N_EMULATED] [R]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N_FAST="${1:-64}" N_SLOW="${2:-4}" R="${3:-3}"
LFW="$ROOT/../shared/data/lfw/aligned112"
[[ -d "$LFW" ]] || { echo "platform-timing: $LFW absent: skipped"; exit 0; }
MODEL="$ROOT/.cache/models/fr_feature.onnx"
WORK="$ROOT/target/platform-timing"
rm -rf "$WORK" && mkdir -p "$WORK/one" "$WORK/many-$N_FAST" "$WORK/many-$N_SLOW"
mapfile -t crops < <(find "$LFW" -name '*.jpg' | sort | head -n $((N_FAST + 1)))
cp "${crops[0]}" "$WORK/one/"
cp "${crops[@]:0:$((N_FAST + 1))}" "$WORK/many-$N_FAST/"
cp "${crops[@]:0:$((N_SLOW + 1))}" "$WORK/many-$N_SLOW/"
WIN="$ROOT/target/platforms/windows-x86_64/run" ARM="$ROOT/target/aarch64-unknown-linux-gnu/release"
export WINEPREFIX="$ROOT/target/platforms/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="bcryptprimitives=n"

secs() { local a=$EPOCHREALTIME; "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; awk -v a="$a" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
per_score() { # LABEL N COMMAND...: the command gets the folder as its last argument
  local label="$1" N="$2"; shift 2
  local i t1 tn out=()
  for ((i = 0; i < R; i++)); do
    t1=$(secs "$@" "$WORK/one"); tn=$(secs "$@" "$WORK/many-$N")
    out+=("$(awk -v a="$t1" -v b="$tn" -v n="$N" 'BEGIN { print (b - a) / n }')")
  done
  printf '%-28s %8.4f s per score (N=%d, median of %d; runs: %s)\n' "$label" "$(printf '%s\n' "${out[@]}" | median)" "$N" "$R" "${out[*]}"
}
echo "load: $(uptime | sed 's/.*load average/load average/')"
per_score "x86-64 Linux (native)" "$N_FAST" env -u SERFIQ_ORT_LIB "$ROOT/target/release/serfiq" score --model "$MODEL"
per_score "Windows x64 (wine 8.0)" "$N_FAST" "$(command -v wine64 || echo /usr/lib/wine/wine64)" "$WIN/serfiq.exe" score --model "Z:$MODEL"
if [[ -x "$ARM/serfiq" ]]; then
  per_score "Linux arm64 (qemu-aarch64)" "$N_SLOW" unshare -m bash -c \
    'mount --bind "$0/tests/platforms/arm64-cpuinfo" /proc/cpuinfo && exec qemu-aarch64 -cpu neoverse-n1 -L /usr/aarch64-linux-gnu "$@"' \
    "$ROOT" "$ARM/serfiq" score --model "$MODEL" --ort-lib "$ROOT/.cache/onnxruntime/linux-aarch64/libonnxruntime.so.1.31.1"
fi
echo "load: $(uptime | sed 's/.*load average/load average/')"
