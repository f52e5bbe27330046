//! The JNI bridge for bindings/java: static native methods of `org.serfiq.NativeLib`,
//! each a thin layer over the safe core (`Model`), built into the same library
//! behind the `jni` feature.
//!
//! Every entry point runs inside `boundary`: no panic unwinds into the JVM, and
//! every failure is thrown as `org.serfiq.SerfiqException(int status, String
//! message)` with the status numbers of the C API (`ffi::status`, mapped by
//! `from_kind`), so Java sees what C sees.
//!
//! Handles: `nativeCreate` returns a `Box<Handle>` as a `long`; `nativeDestroy`
//! frees it. The Java owner (`QualityModel`) guarantees that a non-zero handle
//! is live for the whole call and that destroy never overlaps another call (a
//! read/write lock), exactly the contract of `serfiq_destroy`.
//!
//! Pixels are a `byte[]` (the bytes the image needs are copied out, so no GC
//! pinning or critical region spans an inference) or a direct
//! `java.nio.ByteBuffer` (read in place; its address and capacity come from the
//! JVM, never from Java arguments, and every access is checked against them).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use jni::objects::{
    JByteArray, JByteBuffer, JClass, JFloatArray, JIntArray, JObject, JObjectArray, JString, JThrowable, JValue,
};
use jni::sys::{jboolean, jdoubleArray, jfloat, jfloatArray, jint, jintArray, jlong, jstring, JNI_FALSE};
use jni::JNIEnv;

use crate::error::Error;
use crate::ffi::status::*;
use crate::ffi::{
    SERFIQ_ABI_VERSION, SERFIQ_CHANNELS_BGR, SERFIQ_CHANNELS_RGB, SERFIQ_LANDMARK_FLOATS, SERFIQ_MAX_BATCH,
    SERFIQ_PIXEL_BGR, SERFIQ_PIXEL_BGRA, SERFIQ_PIXEL_GRAY, SERFIQ_PIXEL_RGB, SERFIQ_PIXEL_RGBA,
};
use crate::image::{required_len, ImageView, PixelFormat};
use crate::model::{Face, Model, ModelSource, Options, Outputs, Want};
use crate::Landmarks;

/// The Java exception every failure becomes.
const EXCEPTION_CLASS: &str = "org/serfiq/SerfiqException";
/// Ints per image in `nativeScoreBatch`'s `shapes`: width, height, stride, format, offset, length.
const SHAPE_INTS: usize = 6;

/// What a `long` handle points to.
struct Handle {
    model: Model,
    /// Set when a call on this model panicked; later calls report SERFIQ_ERR_POISONED.
    poisoned: AtomicBool,
}

/// A failure on its way to Java.
enum Fail {
    /// Thrown as `SerfiqException(status, message)`.
    Status(serfiq_status, String),
    /// A JNI call already left a Java exception pending: let it propagate as it is.
    Pending,
}

fn fail(status: serfiq_status, message: impl Into<String>) -> Fail {
    Fail::Status(status, message.into())
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Status(from_kind(e.kind), e.message)
    }
}

impl From<jni::errors::Error> for Fail {
    fn from(e: jni::errors::Error) -> Self {
        match e {
            jni::errors::Error::JavaException => Fail::Pending,
            other => Fail::Status(SERFIQ_ERR_INTERNAL, format!("JNI call failed: {other}")),
        }
    }
}

type Res<T> = Result<T, Fail>;

/// Throws `SerfiqException(status, message)`, unless an exception is already pending.
fn throw(env: &mut JNIEnv, status: serfiq_status, message: &str) {
    if env.exception_check().unwrap_or(true) {
        return;
    }
    let thrown = (|| -> jni::errors::Result<()> {
        let text = env.new_string(message)?;
        let obj = env.new_object(
            EXCEPTION_CLASS,
            "(ILjava/lang/String;)V",
            &[JValue::Int(status as jint), JValue::Object(&text)],
        )?;
        env.throw(JThrowable::from(obj))
    })();
    if thrown.is_err() {
        // The exception class could not be built (missing class, out of memory):
        // something must still be thrown, never a silent default result.
        let _ = env.exception_clear();
        let _ = env.throw_new("java/lang/IllegalStateException", format!("serfiq status {status}: {message}"));
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// The one panic boundary: runs `body`; a failure or a caught panic becomes a
/// pending Java exception and the entry point returns `fallback`.
/// `on_panic` runs after a caught panic (to poison the handle involved).
fn boundary<'local, R>(
    env: &mut JNIEnv<'local>,
    fallback: R,
    on_panic: impl FnOnce(),
    body: impl FnOnce(&mut JNIEnv<'local>) -> Res<R>,
) -> R {
    let (status, message) = match catch_unwind(AssertUnwindSafe(|| body(env))) {
        Ok(Ok(value)) => return value,
        Ok(Err(Fail::Pending)) => return fallback,
        Ok(Err(Fail::Status(status, message))) => (status, message),
        Err(panic) => {
            let _ = catch_unwind(AssertUnwindSafe(on_panic));
            (SERFIQ_ERR_INTERNAL, format!("internal error in serfiq: {}", panic_message(&*panic)))
        }
    };
    // Throwing only calls JNI; guard it too so nothing can unwind into the JVM.
    let _ = catch_unwind(AssertUnwindSafe(|| throw(env, status, &message)));
    fallback
}

/// The live handle behind `handle`.
fn live<'a>(handle: jlong) -> Res<&'a Handle> {
    if handle == 0 {
        return Err(fail(SERFIQ_ERR_NULL_ARGUMENT, "model handle is 0 (the model is closed)"));
    }
    // SAFETY: a non-zero handle came from nativeCreate and is not destroyed while
    // a call runs (QualityModel's read/write lock; the contract of NativeLib).
    let h = unsafe { &*(handle as *const Handle) };
    if h.poisoned.load(Ordering::SeqCst) {
        return Err(fail(
            SERFIQ_ERR_POISONED,
            "this model hit an internal error earlier; close it and create a new one",
        ));
    }
    Ok(h)
}

/// `boundary` for calls on a model: poisons it when the body panics.
fn with_model<'local, R>(
    env: &mut JNIEnv<'local>,
    handle: jlong,
    fallback: R,
    body: impl FnOnce(&mut JNIEnv<'local>, &Model) -> Res<R>,
) -> R {
    let poison = || {
        if handle != 0 {
            // SAFETY: as in `live`.
            unsafe { &*(handle as *const Handle) }.poisoned.store(true, Ordering::SeqCst);
        }
    };
    boundary(env, fallback, poison, |env| {
        let h = live(handle)?;
        body(env, &h.model)
    })
}

fn opt_string(env: &mut JNIEnv, s: &JString) -> Res<Option<String>> {
    if s.is_null() {
        return Ok(None);
    }
    Ok(Some(env.get_string(s)?.into()))
}

fn float_array(env: &mut JNIEnv, values: &[f32]) -> Res<jfloatArray> {
    let len = jint::try_from(values.len()).map_err(|_| {
        fail(SERFIQ_ERR_INVALID_ARGUMENT, format!("result of {} floats is too large for Java", values.len()))
    })?;
    let arr = env.new_float_array(len)?;
    env.set_float_array_region(&arr, 0, values)?;
    Ok(arr.into_raw())
}

/// Reads exactly `N` floats from a non-null array, or fails with `status`.
fn fixed_floats<const N: usize>(
    env: &mut JNIEnv,
    arr: &JFloatArray,
    name: &str,
    status: serfiq_status,
) -> Res<[f32; N]> {
    if arr.is_null() {
        return Err(fail(SERFIQ_ERR_NULL_ARGUMENT, format!("{name} is null")));
    }
    let len = env.get_array_length(arr)?;
    if len as usize != N {
        return Err(fail(status, format!("{name} has {len} floats, expected {N}")));
    }
    let mut out = [0f32; N];
    env.get_float_array_region(arr, 0, &mut out)?;
    Ok(out)
}

/// Optional landmarks: null, or exactly 10 floats (x, y of 5 points).
fn landmarks(env: &mut JNIEnv, arr: &JFloatArray, index: usize) -> Res<Option<Landmarks>> {
    if arr.is_null() {
        return Ok(None);
    }
    let f: [f32; SERFIQ_LANDMARK_FLOATS] =
        fixed_floats(env, arr, &format!("image {index}: landmarks"), SERFIQ_ERR_INVALID_LANDMARKS)?;
    Ok(Some(std::array::from_fn(|i| [f[2 * i], f[2 * i + 1]])))
}

/// An image's shape from Java ints, checked as the C API checks a `serfiq_image`.
#[derive(Clone, Copy)]
struct Shape {
    width: u32,
    height: u32,
    stride: usize,
    format: PixelFormat,
    /// Bytes the image spans from its first byte.
    need: usize,
}

fn shape(width: jint, height: jint, stride: jint, format: jint, index: usize) -> Res<Shape> {
    let bad = |m: String| fail(SERFIQ_ERR_INVALID_IMAGE, format!("image {index}: {m}"));
    let format = match u32::try_from(format) {
        Ok(SERFIQ_PIXEL_BGR) => PixelFormat::Bgr,
        Ok(SERFIQ_PIXEL_RGB) => PixelFormat::Rgb,
        Ok(SERFIQ_PIXEL_BGRA) => PixelFormat::Bgra,
        Ok(SERFIQ_PIXEL_RGBA) => PixelFormat::Rgba,
        Ok(SERFIQ_PIXEL_GRAY) => PixelFormat::Gray,
        _ => return Err(bad(format!("unknown pixel format {format}"))),
    };
    let (Ok(w), Ok(h), Ok(s)) = (u32::try_from(width), u32::try_from(height), usize::try_from(stride)) else {
        return Err(bad(format!("width {width}, height {height} and stride {stride} must not be negative")));
    };
    let stride = if s == 0 { w as usize * format.bytes_per_pixel() } else { s };
    let need = required_len(w, h, stride, format).map_err(|e| bad(e.message))?;
    Ok(Shape { width: w, height: h, stride, format, need })
}

/// The pixels of one image: copied out of a `byte[]`, or borrowed from a direct buffer.
enum Pixels {
    Owned(Vec<u8>),
    /// Address and length inside a direct buffer that the caller keeps reachable
    /// (a local reference held for the whole call).
    Direct(*const u8, usize),
}

impl Pixels {
    /// # Safety
    /// For `Direct`, the buffer must stay alive and mapped while the slice is used.
    unsafe fn bytes(&self) -> &[u8] {
        match self {
            Pixels::Owned(v) => v,
            // SAFETY: address and length were checked against the buffer's capacity.
            Pixels::Direct(p, n) => unsafe { std::slice::from_raw_parts(*p, *n) },
        }
    }
}

/// The region [offset, offset + length) of a container of `total` bytes;
/// length -1 means "to the end". It must hold the `need` bytes of the image.
fn region(total: usize, offset: jint, length: jint, need: usize, what: &str, index: usize) -> Res<usize> {
    let offset = usize::try_from(offset).ok().filter(|&o| o <= total).ok_or_else(|| {
        fail(
            SERFIQ_ERR_INVALID_ARGUMENT,
            format!("image {index}: offset {offset} is outside the {total} bytes of {what}"),
        )
    })?;
    let available = match length {
        -1 => total - offset,
        n => usize::try_from(n).ok().filter(|&n| n <= total - offset).ok_or_else(|| {
            fail(
                SERFIQ_ERR_INVALID_ARGUMENT,
                format!("image {index}: length {length} from offset {offset} exceeds the {total} bytes of {what}"),
            )
        })?,
    };
    if available < need {
        return Err(fail(
            SERFIQ_ERR_INVALID_IMAGE,
            format!("image {index}: {what} has {available} bytes from offset {offset}, the image needs {need}"),
        ));
    }
    Ok(offset)
}

/// Gets the image bytes out of `obj`: a `byte[]` or a direct `ByteBuffer`.
fn pixels(env: &mut JNIEnv, obj: &JObject, shape: &Shape, offset: jint, length: jint, index: usize) -> Res<Pixels> {
    if obj.is_null() {
        return Err(fail(SERFIQ_ERR_NULL_ARGUMENT, format!("image {index}: pixels is null")));
    }
    if env.is_instance_of(obj, "[B")? {
        let arr: &JByteArray = obj.into();
        let total = env.get_array_length(arr)? as usize;
        let start = region(total, offset, length, shape.need, "the byte[]", index)?;
        let mut data = vec![0u8; shape.need];
        // SAFETY: u8 and i8 have the same size and alignment; JNI writes jbytes.
        let dst = unsafe { std::slice::from_raw_parts_mut(data.as_mut_ptr().cast::<i8>(), data.len()) };
        env.get_byte_array_region(arr, start as jint, dst)?;
        return Ok(Pixels::Owned(data));
    }
    if env.is_instance_of(obj, "java/nio/ByteBuffer")? {
        let buf: &JByteBuffer = obj.into();
        let (addr, total) = match (env.get_direct_buffer_address(buf), env.get_direct_buffer_capacity(buf)) {
            (Ok(a), Ok(c)) if !a.is_null() => (a, c),
            _ => {
                return Err(fail(
                    SERFIQ_ERR_INVALID_ARGUMENT,
                    format!("image {index}: the ByteBuffer is not direct; use ByteBuffer.allocateDirect or a byte[]"),
                ))
            }
        };
        let start = region(total, offset, length, shape.need, "the ByteBuffer", index)?;
        // SAFETY: start + need <= capacity, so the range lies inside the buffer.
        return Ok(Pixels::Direct(unsafe { addr.add(start) }.cast_const(), shape.need));
    }
    Err(fail(SERFIQ_ERR_INVALID_ARGUMENT, format!("image {index}: pixels must be a byte[] or a direct ByteBuffer")))
}

/// Runs one image through the model.
#[allow(clippy::too_many_arguments)]
fn run_one(
    env: &mut JNIEnv,
    model: &Model,
    obj: &JObject,
    width: jint,
    height: jint,
    stride: jint,
    format: jint,
    offset: jint,
    length: jint,
    lm: &JFloatArray,
    want: Want,
) -> Res<Outputs> {
    let shape = shape(width, height, stride, format, 0)?;
    let px = pixels(env, obj, &shape, offset, length, 0)?;
    let landmarks = landmarks(env, lm, 0)?;
    // SAFETY: `obj` (a local reference) keeps a direct buffer alive for this call.
    let data = unsafe { px.bytes() };
    let image = ImageView::new(data, shape.width, shape.height, shape.stride, shape.format)
        .map_err(|e| fail(SERFIQ_ERR_INVALID_IMAGE, format!("image 0: {}", e.message)))?;
    Ok(model.run(&[Face { image, landmarks }], want)?)
}

/// `SERFIQ_ABI_VERSION` of this library.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeAbiVersion(_env: JNIEnv, _class: JClass) -> jint {
    SERFIQ_ABI_VERSION as jint
}

/// Library version string, as `serfiq_version`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeVersion<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jstring {
    boundary(
        &mut env,
        std::ptr::null_mut(),
        || {},
        |env| {
            let v = concat!("serfiq ", env!("CARGO_PKG_VERSION"), " (ONNX Runtime API 1.31)");
            Ok(env.new_string(v)?.into_raw())
        },
    )
}

/// The default options: samples, dropout, seed, alpha, r, channel order,
/// mean[3], std[3], intra-op threads, max sessions (13 doubles).
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeDefaults<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jdoubleArray {
    boundary(
        &mut env,
        std::ptr::null_mut(),
        || {},
        |env| {
            let d = Options::default();
            let channels = if d.input_bgr { SERFIQ_CHANNELS_BGR } else { SERFIQ_CHANNELS_RGB };
            let values = [
                d.samples as f64,
                d.dropout,
                d.seed as f64,
                d.alpha.unwrap_or(f64::NAN),
                d.r.unwrap_or(f64::NAN),
                channels as f64,
                d.mean[0] as f64,
                d.mean[1] as f64,
                d.mean[2] as f64,
                d.std[0] as f64,
                d.std[1] as f64,
                d.std[2] as f64,
                d.intra_threads as f64,
                d.max_sessions as f64,
            ];
            let arr = env.new_double_array(values.len() as jint)?;
            env.set_double_array_region(&arr, 0, &values)?;
            Ok(arr.into_raw())
        },
    )
}

/// Creates a model (`serfiq_create`): `model_path` wins over `model_bytes`;
/// `ort_library` and `embedding_layer` may be null. Returns the handle.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeCreate<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    model_path: JString<'local>,
    model_bytes: JByteArray<'local>,
    ort_library: JString<'local>,
    embedding_layer: JString<'local>,
    samples: jint,
    dropout: jfloat,
    seed: jlong,
    alpha: f64,
    r: f64,
    channel_order: jint,
    mean: JFloatArray<'local>,
    std: JFloatArray<'local>,
    intra_op_threads: jint,
    max_sessions: jint,
    model_sha256: JString<'local>,
) -> jlong {
    boundary(
        &mut env,
        0,
        || {},
        |env| {
            let model = match opt_string(env, &model_path)? {
                Some(p) => ModelSource::Path(PathBuf::from(p)),
                None if model_bytes.is_null() => {
                    return Err(fail(SERFIQ_ERR_NULL_ARGUMENT, "no model: the model path and the model bytes are null"))
                }
                None => ModelSource::Bytes(env.convert_byte_array(&model_bytes)?),
            };
            let input_bgr = match u32::try_from(channel_order) {
                Ok(SERFIQ_CHANNELS_RGB) => false,
                Ok(SERFIQ_CHANNELS_BGR) => true,
                _ => return Err(fail(SERFIQ_ERR_INVALID_ARGUMENT, format!("unknown channel order {channel_order}"))),
            };
            let count = |v: jint, name: &str| {
                usize::try_from(v)
                    .map_err(|_| fail(SERFIQ_ERR_INVALID_ARGUMENT, format!("{name} must not be negative, got {v}")))
            };
            let options = Options {
                model,
                ort_library: opt_string(env, &ort_library)?.map(PathBuf::from),
                embedding_layer: opt_string(env, &embedding_layer)?,
                samples: count(samples, "samples")?,
                dropout: dropout as f64,
                seed: seed as u64,
                alpha: (!alpha.is_nan()).then_some(alpha),
                r: (!r.is_nan()).then_some(r),
                input_bgr,
                mean: fixed_floats(env, &mean, "mean", SERFIQ_ERR_INVALID_ARGUMENT)?,
                std: fixed_floats(env, &std, "std", SERFIQ_ERR_INVALID_ARGUMENT)?,
                intra_threads: count(intra_op_threads, "intraOpThreads")?,
                max_sessions: count(max_sessions, "maxSessions")?,
                model_sha256: opt_string(env, &model_sha256)?,
                // Detection is not exposed to Java yet.
                ..Options::default()
            };
            let model = Model::new(&options)?;
            Ok(Box::into_raw(Box::new(Handle { model, poisoned: AtomicBool::new(false) })) as jlong)
        },
    )
}

/// Frees a model (`serfiq_destroy`); 0 is a no-op. No call on it may be running.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeDestroy<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    boundary(
        &mut env,
        (),
        || {},
        |_| {
            if handle != 0 {
                // SAFETY: the handle came from nativeCreate and is destroyed once, with
                // no call in flight (QualityModel's write lock).
                drop(unsafe { Box::from_raw(handle as *mut Handle) });
            }
            Ok(())
        },
    )
}

/// Number of floats in one embedding.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeEmbeddingSize<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jint {
    with_model(&mut env, handle, 0, |_, m| {
        jint::try_from(m.embedding_size()).map_err(|_| fail(SERFIQ_ERR_INTERNAL, "embedding size overflows an int"))
    })
}

/// `{width, height}` of an aligned input.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeInputSize<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jintArray {
    with_model(&mut env, handle, std::ptr::null_mut(), |env, m| {
        let (w, h) = m.input_size();
        let arr: JIntArray = env.new_int_array(2)?;
        env.set_int_array_region(&arr, 0, &[w as jint, h as jint])?;
        Ok(arr.into_raw())
    })
}

/// `{s, q}` of one face. `pixels`: byte[] or direct ByteBuffer; the image
/// starts at `offset` and lies within `length` bytes (-1: to the end);
/// `stride` 0 = packed; `landmarks` null (aligned crop) or 10 floats.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeScore<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels: JObject<'local>,
    width: jint,
    height: jint,
    stride: jint,
    format: jint,
    offset: jint,
    length: jint,
    landmarks: JFloatArray<'local>,
) -> jfloatArray {
    with_model(&mut env, handle, std::ptr::null_mut(), |env, m| {
        let out = run_one(env, m, &pixels, width, height, stride, format, offset, length, &landmarks, Want::Score)?;
        float_array(env, &[out.qualities[0].s, out.qualities[0].q])
    })
}

/// The embedding of one face; arguments as for `nativeScore`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeEmbed<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels: JObject<'local>,
    width: jint,
    height: jint,
    stride: jint,
    format: jint,
    offset: jint,
    length: jint,
    landmarks: JFloatArray<'local>,
) -> jfloatArray {
    with_model(&mut env, handle, std::ptr::null_mut(), |env, m| {
        let out = run_one(env, m, &pixels, width, height, stride, format, offset, length, &landmarks, Want::Embedding)?;
        float_array(env, &out.embeddings)
    })
}

/// `{s, q, embedding...}` of one face from one inference; arguments as for `nativeScore`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeScoreEmbed<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels: JObject<'local>,
    width: jint,
    height: jint,
    stride: jint,
    format: jint,
    offset: jint,
    length: jint,
    landmarks: JFloatArray<'local>,
) -> jfloatArray {
    with_model(&mut env, handle, std::ptr::null_mut(), |env, m| {
        let out = run_one(env, m, &pixels, width, height, stride, format, offset, length, &landmarks, Want::Both)?;
        let mut values = Vec::with_capacity(2 + out.embeddings.len());
        values.extend([out.qualities[0].s, out.qualities[0].q]);
        values.extend(&out.embeddings);
        float_array(env, &values)
    })
}

/// Scores a batch. `pixels[i]`: byte[] or direct ByteBuffer; `shapes`: 6 ints
/// per image (width, height, stride, format, offset, length); `landmarks`: null
/// (all aligned) or one entry per image, each null or 10 floats. Returns
/// `{s0, q0, s1, q1, ...}` followed, when `embeddings`, by the embeddings row-major.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeScoreBatch<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels_in: JObjectArray<'local>,
    shapes: JIntArray<'local>,
    landmarks_in: JObjectArray<'local>,
    embeddings: jboolean,
) -> jfloatArray {
    with_model(&mut env, handle, std::ptr::null_mut(), |env, m| {
        if pixels_in.is_null() {
            return Err(fail(SERFIQ_ERR_NULL_ARGUMENT, "the pixels array is null"));
        }
        if shapes.is_null() {
            return Err(fail(SERFIQ_ERR_NULL_ARGUMENT, "the shapes array is null"));
        }
        let count = env.get_array_length(&pixels_in)? as usize;
        if count == 0 || count > SERFIQ_MAX_BATCH {
            return Err(fail(
                SERFIQ_ERR_INVALID_ARGUMENT,
                format!("batch size must be in 1..={SERFIQ_MAX_BATCH}, got {count}"),
            ));
        }
        let n_shapes = env.get_array_length(&shapes)? as usize;
        if n_shapes != count * SHAPE_INTS {
            return Err(fail(
                SERFIQ_ERR_INVALID_ARGUMENT,
                format!("shapes has {n_shapes} ints, expected {} ({SHAPE_INTS} per image)", count * SHAPE_INTS),
            ));
        }
        if !landmarks_in.is_null() {
            let n = env.get_array_length(&landmarks_in)? as usize;
            if n != count {
                return Err(fail(
                    SERFIQ_ERR_INVALID_LANDMARKS,
                    format!("landmarks has {n} entries for {count} images"),
                ));
            }
        }
        let mut dims = vec![0 as jint; count * SHAPE_INTS];
        env.get_int_array_region(&shapes, 0, &mut dims)?;
        // Local references to direct buffers stay held until the call returns, so
        // their memory stays reachable while the model reads it.
        env.ensure_local_capacity(count as jint + 16)?;
        let mut held = Vec::with_capacity(count);
        let mut data = Vec::with_capacity(count);
        let mut found = Vec::with_capacity(count);
        for i in 0..count {
            let d = &dims[i * SHAPE_INTS..(i + 1) * SHAPE_INTS];
            let sh = shape(d[0], d[1], d[2], d[3], i)?;
            let obj = env.get_object_array_element(&pixels_in, i as jint)?;
            let px = pixels(env, &obj, &sh, d[4], d[5], i)?;
            if let Pixels::Owned(_) = px {
                env.delete_local_ref(obj)?;
            } else {
                held.push(obj);
            }
            let lm = if landmarks_in.is_null() {
                None
            } else {
                let arr = JFloatArray::from(env.get_object_array_element(&landmarks_in, i as jint)?);
                let lm = landmarks(env, &arr, i)?;
                env.delete_local_ref(arr)?;
                lm
            };
            data.push((px, sh));
            found.push(lm);
        }
        let mut faces = Vec::with_capacity(count);
        for (i, ((px, sh), lm)) in data.iter().zip(found).enumerate() {
            // SAFETY: `held` keeps every direct buffer alive for this call.
            let bytes = unsafe { px.bytes() };
            let image = ImageView::new(bytes, sh.width, sh.height, sh.stride, sh.format)
                .map_err(|e| fail(SERFIQ_ERR_INVALID_IMAGE, format!("image {i}: {}", e.message)))?;
            faces.push(Face { image, landmarks: lm });
        }
        let want = if embeddings != JNI_FALSE { Want::Both } else { Want::Score };
        let out = m.run(&faces, want)?;
        drop(held);
        let mut values = Vec::with_capacity(2 * count + out.embeddings.len());
        for q in &out.qualities {
            values.extend([q.s, q.q]);
        }
        values.extend(&out.embeddings);
        float_array(env, &values)
    })
}
