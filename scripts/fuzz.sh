#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# New inputs go to fuzz/corpus/<target> (git-ignored); the committed seeds are in fuzz/seeds/<target>.
# A crash leaves its input in fuzz/artifacts/<target>/ and makes this script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-120}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(image_align model_bytes options)
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  echo "== $t for ${secs}s"
  cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=4096 -print_final_stats=1 2>&1 | grep -E "^Done|stat::number_of_executed_units|stat::peak_rss|SUMMARY|panicked|ERROR" || true
  if compgen -G "fuzz/artifacts/$t/*" >/dev/null; then
    echo "$t: crashing inputs in fuzz/artifacts/$t" >&2
    exit 1
  fi
done
