package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Capture across threads: captures on their own threads over one shared model follow the shared
 * sequence as examples/c/capture.c did; a capture that another thread is using refuses the call
 * ({@link Status#INVALID_ARGUMENT}: Capture takes no lock of its own, its calls reach the library
 * together) and works afterwards.
 */
class CaptureThreadsTest {
    static QualityModel model;
    static CaptureSequence sequence;

    @BeforeAll
    static void load() throws IOException {
        sequence = CaptureSequence.load();
        model = CaptureSequence.liveModel();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void capturesOnFourThreadsShareOneModel() throws Exception {
        int threads = 4;
        AtomicInteger inPush = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(threads);
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    try (Capture c = new Capture(model)) {
                        start.countDown();
                        start.await(); // start together
                        List<String> out = new ArrayList<>();
                        for (int i = 0; i < sequence.frames.size(); i++) {
                            TestEnv.Ppm p = sequence.frames.get(i);
                            peak.accumulateAndGet(inPush.incrementAndGet(), Math::max);
                            CaptureFrame f = c.push(p.rgb(), p.image(), 40L * i);
                            inPush.decrementAndGet();
                            out.add(CaptureSequence.line(f));
                        }
                        out.add(CaptureSequence.bestLine(c.best(PixelFormat.RGB)));
                        return out;
                    }
                }));
            }
            List<String> expected = new ArrayList<>(sequence.lines);
            expected.add(sequence.bestLine);
            for (int t = 0; t < threads; t++) {
                assertEquals(expected, futures.get(t).get(), "thread " + t);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(peak.get() >= 2, "the pushes never overlapped (at most " + peak.get() + " at once)");
    }

    @Test
    void aBusyCaptureRefusesAnotherThread() throws Exception {
        // One thread pushes frames (at most 200) until this thread was refused; this thread asks
        // for the best frame while the pushes run. Either side may be refused (a push that starts
        // while best() runs is too): always with INVALID_ARGUMENT, never anything else.
        int maxPushes = 200;
        try (Capture c = new Capture(model)) {
            AtomicBoolean started = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean done = new AtomicBoolean();
            AtomicInteger pushes = new AtomicInteger();
            AtomicReference<Throwable> pusherError = new AtomicReference<>();
            Thread pusher = new Thread(() -> {
                try {
                    for (int i = 0; i < maxPushes && !stop.get(); i++) {
                        TestEnv.Ppm p = sequence.frames.get(i % sequence.frames.size());
                        started.set(true);
                        try {
                            c.push(p.rgb(), p.image(), 40L * i);
                            pushes.incrementAndGet();
                        } catch (SerfiqException e) {
                            if (e.status() != Status.INVALID_ARGUMENT) {
                                throw e;
                            }
                        }
                    }
                } catch (Throwable e) {
                    pusherError.set(e);
                } finally {
                    done.set(true);
                }
            });
            pusher.start();
            while (!started.get()) {
                Thread.onSpinWait();
            }
            int refusals = 0;
            String message = "";
            SerfiqException unexpected = null;
            while (!done.get()) {
                try {
                    c.best(PixelFormat.RGB);
                } catch (SerfiqException e) {
                    if (e.status() == Status.INVALID_ARGUMENT) {
                        refusals++;
                        message = e.getMessage();
                    } else {
                        unexpected = e;
                    }
                    stop.set(true);
                }
            }
            pusher.join();
            assertNull(unexpected);
            assertNull(pusherError.get());
            assertTrue(refusals >= 1, "best() was never refused during " + pushes.get() + " pushes");
            assertTrue(message.contains("another thread"), message);

            // The capture still works: after a reset, the sequence gives the C reference again.
            c.reset();
            assertEquals(sequence.lines, sequence.run(c));
        }
    }
}
