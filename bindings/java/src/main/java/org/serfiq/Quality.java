package org.serfiq;

/**
 * Quality of one face.
 *
 * @param s raw SER-FIQ score, 2 * sigmoid(-mean pairwise distance), in (0, 1]
 * @param q {@code s} mapped through the model's logistic (alpha, r), in (0, 1)
 */
public record Quality(float s, float q) {}
