// Every field of serfiq::Options reaches the library: set here, read back
// through serfiq_get_options (Model::options) or seen in behaviour.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

using serfiq::Status;
using test::expect_error;

// Every option away from its default (CUDA asked for, with the CPU as fallback,
// so that it loads on any machine).
serfiq::Options everything_set() {
    serfiq::Options o;
    o.ort_library_path = test::env("SERFIQ_ORT_LIB");  // the library already loaded keeps serving
    o.embedding_layer = "Conv_94";
    o.samples = 37;
    o.dropout = 0.25f;
    o.seed = 0x0123456789abcdefULL;
    o.alpha = 42.5;
    o.r = 0.61;
    o.channel_order = serfiq::ChannelOrder::Bgr;
    o.mean = {120.0f, 121.5f, 122.0f};
    o.stddev = {60.0f, 61.0f, 62.5f};
    o.intra_op_threads = 2;
    o.max_sessions = 3;
    o.model_sha256 = test::env("SERFIQ_MODEL_SHA256");
    o.detector_path = test::detector_path();
    o.face_policy = serfiq::FacePolicy::MostCentral;
    o.detector_threshold = 0.75f;
    o.execution_provider = serfiq::ExecutionProvider::Cuda;
    o.device_id = 0;
    o.gpu_fallback = true;
    o.cuda_library_path = "/nonexistent/serfiq/cuda";
    o.max_model_bytes = 50'000'000;
    o.detector_sha256 = test::env("SERFIQ_DETECTOR_SHA256");
    o.search_paths = serfiq::SearchPaths::ExplicitOnly;  // every library has its path
    return o;
}

void expect_same(const serfiq::Options& got, const serfiq::Options& want) {
    EXPECT_EQ(got.model_path, want.model_path);
    EXPECT_EQ(got.ort_library_path, want.ort_library_path);
    EXPECT_EQ(got.embedding_layer, want.embedding_layer);
    EXPECT_EQ(got.samples, want.samples);
    EXPECT_EQ(got.dropout, want.dropout);
    EXPECT_EQ(got.seed, want.seed);
    EXPECT_EQ(got.alpha, want.alpha);
    EXPECT_EQ(got.r, want.r);
    EXPECT_EQ(got.channel_order, want.channel_order);
    EXPECT_EQ(got.mean, want.mean);
    EXPECT_EQ(got.stddev, want.stddev);
    EXPECT_EQ(got.intra_op_threads, want.intra_op_threads);
    EXPECT_EQ(got.max_sessions, want.max_sessions);
    EXPECT_EQ(got.model_sha256, want.model_sha256);
    EXPECT_EQ(got.detector_path, want.detector_path);
    EXPECT_EQ(got.face_policy, want.face_policy);
    EXPECT_EQ(got.detector_threshold, want.detector_threshold);
    EXPECT_EQ(got.execution_provider, want.execution_provider);
    EXPECT_EQ(got.device_id, want.device_id);
    EXPECT_EQ(got.gpu_fallback, want.gpu_fallback);
    EXPECT_EQ(got.cuda_library_path, want.cuda_library_path);
    EXPECT_EQ(got.max_model_bytes, want.max_model_bytes);
    EXPECT_EQ(got.detector_sha256, want.detector_sha256);
    EXPECT_EQ(got.search_paths, want.search_paths);
    EXPECT_EQ(got.model_data, want.model_data);
    EXPECT_EQ(got.detector_data, want.detector_data);
}

}  // namespace

TEST(Options, EveryFieldRoundTrips) {
    serfiq::Options want = everything_set();
    const serfiq::Model m(test::model_path(), want);
    want.model_path = test::model_path();
    expect_same(m.options(), want);
    EXPECT_FALSE(m.options().model_data.has_value());  // bytes are never kept
    // The options are in effect: the detector, MostCentral and BGR input all run.
    const std::vector<serfiq::Face> faces = m.detect_score(test::face().view());
    ASSERT_EQ(faces.size(), test::photo_reference().size());
    EXPECT_NE(faces[0].quality.s, test::photo_reference()[0].quality.s);  // other T, p, seed, channels
    const double q = 1.0 / (1.0 + std::exp(-want.alpha * (static_cast<double>(faces[0].quality.s) - want.r)));
    EXPECT_NEAR(faces[0].quality.q, q, 1e-6);
}

TEST(Options, ModelOptionsConstructor) {
    serfiq::Options want = everything_set();
    want.model_path = test::model_path();
    expect_same(serfiq::Model(want).options(), want);

    serfiq::Options none;  // neither a path nor bytes
    expect_error(Status::NullArgument, [&] { serfiq::Model m(none); });
}

TEST(Options, ModelBytesInOptions) {
    serfiq::Options o;
    o.model_data = test::read_bytes(test::model_path());
    const serfiq::Model m(o);
    const serfiq::Quality q = m.score(test::face().view(), test::face().landmarks);
    EXPECT_NEAR(q.s, test::face().reference.s, 1e-6);
    const serfiq::Options back = m.options();
    EXPECT_FALSE(back.model_path.has_value());
    EXPECT_FALSE(back.model_data.has_value());

    serfiq::Options empty;
    empty.model_data = std::vector<std::uint8_t>{};  // given, but no bytes
    expect_error(Status::ModelInvalid, [&] { serfiq::Model bad(empty); });
    // A path wins over bytes, as in the C struct.
    serfiq::Options both;
    both.model_path = test::model_path();
    both.model_data = std::vector<std::uint8_t>(64, 1);
    EXPECT_EQ(serfiq::Model(both).options().model_path, test::model_path());
    // Model::from_bytes uses its bytes, whatever path the options name.
    serfiq::Options named;
    named.model_path = "/nonexistent/serfiq/model.onnx";
    EXPECT_FALSE(serfiq::Model::from_bytes(*o.model_data, named).options().model_path.has_value());
}

TEST(Options, DefaultsReadBack) {
    const serfiq::Options defaults;
    const serfiq::Options back = test::shared_model().options();
    EXPECT_EQ(back.model_path, test::model_path());
    EXPECT_EQ(back.samples, defaults.samples);
    EXPECT_EQ(back.dropout, defaults.dropout);
    EXPECT_EQ(back.seed, defaults.seed);
    EXPECT_EQ(back.channel_order, defaults.channel_order);
    EXPECT_EQ(back.mean, defaults.mean);
    EXPECT_EQ(back.stddev, defaults.stddev);
    EXPECT_EQ(back.intra_op_threads, defaults.intra_op_threads);
    EXPECT_EQ(back.max_sessions, defaults.max_sessions);
    EXPECT_EQ(back.face_policy, defaults.face_policy);
    EXPECT_EQ(back.detector_threshold, defaults.detector_threshold);
    EXPECT_EQ(back.execution_provider, serfiq::ExecutionProvider::Cpu);
    EXPECT_FALSE(back.detector_path.has_value());
    EXPECT_FALSE(back.model_sha256.has_value());
    EXPECT_FALSE(back.cuda_library_path.has_value());
    EXPECT_FALSE(back.gpu_fallback);
    EXPECT_EQ(back.max_model_bytes, defaults.max_model_bytes);
    EXPECT_FALSE(back.detector_sha256.has_value());
    EXPECT_EQ(back.search_paths, serfiq::SearchPaths::Default);
    // alpha and r read back as the values in use: NaN asked for, a number given.
    EXPECT_TRUE(std::isnan(defaults.alpha));
    ASSERT_FALSE(std::isnan(back.alpha));
    ASSERT_FALSE(std::isnan(back.r));
    const serfiq::Quality q = test::shared_model().score(test::face().view(), test::face().landmarks);
    EXPECT_NEAR(q.q, 1.0 / (1.0 + std::exp(-back.alpha * (static_cast<double>(q.s) - back.r))), 1e-6);
    EXPECT_EQ(test::shared_model().execution_provider(), serfiq::ExecutionProvider::Cpu);
}

// Whether CUDA runs here depends on the machine; both answers are checked.
TEST(Options, ExecutionProviderAndFallback) {
    serfiq::Options cuda;
    cuda.execution_provider = serfiq::ExecutionProvider::Cuda;
    bool gpu = false;
    try {
        const serfiq::Model m(test::model_path(), cuda);
        gpu = true;
        EXPECT_EQ(m.execution_provider(), serfiq::ExecutionProvider::Cuda);
        EXPECT_NEAR(m.score(test::face().view(), test::face().landmarks).s, test::face().reference.s, 1e-4);
    } catch (const serfiq::Error& e) {
        EXPECT_EQ(e.status(), Status::GpuUnavailable) << e.what();
    }

    cuda.gpu_fallback = true;
    const serfiq::Model m(test::model_path(), cuda);
    EXPECT_EQ(m.execution_provider(), gpu ? serfiq::ExecutionProvider::Cuda : serfiq::ExecutionProvider::Cpu);
    EXPECT_EQ(m.options().execution_provider, serfiq::ExecutionProvider::Cuda);  // as asked
    EXPECT_TRUE(m.options().gpu_fallback);
    if (!gpu) {
        const serfiq::Quality q = m.score(test::face().view(), test::face().landmarks);
        EXPECT_NEAR(q.s, test::face().reference.s, 1e-6);
    }

    serfiq::Options bad;
    bad.execution_provider = static_cast<serfiq::ExecutionProvider>(9);
    expect_error(Status::InvalidArgument, [&] { serfiq::Model x(test::model_path(), bad); });
    serfiq::Options bad_policy;
    bad_policy.face_policy = static_cast<serfiq::FacePolicy>(9);
    expect_error(Status::InvalidArgument, [&] { serfiq::Model x(test::model_path(), bad_policy); });
}

TEST(Options, FromCCopiesTheStruct) {
    serfiq::Options o = everything_set();
    o.detector_data = std::vector<std::uint8_t>{1, 2, 3};
    const serfiq_options c = o.to_c();
    EXPECT_EQ(c.detector_size, 3u);
    EXPECT_EQ(c.gpu_fallback, 1u);
    EXPECT_EQ(c.execution_provider, static_cast<serfiq_execution_provider>(SERFIQ_PROVIDER_CUDA));
    EXPECT_EQ(c.face_policy, static_cast<serfiq_face_policy>(SERFIQ_FACE_MOST_CENTRAL));
    EXPECT_EQ(c.max_model_bytes, 50'000'000u);
    EXPECT_EQ(c.search_paths, static_cast<serfiq_search_paths>(SERFIQ_SEARCH_EXPLICIT_ONLY));
    ASSERT_NE(c.detector_sha256, nullptr);
    EXPECT_EQ(std::string(c.detector_sha256), test::env("SERFIQ_DETECTOR_SHA256"));
    expect_same(serfiq::Options::from_c(c), o);
    EXPECT_EQ(serfiq::Options::from_c(serfiq::Options().to_c()).detector_data, std::nullopt);
}
