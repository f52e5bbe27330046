namespace Serfiq
{
    /// <summary>Which face the single-face calls score when the detector finds several (SERFIQ_FACE_*).</summary>
    public enum FacePolicy : uint
    {
        /// <summary>The face with the largest box (the default).</summary>
        Largest = 0,
        /// <summary>The face whose box centre is nearest the image centre.</summary>
        MostCentral = 1,
    }

    /// <summary>Where a model's inferences run (SERFIQ_PROVIDER_*).</summary>
    public enum ExecutionProvider : uint
    {
        /// <summary>ONNX Runtime's CPU provider (the default).</summary>
        Cpu = 0,
        /// <summary>ONNX Runtime's CUDA provider on <see cref="QualityModelOptions.DeviceId"/>.</summary>
        Cuda = 1,
    }

    /// <summary>Where libraries without a path in the options (ONNX Runtime, CUDA) are looked for (SERFIQ_SEARCH_*).</summary>
    public enum SearchPaths : uint
    {
        /// <summary>Env SERFIQ_ORT_LIB, the folder of libserfiq, the system loader; for CUDA env SERFIQ_CUDA_PATH,
        /// pip's nvidia-* packages (VIRTUAL_ENV, CONDA_PREFIX, HOME), LD_LIBRARY_PATH and the system library
        /// folders (the default).</summary>
        Default = 0,
        /// <summary>Only <see cref="QualityModelOptions.OrtLibraryPath"/> and
        /// <see cref="QualityModelOptions.CudaLibraryPath"/>: no environment variable, no folder of serfiq's own,
        /// no system loader.</summary>
        ExplicitOnly = 1,
    }

    /// <summary>What an image passed without landmarks is (SERFIQ_INPUT_*); landmarks, when given, always place
    /// the face.</summary>
    public enum InputMode : uint
    {
        /// <summary>By its size (the default): exactly <see cref="QualityModel.InputWidth"/> x
        /// <see cref="QualityModel.InputHeight"/> is an aligned crop (even a photo of that size), any other size
        /// goes to the detector.</summary>
        Auto = 0,
        /// <summary>An aligned crop: another size fails with <see cref="Status.InvalidImage"/>.</summary>
        Crop = 1,
        /// <summary>A photo: always searched by the detector (without one the model fails to load with
        /// <see cref="Status.InvalidArgument"/>).</summary>
        Photo = 2,
    }

    /// <summary>Which quality <see cref="Quality.Q100"/> is the percentile of (SERFIQ_Q100_*).</summary>
    public enum Q100Quality : uint
    {
        /// <summary>serfiq's choice, f (<see cref="QualityModel.Options"/> reports <see cref="F"/>).</summary>
        Default = 0,
        /// <summary>The raw SER-FIQ score s.</summary>
        S = 1,
        /// <summary>The fused quality f.</summary>
        F = 2,
    }

    /// <summary>
    /// Settings for a <see cref="QualityModel"/> (serfiq_options). Properties left null keep
    /// the library's defaults (serfiq_options_init). Give exactly one of
    /// <see cref="ModelPath"/> and <see cref="ModelData"/>, and at most one of
    /// <see cref="DetectorPath"/> and <see cref="DetectorData"/>.
    /// <see cref="QualityModel.Options"/> gives back the settings a model was made with.
    /// </summary>
    public sealed class QualityModelOptions
    {
        /// <summary>Path of the ONNX face-recognition model.</summary>
        public string ModelPath { get; set; }
        /// <summary>The model's bytes, used when <see cref="ModelPath"/> is null (copied during creation).</summary>
        public byte[] ModelData { get; set; }
        /// <summary>Path of libonnxruntime, or null: then env SERFIQ_ORT_LIB, the folder of libserfiq, the system loader
        /// (none of them with <see cref="Serfiq.SearchPaths.ExplicitOnly"/>). The first library loaded serves the whole
        /// process.</summary>
        public string OrtLibraryPath { get; set; }
        /// <summary>Node or output tensor name of the embedding layer, or null to find it automatically.</summary>
        public string EmbeddingLayer { get; set; }
        /// <summary>Stochastic samples T, 2..=1000 (default 100).</summary>
        public int? Samples { get; set; }
        /// <summary>Dropout probability p, 0 &lt; p &lt; 1 (default 0.5).</summary>
        public float? Dropout { get; set; }
        /// <summary>Seed of the dropout masks (default 0).</summary>
        public ulong? Seed { get; set; }
        /// <summary>Slope alpha of q = 1 / (1 + exp(-alpha (s - r))); null: the model's calibration
        /// (<c>serfiq calibrate</c>) where it has one, else 118.</summary>
        public double? Alpha { get; set; }
        /// <summary>Midpoint r of q = 1 / (1 + exp(-alpha (s - r))); null: the model's calibration
        /// where it has one, else 0.576.</summary>
        public double? R { get; set; }
        /// <summary>Channel order of the model input (default RGB).</summary>
        public ChannelOrder? ChannelOrder { get; set; }
        /// <summary>Per-channel mean (3 floats, in the model's channel order; default 127.5).</summary>
        public float[] Mean { get; set; }
        /// <summary>Per-channel std (3 floats, in the model's channel order; default 128).</summary>
        public float[] Std { get; set; }
        /// <summary>ONNX Runtime intra-op threads per inference (null: the library default, 1); 0 = ONNX Runtime's own default.</summary>
        public int? IntraOpThreads { get; set; }
        /// <summary>Most inferences running at once on one model; 0 = number of CPUs.</summary>
        public int? MaxSessions { get; set; }
        /// <summary>Expected SHA-256 of the model (<see cref="ModelPath"/>'s file or <see cref="ModelData"/>)
        /// as 64 hexadecimal digits, either case; null = not checked. Another digest fails with
        /// <see cref="Status.ModelDigestMismatch"/>, a string that is not 64 hex digits with
        /// <see cref="Status.InvalidArgument"/>.</summary>
        public string ModelSha256 { get; set; }

        /// <summary>Path of a face-detector model (RetinaFace mobilenet-0.25, as <c>make fetch</c> puts in
        /// .cache/models/retinaface_mnet025.onnx), or null (with <see cref="DetectorData"/> null: no detector).
        /// With a detector, an image without landmarks that is not at the model's input size is searched
        /// for faces, and <see cref="QualityModel.DetectScore"/> works.</summary>
        public string DetectorPath { get; set; }
        /// <summary>The detector's bytes, used when <see cref="DetectorPath"/> is null (copied during creation).</summary>
        public byte[] DetectorData { get; set; }
        /// <summary>Which face the single-face calls score when there are several (default <see cref="Serfiq.FacePolicy.Largest"/>).</summary>
        public FacePolicy? FacePolicy { get; set; }
        /// <summary>Detector confidence threshold, 0 &lt;= t &lt; 1 (default 0.9).</summary>
        public float? DetectorThreshold { get; set; }
        /// <summary>Where inferences run (default <see cref="Serfiq.ExecutionProvider.Cpu"/>). CUDA needs the
        /// onnxruntime-gpu build and CUDA 13 + cuDNN 9; <see cref="QualityModel.ExecutionProvider"/> tells
        /// where the model runs.</summary>
        public ExecutionProvider? ExecutionProvider { get; set; }
        /// <summary>CUDA device ordinal (default 0).</summary>
        public int? DeviceId { get; set; }
        /// <summary>True: when the GPU cannot be used, run on the CPU instead of failing with
        /// <see cref="Status.GpuUnavailable"/> (default false).</summary>
        public bool? GpuFallback { get; set; }
        /// <summary>A folder holding the CUDA and cuDNN libraries (searched three levels deep, so pip's
        /// site-packages/nvidia works), or null: then env SERFIQ_CUDA_PATH, pip's nvidia-* packages, the
        /// system loader.</summary>
        public string CudaLibraryPath { get; set; }
        /// <summary>Largest model or detector (file or bytes) read, 1 to 2^31 - 1 bytes; 0 = the default, 1 GiB.
        /// A larger one fails with <see cref="Status.UnsupportedModel"/> before it is read.</summary>
        public ulong? MaxModelBytes { get; set; }
        /// <summary>Expected SHA-256 of the detector (<see cref="DetectorPath"/>'s file or <see cref="DetectorData"/>)
        /// as 64 hexadecimal digits, either case; null = not checked. Another digest fails with
        /// <see cref="Status.ModelDigestMismatch"/>; set without a detector, or not 64 hex digits, with
        /// <see cref="Status.InvalidArgument"/>.</summary>
        public string DetectorSha256 { get; set; }
        /// <summary>Where libraries without a path are looked for (default <see cref="Serfiq.SearchPaths.Default"/>);
        /// <see cref="Serfiq.SearchPaths.ExplicitOnly"/> reads no environment variable. ONNX Runtime is loaded once
        /// per process: once loaded, a model without <see cref="OrtLibraryPath"/> uses it whatever this says.</summary>
        public SearchPaths? SearchPaths { get; set; }
        /// <summary>What an image without landmarks is (default <see cref="Serfiq.InputMode.Auto"/>).</summary>
        public InputMode? InputMode { get; set; }
        /// <summary>Longest side of the image the detector sees, 32 to 32768 (32768: no shrinking); 0 = the
        /// default, 640. Larger photos are shrunk for detection only: the face is aligned from the full-resolution
        /// pixels.</summary>
        public int? DetectorMaxSide { get; set; }
        /// <summary>Which quality <see cref="Quality.Q100"/> is the percentile of (default
        /// <see cref="Serfiq.Q100Quality.Default"/>, f); an unknown value fails with <see cref="Status.InvalidArgument"/>.</summary>
        public Q100Quality? Q100Quality { get; set; }
        /// <summary>The thresholds of the feedback codes of <see cref="QualityModel.Assess"/> (default "enrolment",
        /// strict ICAO/ISO): a preset ("enrolment" or "live", tolerant) optionally followed by ";key=value"
        /// overrides, e.g. "live;max_yaw=20". Bad text fails with <see cref="Status.InvalidArgument"/>.</summary>
        public string FeedbackProfile { get; set; }
        /// <summary>Another second quality network (ONNX, aligned face to one number, higher = better) instead of
        /// the one Serfiq.dll embeds. With <see cref="QualityNetData"/> also null (the default) and
        /// <see cref="NoQualityNet"/> false, the embedded LightQNet dm025 is used.</summary>
        public string QualityNetPath { get; set; }
        /// <summary>The quality network's bytes, instead of <see cref="QualityNetPath"/> (copied during creation).</summary>
        public byte[] QualityNetData { get; set; }
        /// <summary>No second quality network: <see cref="Quality.L"/> is NaN and f is exactly s and n's fusion, as in
        /// C without quality_net_path. Default false: the network embedded in Serfiq.dll (LightQNet dm025, MIT; its
        /// authors trained it on MS1M-derived data, see models/quality/PROVENANCE.md), passed as bytes and pinned.
        /// Fails with <see cref="Status.InvalidArgument"/> together with a path or bytes.</summary>
        public bool NoQualityNet { get; set; }
        /// <summary>Expected SHA-256 of the quality network (64 hex digits); null = not checked, except for the
        /// embedded network, which is pinned to its own digest.</summary>
        public string QualityNetSha256 { get; set; }
        /// <summary>The quality network's input, e.g. "side=96;layout=nhwc;channels=rgb;mean=128;std=128"; null =
        /// its serfiq.quality_input metadata.</summary>
        public string QualityNetSpec { get; set; }
    }
}
