package org.serfiq;

/** Which quality {@link Quality#q100} is the percentile of (the C API's {@code SERFIQ_Q100_*}). */
public enum Q100Quality {
    /** serfiq's choice, f (a model's options report {@link #F}). */
    DEFAULT(0),
    /** The raw SER-FIQ score s. */
    S(1),
    /** The fused quality f. */
    F(2),
    ;

    private final int code;

    Q100Quality(int code) {
        this.code = code;
    }

    /** The C API's value. */
    public int code() {
        return code;
    }

    static Q100Quality fromCode(long code) {
        for (Q100Quality q : values()) {
            if (q.code == code) {
                return q;
            }
        }
        throw new IllegalArgumentException("unknown q100 quality " + code);
    }
}
