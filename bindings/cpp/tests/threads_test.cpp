// (b) One Model used from 4 threads at once gives the same bits as one thread.
#include <gtest/gtest.h>

#include <atomic>
#include <exception>
#include <limits>
#include <thread>
#include <vector>

#include "common.hpp"

TEST(Threads, FourThreadsShareOneModel) {
    const test::Face& f = test::face();
    serfiq::Options o;
    o.intra_op_threads = 1;
    o.max_sessions = 2;  // fewer sessions than threads: some calls wait for a session
    const serfiq::Model model(test::model_path(), o);
    const serfiq::ScoredEmbedding expected = model.score_embed(f.view(), f.landmarks);

    constexpr int kThreads = 4;
    constexpr int kRounds = 4;
    std::vector<std::vector<serfiq::ScoredEmbedding>> results(kThreads);
    test::on_threads(kThreads, [&](int t) {
        for (int i = 0; i < kRounds; ++i) {
            // Alternate entry points: all share the model's session pool.
            if ((t + i) % 3 == 0) {
                results[t].push_back(model.score_embed(f.view(), f.landmarks));
            } else if ((t + i) % 3 == 1) {
                serfiq::BatchResult b = model.score_batch({f.view()}, {f.landmarks}, true);
                results[t].push_back({b.qualities[0], b.embeddings[0]});
            } else {
                results[t].push_back({model.score(f.view(), f.landmarks), model.embed(f.view(), f.landmarks)});
            }
        }
    });
    for (int t = 0; t < kThreads; ++t) {
        ASSERT_EQ(results[t].size(), static_cast<std::size_t>(kRounds));
        for (const serfiq::ScoredEmbedding& r : results[t]) {
            EXPECT_EQ(r.quality.s, expected.quality.s) << "thread " << t;
            EXPECT_EQ(r.quality.q, expected.quality.q) << "thread " << t;
            EXPECT_EQ(r.embedding, expected.embedding) << "thread " << t;
        }
    }
    EXPECT_NEAR(expected.quality.s, f.reference.s, 1e-6);
}

TEST(Threads, ErrorsStayOnTheirThread) {
    // serfiq_last_error is per thread: a failing thread does not disturb another's message.
    const serfiq::Model& model = test::shared_model();
    const test::Face& f = test::face();
    std::atomic<bool> stop{false};
    std::thread noisy([&] {
        const serfiq::ImageView zero{f.rgb.data(), 0, 1, 0, serfiq::PixelFormat::Rgb};
        while (!stop.load()) {
            try {
                model.score(zero, f.landmarks);
            } catch (const serfiq::Error&) {
            }
        }
    });
    serfiq::Landmarks nan = f.landmarks;
    nan[3] = std::numeric_limits<float>::quiet_NaN();
    for (int i = 0; i < 20; ++i) {
        try {
            model.score(f.view(), nan);
            ADD_FAILURE() << "NaN landmarks accepted";
        } catch (const serfiq::Error& e) {
            EXPECT_EQ(e.status(), serfiq::Status::InvalidLandmarks);
            EXPECT_NE(e.message().find("landmark"), std::string::npos) << e.message();
        }
    }
    stop.store(true);
    noisy.join();
}
