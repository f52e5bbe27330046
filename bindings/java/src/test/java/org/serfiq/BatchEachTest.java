package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** scoreBatchEach: one status per image; the good images scored as if alone. */
class BatchEachTest {
    static QualityModel model;
    static TestEnv.Ppm photo;
    static TestEnv.Ppm noFace;
    static float[] lm;

    @BeforeAll
    static void setUp() throws Exception {
        photo = TestEnv.face();
        noFace = TestEnv.noFace();
        lm = TestEnv.landmarks();
        model = TestEnv.openWithDetector();
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static void assertFailed(BatchResult r, Status status, int index) {
        assertEquals(status, r.status(), r.message());
        assertEquals(status.code(), r.code());
        assertTrue(!r.isOk());
        assertTrue(r.message().startsWith("image " + index + ": "), r.message());
        assertNull(r.quality());
        assertNull(r.embedding());
    }

    static void assertScored(BatchResult r, ScoredEmbedding alone, boolean embeddings) {
        assertEquals(Status.OK, r.status(), r.message());
        assertTrue(r.isOk());
        assertEquals("", r.message());
        assertEquals(alone.quality(), r.quality(), "the same quality as scored alone");
        if (embeddings) {
            assertArrayEquals(alone.embedding(), r.embedding(), "the same embedding as scored alone");
        } else {
            assertNull(r.embedding());
        }
    }

    @Test
    void badImagesFailAloneAndTheOthersAreScored() throws Exception {
        float[] nan = lm.clone();
        nan[3] = Float.NaN;
        List<Face> faces = List.of(
                // 0: unreadable before any inference (the core never sees it)
                Face.of(photo.rgb(), new Image(0, photo.height(), 0, PixelFormat.RGB), lm),
                // 1: landmarks
                Face.of(photo.rgb(), photo.image(), lm),
                // 2: NaN landmarks (refused by the core, which sees it as its image 1)
                Face.of(photo.rgb(), photo.image(), nan),
                // 3: a heap buffer
                Face.of(ByteBuffer.wrap(photo.rgb()), photo.image(), lm),
                // 4: the detector finds the face
                Face.of(photo.direct(), photo.image(), null),
                // 5: no face
                Face.of(noFace.rgb(), noFace.image(), null),
                // 6: no pixels
                Face.of((byte[]) null, photo.image(), lm),
                // 7: 9 landmarks
                Face.of(photo.rgb(), photo.image(), new float[9]));
        ScoredEmbedding withLandmarks = model.scoreEmbed(photo.rgb(), photo.image(), lm);
        ScoredEmbedding detected = model.scoreEmbed(photo.rgb(), photo.image(), null);
        for (boolean embeddings : new boolean[] {true, false}) {
            List<BatchResult> r = model.scoreBatchEach(faces, embeddings);
            assertEquals(faces.size(), r.size());
            assertFailed(r.get(0), Status.INVALID_IMAGE, 0);
            assertScored(r.get(1), withLandmarks, embeddings);
            assertFailed(r.get(2), Status.INVALID_LANDMARKS, 2);
            assertFailed(r.get(3), Status.INVALID_ARGUMENT, 3);
            assertScored(r.get(4), detected, embeddings);
            assertFailed(r.get(5), Status.NO_FACE, 5);
            assertFailed(r.get(6), Status.NULL_ARGUMENT, 6);
            assertFailed(r.get(7), Status.INVALID_LANDMARKS, 7);
        }
        // And the C API's reference for the good ones.
        TestEnv.Reference ref = TestEnv.reference();
        BatchResult good = model.scoreBatchEach(faces, true).get(1);
        assertEquals(ref.s(), good.quality().s(), 1e-6);
        assertArrayEquals(ref.embedding(), good.embedding(), 1e-6f);
    }

    @Test
    void aPhotoWithoutLandmarksNeedsTheDetector() {
        try (QualityModel plain = TestEnv.open()) {
            List<BatchResult> r = plain.scoreBatchEach(List.of(
                    Face.of(photo.rgb(), photo.image(), lm), Face.of(photo.rgb(), photo.image(), null)), true);
            assertScored(r.get(0), plain.scoreEmbed(photo.rgb(), photo.image(), lm), true);
            assertFailed(r.get(1), Status.INVALID_IMAGE, 1);
        }
    }

    @Test
    void allBadIsStillAResult() {
        List<BatchResult> r = model.scoreBatchEach(List.of(
                Face.of(noFace.rgb(), noFace.image(), null), Face.of(new byte[3], photo.image(), lm)), false);
        assertFailed(r.get(0), Status.NO_FACE, 0);
        assertFailed(r.get(1), Status.INVALID_IMAGE, 1);
    }

    @Test
    void failuresOfTheWholeCallAreThrown() {
        Face ok = Face.of(photo.rgb(), photo.image(), lm);
        InvalidArgumentsTest.expect(Status.NULL_ARGUMENT, () -> model.scoreBatchEach(null, false));
        InvalidArgumentsTest.expect(Status.INVALID_ARGUMENT, () -> model.scoreBatchEach(List.of(), true));
        InvalidArgumentsTest.expect(Status.INVALID_ARGUMENT,
                () -> model.scoreBatchEach(Collections.nCopies(4097, ok), false));
        List<Face> withNull = new ArrayList<>(List.of(ok));
        withNull.add(null);
        InvalidArgumentsTest.expect(Status.NULL_ARGUMENT, () -> model.scoreBatchEach(withNull, false));
        QualityModel closed = TestEnv.open();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.scoreBatchEach(List.of(ok), false));
    }
}
