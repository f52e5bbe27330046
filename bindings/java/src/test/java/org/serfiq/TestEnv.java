package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the tests find what they need: a system property (as bindings/java/test.sh
 * passes them), else the environment variable of `make bindings-test`, else the
 * place in this repository where `make fixtures` leaves it.
 *
 * <pre>
 * serfiq.library.path  SERFIQ_JNI_LIB_DIR/libserfiq.so  ../../target/jni/release/libserfiq.so
 * serfiq.model         SERFIQ_MODEL                  ../../.cache/models/fr_feature.onnx
 * serfiq.detector      SERFIQ_DETECTOR               ../../.cache/models/retinaface_mnet025.onnx
 * serfiq.ortLib        SERFIQ_ORT_LIB                (none: serfiq's own search)
 * serfiq.fixtures      SERFIQ_FIXTURES               ../../target/fixtures
 * serfiq.include       SERFIQ_INCLUDE_DIR            ../../include
 * </pre>
 *
 * The library is the JNI build ({@code make jni-lib}); the plain C build has no Java entry points.
 */
final class TestEnv {
    static final Path REPO = Path.of("").toAbsolutePath().resolve("../..").normalize();

    static {
        if (System.getProperty(NativeLoader.PATH_PROPERTY) == null) {
            String dir = System.getenv("SERFIQ_JNI_LIB_DIR");
            Path lib = dir != null ? Path.of(dir, "libserfiq.so") : REPO.resolve("target/jni/release/libserfiq.so");
            System.setProperty(NativeLoader.PATH_PROPERTY, lib.toString());
        }
    }

    private TestEnv() {}

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? null : v;
    }

    static Path model() {
        String v = setting("serfiq.model", "SERFIQ_MODEL");
        return v != null ? Path.of(v) : REPO.resolve(".cache/models/fr_feature.onnx");
    }

    static Path detector() {
        String v = setting("serfiq.detector", "SERFIQ_DETECTOR");
        return v != null ? Path.of(v) : REPO.resolve(".cache/models/retinaface_mnet025.onnx");
    }

    static Path ortLib() {
        String v = setting("serfiq.ortLib", "SERFIQ_ORT_LIB");
        return v != null ? Path.of(v) : null;
    }

    static Path fixtures() {
        String v = setting("serfiq.fixtures", "SERFIQ_FIXTURES");
        return v != null ? Path.of(v) : REPO.resolve("target/fixtures");
    }

    static Path include() {
        String v = setting("serfiq.include", "SERFIQ_INCLUDE_DIR");
        return v != null ? Path.of(v) : REPO.resolve("include");
    }

    /** Options for the test model: the default settings, ONNX Runtime as configured. */
    static ModelOptions.Builder options() {
        return ModelOptions.builder().modelPath(model()).ortLibraryPath(ortLib());
    }

    /** {@link #options()} with the face detector. */
    static ModelOptions.Builder withDetector() {
        return options().detectorPath(detector());
    }

    static QualityModel open() {
        return QualityModel.open(options().build());
    }

    static QualityModel openWithDetector() {
        return QualityModel.open(withDetector().build());
    }

    /** A binary PPM (P6, maxval 255). */
    record Ppm(int width, int height, byte[] rgb) {
        Image image() {
            return Image.packed(width, height, PixelFormat.RGB);
        }

        ByteBuffer direct() {
            ByteBuffer b = ByteBuffer.allocateDirect(rgb.length);
            b.put(rgb).flip();
            return b;
        }
    }

    static Ppm readPpm(Path path) throws IOException {
        try (InputStream raw = Files.newInputStream(path);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            String magic = token(in);
            int w = Integer.parseInt(token(in));
            int h = Integer.parseInt(token(in));
            int max = Integer.parseInt(token(in));
            assertEquals("P6", magic, path + " is not a binary PPM");
            assertEquals(255, max, path + ": maxval");
            byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
            in.readFully(rgb);
            return new Ppm(w, h, rgb);
        }
    }

    /** A header token; consumes the single whitespace byte after it. */
    private static String token(DataInputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '#' && sb.length() == 0) {
                while ((c = in.read()) != -1 && c != '\n') { }
                continue;
            }
            if (Character.isWhitespace(c)) {
                if (sb.length() > 0) {
                    break;
                }
                continue;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    static float[] readFloats(Path path) throws IOException {
        String[] parts = Files.readString(path, StandardCharsets.UTF_8).trim().split("\\s+");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }

    static Ppm face() throws IOException {
        return readPpm(fixtures().resolve("face.ppm"));
    }

    static Ppm noFace() throws IOException {
        return readPpm(fixtures().resolve("noface.ppm"));
    }

    static float[] landmarks() throws IOException {
        float[] lm = readFloats(fixtures().resolve("face.landmarks"));
        assertEquals(10, lm.length, "face.landmarks holds 10 numbers");
        return lm;
    }

    /** The C example's output: line 1 "s q", line 2 the embedding. */
    record Reference(float s, float q, float[] embedding) {}

    static Reference reference() throws IOException {
        List<String> lines = Files.readAllLines(fixtures().resolve("face.reference"), StandardCharsets.UTF_8);
        assertTrue(lines.size() >= 2, "face.reference has the score and embedding lines");
        String[] sq = lines.get(0).trim().split("\\s+");
        String[] e = lines.get(1).trim().split("\\s+");
        float[] emb = new float[e.length];
        for (int i = 0; i < e.length; i++) {
            emb[i] = Float.parseFloat(e[i]);
        }
        return new Reference(Float.parseFloat(sq[0]), Float.parseFloat(sq[1]), emb);
    }

    /** One face of photo.reference (the C API on the whole photo, with the detector). */
    record PhotoFace(float[] box, float[] landmarks, float confidence, float s, float q, float[] embedding) {}

    /** photo.reference: "faces N", then per face its box, landmarks, confidence/s/q and embedding lines. */
    static List<PhotoFace> photoReference() throws IOException {
        List<String> lines = Files.readAllLines(fixtures().resolve("photo.reference"), StandardCharsets.UTF_8);
        String[] head = lines.get(0).trim().split("\\s+");
        assertEquals("faces", head[0], "photo.reference starts with the face count");
        int n = Integer.parseInt(head[1]);
        assertEquals(1 + 4 * n, lines.size(), "photo.reference has 4 lines per face (made with --embedding)");
        List<PhotoFace> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] box = lines.get(1 + 4 * i).trim().split("\\s+");
            String[] lm = lines.get(2 + 4 * i).trim().split("\\s+");
            String[] csq = lines.get(3 + 4 * i).trim().split("\\s+");
            assertEquals(List.of("face", String.valueOf(i), "box"), List.of(box[0], box[1], box[2]));
            assertEquals("landmarks", lm[0]);
            assertEquals(List.of("confidence", "s", "q"), List.of(csq[0], csq[2], csq[4]));
            out.add(new PhotoFace(
                    floats(box, 3), floats(lm, 1), Float.parseFloat(csq[1]), Float.parseFloat(csq[3]),
                    Float.parseFloat(csq[5]), floats(lines.get(4 + 4 * i).trim().split("\\s+"), 0)));
        }
        return out;
    }

    private static float[] floats(String[] parts, int from) {
        float[] out = new float[parts.length - from];
        for (int i = from; i < parts.length; i++) {
            out[i - from] = Float.parseFloat(parts[i]);
        }
        return out;
    }
}
