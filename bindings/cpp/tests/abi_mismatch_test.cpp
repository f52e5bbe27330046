// serfiq.hpp refuses a libserfiq whose C ABI version differs from the header's,
// with Status::AbiMismatch (SERFIQ_ERR_ABI_MISMATCH, which only bindings raise).
// Simulated by building this program as if serfiq.h announced ABI 999 (its own
// executable: the changed inline functions must not meet the real ones).
#include "serfiq.h"
#undef SERFIQ_ABI_VERSION
#define SERFIQ_ABI_VERSION 999
#include "serfiq.hpp"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

namespace {

// True when `call` throws serfiq::Error(Status::AbiMismatch) naming both versions.
bool refused(const char* what_call, const std::function<void()>& call) {
    try {
        call();
    } catch (const serfiq::Error& e) {
        const std::string what = e.what();
        const std::string loaded = std::to_string(serfiq::abi_version());
        if (e.status() == serfiq::Status::AbiMismatch && what.find("999") != std::string::npos &&
            what.find(loaded) != std::string::npos &&
            what.rfind("SERFIQ_ERR_ABI_MISMATCH: ", 0) == 0) {
            std::printf("ABI mismatch refused (%s): %s\n", what_call, e.what());
            return true;
        }
        std::fprintf(stderr, "%s: wrong error: %s\n", what_call, e.what());
        return false;
    }
    std::fprintf(stderr, "%s: a library with ABI %u was accepted by a header for ABI 999\n", what_call,
                 serfiq::abi_version());
    return false;
}

}  // namespace

int main() {
    const char* env = std::getenv("SERFIQ_MODEL");
    const std::string model = env != nullptr ? env : "fr_feature.onnx";
    bool ok = refused("Model(path)", [&] { serfiq::Model m(model); });
    ok = refused("Options()", [] { serfiq::Options o; }) && ok;
    return ok ? 0 : 1;
}
