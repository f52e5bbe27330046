package org.serfiq;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongFunction;

/**
 * The camera loop over a {@link QualityModel} with a detector: push camera frames, read each
 * frame's state and feedback, take the best frame ({@code serfiq_capture_*}).
 *
 * <pre>{@code
 * try (Capture capture = new Capture(model, CaptureOptions.defaults())) {
 *     CaptureFrame f = capture.push(rgb, Image.packed(w, h, PixelFormat.RGB), timestampMs);
 *     show(f.state(), f.feedback());
 *     CaptureBest best = capture.best(PixelFormat.RGB);   // null until a face is followed
 * }
 * }</pre>
 *
 * A capture belongs to one thread at a time: a call while another thread's call runs fails with
 * {@link Status#INVALID_ARGUMENT}. Many captures may share one model, which they keep alive, so
 * the model may be closed first. {@link #close()} waits for a call in flight, then frees it.
 */
public final class Capture implements AutoCloseable {
    /** The native capture and the lock that keeps close from racing a call; also the Cleaner's action. */
    private static final class Native implements Runnable {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        volatile long handle;

        Native(long handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                long h = handle;
                handle = 0;
                NativeLib.nativeCaptureDestroy(h);
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    private final Native capture;
    private final SafetyNet.Registration cleanable;

    /** A capture over {@code model} with the default options. */
    public Capture(QualityModel model) {
        this(model, CaptureOptions.defaults());
    }

    /**
     * A capture over {@code model}.
     *
     * @throws SerfiqException {@link Status#INVALID_ARGUMENT} for a model without a detector or an
     *     option out of range
     */
    public Capture(QualityModel model, CaptureOptions options) {
        if (model == null || options == null) {
            throw new SerfiqException(Status.NULL_ARGUMENT, model == null ? "model is null" : "options is null");
        }
        float[] reals = options.reals();
        long[] ints = options.ints();
        long h = model.call(m -> NativeLib.nativeCaptureCreate(m, reals, ints));
        this.capture = new Native(h);
        this.cleanable = SafetyNet.register(this, capture);
    }

    /** Takes the next frame (packed or strided pixels in {@code image}'s layout), taken at {@code timestampMs}
     * (any clock, never earlier than the last frame's: else {@link Status#INVALID_ARGUMENT}). */
    public CaptureFrame push(byte[] pixels, Image image, long timestampMs) {
        return frame(pixels, 0, -1, image, timestampMs);
    }

    /** As {@link #push(byte[], Image, long)}, from a direct buffer (its position to its limit). */
    public CaptureFrame push(ByteBuffer pixels, Image image, long timestampMs) {
        return frame(pixels, pixels == null ? 0 : pixels.position(), pixels == null ? -1 : pixels.remaining(),
                image, timestampMs);
    }

    /** The best frame of the current track with its crop in {@code cropFormat} (BGR or RGB); null when no
     * face has been followed since the capture was made, reset or a new track began. */
    public CaptureBest best(PixelFormat cropFormat) {
        if (cropFormat == null) {
            throw new SerfiqException(Status.NULL_ARGUMENT, "cropFormat is null");
        }
        Object[] r = call(c -> NativeLib.nativeCaptureBest(c, cropFormat.code()));
        if (r == null) {
            return null;
        }
        long[] n = (long[]) r[0];
        Assessment face = Assessment.of((Object[]) r[1]).get(0);
        return new CaptureBest(n[0], n[1], CaptureState.of(n[2]), n[3], (int) n[4], face, (byte[]) r[2],
                (float[]) r[3]);
    }

    /** Forgets every frame, the track and the best frame; the options stay. */
    public void reset() {
        call(c -> {
            NativeLib.nativeCaptureReset(c);
            return null;
        });
    }

    /** Frees the native capture (waiting for a call in flight). Idempotent; later calls throw
     * {@link IllegalStateException}. */
    @Override
    public void close() {
        capture.run();
        cleanable.clean();
    }

    private CaptureFrame frame(Object pixels, int offset, int length, Image image, long timestampMs) {
        if (image == null) {
            throw new SerfiqException(Status.NULL_ARGUMENT, "image is null");
        }
        Object[] r = call(c -> NativeLib.nativeCapturePush(c, pixels, image.width(), image.height(),
                image.stride(), image.formatCode(), offset, length, timestampMs));
        long[] n = (long[]) r[0];
        float[] m = (float[]) r[1];
        List<Assessment> faces = Assessment.of((Object[]) r[2]);
        return new CaptureFrame(n[0], CaptureState.of(n[1]), n[2], Feedback.in(n[2]),
                faces.isEmpty() ? null : faces.get(0), (int) n[3], n[4] != 0, n[5] != 0, n[6] != 0,
                m[0], m[1], m[2]);
    }

    private <T> T call(LongFunction<T> body) {
        Lock read = capture.lock.readLock();
        read.lock();
        try {
            long h = capture.handle;
            if (h == 0) {
                throw new IllegalStateException("this Capture is closed");
            }
            return body.apply(h);
        } finally {
            read.unlock();
            SafetyNet.keepAlive(this);
        }
    }
}
