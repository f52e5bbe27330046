// serfiq from C#: the camera loop over a folder of frames; prints what examples/c/capture.c prints.
//
//   Capture FRAMES_DIR [--detector DETECTOR.onnx] [--model MODEL.onnx]
//
// Pushes each *.ppm of FRAMES_DIR (binary PPM, 8-bit RGB), sorted by name, 40 ms apart, through
// a Capture with the default options over a model with the "live" feedback profile. The detector
// is --detector, else env SERFIQ_DETECTOR; the model --model, else env SERFIQ_MODEL. One line per frame:
//   INDEX STATE FEEDBACK_BITS(hex) Q100(2 decimals, "-" without a face) IS_BEST
// then "best INDEX STATE Q100 CROP_BYTES EMBEDDING_FLOATS" (or "best none").
// Exit status: 0, 1 when serfiq fails, 2 on bad usage or an unreadable frame.
using System;
using System.Globalization;
using System.IO;
using System.Text;
using Serfiq;

internal static class CameraLoop
{
    private static int Main(string[] args)
    {
        string dir = null;
        string modelPath = Environment.GetEnvironmentVariable("SERFIQ_MODEL");
        string detectorPath = Environment.GetEnvironmentVariable("SERFIQ_DETECTOR");
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--model" && i + 1 < args.Length) modelPath = args[++i];
            else if (args[i] == "--detector" && i + 1 < args.Length) detectorPath = args[++i];
            else if (dir == null && !args[i].StartsWith("--")) dir = args[i];
            else return Usage();
        }
        if (dir == null || string.IsNullOrEmpty(modelPath) || string.IsNullOrEmpty(detectorPath)) return Usage();
        string[] frames;
        try
        {
            frames = Directory.GetFiles(dir, "*.ppm");
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            Console.Error.WriteLine("cannot list " + dir + ": " + e.Message);
            return 2;
        }
        Array.Sort(frames, StringComparer.Ordinal);

        try
        {
            // NoQualityNet: as examples/c/capture.c, which passes no quality network (test.sh compares the two).
            var options = new QualityModelOptions
                { ModelPath = modelPath, DetectorPath = detectorPath, FeedbackProfile = "live", NoQualityNet = true };
            using (var model = new QualityModel(options))
            using (var capture = new Capture(model))
            {
                long timestampMs = 0;
                foreach (string path in frames)
                {
                    byte[] rgb;
                    int width, height;
                    try
                    {
                        rgb = ReadPpm(path, out width, out height);
                    }
                    catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                    {
                        Console.Error.WriteLine("cannot read " + path + ": " + e.Message);
                        return 2;
                    }
                    CaptureFrame f = capture.Push(ImageView.Packed(rgb, width, height, PixelFormat.Rgb), timestampMs);
                    timestampMs += 40;
                    Console.Out.Write(Line(f));
                }
                CaptureBest best = capture.Best(PixelFormat.Rgb);
                Console.Out.Write(best == null ? "best none\n"
                    : "best " + best.Index + " " + StateName(best.State) + " " + Q(best.Face.Quality.Q100) + " " +
                      best.Crop.Length + " " + best.Embedding.Length + "\n");
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

    /// <summary>A frame as examples/c/capture.c prints it.</summary>
    internal static string Line(CaptureFrame f) =>
        f.Index + " " + StateName(f.State) + " " + f.FeedbackBits.ToString("x16", CultureInfo.InvariantCulture) + " " +
        (f.Face == null ? "-" : Q(f.Face.Quality.Q100)) + " " + (f.IsBest ? 1 : 0) + "\n";

    /// <summary>The C macro's suffix: SEARCHING, ADJUST, HOLD_STILL, CAPTURED.</summary>
    private static string StateName(CaptureState s)
    {
        switch (s)
        {
            case CaptureState.Searching: return "SEARCHING";
            case CaptureState.Adjust: return "ADJUST";
            case CaptureState.HoldStill: return "HOLD_STILL";
            case CaptureState.Captured: return "CAPTURED";
            default: return "UNKNOWN";
        }
    }

    /// <summary>C's %.2f of a float.</summary>
    private static string Q(float v) => ((double)v).ToString("F2", CultureInfo.InvariantCulture);

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Capture FRAMES_DIR [--detector DETECTOR.onnx] [--model MODEL.onnx]" +
                                " (defaults: env SERFIQ_DETECTOR, SERFIQ_MODEL)");
        return 2;
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
