//! Components and feedback for `org.serfiq.NativeLib`: the core's tables
//! (names, units, messages, read once by Java) and the assessed faces as
//! arrays, one row per face, so a new component needs no change here.

use jni::objects::{JClass, JFloatArray, JObject, JObjectArray};
use jni::sys::{jobjectArray, jsize};
use jni::JNIEnv;
use serfiq_core::{AssessedFace, Component, Feedback};

use super::exports::{floats, QUALITY_FLOATS};
use super::images::image_method;
use super::{entry, on_model};
use crate::bridge::Outcome;

/// Floats per face in the assess results: box[4], landmarks[10], confidence,
/// then the quality (as `nativeDetectScore`). A face not found by the
/// detector has the aligned crop's extent as its box and confidence 0
/// (as `serfiq_assess` gives them).
const FACE_FLOATS: usize = 15 + QUALITY_FLOATS;

/// A Java `String[]`.
fn strings<'local>(env: &mut JNIEnv<'local>, values: &[&str]) -> Outcome<JObjectArray<'local>> {
    let arr = env.new_object_array(values.len() as jsize, "java/lang/String", JObject::null())?;
    for (i, v) in values.iter().enumerate() {
        let s = env.new_string(v)?;
        env.set_object_array_element(&arr, i as jsize, &s)?;
        env.delete_local_ref(s)?;
    }
    Ok(arr)
}

/// `String[][] {first, second}`.
fn pair<'local>(env: &mut JNIEnv<'local>, first: &[&str], second: &[&str]) -> Outcome<jobjectArray> {
    let out = env.new_object_array(2, "[Ljava/lang/String;", JObject::null())?;
    for (i, values) in [first, second].into_iter().enumerate() {
        let arr = strings(env, values)?;
        env.set_object_array_element(&out, i as jsize, &arr)?;
        env.delete_local_ref(arr)?;
    }
    Ok(out.into_raw())
}

/// `serfiq_component_name` / `_unit` of every id: `{names, units}`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeComponents<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let names: Vec<&str> = Component::ALL.iter().map(|c| c.name()).collect();
        let units: Vec<&str> = Component::ALL.iter().map(|c| c.unit()).collect();
        pair(env, &names, &units)
    })
}

/// `serfiq_feedback_name` / `_message` of every code: `{names, messages}`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeFeedback<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let names: Vec<&str> = Feedback::ALL.iter().map(|f| f.name()).collect();
        let messages: Vec<&str> = Feedback::ALL.iter().map(|f| f.message()).collect();
        pair(env, &names, &messages)
    })
}

/// Faces as `{float[] faces, long[] feedback, float[] raw, float[] value}`:
/// `FACE_FLOATS` per face, one feedback set per face, and
/// `Component::ALL.len()` raw and 0..100 values per face (NaN: not assessed).
pub(super) fn assessed<'local>(env: &mut JNIEnv<'local>, found: &[AssessedFace]) -> Outcome<jobjectArray> {
    let n = Component::ALL.len();
    let (mut faces, mut bits, mut raw, mut value) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for a in found {
        faces.extend(a.bbox);
        faces.extend(a.landmarks.iter().flatten());
        faces.push(a.detection.map_or(0.0, |d| d.confidence));
        faces.extend(super::exports::quality_floats(&a.quality));
        bits.push(a.components.feedback as i64);
        raw.extend(&a.components.raw[..n]);
        value.extend(&a.components.value[..n]);
    }
    debug_assert_eq!(faces.len(), found.len() * FACE_FLOATS);
    let out = env.new_object_array(4, "java/lang/Object", JObject::null())?;
    let f = floats(env, &faces)?;
    env.set_object_array_element(&out, 0, f)?;
    let b = env.new_long_array(bits.len() as jsize)?;
    env.set_long_array_region(&b, 0, &bits)?;
    env.set_object_array_element(&out, 1, b)?;
    let r = floats(env, &raw)?;
    env.set_object_array_element(&out, 2, r)?;
    let v = floats(env, &value)?;
    env.set_object_array_element(&out, 3, v)?;
    Ok(out.into_raw())
}

image_method!(
    /// `serfiq_assess`: one face (arguments as for `nativeScore`), in the layout of `assessed`.
    Java_org_serfiq_NativeLib_nativeAssess<'local>(on_model; landmarks: JFloatArray<'local>) -> jobjectArray,
    landmarks: &landmarks,
    |env, m, face| assessed(env, &[m.assess(&face)?])
);

image_method!(
    /// `serfiq_detect_assess`: every face of one image (arguments as for
    /// `nativeDetectScore`, without embeddings), in the layout of `assessed`.
    Java_org_serfiq_NativeLib_nativeDetectAssess<'local>(on_model;) -> jobjectArray,
    landmarks: &JFloatArray::default(),
    |env, m, face| assessed(env, &m.detect_assess(&face.image)?)
);
