//! The capture's C exports: a camera loop over a model (see `serfiq_capture_push`).

use serfiq_core::capture::{Best, Frame};
use serfiq_core::{CaptureOptions, Components};

use super::{
    export, fail, out, serfiq_components, serfiq_face, serfiq_image, serfiq_model, serfiq_pixel_format, to_view,
    write_out,
};
use crate::bridge::capture::{self as bridge_capture, state_code, CaptureHandle};
use crate::bridge::{self, Failure, Outcome, Poison};
use crate::status::*;

/// Where the capture stands after a frame (`serfiq_capture_frame.state`).
pub type serfiq_capture_state = u32;
/// No face is being followed.
pub const SERFIQ_CAPTURE_SEARCHING: serfiq_capture_state = 0;
/// A face, with something to fix: see the frame's `feedback`.
pub const SERFIQ_CAPTURE_ADJUST: serfiq_capture_state = 1;
/// A good face that has not been steady for long enough yet.
pub const SERFIQ_CAPTURE_HOLD_STILL: serfiq_capture_state = 2;
/// A good face, steady for the window (`steady_frames` or `steady_ms`).
pub const SERFIQ_CAPTURE_CAPTURED: serfiq_capture_state = 3;

/// How a capture decides and tracks. Fill with `serfiq_capture_options_init`,
/// then change what you need.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_capture_options {
    /// `sizeof(serfiq_capture_options)`, set by `serfiq_capture_options_init`.
    pub struct_size: usize,
    /// q100 a face needs to be captured, 0..100; default 50.
    pub min_q100: f32,
    /// Frames in a row the face must be good and steady for CAPTURED, >= 1; default 5.
    pub steady_frames: u32,
    /// Or milliseconds it must be good and steady for (0 = frames only); default 0.
    pub steady_ms: u32,
    /// Largest landmark motion between frames that counts as steady: mean
    /// displacement of the 5 landmarks over the inter-eye distance, > 0; default 0.05.
    pub max_motion: f32,
    /// Search the whole frame at least every this many frames while tracking, >= 1; default 15.
    pub redetect_frames: u32,
    /// Or every this many milliseconds (0 = frames only); default 500.
    pub redetect_ms: u32,
    /// Side of the region searched around the last box, in multiples of its
    /// longer side, 1.2..8; default 2.
    pub track_context: f32,
    /// Longest side the region is shrunk to before detection, 32..2048; default 256.
    pub track_side: u32,
    /// Box overlap (IoU) with the last box that keeps a face on its track, 0..1; default 0.3.
    pub min_overlap: f32,
    /// Embedding similarity (cosine) to the last frame below which an
    /// overlapping face is another person (a new track), -1..1; default 0.3.
    pub min_similarity: f32,
    /// Similarity a face whose box jumped needs to stay on the track, -1..1; default 0.75.
    pub jump_similarity: f32,
    /// Feedback codes (bit k = code k) that keep a face in ADJUST; default all bits set.
    pub blocking_feedback: u64,
}

/// The one size of `serfiq_capture_options` so far.
pub const SERFIQ_CAPTURE_OPTIONS_SIZE_V1: usize = std::mem::size_of::<serfiq_capture_options>();

/// What one `serfiq_capture_push` found.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_capture_frame {
    /// 0 for the first frame pushed since create or reset.
    pub index: u64,
    /// One of `SERFIQ_CAPTURE_*`.
    pub state: serfiq_capture_state,
    /// 1 when a face is followed (`face`, `track`, `motion`, `similarity`,
    /// `overlap` are then set), else 0 (they are zero).
    pub has_face: u32,
    /// Feedback raised: bit k = feedback code k (`serfiq_feedback_name`; code 0, NO_FACE, when no face).
    pub feedback: u64,
    /// The followed face's track: 1 for the first person, +1 for each new one.
    pub track: u32,
    /// 1 when this frame became the best frame (`serfiq_capture_best`).
    pub is_best: u32,
    /// 1 when this frame started a new track (which reset the best frame).
    pub new_track: u32,
    /// 1 when the whole frame was searched, 0 when only the region around the face.
    pub full_search: u32,
    /// Landmark motion since the track's last frame; NAN on a track's first frame.
    pub motion: f32,
    /// Embedding similarity to the track's last frame; NAN when there was no track.
    pub similarity: f32,
    /// Box overlap (IoU) with the track's last box; NAN when there was no track.
    pub overlap: f32,
    /// The face: box and landmarks in the frame's pixels, confidence, quality.
    pub face: serfiq_face,
    /// The face's components and feedback under the model's profile
    /// (`serfiq_options.feedback_profile`); `feedback` above adds the
    /// capture's LOW_QUALITY (q100 under `min_q100`) and NO_FACE. All NAN
    /// when there is no face.
    pub components: serfiq_components,
}

/// The best frame of the current track (`serfiq_capture_best`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_capture_best_frame {
    /// Its `serfiq_capture_frame.index`.
    pub index: u64,
    /// The timestamp it was pushed with.
    pub timestamp_ms: i64,
    /// Its feedback bits.
    pub feedback: u64,
    /// Its state when pushed (the best frame is the best-ranked state, then the highest q100).
    pub state: serfiq_capture_state,
    /// Its track.
    pub track: u32,
    /// The face, in the full-resolution frame's pixels.
    pub face: serfiq_face,
    /// Its components and feedback, as `serfiq_capture_frame.components`.
    pub components: serfiq_components,
}

/// A camera loop over a model. Opaque; create with `serfiq_capture_create`,
/// free with `serfiq_capture_destroy`.
pub struct serfiq_capture {
    handle: CaptureHandle,
}

const _: () = assert!(SERFIQ_CAPTURE_SEARCHING == 0 && SERFIQ_CAPTURE_CAPTURED == 3);

fn to_c(o: &CaptureOptions) -> serfiq_capture_options {
    serfiq_capture_options {
        struct_size: SERFIQ_CAPTURE_OPTIONS_SIZE_V1,
        min_q100: o.min_q100,
        steady_frames: o.steady_frames,
        steady_ms: o.steady_ms,
        max_motion: o.max_motion,
        redetect_frames: o.redetect_frames,
        redetect_ms: o.redetect_ms,
        track_context: o.track_context,
        track_side: o.track_side,
        min_overlap: o.min_overlap,
        min_similarity: o.min_similarity,
        jump_similarity: o.jump_similarity,
        blocking_feedback: o.blocking_feedback,
    }
}

fn from_c(o: &serfiq_capture_options) -> CaptureOptions {
    CaptureOptions {
        min_q100: o.min_q100,
        steady_frames: o.steady_frames,
        steady_ms: o.steady_ms,
        max_motion: o.max_motion,
        redetect_frames: o.redetect_frames,
        redetect_ms: o.redetect_ms,
        track_context: o.track_context,
        track_side: o.track_side,
        min_overlap: o.min_overlap,
        min_similarity: o.min_similarity,
        jump_similarity: o.jump_similarity,
        blocking_feedback: o.blocking_feedback,
    }
}

fn check_size(size: usize) -> Outcome {
    if size == SERFIQ_CAPTURE_OPTIONS_SIZE_V1 {
        return Ok(());
    }
    fail(
        SERFIQ_ERR_OPTIONS_SIZE,
        format!(
            "serfiq_capture_options.struct_size is {size}, this library takes {SERFIQ_CAPTURE_OPTIONS_SIZE_V1}; fill it with serfiq_capture_options_init(&options, sizeof options)"
        ),
    )
}

/// Runs `body` on a live capture (NULL: `SERFIQ_ERR_NULL_ARGUMENT`).
fn with_capture(capture: *const serfiq_capture, body: impl FnOnce(&CaptureHandle) -> Outcome) -> serfiq_status {
    // SAFETY: a non-NULL handle came from serfiq_capture_create and is not destroyed (caller's contract).
    let c = unsafe { capture.as_ref() };
    export(c.map(|c| &c.handle as &dyn Poison), || {
        let c = c.ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "capture is NULL"))?;
        body(&c.handle)
    })
}

fn face_of(d: &serfiq_core::Detection, q: serfiq_core::Quality) -> serfiq_face {
    serfiq_face::from(&serfiq_core::ScoredFace { detection: *d, quality: q, embedding: Vec::new() })
}

fn frame_of(f: &Frame) -> serfiq_capture_frame {
    let t = f.face.as_ref();
    serfiq_capture_frame {
        index: f.index,
        state: state_code(f.state),
        has_face: u32::from(t.is_some()),
        feedback: f.feedback,
        track: t.map_or(0, |t| t.track),
        is_best: u32::from(f.is_best),
        new_track: u32::from(f.new_track),
        full_search: u32::from(f.full_search),
        motion: t.map_or(0.0, |t| t.motion),
        similarity: t.map_or(0.0, |t| t.similarity),
        overlap: t.map_or(0.0, |t| t.overlap),
        // SAFETY: serfiq_face is floats only; all zero bits is a valid (empty) face.
        face: t.map_or_else(|| unsafe { std::mem::zeroed() }, |t| face_of(&t.detection, t.quality)),
        components: (&t.map_or_else(Components::empty, |t| t.components)).into(),
    }
}

fn best_of(b: &Best) -> serfiq_capture_best_frame {
    serfiq_capture_best_frame {
        index: b.index,
        timestamp_ms: b.timestamp_ms,
        feedback: b.feedback,
        state: state_code(b.state),
        track: b.face.track,
        face: face_of(&b.face.detection, b.face.quality),
        components: (&b.face.components).into(),
    }
}

/// Fills `options` with the defaults and sets `struct_size`; pass `sizeof *options`.
#[no_mangle]
pub unsafe extern "C" fn serfiq_capture_options_init(
    options: *mut serfiq_capture_options,
    struct_size: usize,
) -> serfiq_status {
    export(None, || {
        // SAFETY: NULL checked; the caller's struct holds `struct_size` bytes, checked to be ours.
        let o = unsafe { out(options, "options")? };
        check_size(struct_size)?;
        *o = to_c(&CaptureOptions::default());
        Ok(())
    })
}

/// A new capture over `model`, which must have a face detector
/// (`serfiq_options.detector_path` or `detector_data`; else
/// `SERFIQ_ERR_INVALID_ARGUMENT`). `options` may be NULL for the defaults; an
/// option out of range fails with `SERFIQ_ERR_INVALID_ARGUMENT`. The capture
/// keeps the model alive: destroying the model first is allowed, the model is
/// freed with its last capture. On success `*capture_out` owns the capture.
///
/// Thread safety: a capture belongs to one thread at a time (a call on a
/// capture that another thread is using fails with
/// `SERFIQ_ERR_INVALID_ARGUMENT`); many captures may share one model, each on
/// its own thread.
#[no_mangle]
pub unsafe extern "C" fn serfiq_capture_create(
    model: *const serfiq_model,
    options: *const serfiq_capture_options,
    capture_out: *mut *mut serfiq_capture,
) -> serfiq_status {
    export(None, || {
        // SAFETY: pointers checked for NULL; validity is the caller's contract.
        let m = unsafe { model.as_ref() }.ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "model is NULL"))?;
        let slot = unsafe { out(capture_out, "capture_out")? };
        let opts = match unsafe { options.as_ref() } {
            None => CaptureOptions::default(),
            Some(o) => {
                check_size(o.struct_size)?;
                from_c(o)
            }
        };
        let handle = bridge_capture::create(&m.handle, opts)?;
        *slot = Box::into_raw(Box::new(serfiq_capture { handle }));
        Ok(())
    })
}

/// Frees a capture (and its model, when the model's handle was destroyed
/// before). NULL is a no-op. No call on this capture may be running or start afterwards.
#[no_mangle]
pub unsafe extern "C" fn serfiq_capture_destroy(capture: *mut serfiq_capture) {
    if capture.is_null() {
        return;
    }
    let _ = export(None, || {
        // SAFETY: `capture` came from serfiq_capture_create and is destroyed once (caller's contract).
        drop(unsafe { Box::from_raw(capture) });
        Ok(())
    });
}

/// Takes the next camera frame (any size, pixel format and stride), taken at
/// `timestamp_ms` (any clock, never earlier than the last frame's: else
/// `SERFIQ_ERR_INVALID_ARGUMENT`), and writes what it found into `*frame_out`.
/// After a face is found, the next frames are searched only in a region around
/// it, with a full-frame search when it is lost and every `redetect_frames` /
/// `redetect_ms`. A different person (by embedding) starts a new track and
/// resets the best frame. On failure nothing is written and the capture is as before.
#[no_mangle]
pub unsafe extern "C" fn serfiq_capture_push(
    capture: *mut serfiq_capture,
    image: *const serfiq_image,
    timestamp_ms: i64,
    frame_out: *mut serfiq_capture_frame,
) -> serfiq_status {
    with_capture(capture, |h| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let dst = unsafe { out(frame_out, "frame_out")? };
        let img = unsafe { image.as_ref() }.ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "image is NULL"))?;
        let view = unsafe { to_view(img, 0)? };
        *dst = frame_of(&bridge_capture::push(h, &view, timestamp_ms)?);
        Ok(())
    })
}

/// The best frame of the current track: `*best_out` gets its index, state,
/// box, landmarks and quality; `crop` (NULL or `crop_capacity` bytes) gets its
/// aligned crop as `serfiq_aligned_crop` gives it, in `crop_format` (BGR or
/// RGB), `*crop_len` (may be NULL) the bytes written or needed; `embedding`
/// (NULL or `embedding_capacity` floats) its embedding, `*embedding_len` (may
/// be NULL) the floats written or needed. `SERFIQ_ERR_NO_FACE` when no face
/// has been followed since create, reset or the last new track;
/// `SERFIQ_ERR_BUFFER_TOO_SMALL` when a buffer is too small (nothing written
/// but the needed sizes).
#[no_mangle]
pub unsafe extern "C" fn serfiq_capture_best(
    capture: *const serfiq_capture,
    best_out: *mut serfiq_capture_best_frame,
    crop_format: serfiq_pixel_format,
    crop: *mut u8,
    crop_capacity: usize,
    crop_len: *mut usize,
    embedding: *mut f32,
    embedding_capacity: usize,
    embedding_len: *mut usize,
) -> serfiq_status {
    with_capture(capture, |h| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let dst = unsafe { out(best_out, "best_out")? };
        let bgr = bridge::crop_is_bgr(crop_format)?;
        let Some(b) = bridge_capture::best(h)? else {
            return fail(SERFIQ_ERR_NO_FACE, "no best frame yet: no face has been followed on this track");
        };
        let mut short = Vec::new();
        for (given, capacity, need, len, what) in [
            (!crop.is_null(), crop_capacity, b.crop.rgb.len(), crop_len, "crop bytes"),
            (!embedding.is_null(), embedding_capacity, b.embedding.len(), embedding_len, "embedding floats"),
        ] {
            if given && capacity < need {
                // SAFETY: the caller's contract; the needed size is the one output of this failure.
                if let Some(l) = unsafe { len.as_mut() } {
                    *l = need;
                }
                short.push(format!("{what}: capacity {capacity} < {need} needed"));
            }
        }
        if !short.is_empty() {
            return fail(SERFIQ_ERR_BUFFER_TOO_SMALL, short.join("; "));
        }
        let pixels = bridge::crop_pixels(b.crop.rgb.clone(), bgr);
        // SAFETY: capacities checked above.
        unsafe {
            if !crop.is_null() {
                write_out(&pixels, crop, crop_len);
            }
            if !embedding.is_null() {
                write_out(&b.embedding, embedding, embedding_len);
            }
        }
        *dst = best_of(&b);
        Ok(())
    })
}

/// Forgets every frame, the track and the best frame; the options stay.
#[no_mangle]
pub unsafe extern "C" fn serfiq_capture_reset(capture: *mut serfiq_capture) -> serfiq_status {
    with_capture(capture, bridge_capture::reset)
}
