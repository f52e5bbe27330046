package org.serfiq;

/**
 * A failed serfiq call: the C API's status and its message. Unchecked, like
 * {@link IllegalArgumentException}: most statuses are programming errors
 * (bad image descriptions, bad options) that callers do not recover from
 * call by call; catch it where a bad input image should be skipped.
 */
public class SerfiqException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String detail;

    /** Called by the native library with the C status number. */
    public SerfiqException(int code, String detail) {
        super(describe(code, detail));
        this.code = code;
        this.detail = detail;
    }

    public SerfiqException(Status status, String detail) {
        this(status.code(), detail);
    }

    private static String describe(int code, String detail) {
        Status s = Status.fromCode(code);
        return (s != null ? s.name() : "status " + code) + ": " + detail;
    }

    /**
     * The status; {@link Status#INTERNAL} for a code this binding does not know
     * (see {@link #code()} for the number itself).
     */
    public Status status() {
        Status s = Status.fromCode(code);
        return s != null ? s : Status.INTERNAL;
    }

    /** The numeric status, as the C API returns it. */
    public int code() {
        return code;
    }

    /** The native message, without the status name. */
    public String detail() {
        return detail;
    }
}
