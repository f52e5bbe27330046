// Model::score_batch_each: one result per image with its own status and
// message; the good images are scored as they are alone, the bad ones do not
// hide them, and only call-level failures throw.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

using serfiq::Status;
using test::expect_error;

// A good image's result: ok, no message, the same numbers as the single-image call.
void expect_alone(const serfiq::ImageResult& r, const serfiq::ScoredEmbedding& alone, bool with_embedding) {
    EXPECT_TRUE(r.ok()) << serfiq::status_name(r.status) << ": " << r.message;
    EXPECT_EQ(r.message, "");
    EXPECT_EQ(r.quality.s, alone.quality.s);
    EXPECT_EQ(r.quality.q, alone.quality.q);
    if (with_embedding) {
        EXPECT_EQ(r.embedding, alone.embedding);
    } else {
        EXPECT_TRUE(r.embedding.empty());
    }
}

// A failed image's result: its status, a message naming it, nothing else.
void expect_failed(const serfiq::ImageResult& r, Status status, std::size_t index) {
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status, status) << serfiq::status_name(r.status) << ": " << r.message;
    EXPECT_EQ(r.message.rfind("image " + std::to_string(index) + ": ", 0), 0u) << r.message;
    EXPECT_TRUE(r.embedding.empty());
}

serfiq::ImageView window(std::uint32_t x, std::uint32_t y) {
    const test::Face& f = test::face();
    return serfiq::ImageView{&f.rgb[(std::size_t{y} * f.width + x) * 3], 112, 112, std::size_t{f.width} * 3,
                             serfiq::PixelFormat::Rgb};
}

}  // namespace

TEST(BatchEach, BadLandmarksDoNotHideTheOthers) {
    const serfiq::Model& m = test::shared_model();
    const test::Face& f = test::face();
    serfiq::Landmarks nan = f.landmarks;
    nan[2] = std::numeric_limits<float>::quiet_NaN();
    const serfiq::ScoredEmbedding alone = m.score_embed(f.view(), f.landmarks);
    EXPECT_NEAR(alone.quality.s, f.reference.s, 1e-6);

    for (const bool with_embeddings : {true, false}) {
        SCOPED_TRACE(with_embeddings ? "with embeddings" : "scores only");
        const std::vector<serfiq::ImageResult> r =
            m.score_batch_each({f.view(), f.view(), f.view()}, {f.landmarks, nan, f.landmarks}, with_embeddings);
        ASSERT_EQ(r.size(), 3u);
        expect_alone(r[0], alone, with_embeddings);
        expect_failed(r[1], Status::InvalidLandmarks, 1);
        expect_alone(r[2], alone, with_embeddings);
    }
}

TEST(BatchEach, WrongSizeImageWithoutLandmarks) {
    const serfiq::Model& m = test::shared_model();  // no detector: a photo needs landmarks
    const serfiq::ImageView a = window(440, 200), b = window(300, 300);
    const std::vector<serfiq::ImageResult> r = m.score_batch_each({a, test::face().view(), b}, {}, true);
    ASSERT_EQ(r.size(), 3u);
    expect_alone(r[0], m.score_embed(a), true);
    expect_failed(r[1], Status::InvalidImage, 1);
    expect_alone(r[2], m.score_embed(b), true);
}

TEST(BatchEach, DetectorPhotoAndPhotoWithoutFace) {
    const serfiq::Model& m = test::shared_detector_model();
    const test::ReferenceFace& ref = test::photo_reference().at(0);
    const std::vector<serfiq::ImageResult> r =
        m.score_batch_each({test::noface().view(), test::face().view()}, {}, true);
    ASSERT_EQ(r.size(), 2u);
    expect_failed(r[0], Status::NoFace, 0);
    ASSERT_TRUE(r[1].ok()) << r[1].message;
    EXPECT_NEAR(r[1].quality.s, ref.quality.s, 1e-6);
    EXPECT_NEAR(r[1].quality.q, ref.quality.q, 1e-6);
    ASSERT_EQ(r[1].embedding.size(), ref.embedding.size());
    for (std::size_t i = 0; i < ref.embedding.size(); ++i) EXPECT_NEAR(r[1].embedding[i], ref.embedding[i], 1e-6);

    // The all-or-nothing batch takes the same route and fails on the face-less photo.
    const serfiq::BatchResult whole = m.score_batch({test::face().view()}, {}, true);
    EXPECT_EQ(whole.qualities.at(0).s, r[1].quality.s);
    EXPECT_EQ(whole.embeddings.at(0), r[1].embedding);
    const std::string msg =
        expect_error(Status::NoFace, [&] { m.score_batch({test::face().view(), test::noface().view()}); });
    EXPECT_NE(msg.find("image 1"), std::string::npos) << msg;
}

TEST(BatchEach, AllGoodEqualsScoreBatch) {
    const serfiq::Model& m = test::shared_model();
    const test::Face& f = test::face();
    const std::vector<serfiq::ImageView> images = {f.view(), window(440, 200)};
    const std::vector<serfiq::Landmarks> lms = {f.landmarks, serfiq::Landmarks{30, 50, 80, 50, 56, 70, 35, 92, 77, 92}};
    const serfiq::BatchResult whole = m.score_batch(images, lms, true);
    const std::vector<serfiq::ImageResult> each = m.score_batch_each(images, lms, true);
    ASSERT_EQ(each.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        expect_alone(each[i], serfiq::ScoredEmbedding{whole.qualities[i], whole.embeddings[i]}, true);
    }
}

TEST(BatchEach, EveryImageFailing) {
    const test::Face& f = test::face();
    serfiq::ImageView no_data = f.view();
    no_data.data = nullptr;
    serfiq::ImageView bad_stride = f.view();
    bad_stride.stride = 5;
    const std::vector<serfiq::ImageResult> r =
        test::shared_model().score_batch_each({no_data, bad_stride}, {f.landmarks, f.landmarks});
    ASSERT_EQ(r.size(), 2u);
    expect_failed(r[0], Status::NullArgument, 0);
    expect_failed(r[1], Status::InvalidImage, 1);
    EXPECT_NE(r[1].message.find("stride"), std::string::npos) << r[1].message;
}

TEST(BatchEach, CallLevelFailuresThrow) {
    const serfiq::Model& m = test::shared_model();
    const test::Face& f = test::face();
    const std::string empty = expect_error(Status::InvalidArgument, [&] { m.score_batch_each({}); });
    EXPECT_NE(empty.find("got 0"), std::string::npos) << empty;
    expect_error(Status::InvalidArgument, [&] { m.score_batch_each({}, {}, true); });
    const std::vector<serfiq::ImageView> too_many(SERFIQ_MAX_BATCH + 1, f.view());
    expect_error(Status::InvalidArgument, [&] { m.score_batch_each(too_many, {}, true); });
    expect_error(Status::InvalidArgument, [&] { m.score_batch_each({f.view(), f.view()}, {f.landmarks}); });
}
