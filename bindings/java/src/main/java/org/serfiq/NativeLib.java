package org.serfiq;

import java.nio.ByteBuffer;

/**
 * The JNI entry points of libserfiq (src/java.rs), loaded once by
 * {@link NativeLoader}. Loading reads the library's ABI version and nothing
 * else; {@link #ensureLoaded()} compares it with {@link #ABI_VERSION} and must
 * run before any other native method (the JNI signatures of one ABI version
 * are not those of another). {@link ModelOptions} and {@link QualityModel#version()}
 * call it, and every handle comes from {@link ModelOptions}.
 *
 * <p>Contract of every method taking a handle: the handle is 0 (rejected with
 * {@link Status#NULL_ARGUMENT}) or came from {@link #nativeCreate} and is not
 * destroyed while the call runs; {@link #nativeDestroy} runs with no other call
 * on that handle in flight. {@link QualityModel} enforces this with a lock.
 * Every failure is thrown as {@link SerfiqException}; pixels are a
 * {@code byte[]} or a direct {@link ByteBuffer} in which the image starts at
 * {@code offset} and lies within {@code length} bytes (-1: to the end).
 */
final class NativeLib {
    /** The C ABI version this binding was written for ({@code SERFIQ_ABI_VERSION}). */
    static final int ABI_VERSION = 1;

    /** The loaded library's ABI version ({@code serfiq_abi_version()}). */
    private static final int LOADED_ABI_VERSION;

    static {
        // A library that cannot be found or loaded throws UnsatisfiedLinkError here.
        NativeLoader.load();
        LOADED_ABI_VERSION = nativeAbiVersion();
    }

    private NativeLib() {}

    /**
     * Throws {@link SerfiqException} with {@link Status#ABI_MISMATCH} when
     * {@code loaded} is not the ABI version this binding needs.
     */
    static void checkAbi(int loaded) {
        if (loaded != ABI_VERSION) {
            throw new SerfiqException(Status.ABI_MISMATCH,
                    "libserfiq has ABI version " + loaded + ", this Java binding needs " + ABI_VERSION
                            + "; use the libserfiq.so built with this binding");
        }
    }

    /**
     * Loads the library (first call: {@link UnsatisfiedLinkError} when it cannot
     * be loaded) and checks its ABI version on every call ({@link SerfiqException}
     * with {@link Status#ABI_MISMATCH}).
     */
    static void ensureLoaded() {
        checkAbi(LOADED_ABI_VERSION);
    }

    static native int nativeAbiVersion();

    static native String nativeVersion();

    /**
     * Default options: samples, dropout, seed, alpha, r, channel order, mean[3],
     * std[3], intra-op threads, max sessions.
     */
    static native double[] nativeDefaults();

    static native long nativeCreate(
            String modelPath,
            byte[] modelBytes,
            String ortLibrary,
            String embeddingLayer,
            int samples,
            float dropout,
            long seed,
            double alpha,
            double r,
            int channelOrder,
            float[] mean,
            float[] std,
            int intraOpThreads,
            int maxSessions,
            String modelSha256);

    static native void nativeDestroy(long handle);

    static native int nativeEmbeddingSize(long handle);

    /** {width, height}. */
    static native int[] nativeInputSize(long handle);

    /** {s, q}. */
    static native float[] nativeScore(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            float[] landmarks);

    /** The embedding. */
    static native float[] nativeEmbed(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            float[] landmarks);

    /** {s, q, embedding...}. */
    static native float[] nativeScoreEmbed(
            long handle, Object pixels, int width, int height, int stride, int format, int offset, int length,
            float[] landmarks);

    /**
     * Scores a batch: {@code shapes} holds 6 ints per image (width, height,
     * stride, format, offset, length); {@code landmarks} is null or one entry
     * (null or 10 floats) per image. Returns {s0, q0, s1, q1, ...} followed,
     * when {@code embeddings}, by every embedding, row-major.
     */
    static native float[] nativeScoreBatch(
            long handle, Object[] pixels, int[] shapes, float[][] landmarks, boolean embeddings);
}
