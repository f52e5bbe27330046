// Shared test data: the fixtures (the photo, its landmarks, a photo without a
// face), the C API's reference outputs for them, and models loaded once for the
// read-only tests.
#ifndef SERFIQ_CPP_TESTS_COMMON_HPP
#define SERFIQ_CPP_TESTS_COMMON_HPP

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

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

// A binary 8-bit PPM (P6) as packed RGB.
struct Ppm {
    std::vector<std::uint8_t> rgb;
    std::uint32_t width = 0;
    std::uint32_t height = 0;

    serfiq::ImageView view() const { return serfiq::ImageView{rgb.data(), width, height, 0, serfiq::PixelFormat::Rgb}; }
};

inline Ppm read_ppm(const std::string& path) {
    Ppm ppm;
    std::ifstream f(path, std::ios::binary);
    std::string magic;
    unsigned maxval = 0;
    if (!(f >> magic >> ppm.width >> ppm.height >> maxval) || magic != "P6" || maxval != 255) {
        throw std::runtime_error(path + " is not a binary 8-bit PPM");
    }
    f.get();  // the single whitespace after maxval
    ppm.rgb.resize(std::size_t{ppm.width} * ppm.height * 3);
    if (!f.read(reinterpret_cast<char*>(ppm.rgb.data()), static_cast<std::streamsize>(ppm.rgb.size()))) {
        throw std::runtime_error(path + " is truncated");
    }
    return ppm;
}

// The fixture photo (packed RGB), its landmarks and what examples/c/score.c printed for it.
struct Face : Ppm {
    serfiq::Landmarks landmarks{};
    serfiq::Quality reference{};
    std::vector<float> reference_embedding;
};

inline Face load_face() {
    Face face;
    static_cast<Ppm&>(face) = read_ppm(fixture_path("face.ppm"));
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

inline const Ppm& noface() {
    static const Ppm p = read_ppm(fixture_path("noface.ppm"));
    return p;
}

inline std::string detector_path() { return env("SERFIQ_DETECTOR"); }

// photo.reference: what the C API's serfiq_detect_score found on the whole of
// face.ppm (examples/c/score.c --detector --embedding), one entry per face.
struct ReferenceFace {
    std::array<float, 4> box{};
    serfiq::Landmarks landmarks{};
    float confidence = 0;
    serfiq::Quality quality{};
    std::vector<float> embedding;
};

inline std::vector<ReferenceFace> load_photo_reference() {
    const std::string path = fixture_path("photo.reference");
    std::ifstream f(path);
    const auto fail = [&](const std::string& what) { return std::runtime_error(path + ": " + what); };
    const auto expect = [&](std::istream& in, const char* word) {
        std::string w;
        if (!(in >> w) || w != word) throw fail(std::string("expected '") + word + "'");
    };
    std::size_t count = 0;
    expect(f, "faces");
    if (!(f >> count)) throw fail("no face count");
    std::vector<ReferenceFace> faces(count);
    for (std::size_t i = 0; i < count; ++i) {
        ReferenceFace& r = faces[i];
        std::size_t index = 0;
        expect(f, "face");
        if (!(f >> index) || index != i) throw fail("face " + std::to_string(i) + " out of order");
        expect(f, "box");
        for (float& v : r.box) f >> v;
        expect(f, "landmarks");
        for (float& v : r.landmarks) f >> v;
        expect(f, "confidence");
        f >> r.confidence;
        expect(f, "s");
        f >> r.quality.s;
        expect(f, "q");
        f >> r.quality.q;
        std::string line;
        std::getline(f, line);  // the rest of the "confidence" line
        if (!f || !std::getline(f, line)) throw fail("face " + std::to_string(i) + " has no embedding line");
        std::istringstream e(line);
        for (float v; e >> v;) r.embedding.push_back(v);
    }
    return faces;
}

inline const std::vector<ReferenceFace>& photo_reference() {
    static const std::vector<ReferenceFace> r = load_photo_reference();
    return r;
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

// The same with the face detector (default options otherwise).
inline std::unique_ptr<serfiq::Model>& shared_detector_model_slot() {
    static std::unique_ptr<serfiq::Model> m;
    return m;
}

inline const serfiq::Model& shared_detector_model() {
    std::unique_ptr<serfiq::Model>& m = shared_detector_model_slot();
    if (!m) {
        serfiq::Options o;
        o.detector_path = detector_path();
        m = std::make_unique<serfiq::Model>(model_path(), o);
    }
    return *m;
}

// Runs `call`, which must throw serfiq::Error with `status` and a message
// (what() = "NAME: message"); returns the message.
inline std::string expect_error(serfiq::Status status, const std::function<void()>& call) {
    try {
        call();
    } catch (const serfiq::Error& e) {
        EXPECT_EQ(e.status(), status) << "got " << e.what();
        EXPECT_FALSE(e.message().empty());
        EXPECT_EQ(std::string(e.what()), std::string(serfiq::status_name(e.status())) + ": " + e.message());
        return e.message();
    }
    ADD_FAILURE() << "no serfiq::Error; expected " << serfiq::status_name(status);
    return "";
}

// Runs body(0) .. body(n - 1) on n threads that start together, and fails the
// test, naming the thread, for each exception a body threw.
inline void on_threads(int n, const std::function<void(int)>& body) {
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < n; ++t) {
        threads.emplace_back([&, t] {
            try {
                ready.fetch_add(1);
                while (ready.load() < n) std::this_thread::yield();
                body(t);
            } catch (...) {
                errors[static_cast<std::size_t>(t)] = std::current_exception();
            }
        });
    }
    for (std::thread& th : threads) th.join();
    for (int t = 0; t < n; ++t) {
        if (!errors[static_cast<std::size_t>(t)]) continue;
        try {
            std::rethrow_exception(errors[static_cast<std::size_t>(t)]);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "thread " << t << ": " << e.what();
        }
    }
}

}  // namespace test

#endif  // SERFIQ_CPP_TESTS_COMMON_HPP
