#!/usr/bin/env bash
# C# binding: build Serfiq.dll, its NUnit tests and the examples in examples/csharp with Mono's
# mcs, run the tests, then the examples: Kiosk.cs (once through a dllmap, once through
# LD_LIBRARY_PATH) and Faces.cs on the whole photo against the C API's photo.reference.
# Capture.cs over tests/capture/frames.c's sequence against examples/c/capture.c.
# Called by `make bindings-test` with SERFIQ_LIB_DIR, SERFIQ_INCLUDE_DIR, SERFIQ_MODEL,
# SERFIQ_DETECTOR, SERFIQ_ORT_LIB and SERFIQ_FIXTURES set. Installs Mono and NUnit 2.6 from apt
# when missing; needs gcc (the struct-layout probe).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${SERFIQ_LIB_DIR:?}" "${SERFIQ_INCLUDE_DIR:?}" "${SERFIQ_MODEL:?}" "${SERFIQ_DETECTOR:?}" "${SERFIQ_ORT_LIB:?}" \
  "${SERFIQ_FIXTURES:?}"
export SERFIQ_LIB_DIR SERFIQ_INCLUDE_DIR SERFIQ_MODEL SERFIQ_DETECTOR SERFIQ_ORT_LIB SERFIQ_FIXTURES
out="$root/target/csharp"

# --- toolchain: Debian/Ubuntu packages (mcs, mono, nunit-console + nunit.framework 2.6) ------
packages=(mono-mcs mono-runtime nunit-console libnunit-cil-dev)
nunit_framework() { find /usr/lib/cli /usr/lib/mono -name nunit.framework.dll -path '*nunit.framework*' 2>/dev/null | sort | head -n 1; }
if ! command -v mcs >/dev/null || ! command -v mono >/dev/null || ! command -v nunit-console >/dev/null ||
   [ -z "$(nunit_framework)" ]; then
    echo "installing ${packages[*]}"
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
framework="$(nunit_framework)"
[ -n "$framework" ] || { echo "nunit.framework.dll not found after installing ${packages[*]}" >&2; exit 1; }

# --- build -----------------------------------------------------------------------------------
rm -rf "$out"
mkdir -p "$out/ldpath"
mcs_flags=(-nologo -langversion:7.2 -unsafe -optimize+ -debug -warnaserror)
# The default quality network, its licence and provenance note, embedded in Serfiq.dll (src/BundledQualityNet.cs;
# Serfiq.csproj and scripts/dist.sh embed the same three files under the same names).
embed=()
for f in lightqnet-dm025.onnx LICENSE.lightqnet PROVENANCE.md; do embed+=("-resource:$root/models/quality/$f,Serfiq.quality.$f"); done
export SERFIQ_CSHARP_QUALITY_NET="$root/models/quality/lightqnet-dm025.onnx"
mcs "${mcs_flags[@]}" -target:library -doc:"$out/Serfiq.xml" -out:"$out/Serfiq.dll" "${embed[@]}" "$here"/src/*.cs
mcs "${mcs_flags[@]}" -target:library -out:"$out/Serfiq.Tests.dll" \
    -r:"$out/Serfiq.dll" -r:"$framework" "$here"/tests/*.cs
mcs "${mcs_flags[@]}" -target:exe -out:"$out/Kiosk.exe" -r:"$out/Serfiq.dll" "$root"/examples/csharp/Kiosk.cs
mcs "${mcs_flags[@]}" -target:exe -out:"$out/Faces.exe" -r:"$out/Serfiq.dll" "$root"/examples/csharp/Faces.cs
mcs "${mcs_flags[@]}" -target:exe -out:"$out/Capture.exe" -r:"$out/Serfiq.dll" "$root"/examples/csharp/Capture.cs
mcs "${mcs_flags[@]}" -target:exe -out:"$out/ExplicitOnly.exe" -r:"$out/Serfiq.dll" "$here"/tests/search/ExplicitOnly.cs

# Mono maps DllImport("serfiq") through Serfiq.dll.config next to Serfiq.dll; point it at
# this build's library (the shipped template, src/Serfiq.dll.config, leaves it to the loader).
cat > "$out/Serfiq.dll.config" <<XML
<configuration>
  <dllmap dll="serfiq" target="$SERFIQ_LIB_DIR/libserfiq.so" os="linux" />
</configuration>
XML

# The C compiler's view of serfiq.h's structs, for the layout test (StructLayoutsMatchC):
# "sizeof NAME N", "offsetof STRUCT FIELD N", "SERFIQ_OPTIONS_SIZE_Vn N" lines.
cat > "$out/layout.c" <<'C'
#include <stdio.h>
#include "serfiq.h"
#define SIZE(T) printf("sizeof %s %zu\n", #T, sizeof(T))
#define OFF(T, F) printf("offsetof %s %s %zu\n", #T, #F, offsetof(T, F))
int main(void) {
    SIZE(serfiq_options);
    OFF(serfiq_options, struct_size); OFF(serfiq_options, model_path); OFF(serfiq_options, model_data);
    OFF(serfiq_options, model_size); OFF(serfiq_options, ort_library_path); OFF(serfiq_options, embedding_layer);
    OFF(serfiq_options, samples); OFF(serfiq_options, dropout); OFF(serfiq_options, seed);
    OFF(serfiq_options, alpha); OFF(serfiq_options, r); OFF(serfiq_options, channel_order);
    OFF(serfiq_options, mean); OFF(serfiq_options, std); OFF(serfiq_options, intra_op_threads);
    OFF(serfiq_options, max_sessions); OFF(serfiq_options, model_sha256); OFF(serfiq_options, detector_path);
    OFF(serfiq_options, detector_data); OFF(serfiq_options, detector_size); OFF(serfiq_options, face_policy);
    OFF(serfiq_options, detector_threshold); OFF(serfiq_options, execution_provider);
    OFF(serfiq_options, device_id); OFF(serfiq_options, gpu_fallback); OFF(serfiq_options, cuda_library_path);
    OFF(serfiq_options, max_model_bytes); OFF(serfiq_options, detector_sha256); OFF(serfiq_options, search_paths);
    OFF(serfiq_options, input_mode); OFF(serfiq_options, detector_max_side);
    OFF(serfiq_options, q100_quality); OFF(serfiq_options, feedback_profile);
    OFF(serfiq_options, quality_net_path);
    OFF(serfiq_options, quality_net_data); OFF(serfiq_options, quality_net_size);
    OFF(serfiq_options, quality_net_sha256); OFF(serfiq_options, quality_net_spec);
    SIZE(serfiq_image);
    OFF(serfiq_image, data); OFF(serfiq_image, width); OFF(serfiq_image, height); OFF(serfiq_image, stride);
    OFF(serfiq_image, format);
    SIZE(serfiq_quality);
    OFF(serfiq_quality, s); OFF(serfiq_quality, q); OFF(serfiq_quality, n); OFF(serfiq_quality, f);
    OFF(serfiq_quality, q100); OFF(serfiq_quality, l);
    SIZE(serfiq_face);
    OFF(serfiq_face, box); OFF(serfiq_face, landmarks); OFF(serfiq_face, confidence); OFF(serfiq_face, quality);
    printf("SERFIQ_OPTIONS_SIZE_V1 %zu\n", (size_t)SERFIQ_OPTIONS_SIZE_V1);
    printf("SERFIQ_OPTIONS_SIZE_V2 %zu\n", (size_t)SERFIQ_OPTIONS_SIZE_V2);
    printf("SERFIQ_OPTIONS_SIZE_V3 %zu\n", (size_t)SERFIQ_OPTIONS_SIZE_V3);
    printf("SERFIQ_OPTIONS_SIZE_V4 %zu\n", (size_t)SERFIQ_OPTIONS_SIZE_V4);
    printf("SERFIQ_OPTIONS_SIZE_V5 %zu\n", (size_t)SERFIQ_OPTIONS_SIZE_V5);
    printf("SERFIQ_OPTIONS_SIZE_V6 %zu\n", (size_t)SERFIQ_OPTIONS_SIZE_V6);
    SIZE(serfiq_components);
    OFF(serfiq_components, feedback); OFF(serfiq_components, count); OFF(serfiq_components, raw);
    OFF(serfiq_components, value);
    SIZE(serfiq_capture_options);
    OFF(serfiq_capture_options, struct_size); OFF(serfiq_capture_options, min_q100);
    OFF(serfiq_capture_options, steady_frames); OFF(serfiq_capture_options, steady_ms);
    OFF(serfiq_capture_options, max_motion); OFF(serfiq_capture_options, redetect_frames);
    OFF(serfiq_capture_options, redetect_ms); OFF(serfiq_capture_options, track_context);
    OFF(serfiq_capture_options, track_side); OFF(serfiq_capture_options, min_overlap);
    OFF(serfiq_capture_options, min_similarity); OFF(serfiq_capture_options, jump_similarity);
    OFF(serfiq_capture_options, blocking_feedback);
    SIZE(serfiq_capture_frame);
    OFF(serfiq_capture_frame, index); OFF(serfiq_capture_frame, state); OFF(serfiq_capture_frame, has_face);
    OFF(serfiq_capture_frame, feedback); OFF(serfiq_capture_frame, track); OFF(serfiq_capture_frame, is_best);
    OFF(serfiq_capture_frame, new_track); OFF(serfiq_capture_frame, full_search); OFF(serfiq_capture_frame, motion);
    OFF(serfiq_capture_frame, similarity); OFF(serfiq_capture_frame, overlap); OFF(serfiq_capture_frame, face);
    OFF(serfiq_capture_frame, components);
    SIZE(serfiq_capture_best_frame);
    OFF(serfiq_capture_best_frame, index); OFF(serfiq_capture_best_frame, timestamp_ms);
    OFF(serfiq_capture_best_frame, feedback); OFF(serfiq_capture_best_frame, state);
    OFF(serfiq_capture_best_frame, track); OFF(serfiq_capture_best_frame, face);
    OFF(serfiq_capture_best_frame, components);
    return 0;
}
C
gcc -std=c11 -Wall -Wextra -Werror -pedantic -I"$SERFIQ_INCLUDE_DIR" -o "$out/layout" "$out/layout.c"
"$out/layout" > "$out/layout.txt"
export SERFIQ_CSHARP_LAYOUT="$out/layout.txt"

# The capture's frame sequence and what examples/c/capture.c prints for it (CaptureTests, Capture.cs).
bash "$root/tests/capture/reference.sh" "$out/capture"
export SERFIQ_CAPTURE_DIR="$out/capture"

# --- tests -----------------------------------------------------------------------------------
echo "== NUnit ($(mono --version | head -n 1 | cut -d'(' -f1))"
(cd "$out" && nunit-console -nologo -noshadow -labels -result="$out/TestResult.xml" "$out/Serfiq.Tests.dll")

# --- explicit-only library search in a fresh process (ONNX Runtime not loaded yet) ----------
echo "== tests/search/ExplicitOnly.cs (SERFIQ_ORT_LIB set, not read)"
mono "$out/ExplicitOnly.exe"

# --- the example, against the C API's reference --------------------------------------------
check_example() { # $1: what; stdin: the example's output
    local got want
    got="$(cat)"
    echo "$got" | sed 's/^/    /'
    want="$(head -n 1 "$SERFIQ_FIXTURES/face.reference")"
    awk -v got="$(echo "$got" | head -n 1)" -v want="$want" -v what="$1" 'BEGIN {
        split(got, g, " "); split(want, w, " ");
        d1 = g[1] - w[1]; d2 = g[2] - w[2]; if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2;
        if (d1 > 1e-6 || d2 > 1e-6) { printf "%s: s q = %s, the C example gave %s\n", what, got, want; exit 1 }
    }'
    echo "$got" | sed -n 2p | grep -qE '^(accept|retake) ' || { echo "$1: no verdict" >&2; exit 1; }
}
face="$SERFIQ_FIXTURES/face.ppm"
landmarks="$SERFIQ_FIXTURES/face.landmarks"
echo "== examples/csharp/Kiosk.cs (dllmap)"
mono "$out/Kiosk.exe" "$face" "$landmarks" | check_example "Kiosk (dllmap, SERFIQ_MODEL)"
echo "== examples/csharp/Kiosk.cs (LD_LIBRARY_PATH, no dllmap, --model, --threshold 0.9)"
cp "$out/Serfiq.dll" "$out/Kiosk.exe" "$out/ldpath/"
env -u SERFIQ_MODEL LD_LIBRARY_PATH="$SERFIQ_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    mono "$out/ldpath/Kiosk.exe" "$face" "$landmarks" --model "$SERFIQ_MODEL" --threshold 0.9 |
    check_example "Kiosk (LD_LIBRARY_PATH)"
echo "== examples/csharp/Kiosk.cs error paths"
expect_failure() { # $1: expected exit status, $2: text expected on stderr, then the command
    local want_rc="$1" want_text="$2" rc=0 err
    shift 2
    err="$("$@" 2>&1 >/dev/null)" || rc=$?
    echo "    exit $rc: $err" | head -n 1
    [ "$rc" = "$want_rc" ] && grep -qF -- "$want_text" <<<"$err" ||
        { echo "expected exit $want_rc and '$want_text' from: $*" >&2; exit 1; }
}
expect_failure 1 SERFIQ_ERR_MODEL_NOT_FOUND \
    mono "$out/Kiosk.exe" "$face" "$landmarks" --model "$out/no-such-model.onnx"
expect_failure 1 "cannot load libserfiq" \
    env -u LD_LIBRARY_PATH mono "$out/ldpath/Kiosk.exe" "$face" "$landmarks"
expect_failure 2 "usage:" mono "$out/Kiosk.exe" "$face"

echo "== examples/csharp/Faces.cs on the whole photo (detector, no landmarks) vs photo.reference"
photo_out="$out/faces.txt"
mono "$out/Faces.exe" "$face" --detector "$SERFIQ_DETECTOR" > "$photo_out"
head -n 4 "$photo_out" | cut -c1-120 | sed 's/^/    /'
# Same lines and words as the C program's output; numbers within 1e-6, other words identical.
awk -v tol=1e-6 '
    function isnum(x) { return x ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ }
    NR == FNR { want[FNR] = $0; n = FNR; next }
    {
        got_n = FNR
        if (!(FNR in want)) { printf "line %d is extra: %s\n", FNR, $0; bad = 1; exit }
        k = split(want[FNR], w, " "); m = split($0, g, " ")
        if (k != m) { printf "line %d: %d words, the reference has %d\n", FNR, m, k; bad = 1; exit }
        for (i = 1; i <= k; i++) {
            if (isnum(w[i]) && isnum(g[i])) { d = g[i] - w[i]; if (d < 0) d = -d; if (d > tol) {
                printf "line %d word %d: %s, the reference has %s\n", FNR, i, g[i], w[i]; bad = 1; exit } }
            else if (w[i] != g[i]) { printf "line %d word %d: %s, the reference has %s\n", FNR, i, g[i], w[i]; bad = 1; exit }
        }
    }
    END { if (!bad && got_n != n) { printf "%d lines, the reference has %d\n", got_n, n; bad = 1 } exit bad }
' "$SERFIQ_FIXTURES/photo.reference" "$photo_out" || { echo "Faces.cs differs from photo.reference" >&2; exit 1; }
if cmp -s "$photo_out" "$SERFIQ_FIXTURES/photo.reference"; then
    echo "    identical to photo.reference"
else
    echo "    equal to photo.reference within 1e-6"
fi
noface="$(mono "$out/Faces.exe" "$SERFIQ_FIXTURES/noface.ppm" --detector "$SERFIQ_DETECTOR")"
[ "$noface" = "faces 0" ] || { echo "Faces.cs on noface.ppm printed '$noface', expected 'faces 0'" >&2; exit 1; }
echo "    noface.ppm: $noface"
expect_failure 1 SERFIQ_ERR_MODEL_NOT_FOUND \
    mono "$out/Faces.exe" "$face" --detector "$out/no-such-detector.onnx"
expect_failure 2 "usage:" env -u SERFIQ_DETECTOR mono "$out/Faces.exe" "$face"
echo "== examples/csharp/Capture.cs over the capture's frames vs examples/c/capture.c"
mono "$out/Capture.exe" "$out/capture/frames" --detector "$SERFIQ_DETECTOR" > "$out/capture/csharp.txt"
diff "$out/capture/reference.txt" "$out/capture/csharp.txt" >&2 ||
    { echo "Capture.cs printed another sequence than examples/c/capture.c" >&2; exit 1; }
echo "    $(wc -l < "$out/capture/csharp.txt") lines identical to C's ($(tail -n 1 "$out/capture/csharp.txt"))"
echo "C# binding: tests and examples passed"
