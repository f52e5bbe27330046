package org.serfiq;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A face with its quality, ISO/IEC 29794-5 components and feedback ({@link QualityModel#assess},
 * {@link QualityModel#detectAssess}).
 *
 * @param box left, top, right, bottom in image pixels: the detector's box when it found the face,
 *     else the aligned crop's extent in the image
 * @param landmarks the 10 floats (x, y of 5 points) the components were measured from
 * @param confidence the detector's confidence, 0 when the face was not found by the detector
 * @param quality the face's quality
 * @param components every component the library defines, by name, in id order
 * @param feedback the feedback codes raised under the model's profile, in code order
 * @param feedbackBits bit k set: feedback code k raised
 */
public record Assessment(
        float[] box,
        float[] landmarks,
        float confidence,
        Quality quality,
        Map<String, Component> components,
        List<Feedback> feedback,
        long feedbackBits) {

    /** Whether feedback {@code name} ("TOO_DARK") was raised. */
    public boolean has(String name) {
        return feedback.stream().anyMatch(f -> f.name().equals(name));
    }

    private static volatile String[][] names;

    /** Component names and units by id, read from the library once. */
    private static String[][] names() {
        String[][] n = names;
        if (n == null) {
            NativeLib.ensureLoaded();
            n = NativeLib.nativeComponents();
            names = n;
        }
        return n;
    }

    /** The faces of {@code NativeLib.nativeAssess} / {@code nativeDetectAssess}. */
    static List<Assessment> of(Object[] r) {
        float[] faces = (float[]) r[0];
        long[] bits = (long[]) r[1];
        float[] raw = (float[]) r[2];
        float[] value = (float[]) r[3];
        String[][] n = names();
        int count = n[0].length;
        int per = NativeLib.FACE_FLOATS;
        Assessment[] out = new Assessment[bits.length];
        for (int k = 0; k < bits.length; k++) {
            int at = k * per;
            Map<String, Component> components = new LinkedHashMap<>();
            for (int id = 0; id < count; id++) {
                components.put(n[0][id], new Component(id, n[0][id], n[1][id], raw[k * count + id],
                        value[k * count + id]));
            }
            out[k] = new Assessment(
                    java.util.Arrays.copyOfRange(faces, at, at + 4),
                    java.util.Arrays.copyOfRange(faces, at + 4, at + 14),
                    faces[at + 14],
                    Quality.of(faces, at + 15),
                    Collections.unmodifiableMap(components),
                    Feedback.in(bits[k]),
                    bits[k]);
        }
        return List.of(out);
    }
}
