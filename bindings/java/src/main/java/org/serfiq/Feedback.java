package org.serfiq;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A feedback code the person in front of the camera can act on. Codes, names and messages come
 * from the native library, read once.
 *
 * @param code its stable code: its bit in {@link Assessment#feedbackBits()}
 * @param name e.g. "TOO_DARK"
 * @param message a short English sentence an app can show or translate
 */
public record Feedback(int code, String name, String message) {
    private static volatile List<Feedback> all;

    /** Every code the library defines, by code. */
    public static List<Feedback> all() {
        List<Feedback> a = all;
        if (a == null) {
            NativeLib.ensureLoaded();
            String[][] t = NativeLib.nativeFeedback();
            List<Feedback> codes = new ArrayList<>(t[0].length);
            for (int i = 0; i < t[0].length; i++) {
                codes.add(new Feedback(i, t[0][i], t[1][i]));
            }
            a = Collections.unmodifiableList(codes);
            all = a;
        }
        return a;
    }

    /** The codes whose bits are set in {@code bits}, in code order. */
    static List<Feedback> in(long bits) {
        List<Feedback> out = new ArrayList<>();
        for (Feedback f : all()) {
            if (f.code < 64 && (bits >>> f.code & 1L) != 0) {
                out.add(f);
            }
        }
        return Collections.unmodifiableList(out);
    }
}
