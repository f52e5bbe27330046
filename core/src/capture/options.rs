//! The capture's parameters, every one with a documented default.

use crate::error::{fail, ErrorKind, Result};

/// Default [`CaptureOptions::min_q100`].
pub const DEFAULT_MIN_Q100: f32 = 50.0;
/// Default [`CaptureOptions::steady_frames`].
pub const DEFAULT_STEADY_FRAMES: u32 = 5;
/// Default [`CaptureOptions::max_motion`].
pub const DEFAULT_MAX_MOTION: f32 = 0.05;
/// Default [`CaptureOptions::redetect_frames`].
pub const DEFAULT_REDETECT_FRAMES: u32 = 15;
/// Default [`CaptureOptions::redetect_ms`].
pub const DEFAULT_REDETECT_MS: u32 = 500;
/// Default [`CaptureOptions::track_context`].
pub const DEFAULT_TRACK_CONTEXT: f32 = 2.0;
/// Default [`CaptureOptions::track_side`].
pub const DEFAULT_TRACK_SIDE: u32 = 256;
/// Default [`CaptureOptions::min_overlap`].
pub const DEFAULT_MIN_OVERLAP: f32 = 0.3;
/// Default [`CaptureOptions::min_similarity`].
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.3;
/// Default [`CaptureOptions::jump_similarity`].
pub const DEFAULT_JUMP_SIMILARITY: f32 = 0.75;

/// How a [`Capture`](super::Capture) decides. `Default` gives the defaults above.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaptureOptions {
    /// q100 a frame needs to be captured, 0..=100; default 50 (the calibration sample's median).
    pub min_q100: f32,
    /// Frames in a row the face must be good and steady for CAPTURED, ≥ 1; default 5.
    pub steady_frames: u32,
    /// Or: milliseconds the face must be good and steady for (0 = frames only); default 0.
    pub steady_ms: u32,
    /// Largest landmark motion between two frames that counts as steady: the
    /// mean displacement of the 5 landmarks over the inter-eye distance, > 0;
    /// default 0.05 (3 px for eyes 60 px apart).
    pub max_motion: f32,
    /// Search the whole frame at least every this many frames while tracking
    /// (to notice other faces), ≥ 1; default 15.
    pub redetect_frames: u32,
    /// Or at least every this many milliseconds (0 = frames only); default 500.
    pub redetect_ms: u32,
    /// Side of the region searched around the last box, in multiples of the
    /// box's longer side, 1.2..=8; default 2 (the face may move half its size per frame).
    pub track_context: f32,
    /// The region is shrunk to at most this long side before detection, so the
    /// face is about `track_side / track_context` pixels there, well inside the
    /// detector's 16–512 px priors; 32..=2048, default 256.
    pub track_side: u32,
    /// Box overlap (IoU) with the last box that keeps a detection on the track, 0..1; default 0.3.
    pub min_overlap: f32,
    /// Cosine similarity of embeddings, frame to frame, below which a face whose
    /// box overlaps the last one is another person (a new track), −1..1; default 0.3.
    pub min_similarity: f32,
    /// Similarity a face whose box jumped (overlap under `min_overlap`) needs to
    /// stay on the track, −1..1; default 0.75 (blurred faces of different people reached 0.71 on the test clip).
    pub jump_similarity: f32,
    /// Feedback codes (bit k = code k) that keep a frame in ADJUST; default: all.
    pub blocking_feedback: u64,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            min_q100: DEFAULT_MIN_Q100,
            steady_frames: DEFAULT_STEADY_FRAMES,
            steady_ms: 0,
            max_motion: DEFAULT_MAX_MOTION,
            redetect_frames: DEFAULT_REDETECT_FRAMES,
            redetect_ms: DEFAULT_REDETECT_MS,
            track_context: DEFAULT_TRACK_CONTEXT,
            track_side: DEFAULT_TRACK_SIDE,
            min_overlap: DEFAULT_MIN_OVERLAP,
            min_similarity: DEFAULT_MIN_SIMILARITY,
            jump_similarity: DEFAULT_JUMP_SIMILARITY,
            blocking_feedback: u64::MAX,
        }
    }
}

impl CaptureOptions {
    /// Fails with `ErrorKind::InvalidArgument` naming the first option out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, value: String, range: &str| {
            fail(ErrorKind::InvalidArgument, format!("capture option {name} is {value}; it must be {range}"))
        };
        let within = |v: f32, lo: f32, hi: f32| v.is_finite() && (lo..=hi).contains(&v);
        if !within(self.min_q100, 0.0, 100.0) {
            return bad("min_q100", self.min_q100.to_string(), "in 0..=100");
        }
        if self.steady_frames == 0 {
            return bad("steady_frames", "0".into(), "at least 1");
        }
        if !(self.max_motion.is_finite() && self.max_motion > 0.0) {
            return bad("max_motion", self.max_motion.to_string(), "finite and above 0");
        }
        if self.redetect_frames == 0 {
            return bad("redetect_frames", "0".into(), "at least 1");
        }
        if !within(self.track_context, 1.2, 8.0) {
            return bad("track_context", self.track_context.to_string(), "in 1.2..=8");
        }
        if !(32..=2048).contains(&self.track_side) {
            return bad("track_side", self.track_side.to_string(), "in 32..=2048");
        }
        if !(self.min_overlap.is_finite() && (0.0..1.0).contains(&self.min_overlap)) {
            return bad("min_overlap", self.min_overlap.to_string(), "in 0..1");
        }
        if !within(self.min_similarity, -1.0, 1.0) {
            return bad("min_similarity", self.min_similarity.to_string(), "in -1..=1");
        }
        if !within(self.jump_similarity, -1.0, 1.0) {
            return bad("jump_similarity", self.jump_similarity.to_string(), "in -1..=1");
        }
        Ok(())
    }
}
