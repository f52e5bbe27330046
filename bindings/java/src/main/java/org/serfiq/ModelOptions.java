package org.serfiq;

import java.nio.file.Path;
import java.util.Arrays;
import org.serfiq.OptionSlots.Slot;

/**
 * Settings for {@link QualityModel#open(ModelOptions)}, the Java form of the C
 * API's {@code serfiq_options}: immutable, made with {@link #builder()}, and
 * read back from a model with {@link QualityModel#options()}. Every setting
 * starts at the native library's default; values are checked by the library
 * when the model is opened ({@link Status#INVALID_ARGUMENT}).
 *
 * <pre>{@code
 * ModelOptions o = ModelOptions.builder()
 *         .modelPath(Path.of("fr_feature.onnx"))
 *         .detectorPath(Path.of("retinaface_mnet025.onnx"))
 *         .samples(100)
 *         .build();
 * }</pre>
 */
public final class ModelOptions {
    private final String[] text;
    private final long[] ints;
    private final double[] reals;
    private final byte[] modelBytes;
    private final byte[] detectorBytes;
    /** Never changed once here: the jar's network is shared ({@link BundledQualityNet}). */
    private final byte[] qualityNetBytes;

    private ModelOptions(String[] text, long[] ints, double[] reals, byte[] modelBytes, byte[] detectorBytes,
            byte[] qualityNetBytes) {
        this.text = text;
        this.ints = ints;
        this.reals = reals;
        this.modelBytes = modelBytes;
        this.detectorBytes = detectorBytes;
        this.qualityNetBytes = qualityNetBytes;
    }

    /** Options from the native layout {String[], long[], double[]} (no bytes). */
    static ModelOptions fromNative(Object[] arrays) {
        return new ModelOptions((String[]) arrays[0], (long[]) arrays[1], (double[]) arrays[2], null, null, null);
    }

    /**
     * A builder holding the native library's defaults (loads the library) and the quality network
     * the jar carries ({@link Builder#bundledQualityNet()}).
     */
    public static Builder builder() {
        return new Builder(fromNative(NativeLib.defaults())).bundledQualityNet();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private String text(Slot s) {
        return text[OptionSlots.of(s)];
    }

    private Path path(Slot s) {
        String v = text(s);
        return v == null ? null : Path.of(v);
    }

    private long integer(Slot s) {
        return ints[OptionSlots.of(s)];
    }

    private double real(Slot s) {
        return reals[OptionSlots.of(s)];
    }

    private float[] three(Slot[] slots) {
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            out[i] = (float) real(slots[i]);
        }
        return out;
    }

    /** The model's path, or null (the model is given as bytes). */
    public Path modelPath() {
        return path(Slot.MODEL_PATH);
    }

    /** A copy of the model's bytes, or null (given as a path; never kept by a model). */
    public byte[] modelBytes() {
        return modelBytes == null ? null : modelBytes.clone();
    }

    /** The ONNX Runtime library to load, or null: serfiq's own search (see {@link Builder#ortLibraryPath}). */
    public Path ortLibraryPath() {
        return path(Slot.ORT_LIBRARY_PATH);
    }

    /** The embedding layer's node or tensor name, or null: found automatically. */
    public String embeddingLayer() {
        return text(Slot.EMBEDDING_LAYER);
    }

    /** Stochastic samples T. */
    public int samples() {
        return (int) integer(Slot.SAMPLES);
    }

    /** Dropout probability p. */
    public float dropout() {
        return (float) real(Slot.DROPOUT);
    }

    /** Seed of the dropout masks (its 64 bits read as unsigned). */
    public long seed() {
        return integer(Slot.SEED);
    }

    /**
     * alpha of q = 1 / (1 + exp(-alpha (s - r))): NaN in a builder's defaults (the model's
     * calibration, else 118); read back from a model, the value in use.
     */
    public double alpha() {
        return real(Slot.ALPHA);
    }

    /** r of the logistic; NaN and read-back as for {@link #alpha()} (default 0.576). */
    public double r() {
        return real(Slot.R);
    }

    /** Channel order of the model input. */
    public ChannelOrder channelOrder() {
        return ChannelOrder.fromCode(integer(Slot.CHANNEL_ORDER));
    }

    /** Normalisation means, per channel in the model's channel order (a copy). */
    public float[] mean() {
        return three(OptionSlots.MEAN);
    }

    /** Normalisation standard deviations, per channel (a copy). */
    public float[] std() {
        return three(OptionSlots.STD);
    }

    /** ONNX Runtime intra-op threads per inference; 0 = ONNX Runtime's own default. */
    public int intraOpThreads() {
        return (int) integer(Slot.INTRA_OP_THREADS);
    }

    /** Most inferences running at once on one model; 0 = number of CPUs. */
    public int maxSessions() {
        return (int) integer(Slot.MAX_SESSIONS);
    }

    /** The model's expected SHA-256 (64 hex digits), or null: not checked. */
    public String modelSha256() {
        return text(Slot.MODEL_SHA256);
    }

    /** The face detector's path, or null (no detector, or one given as bytes). */
    public Path detectorPath() {
        return path(Slot.DETECTOR_PATH);
    }

    /** A copy of the detector's bytes, or null. */
    public byte[] detectorBytes() {
        return detectorBytes == null ? null : detectorBytes.clone();
    }

    /** Which face the single-face calls score when the detector finds several. */
    public FacePolicy facePolicy() {
        return FacePolicy.fromCode(integer(Slot.FACE_POLICY));
    }

    /** The detector's confidence threshold. */
    public float detectorThreshold() {
        return (float) real(Slot.DETECTOR_THRESHOLD);
    }

    /** The execution provider asked for ({@link QualityModel#executionProvider()} tells where it runs). */
    public ExecutionProvider executionProvider() {
        return ExecutionProvider.fromCode(integer(Slot.EXECUTION_PROVIDER));
    }

    /** CUDA device ordinal. */
    public int deviceId() {
        return (int) integer(Slot.DEVICE_ID);
    }

    /** Whether a model runs on the CPU when the GPU cannot be used, instead of failing. */
    public boolean gpuFallback() {
        return integer(Slot.GPU_FALLBACK) != 0;
    }

    /** The folder of the CUDA and cuDNN libraries, or null: serfiq's own search. */
    public Path cudaLibraryPath() {
        return path(Slot.CUDA_LIBRARY_PATH);
    }

    /** The detector's expected SHA-256 (64 hex digits), or null: not checked. */
    public String detectorSha256() {
        return text(Slot.DETECTOR_SHA256);
    }

    /**
     * The second quality network's file, or null: given as bytes ({@link #qualityNetBytes()}, the
     * jar's network by default) or none (no l; f from s and n).
     */
    public Path qualityNet() {
        return path(Slot.QUALITY_NET_PATH);
    }

    /**
     * A copy of the quality network's bytes (by default the network the jar carries), or null: given as
     * a path, or none. Never kept by a model: {@link QualityModel#options()} gives null.
     */
    public byte[] qualityNetBytes() {
        return qualityNetBytes == null ? null : qualityNetBytes.clone();
    }

    /**
     * The quality network's expected SHA-256 (64 hex digits; by default the jar's network's), or null:
     * not checked.
     */
    public String qualityNetSha256() {
        return text(Slot.QUALITY_NET_SHA256);
    }

    /** The quality network's input spec, or null: its {@code serfiq.quality_input} metadata. */
    public String qualityNetSpec() {
        return text(Slot.QUALITY_NET_SPEC);
    }

    /** The largest model or detector accepted, in bytes (read back from a model: the limit in use). */
    public long maxModelBytes() {
        return integer(Slot.MAX_MODEL_BYTES);
    }

    /** Where libraries without a path in these options are looked for. */
    public SearchPaths searchPaths() {
        return SearchPaths.fromCode(integer(Slot.SEARCH_PATHS));
    }

    /** What an image without landmarks is. */
    public InputMode inputMode() {
        return InputMode.fromCode(integer(Slot.INPUT_MODE));
    }

    /** The longest side of the image the detector sees (read back from a model: the value in use). */
    public long detectorMaxSide() {
        return integer(Slot.DETECTOR_MAX_SIDE);
    }

    /** Which quality {@link Quality#q100} is the percentile of (read back from a model: the one in use). */
    public Q100Quality q100Quality() {
        return Q100Quality.fromCode(integer(Slot.Q100_QUALITY));
    }

    /** The feedback profile ({@link Builder#feedbackProfile}), or null: "enrolment". */
    public String feedbackProfile() {
        return text(Slot.FEEDBACK_PROFILE);
    }

    /** Creates the native model; returns its handle. */
    long create() {
        NativeLib.ensureLoaded();
        return NativeLib.nativeCreate(text, ints, reals, modelBytes, detectorBytes, qualityNetBytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelOptions m
                && Arrays.equals(text, m.text)
                && Arrays.equals(ints, m.ints)
                && Arrays.equals(reals, m.reals)
                && Arrays.equals(modelBytes, m.modelBytes)
                && Arrays.equals(detectorBytes, m.detectorBytes)
                && Arrays.equals(qualityNetBytes, m.qualityNetBytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {
            Arrays.hashCode(text), Arrays.hashCode(ints), Arrays.hashCode(reals),
            Arrays.hashCode(modelBytes), Arrays.hashCode(detectorBytes), Arrays.hashCode(qualityNetBytes)});
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ModelOptions{");
        for (Slot s : Slot.values()) {
            int i = OptionSlots.of(s);
            Object v = switch (s.kind) {
                case TEXT -> text[i];
                case INT -> ints[i];
                case REAL -> reals[i];
            };
            sb.append(s.nativeName).append('=').append(v).append(", ");
        }
        sb.append("model_bytes=").append(modelBytes == null ? "null" : modelBytes.length + " bytes");
        sb.append(", detector_bytes=").append(detectorBytes == null ? "null" : detectorBytes.length + " bytes");
        sb.append(", quality_net_bytes=").append(qualityNetBytes == null ? "null" : qualityNetBytes.length + " bytes");
        return sb.append('}').toString();
    }

    /**
     * Builds {@link ModelOptions}. Each setter returns this builder; nothing is
     * checked before {@link QualityModel#open} except what Java's types cannot
     * say (a mean or std that is not 3 floats).
     */
    public static final class Builder {
        private final String[] text;
        private final long[] ints;
        private final double[] reals;
        private byte[] modelBytes;
        private byte[] detectorBytes;
        private byte[] qualityNetBytes;

        private Builder(ModelOptions from) {
            text = from.text.clone();
            ints = from.ints.clone();
            reals = from.reals.clone();
            modelBytes = from.modelBytes;
            detectorBytes = from.detectorBytes;
            qualityNetBytes = from.qualityNetBytes;
        }

        private Builder text(Slot s, Object v) {
            text[OptionSlots.of(s)] = v == null ? null : v.toString();
            return this;
        }

        private Builder integer(Slot s, long v) {
            ints[OptionSlots.of(s)] = v;
            return this;
        }

        private Builder real(Slot s, double v) {
            reals[OptionSlots.of(s)] = v;
            return this;
        }

        private Builder three(Slot[] slots, float[] v, String name) {
            if (v == null || v.length != 3) {
                throw new SerfiqException(Status.INVALID_ARGUMENT, name + " needs 3 floats");
            }
            for (int i = 0; i < 3; i++) {
                real(slots[i], v[i]);
            }
            return this;
        }

        /** The ONNX face-recognition model at this path (wins over {@link #modelBytes}). */
        public Builder modelPath(Path path) {
            return text(Slot.MODEL_PATH, path);
        }

        /** The ONNX model's bytes, used when no path is set (read when the model is opened, not kept). */
        public Builder modelBytes(byte[] bytes) {
            modelBytes = bytes == null ? null : bytes.clone();
            return this;
        }

        /**
         * Path of libonnxruntime; null (the default): env {@code SERFIQ_ORT_LIB}, then the
         * folder of libserfiq, then the system loader (none of them with
         * {@link SearchPaths#EXPLICIT_ONLY}). The first library loaded serves the whole process.
         */
        public Builder ortLibraryPath(Path path) {
            return text(Slot.ORT_LIBRARY_PATH, path);
        }

        /** Node or output tensor name of the embedding layer; null (default): found automatically. */
        public Builder embeddingLayer(String name) {
            return text(Slot.EMBEDDING_LAYER, name);
        }

        /** Stochastic samples T, 2..=1000 (default 100). */
        public Builder samples(int samples) {
            return integer(Slot.SAMPLES, samples);
        }

        /** Dropout probability p, 0 &lt; p &lt; 1 (default 0.5). */
        public Builder dropout(float dropout) {
            return real(Slot.DROPOUT, dropout);
        }

        /** Seed of the dropout masks, its 64 bits read as unsigned (default 0). */
        public Builder seed(long seed) {
            return integer(Slot.SEED, seed);
        }

        /**
         * alpha of q = 1 / (1 + exp(-alpha (s - r))); NaN (the default): the model's
         * calibration ({@code serfiq calibrate}) where it has one, else 118.
         */
        public Builder alpha(double alpha) {
            return real(Slot.ALPHA, alpha);
        }

        /** r of the logistic; NaN (the default): the model's calibration, else 0.576. */
        public Builder r(double r) {
            return real(Slot.R, r);
        }

        /** Channel order of the model input (default RGB). */
        public Builder channelOrder(ChannelOrder order) {
            return integer(Slot.CHANNEL_ORDER, order == null ? -1 : order.code());
        }

        /** Normalisation means (pixel - mean) / std per channel, in the model's order (default 127.5). */
        public Builder mean(float[] mean) {
            return three(OptionSlots.MEAN, mean, "mean");
        }

        /** Normalisation standard deviations per channel (default 128). */
        public Builder std(float[] std) {
            return three(OptionSlots.STD, std, "std");
        }

        /** ONNX Runtime intra-op threads per inference (default 1); 0 = ONNX Runtime's own default. */
        public Builder intraOpThreads(int threads) {
            return integer(Slot.INTRA_OP_THREADS, threads);
        }

        /** Most inferences running at once on one model; 0 (default) = number of CPUs. */
        public Builder maxSessions(int sessions) {
            return integer(Slot.MAX_SESSIONS, sessions);
        }

        /**
         * Expected SHA-256 of the model (file or bytes) as 64 hexadecimal digits, either case;
         * null (the default): not checked. A model with another digest fails with
         * {@link Status#MODEL_DIGEST_MISMATCH}; a value that is not 64 hex digits with
         * {@link Status#INVALID_ARGUMENT}.
         */
        public Builder modelSha256(String hex) {
            return text(Slot.MODEL_SHA256, hex);
        }

        /**
         * A face-detector model (RetinaFace mobilenet-0.25), wins over {@link #detectorBytes}.
         * With a detector, an image given without landmarks and not at the model's input size
         * is searched for faces; without one (the default) such an image is
         * {@link Status#INVALID_IMAGE}.
         */
        public Builder detectorPath(Path path) {
            return text(Slot.DETECTOR_PATH, path);
        }

        /** The detector's bytes, used when no detector path is set. */
        public Builder detectorBytes(byte[] bytes) {
            detectorBytes = bytes == null ? null : bytes.clone();
            return this;
        }

        /** Which face the single-face calls score when there are several (default LARGEST). */
        public Builder facePolicy(FacePolicy policy) {
            return integer(Slot.FACE_POLICY, policy == null ? -1 : policy.code());
        }

        /** The detector's confidence threshold, 0 &lt;= t &lt; 1 (default 0.9). */
        public Builder detectorThreshold(float threshold) {
            return real(Slot.DETECTOR_THRESHOLD, threshold);
        }

        /** Where inferences run (default CPU). */
        public Builder executionProvider(ExecutionProvider provider) {
            return integer(Slot.EXECUTION_PROVIDER, provider == null ? -1 : provider.code());
        }

        /** CUDA device ordinal (default 0). */
        public Builder deviceId(int id) {
            return integer(Slot.DEVICE_ID, id);
        }

        /**
         * When the GPU cannot be used, run on the CPU instead of failing with
         * {@link Status#GPU_UNAVAILABLE} (default false).
         */
        public Builder gpuFallback(boolean fallback) {
            return integer(Slot.GPU_FALLBACK, fallback ? 1 : 0);
        }

        /**
         * A folder holding the CUDA and cuDNN libraries (searched three levels deep; when set, the
         * only folder searched), or null (the default): env {@code SERFIQ_CUDA_PATH}, pip's
         * nvidia-* packages, {@code LD_LIBRARY_PATH} and the system library folders (none of them
         * with {@link SearchPaths#EXPLICIT_ONLY}).
         */
        public Builder cudaLibraryPath(Path path) {
            return text(Slot.CUDA_LIBRARY_PATH, path);
        }

        /**
         * Expected SHA-256 of the detector (file or bytes) as 64 hexadecimal digits, either case;
         * null (the default): not checked. A detector with another digest fails with
         * {@link Status#MODEL_DIGEST_MISMATCH}; a pin without a detector, or a value that is not
         * 64 hex digits, with {@link Status#INVALID_ARGUMENT}.
         */
        public Builder detectorSha256(String hex) {
            return text(Slot.DETECTOR_SHA256, hex);
        }

        /**
         * The second quality network the jar carries, the default: LightQNet dm025 (MIT; trained by its
         * authors on MS1M-derived data, see /org/serfiq/quality/PROVENANCE.md in the jar), passed to the
         * library as bytes (nothing is written to disk) and pinned by its SHA-256. Fails with
         * {@link Status#MODEL_NOT_FOUND} if the jar lacks it.
         */
        public Builder bundledQualityNet() {
            text(Slot.QUALITY_NET_PATH, null);
            qualityNetBytes = BundledQualityNet.bytes();
            return text(Slot.QUALITY_NET_SHA256, BundledQualityNet.SHA256);
        }

        /**
         * Another second quality network (ONNX, aligned face to one number, higher = better) instead of
         * the jar's: it replaces {@link #qualityNetBytes} and the jar network's pin. Read under the same
         * limits as the model. null: {@link #noQualityNet()}.
         */
        public Builder qualityNet(Path path) {
            if (path == null) {
                return noQualityNet();
            }
            dropBundledPin();
            qualityNetBytes = null;
            return text(Slot.QUALITY_NET_PATH, path);
        }

        /**
         * A second quality network given as ONNX bytes (read when the model is opened, not kept), used
         * when no {@link #qualityNet(Path) path} is set; replaces the jar network's pin. null:
         * {@link #noQualityNet()}.
         */
        public Builder qualityNetBytes(byte[] bytes) {
            if (bytes == null) {
                return noQualityNet();
            }
            dropBundledPin();
            qualityNetBytes = bytes.clone();
            return text(Slot.QUALITY_NET_PATH, null);
        }

        /**
         * No second quality network: {@link Quality#l()} is NaN and f is exactly s and n's fusion, as in
         * the C API without {@code quality_net_path}. Clears the network's path, bytes, pin and spec.
         */
        public Builder noQualityNet() {
            qualityNetBytes = null;
            text(Slot.QUALITY_NET_PATH, null);
            text(Slot.QUALITY_NET_SPEC, null);
            return text(Slot.QUALITY_NET_SHA256, null);
        }

        private void dropBundledPin() {
            if (BundledQualityNet.SHA256.equals(text[OptionSlots.of(Slot.QUALITY_NET_SHA256)])) {
                text(Slot.QUALITY_NET_SHA256, null);
            }
        }

        /**
         * Expected SHA-256 of the quality network, 64 hex digits; null: not checked. Set after
         * {@link #qualityNet(Path)} to pin another network (the default pins the jar's).
         */
        public Builder qualityNetSha256(String hex) {
            return text(Slot.QUALITY_NET_SHA256, hex);
        }

        /**
         * The quality network's input, e.g. {@code "side=96;layout=nhwc;channels=rgb;mean=128;std=128"};
         * null (the default): the file's {@code serfiq.quality_input} metadata.
         */
        public Builder qualityNetSpec(String spec) {
            return text(Slot.QUALITY_NET_SPEC, spec);
        }

        /**
         * The largest model or detector accepted, in bytes: 1 to 2^31 - 1; 0 = the default, 1 GiB.
         * A larger file or byte array fails with {@link Status#UNSUPPORTED_MODEL} before it is
         * read. Each model and detector is kept in memory for the model's life, and every ONNX
         * Runtime session holds its own copy of the weights.
         */
        public Builder maxModelBytes(long bytes) {
            return integer(Slot.MAX_MODEL_BYTES, bytes);
        }

        /**
         * Where libraries without a path in these options are looked for (default
         * {@link SearchPaths#DEFAULT}); {@link SearchPaths#EXPLICIT_ONLY} reads no environment
         * variable and searches nowhere but {@link #ortLibraryPath} and {@link #cudaLibraryPath}.
         * ONNX Runtime is loaded once per process: once loaded, a model opened without
         * {@link #ortLibraryPath} uses that library whatever this says.
         */
        public Builder searchPaths(SearchPaths search) {
            return integer(Slot.SEARCH_PATHS, search == null ? -1 : search.code());
        }

        /**
         * What an image without landmarks is (default {@link InputMode#AUTO}: by its size).
         * {@link InputMode#PHOTO} needs a detector.
         */
        public Builder inputMode(InputMode mode) {
            return integer(Slot.INPUT_MODE, mode == null ? -1 : mode.code());
        }

        /**
         * The longest side of the image the detector sees, 32 to 32768 (32768: no shrinking);
         * 0 = the default, 640. Larger photos are shrunk for detection only: the face is aligned
         * from the full-resolution pixels. Out of range: {@link Status#INVALID_ARGUMENT} at open.
         */
        public Builder detectorMaxSide(long pixels) {
            return integer(Slot.DETECTOR_MAX_SIDE, pixels);
        }

        /**
         * Which quality {@link Quality#q100} is the percentile of in the model's calibration
         * sample (default {@link Q100Quality#DEFAULT}: f, which predicted recognition errors
         * better than s on the development folds).
         */
        public Builder q100Quality(Q100Quality quality) {
            return integer(Slot.Q100_QUALITY, quality == null ? -1 : quality.code());
        }

        /**
         * The thresholds of the feedback codes of {@link QualityModel#assess}: a preset
         * ("enrolment", strict ICAO/ISO, the default; "live", tolerant) optionally followed by
         * ";key=value" overrides, e.g. "live;max_yaw=20". Bad text fails with
         * {@link Status#INVALID_ARGUMENT} at open.
         */
        public Builder feedbackProfile(String profile) {
            return text(Slot.FEEDBACK_PROFILE, profile);
        }

        public ModelOptions build() {
            return new ModelOptions(text.clone(), ints.clone(), reals.clone(), modelBytes, detectorBytes,
                    qualityNetBytes);
        }
    }
}
