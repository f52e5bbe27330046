package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Missing and corrupt models and bad options give the C API's statuses. */
class ModelLoadTest {
    static byte[] modelBytes;

    @BeforeAll
    static void setUp() throws Exception {
        modelBytes = Files.readAllBytes(TestEnv.model());
        // Load ONNX Runtime from the configured place before anything can fail.
        TestEnv.open().close();
    }

    static SerfiqException expect(Status status, ModelOptions.Builder options) {
        SerfiqException e = assertThrows(SerfiqException.class, () -> QualityModel.open(options.build()).close());
        assertEquals(status, e.status(), e::getMessage);
        return e;
    }

    static ModelOptions.Builder bytes(byte[] b) {
        return ModelOptions.builder().modelBytes(b).ortLibraryPath(TestEnv.ortLib());
    }

    @Test
    void missingModel(@TempDir Path dir) {
        expect(Status.MODEL_NOT_FOUND, ModelOptions.builder().modelPath(dir.resolve("no-such-model.onnx")));
        expect(Status.MODEL_NOT_FOUND, ModelOptions.builder().modelPath(dir));
    }

    @Test
    void corruptModel(@TempDir Path dir) throws Exception {
        expect(Status.MODEL_INVALID, bytes(new byte[0]));
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        expect(Status.MODEL_INVALID, bytes(noise));
        expect(Status.MODEL_INVALID, bytes(Arrays.copyOf(modelBytes, modelBytes.length / 2)));
        Path file = dir.resolve("corrupt.onnx");
        Files.write(file, "this is not an ONNX model".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        expect(Status.MODEL_INVALID, ModelOptions.builder().modelPath(file));
    }

    @Test
    void badOptions() {
        expect(Status.INVALID_ARGUMENT, TestEnv.options().samples(1));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().samples(-3));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().samples(1001));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().dropout(0f));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().dropout(Float.NaN));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().alpha(Double.POSITIVE_INFINITY).r(0.5));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().mean(new float[] {0, 0, 0}).std(new float[] {1, 0, 1}));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().intraOpThreads(-1));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().maxSessions(5000));
        SerfiqException e = assertThrows(SerfiqException.class,
                () -> TestEnv.options().mean(new float[2]));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        expect(Status.EMBEDDING_LAYER_NOT_FOUND, TestEnv.options().embeddingLayer("no_such_layer"));
    }

    static long[] ints;
    static double[] reals;

    /** nativeCreate with these arrays fails with {@code status}; the message contains {@code word}. */
    static void expectCreate(Status status, String word, String[] t, long[] i, double[] r) {
        SerfiqException e = assertThrows(SerfiqException.class, () -> NativeLib.nativeCreate(t, i, r, null, null, null));
        assertEquals(status, e.status(), e::getMessage);
        assertTrue(e.detail().contains(word), e.detail());
    }

    static long[] withInt(long[] base, OptionSlots.Slot slot, long v) {
        long[] out = base.clone();
        out[OptionSlots.of(slot)] = v;
        return out;
    }

    @Test
    void nativeCreateArguments() {
        Object[] d = NativeLib.defaults();
        String[] none = (String[]) d[0];
        long[] i = (long[]) d[1];
        double[] r = (double[]) d[2];
        expectCreate(Status.NULL_ARGUMENT, "no model", none, i, r);
        String[] t = none.clone();
        t[OptionSlots.of(OptionSlots.Slot.MODEL_PATH)] = TestEnv.model().toString();
        if (TestEnv.ortLib() != null) {
            t[OptionSlots.of(OptionSlots.Slot.ORT_LIBRARY_PATH)] = TestEnv.ortLib().toString();
        }
        expectCreate(Status.NULL_ARGUMENT, "text", null, i, r);
        expectCreate(Status.NULL_ARGUMENT, "ints", t, null, r);
        expectCreate(Status.NULL_ARGUMENT, "reals", t, i, null);
        expectCreate(Status.INVALID_ARGUMENT, "text", Arrays.copyOf(t, t.length + 1), i, r);
        expectCreate(Status.INVALID_ARGUMENT, "ints", t, Arrays.copyOf(i, i.length - 1), r);
        expectCreate(Status.INVALID_ARGUMENT, "reals", t, i, Arrays.copyOf(r, r.length + 2));
        // Values that do not fit the C field are refused, not wrapped.
        expectCreate(Status.INVALID_ARGUMENT, "samples", t, withInt(i, OptionSlots.Slot.SAMPLES, -3), r);
        expectCreate(Status.INVALID_ARGUMENT, "samples", t, withInt(i, OptionSlots.Slot.SAMPLES, 100L + (1L << 32)), r);
        expectCreate(Status.INVALID_ARGUMENT, "device_id", t, withInt(i, OptionSlots.Slot.DEVICE_ID, 1L << 31), r);
        // Unknown codes, refused by the library.
        expectCreate(Status.INVALID_ARGUMENT, "channel_order", t, withInt(i, OptionSlots.Slot.CHANNEL_ORDER, 2), r);
        expectCreate(Status.INVALID_ARGUMENT, "face_policy", t, withInt(i, OptionSlots.Slot.FACE_POLICY, 2), r);
        expectCreate(Status.INVALID_ARGUMENT, "execution_provider", t,
                withInt(i, OptionSlots.Slot.EXECUTION_PROVIDER, 2), r);
        // The same arrays with nothing wrong make a model.
        long h = NativeLib.nativeCreate(t, i, r, null, null, null);
        assertTrue(h != 0);
        NativeLib.nativeDestroy(h);
    }

    @Test
    void defaultsComeFromTheNativeLibrary() {
        ModelOptions d = ModelOptions.builder().build();
        assertEquals(100, d.samples());
        assertEquals(0.5f, d.dropout());
        assertEquals(0, d.seed());
        // alpha and r: NaN, i.e. the model's calibration, else the library's 118 and 0.576.
        assertTrue(Double.isNaN(d.alpha()));
        assertTrue(Double.isNaN(d.r()));
        assertEquals(ChannelOrder.RGB, d.channelOrder());
        assertArrayEquals(new float[] {127.5f, 127.5f, 127.5f}, d.mean());
        assertArrayEquals(new float[] {128f, 128f, 128f}, d.std());
        assertEquals(1, d.intraOpThreads());
        assertEquals(0, d.maxSessions());
        assertEquals(FacePolicy.LARGEST, d.facePolicy());
        assertEquals(0.9f, d.detectorThreshold());
        assertEquals(ExecutionProvider.CPU, d.executionProvider());
        assertEquals(0, d.deviceId());
        assertFalse(d.gpuFallback());
        assertNull(d.modelPath());
        assertNull(d.modelBytes());
        assertNull(d.ortLibraryPath());
        assertNull(d.embeddingLayer());
        assertNull(d.modelSha256());
        assertNull(d.detectorPath());
        assertNull(d.detectorBytes());
        assertNull(d.cudaLibraryPath());
        assertEquals(d, ModelOptions.builder().build());
    }
}
