package org.serfiq;

/**
 * What an image passed without landmarks is (the C API's {@code SERFIQ_INPUT_*}); landmarks,
 * when given, always place the face.
 */
public enum InputMode {
    /**
     * By its size (the default): exactly the model's input size is an aligned crop (even a photo
     * of that size), any other size goes to the detector.
     */
    AUTO(0),
    /** An aligned crop: another size fails with {@link Status#INVALID_IMAGE}. */
    CROP(1),
    /**
     * A photo: always searched by the detector (without one the open fails with
     * {@link Status#INVALID_ARGUMENT}).
     */
    PHOTO(2),
    ;

    private final int code;

    InputMode(int code) {
        this.code = code;
    }

    /** The C API's value. */
    public int code() {
        return code;
    }

    static InputMode fromCode(long code) {
        for (InputMode m : values()) {
            if (m.code == code) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown input mode " + code);
    }
}
