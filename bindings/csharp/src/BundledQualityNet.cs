using System.IO;

namespace Serfiq
{
    /// <summary>
    /// The second quality network Serfiq.dll embeds (LightQNet dm025, MIT; its licence and provenance note are
    /// embedded beside it), the default of <see cref="QualityModelOptions"/>. Its bytes go to the library as
    /// quality_net_data, pinned by <see cref="Sha256"/>: nothing is written to disk.
    /// </summary>
    internal static class BundledQualityNet
    {
        /// <summary>The manifest resource (test.sh and dist.sh: mcs -resource; Serfiq.csproj: EmbeddedResource).</summary>
        internal const string Resource = "Serfiq.quality.lightqnet-dm025.onnx";

        /// <summary>SHA-256 of models/quality/lightqnet-dm025.onnx (models/quality/PROVENANCE.md).</summary>
        internal const string Sha256 = "06a0cfc427fb693b60dec24f646e67586fe8597ad79bd2b71dde4ccaaf69fea4";

        private static readonly object Lock = new object();
        private static byte[] bytes;

        /// <summary>The network's bytes, read once and shared: callers must not change them. Throws
        /// <see cref="SerfiqException"/> (<see cref="Status.ModelNotFound"/>) when this Serfiq.dll lacks it.</summary>
        internal static byte[] Bytes()
        {
            lock (Lock)
            {
                if (bytes == null) bytes = Read();
                return bytes;
            }
        }

        private static byte[] Read()
        {
            using (Stream s = typeof(BundledQualityNet).Assembly.GetManifestResourceStream(Resource))
            {
                if (s == null)
                    throw new SerfiqException(Status.ModelNotFound, "this Serfiq.dll was built without the embedded " +
                        "quality network (" + Resource + "): set QualityNetPath (the dist archive's " +
                        "share/serfiq/models/quality/lightqnet-dm025.onnx) or NoQualityNet");
                // Size limits and the digest are checked by the library, as for any network given as bytes.
                var m = new MemoryStream();
                s.CopyTo(m);
                return m.ToArray();
            }
        }
    }
}
