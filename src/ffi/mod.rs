//! The C ABI: a thin layer over `Model`. Every export checks its pointers, runs
//! inside `boundary::guard` (no panic crosses) and writes outputs only on success.
//!
//! Safety contract of every export (stated once here and in the header): each
//! non-NULL pointer points to valid memory of the documented size for the
//! duration of the call, and a model handle is live (created, not destroyed).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod boundary;
pub mod status;

use std::ffi::{c_char, CStr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use boundary::{arg, failure, guard, out, Failure, Outcome};
pub use status::*;

use crate::detect::FacePolicy;
use crate::gpu::Provider;
use crate::image::{required_len, ImageView, PixelFormat};
use crate::model::{Face, Model, ModelSource, Options, Outputs, Quality, ScoredFace, Want};

/// Version of this C ABI. Bindings check it at load time; it changes only when
/// an existing function or struct changes incompatibly.
pub const SERFIQ_ABI_VERSION: u32 = 1;

/// Most images in one `serfiq_score_batch` call.
pub const SERFIQ_MAX_BATCH: usize = 4096;
/// Largest image width or height, in pixels.
pub const SERFIQ_MAX_IMAGE_SIDE: u32 = 32768;
const _: () = assert!(SERFIQ_MAX_BATCH == crate::model::MAX_BATCH && SERFIQ_MAX_IMAGE_SIDE == crate::image::MAX_SIDE);

/// Pixel layout of a `serfiq_image` (8 bits per channel).
pub type serfiq_pixel_format = u32;
/// Blue, green, red (OpenCV's default). The default: value 0.
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

/// Number of floats in one set of landmarks: x, y of left eye, right eye, nose
/// tip, left mouth corner, right mouth corner ("left" = smaller x), in pixels.
pub const SERFIQ_LANDMARK_FLOATS: usize = 10;

/// Settings for `serfiq_create`. Always fill it with
/// `serfiq_options_init(&o, sizeof o)` first, then change what you need.
///
/// Fields are only ever appended. A program built against an older header
/// passes a smaller `struct_size`; the library then reads only the fields that
/// size covers and uses defaults for the rest.
#[repr(C)]
pub struct serfiq_options {
    /// sizeof(serfiq_options) as the caller compiled it; set by `serfiq_options_init`.
    pub struct_size: usize,
    /// Path of the ONNX face-recognition model (UTF-8), or NULL to use `model_data`.
    pub model_path: *const c_char,
    /// The model's bytes (borrowed for the call only) when `model_path` is NULL.
    pub model_data: *const u8,
    pub model_size: usize,
    /// Path of libonnxruntime (UTF-8) or NULL: then env `SERFIQ_ORT_LIB`, then the
    /// folder of libserfiq, then the system loader. The first library loaded
    /// serves the whole process.
    pub ort_library_path: *const c_char,
    /// Node name or output tensor name of the embedding layer, or NULL to find
    /// it automatically (the last Gemm / MatMul / 1x1 Conv before the output).
    pub embedding_layer: *const c_char,
    /// Stochastic samples T, 2..=1000. Default 100.
    pub samples: u32,
    /// Dropout probability p, 0 < p < 1. Default 0.5.
    pub dropout: f32,
    /// Seed of the dropout masks (SplitMix64, see README). Default 0.
    pub seed: u64,
    /// q = 1 / (1 + exp(-alpha * (s - r))). Default NAN for both: the model's
    /// calibration (metadata written by `serfiq calibrate`) where it has one,
    /// else alpha 118 and r 0.576, fitted to the default model. Infinities are
    /// rejected.
    pub alpha: f64,
    pub r: f64,
    /// Channel order of the model input. Default `SERFIQ_CHANNELS_RGB`.
    pub channel_order: serfiq_channel_order,
    /// Normalisation (pixel - mean) / std per channel, in the model's channel
    /// order. Default 127.5 and 128 (ArcFace).
    pub mean: [f32; 3],
    pub std: [f32; 3],
    /// ONNX Runtime intra-op threads per inference. Default 1 (measured fastest
    /// here: callers sharing a model run in parallel, one session each);
    /// 0 = ONNX Runtime's own default (all cores, spinning).
    pub intra_op_threads: u32,
    /// Most inferences running at once on one model (one session each);
    /// 0 = number of CPUs.
    pub max_sessions: u32,
    /// Expected SHA-256 of the model (64 hex digits, UTF-8), or NULL: when set,
    /// a model with another digest fails with `SERFIQ_ERR_MODEL_DIGEST_MISMATCH`.
    pub model_sha256: *const c_char,
    /// Path of a face-detector model (UTF-8; RetinaFace mobilenet-0.25 as
    /// `make fetch` puts in .cache/models/retinaface_mnet025.onnx), or NULL to
    /// use `detector_data`. With both NULL (the default) the model has no
    /// detector: images must be aligned crops or come with landmarks.
    ///
    /// With a detector, an image that has no landmarks and is not at the
    /// model's input size is searched for faces; the face `face_policy`
    /// picks is aligned by its detected landmarks and scored, and an image
    /// without a face fails with `SERFIQ_ERR_NO_FACE`. (Since `SERFIQ_OPTIONS_SIZE_V2`.)
    pub detector_path: *const c_char,
    /// The detector's bytes (borrowed for the call only) when `detector_path` is NULL.
    pub detector_data: *const u8,
    pub detector_size: usize,
    /// One of `SERFIQ_FACE_*`. Default `SERFIQ_FACE_LARGEST`.
    pub face_policy: serfiq_face_policy,
    /// Detector confidence threshold, 0 <= t < 1. Default 0.9.
    pub detector_threshold: f32,
    /// One of `SERFIQ_PROVIDER_*`. Default `SERFIQ_PROVIDER_CPU`. With CUDA,
    /// ONNX Runtime must be the onnxruntime-gpu build (its
    /// libonnxruntime_providers_cuda.so next to libonnxruntime) and CUDA 13 +
    /// cuDNN 9 must be loadable. (Since `SERFIQ_OPTIONS_SIZE_V3`.)
    pub execution_provider: serfiq_execution_provider,
    /// CUDA device ordinal. Default 0.
    pub device_id: i32,
    /// Non-zero: when the GPU cannot be used, run on the CPU instead of failing
    /// with `SERFIQ_ERR_GPU_UNAVAILABLE` (`serfiq_get_execution_provider` tells).
    /// Default 0.
    pub gpu_fallback: u32,
    /// A folder holding the CUDA and cuDNN libraries (UTF-8; searched three
    /// levels deep, so pip's `site-packages/nvidia` works), or NULL: then env
    /// `SERFIQ_CUDA_PATH`, pip's nvidia-* packages, the system loader.
    pub cuda_library_path: *const c_char,
}

/// Size of the first published `serfiq_options` (ABI version 1): the smallest
/// `struct_size` accepted. Such a caller gets no detector.
pub const SERFIQ_OPTIONS_SIZE_V1: usize = 128;
/// Size of `serfiq_options` with the detector fields (`detector_path` to
/// `detector_threshold`).
pub const SERFIQ_OPTIONS_SIZE_V2: usize = 160;
/// Size of `serfiq_options` with the execution-provider fields
/// (`execution_provider` to `cuda_library_path`).
pub const SERFIQ_OPTIONS_SIZE_V3: usize = 184;
const _: () = assert!(SERFIQ_OPTIONS_SIZE_V3 == std::mem::size_of::<serfiq_options>());
const _: () = assert!(SERFIQ_OPTIONS_SIZE_V2 == std::mem::offset_of!(serfiq_options, execution_provider));
const _: () = assert!(SERFIQ_OPTIONS_SIZE_V1 == std::mem::offset_of!(serfiq_options, detector_path));

/// An 8-bit image, borrowed for the duration of a call.
#[repr(C)]
pub struct serfiq_image {
    /// First byte of the top row.
    pub data: *const u8,
    pub width: u32,
    pub height: u32,
    /// Bytes from one row to the next, at least width * bytes per pixel;
    /// 0 means tightly packed.
    pub stride: usize,
    /// One of `SERFIQ_PIXEL_*`.
    pub format: serfiq_pixel_format,
}

/// Quality of one face.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_quality {
    /// Raw SER-FIQ score s = 2 * sigmoid(-mean pairwise distance), in (0, 1].
    pub s: f32,
    /// s mapped through the model's logistic (alpha, r), in (0, 1). For the
    /// 0-100 integer scale of ISO/IEC 29794-1 quality scores (as NIST FATE
    /// Quality and OFIQ report them) take round(100 * q), clamped to 0..100:
    /// higher is better, 50 is the median s of the sample the model was
    /// calibrated on (`serfiq calibrate`), about 5 and 95 its 5th and 95th
    /// percentiles.
    pub q: f32,
}

/// One face found by `serfiq_detect_score`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_face {
    /// The face's box: left, top, right, bottom edges in image pixels.
    pub r#box: [f32; 4],
    /// Its 5 landmarks as 10 floats (see `SERFIQ_LANDMARK_FLOATS`), in image
    /// pixels: the points the face was aligned by.
    pub landmarks: [f32; SERFIQ_LANDMARK_FLOATS],
    /// The detector's confidence that this is a face, in (threshold, 1].
    pub confidence: f32,
    /// The face's quality.
    pub quality: serfiq_quality,
}

/// A loaded model. Opaque; create with `serfiq_create`, free with `serfiq_destroy`.
pub struct serfiq_model {
    model: Model,
    poisoned: AtomicBool,
}

impl From<Quality> for serfiq_quality {
    fn from(q: Quality) -> Self {
        serfiq_quality { s: q.s, q: q.q }
    }
}

/// Reads an optional UTF-8 C string.
///
/// # Safety
/// A non-NULL `p` must point to a NUL-terminated string.
unsafe fn opt_str(p: *const c_char, name: &str) -> Result<Option<String>, Failure> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller's contract.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str()
        .map(|s| Some(s.to_string()))
        .map_err(|_| failure(SERFIQ_ERR_INVALID_ARGUMENT, format!("{name} is not valid UTF-8")))
}

fn defaults() -> serfiq_options {
    let d = Options::default();
    serfiq_options {
        struct_size: std::mem::size_of::<serfiq_options>(),
        model_path: std::ptr::null(),
        model_data: std::ptr::null(),
        model_size: 0,
        ort_library_path: std::ptr::null(),
        embedding_layer: std::ptr::null(),
        samples: d.samples as u32,
        dropout: d.dropout as f32,
        seed: d.seed,
        alpha: d.alpha.unwrap_or(f64::NAN),
        r: d.r.unwrap_or(f64::NAN),
        channel_order: SERFIQ_CHANNELS_RGB,
        mean: d.mean,
        std: d.std,
        intra_op_threads: d.intra_threads as u32,
        max_sessions: d.max_sessions as u32,
        model_sha256: std::ptr::null(),
        detector_path: std::ptr::null(),
        detector_data: std::ptr::null(),
        detector_size: 0,
        face_policy: SERFIQ_FACE_LARGEST,
        detector_threshold: d.detector_threshold,
        execution_provider: SERFIQ_PROVIDER_CPU,
        device_id: 0,
        gpu_fallback: 0,
        cuda_library_path: std::ptr::null(),
    }
}

/// The caller's options, read without touching a byte past its `struct_size`:
/// the covered bytes are copied over the defaults, and a field only partly
/// covered (a size that ends inside it) keeps its default.
///
/// # Safety
/// `options` must be non-NULL, aligned, and point to `struct_size` readable bytes.
unsafe fn read_options(options: *const serfiq_options) -> Result<serfiq_options, Failure> {
    // SAFETY: struct_size is the first field and within every accepted size.
    let size = unsafe { std::ptr::addr_of!((*options).struct_size).read() };
    check_size(size)?;
    let mut o = defaults();
    let ours = std::mem::size_of::<serfiq_options>();
    // SAFETY: the caller's buffer holds `size` bytes; we copy at most that and
    // at most our struct's size into a local of our own type, whose fields are
    // plain integers, floats and raw pointers (every bit pattern valid).
    unsafe { std::ptr::copy_nonoverlapping(options as *const u8, &mut o as *mut _ as *mut u8, size.min(ours)) };
    let d = defaults();
    macro_rules! keep_default_unless_covered {
        ($($field:ident),*) => {$(
            if std::mem::offset_of!(serfiq_options, $field) + std::mem::size_of_val(&d.$field) > size {
                o.$field = d.$field;
            }
        )*};
    }
    keep_default_unless_covered!(detector_path, detector_data, detector_size, face_policy, detector_threshold);
    keep_default_unless_covered!(execution_provider, device_id, gpu_fallback, cuda_library_path);
    o.struct_size = size;
    Ok(o)
}

/// Converts C options to core options, copying everything borrowed.
///
/// # Safety
/// Pointers inside `o` must be valid as documented on `serfiq_options`.
unsafe fn to_options(o: &serfiq_options) -> Result<Options, Failure> {
    // SAFETY: the caller's contract for each string.
    let path = unsafe { opt_str(o.model_path, "model_path")? };
    let model = match path {
        Some(p) => ModelSource::Path(PathBuf::from(p)),
        None if o.model_data.is_null() => {
            return Err(failure(SERFIQ_ERR_NULL_ARGUMENT, "options name no model: model_path and model_data are NULL"))
        }
        None => {
            if o.model_size > isize::MAX as usize {
                return Err(failure(SERFIQ_ERR_INVALID_ARGUMENT, "model_size is too large"));
            }
            // SAFETY: model_data points to model_size readable bytes (caller's contract).
            ModelSource::Bytes(unsafe { std::slice::from_raw_parts(o.model_data, o.model_size) }.to_vec())
        }
    };
    // SAFETY: the caller's contract for the detector's path or bytes.
    let detector = match unsafe { opt_str(o.detector_path, "detector_path")? } {
        Some(p) => Some(ModelSource::Path(PathBuf::from(p))),
        None if o.detector_data.is_null() => None,
        None => {
            if o.detector_size > isize::MAX as usize {
                return Err(failure(SERFIQ_ERR_INVALID_ARGUMENT, "detector_size is too large"));
            }
            // SAFETY: detector_data points to detector_size readable bytes (caller's contract).
            Some(ModelSource::Bytes(unsafe { std::slice::from_raw_parts(o.detector_data, o.detector_size) }.to_vec()))
        }
    };
    let face_policy = match o.face_policy {
        SERFIQ_FACE_LARGEST => FacePolicy::Largest,
        SERFIQ_FACE_MOST_CENTRAL => FacePolicy::MostCentral,
        v => return Err(failure(SERFIQ_ERR_INVALID_ARGUMENT, format!("unknown face_policy {v}"))),
    };
    let provider = match o.execution_provider {
        SERFIQ_PROVIDER_CPU => Provider::Cpu,
        SERFIQ_PROVIDER_CUDA => Provider::Cuda { device_id: o.device_id },
        v => return Err(failure(SERFIQ_ERR_INVALID_ARGUMENT, format!("unknown execution_provider {v}"))),
    };
    let bgr = match o.channel_order {
        SERFIQ_CHANNELS_RGB => false,
        SERFIQ_CHANNELS_BGR => true,
        v => return Err(failure(SERFIQ_ERR_INVALID_ARGUMENT, format!("unknown channel_order {v}"))),
    };
    Ok(Options {
        model,
        // SAFETY: as above.
        ort_library: unsafe { opt_str(o.ort_library_path, "ort_library_path")? }.map(PathBuf::from),
        embedding_layer: unsafe { opt_str(o.embedding_layer, "embedding_layer")? },
        samples: o.samples as usize,
        dropout: o.dropout as f64,
        seed: o.seed,
        alpha: (!o.alpha.is_nan()).then_some(o.alpha),
        r: (!o.r.is_nan()).then_some(o.r),
        input_bgr: bgr,
        mean: o.mean,
        std: o.std,
        intra_threads: o.intra_op_threads as usize,
        max_sessions: o.max_sessions as usize,
        // SAFETY: as above.
        model_sha256: unsafe { opt_str(o.model_sha256, "model_sha256")? },
        detector,
        face_policy,
        detector_threshold: o.detector_threshold,
        provider,
        gpu_fallback: o.gpu_fallback != 0,
        // SAFETY: as above.
        cuda_library_path: unsafe { opt_str(o.cuda_library_path, "cuda_library_path")? }.map(PathBuf::from),
        // Settings the C struct does not carry keep their defaults.
        ..Options::default()
    })
}

/// The sizes this library understands: from the first published struct up to
/// its own. (A later library accepts every size from V1 up to its own.)
fn check_size(size: usize) -> Outcome {
    let ours = std::mem::size_of::<serfiq_options>();
    if (SERFIQ_OPTIONS_SIZE_V1..=ours).contains(&size) {
        return Ok(());
    }
    let why = if size > ours { "a newer serfiq header than this library" } else { "no serfiq header" };
    Err(failure(
        SERFIQ_ERR_OPTIONS_SIZE,
        format!(
            "serfiq_options.struct_size is {size}: that struct comes from {why} (accepted: {SERFIQ_OPTIONS_SIZE_V1} to {ours}); fill it with serfiq_options_init(&options, sizeof options)"
        ),
    ))
}

/// Borrows a C image as a checked `ImageView`.
///
/// # Safety
/// `img.data` must point to `stride * (height - 1) + width * bpp` readable bytes.
unsafe fn to_view<'a>(img: &serfiq_image, index: usize) -> Result<ImageView<'a>, Failure> {
    let bad = |m: String| failure(SERFIQ_ERR_INVALID_IMAGE, format!("image {index}: {m}"));
    let format = match img.format {
        SERFIQ_PIXEL_BGR => PixelFormat::Bgr,
        SERFIQ_PIXEL_RGB => PixelFormat::Rgb,
        SERFIQ_PIXEL_BGRA => PixelFormat::Bgra,
        SERFIQ_PIXEL_RGBA => PixelFormat::Rgba,
        SERFIQ_PIXEL_GRAY => PixelFormat::Gray,
        v => return Err(bad(format!("unknown pixel format {v}"))),
    };
    if img.data.is_null() {
        return Err(failure(SERFIQ_ERR_NULL_ARGUMENT, format!("image {index}: data is NULL")));
    }
    let stride = if img.stride == 0 { img.width as usize * format.bytes_per_pixel() } else { img.stride };
    let len = required_len(img.width, img.height, stride, format).map_err(|e| bad(e.message))?;
    // SAFETY: the caller guarantees `len` readable bytes; `len` is bounded by isize::MAX.
    let data = unsafe { std::slice::from_raw_parts(img.data, len) };
    ImageView::new(data, img.width, img.height, stride, format).map_err(|e| bad(e.message))
}

/// Reads 10 landmark floats, or none for NULL.
///
/// # Safety
/// A non-NULL `p` must point to 10 readable floats.
unsafe fn to_landmarks(p: *const f32) -> Option<crate::Landmarks> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    let f = unsafe { std::slice::from_raw_parts(p, SERFIQ_LANDMARK_FLOATS) };
    Some(std::array::from_fn(|i| [f[2 * i], f[2 * i + 1]]))
}

/// Runs `body` on a live model, poisoning it if the body panics.
fn with_model(model: *const serfiq_model, body: impl FnOnce(&Model) -> Outcome) -> serfiq_status {
    // SAFETY: a non-NULL handle came from serfiq_create and is not destroyed (caller's contract).
    let handle = unsafe { model.as_ref() };
    guard(
        || {
            if let Some(h) = handle {
                h.poisoned.store(true, Ordering::SeqCst);
            }
        },
        || {
            let h = handle.ok_or_else(|| failure(SERFIQ_ERR_NULL_ARGUMENT, "model is NULL"))?;
            if h.poisoned.load(Ordering::SeqCst) {
                return Err(failure(
                    SERFIQ_ERR_POISONED,
                    "this model hit an internal error earlier; destroy it and create a new one",
                ));
            }
            body(&h.model)
        },
    )
}

/// Scores one image; the shared body of the single-image calls.
///
/// # Safety
/// As for `serfiq_score`.
unsafe fn run_one(
    model: &Model,
    image: *const serfiq_image,
    landmarks: *const f32,
    want: Want,
) -> Result<Outputs, Failure> {
    // SAFETY: pointers per the documented contract.
    let img = unsafe { arg(image, "image")? };
    let view = unsafe { to_view(img, 0)? };
    let face = Face { image: view, landmarks: unsafe { to_landmarks(landmarks) } };
    Ok(model.run(std::slice::from_ref(&face), want)?)
}

/// Checks an embedding buffer before any work, reporting the size needed.
///
/// # Safety
/// A non-NULL `len_out` must be writable.
unsafe fn check_capacity(embedding: *mut f32, capacity: usize, need: usize, len_out: *mut usize) -> Outcome {
    if embedding.is_null() {
        return Err(failure(SERFIQ_ERR_NULL_ARGUMENT, "embedding is NULL"));
    }
    if capacity < need {
        // SAFETY: caller's contract; the needed size is the one output of this failure.
        if let Some(l) = unsafe { len_out.as_mut() } {
            *l = need;
        }
        return Err(failure(
            SERFIQ_ERR_BUFFER_TOO_SMALL,
            format!("embedding capacity {capacity} < {need} floats needed"),
        ));
    }
    Ok(())
}

/// Copies an embedding out and reports its length.
///
/// # Safety
/// `embedding` must have room for `values.len()` floats; a non-NULL `len_out` must be writable.
unsafe fn write_embedding(values: &[f32], embedding: *mut f32, len_out: *mut usize) {
    // SAFETY: capacity was checked by check_capacity; regions cannot overlap our Vec.
    unsafe {
        std::ptr::copy_nonoverlapping(values.as_ptr(), embedding, values.len());
        if let Some(l) = len_out.as_mut() {
            *l = values.len();
        }
    }
}

/// Fills `options` with the defaults and sets `struct_size`. Pass
/// `sizeof *options`: the library writes no more than that many bytes.
/// Call it before setting any field.
#[no_mangle]
pub unsafe extern "C" fn serfiq_options_init(options: *mut serfiq_options, struct_size: usize) -> serfiq_status {
    guard(
        || {},
        || {
            if options.is_null() {
                return Err(failure(SERFIQ_ERR_NULL_ARGUMENT, "options is NULL"));
            }
            check_size(struct_size)?;
            let mut d = defaults();
            d.struct_size = struct_size;
            // SAFETY: the caller's buffer holds `struct_size` bytes, at least V1,
            // and no more than our struct is copied.
            unsafe { std::ptr::copy_nonoverlapping(&d as *const _ as *const u8, options as *mut u8, struct_size) };
            Ok(())
        },
    )
}

/// Loads ONNX Runtime (first call only), reads the model, builds its SER-FIQ
/// graph and checks it with one inference. On success `*model_out` owns a new
/// model; on failure it is left untouched.
///
/// The options and everything they point to are only read during the call.
#[no_mangle]
pub unsafe extern "C" fn serfiq_create(
    options: *const serfiq_options,
    model_out: *mut *mut serfiq_model,
) -> serfiq_status {
    guard(
        || {},
        || {
            if options.is_null() {
                return Err(failure(SERFIQ_ERR_NULL_ARGUMENT, "options is NULL"));
            }
            // SAFETY: pointers checked for NULL; validity is the caller's contract.
            let slot = unsafe { out(model_out, "model_out")? };
            let o = unsafe { read_options(options)? };
            let opts = unsafe { to_options(&o)? };
            let model = Model::new(&opts)?;
            *slot = Box::into_raw(Box::new(serfiq_model { model, poisoned: AtomicBool::new(false) }));
            Ok(())
        },
    )
}

/// Frees a model. NULL is a no-op. No call on this model may be running or
/// start afterwards.
#[no_mangle]
pub unsafe extern "C" fn serfiq_destroy(model: *mut serfiq_model) {
    if model.is_null() {
        return;
    }
    let _ = guard(
        || {},
        || {
            // SAFETY: `model` came from serfiq_create and is destroyed once (caller's contract).
            drop(unsafe { Box::from_raw(model) });
            Ok(())
        },
    );
}

/// Quality of one face. `landmarks`: 10 floats (see `SERFIQ_LANDMARK_FLOATS`)
/// locating the face in `image`, or NULL. Without landmarks, an image at the
/// model's input size is taken as an aligned crop; any other image needs the
/// model's detector (`serfiq_options.detector_path`), which finds the faces,
/// picks one by `face_policy` and aligns it by its detected landmarks, or
/// fails with `SERFIQ_ERR_NO_FACE`; without a detector such an image fails
/// with `SERFIQ_ERR_INVALID_IMAGE`. Writes `*quality` on success only.
#[no_mangle]
pub unsafe extern "C" fn serfiq_score(
    model: *const serfiq_model,
    image: *const serfiq_image,
    landmarks: *const f32,
    quality: *mut serfiq_quality,
) -> serfiq_status {
    with_model(model, |m| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let q = unsafe { out(quality, "quality")? };
        let r = unsafe { run_one(m, image, landmarks, Want::Score)? };
        *q = r.qualities[0].into();
        Ok(())
    })
}

/// The embedding of one face (as the original model outputs it) into
/// `embedding` (capacity in floats). `*embedding_len` (may be NULL) gets the
/// number written, or the number needed with `SERFIQ_ERR_BUFFER_TOO_SMALL`.
#[no_mangle]
pub unsafe extern "C" fn serfiq_embed(
    model: *const serfiq_model,
    image: *const serfiq_image,
    landmarks: *const f32,
    embedding: *mut f32,
    capacity: usize,
    embedding_len: *mut usize,
) -> serfiq_status {
    with_model(model, |m| {
        // SAFETY: pointers per the documented contract, NULL checked.
        unsafe { check_capacity(embedding, capacity, m.embedding_size(), embedding_len)? };
        let r = unsafe { run_one(m, image, landmarks, Want::Embedding)? };
        unsafe { write_embedding(&r.embeddings, embedding, embedding_len) };
        Ok(())
    })
}

/// Quality and embedding of one face from a single inference; arguments as
/// for `serfiq_score` and `serfiq_embed`.
#[no_mangle]
pub unsafe extern "C" fn serfiq_score_embed(
    model: *const serfiq_model,
    image: *const serfiq_image,
    landmarks: *const f32,
    quality: *mut serfiq_quality,
    embedding: *mut f32,
    capacity: usize,
    embedding_len: *mut usize,
) -> serfiq_status {
    with_model(model, |m| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let q = unsafe { out(quality, "quality")? };
        unsafe { check_capacity(embedding, capacity, m.embedding_size(), embedding_len)? };
        let r = unsafe { run_one(m, image, landmarks, Want::Both)? };
        *q = r.qualities[0].into();
        unsafe { write_embedding(&r.embeddings, embedding, embedding_len) };
        Ok(())
    })
}

/// Scores `count` images (1..=`SERFIQ_MAX_BATCH`). `landmarks`: NULL when no
/// image has landmarks (each is then an aligned crop, or a photo searched by
/// the detector as for `serfiq_score`), else `count * 10` floats. `qualities`: `count` entries.
/// `embeddings`: NULL, or room for `count * embedding size` floats
/// (`embeddings_capacity`), row-major. All inputs are checked first; nothing
/// is written unless every image succeeds.
#[no_mangle]
pub unsafe extern "C" fn serfiq_score_batch(
    model: *const serfiq_model,
    images: *const serfiq_image,
    count: usize,
    landmarks: *const f32,
    qualities: *mut serfiq_quality,
    embeddings: *mut f32,
    embeddings_capacity: usize,
) -> serfiq_status {
    with_model(model, |m| {
        if images.is_null() {
            return Err(failure(SERFIQ_ERR_NULL_ARGUMENT, "images is NULL"));
        }
        if qualities.is_null() {
            return Err(failure(SERFIQ_ERR_NULL_ARGUMENT, "qualities is NULL"));
        }
        if count == 0 || count > SERFIQ_MAX_BATCH {
            return Err(failure(
                SERFIQ_ERR_INVALID_ARGUMENT,
                format!("count must be in 1..={}, got {count}", SERFIQ_MAX_BATCH),
            ));
        }
        let dim = m.embedding_size();
        if !embeddings.is_null() {
            // SAFETY: len_out is NULL, nothing else is written.
            unsafe { check_capacity(embeddings, embeddings_capacity, count * dim, std::ptr::null_mut())? };
        }
        // SAFETY: `images` holds `count` entries and `landmarks` (if any) count*10 floats.
        let imgs = unsafe { std::slice::from_raw_parts(images, count) };
        let mut faces = Vec::with_capacity(count);
        for (i, img) in imgs.iter().enumerate() {
            let lm = if landmarks.is_null() { landmarks } else { landmarks.wrapping_add(i * SERFIQ_LANDMARK_FLOATS) };
            // SAFETY: as above.
            faces.push(Face { image: unsafe { to_view(img, i)? }, landmarks: unsafe { to_landmarks(lm) } });
        }
        let want = if embeddings.is_null() { Want::Score } else { Want::Both };
        let r = m.run(&faces, want)?;
        // SAFETY: `qualities` has `count` entries; embeddings capacity checked above.
        let qs = unsafe { std::slice::from_raw_parts_mut(qualities, count) };
        for (dst, src) in qs.iter_mut().zip(&r.qualities) {
            *dst = (*src).into();
        }
        if !embeddings.is_null() {
            unsafe { std::ptr::copy_nonoverlapping(r.embeddings.as_ptr(), embeddings, r.embeddings.len()) };
        }
        Ok(())
    })
}

/// Finds every face in `image` with the model's detector and scores each:
/// its box, 5 landmarks, detector confidence and quality go into `faces`
/// (room for `capacity` entries), their number into `*count`. The faces come
/// in the order of `face_policy`: `faces[0]` is the face `serfiq_score` would
/// score. Unlike the single-face calls, an image without a face is a success
/// with `*count = 0`.
///
/// `embeddings`: NULL, or room for `embeddings_capacity` floats that receive
/// face i's embedding at `embeddings + i * embedding size`.
///
/// When more faces are found than `capacity` (or than `embeddings` holds), the
/// call returns `SERFIQ_ERR_BUFFER_TOO_SMALL` with the number of faces in
/// `*count` before any face is scored; pass `faces = NULL, capacity = 0` to
/// ask for that number. At most 750 faces are reported. A model created
/// without a detector fails with `SERFIQ_ERR_INVALID_ARGUMENT`. The image is
/// always searched, whatever its size; it may be in any pixel format.
#[no_mangle]
pub unsafe extern "C" fn serfiq_detect_score(
    model: *const serfiq_model,
    image: *const serfiq_image,
    faces: *mut serfiq_face,
    capacity: usize,
    count: *mut usize,
    embeddings: *mut f32,
    embeddings_capacity: usize,
) -> serfiq_status {
    with_model(model, |m| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let count = unsafe { out(count, "count")? };
        if faces.is_null() && capacity > 0 {
            return Err(failure(SERFIQ_ERR_NULL_ARGUMENT, "faces is NULL but capacity is not 0"));
        }
        if !m.has_detector() {
            return Err(failure(
                SERFIQ_ERR_INVALID_ARGUMENT,
                "this model was created without a face detector (options.detector_path or detector_data)",
            ));
        }
        let img = unsafe { arg(image, "image")? };
        let view = unsafe { to_view(img, 0)? };
        let found = m.detect(&view)?;
        let dim = m.embedding_size();
        if found.len() > capacity {
            *count = found.len();
            return Err(failure(
                SERFIQ_ERR_BUFFER_TOO_SMALL,
                format!("{} faces found, room for {capacity}", found.len()),
            ));
        }
        if !embeddings.is_null() && embeddings_capacity < found.len() * dim {
            *count = found.len();
            return Err(failure(
                SERFIQ_ERR_BUFFER_TOO_SMALL,
                format!(
                    "{} faces found: embeddings needs {} floats, embeddings_capacity is {embeddings_capacity}",
                    found.len(),
                    found.len() * dim
                ),
            ));
        }
        let want = if embeddings.is_null() { Want::Score } else { Want::Both };
        let scored = m.score_detections(&view, found, want)?;
        // SAFETY: `faces` has room for `capacity` >= scored.len() entries (checked above).
        for (i, f) in scored.iter().enumerate() {
            unsafe { faces.add(i).write(to_c_face(f)) };
        }
        if !embeddings.is_null() {
            for (i, f) in scored.iter().enumerate() {
                // SAFETY: capacity for scored.len() * dim floats was checked above.
                unsafe { std::ptr::copy_nonoverlapping(f.embedding.as_ptr(), embeddings.add(i * dim), dim) };
            }
        }
        *count = scored.len();
        Ok(())
    })
}

fn to_c_face(f: &ScoredFace) -> serfiq_face {
    let d = &f.detection;
    serfiq_face {
        r#box: d.bbox,
        landmarks: std::array::from_fn(|i| d.landmarks[i / 2][i % 2]),
        confidence: d.confidence,
        quality: f.quality.into(),
    }
}

/// Number of floats in one embedding.
#[no_mangle]
pub unsafe extern "C" fn serfiq_embedding_size(model: *const serfiq_model, size_out: *mut usize) -> serfiq_status {
    with_model(model, |m| {
        // SAFETY: NULL checked; writable per the contract.
        *unsafe { out(size_out, "size_out")? } = m.embedding_size();
        Ok(())
    })
}

/// Width and height of an aligned input image (e.g. 112 x 112).
#[no_mangle]
pub unsafe extern "C" fn serfiq_input_size(
    model: *const serfiq_model,
    width_out: *mut u32,
    height_out: *mut u32,
) -> serfiq_status {
    with_model(model, |m| {
        // SAFETY: NULL checked; writable per the contract.
        let (w, h) = (unsafe { out(width_out, "width_out")? }, unsafe { out(height_out, "height_out")? });
        (*w, *h) = m.input_size();
        Ok(())
    })
}

/// Where the model's inferences run: `SERFIQ_PROVIDER_CUDA`, or
/// `SERFIQ_PROVIDER_CPU` (also when CUDA was asked for with `gpu_fallback`
/// and could not be used).
#[no_mangle]
pub unsafe extern "C" fn serfiq_get_execution_provider(
    model: *const serfiq_model,
    provider_out: *mut serfiq_execution_provider,
) -> serfiq_status {
    with_model(model, |m| {
        // SAFETY: NULL checked; writable per the contract.
        *unsafe { out(provider_out, "provider_out")? } = match m.provider() {
            Provider::Cpu => SERFIQ_PROVIDER_CPU,
            Provider::Cuda { .. } => SERFIQ_PROVIDER_CUDA,
        };
        Ok(())
    })
}

/// The message of the last failed call on this thread (UTF-8, never NULL, ""
/// after a success). Valid until the next serfiq call on the same thread.
#[no_mangle]
pub extern "C" fn serfiq_last_error() -> *const c_char {
    boundary::last_error_ptr()
}

/// The name of a status ("SERFIQ_ERR_INVALID_IMAGE"), or "SERFIQ_UNKNOWN_STATUS".
/// A static string.
#[no_mangle]
pub extern "C" fn serfiq_status_name(status: serfiq_status) -> *const c_char {
    NAMES.get(status as usize).copied().unwrap_or(c"SERFIQ_UNKNOWN_STATUS").as_ptr()
}

/// Library version and the ONNX Runtime API it targets, e.g.
/// "serfiq 0.1.0 (ONNX Runtime API 1.31)". A static string.
#[no_mangle]
pub extern "C" fn serfiq_version() -> *const c_char {
    VERSION.as_ptr()
}

const VERSION: &CStr = match CStr::from_bytes_with_nul(
    concat!("serfiq ", env!("CARGO_PKG_VERSION"), " (ONNX Runtime API 1.31)\0").as_bytes(),
) {
    Ok(v) => v,
    Err(_) => c"serfiq",
};

/// `SERFIQ_ABI_VERSION` of the loaded library.
#[no_mangle]
pub extern "C" fn serfiq_abi_version() -> u32 {
    SERFIQ_ABI_VERSION
}
