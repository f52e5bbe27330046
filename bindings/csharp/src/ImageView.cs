using System;

namespace Serfiq
{
    /// <summary>Pixel layout of an <see cref="ImageView"/>, 8 bits per channel (SERFIQ_PIXEL_*).</summary>
    public enum PixelFormat : uint
    {
        /// <summary>Blue, green, red (OpenCV's default).</summary>
        Bgr = 0,
        /// <summary>Red, green, blue.</summary>
        Rgb = 1,
        /// <summary>Blue, green, red, alpha (alpha ignored).</summary>
        Bgra = 2,
        /// <summary>Red, green, blue, alpha (alpha ignored).</summary>
        Rgba = 3,
        /// <summary>One grey channel.</summary>
        Gray = 4,
    }

    /// <summary>Channel order of the model's input tensor (SERFIQ_CHANNELS_*).</summary>
    public enum ChannelOrder : uint
    {
        /// <summary>RGB planes (ArcFace, the default).</summary>
        Rgb = 0,
        /// <summary>BGR planes.</summary>
        Bgr = 1,
    }

    /// <summary>
    /// An 8-bit image inside a managed byte array, borrowed (and pinned) only for the
    /// duration of a call. Row <c>y</c> starts at <c>Offset + y * Stride</c>; a Stride of 0
    /// means tightly packed (Width * bytes per pixel). The array must hold at least
    /// <c>Offset + (Height - 1) * Stride + Width * bytes per pixel</c> bytes (for a packed
    /// image: Stride * Height); the binding checks this before calling native code.
    /// </summary>
    public readonly struct ImageView
    {
        /// <summary>The pixels.</summary>
        public byte[] Data { get; }
        /// <summary>Index in <see cref="Data"/> of the first byte of the top row.</summary>
        public int Offset { get; }
        /// <summary>Width in pixels.</summary>
        public int Width { get; }
        /// <summary>Height in pixels.</summary>
        public int Height { get; }
        /// <summary>Bytes from one row to the next, or 0 for tightly packed rows.</summary>
        public int Stride { get; }
        /// <summary>Pixel layout.</summary>
        public PixelFormat Format { get; }

        /// <summary>An image whose top row starts at Data[0].</summary>
        public ImageView(byte[] data, int width, int height, int stride, PixelFormat format)
            : this(data, 0, width, height, stride, format) { }

        /// <summary>An image whose top row starts at Data[offset] (e.g. a crop of a larger buffer).</summary>
        public ImageView(byte[] data, int offset, int width, int height, int stride, PixelFormat format)
        {
            Data = data;
            Offset = offset;
            Width = width;
            Height = height;
            Stride = stride;
            Format = format;
        }

        /// <summary>A tightly packed image (Stride = Width * bytes per pixel).</summary>
        public static ImageView Packed(byte[] data, int width, int height, PixelFormat format) =>
            new ImageView(data, 0, width, height, 0, format);

        /// <summary>Bytes per pixel of a format, or 0 for a value that is not a known format.</summary>
        public static int BytesPerPixel(PixelFormat format)
        {
            switch (format)
            {
                case PixelFormat.Gray: return 1;
                case PixelFormat.Bgr:
                case PixelFormat.Rgb: return 3;
                case PixelFormat.Bgra:
                case PixelFormat.Rgba: return 4;
                default: return 0;
            }
        }

        /// <summary>
        /// Checks everything C cannot check about a managed buffer (and what it can, for
        /// clearer messages) and returns the stride in bytes to pass on.
        /// </summary>
        internal long Validate(int index)
        {
            string where = "image " + index + ": ";
            if (Data == null)
                throw new SerfiqException(Status.NullArgument, where + "Data is null");
            int bpp = BytesPerPixel(Format);
            if (bpp == 0)
                throw new SerfiqException(Status.InvalidImage, where + "unknown pixel format " + (uint)Format);
            if (Width <= 0 || Height <= 0)
                throw new SerfiqException(Status.InvalidImage, where + "image size " + Width + "x" + Height + " is empty");
            if (Width > Native.MaxImageSide || Height > Native.MaxImageSide)
                throw new SerfiqException(Status.InvalidImage,
                    where + "image size " + Width + "x" + Height + " exceeds the limit of " + Native.MaxImageSide +
                    " pixels per side");
            long row = (long)Width * bpp;
            if (Stride < 0)
                throw new SerfiqException(Status.InvalidImage, where + "stride " + Stride + " is negative");
            long stride = Stride == 0 ? row : Stride;
            if (stride < row)
                throw new SerfiqException(Status.InvalidImage,
                    where + "stride " + Stride + " is smaller than one row of " + Width + " pixels (" + row + " bytes)");
            if (Offset < 0 || Offset > Data.Length)
                throw new SerfiqException(Status.InvalidImage,
                    where + "offset " + Offset + " is outside the buffer of " + Data.Length + " bytes");
            long needed = (Height - 1L) * stride + row;
            if (needed > Data.Length - (long)Offset)
                throw new SerfiqException(Status.InvalidImage,
                    where + "buffer holds " + (Data.Length - (long)Offset) + " bytes from offset " + Offset + ", " +
                    Width + "x" + Height + " " + Format + " with stride " + stride + " needs " + needed);
            return stride;
        }
    }

    /// <summary>Quality of one face.</summary>
    public readonly struct Quality
    {
        /// <summary>Raw SER-FIQ score s = 2 * sigmoid(-mean pairwise distance), in (0, 1]; higher is better.</summary>
        public float S { get; }
        /// <summary>s mapped through the model's logistic (alpha, r), in (0, 1).</summary>
        public float Q { get; }
        /// <summary>L2 norm of the embedding layer's output for the unmasked pass (before any normalisation).</summary>
        public float N { get; }
        /// <summary>Fused quality (s_hat + n_hat) / 2 with the model's calibration percentiles; about 0 for a
        /// typical image, higher is better.</summary>
        public float F { get; }
        /// <summary>Percentile (0 to 100) of the image's quality (f or s, <see cref="QualityModelOptions.Q100Quality"/>)
        /// in the model's calibration sample: "reject below 10" rejects what scores below its worst 10 %.</summary>
        public float Q100 { get; }
        /// <summary>The second quality network's value (higher is better, in its own scale); NaN when the model
        /// has none (<see cref="QualityModelOptions.QualityNetPath"/>).</summary>
        public float L { get; }

        /// <summary>Creates a quality value (n, f and q100 zero, l NaN).</summary>
        public Quality(float s, float q) : this(s, q, 0, 0, 0, float.NaN) { }

        /// <summary>Creates a quality value (l NaN).</summary>
        public Quality(float s, float q, float n, float f, float q100) : this(s, q, n, f, q100, float.NaN) { }

        /// <summary>Creates a quality value.</summary>
        public Quality(float s, float q, float n, float f, float q100, float l)
        {
            S = s;
            Q = q;
            N = n;
            F = f;
            Q100 = q100;
            L = l;
        }

        /// <summary>"s=… q=…".</summary>
        public override string ToString() =>
            "s=" + S.ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
            " q=" + Q.ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
            " n=" + N.ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
            " f=" + F.ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
            " q100=" + Q100.ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
            " l=" + L.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    }
}
