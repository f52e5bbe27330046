package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One model shared by threads; close racing calls in flight; use after close. */
class ConcurrencyTest {
    static TestEnv.Ppm face;
    static float[] landmarks;

    @BeforeAll
    static void setUp() throws Exception {
        face = TestEnv.face();
        landmarks = TestEnv.landmarks();
    }

    @Test
    void fourThreadsGiveIdenticalResults() throws Exception {
        try (QualityModel model = TestEnv.open()) {
            ScoredEmbedding first = model.scoreEmbed(face.rgb(), face.image(), landmarks);
            ByteBuffer shared = face.direct();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<List<ScoredEmbedding>>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    final int thread = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        List<ScoredEmbedding> out = new ArrayList<>();
                        for (int i = 0; i < 6; i++) {
                            if ((thread + i) % 3 == 0) {
                                out.add(model.scoreEmbed(face.rgb(), face.image(), landmarks));
                            } else if ((thread + i) % 3 == 1) {
                                out.add(model.scoreEmbed(shared.duplicate(), face.image(), landmarks));
                            } else {
                                out.add(model.scoreEmbedBatch(List.of(Face.of(face.rgb(), face.image(), landmarks)))
                                        .get(0));
                            }
                        }
                        return out;
                    }));
                }
                start.countDown();
                for (Future<List<ScoredEmbedding>> f : futures) {
                    for (ScoredEmbedding se : f.get(120, TimeUnit.SECONDS)) {
                        assertEquals(first.quality(), se.quality(), "bit-identical quality");
                        assertArrayEquals(first.embedding(), se.embedding(), "bit-identical embedding");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void useAfterCloseThrowsAndCloseIsIdempotent() throws Exception {
        QualityModel model = TestEnv.open();
        model.score(face.rgb(), face.image(), landmarks);
        assertTrue(!model.isClosed());
        model.close();
        model.close();
        assertTrue(model.isClosed());
        assertThrows(IllegalStateException.class, () -> model.score(face.rgb(), face.image(), landmarks));
        assertThrows(IllegalStateException.class, () -> model.embed(face.direct(), face.image(), landmarks));
        assertThrows(IllegalStateException.class, () -> model.scoreEmbed(face.rgb(), face.image(), null));
        assertThrows(IllegalStateException.class,
                () -> model.scoreBatch(List.of(Face.of(face.rgb(), face.image(), landmarks))));
        // Facts cached at open stay readable.
        assertEquals(512, model.embeddingSize());
        model.close();
    }

    @Test
    void closeRacingCallsInFlightNeverCrashes() throws Exception {
        for (int round = 0; round < 3; round++) {
            QualityModel model = TestEnv.open();
            Quality expected = model.score(face.rgb(), face.image(), landmarks);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            AtomicInteger succeeded = new AtomicInteger();
            try {
                CountDownLatch running = new CountDownLatch(4);
                List<Future<Throwable>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    final boolean direct = t % 2 == 0;
                    futures.add(pool.submit(() -> {
                        running.countDown();
                        ByteBuffer buf = face.direct();
                        while (true) {
                            try {
                                Quality q = direct
                                        ? model.score(buf, face.image(), landmarks)
                                        : model.score(face.rgb(), face.image(), landmarks);
                                assertEquals(expected, q);
                                succeeded.incrementAndGet();
                            } catch (Throwable e) {
                                return e;
                            }
                        }
                    }));
                }
                running.await();
                Thread.sleep(50 + 40 * round);
                model.close();
                for (Future<Throwable> f : futures) {
                    Throwable e = f.get(120, TimeUnit.SECONDS);
                    assertInstanceOf(IllegalStateException.class, e, () -> "unexpected: " + e);
                }
                model.close();
            } finally {
                pool.shutdownNow();
            }
            assertTrue(succeeded.get() > 0, "some calls ran before close");
        }
    }
}
