// The README's Java example: score the face of a photo and say what the person should fix.
//
//   java -cp serfiq.jar:. Quickstart MODEL.onnx DETECTOR.onnx PHOTO.ppm   (binary PPM, P6, 8-bit RGB)
//
// Prints "s S q100 Q" for the face the detector picks, then the message of each
// feedback code raised under the default (enrolment) profile.
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import org.serfiq.Assessment;
import org.serfiq.Feedback;
import org.serfiq.Image;
import org.serfiq.ModelOptions;
import org.serfiq.PixelFormat;
import org.serfiq.QualityModel;
import org.serfiq.SerfiqException;

public final class Quickstart {
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: Quickstart MODEL.onnx DETECTOR.onnx PHOTO.ppm");
            System.exit(2);
        }
        byte[] file = Files.readAllBytes(Path.of(args[2]));
        String[] header = new String(file, 0, Math.min(file.length, 64), StandardCharsets.US_ASCII).split("\\s+", 5);
        if (header.length < 5 || !header[0].equals("P6") || !header[3].equals("255")) {
            throw new IOException(args[2] + " is not an 8-bit binary PPM");
        }
        int width = Integer.parseInt(header[1]), height = Integer.parseInt(header[2]);
        byte[] rgb = Arrays.copyOfRange(file, file.length - width * height * 3, file.length);
        try {
            // ANCHOR: readme
            ModelOptions options = ModelOptions.builder()
                    .modelPath(Path.of(args[0]))
                    .detectorPath(Path.of(args[1]))   // finds the face in a photo
                    .build();
            try (QualityModel model = QualityModel.open(options)) {
                Assessment a = model.assess(rgb, Image.packed(width, height, PixelFormat.RGB), null);
                System.out.printf(Locale.ROOT, "s %.6f q100 %.1f%n", a.quality().s(), a.quality().q100());
                for (Feedback f : a.feedback()) {
                    System.out.println(f.message());
                }
            }
            // ANCHOR_END: readme
        } catch (SerfiqException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
