//! serfiq: SER-FIQ face image quality on ONNX Runtime.
//!
//! The core (everything but `ffi`) is safe Rust with no FFI types.

pub mod align;
pub mod calibration;
pub mod detect;
pub mod error;
pub mod eval;
mod fpu;
pub mod gpu;
pub mod graph;
pub mod image;
pub mod masks;
pub mod model;
mod pool;
mod prelu;
pub mod runtime;

pub use align::Landmarks;
pub use detect::{Detection, FacePolicy};
pub use error::{Error, ErrorKind, Result};
pub use image::{ImageView, PixelFormat};
pub use model::{Face, Model, ModelSource, Options, Outputs, Quality, ScoredFace, Want};
pub mod ffi;
#[cfg(feature = "jni")]
mod java;
