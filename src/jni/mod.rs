//! The JNI entry points of bindings/java: static native methods of
//! `org.serfiq.NativeLib`, built into libserfiq with the `jni` feature. Like
//! the C ABI (`ffi`), they are thin over the bridge: the handle, the panic
//! boundary and poisoning, status mapping, option defaults and conversion,
//! image checks and codes all come from `bridge`; this module only maps Java
//! arrays and objects to them.
//!
//! The one JNI-specific step is the way out: a `Failure` (or a caught panic,
//! which `bridge::guard` turns into one) is thrown as
//! `org.serfiq.SerfiqException(int status, String message)`, so Java sees the
//! C API's statuses and messages. Nothing unwinds into the JVM.
//!
//! Handles: `nativeCreate` returns a `Box<bridge::Handle>` as a `long`, and
//! `nativeDestroy` frees it. The Java owner (`QualityModel`) guarantees that a
//! non-zero handle is live for the whole call and that destroy never overlaps
//! another call on it (a read/write lock): the contract of `serfiq_destroy`.
//!
//! Versions: `nativeJniVersion` is checked by the Java loader before anything
//! else, because the JNI signatures below change on their own schedule, apart
//! from `SERFIQ_ABI_VERSION` (the C ABI), which `nativeAbiVersion` reports.
//! Options travel as three arrays whose slot order is defined once, in
//! `options`, and published by name (`nativeOptionNames`).

mod assess;
mod capture;
mod exports;
mod images;
mod options;

use jni::objects::{JObject, JThrowable, JValue};
use jni::sys::{jint, jlong};
use jni::JNIEnv;
use serfiq_core::Model;

use crate::bridge::{guard, Failure, Handle, Outcome};
use crate::status::*;

/// Version of the JNI signatures and array layouts of `NativeLib`. Bump it
/// whenever a native method, an array layout or an option slot changes;
/// `NativeLib.JNI_VERSION` must equal it. (Version 1 was the unversioned
/// first binding, which had no `nativeJniVersion`.)
const JNI_VERSION: jint = 5;

/// The Java exception every failure becomes.
const EXCEPTION_CLASS: &str = "org/serfiq/SerfiqException";

/// A failed JNI call. When it left a Java exception pending (the usual case:
/// an `OutOfMemoryError`, an index out of bounds), that exception is what the
/// caller sees; `throw` does not replace it.
impl From<jni::errors::Error> for Failure {
    fn from(e: jni::errors::Error) -> Self {
        Failure::new(SERFIQ_ERR_INTERNAL, format!("JNI call failed: {e}"))
    }
}

/// Throws `SerfiqException(status, message)`, unless an exception is already pending.
fn throw(env: &mut JNIEnv, f: &Failure) {
    if env.exception_check().unwrap_or(true) {
        return;
    }
    let thrown = (|| -> jni::errors::Result<()> {
        let text = env.new_string(&f.message)?;
        let obj = env.new_object(
            EXCEPTION_CLASS,
            "(ILjava/lang/String;)V",
            &[JValue::Int(f.status as jint), JValue::Object(&text)],
        )?;
        env.throw(JThrowable::from(obj))
    })();
    if thrown.is_err() {
        // The exception could not be built (class missing, out of memory):
        // something must still be thrown, never a silent fallback result.
        let _ = env.exception_clear();
        let _ = env.throw_new("java/lang/IllegalStateException", format!("serfiq status {}: {}", f.status, f.message));
    }
}

/// The value of a body that ran in `bridge::guard`, or: throw its failure and
/// return `fallback` (which the JVM discards, an exception being pending).
fn finish<R>(env: &mut JNIEnv, out: Outcome<R>, fallback: R) -> R {
    match out {
        Ok(value) => value,
        Err(f) => {
            // Throwing only calls JNI, but runs in the boundary too.
            let _ = guard(None, || {
                throw(env, &f);
                Ok(())
            });
            fallback
        }
    }
}

/// An entry point on no model.
fn entry<'local, R>(env: &mut JNIEnv<'local>, fallback: R, body: impl FnOnce(&mut JNIEnv<'local>) -> Outcome<R>) -> R {
    let out = guard(None, || body(env));
    finish(env, out, fallback)
}

/// The handle behind a `long` from `nativeCreate`; `None` for 0.
fn handle<'a>(raw: jlong) -> Option<&'a Handle> {
    // SAFETY: NativeLib's contract: a non-zero handle came from nativeCreate
    // and is not destroyed while a call on it runs (QualityModel's lock).
    (raw != 0).then(|| unsafe { &*(raw as *const Handle) })
}

/// An entry point on a model: 0 is `SERFIQ_ERR_NULL_ARGUMENT`, a poisoned
/// model `SERFIQ_ERR_POISONED`, and a panic poisons it.
fn on_model<'local, R>(
    env: &mut JNIEnv<'local>,
    raw: jlong,
    fallback: R,
    body: impl FnOnce(&mut JNIEnv<'local>, &Model) -> Outcome<R>,
) -> R {
    let h = handle(raw);
    let out = guard(h.map(|h| h as &dyn crate::bridge::Poison), || {
        let h = h.ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "model handle is 0 (the model is closed)"))?;
        body(env, h.model()?)
    });
    finish(env, out, fallback)
}

fn fail<T>(status: serfiq_status, message: impl Into<String>) -> Outcome<T> {
    Err(Failure::new(status, message))
}

/// `obj` unless it is Java's null; `what` names it in the failure.
fn non_null<'a, 'local>(obj: &'a JObject<'local>, what: &str) -> Outcome<&'a JObject<'local>> {
    if obj.is_null() {
        return fail(SERFIQ_ERR_NULL_ARGUMENT, format!("{what} is null"));
    }
    Ok(obj)
}
