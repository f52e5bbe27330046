#!/usr/bin/env bash
# Tests of the C++ binding, run by `make bindings-test`:
#   1. serfiq.hpp's Status enum lists exactly the header's status macros;
#   2. cmake build (target/cpp/build) of the GoogleTest tests and examples/cpp/score.cpp,
#      all with -Wall -Wextra -Werror -pedantic; run the tests;
#   3. the example reproduces the C API's output: on the whole photo with the detector
#      (photo.reference, every face) and on the face given its landmarks (face.reference);
#      examples/cpp/capture.cpp prints what examples/c/capture.c prints over the
#      capture's frame sequence (tests/capture/reference.sh), as capture_test checks;
#   4. `cmake --install` into a temporary prefix (lib/libserfiq.so.1, the SONAME, and
#      the dev link lib/libserfiq.so), then a separate project finds it with
#      find_package(serfiq) and another builds with pkg-config; all record
#      libserfiq.so.1 and run.
# Environment: SERFIQ_LIB_DIR SERFIQ_INCLUDE_DIR SERFIQ_MODEL SERFIQ_DETECTOR SERFIQ_ORT_LIB SERFIQ_FIXTURES.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/cpp"
for v in SERFIQ_LIB_DIR SERFIQ_INCLUDE_DIR SERFIQ_MODEL SERFIQ_DETECTOR SERFIQ_ORT_LIB SERFIQ_FIXTURES; do
    if [ -z "${!v:-}" ]; then echo "test.sh: set $v (make bindings-test does)" >&2; exit 2; fi
done
export SERFIQ_MODEL SERFIQ_DETECTOR SERFIQ_ORT_LIB SERFIQ_FIXTURES
# The model's and the detector's digests, computed outside libserfiq, for the
# model_sha256 and detector_sha256 tests.
SERFIQ_MODEL_SHA256="$(sha256sum "$SERFIQ_MODEL" | awk '{print $1}')"
export SERFIQ_MODEL_SHA256
SERFIQ_DETECTOR_SHA256="$(sha256sum "$SERFIQ_DETECTOR" | awk '{print $1}')"
export SERFIQ_DETECTOR_SHA256
step() { echo "-- cpp: $*"; }

# GoogleTest from Debian (libgtest-dev), installed if missing.
if [ ! -f /usr/include/gtest/gtest.h ] || ! compgen -G '/usr/lib/*/libgtest.*' >/dev/null; then
    step "GoogleTest missing: apt-get install libgtest-dev"
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libgtest-dev
fi

step "Status enum of serfiq.hpp against the status macros of serfiq.h"
header_statuses="$(grep -oE '^#define (SERFIQ_OK|SERFIQ_ERR_[A-Z0-9_]+) ' "$SERFIQ_INCLUDE_DIR/serfiq.h" | awk '{print $2}' | sort)"
enum_statuses="$(sed -n '/^enum class Status/,/^};/p' "$here/include/serfiq.hpp" \
    | grep -oE '^ +[A-Za-z]+ = (SERFIQ_OK|SERFIQ_ERR_[A-Z0-9_]+),$' | awk '{print $3}' | tr -d ',' | sort)"
enum_lines="$(sed -n '/^enum class Status/,/^};/p' "$here/include/serfiq.hpp" | grep -c ' = ' || true)"
if [ "$header_statuses" != "$enum_statuses" ] || [ "$enum_lines" != "$(echo "$header_statuses" | wc -l)" ]; then
    echo "serfiq::Status and serfiq.h disagree:" >&2
    diff <(echo "$header_statuses") <(echo "$enum_statuses") >&2 || true
    exit 1
fi
echo "$(echo "$header_statuses" | wc -l) statuses, each from its macro"

step "serfiq.hpp compiles alone as C++17 and C++20 (-Wall -Wextra -Werror -pedantic)"
for std in c++17 c++20; do
    echo '#include "serfiq.hpp"' | g++ -std=$std -Wall -Wextra -Werror -pedantic -fsyntax-only \
        -I"$SERFIQ_INCLUDE_DIR" -I"$here/include" -x c++ -
done

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
step "configure and build target/cpp/build"
mkdir -p "$out"
cmake -S "$here" -B "$out/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DSERFIQ_LIB_DIR="$SERFIQ_LIB_DIR" -DSERFIQ_INCLUDE_DIR="$SERFIQ_INCLUDE_DIR" \
    -DSERFIQ_BUILD_TESTS=ON -DSERFIQ_BUILD_EXAMPLES=ON >"$out/configure.log" 2>&1 \
    || { cat "$out/configure.log" >&2; exit 1; }
cmake --build "$out/build" --parallel "$(nproc)"

step "the capture's frame sequence and its C reference (tests/capture/reference.sh)"
bash "$root/tests/capture/reference.sh" "$out/capture"
export SERFIQ_CAPTURE_DIR="$out/capture"

step "GoogleTest"
"$out/build/tests/serfiq_cpp_tests" --gtest_brief=1
"$out/build/tests/serfiq_cpp_abi_mismatch_test"
"$out/build/tests/serfiq_cpp_search_test" --gtest_brief=1

reference="$(head -1 "$SERFIQ_FIXTURES/face.reference")"
check_output() {  # name, output: "s q" must equal the C example's within 1e-6
    local name="$1" got="$2"
    if ! awk -v got="$got" -v ref="$reference" 'BEGIN {
            split(got, g, " "); split(ref, r, " ");
            d1 = g[1] - r[1]; d2 = g[2] - r[2];
            exit !(g[1] != "" && d1 < 1e-6 && -d1 < 1e-6 && d2 < 1e-6 && -d2 < 1e-6) }'; then
        echo "$name printed '$got', the C example '$reference'" >&2
        exit 1
    fi
    echo "$name: s q = $got (C: $reference)"
}

# check_photo NAME OUTPUT: OUTPUT must be photo.reference (the C API on the whole
# photo): the same words, line for line, numbers within 1e-6.
check_photo() {
    local name="$1" got="$2"
    if ! awk 'NR == FNR { ref[FNR] = $0; n = FNR; next }
              { m = FNR; a = split(ref[FNR], r, " "); b = split($0, g, " ");
                if (a != b) { print "line " FNR ": " b " fields, photo.reference has " a; bad = 1; next }
                for (i = 1; i <= a; i++) {
                    if (r[i] == g[i]) continue;
                    d = r[i] - g[i];
                    if (r[i] ~ /^[-+0-9.eE]+$/ && g[i] ~ /^[-+0-9.eE]+$/ && d < 1e-6 && -d < 1e-6) continue;
                    print "line " FNR " field " i ": " g[i] ", photo.reference " r[i]; bad = 1
                } }
              END { if (m != n) { print m " lines, photo.reference has " n; bad = 1 } exit bad }' \
            "$SERFIQ_FIXTURES/photo.reference" <(printf '%s\n' "$got") >&2; then
        echo "$name: the whole-photo output differs from photo.reference" >&2
        exit 1
    fi
    if [ "$got" = "$(cat "$SERFIQ_FIXTURES/photo.reference")" ]; then
        echo "$name: $(head -1 <<<"$got"), identical to photo.reference"
    else
        echo "$name: $(head -1 <<<"$got"), equal to photo.reference within 1e-6"
    fi
}
photo=("$SERFIQ_FIXTURES/face.ppm" --detector "$SERFIQ_DETECTOR" --embedding)

step "examples/cpp/score.cpp"
check_photo "example (whole photo)" "$("$out/build/examples/score" "$SERFIQ_MODEL" "${photo[@]}")"
check_photo "example (whole photo, model from SERFIQ_MODEL)" "$("$out/build/examples/score" "${photo[@]}")"
"$out/build/examples/score" "$SERFIQ_MODEL" "$SERFIQ_FIXTURES/noface.ppm" --detector "$SERFIQ_DETECTOR" >"$out/noface.out"
[ "$(cat "$out/noface.out")" = "faces 0" ] || { echo "example on noface.ppm printed: $(cat "$out/noface.out")" >&2; exit 1; }
echo "example (noface.ppm): faces 0"
face=("$SERFIQ_FIXTURES/face.ppm" "$SERFIQ_FIXTURES/face.landmarks")
check_output "example (model from argv)" "$("$out/build/examples/score" "$SERFIQ_MODEL" "${face[@]}")"
check_output "example (model from SERFIQ_MODEL)" "$("$out/build/examples/score" "${face[@]}")"
if [ "$("$out/build/examples/score" "$SERFIQ_MODEL" "${face[@]}" --embedding)" != "$(cat "$SERFIQ_FIXTURES/face.reference")" ]; then
    echo "example --embedding output differs from face.reference (examples/c/score.c)" >&2
    exit 1
fi
echo "example --embedding: identical to examples/c/score.c's output"
if "$out/build/examples/score" /nonexistent.onnx "${face[@]}" 2>"$out/example.err"; then
    echo "example accepted a missing model" >&2; exit 1
fi
grep -q SERFIQ_ERR_MODEL_NOT_FOUND "$out/example.err" || { cat "$out/example.err" >&2; exit 1; }

step "examples/cpp/capture.cpp against examples/c/capture.c"
"$out/build/examples/capture" "$SERFIQ_MODEL" "$SERFIQ_DETECTOR" "$out/capture/frames" >"$out/capture/cpp.txt"
if ! diff "$out/capture/reference.txt" "$out/capture/cpp.txt" >&2; then
    echo "examples/cpp/capture.cpp printed another sequence than examples/c/capture.c" >&2
    exit 1
fi
echo "capture example: $(wc -l <"$out/capture/cpp.txt") lines identical to C's ($(tail -1 "$out/capture/cpp.txt"))"

step "cmake --install into a temporary prefix"
prefix="$(mktemp -d "${TMPDIR:-/tmp}/serfiq-cpp-prefix.XXXXXX")"
trap 'rm -rf "$prefix"' EXIT
cmake --install "$out/build" --prefix "$prefix" >/dev/null
(cd "$prefix" && find . \( -type f -print \) -o \( -type l -printf '%p -> %l\n' \) | sort)
libdir="$(dirname "$(find "$prefix" -name libserfiq.so.1)")"
[ -f "$libdir/libserfiq.so.1" ] && [ ! -L "$libdir/libserfiq.so.1" ] \
    || { echo "install: $libdir/libserfiq.so.1 is not the library file" >&2; exit 1; }
[ -L "$libdir/libserfiq.so" ] && [ "$(readlink "$libdir/libserfiq.so")" = libserfiq.so.1 ] \
    || { echo "install: $libdir/libserfiq.so is not a link to libserfiq.so.1" >&2; exit 1; }
# grep -q reads from a here-string, not a pipe: with pipefail, a writer cut off by
# grep's early exit (SIGPIPE) would fail the check at random.
grep -q 'soname: \[libserfiq\.so\.1\]' <<<"$(readelf -d "$libdir/libserfiq.so.1")" \
    || { echo "install: libserfiq.so.1 lacks SONAME libserfiq.so.1" >&2; exit 1; }

# A program linked against libserfiq must ask for the SONAME, never a path.
check_needed() {  # name, executable
    local needed
    needed="$(readelf -d "$2" | sed -n 's/.*(NEEDED).*\[\(libserfiq[^]]*\)\]/\1/p')"
    [ "$needed" = libserfiq.so.1 ] || { echo "$1 needs '$needed', not libserfiq.so.1" >&2; exit 1; }
}
check_needed "tests" "$out/build/tests/serfiq_cpp_tests"

# The installed package must be self-contained: no SERFIQ_ORT_LIB, libonnxruntime
# comes from next to the installed libserfiq.so.
run_installed() { env -u SERFIQ_ORT_LIB "$@"; }

step "consumer project: find_package(serfiq) + serfiq::serfiq"
pc="$(find "$prefix" -name serfiq.pc)"
export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
version="$(pkg-config --modversion serfiq)"
rm -rf "$out/consumer"
cmake -S "$here/tests/consumer" -B "$out/consumer" "${generator[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
    -DSERFIQ_WANT_VERSION="${version%.*}" >"$out/consumer.configure.log" 2>&1 \
    || { cat "$out/consumer.configure.log" >&2; exit 1; }
grep 'found serfiq' "$out/consumer.configure.log"
cmake --build "$out/consumer" >/dev/null
check_needed "find_package consumer" "$out/consumer/consumer"
grep -q "libserfiq.so.1 => $libdir/libserfiq.so.1" <<<"$(ldd "$out/consumer/consumer")" \
    || { echo "consumer does not load the installed libserfiq.so" >&2; ldd "$out/consumer/consumer" >&2; exit 1; }
check_output "find_package consumer" "$(run_installed "$out/consumer/consumer" "$SERFIQ_MODEL" "${face[@]}")"
check_photo "find_package consumer" "$(run_installed "$out/consumer/consumer" "$SERFIQ_MODEL" "${photo[@]}")"
if cmake -S "$here/tests/consumer" -B "$out/consumer-badversion" -DCMAKE_PREFIX_PATH="$prefix" \
    -DSERFIQ_WANT_VERSION=99.0 >/dev/null 2>&1; then
    echo "find_package(serfiq 99.0) accepted version $version" >&2; exit 1
fi
rm -rf "$out/consumer-badversion"

step "pkg-config: $(pkg-config --cflags --libs serfiq)"
rpath="-Wl,-rpath,$(pkg-config --variable=libdir serfiq)"
# shellcheck disable=SC2046  # word splitting of pkg-config's flags is intended
g++ -std=c++17 -Wall -Wextra -Werror -pedantic "$root/examples/cpp/score.cpp" -o "$out/pkgconfig-score" \
    $(pkg-config --cflags --libs serfiq) "$rpath"
check_needed "pkg-config C++ consumer" "$out/pkgconfig-score"
check_output "pkg-config C++ consumer" "$(run_installed "$out/pkgconfig-score" "$SERFIQ_MODEL" "${face[@]}")"
check_photo "pkg-config C++ consumer" "$(run_installed "$out/pkgconfig-score" "$SERFIQ_MODEL" "${photo[@]}")"
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -pedantic "$root/examples/c/score.c" -o "$out/pkgconfig-c-score" \
    $(pkg-config --cflags --libs serfiq) "$rpath"
check_needed "pkg-config C consumer" "$out/pkgconfig-c-score"
check_output "pkg-config C consumer" "$(run_installed "$out/pkgconfig-c-score" "$SERFIQ_MODEL" "${face[@]}")"

step "ok"
