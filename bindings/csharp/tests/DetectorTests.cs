using System;
using System.Collections.Generic;
using System.IO;
using NUnit.Framework;

namespace Serfiq.Tests
{
    /// <summary>
    /// What came with the detector and the later C API: whole photos (DetectScore and the single-face
    /// calls without landmarks), per-image batches, aligned crops, options read back, the provider
    /// and the live-model count. Expected values come from photo.reference / face.reference (the C
    /// API) or from the library's own getters.
    /// </summary>
    [TestFixture]
    public class DetectorTests
    {
        private const double Tolerance = 1e-6;
        private QualityModel withDetector, plain;

        [TestFixtureSetUp]
        public void LoadModels()
        {
            withDetector = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath });
            plain = new QualityModel(Fixtures.ModelPath);
        }

        [TestFixtureTearDown]
        public void FreeModels()
        {
            withDetector?.Dispose();
            plain?.Dispose();
        }

        private static void Near(float[] got, float[] want, string what)
        {
            Assert.That(got, Is.Not.Null, what);
            Assert.That(got.Length, Is.EqualTo(want.Length), what + " length");
            for (int i = 0; i < want.Length; i++)
                Assert.That(got[i], Is.EqualTo(want[i]).Within(Tolerance), what + "[" + i + "]");
        }

        private static void Near(Quality got, Quality want, string what)
        {
            Assert.That(got.S, Is.EqualTo(want.S).Within(Tolerance), what + " s");
            Assert.That(got.Q, Is.EqualTo(want.Q).Within(Tolerance), what + " q");
        }

        private static void MatchesPhotoReference(DetectedFace[] faces, bool embeddings)
        {
            Fixtures.PhotoFace[] want = Fixtures.Photo;
            Assert.That(want.Length, Is.GreaterThan(0), "photo.reference has faces");
            Assert.That(faces.Length, Is.EqualTo(want.Length), "faces");
            for (int i = 0; i < want.Length; i++)
            {
                string w = "face " + i;
                Near(faces[i].Box, want[i].Box, w + " box");
                Near(faces[i].Landmarks, want[i].Landmarks, w + " landmarks");
                Assert.That(faces[i].Confidence, Is.EqualTo(want[i].Confidence).Within(Tolerance), w + " confidence");
                Near(faces[i].Quality, new Quality(want[i].S, want[i].Q), w);
                if (embeddings) Near(faces[i].Embedding, want[i].Embedding, w + " embedding");
                else Assert.That(faces[i].Embedding, Is.Null, w + ": no embedding asked for");
            }
        }

        private static SerfiqException Fails(Status expected, TestDelegate call)
        {
            var e = Assert.Throws<SerfiqException>(call);
            Assert.That(e.Status, Is.EqualTo(expected), e.Message);
            Assert.That(e.Message, Is.StringStarting(e.StatusName + ": "));
            return e;
        }

        // ---- whole photos ------------------------------------------------------------------

        [Test]
        public void DetectScoreMatchesPhotoReference()
        {
            ImageView photo = Fixtures.TheFace.View;
            MatchesPhotoReference(withDetector.DetectScore(photo, embeddings: true), true);
            MatchesPhotoReference(withDetector.DetectScore(photo), false);
            // Another pixel layout of the same photo finds the same faces.
            MatchesPhotoReference(withDetector.DetectScore(Fixtures.PaddedBgr(Fixtures.TheFace, 5, 3), true), true);
        }

        [Test]
        public void SingleFaceCallsOnThePhotoScoreTheFirstFace()
        {
            ImageView photo = Fixtures.TheFace.View;
            Fixtures.PhotoFace first = Fixtures.Photo[0];
            var want = new Quality(first.S, first.Q);
            Near(withDetector.Score(photo), want, "Score");
            Near(withDetector.Embed(photo), first.Embedding, "Embed");
            float[] embedding;
            Near(withDetector.ScoreEmbed(photo, null, out embedding), want, "ScoreEmbed");
            Near(embedding, first.Embedding, "ScoreEmbed embedding");
        }

        [Test]
        public void PhotoWithoutAFace()
        {
            ImageView noface = Fixtures.NoFace;
            var e = Fails(Status.NoFace, () => withDetector.Score(noface));
            Assert.That(e.StatusName, Is.EqualTo("SERFIQ_ERR_NO_FACE"));
            Fails(Status.NoFace, () => withDetector.Embed(noface));
            Fails(Status.NoFace, () => withDetector.AlignedCrop(noface));
            Assert.That(withDetector.DetectScore(noface), Is.Empty);
            Assert.That(withDetector.DetectScore(noface, true), Is.Empty);
        }

        [Test]
        public void WithoutADetector()
        {
            Fails(Status.InvalidArgument, () => plain.DetectScore(Fixtures.TheFace.View));
            Fails(Status.InvalidImage, () => plain.Score(Fixtures.TheFace.View));
            Assert.That(plain.Options.DetectorPath, Is.Null);
        }

        [Test]
        public void DetectorFromBytes()
        {
            var o = new QualityModelOptions { ModelPath = Fixtures.ModelPath, DetectorData = File.ReadAllBytes(Fixtures.DetectorPath) };
            using (var m = new QualityModel(o))
            {
                MatchesPhotoReference(m.DetectScore(Fixtures.TheFace.View, true), true);
                Assert.That(m.Options.DetectorPath, Is.Null, "bytes are not kept");
                Assert.That(m.Options.DetectorData, Is.Null);
            }
            Fails(Status.ModelInvalid, () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, DetectorData = new byte[0] }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorData = new byte[1],
            }));
            string missing = Path.Combine(Path.GetTempPath(), "serfiq-no-such-detector-" + Guid.NewGuid() + ".onnx");
            Fails(Status.ModelNotFound, () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, DetectorPath = missing }));
        }

        // ---- what an image is: InputMode ---------------------------------------------------

        /// <summary>A grey image of exactly the input size: Auto and Crop score it as an aligned crop (the same
        /// s), Photo searches it and finds no face; Crop refuses another size; Photo needs a detector.</summary>
        [Test]
        public void SameSizedImageAsCropAndAsPhoto()
        {
            int w = plain.InputWidth, h = plain.InputHeight;
            var greyPixels = new byte[w * h * 3];
            for (int i = 0; i < greyPixels.Length; i++) greyPixels[i] = 128;
            ImageView grey = ImageView.Packed(greyPixels, w, h, PixelFormat.Rgb);
            Assert.That(withDetector.Options.InputMode, Is.EqualTo(InputMode.Auto));
            using (var crop = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, InputMode = InputMode.Crop }))
            using (var photo = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, InputMode = InputMode.Photo }))
            {
                Assert.That(crop.Options.InputMode, Is.EqualTo(InputMode.Crop));
                Assert.That(photo.Options.InputMode, Is.EqualTo(InputMode.Photo));
                Quality asCrop = crop.Score(grey);
                Assert.That(asCrop.S, Is.GreaterThan(0f));
                Near(withDetector.Score(grey), asCrop, "auto = crop");
                Fails(Status.NoFace, () => photo.Score(grey));
                Assert.That(photo.DetectScore(grey), Is.Empty);
                Near(photo.Score(Fixtures.TheFace.View), withDetector.Score(Fixtures.TheFace.View), "photo = auto on a photo");
                Fails(Status.InvalidImage, () => crop.Score(Fixtures.TheFace.View));
            }
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, InputMode = InputMode.Photo }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, InputMode = (InputMode)3,
            }));
        }

        [Test]
        public void DetectorMaxSideDefaultRangeAndOff()
        {
            Assert.That(withDetector.Options.DetectorMaxSide, Is.EqualTo(640));
            using (var off = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorMaxSide = 32768 }))
            {
                Assert.That(off.Options.DetectorMaxSide, Is.EqualTo(32768));
                DetectedFace[] full = off.DetectScore(Fixtures.TheFace.View);
                Assert.That(full.Length, Is.EqualTo(Fixtures.Photo.Length));
                for (int i = 0; i < QualityModel.LandmarkFloats; i++)
                    Assert.That(full[0].Landmarks[i], Is.EqualTo(Fixtures.Photo[0].Landmarks[i]).Within(1.0), "landmark " + i + " within a pixel");
            }
            foreach (int bad in new[] { 1, 31, 32769 })
                Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions
                {
                    ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorMaxSide = bad,
                }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorMaxSide = -1,
            }));
        }

        // ---- the detector's options, by behaviour -----------------------------------------

        [Test]
        public void DetectorThresholdAboveTheFacesConfidence()
        {
            float confidence = Fixtures.Photo[0].Confidence;
            float above = (confidence + 1f) / 2f;
            Assume.That(above, Is.GreaterThan(confidence).And.LessThan(1f));
            using (var m = new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorThreshold = above,
            }))
            {
                Assert.That(m.DetectScore(Fixtures.TheFace.View), Is.Empty);
                Fails(Status.NoFace, () => m.Score(Fixtures.TheFace.View));
            }
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorThreshold = 1f,
            }));
        }

        /// <summary>
        /// A canvas with the photo at full size in the top-left corner and a half-size copy whose face
        /// sits at the canvas centre: the largest face and the most central one differ.
        /// </summary>
        private static ImageView TwoFaces()
        {
            var f = Fixtures.TheFace;
            Fixtures.PhotoFace face = Fixtures.Photo[0];
            int hw = f.Width / 2, hh = f.Height / 2;
            int cw = 3 * f.Width, ch = 2 * f.Height;
            var rgb = new byte[cw * ch * 3];
            for (int i = 0; i < rgb.Length; i++) rgb[i] = 128;
            for (int y = 0; y < f.Height; y++)
                Buffer.BlockCopy(f.Rgb, y * f.Width * 3, rgb, y * cw * 3, f.Width * 3);
            // The half-size copy (2x2 means), placed so that its face centre is the canvas centre.
            int ox = cw / 2 - (int)((face.Box[0] + face.Box[2]) / 4), oy = ch / 2 - (int)((face.Box[1] + face.Box[3]) / 4);
            Assume.That(ox, Is.GreaterThan(f.Width), "the copies do not overlap");
            for (int y = 0; y < hh; y++)
                for (int x = 0; x < hw; x++)
                    for (int k = 0; k < 3; k++)
                    {
                        int sum = 0;
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++)
                                sum += f.Rgb[((2 * y + dy) * f.Width + 2 * x + dx) * 3 + k];
                        rgb[((oy + y) * cw + ox + x) * 3 + k] = (byte)((sum + 2) / 4);
                    }
            return ImageView.Packed(rgb, cw, ch, PixelFormat.Rgb);
        }

        private static float Area(DetectedFace f) => (f.Box[2] - f.Box[0]) * (f.Box[3] - f.Box[1]);

        private static float CentreDistance(DetectedFace f, ImageView image)
        {
            float dx = (f.Box[0] + f.Box[2]) / 2 - image.Width / 2f, dy = (f.Box[1] + f.Box[3]) / 2 - image.Height / 2f;
            return (float)Math.Sqrt(dx * dx + dy * dy);
        }

        [Test]
        public void FacePolicyPicksTheFace()
        {
            ImageView canvas = TwoFaces();
            var byPolicy = new Dictionary<FacePolicy, DetectedFace[]>();
            var scored = new Dictionary<FacePolicy, Quality>();
            foreach (FacePolicy policy in new[] { FacePolicy.Largest, FacePolicy.MostCentral })
                using (var m = new QualityModel(new QualityModelOptions
                {
                    ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, FacePolicy = policy,
                }))
                {
                    Assert.That(m.Options.FacePolicy, Is.EqualTo(policy));
                    byPolicy[policy] = m.DetectScore(canvas);
                    scored[policy] = m.Score(canvas);
                }
            DetectedFace[] largest = byPolicy[FacePolicy.Largest], central = byPolicy[FacePolicy.MostCentral];
            Assert.That(largest.Length, Is.EqualTo(2), "both faces found");
            Assert.That(central.Length, Is.EqualTo(2), "both faces found");
            Assert.That(Area(largest[0]), Is.GreaterThan(Area(largest[1])), "Largest: the bigger face first");
            Assert.That(CentreDistance(central[0], canvas), Is.LessThan(CentreDistance(central[1], canvas)),
                        "MostCentral: the central face first");
            Assert.That(central[0].Box, Is.EqualTo(largest[1].Box), "the two policies order the same two faces");
            // The single-face call scores element 0, so the policies give different scores.
            Near(scored[FacePolicy.Largest], largest[0].Quality, "Largest: Score = DetectScore()[0]");
            Near(scored[FacePolicy.MostCentral], central[0].Quality, "MostCentral: Score = DetectScore()[0]");
            Assert.That(scored[FacePolicy.MostCentral].S, Is.Not.EqualTo(scored[FacePolicy.Largest].S));
        }

        // ---- per-image batches ----------------------------------------------------------

        [Test]
        public void BatchEachWithABadImage()
        {
            var f = Fixtures.TheFace;
            var nan = (float[])f.Landmarks.Clone();
            nan[4] = float.NaN;
            ImageView padded = Fixtures.PaddedBgr(f, 11, 7);
            var images = new[] { f.View, f.View, padded };
            BatchResult[] r = plain.ScoreBatchEach(images, new[] { f.Landmarks, nan, f.Landmarks }, embeddings: true);
            Assert.That(r.Length, Is.EqualTo(3));
            Assert.That(r[1].Status, Is.EqualTo(Status.InvalidLandmarks));
            Assert.That(r[1].IsOk, Is.False);
            StringAssert.StartsWith("image 1: ", r[1].Message);
            Assert.That(r[1].Quality, Is.Null);
            Assert.That(r[1].Embedding, Is.Null);
            for (int i = 0; i < 3; i += 2)
            {
                Assert.That(r[i].Status, Is.EqualTo(Status.Ok), r[i].Message);
                Assert.That(r[i].IsOk, Is.True);
                Assert.That(r[i].Message, Is.EqualTo(""));
                float[] alone;
                Quality q = plain.ScoreEmbed(images[i], f.Landmarks, out alone);
                Near(r[i].Quality.Value, q, "image " + i);
                Near(r[i].Embedding, alone, "image " + i + " embedding");
                Near(r[i].Quality.Value, new Quality(Fixtures.Ref.S, Fixtures.Ref.Q), "image " + i + " vs face.reference");
            }
            BatchResult[] noEmbeddings = plain.ScoreBatchEach(images, new[] { f.Landmarks, nan, f.Landmarks });
            Assert.That(noEmbeddings[0].Embedding, Is.Null);
            Near(noEmbeddings[0].Quality.Value, r[0].Quality.Value, "without embeddings");
        }

        [Test]
        public void BatchEachWithoutLandmarks()
        {
            // An aligned crop, a photo for the detector, a photo without a face, one too small for any face.
            var crop = ImageView.Packed(withDetector.AlignedCrop(Fixtures.TheFace.View, Fixtures.TheFace.Landmarks), 112, 112, PixelFormat.Rgb);
            var images = new[] { crop, Fixtures.TheFace.View, Fixtures.NoFace };
            BatchResult[] r = withDetector.ScoreBatchEach(images, null, true);
            Assert.That(r[0].Status, Is.EqualTo(Status.Ok), r[0].Message);
            Near(r[0].Quality.Value, withDetector.Score(crop), "crop");
            Assert.That(r[1].Status, Is.EqualTo(Status.Ok), r[1].Message);
            Near(r[1].Quality.Value, new Quality(Fixtures.Photo[0].S, Fixtures.Photo[0].Q), "photo vs photo.reference");
            Near(r[1].Embedding, Fixtures.Photo[0].Embedding, "photo embedding vs photo.reference");
            Assert.That(r[2].Status, Is.EqualTo(Status.NoFace));
            StringAssert.StartsWith("image 2: ", r[2].Message);
            // Without a detector the photo is a wrong-size image.
            BatchResult[] p = plain.ScoreBatchEach(images);
            Assert.That(p[0].Status, Is.EqualTo(Status.Ok));
            Assert.That(p[1].Status, Is.EqualTo(Status.InvalidImage));
            StringAssert.StartsWith("image 1: ", p[1].Message);
            Assert.That(p[2].Status, Is.EqualTo(Status.InvalidImage));
        }

        [Test]
        public void BatchEachImagesTheBindingRejects()
        {
            var f = Fixtures.TheFace;
            var shortBuffer = new ImageView(new byte[10], f.Width, f.Height, 0, PixelFormat.Rgb);
            BatchResult[] r = plain.ScoreBatchEach(new[] { shortBuffer, f.View, f.View }, new[] { f.Landmarks, f.Landmarks, new float[3] });
            Assert.That(r[0].Status, Is.EqualTo(Status.InvalidImage));
            StringAssert.StartsWith("image 0: ", r[0].Message);
            Assert.That(r[1].Status, Is.EqualTo(Status.Ok), r[1].Message);
            Near(r[1].Quality.Value, new Quality(Fixtures.Ref.S, Fixtures.Ref.Q), "image 1");
            Assert.That(r[2].Status, Is.EqualTo(Status.InvalidLandmarks));
            StringAssert.StartsWith("image 2: ", r[2].Message);
            BatchResult[] n = plain.ScoreBatchEach(new[] { f.View, f.View }, new[] { null, f.Landmarks });
            Assert.That(n[0].Status, Is.EqualTo(Status.NullArgument));
            Assert.That(n[1].Status, Is.EqualTo(Status.Ok), n[1].Message);
        }

        [Test]
        public void BatchEachCallErrors()
        {
            var f = Fixtures.TheFace;
            Fails(Status.NullArgument, () => plain.ScoreBatchEach(null));
            Fails(Status.InvalidArgument, () => plain.ScoreBatchEach(new ImageView[0]));
            Fails(Status.InvalidArgument, () => plain.ScoreBatchEach(new ImageView[QualityModel.MaxBatch + 1]));
            Fails(Status.InvalidLandmarks, () => plain.ScoreBatchEach(new[] { f.View, f.View }, new[] { f.Landmarks }));
        }

        // ---- aligned crops ----------------------------------------------------------------

        [Test]
        public void AlignedCropIsWhatTheModelScores()
        {
            var f = Fixtures.TheFace;
            byte[] rgb = plain.AlignedCrop(f.View, f.Landmarks);
            Assert.That(rgb.Length, Is.EqualTo(plain.InputWidth * plain.InputHeight * 3));
            var crop = ImageView.Packed(rgb, plain.InputWidth, plain.InputHeight, PixelFormat.Rgb);
            // The crop is rounded to 8 bits where scoring samples the photo in float: near, not equal.
            Quality fromCrop = plain.Score(crop);
            Assert.That(fromCrop.S, Is.EqualTo(Fixtures.Ref.S).Within(1e-3), "the crop scored as an aligned image");
            Assert.That(fromCrop.Q, Is.EqualTo(Fixtures.Ref.Q).Within(1e-2), "the crop scored as an aligned image");
            // BGR is the same crop with its channels swapped; a crop of a crop is the crop.
            byte[] bgr = plain.AlignedCrop(f.View, f.Landmarks, PixelFormat.Bgr);
            for (int i = 0; i < rgb.Length; i += 3)
                Assert.That(new[] { bgr[i + 2], bgr[i + 1], bgr[i] }, Is.EqualTo(new[] { rgb[i], rgb[i + 1], rgb[i + 2] }), "pixel " + i / 3);
            Assert.That(plain.AlignedCrop(crop), Is.EqualTo(rgb));
            // Through the detector: the crop of the first face, aligned by its detected landmarks.
            DetectedFace first = withDetector.DetectScore(f.View)[0];
            Assert.That(withDetector.AlignedCrop(f.View), Is.EqualTo(withDetector.AlignedCrop(f.View, first.Landmarks)));
            Fails(Status.InvalidArgument, () => plain.AlignedCrop(f.View, f.Landmarks, PixelFormat.Gray));
            Fails(Status.InvalidImage, () => plain.AlignedCrop(f.View));
        }

        // ---- options read back ----------------------------------------------------------

        [Test]
        public void DefaultOptionsReadBack()
        {
            QualityModelOptions o = plain.Options;
            Assert.That(o.ModelPath, Is.EqualTo(Fixtures.ModelPath));
            Assert.That(o.ModelData, Is.Null);
            Assert.That(o.DetectorPath, Is.Null);
            Assert.That(o.EmbeddingLayer, Is.Null);
            Assert.That(o.ModelSha256, Is.Null);
            Assert.That(o.CudaLibraryPath, Is.Null);
            // The rest equal serfiq_options_init's defaults, except alpha and r: the values in use.
            NativeOptions d = DefaultsFromC();
            Assert.That(o.Samples, Is.EqualTo((int)d.Samples));
            Assert.That(o.Dropout, Is.EqualTo(d.Dropout));
            Assert.That(o.Seed, Is.EqualTo(d.Seed));
            Assert.That(double.IsNaN(d.Alpha) && double.IsNaN(d.R), "C defaults alpha and r to NaN (model or default)");
            Assert.That(double.IsNaN(o.Alpha.Value), Is.False, "alpha in use");
            Assert.That(double.IsNaN(o.R.Value), Is.False, "r in use");
            double expectedQ = 1.0 / (1.0 + Math.Exp(-o.Alpha.Value * (Fixtures.Ref.S - o.R.Value)));
            Assert.That(Fixtures.Ref.Q, Is.EqualTo(expectedQ).Within(1e-5), "alpha and r are the ones q was computed with");
            Assert.That(o.ChannelOrder, Is.EqualTo((ChannelOrder)d.ChannelOrder));
            Assert.That(o.Mean, Is.EqualTo(new[] { d.Mean0, d.Mean1, d.Mean2 }));
            Assert.That(o.Std, Is.EqualTo(new[] { d.Std0, d.Std1, d.Std2 }));
            Assert.That(o.IntraOpThreads, Is.EqualTo((int)d.IntraOpThreads));
            Assert.That(o.FacePolicy, Is.EqualTo((FacePolicy)d.FacePolicy));
            Assert.That(o.DetectorThreshold, Is.EqualTo(d.DetectorThreshold));
            Assert.That(o.ExecutionProvider, Is.EqualTo((ExecutionProvider)d.ExecutionProvider));
            Assert.That(o.DeviceId, Is.EqualTo(d.DeviceId));
            Assert.That(o.GpuFallback, Is.EqualTo(d.GpuFallback != 0));
            Assert.That(o.MaxModelBytes, Is.EqualTo(1UL << 30), "the limit in use");
            Assert.That(o.DetectorSha256, Is.Null);
            Assert.That(o.SearchPaths, Is.EqualTo(SearchPaths.Default));
            Assert.That(withDetector.Options.DetectorPath, Is.EqualTo(Fixtures.DetectorPath));
        }

        private static unsafe NativeOptions DefaultsFromC()
        {
            NativeOptions d;
            Assert.That(Native.serfiq_options_init(&d, new UIntPtr((uint)sizeof(NativeOptions))), Is.EqualTo(0u));
            return d;
        }

        [Test]
        public void EveryOptionRoundTrips()
        {
            string sha = Sha256Hex(Fixtures.ModelPath);
            string cudaDir = Path.GetTempPath();
            var set = new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath,
                OrtLibraryPath = Fixtures.OrtLibraryPath,
                EmbeddingLayer = "Conv_94", // the default model's embedding layer (`serfiq info`)
                Samples = 23,
                Dropout = 0.375f,
                Seed = 0xFEEDFACE12345678UL,
                Alpha = 61.5,
                R = 0.52,
                ChannelOrder = ChannelOrder.Bgr,
                Mean = new[] { 120f, 121.5f, 123f },
                Std = new[] { 60f, 61f, 62.5f },
                IntraOpThreads = 2,
                MaxSessions = 3,
                ModelSha256 = sha,
                DetectorPath = Fixtures.DetectorPath,
                FacePolicy = FacePolicy.MostCentral,
                DetectorThreshold = 0.625f,
                // CUDA with the fallback: created on any machine; the device id and the CUDA folder are kept as given.
                ExecutionProvider = ExecutionProvider.Cuda,
                DeviceId = 0,
                GpuFallback = true,
                CudaLibraryPath = cudaDir,
                MaxModelBytes = 50000000,
                DetectorSha256 = Sha256Hex(Fixtures.DetectorPath),
                SearchPaths = SearchPaths.ExplicitOnly, // every library has its path here
                InputMode = InputMode.Photo,
                DetectorMaxSide = 800,
                Q100Quality = Q100Quality.S,
                QualityNetPath = Fixtures.Env("SERFIQ_CSHARP_QUALITY_NET"),
                QualityNetSha256 = Sha256Hex(Fixtures.Env("SERFIQ_CSHARP_QUALITY_NET")),
                QualityNetSpec = "side=96;layout=nhwc;channels=rgb;mean=128;std=128",
            };
            using (var m = new QualityModel(set))
            {
                QualityModelOptions got = m.Options;
                foreach (var p in typeof(QualityModelOptions).GetProperties())
                {
                    object want = p.GetValue(set), have = p.GetValue(got);
                    if (p.Name == "ModelData" || p.Name == "DetectorData") Assert.That(have, Is.Null, p.Name);
                    else Assert.That(have, Is.EqualTo(want), p.Name);
                }
                Assert.That(got.Samples, Is.EqualTo(23));
                // And they act: T, p, seed, alpha and r give another s and q = logistic(alpha, r).
                Quality q = m.Score(Fixtures.TheFace.View, Fixtures.TheFace.Landmarks);
                Assert.That(q.S, Is.Not.EqualTo(Fixtures.Ref.S));
                Assert.That(q.Q, Is.EqualTo(1.0 / (1.0 + Math.Exp(-61.5 * (q.S - 0.52)))).Within(1e-5));
            }
        }

        [Test]
        public void DeviceIdAndDefaultsOfTheGpuOptions()
        {
            using (var m = new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, ExecutionProvider = ExecutionProvider.Cuda, DeviceId = 7, GpuFallback = true,
            }))
            {
                Assert.That(m.Options.ExecutionProvider, Is.EqualTo(ExecutionProvider.Cuda), "the provider asked for");
                Assert.That(m.Options.DeviceId, Is.EqualTo(7));
                Assert.That(m.Options.GpuFallback, Is.True);
                Assert.That(m.ExecutionProvider, Is.EqualTo(ExecutionProvider.Cpu), "no device 7: fell back to the CPU");
                Near(m.Score(Fixtures.TheFace.View, Fixtures.TheFace.Landmarks), new Quality(Fixtures.Ref.S, Fixtures.Ref.Q), "on the CPU");
            }
            var e = Fails(Status.GpuUnavailable, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, ExecutionProvider = ExecutionProvider.Cuda, DeviceId = 7,
            }));
            Assert.That(e.Message.Length, Is.GreaterThan(e.StatusName.Length + 2));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, ExecutionProvider = (ExecutionProvider)9 }));
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, FacePolicy = (FacePolicy)9,
            }));
        }

        [Test]
        public void ExecutionProviderIsWhereTheModelRuns()
        {
            Assert.That(plain.ExecutionProvider, Is.EqualTo(ExecutionProvider.Cpu));
            // CUDA on device 0: either it works (this ONNX Runtime and machine have CUDA) or creating the
            // model without the fallback fails, and then the fallback model runs on the CPU.
            var cuda = new QualityModelOptions { ModelPath = Fixtures.ModelPath, ExecutionProvider = ExecutionProvider.Cuda };
            ExecutionProvider expected;
            try
            {
                using (var m = new QualityModel(cuda))
                {
                    Assert.That(m.ExecutionProvider, Is.EqualTo(ExecutionProvider.Cuda));
                    Near(m.Score(Fixtures.TheFace.View, Fixtures.TheFace.Landmarks), new Quality(Fixtures.Ref.S, Fixtures.Ref.Q), "on CUDA");
                }
                expected = ExecutionProvider.Cuda;
            }
            catch (SerfiqException e) when (e.Status == Status.GpuUnavailable)
            {
                expected = ExecutionProvider.Cpu;
            }
            cuda.GpuFallback = true;
            using (var m = new QualityModel(cuda))
                Assert.That(m.ExecutionProvider, Is.EqualTo(expected));
        }

        // ---- detector digest, model size limit, library search ----------------------------

        [Test]
        public void RightDetectorSha256Loads()
        {
            string hex = Sha256Hex(Fixtures.DetectorPath);
            using (var m = new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorSha256 = hex.ToUpperInvariant(),
            }))
            {
                MatchesPhotoReference(m.DetectScore(Fixtures.TheFace.View, false), false);
                Assert.That(m.Options.DetectorSha256, Is.EqualTo(hex.ToUpperInvariant()));
            }
            using (new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorData = File.ReadAllBytes(Fixtures.DetectorPath), DetectorSha256 = hex,
            })) { }
        }

        [Test]
        public void WrongDetectorSha256NamesTheDetector()
        {
            string hex = Sha256Hex(Fixtures.DetectorPath);
            string wrong = hex.Substring(0, 63) + (hex[63] == '0' ? '1' : '0');
            var e = Fails(Status.ModelDigestMismatch, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorSha256 = wrong,
            }));
            StringAssert.Contains("detector", e.Message);
            StringAssert.Contains(hex, e.Message);
            // The model's digest does not pin the detector, and a pin without a detector is refused.
            Fails(Status.ModelDigestMismatch, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorSha256 = Sha256Hex(Fixtures.ModelPath),
            }));
            e = Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, DetectorSha256 = hex }));
            StringAssert.Contains("detector_sha256", e.Message);
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, DetectorSha256 = "abc",
            }));
        }

        [Test]
        public void MaxModelBytesBelowTheModelIsUnsupported()
        {
            long size = new FileInfo(Fixtures.ModelPath).Length;
            var e = Fails(Status.UnsupportedModel, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, MaxModelBytes = (ulong)size - 1,
            }));
            StringAssert.Contains("max_model_bytes", e.Message);
            StringAssert.Contains(size.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
            Fails(Status.UnsupportedModel, () => new QualityModel(new QualityModelOptions
            {
                ModelData = File.ReadAllBytes(Fixtures.ModelPath), MaxModelBytes = (ulong)size - 1,
            }));
            using (var m = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, MaxModelBytes = (ulong)size }))
                Assert.That(m.Options.MaxModelBytes, Is.EqualTo((ulong)size));
            using (var m = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, MaxModelBytes = 0 }))
                Assert.That(m.Options.MaxModelBytes, Is.EqualTo(1UL << 30), "0 is the default");
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, MaxModelBytes = 1UL << 31 }));
            // The detector is limited too: a buffer one byte over a limit the model fits.
            byte[] detector = File.ReadAllBytes(Fixtures.DetectorPath);
            Array.Resize(ref detector, (int)size + 1);
            e = Fails(Status.UnsupportedModel, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, DetectorData = detector, MaxModelBytes = (ulong)size,
            }));
            StringAssert.Contains("detector", e.Message);
        }

        [Test]
        public void ExplicitOnlySearchOnceOnnxRuntimeIsLoaded()
        {
            // The fixture's models loaded ONNX Runtime (from SERFIQ_ORT_LIB); bindings/csharp/tests/search
            // checks a fresh process.
            using (var m = new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, OrtLibraryPath = Fixtures.OrtLibraryPath, SearchPaths = SearchPaths.ExplicitOnly,
            }))
                Assert.That(m.Options.SearchPaths, Is.EqualTo(SearchPaths.ExplicitOnly));
            // Documented: explicit-only needs the path on every create, even once ONNX Runtime is loaded.
            var r = Fails(Status.RuntimeNotFound, () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, SearchPaths = SearchPaths.ExplicitOnly }));
            StringAssert.Contains("explicit-only", r.Message);
            var e = Fails(Status.GpuUnavailable, () => new QualityModel(new QualityModelOptions
            {
                ModelPath = Fixtures.ModelPath, OrtLibraryPath = Fixtures.OrtLibraryPath, SearchPaths = SearchPaths.ExplicitOnly, ExecutionProvider = ExecutionProvider.Cuda,
            }));
            StringAssert.Contains("explicit-only", e.Message);
            Fails(Status.InvalidArgument, () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, SearchPaths = (SearchPaths)7 }));
        }

        private static string Sha256Hex(string path)
        {
            byte[] digest;
            using (var sha = System.Security.Cryptography.SHA256.Create())
            using (var file = File.OpenRead(path))
                digest = sha.ComputeHash(file);
            return BitConverter.ToString(digest).Replace("-", "").ToLowerInvariant();
        }

        // ---- live models ------------------------------------------------------------------

        private static void CollectGarbage()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        private static bool Sleep()
        {
            System.Threading.Thread.Sleep(50);
            return true;
        }

        [Test]
        public void LiveModelsCountsCreateAndDispose()
        {
            CollectGarbage();
            long before = QualityModel.LiveModels;
            Assert.That(before, Is.GreaterThanOrEqualTo(2), "this fixture's two models");
            var m = new QualityModel(Fixtures.ModelPath);
            Assert.That(QualityModel.LiveModels, Is.EqualTo(before + 1));
            m.Dispose();
            Assert.That(QualityModel.LiveModels, Is.EqualTo(before));
            m.Dispose();
            Assert.That(QualityModel.LiveModels, Is.EqualTo(before), "a second Dispose frees nothing");
            // A failed creation leaves nothing behind.
            Assert.Throws<SerfiqException>(() => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, Samples = 1 }));
            Assert.That(QualityModel.LiveModels, Is.EqualTo(before));
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void CreateAndDrop() => new QualityModel(Fixtures.ModelPath).GetHashCode();

        [Test]
        public void AForgottenModelIsFreedByItsFinalizer()
        {
            CollectGarbage();
            long before = QualityModel.LiveModels;
            CreateAndDrop();
            Assert.That(QualityModel.LiveModels, Is.EqualTo(before + 1));
            // Finalizers run when the runtime gets to them: collect until the count
            // drops, for up to 30 s (Mono's conservative scan may keep it one more cycle).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            do
            {
                CollectGarbage();
            } while (QualityModel.LiveModels > before && DateTime.UtcNow < deadline && Sleep());
            Assert.That(QualityModel.LiveModels, Is.EqualTo(before), "the SafeHandle's finalizer destroyed it");
        }
    }
}
