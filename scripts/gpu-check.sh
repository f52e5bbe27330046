#!/usr/bin/env bash
# CPU vs CUDA on a machine with an NVIDIA GPU (CUDA 13, cuDNN 9).
#
#   scripts/gpu-check.sh prepare          # here: fetch the onnxruntime-gpu 1.31.1 libraries (pinned)
#                                         #       into .cache/onnxruntime-gpu/ and build the checks
#   scripts/gpu-check.sh run [FACES_DIR]  # on the GPU machine: agreement and throughput
#
# `run` needs .cache/onnxruntime-gpu/ (libonnxruntime + its CUDA provider), the default model in .cache,
# the binaries built by `prepare` (target/release/examples/gpu_check, target/release/deps/gpu-*), and
# the CUDA/cuDNN libraries: SERFIQ_CUDA_PATH, or pip's nvidia-* packages (found in site-packages).
# It prints max |Δ| of s, q and embeddings CPU vs GPU and images/s at batch 1, 32 and 256 for
# embed-only and score+embed, max |Δ| of l and f with the second quality network and its cost at batch
# 256, the capture loop's states and per-frame cost on a demo photo, then runs the GPU test of tests/gpu.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
GPU_DIR="${SERFIQ_CACHE:-.cache}/onnxruntime-gpu"
WHEEL="onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA="${SERFIQ_ORT_GPU_WHEEL_SHA:-e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6}"

case "${1:-}" in
  prepare)
    bash scripts/fetch.sh
    if [[ ! -f "$GPU_DIR/libonnxruntime_providers_cuda.so" ]]; then
      tmp=$(mktemp -d)
      trap 'rm -rf "$tmp"' EXIT
      python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
        --python-version 311 --implementation cp --abi cp311 onnxruntime-gpu==1.31.1 -d "$tmp"
      echo "$WHEEL_SHA  $tmp/$WHEEL" | sha256sum -c --quiet
      mkdir -p "$GPU_DIR"
      unzip -q -o -j "$tmp/$WHEEL" 'onnxruntime/capi/libonnxruntime*.so*' -d "$GPU_DIR"
      ln -sf libonnxruntime.so.1.31.1 "$GPU_DIR/libonnxruntime.so.1"
    fi
    ls -la "$GPU_DIR"
    cargo build --release --example gpu_check
    cargo test --release --no-run --test gpu
    ;;
  run)
    export SERFIQ_ORT_LIB="$PWD/$GPU_DIR/libonnxruntime.so.1.31.1"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    target/release/examples/gpu_check "${2:-}" 512
    test_bin=$(ls -t target/release/deps/gpu-* 2>/dev/null | grep -v '\.d$' | head -1 || true)
    if [[ -n "$test_bin" ]]; then
      CARGO_MANIFEST_DIR="$PWD" SERFIQ_GPU_TESTS=1 "$test_bin" --test-threads 1
    fi
    ;;
  *)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
