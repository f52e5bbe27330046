// (a) The C++ binding reproduces the C API's reference output for the fixture
// face, through every entry point, pixel layout and model source.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "common.hpp"

namespace {

constexpr double kTol = 1e-6;

void expect_reference(const serfiq::Quality& q) {
    EXPECT_NEAR(q.s, test::face().reference.s, kTol);
    EXPECT_NEAR(q.q, test::face().reference.q, kTol);
}

void expect_reference(const std::vector<float>& embedding) {
    const std::vector<float>& ref = test::face().reference_embedding;
    ASSERT_EQ(embedding.size(), ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(embedding[i], ref[i], kTol) << "element " << i;
}

// Something shaped like cv::Mat (data, rows, cols, step[0], channels(), elemSize1()),
// to show ImageView::from_mat without depending on OpenCV.
struct FakeMat {
    unsigned char* data;
    int rows;
    int cols;
    std::size_t step[2];
    int cn;
    std::size_t elem1;
    int channels() const { return cn; }
    std::size_t elemSize1() const { return elem1; }
};

// The fixture as BGR rows padded to `stride` bytes, like an OpenCV ROI or aligned Mat.
std::vector<std::uint8_t> padded_bgr(std::size_t stride) {
    const test::Face& f = test::face();
    std::vector<std::uint8_t> out(stride * f.height, 0xAB);
    for (std::size_t y = 0; y < f.height; ++y) {
        for (std::size_t x = 0; x < f.width; ++x) {
            const std::uint8_t* src = &f.rgb[(y * f.width + x) * 3];
            std::uint8_t* dst = &out[y * stride + x * 3];
            dst[0] = src[2];
            dst[1] = src[1];
            dst[2] = src[0];
        }
    }
    return out;
}

class SharedModelEnvironment : public ::testing::Environment {
public:
    void TearDown() override {
        test::shared_model_slot().reset();
        test::shared_detector_model_slot().reset();
    }
};

const ::testing::Environment* const shared_model_environment =
    ::testing::AddGlobalTestEnvironment(new SharedModelEnvironment);

}  // namespace

TEST(Reference, ScoreMatchesC) {
    expect_reference(test::shared_model().score(test::face().view(), test::face().landmarks));
}

TEST(Reference, LandmarksByPointerMatchC) {
    expect_reference(test::shared_model().score(test::face().view(), test::face().landmarks.data()));
}

TEST(Reference, EmbedMatchesC) {
    expect_reference(test::shared_model().embed(test::face().view(), test::face().landmarks));
}

TEST(Reference, ScoreEmbedMatchesC) {
    const serfiq::ScoredEmbedding r = test::shared_model().score_embed(test::face().view(), test::face().landmarks);
    expect_reference(r.quality);
    expect_reference(r.embedding);
}

TEST(Reference, EmbedIntoCallerBuffer) {
    std::vector<float> buf(test::face().reference_embedding.size() + 3, -7.0f);
    const std::size_t n =
        test::shared_model().embed_into(test::face().view(), test::face().landmarks.data(), buf.data(), buf.size());
    ASSERT_EQ(n, test::face().reference_embedding.size());
    EXPECT_EQ(buf.back(), -7.0f);  // nothing written past the embedding
    buf.resize(n);
    expect_reference(buf);
}

TEST(Reference, BatchMatchesC) {
    const std::vector<std::uint8_t> bgr = padded_bgr(test::face().width * 3 + 13);
    const serfiq::ImageView bgr_view{bgr.data(), test::face().width, test::face().height, test::face().width * 3 + 13,
                                     serfiq::PixelFormat::Bgr};
    const serfiq::BatchResult r = test::shared_model().score_batch(
        {test::face().view(), bgr_view}, {test::face().landmarks, test::face().landmarks}, true);
    ASSERT_EQ(r.qualities.size(), 2u);
    ASSERT_EQ(r.embeddings.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        expect_reference(r.qualities[i]);
        expect_reference(r.embeddings[i]);
    }
    const serfiq::BatchResult scores_only =
        test::shared_model().score_batch({test::face().view()}, {test::face().landmarks});
    ASSERT_EQ(scores_only.qualities.size(), 1u);
    EXPECT_TRUE(scores_only.embeddings.empty());
    expect_reference(scores_only.qualities[0]);
}

TEST(Reference, PaddedBgrMatViewMatchesC) {
    const std::size_t stride = test::face().width * 3 + 64;
    std::vector<std::uint8_t> bgr = padded_bgr(stride);
    FakeMat mat{bgr.data(), static_cast<int>(test::face().height), static_cast<int>(test::face().width), {stride, 3},
                3, 1};
    const serfiq::ImageView view = serfiq::ImageView::from_mat(mat);
    EXPECT_EQ(view.data, bgr.data());  // borrowed, not copied
    EXPECT_EQ(view.stride, stride);
    EXPECT_EQ(view.format, serfiq::PixelFormat::Bgr);
    expect_reference(test::shared_model().score(view, test::face().landmarks));
}

TEST(Reference, FromBytesMatchesC) {
    const serfiq::Model m = serfiq::Model::from_bytes(test::read_bytes(test::model_path()));
    expect_reference(m.score(test::face().view(), test::face().landmarks));
}

TEST(Reference, AlignedCropsWithoutLandmarks) {
    // A 112x112 window of the photo, borrowed with the photo's own stride.
    const test::Face& f = test::face();
    const auto [w, h] = test::shared_model().input_size();
    ASSERT_EQ(w, 112u);
    ASSERT_EQ(h, 112u);
    const serfiq::ImageView crop{&f.rgb[(200 * f.width + 440) * 3], w, h, std::size_t{f.width} * 3,
                                 serfiq::PixelFormat::Rgb};
    std::vector<std::uint8_t> gray(std::size_t{w} * h);
    for (std::size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<std::uint8_t>(i * 7);
    const serfiq::ImageView gray_view{gray.data(), w, h, 0, serfiq::PixelFormat::Gray};

    const serfiq::Quality a = test::shared_model().score(crop);
    const serfiq::Quality b = test::shared_model().score(gray_view, nullptr);
    const serfiq::BatchResult batch = test::shared_model().score_batch({crop, gray_view});
    ASSERT_EQ(batch.qualities.size(), 2u);
    EXPECT_EQ(batch.qualities[0].s, a.s);  // same masks: identical in and out of a batch
    EXPECT_EQ(batch.qualities[1].s, b.s);
    EXPECT_GT(a.s, 0.0f);
    EXPECT_LE(a.s, 1.0f);
}

TEST(Reference, ModelFacts) {
    EXPECT_EQ(test::shared_model().embedding_size(), test::face().reference_embedding.size());
    EXPECT_TRUE(static_cast<bool>(test::shared_model()));
    EXPECT_NE(test::shared_model().native_handle(), nullptr);
    EXPECT_EQ(serfiq::abi_version(), static_cast<std::uint32_t>(SERFIQ_ABI_VERSION));
    EXPECT_EQ(std::string(serfiq::version()).rfind("serfiq ", 0), 0u) << serfiq::version();
}

TEST(Options, DefaultsMirrorTheLibrary) {
    const serfiq::Options o;
    EXPECT_EQ(o.samples, 100u);
    EXPECT_FLOAT_EQ(o.dropout, 0.5f);
    EXPECT_EQ(o.seed, 0u);
    EXPECT_EQ(o.channel_order, serfiq::ChannelOrder::Rgb);
    EXPECT_FALSE(o.ort_library_path.has_value());
    EXPECT_FALSE(o.embedding_layer.has_value());
    for (int i = 0; i < 3; ++i) {
        EXPECT_FLOAT_EQ(o.mean[i], 127.5f);
        EXPECT_FLOAT_EQ(o.stddev[i], 128.0f);
    }
    EXPECT_FALSE(o.model_path.has_value());
    EXPECT_FALSE(o.model_data.has_value());
    EXPECT_FALSE(o.model_sha256.has_value());
    EXPECT_FALSE(o.detector_path.has_value());
    EXPECT_FALSE(o.detector_data.has_value());
    EXPECT_EQ(o.face_policy, serfiq::FacePolicy::Largest);
    EXPECT_FLOAT_EQ(o.detector_threshold, 0.9f);
    EXPECT_EQ(o.execution_provider, serfiq::ExecutionProvider::Cpu);
    EXPECT_EQ(o.device_id, 0);
    EXPECT_FALSE(o.gpu_fallback);
    EXPECT_FALSE(o.cuda_library_path.has_value());
    EXPECT_EQ(o.max_model_bytes, std::uint64_t{1} << 30);
    EXPECT_FALSE(o.detector_sha256.has_value());
    EXPECT_EQ(o.search_paths, serfiq::SearchPaths::Default);
    EXPECT_EQ(o.input_mode, serfiq::InputMode::Auto);
    EXPECT_EQ(o.detector_max_side, 640u);
    const serfiq_options c = o.to_c();
    EXPECT_EQ(c.struct_size, sizeof(serfiq_options));
    EXPECT_EQ(c.struct_size, SERFIQ_OPTIONS_SIZE_V6);
    EXPECT_LT(SERFIQ_OPTIONS_SIZE_V3, SERFIQ_OPTIONS_SIZE_V4);
    EXPECT_LT(SERFIQ_OPTIONS_SIZE_V4, SERFIQ_OPTIONS_SIZE_V5);
    EXPECT_LT(SERFIQ_OPTIONS_SIZE_V5, SERFIQ_OPTIONS_SIZE_V6);
    EXPECT_FALSE(o.quality_net_path.has_value() || o.quality_net_data.has_value());
    EXPECT_EQ(c.quality_net_path, nullptr);
    EXPECT_EQ(c.quality_net_spec, nullptr);
    EXPECT_EQ(o.q100_quality, serfiq::Q100Quality::Default);
    EXPECT_FALSE(o.feedback_profile.has_value());
    EXPECT_EQ(c.feedback_profile, nullptr);
    EXPECT_EQ(c.detector_sha256, nullptr);
    EXPECT_EQ(c.model_path, nullptr);
    EXPECT_EQ(c.model_data, nullptr);
    EXPECT_EQ(c.embedding_layer, nullptr);
    EXPECT_EQ(c.model_sha256, nullptr);
    EXPECT_EQ(c.detector_path, nullptr);
    EXPECT_EQ(c.detector_data, nullptr);
    EXPECT_EQ(c.cuda_library_path, nullptr);
    EXPECT_EQ(c.gpu_fallback, 0u);
}

TEST(Options, ArePassedToTheLibrary) {
    const test::Face& f = test::face();
    serfiq::Options o;
    o.seed = 12345;
    o.samples = 20;
    o.r = f.reference.s;  // q = 0.5 exactly where s = r
    o.intra_op_threads = 1;
    o.max_sessions = 1;
    o.embedding_layer = "Conv_94";  // the default model's embedding layer, named
    const serfiq::Model m(test::model_path(), o);
    const serfiq::ScoredEmbedding r = m.score_embed(f.view(), f.landmarks);
    expect_reference(r.embedding);              // the embedding does not depend on the masks
    EXPECT_NE(r.quality.s, f.reference.s);      // other masks, another s
    // alpha is left at its default, NaN: the default model has no calibration in its
    // metadata, so the library uses its default alpha, 118.
    const serfiq::Options d;
    EXPECT_TRUE(std::isnan(d.alpha));
    EXPECT_TRUE(std::isnan(d.r));
    const double expected_q = 1.0 / (1.0 + std::exp(-118.0 * (static_cast<double>(r.quality.s) - o.r)));
    EXPECT_NEAR(r.quality.q, expected_q, 1e-6);

    // Same options twice: the same s (the masks are fixed by seed, samples, dropout).
    const serfiq::Model again(test::model_path(), o);
    EXPECT_EQ(again.score(f.view(), f.landmarks).s, r.quality.s);
}

TEST(Status, NamesComeFromTheLibrary) {
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::Ok), "SERFIQ_OK");
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::InvalidImage), "SERFIQ_ERR_INVALID_IMAGE");
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::Internal), "SERFIQ_ERR_INTERNAL");
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::AbiMismatch), "SERFIQ_ERR_ABI_MISMATCH");
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::ModelDigestMismatch), "SERFIQ_ERR_MODEL_DIGEST_MISMATCH");
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::NoFace), "SERFIQ_ERR_NO_FACE");
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::GpuUnavailable), "SERFIQ_ERR_GPU_UNAVAILABLE");
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::ImagesFailed), "SERFIQ_ERR_IMAGES_FAILED");
    EXPECT_STREQ(serfiq::status_name(serfiq::Status::Forked), "SERFIQ_ERR_FORKED");
    // One past the last status in serfiq.h.
    EXPECT_STREQ(serfiq::status_name(static_cast<serfiq::Status>(SERFIQ_ERR_FORKED + 1)),
                 "SERFIQ_UNKNOWN_STATUS");
    static_assert(std::is_same_v<std::underlying_type_t<serfiq::Status>, serfiq_status>);
}

// n is the norm of the embedding layer's output: for the default model (no
// normalisation after that layer) the norm of the embedding itself.
TEST(Quality, CarriesNormFusedAndPercentile) {
    const test::Face& f = test::face();
    const serfiq::Model& m = test::shared_model();
    const serfiq::ScoredEmbedding r = m.score_embed(f.view(), f.landmarks);
    double sum = 0;
    for (float v : r.embedding) sum += static_cast<double>(v) * v;
    EXPECT_NEAR(r.quality.n, std::sqrt(sum), 1e-5 * std::sqrt(sum));
    EXPECT_GT(r.quality.n, 0.0f);
    EXPECT_TRUE(std::isfinite(r.quality.f));
    EXPECT_GE(r.quality.q100, 0.0f);
    EXPECT_LE(r.quality.q100, 100.0f);
    const serfiq::Quality alone = m.score(f.view(), f.landmarks);
    EXPECT_EQ(alone.n, r.quality.n);
    EXPECT_EQ(alone.f, r.quality.f);
    EXPECT_EQ(alone.q100, r.quality.q100);
    EXPECT_EQ(m.options().q100_quality, serfiq::Q100Quality::F);  // the default in use
}

TEST(Quality, Q100QualityOption) {
    const test::Face& f = test::face();
    serfiq::Options o;
    o.q100_quality = serfiq::Q100Quality::S;
    const serfiq::Model by_s(test::model_path(), o);
    o.q100_quality = static_cast<serfiq::Q100Quality>(7);
    EXPECT_EQ(by_s.options().q100_quality, serfiq::Q100Quality::S);
    const serfiq::Quality s = by_s.score(f.view(), f.landmarks);
    const serfiq::Quality d = test::shared_model().score(f.view(), f.landmarks);
    EXPECT_EQ(s.s, d.s);
    EXPECT_NE(s.q100, d.q100);  // percentiles of different qualities
    const std::string e =
        test::expect_error(serfiq::Status::InvalidArgument, [&] { serfiq::Model(test::model_path(), o); });
    EXPECT_NE(e.find("q100_quality"), std::string::npos) << e;
}
