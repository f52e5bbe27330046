package org.serfiq;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongFunction;

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
 * try-with-resources). A model that becomes unreachable unclosed is freed by a
 * {@link java.lang.ref.Cleaner} as a safety net, which says so once per process
 * on stderr; when that happens is up to the garbage collector. Android below
 * API 33 has no Cleaner: there an unclosed model stays allocated until the
 * process exits (see {@code SafetyNet}).
 *
 * <p><b>Images.</b> Pixels come as a {@code byte[]} (the image starts at index 0;
 * the bytes the image needs are copied for the call) or a direct
 * {@link ByteBuffer} (the image starts at its position and must end before its
 * limit; read in place, not copied; do not change it during the call). With
 * {@code landmarks} (10 floats: x, y of left eye, right eye, nose tip, left and
 * right mouth corner, in pixels) the face is aligned by them. With {@code null},
 * an image of {@link #inputWidth()} x {@link #inputHeight()} is taken as an
 * aligned crop, and any other image goes to the model's face detector
 * ({@link ModelOptions.Builder#detectorPath}), which picks a face by the face
 * policy, or fails with {@link Status#NO_FACE}; without a detector such an
 * image is {@link Status#INVALID_IMAGE}.
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

    /** Most faces one image gives ({@code SERFIQ_MAX_FACES}). */
    public static final int MAX_FACES = 750;

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /**
     * The native model and the lock that keeps close from racing a call. It is
     * also the Cleaner's action, so it must not refer to its QualityModel.
     */
    private static final class Native implements Runnable {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        /** 0 once freed. Written only under the write lock. */
        volatile long handle;

        Native(long handle) {
            this.handle = handle;
        }

        /** Frees the model (waiting for calls in flight); true when this call freed it. */
        boolean free() {
            lock.writeLock().lock();
            try {
                long h = handle;
                handle = 0;
                NativeLib.nativeDestroy(h);
                return h != 0;
            } finally {
                lock.writeLock().unlock();
            }
        }

        /** The Cleaner's action: only frees what close() did not. */
        @Override
        public void run() {
            if (free() && !WARNED.getAndSet(true)) {
                System.err.println("serfiq: a QualityModel was not closed; freed by the Cleaner");
            }
        }
    }

    private final Native model;
    private final SafetyNet.Registration cleanable;
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
        this.model = new Native(handle);
        this.cleanable = SafetyNet.register(this, model);
        this.embeddingSize = size;
        this.inputWidth = input[0];
        this.inputHeight = input[1];
    }

    /**
     * Loads ONNX Runtime (first model only), reads the model (and the detector),
     * builds its SER-FIQ graph and checks it with one inference.
     *
     * @throws SerfiqException e.g. {@link Status#MODEL_NOT_FOUND}, {@link Status#MODEL_INVALID},
     *     {@link Status#MODEL_DIGEST_MISMATCH}, {@link Status#RUNTIME_NOT_FOUND},
     *     {@link Status#GPU_UNAVAILABLE}, {@link Status#INVALID_ARGUMENT} for bad options,
     *     {@link Status#ABI_MISMATCH} when the native library is not the one this binding needs
     */
    public static QualityModel open(ModelOptions options) {
        return new QualityModel(options.create());
    }

    /** {@link #open(ModelOptions)} with the default options. */
    public static QualityModel open(Path model) {
        return open(ModelOptions.builder().modelPath(model).build());
    }

    /** Library version and the ONNX Runtime API it targets. */
    public static String version() {
        NativeLib.ensureLoaded();
        return NativeLib.nativeVersion();
    }

    /**
     * The number of models created and not yet freed in this process, by every
     * surface of libserfiq (Java, C, ...): for leak checks.
     */
    public static long liveModels() {
        NativeLib.ensureLoaded();
        return NativeLib.nativeLiveModels();
    }

    /** Whether the Cleaner has reported a model that was not closed (once per process). */
    static boolean cleanerWarned() {
        return WARNED.get();
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

    /**
     * The options this model was made with: paths as given, no bytes
     * ({@link ModelOptions#modelBytes()} and {@link ModelOptions#detectorBytes()}
     * are null), alpha and r as in use (given, the model's calibration or the
     * defaults), the execution provider as asked for.
     */
    public ModelOptions options() {
        return ModelOptions.fromNative(call(NativeLib::nativeOptions));
    }

    /** Where inferences run: CUDA, or CPU (also when CUDA was asked for with gpuFallback and failed). */
    public ExecutionProvider executionProvider() {
        return ExecutionProvider.fromCode(call(NativeLib::nativeExecutionProvider));
    }

    /** Quality of one face. */
    public Quality score(byte[] pixels, Image image, float[] landmarks) {
        float[] r = run(Want.SCORE, pixels, 0, -1, image, landmarks);
        return Quality.of(r, 0);
    }

    /** Quality of one face in a direct buffer. */
    public Quality score(ByteBuffer pixels, Image image, float[] landmarks) {
        float[] r = run(Want.SCORE, pixels, position(pixels), remaining(pixels), image, landmarks);
        return Quality.of(r, 0);
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
     * Every face the detector finds in the image, each with its box, landmarks,
     * confidence, quality and (when {@code embeddings}) embedding, in the face
     * policy's order: the first is the face {@link #score} would score. An image
     * without a face gives an empty list. A model without a detector fails with
     * {@link Status#INVALID_ARGUMENT}.
     */
    public List<DetectedFace> detectScore(byte[] pixels, Image image, boolean embeddings) {
        return detect(pixels, 0, -1, image, embeddings);
    }

    /** {@link #detectScore(byte[], Image, boolean)} on a direct buffer. */
    public List<DetectedFace> detectScore(ByteBuffer pixels, Image image, boolean embeddings) {
        return detect(pixels, position(pixels), remaining(pixels), image, embeddings);
    }

    /**
     * The face {@link #score} would score, with its quality, ISO/IEC 29794-5 components and the
     * feedback raised under the model's feedback profile ({@link ModelOptions#feedbackProfile}).
     * Fails as {@link #score} does ({@link Status#NO_FACE} when the detector finds no face).
     */
    public Assessment assess(byte[] pixels, Image image, float[] landmarks) {
        return assessOne(pixels, 0, -1, image, landmarks);
    }

    /** {@link #assess(byte[], Image, float[])} on a direct buffer. */
    public Assessment assess(ByteBuffer pixels, Image image, float[] landmarks) {
        return assessOne(pixels, position(pixels), remaining(pixels), image, landmarks);
    }

    /** Every face of {@link #detectScore}, in its order, each assessed. No face: an empty list. */
    public List<Assessment> detectAssess(byte[] pixels, Image image) {
        return assessAll(pixels, 0, -1, image);
    }

    /** {@link #detectAssess(byte[], Image)} on a direct buffer. */
    public List<Assessment> detectAssess(ByteBuffer pixels, Image image) {
        return assessAll(pixels, position(pixels), remaining(pixels), image);
    }

    /**
     * The face the single-face calls would score (routed the same way: by its
     * landmarks, as an aligned crop, or by the detector), as the model sees it:
     * {@link #inputWidth()} x {@link #inputHeight()} packed pixels in
     * {@code format}, {@link PixelFormat#BGR} or {@link PixelFormat#RGB}.
     */
    public byte[] alignedCrop(byte[] pixels, Image image, float[] landmarks, PixelFormat format) {
        return crop(pixels, 0, -1, image, landmarks, format);
    }

    /** {@link #alignedCrop(byte[], Image, float[], PixelFormat)} on a direct buffer. */
    public byte[] alignedCrop(ByteBuffer pixels, Image image, float[] landmarks, PixelFormat format) {
        return crop(pixels, position(pixels), remaining(pixels), image, landmarks, format);
    }

    /**
     * Qualities of 1..=4096 faces, in order. Every face is checked before any
     * inference: one bad face fails the whole call (its index is in the message).
     * {@link #scoreBatchEach} gives the good faces' results when some are bad.
     */
    public List<Quality> scoreBatch(List<Face> faces) {
        float[] r = batch(faces, false);
        List<Quality> out = new ArrayList<>(faces.size());
        for (int i = 0; i < faces.size(); i++) {
            out.add(Quality.of(r, NativeLib.QUALITY_FLOATS * i));
        }
        return out;
    }

    /** Qualities and embeddings of 1..=4096 faces, as {@link #scoreBatch}. */
    public List<ScoredEmbedding> scoreEmbedBatch(List<Face> faces) {
        float[] r = batch(faces, true);
        int n = faces.size();
        List<ScoredEmbedding> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int from = NativeLib.QUALITY_FLOATS * n + i * embeddingSize;
            out.add(new ScoredEmbedding(
                    Quality.of(r, NativeLib.QUALITY_FLOATS * i), Arrays.copyOfRange(r, from, from + embeddingSize)));
        }
        return out;
    }

    /**
     * Scores 1..=4096 faces each on its own ({@code serfiq_score_batch_each}), so
     * that one bad face does not hide the others' results: one {@link BatchResult}
     * per face, in order, with its own status and message ("image 3: ..."), and
     * its quality (and embedding, when {@code embeddings}) when it succeeded.
     * Only a failure of the call as a whole is thrown (a null or empty list,
     * more than 4096 faces, ONNX Runtime failing).
     */
    public List<BatchResult> scoreBatchEach(List<Face> faces, boolean embeddings) {
        Batch b = new Batch(faces);
        Object[] r = call(h -> NativeLib.nativeScoreBatchEach(h, b.pixels, b.shapes, b.landmarks, embeddings));
        int[] statuses = (int[]) r[0];
        String[] messages = (String[]) r[1];
        float[] qualities = (float[]) r[2];
        float[] all = (float[]) r[3];
        List<BatchResult> out = new ArrayList<>(statuses.length);
        for (int i = 0; i < statuses.length; i++) {
            if (statuses[i] != Status.OK.code()) {
                out.add(new BatchResult(statuses[i], messages[i], null, null));
                continue;
            }
            float[] e = embeddings ? Arrays.copyOfRange(all, i * embeddingSize, (i + 1) * embeddingSize) : null;
            out.add(new BatchResult(statuses[i], "", Quality.of(qualities, NativeLib.QUALITY_FLOATS * i), e));
        }
        return out;
    }

    /**
     * Frees the native model; waits for calls in flight to finish. Idempotent;
     * every call afterwards throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        model.free();
        // Unregisters the Cleaner's action, which now finds nothing to free.
        cleanable.clean();
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return model.handle == 0;
    }

    /**
     * Runs {@code body} on the live handle under the read lock. The fence keeps
     * this object reachable until the native call is done, so the Cleaner cannot
     * run during it.
     */
    <T> T call(LongFunction<T> body) {
        Lock read = model.lock.readLock();
        read.lock();
        try {
            long h = model.handle;
            if (h == 0) {
                throw new IllegalStateException("this QualityModel is closed");
            }
            return body.apply(h);
        } finally {
            read.unlock();
            SafetyNet.keepAlive(this);
        }
    }

    private enum Want { SCORE, EMBEDDING, BOTH }

    private static Image described(Image image) {
        if (image == null) {
            throw new SerfiqException(Status.NULL_ARGUMENT, "image is null");
        }
        return image;
    }

    private float[] run(Want want, Object pixels, int offset, int length, Image image, float[] landmarks) {
        Image i = described(image);
        int w = i.width();
        int h = i.height();
        int stride = i.stride();
        int format = i.formatCode();
        return call(m -> switch (want) {
            case SCORE -> NativeLib.nativeScore(m, pixels, w, h, stride, format, offset, length, landmarks);
            case EMBEDDING -> NativeLib.nativeEmbed(m, pixels, w, h, stride, format, offset, length, landmarks);
            case BOTH -> NativeLib.nativeScoreEmbed(m, pixels, w, h, stride, format, offset, length, landmarks);
        });
    }

    private List<DetectedFace> detect(Object pixels, int offset, int length, Image image, boolean embeddings) {
        Image i = described(image);
        float[][] r = call(m -> NativeLib.nativeDetectScore(
                m, pixels, i.width(), i.height(), i.stride(), i.formatCode(), offset, length, embeddings));
        float[] f = r[0];
        int per = NativeLib.FACE_FLOATS;
        int n = f.length / per;
        List<DetectedFace> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            int at = k * per;
            float[] e = embeddings ? Arrays.copyOfRange(r[1], k * embeddingSize, (k + 1) * embeddingSize) : null;
            out.add(new DetectedFace(
                    Arrays.copyOfRange(f, at, at + 4),
                    Arrays.copyOfRange(f, at + 4, at + 14),
                    f[at + 14],
                    Quality.of(f, at + 15),
                    e));
        }
        return out;
    }

    private Assessment assessOne(Object pixels, int offset, int length, Image image, float[] landmarks) {
        Image i = described(image);
        Object[] r = call(m -> NativeLib.nativeAssess(
                m, pixels, i.width(), i.height(), i.stride(), i.formatCode(), offset, length, landmarks));
        return Assessment.of(r).get(0);
    }

    private List<Assessment> assessAll(Object pixels, int offset, int length, Image image) {
        Image i = described(image);
        return Assessment.of(call(m -> NativeLib.nativeDetectAssess(
                m, pixels, i.width(), i.height(), i.stride(), i.formatCode(), offset, length)));
    }

    private byte[] crop(Object pixels, int offset, int length, Image image, float[] landmarks, PixelFormat format) {
        Image i = described(image);
        if (format == null) {
            throw new SerfiqException(Status.NULL_ARGUMENT, "format is null");
        }
        return call(m -> NativeLib.nativeAlignedCrop(
                m, pixels, i.width(), i.height(), i.stride(), i.formatCode(), offset, length, landmarks,
                format.code()));
    }

    /** A batch in the native layout. */
    private static final class Batch {
        final Object[] pixels;
        final int[] shapes;
        final float[][] landmarks;

        Batch(List<Face> faces) {
            if (faces == null) {
                throw new SerfiqException(Status.NULL_ARGUMENT, "faces is null");
            }
            int n = faces.size();
            int per = NativeLib.SHAPE_INTS;
            pixels = new Object[n];
            shapes = new int[per * n];
            landmarks = new float[n][];
            for (int i = 0; i < n; i++) {
                Face f = faces.get(i);
                if (f == null || f.image == null) {
                    throw new SerfiqException(Status.NULL_ARGUMENT, "image " + i + ": face or its image is null");
                }
                pixels[i] = f.pixels;
                shapes[per * i] = f.image.width();
                shapes[per * i + 1] = f.image.height();
                shapes[per * i + 2] = f.image.stride();
                shapes[per * i + 3] = f.image.formatCode();
                shapes[per * i + 4] = f.offset;
                shapes[per * i + 5] = f.length;
                landmarks[i] = f.landmarks;
            }
        }
    }

    private float[] batch(List<Face> faces, boolean embeddings) {
        Batch b = new Batch(faces);
        return call(h -> NativeLib.nativeScoreBatch(h, b.pixels, b.shapes, b.landmarks, embeddings));
    }

    private ScoredEmbedding split(float[] r) {
        return new ScoredEmbedding(Quality.of(r, 0), Arrays.copyOfRange(r, NativeLib.QUALITY_FLOATS, r.length));
    }

    private static int position(ByteBuffer b) {
        return b == null ? 0 : b.position();
    }

    private static int remaining(ByteBuffer b) {
        return b == null ? -1 : b.remaining();
    }
}
