// The serfiq_status codes of include/serfiq.h, value for value (append-only there and here).
// Name = the C name without SERFIQ_ / SERFIQ_ERR_, in PascalCase. Tests compare this enum
// with the header and with serfiq_status_name(); keep the "Name = value," one-per-line form.
namespace Serfiq
{
    /// <summary>Result of a serfiq call; every non-Ok status is thrown as a <see cref="SerfiqException"/>.</summary>
    public enum Status : uint
    {
        /// <summary>Success.</summary>
        Ok = 0,
        /// <summary>A required argument is null.</summary>
        NullArgument = 1,
        /// <summary>An argument is out of range: options values, batch size, strings.</summary>
        InvalidArgument = 2,
        /// <summary>serfiq_options.struct_size is not one the loaded library accepts (it takes
        /// SERFIQ_OPTIONS_SIZE_V1 up to its own sizeof; an older library rejects a newer binding's struct).</summary>
        OptionsSize = 3,
        /// <summary>The image is unusable: empty or too large, stride too small, buffer too short,
        /// unknown pixel format, or not at the model's input size while no landmarks were given.</summary>
        InvalidImage = 4,
        /// <summary>Landmarks are NaN, infinite, outside the image, degenerate or not 10 floats.</summary>
        InvalidLandmarks = 5,
        /// <summary>An output buffer is too small.</summary>
        BufferTooSmall = 6,
        /// <summary>The model file could not be read.</summary>
        ModelNotFound = 7,
        /// <summary>The model bytes are empty, truncated, corrupt or not ONNX.</summary>
        ModelInvalid = 8,
        /// <summary>No embedding layer was found, or the named one does not exist.</summary>
        EmbeddingLayerNotFound = 9,
        /// <summary>A valid ONNX model serfiq cannot use.</summary>
        UnsupportedModel = 10,
        /// <summary>The ONNX Runtime library could not be loaded.</summary>
        RuntimeNotFound = 11,
        /// <summary>The ONNX Runtime library is older than 1.31.</summary>
        RuntimeVersion = 12,
        /// <summary>ONNX Runtime failed to create a session or to run it.</summary>
        Inference = 13,
        /// <summary>An earlier call on this model hit an internal error; dispose it.</summary>
        Poisoned = 14,
        /// <summary>A bug inside serfiq (a caught panic); please report it with the message.</summary>
        Internal = 15,
        /// <summary>Never returned by libserfiq: this binding raises it when the loaded library's
        /// serfiq_abi_version() is not the one it was written for (<see cref="QualityModel.BindingAbiVersion"/>).</summary>
        AbiMismatch = 16,
        /// <summary>The model's SHA-256 differs from <see cref="QualityModelOptions.ModelSha256"/>, or the
        /// detector's from <see cref="QualityModelOptions.DetectorSha256"/>.</summary>
        ModelDigestMismatch = 17,
        /// <summary>The face detector (<see cref="QualityModelOptions.DetectorPath"/>) found no usable face
        /// in an image that is neither an aligned crop nor given with landmarks.</summary>
        NoFace = 18,
        /// <summary>The GPU could not be used (no CUDA provider in this ONNX Runtime, CUDA/cuDNN libraries
        /// missing, no such device); set <see cref="QualityModelOptions.GpuFallback"/> to run on the CPU.</summary>
        GpuUnavailable = 19,
        /// <summary>Some images of <see cref="QualityModel.ScoreBatchEach"/> failed; never thrown, since
        /// each <see cref="BatchResult"/> carries its image's own status.</summary>
        ImagesFailed = 20,
        /// <summary>The model was created in another process: this one is a child made by fork() after the
        /// model was created, where its sessions cannot be used. Create models in the process that uses them.</summary>
        Forked = 21,
    }
}
