//! The native methods of `org.serfiq.NativeLib`. Each maps its Java arguments
//! to the bridge and the core, and its results to Java arrays; see
//! NativeLib.java for the layouts.

use jni::objects::{JByteArray, JClass, JDoubleArray, JFloatArray, JIntArray, JLongArray, JObject, JObjectArray};
use jni::sys::{jboolean, jbyteArray, jfloatArray, jint, jintArray, jlong, jobjectArray, jsize, jstring, JNI_FALSE};
use jni::JNIEnv;
use serfiq_core::{Face, Model, Want};

use super::images::{self, image_method};
use super::{entry, fail, on_model, options, JNI_VERSION};
use crate::bridge::{self, Failure, Handle, Outcome, Settings};
use crate::ffi::SERFIQ_ABI_VERSION;
use crate::status::*;

/// Floats per face in `nativeDetectScore`: box[4], landmarks[10], confidence, s, q
/// (the fields of `serfiq_face`, in order).
const FACE_FLOATS: usize = 15 + QUALITY_FLOATS;
/// Floats per quality in every result: s, q, n, f, q100, l.
pub(super) const QUALITY_FLOATS: usize = 6;

pub(super) fn quality_floats(q: &serfiq_core::Quality) -> [f32; QUALITY_FLOATS] {
    [q.s, q.q, q.n, q.f, q.q100, q.l]
}

pub(super) fn floats<'local>(env: &mut JNIEnv<'local>, values: &[f32]) -> Outcome<JFloatArray<'local>> {
    let len = jsize::try_from(values.len()).map_err(|_| {
        Failure::new(SERFIQ_ERR_INVALID_ARGUMENT, format!("a result of {} floats is too large for Java", values.len()))
    })?;
    let arr = env.new_float_array(len)?;
    env.set_float_array_region(&arr, 0, values)?;
    Ok(arr)
}

fn want(embeddings: jboolean) -> Want {
    if embeddings != JNI_FALSE {
        Want::Both
    } else {
        Want::Score
    }
}

/// `JNI_VERSION`: checked by the Java loader before any other call. Its
/// signature never changes.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeJniVersion(_env: JNIEnv, _class: JClass) -> jint {
    JNI_VERSION
}

/// `SERFIQ_ABI_VERSION` of this library. Its signature never changes.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeAbiVersion(_env: JNIEnv, _class: JClass) -> jint {
    SERFIQ_ABI_VERSION as jint
}

/// `serfiq_version()`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeVersion<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| Ok(env.new_string(bridge::VERSION)?.into_raw()))
}

/// `serfiq_live_models()`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeLiveModels(_env: JNIEnv, _class: JClass) -> jlong {
    bridge::live_models() as jlong
}

/// The option slots' names: `{text, ints, reals}`, each in slot order.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeOptionNames<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| Ok(options::names(env)?.into_raw()))
}

/// The default options (`serfiq_options_init`) as `{String[], long[], double[]}`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeDefaults<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| Ok(options::to_java(env, &Settings::default())?.into_raw()))
}

/// `serfiq_create`: the options as three slot arrays plus the model's, the
/// detector's and the quality network's bytes (null for none; a path wins
/// over bytes). Returns the handle.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeCreate<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    text: JObjectArray<'local>,
    ints: JLongArray<'local>,
    reals: JDoubleArray<'local>,
    model_bytes: JByteArray<'local>,
    detector_bytes: JByteArray<'local>,
    quality_net_bytes: JByteArray<'local>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let bytes = [&model_bytes, &detector_bytes, &quality_net_bytes];
        let settings = options::from_java(env, &text, &ints, &reals, bytes)?;
        let handle = Handle::new(Model::new(&settings.into_options()?)?);
        Ok(Box::into_raw(Box::new(handle)) as jlong)
    })
}

/// `serfiq_destroy`; 0 is a no-op. No call on the model may be running.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeDestroy<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, (), |_| {
        if handle != 0 {
            // SAFETY: the handle came from nativeCreate and is destroyed once,
            // with no call in flight (QualityModel's write lock).
            drop(unsafe { Box::from_raw(handle as *mut Handle) });
        }
        Ok(())
    })
}

/// `serfiq_get_options`, in the layout of `nativeDefaults`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeOptions<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jobjectArray {
    on_model(&mut env, handle, std::ptr::null_mut(), |env, m| Ok(options::to_java(env, &Settings::of(m))?.into_raw()))
}

/// `serfiq_embedding_size`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeEmbeddingSize<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jint {
    on_model(&mut env, handle, 0, |_, m| {
        jint::try_from(m.embedding_size()).or_else(|_| fail(SERFIQ_ERR_INTERNAL, "the embedding size overflows an int"))
    })
}

/// `serfiq_input_size` as `{width, height}`.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeInputSize<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jintArray {
    on_model(&mut env, handle, std::ptr::null_mut(), |env, m| {
        let (w, h) = m.input_size();
        let arr = env.new_int_array(2)?;
        env.set_int_array_region(&arr, 0, &[w as jint, h as jint])?;
        Ok(arr.into_raw())
    })
}

/// `serfiq_get_execution_provider`: a `SERFIQ_PROVIDER_*` code.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeExecutionProvider<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jint {
    on_model(&mut env, handle, 0, |_, m| Ok(bridge::provider_code(m.provider()) as jint))
}

image_method!(
    /// `serfiq_score`: `{s, q, n, f, q100, l}`.
    Java_org_serfiq_NativeLib_nativeScore<'local>(on_model; landmarks: JFloatArray<'local>) -> jfloatArray,
    landmarks: &landmarks,
    |env, m, face| Ok(floats(env, &quality_floats(&m.score(&face)?))?.into_raw())
);

image_method!(
    /// `serfiq_embed`: the embedding.
    Java_org_serfiq_NativeLib_nativeEmbed<'local>(on_model; landmarks: JFloatArray<'local>) -> jfloatArray,
    landmarks: &landmarks,
    |env, m, face| Ok(floats(env, &m.embed(&face)?)?.into_raw())
);

image_method!(
    /// `serfiq_score_embed`: `{s, q, n, f, q100, l, embedding...}` from one inference.
    Java_org_serfiq_NativeLib_nativeScoreEmbed<'local>(on_model; landmarks: JFloatArray<'local>) -> jfloatArray,
    landmarks: &landmarks,
    |env, m, face| {
        let (q, e) = m.score_embed(&face)?;
        let mut values = Vec::with_capacity(QUALITY_FLOATS + e.len());
        values.extend(quality_floats(&q));
        values.extend(e);
        Ok(floats(env, &values)?.into_raw())
    }
);

/// `serfiq_score_batch`, all or nothing. `pixels[i]`: byte[] or direct
/// ByteBuffer; `shapes`: 6 ints per image (width, height, stride, format,
/// offset, length); `landmarks`: null or one entry per image (null or 10
/// floats). Returns `QUALITY_FLOATS` per image (s, q, n, f, q100, l) followed, when `embeddings`, by
/// the embeddings row-major.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeScoreBatch<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels: JObjectArray<'local>,
    shapes: JIntArray<'local>,
    landmarks: JObjectArray<'local>,
    embeddings: jboolean,
) -> jfloatArray {
    on_model(&mut env, handle, std::ptr::null_mut(), |env, m| {
        let batch = images::batch(env, &pixels, &shapes, &landmarks)?;
        let mut faces = Vec::with_capacity(batch.inputs.len());
        for (i, input) in batch.inputs.iter().enumerate() {
            let input = input.as_ref().map_err(Clone::clone)?;
            // SAFETY: `batch` holds every direct buffer until it is dropped.
            faces.push(unsafe { input.face(i) }?);
        }
        let out = m.run(&faces, want(embeddings))?;
        let mut values = Vec::with_capacity(QUALITY_FLOATS * faces.len() + out.embeddings.len());
        for q in &out.qualities {
            values.extend(quality_floats(q));
        }
        values.extend(&out.embeddings);
        Ok(floats(env, &values)?.into_raw())
    })
}

/// `serfiq_score_batch_each`: arguments as for `nativeScoreBatch`; every
/// image is scored on its own. Returns `{int[] statuses, String[] messages
/// (null for a success), float[] qualities (s, q, n, f, q100, l per image; 0 for a failed
/// one), float[] embeddings (row-major, zeros for a failed image; empty
/// unless asked for)}`. A failure of the call as a whole is thrown.
#[no_mangle]
pub extern "system" fn Java_org_serfiq_NativeLib_nativeScoreBatchEach<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels: JObjectArray<'local>,
    shapes: JIntArray<'local>,
    landmarks: JObjectArray<'local>,
    embeddings: jboolean,
) -> jobjectArray {
    on_model(&mut env, handle, std::ptr::null_mut(), |env, m| {
        let batch = images::batch(env, &pixels, &shapes, &landmarks)?;
        let count = batch.inputs.len();
        let faces: Vec<Outcome<Face>> = batch
            .inputs
            .iter()
            .enumerate()
            // SAFETY: `batch` holds every direct buffer until it is dropped.
            .map(|(i, input)| input.as_ref().map_err(Clone::clone).and_then(|input| unsafe { input.face(i) }))
            .collect();
        let want = want(embeddings);
        let results = bridge::score_each(m, faces, want)?;
        let dim = m.embedding_size();
        let mut statuses = vec![SERFIQ_OK as jint; count];
        let mut messages: Vec<Option<String>> = vec![None; count];
        let mut qualities = vec![0f32; QUALITY_FLOATS * count];
        let mut all = vec![0f32; if want == Want::Both { count * dim } else { 0 }];
        for (i, result) in results.into_iter().enumerate() {
            match result {
                Ok(r) => {
                    if let Some(q) = r.quality {
                        qualities[QUALITY_FLOATS * i..QUALITY_FLOATS * (i + 1)].copy_from_slice(&quality_floats(&q));
                    }
                    if !all.is_empty() {
                        all[i * dim..(i + 1) * dim].copy_from_slice(&r.embedding);
                    }
                }
                Err(f) => {
                    statuses[i] = f.status as jint;
                    messages[i] = Some(f.message);
                }
            }
        }
        let out = env.new_object_array(4, "java/lang/Object", JObject::null())?;
        let s = env.new_int_array(count as jsize)?;
        env.set_int_array_region(&s, 0, &statuses)?;
        env.set_object_array_element(&out, 0, s)?;
        let texts = env.new_object_array(count as jsize, "java/lang/String", JObject::null())?;
        for (i, msg) in messages.iter().enumerate() {
            if let Some(msg) = msg {
                let t = env.new_string(msg)?;
                env.set_object_array_element(&texts, i as jsize, &t)?;
                env.delete_local_ref(t)?;
            }
        }
        env.set_object_array_element(&out, 1, texts)?;
        let q = floats(env, &qualities)?;
        env.set_object_array_element(&out, 2, q)?;
        let e = floats(env, &all)?;
        env.set_object_array_element(&out, 3, e)?;
        Ok(out.into_raw())
    })
}

image_method!(
    /// `serfiq_detect_score`: every face of one image (arguments as for
    /// `nativeScore`, without landmarks). Returns `{faces, embeddings}`: 20
    /// floats per face (box[4], landmarks[10], confidence, s, q, n, f, q100, l), in the face
    /// policy's order, and when asked for every face's embedding, row-major
    /// (else empty). No face: both empty.
    Java_org_serfiq_NativeLib_nativeDetectScore<'local>(on_model; embeddings: jboolean) -> jobjectArray,
    landmarks: &JFloatArray::default(),
    |env, m, face| {
        let found = m.detect_score(&face.image, want(embeddings))?;
        let mut faces = Vec::with_capacity(found.len() * FACE_FLOATS);
        let mut all = Vec::new();
        for f in &found {
            let d = &f.detection;
            faces.extend(d.bbox);
            faces.extend(d.landmarks.iter().flatten());
            faces.push(d.confidence);
            faces.extend(quality_floats(&f.quality));
            all.extend(&f.embedding);
        }
        let out = env.new_object_array(2, "[F", JObject::null())?;
        let a = floats(env, &faces)?;
        env.set_object_array_element(&out, 0, a)?;
        let b = floats(env, &all)?;
        env.set_object_array_element(&out, 1, b)?;
        Ok(out.into_raw())
    }
);

image_method!(
    /// `serfiq_aligned_crop`: the face the single-image calls would score, as the
    /// model sees it (input width x height x 3 bytes, packed), in `crop_format`
    /// (`SERFIQ_PIXEL_BGR` or `SERFIQ_PIXEL_RGB`). Other arguments as for `nativeScore`.
    Java_org_serfiq_NativeLib_nativeAlignedCrop<'local>(
        on_model; landmarks: JFloatArray<'local>, crop_format: jint
    ) -> jbyteArray,
    landmarks: &landmarks,
    first: let bgr = bridge::crop_is_bgr(u32::try_from(crop_format).unwrap_or(u32::MAX))?;
    |env, m, face| {
        let crop = bridge::aligned_crop(m, &face, bgr)?;
        Ok(env.byte_array_from_slice(&crop)?.into_raw())
    }
);
