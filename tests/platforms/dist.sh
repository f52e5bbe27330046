#!/usr/bin/env bash
# Checks what `make dist` wrote to target/dist/: every archive's, the jar's and the NuGet
# layout's files; SHA256SUMS; then, on this x86-64 Linux machine, the C example built
# through the archive's pkg-config file and its CMake package, the Java example run from
# the jar (its packaged natives), and Mono loading Serfiq.dll from the NuGet layout
# (examples/csharp/Kiosk.cs): each equal to the C example's reference output.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIST="$ROOT/target/dist" FIX="$ROOT/target/fixtures" WORK="$ROOT/target/dist-test"
VERSION=0.1.0
rm -rf "$WORK" && mkdir -p "$WORK"
fail() { echo "dist test: $*" >&2; exit 1; }
has() { # LISTING NAME...: each NAME is a line of LISTING
  local listing="$1"; shift
  for f in "$@"; do grep -qxF "$f" "$listing" || fail "$(basename "$listing" .list) lacks $f"; done
}

(cd "$DIST" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
echo "dist test: SHA256SUMS verified ($(wc -l < "$DIST/SHA256SUMS") files)"

common=(include/serfiq.h include/serfiq.hpp lib/cmake/serfiq/serfiqConfig.cmake lib/pkgconfig/serfiq.pc
        share/serfiq/models/fr_feature.onnx share/serfiq/models/retinaface_mnet025.onnx README.md
        LICENSES/serfiq.LICENSE LICENSES/onnxruntime.LICENSE LICENSES/onnxruntime.ThirdPartyNotices.txt
        LICENSES/fr_feature.LICENSE LICENSES/retinaface_mnet025.LICENSE LICENSES/LICENSE.lightqnet
        share/serfiq/models/quality/lightqnet-dm025.onnx share/serfiq/models/quality/PROVENANCE.md)
for p in linux-x86_64 linux-aarch64 windows-x86_64; do
  name="serfiq-$VERSION-$p"
  tar -tzf "$DIST/$name.tar.gz" | sed "s|^$name/||" > "$WORK/$p.list"
  has "$WORK/$p.list" "${common[@]}"
  case $p in
    windows-*) has "$WORK/$p.list" bin/serfiq.dll bin/serfiq.exe bin/onnxruntime.dll lib/libserfiq.dll.a lib/libserfiq.a ;;
    *) has "$WORK/$p.list" lib/libserfiq.so.1 lib/libserfiq.so lib/libserfiq.a lib/libonnxruntime.so.1 ;;
  esac
  tar -xzf "$DIST/$name.tar.gz" -C "$WORK"
done
file_is() { file -b "$1" | grep -q "$2" || fail "$1 is not $2: $(file -b "$1")"; }
file_is "$WORK/serfiq-$VERSION-linux-aarch64/lib/libserfiq.so.1" "ARM aarch64"
file_is "$WORK/serfiq-$VERSION-linux-aarch64/lib/libonnxruntime.so.1" "ARM aarch64"
file_is "$WORK/serfiq-$VERSION-windows-x86_64/bin/serfiq.dll" "PE32+ executable (DLL).*x86-64"
file_is "$WORK/serfiq-$VERSION-linux-x86_64/lib/libserfiq.so.1" "x86-64"
for p in linux-x86_64 linux-aarch64 windows-x86_64; do
  cmp -s "$ROOT/models/quality/lightqnet-dm025.onnx" "$WORK/serfiq-$VERSION-$p/share/serfiq/models/quality/lightqnet-dm025.onnx" \
    || fail "the $p archive's quality network is not models/quality/lightqnet-dm025.onnx"
done
echo "dist test: the three C/C++ archives hold their files, for their architectures"

# C example through pkg-config and through CMake, linked against the x86-64 archive.
x="$WORK/serfiq-$VERSION-linux-x86_64"
model="$x/share/serfiq/models/fr_feature.onnx"
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -pedantic "$ROOT/examples/c/score.c" -o "$WORK/c-score-pc" \
  $(PKG_CONFIG_PATH="$x/lib/pkgconfig" pkg-config --cflags --libs serfiq) -Wl,-rpath,"$x/lib"
env -u SERFIQ_ORT_LIB "$WORK/c-score-pc" "$model" "$FIX/face.ppm" "$FIX/face.landmarks" --embedding > "$WORK/pc.out"
python3 "$ROOT/tests/platforms/compare.py" "$FIX/face.reference" "$WORK/pc.out" 0 "archive via pkg-config"
mkdir -p "$WORK/cmake"
cat > "$WORK/cmake/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(score C)
find_package(serfiq REQUIRED)
add_executable(c-score "$ROOT/examples/c/score.c")
target_link_libraries(c-score PRIVATE serfiq::serfiq)
CMAKE
cmake -S "$WORK/cmake" -B "$WORK/cmake/build" -Dserfiq_DIR="$x/lib/cmake/serfiq" > "$WORK/cmake.log"
cmake --build "$WORK/cmake/build" >> "$WORK/cmake.log"
env -u SERFIQ_ORT_LIB "$WORK/cmake/build/c-score" "$model" "$FIX/face.ppm" "$FIX/face.landmarks" --embedding > "$WORK/cmake.out"
python3 "$ROOT/tests/platforms/compare.py" "$FIX/face.reference" "$WORK/cmake.out" 0 "archive via CMake"

# The jar: natives for three platforms; the example runs from it here.
jar="$DIST/java/serfiq-$VERSION.jar"
unzip -Z1 "$jar" > "$WORK/jar.list"
has "$WORK/jar.list" org/serfiq/NativeLoader.class org/serfiq/SafetyNet.class \
  native/linux-x86_64/libserfiq.so native/linux-x86_64/libonnxruntime.so.1 \
  native/linux-aarch64/libserfiq.so native/linux-aarch64/libonnxruntime.so.1 \
  native/windows-x86_64/serfiq.dll native/windows-x86_64/onnxruntime.dll META-INF/LICENSES/serfiq.LICENSE \
  org/serfiq/quality/lightqnet-dm025.onnx org/serfiq/quality/LICENSE.lightqnet org/serfiq/quality/PROVENANCE.md
mkdir -p "$WORK/java/classes"
javac -Xlint:all -Werror -cp "$jar" -d "$WORK/java/classes" "$ROOT/examples/java/Score.java"
env -u SERFIQ_ORT_LIB SERFIQ_MODEL="$model" java -cp "$jar:$WORK/java/classes" \
  Score "$FIX/face.ppm" "$FIX/face.landmarks" --embedding > "$WORK/java.out"
python3 "$ROOT/tests/platforms/compare.py" "$FIX/face.reference" "$WORK/java.out" 1e-6 "Java example from the jar"

# The NuGet layout; Mono loads the managed assembly from lib/netstandard2.0.
n="$DIST/nuget/Serfiq"
(cd "$n" && find . -type f -printf '%P\n' | sort) > "$WORK/nuget.list"
has "$WORK/nuget.list" Serfiq.nuspec README.md lib/netstandard2.0/Serfiq.dll lib/netstandard2.0/Serfiq.dll.config \
  runtimes/win-x64/native/serfiq.dll runtimes/win-x64/native/onnxruntime.dll \
  runtimes/linux-x64/native/libserfiq.so runtimes/linux-x64/native/libonnxruntime.so.1 \
  runtimes/linux-arm64/native/libserfiq.so runtimes/linux-arm64/native/libonnxruntime.so.1 LICENSES/serfiq.LICENSE
python3 - "$n/Serfiq.nuspec" <<'PY' || fail "Serfiq.nuspec"
import sys, xml.etree.ElementTree as ET
ns = {"n": "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"}
m = ET.parse(sys.argv[1]).getroot().find("n:metadata", ns)
assert m.find("n:id", ns).text == "Serfiq" and m.find("n:version", ns).text == "0.1.0", "id/version"
PY
file_is "$n/runtimes/linux-arm64/native/libserfiq.so" "ARM aarch64"
mcs -nologo -target:exe -out:"$WORK/Kiosk.exe" -r:"$n/lib/netstandard2.0/Serfiq.dll" "$ROOT/examples/csharp/Kiosk.cs"
env -u SERFIQ_ORT_LIB MONO_PATH="$n/lib/netstandard2.0" LD_LIBRARY_PATH="$n/runtimes/linux-x64/native" \
  mono "$WORK/Kiosk.exe" "$FIX/face.ppm" "$FIX/face.landmarks" --model "$model" > "$WORK/kiosk.out"
head -1 "$WORK/kiosk.out" > "$WORK/kiosk.sq"
head -1 "$FIX/face.reference" > "$WORK/reference.sq"
python3 "$ROOT/tests/platforms/compare.py" "$WORK/reference.sq" "$WORK/kiosk.sq" 1e-6 "C# (Mono) from the NuGet layout"
[[ -f "$WORK/Kiosk.exe" && ! -e "$WORK/Serfiq.dll" ]] || fail "Serfiq.dll must come from the NuGet layout only"

# The C libraries carry no Java entry points; the jar's natives do (the JNI builds).
jni_exports() { # FILE: how many Java_org_serfiq_ exports
  case "$(file -b "$1")" in
    *PE32+*) x86_64-w64-mingw32-objdump -p "$1" ;;
    *aarch64*) aarch64-linux-gnu-nm -D --defined-only "$1" ;;
    *) nm -D --defined-only "$1" ;;
  esac | grep -c 'Java_org_serfiq_' || true
}
unzip -q -o "$jar" 'native/*' -d "$WORK/jar"
for f in "$WORK/serfiq-$VERSION-linux-x86_64/lib/libserfiq.so.1" "$WORK/serfiq-$VERSION-linux-aarch64/lib/libserfiq.so.1" \
         "$WORK/serfiq-$VERSION-windows-x86_64/bin/serfiq.dll" "$n/runtimes/linux-arm64/native/libserfiq.so"; do
  [[ $(jni_exports "$f") == 0 ]] || fail "$f (a C build) exports JNI functions"
done
for f in "$WORK"/jar/native/*/libserfiq.so "$WORK/jar/native/windows-x86_64/serfiq.dll"; do
  [[ $(jni_exports "$f") -gt 0 ]] || fail "$f (in the jar) has no JNI entry points"
done
echo "dist test: C builds export no JNI functions; the jar's three natives do"
