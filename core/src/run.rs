//! Scoring: one pass per image — validate, locate the face (landmarks given,
//! an aligned crop, or the detector), align it into the input tensor, infer —
//! each step once, in batches.

use ort::session::{OutputSelector, RunOptions, Session};
use ort::value::TensorRef;

use crate::align::{landmark_transform, Landmarks, Similarity};
use crate::detect::Detection;
use crate::error::{fail, Error, ErrorKind, Result};
use crate::graph::{NORM_OUTPUT, SCORE_OUTPUT};
use crate::image::ImageView;
use crate::model::Model;
use crate::options::InputMode;

/// Most images in one call.
pub const MAX_BATCH: usize = 4096;
/// Images per inference inside one call: bounds memory of the T×T head.
pub const CHUNK: usize = 32;
/// Images per inference on a GPU, where larger batches keep the device busy.
pub const GPU_CHUNK: usize = 256;

/// Raw SER-FIQ score s ∈ (0, 1], its display mapping q ∈ (0, 1), the
/// embedding-layer norm n, the fused quality f and the percentile q100.
#[derive(Debug, Clone, Copy)]
pub struct Quality {
    /// Raw score 2·sigmoid(−mean pairwise distance of the T unit embeddings); higher is better.
    pub s: f32,
    /// s mapped by q = 1 / (1 + exp(−α (s − r))), α and r as [`Model::alpha_r`]; higher is better.
    pub q: f32,
    /// L2 norm of the embedding layer's output for the unmasked pass (before
    /// any normalisation after that layer), from the same inference.
    pub n: f32,
    /// Fused quality f₀ = ½·(ŝ + n̂), x̂ = (x − median) / (p95 − p5) with the
    /// model's calibration percentiles (ŝ alone when n is unusable, see
    /// [`Model::scales`]); with a quality network and l's percentiles,
    /// ½·(f₀ + l̂) ([`Model::fuses_l`]). Higher is better, 0 at a typical image.
    pub f: f32,
    /// The percentile (0–100) of this image's quality (s or f, as
    /// [`Model::q100_quality`]) in the calibration sample, interpolated in
    /// its quantile table; 100·q when the model has no table.
    pub q100: f32,
    /// The second quality network's value for the face, in its own scale
    /// (higher = better); NaN when the model has no such network.
    pub l: f32,
}

/// Equal when every value is; two absent l (NaN: no quality network) are equal,
/// so results of a model without one compare as they did before l existed.
impl PartialEq for Quality {
    fn eq(&self, o: &Quality) -> bool {
        let same_l = self.l == o.l || (self.l.is_nan() && o.l.is_nan());
        (self.s, self.q, self.n, self.f, self.q100) == (o.s, o.q, o.n, o.f, o.q100) && same_l
    }
}

impl Quality {
    /// Fails with `ErrorKind::Inference` unless s and q are in [0, 1], n is
    /// finite and not negative, f is finite and q100 is in [0, 100].
    pub fn check(&self) -> Result<()> {
        let in_range = |v: f32, lo: f32, hi: f32| v >= lo && v <= hi;
        let checks = [
            ("s", self.s, in_range(self.s, 0.0, 1.0)),
            ("q", self.q, in_range(self.q, 0.0, 1.0)),
            ("n", self.n, in_range(self.n, 0.0, f32::MAX)),
            ("f", self.f, self.f.is_finite()),
            ("q100", self.q100, in_range(self.q100, 0.0, 100.0)),
            // NaN: the model has no quality network (a NaN from a network fails in check_finite).
            ("l", self.l, !self.l.is_infinite()),
        ];
        match checks.iter().find(|c| !c.2) {
            Some((name, v, _)) => fail(
                ErrorKind::Inference,
                format!("the model and its calibration gave {name} = {v} for this image, outside its range, so it has no score"),
            ),
            None => Ok(()),
        }
    }

    /// q on the 0–100 integer scale (`calibration::scale_100`): higher is
    /// better, 50 at the calibration sample's median s.
    pub fn scale_100(&self) -> u8 {
        crate::calibration::scale_100(self.q as f64)
    }
}

/// One face to score: an image plus its landmarks, or no landmarks (an
/// aligned crop at the model's input size, or a photo for the detector).
#[derive(Debug, Clone, Copy)]
pub struct Face<'a> {
    /// The image showing the face.
    pub image: ImageView<'a>,
    /// Five landmarks in the image's pixel coordinates; `None`: an aligned crop
    /// or a photo for the detector (see [`Route`]).
    pub landmarks: Option<Landmarks>,
}

/// What a run should produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The quality only.
    Score,
    /// The embedding only, from the model without the SER-FIQ head.
    Embedding,
    /// Quality and embedding, from one inference.
    Both,
}

impl Want {
    fn score(self) -> bool {
        self != Want::Embedding
    }

    fn embedding(self) -> bool {
        self != Want::Score
    }
}

/// What one inference gives per image: s and n (when the score was
/// wanted) and the embeddings (when wanted), row-major.
#[derive(Debug, Default)]
pub(crate) struct Raw {
    pub s: Vec<f32>,
    pub n: Vec<f32>,
    /// The second network's l, when the model has one and the score was wanted.
    pub l: Vec<f32>,
    pub emb: Vec<f32>,
}

impl Raw {
    fn extend(&mut self, other: Raw) {
        self.s.extend(other.s);
        self.n.extend(other.n);
        self.l.extend(other.l);
        self.emb.extend(other.emb);
    }
}

/// Results of a batch, in input order; empty vectors for what was not wanted.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// One quality per image.
    pub qualities: Vec<Quality>,
    /// Row-major [images, embedding_size].
    pub embeddings: Vec<f32>,
}

/// The result for one image of [`Model::run_each`].
#[derive(Debug, Clone, PartialEq)]
pub struct FaceResult {
    /// `None` when only the embedding was asked for.
    pub quality: Option<Quality>,
    /// Empty unless the embedding was asked for.
    pub embedding: Vec<f32>,
    /// The detection the face was aligned by, when the detector found it.
    pub detection: Option<Detection>,
}

/// A face found by the detector, with its quality and (if asked) embedding.
#[derive(Debug, Clone)]
pub struct ScoredFace {
    /// Where the detector found the face.
    pub detection: Detection,
    /// The face's quality.
    pub quality: Quality,
    /// Empty unless the embedding was asked for.
    pub embedding: Vec<f32>,
}

/// The face as the recogniser sees it: packed RGB8 at the model's input size.
#[derive(Debug, Clone)]
pub struct Crop {
    /// Width in pixels (the model's input width).
    pub width: u32,
    /// Height in pixels (the model's input height).
    pub height: u32,
    /// Packed RGB8 pixels, row by row: width × height × 3 bytes.
    pub rgb: Vec<u8>,
    /// The detection the face was aligned by, when the detector found it.
    pub detection: Option<Detection>,
}

/// How the library finds a face in its image ([`Model::route`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Aligned by the landmarks given with it.
    Landmarks,
    /// No landmarks, at the model's input size (or `InputMode::Crop`): the
    /// image is the aligned crop.
    AlignedCrop,
    /// No landmarks, another size (or `InputMode::Photo`): the detector finds
    /// the face (or the call fails with `NoFace`; without a detector, with
    /// `InvalidImage`).
    Detector,
}

/// A face whose place in its image is known: how to map it into the input
/// tensor (`None`: the image is the aligned crop) and where it was found.
struct Located<'a> {
    image: ImageView<'a>,
    to_crop: Option<Similarity>,
    detection: Option<Detection>,
}

impl Model {
    /// The quality of one face. Fails with `ErrorKind::InvalidLandmarks` for bad
    /// landmarks, `InvalidImage` for an image without landmarks and not at the
    /// input size when there is no detector, `NoFace` when the detector finds
    /// no usable face, and
    /// `Inference` when ONNX Runtime fails.
    pub fn score(&self, face: &Face) -> Result<Quality> {
        Ok(self.one(face, Want::Score)?.qualities[0])
    }

    /// The embedding of one face: [`Model::embedding_size`] floats of the model's
    /// output. Fails as [`Model::score`].
    pub fn embed(&self, face: &Face) -> Result<Vec<f32>> {
        Ok(self.one(face, Want::Embedding)?.embeddings)
    }

    /// Quality and embedding of one face, from one inference. Fails as [`Model::score`].
    pub fn score_embed(&self, face: &Face) -> Result<(Quality, Vec<f32>)> {
        let out = self.one(face, Want::Both)?;
        Ok((out.qualities[0], out.embeddings))
    }

    /// A batch of one, its error not attributed to an index.
    fn one(&self, face: &Face, want: Want) -> Result<Outputs> {
        self.run(std::slice::from_ref(face), want).map_err(|e| Error { image: None, ..e })
    }

    /// Scores and/or embeds a batch, all or nothing: every face is checked
    /// and located before any recognition inference, and the first bad one
    /// fails the call (its index in [`Error::image`]). A batch outside
    /// 1..=[`MAX_BATCH`] fails with `ErrorKind::InvalidArgument`.
    pub fn run(&self, faces: &[Face], want: Want) -> Result<Outputs> {
        check_batch(faces.len())?;
        let located = faces.iter().enumerate().map(|(i, f)| self.locate(f).map_err(|e| e.at(i)));
        let located = located.collect::<Result<Vec<_>>>()?;
        let raw = self.infer_all(&located.iter().collect::<Vec<_>>(), want)?;
        for k in 0..faces.len() {
            self.check_finite(&raw, k).map_err(|e| e.at(k))?;
        }
        let qualities = if want.score() {
            (0..faces.len()).map(|k| self.result_quality(&raw, k).map_err(|e| e.at(k))).collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        Ok(Outputs { qualities, embeddings: raw.emb })
    }

    /// Scores and/or embeds a batch, each image on its own: a bad image gets
    /// its error (with its index) and the others their results. The outer
    /// error is for the call as a whole (batch size, ONNX Runtime failing).
    pub fn run_each(&self, faces: &[Face], want: Want) -> Result<Vec<Result<FaceResult>>> {
        check_batch(faces.len())?;
        let located: Vec<Result<Located>> =
            faces.iter().enumerate().map(|(i, f)| self.locate(f).map_err(|e| e.at(i))).collect();
        let good: Vec<&Located> = located.iter().flatten().collect();
        let raw = if good.is_empty() { Raw::default() } else { self.infer_all(&good, want)? };
        let d = self.embedding_size();
        let mut next = 0;
        Ok(located
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let l = l.as_ref().map_err(Clone::clone)?;
                let k = next;
                next += 1;
                self.check_finite(&raw, k).map_err(|e| e.at(i))?;
                Ok(FaceResult {
                    quality: if want.score() { Some(self.result_quality(&raw, k).map_err(|e| e.at(i))?) } else { None },
                    embedding: if want.embedding() { raw.emb[k * d..(k + 1) * d].to_vec() } else { Vec::new() },
                    detection: l.detection,
                })
            })
            .collect())
    }

    /// The face the single-face calls would score, as the model sees it. Fails
    /// as [`Model::score`] does before inference.
    pub fn aligned_crop(&self, face: &Face) -> Result<Crop> {
        let l = self.locate(face)?;
        let rgb = match &l.to_crop {
            Some(t) => crate::align::warp_rgb(&self.spec, &l.image, t),
            None => (0..l.image.height() as usize)
                .flat_map(|y| (0..l.image.width() as usize).map(move |x| (x, y)))
                .flat_map(|(x, y)| l.image.rgb(x, y))
                .collect(),
        };
        Ok(Crop { width: self.spec.width, height: self.spec.height, rgb, detection: l.detection })
    }

    /// Whether this model has a face detector.
    pub fn has_detector(&self) -> bool {
        self.detector.is_some()
    }

    /// The face detector, if the model has one.
    pub fn detector(&self) -> Option<&crate::detect::Detector> {
        self.detector.as_ref()
    }

    /// Which detected face the single-face calls score.
    pub fn face_policy(&self) -> crate::detect::FacePolicy {
        self.policy
    }

    /// Every usable face in `image`, the one the face policy picks first.
    /// Detections whose landmarks cannot be aligned are left out. Fails with
    /// `ErrorKind::InvalidArgument` when the model has no detector.
    pub fn detect(&self, image: &ImageView) -> Result<Vec<Detection>> {
        Ok(self.detect_aligned(image)?.into_iter().map(|(d, _)| d).collect())
    }

    /// Whether `d`'s landmarks can align a face from `image` (as `detect` keeps it).
    pub(crate) fn alignable(&self, image: &ImageView, d: &Detection) -> bool {
        landmark_transform(&self.spec, image, &d.landmarks).is_ok()
    }

    /// `detect`, with each face's transform into the crop.
    fn detect_aligned(&self, image: &ImageView) -> Result<Vec<(Detection, Similarity)>> {
        let Some(det) = &self.detector else {
            return fail(
                ErrorKind::InvalidArgument,
                "this model was created without a face detector (set the detector option)",
            );
        };
        let mut faces: Vec<Detection> = det.detect(image)?;
        self.policy.rank(&mut faces, image.width(), image.height());
        Ok(faces
            .into_iter()
            .filter_map(|d| landmark_transform(&self.spec, image, &d.landmarks).ok().map(|t| (d, t)))
            .collect())
    }

    /// Detects every face in `image` and scores each (with its embedding when
    /// `want` is `Both` or `Embedding`). No face is an empty list, not an error;
    /// a model without a detector fails with `ErrorKind::InvalidArgument`.
    pub fn detect_score(&self, image: &ImageView, want: Want) -> Result<Vec<ScoredFace>> {
        self.score_detections(image, &self.detect(image)?, want)
    }

    /// Scores faces already found in `image` by `detect` (e.g. after checking
    /// their number), in one batched run, without detecting again. Fails with
    /// `ErrorKind::InvalidLandmarks` for a detection whose landmarks cannot be aligned.
    pub fn score_detections(&self, image: &ImageView, found: &[Detection], want: Want) -> Result<Vec<ScoredFace>> {
        let want = if want == Want::Score { Want::Score } else { Want::Both };
        let located = found
            .iter()
            .map(|d| {
                let t = landmark_transform(&self.spec, image, &d.landmarks)?;
                Ok(Located { image: *image, to_crop: Some(t), detection: Some(*d) })
            })
            .collect::<Result<Vec<_>>>()?;
        if located.is_empty() {
            return Ok(Vec::new());
        }
        let raw = self.infer_all(&located.iter().collect::<Vec<_>>(), want)?;
        for k in 0..found.len() {
            self.check_finite(&raw, k).map_err(|e| Error::new(e.kind, format!("face {k}: {}", e.message)))?;
        }
        let d = self.embedding_size();
        found
            .iter()
            .enumerate()
            .map(|(k, det)| {
                Ok(ScoredFace {
                    detection: *det,
                    quality: self
                        .result_quality(&raw, k)
                        .map_err(|e| Error::new(e.kind, format!("face {k}: {}", e.message)))?,
                    embedding: if want.embedding() { raw.emb[k * d..(k + 1) * d].to_vec() } else { Vec::new() },
                })
            })
            .collect()
    }

    /// How the scoring calls find `face` in its image; the one place where
    /// this is decided: landmarks when given, else as `Options::input_mode`
    /// says (a crop-mode image of another size is refused by `locate`).
    pub fn route(&self, face: &Face) -> Route {
        let crop_sized = (face.image.width(), face.image.height()) == (self.spec.width, self.spec.height);
        match self.options().input_mode {
            _ if face.landmarks.is_some() => Route::Landmarks,
            InputMode::Crop => Route::AlignedCrop,
            InputMode::Auto if crop_sized => Route::AlignedCrop,
            InputMode::Auto | InputMode::Photo => Route::Detector,
        }
    }

    /// Validates a face and finds where it is, as `route` says.
    fn locate<'a>(&self, face: &Face<'a>) -> Result<Located<'a>> {
        let image = face.image;
        let route = self.route(face);
        if let (Route::Landmarks, Some(lm)) = (route, &face.landmarks) {
            let t = landmark_transform(&self.spec, &image, lm)?;
            return Ok(Located { image, to_crop: Some(t), detection: None });
        }
        if route == Route::AlignedCrop {
            // Only input_mode crop reaches here with another size.
            self.spec
                .check(&image, None)
                .map_err(|e| Error::new(e.kind, format!("input_mode is crop: {}", e.message)))?;
            return Ok(Located { image, to_crop: None, detection: None });
        }
        if self.detector.is_none() {
            return fail(
                ErrorKind::InvalidImage,
                format!(
                    "image is {}x{}; without landmarks it must be aligned at the model's input size {}x{} (or the model needs a face detector)",
                    image.width(),
                    image.height(),
                    self.spec.width,
                    self.spec.height
                ),
            );
        }
        match self.detect_aligned(&image)?.into_iter().next() {
            Some((d, t)) => Ok(Located { image, to_crop: Some(t), detection: Some(d) }),
            None => fail(ErrorKind::NoFace, self.no_face_message(&image)),
        }
    }

    pub(crate) fn no_face_message(&self, image: &ImageView) -> String {
        format!(
            "no face found in the {}x{} image (detector confidence threshold {})",
            image.width(),
            image.height(),
            self.detector.as_ref().map_or(crate::detect::DEFAULT_THRESHOLD, |d| d.threshold())
        )
    }

    /// Fails when face `k`'s s, n or embedding (those computed) is NaN or
    /// infinite: a model can be finite on the create-time check and not on a
    /// real image, and such a result must never be reported as a score.
    pub(crate) fn check_finite(&self, raw: &Raw, k: usize) -> Result<()> {
        let d = self.embedding_size();
        let bad = |v: &[f32], at: std::ops::Range<usize>| v.get(at).is_some_and(|e| e.iter().any(|v| !v.is_finite()));
        let what = [
            (bad(&raw.s, k..k + 1), "s"),
            (bad(&raw.n, k..k + 1), "n"),
            (bad(&raw.l, k..k + 1), "l (from the quality network)"),
            (bad(&raw.emb, k * d..(k + 1) * d), "embedding"),
        ];
        if let Some((_, name)) = what.iter().find(|(b, _)| *b) {
            return fail(
                ErrorKind::Inference,
                format!("the model gave a non-finite {name} for this image (NaN or infinity), so it has no score"),
            );
        }
        Ok(())
    }

    /// The quality of face `k`, checked: every value a call hands out goes
    /// through here, so none is NaN, infinite or out of its range.
    fn result_quality(&self, raw: &Raw, k: usize) -> Result<Quality> {
        let q = self.quality_at(raw, k);
        q.check()?;
        Ok(q)
    }

    /// Face `k`'s quality from a run's raw values.
    fn quality_at(&self, raw: &Raw, k: usize) -> Quality {
        self.quality(raw.s[k], raw.n[k], raw.l.get(k).copied().unwrap_or(f32::NAN))
    }

    /// The second network's l for one chunk of located faces.
    fn infer_l(
        &self,
        net: &crate::quality_net::QualityNet,
        faces: &[&Located],
        tensor: &mut [f32],
    ) -> Result<Vec<f32>> {
        let per = net.spec.tensor_len();
        let crop_template = self.spec.template();
        for (face, slot) in faces.iter().zip(tensor.chunks_mut(per)) {
            // The recognition crop's map composed with crop → network crop:
            // one warp from the full-resolution pixels (or from the crop itself).
            let to_crop = face.to_crop.unwrap_or(Similarity { a: 1.0, b: 0.0, tx: 0.0, ty: 0.0 });
            net.spec.fill(&face.image, &net.spec.map_from_crop(&crop_template).after(&to_crop), slot);
        }
        net.run(&tensor[..faces.len() * per], faces.len())
    }

    /// Aligns and infers located faces in chunks; returns (s, embeddings).
    /// A chunk holds at most [`CHUNK_ELEMENTS`] floats of input and head
    /// activations, so memory per call is bounded for any batch and model.
    fn infer_all(&self, faces: &[&Located], want: Want) -> Result<Raw> {
        let per = self.spec.tensor_len();
        let head = if want.score() { self.samples() * self.info.layer.in_features } else { 0 };
        let step = if self.provider == crate::gpu::Provider::Cpu { CHUNK } else { GPU_CHUNK };
        let step = step.min((CHUNK_ELEMENTS / (per + head)).max(1));
        let mut tensor = zeroed(per * faces.len().min(step))?;
        let net = self.quality_net.as_ref().filter(|_| want.score());
        let mut net_tensor = match net {
            Some(q) => zeroed(q.spec.tensor_len() * faces.len().min(step))?,
            None => Vec::new(),
        };
        let mut raw = Raw::default();
        let pool = if want == Want::Embedding { &self.plain } else { &self.scored };
        for chunk in faces.chunks(step) {
            for (face, slot) in chunk.iter().zip(tensor.chunks_mut(per)) {
                self.spec.fill_checked(&face.image, face.to_crop.as_ref(), slot);
            }
            let input = &tensor[..chunk.len() * per];
            let mut part = pool.with(|sess| self.infer(sess, input, chunk.len(), want))?;
            if let Some(q) = net {
                part.l = self.infer_l(q, chunk, &mut net_tensor)?;
            }
            raw.extend(part);
        }
        Ok(raw)
    }

    /// One inference on `n` preprocessed images.
    pub(crate) fn infer(&self, sess: &mut Session, input: &[f32], n: usize, want: Want) -> Result<Raw> {
        let err = |e: ort::Error| Error::new(ErrorKind::Inference, format!("ONNX Runtime failed: {e}"));
        let [c, h, w] = self.info.input_chw;
        let tensor = TensorRef::from_array_view(([n, c, h, w], input)).map_err(err)?;
        let emb_name = self.info.output_name.as_str();
        let mut select = OutputSelector::no_default();
        if want.embedding() {
            select = select.with(emb_name);
        }
        if want.score() {
            select = select.with(SCORE_OUTPUT).with(NORM_OUTPUT);
        }
        let options = RunOptions::new().map_err(err)?.with_outputs(select);
        let outputs = {
            // The same floating-point mode on every thread, as on ONNX Runtime's own.
            let _flushed = crate::fpu::Flushed::on();
            sess.run_with_options(ort::inputs![self.info.input_name.as_str() => tensor], &options).map_err(err)?
        };
        let take = |name: &str, per: usize| -> Result<Vec<f32>> {
            let (_, data) = outputs[name].try_extract_tensor::<f32>().map_err(err)?;
            if data.len() != n * per {
                return fail(
                    ErrorKind::UnsupportedModel,
                    format!("output '{name}' has {} values for {n} images, expected {} each", data.len(), per),
                );
            }
            Ok(data.to_vec())
        };
        let (s, norm) = if want.score() { (take(SCORE_OUTPUT, 1)?, take(NORM_OUTPUT, 1)?) } else { Default::default() };
        let emb = if want.embedding() { take(emb_name, self.embedding_size())? } else { Vec::new() };
        Ok(Raw { s, n: norm, l: Vec::new(), emb })
    }
}

/// Most input and head-activation floats one inference chunk may need (2^27: 512 MiB).
const CHUNK_ELEMENTS: usize = 1 << 27;

/// `n` zeros, or `ErrorKind::Inference` when the memory is not there (never an abort).
pub(crate) fn zeroed(n: usize) -> Result<Vec<f32>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        Error::new(
            ErrorKind::Inference,
            format!("out of memory: {n} floats for the input tensor could not be allocated"),
        )
    })?;
    v.resize(n, 0.0);
    Ok(v)
}

fn check_batch(n: usize) -> Result<()> {
    if n == 0 || n > MAX_BATCH {
        return fail(ErrorKind::InvalidArgument, format!("batch size must be in 1..={MAX_BATCH}, got {n}"));
    }
    Ok(())
}
