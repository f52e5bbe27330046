//! libserfiq, the shipped library: the C ABI (`ffi`, header
//! `include/serfiq.h`) and, with the `jni` feature, the JNI entry points of
//! bindings/java, both thin layers over one bridge (`bridge`) to serfiq-core.
//! With the `bridge` feature the bridge and the status codes are public, so the
//! Python extension (bindings/python) goes through the same bridge.

#[cfg(feature = "bridge")]
pub mod bridge;
#[cfg(not(feature = "bridge"))]
mod bridge;
pub mod ffi;
#[cfg(feature = "jni")]
mod jni;
#[cfg(feature = "bridge")]
pub mod status;
#[cfg(not(feature = "bridge"))]
mod status;
