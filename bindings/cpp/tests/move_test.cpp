// (c) A moved-from (or empty) Model throws serfiq::Error(NullArgument) from
// every call instead of crashing; the model it moved into works.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "common.hpp"

static_assert(!std::is_copy_constructible_v<serfiq::Model>);
static_assert(!std::is_copy_assignable_v<serfiq::Model>);
static_assert(std::is_nothrow_move_constructible_v<serfiq::Model>);
static_assert(std::is_nothrow_move_assignable_v<serfiq::Model>);
static_assert(std::is_base_of_v<std::runtime_error, serfiq::Error>);

namespace {

void expect_null_argument(const std::function<void()>& call, const char* what) {
    try {
        call();
        ADD_FAILURE() << what << " did not throw";
    } catch (const serfiq::Error& e) {
        EXPECT_EQ(e.status(), serfiq::Status::NullArgument) << what << ": " << e.what();
        EXPECT_FALSE(e.message().empty()) << what;
    }
}

void expect_every_call_throws(const serfiq::Model& m) {
    const test::Face& f = test::face();
    float buf[512];
    EXPECT_FALSE(static_cast<bool>(m));
    EXPECT_EQ(m.native_handle(), nullptr);
    expect_null_argument([&] { m.score(f.view(), f.landmarks); }, "score");
    expect_null_argument([&] { m.score(f.view()); }, "score without landmarks");
    expect_null_argument([&] { m.embed(f.view(), f.landmarks); }, "embed");
    expect_null_argument([&] { m.embed_into(f.view(), f.landmarks.data(), buf, 512); }, "embed_into");
    expect_null_argument([&] { m.score_embed(f.view(), f.landmarks); }, "score_embed");
    expect_null_argument([&] { m.score_batch({f.view()}, {f.landmarks}); }, "score_batch");
    expect_null_argument([&] { m.score_batch({f.view()}, {f.landmarks}, true); }, "score_batch with embeddings");
    expect_null_argument([&] { m.score_batch_each({f.view()}, {f.landmarks}); }, "score_batch_each");
    expect_null_argument([&] { m.detect_score(f.view()); }, "detect_score");
    expect_null_argument([&] { m.aligned_crop(f.view(), f.landmarks); }, "aligned_crop");
    expect_null_argument([&] { m.options(); }, "options");
    expect_null_argument([&] { m.execution_provider(); }, "execution_provider");
    expect_null_argument([&] { m.embedding_size(); }, "embedding_size");
    expect_null_argument([&] { m.input_size(); }, "input_size");
}

}  // namespace

TEST(Move, UseAfterMoveConstructionThrows) {
    serfiq::Model a(test::model_path());
    serfiq::Model b(std::move(a));
    expect_every_call_throws(a);  // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_NEAR(b.score(test::face().view(), test::face().landmarks).s, test::face().reference.s, 1e-6);
}

TEST(Move, UseAfterMoveAssignmentThrows) {
    serfiq::Model a(test::model_path());
    serfiq::Model b;
    expect_every_call_throws(b);  // empty before assignment
    b = std::move(a);
    expect_every_call_throws(a);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.embedding_size(), test::face().reference_embedding.size());

    // Assigning over a live model frees the old one; the new one works.
    b = serfiq::Model(test::model_path());
    EXPECT_NEAR(b.score(test::face().view(), test::face().landmarks).q, test::face().reference.q, 1e-6);
}

TEST(Move, ModelsLiveInContainers) {
    std::vector<serfiq::Model> models;
    models.push_back(serfiq::Model(test::model_path()));
    models.push_back(serfiq::Model::from_file(test::model_path()));
    models.emplace_back();  // empty
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_NEAR(models[i].score(test::face().view(), test::face().landmarks).s, test::face().reference.s, 1e-6);
    }
    expect_every_call_throws(models[2]);
}

// A Model in static storage is destroyed by exit(), after this thread's
// thread-locals (serfiq's last-error slot among them) are gone; that must not
// abort. Runs in a fresh process (death-test machinery, expecting exit code 0).
TEST(ExitTime, StaticModelDestroyedAfterMain) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            static const serfiq::Model model(test::model_path());
            try {
                model.score(test::face().view(), nullptr);  // fails: sets this thread's last error
            } catch (const serfiq::Error&) {
            }
            std::exit(model.score(test::face().view(), test::face().landmarks).s > 0 ? 0 : 3);
        },
        ::testing::ExitedWithCode(0), "");
}

// serfiq_live_models() sees each Model the binding creates and frees, and no
// other: moves transfer ownership, a failed creation leaves nothing behind.
TEST(Move, LiveModelsCountCreationsAndFrees) {
    const std::size_t before = serfiq::live_models();
    {
        serfiq::Model a(test::model_path());
        EXPECT_EQ(serfiq::live_models(), before + 1);
        serfiq::Model b(std::move(a));
        EXPECT_EQ(serfiq::live_models(), before + 1);
        std::vector<serfiq::Model> more;
        more.push_back(serfiq::Model::from_file(test::model_path()));
        EXPECT_EQ(serfiq::live_models(), before + 2);
        b = std::move(more.front());  // frees b's first model
        EXPECT_EQ(serfiq::live_models(), before + 1);
        EXPECT_THROW(serfiq::Model("/nonexistent/serfiq/model.onnx"), serfiq::Error);
        EXPECT_EQ(serfiq::live_models(), before + 1);
    }
    EXPECT_EQ(serfiq::live_models(), before);
}
