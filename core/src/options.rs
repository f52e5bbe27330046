//! What a model is made from: `Options`, its defaults and their checks.

use std::path::PathBuf;

use crate::detect::FacePolicy;
use crate::error::{fail, Error, ErrorKind, Result};
use crate::gpu::Provider;

/// Most stochastic samples T.
pub const MAX_SAMPLES: usize = 1000;

/// Smallest dropout probability p (and 1 − p the largest): with fewer units
/// dropped the T passes are all alike and s is 1 for every image.
pub const MIN_DROPOUT: f64 = 0.01;

/// The default largest model (and detector) file serfiq reads: 1 GiB. The
/// largest public face-recognition models (ResNet-200 ArcFace) are about 0.5 GB.
pub const DEFAULT_MAX_MODEL_BYTES: u64 = 1 << 30;
/// The highest `max_model_bytes`: protobuf cannot hold a larger ONNX model.
pub const MAX_MODEL_BYTES: u64 = (1 << 31) - 1;

/// Largest magnitude a pixel may have after normalisation, (x − mean) / std.
/// Real models see values within ±300 (0..=255 raw); beyond 10^6 the network
/// overflows to infinities on real images.
pub const MAX_NORMALISED: f32 = 1e6;

/// Where serfiq may look for libraries (ONNX Runtime, CUDA) it was not given a path to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Search {
    /// An explicit path is the only place tried; without one, the documented
    /// environment variables and folders (see `runtime` and `gpu`).
    #[default]
    Default,
    /// Only explicit paths from the options: no environment variable, no
    /// folder of serfiq's own, no system loader. A library without a path
    /// fails the create.
    ExplicitOnly,
}

/// The default mapping s → q, fitted to the default model on the 3811 LFW
/// images of ../shared/data/lfw/aligned112 (docs/src/guides/own-model.md): r is the
/// median s (0.5760), alpha = 2·ln 19 / (s95 − s5) = 2·ln 19 / (0.5975 − 0.5478),
/// so the middle 90 % of LFW spans a q range 0.9 wide, q(median) = 0.5.
pub const DEFAULT_ALPHA: f64 = 118.0;
/// The default r of the mapping s → q: the median s of the LFW sample that
/// gave [`DEFAULT_ALPHA`].
pub const DEFAULT_R: f64 = 0.576;

/// Where the model comes from.
#[derive(Debug, Clone)]
pub enum ModelSource {
    /// An ONNX file, read when the model is created.
    Path(PathBuf),
    /// The contents of an ONNX file.
    Bytes(Vec<u8>),
}

/// Everything [`Model::new`](crate::Model::new) needs. `Default` gives serfiq's defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// The face-recognition model; the default (empty bytes) is refused with
    /// `ErrorKind::ModelInvalid`.
    pub model: ModelSource,
    /// ONNX Runtime library; `None`: see `runtime::candidates`.
    pub ort_library: Option<PathBuf>,
    /// Node name or output tensor of the embedding layer; `None`: found automatically.
    pub embedding_layer: Option<String>,
    /// Stochastic samples T, 2..=[`MAX_SAMPLES`]; default 100.
    pub samples: usize,
    /// Dropout probability p, [`MIN_DROPOUT`] ≤ p ≤ 1 − [`MIN_DROPOUT`]; default 0.5.
    pub dropout: f64,
    /// Seed of the SplitMix64 generator that draws the dropout masks (see
    /// [`masks`](crate::masks)); default 0.
    pub seed: u64,
    /// α of q = 1 / (1 + exp(−alpha·(s − r))), as
    /// [`calibration::check_alpha_r`](crate::calibration::check_alpha_r) allows. `None`: the model's calibration
    /// (metadata written by `serfiq calibrate`), else [`DEFAULT_ALPHA`].
    pub alpha: Option<f64>,
    /// r of the same mapping, finite. `None`: the model's calibration, else [`DEFAULT_R`].
    pub r: Option<f64>,
    /// The model takes BGR planes (false: RGB).
    pub input_bgr: bool,
    /// Per-channel normalisation in the model's channel order: (x − mean) / std,
    /// x in 0–255. Default 127.5.
    pub mean: [f32; 3],
    /// The divisor of that normalisation, finite and non-zero (mean finite too). Default 128.
    pub std: [f32; 3],
    /// ONNX Runtime intra-op threads per session (default 1: parallelism comes
    /// from callers sharing the model, one session each); 0 lets ONNX Runtime
    /// decide. At most 1024.
    pub intra_threads: usize,
    /// Most sessions (concurrent inferences) per model, at most 1024; 0: number of CPUs.
    pub max_sessions: usize,
    /// ONNX Runtime graph optimisation level for the recognition model: 1
    /// basic, 2 extended, 3 all (adds the NCHWc layout rewrite). Default 3,
    /// the fastest measured here (`cargo bench --bench perf`).
    pub optimization_level: u8,
    /// Where inferences run. Default CPU.
    pub provider: Provider,
    /// With `Provider::Cuda`: fall back to the CPU (and report it through
    /// `Model::provider`) when the GPU cannot be used, instead of failing.
    pub gpu_fallback: bool,
    /// A folder holding the CUDA and cuDNN libraries (searched 3 levels deep);
    /// `None`: `SERFIQ_CUDA_PATH`, pip's nvidia-* packages, the system loader.
    pub cuda_library_path: Option<PathBuf>,
    /// Expected SHA-256 of the model bytes (64 hex digits); `None`: not checked.
    pub model_sha256: Option<String>,
    /// Expected SHA-256 of the detector bytes (64 hex digits); `None`: not checked.
    pub detector_sha256: Option<String>,
    /// Largest model or detector serfiq reads, in bytes, 1..=[`MAX_MODEL_BYTES`];
    /// default [`DEFAULT_MAX_MODEL_BYTES`]. A larger file or buffer is refused
    /// before it is read.
    pub max_model_bytes: u64,
    /// Where libraries without an explicit path are looked for. Default: [`Search::Default`].
    pub search: Search,
    /// A face detector (RetinaFace mobilenet-0.25 layout, e.g. scripts/fetch.sh's
    /// retinaface_mnet025.onnx); `None`: images must be aligned crops or come
    /// with landmarks.
    pub detector: Option<ModelSource>,
    /// Which detected face the single-face calls score.
    pub face_policy: FacePolicy,
    /// Detector confidence threshold, 0 ≤ t < 1; default 0.9
    /// ([`detect::DEFAULT_THRESHOLD`](crate::detect::DEFAULT_THRESHOLD)).
    pub detector_threshold: f32,
    /// What an image without landmarks is: an aligned crop, a photo for the
    /// detector, or decided by its size ([`InputMode::Auto`], the default).
    pub input_mode: InputMode,
    /// Longest side, in pixels, of the image the detector sees: larger photos
    /// are shrunk to it first (landmarks map back, the crop is aligned from
    /// the full-resolution pixels). 32..=32768 ([`crate::image::MAX_SIDE`],
    /// which turns shrinking off); default
    /// [`detect::DEFAULT_MAX_SIDE`](crate::detect::DEFAULT_MAX_SIDE).
    pub detector_max_side: u32,
    /// Which quality `Quality::q100` is the percentile of; default
    /// [`Q100Quality::DEFAULT`](crate::Q100Quality::DEFAULT).
    pub q100_quality: crate::Q100Quality,
    /// The thresholds of the feedback codes ([`Model::assess`](crate::Model::assess)):
    /// a preset ("enrolment", strict ICAO/ISO; "live", tolerant), optionally
    /// followed by ";key=value" overrides (see [`Profile::parse`](crate::Profile::parse)).
    /// `None`: "enrolment". Bad text fails the create with `InvalidArgument`.
    pub feedback_profile: Option<String>,
    /// A second quality network ([`quality_net`](crate::quality_net)): any
    /// ONNX model mapping an aligned face to one number, higher = better,
    /// read under the same limits as the model. `None`: no l, and f is s and n's alone.
    pub quality_net: Option<ModelSource>,
    /// Expected SHA-256 of the quality network's bytes; `None`: not checked.
    pub quality_net_sha256: Option<String>,
    /// The quality network's input spec, e.g.
    /// "side=96;layout=nhwc;channels=rgb;mean=128;std=128"; `None`: its
    /// `serfiq.quality_input` metadata.
    pub quality_net_spec: Option<String>,
}

/// What an image given without landmarks is (landmarks, when given, always
/// place the face).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputMode {
    /// By its size: exactly the model's input size is an aligned crop, any
    /// other size a photo for the detector.
    #[default]
    Auto,
    /// An aligned crop: an image of another size fails with `InvalidImage`.
    Crop,
    /// A photo: the detector always runs (the model must have one).
    Photo,
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
            provider: Provider::Cpu,
            gpu_fallback: false,
            cuda_library_path: None,
            model_sha256: None,
            detector_sha256: None,
            max_model_bytes: DEFAULT_MAX_MODEL_BYTES,
            search: Search::Default,
            detector: None,
            face_policy: FacePolicy::default(),
            detector_threshold: crate::detect::DEFAULT_THRESHOLD,
            input_mode: InputMode::Auto,
            detector_max_side: crate::detect::DEFAULT_MAX_SIDE,
            q100_quality: crate::Q100Quality::DEFAULT,
            feedback_profile: None,
            quality_net: None,
            quality_net_sha256: None,
            quality_net_spec: None,
        }
    }
}

impl Options {
    /// The default options for the model file at `path`.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        Options { model: ModelSource::Path(path.into()), ..Default::default() }
    }

    /// The feedback profile these options name.
    pub(crate) fn profile(&self) -> Result<crate::Profile> {
        self.feedback_profile.as_deref().map_or_else(|| Ok(crate::Profile::default()), crate::Profile::parse)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |m: String| fail(ErrorKind::InvalidArgument, m);
        if !(2..=MAX_SAMPLES).contains(&self.samples) {
            return bad(format!("samples (T) must be in 2..={MAX_SAMPLES}, got {}", self.samples));
        }
        if !(MIN_DROPOUT..=1.0 - MIN_DROPOUT).contains(&self.dropout) {
            return bad(format!("dropout p must be in [{MIN_DROPOUT}, {}], got {:?}", 1.0 - MIN_DROPOUT, self.dropout));
        }
        crate::calibration::check_alpha_r(self.alpha, self.r).map_err(|m| Error::new(ErrorKind::InvalidArgument, m))?;
        // Every pixel value 0..=255 must normalise into ±MAX_NORMALISED: a tiny
        // std or a huge mean would overflow the network to infinities and NaN.
        // An infinite std would pass that bound and send every pixel to 0.
        let within = |m: f32, s: f32| [0.0f32, 255.0].iter().all(|x| ((x - m) / s).abs() <= MAX_NORMALISED);
        if self
            .mean
            .iter()
            .zip(&self.std)
            .any(|(&m, &s)| !(m.is_finite() && s.is_finite()) || s == 0.0 || !within(m, s))
        {
            return bad(format!(
                "mean {:?} and std {:?} must be finite, std non-zero, and (x - mean) / std within ±{MAX_NORMALISED:e} (finite) for every pixel value x in 0..=255",
                self.mean, self.std
            ));
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
        let digests = [
            ("model_sha256", &self.model_sha256),
            ("detector_sha256", &self.detector_sha256),
            ("quality_net_sha256", &self.quality_net_sha256),
        ];
        for (name, digest) in digests {
            if let Some(d) = digest {
                if d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return bad(format!("{name} must be 64 hexadecimal digits, got {d:?}"));
                }
            }
        }
        if self.detector_sha256.is_some() && self.detector.is_none() {
            return bad("detector_sha256 is set but no detector is given".to_string());
        }
        if self.quality_net.is_none() && (self.quality_net_sha256.is_some() || self.quality_net_spec.is_some()) {
            return bad("quality_net_sha256 or quality_net_spec is set but no quality network is given".to_string());
        }
        if let Some(spec) = &self.quality_net_spec {
            crate::quality_net::QualityInput::parse(spec, ErrorKind::InvalidArgument, "quality_net_spec")?;
        }
        if self.input_mode == InputMode::Photo && self.detector.is_none() {
            return bad("input_mode is photo but no detector is given (set the detector option)".to_string());
        }
        let sides = crate::detect::MIN_MAX_SIDE..=crate::image::MAX_SIDE;
        if !sides.contains(&self.detector_max_side) {
            return bad(format!(
                "detector_max_side must be in {}..={}, got {}",
                sides.start(),
                sides.end(),
                self.detector_max_side
            ));
        }
        self.profile()?;
        if !(1..=MAX_MODEL_BYTES).contains(&self.max_model_bytes) {
            return bad(format!("max_model_bytes must be in 1..={MAX_MODEL_BYTES}, got {}", self.max_model_bytes));
        }
        Ok(())
    }
}

/// Reads a model from its file or takes its bytes, at most `max` of them.
/// Only a regular file is read (not a FIFO, device or folder, which could
/// block or never end), and no more than `max` + 1 bytes of it, so a file
/// that grows while it is read is still refused. `what` names it in errors.
pub(crate) fn read_source(src: &ModelSource, what: &str, max: u64) -> Result<Vec<u8>> {
    let too_big = |n: String| {
        fail(
            ErrorKind::UnsupportedModel,
            format!("the {what} is {n} bytes, more than the limit of {max} (raise max_model_bytes to allow it)"),
        )
    };
    let p = match src {
        ModelSource::Bytes(b) if b.len() as u64 > max => return too_big(b.len().to_string()),
        ModelSource::Bytes(b) => return Ok(b.clone()),
        ModelSource::Path(p) => p,
    };
    let not_found =
        |e: String| Error::new(ErrorKind::ModelNotFound, format!("could not read {what} file {}: {e}", p.display()));
    let file = crate::files::open_regular(p).map_err(|e| not_found(e.to_string()))?;
    let meta = file.metadata().map_err(|e| not_found(e.to_string()))?;
    if meta.len() > max {
        return too_big(meta.len().to_string());
    }
    let mut bytes = Vec::new();
    use std::io::Read;
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| not_found(e.to_string()))?;
    if bytes.len() as u64 > max {
        return too_big(format!("over {max}"));
    }
    Ok(bytes)
}
