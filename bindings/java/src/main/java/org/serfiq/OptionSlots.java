package org.serfiq;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each option lives in the three arrays the native library takes
 * ({@code String[] text, long[] ints, double[] reals}). The slot order is the
 * library's (src/jni/options.rs); this class looks every slot up once by name,
 * so an option missing on either side fails loudly instead of landing in
 * another field.
 */
final class OptionSlots {
    /** Which array a slot is in. */
    enum Kind { TEXT, INT, REAL }

    /** Every option, with its kind and its name in the native library. */
    enum Slot {
        MODEL_PATH(Kind.TEXT, "model_path"),
        ORT_LIBRARY_PATH(Kind.TEXT, "ort_library_path"),
        EMBEDDING_LAYER(Kind.TEXT, "embedding_layer"),
        MODEL_SHA256(Kind.TEXT, "model_sha256"),
        DETECTOR_PATH(Kind.TEXT, "detector_path"),
        CUDA_LIBRARY_PATH(Kind.TEXT, "cuda_library_path"),
        DETECTOR_SHA256(Kind.TEXT, "detector_sha256"),
        FEEDBACK_PROFILE(Kind.TEXT, "feedback_profile"),
        QUALITY_NET_PATH(Kind.TEXT, "quality_net_path"),
        QUALITY_NET_SHA256(Kind.TEXT, "quality_net_sha256"),
        QUALITY_NET_SPEC(Kind.TEXT, "quality_net_spec"),
        SAMPLES(Kind.INT, "samples"),
        SEED(Kind.INT, "seed"),
        CHANNEL_ORDER(Kind.INT, "channel_order"),
        INTRA_OP_THREADS(Kind.INT, "intra_op_threads"),
        MAX_SESSIONS(Kind.INT, "max_sessions"),
        FACE_POLICY(Kind.INT, "face_policy"),
        EXECUTION_PROVIDER(Kind.INT, "execution_provider"),
        DEVICE_ID(Kind.INT, "device_id"),
        GPU_FALLBACK(Kind.INT, "gpu_fallback"),
        MAX_MODEL_BYTES(Kind.INT, "max_model_bytes"),
        SEARCH_PATHS(Kind.INT, "search_paths"),
        INPUT_MODE(Kind.INT, "input_mode"),
        DETECTOR_MAX_SIDE(Kind.INT, "detector_max_side"),
        Q100_QUALITY(Kind.INT, "q100_quality"),
        DROPOUT(Kind.REAL, "dropout"),
        ALPHA(Kind.REAL, "alpha"),
        R(Kind.REAL, "r"),
        MEAN_0(Kind.REAL, "mean_0"),
        MEAN_1(Kind.REAL, "mean_1"),
        MEAN_2(Kind.REAL, "mean_2"),
        STD_0(Kind.REAL, "std_0"),
        STD_1(Kind.REAL, "std_1"),
        STD_2(Kind.REAL, "std_2"),
        DETECTOR_THRESHOLD(Kind.REAL, "detector_threshold"),
        ;

        final Kind kind;
        final String nativeName;

        Slot(Kind kind, String nativeName) {
            this.kind = kind;
            this.nativeName = nativeName;
        }
    }

    static final Slot[] MEAN = {Slot.MEAN_0, Slot.MEAN_1, Slot.MEAN_2};
    static final Slot[] STD = {Slot.STD_0, Slot.STD_1, Slot.STD_2};

    /** Index of each slot (by ordinal) in its array; null until first used. */
    private static volatile int[] index;

    private OptionSlots() {}

    /** The index of {@code slot} in its array (loads the library on first use). */
    static int of(Slot slot) {
        int[] i = index;
        if (i == null) {
            synchronized (OptionSlots.class) {
                if (index == null) {
                    NativeLib.ensureLoaded();
                    index = resolve(NativeLib.nativeOptionNames());
                }
                i = index;
            }
        }
        return i[slot.ordinal()];
    }

    /**
     * Each slot's index in {@code names} ({text, ints, reals}). Throws
     * {@link SerfiqException} with {@link Status#ABI_MISMATCH} unless the
     * names are exactly this binding's slots.
     */
    static int[] resolve(String[][] names) {
        Kind[] kinds = Kind.values();
        List<String> problems = new ArrayList<>();
        if (names == null || names.length != kinds.length) {
            throw new SerfiqException(Status.ABI_MISMATCH, "libserfiq's option names are not {text, ints, reals}");
        }
        List<Map<String, Integer>> at = new ArrayList<>();
        for (Kind k : kinds) {
            Map<String, Integer> m = new HashMap<>();
            String[] group = names[k.ordinal()];
            for (int i = 0; i < group.length; i++) {
                m.put(group[i], i);
            }
            at.add(m);
        }
        int[] out = new int[Slot.values().length];
        for (Slot s : Slot.values()) {
            Integer i = at.get(s.kind.ordinal()).remove(s.nativeName);
            if (i == null) {
                problems.add("no " + s.kind + " option " + s.nativeName);
            } else {
                out[s.ordinal()] = i;
            }
        }
        for (Kind k : kinds) {
            for (String extra : at.get(k.ordinal()).keySet()) {
                problems.add("an unknown " + k + " option " + extra);
            }
        }
        if (!problems.isEmpty()) {
            throw new SerfiqException(Status.ABI_MISMATCH, "libserfiq's options differ from this Java binding's: "
                    + String.join(", ", problems));
        }
        return out;
    }
}
