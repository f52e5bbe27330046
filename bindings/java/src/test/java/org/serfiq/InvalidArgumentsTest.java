package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every bad argument is a SerfiqException with the C API's status; the model stays usable. */
class InvalidArgumentsTest {
    static QualityModel model;
    static TestEnv.Ppm face;
    static float[] lm;
    static Quality good;
    /** A raw handle for NativeLib calls that the public API cannot make (owned by this class alone). */
    static long raw;

    @BeforeAll
    static void setUp() throws Exception {
        face = TestEnv.face();
        lm = TestEnv.landmarks();
        model = TestEnv.open();
        good = model.score(face.rgb(), face.image(), lm);
        raw = TestEnv.options().build().create();
    }

    @AfterAll
    static void tearDown() {
        // Nothing above broke the model.
        assertEquals(good, model.score(face.rgb(), face.image(), lm));
        model.close();
        NativeLib.nativeDestroy(raw);
    }

    static SerfiqException expect(Status status, Executable call) {
        SerfiqException e = assertThrows(SerfiqException.class, call);
        assertEquals(status, e.status(), e::getMessage);
        assertEquals(status.code(), e.code());
        assertTrue(e.getMessage().startsWith(status.name() + ": "), e.getMessage());
        assertTrue(!e.detail().isEmpty());
        return e;
    }

    static float[] landmarksWith(int index, float value) {
        float[] l = lm.clone();
        l[index] = value;
        return l;
    }

    @Test
    void nullPixelsAndImage() {
        expect(Status.NULL_ARGUMENT, () -> model.score((byte[]) null, face.image(), lm));
        expect(Status.NULL_ARGUMENT, () -> model.embed((ByteBuffer) null, face.image(), lm));
        expect(Status.NULL_ARGUMENT, () -> model.scoreEmbed(face.rgb(), null, lm));
        expect(Status.NULL_ARGUMENT, () -> model.score(face.direct(), null, lm));
    }

    @Test
    void bufferShorterThanTheImage() {
        byte[] shortArray = java.util.Arrays.copyOf(face.rgb(), face.rgb().length - 1);
        expect(Status.INVALID_IMAGE, () -> model.score(shortArray, face.image(), lm));
        ByteBuffer shortDirect = ByteBuffer.allocateDirect(face.rgb().length - 1);
        expect(Status.INVALID_IMAGE, () -> model.score(shortDirect, face.image(), lm));
        ByteBuffer full = face.direct();
        full.position(1);
        expect(Status.INVALID_IMAGE, () -> model.embed(full, face.image(), lm));
        ByteBuffer limited = face.direct();
        limited.limit(limited.capacity() - 3);
        expect(Status.INVALID_IMAGE, () -> model.scoreEmbed(limited, face.image(), lm));
        expect(Status.INVALID_IMAGE, () -> model.score(new byte[0], face.image(), lm));
        // A stride that makes the image longer than the array.
        Image wide = new Image(face.width(), face.height(), face.width() * 3 + 1, PixelFormat.RGB);
        expect(Status.INVALID_IMAGE, () -> model.score(face.rgb(), wide, lm));
    }

    @Test
    void badImageShapes() {
        byte[] px = face.rgb();
        expect(Status.INVALID_IMAGE, () -> model.score(px, new Image(0, face.height(), 0, PixelFormat.RGB), lm));
        expect(Status.INVALID_IMAGE, () -> model.score(px, new Image(face.width(), 0, 0, PixelFormat.RGB), lm));
        expect(Status.INVALID_IMAGE, () -> model.score(px, new Image(-5, face.height(), 0, PixelFormat.RGB), lm));
        expect(Status.INVALID_IMAGE, () -> model.score(px, new Image(40000, 1, 0, PixelFormat.GRAY), null));
        SerfiqException e = expect(Status.INVALID_IMAGE,
                () -> model.score(px, new Image(face.width(), face.height(), face.width() * 3 - 1, PixelFormat.RGB), lm));
        assertTrue(e.detail().contains("stride"), e.detail());
        // A single image is not "image 0" of a batch (issue 27).
        assertFalse(e.detail().contains("image 0"), e.detail());
        expect(Status.INVALID_IMAGE, () -> model.score(px, new Image(face.width(), face.height(), -3, PixelFormat.RGB), lm));
        expect(Status.INVALID_IMAGE, () -> model.score(px, new Image(face.width(), face.height(), 0, null), lm));
        // No landmarks: the image must be an aligned crop at the input size.
        expect(Status.INVALID_IMAGE, () -> model.score(px, face.image(), null));
    }

    @Test
    void unknownPixelFormat() {
        byte[] px = face.rgb();
        for (int format : new int[] {5, -1, 99, Integer.MIN_VALUE}) {
            SerfiqException e = expect(Status.INVALID_IMAGE, () -> withHandle(h ->
                    NativeLib.nativeScore(h, px, face.width(), face.height(), 0, format, 0, -1, lm)));
            assertTrue(e.detail().contains("pixel format"), e.detail());
            assertFalse(e.detail().contains("image 0"), e.detail());
        }
    }

    @Test
    void badLandmarks() {
        byte[] px = face.rgb();
        Image img = face.image();
        expect(Status.INVALID_LANDMARKS, () -> model.score(px, img, landmarksWith(3, Float.NaN)));
        expect(Status.INVALID_LANDMARKS, () -> model.score(px, img, landmarksWith(0, Float.POSITIVE_INFINITY)));
        expect(Status.INVALID_LANDMARKS, () -> model.score(px, img, landmarksWith(0, -5000f)));
        expect(Status.INVALID_LANDMARKS, () -> model.embed(px, img, new float[10]));
        expect(Status.INVALID_LANDMARKS, () -> model.score(px, img, java.util.Arrays.copyOf(lm, 9)));
        expect(Status.INVALID_LANDMARKS, () -> model.score(face.direct(), img, java.util.Arrays.copyOf(lm, 11)));
        expect(Status.INVALID_LANDMARKS, () -> model.scoreEmbed(px, img, new float[0]));
    }

    @Test
    void heapByteBufferIsRejected() {
        ByteBuffer heap = ByteBuffer.wrap(face.rgb());
        SerfiqException e = expect(Status.INVALID_ARGUMENT, () -> model.score(heap, face.image(), lm));
        assertTrue(e.detail().contains("direct"), e.detail());
        expect(Status.INVALID_ARGUMENT, () -> model.scoreBatch(List.of(Face.of(heap, face.image(), lm))));
    }

    @Test
    void nativeLevelArguments() {
        byte[] px = face.rgb();
        int w = face.width();
        int h = face.height();
        int rgb = PixelFormat.RGB.code();
        // Pixels of a type that is neither byte[] nor ByteBuffer.
        expect(Status.INVALID_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScore(m, "pixels", w, h, 0, rgb, 0, -1, lm)));
        expect(Status.INVALID_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScore(m, new int[w * h], w, h, 0, rgb, 0, -1, lm)));
        // Offsets and lengths outside the array.
        expect(Status.INVALID_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScore(m, px, w, h, 0, rgb, -1, -1, lm)));
        expect(Status.INVALID_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScore(m, px, w, h, 0, rgb, px.length + 1, -1, lm)));
        expect(Status.INVALID_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScore(m, px, w, h, 0, rgb, 0, px.length + 1, lm)));
        expect(Status.INVALID_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScore(m, px, w, h, 0, rgb, 0, -2, lm)));
        ByteBuffer direct = face.direct();
        expect(Status.INVALID_ARGUMENT, () -> withHandle(m -> NativeLib.nativeEmbed(m, direct, w, h, 0, rgb, 0, px.length + 1, lm)));
        // Offset inside, but too little left for the image.
        expect(Status.INVALID_IMAGE, () -> withHandle(m -> NativeLib.nativeScore(m, px, w, h, 0, rgb, 1, -1, lm)));
        // Handle 0 (what a closed model holds).
        expect(Status.NULL_ARGUMENT, () -> NativeLib.nativeScore(0, px, w, h, 0, rgb, 0, -1, lm));
        expect(Status.NULL_ARGUMENT, () -> NativeLib.nativeEmbeddingSize(0));
        expect(Status.NULL_ARGUMENT, () -> NativeLib.nativeInputSize(0));
        NativeLib.nativeDestroy(0);
    }

    @Test
    void badBatches() {
        Face ok = Face.of(face.rgb(), face.image(), lm);
        expect(Status.NULL_ARGUMENT, () -> model.scoreBatch(null));
        expect(Status.INVALID_ARGUMENT, () -> model.scoreBatch(List.of()));
        expect(Status.INVALID_ARGUMENT, () -> model.scoreBatch(Collections.nCopies(4097, ok)));
        List<Face> withNull = new ArrayList<>(List.of(ok, ok));
        withNull.add(null);
        expect(Status.NULL_ARGUMENT, () -> model.scoreBatch(withNull));
        SerfiqException e = expect(Status.INVALID_IMAGE, () -> model.scoreEmbedBatch(
                List.of(ok, ok, Face.of(face.rgb(), new Image(0, 1, 0, PixelFormat.RGB), lm))));
        assertTrue(e.detail().contains("image 2"), e.detail());
        e = expect(Status.INVALID_LANDMARKS, () -> model.scoreBatch(
                List.of(ok, Face.of(face.rgb(), face.image(), landmarksWith(1, Float.NaN)))));
        assertTrue(e.detail().contains("image 1"), e.detail());
        expect(Status.INVALID_LANDMARKS,
                () -> model.scoreBatch(List.of(ok, Face.of(face.rgb(), face.image(), new float[3]))));
        expect(Status.NULL_ARGUMENT, () -> model.scoreBatch(List.of(ok, Face.of((byte[]) null, face.image(), lm))));

        Object[] px = {face.rgb()};
        int[] shape = {face.width(), face.height(), 0, PixelFormat.RGB.code(), 0, -1};
        float[][] lms = {lm};
        expect(Status.NULL_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScoreBatch(m, null, shape, lms, false)));
        expect(Status.NULL_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScoreBatch(m, px, null, lms, false)));
        expect(Status.INVALID_ARGUMENT, () -> withHandle(m -> NativeLib.nativeScoreBatch(m, px, new int[5], lms, false)));
        expect(Status.INVALID_LANDMARKS,
                () -> withHandle(m -> NativeLib.nativeScoreBatch(m, px, shape, new float[2][], false)));
        float[] r = withHandle(m -> NativeLib.nativeScoreBatch(m, px, shape, lms, false));
        assertEquals(NativeLib.QUALITY_FLOATS, r.length);
        assertEquals(good, Quality.of(r, 0));
    }

    interface HandleCall {
        float[] call(long handle);
    }

    /** Runs a raw NativeLib call on the raw handle. */
    static float[] withHandle(HandleCall call) {
        return call.call(raw);
    }
}
