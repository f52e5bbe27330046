//! `serfiq_options`: the size-versioned options struct, read and written
//! without touching a byte past the caller's `struct_size`, and converted to
//! and from the bridge's `Settings`.

use std::ffi::{c_char, CStr, CString};

use super::types::*;
use crate::bridge::{Failure, Settings};
use crate::status::*;

/// Settings for `serfiq_create`. Always fill it with
/// `serfiq_options_init(&o, sizeof o)` first, then change what you need.
///
/// Fields are only ever appended. A program built against an older header
/// passes a smaller `struct_size`; the library then reads only the fields that
/// size covers and uses defaults for the rest.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct serfiq_options {
    /// sizeof(serfiq_options) as the caller compiled it; set by `serfiq_options_init`.
    pub struct_size: usize,
    /// Path of the ONNX face-recognition model (UTF-8), or NULL to use `model_data`.
    pub model_path: *const c_char,
    /// The model's bytes (borrowed for the call only) when `model_path` is NULL.
    pub model_data: *const u8,
    pub model_size: usize,
    /// Path of libonnxruntime (UTF-8) or NULL: then env `SERFIQ_ORT_LIB`, then the
    /// folder of libserfiq, then the system loader (with
    /// `SERFIQ_SEARCH_EXPLICIT_ONLY` in `search_paths`: none of them). The first
    /// library loaded serves the whole process.
    pub ort_library_path: *const c_char,
    /// Node name or output tensor name of the embedding layer, or NULL to find
    /// it automatically (the last Gemm / MatMul / 1x1 Conv before the output).
    pub embedding_layer: *const c_char,
    /// Stochastic samples T, 2..=1000. Default 100.
    pub samples: u32,
    /// Dropout probability p, 0.01 <= p <= 0.99. Default 0.5.
    pub dropout: f32,
    /// Seed of the dropout masks (SplitMix64, docs/src/concepts/serfiq.md). Default 0.
    pub seed: u64,
    /// q = 1 / (1 + exp(-alpha * (s - r))). Default NAN for both: the model's
    /// calibration (metadata written by `serfiq calibrate`) where it has one,
    /// else alpha 118 and r 0.576, fitted to the default model. alpha must be
    /// in [1e-6, 1e6] and r within ±1e9 (the same bounds apply to a model's
    /// calibration metadata); anything else is SERFIQ_ERR_INVALID_ARGUMENT.
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
    /// `SERFIQ_CUDA_PATH`, pip's nvidia-* packages, `LD_LIBRARY_PATH` and the
    /// system library folders (see `SERFIQ_SEARCH_DEFAULT`). When set, it is the
    /// only folder searched. Every library of the set is found before any is
    /// loaded; an incomplete set loads nothing.
    pub cuda_library_path: *const c_char,
    /// Largest model or detector accepted, in bytes, 1 to 2147483647 (2^31 - 1,
    /// the most protobuf holds); 0 = the default, 1 GiB (1073741824). A larger
    /// file or buffer fails with `SERFIQ_ERR_UNSUPPORTED_MODEL` before it is
    /// read. Only regular files are read (not FIFOs or devices).
    ///
    /// What a create costs: the model and the detector are each read into
    /// memory (at most this many bytes each) and kept for the model's life
    /// (further sessions are built from them); their SHA-256 is computed when
    /// `model_sha256` / `detector_sha256` is set; the graph is checked and
    /// rewritten in memory; ONNX Runtime builds a session and runs it once
    /// (more sessions are built on demand, up to `max_sessions`, each with its
    /// own copy of the weights). So one model may take a few times this many
    /// bytes of memory, and a create seconds of CPU time.
    /// (Since `SERFIQ_OPTIONS_SIZE_V4`.)
    pub max_model_bytes: u64,
    /// Expected SHA-256 of the detector (64 hex digits, UTF-8), or NULL (not
    /// checked): when set, a detector with another digest fails with
    /// `SERFIQ_ERR_MODEL_DIGEST_MISMATCH`; set without a detector, the create
    /// fails with `SERFIQ_ERR_INVALID_ARGUMENT`.
    pub detector_sha256: *const c_char,
    /// One of `SERFIQ_SEARCH_*`: where libraries without a path in these
    /// options are looked for. Default `SERFIQ_SEARCH_DEFAULT`, which reads the
    /// environment variables `SERFIQ_ORT_LIB`, `SERFIQ_CUDA_PATH`,
    /// `VIRTUAL_ENV`, `CONDA_PREFIX`, `HOME` and `LD_LIBRARY_PATH`;
    /// `SERFIQ_SEARCH_EXPLICIT_ONLY` reads none of them and searches nowhere but
    /// `ort_library_path` and `cuda_library_path`, which must then be set on
    /// every create (also once ONNX Runtime is loaded: it is loaded once per
    /// process, and with the default search a create without a path uses it).
    pub search_paths: serfiq_search_paths,
    /// One of `SERFIQ_INPUT_*`: what an image without landmarks is. Default
    /// `SERFIQ_INPUT_AUTO` (by its size). (Since `SERFIQ_OPTIONS_SIZE_V5`.)
    pub input_mode: serfiq_input_mode,
    /// Longest side, in pixels, of the image the detector sees, 32 to 32768;
    /// 0 = the default, 640. A larger photo is shrunk (area-averaged, aspect
    /// kept) before detection, then each face found is searched again at full
    /// resolution in a region 1.5 times its box; boxes and landmarks are in
    /// full-resolution pixels and the face is aligned from the full-resolution
    /// pixels. A face is found down to about 20 pixels wide in the shrunk
    /// image: at 640 that is about 1/32 of the photo's long side (60 pixels in
    /// a 1920x1080 frame). 32768 turns shrinking off (images over 1920x1280
    /// pixels are still shrunk to that many pixels). (Since `SERFIQ_OPTIONS_SIZE_V5`.)
    pub detector_max_side: u32,
    /// One of `SERFIQ_Q100_*`: which quality `serfiq_quality.q100` is the
    /// percentile of. Default `SERFIQ_Q100_DEFAULT` (f); another value fails
    /// the create with `SERFIQ_ERR_INVALID_ARGUMENT`. (Since `SERFIQ_OPTIONS_SIZE_V5`.)
    pub q100_quality: serfiq_q100_quality,
    /// The thresholds behind the feedback codes of `serfiq_assess` (UTF-8), or
    /// NULL for "enrolment". A preset name, "enrolment" (strict: ICAO Doc 9303
    /// and ISO/IEC 19794-5 / 39794-5 limits) or "live" (tolerant, for a
    /// camera), optionally followed by ";key=value" overrides of any threshold,
    /// e.g. "live;max_yaw=20;min_inter_eye_distance=60" (the keys:
    /// docs/src/concepts/components-details.md). "refine=1" (on in "enrolment",
    /// off in "live") measures detected faces from landmarks found again on the
    /// upright and mirrored face: accurate pose and inter-eye distance, about
    /// 22 ms more per face on one core. An unknown preset or key, a value that
    /// is not a finite number >= 0, or a refine other than 0 or 1 fails the
    /// create with `SERFIQ_ERR_INVALID_ARGUMENT`.
    /// (Since `SERFIQ_OPTIONS_SIZE_V6`.)
    pub feedback_profile: *const c_char,
    /// A second quality network (any ONNX model mapping an aligned face to one
    /// number, higher = better; serfiq ships LightQNet): UTF-8 path, or NULL
    /// to use `quality_net_data`. Both NULL: no network, `l` is NAN and `f` is
    /// as in ABI 2. Read under `max_model_bytes`, checked as the model is.
    /// (Since `SERFIQ_OPTIONS_SIZE_V6`.)
    pub quality_net_path: *const c_char,
    /// The network's bytes (borrowed for the call only) when `quality_net_path` is NULL.
    pub quality_net_data: *const u8,
    pub quality_net_size: usize,
    /// Expected SHA-256 of the network (64 hex digits) or NULL; set without a
    /// network: `SERFIQ_ERR_INVALID_ARGUMENT`. (Since `SERFIQ_OPTIONS_SIZE_V6`.)
    pub quality_net_sha256: *const c_char,
    /// The network's input, e.g. "side=96;layout=nhwc;channels=rgb;mean=128;std=128"
    /// (mean and std: one value or three), or NULL to read the same text from the
    /// file's `serfiq.quality_input` metadata (absent: `SERFIQ_ERR_MODEL_INVALID`).
    /// A bad text: `SERFIQ_ERR_INVALID_ARGUMENT`. (Since `SERFIQ_OPTIONS_SIZE_V6`.)
    pub quality_net_spec: *const c_char,
}

/// Size of the first published `serfiq_options` (ABI version 1): the smallest
/// `struct_size` accepted. Such a caller gets no detector. The header defines
/// it as `offsetof(serfiq_options, detector_path)`.
/// cbindgen:ignore
pub const SERFIQ_OPTIONS_SIZE_V1: usize = std::mem::offset_of!(serfiq_options, detector_path);
/// Size of `serfiq_options` with the detector fields (`detector_path` to
/// `detector_threshold`): `offsetof(serfiq_options, execution_provider)`.
/// cbindgen:ignore
pub const SERFIQ_OPTIONS_SIZE_V2: usize = std::mem::offset_of!(serfiq_options, execution_provider);
/// Size of `serfiq_options` with the execution-provider fields
/// (`execution_provider` to `cuda_library_path`): `offsetof(serfiq_options, max_model_bytes)`.
/// cbindgen:ignore
pub const SERFIQ_OPTIONS_SIZE_V3: usize = std::mem::offset_of!(serfiq_options, max_model_bytes);
/// Size of `serfiq_options` with the model-limit and search fields
/// (`max_model_bytes` to `search_paths`): the `sizeof` of the struct that
/// ended there, tail padding included (208 on 64-bit targets, 148 on i686,
/// 152 on ARMv7). On 64-bit targets `input_mode` lies in that padding, so the
/// V5 fields are read only from a struct of at least `SERFIQ_OPTIONS_SIZE_V5`.
/// cbindgen:ignore
pub const SERFIQ_OPTIONS_SIZE_V4: usize = (std::mem::offset_of!(serfiq_options, search_paths)
    + std::mem::size_of::<serfiq_search_paths>())
.next_multiple_of(std::mem::align_of::<serfiq_options>());
/// Size of `serfiq_options` with the input-mode, working-size and q100 fields
/// (`input_mode`, `detector_max_side`, `q100_quality`): the `sizeof` of the
/// struct that ended there, tail padding included (216 on 64-bit targets, 160
/// on i686, 168 on ARMv7). On ARMv7 `feedback_profile` lies in that padding, so
/// the V6 fields are read only from a struct of at least `SERFIQ_OPTIONS_SIZE_V6`.
/// cbindgen:ignore
pub const SERFIQ_OPTIONS_SIZE_V5: usize = (std::mem::offset_of!(serfiq_options, q100_quality)
    + std::mem::size_of::<serfiq_q100_quality>())
.next_multiple_of(std::mem::align_of::<serfiq_options>());
/// Size of `serfiq_options` with the V6 fields (`feedback_profile` and the quality
/// network, `quality_net_path` to `quality_net_spec`): `sizeof(serfiq_options)`.
/// The V6 fields are read only from a struct of at least this size.
/// cbindgen:ignore
pub const SERFIQ_OPTIONS_SIZE_V6: usize = std::mem::size_of::<serfiq_options>();
// V3 is the size programs built against the V3 header pass: `sizeof` of the
// struct that ended with `cuda_library_path`, tail padding included. The new
// fields start with the 8-byte `max_model_bytes` so that its offset is that
// size on every target (on ARMv7 a pointer first would start inside the old
// tail padding).
const _: () = assert!(
    SERFIQ_OPTIONS_SIZE_V3
        == (std::mem::offset_of!(serfiq_options, cuda_library_path) + std::mem::size_of::<*const c_char>())
            .next_multiple_of(std::mem::align_of::<serfiq_options>())
);
// The V4 and V5 sizes published for each target stay what they were; V6 as published now.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(SERFIQ_OPTIONS_SIZE_V4 == 208 && SERFIQ_OPTIONS_SIZE_V5 == 216 && SERFIQ_OPTIONS_SIZE_V6 == 264);
#[cfg(all(target_pointer_width = "32", target_arch = "x86"))]
const _: () = assert!(SERFIQ_OPTIONS_SIZE_V4 == 148 && SERFIQ_OPTIONS_SIZE_V5 == 160 && SERFIQ_OPTIONS_SIZE_V6 == 184);
#[cfg(all(target_pointer_width = "32", target_arch = "arm"))]
const _: () = assert!(SERFIQ_OPTIONS_SIZE_V4 == 152 && SERFIQ_OPTIONS_SIZE_V5 == 168 && SERFIQ_OPTIONS_SIZE_V6 == 192);

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
        .map_err(|_| Failure::new(SERFIQ_ERR_INVALID_ARGUMENT, format!("{name} is not valid UTF-8")))
}

/// Copies `size` bytes at `data`, or none for NULL.
///
/// # Safety
/// A non-NULL `data` must point to `size` readable bytes.
unsafe fn opt_bytes(data: *const u8, size: usize, name: &str) -> Result<Option<Vec<u8>>, Failure> {
    if data.is_null() {
        return Ok(None);
    }
    if size > isize::MAX as usize {
        return Err(Failure::new(SERFIQ_ERR_INVALID_ARGUMENT, format!("{name} is too large")));
    }
    // SAFETY: the caller's contract; the size is bounded by isize::MAX.
    Ok(Some(unsafe { std::slice::from_raw_parts(data, size) }.to_vec()))
}

/// The strings a model's options point to in `serfiq_get_options`, owned by
/// the model so the pointers stay valid until `serfiq_destroy`.
pub(crate) struct OptionStrings([Option<CString>; 11]);

impl OptionStrings {
    pub(crate) fn of(s: &Settings) -> OptionStrings {
        let c = |v: &Option<String>| v.as_deref().and_then(|v| CString::new(v).ok());
        OptionStrings([
            c(&s.model_path),
            c(&s.ort_library_path),
            c(&s.embedding_layer),
            c(&s.model_sha256),
            c(&s.detector_path),
            c(&s.cuda_library_path),
            c(&s.detector_sha256),
            c(&s.feedback_profile),
            c(&s.quality_net_path),
            c(&s.quality_net_sha256),
            c(&s.quality_net_spec),
        ])
    }

    fn ptr(&self, i: usize) -> *const c_char {
        self.0[i].as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
    }
}

/// The C struct of `s`; strings point into `strings`, bytes are not carried.
pub(crate) fn to_c(s: &Settings, strings: &OptionStrings) -> serfiq_options {
    serfiq_options {
        struct_size: std::mem::size_of::<serfiq_options>(),
        model_path: strings.ptr(0),
        model_data: std::ptr::null(),
        model_size: 0,
        ort_library_path: strings.ptr(1),
        embedding_layer: strings.ptr(2),
        samples: s.samples,
        dropout: s.dropout,
        seed: s.seed,
        alpha: s.alpha,
        r: s.r,
        channel_order: s.channel_order,
        mean: s.mean,
        std: s.std,
        intra_op_threads: s.intra_op_threads,
        max_sessions: s.max_sessions,
        model_sha256: strings.ptr(3),
        detector_path: strings.ptr(4),
        detector_data: std::ptr::null(),
        detector_size: 0,
        face_policy: s.face_policy,
        detector_threshold: s.detector_threshold,
        execution_provider: s.execution_provider,
        device_id: s.device_id,
        gpu_fallback: u32::from(s.gpu_fallback),
        cuda_library_path: strings.ptr(5),
        max_model_bytes: s.max_model_bytes,
        detector_sha256: strings.ptr(6),
        search_paths: s.search_paths,
        input_mode: s.input_mode,
        detector_max_side: s.detector_max_side,
        q100_quality: s.q100_quality,
        feedback_profile: strings.ptr(7),
        quality_net_path: strings.ptr(8),
        quality_net_data: std::ptr::null(),
        quality_net_size: 0,
        quality_net_sha256: strings.ptr(9),
        quality_net_spec: strings.ptr(10),
    }
}

/// The sizes this library understands: from the first published struct up to
/// its own. (A later library accepts every size from V1 up to its own.)
pub(crate) fn check_size(size: usize) -> Result<(), Failure> {
    let ours = std::mem::size_of::<serfiq_options>();
    if (SERFIQ_OPTIONS_SIZE_V1..=ours).contains(&size) {
        return Ok(());
    }
    let why = if size > ours { "a newer serfiq header than this library" } else { "no serfiq header" };
    Err(Failure::new(
        SERFIQ_ERR_OPTIONS_SIZE,
        format!(
            "serfiq_options.struct_size is {size}: that struct comes from {why} (accepted: {SERFIQ_OPTIONS_SIZE_V1} to {ours}); fill it with serfiq_options_init(&options, sizeof options)"
        ),
    ))
}

/// Writes `o` into the caller's struct of `size` bytes (already checked),
/// leaving every byte past `size` untouched.
///
/// # Safety
/// `dst` must point to `size` writable bytes.
pub(crate) unsafe fn write(o: &serfiq_options, dst: *mut serfiq_options, size: usize) {
    let o = serfiq_options { struct_size: size, ..*o };
    let n = size.min(std::mem::size_of::<serfiq_options>());
    // SAFETY: at most `size` bytes of our struct go into the caller's `size` bytes.
    unsafe { std::ptr::copy_nonoverlapping(&o as *const _ as *const u8, dst as *mut u8, n) };
}

/// The caller's options as `Settings`, read without touching a byte past its
/// `struct_size`: the covered bytes are copied over the defaults, and a field
/// only partly covered (a size that ends inside it) keeps its default.
///
/// # Safety
/// `options` must be non-NULL, aligned, and point to `struct_size` readable
/// bytes whose pointers are valid as documented on `serfiq_options`.
pub(crate) unsafe fn read(options: *const serfiq_options) -> Result<Settings, Failure> {
    // SAFETY: struct_size is the first field and within every accepted size.
    let size = unsafe { std::ptr::addr_of!((*options).struct_size).read() };
    check_size(size)?;
    let d = to_c(&Settings::default(), &OptionStrings::of(&Settings::default()));
    let mut o = d;
    let ours = std::mem::size_of::<serfiq_options>();
    // SAFETY: the caller's buffer holds `size` bytes; we copy at most that and
    // at most our struct's size into a local of our own type, whose fields are
    // plain integers, floats and raw pointers (every bit pattern valid).
    unsafe { std::ptr::copy_nonoverlapping(options as *const u8, &mut o as *mut _ as *mut u8, size.min(ours)) };
    macro_rules! keep_default_unless_covered {
        ($($field:ident),*) => {$(
            if std::mem::offset_of!(serfiq_options, $field) + std::mem::size_of_val(&d.$field) > size {
                o.$field = d.$field;
            }
        )*};
    }
    keep_default_unless_covered!(detector_path, detector_data, detector_size, face_policy, detector_threshold);
    keep_default_unless_covered!(execution_provider, device_id, gpu_fallback, cuda_library_path);
    keep_default_unless_covered!(max_model_bytes, detector_sha256, search_paths);
    // A V4 struct's tail padding may hold input_mode's bytes (64-bit): V5 fields
    // come only from a struct that has them all.
    if size < SERFIQ_OPTIONS_SIZE_V5 {
        o.input_mode = d.input_mode;
        o.detector_max_side = d.detector_max_side;
        o.q100_quality = d.q100_quality;
    }
    if size < SERFIQ_OPTIONS_SIZE_V6 {
        o.feedback_profile = d.feedback_profile;
        o.quality_net_path = d.quality_net_path;
        o.quality_net_data = d.quality_net_data;
        o.quality_net_size = d.quality_net_size;
        o.quality_net_sha256 = d.quality_net_sha256;
        o.quality_net_spec = d.quality_net_spec;
    }
    // SAFETY: the caller's contract for every pointer in the struct.
    unsafe {
        Ok(Settings {
            model_path: opt_str(o.model_path, "model_path")?,
            model_data: opt_bytes(o.model_data, o.model_size, "model_size")?,
            ort_library_path: opt_str(o.ort_library_path, "ort_library_path")?,
            embedding_layer: opt_str(o.embedding_layer, "embedding_layer")?,
            samples: o.samples,
            dropout: o.dropout,
            seed: o.seed,
            alpha: o.alpha,
            r: o.r,
            channel_order: o.channel_order,
            mean: o.mean,
            std: o.std,
            intra_op_threads: o.intra_op_threads,
            max_sessions: o.max_sessions,
            model_sha256: opt_str(o.model_sha256, "model_sha256")?,
            detector_path: opt_str(o.detector_path, "detector_path")?,
            detector_data: opt_bytes(o.detector_data, o.detector_size, "detector_size")?,
            face_policy: o.face_policy,
            detector_threshold: o.detector_threshold,
            execution_provider: o.execution_provider,
            device_id: o.device_id,
            gpu_fallback: o.gpu_fallback != 0,
            cuda_library_path: opt_str(o.cuda_library_path, "cuda_library_path")?,
            max_model_bytes: o.max_model_bytes,
            detector_sha256: opt_str(o.detector_sha256, "detector_sha256")?,
            search_paths: o.search_paths,
            input_mode: o.input_mode,
            detector_max_side: o.detector_max_side,
            q100_quality: o.q100_quality,
            feedback_profile: opt_str(o.feedback_profile, "feedback_profile")?,
            quality_net_path: opt_str(o.quality_net_path, "quality_net_path")?,
            quality_net_data: opt_bytes(o.quality_net_data, o.quality_net_size, "quality_net_size")?,
            quality_net_sha256: opt_str(o.quality_net_sha256, "quality_net_sha256")?,
            quality_net_spec: opt_str(o.quality_net_spec, "quality_net_spec")?,
        })
    }
}
