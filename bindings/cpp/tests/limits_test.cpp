// The detector's digest (Options::detector_sha256), the size limit on models and
// detectors (Options::max_model_bytes), explicit-only library search once ONNX
// Runtime is loaded (search_test.cpp covers a fresh process), and a model used
// after fork(). The detector's expected digest comes from outside the library:
// env SERFIQ_DETECTOR_SHA256, which bindings/cpp/test.sh computes with sha256sum.
#include <gtest/gtest.h>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

using serfiq::Status;
using test::expect_error;

std::string detector_sha256() { return test::env("SERFIQ_DETECTOR_SHA256"); }

serfiq::Options with_detector(const std::optional<std::string>& digest) {
    serfiq::Options o;
    o.detector_path = test::detector_path();
    o.detector_sha256 = digest;
    return o;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(DetectorDigest, RightDigestLoadsAndFindsTheFace) {
    const serfiq::Model m(test::model_path(), with_detector(detector_sha256()));
    const std::vector<serfiq::Face> faces = m.detect_score(test::face().view());
    ASSERT_EQ(faces.size(), test::photo_reference().size());
    EXPECT_NEAR(faces[0].quality.s, test::photo_reference()[0].quality.s, 1e-6);
    EXPECT_EQ(m.options().detector_sha256, detector_sha256());
    // From bytes too.
    serfiq::Options bytes;
    bytes.detector_data = test::read_bytes(test::detector_path());
    bytes.detector_sha256 = detector_sha256();
    EXPECT_NO_THROW(serfiq::Model(test::model_path(), bytes));
}

TEST(DetectorDigest, WrongDigestNamesTheDetector) {
    std::string wrong = detector_sha256();
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    const std::string m =
        expect_error(Status::ModelDigestMismatch, [&] { serfiq::Model(test::model_path(), with_detector(wrong)); });
    EXPECT_TRUE(contains(m, "detector")) << m;
    EXPECT_TRUE(contains(m, detector_sha256())) << m;  // the detector's real digest
    // The model's digest is not the detector's.
    expect_error(Status::ModelDigestMismatch,
                 [] { serfiq::Model(test::model_path(), with_detector(test::env("SERFIQ_MODEL_SHA256"))); });
}

TEST(DetectorDigest, WithoutADetectorIsInvalid) {
    serfiq::Options o;
    o.detector_sha256 = detector_sha256();
    const std::string m = expect_error(Status::InvalidArgument, [&] { serfiq::Model(test::model_path(), o); });
    EXPECT_TRUE(contains(m, "detector_sha256")) << m;
    expect_error(Status::InvalidArgument, [] { serfiq::Model(test::model_path(), with_detector("abc")); });
}

TEST(MaxModelBytes, DefaultIsOneGiB) {
    EXPECT_EQ(serfiq::Options().max_model_bytes, std::uint64_t{1} << 30);
    EXPECT_EQ(test::shared_model().options().max_model_bytes, std::uint64_t{1} << 30);
    serfiq::Options zero;
    zero.max_model_bytes = 0;  // 0: the default
    EXPECT_EQ(serfiq::Model(test::model_path(), zero).options().max_model_bytes, std::uint64_t{1} << 30);
}

TEST(MaxModelBytes, ASmallerLimitRefusesTheModel) {
    const std::vector<std::uint8_t> bytes = test::read_bytes(test::model_path());
    serfiq::Options o;
    o.max_model_bytes = bytes.size() - 1;
    std::string m = expect_error(Status::UnsupportedModel, [&] { serfiq::Model(test::model_path(), o); });
    EXPECT_TRUE(contains(m, "max_model_bytes")) << m;
    EXPECT_TRUE(contains(m, std::to_string(bytes.size()))) << m;
    m = expect_error(Status::UnsupportedModel, [&] { serfiq::Model::from_bytes(bytes, o); });
    EXPECT_TRUE(contains(m, "max_model_bytes")) << m;
    o.max_model_bytes = bytes.size();
    EXPECT_EQ(serfiq::Model(test::model_path(), o).options().max_model_bytes, bytes.size());
    o.max_model_bytes = std::uint64_t{1} << 31;  // over 2^31 - 1
    expect_error(Status::InvalidArgument, [&] { serfiq::Model(test::model_path(), o); });
}

TEST(MaxModelBytes, TheDetectorIsLimitedToo) {
    // A limit of the model's size passes the model; the detector must fit too, so
    // give the detector as a buffer one byte larger than the model.
    const std::vector<std::uint8_t> model = test::read_bytes(test::model_path());
    std::vector<std::uint8_t> detector = test::read_bytes(test::detector_path());
    detector.resize(model.size() + 1, 0);
    serfiq::Options o;
    o.detector_data = detector;
    o.max_model_bytes = model.size();
    const std::string m = expect_error(Status::UnsupportedModel, [&] { serfiq::Model(test::model_path(), o); });
    EXPECT_TRUE(contains(m, "detector")) << m;
    EXPECT_TRUE(contains(m, "max_model_bytes")) << m;
}

TEST(SearchPaths, ExplicitOnlyOnceONNXRuntimeIsLoaded) {
    (void)test::shared_model();  // ONNX Runtime is loaded (from SERFIQ_ORT_LIB)
    serfiq::Options o;
    EXPECT_EQ(o.search_paths, serfiq::SearchPaths::Default);
    o.search_paths = serfiq::SearchPaths::ExplicitOnly;
    o.ort_library_path = test::env("SERFIQ_ORT_LIB");
    const serfiq::Model with_path(test::model_path(), o);
    EXPECT_EQ(with_path.options().search_paths, serfiq::SearchPaths::ExplicitOnly);
    // Documented: explicit-only needs the path on every create, even once ONNX Runtime is loaded.
    o.ort_library_path.reset();
    const std::string r = expect_error(Status::RuntimeNotFound, [&] { serfiq::Model(test::model_path(), o); });
    EXPECT_TRUE(contains(r, "explicit-only")) << r;
    o.ort_library_path = test::env("SERFIQ_ORT_LIB");
    // CUDA without cuda_library_path: nothing is searched.
    o.execution_provider = serfiq::ExecutionProvider::Cuda;
    const std::string m = expect_error(Status::GpuUnavailable, [&] { serfiq::Model(test::model_path(), o); });
    EXPECT_TRUE(contains(m, "explicit-only")) << m;
    o.execution_provider = serfiq::ExecutionProvider::Cpu;
    o.search_paths = static_cast<serfiq::SearchPaths>(7);
    expect_error(Status::InvalidArgument, [&] { serfiq::Model(test::model_path(), o); });
}

TEST(Fork, TheChildGetsForked) {
    const serfiq::Model& m = test::shared_model();
    const test::Face& f = test::face();
    const serfiq::Quality parent = m.score(f.view(), f.landmarks);
    std::fflush(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // The child: no gtest assertions; the exit code says what happened.
        int code = 1;
        try {
            (void)m.score(f.view(), f.landmarks);
        } catch (const serfiq::Error& e) {
            code = e.status() == Status::Forked && contains(e.message(), "fork()") ? 0 : 2;
        }
        _exit(code);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the child scored, 2: another error";
    EXPECT_EQ(m.score(f.view(), f.landmarks).s, parent.s);
    EXPECT_STREQ(serfiq::status_name(Status::Forked), "SERFIQ_ERR_FORKED");
}
