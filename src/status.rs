//! Status codes: the single source of truth for the C ABI, JNI and every binding.
#![allow(non_camel_case_types)]
//!
//! Values are explicit and append-only: a retired code stays reserved.

use serfiq_core::ErrorKind;

/// Result of every fallible serfiq call. 0 is success; see `serfiq_last_error`.
pub type serfiq_status = u32;

/// Success.
pub const SERFIQ_OK: serfiq_status = 0;
/// A required pointer argument is NULL.
pub const SERFIQ_ERR_NULL_ARGUMENT: serfiq_status = 1;
/// An argument is out of range: options values, batch size, non-UTF-8 strings.
pub const SERFIQ_ERR_INVALID_ARGUMENT: serfiq_status = 2;
/// `serfiq_options.struct_size` (or the size given to `serfiq_options_init`) is not
/// one this library accepts: from `SERFIQ_OPTIONS_SIZE_V1` up to its own sizeof.
pub const SERFIQ_ERR_OPTIONS_SIZE: serfiq_status = 3;
/// The image is unusable: zero or too large size, stride too small, unknown pixel
/// format, or not at the model's input size while no landmarks were given.
pub const SERFIQ_ERR_INVALID_IMAGE: serfiq_status = 4;
/// Landmarks are NaN, infinite, outside the image or degenerate.
pub const SERFIQ_ERR_INVALID_LANDMARKS: serfiq_status = 5;
/// An output buffer is too small; the needed number of elements is reported where
/// the call has a length output.
pub const SERFIQ_ERR_BUFFER_TOO_SMALL: serfiq_status = 6;
/// The model file could not be read.
pub const SERFIQ_ERR_MODEL_NOT_FOUND: serfiq_status = 7;
/// The model bytes are empty, truncated, corrupt or not ONNX.
pub const SERFIQ_ERR_MODEL_INVALID: serfiq_status = 8;
/// No embedding layer was found, or the named one does not exist; name it with
/// `serfiq_options.embedding_layer`.
pub const SERFIQ_ERR_EMBEDDING_LAYER_NOT_FOUND: serfiq_status = 9;
/// A valid ONNX model serfiq cannot use (several inputs, not NCHW with 3 channels,
/// external weights, non-float weights, opset older than 7).
pub const SERFIQ_ERR_UNSUPPORTED_MODEL: serfiq_status = 10;
/// The ONNX Runtime library could not be loaded from any place serfiq looked.
pub const SERFIQ_ERR_RUNTIME_NOT_FOUND: serfiq_status = 11;
/// The ONNX Runtime library is older than 1.31.
pub const SERFIQ_ERR_RUNTIME_VERSION: serfiq_status = 12;
/// ONNX Runtime failed to create a session or to run it.
pub const SERFIQ_ERR_INFERENCE: serfiq_status = 13;
/// An earlier call on this model hit an internal error; destroy the model.
pub const SERFIQ_ERR_POISONED: serfiq_status = 14;
/// A bug inside serfiq (a caught panic). Please report it with the message.
pub const SERFIQ_ERR_INTERNAL: serfiq_status = 15;
/// Never returned by libserfiq: a language binding raises it when the loaded
/// library's `serfiq_abi_version()` differs from the version it was written for.
pub const SERFIQ_ERR_ABI_MISMATCH: serfiq_status = 16;
/// The model's SHA-256 differs from `serfiq_options.model_sha256`.
pub const SERFIQ_ERR_MODEL_DIGEST_MISMATCH: serfiq_status = 17;
/// The face detector found no usable face in an image that is neither an
/// aligned crop nor given with landmarks.
pub const SERFIQ_ERR_NO_FACE: serfiq_status = 18;

/// The GPU could not be used: this ONNX Runtime has no CUDA execution provider,
/// CUDA or cuDNN libraries are missing (the message names them), or the device
/// does not exist. Set `gpu_fallback` to run on the CPU instead.
pub const SERFIQ_ERR_GPU_UNAVAILABLE: serfiq_status = 19;
/// Returned by the per-image batch calls (`serfiq_score_batch_each`) when the
/// call ran but at least one image failed: its entry in `statuses` says why
/// (`serfiq_image_error` gives its message), and every image whose status is
/// `SERFIQ_OK` has its results written.
pub const SERFIQ_ERR_IMAGES_FAILED: serfiq_status = 20;
/// The model was created in another process: this is a child made by `fork()`
/// after the model was created. Sessions, locks and threads do not survive a
/// fork, so every call on an inherited model fails with this status (and never
/// blocks); create models in the process that uses them.
pub const SERFIQ_ERR_FORKED: serfiq_status = 21;

/// Every status with its name, in value order (used by `serfiq_status_name`).
pub const NAMES: [&std::ffi::CStr; 22] = [
    c"SERFIQ_OK",
    c"SERFIQ_ERR_NULL_ARGUMENT",
    c"SERFIQ_ERR_INVALID_ARGUMENT",
    c"SERFIQ_ERR_OPTIONS_SIZE",
    c"SERFIQ_ERR_INVALID_IMAGE",
    c"SERFIQ_ERR_INVALID_LANDMARKS",
    c"SERFIQ_ERR_BUFFER_TOO_SMALL",
    c"SERFIQ_ERR_MODEL_NOT_FOUND",
    c"SERFIQ_ERR_MODEL_INVALID",
    c"SERFIQ_ERR_EMBEDDING_LAYER_NOT_FOUND",
    c"SERFIQ_ERR_UNSUPPORTED_MODEL",
    c"SERFIQ_ERR_RUNTIME_NOT_FOUND",
    c"SERFIQ_ERR_RUNTIME_VERSION",
    c"SERFIQ_ERR_INFERENCE",
    c"SERFIQ_ERR_POISONED",
    c"SERFIQ_ERR_INTERNAL",
    c"SERFIQ_ERR_ABI_MISMATCH",
    c"SERFIQ_ERR_MODEL_DIGEST_MISMATCH",
    c"SERFIQ_ERR_NO_FACE",
    c"SERFIQ_ERR_GPU_UNAVAILABLE",
    c"SERFIQ_ERR_IMAGES_FAILED",
    c"SERFIQ_ERR_FORKED",
];

/// The status of each kind of core error.
pub fn status_of(kind: ErrorKind) -> serfiq_status {
    match kind {
        ErrorKind::InvalidArgument => SERFIQ_ERR_INVALID_ARGUMENT,
        ErrorKind::InvalidImage => SERFIQ_ERR_INVALID_IMAGE,
        ErrorKind::InvalidLandmarks => SERFIQ_ERR_INVALID_LANDMARKS,
        ErrorKind::ModelNotFound => SERFIQ_ERR_MODEL_NOT_FOUND,
        ErrorKind::ModelInvalid => SERFIQ_ERR_MODEL_INVALID,
        ErrorKind::EmbeddingLayerNotFound => SERFIQ_ERR_EMBEDDING_LAYER_NOT_FOUND,
        ErrorKind::UnsupportedModel => SERFIQ_ERR_UNSUPPORTED_MODEL,
        ErrorKind::RuntimeNotFound => SERFIQ_ERR_RUNTIME_NOT_FOUND,
        ErrorKind::RuntimeVersion => SERFIQ_ERR_RUNTIME_VERSION,
        ErrorKind::Inference => SERFIQ_ERR_INFERENCE,
        ErrorKind::Internal => SERFIQ_ERR_INTERNAL,
        ErrorKind::ModelDigestMismatch => SERFIQ_ERR_MODEL_DIGEST_MISMATCH,
        ErrorKind::GpuUnavailable => SERFIQ_ERR_GPU_UNAVAILABLE,
        ErrorKind::NoFace => SERFIQ_ERR_NO_FACE,
        ErrorKind::Forked => SERFIQ_ERR_FORKED,
    }
}
