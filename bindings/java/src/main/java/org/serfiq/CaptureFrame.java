package org.serfiq;

import java.util.List;

/**
 * What one {@link Capture#push} found.
 *
 * @param index 0 for the first frame pushed since the capture was made or reset
 * @param state where the capture stands after this frame
 * @param feedbackBits feedback raised, the capture's LOW_QUALITY and NO_FACE included (bit k = code k)
 * @param feedback the same, in code order
 * @param face the followed face with its components (its own feedback is the model profile's); null without a face
 * @param track the face's track: 1 for the first person, +1 for each new one; 0 without a face
 * @param isBest this frame became the best frame
 * @param newTrack this frame started a new track (which reset the best frame)
 * @param fullSearch the whole frame was searched, not only the region around the face
 * @param motion landmark motion since the track's last frame; NaN on a track's first frame or without a face
 * @param similarity embedding similarity to the track's last frame; NaN when there was none
 * @param overlap box overlap with the track's last box; NaN when there was none
 */
public record CaptureFrame(
        long index,
        CaptureState state,
        long feedbackBits,
        List<Feedback> feedback,
        Assessment face,
        int track,
        boolean isBest,
        boolean newTrack,
        boolean fullSearch,
        float motion,
        float similarity,
        float overlap) {

    /** Whether feedback {@code name} ("TOO_DARK") was raised. */
    public boolean has(String name) {
        return feedback.stream().anyMatch(f -> f.name().equals(name));
    }
}
