using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace Serfiq.Tests
{
    /// <summary>
    /// Components and feedback: Assess on the fixture face gives the C API's table (examples/c/score.c
    /// --components, face.components from `make fixtures`); DetectAssess orders faces as DetectScore; a bad
    /// FeedbackProfile is InvalidArgument.
    /// </summary>
    [TestFixture]
    public class ComponentsTests
    {
        private QualityModel model;

        private sealed class Row
        {
            public string Name, Unit;
            public float Raw, Value;
        }

        private List<Row> rows;
        private ulong bits;
        private List<string> feedback;

        [TestFixtureSetUp]
        public void Load()
        {
            string[] lines = File.ReadAllLines(Path.Combine(Fixtures.Dir, "face.components"));
            string[] head = lines[0].Split(' ');
            Assert.That(head[0], Is.EqualTo("components"));
            int count = int.Parse(head[1], CultureInfo.InvariantCulture);
            rows = new List<Row>();
            for (int i = 0; i < count; i++)
            {
                string[] p = lines[1 + i].Split(' ');
                Assert.That(int.Parse(p[0], CultureInfo.InvariantCulture), Is.EqualTo(i));
                rows.Add(new Row
                {
                    Name = p[1],
                    Unit = string.Join(" ", p, 2, p.Length - 4),
                    Raw = float.Parse(p[p.Length - 2], CultureInfo.InvariantCulture),
                    Value = float.Parse(p[p.Length - 1], CultureInfo.InvariantCulture),
                });
            }
            string[] fb = lines[1 + count].Split(' ');
            Assert.That(fb[0], Is.EqualTo("feedback"));
            bits = ulong.Parse(fb[1], CultureInfo.InvariantCulture);
            feedback = fb.Skip(2).ToList();
            // The C reference sets no quality network: UnifiedQualityScore (q100) is of s and n's f.
            model = new QualityModel(new QualityModelOptions
                { ModelPath = Fixtures.ModelPath, DetectorPath = Fixtures.DetectorPath, NoQualityNet = true });
        }

        [TestFixtureTearDown]
        public void Free()
        {
            model?.Dispose();
        }

        private static void Same(float want, float got, string what)
        {
            if (float.IsNaN(want))
                Assert.That(float.IsNaN(got), Is.True, what);
            else
                Assert.That(got, Is.EqualTo(want).Within(1e-5 * Math.Max(1.0, Math.Abs(want))), what);
        }

        [Test]
        public void AssessEqualsC()
        {
            Fixtures.Face f = Fixtures.TheFace;
            Assessment a = model.Assess(f.View, f.Landmarks);
            Assert.That(a.Quality.S, Is.EqualTo(Fixtures.Ref.S).Within(1e-6));
            Assert.That(a.Components.Count, Is.EqualTo(rows.Count));
            for (int id = 0; id < rows.Count; id++)
            {
                Row r = rows[id];
                Component c = a.Components[r.Name];
                Assert.That(c.Id, Is.EqualTo(id), r.Name);
                Assert.That(c.Unit, Is.EqualTo(r.Unit), r.Name);
                Same(r.Raw, c.Raw, r.Name + " raw");
                Same(r.Value, c.Value, r.Name + " value");
                Assert.That(c.Assessed, Is.EqualTo(!float.IsNaN(r.Value)), r.Name);
            }
            Assert.That(a.FeedbackBits, Is.EqualTo(bits));
            Assert.That(a.Feedback.Select(x => x.Name).ToList(), Is.EqualTo(feedback));
            foreach (string name in feedback) Assert.That(a.Has(name), Is.True, name);
            Assert.That(a.Has("NO_SUCH_CODE"), Is.False);
            Assert.That(a.Confidence, Is.EqualTo(0f), "not found by the detector");
        }

        [Test]
        public void DetectAssessOrdersAsDetectScore()
        {
            Fixtures.Face f = Fixtures.TheFace;
            Assessment[] all = model.DetectAssess(f.View);
            DetectedFace[] scored = model.DetectScore(f.View);
            Assert.That(all.Length, Is.EqualTo(scored.Length));
            Assert.That(all.Length, Is.GreaterThan(0));
            for (int i = 0; i < all.Length; i++)
            {
                Assert.That(all[i].Box, Is.EqualTo(scored[i].Box));
                Assert.That(all[i].Quality.S, Is.EqualTo(scored[i].Quality.S));
                Assert.That(all[i].Components["SingleFacePresent"].Assessed, Is.True);
            }
            Assessment first = model.Assess(f.View);
            Assert.That(first.Box, Is.EqualTo(all[0].Box));
            Assert.That(first.FeedbackBits, Is.EqualTo(all[0].FeedbackBits));
            Assert.That(model.DetectAssess(Fixtures.NoFace), Is.Empty);
            var e = Assert.Throws<SerfiqException>(() => model.Assess(Fixtures.NoFace));
            Assert.That(e.Status, Is.EqualTo(Status.NoFace));
        }

        [Test]
        public void TablesComeFromTheLibrary()
        {
            IReadOnlyList<Feedback> codes = Feedback.All;
            Assert.That(codes[0].Name, Is.EqualTo("NO_FACE"));
            Assert.That(codes[7].Name, Is.EqualTo("TOO_DARK"));
            foreach (Feedback c in codes) Assert.That(c.Message, Is.Not.Empty, c.Name);
        }

        [Test]
        public void FeedbackProfileOption()
        {
            using (var live = new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, FeedbackProfile = "live;max_yaw=20" }))
                Assert.That(live.Options.FeedbackProfile, Is.EqualTo("live;max_yaw=20"));
            using (var plain = new QualityModel(Fixtures.ModelPath))
                Assert.That(plain.Options.FeedbackProfile, Is.Null);
            foreach (string bad in new[] { "no-such-preset", "live;no_such_key=1", "live;max_yaw=abc" })
            {
                var e = Assert.Throws<SerfiqException>(
                    () => new QualityModel(new QualityModelOptions { ModelPath = Fixtures.ModelPath, FeedbackProfile = bad }));
                Assert.That(e.Status, Is.EqualTo(Status.InvalidArgument), bad);
            }
        }
    }
}
