package org.serfiq;

/**
 * The JNI entry points of libserfiq (src/jni/ in the repository, built with the
 * cargo feature {@code jni}), loaded once by {@link NativeLoader}.
 *
 * <p><b>Versions.</b> Loading reads the library's JNI version
 * ({@link #nativeJniVersion}: the signatures and array layouts below) and, when
 * that matches, its C ABI version ({@link #nativeAbiVersion}); nothing else.
 * {@link #ensureLoaded()} checks both and must run before any other native
 * method, because the signatures of one JNI version are not those of another.
 * A library without JNI entry points (the plain C build) has no
 * {@code nativeJniVersion} and is refused the same way.
 *
 * <p><b>Handles.</b> Every method taking a handle: the handle is 0 (rejected with
 * {@link Status#NULL_ARGUMENT}) or came from {@link #nativeCreate} and is not
 * destroyed while the call runs; {@link #nativeDestroy} runs with no other call
 * on that handle in flight. {@link QualityModel} enforces this with a lock.
 * Every failure is thrown as {@link SerfiqException}.
 *
 * <p><b>Images.</b> Pixels are a {@code byte[]} or a direct {@link java.nio.ByteBuffer}
 * in which the image starts at {@code offset} and lies within {@code length}
 * bytes (-1: to the end); {@code stride} 0 = packed; {@code format} a
 * {@link PixelFormat} code; landmarks null or 10 floats.
 *
 * <p><b>Options</b> travel as three arrays ({@code String[] text, long[] ints,
 * double[] reals}) whose slots {@link OptionSlots} finds by name.
 */
final class NativeLib {
    /** The C ABI version this binding was written for ({@code SERFIQ_ABI_VERSION}). */
    static final int ABI_VERSION = 3;
    /** The JNI version this binding was written for (src/jni/mod.rs, {@code JNI_VERSION}). */
    static final int JNI_VERSION = 5;

    /** The loaded library's JNI version; 0 when it has none (no JNI entry points, or version 1). */
    private static final int LOADED_JNI_VERSION;
    /** The loaded library's ABI version; -1 when not read (JNI version mismatch). */
    private static final int LOADED_ABI_VERSION;

    static {
        // A library that cannot be found or loaded throws UnsatisfiedLinkError here.
        NativeLoader.load();
        int jni;
        try {
            jni = nativeJniVersion();
        } catch (UnsatisfiedLinkError e) {
            jni = 0;
        }
        LOADED_JNI_VERSION = jni;
        LOADED_ABI_VERSION = jni == JNI_VERSION ? nativeAbiVersion() : -1;
    }

    private NativeLib() {}

    /**
     * Throws {@link SerfiqException} with {@link Status#ABI_MISMATCH} when
     * {@code loaded} is not the JNI version this binding needs.
     */
    static void checkJni(int loaded) {
        if (loaded != JNI_VERSION) {
            String what = loaded == 0
                    ? "libserfiq has no JNI entry points of a versioned binding (a build without the cargo"
                            + " feature `jni`, or an older one)"
                    : "libserfiq has JNI version " + loaded;
            throw new SerfiqException(Status.ABI_MISMATCH, what + "; this Java binding needs JNI version "
                    + JNI_VERSION + ": use the libserfiq.so built with this binding (`make jni-lib`)");
        }
    }

    /**
     * Throws {@link SerfiqException} with {@link Status#ABI_MISMATCH} when
     * {@code loaded} is not the ABI version this binding needs.
     */
    static void checkAbi(int loaded) {
        if (loaded != ABI_VERSION) {
            throw new SerfiqException(Status.ABI_MISMATCH,
                    "libserfiq has ABI version " + loaded + ", this Java binding needs " + ABI_VERSION
                            + "; use the libserfiq.so built with this binding");
        }
    }

    /**
     * Loads the library (first call: {@link UnsatisfiedLinkError} when it cannot
     * be loaded) and checks its JNI and ABI versions on every call
     * ({@link SerfiqException} with {@link Status#ABI_MISMATCH}).
     */
    static void ensureLoaded() {
        checkJni(LOADED_JNI_VERSION);
        checkAbi(LOADED_ABI_VERSION);
    }

    /** {@link #nativeDefaults()} after {@link #ensureLoaded()}. */
    static Object[] defaults() {
        ensureLoaded();
        return nativeDefaults();
    }

    /** The JNI version; this signature never changes. */
    static native int nativeJniVersion();

    /** {@code serfiq_abi_version()}; this signature never changes. */
    static native int nativeAbiVersion();

    static native String nativeVersion();

    /** {@code serfiq_live_models()}. */
    static native long nativeLiveModels();

    /** The option slots' names: {text, ints, reals}, each in slot order. */
    static native String[][] nativeOptionNames();

    /** The default options: {String[] text, long[] ints, double[] reals}. */
    static native Object[] nativeDefaults();

    /**
     * Creates a model from the three option arrays (every slot given) and the
     * model's, the detector's and the quality network's bytes (null for none; a
     * path wins over bytes).
     */
    static native long nativeCreate(
            String[] text, long[] ints, double[] reals, byte[] modelBytes, byte[] detectorBytes,
            byte[] qualityNetBytes);

    static native void nativeDestroy(long handle);

    /** {@code serfiq_get_options}, as {@link #nativeDefaults}. */
    static native Object[] nativeOptions(long handle);

    static native int nativeEmbeddingSize(long handle);

    /** {width, height}. */
    static native int[] nativeInputSize(long handle);

    /** An {@link ExecutionProvider} code. */
    static native int nativeExecutionProvider(long handle);

    /** {s, q}. */
    static native float[] nativeScore(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            float[] landmarks);

    /** The embedding. */
    static native float[] nativeEmbed(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            float[] landmarks);

    /** {s, q, embedding...}. */
    static native float[] nativeScoreEmbed(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            float[] landmarks);

    /** Ints per image in a batch's {@code shapes}: width, height, stride, format, offset, length. */
    static final int SHAPE_INTS = 6;

    /**
     * Scores a batch, all or nothing: {@code landmarks} is null or one entry
     * (null or 10 floats) per image. Returns {s0, q0, s1, q1, ...} followed,
     * when {@code embeddings}, by every embedding, row-major.
     */
    static native float[] nativeScoreBatch(
            long handle, Object[] pixels, int[] shapes, float[][] landmarks, boolean embeddings);

    /**
     * Scores a batch, each image on its own; arguments as for {@link #nativeScoreBatch}.
     * Returns {int[] statuses, String[] messages (null for a success), float[]
     * qualities ({@link #QUALITY_FLOATS} per image), float[] embeddings (row-major; empty unless asked for)}.
     */
    static native Object[] nativeScoreBatchEach(
            long handle, Object[] pixels, int[] shapes, float[][] landmarks, boolean embeddings);

    /** Floats per quality in every result: s, q, n, f, q100, l ({@link Quality#of}). */
    static final int QUALITY_FLOATS = 6;

    /** Floats per face in {@link #nativeDetectScore}: box[4], landmarks[10], confidence, then a quality. */
    static final int FACE_FLOATS = 15 + QUALITY_FLOATS;

    /**
     * Every face in one image: {faces ({@link #FACE_FLOATS} floats each, in the
     * face policy's order), embeddings (row-major; empty unless asked for)}.
     */
    static native float[][] nativeDetectScore(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            boolean embeddings);

    /** Component names and units by id: {names, units}. */
    static native String[][] nativeComponents();

    /** Feedback names and messages by code: {names, messages}. */
    static native String[][] nativeFeedback();

    /**
     * One face with its components and feedback: {float[] faces ({@link #FACE_FLOATS}; a face the
     * detector did not find has the aligned crop's extent as box, confidence 0), long[] feedback bits, float[] raw, float[]
     * value (one per component id, NaN = not assessed)}, for one face.
     */
    static native Object[] nativeAssess(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            float[] landmarks);

    /** Every face of one image, as {@link #nativeAssess} lays them out, one row per face. */
    static native Object[] nativeDetectAssess(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length);

    /** The aligned crop: input width x height x 3 bytes in {@code cropFormat} (BGR or RGB). */
    static native byte[] nativeAlignedCrop(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            float[] landmarks, int cropFormat);

    /** {@code serfiq_capture_options_init}: {float[] {minQ100, maxMotion, trackContext, minOverlap,
     * minSimilarity, jumpSimilarity}, long[] {steadyFrames, steadyMs, redetectFrames, redetectMs,
     * trackSide, blockingFeedback}}. */
    static native Object[] nativeCaptureDefaults();

    /** {@code serfiq_capture_create} over a model handle, options as {@link #nativeCaptureDefaults}. */
    static native long nativeCaptureCreate(long model, float[] floatOptions, long[] longOptions);

    /** {@code serfiq_capture_destroy}; 0 is a no-op. No other call on the capture may be in flight. */
    static native void nativeCaptureDestroy(long capture);

    /**
     * {@code serfiq_capture_push}: {long[] {index, state, feedback, track, isBest, newTrack, fullSearch},
     * float[] {motion, similarity, overlap}, the face as {@link #nativeAssess} lays it out (0 or 1 row)}.
     */
    static native Object[] nativeCapturePush(
            long capture, Object pixels, int width, int height, int stride, int format, int offset, int length,
            long timestampMs);

    /** {@code serfiq_capture_best}: null when none, else {long[] {index, timestampMs, state, feedback,
     * track}, the face (one row as {@link #nativeAssess}), byte[] crop in {@code cropFormat}, float[] embedding}. */
    static native Object[] nativeCaptureBest(long capture, int cropFormat);

    /** {@code serfiq_capture_reset}. */
    static native void nativeCaptureReset(long capture);
}
