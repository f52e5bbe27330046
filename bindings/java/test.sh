#!/usr/bin/env bash
# Java binding: the JUnit tests (Maven), then examples/java/Score.java run three
# ways, one per route of org.serfiq.NativeLoader, each checked against the C
# API's reference output. Called by `make bindings-test` with:
#   SERFIQ_LIB_DIR      folder of libserfiq.so (built with the default `jni` feature),
#                       with libonnxruntime.so.1 next to it
#   SERFIQ_INCLUDE_DIR  folder of serfiq.h
#   SERFIQ_MODEL        the default ONNX model
#   SERFIQ_ORT_LIB      libonnxruntime
#   SERFIQ_FIXTURES     face.ppm, face.landmarks, face.reference (`make fixtures`)
set -euo pipefail

: "${SERFIQ_LIB_DIR:?}" "${SERFIQ_INCLUDE_DIR:?}" "${SERFIQ_MODEL:?}" "${SERFIQ_ORT_LIB:?}" "${SERFIQ_FIXTURES:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lib="$SERFIQ_LIB_DIR/libserfiq.so"
version=0.1.0

cd "$here"
rm -rf target/surefire-reports
# Tests, then the jar (package runs test first; -q keeps only failures; sed drops
# the stray colour codes Maven 3.8 prints even in batch mode).
mvn -B -q package \
    -Dserfiq.library.path="$lib" \
    -Dserfiq.model="$SERFIQ_MODEL" \
    -Dserfiq.ortLib="$SERFIQ_ORT_LIB" \
    -Dserfiq.fixtures="$SERFIQ_FIXTURES" \
    -Dserfiq.include="$SERFIQ_INCLUDE_DIR" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
# Surefire's totals, as one line.
python3 - target/surefire-reports <<'PY'
import glob, sys, xml.etree.ElementTree as ET
t = f = e = s = 0
for p in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    r = ET.parse(p).getroot()
    t += int(r.get("tests")); f += int(r.get("failures")); e += int(r.get("errors")); s += int(r.get("skipped"))
if t == 0:
    sys.exit("java: no JUnit test ran")
print(f"java: {t - f - e - s} passed, {f + e} failed, {s} skipped")
PY

jar_file="$here/target/serfiq-$version.jar"
ex="$here/target/example"
rm -rf "$ex"
mkdir -p "$ex/classes"
javac -Xlint:all -Werror -cp "$jar_file" -d "$ex/classes" "$root/examples/java/Score.java"

face="$SERFIQ_FIXTURES/face.ppm"
landmarks="$SERFIQ_FIXTURES/face.landmarks"
want="$(head -1 "$SERFIQ_FIXTURES/face.reference")"

# Same s and q as the C example, within 1e-6.
check() {
    local route="$1" got="$2"
    echo "java example ($route): s q = $got"
    awk -v got="$got" -v want="$want" 'BEGIN {
        n = split(got, g, " "); split(want, w, " ")
        if (n != 2) exit 1
        for (i = 1; i <= 2; i++) { d = g[i] - w[i]; if (d < 0) d = -d; if (d > 1e-6) exit 1 }
    }' || { echo "java example ($route): expected $want (C reference)" >&2; exit 1; }
}

# 1. -Dserfiq.library.path, model as the first argument.
check "serfiq.library.path" \
    "$(java -Dserfiq.library.path="$lib" -cp "$jar_file:$ex/classes" Score "$SERFIQ_MODEL" "$face" "$landmarks")"

# 2. libserfiq.so packaged in the jar under /native/<os>-<arch>/ (ONNX Runtime via SERFIQ_ORT_LIB).
arch="$(uname -m)"
case "$arch" in amd64) arch=x86_64 ;; arm64) arch=aarch64 ;; esac
mkdir -p "$ex/stage/native/linux-$arch"
cp "$lib" "$ex/stage/native/linux-$arch/libserfiq.so"
cp "$jar_file" "$ex/serfiq-with-native.jar"
jar uf "$ex/serfiq-with-native.jar" -C "$ex/stage" native
check "packaged in the jar" \
    "$(java -cp "$ex/serfiq-with-native.jar:$ex/classes" Score "$SERFIQ_MODEL" "$face" "$landmarks")"

# 3. System.loadLibrary via java.library.path (the Android route); model from
#    SERFIQ_MODEL, ONNX Runtime found next to libserfiq.so.
check "System.loadLibrary" \
    "$(env -u SERFIQ_ORT_LIB java -Djava.library.path="$SERFIQ_LIB_DIR" -cp "$jar_file:$ex/classes" Score "$face" "$landmarks")"

# The embedding line matches the C reference too.
java -Dserfiq.library.path="$lib" -cp "$jar_file:$ex/classes" Score "$face" "$landmarks" --embedding \
    | sed -n 2p > "$ex/embedding.txt"
sed -n 2p "$SERFIQ_FIXTURES/face.reference" | awk -v f="$ex/embedding.txt" '{
    getline line < f; n = split(line, g, " ")
    if (n != NF) { print "java example: embedding has " n " values, C has " NF > "/dev/stderr"; exit 1 }
    for (i = 1; i <= NF; i++) { d = g[i] - $i; if (d < 0) d = -d; if (d > 1e-6) { print "java example: embedding[" i - 1 "] differs" > "/dev/stderr"; exit 1 } }
    print "java example: embedding (" NF " floats) matches the C reference"
}'
