package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Capture: the shared frame sequence (tests/capture/frames.c) gives the states, feedback, q100 and
 * best frame that examples/c/capture.c printed; options, reset, errors, closing.
 */
class CaptureTest {
    static QualityModel model;
    static CaptureSequence sequence;
    static List<TestEnv.Ppm> frames;

    @BeforeAll
    static void load() throws IOException {
        sequence = CaptureSequence.load();
        frames = sequence.frames;
        model = CaptureSequence.liveModel();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void sameStatesAndBestFrameAsC() {
        List<String> expected = sequence.lines;
        try (Capture c = new Capture(model)) {
            assertNull(c.best(PixelFormat.RGB));
            assertEquals(expected, sequence.run(c));
            CaptureBest best = c.best(PixelFormat.RGB);
            assertNotNull(best);
            assertEquals(sequence.bestLine, CaptureSequence.bestLine(best));
            assertEquals(40L * best.index(), best.timestampMs());
            assertEquals(1, best.track());
            // The crop is the single-face call's for the best frame's landmarks, the embedding the model's.
            TestEnv.Ppm shot = frames.get((int) best.index());
            assertArrayEquals(model.alignedCrop(shot.rgb(), shot.image(), best.face().landmarks(), PixelFormat.RGB),
                    best.crop());
            assertArrayEquals(model.embed(shot.rgb(), shot.image(), best.face().landmarks()), best.embedding(), 1e-5f);
            assertTrue(best.face().components().containsKey("InterEyeDistance"));

            c.reset();
            assertNull(c.best(PixelFormat.BGR));
            assertEquals(expected, sequence.run(c), "after reset, the same sequence again");
        }
    }

    @Test
    void frameDetailsFromADirectBuffer() {
        try (Capture c = new Capture(model)) {
            TestEnv.Ppm dark = frames.get(0);
            CaptureFrame f = c.push(dark.direct(), dark.image(), 0);
            assertTrue(f.has("TOO_DARK"));
            assertTrue(f.newTrack() && f.fullSearch());
            assertEquals(1, f.track());
            assertTrue(Float.isNaN(f.motion()));
            assertNotNull(f.face());
            TestEnv.Ppm black = frames.get(frames.size() - 1);
            CaptureFrame none = c.push(black.rgb(), black.image(), 40);
            assertEquals(CaptureState.SEARCHING, none.state());
            assertNull(none.face());
            assertEquals(List.of("NO_FACE"), none.feedback().stream().map(Feedback::name).toList());
        }
    }

    @Test
    void optionDefaultsAndAStricterOption() {
        CaptureOptions o = CaptureOptions.defaults();
        assertEquals(50f, o.minQ100());
        assertEquals(5, o.steadyFrames());
        assertEquals(0, o.steadyMs());
        assertEquals(0.05f, o.maxMotion());
        assertEquals(15, o.redetectFrames());
        assertEquals(500, o.redetectMs());
        assertEquals(2f, o.trackContext());
        assertEquals(256, o.trackSide());
        assertEquals(0.3f, o.minOverlap());
        assertEquals(0.3f, o.minSimilarity());
        assertEquals(0.75f, o.jumpSimilarity());
        assertEquals(-1L, o.blockingFeedback());
        // Frame 5 moved from the half-size frame 4, so 6 and 7 are the first two steady frames.
        try (Capture c = new Capture(model, o.steadyFrames(2))) {
            List<CaptureState> states = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                states.add(c.push(frames.get(i).rgb(), frames.get(i).image(), 40L * i).state());
            }
            assertEquals(CaptureState.HOLD_STILL, states.get(6));
            assertEquals(CaptureState.CAPTURED, states.get(7));
        }
    }

    @Test
    void errors() throws IOException {
        TestEnv.Ppm photo = TestEnv.face();
        SerfiqException e = assertThrows(SerfiqException.class,
                () -> new Capture(model, CaptureOptions.defaults().steadyFrames(0)));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.getMessage().contains("steady_frames"), e.getMessage());
        e = assertThrows(SerfiqException.class, () -> new Capture(model, CaptureOptions.defaults().trackSide(-1)));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        try (QualityModel plain = TestEnv.open()) {
            assertEquals(Status.INVALID_ARGUMENT,
                    assertThrows(SerfiqException.class, () -> new Capture(plain)).status());
        }
        try (Capture c = new Capture(model)) {
            c.push(photo.rgb(), photo.image(), 100);
            e = assertThrows(SerfiqException.class, () -> c.push(photo.rgb(), photo.image(), 99));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("timestamp"), e.getMessage());
            assertEquals(1, c.push(photo.rgb(), photo.image(), 140).index(), "the failed push changed nothing");
            assertThrows(SerfiqException.class, () -> c.push(new byte[3], photo.image(), 200));
        }
    }

    @Test
    void outlivesItsModelAndCloses() throws IOException {
        TestEnv.Ppm photo = TestEnv.face();
        Capture c;
        try (QualityModel m = TestEnv.openWithDetector()) {
            c = new Capture(m);
        }
        assertEquals(0, c.push(photo.rgb(), photo.image(), 0).index(), "the capture keeps the model alive");
        c.close();
        c.close();
        assertThrows(IllegalStateException.class, () -> c.push(photo.rgb(), photo.image(), 40));
        assertThrows(IllegalStateException.class, () -> c.best(PixelFormat.RGB));
        assertThrows(IllegalStateException.class, c::reset);
    }
}
