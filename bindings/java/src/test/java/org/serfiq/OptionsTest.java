package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every option set through the builder is what the library reports back (serfiq_get_options). */
class OptionsTest {
    @Test
    void everyOptionRoundTrips(@TempDir Path cuda) throws Exception {
        String sha256 = ModelDigestTest.hex(Files.readAllBytes(TestEnv.model()));
        ModelOptions asked = TestEnv.options()
                // The default model's embedding layer, named instead of found (serfiq info).
                .embeddingLayer("Conv_94")
                .samples(50)
                .dropout(0.4f)
                .seed(-5L)
                .alpha(100)
                .r(0.55)
                .channelOrder(ChannelOrder.BGR)
                .mean(new float[] {127f, 128f, 129f})
                .std(new float[] {127.5f, 128f, 128.5f})
                .intraOpThreads(2)
                .maxSessions(3)
                .modelSha256(sha256)
                .detectorPath(TestEnv.detector())
                .facePolicy(FacePolicy.MOST_CENTRAL)
                .detectorThreshold(0.8f)
                .executionProvider(ExecutionProvider.CUDA)
                .deviceId(3)
                .gpuFallback(true)
                .cudaLibraryPath(cuda)
                .maxModelBytes(50_000_000L)
                .detectorSha256(ModelDigestTest.hex(Files.readAllBytes(TestEnv.detector())))
                .searchPaths(SearchPaths.EXPLICIT_ONLY) // every library has its path here
                .inputMode(InputMode.PHOTO)
                .detectorMaxSide(800)
                .q100Quality(Q100Quality.S)
                .qualityNet(QualityNetTest.SHIPPED)
                .qualityNetSha256(ModelDigestTest.hex(Files.readAllBytes(QualityNetTest.SHIPPED)))
                .qualityNetSpec("side=96;layout=nhwc;channels=rgb;mean=128;std=128")
                .build();
        try (QualityModel m = QualityModel.open(asked)) {
            ModelOptions got = m.options();
            assertEquals(TestEnv.model(), got.modelPath());
            assertEquals(TestEnv.ortLib(), got.ortLibraryPath());
            assertEquals("Conv_94", got.embeddingLayer());
            assertEquals(50, got.samples());
            assertEquals(0.4f, got.dropout());
            assertEquals(-5L, got.seed(), "all 64 bits of the seed");
            assertEquals(100, got.alpha());
            assertEquals(0.55, got.r());
            assertEquals(ChannelOrder.BGR, got.channelOrder());
            assertArrayEquals(new float[] {127f, 128f, 129f}, got.mean());
            assertArrayEquals(new float[] {127.5f, 128f, 128.5f}, got.std());
            assertEquals(2, got.intraOpThreads());
            assertEquals(3, got.maxSessions());
            assertEquals(sha256, got.modelSha256());
            assertEquals(TestEnv.detector(), got.detectorPath());
            assertEquals(FacePolicy.MOST_CENTRAL, got.facePolicy());
            assertEquals(0.8f, got.detectorThreshold());
            assertEquals(ExecutionProvider.CUDA, got.executionProvider(), "the provider asked for");
            assertEquals(3, got.deviceId());
            assertEquals(true, got.gpuFallback());
            assertEquals(cuda, got.cudaLibraryPath());
            assertEquals(50_000_000L, got.maxModelBytes());
            assertEquals(asked.detectorSha256(), got.detectorSha256());
            assertEquals(SearchPaths.EXPLICIT_ONLY, got.searchPaths());
            assertEquals(InputMode.PHOTO, got.inputMode());
            assertEquals(800, got.detectorMaxSide());
            assertEquals(Q100Quality.S, got.q100Quality());
            assertNull(got.modelBytes());
            assertNull(got.detectorBytes());
            assertEquals(QualityNetTest.SHIPPED, got.qualityNet());
            assertEquals("side=96;layout=nhwc;channels=rgb;mean=128;std=128", got.qualityNetSpec());
            // Every slot the builder set, and nothing else, comes back.
            assertEquals(asked, got);
            // No CUDA device 3 here (or no CUDA at all): gpuFallback runs it on the CPU.
            assertEquals(ExecutionProvider.CPU, m.executionProvider());
            // alpha and r in use: q is their logistic of s.
            Quality q = m.score(TestEnv.face().rgb(), TestEnv.face().image(), TestEnv.landmarks());
            assertEquals(1 / (1 + Math.exp(-100 * (q.s() - 0.55))), q.q(), 1e-6);
        }
    }

    @Test
    void qualityCarriesNormFusedAndPercentile() throws Exception {
        try (QualityModel d = TestEnv.open();
                QualityModel byS = QualityModel.open(TestEnv.options().q100Quality(Q100Quality.S).build())) {
            ScoredEmbedding r = d.scoreEmbed(TestEnv.face().rgb(), TestEnv.face().image(), TestEnv.landmarks());
            Quality q = r.quality();
            // n is the norm of the embedding layer's output: for the default model, of the embedding.
            double sum = 0;
            for (float v : r.embedding()) {
                sum += (double) v * v;
            }
            assertEquals(Math.sqrt(sum), q.n(), 1e-5 * Math.sqrt(sum));
            assertTrue(Float.isFinite(q.f()));
            assertTrue(q.q100() >= 0 && q.q100() <= 100, "q100 " + q.q100());
            Quality s = byS.score(TestEnv.face().rgb(), TestEnv.face().image(), TestEnv.landmarks());
            assertEquals(q.s(), s.s());
            assertEquals(q.f(), s.f());
            assertNotEquals(q.q100(), s.q100(), "percentiles of different qualities");
        }
        SerfiqException e = assertThrows(SerfiqException.class, () -> QualityModel.open(TestEnv.options()
                .q100Quality(null).build()));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.detail().contains("q100_quality"), e.detail());
    }

    @Test
    void defaultsReadBackAsInUse() throws Exception {
        TestEnv.Reference ref = TestEnv.reference();
        try (QualityModel m = TestEnv.open()) {
            ModelOptions got = m.options();
            // NaN asked: the values in use come back, and q is their logistic of s.
            assertTrue(!Double.isNaN(got.alpha()) && !Double.isNaN(got.r()));
            assertEquals(1 / (1 + Math.exp(-got.alpha() * (ref.s() - got.r()))), ref.q(), 1e-6);
            assertNull(got.detectorPath());
            assertNull(got.detectorSha256());
            assertEquals(1L << 30, got.maxModelBytes(), "the limit in use");
            assertEquals(SearchPaths.DEFAULT, got.searchPaths());
            assertEquals(ExecutionProvider.CPU, got.executionProvider());
            assertEquals(ExecutionProvider.CPU, m.executionProvider());
            ModelOptions asked = TestEnv.options().build();
            assertEquals(Q100Quality.F, got.q100Quality(), "the default in use");
            assertEquals(withoutNetBytes(asked).alpha(got.alpha()).r(got.r()).q100Quality(Q100Quality.F).build(), got);
        }
    }

    /** {@code o} as read back from a model: the quality network's bytes are not kept, its pin is. */
    static ModelOptions.Builder withoutNetBytes(ModelOptions o) {
        return o.toBuilder().noQualityNet().qualityNetSha256(o.qualityNetSha256());
    }

    @Test
    void bytesAreNotReadBack() throws Exception {
        byte[] bytes = Files.readAllBytes(TestEnv.model());
        ModelOptions asked = ModelLoadTest.bytes(bytes).build();
        assertArrayEquals(bytes, asked.modelBytes());
        try (QualityModel m = QualityModel.open(asked)) {
            assertNull(m.options().modelPath());
            assertNull(m.options().modelBytes());
        }
    }

    @Test
    void gpuWithoutFallbackNamesTheProblem() {
        // Only meaningful where CUDA device 3 cannot be used, as on every machine this runs on.
        SerfiqException e = assertThrows(SerfiqException.class, () -> QualityModel.open(
                TestEnv.options().executionProvider(ExecutionProvider.CUDA).deviceId(3).build()).close());
        assertEquals(Status.GPU_UNAVAILABLE, e.status(), e::getMessage);
    }

    @Test
    void builderIsACopy() {
        ModelOptions.Builder b = TestEnv.options().samples(10);
        ModelOptions first = b.build();
        ModelOptions second = b.samples(20).build();
        assertEquals(10, first.samples());
        assertEquals(20, second.samples());
        assertEquals(first, second.toBuilder().samples(10).build());
        assertNotEquals(first, second);
        float[] mean = {1, 2, 3};
        ModelOptions withMean = b.mean(mean).build();
        mean[0] = 99;
        assertArrayEquals(new float[] {1, 2, 3}, withMean.mean());
        assertTrue(first.toString().contains("samples=10"), first.toString());
        SerfiqException e = assertThrows(SerfiqException.class, () -> b.std(new float[4]));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertThrows(SerfiqException.class, () -> b.mean(null));
    }

    @Test
    void slotsAreFoundByName() {
        String[][] names = NativeLib.nativeOptionNames();
        int[] index = OptionSlots.resolve(names);
        for (OptionSlots.Slot s : OptionSlots.Slot.values()) {
            assertEquals(s.nativeName, names[s.kind.ordinal()][index[s.ordinal()]]);
            assertEquals(index[s.ordinal()], OptionSlots.of(s));
        }
        // Another order: other indices, the same names.
        String[][] reversed = Arrays.stream(names).map(g -> {
            String[] r = g.clone();
            Collections.reverse(Arrays.asList(r));
            return r;
        }).toArray(String[][]::new);
        int[] moved = OptionSlots.resolve(reversed);
        for (OptionSlots.Slot s : OptionSlots.Slot.values()) {
            assertEquals(names[s.kind.ordinal()].length - 1 - index[s.ordinal()], moved[s.ordinal()]);
        }
        // A slot missing on either side fails loudly.
        String[][] missing = names.clone();
        missing[1] = Arrays.copyOf(names[1], names[1].length - 1);
        SerfiqException e = assertThrows(SerfiqException.class, () -> OptionSlots.resolve(missing));
        assertEquals(Status.ABI_MISMATCH, e.status());
        assertTrue(e.detail().contains(names[1][names[1].length - 1]), e.detail());
        String[][] extra = names.clone();
        extra[2] = Arrays.copyOf(names[2], names[2].length + 1);
        extra[2][names[2].length] = "future_option";
        e = assertThrows(SerfiqException.class, () -> OptionSlots.resolve(extra));
        assertEquals(Status.ABI_MISMATCH, e.status());
        assertTrue(e.detail().contains("future_option"), e.detail());
    }
}
