//! Options as three Java arrays (`String[] text`, `long[] ints`,
//! `double[] reals`) plus the model's, detector's and quality network's bytes. Each table below
//! is the one definition of its slots: name, order and conversion to and
//! from `bridge::Settings`. Java looks the slots up once by name
//! (`nativeOptionNames`), so a slot that moves or goes missing fails loudly
//! there instead of landing in the wrong field.

use jni::objects::{JByteArray, JDoubleArray, JLongArray, JObject, JObjectArray, JString};
use jni::sys::jsize;
use jni::JNIEnv;

use super::fail;
use crate::bridge::{Outcome, Settings};
use crate::status::*;

struct Text {
    name: &'static str,
    get: fn(&Settings) -> &Option<String>,
    set: fn(&mut Settings, Option<String>),
}

struct Int {
    name: &'static str,
    get: fn(&Settings) -> i64,
    /// `None`: the value does not fit the field's C type.
    set: fn(&mut Settings, i64) -> Option<()>,
}

struct Real {
    name: &'static str,
    get: fn(&Settings) -> f64,
    set: fn(&mut Settings, f64),
}

macro_rules! text {
    ($field:ident) => {
        Text { name: stringify!($field), get: |s| &s.$field, set: |s, v| s.$field = v }
    };
}

/// A `u32` field: Java's `long` must be in 0..=u32::MAX.
macro_rules! uint {
    ($field:ident) => {
        Int {
            name: stringify!($field),
            get: |s| i64::from(s.$field),
            set: |s, v| {
                s.$field = u32::try_from(v).ok()?;
                Some(())
            },
        }
    };
}

/// An `f32` field (Java passes floats, so the double is exact).
macro_rules! real32 {
    ($name:expr, $($field:tt)+) => {
        Real { name: $name, get: |s| f64::from(s.$($field)+), set: |s, v| s.$($field)+ = v as f32 }
    };
}

const TEXT: [Text; 11] = [
    text!(model_path),
    text!(ort_library_path),
    text!(embedding_layer),
    text!(model_sha256),
    text!(detector_path),
    text!(cuda_library_path),
    text!(detector_sha256),
    text!(feedback_profile),
    text!(quality_net_path),
    text!(quality_net_sha256),
    text!(quality_net_spec),
];

const INTS: [Int; 14] = [
    uint!(samples),
    // The 64 bits of the unsigned seed, as Java's signed long holds them.
    Int {
        name: "seed",
        get: |s| s.seed as i64,
        set: |s, v| {
            s.seed = v as u64;
            Some(())
        },
    },
    uint!(channel_order),
    uint!(intra_op_threads),
    uint!(max_sessions),
    uint!(face_policy),
    uint!(execution_provider),
    Int {
        name: "device_id",
        get: |s| i64::from(s.device_id),
        set: |s, v| {
            s.device_id = i32::try_from(v).ok()?;
            Some(())
        },
    },
    // Non-zero is true, as in the C struct.
    Int {
        name: "gpu_fallback",
        get: |s| i64::from(s.gpu_fallback),
        set: |s, v| {
            s.gpu_fallback = v != 0;
            Some(())
        },
    },
    // A u64 in C; Java's long must not be negative (0 is the default).
    Int {
        name: "max_model_bytes",
        get: |s| s.max_model_bytes as i64,
        set: |s, v| {
            s.max_model_bytes = u64::try_from(v).ok()?;
            Some(())
        },
    },
    uint!(search_paths),
    uint!(input_mode),
    uint!(detector_max_side),
    uint!(q100_quality),
];

const REALS: [Real; 10] = [
    real32!("dropout", dropout),
    Real { name: "alpha", get: |s| s.alpha, set: |s, v| s.alpha = v },
    Real { name: "r", get: |s| s.r, set: |s, v| s.r = v },
    real32!("mean_0", mean[0]),
    real32!("mean_1", mean[1]),
    real32!("mean_2", mean[2]),
    real32!("std_0", std[0]),
    real32!("std_1", std[1]),
    real32!("std_2", std[2]),
    real32!("detector_threshold", detector_threshold),
];

/// `{text names, int names, real names}` as a Java `String[][]`.
pub(super) fn names<'local>(env: &mut JNIEnv<'local>) -> Outcome<JObjectArray<'local>> {
    let groups: [Vec<&str>; 3] = [
        TEXT.iter().map(|t| t.name).collect(),
        INTS.iter().map(|t| t.name).collect(),
        REALS.iter().map(|t| t.name).collect(),
    ];
    let out = env.new_object_array(groups.len() as jsize, "[Ljava/lang/String;", JObject::null())?;
    for (g, names) in groups.iter().enumerate() {
        let texts: Vec<Option<String>> = names.iter().map(|n| Some(n.to_string())).collect();
        let arr = strings(env, &texts)?;
        env.set_object_array_element(&out, g as jsize, &arr)?;
        env.delete_local_ref(arr)?;
    }
    Ok(out)
}

/// A Java `String[]`, `None` as null.
fn strings<'local>(env: &mut JNIEnv<'local>, values: &[Option<String>]) -> Outcome<JObjectArray<'local>> {
    let arr = env.new_object_array(values.len() as jsize, "java/lang/String", JObject::null())?;
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            let s = env.new_string(v)?;
            env.set_object_array_element(&arr, i as jsize, &s)?;
            env.delete_local_ref(s)?;
        }
    }
    Ok(arr)
}

/// `settings` as the Java `Object[] {String[] text, long[] ints, double[] reals}`
/// (the bytes are not carried back).
pub(super) fn to_java<'local>(env: &mut JNIEnv<'local>, settings: &Settings) -> Outcome<JObjectArray<'local>> {
    let text: Vec<Option<String>> = TEXT.iter().map(|t| (t.get)(settings).clone()).collect();
    let ints: Vec<i64> = INTS.iter().map(|t| (t.get)(settings)).collect();
    let reals: Vec<f64> = REALS.iter().map(|t| (t.get)(settings)).collect();
    let out = env.new_object_array(3, "java/lang/Object", JObject::null())?;
    let text = strings(env, &text)?;
    env.set_object_array_element(&out, 0, &text)?;
    let longs = env.new_long_array(ints.len() as jsize)?;
    env.set_long_array_region(&longs, 0, &ints)?;
    env.set_object_array_element(&out, 1, &longs)?;
    let doubles = env.new_double_array(reals.len() as jsize)?;
    env.set_double_array_region(&doubles, 0, &reals)?;
    env.set_object_array_element(&out, 2, &doubles)?;
    Ok(out)
}

/// Fails unless `arr` is non-null with exactly `want` elements.
fn check_len<'a>(env: &JNIEnv, arr: &impl jni::objects::AsJArrayRaw<'a>, what: &str, want: usize) -> Outcome {
    if arr.as_jarray_raw().is_null() {
        return fail(SERFIQ_ERR_NULL_ARGUMENT, format!("the {what} options array is null"));
    }
    let len = env.get_array_length(arr)?;
    if len as usize != want {
        return fail(
            SERFIQ_ERR_INVALID_ARGUMENT,
            format!("the {what} options array has {len} slots, this library has {want} (see nativeOptionNames)"),
        );
    }
    Ok(())
}

/// Settings from the Java arrays: the defaults, each slot overwritten by
/// Java's value (every slot is given). Values are checked by the bridge and
/// `Model::new`; here only that each fits its C type.
pub(super) fn from_java(
    env: &mut JNIEnv,
    text: &JObjectArray,
    ints: &JLongArray,
    reals: &JDoubleArray,
    [model_bytes, detector_bytes, quality_net_bytes]: [&JByteArray; 3],
) -> Outcome<Settings> {
    check_len(env, text, "text", TEXT.len())?;
    check_len(env, ints, "ints", INTS.len())?;
    check_len(env, reals, "reals", REALS.len())?;
    let mut s = Settings::default();
    for (i, slot) in TEXT.iter().enumerate() {
        let obj = env.get_object_array_element(text, i as jsize)?;
        let value = if obj.is_null() { None } else { Some(env.get_string(&JString::from(obj))?.into()) };
        (slot.set)(&mut s, value);
    }
    let mut longs = [0i64; INTS.len()];
    env.get_long_array_region(ints, 0, &mut longs)?;
    for (slot, &v) in INTS.iter().zip(&longs) {
        (slot.set)(&mut s, v).ok_or_else(|| {
            crate::bridge::Failure::new(
                SERFIQ_ERR_INVALID_ARGUMENT,
                format!("option {} is {v}: out of range for its C type", slot.name),
            )
        })?;
    }
    let mut doubles = [0f64; REALS.len()];
    env.get_double_array_region(reals, 0, &mut doubles)?;
    for (slot, &v) in REALS.iter().zip(&doubles) {
        (slot.set)(&mut s, v);
    }
    let bytes = |env: &mut JNIEnv, arr: &JByteArray| -> Outcome<Option<Vec<u8>>> {
        Ok(if arr.is_null() { None } else { Some(env.convert_byte_array(arr)?) })
    };
    s.model_data = bytes(env, model_bytes)?;
    s.detector_data = bytes(env, detector_bytes)?;
    s.quality_net_data = bytes(env, quality_net_bytes)?;
    Ok(s)
}
