package org.serfiq;

/**
 * One face found by {@link QualityModel#detectScore} (the C API's {@code serfiq_face}).
 *
 * @param box left, top, right and bottom edges of the face's box, in image pixels
 * @param landmarks its 5 landmarks as 10 floats (x, y of left eye, right eye, nose tip, left and
 *     right mouth corner), in image pixels: the points the face was aligned by
 * @param confidence the detector's confidence that this is a face, above the detector threshold
 * @param quality the face's quality
 * @param embedding the face's embedding, or null when it was not asked for
 */
public record DetectedFace(float[] box, float[] landmarks, float confidence, Quality quality, float[] embedding) {}
