#!/usr/bin/env bash
# C# binding: build Serfiq.dll, its NUnit tests and examples/csharp/Kiosk.cs with Mono's mcs,
# run the tests, then the example (once through a dllmap, once through LD_LIBRARY_PATH).
# Called by `make bindings-test` with SERFIQ_LIB_DIR, SERFIQ_INCLUDE_DIR, SERFIQ_MODEL,
# SERFIQ_ORT_LIB and SERFIQ_FIXTURES set. Installs Mono and NUnit 2.6 from apt when missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${SERFIQ_LIB_DIR:?}" "${SERFIQ_INCLUDE_DIR:?}" "${SERFIQ_MODEL:?}" "${SERFIQ_ORT_LIB:?}" "${SERFIQ_FIXTURES:?}"
export SERFIQ_LIB_DIR SERFIQ_INCLUDE_DIR SERFIQ_MODEL SERFIQ_ORT_LIB SERFIQ_FIXTURES
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
mcs "${mcs_flags[@]}" -target:library -doc:"$out/Serfiq.xml" -out:"$out/Serfiq.dll" "$here"/src/*.cs
mcs "${mcs_flags[@]}" -target:library -out:"$out/Serfiq.Tests.dll" \
    -r:"$out/Serfiq.dll" -r:"$framework" "$here"/tests/*.cs
mcs "${mcs_flags[@]}" -target:exe -out:"$out/Kiosk.exe" -r:"$out/Serfiq.dll" "$root"/examples/csharp/Kiosk.cs

# Mono maps DllImport("serfiq") through Serfiq.dll.config next to Serfiq.dll; point it at
# this build's library (the shipped template, src/Serfiq.dll.config, leaves it to the loader).
cat > "$out/Serfiq.dll.config" <<XML
<configuration>
  <dllmap dll="serfiq" target="$SERFIQ_LIB_DIR/libserfiq.so" os="linux" />
</configuration>
XML

# --- tests -----------------------------------------------------------------------------------
echo "== NUnit ($(mono --version | head -n 1 | cut -d'(' -f1))"
(cd "$out" && nunit-console -nologo -noshadow -labels -result="$out/TestResult.xml" "$out/Serfiq.Tests.dll")

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
echo "C# binding: tests and example passed"
