package org.serfiq;

/**
 * Quality of one face.
 *
 * @param s raw SER-FIQ score, 2 * sigmoid(-mean pairwise distance), in (0, 1]
 * @param q {@code s} mapped through the model's logistic (alpha, r), in (0, 1)
 * @param n L2 norm of the embedding layer's output for the unmasked pass (before any normalisation)
 * @param f fused quality (s_hat + n_hat) / 2 with the model's calibration percentiles; about 0 for a
 *     typical image, higher is better
 * @param q100 percentile (0 to 100) of the image's quality (f or s, {@link ModelOptions#q100Quality})
 *     in the model's calibration sample: "reject below 10" rejects what scores below its worst 10 %
 * @param l the second quality network's value (higher is better, in its own scale); NaN when the
 *     model has none ({@link ModelOptions#qualityNet})
 */
public record Quality(float s, float q, float n, float f, float q100, float l) {
    /** The quality at {@code at} in a native result ({@link NativeLib#QUALITY_FLOATS} floats). */
    static Quality of(float[] r, int at) {
        return new Quality(r[at], r[at + 1], r[at + 2], r[at + 3], r[at + 4], r[at + 5]);
    }
}
