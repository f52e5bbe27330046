// serfiq::Capture across threads: captures on their own threads over one shared
// model follow the shared sequence as the C reference did, and a capture that
// another thread is using refuses the call (Status::InvalidArgument) and still
// works afterwards.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "capture_common.hpp"

namespace {

// Raises `peak` to `value` if it is higher.
void raise_to(std::atomic<int>& peak, int value) {
    int seen = peak.load();
    while (value > seen && !peak.compare_exchange_weak(seen, value)) {
    }
}

}  // namespace

TEST(CaptureThreads, CapturesOnFourThreadsShareOneModel) {
    const std::vector<test::Ppm> frames = test_capture::sequence();
    std::vector<std::string> expected = test_capture::reference_lines();
    const std::string best_line = expected.back();
    expected.pop_back();
    const serfiq::Model model = test_capture::live_model();

    constexpr int kThreads = 4;
    std::vector<std::vector<std::string>> lines(kThreads);
    std::vector<std::string> bests(kThreads);
    std::atomic<int> in_push{0}, peak{0};
    test::on_threads(kThreads, [&](int t) {
        serfiq::Capture capture(model);
        for (std::size_t i = 0; i < frames.size(); ++i) {
            raise_to(peak, in_push.fetch_add(1) + 1);
            const serfiq::CaptureFrame f = capture.push(frames[i].view(), static_cast<std::int64_t>(40 * i));
            in_push.fetch_sub(1);
            lines[t].push_back(test_capture::line_of(f));
        }
        bests[t] = test_capture::best_line_of(capture.best(serfiq::PixelFormat::Rgb).value());
    });
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_EQ(lines[t], expected) << "thread " << t;
        EXPECT_EQ(bests[t], best_line) << "thread " << t;
    }
    // The pushes ran at the same time: at some moment two or more were in flight.
    EXPECT_GE(peak.load(), 2);
}

TEST(CaptureThreads, ABusyCaptureRefusesAnotherThread) {
    const std::vector<test::Ppm> frames = test_capture::sequence();
    std::vector<std::string> expected = test_capture::reference_lines();
    expected.pop_back();
    const serfiq::Model model = test_capture::live_model();
    serfiq::Capture capture(model);

    // One thread pushes frames (at most kPushes) until the main thread was
    // refused; the main thread asks for the best frame while the pushes run.
    // Either side may be refused (a push that starts while best() runs is too):
    // both must be InvalidArgument, never anything else.
    constexpr int kPushes = 200;
    std::atomic<bool> started{false}, refused_seen{false}, done{false};
    std::atomic<int> pushes{0}, pushes_refused{0};
    std::string pusher_error;
    std::thread pusher([&] {
        try {
            for (int i = 0; i < kPushes && !refused_seen.load(); ++i) {
                started.store(true);
                try {
                    capture.push(frames[static_cast<std::size_t>(i) % frames.size()].view(), 40 * i);
                    pushes.fetch_add(1);
                } catch (const serfiq::Error& e) {
                    if (e.status() != serfiq::Status::InvalidArgument) throw;
                    pushes_refused.fetch_add(1);
                }
            }
        } catch (const std::exception& e) {
            pusher_error = e.what();
        }
        done.store(true);
    });
    while (!started.load()) std::this_thread::yield();
    int refusals = 0;
    std::string message, unexpected;
    while (!done.load()) {
        try {
            (void)capture.best();
        } catch (const serfiq::Error& e) {
            if (e.status() == serfiq::Status::InvalidArgument) {
                message = e.message();
                ++refusals;
            } else {
                unexpected = e.what();
            }
            refused_seen.store(true);
        }
    }
    pusher.join();
    ASSERT_EQ(unexpected, "");
    ASSERT_EQ(pusher_error, "");
    ASSERT_GE(refusals, 1) << "best() was never refused during " << pushes.load() << " pushes";
    EXPECT_NE(message.find("another thread"), std::string::npos) << message;

    // The capture still works: after a reset, the sequence gives the C reference again.
    capture.reset();
    EXPECT_EQ(test_capture::run(capture, frames), expected);
}
