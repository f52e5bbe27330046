package org.serfiq;

/** Where a {@link Capture} stands after a frame ({@code SERFIQ_CAPTURE_*}). */
public enum CaptureState {
    /** No face followed. */
    SEARCHING,
    /** A face, but with blocking feedback or a q100 under {@code minQ100}. */
    ADJUST,
    /** Good, not yet steady for long enough. */
    HOLD_STILL,
    /** Good and steady. */
    CAPTURED;

    static CaptureState of(long code) {
        CaptureState[] all = values();
        if (code < 0 || code >= all.length) {
            throw new SerfiqException(Status.INTERNAL, "unknown capture state " + code);
        }
        return all[(int) code];
    }
}
