package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The second quality network: by default the one the jar carries (models/quality/lightqnet-dm025.onnx),
 * given to the library as bytes and pinned; {@code qualityNet(path)} picks another; {@code noQualityNet()}
 * turns it off. The C example with the file's path (face.quality-net.reference) is the reference.
 */
class QualityNetTest {
    static final Path SHIPPED = TestEnv.REPO.resolve("models/quality/lightqnet-dm025.onnx");

    /** examples/c/score.c FACE LANDMARKS --quality-net models/quality/lightqnet-dm025.onnx: "s q l f". */
    static float[] cReference() throws Exception {
        float[] v = TestEnv.readFloats(TestEnv.fixtures().resolve("face.quality-net.reference"));
        assertEquals(4, v.length, "face.quality-net.reference holds s q l f");
        return v;
    }

    static Quality scoreFace(ModelOptions options) throws Exception {
        TestEnv.Ppm face = TestEnv.face();
        try (QualityModel m = QualityModel.open(options)) {
            return m.score(face.rgb(), face.image(), TestEnv.landmarks());
        }
    }

    @Test
    void theJarCarriesTheShippedNetworkPinned() throws Exception {
        byte[] file = Files.readAllBytes(SHIPPED);
        ModelOptions o = TestEnv.options().build();
        assertArrayEquals(file, o.qualityNetBytes(), "the jar's network is models/quality/lightqnet-dm025.onnx");
        assertEquals(ModelDigestTest.hex(file), o.qualityNetSha256(), "pinned by the file's SHA-256");
        assertNull(o.qualityNet());
        for (String name : new String[] {"LICENSE.lightqnet", "PROVENANCE.md"}) {
            try (InputStream in = ModelOptions.class.getResourceAsStream("/org/serfiq/quality/" + name)) {
                assertArrayEquals(Files.readAllBytes(SHIPPED.resolveSibling(name)), in.readAllBytes(), name);
            }
        }
        String provenance = Files.readString(SHIPPED.resolveSibling("PROVENANCE.md"), StandardCharsets.UTF_8);
        assertTrue(provenance.contains(ModelDigestTest.hex(file)), "PROVENANCE.md names the shipped file's SHA-256");
    }

    @Test
    void defaultGivesTheCApisL() throws Exception {
        float[] c = cReference();
        Quality q = scoreFace(TestEnv.options().build());
        assertTrue(Float.isFinite(q.l()) && q.l() > 0 && q.l() < 1, "l " + q.l());
        assertEquals(c[0], q.s(), 1e-6, "s");
        assertEquals(c[2], q.l(), 1e-6, "l");
        assertEquals(c[3], q.f(), 1e-6, "f");
        // The same file by path through this binding: the same numbers, bit for bit.
        Quality byPath = scoreFace(TestEnv.options().qualityNet(SHIPPED).build());
        assertEquals(q, byPath);
    }

    @Test
    void offGivesNaNAndTheOldF() throws Exception {
        Quality on = scoreFace(TestEnv.options().build());
        ModelOptions off = TestEnv.options().noQualityNet().build();
        assertNull(off.qualityNetBytes());
        assertNull(off.qualityNetSha256());
        Quality q = scoreFace(off);
        assertTrue(Float.isNaN(q.l()), "l " + q.l());
        assertEquals(on.s(), q.s());
        assertEquals(on.n(), q.n());
        assertNotEquals(on.f(), q.f(), "l moves f");
        assertEquals(q, scoreFace(TestEnv.options().qualityNet(null).build()), "qualityNet(null) is the off switch");
        assertEquals(q, scoreFace(TestEnv.options().qualityNetBytes(null).build()));
    }

    @Test
    void anotherNetworkDropsTheJarsPin() throws Exception {
        ModelOptions byPath = TestEnv.options().qualityNet(SHIPPED).build();
        assertNull(byPath.qualityNetBytes());
        assertNull(byPath.qualityNetSha256(), "the jar network's pin does not follow another network");
        byte[] bytes = Files.readAllBytes(SHIPPED);
        ModelOptions byBytes = TestEnv.options().qualityNetBytes(bytes).build();
        assertNull(byBytes.qualityNet());
        assertNull(byBytes.qualityNetSha256());
        // A pin the caller set stays, and is checked.
        String wrong = "00".repeat(32);
        SerfiqException e = ModelDigestTest.expect(Status.MODEL_DIGEST_MISMATCH,
                TestEnv.options().qualityNetSha256(wrong).qualityNet(SHIPPED));
        assertTrue(e.detail().contains("quality"), e.detail());
        // The jar's network under a wrong pin is refused too: the default pin is checked, not decorative.
        ModelDigestTest.expect(Status.MODEL_DIGEST_MISMATCH, TestEnv.options().qualityNetSha256(wrong));
        assertEquals(TestEnv.options().build(), TestEnv.options().noQualityNet().bundledQualityNet().build());
    }
}
