using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Serfiq
{
    /// <summary>
    /// A loaded SER-FIQ model (one serfiq_model). Create it once and share it: every
    /// scoring member may be called from many threads at once. Dispose it when done;
    /// afterwards every member except Dispose throws <see cref="ObjectDisposedException"/>.
    /// Disposing while calls run on other threads is safe: the native model is freed when
    /// the last running call returns. Failures throw <see cref="SerfiqException"/>.
    /// </summary>
    public sealed class QualityModel : IDisposable
    {
        /// <summary>SERFIQ_ABI_VERSION this binding was written for; checked against the loaded library.</summary>
        public const uint BindingAbiVersion = Native.AbiVersion;
        /// <summary>Floats in one set of landmarks (SERFIQ_LANDMARK_FLOATS): x, y of left eye, right eye,
        /// nose tip, left and right mouth corner, in pixels.</summary>
        public const int LandmarkFloats = Native.LandmarkFloats;
        /// <summary>Most images in one <see cref="ScoreBatch(IReadOnlyList{ImageView}, IReadOnlyList{float[]})"/> call.</summary>
        public const int MaxBatch = Native.MaxBatch;

        private static readonly byte[] EmptyModelData = new byte[1];
        private readonly SerfiqHandle handle;
        private volatile bool disposed;

        /// <summary>Loads the ONNX model at <paramref name="modelPath"/> with default options.</summary>
        public QualityModel(string modelPath) : this(new QualityModelOptions { ModelPath = modelPath }) { }

        /// <summary>Loads a model with the given options.</summary>
        public unsafe QualityModel(QualityModelOptions options)
        {
            if (options == null) throw new SerfiqException(Status.NullArgument, "options is null");
            Native.EnsureAbi();
            NativeOptions o = Defaults();
            Apply(options, ref o);
            byte[] path = Native.ToUtf8Z(options.ModelPath, "ModelPath");
            byte[] ort = Native.ToUtf8Z(options.OrtLibraryPath, "OrtLibraryPath");
            byte[] layer = Native.ToUtf8Z(options.EmbeddingLayer, "EmbeddingLayer");
            byte[] sha256 = Native.ToUtf8Z(options.ModelSha256, "ModelSha256");
            byte[] data = options.ModelData;
            if (path != null && data != null)
                throw new SerfiqException(Status.InvalidArgument, "give ModelPath or ModelData, not both");
            // An empty ModelData must reach C as a non-NULL pointer with size 0 (an invalid
            // model), not as NULL (no model named).
            byte[] pinnedData = data != null && data.Length == 0 ? EmptyModelData : data;
            SerfiqHandle h;
            uint status;
            fixed (byte* pPath = path, pOrt = ort, pLayer = layer, pData = pinnedData, pSha256 = sha256)
            {
                o.ModelPath = (IntPtr)pPath;
                o.OrtLibraryPath = (IntPtr)pOrt;
                o.EmbeddingLayer = (IntPtr)pLayer;
                o.ModelSha256 = (IntPtr)pSha256;
                o.ModelData = (IntPtr)pData;
                o.ModelSize = new UIntPtr(data == null ? 0u : (uint)data.Length);
                status = Native.serfiq_create(&o, out h);
            }
            if (status != 0)
            {
                string message = Native.LastError();
                h?.Dispose();
                throw new SerfiqException((Status)status, message);
            }
            if (h == null || h.IsInvalid)
                throw new SerfiqException(Status.Internal, "serfiq_create returned OK without a model");
            handle = h;
            try
            {
                UIntPtr dim;
                uint w, hh;
                IntPtr m = handle.DangerousGetHandle();
                Native.Check(Native.serfiq_embedding_size(m, &dim));
                Native.Check(Native.serfiq_input_size(m, &w, &hh));
                embeddingSize = checked((int)dim.ToUInt64());
                inputWidth = checked((int)w);
                inputHeight = checked((int)hh);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        private readonly int embeddingSize, inputWidth, inputHeight;

        /// <summary>Number of floats in one embedding.</summary>
        public int EmbeddingSize => Live(embeddingSize);

        /// <summary>Width of an aligned input image (an image this size needs no landmarks).</summary>
        public int InputWidth => Live(inputWidth);

        /// <summary>Height of an aligned input image.</summary>
        public int InputHeight => Live(inputHeight);

        /// <summary>serfiq_version() of the loaded library, e.g. "serfiq 0.1.0 (ONNX Runtime API 1.31)".</summary>
        public static string Version
        {
            get
            {
                Native.EnsureAbi();
                return Native.Utf8ToString(Native.serfiq_version());
            }
        }

        /// <summary>serfiq_abi_version() of the loaded library (after the check that it equals <see cref="BindingAbiVersion"/>).</summary>
        public static uint AbiVersion
        {
            get
            {
                Native.EnsureAbi();
                return Native.serfiq_abi_version();
            }
        }

        /// <summary>Quality of one face. <paramref name="landmarks"/>: 10 floats locating the face,
        /// or null when the image is an aligned crop at InputWidth x InputHeight.</summary>
        public unsafe Quality Score(ImageView image, float[] landmarks = null)
        {
            Live(0);
            long stride = image.Validate(0);
            CheckLandmarks(landmarks, 0);
            bool added = false;
            try
            {
                IntPtr m = Acquire(ref added);
                NativeQuality q;
                fixed (byte* px = image.Data)
                fixed (float* lm = landmarks)
                {
                    NativeImage img = ToNative(image, px, stride);
                    Native.Check(Native.serfiq_score(m, &img, lm, &q));
                }
                return new Quality(q.S, q.Q);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>Quality of one face from raw pixels (stride 0 = tightly packed).</summary>
        public Quality Score(byte[] pixels, int width, int height, int stride, PixelFormat format,
                             float[] landmarks = null) =>
            Score(new ImageView(pixels, width, height, stride, format), landmarks);

        /// <summary>The embedding of one face, as the original model outputs it.</summary>
        public unsafe float[] Embed(ImageView image, float[] landmarks = null)
        {
            Live(0);
            long stride = image.Validate(0);
            CheckLandmarks(landmarks, 0);
            bool added = false;
            try
            {
                IntPtr m = Acquire(ref added);
                var embedding = new float[embeddingSize];
                UIntPtr len;
                fixed (byte* px = image.Data)
                fixed (float* lm = landmarks, e = embedding)
                {
                    NativeImage img = ToNative(image, px, stride);
                    Native.Check(Native.serfiq_embed(m, &img, lm, e, new UIntPtr((uint)embedding.Length), &len));
                }
                return Trim(embedding, len);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>The embedding of one face from raw pixels (stride 0 = tightly packed).</summary>
        public float[] Embed(byte[] pixels, int width, int height, int stride, PixelFormat format,
                             float[] landmarks = null) =>
            Embed(new ImageView(pixels, width, height, stride, format), landmarks);

        /// <summary>Quality and embedding of one face from a single inference.</summary>
        public unsafe Quality ScoreEmbed(ImageView image, float[] landmarks, out float[] embedding)
        {
            Live(0);
            long stride = image.Validate(0);
            CheckLandmarks(landmarks, 0);
            bool added = false;
            try
            {
                IntPtr m = Acquire(ref added);
                var emb = new float[embeddingSize];
                NativeQuality q;
                UIntPtr len;
                fixed (byte* px = image.Data)
                fixed (float* lm = landmarks, e = emb)
                {
                    NativeImage img = ToNative(image, px, stride);
                    Native.Check(Native.serfiq_score_embed(m, &img, lm, &q, e, new UIntPtr((uint)emb.Length), &len));
                }
                embedding = Trim(emb, len);
                return new Quality(q.S, q.Q);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>Quality and embedding of one face from raw pixels (stride 0 = tightly packed).</summary>
        public Quality ScoreEmbed(byte[] pixels, int width, int height, int stride, PixelFormat format,
                                  float[] landmarks, out float[] embedding) =>
            ScoreEmbed(new ImageView(pixels, width, height, stride, format), landmarks, out embedding);

        /// <summary>
        /// Qualities of 1..<see cref="MaxBatch"/> images in one inference. <paramref name="landmarks"/>:
        /// null when every image is an aligned crop, else one float[10] per image. Nothing is
        /// returned unless every image is valid.
        /// </summary>
        public Quality[] ScoreBatch(IReadOnlyList<ImageView> images, IReadOnlyList<float[]> landmarks = null)
        {
            float[][] unused;
            return Batch(images, landmarks, false, out unused);
        }

        /// <summary>As <see cref="ScoreBatch(IReadOnlyList{ImageView}, IReadOnlyList{float[]})"/>, also
        /// returning each image's embedding.</summary>
        public Quality[] ScoreBatch(IReadOnlyList<ImageView> images, IReadOnlyList<float[]> landmarks,
                                    out float[][] embeddings) =>
            Batch(images, landmarks, true, out embeddings);

        /// <summary>Frees the native model (once; later calls do nothing). A call still running on
        /// another thread finishes first.</summary>
        public void Dispose()
        {
            disposed = true;
            handle?.Dispose();
        }

        private unsafe Quality[] Batch(IReadOnlyList<ImageView> images, IReadOnlyList<float[]> landmarks,
                                       bool wantEmbeddings, out float[][] embeddings)
        {
            embeddings = null;
            Live(0);
            if (images == null) throw new SerfiqException(Status.NullArgument, "images is null");
            int count = images.Count;
            if (count < 1 || count > MaxBatch)
                throw new SerfiqException(Status.InvalidArgument, "count must be in 1..=" + MaxBatch + ", got " + count);
            if (landmarks != null && landmarks.Count != count)
                throw new SerfiqException(Status.InvalidLandmarks,
                    "landmarks has " + landmarks.Count + " entries for " + count + " images");
            // Validate everything and copy the views (a caller's list could change under us).
            var views = new ImageView[count];
            var strides = new long[count];
            for (int i = 0; i < count; i++)
            {
                views[i] = images[i];
                strides[i] = views[i].Validate(i);
            }
            float[] flat = null;
            if (landmarks != null)
            {
                flat = new float[count * LandmarkFloats];
                for (int i = 0; i < count; i++)
                {
                    float[] lm = landmarks[i];
                    if (lm == null)
                        throw new SerfiqException(Status.NullArgument,
                            "landmarks[" + i + "] is null; give landmarks for every image or pass null for all");
                    CheckLandmarks(lm, i);
                    Array.Copy(lm, 0, flat, i * LandmarkFloats, LandmarkFloats);
                }
            }
            bool added = false;
            var pins = new GCHandle[count];
            try
            {
                IntPtr m = Acquire(ref added);
                var native = new NativeImage[count];
                for (int i = 0; i < count; i++)
                {
                    pins[i] = GCHandle.Alloc(views[i].Data, GCHandleType.Pinned);
                    native[i] = ToNative(views[i], (byte*)pins[i].AddrOfPinnedObject(), strides[i]);
                }
                var qs = new NativeQuality[count];
                float[] embFlat = wantEmbeddings ? new float[(long)count * embeddingSize] : null;
                fixed (NativeImage* pImages = native)
                fixed (NativeQuality* pq = qs)
                fixed (float* lm = flat, e = embFlat)
                {
                    ulong cap = embFlat == null ? 0ul : (ulong)embFlat.Length;
                    Native.Check(Native.serfiq_score_batch(m, pImages, new UIntPtr((uint)count), lm, pq, e,
                                                           new UIntPtr(cap)));
                }
                var result = new Quality[count];
                for (int i = 0; i < count; i++) result[i] = new Quality(qs[i].S, qs[i].Q);
                if (wantEmbeddings)
                {
                    embeddings = new float[count][];
                    for (int i = 0; i < count; i++)
                    {
                        embeddings[i] = new float[embeddingSize];
                        Array.Copy(embFlat, (long)i * embeddingSize, embeddings[i], 0, embeddingSize);
                    }
                }
                return result;
            }
            finally
            {
                for (int i = 0; i < count; i++)
                    if (pins[i].IsAllocated) pins[i].Free();
                if (added) handle.DangerousRelease();
            }
        }

        private int Live(int value)
        {
            if (disposed) throw new ObjectDisposedException(nameof(QualityModel));
            return value;
        }

        /// <summary>Takes a reference on the native model for one call, or throws if disposed.</summary>
        private IntPtr Acquire(ref bool added)
        {
            if (disposed) throw new ObjectDisposedException(nameof(QualityModel));
            try
            {
                handle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(QualityModel));
            }
            return handle.DangerousGetHandle();
        }

        private static unsafe NativeImage ToNative(ImageView image, byte* pinned, long stride) =>
            new NativeImage
            {
                Data = (IntPtr)(pinned + image.Offset),
                Width = (uint)image.Width,
                Height = (uint)image.Height,
                Stride = new UIntPtr((ulong)stride),
                Format = (uint)image.Format,
            };

        private static void CheckLandmarks(float[] landmarks, int index)
        {
            if (landmarks != null && landmarks.Length != LandmarkFloats)
                throw new SerfiqException(Status.InvalidLandmarks,
                    "image " + index + ": landmarks must be " + LandmarkFloats + " floats, got " + landmarks.Length);
        }

        private static float[] Trim(float[] embedding, UIntPtr len)
        {
            ulong n = len.ToUInt64();
            if (n == (ulong)embedding.Length) return embedding;
            if (n > (ulong)embedding.Length)
                throw new SerfiqException(Status.Internal, "embedding length " + n + " exceeds the capacity given");
            var shorter = new float[n];
            Array.Copy(embedding, shorter, (long)n);
            return shorter;
        }

        private static unsafe NativeOptions Defaults()
        {
            // serfiq_options_init writes no more than the size we pass: our struct's. A library
            // accepts SERFIQ_OPTIONS_SIZE_V1 up to its own sizeof and fails with OptionsSize for
            // a struct from a newer header than its own.
            int size = Marshal.SizeOf<NativeOptions>();
            NativeOptions o = default(NativeOptions);
            Native.Check(Native.serfiq_options_init(&o, new UIntPtr((uint)size)));
            if (o.StructSize.ToUInt64() != (ulong)size)
                throw new SerfiqException(Status.OptionsSize,
                    "serfiq_options_init set struct_size " + o.StructSize + ", this binding's serfiq_options has " +
                    size + " bytes; use a libserfiq.so and Serfiq.dll from the same serfiq release");
            return o;
        }

        private static void Apply(QualityModelOptions s, ref NativeOptions o)
        {
            if (s.Samples.HasValue) o.Samples = NonNegative(s.Samples.Value, "Samples");
            if (s.Dropout.HasValue) o.Dropout = s.Dropout.Value;
            if (s.Seed.HasValue) o.Seed = s.Seed.Value;
            if (s.Alpha.HasValue) o.Alpha = s.Alpha.Value;
            if (s.R.HasValue) o.R = s.R.Value;
            if (s.ChannelOrder.HasValue) o.ChannelOrder = (uint)s.ChannelOrder.Value;
            if (s.Mean != null)
            {
                Three(s.Mean, "Mean");
                o.Mean0 = s.Mean[0];
                o.Mean1 = s.Mean[1];
                o.Mean2 = s.Mean[2];
            }
            if (s.Std != null)
            {
                Three(s.Std, "Std");
                o.Std0 = s.Std[0];
                o.Std1 = s.Std[1];
                o.Std2 = s.Std[2];
            }
            if (s.IntraOpThreads.HasValue) o.IntraOpThreads = NonNegative(s.IntraOpThreads.Value, "IntraOpThreads");
            if (s.MaxSessions.HasValue) o.MaxSessions = NonNegative(s.MaxSessions.Value, "MaxSessions");
        }

        private static uint NonNegative(int v, string name)
        {
            if (v < 0) throw new SerfiqException(Status.InvalidArgument, name + " is negative: " + v);
            return (uint)v;
        }

        private static void Three(float[] v, string name)
        {
            if (v.Length != 3)
                throw new SerfiqException(Status.InvalidArgument, name + " must have 3 values, got " + v.Length);
        }
    }
}
