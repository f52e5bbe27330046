package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The capture tests' shared frame sequence (tests/capture/frames.c) and what examples/c/capture.c
 * printed for it: SERFIQ_CAPTURE_DIR holds frames/*.ppm and reference.txt (tests/capture/reference.sh).
 */
final class CaptureSequence {
    final List<TestEnv.Ppm> frames = new ArrayList<>();
    /** A line per frame, without the last ("best ...") line. */
    final List<String> lines;
    final String bestLine;

    private CaptureSequence(List<String> reference) {
        lines = new ArrayList<>(reference.subList(0, reference.size() - 1));
        bestLine = reference.get(reference.size() - 1);
    }

    static CaptureSequence load() throws IOException {
        String dir = System.getenv("SERFIQ_CAPTURE_DIR");
        assertNotNull(dir, "set SERFIQ_CAPTURE_DIR (bindings/java/test.sh does)");
        CaptureSequence s = new CaptureSequence(Files.readAllLines(Path.of(dir, "reference.txt")));
        try (Stream<Path> paths = Files.list(Path.of(dir, "frames"))) {
            for (Path p : paths.filter(p -> p.toString().endsWith(".ppm")).sorted().toList()) {
                s.frames.add(TestEnv.readPpm(p));
            }
        }
        return s;
    }

    /** The model of examples/c/capture.c: the detector and the "live" feedback profile. */
    static QualityModel liveModel() {
        // examples/c/capture.c sets no quality network: q100 and the gate are of s and n's f.
        return QualityModel.open(TestEnv.withDetector().noQualityNet().feedbackProfile("live").build());
    }

    static String q(float v) {
        return String.format(Locale.ROOT, "%.2f", (double) v);
    }

    /** A frame as examples/c/capture.c prints it. */
    static String line(CaptureFrame f) {
        return f.index() + " " + f.state() + " " + String.format(Locale.ROOT, "%016x", f.feedbackBits()) + " "
                + (f.face() == null ? "-" : q(f.face().quality().q100())) + " " + (f.isBest() ? 1 : 0);
    }

    /** The best frame as examples/c/capture.c prints it. */
    static String bestLine(CaptureBest b) {
        return "best " + b.index() + " " + b.state() + " " + q(b.face().quality().q100()) + " " + b.crop().length
                + " " + b.embedding().length;
    }

    /** Pushes every frame, 40 ms apart as examples/c/capture.c does; a line per frame. */
    List<String> run(Capture c) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            TestEnv.Ppm p = frames.get(i);
            out.add(line(c.push(p.rgb(), p.image(), 40L * i)));
        }
        return out;
    }
}
