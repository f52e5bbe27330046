package org.serfiq;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A loaded face-recognition model with its SER-FIQ head (the C API's
 * {@code serfiq_model}).
 *
 * <p><b>Threads.</b> All scoring methods may be called from many threads at
 * once; up to {@code maxSessions} inferences run in parallel and the rest wait.
 * The same image gives the same result on every call, thread and batch.
 *
 * <p><b>Closing.</b> {@link #close()} frees the native model. It is idempotent
 * and waits for calls in flight on other threads to finish (calls hold a read
 * lock, close takes the write lock), so it never frees a model in use. Any call
 * after close throws {@link IllegalStateException}. Close every model (e.g.
 * try-with-resources): the native model is not freed by the garbage collector
 * (no finalizer or Cleaner, which also keeps the binding usable on Android from
 * API level 26).
 *
 * <p><b>Images.</b> Pixels come as a {@code byte[]} (the image starts at index 0;
 * the bytes the image needs are copied for the call) or a direct
 * {@link ByteBuffer} (the image starts at its position and must end before its
 * limit; read in place, not copied; do not change it during the call). With
 * {@code landmarks} (10 floats: x, y of left eye, right eye, nose tip, left and
 * right mouth corner, in pixels) the face is aligned first; with {@code null}
 * the image must already be an aligned crop of {@link #inputWidth()} x
 * {@link #inputHeight()}.
 *
 * <p><b>Errors.</b> Every failure is a {@link SerfiqException} whose
 * {@link SerfiqException#status()} is the C API's status: null pixels
 * {@link Status#NULL_ARGUMENT}; a bad {@link Image} or too few bytes
 * {@link Status#INVALID_IMAGE}; landmarks that are not 10 finite floats inside
 * the image {@link Status#INVALID_LANDMARKS}; a heap (non-direct) ByteBuffer or
 * a bad batch size {@link Status#INVALID_ARGUMENT}.
 */
public final class QualityModel implements AutoCloseable {
    /**
     * The C ABI version this binding needs. A native library with another one is
     * refused with {@link SerfiqException} {@link Status#ABI_MISMATCH} by
     * {@link ModelOptions}, {@link #open} and {@link #version()}.
     */
    public static final int ABI_VERSION = NativeLib.ABI_VERSION;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** The native model; 0 once closed. Written only under the write lock. */
    private volatile long handle;
    private final int embeddingSize;
    private final int inputWidth;
    private final int inputHeight;

    private QualityModel(long handle) {
        int size;
        int[] input;
        try {
            size = NativeLib.nativeEmbeddingSize(handle);
            input = NativeLib.nativeInputSize(handle);
        } catch (RuntimeException | Error e) {
            NativeLib.nativeDestroy(handle);
            throw e;
        }
        this.handle = handle;
        this.embeddingSize = size;
        this.inputWidth = input[0];
        this.inputHeight = input[1];
    }

    /**
     * Loads ONNX Runtime (first model only), reads the model, builds its SER-FIQ
     * graph and checks it with one inference.
     *
     * @throws SerfiqException e.g. {@link Status#MODEL_NOT_FOUND}, {@link Status#MODEL_INVALID},
     *     {@link Status#MODEL_DIGEST_MISMATCH} (see {@link ModelOptions#modelSha256}),
     *     {@link Status#RUNTIME_NOT_FOUND}, {@link Status#INVALID_ARGUMENT} for bad options,
     *     {@link Status#ABI_MISMATCH} when the native library is not the one this binding needs
     */
    public static QualityModel open(ModelOptions options) {
        return new QualityModel(options.create());
    }

    /** {@link #open(ModelOptions)} with the default options. */
    public static QualityModel open(Path model) {
        return open(ModelOptions.fromPath(model));
    }

    /** Library version and the ONNX Runtime API it targets. */
    public static String version() {
        NativeLib.ensureLoaded();
        return NativeLib.nativeVersion();
    }

    /** Number of floats in one embedding. */
    public int embeddingSize() {
        return embeddingSize;
    }

    /** Width of an aligned input crop (e.g. 112). */
    public int inputWidth() {
        return inputWidth;
    }

    /** Height of an aligned input crop (e.g. 112). */
    public int inputHeight() {
        return inputHeight;
    }

    /** Quality of one face. */
    public Quality score(byte[] pixels, Image image, float[] landmarks) {
        float[] r = run(Want.SCORE, pixels, 0, -1, image, landmarks);
        return new Quality(r[0], r[1]);
    }

    /** Quality of one face in a direct buffer. */
    public Quality score(ByteBuffer pixels, Image image, float[] landmarks) {
        float[] r = run(Want.SCORE, pixels, position(pixels), remaining(pixels), image, landmarks);
        return new Quality(r[0], r[1]);
    }

    /** The embedding of one face, as the original model outputs it. */
    public float[] embed(byte[] pixels, Image image, float[] landmarks) {
        return run(Want.EMBEDDING, pixels, 0, -1, image, landmarks);
    }

    /** The embedding of one face in a direct buffer. */
    public float[] embed(ByteBuffer pixels, Image image, float[] landmarks) {
        return run(Want.EMBEDDING, pixels, position(pixels), remaining(pixels), image, landmarks);
    }

    /** Quality and embedding of one face from a single inference. */
    public ScoredEmbedding scoreEmbed(byte[] pixels, Image image, float[] landmarks) {
        return split(run(Want.BOTH, pixels, 0, -1, image, landmarks));
    }

    /** Quality and embedding of one face in a direct buffer, from a single inference. */
    public ScoredEmbedding scoreEmbed(ByteBuffer pixels, Image image, float[] landmarks) {
        return split(run(Want.BOTH, pixels, position(pixels), remaining(pixels), image, landmarks));
    }

    /**
     * Qualities of 1..=4096 faces, in order. Every face is checked before any
     * inference: one bad face fails the whole call (its index is in the message).
     */
    public List<Quality> scoreBatch(List<Face> faces) {
        float[] r = batch(faces, false);
        List<Quality> out = new ArrayList<>(faces.size());
        for (int i = 0; i < faces.size(); i++) {
            out.add(new Quality(r[2 * i], r[2 * i + 1]));
        }
        return out;
    }

    /** Qualities and embeddings of 1..=4096 faces, as {@link #scoreBatch}. */
    public List<ScoredEmbedding> scoreEmbedBatch(List<Face> faces) {
        float[] r = batch(faces, true);
        int n = faces.size();
        List<ScoredEmbedding> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int from = 2 * n + i * embeddingSize;
            out.add(new ScoredEmbedding(
                    new Quality(r[2 * i], r[2 * i + 1]), Arrays.copyOfRange(r, from, from + embeddingSize)));
        }
        return out;
    }

    /**
     * Frees the native model; waits for calls in flight to finish. Idempotent;
     * every call afterwards throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            long h = handle;
            handle = 0;
            NativeLib.nativeDestroy(h);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return handle == 0;
    }

    private enum Want { SCORE, EMBEDDING, BOTH }

    private float[] run(Want want, Object pixels, int offset, int length, Image image, float[] landmarks) {
        if (image == null) {
            throw new SerfiqException(Status.NULL_ARGUMENT, "image is null");
        }
        int w = image.width();
        int h = image.height();
        int stride = image.stride();
        int format = image.formatCode();
        lock.readLock().lock();
        try {
            long model = live();
            return switch (want) {
                case SCORE -> NativeLib.nativeScore(model, pixels, w, h, stride, format, offset, length, landmarks);
                case EMBEDDING -> NativeLib.nativeEmbed(model, pixels, w, h, stride, format, offset, length, landmarks);
                case BOTH -> NativeLib.nativeScoreEmbed(
                        model, pixels, w, h, stride, format, offset, length, landmarks);
            };
        } finally {
            lock.readLock().unlock();
        }
    }

    private float[] batch(List<Face> faces, boolean embeddings) {
        if (faces == null) {
            throw new SerfiqException(Status.NULL_ARGUMENT, "faces is null");
        }
        int n = faces.size();
        Object[] pixels = new Object[n];
        int[] shapes = new int[6 * n];
        float[][] landmarks = new float[n][];
        for (int i = 0; i < n; i++) {
            Face f = faces.get(i);
            if (f == null || f.image == null) {
                throw new SerfiqException(Status.NULL_ARGUMENT, "image " + i + ": face or its image is null");
            }
            pixels[i] = f.pixels;
            shapes[6 * i] = f.image.width();
            shapes[6 * i + 1] = f.image.height();
            shapes[6 * i + 2] = f.image.stride();
            shapes[6 * i + 3] = f.image.formatCode();
            shapes[6 * i + 4] = f.offset;
            shapes[6 * i + 5] = f.length;
            landmarks[i] = f.landmarks;
        }
        lock.readLock().lock();
        try {
            return NativeLib.nativeScoreBatch(live(), pixels, shapes, landmarks, embeddings);
        } finally {
            lock.readLock().unlock();
        }
    }

    private long live() {
        long h = handle;
        if (h == 0) {
            throw new IllegalStateException("this QualityModel is closed");
        }
        return h;
    }

    private ScoredEmbedding split(float[] r) {
        return new ScoredEmbedding(new Quality(r[0], r[1]), Arrays.copyOfRange(r, 2, r.length));
    }

    private static int position(ByteBuffer b) {
        return b == null ? 0 : b.position();
    }

    private static int remaining(ByteBuffer b) {
        return b == null ? -1 : b.remaining();
    }
}
