namespace Serfiq
{
    /// <summary>
    /// Settings for a <see cref="QualityModel"/> (serfiq_options). Properties left null keep
    /// the library's defaults (serfiq_options_init). Give exactly one of
    /// <see cref="ModelPath"/> and <see cref="ModelData"/>.
    /// </summary>
    public sealed class QualityModelOptions
    {
        /// <summary>Path of the ONNX face-recognition model.</summary>
        public string ModelPath { get; set; }
        /// <summary>The model's bytes, used when <see cref="ModelPath"/> is null (copied during creation).</summary>
        public byte[] ModelData { get; set; }
        /// <summary>Path of libonnxruntime, or null: then env SERFIQ_ORT_LIB, the folder of libserfiq, the system loader.
        /// The first library loaded serves the whole process.</summary>
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
    }
}
