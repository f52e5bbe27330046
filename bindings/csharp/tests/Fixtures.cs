using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace Serfiq.Tests
{
    /// <summary>The files `make fixtures` writes (SERFIQ_FIXTURES) and the model (SERFIQ_MODEL).</summary>
    internal static class Fixtures
    {
        internal static string Env(string name)
        {
            string v = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(v))
                throw new InvalidOperationException(name + " is not set; run the tests through bindings/csharp/test.sh");
            return v;
        }

        internal static string ModelPath => Env("SERFIQ_MODEL");
        internal static string Dir => Env("SERFIQ_FIXTURES");
        internal static string IncludeDir => Env("SERFIQ_INCLUDE_DIR");
        internal static string DetectorPath => Env("SERFIQ_DETECTOR");
        internal static string OrtLibraryPath => Env("SERFIQ_ORT_LIB");
        /// <summary>test.sh's C probe of serfiq.h's struct layouts (sizeof / offsetof lines).</summary>
        internal static string LayoutPath => Env("SERFIQ_CSHARP_LAYOUT");

        /// <summary>A face photo: RGB pixels, tightly packed.</summary>
        internal sealed class Face
        {
            public byte[] Rgb;
            public int Width, Height;
            public float[] Landmarks;
            public ImageView View => ImageView.Packed(Rgb, Width, Height, PixelFormat.Rgb);
        }

        private static readonly Lazy<Face> face = new Lazy<Face>(() =>
        {
            var f = new Face { Landmarks = ReadLandmarks(Path.Combine(Dir, "face.landmarks")) };
            f.Rgb = ReadPpm(Path.Combine(Dir, "face.ppm"), out f.Width, out f.Height);
            return f;
        });

        internal static Face TheFace => face.Value;

        /// <summary>noface.ppm: a gradient without a face.</summary>
        internal static ImageView NoFace
        {
            get
            {
                int w, h;
                byte[] rgb = ReadPpm(Path.Combine(Dir, "noface.ppm"), out w, out h);
                return ImageView.Packed(rgb, w, h, PixelFormat.Rgb);
            }
        }

        /// <summary>One face of photo.reference: the C API's serfiq_detect_score on the whole face.ppm.</summary>
        internal sealed class PhotoFace
        {
            public float[] Box, Landmarks, Embedding;
            public float Confidence, S, Q;
        }

        private static readonly Lazy<PhotoFace[]> photo = new Lazy<PhotoFace[]>(() =>
        {
            string[] lines = File.ReadAllLines(Path.Combine(Dir, "photo.reference"));
            string[] head = lines[0].Split(' ');
            if (head.Length != 2 || head[0] != "faces") throw new InvalidDataException("photo.reference: " + lines[0]);
            var faces = new PhotoFace[int.Parse(head[1], CultureInfo.InvariantCulture)];
            for (int i = 0; i < faces.Length; i++)
            {
                int l = 1 + 4 * i;
                string boxPrefix = "face " + i + " box ";
                if (!lines[l].StartsWith(boxPrefix, StringComparison.Ordinal) ||
                    !lines[l + 1].StartsWith("landmarks ", StringComparison.Ordinal))
                    throw new InvalidDataException("photo.reference: face " + i + " is malformed");
                string[] c = lines[l + 2].Split(' ');
                if (c.Length != 6 || c[0] != "confidence" || c[2] != "s" || c[4] != "q")
                    throw new InvalidDataException("photo.reference: " + lines[l + 2]);
                faces[i] = new PhotoFace
                {
                    Box = Floats(lines[l].Substring(boxPrefix.Length)),
                    Landmarks = Floats(lines[l + 1].Substring("landmarks ".Length)),
                    Confidence = float.Parse(c[1], CultureInfo.InvariantCulture),
                    S = float.Parse(c[3], CultureInfo.InvariantCulture),
                    Q = float.Parse(c[5], CultureInfo.InvariantCulture),
                    Embedding = Floats(lines[l + 3]),
                };
            }
            return faces;
        });

        internal static PhotoFace[] Photo => photo.Value;

        /// <summary>Line 1 of face.reference: "s q"; line 2: the embedding, from examples/c/score.c.</summary>
        internal sealed class Reference
        {
            public float S, Q;
            public float[] Embedding;
        }

        private static readonly Lazy<Reference> reference = new Lazy<Reference>(() =>
        {
            string[] lines = File.ReadAllLines(Path.Combine(Dir, "face.reference"));
            float[] sq = Floats(lines[0]);
            return new Reference { S = sq[0], Q = sq[1], Embedding = Floats(lines[1]) };
        });

        internal static Reference Ref => reference.Value;

        internal static float[] Floats(string line)
        {
            string[] parts = line.Split(new[] { ' ', '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries);
            var v = new float[parts.Length];
            for (int i = 0; i < parts.Length; i++) v[i] = float.Parse(parts[i], CultureInfo.InvariantCulture);
            return v;
        }

        /// <summary>10 whitespace-separated numbers, as examples/c/score.c reads them.</summary>
        internal static float[] ReadLandmarks(string path)
        {
            float[] v = Floats(File.ReadAllText(path));
            if (v.Length < QualityModel.LandmarkFloats)
                throw new InvalidDataException(path + ": expected 10 numbers, found " + v.Length);
            var lm = new float[QualityModel.LandmarkFloats];
            Array.Copy(v, lm, lm.Length);
            return lm;
        }

        /// <summary>A binary PPM (P6, maxval 255) as packed RGB.</summary>
        internal static byte[] ReadPpm(string path, out int width, out int height)
        {
            byte[] file = File.ReadAllBytes(path);
            int pos = 0;
            string magic = Token(file, ref pos);
            if (magic != "P6") throw new InvalidDataException(path + ": not a binary PPM (P6)");
            width = int.Parse(Token(file, ref pos), CultureInfo.InvariantCulture);
            height = int.Parse(Token(file, ref pos), CultureInfo.InvariantCulture);
            int maxval = int.Parse(Token(file, ref pos), CultureInfo.InvariantCulture);
            if (maxval != 255 || width <= 0 || height <= 0)
                throw new InvalidDataException(path + ": unsupported PPM (maxval " + maxval + ")");
            pos++; // the single whitespace byte after maxval
            long n = (long)width * height * 3;
            if (file.Length - pos < n) throw new InvalidDataException(path + ": truncated PPM");
            var rgb = new byte[n];
            Buffer.BlockCopy(file, pos, rgb, 0, (int)n);
            return rgb;
        }

        private static string Token(byte[] b, ref int pos)
        {
            while (pos < b.Length)
            {
                if (b[pos] == '#') { while (pos < b.Length && b[pos] != '\n') pos++; }
                else if (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\r' || b[pos] == '\n') pos++;
                else break;
            }
            int start = pos;
            while (pos < b.Length && b[pos] > ' ') pos++;
            return Encoding.ASCII.GetString(b, start, pos - start);
        }

        /// <summary>The same image as BGR with a padded stride, starting at an offset in a larger buffer.</summary>
        internal static ImageView PaddedBgr(Face f, int offset, int padding)
        {
            int stride = f.Width * 3 + padding;
            var buf = new byte[offset + stride * f.Height];
            for (int i = 0; i < buf.Length; i++) buf[i] = 0xA5; // garbage in padding
            for (int y = 0; y < f.Height; y++)
                for (int x = 0; x < f.Width; x++)
                {
                    int s = (y * f.Width + x) * 3, d = offset + y * stride + x * 3;
                    buf[d] = f.Rgb[s + 2];
                    buf[d + 1] = f.Rgb[s + 1];
                    buf[d + 2] = f.Rgb[s];
                }
            return new ImageView(buf, offset, f.Width, f.Height, stride, PixelFormat.Bgr);
        }
    }
}
