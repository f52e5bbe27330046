using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using NUnit.Framework;

namespace Serfiq.Tests
{
    /// <summary>Capture: the shared frame sequence (tests/capture/frames.c) gives the states, feedback,
    /// q100 and best frame that examples/c/capture.c printed; options, reset, errors, disposal, layouts.</summary>
    [TestFixture]
    public class CaptureTests
    {
        /// <summary>SERFIQ_CAPTURE_DIR: frames/*.ppm and reference.txt (tests/capture/reference.sh).</summary>
        internal static string Dir => Fixtures.Env("SERFIQ_CAPTURE_DIR");

        internal static List<ImageView> Frames()
        {
            string[] paths = Directory.GetFiles(Path.Combine(Dir, "frames"), "*.ppm");
            Array.Sort(paths, StringComparer.Ordinal);
            var frames = new List<ImageView>();
            foreach (string p in paths)
            {
                int w, h;
                byte[] rgb = Fixtures.ReadPpm(p, out w, out h);
                frames.Add(ImageView.Packed(rgb, w, h, PixelFormat.Rgb));
            }
            return frames;
        }

        /// <summary>The model of examples/c/capture.c: the detector and the "live" feedback profile, and no quality network (q100 and the gate are of s and n's f).</summary>
        internal static QualityModel LiveModel() => new QualityModel(new QualityModelOptions
        {
            ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, FeedbackProfile = "live", NoQualityNet = true,
        });

        private static string Q(float v) => ((double)v).ToString("F2", CultureInfo.InvariantCulture);

        private static string Name(CaptureState s) =>
            s == CaptureState.HoldStill ? "HOLD_STILL" : s.ToString().ToUpperInvariant();

        /// <summary>A frame as examples/c/capture.c prints it.</summary>
        internal static string Line(CaptureFrame f) =>
            f.Index + " " + Name(f.State) + " " + f.FeedbackBits.ToString("x16", CultureInfo.InvariantCulture) + " " +
            (f.Face == null ? "-" : Q(f.Face.Quality.Q100)) + " " + (f.IsBest ? 1 : 0);

        /// <summary>The best frame as examples/c/capture.c prints it.</summary>
        internal static string BestLine(CaptureBest b) =>
            "best " + b.Index + " " + Name(b.State) + " " + Q(b.Face.Quality.Q100) + " " + b.Crop.Length + " " +
            b.Embedding.Length;

        /// <summary>reference.txt: a line per frame, then the "best ..." line.</summary>
        internal static List<string> Reference() => new List<string>(File.ReadAllLines(Path.Combine(Dir, "reference.txt")));

        /// <summary>Pushes every frame, 40 ms apart as examples/c/capture.c does; a line per frame.</summary>
        internal static List<string> Run(Capture capture, List<ImageView> frames)
        {
            var lines = new List<string>();
            for (int i = 0; i < frames.Count; i++) lines.Add(Line(capture.Push(frames[i], 40L * i)));
            return lines;
        }

        [Test]
        public void SameStatesAndBestFrameAsC()
        {
            List<ImageView> frames = Frames();
            List<string> expected = Reference();
            string bestLine = expected[expected.Count - 1];
            expected.RemoveAt(expected.Count - 1);
            using (QualityModel model = LiveModel())
            using (var capture = new Capture(model))
            {
                Assert.That(capture.Best(), Is.Null);
                Assert.That(Run(capture, frames), Is.EqualTo(expected));
                CaptureBest best = capture.Best(PixelFormat.Rgb);
                Assert.That(best, Is.Not.Null);
                Assert.That(BestLine(best), Is.EqualTo(bestLine));
                Assert.That(best.TimestampMs, Is.EqualTo(40L * (long)best.Index));
                Assert.That(best.Track, Is.EqualTo(1u));
                // The crop is the single-face call's for the best frame's landmarks, the embedding the model's.
                ImageView shot = frames[(int)best.Index];
                Assert.That(best.Crop, Is.EqualTo(model.AlignedCrop(shot, best.Face.Landmarks, PixelFormat.Rgb)));
                float[] embedding = model.Embed(shot, best.Face.Landmarks);
                Assert.That(best.Embedding.Length, Is.EqualTo(embedding.Length));
                for (int i = 0; i < embedding.Length; i++) Assert.That(best.Embedding[i], Is.EqualTo(embedding[i]).Within(1e-5f));
                Assert.That(best.Face.Components.ContainsKey("InterEyeDistance"));

                capture.Reset();
                Assert.That(capture.Best(), Is.Null);
                Assert.That(Run(capture, frames), Is.EqualTo(expected), "after Reset, the same sequence again");
            }
        }

        [Test]
        public void FrameDetails()
        {
            List<ImageView> frames = Frames();
            using (QualityModel model = LiveModel())
            using (var capture = new Capture(model))
            {
                CaptureFrame dark = capture.Push(frames[0], 0);
                Assert.That(dark.Has("TOO_DARK"));
                Assert.That(dark.NewTrack && dark.FullSearch);
                Assert.That(dark.Track, Is.EqualTo(1u));
                Assert.That(float.IsNaN(dark.Motion));
                Assert.That(dark.Face, Is.Not.Null);
                CaptureFrame none = capture.Push(frames[frames.Count - 1], 40);
                Assert.That(none.State, Is.EqualTo(CaptureState.Searching));
                Assert.That(none.Face, Is.Null);
                Assert.That(none.Feedback.Count, Is.EqualTo(1));
                Assert.That(none.Feedback[0].Name, Is.EqualTo("NO_FACE"));
            }
        }

        [Test]
        public void OptionDefaultsAndAStricterOption()
        {
            var o = new CaptureOptions();
            Assert.That(o.MinQ100, Is.EqualTo(50f));
            Assert.That(o.SteadyFrames, Is.EqualTo(5u));
            Assert.That(o.SteadyMs, Is.EqualTo(0u));
            Assert.That(o.MaxMotion, Is.EqualTo(0.05f));
            Assert.That(o.RedetectFrames, Is.EqualTo(15u));
            Assert.That(o.RedetectMs, Is.EqualTo(500u));
            Assert.That(o.TrackContext, Is.EqualTo(2f));
            Assert.That(o.TrackSide, Is.EqualTo(256u));
            Assert.That(o.MinOverlap, Is.EqualTo(0.3f));
            Assert.That(o.MinSimilarity, Is.EqualTo(0.3f));
            Assert.That(o.JumpSimilarity, Is.EqualTo(0.75f));
            Assert.That(o.BlockingFeedback, Is.EqualTo(ulong.MaxValue));

            // Frame 5 moved from the half-size frame 4, so 6 and 7 are the first two steady frames.
            o.SteadyFrames = 2;
            List<ImageView> frames = Frames();
            using (QualityModel model = LiveModel())
            using (var capture = new Capture(model, o))
            {
                var states = new List<CaptureState>();
                for (int i = 0; i < 8; i++) states.Add(capture.Push(frames[i], 40L * i).State);
                Assert.That(states[6], Is.EqualTo(CaptureState.HoldStill));
                Assert.That(states[7], Is.EqualTo(CaptureState.Captured));
            }
        }

        [Test]
        public void Errors()
        {
            ImageView photo = Fixtures.TheFace.View;
            using (QualityModel model = LiveModel())
            {
                var e = Assert.Throws<SerfiqException>(() => new Capture(model, new CaptureOptions { SteadyFrames = 0 }));
                Assert.That(e.Status, Is.EqualTo(Status.InvalidArgument));
                StringAssert.Contains("steady_frames", e.Message);
                using (var plain = new QualityModel(Fixtures.ModelPath))
                    Assert.That(Assert.Throws<SerfiqException>(() => new Capture(plain)).Status, Is.EqualTo(Status.InvalidArgument));
                using (var capture = new Capture(model))
                {
                    capture.Push(photo, 100);
                    e = Assert.Throws<SerfiqException>(() => capture.Push(photo, 99));
                    Assert.That(e.Status, Is.EqualTo(Status.InvalidArgument));
                    StringAssert.Contains("timestamp", e.Message);
                    Assert.That(capture.Push(photo, 140).Index, Is.EqualTo(1UL), "the failed push changed nothing");
                }
            }
        }

        [Test]
        public void OutlivesItsModelAndDisposes()
        {
            ImageView photo = Fixtures.TheFace.View;
            Capture capture;
            using (QualityModel model = LiveModel())
                capture = new Capture(model);
            Assert.That(capture.Push(photo, 0).Index, Is.EqualTo(0UL), "the capture keeps the model alive");
            capture.Dispose();
            capture.Dispose();
            Assert.Throws<ObjectDisposedException>(() => capture.Push(photo, 40));
            Assert.Throws<ObjectDisposedException>(() => capture.Best());
            Assert.Throws<ObjectDisposedException>(() => capture.Reset());
        }

        [Test]
        public unsafe void StructLayoutsMatchC()
        {
            Dictionary<string, List<string>> fieldsOf;
            var c = QualityModelTests.CLayout(out fieldsOf);
            var structs = new[]
            {
                Tuple.Create("serfiq_capture_options", typeof(NativeCaptureOptions)),
                Tuple.Create("serfiq_capture_frame", typeof(NativeCaptureFrame)),
                Tuple.Create("serfiq_capture_best_frame", typeof(NativeCaptureBest)),
            };
            foreach (var st in structs)
            {
                string cName = st.Item1;
                Type type = st.Item2;
                Assert.That(fieldsOf[cName], Is.EqualTo(QualityModelTests.HeaderFields(cName)), cName + ": the probe covers every field");
                Assert.That(Marshal.SizeOf(type), Is.EqualTo(c["sizeof " + cName]), "sizeof " + cName);
                var expected = new SortedDictionary<string, long>();
                foreach (string f in fieldsOf[cName]) expected[QualityModelTests.Pascal(f)] = c[cName + "." + f];
                var actual = new SortedDictionary<string, long>();
                foreach (var fi in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public))
                    actual[fi.Name] = Marshal.OffsetOf(type, fi.Name).ToInt64();
                Assert.That(QualityModelTests.Render(actual), Is.EqualTo(QualityModelTests.Render(expected)), cName);
            }
            Assert.That(sizeof(NativeCaptureFrame), Is.EqualTo(Marshal.SizeOf<NativeCaptureFrame>()));
            Assert.That(sizeof(NativeCaptureBest), Is.EqualTo(Marshal.SizeOf<NativeCaptureBest>()));
        }
    }
}
