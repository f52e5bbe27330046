package org.serfiq;

import java.nio.ByteBuffer;

/**
 * One entry of a batch: pixels, their {@link Image} description and optional
 * landmarks. Nothing is copied or checked here; {@link QualityModel#scoreBatch}
 * checks every entry before any inference.
 */
public final class Face {
    final Object pixels;
    final int offset;
    final int length;
    final Image image;
    final float[] landmarks;

    private Face(Object pixels, int offset, int length, Image image, float[] landmarks) {
        this.pixels = pixels;
        this.offset = offset;
        this.length = length;
        this.image = image;
        this.landmarks = landmarks;
    }

    /**
     * A face in a byte array, the image starting at index 0.
     *
     * @param landmarks 10 floats (x, y of left eye, right eye, nose tip, left and
     *     right mouth corner, in pixels), or null when the image is already an
     *     aligned crop at the model's input size
     */
    public static Face of(byte[] pixels, Image image, float[] landmarks) {
        return new Face(pixels, 0, -1, image, landmarks);
    }

    /**
     * A face in a direct ByteBuffer, the image starting at the buffer's position
     * and lying before its limit, both read now (the buffer itself is read, not
     * copied, when the batch runs).
     */
    public static Face of(ByteBuffer pixels, Image image, float[] landmarks) {
        return pixels == null
                ? new Face(null, 0, -1, image, landmarks)
                : new Face(pixels, pixels.position(), pixels.remaining(), image, landmarks);
    }

    public Image image() {
        return image;
    }

    public float[] landmarks() {
        return landmarks;
    }
}
