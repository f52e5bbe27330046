package org.serfiq;

/**
 * Status codes of serfiq, the same numbers as the C API's {@code serfiq_status}
 * ({@code SERFIQ_OK}, {@code SERFIQ_ERR_*} in {@code include/serfiq.h}), named
 * without the prefix. Codes are append-only; a test compares this list with the
 * header so the two cannot drift.
 */
public enum Status {
    OK(0),
    NULL_ARGUMENT(1),
    INVALID_ARGUMENT(2),
    OPTIONS_SIZE(3),
    INVALID_IMAGE(4),
    INVALID_LANDMARKS(5),
    BUFFER_TOO_SMALL(6),
    MODEL_NOT_FOUND(7),
    MODEL_INVALID(8),
    EMBEDDING_LAYER_NOT_FOUND(9),
    UNSUPPORTED_MODEL(10),
    RUNTIME_NOT_FOUND(11),
    RUNTIME_VERSION(12),
    INFERENCE(13),
    POISONED(14),
    INTERNAL(15),
    ABI_MISMATCH(16),
    MODEL_DIGEST_MISMATCH(17),
    /** The face detector found no usable face in an image given without landmarks. */
    NO_FACE(18),
    /**
     * The GPU could not be used (no CUDA in this ONNX Runtime, CUDA or cuDNN missing, no such
     * device); set {@link ModelOptions.Builder#gpuFallback} to run on the CPU instead.
     */
    GPU_UNAVAILABLE(19),
    /**
     * Some images of a per-image batch failed ({@code serfiq_score_batch_each}). Not thrown by
     * this binding: {@link QualityModel#scoreBatchEach} reports it as each image's own status.
     */
    IMAGES_FAILED(20),
    /**
     * The model was created in another process: this one is a child made by {@code fork()}
     * after the model was opened, where its sessions cannot be used. Open models in the process
     * that uses them.
     */
    FORKED(21),
    ;

    private static final Status[] BY_CODE = values();

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The numeric status, as in C. */
    public int code() {
        return code;
    }

    /**
     * The status with this number, or {@code null} for a number this binding does
     * not know (a newer native library may add codes).
     */
    public static Status fromCode(int code) {
        return code >= 0 && code < BY_CODE.length && BY_CODE[code].code == code ? BY_CODE[code] : null;
    }
}
