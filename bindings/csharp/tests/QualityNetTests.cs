using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using NUnit.Framework;

namespace Serfiq.Tests
{
    /// <summary>
    /// The second quality network: by default the one Serfiq.dll embeds (models/quality/lightqnet-dm025.onnx),
    /// given to the library as bytes and pinned; QualityNetPath picks another; NoQualityNet turns it off. The C
    /// example with the file's path (face.quality-net.reference) is the reference.
    /// </summary>
    [TestFixture]
    public class QualityNetTests
    {
        private static string Shipped => Fixtures.Env("SERFIQ_CSHARP_QUALITY_NET");

        private static string Hex(byte[] bytes)
        {
            using (var sha = SHA256.Create())
                return string.Concat(sha.ComputeHash(bytes).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }

        private static Quality ScoreFace(QualityModelOptions o)
        {
            o.ModelPath = Fixtures.ModelPath;
            var f = Fixtures.TheFace;
            using (var m = new QualityModel(o))
                return m.Score(f.View, f.Landmarks);
        }

        /// <summary>examples/c/score.c FACE LANDMARKS --quality-net models/quality/lightqnet-dm025.onnx: "s q l f".</summary>
        private static float[] CReference()
        {
            string line = File.ReadAllText(Path.Combine(Fixtures.Dir, "face.quality-net.reference")).Trim();
            float[] v = line.Split(' ').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            Assert.That(v.Length, Is.EqualTo(4), "face.quality-net.reference holds s q l f");
            return v;
        }

        [Test]
        public void TheAssemblyEmbedsTheShippedNetworkPinned()
        {
            byte[] file = File.ReadAllBytes(Shipped);
            foreach (string name in new[] { "lightqnet-dm025.onnx", "LICENSE.lightqnet", "PROVENANCE.md" })
            {
                using (Stream s = typeof(QualityModel).Assembly.GetManifestResourceStream("Serfiq.quality." + name))
                {
                    Assert.That(s, Is.Not.Null, name + " is embedded");
                    var m = new MemoryStream();
                    s.CopyTo(m);
                    Assert.That(m.ToArray(), Is.EqualTo(File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(Shipped), name))), name);
                }
            }
            using (var model = new QualityModel(Fixtures.ModelPath))
            {
                QualityModelOptions back = model.Options;
                Assert.That(back.QualityNetSha256, Is.EqualTo(Hex(file)), "pinned by the file's SHA-256");
                Assert.That(back.QualityNetPath, Is.Null);
                Assert.That(back.NoQualityNet, Is.False);
            }
            Assert.That(File.ReadAllText(Path.Combine(Path.GetDirectoryName(Shipped), "PROVENANCE.md")), Is.StringContaining(Hex(file)));
        }

        [Test]
        public void DefaultGivesTheCApisL()
        {
            float[] c = CReference();
            Quality q = ScoreFace(new QualityModelOptions());
            Assert.That(q.L, Is.GreaterThan(0f).And.LessThan(1f), "l");
            Assert.That(q.S, Is.EqualTo(c[0]).Within(1e-6), "s");
            Assert.That(q.L, Is.EqualTo(c[2]).Within(1e-6), "l");
            Assert.That(q.F, Is.EqualTo(c[3]).Within(1e-6), "f");
            // The same file by path: the same numbers, bit for bit.
            Quality byPath = ScoreFace(new QualityModelOptions { QualityNetPath = Shipped });
            Assert.That(byPath, Is.EqualTo(q));
        }

        [Test]
        public void NoQualityNetGivesNaNAndMovesOnlyF()
        {
            Quality on = ScoreFace(new QualityModelOptions());
            Quality off = ScoreFace(new QualityModelOptions { NoQualityNet = true });
            Assert.That(float.IsNaN(off.L), "l " + off.L);
            Assert.That(off.S, Is.EqualTo(on.S));
            Assert.That(off.N, Is.EqualTo(on.N));
            Assert.That(off.F, Is.Not.EqualTo(on.F), "l moves f");
            var e = Assert.Throws<SerfiqException>(() => ScoreFace(new QualityModelOptions { NoQualityNet = true, QualityNetPath = Shipped }));
            Assert.That(e.Status, Is.EqualTo(Status.InvalidArgument), e.Message);
        }

        [Test]
        public void ThePinIsChecked()
        {
            string wrong = new string('0', 64);
            var e = Assert.Throws<SerfiqException>(() => ScoreFace(new QualityModelOptions { QualityNetSha256 = wrong }));
            Assert.That(e.Status, Is.EqualTo(Status.ModelDigestMismatch), e.Message);
            // Another network given as bytes carries no pin of the embedded one.
            Assert.That(float.IsNaN(ScoreFace(new QualityModelOptions { QualityNetData = File.ReadAllBytes(Shipped) }).L), Is.False);
        }
    }
}
