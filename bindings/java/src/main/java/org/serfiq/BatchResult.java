package org.serfiq;

/**
 * The result of one image of {@link QualityModel#scoreBatchEach}: its own status and message,
 * and its quality (and embedding, when asked for) when it succeeded.
 *
 * @param code the image's status as the C API gives it ({@code 0} = OK)
 * @param message why the image failed ("image 3: ..."), or "" when it succeeded
 * @param quality the image's quality, or null when it failed
 * @param embedding the image's embedding, or null when it failed or was not asked for
 */
public record BatchResult(int code, String message, Quality quality, float[] embedding) {
    /** The status; {@link Status#INTERNAL} for a code this binding does not know (see {@link #code()}). */
    public Status status() {
        Status s = Status.fromCode(code);
        return s != null ? s : Status.INTERNAL;
    }

    /** Whether this image was scored. */
    public boolean isOk() {
        return code == Status.OK.code();
    }
}
