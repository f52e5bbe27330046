package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fixture face gives the C API's reference score and embedding, by every route in. */
class ReferenceTest {
    static final double TOL = 1e-6;

    static QualityModel model;
    static TestEnv.Ppm face;
    static float[] landmarks;
    static TestEnv.Reference ref;

    @BeforeAll
    static void setUp() throws Exception {
        face = TestEnv.face();
        landmarks = TestEnv.landmarks();
        ref = TestEnv.reference();
        model = TestEnv.open();
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static void assertQuality(Quality q) {
        assertEquals(ref.s(), q.s(), TOL, "s");
        assertEquals(ref.q(), q.q(), TOL, "q");
    }

    static void assertEmbedding(float[] e) {
        assertArrayEquals(ref.embedding(), e, (float) TOL, "embedding");
    }

    @Test
    void modelFacts() {
        assertEquals(ref.embedding().length, model.embeddingSize());
        assertEquals(512, model.embeddingSize());
        assertEquals(112, model.inputWidth());
        assertEquals(112, model.inputHeight());
        assertEquals(true, QualityModel.version().startsWith("serfiq "), QualityModel.version());
    }

    @Test
    void byteArray() {
        assertQuality(model.score(face.rgb(), face.image(), landmarks));
        assertEmbedding(model.embed(face.rgb(), face.image(), landmarks));
        ScoredEmbedding se = model.scoreEmbed(face.rgb(), face.image(), landmarks);
        assertQuality(se.quality());
        assertEmbedding(se.embedding());
    }

    @Test
    void directByteBuffer() {
        ByteBuffer buf = face.direct();
        assertQuality(model.score(buf, face.image(), landmarks));
        assertEmbedding(model.embed(buf, face.image(), landmarks));
        ScoredEmbedding se = model.scoreEmbed(buf, face.image(), landmarks);
        assertQuality(se.quality());
        assertEmbedding(se.embedding());
        assertEquals(0, buf.position(), "the buffer's position is left alone");
    }

    @Test
    void directByteBufferFromItsPosition() {
        int pad = 7;
        ByteBuffer buf = ByteBuffer.allocateDirect(pad + face.rgb().length + 5);
        buf.position(pad);
        buf.put(face.rgb());
        buf.position(pad);
        assertQuality(model.score(buf, face.image(), landmarks));
        ScoredEmbedding se = model.scoreEmbed(buf.slice().asReadOnlyBuffer(), face.image(), landmarks);
        assertQuality(se.quality());
        assertEmbedding(se.embedding());
    }

    @Test
    void bgraWithPaddedStride() {
        int w = face.width();
        int h = face.height();
        int stride = w * 4 + 12;
        byte[] bgra = new byte[stride * h];
        byte[] rgb = face.rgb();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int s = (y * w + x) * 3;
                int d = y * stride + x * 4;
                bgra[d] = rgb[s + 2];
                bgra[d + 1] = rgb[s + 1];
                bgra[d + 2] = rgb[s];
                bgra[d + 3] = (byte) 0x80;
            }
        }
        Image image = new Image(w, h, stride, PixelFormat.BGRA);
        assertQuality(model.score(bgra, image, landmarks));
        ByteBuffer direct = ByteBuffer.allocateDirect(bgra.length).put(bgra).flip();
        assertEmbedding(model.scoreEmbed(direct, image, landmarks).embedding());
    }

    @Test
    void batchMixingArraysAndBuffers() {
        List<Face> faces = List.of(
                Face.of(face.rgb(), face.image(), landmarks),
                Face.of(face.direct(), face.image(), landmarks),
                Face.of(face.rgb(), face.image(), landmarks));
        List<Quality> qs = model.scoreBatch(faces);
        assertEquals(3, qs.size());
        qs.forEach(ReferenceTest::assertQuality);
        List<ScoredEmbedding> ses = model.scoreEmbedBatch(faces);
        assertEquals(3, ses.size());
        for (ScoredEmbedding se : ses) {
            assertQuality(se.quality());
            assertEmbedding(se.embedding());
        }
    }

    @Test
    void fromModelBytes() throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(TestEnv.model());
        try (QualityModel m = QualityModel.open(ModelLoadTest.bytes(bytes).build())) {
            assertQuality(m.score(face.rgb(), face.image(), landmarks));
        }
    }
}
