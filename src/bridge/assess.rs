//! Components and feedback for every surface: the name tables as static C
//! strings (looked up once by each binding) and the assess calls with the
//! capacity rule of the detect calls.

use std::ffi::{CStr, CString};
use std::sync::OnceLock;

use serfiq_core::{AssessedFace, Component, Face, Feedback, ImageView, Model};

use super::{Failure, Outcome};
use crate::status::{SERFIQ_ERR_BUFFER_TOO_SMALL, SERFIQ_ERR_INVALID_ARGUMENT};

/// The texts of the tables, NUL-terminated, made once: [names, units] of
/// components, [names, messages] of feedback codes.
struct Tables {
    component_names: Vec<CString>,
    component_units: Vec<CString>,
    feedback_names: Vec<CString>,
    feedback_messages: Vec<CString>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        // The tables are ASCII literals without NUL bytes.
        let c = |s: &str| CString::new(s).unwrap_or_default();
        Tables {
            component_names: Component::ALL.iter().map(|k| c(k.name())).collect(),
            component_units: Component::ALL.iter().map(|k| c(k.unit())).collect(),
            feedback_names: Feedback::ALL.iter().map(|f| c(f.name())).collect(),
            feedback_messages: Feedback::ALL.iter().map(|f| c(f.message())).collect(),
        }
    })
}

/// Number of components this library defines (ids 0..count).
pub fn component_count() -> u32 {
    Component::ALL.len() as u32
}

/// Number of feedback codes this library defines.
pub fn feedback_count() -> u32 {
    Feedback::ALL.len() as u32
}

fn entry(table: &'static [CString], id: u32) -> Option<&'static CStr> {
    table.get(id as usize).map(CString::as_c_str)
}

pub fn component_name(id: u32) -> Option<&'static CStr> {
    entry(&tables().component_names, id)
}

pub fn component_unit(id: u32) -> Option<&'static CStr> {
    entry(&tables().component_units, id)
}

pub fn feedback_name(code: u32) -> Option<&'static CStr> {
    entry(&tables().feedback_names, code)
}

pub fn feedback_message(code: u32) -> Option<&'static CStr> {
    entry(&tables().feedback_messages, code)
}

/// One face, routed as the score calls route it.
pub fn assess(m: &Model, face: &Face) -> Outcome<AssessedFace> {
    Ok(m.assess(face)?)
}

/// What a detect-and-assess call found.
pub enum Found {
    /// Every face, assessed.
    Faces(Vec<AssessedFace>),
    /// A count query's answer.
    Count(usize),
    /// More faces than the caller has room for: this many.
    TooMany(usize),
}

impl Found {
    /// The failure of `TooMany`, as every surface reports it.
    pub fn too_many(found: usize, capacity: usize) -> Failure {
        Failure::new(SERFIQ_ERR_BUFFER_TOO_SMALL, format!("{found} faces found: room for {capacity}"))
    }
}

/// Every face in `image`, assessed when they fit in `capacity`; only their
/// number for a count `query`. A model without a detector fails with
/// `SERFIQ_ERR_INVALID_ARGUMENT`.
pub fn detect_assess(m: &Model, image: &ImageView, capacity: usize, query: bool) -> Outcome<Found> {
    if !m.has_detector() {
        return Err(Failure::new(
            SERFIQ_ERR_INVALID_ARGUMENT,
            "this model was created without a face detector (options.detector_path or detector_data)",
        ));
    }
    let found = m.detect(image)?;
    Ok(match found.len() {
        n if query => Found::Count(n),
        n if n > capacity => Found::TooMany(n),
        _ => Found::Faces(m.assess_detections(image, &found)?),
    })
}
