// serfiq from C++: score one face photo given its 5 landmarks.
//
//   score [MODEL.onnx] FACE.ppm LANDMARKS.txt [--embedding]
//
// MODEL.onnx defaults to env SERFIQ_MODEL. FACE.ppm is a binary PPM (P6, 8-bit
// RGB); LANDMARKS.txt holds 10 numbers: x y of left eye, right eye, nose tip,
// left and right mouth corner. Prints "s q" and, with --embedding, the
// embedding on a second line (the same output as examples/c/score.c).
// ONNX Runtime is found next to libserfiq.so or through SERFIQ_ORT_LIB.
//
// With OpenCV the PPM reading is one line, and no pixel is copied:
//   cv::Mat bgr = cv::imread(path);                       // CV_8UC3, BGR
//   serfiq::Quality q = model.score(serfiq::ImageView::from_mat(bgr), landmarks);
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

bool read_landmarks(const std::string& path, serfiq::Landmarks& out) {
    std::ifstream f(path);
    for (float& v : out) {
        if (!(f >> v)) return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    const bool want_embedding = !args.empty() && args.back() == "--embedding";
    if (want_embedding) args.pop_back();
    if (args.size() == 2) {
        const char* env = std::getenv("SERFIQ_MODEL");
        if (env != nullptr && *env != '\0') args.insert(args.begin(), env);
    }
    if (args.size() != 3) {
        std::cerr << "usage: " << argv[0] << " [MODEL.onnx] FACE.ppm LANDMARKS.txt [--embedding]\n"
                  << "       (MODEL.onnx defaults to env SERFIQ_MODEL)\n";
        return 2;
    }

    Ppm ppm;
    serfiq::Landmarks landmarks{};
    if (!read_ppm(args[1], ppm) || !read_landmarks(args[2], landmarks)) {
        std::cerr << "cannot read " << args[1] << " or " << args[2] << "\n";
        return 2;
    }

    try {
        const serfiq::Model model(args[0]);
        const serfiq::ImageView image{ppm.rgb.data(), ppm.width, ppm.height, 0, serfiq::PixelFormat::Rgb};
        const serfiq::ScoredEmbedding r = model.score_embed(image, landmarks);
        std::printf("%.9g %.9g\n", r.quality.s, r.quality.q);
        if (want_embedding) {
            for (std::size_t i = 0; i < r.embedding.size(); ++i) std::printf(i ? " %.9g" : "%.9g", r.embedding[i]);
            std::printf("\n");
        }
    } catch (const serfiq::Error& e) {
        std::cerr << "serfiq: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
