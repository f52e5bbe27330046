#!/usr/bin/env bash
# Packages in each ecosystem's shape, into target/dist/ (make dist):
#   serfiq-VERSION-<platform>.tar.gz   C/C++: include/, lib/ (bin/ on Windows), CMake config,
#                                      pkg-config, the default models, LICENSES/; + SHA256SUMS
#   java/serfiq-VERSION.jar            the Java binding with JNI natives under /native/<os>-<arch>/
#   nuget/Serfiq/                      the NuGet layout (runtimes/<rid>/native/, lib/netstandard2.0/)
#                                      with Serfiq.nuspec at its root
# Expects the builds that `make dist` runs first: build, jni-lib, windows, arm64.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VERSION=0.1.0
CACHE="$ROOT/.cache"
DIST="$ROOT/target/dist"
STAGE="$ROOT/target/dist-stage"
WIN=x86_64-pc-windows-gnu ARM=aarch64-unknown-linux-gnu
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
rm -rf "$DIST" "$STAGE"
mkdir -p "$DIST" "$STAGE"

# Each platform: its libraries (C build and JNI build), ONNX Runtime, strip tool.
declare -A ORT=([linux-x86_64]="$CACHE/onnxruntime/lib" [linux-aarch64]="$CACHE/onnxruntime/linux-aarch64"
                [windows-x86_64]="$CACHE/onnxruntime/windows-x86_64")
declare -A STRIP=([linux-x86_64]=strip [linux-aarch64]=aarch64-linux-gnu-strip [windows-x86_64]=x86_64-w64-mingw32-strip)
declare -A RID=([linux-x86_64]=linux-x64 [linux-aarch64]=linux-arm64 [windows-x86_64]=win-x64)
PLATFORMS=(linux-x86_64 linux-aarch64 windows-x86_64)

licenses() { # DIR: serfiq's, ONNX Runtime's (the wheel's) and the default models' licenses
  mkdir -p "$1"
  cp LICENSE "$1/serfiq.LICENSE"
  cp "$CACHE/onnxruntime/linux-aarch64/LICENSE" "$1/onnxruntime.LICENSE"
  cp "$CACHE/onnxruntime/windows-x86_64/ThirdPartyNotices.txt" "$1/onnxruntime.ThirdPartyNotices.txt"
  cp "$CACHE/models/fr_feature.LICENSE" "$CACHE/models/retinaface_mnet025.LICENSE" "$1/"
  cp models/quality/LICENSE.lightqnet "$1/"
}

# --- the C libraries (C build: no JNI symbols), stripped of debug info ------------------------------
for p in "${PLATFORMS[@]}"; do mkdir -p "$STAGE/$p/c" "$STAGE/$p/jni"; done
# Up to date after make windows/arm64, relinked when the JNI build below last ran.
cargo build --release --locked --target $ARM -p serfiq
cargo build --release --locked --target $WIN -p serfiq -p serfiq-cli
cp target/release/libserfiq.so target/release/libserfiq.a "$STAGE/linux-x86_64/c/"
cp target/$ARM/release/libserfiq.so target/$ARM/release/libserfiq.a "$STAGE/linux-aarch64/c/"
cp target/$WIN/release/serfiq.dll target/$WIN/release/libserfiq.dll.a target/$WIN/release/libserfiq.a \
   target/$WIN/release/serfiq.exe "$STAGE/windows-x86_64/c/"
# The JNI builds: x86-64 from make jni-lib; the cross ones here (only the serfiq crate recompiles;
# the next `make windows`/`make arm64` relinks the C build).
cp target/jni/release/libserfiq.so "$STAGE/linux-x86_64/jni/"
cargo build --release --locked -p serfiq --features jni --target $ARM
cp target/$ARM/release/libserfiq.so "$STAGE/linux-aarch64/jni/"
cargo build --release --locked -p serfiq --features jni --target $WIN
cp target/$WIN/release/serfiq.dll "$STAGE/windows-x86_64/jni/"
for p in "${PLATFORMS[@]}"; do
  for f in "$STAGE/$p"/c/*.so "$STAGE/$p"/c/*.dll "$STAGE/$p"/c/*.exe "$STAGE/$p"/jni/*; do
    if [[ -f "$f" ]]; then "${STRIP[$p]}" --strip-debug "$f"; fi
  done
done

# --- C/C++ archives ---------------------------------------------------------------------------------
cmake_config() { # OUT LOCATION [IMPLIB]: serfiqConfig.cmake with paths relative to the package
  local implib=""
  [[ $# -ge 3 ]] && implib="IMPORTED_IMPLIB \"\${_serfiq_root}/$3\""
  cat > "$1" <<CMAKE
# serfiq CMake package: find_package(serfiq) gives the imported target serfiq::serfiq.
get_filename_component(_serfiq_root "\${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET serfiq::serfiq)
  add_library(serfiq::serfiq SHARED IMPORTED)
  set_target_properties(serfiq::serfiq PROPERTIES
    IMPORTED_LOCATION "\${_serfiq_root}/$2"
    $implib
    INTERFACE_INCLUDE_DIRECTORIES "\${_serfiq_root}/include")
endif()
set(serfiq_VERSION $VERSION)
CMAKE
}
pkg_config() { # OUT: serfiq.pc relative to its own folder
  cat > "$1" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: serfiq
Description: SER-FIQ face image quality (C API serfiq.h, header-only C++17 serfiq.hpp)
Version: $VERSION
Libs: -L\${libdir} -lserfiq
Cflags: -I\${includedir}
PC
}
for p in "${PLATFORMS[@]}"; do
  name="serfiq-$VERSION-$p" d="$STAGE/archives/serfiq-$VERSION-$p"
  mkdir -p "$d/include" "$d/lib/cmake/serfiq" "$d/lib/pkgconfig" "$d/share/serfiq/models"
  cp include/serfiq.h bindings/cpp/include/serfiq.hpp "$d/include/"
  cp "$CACHE/models/fr_feature.onnx" "$CACHE/models/retinaface_mnet025.onnx" "$d/share/serfiq/models/"
  # The second quality network, where serfiq(.exe) in bin/ finds it by default.
  mkdir -p "$d/share/serfiq/models/quality"
  cp models/quality/lightqnet-dm025.onnx models/quality/PROVENANCE.md "$d/share/serfiq/models/quality/"
  licenses "$d/LICENSES"
  cp README.md "$d/"
  if [[ $p == windows-* ]]; then
    mkdir -p "$d/bin"
    cp "$STAGE/$p/c/serfiq.dll" "$STAGE/$p/c/serfiq.exe" "${ORT[$p]}/onnxruntime.dll" "$d/bin/"
    cp "$STAGE/$p/c/libserfiq.dll.a" "$STAGE/$p/c/libserfiq.a" "$d/lib/"
    cmake_config "$d/lib/cmake/serfiq/serfiqConfig.cmake" bin/serfiq.dll lib/libserfiq.dll.a
  else
    cp "$STAGE/$p/c/libserfiq.so" "$d/lib/libserfiq.so.1"
    ln -s libserfiq.so.1 "$d/lib/libserfiq.so"
    cp "$STAGE/$p/c/libserfiq.a" "$d/lib/"
    cp "${ORT[$p]}/libonnxruntime.so.1.31.1" "$d/lib/libonnxruntime.so.1"
    cmake_config "$d/lib/cmake/serfiq/serfiqConfig.cmake" lib/libserfiq.so.1
  fi
  pkg_config "$d/lib/pkgconfig/serfiq.pc"
  tar -czf "$DIST/$name.tar.gz" -C "$STAGE/archives" "$name"
done

# --- Java: the binding's jar plus natives for each platform -----------------------------------------
(cd bindings/java && mvn -B -q -DskipTests package 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
mkdir -p "$DIST/java" "$STAGE/jar/native/linux-x86_64" "$STAGE/jar/native/linux-aarch64" "$STAGE/jar/native/windows-x86_64"
cp bindings/java/target/serfiq-$VERSION.jar "$DIST/java/"
for p in linux-x86_64 linux-aarch64; do
  cp "$STAGE/$p/jni/libserfiq.so" "$STAGE/jar/native/$p/"
  cp "${ORT[$p]}/libonnxruntime.so.1.31.1" "$STAGE/jar/native/$p/libonnxruntime.so.1"
done
cp "$STAGE/windows-x86_64/jni/serfiq.dll" "${ORT[windows-x86_64]}/onnxruntime.dll" "$STAGE/jar/native/windows-x86_64/"
licenses "$STAGE/jar/META-INF/LICENSES"
jar uf "$DIST/java/serfiq-$VERSION.jar" -C "$STAGE/jar" native -C "$STAGE/jar" META-INF/LICENSES

# --- NuGet layout -------------------------------------------------------------------------------------
n="$DIST/nuget/Serfiq"
mkdir -p "$n/lib/netstandard2.0"
embed=() # the default quality network and its notes, as bindings/csharp/test.sh embeds them
for f in lightqnet-dm025.onnx LICENSE.lightqnet PROVENANCE.md; do embed+=("-resource:models/quality/$f,Serfiq.quality.$f"); done
mcs -nologo -langversion:7.2 -unsafe -optimize+ -warnaserror -target:library -doc:"$n/lib/netstandard2.0/Serfiq.xml" \
  -out:"$n/lib/netstandard2.0/Serfiq.dll" "${embed[@]}" bindings/csharp/src/*.cs
cp bindings/csharp/src/Serfiq.dll.config "$n/lib/netstandard2.0/"
for p in "${PLATFORMS[@]}"; do
  r="$n/runtimes/${RID[$p]}/native"
  mkdir -p "$r"
  if [[ $p == windows-* ]]; then
    cp "$STAGE/$p/c/serfiq.dll" "${ORT[$p]}/onnxruntime.dll" "$r/"
  else
    cp "$STAGE/$p/c/libserfiq.so" "$r/"
    cp "${ORT[$p]}/libonnxruntime.so.1.31.1" "$r/libonnxruntime.so.1"
  fi
done
licenses "$n/LICENSES"
cp bindings/csharp/README.md "$n/README.md"
cp bindings/csharp/Serfiq.nuspec "$n/"

(cd "$DIST" && find . -type f ! -name SHA256SUMS ! -path './nuget/*' -printf '%P\n' | sort | xargs sha256sum > SHA256SUMS)
echo "dist: $(cd "$DIST" && find . -type f | wc -l) files in target/dist:"
(cd "$DIST" && ls -l *.tar.gz java/*.jar | awk '{ printf "  %10d  %s\n", $5, $NF }')
