#!/usr/bin/env bash
# The README's examples (examples/{c,cpp,csharp,java,python}/quickstart.*), built and run on the
# fixture photo: C's s equals the C API's photo reference; C and C++ are given the shipped quality
# network (models/quality/), which C# and Java carry by default, and those three print exactly what
# C prints (s, q100 and the feedback messages); Python, whose Model() also carries the wheel's
# quality network, prints the same s. Run by `make quickstart` after the bindings' own tests have built
# Serfiq.dll (target/csharp), the jar (bindings/java/target) and the Python test venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${SERFIQ_LIB_DIR:?}" "${SERFIQ_INCLUDE_DIR:?}" "${SERFIQ_MODEL:?}" "${SERFIQ_DETECTOR:?}" "${SERFIQ_FIXTURES:?}"
: "${SERFIQ_JNI_LIB_DIR:?}"
out="$root/target/quickstart"
mkdir -p "$out"
photo="$SERFIQ_FIXTURES/face.ppm"
fail() { echo "quickstart: $*" >&2; exit 1; }

gcc -std=c11 -Wall -Wextra -Werror -pedantic -I"$SERFIQ_INCLUDE_DIR" "$root/examples/c/quickstart.c" -o "$out/c" \
    -L"$SERFIQ_LIB_DIR" -lserfiq -Wl,-rpath,"$SERFIQ_LIB_DIR"
net="$root/models/quality/lightqnet-dm025.onnx"
"$out/c" "$SERFIQ_MODEL" "$SERFIQ_DETECTOR" "$photo" "$net" > "$out/c.txt"
want_s="$(awk '/^confidence/ { printf "%.6f", $4; exit }' "$SERFIQ_FIXTURES/photo.reference")"
read -r _ got_s _ _ < "$out/c.txt"
[ "$got_s" = "$want_s" ] || fail "C printed s $got_s, the C API's photo reference $want_s"
echo "C: $(head -1 "$out/c.txt"), $(($(wc -l < "$out/c.txt") - 1)) feedback messages; s as photo.reference"

same() { # name, output file: exactly C's output
    cmp -s "$out/c.txt" "$2" || { diff "$out/c.txt" "$2" >&2; fail "$1 differs from C"; }
    echo "$1: identical to C"
}

g++ -std=c++17 -Wall -Wextra -Werror -pedantic -I"$root/bindings/cpp/include" -I"$SERFIQ_INCLUDE_DIR" \
    "$root/examples/cpp/quickstart.cpp" -o "$out/cpp" -L"$SERFIQ_LIB_DIR" -lserfiq -Wl,-rpath,"$SERFIQ_LIB_DIR"
"$out/cpp" "$SERFIQ_MODEL" "$SERFIQ_DETECTOR" "$photo" "$net" > "$out/cpp.txt"
same "C++" "$out/cpp.txt"

cs="$root/target/csharp"
[ -f "$cs/Serfiq.dll" ] || fail "$cs/Serfiq.dll is missing: run bindings/csharp/test.sh first"
mcs -nologo -langversion:7.2 -warnaserror -target:exe -out:"$cs/Quickstart.exe" -r:"$cs/Serfiq.dll" \
    "$root/examples/csharp/Quickstart.cs"
mono "$cs/Quickstart.exe" "$SERFIQ_MODEL" "$SERFIQ_DETECTOR" "$photo" > "$out/csharp.txt"
same "C#" "$out/csharp.txt"

jar_file="$(ls "$root"/bindings/java/target/serfiq-*.jar 2>/dev/null | grep -v -- '-sources\|-javadoc' | head -n 1)"
[ -n "$jar_file" ] || fail "the Java binding's jar is missing: run bindings/java/test.sh first"
mkdir -p "$out/java"
javac -Xlint:all -Werror -cp "$jar_file" -d "$out/java" "$root/examples/java/Quickstart.java"
java -Dserfiq.library.path="$SERFIQ_JNI_LIB_DIR/libserfiq.so" -cp "$jar_file:$out/java" \
    Quickstart "$SERFIQ_MODEL" "$SERFIQ_DETECTOR" "$photo" > "$out/java.txt"
same "Java" "$out/java.txt"

py="$root/target/python/test-venv/bin/python"
[ -x "$py" ] || fail "$py is missing: run make python-test first"
env -u SERFIQ_ORT_LIB "$py" "$root/examples/python/quickstart.py" "$photo" > "$out/python.txt"
read -r _ py_s _ q100 < "$out/python.txt"
[ "$py_s" = "$want_s" ] || fail "Python printed s $py_s, C $want_s"
echo "Python: $(head -1 "$out/python.txt") (q100 of the fused f with the quality network), s as C"
