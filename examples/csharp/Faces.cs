// serfiq from C#: every face in a whole photo, found by the detector and scored, with no
// landmarks given.
//
//   Faces PHOTO.ppm [--detector DETECTOR.onnx] [--model MODEL.onnx]
//
// PHOTO.ppm is a binary PPM (P6, 8-bit RGB). The detector is --detector, else env
// SERFIQ_DETECTOR (RetinaFace mobilenet-0.25); the model is --model, else env SERFIQ_MODEL.
// Prints what examples/c/score.c prints with --detector --embedding, number for number:
//   faces N
//   face I box X0 Y0 X1 Y1
//   landmarks X Y X Y X Y X Y X Y
//   confidence C s S q Q
//   E0 E1 ... (the embedding)
// for each face, the one the face policy picks first; numbers as C's %.9g.
// Exit status: 0 (also for a photo without a face: "faces 0"), 1 when serfiq fails,
// 2 on bad usage or an unreadable photo.
using System;
using System.Globalization;
using System.IO;
using System.Text;
using Serfiq;

internal static class Faces
{
    private static int Main(string[] args)
    {
        string photo = null;
        string modelPath = Environment.GetEnvironmentVariable("SERFIQ_MODEL");
        string detectorPath = Environment.GetEnvironmentVariable("SERFIQ_DETECTOR");
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--model" && i + 1 < args.Length) modelPath = args[++i];
            else if (args[i] == "--detector" && i + 1 < args.Length) detectorPath = args[++i];
            else if (photo == null && !args[i].StartsWith("--")) photo = args[i];
            else return Usage();
        }
        if (photo == null || string.IsNullOrEmpty(modelPath) || string.IsNullOrEmpty(detectorPath))
            return Usage();

        byte[] rgb;
        int width, height;
        try
        {
            rgb = ReadPpm(photo, out width, out height);
        }
        catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
        {
            Console.Error.WriteLine("cannot read " + photo + ": " + e.Message);
            return 2;
        }

        try
        {
            using (var model = new QualityModel(new QualityModelOptions { ModelPath = modelPath, DetectorPath = detectorPath }))
            {
                DetectedFace[] faces = model.DetectScore(ImageView.Packed(rgb, width, height, PixelFormat.Rgb), embeddings: true);
                var text = new StringBuilder();
                text.Append("faces ").Append(faces.Length).Append('\n');
                for (int i = 0; i < faces.Length; i++)
                {
                    DetectedFace f = faces[i];
                    text.Append("face ").Append(i).Append(" box ");
                    Floats(text, f.Box);
                    text.Append("landmarks ");
                    Floats(text, f.Landmarks);
                    text.Append("confidence ").Append(F(f.Confidence))
                        .Append(" s ").Append(F(f.Quality.S))
                        .Append(" q ").Append(F(f.Quality.Q)).Append('\n');
                    Floats(text, f.Embedding);
                }
                Console.Out.Write(text.ToString());
                return 0;
            }
        }
        catch (SerfiqException e)
        {
            Console.Error.WriteLine("serfiq: " + e.Message);
            return 1;
        }
        catch (DllNotFoundException e)
        {
            Console.Error.WriteLine("serfiq: " + e.Message);
            return 1;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Faces PHOTO.ppm [--detector DETECTOR.onnx] [--model MODEL.onnx]" +
                                " (defaults: env SERFIQ_DETECTOR, SERFIQ_MODEL)");
        return 2;
    }

    /// <summary>Space-separated values and a newline.</summary>
    private static void Floats(StringBuilder text, float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) text.Append(' ');
            text.Append(F(values[i]));
        }
        text.Append('\n');
    }

    /// <summary>C's %.9g: 9 significant digits, trailing zeros dropped, exponent as e-05.</summary>
    private static string F(float v) => v.ToString("G9", CultureInfo.InvariantCulture).Replace('E', 'e');

    /// <summary>A binary PPM (P6, maxval 255) as packed RGB.</summary>
    private static byte[] ReadPpm(string path, out int width, out int height)
    {
        byte[] file = File.ReadAllBytes(path);
        int pos = 0;
        if (Token(file, ref pos) != "P6") throw new InvalidDataException(path + ": not a binary PPM (P6)");
        int maxval;
        if (!int.TryParse(Token(file, ref pos), out width) || !int.TryParse(Token(file, ref pos), out height) ||
            !int.TryParse(Token(file, ref pos), out maxval) || maxval != 255 ||
            width <= 0 || height <= 0 || width > 65535 || height > 65535)
            throw new InvalidDataException(path + ": unsupported PPM header");
        pos++; // the one whitespace byte after maxval
        long n = (long)width * height * 3;
        if (file.Length - pos < n) throw new InvalidDataException(path + ": truncated PPM");
        var rgb = new byte[n];
        Buffer.BlockCopy(file, pos, rgb, 0, (int)n);
        return rgb;
    }

    private static string Token(byte[] b, ref int pos)
    {
        while (pos < b.Length && (b[pos] <= ' ' || b[pos] == '#'))
        {
            if (b[pos] == '#')
            {
                while (pos < b.Length && b[pos] != '\n') pos++; // a comment, to the end of its line
            }
            else
            {
                pos++;
            }
        }
        int start = pos;
        while (pos < b.Length && b[pos] > ' ') pos++;
        return Encoding.ASCII.GetString(b, start, pos - start);
    }
}
