//! Images and landmarks from Java: pixels in a `byte[]` (the bytes the image
//! needs are copied out, so no GC pinning or critical region spans an
//! inference) or a direct `java.nio.ByteBuffer` (read in place: its address
//! and capacity come from the JVM, never from Java arguments, and every
//! access is checked against them). The shape checks are the bridge's.

use jni::objects::{JByteArray, JByteBuffer, JFloatArray, JIntArray, JObject, JObjectArray};
use jni::sys::{jint, jsize};
use jni::JNIEnv;
use serfiq_core::{Face, Landmarks};

use super::{fail, non_null};
use crate::bridge::{self, Outcome, Shape};
use crate::ffi::{SERFIQ_LANDMARK_FLOATS, SERFIQ_MAX_BATCH};
use crate::status::*;

/// Ints per image in a batch's `shapes`: width, height, stride, format, offset, length.
pub(super) const SHAPE_INTS: usize = 6;

/// An image's description from Java ints, as `Shape::new` checks a C image.
pub(super) fn shape(width: jint, height: jint, stride: jint, format: jint, index: usize) -> Outcome<Shape> {
    let (Ok(w), Ok(h), Ok(s)) = (u32::try_from(width), u32::try_from(height), usize::try_from(stride)) else {
        return fail(
            SERFIQ_ERR_INVALID_IMAGE,
            format!("image {index}: width {width}, height {height} and stride {stride} must not be negative"),
        );
    };
    let Ok(format) = u32::try_from(format) else {
        return fail(SERFIQ_ERR_INVALID_IMAGE, format!("image {index}: unknown pixel format {format}"));
    };
    Shape::new(w, h, s, format, index)
}

/// The pixels of one image: copied out of a `byte[]`, or borrowed from a direct buffer.
pub(super) enum Pixels {
    Owned(Vec<u8>),
    /// Address and length inside a direct buffer that the caller keeps
    /// reachable (a local reference held for the whole call).
    Direct(*const u8, usize),
}

impl Pixels {
    /// # Safety
    /// For `Direct`, the buffer must stay alive and mapped while the slice is used.
    pub(super) unsafe fn bytes(&self) -> &[u8] {
        match self {
            Pixels::Owned(v) => v,
            // SAFETY: address and length were checked against the buffer's capacity.
            Pixels::Direct(p, n) => unsafe { std::slice::from_raw_parts(*p, *n) },
        }
    }
}

/// The region [offset, offset + length) of a container of `total` bytes;
/// length -1 means "to the end". It must hold the `need` bytes of the image.
fn region(total: usize, offset: jint, length: jint, need: usize, what: &str, index: usize) -> Outcome<usize> {
    let Some(start) = usize::try_from(offset).ok().filter(|&o| o <= total) else {
        return fail(
            SERFIQ_ERR_INVALID_ARGUMENT,
            format!("image {index}: offset {offset} is outside the {total} bytes of {what}"),
        );
    };
    let available = match length {
        -1 => total - start,
        n => match usize::try_from(n).ok().filter(|&n| n <= total - start) {
            Some(n) => n,
            None => {
                return fail(
                    SERFIQ_ERR_INVALID_ARGUMENT,
                    format!("image {index}: length {length} from offset {offset} exceeds the {total} bytes of {what}"),
                )
            }
        },
    };
    if available < need {
        return fail(
            SERFIQ_ERR_INVALID_IMAGE,
            format!("image {index}: {what} has {available} bytes from offset {offset}, the image needs {need}"),
        );
    }
    Ok(start)
}

/// The image bytes in `obj`: a `byte[]` or a direct `ByteBuffer`.
pub(super) fn pixels(
    env: &mut JNIEnv,
    obj: &JObject,
    shape: &Shape,
    offset: jint,
    length: jint,
    index: usize,
) -> Outcome<Pixels> {
    let obj = non_null(obj, &format!("image {index}: pixels"))?;
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
                return fail(
                    SERFIQ_ERR_INVALID_ARGUMENT,
                    format!("image {index}: the ByteBuffer is not direct; use ByteBuffer.allocateDirect or a byte[]"),
                )
            }
        };
        let start = region(total, offset, length, shape.need, "the ByteBuffer", index)?;
        // SAFETY: start + need <= capacity, so the range lies inside the buffer.
        return Ok(Pixels::Direct(unsafe { addr.add(start) }.cast_const(), shape.need));
    }
    fail(SERFIQ_ERR_INVALID_ARGUMENT, format!("image {index}: pixels must be a byte[] or a direct ByteBuffer"))
}

/// Optional landmarks: null, or exactly 10 floats (x, y of 5 points).
pub(super) fn landmarks(env: &mut JNIEnv, arr: &JFloatArray, index: usize) -> Outcome<Option<Landmarks>> {
    if arr.is_null() {
        return Ok(None);
    }
    let len = env.get_array_length(arr)?;
    if len as usize != SERFIQ_LANDMARK_FLOATS {
        return fail(
            SERFIQ_ERR_INVALID_LANDMARKS,
            format!("image {index}: landmarks has {len} floats, expected {SERFIQ_LANDMARK_FLOATS}"),
        );
    }
    let mut f = [0f32; SERFIQ_LANDMARK_FLOATS];
    env.get_float_array_region(arr, 0, &mut f)?;
    Ok(Some(bridge::landmarks(&f)))
}

/// One image of a call, read from Java: its pixels, shape and landmarks.
pub(super) struct Input {
    pixels: Pixels,
    shape: Shape,
    landmarks: Option<Landmarks>,
}

impl Input {
    /// # Safety
    /// The direct buffer behind `pixels`, if any, must stay reachable while the face is used.
    pub(super) unsafe fn face(&self, index: usize) -> Outcome<Face<'_>> {
        // SAFETY: the caller's contract.
        let data = unsafe { self.pixels.bytes() };
        Ok(Face { image: bridge::view(data, &self.shape, index)?, landmarks: self.landmarks })
    }
}

/// A single-image call's input. The caller holds `obj` (a local reference of
/// the call), which keeps a direct buffer reachable.
#[allow(clippy::too_many_arguments)]
pub(super) fn single(
    env: &mut JNIEnv,
    obj: &JObject,
    width: jint,
    height: jint,
    stride: jint,
    format: jint,
    offset: jint,
    length: jint,
    landmarks_in: &JFloatArray,
) -> Outcome<Input> {
    let shape = unnumbered(shape(width, height, stride, format, 0))?;
    let pixels = unnumbered(pixels(env, obj, &shape, offset, length, 0))?;
    Ok(Input { pixels, shape, landmarks: unnumbered(landmarks(env, landmarks_in, 0))? })
}

/// A native method over one image. Its Java arguments are the handle, then
/// `pixels` (a byte[] or direct ByteBuffer, from `offset`, within `length`
/// bytes, -1: to the end), `width`, `height`, `stride` (0 = packed) and
/// `format`, then the method's own. `$on` (`on_model` or `on_capture`) runs
/// `let $first = ...;` if given, reads the image as `single` does (with the
/// landmarks `$landmarks`, a `&JFloatArray`: null for none), and hands the
/// body the face; a failure throws and the method returns null.
macro_rules! image_method {
    (
        $(#[$doc:meta])*
        $name:ident<$lt:lifetime>($on:ident; $($arg:ident: $ty:ty),*) -> $ret:ty,
        landmarks: $landmarks:expr,
        $(first: let $first:ident = $check:expr;)?
        |$env:ident, $target:ident, $face:ident| $body:expr
    ) => {
        $(#[$doc])*
        #[no_mangle]
        #[allow(clippy::too_many_arguments)]
        pub extern "system" fn $name<$lt>(
            mut env: ::jni::JNIEnv<$lt>,
            _class: ::jni::objects::JClass<$lt>,
            handle: ::jni::sys::jlong,
            pixels: ::jni::objects::JObject<$lt>,
            width: ::jni::sys::jint,
            height: ::jni::sys::jint,
            stride: ::jni::sys::jint,
            format: ::jni::sys::jint,
            offset: ::jni::sys::jint,
            length: ::jni::sys::jint,
            $($arg: $ty),*
        ) -> $ret {
            $on(&mut env, handle, std::ptr::null_mut(), |$env, $target| {
                $(let $first = $check;)?
                let input = $crate::jni::images::single(
                    $env, &pixels, width, height, stride, format, offset, length, $landmarks,
                )?;
                // SAFETY: `pixels`, an argument of this call, keeps a direct buffer reachable until it returns.
                let $face = $crate::jni::images::unnumbered(unsafe { input.face(0) })?;
                $body
            })
        }
    };
}
pub(super) use image_method;

/// A single-image call's outcome without the "image 0: " that names an
/// image in a batch (the checks are shared with batches).
pub(super) fn unnumbered<T>(r: Outcome<T>) -> Outcome<T> {
    r.map_err(|mut f| {
        if let Some(rest) = f.message.strip_prefix("image 0: ") {
            f.message = rest.to_string();
        }
        f
    })
}

/// A batch read from Java: every image on its own (`Err` for one that cannot
/// be read), and the local references that keep direct buffers reachable
/// until it is dropped.
pub(super) struct Batch<'local> {
    pub inputs: Vec<Outcome<Input>>,
    _held: Vec<JObject<'local>>,
}

/// Reads `pixels[i]`, 6 ints per image in `shapes` and `landmarks` (null, or
/// one entry per image, each null or 10 floats). A failure of the call as a
/// whole (null or mismatched arrays, a bad count, a pending Java exception)
/// is the outer `Err`; an unusable image is its own entry's.
pub(super) fn batch<'local>(
    env: &mut JNIEnv<'local>,
    pixels_in: &JObjectArray,
    shapes: &JIntArray,
    landmarks_in: &JObjectArray,
) -> Outcome<Batch<'local>> {
    non_null(pixels_in, "the pixels array")?;
    non_null(shapes, "the shapes array")?;
    let count = env.get_array_length(pixels_in)? as usize;
    // Checked before anything is allocated for `count` images.
    if count == 0 || count > SERFIQ_MAX_BATCH {
        return fail(SERFIQ_ERR_INVALID_ARGUMENT, format!("batch size must be in 1..={SERFIQ_MAX_BATCH}, got {count}"));
    }
    let n_shapes = env.get_array_length(shapes)? as usize;
    if n_shapes != count * SHAPE_INTS {
        return fail(
            SERFIQ_ERR_INVALID_ARGUMENT,
            format!("shapes has {n_shapes} ints, expected {} ({SHAPE_INTS} per image)", count * SHAPE_INTS),
        );
    }
    if !landmarks_in.is_null() {
        let n = env.get_array_length(landmarks_in)? as usize;
        if n != count {
            return fail(SERFIQ_ERR_INVALID_LANDMARKS, format!("landmarks has {n} entries for {count} images"));
        }
    }
    let mut dims = vec![0 as jint; count * SHAPE_INTS];
    env.get_int_array_region(shapes, 0, &mut dims)?;
    env.ensure_local_capacity(count as jint + 16)?;
    let mut held = Vec::with_capacity(count);
    let mut inputs = Vec::with_capacity(count);
    for (i, d) in dims.chunks_exact(SHAPE_INTS).enumerate() {
        let obj = env.get_object_array_element(pixels_in, i as jsize)?;
        let lm = if landmarks_in.is_null() {
            JFloatArray::default()
        } else {
            JFloatArray::from(env.get_object_array_element(landmarks_in, i as jsize)?)
        };
        let input = (|| {
            let shape = shape(d[0], d[1], d[2], d[3], i)?;
            let pixels = pixels(env, &obj, &shape, d[4], d[5], i)?;
            Ok(Input { pixels, shape, landmarks: landmarks(env, &lm, i)? })
        })();
        // A JNI failure leaves an exception pending: that ends the call, not just this image.
        let input = match input {
            Err(f) if env.exception_check()? => return Err(f),
            other => other,
        };
        if !lm.is_null() {
            env.delete_local_ref(lm)?;
        }
        match &input {
            Ok(Input { pixels: Pixels::Direct(..), .. }) => held.push(obj),
            _ => env.delete_local_ref(obj)?,
        }
        inputs.push(input);
    }
    Ok(Batch { inputs, _held: held })
}
