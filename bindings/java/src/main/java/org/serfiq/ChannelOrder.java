package org.serfiq;

/** Channel order of the model's input tensor (the C API's {@code SERFIQ_CHANNELS_*}). */
public enum ChannelOrder {
    /** RGB planes (ArcFace, the default). */
    RGB(0),
    /** BGR planes. */
    BGR(1),
    ;

    private final int code;

    ChannelOrder(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    static ChannelOrder fromCode(long code) {
        for (ChannelOrder c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown channel order " + code);
    }
}
