//! `serfiq._native.Capture`: the camera loop over a model (serfiq_core::Capture),
//! frames pushed as numpy arrays, results as dicts the Python `serfiq.capture`
//! module turns into its types.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use serfiq::bridge::{self, capture::CaptureHandle, guard, Outcome};
use serfiq_core::capture::{Frame, TrackedFace};
use serfiq_core::CaptureOptions;

use super::{failure, pixels, value_error, PyModel};

/// A capture behind the bridge's handle: its panic boundary, poisoning and
/// one-thread-at-a-time rule are the C API's.
#[pyclass(module = "serfiq._native", name = "Capture", frozen)]
pub struct PyCapture {
    handle: CaptureHandle,
}

/// The capture options from keywords (names as `serfiq_capture_options`); unknown keys are refused.
fn capture_options(kw: &Bound<'_, PyDict>) -> PyResult<CaptureOptions> {
    let mut o = CaptureOptions::default();
    for (k, v) in kw.iter() {
        let key: String = k.extract()?;
        match key.as_str() {
            "min_q100" => o.min_q100 = v.extract()?,
            "steady_frames" => o.steady_frames = v.extract()?,
            "steady_ms" => o.steady_ms = v.extract()?,
            "max_motion" => o.max_motion = v.extract()?,
            "redetect_frames" => o.redetect_frames = v.extract()?,
            "redetect_ms" => o.redetect_ms = v.extract()?,
            "track_context" => o.track_context = v.extract()?,
            "track_side" => o.track_side = v.extract()?,
            "min_overlap" => o.min_overlap = v.extract()?,
            "min_similarity" => o.min_similarity = v.extract()?,
            "jump_similarity" => o.jump_similarity = v.extract()?,
            "blocking_feedback" => o.blocking_feedback = v.extract()?,
            _ => return Err(value_error(format!("unknown capture option {key:?}"))),
        }
    }
    Ok(o)
}

fn face_dict<'py>(py: Python<'py>, t: &TrackedFace) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("track", t.track)?;
    d.set_item("box", t.detection.bbox.to_vec())?;
    d.set_item("landmarks", t.detection.landmarks.iter().flatten().copied().collect::<Vec<f32>>())?;
    d.set_item("confidence", t.detection.confidence)?;
    let q = t.quality;
    d.set_item("quality", (q.s, q.q, q.n, q.f, q.q100, q.l))?;
    d.set_item("raw", t.components.raw.to_vec())?;
    d.set_item("value", t.components.value.to_vec())?;
    d.set_item("motion", t.motion)?;
    d.set_item("similarity", t.similarity)?;
    d.set_item("overlap", t.overlap)?;
    Ok(d)
}

fn frame_dict<'py>(py: Python<'py>, f: &Frame) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("index", f.index)?;
    d.set_item("state", f.state.name())?;
    d.set_item("feedback", f.feedback)?;
    d.set_item("face", f.face.as_ref().map(|t| face_dict(py, t)).transpose()?)?;
    d.set_item("is_best", f.is_best)?;
    d.set_item("new_track", f.new_track)?;
    d.set_item("full_search", f.full_search)?;
    Ok(d)
}

impl PyCapture {
    /// Runs `body` on the capture handle with the GIL released, inside the
    /// bridge's panic boundary (a panic poisons the capture).
    fn run<T: Send>(&self, py: Python<'_>, body: impl FnOnce(&CaptureHandle) -> Outcome<T> + Send) -> PyResult<T> {
        let h = &self.handle;
        py.allow_threads(|| guard(Some(h), || body(h))).map_err(|f| failure(py, f))
    }
}

#[pymethods]
impl PyCapture {
    #[new]
    #[pyo3(signature = (model, options))]
    fn new(py: Python<'_>, model: &PyModel, options: &Bound<'_, PyDict>) -> PyResult<Self> {
        let o = capture_options(options)?;
        let m = model.handle()?;
        let handle = guard(Some(&*m), || bridge::capture::create(&m, o)).map_err(|f| failure(py, f))?;
        Ok(PyCapture { handle })
    }

    /// One frame: a dict (index, state, feedback bits, face or None, is_best, new_track, full_search).
    #[pyo3(signature = (image, format, timestamp_ms))]
    fn push<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        format: &str,
        timestamp_ms: i64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let px = pixels(image, format)?;
        let f = self.run(py, move |h| {
            let held = px.hold()?;
            bridge::capture::push(h, &held.view()?, timestamp_ms)
        })?;
        frame_dict(py, &f)
    }

    /// The best frame: a dict (index, timestamp_ms, state, feedback, face, crop RGB bytes,
    /// crop size, embedding floats), or None.
    fn best<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(b) = self.run(py, bridge::capture::best)? else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("index", b.index)?;
        d.set_item("timestamp_ms", b.timestamp_ms)?;
        d.set_item("state", b.state.name())?;
        d.set_item("feedback", b.feedback)?;
        d.set_item("face", face_dict(py, &b.face)?)?;
        d.set_item("crop", PyBytes::new(py, &b.crop.rgb))?;
        d.set_item("crop_size", (b.crop.width, b.crop.height))?;
        d.set_item("embedding", b.embedding)?;
        Ok(Some(d))
    }

    /// Feedback code names by id (bit k of `feedback` = code k).
    #[staticmethod]
    fn feedback_names() -> Vec<&'static str> {
        serfiq_core::Feedback::ALL.iter().map(|f| f.name()).collect()
    }

    /// Component names by id (the indices of `raw` and `value`).
    #[staticmethod]
    fn component_names() -> Vec<&'static str> {
        serfiq_core::Component::ALL.iter().map(|c| c.name()).collect()
    }

    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, bridge::capture::reset)
    }
}
