// P/Invoke declarations of serfiq.h's capture (the camera loop). Nothing here is public:
// Capture is the API. The structs are blittable and laid out as in C on LP64; the tests
// compare every offset with the C compiler's (test.sh's layout probe).
using System;
using System.Runtime.InteropServices;

namespace Serfiq
{
    /// <summary>serfiq_capture_options: fill with serfiq_capture_options_init, then change fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeCaptureOptions
    {
        public UIntPtr StructSize;     // size_t struct_size
        public float MinQ100;          // float min_q100
        public uint SteadyFrames;      // uint32_t steady_frames
        public uint SteadyMs;          // uint32_t steady_ms
        public float MaxMotion;        // float max_motion
        public uint RedetectFrames;    // uint32_t redetect_frames
        public uint RedetectMs;        // uint32_t redetect_ms
        public float TrackContext;     // float track_context
        public uint TrackSide;         // uint32_t track_side
        public float MinOverlap;       // float min_overlap
        public float MinSimilarity;    // float min_similarity
        public float JumpSimilarity;   // float jump_similarity
        public ulong BlockingFeedback; // uint64_t blocking_feedback
    }

    /// <summary>serfiq_capture_frame: what one serfiq_capture_push found.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeCaptureFrame
    {
        public ulong Index;
        public uint State;
        public uint HasFace;
        public ulong Feedback;
        public uint Track;
        public uint IsBest;
        public uint NewTrack;
        public uint FullSearch;
        public float Motion;
        public float Similarity;
        public float Overlap;
        public NativeFace Face;
        public NativeComponents Components;
    }

    /// <summary>serfiq_capture_best_frame: the best frame of the current track.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeCaptureBest
    {
        public ulong Index;
        public long TimestampMs;
        public ulong Feedback;
        public uint State;
        public uint Track;
        public NativeFace Face;
        public NativeComponents Components;
    }

    /// <summary>Owns one serfiq_capture*; ReleaseHandle calls serfiq_capture_destroy once, when no call holds it.</summary>
    internal sealed class CaptureHandle : SafeHandle
    {
        public CaptureHandle() : base(IntPtr.Zero, ownsHandle: true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            CaptureNative.serfiq_capture_destroy(handle);
            handle = IntPtr.Zero;
            return true;
        }
    }

    internal static unsafe class CaptureNative
    {
        [DllImport(Native.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_capture_options_init(NativeCaptureOptions* options, UIntPtr structSize);

        [DllImport(Native.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_capture_create(IntPtr model, NativeCaptureOptions* options,
                                                          out CaptureHandle captureOut);

        [DllImport(Native.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void serfiq_capture_destroy(IntPtr capture);

        [DllImport(Native.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_capture_push(IntPtr capture, NativeImage* image, long timestampMs,
                                                        NativeCaptureFrame* frameOut);

        [DllImport(Native.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_capture_best(IntPtr capture, NativeCaptureBest* bestOut, uint cropFormat,
                                                        byte* crop, UIntPtr cropCapacity, UIntPtr* cropLen,
                                                        float* embedding, UIntPtr embeddingCapacity,
                                                        UIntPtr* embeddingLen);

        [DllImport(Native.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint serfiq_capture_reset(IntPtr capture);
    }
}
