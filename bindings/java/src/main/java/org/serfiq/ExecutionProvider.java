package org.serfiq;

/** Where a model's inferences run (the C API's {@code SERFIQ_PROVIDER_*}). */
public enum ExecutionProvider {
    /** ONNX Runtime's CPU provider (the default). */
    CPU(0),
    /**
     * ONNX Runtime's CUDA provider on {@link ModelOptions#deviceId()}: needs the onnxruntime-gpu
     * build and loadable CUDA and cuDNN libraries.
     */
    CUDA(1),
    ;

    private final int code;

    ExecutionProvider(int code) {
        this.code = code;
    }

    /** The C API's value. */
    public int code() {
        return code;
    }

    static ExecutionProvider fromCode(long code) {
        for (ExecutionProvider p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown execution provider " + code);
    }
}
