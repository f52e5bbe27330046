// The camera loop over a folder of frames with serfiq::Capture; prints what
// examples/c/capture.c prints.
//
//   capture MODEL.onnx DETECTOR.onnx FRAMES_DIR
//
// Pushes each *.ppm of FRAMES_DIR (binary PPM, 8-bit RGB), sorted by name, 40 ms
// apart, through a capture with the default options over a model with the "live"
// feedback profile. One line per frame:
//   INDEX STATE FEEDBACK_BITS(hex) Q100(2 decimals, "-" without a face) IS_BEST
// then "best INDEX STATE Q100 CROP_BYTES EMBEDDING_FLOATS" (or "best none").
#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "serfiq.hpp"

namespace {

struct Ppm {
    std::vector<std::uint8_t> rgb;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
};

bool read_ppm(const std::string& path, Ppm& out) {
    std::ifstream f(path, std::ios::binary);
    std::string magic;
    unsigned maxval = 0;
    if (!(f >> magic >> out.width >> out.height >> maxval) || magic != "P6" || maxval != 255 || out.width == 0 ||
        out.height == 0 || out.width >= 65536 || out.height >= 65536) {
        return false;
    }
    f.get();  // the whitespace after maxval
    out.rgb.resize(std::size_t{out.width} * out.height * 3);
    return static_cast<bool>(f.read(reinterpret_cast<char*>(out.rgb.data()), static_cast<std::streamsize>(out.rgb.size())));
}

std::vector<std::string> frames_in(const std::string& dir) {
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".ppm") paths.push_back(entry.path().string());
    }
    std::sort(paths.begin(), paths.end());
    return paths;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx DETECTOR.onnx FRAMES_DIR\n";
        return 2;
    }
    try {
        serfiq::Options options;
        options.detector_path = argv[2];
        options.feedback_profile = "live";
        const serfiq::Model model(argv[1], options);
        serfiq::Capture capture(model);
        std::int64_t timestamp_ms = 0;
        for (const std::string& path : frames_in(argv[3])) {
            Ppm ppm;
            if (!read_ppm(path, ppm)) {
                std::cerr << "cannot read " << path << " as a binary 8-bit PPM\n";
                return 1;
            }
            const serfiq::ImageView image{ppm.rgb.data(), ppm.width, ppm.height, 0, serfiq::PixelFormat::Rgb};
            const serfiq::CaptureFrame f = capture.push(image, timestamp_ms);
            timestamp_ms += 40;
            std::printf("%" PRIu64 " %s %016" PRIx64, f.index, serfiq::state_name(f.state), f.feedback_bits);
            if (f.face) {
                std::printf(" %.2f", static_cast<double>(f.face->face.quality.q100));
            } else {
                std::printf(" -");
            }
            std::printf(" %d\n", f.is_best ? 1 : 0);
        }
        if (const auto best = capture.best(serfiq::PixelFormat::Rgb)) {
            std::printf("best %" PRIu64 " %s %.2f %zu %zu\n", best->index, serfiq::state_name(best->state),
                        static_cast<double>(best->face.face.quality.q100), best->crop.pixels.size(),
                        best->embedding.size());
        } else {
            std::printf("best none\n");
        }
    } catch (const serfiq::Error& e) {
        std::cerr << e.what() << "\n";
        return 1;
    } catch (const std::filesystem::filesystem_error& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
