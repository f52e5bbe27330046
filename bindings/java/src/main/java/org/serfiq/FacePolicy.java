package org.serfiq;

/** Which face the single-face calls score when the detector finds several (the C API's {@code SERFIQ_FACE_*}). */
public enum FacePolicy {
    /** The face with the largest box (the default). */
    LARGEST(0),
    /** The face whose box centre is nearest the image centre. */
    MOST_CENTRAL(1),
    ;

    private final int code;

    FacePolicy(int code) {
        this.code = code;
    }

    /** The C API's value. */
    public int code() {
        return code;
    }

    static FacePolicy fromCode(long code) {
        for (FacePolicy p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown face policy " + code);
    }
}
