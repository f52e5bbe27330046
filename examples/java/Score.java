/* serfiq from Java: score one face photo given its 5 landmarks.
 *
 *   java -cp serfiq-0.1.0.jar:. Score [MODEL.onnx] FACE.ppm LANDMARKS.txt [--embedding]
 *
 * MODEL.onnx defaults to env SERFIQ_MODEL. FACE.ppm is a binary PPM (P6, 8-bit
 * RGB); LANDMARKS.txt holds 10 numbers: x y of left eye, right eye, nose tip,
 * left and right mouth corner. Prints "s q" and, with --embedding, the
 * embedding on a second line (the output of examples/c/score.c).
 * libserfiq is found as org.serfiq.NativeLoader describes (-Dserfiq.library.path,
 * a copy packaged in the jar, or java.library.path); ONNX Runtime next to it or
 * through env SERFIQ_ORT_LIB. */
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.serfiq.Image;
import org.serfiq.PixelFormat;
import org.serfiq.QualityModel;
import org.serfiq.ScoredEmbedding;
import org.serfiq.SerfiqException;

public final class Score {
    private Score() {}

    public static void main(String[] argv) throws IOException {
        List<String> args = new ArrayList<>(List.of(argv));
        boolean wantEmbedding = args.remove("--embedding");
        String model = args.size() == 3 ? args.remove(0) : System.getenv("SERFIQ_MODEL");
        if (args.size() != 2 || model == null || model.isEmpty()) {
            System.err.println("usage: Score [MODEL.onnx] FACE.ppm LANDMARKS.txt [--embedding]"
                    + " (MODEL.onnx defaults to env SERFIQ_MODEL)");
            System.exit(2);
        }
        Ppm face = readPpm(Path.of(args.get(0)));
        float[] landmarks = readLandmarks(Path.of(args.get(1)));

        try (QualityModel m = QualityModel.open(Path.of(model))) {
            Image image = new Image(face.width, face.height, face.width * 3, PixelFormat.RGB);
            ScoredEmbedding r = m.scoreEmbed(face.rgb, image, landmarks);
            System.out.printf(Locale.ROOT, "%.9g %.9g%n", r.quality().s(), r.quality().q());
            if (wantEmbedding) {
                StringBuilder sb = new StringBuilder();
                for (float v : r.embedding()) {
                    sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.9g", v));
                }
                System.out.println(sb);
            }
        } catch (SerfiqException e) {
            // e.status() is the C API's status; the message names it.
            System.err.println("serfiq: " + e.getMessage());
            System.exit(1);
        }
    }

    private record Ppm(int width, int height, byte[] rgb) {}

    /** A binary PPM: "P6", width, height, maxval 255, one whitespace byte, then RGB bytes. */
    private static Ppm readPpm(Path path) throws IOException {
        try (InputStream raw = Files.newInputStream(path);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            String magic = token(in);
            int w = Integer.parseInt(token(in));
            int h = Integer.parseInt(token(in));
            int maxval = Integer.parseInt(token(in));
            if (!magic.equals("P6") || maxval != 255 || w <= 0 || h <= 0 || w >= 65536 || h >= 65536) {
                throw new IOException(path + " is not an 8-bit binary PPM (P6)");
            }
            byte[] rgb = new byte[w * h * 3];
            in.readFully(rgb);
            return new Ppm(w, h, rgb);
        }
    }

    private static String token(DataInputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != -1; c = in.read()) {
            if (c == '#' && sb.length() == 0) {
                while (c != -1 && c != '\n') {
                    c = in.read();
                }
            } else if (Character.isWhitespace(c)) {
                if (sb.length() > 0) {
                    break;
                }
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private static float[] readLandmarks(Path path) throws IOException {
        String[] parts = Files.readString(path, StandardCharsets.UTF_8).trim().split("\\s+");
        if (parts.length != 10) {
            throw new IOException(path + ": expected 10 numbers, found " + parts.length);
        }
        float[] lm = new float[10];
        for (int i = 0; i < 10; i++) {
            lm[i] = Float.parseFloat(parts[i]);
        }
        return lm;
    }
}
