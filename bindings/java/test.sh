#!/usr/bin/env bash
# Java binding: the JUnit tests (Maven), then examples/java/Score.java run three
# ways, one per route of org.serfiq.NativeLoader, each checked against the C
# API's reference output; examples/java/Capture.java must print what
# examples/c/capture.c prints over tests/capture's frames. Called by `make bindings-test` with:
#   SERFIQ_JNI_LIB_DIR  folder of the JNI build of libserfiq.so (`make jni-lib`:
#                       the cargo feature `jni`), with libonnxruntime.so.1 next to it
#   SERFIQ_LIB_DIR      folder of the plain C build (no Java entry points: refused)
#   SERFIQ_INCLUDE_DIR  folder of serfiq.h
#   SERFIQ_MODEL        the default ONNX model
#   SERFIQ_DETECTOR     the face detector (RetinaFace)
#   SERFIQ_ORT_LIB      libonnxruntime
#   SERFIQ_FIXTURES     face.ppm, face.landmarks, face.reference, noface.ppm,
#                       photo.reference (`make fixtures`)
set -euo pipefail

: "${SERFIQ_JNI_LIB_DIR:?}" "${SERFIQ_LIB_DIR:?}" "${SERFIQ_INCLUDE_DIR:?}" "${SERFIQ_MODEL:?}"
: "${SERFIQ_DETECTOR:?}" "${SERFIQ_ORT_LIB:?}" "${SERFIQ_FIXTURES:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lib="$SERFIQ_JNI_LIB_DIR/libserfiq.so"
version=0.1.0

# The capture's frame sequence and what examples/c/capture.c prints for it (CaptureTest, Capture.java).
capture_dir="$root/target/java-capture"
bash "$root/tests/capture/reference.sh" "$capture_dir"
export SERFIQ_CAPTURE_DIR="$capture_dir"

cd "$here"
rm -rf target/surefire-reports
# Tests, then the jar (package runs test first; -q keeps only failures; sed drops
# the stray colour codes Maven 3.8 prints even in batch mode).
mvn -B -q package \
    -Dserfiq.library.path="$lib" \
    -Dserfiq.model="$SERFIQ_MODEL" \
    -Dserfiq.detector="$SERFIQ_DETECTOR" \
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
javac -Xlint:all -Werror -cp "$jar_file" -d "$ex/classes" "$root/examples/java/Capture.java"

photo="$SERFIQ_FIXTURES/face.ppm"

# The example's output equals the C example's: the same lines and words, every
# number within 1e-6.
same_as() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys
route, got_path, want_path = sys.argv[1:]
got = open(got_path).read().splitlines()
want = open(want_path).read().splitlines()
def fail(why):
    sys.exit(f"java example ({route}): {why} (C reference: {want_path})")
if len(got) != len(want):
    fail(f"{len(got)} lines, the C example printed {len(want)}")
for n, (g, w) in enumerate(zip(got, want), 1):
    gw, ww = g.split(), w.split()
    if len(gw) != len(ww):
        fail(f"line {n} has {len(gw)} words, C has {len(ww)}")
    for a, b in zip(gw, ww):
        try:
            if abs(float(a) - float(b)) > 1e-6:
                fail(f"line {n}: {a} differs from {b}")
        except ValueError:
            if a != b:
                fail(f"line {n}: '{a}' instead of '{b}'")
print(f"java example ({route}): {want[0]}, {len(got)} lines match the C reference within 1e-6")
PY
}

# 1. -Dserfiq.library.path, model as the first argument: the whole photo.
java -Dserfiq.library.path="$lib" -cp "$jar_file:$ex/classes" \
    Score "$SERFIQ_MODEL" "$photo" --detector "$SERFIQ_DETECTOR" --embedding > "$ex/photo.txt"
same_as "serfiq.library.path" "$ex/photo.txt" "$SERFIQ_FIXTURES/photo.reference"

# 2. libserfiq.so packaged in the jar under /native/<os>-<arch>/ (ONNX Runtime via SERFIQ_ORT_LIB).
arch="$(uname -m)"
case "$arch" in amd64) arch=x86_64 ;; arm64) arch=aarch64 ;; esac
mkdir -p "$ex/stage/native/linux-$arch"
cp "$lib" "$ex/stage/native/linux-$arch/libserfiq.so"
cp "$jar_file" "$ex/serfiq-with-native.jar"
jar uf "$ex/serfiq-with-native.jar" -C "$ex/stage" native
java -cp "$ex/serfiq-with-native.jar:$ex/classes" \
    Score "$SERFIQ_MODEL" "$photo" --detector "$SERFIQ_DETECTOR" --embedding > "$ex/packaged.txt"
same_as "packaged in the jar" "$ex/packaged.txt" "$SERFIQ_FIXTURES/photo.reference"

# 3. System.loadLibrary via java.library.path (the Android route); model from
#    SERFIQ_MODEL, ONNX Runtime found next to libserfiq.so.
env -u SERFIQ_ORT_LIB java -Djava.library.path="$SERFIQ_JNI_LIB_DIR" -cp "$jar_file:$ex/classes" \
    Score "$photo" --detector "$SERFIQ_DETECTOR" > "$ex/loadlibrary.txt"
awk 'NR == 1 || $1 == "face" || $1 == "landmarks" || $1 == "confidence"' "$SERFIQ_FIXTURES/photo.reference" \
    > "$ex/photo-no-embedding.reference"
same_as "System.loadLibrary" "$ex/loadlibrary.txt" "$ex/photo-no-embedding.reference"

# One face given its landmarks: the C example's face.reference.
java -Dserfiq.library.path="$lib" -cp "$jar_file:$ex/classes" \
    Score "$photo" "$SERFIQ_FIXTURES/face.landmarks" --embedding > "$ex/face.txt"
same_as "landmarks" "$ex/face.txt" "$SERFIQ_FIXTURES/face.reference"

# The plain C build has no Java entry points: a SerfiqException (ABI_MISMATCH), not a crash.
if java -Dserfiq.library.path="$SERFIQ_LIB_DIR/libserfiq.so" -cp "$jar_file:$ex/classes" \
    Score "$photo" --detector "$SERFIQ_DETECTOR" > /dev/null 2> "$ex/plain.err"; then
    echo "java example: the plain C build of libserfiq was accepted" >&2
    exit 1
fi
grep -q "ABI_MISMATCH: libserfiq has no JNI entry points" "$ex/plain.err" \
    || { echo "java example: the plain C build gave: $(cat "$ex/plain.err")" >&2; exit 1; }
echo "java example: the plain C build is refused with ABI_MISMATCH"

# The camera loop over the capture's frames: exactly what examples/c/capture.c printed.
java -Dserfiq.library.path="$lib" -cp "$jar_file:$ex/classes" \
    Capture "$SERFIQ_MODEL" "$SERFIQ_DETECTOR" "$capture_dir/frames" > "$ex/capture.txt"
diff "$capture_dir/reference.txt" "$ex/capture.txt" >&2 \
    || { echo "java example: Capture.java printed another sequence than examples/c/capture.c" >&2; exit 1; }
echo "java example (capture): $(wc -l < "$ex/capture.txt") lines identical to C's ($(tail -n 1 "$ex/capture.txt"))"
