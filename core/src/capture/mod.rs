//! Capture: a camera loop over a [`Model`] that follows one face from frame to
//! frame, says what the person should fix, and keeps the best frame.
//!
//! Each [`Capture::push`] gives a [`State`]: SEARCHING (no face), ADJUST
//! (blocking feedback, or q100 under [`CaptureOptions::min_q100`]),
//! HOLD_STILL (good, but not yet steady for the window) or CAPTURED (good and
//! steady for [`CaptureOptions::steady_frames`] frames or
//! [`CaptureOptions::steady_ms`] ms).
//!
//! Tracking: after a face is found, the next frame is searched only in a
//! region around its box ([`CaptureOptions::track_context`]), shrunk so the
//! face sits well inside the detector's range
//! ([`CaptureOptions::track_side`]); the whole frame is searched when the face
//! is lost and every [`CaptureOptions::redetect_frames`] frames or
//! [`CaptureOptions::redetect_ms`] ms (the followed face keeps the landmarks
//! of its region on those frames, so a still face does not seem to move). A face stays on its track when its box
//! overlaps the last one or, when it jumped, when its embedding is similar;
//! the embedding (from the same inference as the score) is compared on every
//! frame, so another person in the same place starts a new track, which
//! resets the best frame. A new track follows the face the model's face
//! policy picks.
//!
//! A capture belongs to one thread at a time; many captures share one model.

mod options;
mod steady;

use std::borrow::Borrow;

use crate::assess::{Components, Feedback};
use crate::detect::{iou, most_overlapping, Detection};
use crate::error::{fail, ErrorKind, Result};
use crate::image::ImageView;
use crate::model::Model;
use crate::run::{Crop, Face, Quality, Want};

pub use options::*;

/// Where the capture stands after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// No face is being followed.
    Searching,
    /// A face, with something to fix (see the frame's feedback).
    Adjust,
    /// A good face that has not been steady for long enough.
    HoldStill,
    /// A good face, steady for the window.
    Captured,
}

impl State {
    /// "SEARCHING", "ADJUST", "HOLD_STILL" or "CAPTURED".
    pub fn name(self) -> &'static str {
        match self {
            State::Searching => "SEARCHING",
            State::Adjust => "ADJUST",
            State::HoldStill => "HOLD_STILL",
            State::Captured => "CAPTURED",
        }
    }
}

/// The face followed in one frame.
#[derive(Debug, Clone)]
pub struct TrackedFace {
    /// Which track (person) it belongs to: 1 for the first, +1 for each new one.
    pub track: u32,
    /// Box and landmarks in the frame's full-resolution pixels.
    pub detection: Detection,
    /// Its quality.
    pub quality: Quality,
    /// Its components and feedback under the model's profile (before the
    /// capture's own LOW_QUALITY, which [`Frame::feedback`] adds).
    pub components: Components,
    /// Landmark motion since the track's last frame (see [`CaptureOptions::max_motion`]); NaN on its first.
    pub motion: f32,
    /// Cosine similarity of its embedding to the one the track had before
    /// (see [`CaptureOptions::min_similarity`]); NaN when there was no track.
    pub similarity: f32,
    /// Box overlap (IoU) with the track's last box; NaN when there was no track.
    pub overlap: f32,
}

/// What one [`Capture::push`] found.
#[derive(Debug, Clone)]
pub struct Frame {
    /// 0 for the first frame pushed since creation or reset.
    pub index: u64,
    /// The capture's state after this frame.
    pub state: State,
    /// Feedback raised on this frame: bit k = code k (docs/abi-v3.md).
    pub feedback: u64,
    /// The face followed, if any.
    pub face: Option<TrackedFace>,
    /// Whether this frame became the best frame.
    pub is_best: bool,
    /// Whether this frame started a new track (and so reset the best frame).
    pub new_track: bool,
    /// Whether the whole frame was searched (else only the region around the face).
    pub full_search: bool,
}

/// The best frame of the current track.
#[derive(Debug, Clone)]
pub struct Best {
    /// Its [`Frame::index`].
    pub index: u64,
    /// The timestamp it was pushed with.
    pub timestamp_ms: i64,
    /// Its state when pushed (the best frame is the best-ranked state first, then the highest q100).
    pub state: State,
    /// Its feedback.
    pub feedback: u64,
    /// The face: track, full-resolution box and landmarks, quality.
    pub face: TrackedFace,
    /// The embedding, [`Model::embedding_size`] floats.
    pub embedding: Vec<f32>,
    /// The aligned crop, as [`Model::aligned_crop`] gives it.
    pub crop: Crop,
}

/// The face being followed.
#[derive(Debug, Clone)]
struct Track {
    id: u32,
    last: Detection,
    /// The box the next search region is placed around (`anchor`).
    anchor: Detection,
    embedding: Vec<f32>,
    /// false after a frame where it was not found (the next search is full-frame).
    seen: bool,
    window: steady::Window,
}

/// A camera loop over a model: push frames, read states and the best frame.
pub struct Capture<M: Borrow<Model>> {
    model: M,
    options: CaptureOptions,
    frames: u64,
    last_ms: Option<i64>,
    /// Frame index and timestamp of the last full-frame search.
    last_full: Option<(u64, i64)>,
    track: Option<Track>,
    tracks: u32,
    best: Option<Best>,
}

impl<M: Borrow<Model>> Capture<M> {
    /// A capture over `model` (a `&Model`, `Arc<Model>`, ...). Fails with
    /// `ErrorKind::InvalidArgument` when the model has no face detector or an
    /// option is out of range.
    pub fn new(model: M, options: CaptureOptions) -> Result<Self> {
        options.validate()?;
        if !model.borrow().has_detector() {
            return fail(
                ErrorKind::InvalidArgument,
                "a capture needs a model with a face detector (set the detector option)",
            );
        }
        Ok(Capture { model, options, frames: 0, last_ms: None, last_full: None, track: None, tracks: 0, best: None })
    }

    /// The options it was made with.
    pub fn options(&self) -> &CaptureOptions {
        &self.options
    }

    /// The model it runs on.
    pub fn model(&self) -> &Model {
        self.model.borrow()
    }

    /// The best frame of the current track, if any.
    pub fn best(&self) -> Option<&Best> {
        self.best.as_ref()
    }

    /// Forgets every frame, the track and the best frame (track ids restart at 1).
    pub fn reset(&mut self) {
        self.frames = 0;
        self.last_ms = None;
        self.last_full = None;
        self.track = None;
        self.tracks = 0;
        self.best = None;
    }

    /// Takes the next frame, taken at `timestamp_ms` (never earlier than the
    /// last frame's). Fails with `ErrorKind::InvalidArgument` for a timestamp
    /// that goes back, `Inference` when ONNX Runtime fails; a failed push
    /// leaves the capture as it was.
    pub fn push(&mut self, image: &ImageView, timestamp_ms: i64) -> Result<Frame> {
        if let Some(last) = self.last_ms.filter(|&last| timestamp_ms < last) {
            return fail(
                ErrorKind::InvalidArgument,
                format!("frame timestamp {timestamp_ms} ms is earlier than the last frame's ({last} ms)"),
            );
        }
        let index = self.frames;
        let (found, others, full) = self.find(image, index, timestamp_ms)?;
        let Some(scored) = found else {
            self.commit(index, timestamp_ms, full);
            if let Some(t) = &mut self.track {
                t.seen = false;
                t.window = steady::Window::default();
            }
            let frame = Frame {
                index,
                state: State::Searching,
                feedback: Feedback::NoFace.bit(),
                face: None,
                is_best: false,
                new_track: false,
                full_search: full,
            };
            return Ok(frame);
        };
        let model = self.model.borrow();
        let opts = &self.options;
        let d = scored.detection;
        let similarity = self.track.as_ref().map_or(f32::NAN, |t| cosine(&t.embedding, &scored.embedding));
        let overlap = self.track.as_ref().map_or(f32::NAN, |t| iou(&t.last.bbox, &d.bbox));
        // An overlapping box is the same person unless the face changed; a
        // box that jumped must look like the person to stay on the track.
        let needed = if overlap >= opts.min_overlap { opts.min_similarity } else { opts.jump_similarity };
        let same = self.track.as_ref().filter(|_| similarity >= needed);
        let new_track = same.is_none();
        let motion = match same {
            Some(t) if t.seen => steady::motion(&t.last.landmarks, &d.landmarks),
            _ => f32::NAN,
        };
        let mut window = same.map(|t| t.window).unwrap_or_default();
        let anchor = anchor(same.filter(|t| t.seen).map(|t| t.anchor), d);
        let components = crate::assess::measure(image, &d.landmarks, Some(&others), scored.quality.q100)?;
        let mut feedback = crate::assess::feedback(Some(&components), others.len().max(1), model.profile());
        if scored.quality.q100 < opts.min_q100 {
            feedback |= Feedback::LowQuality.bit();
        }
        let components = Components { feedback, ..components };
        let good = feedback & opts.blocking_feedback == 0 && scored.quality.q100 >= opts.min_q100;
        window.add(good && motion <= opts.max_motion, timestamp_ms);
        let state = match good {
            false => State::Adjust,
            true if window.reached(opts.steady_frames, opts.steady_ms, timestamp_ms) => State::Captured,
            true => State::HoldStill,
        };
        let id = match same {
            Some(t) => t.id,
            None => self.tracks + 1,
        };
        let face =
            TrackedFace { track: id, detection: d, quality: scored.quality, components, motion, similarity, overlap };
        let beats = |b: &Best| (state, scored.quality.q100) > (b.state, b.face.quality.q100);
        let is_best = new_track || self.best.as_ref().is_none_or(beats);
        let best = match is_best {
            true => Some(Best {
                index,
                timestamp_ms,
                state,
                feedback,
                face: face.clone(),
                embedding: scored.embedding.clone(),
                crop: model.aligned_crop(&Face { image: *image, landmarks: Some(d.landmarks) })?,
            }),
            false => None,
        };
        // Nothing below fails: the capture changes only once the frame is done.
        self.commit(index, timestamp_ms, full);
        if new_track {
            self.tracks = id;
            self.best = None;
        }
        if let Some(b) = best {
            self.best = Some(b);
        }
        self.track = Some(Track { id, last: d, anchor, embedding: scored.embedding, seen: true, window });
        Ok(Frame { index, state, feedback, face: Some(face), is_best, new_track, full_search: full })
    }

    fn commit(&mut self, index: u64, timestamp_ms: i64, full: bool) {
        self.frames = index + 1;
        self.last_ms = Some(timestamp_ms);
        if full {
            self.last_full = Some((index, timestamp_ms));
        }
    }

    /// The face to follow in this frame, scored with its embedding, every face
    /// the search found (for MULTIPLE_FACES), and whether the whole frame was
    /// searched: the region around the track when it was seen last frame, and
    /// the whole frame when a full search is due or the region holds no face
    /// overlapping the last box (the followed face, when its region holds it,
    /// comes from the region either way).
    fn find(
        &self,
        image: &ImageView,
        index: u64,
        now_ms: i64,
    ) -> Result<(Option<crate::ScoredFace>, Vec<Detection>, bool)> {
        let model = self.model.borrow();
        let opts = &self.options;
        let due = self.last_full.is_none_or(|(frame, ms)| {
            index - frame >= opts.redetect_frames as u64
                || (opts.redetect_ms > 0 && now_ms - ms >= opts.redetect_ms as i64)
        });
        let last = self.track.as_ref().map(|t| t.last);
        let mut full = false;
        let mut pick = None;
        let mut found = Vec::new();
        if let Some(t) = self.track.as_ref().filter(|t| t.seen) {
            let Some(detector) = model.detector() else {
                return fail(ErrorKind::InvalidArgument, "the model has no face detector");
            };
            let near = detector.track(image, &t.anchor, opts.track_context, opts.track_side)?;
            let near: Vec<Detection> = near.into_iter().filter(|d| model.alignable(image, d)).collect();
            pick = overlapping(&near, &t.last, opts.min_overlap);
            found = near;
        }
        if due || pick.is_none() {
            full = true;
            // Ranked by the face policy; the tracked face, when still there, comes first.
            let faces = model.detect(image)?;
            // A face found in its region keeps those landmarks: a full search's differ
            // (it refines at full resolution), and a still face must not seem to move.
            pick = pick.or(last.and_then(|l| overlapping(&faces, &l, opts.min_overlap))).or(faces.first().copied());
            found = faces;
        }
        let Some(d) = pick else {
            return Ok((None, found, full));
        };
        let mut scored = model.score_detections(image, &[d], Want::Both)?;
        Ok((scored.pop(), found, full))
    }
}

/// Overlap (IoU) of a face's box with the anchor above which the search
/// region stays where it was. Placing the region around each frame's box let
/// a still face's landmarks flip between two answers frame to frame (its box
/// moved across a grid line of the shrunk region and back); a region that
/// stays put gives the same input, so the same landmarks.
const ANCHOR_IOU: f32 = 0.9;

/// The box to place the next search region around: the previous anchor while
/// `d` overlaps it by at least `ANCHOR_IOU`, else `d`.
fn anchor(previous: Option<Detection>, d: Detection) -> Detection {
    previous.filter(|a| iou(&a.bbox, &d.bbox) >= ANCHOR_IOU).unwrap_or(d)
}

/// The detection overlapping `last` most, if by at least `min` (IoU).
fn overlapping(faces: &[Detection], last: &Detection, min: f32) -> Option<Detection> {
    let best = most_overlapping(faces, last);
    best.filter(|&(_, o)| o >= min && o > 0.0).map(|(k, _)| faces[k])
}

/// Cosine similarity of two embeddings; 0 when either is all zeros.
fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let norm = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let n = norm(a) * norm(b);
    if n > 0.0 {
        (dot / n) as f32
    } else {
        0.0
    }
}
