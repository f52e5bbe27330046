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
        /// <summary>Most faces one image gives (SERFIQ_MAX_FACES).</summary>
        public const int MaxFaces = Native.MaxFaces;
        /// <summary>Most images in one <see cref="ScoreBatch(IReadOnlyList{ImageView}, IReadOnlyList{float[]})"/> call.</summary>
        public const int MaxBatch = Native.MaxBatch;

        private static readonly byte[] OneByte = new byte[1];
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
            byte[] detectorPath = Native.ToUtf8Z(options.DetectorPath, "DetectorPath");
            byte[] cuda = Native.ToUtf8Z(options.CudaLibraryPath, "CudaLibraryPath");
            byte[] detectorSha256 = Native.ToUtf8Z(options.DetectorSha256, "DetectorSha256");
            byte[] profile = Native.ToUtf8Z(options.FeedbackProfile, "FeedbackProfile");
            byte[] netPath = Native.ToUtf8Z(options.QualityNetPath, "QualityNetPath");
            byte[] netData = options.QualityNetData;
            string netPin = options.QualityNetSha256;
            if (options.NoQualityNet && (options.QualityNetPath != null || netData != null))
                throw new SerfiqException(Status.InvalidArgument, "NoQualityNet with QualityNetPath or QualityNetData");
            if (!options.NoQualityNet && options.QualityNetPath == null && netData == null)
            {
                netData = BundledQualityNet.Bytes();
                netPin = netPin ?? BundledQualityNet.Sha256;
            }
            byte[] netSha256 = Native.ToUtf8Z(netPin, "QualityNetSha256");
            byte[] netSpec = Native.ToUtf8Z(options.QualityNetSpec, "QualityNetSpec");
            byte[] data = options.ModelData, detectorData = options.DetectorData;
            // C would silently prefer the path; two sources are a caller's mistake worth naming.
            if (path != null && data != null)
                throw new SerfiqException(Status.InvalidArgument, "give ModelPath or ModelData, not both");
            if (detectorPath != null && detectorData != null)
                throw new SerfiqException(Status.InvalidArgument, "give DetectorPath or DetectorData, not both");
            if (netPath != null && netData != null)
                throw new SerfiqException(Status.InvalidArgument, "give QualityNetPath or QualityNetData, not both");
            SerfiqHandle h;
            uint status;
            fixed (byte* pPath = path, pOrt = ort, pLayer = layer, pSha256 = sha256, pDetectorPath = detectorPath,
                         pCuda = cuda, pDetectorSha256 = detectorSha256, pProfile = profile, pData = NonNullWhenEmpty(data), pDetectorData = NonNullWhenEmpty(detectorData),
                         pNetPath = netPath, pNetSha256 = netSha256, pNetSpec = netSpec, pNetData = NonNullWhenEmpty(netData))
            {
                o.ModelPath = (IntPtr)pPath;
                o.OrtLibraryPath = (IntPtr)pOrt;
                o.EmbeddingLayer = (IntPtr)pLayer;
                o.ModelSha256 = (IntPtr)pSha256;
                o.ModelData = (IntPtr)pData;
                o.ModelSize = new UIntPtr(data == null ? 0u : (uint)data.Length);
                o.DetectorPath = (IntPtr)pDetectorPath;
                o.DetectorData = (IntPtr)pDetectorData;
                o.DetectorSize = new UIntPtr(detectorData == null ? 0u : (uint)detectorData.Length);
                o.CudaLibraryPath = (IntPtr)pCuda;
                o.DetectorSha256 = (IntPtr)pDetectorSha256;
                o.FeedbackProfile = (IntPtr)pProfile;
                o.QualityNetPath = (IntPtr)pNetPath;
                o.QualityNetData = (IntPtr)pNetData;
                o.QualityNetSize = new UIntPtr(netData == null ? 0u : (uint)netData.Length);
                o.QualityNetSha256 = (IntPtr)pNetSha256;
                o.QualityNetSpec = (IntPtr)pNetSpec;
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

        /// <summary>Quality of one face. <paramref name="landmarks"/>: 10 floats locating the face, or null:
        /// then an image at InputWidth x InputHeight is an aligned crop, and any other image is searched by
        /// the detector (<see cref="QualityModelOptions.DetectorPath"/>), which scores the face
        /// <see cref="QualityModelOptions.FacePolicy"/> picks or fails with <see cref="Status.NoFace"/>
        /// (without a detector such an image fails with <see cref="Status.InvalidImage"/>). The same
        /// routing holds for every single-face call.</summary>
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
                return q.ToQuality();
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
                return q.ToQuality();
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
        /// null when no image has landmarks (each is then an aligned crop, or a photo for the detector
        /// as in <see cref="Score(ImageView, float[])"/>), else one float[10] per image. Nothing is
        /// returned unless every image succeeds; <see cref="ScoreBatchEach"/> gives each image's own result.
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

        /// <summary>
        /// Every face the detector finds in <paramref name="image"/> (any size, any pixel format), each
        /// aligned by its landmarks and scored, in the order of <see cref="QualityModelOptions.FacePolicy"/>:
        /// element 0 is the face <see cref="Score(ImageView, float[])"/> would score. An image without a
        /// face gives an empty array. With <paramref name="embeddings"/>, each face also carries its
        /// embedding. A model without a detector fails with <see cref="Status.InvalidArgument"/>.
        /// </summary>
        public unsafe DetectedFace[] DetectScore(ImageView image, bool embeddings = false)
        {
            Live(0);
            long stride = image.Validate(0);
            bool added = false;
            try
            {
                IntPtr m = Acquire(ref added);
                // Room for a few faces first: a larger photo comes back as BufferTooSmall with the
                // count before anything is scored, so one detection pass is spent at most.
                int capacity = 8;
                fixed (byte* px = image.Data)
                {
                    NativeImage img = ToNative(image, px, stride);
                    while (true)
                    {
                        var faces = new NativeFace[capacity];
                        float[] emb = embeddings ? new float[(long)capacity * embeddingSize] : null;
                        UIntPtr count;
                        fixed (NativeFace* pf = faces)
                        fixed (float* pe = emb)
                        {
                            uint status = Native.serfiq_detect_score(m, &img, pf, new UIntPtr((uint)capacity), &count, pe,
                                                                     new UIntPtr(emb == null ? 0ul : (ulong)emb.Length));
                            ulong n = count.ToUInt64();
                            if (status == (uint)Status.BufferTooSmall && n > (ulong)capacity)
                            {
                                capacity = checked((int)n);
                                continue;
                            }
                            Native.Check(status);
                            if (n > (ulong)capacity)
                                throw new SerfiqException(Status.Internal, "serfiq_detect_score reported " + n +
                                                          " faces for a capacity of " + capacity);
                            var result = new DetectedFace[n];
                            for (int i = 0; i < result.Length; i++)
                            {
                                NativeFace* f = pf + i;
                                var box = new float[4];
                                var landmarks = new float[LandmarkFloats];
                                for (int k = 0; k < box.Length; k++) box[k] = f->Box[k];
                                for (int k = 0; k < landmarks.Length; k++) landmarks[k] = f->Landmarks[k];
                                float[] e = null;
                                if (emb != null)
                                {
                                    e = new float[embeddingSize];
                                    Array.Copy(emb, (long)i * embeddingSize, e, 0, embeddingSize);
                                }
                                result[i] = new DetectedFace(box, landmarks, f->Confidence,
                                                             f->Quality.ToQuality(), e);
                            }
                            return result;
                        }
                    }
                }
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>The face <see cref="Score(ImageView, float[])"/> would score, with its quality, ISO/IEC 29794-5
        /// components and the feedback raised under <see cref="QualityModelOptions.FeedbackProfile"/>. Routed and
        /// failing as Score does (<see cref="Status.NoFace"/> when the detector finds no face).</summary>
        public unsafe Assessment Assess(ImageView image, float[] landmarks = null)
        {
            Live(0);
            long stride = image.Validate(0);
            CheckLandmarks(landmarks, 0);
            bool added = false;
            try
            {
                IntPtr m = Acquire(ref added);
                NativeFace face;
                NativeComponents components;
                fixed (byte* px = image.Data)
                fixed (float* lm = landmarks)
                {
                    NativeImage img = ToNative(image, px, stride);
                    Native.Check(Native.serfiq_assess(m, &img, lm, &face, &components));
                }
                return Assessment.FromNative(&face, &components);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>Every face <see cref="DetectScore"/> finds, in its order, each with its components and feedback.
        /// No face gives an empty array; a model without a detector fails with <see cref="Status.InvalidArgument"/>.
        /// </summary>
        public unsafe Assessment[] DetectAssess(ImageView image)
        {
            Live(0);
            long stride = image.Validate(0);
            bool added = false;
            try
            {
                IntPtr m = Acquire(ref added);
                fixed (byte* px = image.Data)
                {
                    NativeImage img = ToNative(image, px, stride);
                    UIntPtr count;
                    Native.Check(Native.serfiq_detect_assess(m, &img, null, null, UIntPtr.Zero, &count));  // a count query
                    int n = checked((int)count.ToUInt64());
                    var faces = new NativeFace[Math.Max(n, 1)];
                    var components = new NativeComponents[faces.Length];
                    fixed (NativeFace* pf = faces)
                    fixed (NativeComponents* pc = components)
                    {
                        // The detector runs again; a photo it now reads differently cannot occur (it is deterministic).
                        Native.Check(Native.serfiq_detect_assess(m, &img, pf, pc, new UIntPtr((uint)faces.Length), &count));
                        var result = new Assessment[count.ToUInt64()];
                        for (int i = 0; i < result.Length; i++) result[i] = Assessment.FromNative(pf + i, pc + i);
                        return result;
                    }
                }
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>
        /// Scores 1..<see cref="MaxBatch"/> images each on its own, so that one bad image does not hide the
        /// others' results: one <see cref="BatchResult"/> per image, in order, with the image's status and
        /// message and, when it succeeded, its quality (and embedding with <paramref name="embeddings"/>).
        /// <paramref name="landmarks"/> as for <see cref="ScoreBatch(IReadOnlyList{ImageView}, IReadOnlyList{float[]})"/>.
        /// Only problems of the whole call throw (no images, too many, a landmarks list of another length,
        /// ONNX Runtime failing); an image whose array the binding rejects gets that status as its result.
        /// </summary>
        public unsafe BatchResult[] ScoreBatchEach(IReadOnlyList<ImageView> images, IReadOnlyList<float[]> landmarks = null,
                                                   bool embeddings = false)
        {
            Live(0);
            if (images == null) throw new SerfiqException(Status.NullArgument, "images is null");
            int count = images.Count;
            if (count < 1 || count > MaxBatch)
                throw new SerfiqException(Status.InvalidArgument, "count must be in 1..=" + MaxBatch + ", got " + count);
            if (landmarks != null && landmarks.Count != count)
                throw new SerfiqException(Status.InvalidLandmarks,
                    "landmarks has " + landmarks.Count + " entries for " + count + " images");
            var views = new ImageView[count];
            var strides = new long[count];
            var rejected = new SerfiqException[count];
            float[] flat = landmarks != null ? new float[count * LandmarkFloats] : null;
            for (int i = 0; i < count; i++)
            {
                views[i] = images[i];
                try
                {
                    strides[i] = views[i].Validate(i);
                    if (landmarks != null)
                    {
                        float[] lm = landmarks[i];
                        if (lm == null)
                            throw new SerfiqException(Status.NullArgument, "image " + i + ": landmarks is null");
                        CheckLandmarks(lm, i);
                        Array.Copy(lm, 0, flat, i * LandmarkFloats, LandmarkFloats);
                    }
                }
                catch (SerfiqException e)
                {
                    rejected[i] = e;
                }
            }
            bool added = false;
            var pins = new GCHandle[count];
            try
            {
                IntPtr m = Acquire(ref added);
                var native = new NativeImage[count];
                var statuses = new uint[count];
                var qs = new NativeQuality[count];
                float[] embFlat = embeddings ? new float[(long)count * embeddingSize] : null;
                var results = new BatchResult[count];
                fixed (byte* placeholder = OneByte)
                {
                    for (int i = 0; i < count; i++)
                    {
                        if (rejected[i] != null)
                        {
                            // Keeps the indices (and C's "image i" messages) aligned: an empty image C
                            // refuses on its own, whose result is replaced by the binding's reason below.
                            native[i] = new NativeImage { Data = (IntPtr)placeholder, Format = (uint)PixelFormat.Gray };
                            continue;
                        }
                        pins[i] = GCHandle.Alloc(views[i].Data, GCHandleType.Pinned);
                        native[i] = ToNative(views[i], (byte*)pins[i].AddrOfPinnedObject(), strides[i]);
                    }
                    fixed (NativeImage* pImages = native)
                    fixed (NativeQuality* pq = qs)
                    fixed (uint* ps = statuses)
                    fixed (float* lm = flat, e = embFlat)
                    {
                        ulong cap = embFlat == null ? 0ul : (ulong)embFlat.Length;
                        uint status = Native.serfiq_score_batch_each(m, pImages, new UIntPtr((uint)count), lm, pq, e,
                                                                     new UIntPtr(cap), ps);
                        if (status != (uint)Status.ImagesFailed) Native.Check(status);
                        // serfiq_image_error's messages last until the next serfiq call: copy them first.
                        for (int i = 0; i < count; i++)
                        {
                            if (rejected[i] != null)
                                results[i] = new BatchResult(rejected[i].Status, rejected[i].Detail, null, null);
                            else if (statuses[i] != (uint)Status.Ok)
                                results[i] = new BatchResult((Status)statuses[i],
                                                             Native.Utf8ToString(Native.serfiq_image_error(new UIntPtr((uint)i))),
                                                             null, null);
                        }
                    }
                }
                for (int i = 0; i < count; i++)
                {
                    if (results[i] != null) continue;
                    float[] emb = null;
                    if (embFlat != null)
                    {
                        emb = new float[embeddingSize];
                        Array.Copy(embFlat, (long)i * embeddingSize, emb, 0, embeddingSize);
                    }
                    results[i] = new BatchResult(Status.Ok, string.Empty, qs[i].ToQuality(), emb);
                }
                return results;
            }
            finally
            {
                for (int i = 0; i < count; i++)
                    if (pins[i].IsAllocated) pins[i].Free();
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>
        /// The face the single-face calls would score (routed as for <see cref="Score(ImageView, float[])"/>:
        /// by its landmarks, as an aligned crop, or by the detector), as the model sees it:
        /// InputWidth x InputHeight pixels, packed rows, 3 bytes each in <paramref name="format"/>
        /// (<see cref="PixelFormat.Rgb"/> or <see cref="PixelFormat.Bgr"/>).
        /// </summary>
        public unsafe byte[] AlignedCrop(ImageView image, float[] landmarks = null, PixelFormat format = PixelFormat.Rgb)
        {
            Live(0);
            long stride = image.Validate(0);
            CheckLandmarks(landmarks, 0);
            bool added = false;
            try
            {
                IntPtr m = Acquire(ref added);
                var pixels = new byte[(long)inputWidth * inputHeight * 3];
                UIntPtr len;
                fixed (byte* px = image.Data, pOut = pixels)
                fixed (float* lm = landmarks)
                {
                    NativeImage img = ToNative(image, px, stride);
                    Native.Check(Native.serfiq_aligned_crop(m, &img, lm, (uint)format, pOut,
                                                            new UIntPtr((ulong)pixels.Length), &len));
                }
                if (len.ToUInt64() != (ulong)pixels.Length)
                    throw new SerfiqException(Status.Internal, "serfiq_aligned_crop wrote " + len + " bytes, expected " +
                                              pixels.Length);
                return pixels;
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>
        /// The settings this model was made with (serfiq_get_options): every property set, paths as given,
        /// <see cref="QualityModelOptions.ModelData"/>, <see cref="QualityModelOptions.DetectorData"/> and
        /// <see cref="QualityModelOptions.QualityNetData"/> null (bytes are not kept; the embedded quality
        /// network reads back as its pin, <see cref="QualityModelOptions.NoQualityNet"/> false), Alpha and R the values in use (given, the model's calibration or the
        /// defaults), ExecutionProvider the one asked for (<see cref="ExecutionProvider"/> tells where the
        /// model runs). A new object on every read.
        /// </summary>
        public unsafe QualityModelOptions Options
        {
            get
            {
                bool added = false;
                try
                {
                    IntPtr m = Acquire(ref added);
                    NativeOptions o = Defaults();
                    Native.Check(Native.serfiq_get_options(m, &o));
                    return FromNative(ref o);
                }
                finally
                {
                    if (added) handle.DangerousRelease();
                }
            }
        }

        /// <summary>Where this model's inferences run: <see cref="Serfiq.ExecutionProvider.Cuda"/>, or
        /// <see cref="Serfiq.ExecutionProvider.Cpu"/> (also when CUDA was asked for with
        /// <see cref="QualityModelOptions.GpuFallback"/> and could not be used).</summary>
        public unsafe ExecutionProvider ExecutionProvider
        {
            get
            {
                bool added = false;
                try
                {
                    IntPtr m = Acquire(ref added);
                    uint provider;
                    Native.Check(Native.serfiq_get_execution_provider(m, &provider));
                    return (ExecutionProvider)provider;
                }
                finally
                {
                    if (added) handle.DangerousRelease();
                }
            }
        }

        /// <summary>serfiq_live_models(): models created and not yet destroyed in this process, through
        /// every surface of the library (C, C++, C#, Java), for leak checks.</summary>
        public static long LiveModels
        {
            get
            {
                Native.EnsureAbi();
                return checked((long)Native.serfiq_live_models().ToUInt64());
            }
        }

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
                for (int i = 0; i < count; i++) result[i] = qs[i].ToQuality();
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

        /// <summary>For Capture: a reference on the native model for one call; release with ReleaseNative.</summary>
        internal IntPtr AcquireNative(ref bool added) => Acquire(ref added);

        internal void ReleaseNative() => handle.DangerousRelease();

        internal static unsafe NativeImage ToNative(ImageView image, byte* pinned, long stride) =>
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
            if (s.FacePolicy.HasValue) o.FacePolicy = (uint)s.FacePolicy.Value;
            if (s.DetectorThreshold.HasValue) o.DetectorThreshold = s.DetectorThreshold.Value;
            if (s.ExecutionProvider.HasValue) o.ExecutionProvider = (uint)s.ExecutionProvider.Value;
            if (s.DeviceId.HasValue) o.DeviceId = s.DeviceId.Value;
            if (s.GpuFallback.HasValue) o.GpuFallback = s.GpuFallback.Value ? 1u : 0u;
            if (s.MaxModelBytes.HasValue) o.MaxModelBytes = s.MaxModelBytes.Value;
            if (s.SearchPaths.HasValue) o.SearchPaths = (uint)s.SearchPaths.Value;
            if (s.InputMode.HasValue) o.InputMode = (uint)s.InputMode.Value;
            if (s.DetectorMaxSide.HasValue) o.DetectorMaxSide = NonNegative(s.DetectorMaxSide.Value, "DetectorMaxSide");
            if (s.Q100Quality.HasValue) o.Q100Quality = (uint)s.Q100Quality.Value;
        }

        /// <summary>The settings serfiq_get_options gives back, strings copied (they live in the model).</summary>
        private static QualityModelOptions FromNative(ref NativeOptions o) =>
            new QualityModelOptions
            {
                ModelPath = Native.Utf8ToStringOrNull(o.ModelPath),
                OrtLibraryPath = Native.Utf8ToStringOrNull(o.OrtLibraryPath),
                EmbeddingLayer = Native.Utf8ToStringOrNull(o.EmbeddingLayer),
                Samples = checked((int)o.Samples),
                Dropout = o.Dropout,
                Seed = o.Seed,
                Alpha = o.Alpha,
                R = o.R,
                ChannelOrder = (ChannelOrder)o.ChannelOrder,
                Mean = new[] { o.Mean0, o.Mean1, o.Mean2 },
                Std = new[] { o.Std0, o.Std1, o.Std2 },
                IntraOpThreads = checked((int)o.IntraOpThreads),
                MaxSessions = checked((int)o.MaxSessions),
                ModelSha256 = Native.Utf8ToStringOrNull(o.ModelSha256),
                DetectorPath = Native.Utf8ToStringOrNull(o.DetectorPath),
                FacePolicy = (FacePolicy)o.FacePolicy,
                DetectorThreshold = o.DetectorThreshold,
                ExecutionProvider = (ExecutionProvider)o.ExecutionProvider,
                DeviceId = o.DeviceId,
                GpuFallback = o.GpuFallback != 0,
                CudaLibraryPath = Native.Utf8ToStringOrNull(o.CudaLibraryPath),
                MaxModelBytes = o.MaxModelBytes,
                DetectorSha256 = Native.Utf8ToStringOrNull(o.DetectorSha256),
                SearchPaths = (SearchPaths)o.SearchPaths,
                InputMode = (InputMode)o.InputMode,
                DetectorMaxSide = checked((int)o.DetectorMaxSide),
                Q100Quality = (Q100Quality)o.Q100Quality,
                FeedbackProfile = Native.Utf8ToStringOrNull(o.FeedbackProfile),
                QualityNetPath = Native.Utf8ToStringOrNull(o.QualityNetPath),
                QualityNetSha256 = Native.Utf8ToStringOrNull(o.QualityNetSha256),
                QualityNetSpec = Native.Utf8ToStringOrNull(o.QualityNetSpec),
            };

        /// <summary>
        /// An empty byte array must reach C as a non-NULL pointer with size 0 (invalid bytes), not as
        /// NULL (nothing given); fixed() yields NULL for an empty array.
        /// </summary>
        private static byte[] NonNullWhenEmpty(byte[] data) => data != null && data.Length == 0 ? OneByte : data;

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
