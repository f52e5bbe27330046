//! libserfiq, the shipped library: the C ABI (`ffi`, header
//! `include/serfiq.h`) and, with the `jni` feature, the JNI entry points of
//! bindings/java, both thin layers over one bridge (`bridge`) to serfiq-core.

mod bridge;
pub mod ffi;
#[cfg(feature = "jni")]
mod jni;
mod status;
