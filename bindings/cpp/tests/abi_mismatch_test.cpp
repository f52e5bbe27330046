// serfiq.hpp refuses a libserfiq whose C ABI version differs from the header's.
// Simulated by building this program as if serfiq.h announced ABI 999 (its own
// executable: the changed inline Model::create must not meet the real one).
#include "serfiq.h"
#undef SERFIQ_ABI_VERSION
#define SERFIQ_ABI_VERSION 999
#include "serfiq.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main() {
    const char* model = std::getenv("SERFIQ_MODEL");
    try {
        serfiq::Model m(model != nullptr ? model : "fr_feature.onnx");
    } catch (const serfiq::Error& e) {
        const std::string what = e.what();
        if (e.status() == serfiq::Status::RuntimeVersion && what.find("999") != std::string::npos) {
            std::printf("ABI mismatch refused: %s\n", e.what());
            return 0;
        }
        std::fprintf(stderr, "wrong error: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "a library with ABI %u was accepted by a header for ABI 999\n", serfiq::abi_version());
    return 1;
}
