//! The one bridge between serfiq-core and every foreign surface (the C ABI in
//! `ffi`, the JNI entry points in `jni`): handles with their panic boundary
//! and poisoning, status mapping, the numeric codes of enums, options in
//! foreign terms and their defaults, image and landmark conversion. A feature
//! is written here once; each surface only maps its own types to these.

mod assess;
mod batch;
pub mod capture;
mod codes;
mod handle;
mod images;
mod settings;

pub use assess::{
    assess, component_count, component_name, component_unit, detect_assess, feedback_count, feedback_message,
    feedback_name, Found,
};
pub use batch::{aligned_crop, crop_is_bgr, crop_pixels, score_each};
pub use codes::*;
pub use handle::{guard, live_models, Failure, Handle, Outcome, Poison};
pub use images::{landmarks, view, Shape};
pub use settings::Settings;

/// `serfiq_version()` and `NativeLib.version()`.
pub const VERSION: &str = serfiq_core::VERSION;
