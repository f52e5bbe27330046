//! `serfiq._native`: the extension module of the Python package, a thin PyO3
//! layer over libserfiq's bridge (`serfiq::bridge`, the one the C ABI and JNI
//! use: the model handle, its panic boundary and poisoning, status mapping,
//! landmark and pixel-format conversion).
//!
//! What it adds and nothing more: Python values ↔ core types (options by
//! keyword, numpy arrays read through `__array_interface__` without a copy,
//! encoded images decoded as the CLI decodes them), every inference with the
//! GIL released, and failures raised as the package's exception classes with
//! the C API's status number. The public, documented API is the pure-Python
//! package `serfiq` around it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use serfiq_core::image::required_len;
use serfiq_core::{
    AssessedFace, Component, Components, Detection, Error as CoreError, ErrorKind, Face, FacePolicy, Feedback,
    ImageView, InputMode, Landmarks, Model, ModelSource, Options, PixelFormat, Provider, Q100Quality, Route, Search,
    Want,
};

use serfiq::bridge::{self, guard, Failure, Handle};
use serfiq::ffi::{SERFIQ_PIXEL_BGR, SERFIQ_PIXEL_BGRA, SERFIQ_PIXEL_GRAY, SERFIQ_PIXEL_RGB, SERFIQ_PIXEL_RGBA};
use serfiq::status::*;

// The camera loop (serfiq.capture), in its own file.
mod capture;

// Image files decoded as `serfiq score` decodes them (limits included), from its single source.
#[allow(dead_code)]
#[path = "../../../cli/src/decode.rs"]
mod cli_decode;

// Paths and messages escaped as `serfiq score` escapes them, from its single source.
#[allow(dead_code)]
#[path = "../../../cli/src/show.rs"]
mod cli_show;

/// A path as `serfiq score` prints it: `(CSV field, escaped text, hex of its bytes)`.
#[pyfunction]
fn shown_path(path: PathBuf) -> (String, String, String) {
    (cli_show::csv_path(&path), cli_show::path(&path), cli_show::hex(path.as_os_str()))
}

/// A message as `serfiq score` prints it: control characters escaped.
#[pyfunction]
fn shown_text(text: &str) -> String {
    cli_show::text(text)
}

/// Native calls running now with the GIL released, and whether the
/// interpreter is exiting (then no new call starts).
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static EXITING: AtomicBool = AtomicBool::new(false);

/// One native call in flight, counted until dropped.
struct Flight;

impl Flight {
    fn start() -> PyResult<Flight> {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        let flight = Flight;
        if EXITING.load(Ordering::SeqCst) {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("the Python interpreter is exiting"));
        }
        Ok(flight)
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Called at exit (`atexit`): refuses new calls and waits, at most
/// `timeout_s` seconds, for the calls in flight. CPython before 3.14 ends
/// daemon threads with pthread_exit when they take the GIL back after
/// finalisation began; inside serfiq that would abort the process. True
/// when no call is left.
#[pyfunction]
fn wait_for_calls(py: Python<'_>, timeout_s: f64) -> bool {
    EXITING.store(true, Ordering::SeqCst);
    let end = std::time::Instant::now() + std::time::Duration::from_secs_f64(timeout_s.clamp(0.0, 3600.0));
    py.allow_threads(|| {
        while IN_FLIGHT.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < end {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    });
    IN_FLIGHT.load(Ordering::SeqCst) == 0
}

// ---------------------------------------------------------------------------
// Errors

/// The package's exception classes by status (registered by `serfiq/__init__.py`).
static ERROR_CLASSES: GILOnceCell<(Py<PyAny>, Py<PyDict>)> = GILOnceCell::new();

/// Registers the base class and the subclass of each status that has one.
#[pyfunction]
fn _set_error_classes(py: Python<'_>, base: Py<PyAny>, by_status: Py<PyDict>) -> PyResult<()> {
    // A second registration (a reload of the package) keeps the first classes.
    let _ = ERROR_CLASSES.set(py, (base, by_status));
    Ok(())
}

/// The exception of `status`: its class's `(message, status, image)`, the
/// message without the image's index.
fn error(py: Python<'_>, status: serfiq_status, message: String, image: Option<usize>) -> PyErr {
    let Some((base, by_status)) = ERROR_CLASSES.get(py) else {
        return pyo3::exceptions::PyRuntimeError::new_err(format!("serfiq status {status}: {message}"));
    };
    let class = match by_status.bind(py).get_item(status) {
        Ok(Some(c)) => c,
        _ => base.bind(py).clone(),
    };
    match class.call1((message, status, image)) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// The message goes without its "image N: " prefix: the class adds it from `image`.
fn core_error(py: Python<'_>, e: CoreError) -> PyErr {
    error(py, status_of(e.kind), e.message, e.image)
}

/// A failure of the bridge (a closed-over panic, a poisoned model).
fn failure(py: Python<'_>, f: Failure) -> PyErr {
    error(py, f.status, f.message, None)
}

/// A Python-side argument problem: ValueError.
fn value_error(m: impl Into<String>) -> PyErr {
    PyValueError::new_err(m.into())
}

// ---------------------------------------------------------------------------
// Options

fn source(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<ModelSource> {
    if let Ok(b) = obj.downcast::<PyBytes>() {
        return Ok(ModelSource::Bytes(b.as_bytes().to_vec()));
    }
    obj.extract::<PathBuf>()
        .map(ModelSource::Path)
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a path (str or os.PathLike) or bytes")))
}

fn triple(v: &Bound<'_, PyAny>, name: &str) -> PyResult<[f32; 3]> {
    if let Ok(x) = v.extract::<f32>() {
        return Ok([x; 3]);
    }
    v.extract::<[f32; 3]>().map_err(|_| PyTypeError::new_err(format!("{name} must be a float or 3 floats")))
}

fn choice<T: Copy>(v: &Bound<'_, PyAny>, name: &str, choices: &[(&str, T)]) -> PyResult<T> {
    let s: String = v.extract().map_err(|_| PyTypeError::new_err(format!("{name} must be a str")))?;
    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
    choices
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&s))
        .map(|(_, t)| *t)
        .ok_or_else(|| value_error(format!("{name} must be one of {names:?}, got {s:?}")))
}

const POLICIES: [(&str, FacePolicy); 3] =
    [("largest", FacePolicy::Largest), ("most_central", FacePolicy::MostCentral), ("central", FacePolicy::MostCentral)];
const CHANNELS: [(&str, bool); 2] = [("rgb", false), ("bgr", true)];
const SEARCHES: [(&str, Search); 2] = [("default", Search::Default), ("explicit_only", Search::ExplicitOnly)];
const INPUT_MODES: [(&str, InputMode); 3] =
    [("auto", InputMode::Auto), ("crop", InputMode::Crop), ("photo", InputMode::Photo)];
const Q100S: [(&str, Q100Quality); 2] = [("f", Q100Quality::F), ("s", Q100Quality::S)];

/// The core options from the model, the detector and the keyword options.
/// Unknown keywords are a TypeError; ranges are checked by `Model::new`.
fn options(model: &Bound<'_, PyAny>, detector: Option<&Bound<'_, PyAny>>, kw: &Bound<'_, PyDict>) -> PyResult<Options> {
    let mut o = Options { model: source(model, "model")?, ..Options::default() };
    o.detector = detector.map(|d| source(d, "detector")).transpose()?;
    let (mut provider, mut device_id) = ("cpu".to_string(), 0i32);
    for (k, v) in kw.iter() {
        let key: String = k.extract()?;
        if v.is_none() {
            continue; // None: the default
        }
        let path = |v: &Bound<'_, PyAny>| v.extract::<PathBuf>();
        let text = |v: &Bound<'_, PyAny>| v.extract::<String>();
        match key.as_str() {
            "ort_library_path" => o.ort_library = Some(path(&v)?),
            "embedding_layer" => o.embedding_layer = Some(text(&v)?),
            "samples" => o.samples = v.extract()?,
            "dropout" => o.dropout = v.extract()?,
            "seed" => o.seed = v.extract()?,
            "alpha" => o.alpha = Some(v.extract()?),
            "r" => o.r = Some(v.extract()?),
            "channel_order" => o.input_bgr = choice(&v, "channel_order", &CHANNELS)?,
            "mean" => o.mean = triple(&v, "mean")?,
            "std" => o.std = triple(&v, "std")?,
            "intra_op_threads" => o.intra_threads = v.extract()?,
            "max_sessions" => o.max_sessions = v.extract()?,
            "optimization_level" => o.optimization_level = v.extract()?,
            "execution_provider" => provider = text(&v)?,
            "device_id" => device_id = v.extract()?,
            "gpu_fallback" => o.gpu_fallback = v.extract()?,
            "cuda_library_path" => o.cuda_library_path = Some(path(&v)?),
            "model_sha256" => o.model_sha256 = Some(text(&v)?),
            "detector_sha256" => o.detector_sha256 = Some(text(&v)?),
            "max_model_bytes" => o.max_model_bytes = v.extract()?,
            "search_paths" => o.search = choice(&v, "search_paths", &SEARCHES)?,
            "face_policy" => o.face_policy = choice(&v, "face_policy", &POLICIES)?,
            "detector_threshold" => o.detector_threshold = v.extract()?,
            "input_mode" => o.input_mode = choice(&v, "input_mode", &INPUT_MODES)?,
            // 0 is the default, as in the C struct.
            "detector_max_side" => {
                o.detector_max_side = match v.extract()? {
                    0 => serfiq_core::detect::DEFAULT_MAX_SIDE,
                    n => n,
                }
            }
            "q100_quality" => o.q100_quality = choice(&v, "q100_quality", &Q100S)?,
            "feedback_profile" => o.feedback_profile = Some(text(&v)?),
            "quality_net" => o.quality_net = Some(source(&v, "quality_net")?),
            "quality_net_sha256" => o.quality_net_sha256 = Some(text(&v)?),
            "quality_net_spec" => o.quality_net_spec = Some(text(&v)?),
            other => return Err(PyTypeError::new_err(format!("unexpected option {other:?}"))),
        }
    }
    o.provider = match provider.to_ascii_lowercase().as_str() {
        "cpu" => Provider::Cpu,
        "cuda" => Provider::Cuda { device_id },
        p => return Err(value_error(format!("execution_provider must be 'cpu' or 'cuda', got {p:?}"))),
    };
    Ok(o)
}

fn path_text(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The options a model was made with, under the keyword names (bytes → None,
/// α and r as in use).
fn options_dict<'py>(py: Python<'py>, m: &Model) -> PyResult<Bound<'py, PyDict>> {
    let o = m.options();
    let d = PyDict::new(py);
    let src = |s: &ModelSource| match s {
        ModelSource::Path(p) => Some(path_text(p)),
        ModelSource::Bytes(_) => None,
    };
    let (alpha, r) = m.alpha_r();
    let (provider, device_id) = match o.provider {
        Provider::Cpu => ("cpu", 0),
        Provider::Cuda { device_id } => ("cuda", device_id),
    };
    d.set_item("model", src(&o.model))?;
    d.set_item("detector", o.detector.as_ref().and_then(src))?;
    d.set_item("ort_library_path", o.ort_library.as_deref().map(path_text))?;
    d.set_item("embedding_layer", o.embedding_layer.clone())?;
    d.set_item("samples", o.samples)?;
    d.set_item("dropout", o.dropout)?;
    d.set_item("seed", o.seed)?;
    d.set_item("alpha", alpha)?;
    d.set_item("r", r)?;
    d.set_item("channel_order", if o.input_bgr { "bgr" } else { "rgb" })?;
    d.set_item("mean", o.mean.to_vec())?;
    d.set_item("std", o.std.to_vec())?;
    d.set_item("intra_op_threads", o.intra_threads)?;
    d.set_item("max_sessions", o.max_sessions)?;
    d.set_item("optimization_level", o.optimization_level)?;
    d.set_item("execution_provider", provider)?;
    d.set_item("device_id", device_id)?;
    d.set_item("gpu_fallback", o.gpu_fallback)?;
    d.set_item("cuda_library_path", o.cuda_library_path.as_deref().map(path_text))?;
    d.set_item("model_sha256", o.model_sha256.clone())?;
    d.set_item("detector_sha256", o.detector_sha256.clone())?;
    d.set_item("max_model_bytes", o.max_model_bytes)?;
    d.set_item("search_paths", SEARCHES.iter().find(|(_, s)| *s == o.search).map(|(n, _)| *n))?;
    d.set_item("face_policy", POLICIES.iter().find(|(_, p)| *p == o.face_policy).map(|(n, _)| *n))?;
    d.set_item("detector_threshold", o.detector_threshold)?;
    d.set_item("input_mode", INPUT_MODES.iter().find(|(_, m)| *m == o.input_mode).map(|(n, _)| *n))?;
    d.set_item("detector_max_side", o.detector_max_side)?;
    d.set_item("q100_quality", o.q100_quality.name())?;
    d.set_item("feedback_profile", o.feedback_profile.clone())?;
    d.set_item("quality_net", o.quality_net.as_ref().and_then(src))?;
    d.set_item("quality_net_sha256", o.quality_net_sha256.clone())?;
    d.set_item("quality_net_spec", o.quality_net_spec.clone())?;
    Ok(d)
}

// ---------------------------------------------------------------------------
// Images

/// Pixels the caller owns, as numpy describes them: a pointer to pixel (0, 0)
/// and signed byte strides. Only read while the caller's array is alive (the
/// call holds a reference to it), with the GIL released.
#[derive(Clone, Copy)]
struct Pixels {
    ptr: *const u8,
    height: usize,
    width: usize,
    channels: usize,
    strides: [isize; 3],
    format: PixelFormat,
}

// SAFETY: the pointer is only read, during a call in which the owning array is
// kept alive by a reference the call holds.
unsafe impl Send for Pixels {}
unsafe impl Sync for Pixels {}

/// An image ready for the core: borrowed when its pixels are packed within
/// rows (any positive row stride), else a packed copy made here.
enum Held {
    Borrowed(Pixels),
    Packed { data: Vec<u8>, width: usize, height: usize, format: PixelFormat },
}

/// The package's format names and their C codes (the bridge maps the codes).
const FORMATS: [(&str, u32); 5] = [
    ("bgr", SERFIQ_PIXEL_BGR),
    ("rgb", SERFIQ_PIXEL_RGB),
    ("bgra", SERFIQ_PIXEL_BGRA),
    ("rgba", SERFIQ_PIXEL_RGBA),
    ("gray", SERFIQ_PIXEL_GRAY),
];

/// Reads `array.__array_interface__` (uint8, 2 or 3 dimensions) as pixels of
/// `format`. The Python layer has checked dtype and shape with its own
/// messages; this checks again so that no call can read out of bounds.
fn pixels(array: &Bound<'_, PyAny>, format: &str) -> PyResult<Pixels> {
    let format = FORMATS
        .iter()
        .find(|(n, _)| *n == format)
        .and_then(|(_, code)| bridge::pixel_format(*code))
        .ok_or_else(|| value_error(format!("unknown pixel format {format:?}")))?;
    let ai =
        array.getattr("__array_interface__").map_err(|_| PyTypeError::new_err("the image must be a numpy array"))?;
    let ai = ai.downcast::<PyDict>().map_err(|_| PyTypeError::new_err("bad __array_interface__"))?;
    let get = |k: &str| {
        ai.get_item(k).ok().flatten().ok_or_else(|| PyTypeError::new_err(format!("no {k} in __array_interface__")))
    };
    let typestr: String = get("typestr")?.extract()?;
    if typestr != "|u1" {
        return Err(PyTypeError::new_err(format!("the image must be uint8, got typestr {typestr:?}")));
    }
    let shape: Vec<usize> = get("shape")?.extract()?;
    let (ptr, _readonly): (usize, bool) = get("data")?.extract()?;
    let (height, width, channels) = match shape[..] {
        [h, w] => (h, w, 1),
        [h, w, c] => (h, w, c),
        _ => return Err(value_error(format!("the image must have 2 or 3 dimensions, got {}", shape.len()))),
    };
    if channels != format.bytes_per_pixel() {
        return Err(value_error(format!(
            "a {format:?} image has {} channels, got {channels}",
            format.bytes_per_pixel()
        )));
    }
    let strides: Vec<isize> = match ai.get_item("strides")? {
        Some(s) if !s.is_none() => s.extract()?,
        _ => {
            let c = channels as isize;
            let row = width as isize * c;
            if shape.len() == 2 {
                vec![row, 1]
            } else {
                vec![row, c, 1]
            }
        }
    };
    if strides.len() != shape.len() {
        return Err(value_error("strides and shape differ in length"));
    }
    let strides = [strides[0], strides[1], if shape.len() == 3 { strides[2] } else { 1 }];
    Ok(Pixels { ptr: ptr as *const u8, height, width, channels, strides, format })
}

impl Pixels {
    /// The core's size checks first (no copy of an image it would refuse),
    /// then a borrowed view or a packed copy.
    fn hold(self) -> Result<Held, CoreError> {
        let (w, h) = (u32::try_from(self.width).unwrap_or(u32::MAX), u32::try_from(self.height).unwrap_or(u32::MAX));
        let row = self.width * self.channels;
        required_len(w, h, row, self.format)?;
        let [sy, sx, sc] = self.strides;
        if sc == 1 && sx == self.channels as isize && sy >= row as isize {
            return Ok(Held::Borrowed(self));
        }
        let mut data = Vec::with_capacity(row * self.height);
        for y in 0..self.height as isize {
            for x in 0..self.width as isize {
                for c in 0..self.channels as isize {
                    // SAFETY: (y, x, c) is inside the array numpy described.
                    data.push(unsafe { *self.ptr.offset(y * sy + x * sx + c * sc) });
                }
            }
        }
        Ok(Held::Packed { data, width: self.width, height: self.height, format: self.format })
    }
}

impl Held {
    fn view(&self) -> Result<ImageView<'_>, CoreError> {
        match self {
            Held::Borrowed(p) => {
                let stride = p.strides[0] as usize;
                let len = (p.height - 1) * stride + p.width * p.channels;
                // SAFETY: rows of `stride` bytes from pixel (0, 0), every one inside the array.
                let data = unsafe { std::slice::from_raw_parts(p.ptr, len) };
                ImageView::new(data, p.width as u32, p.height as u32, stride, p.format)
            }
            Held::Packed { data, width, height, format } => {
                ImageView::packed(data, *width as u32, *height as u32, *format)
            }
        }
    }
}

/// An image from its file or its encoded bytes, decoded as `serfiq score`
/// decodes it (cli/src/process.rs: `open` + `Opened::decode`): the format
/// guessed from the content, the same size limits checked from the header
/// before any pixel is decoded, converted to 8-bit RGB, EXIF orientation not
/// applied.
enum Encoded {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

fn open_encoded(src: &Encoded) -> Result<cli_decode::Opened, String> {
    match src {
        Encoded::Path(p) => cli_decode::open(p),
        Encoded::Bytes(b) => cli_decode::open_bytes(b),
    }
}

fn decode(opened: Result<cli_decode::Opened, String>) -> Result<Held, CoreError> {
    let rgb = opened.and_then(cli_decode::Opened::decode).map_err(|m| CoreError::new(ErrorKind::InvalidImage, m))?;
    let (w, h) = rgb.dimensions();
    Ok(Held::Packed { data: rgb.into_raw(), width: w as usize, height: h as usize, format: PixelFormat::Rgb })
}

/// Decodes and scores `srcs` in runs that hold at most the CLI's budget of
/// decoded pixels (`cli_decode::MAX_HELD_PIXELS`): an image that does not
/// fit starts the next run, as in `serfiq score`.
fn run_encoded(
    m: &Model,
    srcs: &[Encoded],
    lms: &[Option<Landmarks>],
    want: Want,
    count: bool,
    assess: bool,
    first: usize,
) -> Result<Vec<Row>, CoreError> {
    let mut rows = Vec::with_capacity(srcs.len());
    let (mut next, mut carry) = (0, None);
    while next < srcs.len() {
        let (start, mut held, mut pixels) = (next, Vec::new(), 0u64);
        while next < srcs.len() {
            let opened = carry.take().unwrap_or_else(|| open_encoded(&srcs[next]));
            let need = opened.as_ref().map_or(0, cli_decode::Opened::pixels);
            if !held.is_empty() && pixels + need > cli_decode::MAX_HELD_PIXELS {
                carry = Some(opened);
                break;
            }
            pixels += need;
            held.push(decode(opened));
            next += 1;
        }
        rows.extend(run_rows(m, &held, &lms[start..next], want, count, assess, first + start)?);
    }
    Ok(rows)
}

fn landmarks(v: Option<Vec<f32>>) -> PyResult<Option<Landmarks>> {
    match v {
        None => Ok(None),
        Some(f) => match <&[f32; 10]>::try_from(f.as_slice()) {
            Ok(f) => Ok(Some(bridge::landmarks(f))),
            Err(_) => Err(value_error(format!("landmarks must be 5 (x, y) points, got {} numbers", f.len()))),
        },
    }
}

fn want(s: &str) -> PyResult<Want> {
    match s {
        "score" => Ok(Want::Score),
        "embedding" => Ok(Want::Embedding),
        "both" => Ok(Want::Both),
        _ => Err(value_error(format!("want must be 'score', 'embedding' or 'both', got {s:?}"))),
    }
}

// ---------------------------------------------------------------------------
// Results

fn f32_bytes<'py>(py: Python<'py>, v: &[f32]) -> Bound<'py, PyBytes> {
    // SAFETY: f32 has no padding; any initialised f32 slice is valid bytes.
    PyBytes::new(py, unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) })
}

fn i32_bytes<'py>(py: Python<'py>, v: &[i32]) -> Bound<'py, PyBytes> {
    // SAFETY: as above.
    PyBytes::new(py, unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) })
}

fn detection_tuple<'py>(py: Python<'py>, d: &Detection) -> PyResult<Bound<'py, PyTuple>> {
    let lm: Vec<f32> = d.landmarks.iter().flat_map(|p| *p).collect();
    (d.bbox.to_vec(), lm, d.confidence).into_pyobject(py)
}

/// What a scored image gives: its quality (unless only the embedding was
/// asked for), its embedding (empty unless asked for) and the detection it was
/// aligned by.
type Scored = (Option<serfiq_core::Quality>, Vec<f32>, Option<Detection>);

/// One image's outcome in a batch.
struct Row {
    result: Result<Scored, CoreError>,
    /// Faces the detector found (-1: the detector did not run).
    faces: i32,
    /// Components and feedback, when asked for and the image was assessed.
    components: Option<Components>,
}

impl Row {
    fn failed(e: CoreError, faces: i32) -> Row {
        Row { result: Err(e), faces, components: None }
    }
}

/// Components defined by the core (ids `0..N`); the rest of the arrays is unused.
const N_COMPONENTS: usize = Component::ALL.len();

/// `(s, q, n, f, q100, l, detection | None, box, landmarks, feedback bits, raw, value)`,
/// raw and value indexed by component id.
fn assessed_tuple<'py>(py: Python<'py>, a: &AssessedFace) -> PyResult<Bound<'py, PyTuple>> {
    let [s, q, n, f, q100, l] = quality_values(&a.quality);
    let det = match &a.detection {
        Some(d) => detection_tuple(py, d)?.into_any(),
        None => py.None().into_bound(py),
    };
    let lm: Vec<f32> = a.landmarks.iter().flat_map(|p| *p).collect();
    let c = &a.components;
    let (raw, value) = (c.raw[..N_COMPONENTS].to_vec(), c.value[..N_COMPONENTS].to_vec());
    (s, q, n, f, q100, l, det, a.bbox.to_vec(), lm, c.feedback, raw, value).into_pyobject(py)
}

/// Rows as `(s, q, n, f, q100, embeddings | None, status, messages, detections, faces, components, l)`:
/// float32/int32 arrays as bytes (NaN where an image failed), one
/// message (None when OK) and one detection tuple (or None) per image;
/// `components` (with `assess`, else None) is `(feedback bits per image, None
/// where it failed; raw and value as float32 bytes, N_COMPONENTS per image)`.
fn rows_tuple<'py>(
    py: Python<'py>,
    rows: &[Row],
    dim: usize,
    want: Want,
    assess: bool,
) -> PyResult<Bound<'py, PyTuple>> {
    let n = rows.len();
    // s, q, n, f, q100, l, one array each.
    let mut qualities = [(); 6].map(|_| vec![f32::NAN; n]);
    let mut emb = if want == Want::Score { Vec::new() } else { vec![f32::NAN; n * dim] };
    let mut st = vec![SERFIQ_OK as i32; n];
    let messages = PyList::empty(py);
    let detections = PyList::empty(py);
    let faces: Vec<i32> = rows.iter().map(|r| r.faces).collect();
    for (i, row) in rows.iter().enumerate() {
        match &row.result {
            Ok((quality, e, det)) => {
                if let Some(qu) = quality {
                    for (a, v) in qualities.iter_mut().zip(quality_values(qu)) {
                        a[i] = v;
                    }
                }
                if !e.is_empty() {
                    emb[i * dim..(i + 1) * dim].copy_from_slice(e);
                }
                messages.append(py.None())?;
                match det {
                    Some(d) => detections.append(detection_tuple(py, d)?)?,
                    None => detections.append(py.None())?,
                }
            }
            Err(e) => {
                st[i] = status_of(e.kind) as i32;
                messages.append(&e.message)?;
                detections.append(py.None())?;
            }
        }
    }
    let emb = if want == Want::Score { py.None().into_bound(py) } else { f32_bytes(py, &emb).into_any() };
    let [s, q, nn, f, q100, l] = qualities.map(|a| f32_bytes(py, &a));
    let components = if assess { components_tuple(py, rows)?.into_any() } else { py.None().into_bound(py) };
    (s, q, nn, f, q100, emb, i32_bytes(py, &st), messages, detections, i32_bytes(py, &faces), components, l)
        .into_pyobject(py)
}

fn components_tuple<'py>(py: Python<'py>, rows: &[Row]) -> PyResult<Bound<'py, PyTuple>> {
    let mut raw = vec![f32::NAN; rows.len() * N_COMPONENTS];
    let mut value = raw.clone();
    let mut bits: Vec<Option<u64>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let c = row.components.as_ref().filter(|_| row.result.is_ok());
        if let Some(c) = c {
            raw[i * N_COMPONENTS..(i + 1) * N_COMPONENTS].copy_from_slice(&c.raw[..N_COMPONENTS]);
            value[i * N_COMPONENTS..(i + 1) * N_COMPONENTS].copy_from_slice(&c.value[..N_COMPONENTS]);
        }
        bits.push(c.map(|c| c.feedback));
    }
    (bits, f32_bytes(py, &raw), f32_bytes(py, &value)).into_pyobject(py)
}

// ---------------------------------------------------------------------------
// The model

static CREATED: AtomicUsize = AtomicUsize::new(0);

/// Models created and not yet freed (closed, and no call in flight), in this
/// process: the bridge's count of live handles.
#[pyfunction]
fn live_models() -> usize {
    bridge::live_models()
}

/// Models created in this process so far.
#[pyfunction]
fn models_created() -> usize {
    CREATED.load(Ordering::SeqCst)
}

/// s, q, n, f, q100, l: the order of every quality tuple handed to Python.
fn quality_values(q: &serfiq_core::Quality) -> [f32; 6] {
    [q.s, q.q, q.n, q.f, q.q100, q.l]
}

/// A model behind the bridge's handle (which holds whether a call on it
/// panicked); `None` once closed. Calls in flight hold their own reference.
#[pyclass(module = "serfiq._native", name = "Model", frozen)]
struct PyModel {
    model: Mutex<Option<Arc<Handle>>>,
}

impl PyModel {
    fn handle(&self) -> PyResult<Arc<Handle>> {
        let guard = self.model.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().cloned().ok_or_else(|| value_error("this serfiq.Model is closed"))
    }

    /// `f` on the model (GIL held), unless closed or poisoned.
    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&Model) -> PyResult<T>) -> PyResult<T> {
        let h = self.handle()?;
        f(h.model().map_err(|e| failure(py, e))?)
    }

    /// Runs `body` on the model with the GIL released, inside the bridge's
    /// panic boundary (a panic poisons the model).
    fn run<T: Send>(&self, py: Python<'_>, body: impl FnOnce(&Model) -> Result<T, CoreError> + Send) -> PyResult<T> {
        let h = self.handle()?;
        let _flight = Flight::start()?;
        match py.allow_threads(|| guard(Some(&*h), || Ok(body(h.model()?)))) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(core_error(py, e)),
            Err(f) => Err(failure(py, f)),
        }
    }
}

/// Images of a batch: the objects (kept alive for the call) as pixels.
fn batch_pixels(images: &Bound<'_, PyList>, formats: &Bound<'_, PyList>) -> PyResult<Vec<Pixels>> {
    if images.len() != formats.len() {
        return Err(value_error("images and formats differ in length"));
    }
    images.iter().zip(formats.iter()).map(|(im, f)| pixels(&im, &f.extract::<String>()?)).collect()
}

fn batch_landmarks(lms: Option<&Bound<'_, PyList>>, n: usize) -> PyResult<Vec<Option<Landmarks>>> {
    match lms {
        None => Ok(vec![None; n]),
        Some(l) if l.len() == n => l.iter().map(|v| landmarks(v.extract()?)).collect(),
        Some(l) => Err(value_error(format!("{} images but {} landmark entries", n, l.len()))),
    }
}

/// Every image on its own: the ones that could be held and viewed go to
/// `run_each` together; each result keeps its place in the batch.
/// Errors are numbered from `first` (the batch's place in a longer list).
/// With `assess`, each image is assessed (`Model::assess`: quality,
/// components, feedback) and the batch runs only for embeddings.
fn run_rows(
    m: &Model,
    held: &[Result<Held, CoreError>],
    lms: &[Option<Landmarks>],
    want: Want,
    count: bool,
    assess: bool,
    first: usize,
) -> Result<Vec<Row>, CoreError> {
    let mut rows: Vec<Option<Row>> = Vec::with_capacity(held.len());
    let mut faces: Vec<Face> = Vec::new();
    let mut slots: Vec<(usize, Option<Detection>, i32, Option<AssessedFace>)> = Vec::new();
    for (i, (h, lm)) in held.iter().zip(lms).enumerate() {
        let face = h.as_ref().map_err(Clone::clone).and_then(|h| Ok(Face { image: h.view()?, landmarks: *lm }));
        let mut face = match face {
            Ok(f) => f,
            Err(e) => {
                rows.push(Some(Row::failed(e.at(first + i), -1)));
                continue;
            }
        };
        // Faces found, when asked: the detector's list for a photo, its first
        // face (the one the policy picks) scored by its landmarks, so the
        // photo is searched once; a photo without a face goes to the core as
        // it is, for its NoFace error. An assessed photo keeps no landmarks:
        // `assess` needs the detector's other faces (SingleFacePresent).
        let (mut picked, mut n) = (None, -1);
        if count && m.route(&face) == Route::Detector {
            match m.detect(&face.image) {
                Ok(found) => {
                    n = found.len() as i32;
                    if let Some(d) = found.first().filter(|_| !assess) {
                        face.landmarks = Some(d.landmarks);
                        picked = Some(*d);
                    }
                }
                Err(e) => {
                    rows.push(Some(Row::failed(e.at(first + i), -1)));
                    continue;
                }
            }
        }
        let mut assessed = None;
        if assess {
            match m.assess(&face) {
                Ok(a) => {
                    // Embeddings of the face assessed, aligned by the same landmarks.
                    if let Some(d) = a.detection {
                        face.landmarks = Some(d.landmarks);
                        picked = Some(d);
                    }
                    assessed = Some(a);
                }
                Err(e) => {
                    rows.push(Some(Row::failed(e.at(first + i), n)));
                    continue;
                }
            }
        }
        rows.push(None);
        faces.push(face);
        slots.push((i, picked, n, assessed));
    }
    // Assessed faces have their quality; the batch runs for what is left.
    let batch_want = match (assess, want) {
        (false, w) => Some(w),
        (true, Want::Score) => None,
        (true, _) => Some(Want::Embedding),
    };
    let results: Vec<Option<_>> = match batch_want {
        Some(w) if !faces.is_empty() => m.run_each(&faces, w)?.into_iter().map(Some).collect(),
        _ => faces.iter().map(|_| None).collect(),
    };
    for (r, (i, picked, n, assessed)) in results.into_iter().zip(slots) {
        let quality = assessed.as_ref().map(|a| a.quality);
        let result = match r {
            Some(r) => r
                .map(|r| (quality.or(r.quality), r.embedding, r.detection.or(picked)))
                .map_err(|e| CoreError { image: Some(first + i), ..e }),
            None => Ok((quality, Vec::new(), picked)),
        };
        rows[i] = Some(Row { result, faces: n, components: assessed.map(|a| a.components) });
    }
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                Row::failed(CoreError::new(ErrorKind::Internal, "no result from the model").at(first + i), -1)
            })
        })
        .collect())
}

/// Everything the Python `Model` reports about itself.
fn info_dict<'py>(py: Python<'py>, m: &Model) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let (w, h) = m.input_size();
    let (alpha, r) = m.alpha_r();
    d.set_item("embedding_size", m.embedding_size())?;
    d.set_item("input_size", (w, h))?;
    let (provider, device_id) = match m.provider() {
        Provider::Cpu => ("cpu", 0),
        Provider::Cuda { device_id } => ("cuda", device_id),
    };
    d.set_item("provider", provider)?;
    d.set_item("device_id", device_id)?;
    d.set_item("gpu_fallback_reason", m.gpu_fallback_reason())?;
    d.set_item("runtime_path", path_text(m.runtime_path()))?;
    d.set_item("alpha", alpha)?;
    d.set_item("r", r)?;
    d.set_item(
        "calibration_source",
        match m.calibration_source() {
            serfiq_core::calibration::Source::Options => "options",
            serfiq_core::calibration::Source::Model => "model",
            serfiq_core::calibration::Source::Default => "default",
        },
    )?;
    d.set_item("samples", m.samples())?;
    d.set_item("dropout", m.dropout())?;
    d.set_item("seed", m.seed())?;
    d.set_item("has_detector", m.has_detector())?;
    d.set_item("options", options_dict(py, m)?)?;
    let info = m.info();
    d.set_item("input_name", info.input_name.clone())?;
    d.set_item("output_name", info.output_name.clone())?;
    d.set_item("embedding_layer", info.layer.node.clone())?;
    Ok(d)
}

#[pymethods]
impl PyModel {
    /// Model(model, detector, options): `model` and `detector` are paths or
    /// bytes (detector None: none), `options` the keyword options.
    #[new]
    #[pyo3(signature = (model, detector, options))]
    fn new(
        py: Python<'_>,
        model: &Bound<'_, PyAny>,
        detector: Option<&Bound<'_, PyAny>>,
        options: &Bound<'_, PyDict>,
    ) -> PyResult<Self> {
        let opts = options_from(model, detector, options)?;
        let _flight = Flight::start()?;
        let m = match py.allow_threads(|| guard(None, || Ok(Model::new(&opts)))) {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => return Err(core_error(py, e)),
            Err(f) => return Err(failure(py, f)),
        };
        CREATED.fetch_add(1, Ordering::SeqCst);
        Ok(PyModel { model: Mutex::new(Some(Arc::new(Handle::new(m)))) })
    }

    /// Frees the model (after calls in flight end); idempotent.
    fn close(&self, py: Python<'_>) {
        let taken = self.model.lock().unwrap_or_else(|p| p.into_inner()).take();
        py.allow_threads(move || drop(taken));
    }

    #[getter]
    fn closed(&self) -> bool {
        self.model.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    /// Everything the Python `Model` reports about itself, as a dict.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.with(py, |m| info_dict(py, m))
    }

    /// One image: `(s, q, embedding bytes | None)`.
    #[pyo3(signature = (image, format, landmarks, want))]
    fn one<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        format: &str,
        landmarks: Option<Vec<f32>>,
        want: &str,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let px = pixels(image, format)?;
        let lm = self::landmarks(landmarks)?;
        let want = self::want(want)?;
        let out = self.run(py, move |m| {
            let held = px.hold()?;
            m.run(&[Face { image: held.view()?, landmarks: lm }], want).map_err(|e| CoreError { image: None, ..e })
        })?;
        let [s, q, n, f, q100, l] = out.qualities.first().map_or([f32::NAN; 6], quality_values);
        let emb = if out.embeddings.is_empty() {
            py.None().into_bound(py)
        } else {
            f32_bytes(py, &out.embeddings).into_any()
        };
        (s, q, n, f, q100, emb, l).into_pyobject(py)
    }

    /// A batch of arrays; `each`: a row per image (`rows_tuple`), else all or
    /// nothing (the first bad image raises, with its index).
    #[pyo3(signature = (images, formats, landmarks, want, each))]
    fn batch<'py>(
        &self,
        py: Python<'py>,
        images: &Bound<'py, PyList>,
        formats: &Bound<'py, PyList>,
        landmarks: Option<&Bound<'py, PyList>>,
        want: &str,
        each: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let px = batch_pixels(images, formats)?;
        let lms = batch_landmarks(landmarks, px.len())?;
        let want = self::want(want)?;
        let dim = self.with(py, |m| Ok(m.embedding_size()))?;
        if each {
            let rows = self.run(py, move |m| {
                let held: Vec<Result<Held, CoreError>> = px.iter().map(|p| p.hold()).collect();
                run_rows(m, &held, &lms, want, false, false, 0)
            })?;
            return rows_tuple(py, &rows, dim, want, false);
        }
        let out = self.run(py, move |m| {
            let held =
                px.iter().enumerate().map(|(i, p)| p.hold().map_err(|e| e.at(i))).collect::<Result<Vec<_>, _>>()?;
            let faces = held
                .iter()
                .zip(&lms)
                .enumerate()
                .map(|(i, (h, lm))| Ok(Face { image: h.view().map_err(|e| e.at(i))?, landmarks: *lm }))
                .collect::<Result<Vec<_>, CoreError>>()?;
            m.run(&faces, want)
        })?;
        let rows: Vec<Row> = (0..px_len(&out, want, dim))
            .map(|i| Row {
                result: Ok((
                    out.qualities.get(i).copied(),
                    if out.embeddings.is_empty() {
                        Vec::new()
                    } else {
                        out.embeddings[i * dim..(i + 1) * dim].to_vec()
                    },
                    None,
                )),
                faces: -1,
                components: None,
            })
            .collect();
        rows_tuple(py, &rows, dim, want, false)
    }

    /// Encoded images (bytes, or paths to files), decoded as the CLI decodes
    /// them, a row per image (`rows_tuple`); `count_faces`: the faces column;
    /// `assess`: components and feedback too.
    #[pyo3(signature = (items, landmarks, want, count_faces, first, assess=false))]
    #[allow(clippy::too_many_arguments)]
    fn encoded<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyList>,
        landmarks: Option<&Bound<'py, PyList>>,
        want: &str,
        count_faces: bool,
        first: usize,
        assess: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let srcs = items
            .iter()
            .map(|it| {
                if let Ok(b) = it.downcast::<PyBytes>() {
                    Ok(Encoded::Bytes(b.as_bytes().to_vec()))
                } else if let Ok(b) = it.downcast::<pyo3::types::PyByteArray>() {
                    Ok(Encoded::Bytes(b.to_vec()))
                } else {
                    it.extract::<PathBuf>()
                        .map(Encoded::Path)
                        .map_err(|_| PyTypeError::new_err("each item must be bytes (an encoded image) or a path"))
                }
            })
            .collect::<PyResult<Vec<_>>>()?;
        let lms = batch_landmarks(landmarks, srcs.len())?;
        let want = self::want(want)?;
        let dim = self.with(py, |m| Ok(m.embedding_size()))?;
        let rows = self.run(py, move |m| run_encoded(m, &srcs, &lms, want, count_faces, assess, first))?;
        rows_tuple(py, &rows, dim, want, assess)
    }

    /// One face, routed as by `one`, with its components and feedback (`assessed_tuple`).
    #[pyo3(signature = (image, format, landmarks))]
    fn assess<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        format: &str,
        landmarks: Option<Vec<f32>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let px = pixels(image, format)?;
        let lm = self::landmarks(landmarks)?;
        let a = self.run(py, move |m| {
            let held = px.hold()?;
            m.assess(&Face { image: held.view()?, landmarks: lm }).map_err(|e| CoreError { image: None, ..e })
        })?;
        assessed_tuple(py, &a)
    }

    /// Every face of a photo, each as `assessed_tuple`.
    #[pyo3(signature = (image, format))]
    fn detect_assess<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        format: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let px = pixels(image, format)?;
        let found = self.run(py, move |m| {
            let held = px.hold()?;
            m.detect_assess(&held.view()?)
        })?;
        let out = PyList::empty(py);
        for a in &found {
            out.append(assessed_tuple(py, a)?)?;
        }
        Ok(out)
    }

    /// Every face of a photo: a list of `(box, landmarks, confidence, s, q, embedding bytes | None)`.
    #[pyo3(signature = (image, format, embeddings))]
    fn detect<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        format: &str,
        embeddings: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let px = pixels(image, format)?;
        let want = if embeddings { Want::Both } else { Want::Score };
        let found = self.run(py, move |m| {
            let held = px.hold()?;
            m.detect_score(&held.view()?, want)
        })?;
        let out = PyList::empty(py);
        for f in &found {
            let d = detection_tuple(py, &f.detection)?;
            let emb =
                if f.embedding.is_empty() { py.None().into_bound(py) } else { f32_bytes(py, &f.embedding).into_any() };
            let [s, q, n, fu, q100, l] = quality_values(&f.quality);
            out.append((d.get_item(0)?, d.get_item(1)?, d.get_item(2)?, s, q, n, fu, q100, emb, l))?;
        }
        Ok(out)
    }

    /// The face as the model sees it: `(width, height, bytes, detection | None)`,
    /// packed BGR or RGB.
    #[pyo3(signature = (image, format, landmarks, bgr))]
    fn aligned_crop<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        format: &str,
        landmarks: Option<Vec<f32>>,
        bgr: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let px = pixels(image, format)?;
        let lm = self::landmarks(landmarks)?;
        let mut crop = self.run(py, move |m| {
            let held = px.hold()?;
            m.aligned_crop(&Face { image: held.view()?, landmarks: lm })
        })?;
        if bgr {
            crop.rgb.chunks_exact_mut(3).for_each(|p| p.swap(0, 2));
        }
        let det = match &crop.detection {
            Some(d) => detection_tuple(py, d)?.into_any(),
            None => py.None().into_bound(py),
        };
        (crop.width, crop.height, PyBytes::new(py, &crop.rgb), det).into_pyobject(py)
    }
}

/// Images in an all-or-nothing batch's outputs.
fn px_len(out: &serfiq_core::Outputs, want: Want, dim: usize) -> usize {
    if want == Want::Embedding {
        out.embeddings.len() / dim.max(1)
    } else {
        out.qualities.len()
    }
}

fn options_from(
    model: &Bound<'_, PyAny>,
    detector: Option<&Bound<'_, PyAny>>,
    kw: &Bound<'_, PyDict>,
) -> PyResult<Options> {
    options(model, detector, kw)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyModel>()?;
    m.add_class::<capture::PyCapture>()?;
    m.add_function(wrap_pyfunction!(_set_error_classes, m)?)?;
    m.add_function(wrap_pyfunction!(live_models, m)?)?;
    m.add_function(wrap_pyfunction!(models_created, m)?)?;
    m.add_function(wrap_pyfunction!(shown_path, m)?)?;
    m.add_function(wrap_pyfunction!(shown_text, m)?)?;
    m.add_function(wrap_pyfunction!(wait_for_calls, m)?)?;
    m.add("VERSION", serfiq_core::VERSION)?;
    m.add("MAX_BATCH", serfiq_core::MAX_BATCH)?;
    m.add("MAX_FACES", serfiq_core::detect::MAX_FACES)?;
    m.add("DEFAULT_ALPHA", serfiq_core::DEFAULT_ALPHA)?;
    m.add("DEFAULT_R", serfiq_core::DEFAULT_R)?;
    m.add("ORT_LIBRARY_ENV", serfiq_core::ORT_LIBRARY_ENV)?;
    let names = PyDict::new(py);
    for (code, name) in NAMES.iter().enumerate() {
        names.set_item(code, name.to_str().unwrap_or("SERFIQ_ERR_UNKNOWN"))?;
    }
    m.add("STATUS_NAMES", names)?;
    // The core's tables, by id: what a new component or code needs no binding change for.
    let components: Vec<(&str, &str)> = Component::ALL.iter().map(|c| (c.name(), c.unit())).collect();
    m.add("COMPONENTS", components)?;
    let feedback: Vec<(&str, &str)> = Feedback::ALL.iter().map(|f| (f.name(), f.message())).collect();
    m.add("FEEDBACK", feedback)?;
    Ok(())
}
