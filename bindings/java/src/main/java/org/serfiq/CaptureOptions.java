package org.serfiq;

/**
 * How a {@link Capture} decides and tracks: every field of {@code serfiq_capture_options}. Made
 * with the library's defaults by {@link #defaults()}; each setter returns this options object.
 * Ranges are checked by the library when the capture is made ({@link Status#INVALID_ARGUMENT}).
 */
public final class CaptureOptions {
    private final float[] reals;
    private final long[] ints;

    private CaptureOptions(float[] reals, long[] ints) {
        this.reals = reals;
        this.ints = ints;
    }

    /** The library's defaults ({@code serfiq_capture_options_init}; loads the library). */
    public static CaptureOptions defaults() {
        NativeLib.ensureLoaded();
        Object[] d = NativeLib.nativeCaptureDefaults();
        return new CaptureOptions(((float[]) d[0]).clone(), ((long[]) d[1]).clone());
    }

    float[] reals() {
        return reals.clone();
    }

    long[] ints() {
        return ints.clone();
    }

    /** q100 a face needs to be captured, 0..100 (default 50). */
    public float minQ100() { return reals[0]; }
    public CaptureOptions minQ100(float v) { reals[0] = v; return this; }

    /** Landmark motion (over the inter-eye distance) that counts as steady, above 0 (default 0.05). */
    public float maxMotion() { return reals[1]; }
    public CaptureOptions maxMotion(float v) { reals[1] = v; return this; }

    /** Region searched around the last box, in multiples of its longer side, 1.2..8 (default 2). */
    public float trackContext() { return reals[2]; }
    public CaptureOptions trackContext(float v) { reals[2] = v; return this; }

    /** Box overlap (IoU) that keeps a face on its track, 0..1 (default 0.3). */
    public float minOverlap() { return reals[3]; }
    public CaptureOptions minOverlap(float v) { reals[3] = v; return this; }

    /** Similarity under which an overlapping face is another person, -1..1 (default 0.3). */
    public float minSimilarity() { return reals[4]; }
    public CaptureOptions minSimilarity(float v) { reals[4] = v; return this; }

    /** Similarity a jumping box needs to stay on the track, -1..1 (default 0.75). */
    public float jumpSimilarity() { return reals[5]; }
    public CaptureOptions jumpSimilarity(float v) { reals[5] = v; return this; }

    /** Frames in a row the face must be good and steady for CAPTURED, at least 1 (default 5). */
    public long steadyFrames() { return ints[0]; }
    public CaptureOptions steadyFrames(long v) { ints[0] = v; return this; }

    /** Or milliseconds; 0 = frames only (default 0). */
    public long steadyMs() { return ints[1]; }
    public CaptureOptions steadyMs(long v) { ints[1] = v; return this; }

    /** Search the whole frame at least every this many frames, at least 1 (default 15). */
    public long redetectFrames() { return ints[2]; }
    public CaptureOptions redetectFrames(long v) { ints[2] = v; return this; }

    /** Or every this many milliseconds; 0 = frames only (default 500). */
    public long redetectMs() { return ints[3]; }
    public CaptureOptions redetectMs(long v) { ints[3] = v; return this; }

    /** Longest side the region is shrunk to before detection, 32..2048 (default 256). */
    public long trackSide() { return ints[4]; }
    public CaptureOptions trackSide(long v) { ints[4] = v; return this; }

    /** Feedback bits (bit k = code k) that keep a face in ADJUST (default all). */
    public long blockingFeedback() { return ints[5]; }
    public CaptureOptions blockingFeedback(long v) { ints[5] = v; return this; }
}
