package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Whole photos through the face detector: every face as the C API finds it (photo.reference). */
class PhotoTest {
    static final float TOL = 1e-6f;

    static QualityModel model;
    static TestEnv.Ppm photo;
    static TestEnv.Ppm noFace;
    static List<TestEnv.PhotoFace> ref;

    @BeforeAll
    static void setUp() throws Exception {
        photo = TestEnv.face();
        noFace = TestEnv.noFace();
        ref = TestEnv.photoReference();
        assertTrue(ref.size() >= 1, "photo.reference has a face");
        model = TestEnv.openWithDetector();
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static void assertFaces(List<DetectedFace> got, boolean embeddings) {
        assertEquals(ref.size(), got.size(), "faces");
        for (int i = 0; i < ref.size(); i++) {
            TestEnv.PhotoFace want = ref.get(i);
            DetectedFace f = got.get(i);
            assertArrayEquals(want.box(), f.box(), TOL, "box of face " + i);
            assertArrayEquals(want.landmarks(), f.landmarks(), TOL, "landmarks of face " + i);
            assertEquals(want.confidence(), f.confidence(), TOL, "confidence of face " + i);
            assertEquals(want.s(), f.quality().s(), TOL, "s of face " + i);
            assertEquals(want.q(), f.quality().q(), TOL, "q of face " + i);
            if (embeddings) {
                assertArrayEquals(want.embedding(), f.embedding(), TOL, "embedding of face " + i);
            } else {
                assertNull(f.embedding());
            }
        }
    }

    @Test
    void detectScoreFindsTheReferenceFaces() {
        assertFaces(model.detectScore(photo.rgb(), photo.image(), true), true);
        assertFaces(model.detectScore(photo.direct(), photo.image(), true), true);
        assertFaces(model.detectScore(photo.rgb(), photo.image(), false), false);
    }

    @Test
    void singleFaceCallsScoreTheFirstFace() {
        TestEnv.PhotoFace first = ref.get(0);
        Quality q = model.score(photo.rgb(), photo.image(), null);
        assertEquals(first.s(), q.s(), TOL);
        assertEquals(first.q(), q.q(), TOL);
        ScoredEmbedding se = model.scoreEmbed(photo.direct(), photo.image(), null);
        assertEquals(first.s(), se.quality().s(), TOL);
        assertArrayEquals(first.embedding(), se.embedding(), TOL);
        assertArrayEquals(first.embedding(), model.embed(photo.rgb(), photo.image(), null), TOL);
    }

    @Test
    void photoWithoutAFace() {
        InvalidArgumentsTest.expect(Status.NO_FACE, () -> model.score(noFace.rgb(), noFace.image(), null));
        InvalidArgumentsTest.expect(Status.NO_FACE, () -> model.scoreEmbed(noFace.direct(), noFace.image(), null));
        InvalidArgumentsTest.expect(Status.NO_FACE,
                () -> model.alignedCrop(noFace.rgb(), noFace.image(), null, PixelFormat.RGB));
        assertEquals(List.of(), model.detectScore(noFace.rgb(), noFace.image(), true));
        assertEquals(List.of(), model.detectScore(noFace.direct(), noFace.image(), false));
    }

    @Test
    void withoutADetector() throws Exception {
        try (QualityModel plain = TestEnv.open()) {
            // A photo needs landmarks or a detector; detectScore needs the detector.
            InvalidArgumentsTest.expect(Status.INVALID_IMAGE, () -> plain.score(photo.rgb(), photo.image(), null));
            SerfiqException e = InvalidArgumentsTest.expect(Status.INVALID_ARGUMENT,
                    () -> plain.detectScore(photo.rgb(), photo.image(), false));
            assertTrue(e.detail().contains("detector"), e.detail());
            // With landmarks, both models see the same crop.
            float[] lm = TestEnv.landmarks();
            assertArrayEquals(model.alignedCrop(photo.rgb(), photo.image(), lm, PixelFormat.RGB),
                    plain.alignedCrop(photo.rgb(), photo.image(), lm, PixelFormat.RGB));
        }
    }

    @Test
    void alignedCrop() {
        int w = model.inputWidth();
        int h = model.inputHeight();
        byte[] rgb = model.alignedCrop(photo.rgb(), photo.image(), null, PixelFormat.RGB);
        assertEquals(w * h * 3, rgb.length);
        // The detector's face is aligned by the landmarks it reports.
        assertArrayEquals(rgb, model.alignedCrop(photo.direct(), photo.image(), ref.get(0).landmarks(), PixelFormat.RGB));
        byte[] bgr = model.alignedCrop(photo.rgb(), photo.image(), null, PixelFormat.BGR);
        for (int i = 0; i < rgb.length; i += 3) {
            assertEquals(rgb[i], bgr[i + 2]);
            assertEquals(rgb[i + 1], bgr[i + 1]);
            assertEquals(rgb[i + 2], bgr[i]);
        }
        // An aligned crop given back is taken as it is.
        Image crop = Image.packed(w, h, PixelFormat.RGB);
        assertArrayEquals(rgb, model.alignedCrop(rgb, crop, null, PixelFormat.RGB));
        assertArrayEquals(rgb, model.alignedCrop(bgr, Image.packed(w, h, PixelFormat.BGR), null, PixelFormat.RGB));
        InvalidArgumentsTest.expect(Status.INVALID_ARGUMENT,
                () -> model.alignedCrop(photo.rgb(), photo.image(), null, PixelFormat.GRAY));
        InvalidArgumentsTest.expect(Status.NULL_ARGUMENT,
                () -> model.alignedCrop(photo.rgb(), photo.image(), null, null));
        InvalidArgumentsTest.expect(Status.INVALID_LANDMARKS,
                () -> model.alignedCrop(photo.rgb(), photo.image(), new float[9], PixelFormat.RGB));
    }

    /**
     * The photo on the right of a canvas twice as wide, and a half-size copy on
     * the left whose face is nearer the canvas centre: the face policy decides
     * which face the single-face calls score.
     */
    static TestEnv.Ppm twoFaces() {
        int w = photo.width();
        int h = photo.height();
        int cw = 2 * w;
        byte[] canvas = new byte[cw * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(photo.rgb(), y * w * 3, canvas, (y * cw + w) * 3, w * 3);
        }
        int sw = w / 2;
        int sh = h / 2;
        int ox = w - sw;
        // The small face's centre at the canvas's height centre.
        float[] box = ref.get(0).box();
        int oy = Math.max(0, Math.min(h - sh, h / 2 - (int) ((box[1] + box[3]) / 4)));
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                System.arraycopy(photo.rgb(), ((2 * y) * w + 2 * x) * 3, canvas, ((oy + y) * cw + ox + x) * 3, 3);
            }
        }
        return new TestEnv.Ppm(cw, h, canvas);
    }

    static float area(DetectedFace f) {
        return (f.box()[2] - f.box()[0]) * (f.box()[3] - f.box()[1]);
    }

    static double offCentre(DetectedFace f, TestEnv.Ppm img) {
        double cx = (f.box()[0] + f.box()[2]) / 2 - img.width() / 2.0;
        double cy = (f.box()[1] + f.box()[3]) / 2 - img.height() / 2.0;
        return Math.hypot(cx, cy);
    }

    @Test
    void facePolicyPicksTheFace() {
        TestEnv.Ppm two = twoFaces();
        try (QualityModel central = QualityModel.open(
                TestEnv.withDetector().facePolicy(FacePolicy.MOST_CENTRAL).build())) {
            assertEquals(FacePolicy.MOST_CENTRAL, central.options().facePolicy());
            assertEquals(FacePolicy.LARGEST, model.options().facePolicy());
            List<DetectedFace> byArea = model.detectScore(two.rgb(), two.image(), false);
            List<DetectedFace> byCentre = central.detectScore(two.rgb(), two.image(), false);
            assertEquals(2, byArea.size(), "both faces of the canvas are found");
            assertEquals(2, byCentre.size());
            assertTrue(area(byArea.get(0)) > area(byArea.get(1)), "LARGEST: the largest box first");
            assertTrue(offCentre(byCentre.get(0), two) < offCentre(byCentre.get(1), two),
                    "MOST_CENTRAL: the most central box first");
            assertNotEquals(byArea.get(0).quality(), byCentre.get(0).quality(), "the policies pick different faces");
            assertEquals(byArea.get(0).quality(), model.score(two.rgb(), two.image(), null));
            assertEquals(byCentre.get(0).quality(), central.score(two.rgb(), two.image(), null));
        }
    }

    @Test
    void detectorThresholdDecidesWhatIsAFace() {
        float best = ref.get(0).confidence();
        float above = (best + 1f) / 2f;
        try (QualityModel strict = QualityModel.open(TestEnv.withDetector().detectorThreshold(above).build())) {
            assertEquals(above, strict.options().detectorThreshold());
            assertEquals(List.of(), strict.detectScore(photo.rgb(), photo.image(), false));
            InvalidArgumentsTest.expect(Status.NO_FACE, () -> strict.score(photo.rgb(), photo.image(), null));
        }
        float below = best / 2f;
        try (QualityModel lax = QualityModel.open(TestEnv.withDetector().detectorThreshold(below).build())) {
            assertEquals(below, lax.options().detectorThreshold());
            List<DetectedFace> faces = lax.detectScore(photo.rgb(), photo.image(), false);
            assertTrue(faces.size() >= ref.size());
            assertEquals(ref.get(0).confidence(), faces.get(0).confidence(), TOL);
        }
    }

    @Test
    void detectorFromBytes() throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(TestEnv.detector());
        try (QualityModel m = QualityModel.open(TestEnv.options().detectorBytes(bytes).build())) {
            assertNull(m.options().detectorPath());
            assertFaces(m.detectScore(photo.rgb(), photo.image(), true), true);
        }
        assertThrows(IllegalStateException.class, () -> {
            QualityModel m = TestEnv.openWithDetector();
            m.close();
            m.detectScore(photo.rgb(), photo.image(), false);
        });
    }
    /**
     * A grey image of exactly the input size: AUTO and CROP score it as an aligned crop (the same
     * s), PHOTO searches it and finds no face; CROP refuses another size; PHOTO needs a detector.
     */
    @Test
    void sameSizedImageAsCropAndAsPhoto() throws Exception {
        int w = model.inputWidth();
        int h = model.inputHeight();
        byte[] grey = new byte[w * h * 3];
        java.util.Arrays.fill(grey, (byte) 128);
        Image img = Image.packed(w, h, PixelFormat.RGB);
        assertEquals(InputMode.AUTO, model.options().inputMode());
        try (QualityModel crop = QualityModel.open(TestEnv.withDetector().inputMode(InputMode.CROP).build());
                QualityModel asPhoto = QualityModel.open(TestEnv.withDetector().inputMode(InputMode.PHOTO).build())) {
            assertEquals(InputMode.CROP, crop.options().inputMode());
            assertEquals(InputMode.PHOTO, asPhoto.options().inputMode());
            Quality asCrop = crop.score(grey, img, null);
            assertTrue(asCrop.s() > 0f);
            assertEquals(asCrop, model.score(grey, img, null), "AUTO takes it as a crop too");
            InvalidArgumentsTest.expect(Status.NO_FACE, () -> asPhoto.score(grey, img, null));
            assertEquals(List.of(), asPhoto.detectScore(grey, img, false));
            assertEquals(model.score(photo.rgb(), photo.image(), null), asPhoto.score(photo.rgb(), photo.image(), null));
            InvalidArgumentsTest.expect(Status.INVALID_IMAGE, () -> crop.score(photo.rgb(), photo.image(), null));
        }
        InvalidArgumentsTest.expect(Status.INVALID_ARGUMENT,
                () -> QualityModel.open(TestEnv.options().inputMode(InputMode.PHOTO).build()));
        InvalidArgumentsTest.expect(Status.INVALID_ARGUMENT,
                () -> QualityModel.open(TestEnv.withDetector().inputMode(null).build()));
    }

    @Test
    void detectorMaxSideDefaultRangeAndOff() throws Exception {
        assertEquals(640, model.options().detectorMaxSide());
        try (QualityModel off = QualityModel.open(TestEnv.withDetector().detectorMaxSide(32768).build())) {
            assertEquals(32768, off.options().detectorMaxSide());
            List<DetectedFace> full = off.detectScore(photo.rgb(), photo.image(), false);
            assertEquals(ref.size(), full.size());
            assertArrayEquals(ref.get(0).landmarks(), full.get(0).landmarks(), 1.0f, "landmarks within a pixel");
        }
        for (long bad : new long[] {1, 31, 32769, -1}) {
            InvalidArgumentsTest.expect(Status.INVALID_ARGUMENT,
                    () -> QualityModel.open(TestEnv.withDetector().detectorMaxSide(bad).build()));
        }
        assertEquals(750, QualityModel.MAX_FACES);
    }
}
