// The capture tests' shared frame sequence (tests/capture/frames.c) and its C
// reference (examples/c/capture.c's output, from tests/capture/reference.sh).
#ifndef SERFIQ_CPP_TESTS_CAPTURE_COMMON_HPP
#define SERFIQ_CPP_TESTS_CAPTURE_COMMON_HPP

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common.hpp"

namespace test_capture {

// SERFIQ_CAPTURE_DIR: frames/*.ppm and reference.txt, from tests/capture/reference.sh.
inline std::string capture_dir() { return test::env("SERFIQ_CAPTURE_DIR"); }

inline std::vector<test::Ppm> sequence() {
    std::vector<std::string> paths;
    for (const auto& e : std::filesystem::directory_iterator(capture_dir() + "/frames")) {
        if (e.path().extension() == ".ppm") paths.push_back(e.path().string());
    }
    std::sort(paths.begin(), paths.end());
    std::vector<test::Ppm> frames;
    for (const std::string& p : paths) frames.push_back(test::read_ppm(p));
    return frames;
}

// reference.txt: a line per frame, then the "best ..." line.
inline std::vector<std::string> reference_lines() {
    std::ifstream f(capture_dir() + "/reference.txt");
    std::vector<std::string> lines;
    for (std::string line; std::getline(f, line);) lines.push_back(line);
    if (lines.empty()) throw std::runtime_error("no reference.txt in " + capture_dir());
    return lines;
}

// A frame as examples/c/capture.c prints it.
inline std::string line_of(const serfiq::CaptureFrame& f) {
    char buf[160];
    if (f.face) {
        std::snprintf(buf, sizeof buf, "%" PRIu64 " %s %016" PRIx64 " %.2f %d", f.index, serfiq::state_name(f.state),
                      f.feedback_bits, static_cast<double>(f.face->face.quality.q100), f.is_best ? 1 : 0);
    } else {
        std::snprintf(buf, sizeof buf, "%" PRIu64 " %s %016" PRIx64 " - %d", f.index, serfiq::state_name(f.state),
                      f.feedback_bits, f.is_best ? 1 : 0);
    }
    return buf;
}

// The best frame as examples/c/capture.c prints it.
inline std::string best_line_of(const serfiq::CaptureBest& b) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "best %" PRIu64 " %s %.2f %zu %zu", b.index, serfiq::state_name(b.state),
                  static_cast<double>(b.face.face.quality.q100), b.crop.pixels.size(), b.embedding.size());
    return buf;
}

// The model of examples/c/capture.c: the detector and the "live" feedback profile.
inline serfiq::Model live_model() {
    serfiq::Options o;
    o.detector_path = test::detector_path();
    o.feedback_profile = "live";
    return serfiq::Model(test::model_path(), o);
}

// Pushes the frames 40 ms apart, as examples/c/capture.c does; a line per frame.
inline std::vector<std::string> run(serfiq::Capture& capture, const std::vector<test::Ppm>& frames) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        lines.push_back(line_of(capture.push(frames[i].view(), static_cast<std::int64_t>(40 * i))));
    }
    return lines;
}

}  // namespace test_capture

#endif  // SERFIQ_CPP_TESTS_CAPTURE_COMMON_HPP
