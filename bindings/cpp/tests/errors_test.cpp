// (d) Invalid arguments and (e) bad models raise serfiq::Error with the right
// status and the library's message; nothing crashes.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

using serfiq::Status;
using test::expect_error;

const serfiq::Model& model() { return test::shared_model(); }
const test::Face& face() { return test::face(); }

serfiq::ImageView with(const std::function<void(serfiq::ImageView&)>& change) {
    serfiq::ImageView v = face().view();
    change(v);
    return v;
}

serfiq::Landmarks landmarks_with(std::size_t i, float value) {
    serfiq::Landmarks lm = face().landmarks;
    lm[i] = value;
    return lm;
}

// Each image failure through every single-image entry point.
void expect_image_error(Status status, const serfiq::ImageView& image, const float* landmarks) {
    float buf[512];
    expect_error(status, [&] { model().score(image, landmarks); });
    expect_error(status, [&] { model().embed(image, landmarks); });
    expect_error(status, [&] { model().embed_into(image, landmarks, buf, 512); });
    expect_error(status, [&] { model().score_embed(image, landmarks); });
}

struct TempFile {
    std::string path;
    explicit TempFile(const std::vector<std::uint8_t>& bytes) {
        char name[] = "/tmp/serfiq-cpp-test-XXXXXX";
        const int fd = mkstemp(name);
        if (fd < 0) throw std::runtime_error("mkstemp failed");
        path = name;
        FILE* f = fdopen(fd, "wb");
        if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
    }
    ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST(ImageErrors, NullData) {
    expect_image_error(Status::NullArgument, with([](serfiq::ImageView& v) { v.data = nullptr; }),
                       face().landmarks.data());
}

TEST(ImageErrors, ZeroOrHugeSize) {
    const float* lm = face().landmarks.data();
    expect_image_error(Status::InvalidImage, with([](serfiq::ImageView& v) { v.width = 0; }), lm);
    expect_image_error(Status::InvalidImage, with([](serfiq::ImageView& v) { v.height = 0; }), lm);
    expect_image_error(Status::InvalidImage,
                       with([](serfiq::ImageView& v) { v.width = SERFIQ_MAX_IMAGE_SIDE + 1; }), lm);
}

TEST(ImageErrors, StrideTooSmall) {
    const std::string m = expect_error(Status::InvalidImage, [] {
        model().score(with([](serfiq::ImageView& v) { v.stride = std::size_t{v.width} * 3 - 1; }), face().landmarks);
    });
    EXPECT_NE(m.find("stride"), std::string::npos) << m;
    // RGBA needs 4 bytes a pixel: the packed RGB rows are too short for it.
    expect_image_error(Status::InvalidImage, with([](serfiq::ImageView& v) {
                           v.stride = std::size_t{v.width} * 3;
                           v.format = serfiq::PixelFormat::Rgba;
                       }),
                       face().landmarks.data());
}

TEST(ImageErrors, UnknownPixelFormat) {
    const std::string m = expect_error(Status::InvalidImage, [] {
        model().score(with([](serfiq::ImageView& v) { v.format = static_cast<serfiq::PixelFormat>(99); }),
                      face().landmarks);
    });
    EXPECT_NE(m.find("99"), std::string::npos) << m;
    EXPECT_EQ(serfiq::bytes_per_pixel(static_cast<serfiq::PixelFormat>(99)), 0u);
}

TEST(ImageErrors, NotAlignedWithoutLandmarks) {
    expect_image_error(Status::InvalidImage, face().view(), nullptr);
}

TEST(ImageErrors, MatViewOfUnsupportedMatrix) {
    struct Mat {
        unsigned char* data;
        int rows, cols;
        std::size_t step[2];
        int cn;
        std::size_t e1;
        int channels() const { return cn; }
        std::size_t elemSize1() const { return e1; }
    };
    unsigned char px[64] = {};
    expect_error(Status::InvalidImage, [&] { serfiq::ImageView::from_mat(Mat{px, 2, 2, {8, 2}, 2, 1}); });
    expect_error(Status::InvalidImage, [&] { serfiq::ImageView::from_mat(Mat{px, 2, 2, {12, 6}, 3, 2}); });
    // A negative size (never in cv::Mat, but possible in look-alikes) becomes 0: InvalidImage from the library.
    const serfiq::ImageView v = serfiq::ImageView::from_mat(Mat{px, -1, 2, {6, 3}, 3, 1});
    EXPECT_EQ(v.height, 0u);
    expect_error(Status::InvalidImage, [&] { model().score(v, face().landmarks); });
    EXPECT_EQ(serfiq::ImageView::from_mat(Mat{px, 2, 2, {8, 4}, 4, 1}).format, serfiq::PixelFormat::Bgra);
    EXPECT_EQ(serfiq::ImageView::from_mat(Mat{px, 2, 2, {2, 1}, 1, 1}).format, serfiq::PixelFormat::Gray);
    EXPECT_EQ(serfiq::ImageView::from_mat(Mat{px, 2, 2, {8, 4}, 4, 1}, serfiq::PixelFormat::Rgb).format,
              serfiq::PixelFormat::Rgba);
}

TEST(LandmarkErrors, NotFinite) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    expect_image_error(Status::InvalidLandmarks, face().view(), landmarks_with(0, nan).data());
    expect_image_error(Status::InvalidLandmarks, face().view(), landmarks_with(9, inf).data());
    expect_image_error(Status::InvalidLandmarks, face().view(), landmarks_with(4, -inf).data());
}

TEST(LandmarkErrors, OutsideTheImage) {
    expect_image_error(Status::InvalidLandmarks, face().view(), landmarks_with(0, -1.0f).data());
    expect_image_error(Status::InvalidLandmarks, face().view(),
                       landmarks_with(3, static_cast<float>(face().height) + 1.0f).data());
}

TEST(LandmarkErrors, Degenerate) {
    serfiq::Landmarks same;
    same.fill(300.0f);
    expect_error(Status::InvalidLandmarks, [&] { model().score(face().view(), same); });
    serfiq::Landmarks line = face().landmarks;  // all five points on one horizontal line
    for (std::size_t i = 1; i < line.size(); i += 2) line[i] = line[1];
    expect_error(Status::InvalidLandmarks, [&] { model().score(face().view(), line); });
}

TEST(BufferErrors, EmbeddingBufferTooSmallOrNull) {
    std::vector<float> small(model().embedding_size() - 1, -1.0f);
    const std::string m = expect_error(Status::BufferTooSmall, [&] {
        model().embed_into(face().view(), face().landmarks.data(), small.data(), small.size());
    });
    EXPECT_NE(m.find(std::to_string(model().embedding_size())), std::string::npos) << m;
    for (float v : small) ASSERT_EQ(v, -1.0f);  // outputs untouched on failure
    expect_error(Status::BufferTooSmall,
                 [&] { model().embed_into(face().view(), face().landmarks.data(), small.data(), 0); });
    expect_error(Status::NullArgument,
                 [&] { model().embed_into(face().view(), face().landmarks.data(), nullptr, 512); });
}

TEST(BatchErrors, Sizes) {
    const std::string empty = expect_error(Status::InvalidArgument, [] { model().score_batch({}); });
    EXPECT_NE(empty.find("got 0"), std::string::npos) << empty;
    expect_error(Status::InvalidArgument, [] { model().score_batch({}, {}, true); });
    const std::vector<serfiq::ImageView> too_many(SERFIQ_MAX_BATCH + 1, face().view());
    expect_error(Status::InvalidArgument, [&] { model().score_batch(too_many); });
    expect_error(Status::InvalidArgument, [&] { model().score_batch(too_many, {}, true); });
    expect_error(Status::InvalidArgument, [] {
        model().score_batch({face().view(), face().view()}, {face().landmarks});
    });
}

TEST(BatchErrors, OneBadImageFailsTheBatch) {
    const serfiq::ImageView bad = with([](serfiq::ImageView& v) { v.stride = 1; });
    const std::string m = expect_error(Status::InvalidImage, [&] {
        model().score_batch({face().view(), bad}, {face().landmarks, face().landmarks}, true);
    });
    EXPECT_NE(m.find("image 1"), std::string::npos) << m;
    expect_error(Status::InvalidLandmarks, [&] {
        model().score_batch({face().view(), face().view()},
                            {face().landmarks, landmarks_with(2, std::numeric_limits<float>::quiet_NaN())});
    });
}

TEST(OptionErrors, OutOfRange) {
    const auto create = [](const std::function<void(serfiq::Options&)>& change) {
        return [change] {
            serfiq::Options o;
            change(o);
            serfiq::Model m(test::model_path(), o);
        };
    };
    expect_error(Status::InvalidArgument, create([](serfiq::Options& o) { o.samples = 1; }));
    expect_error(Status::InvalidArgument, create([](serfiq::Options& o) { o.samples = 1001; }));
    expect_error(Status::InvalidArgument, create([](serfiq::Options& o) { o.dropout = 0.0f; }));
    expect_error(Status::InvalidArgument, create([](serfiq::Options& o) { o.dropout = 1.0f; }));
    expect_error(Status::InvalidArgument,
                 create([](serfiq::Options& o) { o.dropout = std::numeric_limits<float>::quiet_NaN(); }));
    expect_error(Status::InvalidArgument,
                 create([](serfiq::Options& o) { o.alpha = std::numeric_limits<double>::infinity(); }));
    expect_error(Status::InvalidArgument, create([](serfiq::Options& o) { o.stddev[1] = 0.0f; }));
    expect_error(Status::InvalidArgument,
                 create([](serfiq::Options& o) { o.channel_order = static_cast<serfiq::ChannelOrder>(7); }));
    expect_error(Status::InvalidArgument, create([](serfiq::Options& o) { o.max_sessions = 5000; }));
    expect_error(Status::InvalidArgument, create([](serfiq::Options& o) { o.embedding_layer = "\xff\xfe"; }));
    const std::string m = expect_error(Status::EmbeddingLayerNotFound,
                                       create([](serfiq::Options& o) { o.embedding_layer = "no_such_layer"; }));
    EXPECT_NE(m.find("no_such_layer"), std::string::npos) << m;
}

TEST(ModelErrors, MissingFile) {
    const std::string m = expect_error(Status::ModelNotFound, [] { serfiq::Model("/nonexistent/serfiq/model.onnx"); });
    EXPECT_NE(m.find("/nonexistent/serfiq/model.onnx"), std::string::npos) << m;
    expect_error(Status::ModelNotFound, [] { serfiq::Model::from_file("/tmp"); });  // a folder
}

TEST(ModelErrors, CorruptModel) {
    std::vector<std::uint8_t> junk(4096);
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 2654435761u >> 13);
    expect_error(Status::ModelInvalid, [&] { serfiq::Model::from_bytes(junk); });
    const TempFile junk_file(junk);
    expect_error(Status::ModelInvalid, [&] { serfiq::Model(junk_file.path); });

    std::vector<std::uint8_t> truncated = test::read_bytes(test::model_path());
    truncated.resize(truncated.size() / 2);
    expect_error(Status::ModelInvalid, [&] { serfiq::Model::from_bytes(truncated); });

    const TempFile empty_file({});
    expect_error(Status::ModelInvalid, [&] { serfiq::Model(empty_file.path); });
    expect_error(Status::ModelInvalid, [] { serfiq::Model::from_bytes(std::vector<std::uint8_t>{}); });
    expect_error(Status::ModelInvalid, [] { serfiq::Model::from_bytes(nullptr, 0); });
    expect_error(Status::NullArgument, [] { serfiq::Model::from_bytes(nullptr, 16); });
}

TEST(ModelErrors, ErrorIsARuntimeError) {
    try {
        serfiq::Model m("/nonexistent.onnx");
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("SERFIQ_ERR_MODEL_NOT_FOUND: ", 0), 0u) << e.what();
    }
}
