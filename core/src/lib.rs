//! # serfiq-core: SER-FIQ face image quality on ONNX Runtime
//!
//! SER-FIQ (Terhörst et al., CVPR 2020) measures how usable a face image is
//! for the recognition model that will use it: the network runs once, its
//! embedding layer T times under fixed dropout masks, and the more the
//! L2-normalised embeddings disagree, the lower the score
//! s = 2·sigmoid(−mean pairwise distance). This crate is the whole product in
//! safe Rust; `libserfiq` (C ABI, JNI) and the `serfiq` command are thin
//! layers over it.
//!
//! ## A model
//! [`Model::new`] takes [`Options`]: the customer's ONNX recognition model
//! ([`ModelSource`]), optionally a face detector, where ONNX Runtime is, and
//! the SER-FIQ settings (T, p, seed, α, r). It finds the embedding layer,
//! builds one graph that outputs both the embedding and s, and checks it with
//! one inference, so a model that cannot work fails here, not at the first
//! score. A `Model` is `Sync`: share one between threads.
//!
//! ```no_run
//! use serfiq_core::{Face, ImageView, Model, Options, PixelFormat};
//! let mut options = Options::from_path("fr_feature.onnx");
//! options.detector = Some(serfiq_core::ModelSource::Path("retinaface_mnet025.onnx".into()));
//! let model = Model::new(&options)?;
//! # let (pixels, width, height) = (vec![0u8; 640 * 480 * 3], 640, 480);
//! let image = ImageView::packed(&pixels, width, height, PixelFormat::Bgr)?;
//! let quality = model.score(&Face { image, landmarks: None })?;
//! println!("s = {}, q = {}", quality.s, quality.q);
//! # Ok::<(), serfiq_core::Error>(())
//! ```
//!
//! Every [`Quality`] also carries, from the same inference, the norm n of the
//! embedding layer's output, the fused quality f and q100, the percentile of
//! the image's quality in the model's calibration sample ([`scale`]).
//!
//! ## Which face is scored
//! A [`Face`] is an image plus, optionally, five landmarks. With landmarks the
//! face is aligned by them; without, [`Options::input_mode`] says what the
//! image is: by default ([`InputMode::Auto`]) an image at the model's input
//! size is taken as an aligned crop and any other image goes to the detector,
//! whose [`FacePolicy`] picks the face (or the call fails with
//! [`ErrorKind::NoFace`]); [`InputMode::Crop`] and [`InputMode::Photo`] say it
//! for every image. [`Model::detect_score`] scores every face in a photo.
//!
//! ## Batches and errors
//! [`Model::run`] is all or nothing; [`Model::run_each`] gives every image
//! its own result, so one bad frame does not hide the others' scores. Every
//! [`Error`] has a [`ErrorKind`] a caller can act on, a readable message and,
//! in a batch, the index of the image that failed.
//!
//! ## Determinism
//! The masks come from SplitMix64 with the given seed ([`masks`]), and each
//! inference runs with denormals flushed on the calling thread only, so the
//! same image gives the same score on any thread, in any batch.
#![deny(unsafe_code)]
#![warn(missing_docs)]

/// Modules whose items serve the crate itself; the workspace's tests and
/// benches reach them with the `test-support` feature.
macro_rules! internal {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {$(
        $(#[$attr])*
        #[cfg(feature = "test-support")]
        #[doc(hidden)]
        pub mod $name;
        $(#[$attr])*
        #[cfg(not(feature = "test-support"))]
        mod $name;
    )*};
}

pub mod align;
pub mod assess;
pub mod calibration;
pub mod canonical;
pub mod capture;
mod defaults;
pub mod detect;
mod error;
pub mod files;
pub mod gpu;
pub mod image;
pub mod masks;
mod model;
mod options;
pub mod quality_net;
mod run;
pub mod scale;
// The OS loader: dlopen/dladdr, LoadLibraryExW/GetModuleHandleExW.
#[allow(unsafe_code)]
mod sys;

internal!(
    // Saves and restores the thread's floating-point control register.
    #[allow(unsafe_code)]
    fpu,
    graph,
    pool,
    runtime,
);

pub use align::Landmarks;
pub use assess::{AssessedFace, Component, Components, Feedback, Profile, MAX_COMPONENTS};
pub use capture::{Capture, CaptureOptions, State};
pub use detect::{Detection, FacePolicy};
pub use error::{Error, ErrorKind, Result};
pub use gpu::Provider;
pub use graph::{EmbeddingLayer, ModelInfo, MAX_EMBEDDING_SIZE, MAX_HEAD_ELEMENTS, MAX_HEAD_MACS, MAX_INPUT_SIDE};
pub use image::{ImageView, PixelFormat};
pub use model::Model;
pub use options::{
    InputMode, ModelSource, Options, Search, DEFAULT_ALPHA, DEFAULT_MAX_MODEL_BYTES, DEFAULT_R, MAX_MODEL_BYTES,
    MAX_NORMALISED, MAX_SAMPLES, MIN_DROPOUT,
};
pub use run::{Crop, Face, FaceResult, Outputs, Quality, Route, ScoredFace, Want, MAX_BATCH};
pub use runtime::ENV_VAR as ORT_LIBRARY_ENV;
pub use scale::Q100Quality;

/// Library version and the ONNX Runtime API it targets.
pub const VERSION: &str = concat!("serfiq ", env!("CARGO_PKG_VERSION"), " (ONNX Runtime API 1.31)");
