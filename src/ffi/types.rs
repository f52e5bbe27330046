//! The C ABI's constants and plain data types (the header's enums and structs).

use serfiq_core::{AssessedFace, Components, Quality, ScoredFace};

/// Version of this C ABI. Bindings check it at load time; it changes only when
/// an existing function or struct changes incompatibly.
pub const SERFIQ_ABI_VERSION: u32 = 3;

/// Most images in one `serfiq_score_batch` or `serfiq_score_batch_each` call.
pub const SERFIQ_MAX_BATCH: usize = 4096;
/// Largest image width or height, in pixels.
pub const SERFIQ_MAX_IMAGE_SIDE: u32 = 32768;
const _: () =
    assert!(SERFIQ_MAX_BATCH == serfiq_core::MAX_BATCH && SERFIQ_MAX_IMAGE_SIDE == serfiq_core::image::MAX_SIDE);

/// Pixel layout of a `serfiq_image` (8 bits per channel).
pub type serfiq_pixel_format = u32;
/// Blue, green, red (OpenCV's default). The default: value 0, so a zeroed
/// `serfiq_image` is BGR. Most other decoders (libjpeg, libpng, stb_image,
/// PIL) give RGB: set `SERFIQ_PIXEL_RGB` for them, or red and blue are
/// swapped, which changes s and the detections without any error.
pub const SERFIQ_PIXEL_BGR: serfiq_pixel_format = 0;
/// Red, green, blue.
pub const SERFIQ_PIXEL_RGB: serfiq_pixel_format = 1;
/// Blue, green, red, alpha (alpha ignored).
pub const SERFIQ_PIXEL_BGRA: serfiq_pixel_format = 2;
/// Red, green, blue, alpha (alpha ignored).
pub const SERFIQ_PIXEL_RGBA: serfiq_pixel_format = 3;
/// One grey channel.
pub const SERFIQ_PIXEL_GRAY: serfiq_pixel_format = 4;

/// Where a model's inferences run.
pub type serfiq_execution_provider = u32;
/// ONNX Runtime's CPU provider (the default).
pub const SERFIQ_PROVIDER_CPU: serfiq_execution_provider = 0;
/// ONNX Runtime's CUDA provider on `serfiq_options.device_id`.
pub const SERFIQ_PROVIDER_CUDA: serfiq_execution_provider = 1;

/// Channel order the model expects in its input tensor.
pub type serfiq_channel_order = u32;
/// The model takes RGB planes (ArcFace, the default).
pub const SERFIQ_CHANNELS_RGB: serfiq_channel_order = 0;
/// The model takes BGR planes.
pub const SERFIQ_CHANNELS_BGR: serfiq_channel_order = 1;

/// Which face the single-face calls score when the detector finds several.
pub type serfiq_face_policy = u32;
/// The face with the largest box (the default: value 0).
pub const SERFIQ_FACE_LARGEST: serfiq_face_policy = 0;
/// The face whose box centre is nearest the image centre.
pub const SERFIQ_FACE_MOST_CENTRAL: serfiq_face_policy = 1;

/// Where serfiq may look for the libraries it loads (ONNX Runtime; with CUDA,
/// the CUDA and cuDNN libraries) when the options give no path for them.
pub type serfiq_search_paths = u32;
/// An explicit path in the options is the only place tried for its library;
/// without one, serfiq reads the environment and searches folders: for ONNX
/// Runtime `SERFIQ_ORT_LIB`, then the folder of libserfiq, then the system
/// loader (`LD_LIBRARY_PATH`, ld.so.cache); for CUDA `SERFIQ_CUDA_PATH`, pip's
/// nvidia-* packages under `VIRTUAL_ENV`, `CONDA_PREFIX`, `HOME`/.local and the
/// system Pythons, then the folders of `LD_LIBRARY_PATH` and the usual system
/// library folders. The default: value 0.
pub const SERFIQ_SEARCH_DEFAULT: serfiq_search_paths = 0;
/// Only the explicit paths in the options (`ort_library_path`,
/// `cuda_library_path`): no environment variable is read, no folder of
/// serfiq's own is searched and the system loader is not asked. A library
/// without a path fails the create (`SERFIQ_ERR_RUNTIME_NOT_FOUND` for ONNX
/// Runtime, `SERFIQ_ERR_GPU_UNAVAILABLE` for CUDA).
pub const SERFIQ_SEARCH_EXPLICIT_ONLY: serfiq_search_paths = 1;

/// What an image passed without landmarks is (`serfiq_options.input_mode`).
/// Landmarks, when given, always place the face.
pub type serfiq_input_mode = u32;
/// By its size (the default: value 0): an image of exactly the model's input
/// size (112x112 for the default model) is taken as an aligned crop and never
/// searched; any other size goes to the detector. So a 112x112 photo is
/// scored as if it were aligned: use `SERFIQ_INPUT_PHOTO` for such photos.
pub const SERFIQ_INPUT_AUTO: serfiq_input_mode = 0;
/// An aligned crop: an image of another size fails with
/// `SERFIQ_ERR_INVALID_IMAGE`; the detector is never used by the scoring calls.
pub const SERFIQ_INPUT_CROP: serfiq_input_mode = 1;
/// A photo: the detector always searches it, whatever its size (a create
/// without a detector fails with `SERFIQ_ERR_INVALID_ARGUMENT`).
pub const SERFIQ_INPUT_PHOTO: serfiq_input_mode = 2;

/// Most faces one image gives (`serfiq_detect_score`, `serfiq_detect`): the
/// detector keeps at most this many, most confident first.
pub const SERFIQ_MAX_FACES: usize = 750;
const _: () = assert!(SERFIQ_MAX_FACES == serfiq_core::detect::MAX_FACES);
/// Which quality `serfiq_quality.q100` is the percentile of.
pub type serfiq_q100_quality = u32;
/// serfiq's default choice: f, which predicted recognition errors better than
/// s on the LFW development folds (docs/src/concepts/edc.md). Value 0.
pub const SERFIQ_Q100_DEFAULT: serfiq_q100_quality = 0;
/// The raw SER-FIQ score s.
pub const SERFIQ_Q100_S: serfiq_q100_quality = 1;
/// The fused quality f.
pub const SERFIQ_Q100_F: serfiq_q100_quality = 2;

/// Number of floats in one set of landmarks: x, y of left eye, right eye, nose
/// tip, left mouth corner, right mouth corner ("left" = smaller x), in pixels.
pub const SERFIQ_LANDMARK_FLOATS: usize = 10;

/// Capacity of the arrays of `serfiq_components`; every component id is below it.
pub const SERFIQ_MAX_COMPONENTS: usize = 32;
const _: () = assert!(SERFIQ_MAX_COMPONENTS == serfiq_core::MAX_COMPONENTS);

/// An 8-bit image, borrowed for the duration of a call.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_image {
    /// First byte of the top row.
    pub data: *const u8,
    pub width: u32,
    pub height: u32,
    /// Bytes from one row to the next, at least width * bytes per pixel;
    /// 0 means tightly packed.
    pub stride: usize,
    /// One of `SERFIQ_PIXEL_*`. 0 is `SERFIQ_PIXEL_BGR` (OpenCV's order); RGB
    /// pixels (most decoders) need `SERFIQ_PIXEL_RGB`.
    pub format: serfiq_pixel_format,
}

/// Quality of one face.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_quality {
    /// Raw SER-FIQ score s = 2 * sigmoid(-mean pairwise distance), in (0, 1].
    pub s: f32,
    /// s mapped through the model's logistic (alpha, r), in (0, 1): 0.5 at
    /// the median s of the sample the model was calibrated on (`serfiq
    /// calibrate`). Kept for compatibility; `q100` is the scale to act on.
    pub q: f32,
    /// L2 norm of the embedding layer's output for the unmasked pass (the
    /// model's embedding before any normalisation), from the same inference.
    /// (Since ABI version 2.)
    pub n: f32,
    /// Fused quality f0 = (s_hat + n_hat) / 2, x_hat = (x - median) / (p95 -
    /// p5) with the model's calibration percentiles; s_hat alone when the
    /// model's calibration has no usable n (`serfiq info` says). With a second
    /// quality network and l's percentiles in the calibration: (f0 + l_hat) / 2.
    /// Higher is better, about 0 for a typical image.
    pub f: f32,
    /// The percentile, 0 to 100, of this image's quality (f or s, as
    /// `serfiq_options.q100_quality` chooses) in the calibration sample,
    /// interpolated in the model's quantile table: "reject below 10" rejects
    /// what scores below the worst 10 % of that sample. 100 * q when the
    /// model's calibration has no table.
    pub q100: f32,
    /// The learned quality of the second network (`quality_net_*` options),
    /// higher = better, in the network's own scale (LightQNet: 0..1). NAN
    /// when the model has no quality network: the only non-finite value any
    /// result may hold. (Since ABI version 3.)
    pub l: f32,
}

/// One face found by `serfiq_detect_score`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_face {
    /// The face's box: left, top, right, bottom edges in image pixels, clamped
    /// to the image (0 <= left < right <= width, 0 <= top < bottom <= height).
    pub r#box: [f32; 4],
    /// Its 5 landmarks as 10 floats (see `SERFIQ_LANDMARK_FLOATS`), in image
    /// pixels: the points the face was aligned by.
    pub landmarks: [f32; SERFIQ_LANDMARK_FLOATS],
    /// The detector's confidence that this is a face, in (threshold, 1].
    pub confidence: f32,
    /// The face's quality.
    pub quality: serfiq_quality,
}

impl From<Quality> for serfiq_quality {
    fn from(q: Quality) -> Self {
        serfiq_quality { s: q.s, q: q.q, n: q.n, f: q.f, q100: q.q100, l: q.l }
    }
}

impl From<&ScoredFace> for serfiq_face {
    fn from(f: &ScoredFace) -> Self {
        let d = &f.detection;
        serfiq_face {
            r#box: d.bbox,
            landmarks: std::array::from_fn(|i| d.landmarks[i / 2][i % 2]),
            confidence: d.confidence,
            quality: f.quality.into(),
        }
    }
}

/// The quality components of one face and the feedback raised for it
/// (`serfiq_assess`, `serfiq_detect_assess`). A table, not fields: component
/// `id` is at index `id` of `raw` and `value`; its name and unit come from
/// `serfiq_component_name` / `serfiq_component_unit`, and feedback code `k`
/// (bit k of `feedback`) has `serfiq_feedback_name` / `serfiq_feedback_message`.
/// Ids and codes are stable and only ever appended.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_components {
    /// Bit k set: feedback code k raised (e.g. bit 7, TOO_DARK).
    pub feedback: u64,
    /// Ids 0..count-1 are defined by this library (`serfiq_component_count`);
    /// entries from `count` on are NAN.
    pub count: u32,
    /// Raw value in the component's unit; NAN = not assessed (the only
    /// non-finite value: the components that need a network serfiq does not
    /// have, and SingleFacePresent for a face not found by the detector).
    pub raw: [f32; SERFIQ_MAX_COMPONENTS],
    /// 0 to 100, higher is better (ISO/IEC 29794-5 and OFIQ mappings where
    /// defined on the same raw value); NAN = not assessed.
    pub value: [f32; SERFIQ_MAX_COMPONENTS],
}

impl From<&Components> for serfiq_components {
    fn from(c: &Components) -> Self {
        serfiq_components {
            feedback: c.feedback,
            count: serfiq_core::Component::ALL.len() as u32,
            raw: c.raw,
            value: c.value,
        }
    }
}

impl From<&AssessedFace> for serfiq_face {
    fn from(a: &AssessedFace) -> Self {
        serfiq_face {
            r#box: a.bbox,
            landmarks: std::array::from_fn(|i| a.landmarks[i / 2][i % 2]),
            confidence: a.detection.map_or(0.0, |d| d.confidence),
            quality: a.quality.into(),
        }
    }
}
