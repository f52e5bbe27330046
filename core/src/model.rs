//! A loaded model: the SER-FIQ graph in ONNX Runtime session pools, built
//! once from `Options`. Scoring is in `run`.

use ort::session::builder::GraphOptimizationLevel;

use crate::align::InputSpec;
use crate::detect::{Detector, FacePolicy};
use crate::error::{fail, Error, ErrorKind, Result};
use crate::gpu::Provider;
use crate::graph::{self, HeadSpec, ModelInfo};
use crate::masks::dropout_masks;
use crate::options::{read_source, ModelSource, Options, DEFAULT_ALPHA, DEFAULT_R};
use crate::pool::{Pool, SessionConfig};
use crate::run::{Quality, Want};
use crate::scale::{Q100Quality, Scales, Spread};

/// A face-recognition model with its SER-FIQ head. Share it freely between threads.
pub struct Model {
    pub(crate) info: ModelInfo,
    pub(crate) spec: InputSpec,
    alpha: f64,
    r: f64,
    calibration: crate::calibration::Source,
    /// Percentiles and quantile tables for f and q100, with s's percentiles resolved.
    scales: Scales,
    s_spread: Spread,
    /// The options it was made with, the model and detector bytes left out.
    options: Options,
    runtime: crate::runtime::Runtime,
    /// The model with the head: embedding and s from one inference.
    pub(crate) scored: Pool,
    /// The model alone (batch made dynamic), for embedding-only calls.
    pub(crate) plain: Pool,
    /// Finds faces in images that are neither aligned nor come with landmarks.
    pub(crate) detector: Option<Detector>,
    /// The second quality network, giving l.
    pub(crate) quality_net: Option<crate::quality_net::QualityNet>,
    pub(crate) policy: FacePolicy,
    /// Where the sessions run, and why not on the GPU when a fallback happened.
    pub(crate) provider: Provider,
    gpu_note: Option<String>,
    /// The thresholds of the feedback codes.
    pub(crate) profile: crate::Profile,
}

impl Model {
    /// Builds a model from `opts`: loads ONNX Runtime, the recognition model and
    /// the detector, finds the embedding layer, builds the SER-FIQ graph and runs
    /// it once on an all-zero input.
    ///
    /// Fails with `ErrorKind::InvalidArgument` for options out of range (or an
    /// ONNX Runtime path other than the one already loaded in this process);
    /// `RuntimeNotFound` or `RuntimeVersion` when ONNX Runtime cannot be used;
    /// `ModelNotFound`, `ModelInvalid`, `ModelDigestMismatch`,
    /// `EmbeddingLayerNotFound` or `UnsupportedModel` for the model or detector;
    /// `GpuUnavailable` when the GPU cannot be used and `gpu_fallback` is off;
    /// `Inference` when ONNX Runtime fails.
    pub fn new(opts: &Options) -> Result<Model> {
        opts.validate()?;
        let runtime = crate::runtime::ensure_loaded(opts.ort_library.as_deref(), opts.search)?;
        let bytes = read_source(&opts.model, "model", opts.max_model_bytes)?;
        if bytes.is_empty() {
            return fail(ErrorKind::ModelInvalid, "the model is empty (0 bytes)");
        }
        if let Some(want) = &opts.model_sha256 {
            verify_digest(&bytes, want, "model")?;
        }
        let proto = graph::parse(&bytes)?;
        drop(bytes);
        let (alpha, r, calibration) = resolve_calibration(opts, &proto)?;
        let scales = resolve_scales(&proto)?;
        let s_spread = scales.s.unwrap_or_else(|| crate::scale::spread_from_alpha_r(alpha, r));
        let info = graph::inspect(&proto, opts.embedding_layer.as_deref())?;
        graph::check_head_size(&info.layer, opts.samples)?;
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
        if let Provider::Cuda { device_id } = opts.provider {
            config.cuda_device = Some(device_id);
        }
        let mut plain = Pool::new(plain, config.clone());
        if config.cuda_device.is_some() {
            let ready =
                crate::gpu::preload(opts.cuda_library_path.as_deref(), opts.search).and_then(|libs| {
                    match plain.with(|_| Ok(())) {
                        Ok(()) => {
                            libs.keep();
                            Ok(())
                        }
                        Err(e) => {
                            libs.unload();
                            Err(e)
                        }
                    }
                });
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
                let bytes = read_source(src, "detector model", opts.max_model_bytes)?;
                if let Some(want) = &opts.detector_sha256 {
                    verify_digest(&bytes, want, "detector model")?;
                }
                Some(Detector::new(bytes, config.clone(), opts.detector_threshold, opts.detector_max_side)?)
            }
        };
        let quality_net = match &opts.quality_net {
            None => None,
            Some(src) => {
                let bytes = read_source(src, "quality network", opts.max_model_bytes)?;
                if let Some(want) = &opts.quality_net_sha256 {
                    verify_digest(&bytes, want, "quality network")?;
                }
                let spec = opts.quality_net_spec.as_deref();
                Some(crate::quality_net::QualityNet::new(bytes, spec, config.clone())?)
            }
        };
        let model = Model {
            spec: InputSpec { width: w as u32, height: h as u32, bgr: opts.input_bgr, mean: opts.mean, std: opts.std },
            info,
            alpha,
            r,
            calibration,
            scales,
            s_spread,
            options: Options {
                model: without_bytes(&opts.model),
                detector: opts.detector.as_ref().map(without_bytes),
                quality_net: opts.quality_net.as_ref().map(without_bytes),
                ..opts.clone()
            },
            scored: Pool::new(scored, config.clone()),
            plain,
            detector,
            quality_net,
            policy: opts.face_policy,
            runtime,
            provider: match config.cuda_device {
                Some(device_id) => Provider::Cuda { device_id },
                None => Provider::Cpu,
            },
            gpu_note,
            profile: opts.profile()?,
        };
        model.check_first_run()?;
        Ok(model)
    }

    /// One inference on a grey image proves the rewritten graph runs and its
    /// shapes match what serfiq expects, so problems surface at create time.
    fn check_first_run(&self) -> Result<()> {
        let tensor = crate::run::zeroed(self.spec.tensor_len())?;
        let raw = self.scored.with(|sess| self.infer(sess, &tensor, 1, Want::Both)).map_err(|e| {
            Error::new(
                e.kind,
                format!(
                    "{}; the graph built around embedding layer '{}' (input '{}') does not run. If that is not the embedding layer, name the right one with the `embedding_layer` option",
                    e.message, self.info.layer.node, self.info.layer.tap
                ),
            )
        })?;
        if raw.s.len() != 1 || raw.n.len() != 1 || raw.emb.len() != self.embedding_size() {
            return fail(ErrorKind::UnsupportedModel, "the model's first run gave outputs of unexpected size");
        }
        if self.check_finite(&raw, 0).is_err() {
            return fail(
                ErrorKind::UnsupportedModel,
                "the model's first run (a grey image) gave NaN or infinite values",
            );
        }
        Ok(())
    }

    /// What inspection found in the model: input and output names, input shape
    /// and the embedding layer.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Input size, channel order and normalisation of the recognition model.
    pub fn input_spec(&self) -> &InputSpec {
        &self.spec
    }

    /// Where this model's inferences run (CPU after a GPU fallback).
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Why a GPU was asked for but the CPU is used (`gpu_fallback`), if so.
    pub fn gpu_fallback_reason(&self) -> Option<&str> {
        self.gpu_note.as_deref()
    }

    /// Floats in one embedding (D, the embedding layer's output features).
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

    /// The options this model was made with. A model or detector given as
    /// bytes shows as empty bytes (they are not kept); α and r are as given
    /// ([`Model::alpha_r`] has the values in use).
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Stochastic samples T.
    pub fn samples(&self) -> usize {
        self.options.samples
    }

    /// Dropout probability p of the masks.
    pub fn dropout(&self) -> f64 {
        self.options.dropout
    }

    /// Seed the dropout masks were drawn with.
    pub fn seed(&self) -> u64 {
        self.options.seed
    }

    /// (α, r) in use for q: from the options, else the model's metadata, else
    /// [`DEFAULT_ALPHA`] / [`DEFAULT_R`] (see [`Model::calibration_source`]).
    pub fn alpha_r(&self) -> (f64, f64) {
        (self.alpha, self.r)
    }

    /// Where α and r came from (when the options set only one, the other's source is not told).
    pub fn calibration_source(&self) -> crate::calibration::Source {
        self.calibration
    }

    /// The percentiles and quantile tables f and q100 use (each part `None`
    /// when neither the model's metadata nor, for a model without any
    /// calibration, serfiq's defaults have it; see [`Scales::missing`]).
    pub fn scales(&self) -> &Scales {
        &self.scales
    }

    /// Which quality q100 is the percentile of.
    pub fn q100_quality(&self) -> Q100Quality {
        self.options.q100_quality
    }

    /// The input spec of the second quality network, if the model has one.
    pub fn quality_input(&self) -> Option<&crate::quality_net::QualityInput> {
        self.quality_net.as_ref().map(|q| &q.spec)
    }

    /// Whether f includes l: the model has a quality network and its
    /// calibration (or serfiq's defaults) has l's percentiles.
    pub fn fuses_l(&self) -> bool {
        self.quality_net.is_some() && self.scales.l.is_some()
    }

    /// The quality of an image with SER-FIQ score `s`, embedding-layer
    /// norm `n` and second-network value `l` (NaN without one):
    /// q = 1 / (1 + exp(−α (s − r))), f and q100 as [`Quality`] says.
    pub fn quality(&self, s: f32, n: f32, l: f32) -> Quality {
        let q = crate::calibration::logistic(s as f64, self.alpha, self.r);
        let (sd, nd) = (s as f64, n as f64);
        let (f, f_table) = match (&self.scales.l, self.quality_net.is_some()) {
            (Some(ls), true) => (
                crate::scale::fused_with_l(&self.s_spread, self.scales.n.as_ref(), ls, sd, nd, l as f64),
                &self.scales.fl_table,
            ),
            _ => (crate::scale::fused(&self.s_spread, self.scales.n.as_ref(), sd, nd), &self.scales.f_table),
        };
        let (x, table) = match self.options.q100_quality {
            Q100Quality::S => (sd, &self.scales.s_table),
            Q100Quality::F => (f, f_table),
        };
        let q100 = match table {
            Some(t) => t.percentile_of(x),
            None => (100.0 * q).clamp(0.0, 100.0),
        };
        Quality { s, q: q as f32, n, f: f as f32, q100: q100 as f32, l }
    }
}

/// A source as `Model::options` reports it: paths kept, bytes dropped.
fn without_bytes(src: &ModelSource) -> ModelSource {
    match src {
        ModelSource::Path(p) => ModelSource::Path(p.clone()),
        ModelSource::Bytes(_) => ModelSource::Bytes(Vec::new()),
    }
}

/// Compares a model's SHA-256 with the pinned one (hex, any case).
fn verify_digest(bytes: &[u8], want: &str, what: &str) -> Result<()> {
    use sha2::{Digest, Sha256};
    let got: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    if !got.eq_ignore_ascii_case(want) {
        return fail(
            ErrorKind::ModelDigestMismatch,
            format!("{what} SHA-256 is {got}, expected {}", want.to_lowercase()),
        );
    }
    Ok(())
}

/// The scales in the model's metadata; serfiq's defaults (fitted to the
/// default model) when the model has no calibration of any kind.
fn resolve_scales(proto: &onnx_protobuf::ModelProto) -> Result<Scales> {
    let (alpha, r) = crate::calibration::read(proto)?;
    if Scales::present(proto) || alpha.is_some() || r.is_some() {
        Scales::read(proto)
    } else {
        Ok(crate::defaults::scales())
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
