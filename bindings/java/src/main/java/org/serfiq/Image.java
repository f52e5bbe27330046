package org.serfiq;

/**
 * Describes the pixels handed to a scoring call: width and height in pixels,
 * bytes from one row to the next ({@code stride}, 0 = tightly packed) and the
 * pixel format. Nothing is checked here: the native library checks every call
 * and throws {@link SerfiqException} with {@link Status#INVALID_IMAGE} for an
 * unusable description (zero or negative size, a side over 32768, a stride
 * shorter than a row, a null format, too few bytes).
 */
public record Image(int width, int height, int stride, PixelFormat format) {
    /** A tightly packed image (stride = width x bytes per pixel). */
    public static Image packed(int width, int height, PixelFormat format) {
        return new Image(width, height, 0, format);
    }

    /** The format's C value, or -1 (rejected natively) when it is null. */
    int formatCode() {
        return format == null ? -1 : format.code();
    }
}
