// serfiq::Capture: the shared frame sequence (tests/capture/frames.c) gives the
// states, feedback, q100 and best frame that the C reference (examples/c/capture.c)
// printed; options, reset, the best frame's crop, errors and ownership.
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capture_common.hpp"

using test_capture::line_of;
using test_capture::live_model;
using test_capture::reference_lines;
using test_capture::run;
using test_capture::sequence;

TEST(Capture, SameStatesAndBestFrameAsC) {
    const std::vector<test::Ppm> frames = sequence();
    std::vector<std::string> expected = reference_lines();
    const std::string best_line = expected.back();
    expected.pop_back();
    const serfiq::Model model = live_model();
    serfiq::Capture capture(model);
    EXPECT_FALSE(capture.best().has_value());
    EXPECT_EQ(run(capture, frames), expected);

    const auto best = capture.best(serfiq::PixelFormat::Rgb);
    ASSERT_TRUE(best.has_value());
    EXPECT_EQ(test_capture::best_line_of(*best), best_line);
    EXPECT_EQ(best->timestamp_ms, static_cast<std::int64_t>(40 * best->index));
    EXPECT_EQ(best->track, 1u);
    // The crop is the single-face call's for the best frame's landmarks, the
    // embedding the model's for them.
    const test::Ppm& shot = frames.at(best->index);
    const serfiq::Image crop = model.aligned_crop(shot.view(), best->face.face.landmarks, serfiq::PixelFormat::Rgb);
    EXPECT_EQ(best->crop.pixels, crop.pixels);
    EXPECT_EQ(best->crop.width, crop.width);
    const std::vector<float> embedding = model.embed(shot.view(), best->face.face.landmarks);
    ASSERT_EQ(best->embedding.size(), embedding.size());
    for (std::size_t i = 0; i < embedding.size(); ++i) EXPECT_NEAR(best->embedding[i], embedding[i], 1e-5f);
    EXPECT_EQ(best->face.components.count("InterEyeDistance"), 1u);

    // After reset the same sequence gives the same lines again.
    capture.reset();
    EXPECT_FALSE(capture.best().has_value());
    EXPECT_EQ(run(capture, frames), expected);
}

TEST(Capture, FrameDetails) {
    const std::vector<test::Ppm> frames = sequence();
    const serfiq::Model model = live_model();
    serfiq::Capture capture(model);
    const serfiq::CaptureFrame dark = capture.push(frames.front().view(), 0);
    EXPECT_TRUE(dark.has("TOO_DARK"));
    EXPECT_TRUE(dark.new_track);
    EXPECT_TRUE(dark.full_search);
    EXPECT_EQ(dark.track, 1u);
    EXPECT_TRUE(std::isnan(dark.motion));
    ASSERT_TRUE(dark.face.has_value());
    const serfiq::CaptureFrame none = capture.push(frames.back().view(), 40);
    EXPECT_EQ(none.state, serfiq::CaptureState::Searching);
    EXPECT_FALSE(none.face.has_value());
    ASSERT_EQ(none.feedback.size(), 1u);
    EXPECT_EQ(none.feedback[0].name, "NO_FACE");
    EXPECT_EQ(none.track, 0u);
}

TEST(Capture, OptionDefaults) {
    const serfiq::CaptureOptions o;
    EXPECT_EQ(o.min_q100, 50.0f);
    EXPECT_EQ(o.steady_frames, 5u);
    EXPECT_EQ(o.steady_ms, 0u);
    EXPECT_FLOAT_EQ(o.max_motion, 0.05f);
    EXPECT_EQ(o.redetect_frames, 15u);
    EXPECT_EQ(o.redetect_ms, 500u);
    EXPECT_EQ(o.track_context, 2.0f);
    EXPECT_EQ(o.track_side, 256u);
    EXPECT_FLOAT_EQ(o.min_overlap, 0.3f);
    EXPECT_FLOAT_EQ(o.min_similarity, 0.3f);
    EXPECT_FLOAT_EQ(o.jump_similarity, 0.75f);
    EXPECT_EQ(o.blocking_feedback, ~std::uint64_t{0});
}

TEST(Capture, StricterOptionsAreApplied) {
    const std::vector<test::Ppm> frames = sequence();
    serfiq::CaptureOptions o;
    o.steady_frames = 2;
    const serfiq::Model model = live_model();
    serfiq::Capture capture(model, o);
    // Frames 5.. are the clean photo; frame 5 moved from the half-size frame 4, so
    // 6 and 7 are the first two steady frames: CAPTURED at 7 (at 10 with 5 frames).
    std::vector<serfiq::CaptureState> states;
    for (std::size_t i = 0; i < 8; ++i) states.push_back(capture.push(frames[i].view(), 40 * static_cast<int>(i)).state);
    EXPECT_EQ(states[6], serfiq::CaptureState::HoldStill);
    EXPECT_EQ(states[7], serfiq::CaptureState::Captured);
}

TEST(Capture, Errors) {
    const test::Ppm& photo = test::face();
    serfiq::CaptureOptions bad;
    bad.steady_frames = 0;
    const serfiq::Model model = live_model();
    EXPECT_NE(test::expect_error(serfiq::Status::InvalidArgument, [&] { serfiq::Capture c(model, bad); })
                  .find("steady_frames"),
              std::string::npos);
    test::expect_error(serfiq::Status::InvalidArgument, [&] { serfiq::Capture c(test::shared_model()); });
    serfiq::Capture capture(model);
    capture.push(photo.view(), 100);
    test::expect_error(serfiq::Status::InvalidArgument, [&] { capture.push(photo.view(), 99); });
    // The failed push changed nothing: the next frame is index 1.
    EXPECT_EQ(capture.push(photo.view(), 140).index, 1u);
    const serfiq::ImageView empty{};
    test::expect_error(serfiq::Status::InvalidImage, [&] { capture.push(empty, 200); });
}

TEST(Capture, MovesAndOutlivesItsModel) {
    const test::Ppm& photo = test::face();
    std::optional<serfiq::Model> model(live_model());
    serfiq::Capture first(*model);
    model.reset();  // the capture keeps the model alive
    serfiq::Capture second(std::move(first));
    EXPECT_FALSE(first);  // NOLINT(bugprone-use-after-move): a moved-from capture is empty
    test::expect_error(serfiq::Status::NullArgument, [&] { first.push(photo.view(), 0); });
    test::expect_error(serfiq::Status::NullArgument, [&] { first.reset(); });
    EXPECT_EQ(second.push(photo.view(), 0).index, 0u);
}
