package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelOptions.Builder#modelSha256}: the digest is computed here, independently of
 * serfiq, with {@link MessageDigest} over the model file.
 */
class ModelDigestTest {
    static byte[] modelBytes;
    static String sha256;
    static TestEnv.Reference ref;

    @BeforeAll
    static void setUp() throws Exception {
        modelBytes = Files.readAllBytes(TestEnv.model());
        sha256 = hex(modelBytes);
        assertEquals(64, sha256.length());
        ref = TestEnv.reference();
        // Load ONNX Runtime from the configured place before anything can fail.
        TestEnv.open().close();
    }

    static String hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static SerfiqException expect(Status status, ModelOptions.Builder options) {
        SerfiqException e = assertThrows(SerfiqException.class, () -> QualityModel.open(options.build()).close());
        assertEquals(status, e.status(), e::getMessage);
        return e;
    }

    /** Opens with the pin and checks that the model scores the fixture face like the C API. */
    static void opensAndScores(ModelOptions.Builder options) throws Exception {
        TestEnv.Ppm face = TestEnv.face();
        try (QualityModel m = QualityModel.open(options.build())) {
            Quality q = m.score(face.rgb(), face.image(), TestEnv.landmarks());
            assertEquals(ref.s(), q.s(), 1e-6);
            assertEquals(ref.q(), q.q(), 1e-6);
        }
    }

    @Test
    void rightDigestOpens() throws Exception {
        opensAndScores(TestEnv.options().modelSha256(sha256));
        opensAndScores(TestEnv.options().modelSha256(sha256.toUpperCase(Locale.ROOT)));
        opensAndScores(ModelLoadTest.bytes(modelBytes).modelSha256(sha256));
        // null (the default) is "not checked", also after a pin was set.
        opensAndScores(TestEnv.options().modelSha256("0".repeat(64)).modelSha256(null));
    }

    @Test
    void wrongDigestIsAMismatch() throws Exception {
        char last = sha256.charAt(63);
        String oneOff = sha256.substring(0, 63) + (last == '0' ? '1' : '0');
        SerfiqException e = expect(Status.MODEL_DIGEST_MISMATCH, TestEnv.options().modelSha256(oneOff));
        assertEquals(17, e.code());
        assertTrue(e.getMessage().startsWith("MODEL_DIGEST_MISMATCH: "), e.getMessage());
        assertTrue(e.detail().contains(sha256), "the message names the actual digest: " + e.detail());
        expect(Status.MODEL_DIGEST_MISMATCH, TestEnv.options().modelSha256("0".repeat(64)));
        expect(Status.MODEL_DIGEST_MISMATCH,
                ModelLoadTest.bytes(modelBytes).modelSha256(oneOff));
        // The digest of other bytes: a truncated model pinned to the full model's digest.
        expect(Status.MODEL_DIGEST_MISMATCH,
                ModelLoadTest.bytes(Arrays.copyOf(modelBytes, modelBytes.length - 1)).modelSha256(sha256));
    }

    @Test
    void digestIsCheckedBeforeParsing() throws Exception {
        byte[] noise = new byte[4096];
        new Random(11).nextBytes(noise);
        // Pinned to another digest: refused before the bytes are read as ONNX.
        expect(Status.MODEL_DIGEST_MISMATCH, ModelLoadTest.bytes(noise).modelSha256(sha256));
        // Pinned to their own digest: the pin passes, the bytes are still not a model.
        String own = hex(noise);
        assertNotEquals(sha256, own);
        expect(Status.MODEL_INVALID, ModelLoadTest.bytes(noise).modelSha256(own));
    }

    @Test
    void malformedDigestIsAnInvalidArgument() {
        String[] bad = {
            "",
            "abc",
            sha256.substring(0, 63),
            sha256 + "0",
            sha256.substring(0, 63) + "g",
            " " + sha256.substring(1),
            sha256.substring(0, 62) + "é",
            "sha256:" + sha256.substring(7),
        };
        for (String b : bad) {
            SerfiqException e = expect(Status.INVALID_ARGUMENT, TestEnv.options().modelSha256(b));
            assertTrue(e.detail().contains("model_sha256"), e.detail());
        }
    }
}
