//! A loaded model: the SER-FIQ graph in ONNX Runtime sessions, and scoring.

use std::path::PathBuf;

use ort::session::{builder::GraphOptimizationLevel, OutputSelector, RunOptions, Session};
use ort::value::TensorRef;

use crate::align::{landmark_transform, InputSpec, Landmarks};
use crate::detect::{Detection, Detector, FacePolicy};
use crate::error::{fail, Error, ErrorKind, Result};
use crate::graph::{self, HeadSpec, ModelInfo, SCORE_OUTPUT};
use crate::image::ImageView;
use crate::masks::dropout_masks;
use crate::pool::{Pool, SessionConfig};

/// Most images in one call.
pub const MAX_BATCH: usize = 4096;
/// Images per inference inside one call: bounds memory of the T×T head.
pub const CHUNK: usize = 32;
/// Images per inference on a GPU, where larger batches keep the device busy.
pub const GPU_CHUNK: usize = 256;
/// Most stochastic samples T.
pub const MAX_SAMPLES: usize = 1000;

/// The default mapping s → q, fitted to the default model on the 3811 LFW
/// images of ../shared/data/lfw/aligned112 (README, "Calibration"): r is the
/// median s (0.5760), alpha = 2·ln 19 / (s95 − s5) = 2·ln 19 / (0.5975 − 0.5478),
/// so the middle 90 % of LFW spans a q range 0.9 wide, q(median) = 0.5.
pub const DEFAULT_ALPHA: f64 = 118.0;
pub const DEFAULT_R: f64 = 0.576;

/// Where the model comes from.
#[derive(Debug, Clone)]
pub enum ModelSource {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

/// Everything `Model::new` needs. `Default` gives serfiq's defaults.
#[derive(Debug, Clone)]
pub struct Options {
    pub model: ModelSource,
    /// ONNX Runtime library; `None`: see `runtime::candidates`.
    pub ort_library: Option<PathBuf>,
    /// Node name or output tensor of the embedding layer; `None`: found automatically.
    pub embedding_layer: Option<String>,
    /// Stochastic samples T (≥ 2).
    pub samples: usize,
    /// Dropout probability p, 0 < p < 1.
    pub dropout: f64,
    pub seed: u64,
    /// q = 1 / (1 + exp(−alpha·(s − r))). `None`: the model's calibration
    /// (metadata written by `serfiq calibrate`), else `DEFAULT_ALPHA` / `DEFAULT_R`.
    pub alpha: Option<f64>,
    pub r: Option<f64>,
    /// The model takes BGR planes (false: RGB).
    pub input_bgr: bool,
    /// Per-channel normalisation in the model's channel order: (x − mean) / std.
    pub mean: [f32; 3],
    pub std: [f32; 3],
    /// ONNX Runtime intra-op threads per session (default 1: parallelism comes
    /// from callers sharing the model, one session each); 0 lets ONNX Runtime decide.
    pub intra_threads: usize,
    /// Most sessions (concurrent inferences) per model; 0: number of CPUs.
    pub max_sessions: usize,
    /// ONNX Runtime graph optimisation level for the recognition model: 1
    /// basic, 2 extended, 3 all (adds the NCHWc layout rewrite). Default 3,
    /// the fastest measured here (`cargo bench --bench perf`).
    pub optimization_level: u8,
    /// Where inferences run. Default CPU.
    pub provider: crate::gpu::Provider,
    /// With `Provider::Cuda`: fall back to the CPU (and report it through
    /// `Model::provider`) when the GPU cannot be used, instead of failing.
    pub gpu_fallback: bool,
    /// A folder holding the CUDA and cuDNN libraries (searched 3 levels deep);
    /// `None`: `SERFIQ_CUDA_PATH`, pip's nvidia-* packages, the system loader.
    pub cuda_library_path: Option<PathBuf>,
    /// Expected SHA-256 of the model bytes (64 hex digits); `None`: not checked.
    pub model_sha256: Option<String>,
    /// A face detector (RetinaFace mobilenet-0.25 layout, e.g. scripts/fetch.sh's
    /// retinaface_mnet025.onnx); `None`: images must be aligned crops or come
    /// with landmarks.
    pub detector: Option<ModelSource>,
    /// Which detected face the single-face calls score.
    pub face_policy: FacePolicy,
    /// Detector confidence threshold, 0 ≤ t < 1.
    pub detector_threshold: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            model: ModelSource::Bytes(Vec::new()),
            ort_library: None,
            embedding_layer: None,
            samples: 100,
            dropout: 0.5,
            seed: 0,
            alpha: None,
            r: None,
            input_bgr: false,
            mean: [127.5; 3],
            std: [128.0; 3],
            intra_threads: 1,
            max_sessions: 0,
            optimization_level: 3,
            provider: crate::gpu::Provider::Cpu,
            gpu_fallback: false,
            cuda_library_path: None,
            model_sha256: None,
            detector: None,
            face_policy: FacePolicy::default(),
            detector_threshold: crate::detect::DEFAULT_THRESHOLD,
        }
    }
}

impl Options {
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        Options { model: ModelSource::Path(path.into()), ..Default::default() }
    }

    fn validate(&self) -> Result<()> {
        let bad = |m: String| fail(ErrorKind::InvalidArgument, m);
        if !(2..=MAX_SAMPLES).contains(&self.samples) {
            return bad(format!("samples (T) must be in 2..={MAX_SAMPLES}, got {}", self.samples));
        }
        if !(self.dropout > 0.0 && self.dropout < 1.0) {
            return bad(format!("dropout p must be in (0, 1), got {}", self.dropout));
        }
        for (name, v) in [("alpha", self.alpha), ("r", self.r)] {
            if v.is_some_and(|v| !v.is_finite()) {
                return bad(format!("{name} must be finite, got {}", v.unwrap_or_default()));
            }
        }
        if self.mean.iter().chain(&self.std).any(|v| !v.is_finite()) || self.std.contains(&0.0) {
            return bad(format!("mean {:?} and std {:?} must be finite and std non-zero", self.mean, self.std));
        }
        if self.intra_threads > 1024 || self.max_sessions > 1024 {
            return bad("intra_threads and max_sessions must be at most 1024".to_string());
        }
        if !(0.0..1.0).contains(&self.detector_threshold) {
            return bad(format!("detector_threshold must be in [0, 1), got {}", self.detector_threshold));
        }
        if !(1..=3).contains(&self.optimization_level) {
            return bad(format!("optimization_level must be 1, 2 or 3, got {}", self.optimization_level));
        }
        if let Some(d) = &self.model_sha256 {
            if d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
                return bad(format!("model_sha256 must be 64 hexadecimal digits, got {d:?}"));
            }
        }
        Ok(())
    }
}

/// Reads a model from its file or takes its bytes. `what` names it in errors.
fn read_source(src: &ModelSource, what: &str) -> Result<Vec<u8>> {
    match src {
        ModelSource::Path(p) => std::fs::read(p).map_err(|e| {
            Error::new(ErrorKind::ModelNotFound, format!("could not read {what} file {}: {e}", p.display()))
        }),
        ModelSource::Bytes(b) => Ok(b.clone()),
    }
}

/// Why an image gave no face, for the user.
fn no_face_message(image: &ImageView, det: Option<&Detector>) -> String {
    format!(
        "no face found in the {}x{} image (detector confidence threshold {})",
        image.width(),
        image.height(),
        det.map_or(crate::detect::DEFAULT_THRESHOLD, |d| d.threshold())
    )
}

/// Compares the model's SHA-256 with the pinned one (hex, any case).
fn verify_digest(bytes: &[u8], want: &str) -> Result<()> {
    use sha2::{Digest, Sha256};
    let got: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    if !got.eq_ignore_ascii_case(want) {
        return fail(
            ErrorKind::ModelDigestMismatch,
            format!("model SHA-256 is {got}, expected {}", want.to_lowercase()),
        );
    }
    Ok(())
}

/// Raw SER-FIQ score s ∈ (0, 1] and its display mapping q ∈ (0, 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub s: f32,
    pub q: f32,
}

impl Quality {
    /// q on the 0–100 integer scale (`calibration::scale_100`): higher is
    /// better, 50 at the calibration sample's median s.
    pub fn scale_100(&self) -> u8 {
        crate::calibration::scale_100(self.q as f64)
    }
}

/// One face to score: an image plus its landmarks, or an aligned crop without.
#[derive(Debug, Clone, Copy)]
pub struct Face<'a> {
    pub image: ImageView<'a>,
    pub landmarks: Option<Landmarks>,
}

/// A face found by the detector, with its quality and (if asked) embedding.
#[derive(Debug, Clone)]
pub struct ScoredFace {
    pub detection: Detection,
    pub quality: Quality,
    /// Empty unless the embedding was asked for.
    pub embedding: Vec<f32>,
}

/// What a run should produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Score,
    Embedding,
    Both,
}

/// Results of a batch, in input order; empty vectors for what was not wanted.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub qualities: Vec<Quality>,
    /// Row-major [images, embedding_size].
    pub embeddings: Vec<f32>,
}

/// A face-recognition model with its SER-FIQ head. Share it freely between threads.
pub struct Model {
    info: ModelInfo,
    spec: InputSpec,
    alpha: f64,
    r: f64,
    calibration: crate::calibration::Source,
    samples: usize,
    dropout: f64,
    seed: u64,
    runtime: crate::runtime::Runtime,
    /// The model with the head: embedding and s from one inference.
    scored: Pool,
    /// The model alone (batch made dynamic), for embedding-only calls.
    plain: Pool,
    /// Finds faces in images that are neither aligned nor come with landmarks.
    detector: Option<Detector>,
    policy: FacePolicy,
    /// Where the sessions run, and why not on the GPU when a fallback happened.
    provider: crate::gpu::Provider,
    gpu_note: Option<String>,
}

impl Model {
    pub fn new(opts: &Options) -> Result<Model> {
        opts.validate()?;
        let runtime = crate::runtime::ensure_loaded(opts.ort_library.as_deref())?;
        let bytes = read_source(&opts.model, "model")?;
        if bytes.is_empty() {
            return fail(ErrorKind::ModelInvalid, "the model is empty (0 bytes)");
        }
        if let Some(want) = &opts.model_sha256 {
            verify_digest(&bytes, want)?;
        }
        let proto = graph::parse(&bytes)?;
        drop(bytes);
        let (alpha, r, calibration) = resolve_calibration(opts, &proto)?;
        let info = graph::inspect(&proto, opts.embedding_layer.as_deref())?;
        let masks = dropout_masks(opts.seed, opts.samples, info.layer.in_features, opts.dropout);
        let head = HeadSpec { samples: opts.samples, masks: &masks };
        let plain = graph::build(&mut proto.clone(), &info, None)?;
        let mut proto = proto;
        let scored = graph::build(&mut proto, &info, Some(&head))?;
        let max = match opts.max_sessions {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let [_, h, w] = info.input_chw;
        let mut config = SessionConfig {
            env: runtime.env.clone(),
            intra_threads: opts.intra_threads,
            max,
            level: match opts.optimization_level {
                1 => GraphOptimizationLevel::Level1,
                2 => GraphOptimizationLevel::Level2,
                _ => GraphOptimizationLevel::Level3,
            },
            cuda_device: None,
        };
        // The GPU, when asked for: its libraries first, then a session on it
        // (a failed registration is reported here, not at the first score). The
        // probe's session stays in the plain pool for later calls.
        let mut gpu_note = None;
        if let crate::gpu::Provider::Cuda { device_id } = opts.provider {
            config.cuda_device = Some(device_id);
        }
        let mut plain = Pool::new(plain, config.clone());
        if config.cuda_device.is_some() {
            let ready = crate::gpu::preload(opts.cuda_library_path.as_deref()).and_then(|()| plain.with(|_| Ok(())));
            if let Err(e) = ready {
                if !opts.gpu_fallback {
                    return Err(e);
                }
                config.cuda_device = None;
                gpu_note = Some(e.message);
                plain = plain.reconfigured(config.clone());
            }
        }
        let detector = match &opts.detector {
            None => None,
            Some(src) => {
                Some(Detector::new(read_source(src, "detector model")?, config.clone(), opts.detector_threshold)?)
            }
        };
        let model = Model {
            spec: InputSpec { width: w as u32, height: h as u32, bgr: opts.input_bgr, mean: opts.mean, std: opts.std },
            info,
            alpha,
            r,
            calibration,
            samples: opts.samples,
            dropout: opts.dropout,
            seed: opts.seed,
            scored: Pool::new(scored, config.clone()),
            plain,
            detector,
            policy: opts.face_policy,
            runtime,
            provider: match config.cuda_device {
                Some(device_id) => crate::gpu::Provider::Cuda { device_id },
                None => crate::gpu::Provider::Cpu,
            },
            gpu_note,
        };
        model.check_first_run()?;
        Ok(model)
    }

    /// One inference on a grey image proves the rewritten graph runs and its
    /// shapes match what serfiq expects, so problems surface at create time.
    fn check_first_run(&self) -> Result<()> {
        let tensor = vec![0.0f32; self.spec.tensor_len()];
        let (s, emb) = self.scored.with(|sess| self.infer(sess, &tensor, 1, Want::Both)).map_err(|e| {
            Error::new(
                e.kind,
                format!(
                    "{}; the graph built around embedding layer '{}' (input '{}') does not run. If that is not the embedding layer, name the right one with the `embedding_layer` option",
                    e.message, self.info.layer.node, self.info.layer.tap
                ),
            )
        })?;
        if s.len() != 1 || !s[0].is_finite() || emb.len() != self.embedding_size() {
            return fail(ErrorKind::UnsupportedModel, "the model's first run gave outputs of unexpected size");
        }
        Ok(())
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    pub fn input_spec(&self) -> &InputSpec {
        &self.spec
    }

    /// Where this model's inferences run (CPU after a GPU fallback).
    pub fn provider(&self) -> crate::gpu::Provider {
        self.provider
    }

    /// Why a GPU was asked for but the CPU is used (`gpu_fallback`), if so.
    pub fn gpu_fallback_reason(&self) -> Option<&str> {
        self.gpu_note.as_deref()
    }

    pub fn embedding_size(&self) -> usize {
        self.info.layer.out_features
    }

    /// (width, height) of an aligned input.
    pub fn input_size(&self) -> (u32, u32) {
        (self.spec.width, self.spec.height)
    }

    /// The ONNX Runtime library in use.
    pub fn runtime_path(&self) -> &std::path::Path {
        &self.runtime.path
    }

    pub fn samples(&self) -> usize {
        self.samples
    }

    pub fn dropout(&self) -> f64 {
        self.dropout
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn alpha_r(&self) -> (f64, f64) {
        (self.alpha, self.r)
    }

    /// Where α and r came from (when the options set only one, the other's source is not told).
    pub fn calibration_source(&self) -> crate::calibration::Source {
        self.calibration
    }

    /// q = 1 / (1 + exp(−α (s − r))).
    pub fn quality(&self, s: f32) -> Quality {
        let q = 1.0 / (1.0 + (-self.alpha * (s as f64 - self.r)).exp());
        Quality { s, q: q as f32 }
    }

    pub fn score(&self, face: &Face) -> Result<Quality> {
        Ok(self.run(std::slice::from_ref(face), Want::Score)?.qualities[0])
    }

    pub fn embed(&self, face: &Face) -> Result<Vec<f32>> {
        Ok(self.run(std::slice::from_ref(face), Want::Embedding)?.embeddings)
    }

    pub fn score_embed(&self, face: &Face) -> Result<(Quality, Vec<f32>)> {
        let out = self.run(std::slice::from_ref(face), Want::Both)?;
        Ok((out.qualities[0], out.embeddings))
    }

    /// Scores and/or embeds a batch. All inputs are checked before any inference.
    pub fn run(&self, faces: &[Face], want: Want) -> Result<Outputs> {
        if faces.is_empty() || faces.len() > MAX_BATCH {
            return fail(
                ErrorKind::InvalidArgument,
                format!("batch size must be in 1..={MAX_BATCH}, got {}", faces.len()),
            );
        }
        // Every face is checked (and, where needed, detected) before any
        // recognition inference, so a bad one late in a large batch fails the
        // call without wasted work.
        let mut resolved = Vec::with_capacity(faces.len());
        for (i, face) in faces.iter().enumerate() {
            let at = |e: Error| Error::new(e.kind, format!("image {i}: {}", e.message));
            let face = self.resolve(face).map_err(at)?;
            self.spec.check(&face.image, face.landmarks.as_ref()).map_err(at)?;
            resolved.push(face);
        }
        let faces = &resolved[..];
        let per = self.spec.tensor_len();
        let mut out = Outputs::default();
        let step = if self.provider == crate::gpu::Provider::Cpu { CHUNK } else { GPU_CHUNK };
        let mut tensor = vec![0.0f32; per * faces.len().min(step)];
        for (ci, chunk) in faces.chunks(step).enumerate() {
            for (i, face) in chunk.iter().enumerate() {
                let slot = &mut tensor[i * per..(i + 1) * per];
                self.spec
                    .fill(&face.image, face.landmarks.as_ref(), slot)
                    .map_err(|e| Error::new(e.kind, format!("image {}: {}", ci * step + i, e.message)))?;
            }
            let input = &tensor[..chunk.len() * per];
            let pool = if want == Want::Embedding { &self.plain } else { &self.scored };
            let (s, emb) = pool.with(|sess| self.infer(sess, input, chunk.len(), want))?;
            out.qualities.extend(s.into_iter().map(|s| self.quality(s)));
            out.embeddings.extend(emb);
        }
        Ok(out)
    }

    /// Whether this model has a face detector.
    pub fn has_detector(&self) -> bool {
        self.detector.is_some()
    }

    pub fn detector(&self) -> Option<&Detector> {
        self.detector.as_ref()
    }

    pub fn face_policy(&self) -> FacePolicy {
        self.policy
    }

    /// Whether `face` goes through the detector: no landmarks, not at the
    /// input size, and a detector is present.
    pub fn needs_detection(&self, face: &Face) -> bool {
        self.detector.is_some()
            && face.landmarks.is_none()
            && (face.image.width(), face.image.height()) != (self.spec.width, self.spec.height)
    }

    /// Every usable face in `image`, the one the face policy picks first.
    /// Detections whose landmarks cannot be aligned are left out.
    pub fn detect(&self, image: &ImageView) -> Result<Vec<Detection>> {
        let Some(det) = &self.detector else {
            return fail(
                ErrorKind::InvalidArgument,
                "this model was created without a face detector (set the detector option)",
            );
        };
        let mut faces: Vec<Detection> = det
            .detect(image)?
            .into_iter()
            .filter(|d| landmark_transform(&self.spec, image, &d.landmarks).is_ok())
            .collect();
        self.policy.rank(&mut faces, image.width(), image.height());
        Ok(faces)
    }

    /// The face as the recogniser takes it: detected landmarks added where needed.
    fn resolve<'a>(&self, face: &Face<'a>) -> Result<Face<'a>> {
        if !self.needs_detection(face) {
            return Ok(*face);
        }
        match self.detect(&face.image)?.first() {
            Some(d) => Ok(Face { image: face.image, landmarks: Some(d.landmarks) }),
            None => fail(ErrorKind::NoFace, no_face_message(&face.image, self.detector.as_ref())),
        }
    }

    /// Detects every face in `image` and scores each (with its embedding when
    /// `want` is `Both` or `Embedding`). No face is an empty list, not an error.
    pub fn detect_score(&self, image: &ImageView, want: Want) -> Result<Vec<ScoredFace>> {
        let found = self.detect(image)?;
        self.score_detections(image, found, want)
    }

    /// Scores the given detections of `image` in one batched run.
    pub fn score_detections(&self, image: &ImageView, found: Vec<Detection>, want: Want) -> Result<Vec<ScoredFace>> {
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let d = self.embedding_size();
        let mut out = Vec::with_capacity(found.len());
        for chunk in found.chunks(MAX_BATCH) {
            let faces: Vec<Face> = chunk.iter().map(|f| Face { image: *image, landmarks: Some(f.landmarks) }).collect();
            let want = if want == Want::Score { Want::Score } else { Want::Both };
            let r = self.run(&faces, want)?;
            for (k, det) in chunk.iter().enumerate() {
                let embedding = if want == Want::Both { r.embeddings[k * d..(k + 1) * d].to_vec() } else { Vec::new() };
                out.push(ScoredFace { detection: *det, quality: r.qualities[k], embedding });
            }
        }
        Ok(out)
    }

    /// One inference on `n` preprocessed images; returns (s, embeddings).
    fn infer(&self, sess: &mut Session, input: &[f32], n: usize, want: Want) -> Result<(Vec<f32>, Vec<f32>)> {
        let err = |e: ort::Error| Error::new(ErrorKind::Inference, format!("ONNX Runtime failed: {e}"));
        let [c, h, w] = self.info.input_chw;
        let tensor = TensorRef::from_array_view(([n, c, h, w], input)).map_err(err)?;
        let (emb_name, score) = (self.info.output_name.as_str(), want != Want::Embedding);
        let mut select = OutputSelector::no_default();
        if want != Want::Score {
            select = select.with(emb_name);
        }
        if score {
            select = select.with(SCORE_OUTPUT);
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
        let s = if score { take(SCORE_OUTPUT, 1)? } else { Vec::new() };
        let emb = if want != Want::Score { take(emb_name, self.embedding_size())? } else { Vec::new() };
        Ok((s, emb))
    }
}

/// α and r: the options' where set, else the model's metadata, else the defaults.
fn resolve_calibration(
    opts: &Options,
    proto: &onnx_protobuf::ModelProto,
) -> Result<(f64, f64, crate::calibration::Source)> {
    use crate::calibration::Source;
    let (meta_alpha, meta_r) = crate::calibration::read(proto)?;
    let source = match (opts.alpha, opts.r) {
        (Some(_), Some(_)) => Source::Options,
        _ if meta_alpha.is_some() || meta_r.is_some() => Source::Model,
        (None, None) => Source::Default,
        _ => Source::Options,
    };
    let alpha = opts.alpha.or(meta_alpha).unwrap_or(DEFAULT_ALPHA);
    let r = opts.r.or(meta_r).unwrap_or(DEFAULT_R);
    Ok((alpha, r, source))
}
