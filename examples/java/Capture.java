// serfiq from Java: the camera loop over a folder of frames; prints what examples/c/capture.c prints.
//
//   java Capture MODEL.onnx DETECTOR.onnx FRAMES_DIR
//
// Pushes each *.ppm of FRAMES_DIR (binary PPM, 8-bit RGB), sorted by name, 40 ms apart, through an
// org.serfiq.Capture with the default options over a model with the "live" feedback profile. One
// line per frame:
//   INDEX STATE FEEDBACK_BITS(hex) Q100(2 decimals, "-" without a face) IS_BEST
// then "best INDEX STATE Q100 CROP_BYTES EMBEDDING_FLOATS" (or "best none").

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.serfiq.CaptureBest;
import org.serfiq.CaptureFrame;
import org.serfiq.CaptureOptions;
import org.serfiq.Image;
import org.serfiq.ModelOptions;
import org.serfiq.PixelFormat;
import org.serfiq.QualityModel;
import org.serfiq.SerfiqException;

public final class Capture {
    private Capture() {}

    public static void main(String[] argv) throws IOException {
        if (argv.length != 3) {
            System.err.println("usage: java Capture MODEL.onnx DETECTOR.onnx FRAMES_DIR");
            System.exit(2);
        }
        List<Path> frames;
        try (Stream<Path> s = Files.list(Path.of(argv[2]))) {
            frames = s.filter(p -> p.getFileName().toString().endsWith(".ppm")).sorted().toList();
        }
        ModelOptions options = ModelOptions.builder()
                .modelPath(Path.of(argv[0]))
                .detectorPath(Path.of(argv[1]))
                .feedbackProfile("live")
                // As examples/c/capture.c, which passes no quality network (test.sh compares the two).
                .noQualityNet()
                .build();
        StringBuilder out = new StringBuilder();
        try (QualityModel model = QualityModel.open(options);
                org.serfiq.Capture capture = new org.serfiq.Capture(model, CaptureOptions.defaults())) {
            long timestampMs = 0;
            for (Path path : frames) {
                Ppm ppm = readPpm(path);
                CaptureFrame f = capture.push(ppm.rgb(), Image.packed(ppm.width(), ppm.height(), PixelFormat.RGB),
                        timestampMs);
                timestampMs += 40;
                out.append(f.index()).append(' ').append(f.state()).append(' ')
                        .append(String.format(Locale.ROOT, "%016x", f.feedbackBits())).append(' ')
                        .append(f.face() == null ? "-" : q(f.face().quality().q100())).append(' ')
                        .append(f.isBest() ? 1 : 0).append('\n');
            }
            CaptureBest best = capture.best(PixelFormat.RGB);
            if (best == null) {
                out.append("best none\n");
            } else {
                out.append("best ").append(best.index()).append(' ').append(best.state()).append(' ')
                        .append(q(best.face().quality().q100())).append(' ').append(best.crop().length).append(' ')
                        .append(best.embedding().length).append('\n');
            }
        } catch (SerfiqException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        System.out.print(out);
    }

    /** C's %.2f of a float. */
    private static String q(float v) {
        return String.format(Locale.ROOT, "%.2f", (double) v);
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
}
