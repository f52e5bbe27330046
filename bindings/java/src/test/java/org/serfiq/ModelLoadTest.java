package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    static SerfiqException expect(Status status, ModelOptions options) {
        SerfiqException e = assertThrows(SerfiqException.class, () -> QualityModel.open(options).close());
        assertEquals(status, e.status(), e::getMessage);
        return e;
    }

    static ModelOptions bytes(byte[] b) {
        return ModelOptions.fromBytes(b).ortLibrary(TestEnv.ortLib());
    }

    @Test
    void missingModel(@TempDir Path dir) {
        expect(Status.MODEL_NOT_FOUND, ModelOptions.fromPath(dir.resolve("no-such-model.onnx")));
        expect(Status.MODEL_NOT_FOUND, ModelOptions.fromPath(dir));
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
        expect(Status.MODEL_INVALID, ModelOptions.fromPath(file));
    }

    @Test
    void badOptions() {
        expect(Status.INVALID_ARGUMENT, TestEnv.options().samples(1));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().samples(-3));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().samples(1001));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().dropout(0f));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().dropout(Float.NaN));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().logistic(Double.POSITIVE_INFINITY, 0.5));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().normalization(new float[] {0, 0, 0}, new float[] {1, 0, 1}));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().intraOpThreads(-1));
        expect(Status.INVALID_ARGUMENT, TestEnv.options().maxSessions(5000));
        SerfiqException e = assertThrows(SerfiqException.class,
                () -> TestEnv.options().normalization(new float[2], new float[3]));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        expect(Status.EMBEDDING_LAYER_NOT_FOUND, TestEnv.options().embeddingLayer("no_such_layer"));
    }

    @Test
    void nativeCreateArguments() {
        float[] m = {127.5f, 127.5f, 127.5f};
        float[] s = {128f, 128f, 128f};
        String path = TestEnv.model().toString();
        SerfiqException e = assertThrows(SerfiqException.class,
                () -> NativeLib.nativeCreate(null, null, null, null, 100, 0.5f, 0, 118, 0.576, 0, m, s, 0, 0, null));
        assertEquals(Status.NULL_ARGUMENT, e.status());
        e = assertThrows(SerfiqException.class,
                () -> NativeLib.nativeCreate(path, null, null, null, 100, 0.5f, 0, 118, 0.576, 2, m, s, 0, 0, null));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        e = assertThrows(SerfiqException.class,
                () -> NativeLib.nativeCreate(path, null, null, null, 100, 0.5f, 0, 118, 0.576, 0, null, s, 0, 0, null));
        assertEquals(Status.NULL_ARGUMENT, e.status());
        e = assertThrows(SerfiqException.class,
                () -> NativeLib.nativeCreate(path, null, null, null, 100, 0.5f, 0, 118, 0.576, 0, m, new float[4], 0, 0, null));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
    }

    @Test
    void defaultsComeFromTheNativeLibrary() {
        double[] d = NativeLib.nativeDefaults();
        assertEquals(14, d.length);
        assertEquals(100, d[0]);
        assertEquals(0.5, d[1]);
        assertEquals(0, d[2]);
        // alpha and r: NaN, i.e. the model's calibration, else the library's 118 and 0.576.
        assertTrue(Double.isNaN(d[3]));
        assertTrue(Double.isNaN(d[4]));
    }
}
