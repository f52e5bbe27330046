using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading;
using NUnit.Framework;

namespace Serfiq.Tests
{
    [TestFixture]
    public class QualityModelTests
    {
        private const double Tolerance = 1e-6;
        private QualityModel model;

        [TestFixtureSetUp]
        public void LoadModel()
        {
            model = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath });
        }

        [TestFixtureTearDown]
        public void FreeModel()
        {
            model?.Dispose();
        }

        private static void AssertMatchesReference(Quality q, float[] embedding)
        {
            var r = Fixtures.Ref;
            Assert.That(q.S, Is.EqualTo(r.S).Within(Tolerance), "s");
            Assert.That(q.Q, Is.EqualTo(r.Q).Within(Tolerance), "q");
            if (embedding == null) return;
            Assert.That(embedding.Length, Is.EqualTo(r.Embedding.Length), "embedding length");
            for (int i = 0; i < embedding.Length; i++)
                Assert.That(embedding[i], Is.EqualTo(r.Embedding[i]).Within(Tolerance), "embedding[" + i + "]");
        }

        private static SerfiqException Fails(Status expected, TestDelegate call)
        {
            var e = Assert.Throws<SerfiqException>(call);
            Assert.That(e.Status, Is.EqualTo(expected), e.Message);
            Assert.That(e.Message, Is.StringStarting(e.StatusName + ": "));
            Assert.That(e.Message.Length, Is.GreaterThan(e.StatusName.Length + 2), "a message after the status name");
            return e;
        }

        // ---- (a) the C API's reference ----------------------------------------------------

        [Test]
        public void ScoreEmbedMatchesCReference()
        {
            var f = Fixtures.TheFace;
            Assert.That(f.Width, Is.EqualTo(910));
            Assert.That(f.Height, Is.EqualTo(1137));
            float[] embedding;
            Quality q = model.ScoreEmbed(f.View, f.Landmarks, out embedding);
            AssertMatchesReference(q, embedding);
        }

        [Test]
        public void ScoreAndEmbedMatchCReference()
        {
            var f = Fixtures.TheFace;
            AssertMatchesReference(model.Score(f.Rgb, f.Width, f.Height, 0, PixelFormat.Rgb, f.Landmarks), null);
            AssertMatchesReference(new Quality(Fixtures.Ref.S, Fixtures.Ref.Q), model.Embed(f.View, f.Landmarks));
        }

        [Test]
        public void StrideOffsetAndBgrGiveTheSameResult()
        {
            var f = Fixtures.TheFace;
            float[] embedding;
            Quality q = model.ScoreEmbed(Fixtures.PaddedBgr(f, 7, 13), f.Landmarks, out embedding);
            AssertMatchesReference(q, embedding);
        }

        [Test]
        public void BatchMatchesCReference()
        {
            var f = Fixtures.TheFace;
            float[][] embeddings;
            var images = new[] { f.View, Fixtures.PaddedBgr(f, 3, 1) };
            Quality[] qs = model.ScoreBatch(images, new[] { f.Landmarks, f.Landmarks }, out embeddings);
            Assert.That(qs.Length, Is.EqualTo(2));
            Assert.That(embeddings.Length, Is.EqualTo(2));
            for (int i = 0; i < 2; i++) AssertMatchesReference(qs[i], embeddings[i]);
            Quality[] only = model.ScoreBatch(images, new[] { f.Landmarks, f.Landmarks });
            for (int i = 0; i < 2; i++) AssertMatchesReference(only[i], null);
        }

        [Test]
        public void ModelFacts()
        {
            Assert.That(model.EmbeddingSize, Is.EqualTo(Fixtures.Ref.Embedding.Length));
            Assert.That(model.InputWidth, Is.EqualTo(112));
            Assert.That(model.InputHeight, Is.EqualTo(112));
        }

        [Test]
        public void AlignedCropNeedsNoLandmarks()
        {
            var crop = new byte[112 * 112 * 4];
            for (int i = 0; i < crop.Length; i++) crop[i] = (byte)(i * 7);
            Quality q = model.Score(crop, 112, 112, 0, PixelFormat.Bgra);
            Assert.That(q.S, Is.GreaterThan(0f).And.LessThanOrEqualTo(1f));
            Assert.That(q.Q, Is.GreaterThan(0f).And.LessThan(1f));
        }

        [Test]
        public void ModelFromBytesMatchesCReference()
        {
            var f = Fixtures.TheFace;
            using (var m = new QualityModel(new QualityModelOptions { ModelData = File.ReadAllBytes(Fixtures.ModelPath) }))
            {
                float[] embedding;
                AssertMatchesReference(m.ScoreEmbed(f.View, f.Landmarks, out embedding), embedding);
            }
        }

        // ---- (b) threads ----------------------------------------------------------------

        [Test]
        public void FourThreadsOnOneModelGiveIdenticalResults()
        {
            var f = Fixtures.TheFace;
            float[] expectedEmbedding;
            Quality expected = model.ScoreEmbed(f.View, f.Landmarks, out expectedEmbedding);
            const int Threads = 4, Rounds = 6;
            var failures = new List<string>();
            var threads = new Thread[Threads];
            bool stopGc = false;
            // A thread forcing collections (and compaction) while native calls hold pinned buffers.
            var gc = new Thread(() =>
            {
                while (!Volatile.Read(ref stopGc))
                {
                    var garbage = new byte[1 << 16];
                    GC.KeepAlive(garbage);
                    GC.Collect();
                    Thread.Sleep(1);
                }
            });
            gc.Start();
            for (int t = 0; t < Threads; t++)
            {
                int id = t;
                threads[t] = new Thread(() =>
                {
                    try
                    {
                        for (int r = 0; r < Rounds; r++)
                        {
                            float[] e;
                            Quality q = (id + r) % 2 == 0
                                ? model.ScoreEmbed(f.View, f.Landmarks, out e)
                                : model.ScoreEmbed(Fixtures.PaddedBgr(f, id, r), f.Landmarks, out e);
                            if (q.S != expected.S || q.Q != expected.Q)
                                throw new Exception("thread " + id + ": " + q + " != " + expected);
                            for (int i = 0; i < e.Length; i++)
                                if (e[i] != expectedEmbedding[i])
                                    throw new Exception("thread " + id + ": embedding[" + i + "] differs");
                        }
                    }
                    catch (Exception e)
                    {
                        lock (failures) failures.Add(e.ToString());
                    }
                });
                threads[t].Start();
            }
            foreach (var th in threads) th.Join();
            Volatile.Write(ref stopGc, true);
            gc.Join();
            Assert.That(failures, Is.Empty, string.Join("\n", failures));
        }

        [Test]
        public void DisposeWhileOtherThreadsScoreIsSafe()
        {
            var f = Fixtures.TheFace;
            var m = new QualityModel(Fixtures.ModelPath);
            int ok = 0, disposed = 0;
            var failures = new List<string>();
            var started = new CountdownEvent(4);
            var threads = new Thread[4];
            for (int t = 0; t < threads.Length; t++)
            {
                threads[t] = new Thread(() =>
                {
                    started.Signal();
                    for (int r = 0; r < 100000; r++) // until Dispose
                    {
                        try
                        {
                            Quality q = m.Score(f.View, f.Landmarks);
                            if (Math.Abs(q.S - Fixtures.Ref.S) > Tolerance) throw new Exception("wrong s " + q.S);
                            Interlocked.Increment(ref ok);
                        }
                        catch (ObjectDisposedException)
                        {
                            Interlocked.Increment(ref disposed);
                            return;
                        }
                        catch (Exception e)
                        {
                            lock (failures) failures.Add(e.ToString());
                            return;
                        }
                    }
                });
                threads[t].Start();
            }
            started.Wait();
            // Dispose once calls are known to be running: those in flight keep the native
            // model alive until they return, later ones see ObjectDisposedException.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Volatile.Read(ref ok) < 2 && failures.Count == 0 && DateTime.UtcNow < deadline) Thread.Sleep(1);
            m.Dispose();
            foreach (var th in threads) th.Join();
            Assert.That(failures, Is.Empty, string.Join("\n", failures));
            Assert.That(ok, Is.GreaterThanOrEqualTo(2), "calls succeeded before Dispose");
            Assert.That(disposed, Is.EqualTo(4), "every thread saw ObjectDisposedException after Dispose");
        }

        // ---- (c) use after Dispose ------------------------------------------------------

        [Test]
        public void UseAfterDisposeThrowsObjectDisposedException()
        {
            var f = Fixtures.TheFace;
            var m = new QualityModel(Fixtures.ModelPath);
            m.Dispose();
            m.Dispose(); // idempotent
            float[] e;
            float[][] es;
            Assert.Throws<ObjectDisposedException>(() => m.Score(f.View, f.Landmarks));
            Assert.Throws<ObjectDisposedException>(() => m.Embed(f.View, f.Landmarks));
            Assert.Throws<ObjectDisposedException>(() => m.ScoreEmbed(f.View, f.Landmarks, out e));
            Assert.Throws<ObjectDisposedException>(() => m.ScoreBatch(new[] { f.View }, new[] { f.Landmarks }));
            Assert.Throws<ObjectDisposedException>(() => m.ScoreBatch(new[] { f.View }, null, out es));
            Assert.Throws<ObjectDisposedException>(() => GC.KeepAlive(m.EmbeddingSize));
            Assert.Throws<ObjectDisposedException>(() => GC.KeepAlive(m.InputWidth));
            // Disposal is checked before argument validation.
            Assert.Throws<ObjectDisposedException>(() => m.Score(null, 0, 0, 0, PixelFormat.Rgb));
        }

        [Test]
        public void UsingDisposes()
        {
            QualityModel kept;
            using (var m = new QualityModel(Fixtures.ModelPath)) kept = m;
            Assert.Throws<ObjectDisposedException>(() => kept.Score(Fixtures.TheFace.View, Fixtures.TheFace.Landmarks));
        }

        // ---- (d) invalid arguments ------------------------------------------------------

        [Test]
        public void NullPixels() =>
            Fails(Status.NullArgument, () => model.Score(null, 10, 10, 0, PixelFormat.Rgb));

        [Test]
        public void DefaultImageView() =>
            Fails(Status.NullArgument, () => model.Score(default(ImageView)));

        [Test]
        public void ZeroWidth() =>
            Fails(Status.InvalidImage, () => model.Score(new byte[300], 0, 10, 0, PixelFormat.Rgb));

        [Test]
        public void NegativeHeight() =>
            Fails(Status.InvalidImage, () => model.Score(new byte[300], 10, -1, 0, PixelFormat.Rgb));

        [Test]
        public void TooLargeSide() =>
            Fails(Status.InvalidImage, () => model.Score(new byte[32769], 32769, 1, 0, PixelFormat.Gray));

        [Test]
        public void StrideTooSmall() =>
            Fails(Status.InvalidImage, () => model.Score(new byte[1000], 10, 10, 29, PixelFormat.Rgb));

        [Test]
        public void NegativeStride() =>
            Fails(Status.InvalidImage, () => model.Score(new byte[1000], 10, 10, -30, PixelFormat.Rgb));

        [Test]
        public void BufferShorterThanStrideTimesHeight()
        {
            var f = Fixtures.TheFace;
            var shortBuf = new byte[f.Rgb.Length - 1];
            Fails(Status.InvalidImage, () => model.Score(shortBuf, f.Width, f.Height, 0, PixelFormat.Rgb, f.Landmarks));
            Fails(Status.InvalidImage, () => model.Embed(shortBuf, f.Width, f.Height, f.Width * 3, PixelFormat.Rgb, f.Landmarks));
            float[] e;
            Fails(Status.InvalidImage,
                  () => model.ScoreEmbed(new ImageView(f.Rgb, 1, f.Width, f.Height, 0, PixelFormat.Rgb), f.Landmarks, out e));
            Fails(Status.InvalidImage, () => model.Score(new byte[112 * 112 * 3], 112, 112, 0, PixelFormat.Rgba));
        }

        [Test]
        public void OffsetOutsideBuffer()
        {
            Fails(Status.InvalidImage, () => model.Score(new ImageView(new byte[100], -1, 2, 2, 0, PixelFormat.Gray)));
            Fails(Status.InvalidImage, () => model.Score(new ImageView(new byte[100], 101, 2, 2, 0, PixelFormat.Gray)));
        }

        [Test]
        public void UnknownPixelFormat() =>
            Fails(Status.InvalidImage, () => model.Score(new byte[112 * 112 * 4], 112, 112, 0, (PixelFormat)5));

        [Test]
        public void NaNLandmarks()
        {
            var f = Fixtures.TheFace;
            var lm = (float[])f.Landmarks.Clone();
            lm[3] = float.NaN;
            var e = Fails(Status.InvalidLandmarks, () => model.Score(f.View, lm));
            StringAssert.Contains("NaN", e.Message);
            lm[3] = float.PositiveInfinity;
            Fails(Status.InvalidLandmarks, () => model.Embed(f.View, lm));
        }

        [Test]
        public void LandmarksOutsideImage()
        {
            var f = Fixtures.TheFace;
            var lm = (float[])f.Landmarks.Clone();
            lm[0] = -5000f;
            Fails(Status.InvalidLandmarks, () => model.Score(f.View, lm));
        }

        [Test]
        public void LandmarksOfWrongLength()
        {
            var f = Fixtures.TheFace;
            Fails(Status.InvalidLandmarks, () => model.Score(f.View, new float[9]));
            Fails(Status.InvalidLandmarks, () => model.Score(f.View, new float[11]));
            Fails(Status.InvalidLandmarks, () => model.Embed(f.View, new float[0]));
        }

        [Test]
        public void UnalignedImageWithoutLandmarks() =>
            Fails(Status.InvalidImage, () => model.Score(Fixtures.TheFace.View));

        [Test]
        public void BatchArguments()
        {
            var f = Fixtures.TheFace;
            float[][] es;
            Fails(Status.NullArgument, () => model.ScoreBatch(null));
            Fails(Status.InvalidArgument, () => model.ScoreBatch(new ImageView[0]));
            Fails(Status.InvalidArgument, () => model.ScoreBatch(new ImageView[QualityModel.MaxBatch + 1]));
            Fails(Status.InvalidLandmarks, () => model.ScoreBatch(new[] { f.View, f.View }, new[] { f.Landmarks }));
            Fails(Status.NullArgument, () => model.ScoreBatch(new[] { f.View, f.View }, new[] { f.Landmarks, null }));
            Fails(Status.InvalidLandmarks, () => model.ScoreBatch(new[] { f.View }, new[] { new float[3] }, out es));
            var bad = new ImageView(new byte[10], f.Width, f.Height, 0, PixelFormat.Rgb);
            var e = Fails(Status.InvalidImage, () => model.ScoreBatch(new[] { f.View, bad }, new[] { f.Landmarks, f.Landmarks }));
            StringAssert.Contains("image 1", e.Message);
            var nan = (float[])f.Landmarks.Clone();
            nan[9] = float.NaN;
            e = Fails(Status.InvalidLandmarks, () => model.ScoreBatch(new[] { f.View, f.View }, new[] { f.Landmarks, nan }));
            StringAssert.Contains("image 1", e.Message);
        }

        [Test]
        public void BadOptions()
        {
            string p = Fixtures.ModelPath;
            Fails(Status.NullArgument, () => new QualityModel((QualityModelOptions)null));
            Fails(Status.NullArgument, () => new QualityModel((string)null));
            Fails(Status.NullArgument, () => new QualityModel(new QualityModelOptions()));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p, ModelData = new byte[1] }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p + "\0x" }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p, Samples = 1 }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p, Samples = -3 }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p, Dropout = 1.5f }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p, Mean = new float[2] }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p, ChannelOrder = (ChannelOrder)7 }));
        }

        [Test]
        public void OptionsReachTheLibrary()
        {
            var f = Fixtures.TheFace;
            var o = new QualityModelOptions { ModelPath = Fixtures.ModelPath, Samples = 20, Seed = 7, Alpha = 50, R = 0.5, MaxSessions = 1, IntraOpThreads = 1 };
            using (var m = new QualityModel(o))
            {
                Quality q = m.Score(f.View, f.Landmarks);
                Assert.That(q.S, Is.Not.EqualTo(Fixtures.Ref.S), "other samples/seed give another s");
                double expectedQ = 1.0 / (1.0 + Math.Exp(-50.0 * (q.S - 0.5)));
                Assert.That(q.Q, Is.EqualTo(expectedQ).Within(1e-5), "alpha and r set");
            }
        }

        // ---- (e) missing and corrupt models ---------------------------------------------

        [Test]
        public void MissingModel()
        {
            string missing = Path.Combine(Path.GetTempPath(), "serfiq-no-such-model-" + Guid.NewGuid() + ".onnx");
            var e = Fails(Status.ModelNotFound, () => new QualityModel(missing));
            StringAssert.Contains("serfiq-no-such-model", e.Message);
        }

        [Test]
        public void CorruptModelFile()
        {
            string path = Path.Combine(Path.GetTempPath(), "serfiq-corrupt-" + Guid.NewGuid() + ".onnx");
            var junk = new byte[4096];
            new Random(1).NextBytes(junk);
            File.WriteAllBytes(path, junk);
            try
            {
                Fails(Status.ModelInvalid, () => new QualityModel(path));
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Test]
        public void TruncatedAndEmptyModelBytes()
        {
            byte[] real = File.ReadAllBytes(Fixtures.ModelPath);
            var half = new byte[real.Length / 2];
            Array.Copy(real, half, half.Length);
            Fails(Status.ModelInvalid, () => new QualityModel(new QualityModelOptions { ModelData = half }));
            Fails(Status.ModelInvalid, () => new QualityModel(new QualityModelOptions { ModelData = new byte[0] }));
        }

        [Test]
        public void UnknownEmbeddingLayer() =>
            Fails(Status.EmbeddingLayerNotFound,
                  () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, EmbeddingLayer = "no_such_layer_ü" }));

        // ---- (f) ABI version and agreement with serfiq.h ----------------------------------

        [Test]
        public void QualityCarriesNormFusedAndPercentile()
        {
            var f = Fixtures.TheFace;
            using (var model = new QualityModel(Fixtures.ModelPath))
            {
                Quality q = model.ScoreEmbed(f.View, f.Landmarks, out float[] e);
                // n is the norm of the embedding layer's output: for the default model, of the embedding.
                double sum = 0;
                foreach (float v in e) sum += (double)v * v;
                Assert.That(q.N, Is.EqualTo(Math.Sqrt(sum)).Within(1e-5 * Math.Sqrt(sum)));
                Assert.That(float.IsNaN(q.F) || float.IsInfinity(q.F), Is.False);
                Assert.That(q.Q100, Is.InRange(0f, 100f));
                Quality alone = model.Score(f.View, f.Landmarks);
                Assert.That(alone.N, Is.EqualTo(q.N));
                Assert.That(alone.F, Is.EqualTo(q.F));
                Assert.That(alone.Q100, Is.EqualTo(q.Q100));
                Assert.That(model.Options.Q100Quality, Is.EqualTo(Q100Quality.F), "the default in use");
            }
        }

        [Test]
        public void Q100QualityOption()
        {
            var f = Fixtures.TheFace;
            var bySOptions = new QualityModelOptions { ModelPath = Fixtures.ModelPath, Q100Quality = Q100Quality.S };
            var badOptions = new QualityModelOptions { ModelPath = Fixtures.ModelPath, Q100Quality = (Q100Quality)7 };
            using (var byS = new QualityModel(bySOptions))
            using (var byF = new QualityModel(Fixtures.ModelPath))
            {
                Assert.That(byS.Options.Q100Quality, Is.EqualTo(Q100Quality.S));
                Quality s = byS.Score(f.View, f.Landmarks), d = byF.Score(f.View, f.Landmarks);
                Assert.That(s.S, Is.EqualTo(d.S));
                Assert.That(s.Q100, Is.Not.EqualTo(d.Q100), "percentiles of different qualities");
                var e = Fails(Status.InvalidArgument, () => new QualityModel(badOptions));
                StringAssert.Contains("q100_quality", e.Message);
            }
        }

        [Test]
        public void AbiVersionMatches()
        {
            Assert.That(QualityModel.AbiVersion, Is.EqualTo(QualityModel.BindingAbiVersion));
            Assert.That(QualityModel.BindingAbiVersion, Is.EqualTo(3u));
            Assert.DoesNotThrow(() => Native.CheckAbi(3));
            Fails(Status.AbiMismatch, () => Native.CheckAbi(2));
            var e = Fails(Status.AbiMismatch, () => Native.CheckAbi(1));
            StringAssert.StartsWith("SERFIQ_ERR_ABI_MISMATCH: ", e.Message);
            StringAssert.Contains("version 1", e.Message);
            Fails(Status.AbiMismatch, () => Native.CheckAbi(0));
            StringAssert.StartsWith("serfiq ", QualityModel.Version);
        }

        private static Dictionary<string, long> HeaderDefines()
        {
            var d = new Dictionary<string, long>();
            var re = new Regex(@"^#define\s+(SERFIQ_\w+)\s+(\d+)\s*$");
            foreach (string line in File.ReadAllLines(Path.Combine(Fixtures.IncludeDir, "serfiq.h")))
            {
                Match m = re.Match(line);
                if (m.Success) d[m.Groups[1].Value] = long.Parse(m.Groups[2].Value);
            }
            return d;
        }

        internal static string Pascal(string snake)
        {
            var sb = new System.Text.StringBuilder();
            foreach (string part in snake.Split('_'))
                if (part.Length > 0) sb.Append(part.Substring(0, 1).ToUpperInvariant()).Append(part.Substring(1).ToLowerInvariant());
            return sb.ToString();
        }

        [Test]
        public void EnumsAndConstantsMatchTheHeader()
        {
            var defs = HeaderDefines();
            Assert.That(defs["SERFIQ_ABI_VERSION"], Is.EqualTo((long)Native.AbiVersion));
            Assert.That(defs["SERFIQ_Q100_DEFAULT"], Is.EqualTo((long)Q100Quality.Default));
            Assert.That(defs["SERFIQ_Q100_S"], Is.EqualTo((long)Q100Quality.S));
            Assert.That(defs["SERFIQ_Q100_F"], Is.EqualTo((long)Q100Quality.F));
            Assert.That(defs["SERFIQ_MAX_BATCH"], Is.EqualTo((long)QualityModel.MaxBatch));
            Assert.That(defs["SERFIQ_MAX_IMAGE_SIDE"], Is.EqualTo((long)Native.MaxImageSide));
            Assert.That(defs["SERFIQ_LANDMARK_FLOATS"], Is.EqualTo((long)QualityModel.LandmarkFloats));
            Assert.That(defs["SERFIQ_MAX_FACES"], Is.EqualTo((long)QualityModel.MaxFaces));
            Assert.That(defs["SERFIQ_ERR_ABI_MISMATCH"], Is.EqualTo((long)Status.AbiMismatch));
            Assert.That(defs["SERFIQ_ERR_MODEL_DIGEST_MISMATCH"], Is.EqualTo((long)Status.ModelDigestMismatch));
            var checks = new[]
            {
                Tuple.Create(new Regex("^SERFIQ_(?:ERR_)?(OK|(?<=ERR_).+)$"), typeof(Status)),
                Tuple.Create(new Regex("^SERFIQ_PIXEL_(.+)$"), typeof(PixelFormat)),
                Tuple.Create(new Regex("^SERFIQ_CHANNELS_(.+)$"), typeof(ChannelOrder)),
                Tuple.Create(new Regex("^SERFIQ_FACE_(.+)$"), typeof(FacePolicy)),
                Tuple.Create(new Regex("^SERFIQ_PROVIDER_(.+)$"), typeof(ExecutionProvider)),
                Tuple.Create(new Regex("^SERFIQ_INPUT_(.+)$"), typeof(InputMode)),
            };
            foreach (var c in checks)
            {
                var fromHeader = new SortedDictionary<string, long>();
                foreach (var kv in defs)
                {
                    Match m = c.Item1.Match(kv.Key);
                    if (m.Success) fromHeader[Pascal(m.Groups[1].Value)] = kv.Value;
                }
                var fromEnum = new SortedDictionary<string, long>();
                foreach (object v in Enum.GetValues(c.Item2)) fromEnum[v.ToString()] = Convert.ToInt64(v);
                Assert.That(fromHeader.Count, Is.GreaterThan(1), c.Item2.Name);
                Assert.That(fromEnum, Is.EqualTo(fromHeader), c.Item2.Name + " vs serfiq.h");
            }
        }

        [Test]
        public void StatusNamesMatchTheLibrary()
        {
            foreach (Status s in Enum.GetValues(typeof(Status)))
                Assert.That(SerfiqException.NameOf(s), Is.EqualTo(Native.StatusName((uint)s)));
            Assert.That(Native.StatusName(9999), Is.EqualTo("SERFIQ_UNKNOWN_STATUS"));
        }

        /// <summary>test.sh's C probe: "sizeof T N", "offsetof T FIELD N", "SERFIQ_OPTIONS_SIZE_Vn N".</summary>
        internal static Dictionary<string, long> CLayout(out Dictionary<string, List<string>> fieldsOf)
        {
            var values = new Dictionary<string, long>();
            fieldsOf = new Dictionary<string, List<string>>();
            foreach (string line in File.ReadAllLines(Fixtures.LayoutPath))
            {
                string[] w = line.Split(' ');
                long v = long.Parse(w[w.Length - 1]);
                if (w[0] == "offsetof")
                {
                    if (!fieldsOf.ContainsKey(w[1])) fieldsOf[w[1]] = new List<string>();
                    fieldsOf[w[1]].Add(w[2]);
                    values[w[1] + "." + w[2]] = v;
                }
                else
                {
                    values[w[0] == "sizeof" ? "sizeof " + w[1] : w[0]] = v;
                }
            }
            return values;
        }

        /// <summary>The field names of a struct in serfiq.h, in order (what the probe must cover).</summary>
        internal static List<string> HeaderFields(string cName)
        {
            var names = new List<string>();
            var field = new Regex(@"^\s*[\w\s]+?[\s\*]+(\w+)(?:\[\w+\])?;\s*$");
            bool inside = false;
            foreach (string line in File.ReadAllLines(Path.Combine(Fixtures.IncludeDir, "serfiq.h")))
            {
                string t = line.Trim();
                if (t == "typedef struct " + cName + " {") { inside = true; continue; }
                if (!inside) continue;
                if (t == "} " + cName + ";") return names;
                if (t.StartsWith("/*") || t.StartsWith("*")) continue;
                Match m = field.Match(line);
                if (m.Success) names.Add(m.Groups[1].Value);
            }
            throw new InvalidDataException("serfiq.h has no complete struct " + cName);
        }

        internal static string Render(SortedDictionary<string, long> offsets)
        {
            var parts = new List<string>();
            foreach (var kv in offsets) parts.Add(kv.Key + "@" + kv.Value);
            return string.Join(" ", parts);
        }

        [Test]
        public unsafe void StructLayoutsMatchC()
        {
            Dictionary<string, List<string>> fieldsOf;
            var c = CLayout(out fieldsOf);
            var structs = new[]
            {
                Tuple.Create("serfiq_options", typeof(NativeOptions)),
                Tuple.Create("serfiq_image", typeof(NativeImage)),
                Tuple.Create("serfiq_quality", typeof(NativeQuality)),
                Tuple.Create("serfiq_face", typeof(NativeFace)),
                Tuple.Create("serfiq_components", typeof(NativeComponents)),
            };
            foreach (var st in structs)
            {
                string cName = st.Item1;
                Type type = st.Item2;
                Assert.That(fieldsOf[cName], Is.EqualTo(HeaderFields(cName)), cName + ": the probe covers every field of serfiq.h");
                Assert.That(Marshal.SizeOf(type), Is.EqualTo(c["sizeof " + cName]), "sizeof " + cName);
                // Every C field at the C offset; C arrays of the options (mean, std) are 3 C# floats.
                var expected = new SortedDictionary<string, long>();
                foreach (string f in fieldsOf[cName])
                {
                    long off = c[cName + "." + f];
                    if (type == typeof(NativeOptions) && (f == "mean" || f == "std"))
                        for (int k = 0; k < 3; k++) expected[Pascal(f) + k] = off + 4 * k;
                    else
                        expected[Pascal(f)] = off;
                }
                var actual = new SortedDictionary<string, long>();
                foreach (var fi in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public))
                    actual[fi.Name] = Marshal.OffsetOf(type, fi.Name).ToInt64();
                Assert.That(Render(actual), Is.EqualTo(Render(expected)), cName + ": C# fields and offsets vs the C compiler's");
            }
            Assert.That(Native.OptionsSizeV1, Is.EqualTo(c["SERFIQ_OPTIONS_SIZE_V1"]), "SERFIQ_OPTIONS_SIZE_V1");
            Assert.That(Native.OptionsSizeV2, Is.EqualTo(c["SERFIQ_OPTIONS_SIZE_V2"]), "SERFIQ_OPTIONS_SIZE_V2");
            Assert.That(Native.OptionsSizeV3, Is.EqualTo(c["SERFIQ_OPTIONS_SIZE_V3"]), "SERFIQ_OPTIONS_SIZE_V3");
            Assert.That(Native.OptionsSizeV4, Is.EqualTo(c["SERFIQ_OPTIONS_SIZE_V4"]), "SERFIQ_OPTIONS_SIZE_V4");
            Assert.That(Native.OptionsSizeV5, Is.EqualTo(c["SERFIQ_OPTIONS_SIZE_V5"]), "SERFIQ_OPTIONS_SIZE_V5");
            Assert.That(Native.OptionsSizeV6, Is.EqualTo(c["SERFIQ_OPTIONS_SIZE_V6"]), "SERFIQ_OPTIONS_SIZE_V6");
            Assert.That(sizeof(NativeOptions), Is.EqualTo(Native.OptionsSizeV6), "blittable size = marshalled size");
            Assert.That(sizeof(NativeComponents), Is.EqualTo(Marshal.SizeOf<NativeComponents>()));
            Assert.That(sizeof(NativeFace), Is.EqualTo(Marshal.SizeOf<NativeFace>()));

            NativeOptions o;
            Assert.That(Native.serfiq_options_init(&o, new UIntPtr((uint)sizeof(NativeOptions))), Is.EqualTo(0u));
            Assert.That(o.StructSize.ToUInt64(), Is.EqualTo((ulong)sizeof(NativeOptions)));
            Assert.That(o.Samples, Is.EqualTo(100u));
            Assert.That(o.Dropout, Is.EqualTo(0.5f));
            Assert.That(o.Mean0, Is.EqualTo(127.5f));
            Assert.That(o.Std2, Is.EqualTo(128f));
            Assert.That(o.ModelSha256, Is.EqualTo(IntPtr.Zero));
            Assert.That(o.DetectorPath, Is.EqualTo(IntPtr.Zero));
            Assert.That(o.DetectorThreshold, Is.EqualTo(0.9f));
            Assert.That(o.FacePolicy, Is.EqualTo((uint)FacePolicy.Largest));
            Assert.That(o.ExecutionProvider, Is.EqualTo((uint)ExecutionProvider.Cpu));
            Assert.That(o.CudaLibraryPath, Is.EqualTo(IntPtr.Zero));
            Assert.That(o.MaxModelBytes, Is.EqualTo(1UL << 30));
            Assert.That(o.DetectorSha256, Is.EqualTo(IntPtr.Zero));
            Assert.That(o.SearchPaths, Is.EqualTo((uint)SearchPaths.Default));
        }

        [Test]
        public unsafe void OptionsInitWritesNoMoreThanTheGivenSize()
        {
            const int Room = 320;
            byte* buf = stackalloc byte[Room];
            for (int i = 0; i < Room; i++) buf[i] = 0xAA;
            int size = sizeof(NativeOptions);
            Assert.That(Native.serfiq_options_init((NativeOptions*)buf, new UIntPtr((uint)size)), Is.EqualTo(0u));
            Assert.That(((NativeOptions*)buf)->StructSize.ToUInt64(), Is.EqualTo((ulong)size));
            for (int i = size; i < Room; i++)
                Assert.That(buf[i], Is.EqualTo((byte)0xAA), "byte " + i + " past the given size was written");
            // A caller built against an older header (V1, V2, V3) gets exactly its bytes written.
            foreach (int older in new[] { Native.OptionsSizeV1, Native.OptionsSizeV2, Native.OptionsSizeV3 })
            {
                for (int i = 0; i < Room; i++) buf[i] = 0xAA;
                Assert.That(Native.serfiq_options_init((NativeOptions*)buf, new UIntPtr((uint)older)), Is.EqualTo(0u), "size " + older);
                Assert.That(((NativeOptions*)buf)->StructSize.ToUInt64(), Is.EqualTo((ulong)older));
                for (int i = older; i < Room; i++)
                    Assert.That(buf[i], Is.EqualTo((byte)0xAA), "size " + older + ": byte " + i + " was written");
            }
            // Sizes outside SERFIQ_OPTIONS_SIZE_V1..=the library's own are refused without writing.
            for (int i = 0; i < Room; i++) buf[i] = 0xAA;
            foreach (uint bad in new uint[] { 0, (uint)Native.OptionsSizeV1 - 8, (uint)Room })
            {
                uint status = Native.serfiq_options_init((NativeOptions*)buf, new UIntPtr(bad));
                Assert.That((Status)status, Is.EqualTo(Status.OptionsSize), "size " + bad);
                StringAssert.Contains("struct_size is " + bad, Native.LastError());
            }
            for (int i = 0; i < Room; i++)
                Assert.That(buf[i], Is.EqualTo((byte)0xAA), "a refused serfiq_options_init wrote byte " + i);
        }

        // ---- (g) model_sha256 -----------------------------------------------------------

        /// <summary>SHA-256 of the model file, computed here (not by libserfiq), as lower-case hex.</summary>
        private static string ModelSha256Hex()
        {
            byte[] digest;
            using (var sha = System.Security.Cryptography.SHA256.Create())
            using (var file = File.OpenRead(Fixtures.ModelPath))
                digest = sha.ComputeHash(file);
            var sb = new System.Text.StringBuilder(64);
            foreach (byte b in digest) sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        [Test]
        public void RightModelSha256Loads()
        {
            var f = Fixtures.TheFace;
            string hex = ModelSha256Hex();
            Assert.That(hex.Length, Is.EqualTo(64));
            using (var m = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, ModelSha256 = hex }))
            {
                float[] embedding;
                AssertMatchesReference(m.ScoreEmbed(f.View, f.Landmarks, out embedding), embedding);
            }
            // Either case; and the digest also covers ModelData.
            using (var m = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, ModelSha256 = hex.ToUpperInvariant() }))
                AssertMatchesReference(m.Score(f.View, f.Landmarks), null);
            using (var m = new QualityModel(new QualityModelOptions { ModelData = File.ReadAllBytes(Fixtures.ModelPath), ModelSha256 = hex }))
                AssertMatchesReference(m.Score(f.View, f.Landmarks), null);
        }

        [Test]
        public void WrongModelSha256()
        {
            string hex = ModelSha256Hex();
            // The right digest with its last digit changed.
            string wrong = hex.Substring(0, 63) + (hex[63] == '0' ? '1' : '0');
            var e = Fails(Status.ModelDigestMismatch,
                          () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, ModelSha256 = wrong }));
            StringAssert.StartsWith("SERFIQ_ERR_MODEL_DIGEST_MISMATCH: ", e.Message);
            StringAssert.Contains(hex, e.Message);
            Fails(Status.ModelDigestMismatch,
                  () => new QualityModel(new QualityModelOptions { ModelData = File.ReadAllBytes(Fixtures.ModelPath), ModelSha256 = new string('0', 64) }));
        }

        [Test]
        public void MalformedModelSha256()
        {
            string p = Fixtures.ModelPath;
            string hex = ModelSha256Hex();
            foreach (string bad in new[] { "", "abc123", hex.Substring(0, 63), hex + "0", new string('g', 64),
                                           " " + hex.Substring(1), hex.Substring(0, 62) + "\u00e9" })
            {
                var e = Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p, ModelSha256 = bad }));
                StringAssert.Contains("model_sha256", e.Message, "'" + bad + "'");
            }
            // A NUL is caught by the binding before C sees the string.
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = p, ModelSha256 = hex.Substring(0, 63) + "\0" }));
        }
    }
}
