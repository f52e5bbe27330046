package org.serfiq;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings for {@link QualityModel#open(ModelOptions)}, the Java form of the C
 * API's {@code serfiq_options}. Start from {@link #fromPath} or
 * {@link #fromBytes}; every other setting starts at the native library's
 * default and is checked when the model is opened ({@link Status#INVALID_ARGUMENT}).
 */
public final class ModelOptions {
    private final Path modelPath;
    private final byte[] modelBytes;
    private Path ortLibrary;
    private String embeddingLayer;
    private int samples;
    private float dropout;
    private long seed;
    private double alpha;
    private double r;
    private ChannelOrder channelOrder;
    private final float[] mean = new float[3];
    private final float[] std = new float[3];
    private int intraOpThreads;
    private int maxSessions;
    private String modelSha256;

    private ModelOptions(Path modelPath, byte[] modelBytes) {
        this.modelPath = modelPath;
        this.modelBytes = modelBytes;
        NativeLib.ensureLoaded();
        double[] d = NativeLib.nativeDefaults();
        samples = (int) d[0];
        dropout = (float) d[1];
        seed = (long) d[2];
        alpha = d[3];
        r = d[4];
        channelOrder = ChannelOrder.fromCode((int) d[5]);
        for (int i = 0; i < 3; i++) {
            mean[i] = (float) d[6 + i];
            std[i] = (float) d[9 + i];
        }
        intraOpThreads = (int) d[12];
        maxSessions = (int) d[13];
    }

    /** The ONNX face-recognition model at this path. */
    public static ModelOptions fromPath(Path model) {
        return new ModelOptions(Objects.requireNonNull(model, "model"), null);
    }

    /** The ONNX model's bytes (copied when the model is opened). */
    public static ModelOptions fromBytes(byte[] model) {
        return new ModelOptions(null, Objects.requireNonNull(model, "model"));
    }

    /**
     * Path of libonnxruntime; null (the default): env {@code SERFIQ_ORT_LIB}, then
     * the folder of libserfiq, then the system loader. The first library loaded
     * serves the whole process.
     */
    public ModelOptions ortLibrary(Path path) {
        this.ortLibrary = path;
        return this;
    }

    /** Node or output tensor name of the embedding layer; null (default): found automatically. */
    public ModelOptions embeddingLayer(String name) {
        this.embeddingLayer = name;
        return this;
    }

    /** Stochastic samples T, 2..=1000 (default 100). */
    public ModelOptions samples(int samples) {
        this.samples = samples;
        return this;
    }

    /** Dropout probability p, 0 &lt; p &lt; 1 (default 0.5). */
    public ModelOptions dropout(float dropout) {
        this.dropout = dropout;
        return this;
    }

    /** Seed of the dropout masks, its 64 bits read as unsigned (default 0). */
    public ModelOptions seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * q = 1 / (1 + exp(-alpha (s - r))). By default (NaN for either) the model's calibration
     * ({@code serfiq calibrate}) where it has one, else alpha 118 and r 0.576, fitted to the
     * default model.
     */
    public ModelOptions logistic(double alpha, double r) {
        this.alpha = alpha;
        this.r = r;
        return this;
    }

    /** Channel order of the model input (default RGB). */
    public ModelOptions channelOrder(ChannelOrder order) {
        this.channelOrder = Objects.requireNonNull(order, "order");
        return this;
    }

    /** Normalisation (pixel - mean) / std per channel, in the model's channel order. */
    public ModelOptions normalization(float[] mean, float[] std) {
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw new SerfiqException(Status.INVALID_ARGUMENT, "mean and std need 3 floats each");
        }
        System.arraycopy(mean, 0, this.mean, 0, 3);
        System.arraycopy(std, 0, this.std, 0, 3);
        return this;
    }

    /** ONNX Runtime intra-op threads per inference (library default 1); 0 = ONNX Runtime's own default. */
    public ModelOptions intraOpThreads(int threads) {
        this.intraOpThreads = threads;
        return this;
    }

    /** Most inferences running at once on one model; 0 (default) = number of CPUs. */
    public ModelOptions maxSessions(int sessions) {
        this.maxSessions = sessions;
        return this;
    }

    /**
     * Expected SHA-256 of the model (file or bytes) as 64 hexadecimal digits,
     * either case; null (the default): not checked. Opening a model with another
     * digest fails with {@link Status#MODEL_DIGEST_MISMATCH}; a value that is not
     * 64 hex digits with {@link Status#INVALID_ARGUMENT}.
     */
    public ModelOptions modelSha256(String hex) {
        this.modelSha256 = hex;
        return this;
    }

    long create() {
        NativeLib.ensureLoaded();
        return NativeLib.nativeCreate(
                modelPath == null ? null : modelPath.toString(),
                modelBytes,
                ortLibrary == null ? null : ortLibrary.toString(),
                embeddingLayer,
                samples,
                dropout,
                seed,
                alpha,
                r,
                channelOrder.code(),
                mean.clone(),
                std.clone(),
                intraOpThreads,
                maxSessions,
                modelSha256);
    }
}
