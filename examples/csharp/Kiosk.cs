// serfiq from C#: a self-service kiosk checks a captured face photo before it is enrolled.
//
//   Kiosk FACE.ppm LANDMARKS.txt [--model MODEL.onnx] [--threshold Q]
//
// FACE.ppm is a binary PPM (P6, 8-bit RGB); LANDMARKS.txt holds 10 numbers: x y of left
// eye, right eye, nose tip, left and right mouth corner (as for examples/c/score.c).
// The model is --model, else env SERFIQ_MODEL. Prints "s q" (as the C example does),
// then "accept" when q >= the threshold (default 0.5: a typical LFW face), else "retake".
// Exit status: 0 with a verdict, 1 when serfiq fails, 2 on bad usage or unreadable files.
using System;
using System.Globalization;
using System.IO;
using System.Text;
using Serfiq;

internal static class Kiosk
{
    private static int Main(string[] args)
    {
        string face = null, landmarksPath = null;
        string modelPath = Environment.GetEnvironmentVariable("SERFIQ_MODEL");
        double threshold = 0.5;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--model" && i + 1 < args.Length) modelPath = args[++i];
            else if (args[i] == "--threshold" && i + 1 < args.Length &&
                     double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out threshold)) i++;
            else if (face == null && !args[i].StartsWith("--")) face = args[i];
            else if (landmarksPath == null && !args[i].StartsWith("--")) landmarksPath = args[i];
            else return Usage();
        }
        if (face == null || landmarksPath == null || string.IsNullOrEmpty(modelPath)) return Usage();

        byte[] rgb;
        int width, height;
        float[] landmarks;
        try
        {
            rgb = ReadPpm(face, out width, out height);
            landmarks = ReadLandmarks(landmarksPath);
        }
        catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
        {
            Console.Error.WriteLine("cannot read " + face + " or " + landmarksPath + ": " + e.Message);
            return 2;
        }

        try
        {
            using (var model = new QualityModel(modelPath))
            {
                Quality q;
                try
                {
                    q = model.Score(ImageView.Packed(rgb, width, height, PixelFormat.Rgb), landmarks);
                }
                catch (SerfiqException e) when (e.Status == Status.InvalidImage || e.Status == Status.InvalidLandmarks)
                {
                    // The photo, not the kiosk, is at fault: ask for another one.
                    Console.WriteLine("retake (" + e.Message + ")");
                    return 0;
                }
                Console.WriteLine(F(q.S) + " " + F(q.Q));
                Console.WriteLine(q.Q >= threshold
                    ? "accept (q " + F(q.Q) + " >= " + threshold.ToString(CultureInfo.InvariantCulture) + ")"
                    : "retake (q " + F(q.Q) + " < " + threshold.ToString(CultureInfo.InvariantCulture) + ")");
                return 0;
            }
        }
        catch (SerfiqException e)
        {
            // Includes Status.AbiMismatch: a libserfiq.so from another release than Serfiq.dll.
            Console.Error.WriteLine("serfiq: " + e.Message);
            return 1;
        }
        catch (DllNotFoundException e)
        {
            // libserfiq.so not found (see the binding's README: dllmap, LD_LIBRARY_PATH).
            Console.Error.WriteLine("serfiq: " + e.Message);
            return 1;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Kiosk FACE.ppm LANDMARKS.txt [--model MODEL.onnx] [--threshold Q]" +
                                " (model defaults to env SERFIQ_MODEL)");
        return 2;
    }

    private static string F(float v) => v.ToString("G9", CultureInfo.InvariantCulture);

    private static float[] ReadLandmarks(string path)
    {
        string[] parts = File.ReadAllText(path).Split(new[] { ' ', '\t', '\r', '\n' },
                                                      StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < QualityModel.LandmarkFloats)
            throw new InvalidDataException(path + ": expected " + QualityModel.LandmarkFloats + " numbers");
        var lm = new float[QualityModel.LandmarkFloats];
        for (int i = 0; i < lm.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out lm[i]))
                throw new InvalidDataException(path + ": '" + parts[i] + "' is not a number");
        return lm;
    }

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
