package org.serfiq;

/**
 * Where serfiq looks for the libraries it loads (ONNX Runtime; with CUDA, the CUDA and cuDNN
 * libraries) when the options give no path for them (the C API's {@code SERFIQ_SEARCH_*}).
 */
public enum SearchPaths {
    /**
     * An explicit path is the only place tried for its library; without one, serfiq reads the
     * environment variables {@code SERFIQ_ORT_LIB}, {@code SERFIQ_CUDA_PATH}, {@code VIRTUAL_ENV},
     * {@code CONDA_PREFIX}, {@code HOME} and {@code LD_LIBRARY_PATH}, searches the folder of
     * libserfiq, pip's nvidia-* packages and the system library folders, and asks the system
     * loader (the default).
     */
    DEFAULT(0),
    /**
     * Only {@link ModelOptions.Builder#ortLibraryPath} and {@link ModelOptions.Builder#cudaLibraryPath}:
     * no environment variable, no folder of serfiq's own, no system loader. A library without a
     * path fails the open ({@link Status#RUNTIME_NOT_FOUND}, {@link Status#GPU_UNAVAILABLE}).
     */
    EXPLICIT_ONLY(1),
    ;

    private final int code;

    SearchPaths(int code) {
        this.code = code;
    }

    /** The C API's value. */
    public int code() {
        return code;
    }

    static SearchPaths fromCode(long code) {
        for (SearchPaths p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown search paths " + code);
    }
}
