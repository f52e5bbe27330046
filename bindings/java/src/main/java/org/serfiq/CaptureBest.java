package org.serfiq;

/**
 * The best frame of a capture's current track ({@link Capture#best}).
 *
 * @param index its {@link CaptureFrame#index()}
 * @param timestampMs the timestamp it was pushed with
 * @param state its state when pushed
 * @param feedbackBits its feedback bits
 * @param track its track
 * @param face the face in the full-resolution frame's pixels, with its components
 * @param crop its aligned crop (input width x height x 3, packed), as {@link QualityModel#alignedCrop} gives it
 * @param embedding its embedding
 */
public record CaptureBest(
        long index,
        long timestampMs,
        CaptureState state,
        long feedbackBits,
        int track,
        Assessment face,
        byte[] crop,
        float[] embedding) {}
