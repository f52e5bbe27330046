/* serfiq from Java: score every face of a photo, or one face given its landmarks
 * (the Java twin of examples/c/score.c, with the same output).
 *
 *   java -cp serfiq-0.1.0.jar:. Score [MODEL.onnx] PHOTO.ppm --detector DETECTOR.onnx [--embedding]
 *   java -cp serfiq-0.1.0.jar:. Score [MODEL.onnx] FACE.ppm LANDMARKS.txt [--embedding]
 *
 * MODEL.onnx defaults to env SERFIQ_MODEL. PHOTO.ppm / FACE.ppm is a binary PPM
 * (P6, 8-bit RGB). With --detector it prints "faces N", then for every face the
 * detector finds three lines
 *   face I box X0 Y0 X1 Y1
 *   landmarks X Y X Y X Y X Y X Y     (eyes, nose tip, mouth corners)
 *   confidence C s S q Q
 * With LANDMARKS.txt (10 numbers: x y of left eye, right eye, nose tip, left and
 * right mouth corner) it prints "s q". --embedding adds each face's embedding on
 * the line after it.
 * libserfiq (the JNI build) is found as org.serfiq.NativeLoader describes
 * (-Dserfiq.library.path, a copy packaged in the jar, or java.library.path);
 * ONNX Runtime next to it or through env SERFIQ_ORT_LIB. */
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
import org.serfiq.DetectedFace;
import org.serfiq.Image;
import org.serfiq.ModelOptions;
import org.serfiq.PixelFormat;
import org.serfiq.QualityModel;
import org.serfiq.ScoredEmbedding;
import org.serfiq.SerfiqException;

public final class Score {
    private Score() {}

    public static void main(String[] argv) throws IOException {
        List<String> args = new ArrayList<>(List.of(argv));
        boolean wantEmbedding = args.remove("--embedding");
        String detector = null;
        int at = args.indexOf("--detector");
        if (at >= 0 && at + 1 < args.size()) {
            detector = args.remove(at + 1);
            args.remove(at);
        }
        int inputs = detector != null ? 1 : 2;
        String model = args.size() == inputs + 1 ? args.remove(0) : System.getenv("SERFIQ_MODEL");
        if (args.size() != inputs || model == null || model.isEmpty() || args.contains("--detector")) {
            System.err.println("usage: Score [MODEL.onnx] PHOTO.ppm --detector DETECTOR.onnx [--embedding]\n"
                    + "       Score [MODEL.onnx] FACE.ppm LANDMARKS.txt [--embedding]"
                    + " (MODEL.onnx defaults to env SERFIQ_MODEL)");
            System.exit(2);
        }
        Ppm photo = readPpm(Path.of(args.get(0)));
        Image image = Image.packed(photo.width, photo.height, PixelFormat.RGB);

        try {
            ModelOptions.Builder options = ModelOptions.builder().modelPath(Path.of(model));
            if (detector != null) {
                options.detectorPath(Path.of(detector));
            }
            run(options.build(), photo, image, detector != null, args, wantEmbedding);
        } catch (SerfiqException e) {
            // e.status() is the C API's status; the message names it.
            System.err.println("serfiq: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(ModelOptions options, Ppm photo, Image image, boolean detector, List<String> args,
            boolean wantEmbedding) throws IOException {
        try (QualityModel m = QualityModel.open(options)) {
            if (detector) {
                List<DetectedFace> faces = m.detectScore(photo.rgb, image, wantEmbedding);
                System.out.println("faces " + faces.size());
                for (int i = 0; i < faces.size(); i++) {
                    DetectedFace f = faces.get(i);
                    System.out.println("face " + i + " box " + join(f.box()));
                    System.out.println("landmarks " + join(f.landmarks()));
                    System.out.println("confidence " + g(f.confidence()) + " s " + g(f.quality().s())
                            + " q " + g(f.quality().q()));
                    if (wantEmbedding) {
                        System.out.println(join(f.embedding()));
                    }
                }
            } else {
                ScoredEmbedding r = m.scoreEmbed(photo.rgb, image, readLandmarks(Path.of(args.get(1))));
                System.out.println(g(r.quality().s()) + " " + g(r.quality().q()));
                if (wantEmbedding) {
                    System.out.println(join(r.embedding()));
                }
            }
        }
    }

    /** C's %.9g (enough digits to give the float back). */
    private static String g(float v) {
        String s = String.format(Locale.ROOT, "%.9g", v);
        // Java's %g keeps the trailing zeros that C's drops.
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("\\.?0+$", "");
        }
        return e < 0 ? mantissa : mantissa + s.substring(e);
    }

    private static String join(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (float x : v) {
            sb.append(sb.length() == 0 ? "" : " ").append(g(x));
        }
        return sb.toString();
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
