// The README's C# example: score the face of a photo and say what the person should fix.
//
//   Quickstart MODEL.onnx DETECTOR.onnx PHOTO.ppm      (binary PPM, P6, 8-bit RGB)
//
// Prints "s S q100 Q" for the face the detector picks, then the message of each
// feedback code raised under the default (enrolment) profile.
using System;
using System.Globalization;
using System.IO;
using System.Text;
using Serfiq;

internal static class Quickstart
{
    private static int Main(string[] args)
    {
        if (args.Length != 3) { Console.Error.WriteLine("usage: Quickstart MODEL.onnx DETECTOR.onnx PHOTO.ppm"); return 2; }
        int width, height;
        byte[] rgb = ReadPpm(args[2], out width, out height);
        try
        {
            // ANCHOR: readme
            var options = new QualityModelOptions { ModelPath = args[0], DetectorPath = args[1] };
            using (var model = new QualityModel(options))
            {
                Assessment a = model.Assess(ImageView.Packed(rgb, width, height, PixelFormat.Rgb));
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "s {0:F6} q100 {1:F1}", a.Quality.S, a.Quality.Q100));
                foreach (Feedback f in a.Feedback) Console.WriteLine(f.Message);
            }
            // ANCHOR_END: readme
        }
        catch (SerfiqException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        return 0;
    }

    // A binary PPM (P6, maxval 255): its RGB bytes.
    private static byte[] ReadPpm(string path, out int width, out int height)
    {
        byte[] file = File.ReadAllBytes(path);
        int pos = 0;
        Func<string> token = () =>
        {
            while (pos < file.Length && char.IsWhiteSpace((char)file[pos])) pos++;
            int start = pos;
            while (pos < file.Length && !char.IsWhiteSpace((char)file[pos])) pos++;
            return Encoding.ASCII.GetString(file, start, pos - start);
        };
        if (token() != "P6") throw new InvalidDataException(path + " is not a binary PPM");
        width = int.Parse(token(), CultureInfo.InvariantCulture);
        height = int.Parse(token(), CultureInfo.InvariantCulture);
        if (token() != "255") throw new InvalidDataException(path + ": only 8-bit PPM");
        pos++;
        var rgb = new byte[width * height * 3];
        Array.Copy(file, pos, rgb, 0, rgb.Length);
        return rgb;
    }
}
