#!/usr/bin/env bash
# ffmpeg for the capture's tests on the real clip (tests/capture.rs, cli/tests/capture_cli.rs),
# installed from Debian when missing, as tests/platforms/tools.sh installs its tools. Without it
# those tests skip and `serfiq capture` still takes folders of frames.
set -euo pipefail
command -v ffmpeg >/dev/null 2>&1 && exit 0
command -v apt-get >/dev/null 2>&1 || { echo "video tools: no apt-get; the clip tests will skip"; exit 0; }
echo "video tools: installing ffmpeg"
sudo=""
[[ $(id -u) == 0 ]] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends ffmpeg
