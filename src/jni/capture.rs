//! The capture (camera loop) for `org.serfiq.NativeLib`, thin over
//! `bridge::capture` as `ffi::capture` is. A capture handle is a
//! `Box<bridge::capture::CaptureHandle>` as a `long`; `org.serfiq.Capture`
//! guarantees that destroy never overlaps another call on it (a lock).
//!
//! Options travel as `float[] {min_q100, max_motion, track_context,
//! min_overlap, min_similarity, jump_similarity}` and `long[] {steady_frames,
//! steady_ms, redetect_frames, redetect_ms, track_side, blocking_feedback}`.

use jni::objects::{JClass, JFloatArray, JLongArray, JObject};
use jni::sys::{jint, jlong, jobject, jobjectArray};
use jni::JNIEnv;
use serfiq_core::capture::TrackedFace;
use serfiq_core::{AssessedFace, CaptureOptions};

use super::assess::assessed;
use super::exports::floats;
use super::images::image_method;
use super::{entry, fail, finish, handle, non_null};
use crate::bridge::capture::{self as bridge_capture, state_code, CaptureHandle};
use crate::bridge::{self, guard, Failure, Outcome, Poison};
use crate::status::*;

const FLOAT_SLOTS: usize = 6;
const LONG_SLOTS: usize = 6;

fn to_arrays(o: &CaptureOptions) -> ([f32; FLOAT_SLOTS], [i64; LONG_SLOTS]) {
    (
        [o.min_q100, o.max_motion, o.track_context, o.min_overlap, o.min_similarity, o.jump_similarity],
        [
            i64::from(o.steady_frames),
            i64::from(o.steady_ms),
            i64::from(o.redetect_frames),
            i64::from(o.redetect_ms),
            i64::from(o.track_side),
            o.blocking_feedback as i64,
        ],
    )
}

/// A u32 option from its long slot; out of range is the caller's mistake, named.
fn u32_slot(v: i64, name: &str) -> Outcome<u32> {
    u32::try_from(v).map_err(|_| Failure::new(SERFIQ_ERR_INVALID_ARGUMENT, format!("{name} is {v}, not 0..2^32-1")))
}

fn from_arrays(env: &mut JNIEnv, f: &JFloatArray, l: &JLongArray) -> Outcome<CaptureOptions> {
    let (mut fs, mut ls) = ([0f32; FLOAT_SLOTS], [0i64; LONG_SLOTS]);
    non_null(f, "float options")?;
    non_null(l, "long options")?;
    if env.get_array_length(f)? as usize != FLOAT_SLOTS || env.get_array_length(l)? as usize != LONG_SLOTS {
        return fail(SERFIQ_ERR_INVALID_ARGUMENT, "capture options: wrong number of slots");
    }
    env.get_float_array_region(f, 0, &mut fs)?;
    env.get_long_array_region(l, 0, &mut ls)?;
    Ok(CaptureOptions {
        min_q100: fs[0],
        max_motion: fs[1],
        track_context: fs[2],
        min_overlap: fs[3],
        min_similarity: fs[4],
        jump_similarity: fs[5],
        steady_frames: u32_slot(ls[0], "steadyFrames")?,
        steady_ms: u32_slot(ls[1], "steadyMs")?,
        redetect_frames: u32_slot(ls[2], "redetectFrames")?,
        redetect_ms: u32_slot(ls[3], "redetectMs")?,
        track_side: u32_slot(ls[4], "trackSide")?,
        blocking_feedback: ls[5] as u64,
    })
}

/// A Java `Object[]` of the given elements.
fn objects<'local>(env: &mut JNIEnv<'local>, items: Vec<JObject<'local>>) -> Outcome<jobjectArray> {
    let out = env.new_object_array(items.len() as i32, "java/lang/Object", JObject::null())?;
    for (i, item) in items.into_iter().enumerate() {
        env.set_object_array_element(&out, i as i32, item)?;
    }
    Ok(out.into_raw())
}

fn longs<'local>(env: &mut JNIEnv<'local>, values: &[i64]) -> Outcome<JObject<'local>> {
    let arr = env.new_long_array(values.len() as i32)?;
    env.set_long_array_region(&arr, 0, values)?;
    Ok(arr.into())
}

/// A tracked face in the layout of `assess::assessed` (one row).
fn face_rows<'local>(env: &mut JNIEnv<'local>, faces: &[&TrackedFace]) -> Outcome<JObject<'local>> {
    let rows: Vec<AssessedFace> = faces
        .iter()
        .map(|t| AssessedFace {
            quality: t.quality,
            detection: Some(t.detection),
            bbox: t.detection.bbox,
            landmarks: t.detection.landmarks,
            measured_landmarks: t.detection.landmarks,
            components: t.components,
        })
        .collect();
    // SAFETY: `assessed` returns a fresh local reference of this call.
    Ok(unsafe { JObject::from_raw(assessed(env, &rows)?) })
}

/// The capture behind a `long` from `nativeCaptureCreate`; 0 is NULL_ARGUMENT, a panic poisons it.
fn on_capture<'local, R>(
    env: &mut JNIEnv<'local>,
    raw: jlong,
    fallback: R,
    body: impl FnOnce(&mut JNIEnv<'local>, &CaptureHandle) -> Outcome<R>,
) -> R {
    // SAFETY: Capture's contract: a non-zero handle came from nativeCaptureCreate
    // and is not destroyed while a call on it runs (its lock).
    let h = (raw != 0).then(|| unsafe { &*(raw as *const CaptureHandle) });
    let out = guard(h.map(|h| h as &dyn Poison), || {
        let h =
            h.ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "capture handle is 0 (the capture is closed)"))?;
        body(env, h)
    });
    finish(env, out, fallback)
}

/// `serfiq_capture_options_init`: `{float[], long[]}` of the defaults.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeCaptureDefaults<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let (f, l) = to_arrays(&CaptureOptions::default());
        let f = floats(env, &f)?.into();
        let l = longs(env, &l)?;
        objects(env, vec![f, l])
    })
}

/// `serfiq_capture_create` over a model handle; returns the capture handle.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeCaptureCreate<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    model: jlong,
    float_options: JFloatArray<'local>,
    long_options: JLongArray<'local>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let m = handle(model)
            .ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "model handle is 0 (the model is closed)"))?;
        let options = from_arrays(env, &float_options, &long_options)?;
        let h = bridge_capture::create(m, options)?;
        Ok(Box::into_raw(Box::new(h)) as jlong)
    })
}

/// `serfiq_capture_destroy`; 0 is a no-op.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeCaptureDestroy<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    capture: jlong,
) {
    if capture == 0 {
        return;
    }
    entry(&mut env, (), |_| {
        // SAFETY: from nativeCaptureCreate, destroyed once with no call in flight (Capture's lock).
        drop(unsafe { Box::from_raw(capture as *mut CaptureHandle) });
        Ok(())
    })
}

image_method!(
    /// `serfiq_capture_push`: `{long[] {index, state, feedback, track, is_best,
    /// new_track, full_search}, float[] {motion, similarity, overlap}, face}`
    /// where face is `assess::assessed`'s layout with 0 or 1 row (NaN motion etc. without a face).
    Java_org_serfiq_NativeLib_nativeCapturePush<'local>(on_capture; timestamp_ms: jlong) -> jobjectArray,
    landmarks: &JFloatArray::default(),
    |env, h, face| {
        let f = bridge_capture::push(h, &face.image, timestamp_ms)?;
        let t = f.face.as_ref();
        let ints = [
            f.index as i64,
            i64::from(state_code(f.state)),
            f.feedback as i64,
            i64::from(t.map_or(0, |t| t.track)),
            i64::from(f.is_best),
            i64::from(f.new_track),
            i64::from(f.full_search),
        ];
        let motion = [f32::NAN; 3];
        let motion = t.map_or(motion, |t| [t.motion, t.similarity, t.overlap]);
        let a = longs(env, &ints)?;
        let b = floats(env, &motion)?.into();
        let c = face_rows(env, &t.into_iter().collect::<Vec<_>>())?;
        objects(env, vec![a, b, c])
    }
);

/// `serfiq_capture_best`: null when there is none, else `{long[] {index,
/// timestamp_ms, state, feedback, track}, face (one row), byte[] crop, float[] embedding}`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeCaptureBest<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    capture: jlong,
    crop_format: jint,
) -> jobject {
    on_capture(&mut env, capture, std::ptr::null_mut(), |env, h| {
        let bgr = bridge::crop_is_bgr(u32::try_from(crop_format).unwrap_or(u32::MAX))?;
        let Some(b) = bridge_capture::best(h)? else {
            return Ok(std::ptr::null_mut());
        };
        let ints = [
            b.index as i64,
            b.timestamp_ms,
            i64::from(state_code(b.state)),
            b.feedback as i64,
            i64::from(b.face.track),
        ];
        let a = longs(env, &ints)?;
        let face = face_rows(env, &[&b.face])?;
        let crop = env.byte_array_from_slice(&bridge::crop_pixels(b.crop.rgb.clone(), bgr))?.into();
        let embedding = floats(env, &b.embedding)?.into();
        objects(env, vec![a, face, crop, embedding])
    })
}

/// `serfiq_capture_reset`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeCaptureReset<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    capture: jlong,
) {
    on_capture(&mut env, capture, (), |_, h| bridge_capture::reset(h))
}
