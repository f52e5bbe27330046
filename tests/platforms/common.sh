# Sourced by windows.sh and arm64.sh: their arguments (BUILD_DIR ORT_DIR OUT_DIR, made absolute)
# and the files every platform check uses.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $# -eq 3 ]] || { echo "usage: $0 BUILD_DIR ORT_DIR OUT_DIR" >&2; exit 2; }
mkdir -p "$3"
BUILD="$(cd "$1" && pwd)" ORT="$(cd "$2" && pwd)" OUT="$(cd "$3" && pwd)"
MODEL="$ROOT/.cache/models/fr_feature.onnx" DETECTOR="$ROOT/.cache/models/retinaface_mnet025.onnx"
FIX="$ROOT/target/fixtures"
