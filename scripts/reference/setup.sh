#!/usr/bin/env bash
# Python venv for the SER-FIQ reference scripts in this folder (speed references for `serfiq bench`).
# Makes .cache/pyref (git-ignored) in the repo root; safe to run again: pip skips what is installed.
# Versions are pinned so timings compare across runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .cache/pyref/bin/python ] || python3 -m venv .cache/pyref
.cache/pyref/bin/pip install --quiet --disable-pip-version-check \
    onnxruntime==1.31.1 numpy==2.4.6 onnx==1.23.2
