// P/Invoke declarations of include/serfiq.h (the contract). Nothing here is public:
// QualityModel is the API. Every struct is blittable and laid out exactly as in C on
// LP64 (size_t and pointers are 8 bytes; UIntPtr / IntPtr / T* here).
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Serfiq
{
    /// <summary>
    /// serfiq_options, every field of this binding's serfiq.h (SERFIQ_OPTIONS_SIZE_V6): fill with
    /// serfiq_options_init(&amp;o, sizeof o), then change fields. C only ever appends fields; a newer
    /// library reads just the bytes StructSize covers and defaults the rest. The tests compare every
    /// offset with the C compiler's (test.sh builds a small C program for it).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeOptions
    {
        public UIntPtr StructSize;        // size_t struct_size
        public IntPtr ModelPath;          // const char *model_path (UTF-8)
        public IntPtr ModelData;          // const uint8_t *model_data
        public UIntPtr ModelSize;         // size_t model_size
        public IntPtr OrtLibraryPath;     // const char *ort_library_path (UTF-8)
        public IntPtr EmbeddingLayer;     // const char *embedding_layer (UTF-8)
        public uint Samples;              // uint32_t samples
        public float Dropout;             // float dropout
        public ulong Seed;                // uint64_t seed
        public double Alpha;              // double alpha
        public double R;                  // double r
        public uint ChannelOrder;         // serfiq_channel_order channel_order
        public float Mean0, Mean1, Mean2; // float mean[3]
        public float Std0, Std1, Std2;    // float std[3]
        public uint IntraOpThreads;       // uint32_t intra_op_threads
        public uint MaxSessions;          // uint32_t max_sessions
        public IntPtr ModelSha256;        // const char *model_sha256 (UTF-8, 64 hex digits)
        // SERFIQ_OPTIONS_SIZE_V2: the face detector.
        public IntPtr DetectorPath;       // const char *detector_path (UTF-8)
        public IntPtr DetectorData;       // const uint8_t *detector_data
        public UIntPtr DetectorSize;      // size_t detector_size
        public uint FacePolicy;           // serfiq_face_policy face_policy
        public float DetectorThreshold;   // float detector_threshold
        // SERFIQ_OPTIONS_SIZE_V3: where inferences run.
        public uint ExecutionProvider;    // serfiq_execution_provider execution_provider
        public int DeviceId;              // int32_t device_id
        public uint GpuFallback;          // uint32_t gpu_fallback
        public IntPtr CudaLibraryPath;    // const char *cuda_library_path (UTF-8)
        // SERFIQ_OPTIONS_SIZE_V4: the model size limit, the detector's digest, the library search.
        public ulong MaxModelBytes;       // uint64_t max_model_bytes
        public IntPtr DetectorSha256;     // const char *detector_sha256 (UTF-8, 64 hex digits)
        public uint SearchPaths;          // serfiq_search_paths search_paths
        // SERFIQ_OPTIONS_SIZE_V5: what an image is, the detector's working size.
        public uint InputMode;            // serfiq_input_mode input_mode
        public uint DetectorMaxSide;      // uint32_t detector_max_side
        // SERFIQ_OPTIONS_SIZE_V5: which quality q100 is the percentile of.
        public uint Q100Quality;          // serfiq_q100_quality q100_quality
        // SERFIQ_OPTIONS_SIZE_V6: the thresholds of the feedback codes.
        public IntPtr FeedbackProfile;    // const char *feedback_profile (UTF-8)
        // SERFIQ_OPTIONS_SIZE_V6: the second quality network.
        public IntPtr QualityNetPath;     // const char *quality_net_path (UTF-8)
        public IntPtr QualityNetData;     // const uint8_t *quality_net_data
        public UIntPtr QualityNetSize;    // size_t quality_net_size
        public IntPtr QualityNetSha256;   // const char *quality_net_sha256 (UTF-8, 64 hex digits)
        public IntPtr QualityNetSpec;     // const char *quality_net_spec (UTF-8)
    }

    /// <summary>serfiq_image: an 8-bit image borrowed for one call.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeImage
    {
        public IntPtr Data;     // const uint8_t *data
        public uint Width;      // uint32_t width
        public uint Height;     // uint32_t height
        public UIntPtr Stride;  // size_t stride
        public uint Format;     // serfiq_pixel_format format
    }

    /// <summary>serfiq_quality.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeQuality
    {
        public float S;
        public float Q;
        public float N;
        public float F;
        public float Q100;
        public float L;

        internal Quality ToQuality() => new Quality(S, Q, N, F, Q100, L);
    }

    /// <summary>serfiq_face: one face of serfiq_detect_score.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct NativeFace
    {
        public fixed float Box[4];        // float box[4]: left, top, right, bottom
        public fixed float Landmarks[10]; // float landmarks[SERFIQ_LANDMARK_FLOATS]
        public float Confidence;          // float confidence
        public NativeQuality Quality;     // serfiq_quality quality
    }

    /// <summary>serfiq_components: one face's component table and feedback set.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct NativeComponents
    {
        public ulong Feedback;            // uint64_t feedback: bit k = code k raised
        public uint Count;                // uint32_t count: ids 0..count-1 defined
        public fixed float Raw[32];       // float raw[SERFIQ_MAX_COMPONENTS]
        public fixed float Value[32];     // float value[SERFIQ_MAX_COMPONENTS]
    }

    /// <summary>The C API, one declaration per function of serfiq.h.</summary>
    internal static unsafe class Native
    {
        /// <summary>Resolved as libserfiq.so by the runtime (see README: dllmap, LD_LIBRARY_PATH, runtimes/).</summary>
        internal const string Library = "serfiq";

        /// <summary>SERFIQ_ABI_VERSION this binding was written for.</summary>
        internal const uint AbiVersion = 3;
        internal const int LandmarkFloats = 10;   // SERFIQ_LANDMARK_FLOATS
        internal const int MaxBatch = 4096;       // SERFIQ_MAX_BATCH
        internal const int MaxImageSide = 32768;  // SERFIQ_MAX_IMAGE_SIDE
        internal const int MaxFaces = 750;        // SERFIQ_MAX_FACES
        internal const int MaxComponents = 32;    // SERFIQ_MAX_COMPONENTS
        // SERFIQ_OPTIONS_SIZE_V1..V6, computed as the header computes them.
        internal static readonly int OptionsSizeV1 = Marshal.OffsetOf<NativeOptions>("DetectorPath").ToInt32();
        internal static readonly int OptionsSizeV2 = Marshal.OffsetOf<NativeOptions>("ExecutionProvider").ToInt32();
        internal static readonly int OptionsSizeV3 = Marshal.OffsetOf<NativeOptions>("MaxModelBytes").ToInt32();
        // V4: sizeof of the struct that ended with SearchPaths, tail padding included (8-byte aligned on LP64).
        internal static readonly int OptionsSizeV4 = RoundUp(
            Marshal.OffsetOf<NativeOptions>("SearchPaths").ToInt32() + sizeof(uint), IntPtr.Size);
        // V5: sizeof of the struct that ended with Q100Quality, tail padding included.
        internal static readonly int OptionsSizeV5 = RoundUp(
            Marshal.OffsetOf<NativeOptions>("Q100Quality").ToInt32() + sizeof(uint), IntPtr.Size);
        internal static readonly int OptionsSizeV6 = Marshal.SizeOf<NativeOptions>();

        // The struct's alignment is that of its pointers and 64-bit fields: 8 on LP64.
        private static int RoundUp(int n, int align) => (n + align - 1) / align * align;

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_options_init(NativeOptions* options, UIntPtr structSize);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_create(NativeOptions* options, out SerfiqHandle modelOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void serfiq_destroy(IntPtr model);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_score(IntPtr model, NativeImage* image, float* landmarks,
                                                 NativeQuality* quality);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_embed(IntPtr model, NativeImage* image, float* landmarks,
                                                 float* embedding, UIntPtr capacity, UIntPtr* embeddingLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_score_embed(IntPtr model, NativeImage* image, float* landmarks,
                                                       NativeQuality* quality, float* embedding,
                                                       UIntPtr capacity, UIntPtr* embeddingLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_score_batch(IntPtr model, NativeImage* images, UIntPtr count,
                                                       float* landmarks, NativeQuality* qualities,
                                                       float* embeddings, UIntPtr embeddingsCapacity);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_get_options(IntPtr model, NativeOptions* optionsOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_score_batch_each(IntPtr model, NativeImage* images, UIntPtr count,
                                                            float* landmarks, NativeQuality* qualities,
                                                            float* embeddings, UIntPtr embeddingsCapacity,
                                                            uint* statuses);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr serfiq_image_error(UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_detect_score(IntPtr model, NativeImage* image, NativeFace* faces,
                                                        UIntPtr capacity, UIntPtr* count, float* embeddings,
                                                        UIntPtr embeddingsCapacity);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_aligned_crop(IntPtr model, NativeImage* image, float* landmarks,
                                                        uint format, byte* pixels, UIntPtr capacity,
                                                        UIntPtr* pixelsLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_assess(IntPtr model, NativeImage* image, float* landmarks,
                                                  NativeFace* faceOut, NativeComponents* componentsOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_detect_assess(IntPtr model, NativeImage* image, NativeFace* facesOut,
                                                         NativeComponents* componentsOut, UIntPtr capacity,
                                                         UIntPtr* countOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_component_count();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr serfiq_component_name(uint id);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr serfiq_component_unit(uint id);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_feedback_count();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr serfiq_feedback_name(uint code);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr serfiq_feedback_message(uint code);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_get_execution_provider(IntPtr model, uint* providerOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr serfiq_live_models();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_embedding_size(IntPtr model, UIntPtr* sizeOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_input_size(IntPtr model, uint* widthOut, uint* heightOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr serfiq_last_error();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr serfiq_status_name(uint status);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr serfiq_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_abi_version();

        /// <summary>Decodes a NUL-terminated UTF-8 string (Marshal.PtrToStringUTF8 is not in netstandard2.0).</summary>
        internal static string Utf8ToString(IntPtr p)
        {
            if (p == IntPtr.Zero) return string.Empty;
            byte* s = (byte*)p;
            int n = 0;
            while (s[n] != 0) n++;
            return n == 0 ? string.Empty : Encoding.UTF8.GetString(s, n);
        }

        /// <summary>As <see cref="Utf8ToString"/>, but null for a NULL pointer (an option not set).</summary>
        internal static string Utf8ToStringOrNull(IntPtr p) => p == IntPtr.Zero ? null : Utf8ToString(p);

        /// <summary>A NUL-terminated UTF-8 copy of <paramref name="s"/> to pin for a call, or null for null.</summary>
        internal static byte[] ToUtf8Z(string s, string what)
        {
            if (s == null) return null;
            if (s.IndexOf('\0') >= 0)
                throw new SerfiqException(Status.InvalidArgument, what + " contains a NUL character");
            int n = Encoding.UTF8.GetByteCount(s);
            var bytes = new byte[n + 1];
            Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>The calling thread's serfiq_last_error(); call it right after the failing call.</summary>
        internal static string LastError() => Utf8ToString(serfiq_last_error());

        /// <summary>serfiq_status_name(status).</summary>
        internal static string StatusName(uint status) => Utf8ToString(serfiq_status_name(status));

        /// <summary>Throws a SerfiqException carrying this thread's last error unless status is OK.</summary>
        internal static void Check(uint status)
        {
            if (status != 0) throw new SerfiqException((Status)status, LastError());
        }

        private static readonly object AbiLock = new object();
        private static bool abiChecked;

        /// <summary>
        /// Loads libserfiq (first P/Invoke) and checks its ABI version once. Throws
        /// DllNotFoundException when the library cannot be found and a SerfiqException with
        /// <see cref="Status.AbiMismatch"/> when its ABI version is not the one this binding
        /// was written for (again at every later use: the check passes only once it succeeds).
        /// </summary>
        internal static void EnsureAbi()
        {
            if (System.Threading.Volatile.Read(ref abiChecked)) return;
            lock (AbiLock)
            {
                if (abiChecked) return;
                uint loaded;
                try
                {
                    loaded = serfiq_abi_version();
                }
                catch (DllNotFoundException e)
                {
                    throw new DllNotFoundException(
                        "cannot load libserfiq (DllImport \"serfiq\"): put libserfiq.so next to Serfiq.dll, " +
                        "in LD_LIBRARY_PATH, in the package's runtimes/linux-x64/native/ (.NET) or map it " +
                        "in Serfiq.dll.config (Mono). " + e.Message, e);
                }
                CheckAbi(loaded);
                System.Threading.Volatile.Write(ref abiChecked, true);
            }
        }

        /// <summary>The ABI comparison itself (separate so that tests can exercise a mismatch).</summary>
        internal static void CheckAbi(uint loaded)
        {
            if (loaded != AbiVersion)
                throw new SerfiqException(Status.AbiMismatch,
                    "libserfiq has C ABI version " + loaded + " but this binding (Serfiq.dll) was written for " +
                    AbiVersion + "; use a libserfiq.so and Serfiq.dll from the same serfiq release");
        }
    }
}
