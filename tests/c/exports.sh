#!/usr/bin/env bash
# libserfiq.so must export exactly the functions the header declares: no
# Java_* entry points (those live in the `jni` build), no Rust internals.
set -euo pipefail
lib="$1" header="$2"
exported="$(nm -D --defined-only "$lib" | awk '{print $3}' | sort)"
declared="$(grep -E '^[a-zA-Z].*\bserfiq_[a-z_0-9]+\(' "$header" | grep -oE '\bserfiq_[a-z_0-9]+\(' | tr -d '(' | sort -u)"
if [ "$exported" != "$declared" ]; then
    echo "exports of $lib and declarations of $header differ (< exported, > declared):" >&2
    diff <(echo "$exported") <(echo "$declared") >&2 || true
    exit 1
fi
echo "$(echo "$exported" | wc -l) exports, exactly the header's functions"
