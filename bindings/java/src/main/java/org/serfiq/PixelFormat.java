package org.serfiq;

/** Byte layout of one pixel, 8 bits per channel (the C API's {@code SERFIQ_PIXEL_*}). */
public enum PixelFormat {
    /** Blue, green, red (OpenCV's default). */
    BGR(0, 3),
    /** Red, green, blue. */
    RGB(1, 3),
    /** Blue, green, red, alpha (alpha ignored). */
    BGRA(2, 4),
    /** Red, green, blue, alpha (alpha ignored). */
    RGBA(3, 4),
    /** One grey channel. */
    GRAY(4, 1),
    ;

    private final int code;
    private final int bytesPerPixel;

    PixelFormat(int code, int bytesPerPixel) {
        this.code = code;
        this.bytesPerPixel = bytesPerPixel;
    }

    /** The C API's value. */
    public int code() {
        return code;
    }

    public int bytesPerPixel() {
        return bytesPerPixel;
    }
}
