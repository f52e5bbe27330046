// The camera loop: push camera frames, read each frame's state and feedback, take the
// best frame. Over serfiq_capture_* (serfiq.h).
using System;
using System.Collections.Generic;

namespace Serfiq
{
    /// <summary>Where a capture stands after a frame (SERFIQ_CAPTURE_*).</summary>
    public enum CaptureState : uint
    {
        /// <summary>No face followed.</summary>
        Searching = 0,
        /// <summary>A face, but with blocking feedback or a q100 under MinQ100.</summary>
        Adjust = 1,
        /// <summary>Good, not yet steady for long enough.</summary>
        HoldStill = 2,
        /// <summary>Good and steady.</summary>
        Captured = 3,
    }

    /// <summary>How a capture decides and tracks: every field of serfiq_capture_options, with the
    /// library's defaults (serfiq_capture_options_init). Ranges are checked by the library.</summary>
    public sealed class CaptureOptions
    {
        /// <summary>q100 a face needs to be captured, 0..100 (default 50).</summary>
        public float MinQ100 { get; set; }
        /// <summary>Frames in a row the face must be good and steady for CAPTURED, at least 1 (default 5).</summary>
        public uint SteadyFrames { get; set; }
        /// <summary>Or milliseconds; 0 = frames only (default 0).</summary>
        public uint SteadyMs { get; set; }
        /// <summary>Landmark motion (over the inter-eye distance) that counts as steady, above 0 (default 0.05).</summary>
        public float MaxMotion { get; set; }
        /// <summary>Search the whole frame at least every this many frames, at least 1 (default 15).</summary>
        public uint RedetectFrames { get; set; }
        /// <summary>Or every this many milliseconds; 0 = frames only (default 500).</summary>
        public uint RedetectMs { get; set; }
        /// <summary>Region searched around the last box, in multiples of its longer side, 1.2..8 (default 2).</summary>
        public float TrackContext { get; set; }
        /// <summary>Longest side the region is shrunk to before detection, 32..2048 (default 256).</summary>
        public uint TrackSide { get; set; }
        /// <summary>Box overlap (IoU) that keeps a face on its track, 0..1 (default 0.3).</summary>
        public float MinOverlap { get; set; }
        /// <summary>Similarity under which an overlapping face is another person, -1..1 (default 0.3).</summary>
        public float MinSimilarity { get; set; }
        /// <summary>Similarity a jumping box needs to stay on the track, -1..1 (default 0.75).</summary>
        public float JumpSimilarity { get; set; }
        /// <summary>Feedback bits (bit k = code k) that keep a face in ADJUST (default all).</summary>
        public ulong BlockingFeedback { get; set; }

        /// <summary>The library's defaults.</summary>
        public unsafe CaptureOptions()
        {
            NativeCaptureOptions o = Defaults();
            MinQ100 = o.MinQ100;
            SteadyFrames = o.SteadyFrames;
            SteadyMs = o.SteadyMs;
            MaxMotion = o.MaxMotion;
            RedetectFrames = o.RedetectFrames;
            RedetectMs = o.RedetectMs;
            TrackContext = o.TrackContext;
            TrackSide = o.TrackSide;
            MinOverlap = o.MinOverlap;
            MinSimilarity = o.MinSimilarity;
            JumpSimilarity = o.JumpSimilarity;
            BlockingFeedback = o.BlockingFeedback;
        }

        internal NativeCaptureOptions ToNative()
        {
            NativeCaptureOptions o = Defaults();
            o.MinQ100 = MinQ100;
            o.SteadyFrames = SteadyFrames;
            o.SteadyMs = SteadyMs;
            o.MaxMotion = MaxMotion;
            o.RedetectFrames = RedetectFrames;
            o.RedetectMs = RedetectMs;
            o.TrackContext = TrackContext;
            o.TrackSide = TrackSide;
            o.MinOverlap = MinOverlap;
            o.MinSimilarity = MinSimilarity;
            o.JumpSimilarity = JumpSimilarity;
            o.BlockingFeedback = BlockingFeedback;
            return o;
        }

        private static unsafe NativeCaptureOptions Defaults()
        {
            Native.EnsureAbi();
            NativeCaptureOptions o;
            Native.Check(CaptureNative.serfiq_capture_options_init(&o, new UIntPtr((uint)sizeof(NativeCaptureOptions))));
            return o;
        }
    }

    /// <summary>What one <see cref="Capture.Push"/> found.</summary>
    public sealed class CaptureFrame
    {
        /// <summary>0 for the first frame pushed since create or reset.</summary>
        public ulong Index { get; internal set; }
        /// <summary>Where the capture stands after this frame.</summary>
        public CaptureState State { get; internal set; }
        /// <summary>Feedback raised, the capture's LOW_QUALITY and NO_FACE included (bit k = code k).</summary>
        public ulong FeedbackBits { get; internal set; }
        /// <summary>The same, in code order.</summary>
        public IReadOnlyList<Feedback> Feedback { get; internal set; }
        /// <summary>The followed face with its components (its own feedback is the model profile's); null without a face.</summary>
        public Assessment Face { get; internal set; }
        /// <summary>The face's track: 1 for the first person, +1 for each new one; 0 without a face.</summary>
        public uint Track { get; internal set; }
        /// <summary>This frame became the best frame.</summary>
        public bool IsBest { get; internal set; }
        /// <summary>This frame started a new track (which reset the best frame).</summary>
        public bool NewTrack { get; internal set; }
        /// <summary>The whole frame was searched, not only the region around the face.</summary>
        public bool FullSearch { get; internal set; }
        /// <summary>Landmark motion since the track's last frame; NaN on a track's first frame or without a face.</summary>
        public float Motion { get; internal set; } = float.NaN;
        /// <summary>Embedding similarity to the track's last frame; NaN when there was none.</summary>
        public float Similarity { get; internal set; } = float.NaN;
        /// <summary>Box overlap with the track's last box; NaN when there was none.</summary>
        public float Overlap { get; internal set; } = float.NaN;

        /// <summary>Whether feedback <paramref name="name"/> ("TOO_DARK") was raised.</summary>
        public bool Has(string name)
        {
            foreach (Feedback f in Feedback)
                if (f.Name == name) return true;
            return false;
        }
    }

    /// <summary>The best frame of the current track (<see cref="Capture.Best"/>).</summary>
    public sealed class CaptureBest
    {
        /// <summary>Its <see cref="CaptureFrame.Index"/>.</summary>
        public ulong Index { get; internal set; }
        /// <summary>The timestamp it was pushed with.</summary>
        public long TimestampMs { get; internal set; }
        /// <summary>Its state when pushed.</summary>
        public CaptureState State { get; internal set; }
        /// <summary>Its track.</summary>
        public uint Track { get; internal set; }
        /// <summary>Its feedback bits.</summary>
        public ulong FeedbackBits { get; internal set; }
        /// <summary>The face in the full-resolution frame's pixels, with its components.</summary>
        public Assessment Face { get; internal set; }
        /// <summary>Its aligned crop (InputWidth x InputHeight, packed), as <see cref="QualityModel.AlignedCrop"/> gives it.</summary>
        public byte[] Crop { get; internal set; }
        /// <summary>The crop's pixel layout (Bgr or Rgb).</summary>
        public PixelFormat CropFormat { get; internal set; }
        /// <summary>Its embedding.</summary>
        public float[] Embedding { get; internal set; }
    }

    /// <summary>
    /// The camera loop over a <see cref="QualityModel"/> with a detector. A Capture belongs to one
    /// thread at a time (a call while another thread's call runs fails with
    /// <see cref="Status.InvalidArgument"/>); many captures may share one model, which they keep alive,
    /// so the model may be disposed first. Dispose frees the native capture.
    /// </summary>
    public sealed class Capture : IDisposable
    {
        private readonly CaptureHandle handle;
        private readonly int cropBytes, embeddingSize;
        private volatile bool disposed;

        /// <summary>A capture over <paramref name="model"/> (which needs a detector, else
        /// <see cref="Status.InvalidArgument"/>, as for an option out of range); null options: the defaults.</summary>
        public unsafe Capture(QualityModel model, CaptureOptions options = null)
        {
            if (model == null) throw new SerfiqException(Status.NullArgument, "model is null");
            NativeCaptureOptions o = (options ?? new CaptureOptions()).ToNative();
            cropBytes = model.InputWidth * model.InputHeight * 3;
            embeddingSize = model.EmbeddingSize;
            bool added = false;
            CaptureHandle h = null;
            uint status;
            try
            {
                IntPtr m = model.AcquireNative(ref added);
                status = CaptureNative.serfiq_capture_create(m, &o, out h);
            }
            finally
            {
                if (added) model.ReleaseNative();
            }
            if (status != 0)
            {
                string message = Native.LastError();
                h?.Dispose();
                throw new SerfiqException((Status)status, message);
            }
            handle = h;
        }

        /// <summary>Takes the next frame, taken at <paramref name="timestampMs"/> (any clock, never earlier
        /// than the last frame's: else <see cref="Status.InvalidArgument"/>). On error the capture is as before.</summary>
        public unsafe CaptureFrame Push(ImageView image, long timestampMs)
        {
            long stride = image.Validate(0);
            NativeCaptureFrame c;
            bool added = false;
            try
            {
                IntPtr h = Acquire(ref added);
                fixed (byte* px = image.Data)
                {
                    NativeImage img = QualityModel.ToNative(image, px, stride);
                    Native.Check(CaptureNative.serfiq_capture_push(h, &img, timestampMs, &c));
                }
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
            var f = new CaptureFrame
            {
                Index = c.Index,
                State = (CaptureState)c.State,
                FeedbackBits = c.Feedback,
                Feedback = FeedbackOf(c.Feedback),
                IsBest = c.IsBest != 0,
                NewTrack = c.NewTrack != 0,
                FullSearch = c.FullSearch != 0,
            };
            if (c.HasFace != 0)
            {
                f.Face = Assessment.FromNative(&c.Face, &c.Components);
                f.Track = c.Track;
                f.Motion = c.Motion;
                f.Similarity = c.Similarity;
                f.Overlap = c.Overlap;
            }
            return f;
        }

        /// <summary>The best frame of the current track, its crop in <paramref name="cropFormat"/> (Bgr or
        /// Rgb); null when no face has been followed since create, reset or the last new track.</summary>
        public unsafe CaptureBest Best(PixelFormat cropFormat = PixelFormat.Bgr)
        {
            var crop = new byte[cropBytes];
            var embedding = new float[embeddingSize];
            NativeCaptureBest b;
            UIntPtr cropLen, embeddingLen;
            uint status;
            bool added = false;
            try
            {
                IntPtr h = Acquire(ref added);
                fixed (byte* pc = crop)
                fixed (float* pe = embedding)
                    status = CaptureNative.serfiq_capture_best(h, &b, (uint)cropFormat, pc, new UIntPtr((uint)crop.Length),
                                                               &cropLen, pe, new UIntPtr((uint)embedding.Length), &embeddingLen);
                if (status == (uint)Status.NoFace) return null;
                Native.Check(status);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
            if (cropLen.ToUInt64() != (ulong)crop.Length || embeddingLen.ToUInt64() != (ulong)embedding.Length)
                throw new SerfiqException(Status.Internal, "serfiq_capture_best wrote " + cropLen + " crop bytes and " +
                                                           embeddingLen + " floats, the model's sizes are " +
                                                           crop.Length + " and " + embedding.Length);
            return new CaptureBest
            {
                Index = b.Index,
                TimestampMs = b.TimestampMs,
                State = (CaptureState)b.State,
                Track = b.Track,
                FeedbackBits = b.Feedback,
                Face = Assessment.FromNative(&b.Face, &b.Components),
                Crop = crop,
                CropFormat = cropFormat,
                Embedding = embedding,
            };
        }

        /// <summary>Forgets every frame, the track and the best frame; the options stay.</summary>
        public void Reset()
        {
            bool added = false;
            try
            {
                Native.Check(CaptureNative.serfiq_capture_reset(Acquire(ref added)));
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>Frees the native capture (once no call is running); later calls throw ObjectDisposedException.</summary>
        public void Dispose()
        {
            disposed = true;
            handle.Dispose();
        }

        private IntPtr Acquire(ref bool added)
        {
            if (disposed) throw new ObjectDisposedException(nameof(Capture));
            try
            {
                handle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(Capture));
            }
            return handle.DangerousGetHandle();
        }

        private static IReadOnlyList<Feedback> FeedbackOf(ulong bits)
        {
            var raised = new List<Feedback>();
            foreach (Feedback code in Serfiq.Feedback.All)
                if (code.Code < 64 && (bits >> code.Code & 1UL) != 0) raised.Add(code);
            return raised.AsReadOnly();
        }
    }
}
