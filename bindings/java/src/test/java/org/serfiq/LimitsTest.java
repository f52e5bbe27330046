package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelOptions.Builder#detectorSha256} (the digest computed here with MessageDigest),
 * {@link ModelOptions.Builder#maxModelBytes} and {@link ModelOptions.Builder#searchPaths}: in this
 * JVM, where ONNX Runtime is loaded, and in a fresh one where it is not ({@link ExplicitOnlyMain}).
 */
class LimitsTest {
    static byte[] model;
    static byte[] detector;
    static String detectorSha256;

    @BeforeAll
    static void setUp() throws Exception {
        model = Files.readAllBytes(TestEnv.model());
        detector = Files.readAllBytes(TestEnv.detector());
        detectorSha256 = ModelDigestTest.hex(detector);
        TestEnv.open().close(); // ONNX Runtime from the configured place
    }

    static SerfiqException expect(Status status, ModelOptions.Builder options) {
        return ModelDigestTest.expect(status, options);
    }

    @Test
    void rightDetectorDigestOpens() throws Exception {
        TestEnv.Ppm photo = TestEnv.face();
        try (QualityModel m = QualityModel.open(TestEnv.withDetector().detectorSha256(detectorSha256).build())) {
            List<DetectedFace> faces = m.detectScore(photo.rgb(), photo.image(), false);
            assertEquals(TestEnv.photoReference().size(), faces.size());
            assertEquals(TestEnv.photoReference().get(0).s(), faces.get(0).quality().s(), 1e-6);
            assertEquals(detectorSha256, m.options().detectorSha256());
        }
        String upper = detectorSha256.toUpperCase(Locale.ROOT);
        QualityModel.open(TestEnv.options().detectorBytes(detector).detectorSha256(upper).build()).close();
    }

    @Test
    void wrongDetectorDigestNamesTheDetector() throws Exception {
        char last = detectorSha256.charAt(63);
        String oneOff = detectorSha256.substring(0, 63) + (last == '0' ? '1' : '0');
        SerfiqException e = expect(Status.MODEL_DIGEST_MISMATCH, TestEnv.withDetector().detectorSha256(oneOff));
        assertTrue(e.detail().contains("detector") && e.detail().contains(detectorSha256), e.detail());
        // The model's digest is not the detector's.
        expect(Status.MODEL_DIGEST_MISMATCH, TestEnv.withDetector().detectorSha256(ModelDigestTest.hex(model)));
        // A pin without a detector, or one that is not 64 hex digits, is an invalid argument.
        e = expect(Status.INVALID_ARGUMENT, TestEnv.options().detectorSha256(detectorSha256));
        assertTrue(e.detail().contains("detector_sha256"), e.detail());
        expect(Status.INVALID_ARGUMENT, TestEnv.withDetector().detectorSha256("abc"));
    }

    @Test
    void maxModelBytesBelowTheModelIsUnsupported() throws Exception {
        SerfiqException e = expect(Status.UNSUPPORTED_MODEL, TestEnv.options().maxModelBytes(model.length - 1));
        assertTrue(e.detail().contains("max_model_bytes") && e.detail().contains(Integer.toString(model.length)),
                e.detail());
        expect(Status.UNSUPPORTED_MODEL, ModelLoadTest.bytes(model).maxModelBytes(model.length - 1));
        try (QualityModel m = QualityModel.open(TestEnv.options().maxModelBytes(model.length).build())) {
            assertEquals(model.length, m.options().maxModelBytes());
        }
        try (QualityModel m = QualityModel.open(TestEnv.options().maxModelBytes(0).build())) {
            assertEquals(1L << 30, m.options().maxModelBytes(), "0 is the default");
        }
        assertEquals(1L << 30, TestEnv.options().build().maxModelBytes(), "the builder's default");
        expect(Status.INVALID_ARGUMENT, TestEnv.options().maxModelBytes(1L << 31));
        e = expect(Status.INVALID_ARGUMENT, TestEnv.options().maxModelBytes(-1));
        assertTrue(e.detail().contains("max_model_bytes"), e.detail());
        // The detector is limited too: a buffer one byte over a limit the model fits.
        byte[] big = Arrays.copyOf(detector, model.length + 1);
        e = expect(Status.UNSUPPORTED_MODEL, TestEnv.options().detectorBytes(big).maxModelBytes(model.length));
        assertTrue(e.detail().contains("detector"), e.detail());
    }

    @Test
    void explicitOnlyOnceOnnxRuntimeIsLoaded() {
        assertEquals(SearchPaths.DEFAULT, TestEnv.options().build().searchPaths());
        try (QualityModel m = QualityModel.open(TestEnv.options().searchPaths(SearchPaths.EXPLICIT_ONLY).build())) {
            assertEquals(SearchPaths.EXPLICIT_ONLY, m.options().searchPaths());
        }
        // Documented: explicit-only needs the path on every create, even once ONNX Runtime is loaded.
        SerfiqException r = expect(Status.RUNTIME_NOT_FOUND, TestEnv.options().ortLibraryPath(null).searchPaths(SearchPaths.EXPLICIT_ONLY));
        assertTrue(r.detail().contains("explicit-only"), r.detail());
        SerfiqException e = expect(Status.GPU_UNAVAILABLE,
                TestEnv.options().searchPaths(SearchPaths.EXPLICIT_ONLY).executionProvider(ExecutionProvider.CUDA));
        assertTrue(e.detail().contains("explicit-only"), e.detail());
        expect(Status.INVALID_ARGUMENT, TestEnv.options().searchPaths(null));
    }

    /** A fresh JVM (ONNX Runtime not loaded) with SERFIQ_ORT_LIB naming the real library. */
    @Test
    void explicitOnlyIgnoresTheEnvironmentInAFreshProcess() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        for (String p : new String[] {NativeLoader.PATH_PROPERTY, "java.library.path"}) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        cmd.add(ExplicitOnlyMain.class.getName());
        cmd.add(TestEnv.model().toString());
        cmd.add(TestEnv.ortLib().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SERFIQ_ORT_LIB", TestEnv.ortLib().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM hangs: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("explicit-only child: every step as documented"), out);
    }
}
