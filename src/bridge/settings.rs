//! Options as foreign callers hold them: numbers with `SERFIQ_*` codes,
//! strings, bytes. Both the C struct and the JNI arrays convert through
//! `Settings`, so defaults and checks exist once.

use std::path::{Path, PathBuf};

use serfiq_core::{Model, ModelSource, Options, DEFAULT_MAX_MODEL_BYTES};

use super::*;
use crate::status::*;

/// Every option of `serfiq_options`, in its foreign form.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub model_path: Option<String>,
    pub model_data: Option<Vec<u8>>,
    pub ort_library_path: Option<String>,
    pub embedding_layer: Option<String>,
    pub samples: u32,
    pub dropout: f32,
    pub seed: u64,
    /// NaN: the model's calibration, else the default.
    pub alpha: f64,
    pub r: f64,
    pub channel_order: u32,
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub intra_op_threads: u32,
    pub max_sessions: u32,
    pub model_sha256: Option<String>,
    pub detector_path: Option<String>,
    pub detector_data: Option<Vec<u8>>,
    pub face_policy: u32,
    pub detector_threshold: f32,
    pub execution_provider: u32,
    pub device_id: i32,
    pub gpu_fallback: bool,
    pub cuda_library_path: Option<String>,
    /// 0: the default, `serfiq_core::DEFAULT_MAX_MODEL_BYTES`.
    pub max_model_bytes: u64,
    pub detector_sha256: Option<String>,
    pub search_paths: u32,
    pub input_mode: u32,
    /// 0: the default, `serfiq_core::detect::DEFAULT_MAX_SIDE`.
    pub detector_max_side: u32,
    /// `SERFIQ_Q100_*`; `SERFIQ_Q100_DEFAULT` (0) is serfiq's default.
    pub q100_quality: u32,
    /// NULL: "enrolment".
    pub feedback_profile: Option<String>,
    pub quality_net_path: Option<String>,
    pub quality_net_data: Option<Vec<u8>>,
    pub quality_net_sha256: Option<String>,
    pub quality_net_spec: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        let d = Options::default();
        Settings {
            model_path: None,
            model_data: None,
            ort_library_path: None,
            embedding_layer: None,
            samples: d.samples as u32,
            dropout: d.dropout as f32,
            seed: d.seed,
            alpha: d.alpha.unwrap_or(f64::NAN),
            r: d.r.unwrap_or(f64::NAN),
            channel_order: channels_code(d.input_bgr),
            mean: d.mean,
            std: d.std,
            intra_op_threads: d.intra_threads as u32,
            max_sessions: d.max_sessions as u32,
            model_sha256: None,
            detector_path: None,
            detector_data: None,
            face_policy: face_policy_code(d.face_policy),
            detector_threshold: d.detector_threshold,
            execution_provider: provider_code(d.provider),
            device_id: 0,
            gpu_fallback: d.gpu_fallback,
            cuda_library_path: None,
            max_model_bytes: d.max_model_bytes,
            detector_sha256: None,
            search_paths: search_code(d.search),
            input_mode: input_mode_code(d.input_mode),
            detector_max_side: d.detector_max_side,
            q100_quality: crate::ffi::SERFIQ_Q100_DEFAULT,
            feedback_profile: None,
            quality_net_path: None,
            quality_net_data: None,
            quality_net_sha256: None,
            quality_net_spec: None,
        }
    }
}

/// A path wins over bytes; neither is `None`.
fn source(path: Option<String>, data: Option<Vec<u8>>) -> Option<ModelSource> {
    match (path, data) {
        (Some(p), _) => Some(ModelSource::Path(PathBuf::from(p))),
        (None, Some(b)) => Some(ModelSource::Bytes(b)),
        (None, None) => None,
    }
}

fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

impl Settings {
    /// The core options; unknown codes and a missing model are refused here
    /// (ranges are checked by `Model::new`).
    pub fn into_options(self) -> Result<Options, Failure> {
        let model = source(self.model_path, self.model_data).ok_or_else(|| {
            Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "options name no model: the model path and the model data are NULL")
        })?;
        Ok(Options {
            model,
            ort_library: self.ort_library_path.map(PathBuf::from),
            embedding_layer: self.embedding_layer,
            samples: self.samples as usize,
            dropout: self.dropout as f64,
            seed: self.seed,
            alpha: (!self.alpha.is_nan()).then_some(self.alpha),
            r: (!self.r.is_nan()).then_some(self.r),
            input_bgr: channels_bgr(self.channel_order)?,
            mean: self.mean,
            std: self.std,
            intra_threads: self.intra_op_threads as usize,
            max_sessions: self.max_sessions as usize,
            model_sha256: self.model_sha256,
            detector: source(self.detector_path, self.detector_data),
            face_policy: face_policy(self.face_policy)?,
            detector_threshold: self.detector_threshold,
            provider: provider(self.execution_provider, self.device_id)?,
            gpu_fallback: self.gpu_fallback,
            cuda_library_path: self.cuda_library_path.map(PathBuf::from),
            // 0 (a zeroed field) is the default; other values are checked by `Model::new`.
            max_model_bytes: if self.max_model_bytes == 0 { DEFAULT_MAX_MODEL_BYTES } else { self.max_model_bytes },
            detector_sha256: self.detector_sha256,
            search: search(self.search_paths)?,
            input_mode: input_mode(self.input_mode)?,
            detector_max_side: if self.detector_max_side == 0 {
                serfiq_core::detect::DEFAULT_MAX_SIDE
            } else {
                self.detector_max_side
            },
            q100_quality: q100_quality(self.q100_quality)?,
            feedback_profile: self.feedback_profile,
            quality_net: source(self.quality_net_path, self.quality_net_data),
            quality_net_sha256: self.quality_net_sha256,
            quality_net_spec: self.quality_net_spec,
            // Settings the foreign surfaces do not carry keep their defaults.
            ..Options::default()
        })
    }

    /// What `model` was made with, for the getters: paths as given (model and
    /// detector bytes are not kept: `None`), α and r as in use, the execution
    /// provider as asked for (`serfiq_get_execution_provider` tells where it runs).
    pub fn of(model: &Model) -> Settings {
        let o = model.options();
        let path = |s: &ModelSource| match s {
            ModelSource::Path(p) => Some(path_text(p)),
            ModelSource::Bytes(_) => None,
        };
        let (alpha, r) = model.alpha_r();
        let device_id = match o.provider {
            serfiq_core::Provider::Cpu => 0,
            serfiq_core::Provider::Cuda { device_id } => device_id,
        };
        Settings {
            model_path: path(&o.model),
            model_data: None,
            ort_library_path: o.ort_library.as_deref().map(path_text),
            embedding_layer: o.embedding_layer.clone(),
            samples: o.samples as u32,
            dropout: o.dropout as f32,
            seed: o.seed,
            alpha,
            r,
            channel_order: channels_code(o.input_bgr),
            mean: o.mean,
            std: o.std,
            intra_op_threads: o.intra_threads as u32,
            max_sessions: o.max_sessions as u32,
            model_sha256: o.model_sha256.clone(),
            detector_path: o.detector.as_ref().and_then(path),
            detector_data: None,
            face_policy: face_policy_code(o.face_policy),
            detector_threshold: o.detector_threshold,
            execution_provider: provider_code(o.provider),
            device_id,
            gpu_fallback: o.gpu_fallback,
            cuda_library_path: o.cuda_library_path.as_deref().map(path_text),
            max_model_bytes: o.max_model_bytes,
            detector_sha256: o.detector_sha256.clone(),
            search_paths: search_code(o.search),
            input_mode: input_mode_code(o.input_mode),
            detector_max_side: o.detector_max_side,
            q100_quality: q100_quality_code(o.q100_quality),
            feedback_profile: o.feedback_profile.clone(),
            quality_net_path: o.quality_net.as_ref().and_then(path),
            quality_net_data: None,
            quality_net_sha256: o.quality_net_sha256.clone(),
            quality_net_spec: o.quality_net_spec.clone(),
        }
    }
}
