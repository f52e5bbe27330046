#!/usr/bin/env bash
# What `make platforms` runs on, installed from Debian when missing (as
# bindings/cpp/test.sh does for GoogleTest): mingw-w64 and wine (Windows x64),
# the aarch64 cross gcc and qemu-user (Linux arm64), `file` for the dist test.
set -euo pipefail
missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
command -v wine64 >/dev/null 2>&1 || [[ -x /usr/lib/wine/wine64 ]] || missing+=(wine64)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
command -v file >/dev/null 2>&1 || missing+=(file)
((${#missing[@]})) || exit 0
echo "platforms: installing ${missing[*]}"
sudo=""
[[ $(id -u) == 0 ]] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
