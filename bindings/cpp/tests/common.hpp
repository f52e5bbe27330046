// Shared test data: the fixture face, the C API's reference output for it, and
// one model loaded once for the read-only tests.
#ifndef SERFIQ_CPP_TESTS_COMMON_HPP
#define SERFIQ_CPP_TESTS_COMMON_HPP

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "serfiq.hpp"

namespace test {

inline std::string env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        throw std::runtime_error(std::string("set ") + name + " (bindings/cpp/test.sh does)");
    }
    return v;
}

inline std::string model_path() { return env("SERFIQ_MODEL"); }
inline std::string fixture_path(const std::string& name) { return env("SERFIQ_FIXTURES") + "/" + name; }

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// The fixture photo (packed RGB), its landmarks and what examples/c/score.c printed for it.
struct Face {
    std::vector<std::uint8_t> rgb;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    serfiq::Landmarks landmarks{};
    serfiq::Quality reference{};
    std::vector<float> reference_embedding;

    serfiq::ImageView view() const { return serfiq::ImageView{rgb.data(), width, height, 0, serfiq::PixelFormat::Rgb}; }
};

inline Face load_face() {
    Face face;
    const std::string ppm = fixture_path("face.ppm");
    std::ifstream f(ppm, std::ios::binary);
    std::string magic;
    unsigned maxval = 0;
    if (!(f >> magic >> face.width >> face.height >> maxval) || magic != "P6" || maxval != 255) {
        throw std::runtime_error(ppm + " is not a binary 8-bit PPM");
    }
    f.get();  // the single whitespace after maxval
    face.rgb.resize(std::size_t{face.width} * face.height * 3);
    if (!f.read(reinterpret_cast<char*>(face.rgb.data()), static_cast<std::streamsize>(face.rgb.size()))) {
        throw std::runtime_error(ppm + " is truncated");
    }
    std::ifstream lm(fixture_path("face.landmarks"));
    for (float& v : face.landmarks) {
        if (!(lm >> v)) throw std::runtime_error("cannot read 10 floats from face.landmarks");
    }
    std::ifstream ref(fixture_path("face.reference"));
    if (!(ref >> face.reference.s >> face.reference.q)) throw std::runtime_error("cannot read face.reference");
    for (float v; ref >> v;) face.reference_embedding.push_back(v);
    if (face.reference_embedding.empty()) {
        throw std::runtime_error("face.reference has no embedding line (make fixtures writes it)");
    }
    return face;
}

inline const Face& face() {
    static const Face f = load_face();
    return f;
}

// One model shared by the tests that only read it (creation is the slow part).
// Destroyed by the test environment's TearDown, before main returns
// (see ExitTime.* in move_test.cpp for a model destroyed after main).
inline std::unique_ptr<serfiq::Model>& shared_model_slot() {
    static std::unique_ptr<serfiq::Model> m;
    return m;
}

inline const serfiq::Model& shared_model() {
    std::unique_ptr<serfiq::Model>& m = shared_model_slot();
    if (!m) m = std::make_unique<serfiq::Model>(model_path());
    return *m;
}

}  // namespace test

#endif  // SERFIQ_CPP_TESTS_COMMON_HPP
