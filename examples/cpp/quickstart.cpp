// The README's C++ example: score the face of a photo and say what the person should fix.
//
//   quickstart MODEL.onnx DETECTOR.onnx PHOTO.ppm      (binary PPM, P6, 8-bit RGB)
//
// Prints "s S q100 Q" for the face the detector picks, then the message of each
// feedback code raised under the default (enrolment) profile.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include "serfiq.hpp"

static bool read_ppm(const char* path, std::vector<unsigned char>& rgb, std::uint32_t& w, std::uint32_t& h) {
    std::ifstream in(path, std::ios::binary);
    std::string magic;
    unsigned maxval = 0;
    if (!(in >> magic >> w >> h >> maxval) || magic != "P6" || maxval != 255 || w == 0 || h == 0 || w > 65535 ||
        h > 65535)
        return false;
    in.get();
    rgb.resize(std::size_t{w} * h * 3);
    return static_cast<bool>(in.read(reinterpret_cast<char*>(rgb.data()), static_cast<std::streamsize>(rgb.size())));
}

int main(int argc, char** argv) {
    std::vector<unsigned char> rgb;
    std::uint32_t w = 0, h = 0;
    if ((argc != 4 && argc != 5) || !read_ppm(argv[3], rgb, w, h)) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx DETECTOR.onnx PHOTO.ppm [QUALITY_NET.onnx]\n";
        return 2;
    }
    try {
        // ANCHOR: readme
        serfiq::Options options;
        options.detector_path = argv[2];  // finds the face in a photo
        if (argc > 4) options.quality_net_path = argv[4];  // the second quality network
        const serfiq::Model model(argv[1], options);
        const serfiq::ImageView image{rgb.data(), w, h, 0, serfiq::PixelFormat::Rgb};
        const serfiq::Assessment a = model.assess(image);
        std::printf("s %.6f q100 %.1f\n", double{a.face.quality.s}, double{a.face.quality.q100});
        for (const serfiq::Feedback& f : a.feedback) std::printf("%s\n", f.message.c_str());
        // ANCHOR_END: readme
    } catch (const serfiq::Error& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
