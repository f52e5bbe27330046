package org.serfiq;

/**
 * Quality and embedding of one face, from a single inference.
 *
 * @param quality the SER-FIQ quality
 * @param embedding the embedding as the original model outputs it ({@code embeddingSize()} floats)
 */
public record ScoredEmbedding(Quality quality, float[] embedding) {}
