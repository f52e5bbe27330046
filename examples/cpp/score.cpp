// serfiq from C++: score every face of a photo, or one face given its landmarks.
//
//   score [MODEL.onnx] PHOTO.ppm --detector DETECTOR.onnx [--embedding]
//   score [MODEL.onnx] FACE.ppm LANDMARKS.txt [--embedding]
//
// MODEL.onnx defaults to env SERFIQ_MODEL. The PPM is binary (P6, 8-bit RGB).
// With --detector it prints "faces N", then for every face the detector finds
//   face I box X0 Y0 X1 Y1
//   landmarks X Y X Y X Y X Y X Y     (eyes, nose tip, mouth corners)
//   confidence C s S q Q
// With LANDMARKS.txt (10 numbers: x y of left eye, right eye, nose tip, left and
// right mouth corner) it prints "s q". --embedding adds each face's embedding on
// the line after it. The output is examples/c/score.c's, number for number.
// ONNX Runtime is found next to libserfiq.so or through SERFIQ_ORT_LIB.
//
// With OpenCV the PPM reading is one line, and no pixel is copied:
//   cv::Mat bgr = cv::imread(path);                       // CV_8UC3, BGR
//   auto faces = model.detect_score(serfiq::ImageView::from_mat(bgr));
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
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

template <class Floats>
void print_floats(const Floats& v) {
    for (std::size_t i = 0; i < v.size(); ++i) std::printf(i ? " %.9g" : "%.9g", static_cast<double>(v[i]));
    std::printf("\n");
}

int usage(const char* self) {
    std::cerr << "usage: " << self << " [MODEL.onnx] PHOTO.ppm --detector DETECTOR.onnx [--embedding]\n"
              << "       " << self << " [MODEL.onnx] FACE.ppm LANDMARKS.txt [--embedding]\n"
              << "       (MODEL.onnx defaults to env SERFIQ_MODEL)\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args;
    std::optional<std::string> detector;
    bool want_embedding = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--embedding") {
            want_embedding = true;
        } else if (a == "--detector") {
            if (++i == argc) return usage(argv[0]);
            detector = argv[i];
        } else {
            args.push_back(a);
        }
    }
    // Without a model argument: SERFIQ_MODEL.
    const std::size_t inputs = detector ? 1 : 2;
    if (args.size() == inputs) {
        const char* env = std::getenv("SERFIQ_MODEL");
        if (env != nullptr && *env != '\0') args.insert(args.begin(), env);
    }
    if (args.size() != inputs + 1) return usage(argv[0]);

    Ppm ppm;
    serfiq::Landmarks landmarks{};
    if (!read_ppm(args[1], ppm) || (!detector && !read_landmarks(args[2], landmarks))) {
        std::cerr << "cannot read " << args[1] << (detector ? "" : " or " + args[2]) << "\n";
        return 2;
    }

    try {
        serfiq::Options options;
        options.detector_path = detector;
        const serfiq::Model model(args[0], options);
        const serfiq::ImageView image{ppm.rgb.data(), ppm.width, ppm.height, 0, serfiq::PixelFormat::Rgb};
        if (detector) {
            const std::vector<serfiq::Face> faces = model.detect_score(image, want_embedding);
            std::printf("faces %zu\n", faces.size());
            for (std::size_t i = 0; i < faces.size(); ++i) {
                const serfiq::Face& f = faces[i];
                std::printf("face %zu box ", i);
                print_floats(f.box);
                std::printf("landmarks ");
                print_floats(f.landmarks);
                std::printf("confidence %.9g s %.9g q %.9g\n", static_cast<double>(f.confidence),
                            static_cast<double>(f.quality.s), static_cast<double>(f.quality.q));
                if (want_embedding) print_floats(f.embedding);
            }
        } else {
            const serfiq::ScoredEmbedding r = model.score_embed(image, landmarks);
            std::printf("%.9g %.9g\n", static_cast<double>(r.quality.s), static_cast<double>(r.quality.q));
            if (want_embedding) print_floats(r.embedding);
        }
    } catch (const serfiq::Error& e) {
        std::cerr << "serfiq: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
