// The face detector through the C++ binding: detect_score on the whole photo
// reproduces the C API's photo.reference, a photo without a face gives NoFace
// (single-face calls) or no faces (detect_score), face_policy and
// detector_threshold change which faces are taken, and aligned_crop shows the
// face the model scores.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

using serfiq::Status;
using test::expect_error;

constexpr double kTol = 1e-6;

void expect_floats(const float* got, const float* want, std::size_t n, const char* what) {
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(got[i], want[i], kTol) << what << " element " << i;
}

void expect_embedding(const std::vector<float>& got, const std::vector<float>& want) {
    ASSERT_EQ(got.size(), want.size());
    expect_floats(got.data(), want.data(), want.size(), "embedding");
}

void expect_quality(const serfiq::Quality& got, const serfiq::Quality& want) {
    EXPECT_NEAR(got.s, want.s, kTol);
    EXPECT_NEAR(got.q, want.q, kTol);
}

// Every face and every number of photo.reference; embeddings too when asked.
void expect_photo_reference(const std::vector<serfiq::Face>& faces, bool with_embeddings) {
    const std::vector<test::ReferenceFace>& ref = test::photo_reference();
    ASSERT_EQ(faces.size(), ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) {
        SCOPED_TRACE("face " + std::to_string(i));
        expect_floats(faces[i].box.data(), ref[i].box.data(), 4, "box");
        expect_floats(faces[i].landmarks.data(), ref[i].landmarks.data(), SERFIQ_LANDMARK_FLOATS, "landmarks");
        EXPECT_NEAR(faces[i].confidence, ref[i].confidence, kTol);
        expect_quality(faces[i].quality, ref[i].quality);
        if (with_embeddings) {
            expect_embedding(faces[i].embedding, ref[i].embedding);
        } else {
            EXPECT_TRUE(faces[i].embedding.empty());
        }
    }
}

serfiq::Model detector_model(const std::function<void(serfiq::Options&)>& change) {
    serfiq::Options o;
    o.detector_path = test::detector_path();
    change(o);
    return serfiq::Model(test::model_path(), o);
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        ab += double{a[i]} * b[i];
        aa += double{a[i]} * a[i];
        bb += double{b[i]} * b[i];
    }
    return a.size() == b.size() && aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0;
}

float area(const serfiq::Face& f) { return (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]); }

float distance_to(const serfiq::Face& f, float cx, float cy) {
    return std::hypot((f.box[0] + f.box[2]) / 2 - cx, (f.box[1] + f.box[3]) / 2 - cy);
}

// Two faces on one canvas twice the photo's width: the photo at the left, and a
// copy at half size placed so that its face is at the canvas centre. The large
// face is then the largest, the small one the most central.
test::Ppm two_face_canvas() {
    const test::Face& photo = test::face();
    const test::ReferenceFace& face = test::photo_reference().at(0);
    test::Ppm canvas;
    canvas.width = photo.width * 2;
    canvas.height = photo.height;
    canvas.rgb.assign(std::size_t{canvas.width} * canvas.height * 3, 128);
    const auto put = [&](std::size_t x, std::size_t y, std::size_t c, unsigned v) {
        canvas.rgb[(y * canvas.width + x) * 3 + c] = static_cast<std::uint8_t>(v);
    };
    const auto at = [&](std::size_t x, std::size_t y, std::size_t c) -> unsigned {
        return photo.rgb[(y * photo.width + x) * 3 + c];
    };
    for (std::size_t y = 0; y < photo.height; ++y) {
        for (std::size_t x = 0; x < photo.width; ++x) {
            for (std::size_t c = 0; c < 3; ++c) put(x, y, c, at(x, y, c));
        }
    }
    const std::size_t half_w = photo.width / 2, half_h = photo.height / 2;
    const auto centre_x = static_cast<std::size_t>((face.box[0] + face.box[2]) / 4);
    const auto centre_y = static_cast<std::size_t>((face.box[1] + face.box[3]) / 4);
    const std::size_t ox = canvas.width / 2 - centre_x, oy = canvas.height / 2 - centre_y;
    for (std::size_t y = 0; y < half_h; ++y) {
        for (std::size_t x = 0; x < half_w; ++x) {
            for (std::size_t c = 0; c < 3; ++c) {
                const unsigned sum = at(2 * x, 2 * y, c) + at(2 * x + 1, 2 * y, c) + at(2 * x, 2 * y + 1, c) +
                                     at(2 * x + 1, 2 * y + 1, c);
                put(ox + x, oy + y, c, (sum + 2) / 4);
            }
        }
    }
    return canvas;
}

}  // namespace

TEST(Detect, FullPhotoMatchesPhotoReference) {
    expect_photo_reference(test::shared_detector_model().detect_score(test::face().view(), true), true);
}

TEST(Detect, FullPhotoWithoutEmbeddings) {
    expect_photo_reference(test::shared_detector_model().detect_score(test::face().view()), false);
}

TEST(Detect, BgrPhotoFindsTheSameFaces) {
    const test::Face& f = test::face();
    std::vector<std::uint8_t> bgr(f.rgb);
    for (std::size_t i = 0; i < bgr.size(); i += 3) std::swap(bgr[i], bgr[i + 2]);
    const serfiq::ImageView view{bgr.data(), f.width, f.height, 0, serfiq::PixelFormat::Bgr};
    expect_photo_reference(test::shared_detector_model().detect_score(view, true), true);
}

TEST(Detect, SingleFaceCallsScoreTheDetectedFace) {
    const serfiq::Model& m = test::shared_detector_model();
    const test::ReferenceFace& ref = test::photo_reference().at(0);
    expect_quality(m.score(test::face().view()), ref.quality);
    const serfiq::ScoredEmbedding both = m.score_embed(test::face().view());
    expect_quality(both.quality, ref.quality);
    expect_embedding(both.embedding, ref.embedding);
    expect_embedding(m.embed(test::face().view()), ref.embedding);
    // Scoring by the detected landmarks gives the same face.
    expect_quality(m.score(test::face().view(), ref.landmarks), ref.quality);
}

TEST(Detect, NoFace) {
    const serfiq::Model& m = test::shared_detector_model();
    const serfiq::ImageView none = test::noface().view();
    expect_error(Status::NoFace, [&] { m.score(none); });
    expect_error(Status::NoFace, [&] { m.embed(none); });
    expect_error(Status::NoFace, [&] { m.score_embed(none); });
    expect_error(Status::NoFace, [&] { m.aligned_crop(none); });
    EXPECT_TRUE(m.detect_score(none).empty());
    EXPECT_TRUE(m.detect_score(none, true).empty());
}

TEST(Detect, ModelWithoutDetector) {
    expect_error(Status::InvalidArgument, [] { test::shared_model().detect_score(test::face().view()); });
    expect_error(Status::InvalidImage, [] { test::shared_model().score(test::noface().view()); });
}

TEST(Detect, DetectorFromBytes) {
    serfiq::Options o;
    o.detector_data = test::read_bytes(test::detector_path());
    const serfiq::Model m(test::model_path(), o);
    expect_photo_reference(m.detect_score(test::face().view(), true), true);
    const serfiq::Options back = m.options();
    EXPECT_FALSE(back.detector_path.has_value());
    EXPECT_FALSE(back.detector_data.has_value());  // bytes are not kept
    EXPECT_TRUE(m.detect_score(test::noface().view()).empty());
}

TEST(Detect, EmptyOrCorruptDetectorBytes) {
    expect_error(Status::ModelInvalid, [] {
        serfiq::Options o;
        o.detector_data = std::vector<std::uint8_t>{};
        serfiq::Model m(test::model_path(), o);
    });
    expect_error(Status::ModelInvalid, [] {
        serfiq::Options o;
        o.detector_data = std::vector<std::uint8_t>(1000, 7);
        serfiq::Model m(test::model_path(), o);
    });
    expect_error(Status::ModelNotFound, [] { detector_model([](serfiq::Options& o) { o.detector_path = "/nonexistent.onnx"; }); });
}

TEST(Detect, FacePolicyPicksTheFace) {
    const test::Ppm canvas = two_face_canvas();
    const float cx = static_cast<float>(canvas.width) / 2, cy = static_cast<float>(canvas.height) / 2;
    const serfiq::Model largest = detector_model([](serfiq::Options& o) { o.face_policy = serfiq::FacePolicy::Largest; });
    const serfiq::Model central =
        detector_model([](serfiq::Options& o) { o.face_policy = serfiq::FacePolicy::MostCentral; });
    EXPECT_EQ(largest.options().face_policy, serfiq::FacePolicy::Largest);
    EXPECT_EQ(central.options().face_policy, serfiq::FacePolicy::MostCentral);

    const std::vector<serfiq::Face> by_size = largest.detect_score(canvas.view());
    const std::vector<serfiq::Face> by_centre = central.detect_score(canvas.view());
    ASSERT_GE(by_size.size(), 2u);
    ASSERT_EQ(by_centre.size(), by_size.size());
    for (std::size_t i = 1; i < by_size.size(); ++i) {
        EXPECT_GE(area(by_size[0]), area(by_size[i]));
        EXPECT_LE(distance_to(by_centre[0], cx, cy), distance_to(by_centre[i], cx, cy));
    }
    // The two policies take different faces here, and the single-face call takes faces[0].
    EXPECT_GT(std::fabs(by_size[0].box[0] - by_centre[0].box[0]), 10.0f);
    expect_quality(largest.score(canvas.view()), by_size[0].quality);
    expect_quality(central.score(canvas.view()), by_centre[0].quality);
    // The large face is the photo's own, about where photo.reference found it (the
    // detector sees a larger canvas, so the box moves by a fraction of a pixel).
    const std::array<float, 4>& ref = test::photo_reference().at(0).box;
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(by_size[0].box[i], ref[i], 2.0f) << "box element " << i;
}

TEST(Detect, ThresholdFiltersFaces) {
    const float confidence = test::photo_reference().at(0).confidence;
    const serfiq::Model strict = detector_model([&](serfiq::Options& o) { o.detector_threshold = (confidence + 1) / 2; });
    EXPECT_FLOAT_EQ(strict.options().detector_threshold, (confidence + 1) / 2);
    EXPECT_TRUE(strict.detect_score(test::face().view()).empty());
    expect_error(Status::NoFace, [&] { strict.score(test::face().view()); });

    const serfiq::Model loose = detector_model([&](serfiq::Options& o) { o.detector_threshold = confidence - 1e-3f; });
    const std::vector<serfiq::Face> faces = loose.detect_score(test::face().view());
    ASSERT_FALSE(faces.empty());
    EXPECT_GT(faces[0].confidence, confidence - 1e-3f);
    expect_quality(faces[0].quality, test::photo_reference().at(0).quality);

    expect_error(Status::InvalidArgument, [] { detector_model([](serfiq::Options& o) { o.detector_threshold = 1.0f; }); });
    expect_error(Status::InvalidArgument, [] {
        detector_model([](serfiq::Options& o) { o.detector_threshold = std::numeric_limits<float>::quiet_NaN(); });
    });
}

TEST(AlignedCrop, IsWhatTheModelScores) {
    const serfiq::Model& m = test::shared_model();
    const test::Face& f = test::face();
    const auto [w, h] = m.input_size();
    const serfiq::Image rgb = m.aligned_crop(f.view(), f.landmarks, serfiq::PixelFormat::Rgb);
    EXPECT_EQ(rgb.width, w);
    EXPECT_EQ(rgb.height, h);
    EXPECT_EQ(rgb.format, serfiq::PixelFormat::Rgb);
    ASSERT_EQ(rgb.pixels.size(), std::size_t{w} * h * 3);
    // Scored as an aligned crop it is the same face: the model's view rounded to
    // 8 bits, so the embedding nearly equals the reference (a shifted, mirrored or
    // swapped crop would not).
    EXPECT_GT(cosine(m.embed(rgb.view()), f.reference_embedding), 0.999);
    EXPECT_NEAR(m.score(rgb.view()).s, f.reference.s, 1e-3);

    const serfiq::Image bgr = m.aligned_crop(f.view(), f.landmarks);  // BGR by default
    EXPECT_EQ(bgr.format, serfiq::PixelFormat::Bgr);
    ASSERT_EQ(bgr.pixels.size(), rgb.pixels.size());
    for (std::size_t i = 0; i < rgb.pixels.size(); i += 3) {
        ASSERT_EQ(bgr.pixels[i], rgb.pixels[i + 2]);
        ASSERT_EQ(bgr.pixels[i + 1], rgb.pixels[i + 1]);
        ASSERT_EQ(bgr.pixels[i + 2], rgb.pixels[i]);
    }
    // An aligned crop without landmarks comes back unchanged.
    EXPECT_EQ(m.aligned_crop(rgb.view(), nullptr, serfiq::PixelFormat::Rgb).pixels, rgb.pixels);
}

TEST(AlignedCrop, DetectorCropEqualsLandmarkCrop) {
    const serfiq::Model& m = test::shared_detector_model();
    const serfiq::Image detected = m.aligned_crop(test::face().view(), nullptr, serfiq::PixelFormat::Rgb);
    const serfiq::Image by_landmarks =
        m.aligned_crop(test::face().view(), test::photo_reference().at(0).landmarks, serfiq::PixelFormat::Rgb);
    EXPECT_EQ(detected.pixels, by_landmarks.pixels);
    // A crop at input size is not searched again: it scores as an aligned crop.
    EXPECT_EQ(m.score(detected.view()).s, test::shared_model().score(detected.view()).s);
    EXPECT_GT(cosine(m.embed(detected.view()), test::photo_reference().at(0).embedding), 0.999);
}

TEST(AlignedCrop, Errors) {
    const test::Face& f = test::face();
    const std::string m = expect_error(
        Status::InvalidArgument, [&] { test::shared_model().aligned_crop(f.view(), f.landmarks, serfiq::PixelFormat::Gray); });
    EXPECT_NE(m.find("BGR or RGB"), std::string::npos) << m;
    expect_error(Status::InvalidImage, [&] { test::shared_model().aligned_crop(f.view()); });  // no detector
    serfiq::Landmarks nan = f.landmarks;
    nan[3] = std::numeric_limits<float>::quiet_NaN();
    expect_error(Status::InvalidLandmarks, [&] { test::shared_model().aligned_crop(f.view(), nan); });
}

// A grey image of exactly the input size: Auto and Crop take it as an aligned
// crop (the same s), Photo searches it and finds no face; Crop refuses another
// size, and Photo needs a detector.
TEST(InputMode, SameSizedImageAsCropAndAsPhoto) {
    const auto [w, h] = test::shared_model().input_size();
    test::Ppm grey;
    grey.width = w;
    grey.height = h;
    grey.rgb.assign(std::size_t{w} * h * 3, 128);
    const serfiq::Model& automatic = test::shared_detector_model();
    EXPECT_EQ(automatic.options().input_mode, serfiq::InputMode::Auto);
    const serfiq::Model crop = detector_model([](serfiq::Options& o) { o.input_mode = serfiq::InputMode::Crop; });
    const serfiq::Model photo = detector_model([](serfiq::Options& o) { o.input_mode = serfiq::InputMode::Photo; });
    EXPECT_EQ(crop.options().input_mode, serfiq::InputMode::Crop);
    EXPECT_EQ(photo.options().input_mode, serfiq::InputMode::Photo);
    const serfiq::Quality as_crop = crop.score(grey.view());
    EXPECT_GT(as_crop.s, 0.0f);
    expect_quality(automatic.score(grey.view()), as_crop);
    expect_error(Status::NoFace, [&] { photo.score(grey.view()); });
    EXPECT_TRUE(photo.detect_score(grey.view()).empty());
    // The photo is searched in Photo and Auto mode alike; Crop refuses it.
    expect_quality(photo.score(test::face().view()), automatic.score(test::face().view()));
    expect_error(Status::InvalidImage, [&] { crop.score(test::face().view()); });
    expect_error(Status::InvalidArgument, [] {
        serfiq::Options o;
        o.input_mode = serfiq::InputMode::Photo;
        serfiq::Model m(test::model_path(), o);
    });
    expect_error(Status::InvalidArgument, [] { detector_model([](serfiq::Options& o) { o.input_mode = static_cast<serfiq::InputMode>(3); }); });
}

TEST(DetectorMaxSide, DefaultRangeAndOff) {
    EXPECT_EQ(test::shared_detector_model().options().detector_max_side, 640u);
    const serfiq::Model off = detector_model([](serfiq::Options& o) { o.detector_max_side = 32768; });
    EXPECT_EQ(off.options().detector_max_side, 32768u);
    // The fixture photo is found at full size too, its landmarks within a pixel of the default's.
    const std::vector<serfiq::Face> full = off.detect_score(test::face().view());
    const std::vector<test::ReferenceFace>& ref = test::photo_reference();
    ASSERT_EQ(full.size(), ref.size());
    for (std::size_t i = 0; i < SERFIQ_LANDMARK_FLOATS; ++i) EXPECT_NEAR(full[0].landmarks[i], ref[0].landmarks[i], 1.0f);
    for (std::uint32_t bad : {1u, 31u, 32769u}) {
        expect_error(Status::InvalidArgument, [&] { detector_model([&](serfiq::Options& o) { o.detector_max_side = bad; }); });
    }
    EXPECT_EQ(serfiq::max_faces, 750u);
}
