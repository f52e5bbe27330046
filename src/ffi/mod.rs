//! The C ABI: thin exports over the bridge. Every export checks its pointers,
//! runs inside `bridge::guard` (no panic crosses) and writes outputs only on
//! success (the per-image batch call: only for the images that succeeded).
//!
//! Safety contract of every export (stated once here and in the header): each
//! non-NULL pointer points to valid memory of the documented size for the
//! duration of the call, and a model handle is live (created, not destroyed).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod capture;
mod errors;
mod options;
mod types;

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use serfiq_core::{Face, ImageView, Model, Want};

use crate::bridge::{self, guard, Failure, Handle, Outcome, Poison, Settings, Shape};
pub use crate::status::*;
pub use capture::*;
use errors::{last_error_ptr, set_image_errors, set_last_error};
use options::OptionStrings;
pub use options::{
    serfiq_options, SERFIQ_OPTIONS_SIZE_V1, SERFIQ_OPTIONS_SIZE_V2, SERFIQ_OPTIONS_SIZE_V3, SERFIQ_OPTIONS_SIZE_V4,
    SERFIQ_OPTIONS_SIZE_V5, SERFIQ_OPTIONS_SIZE_V6,
};
pub use types::*;

/// A loaded model. Opaque; create with `serfiq_create`, free with `serfiq_destroy`.
pub struct serfiq_model {
    handle: Handle,
    /// What `serfiq_get_options` points into.
    strings: OptionStrings,
    settings: Settings,
}

fn fail<T>(status: serfiq_status, message: impl Into<String>) -> Outcome<T> {
    Err(Failure::new(status, message))
}

/// Runs an export's body in the bridge's boundary and leaves its message.
fn export(handle: Option<&dyn Poison>, body: impl FnOnce() -> Outcome) -> serfiq_status {
    match guard(handle, body) {
        Ok(()) => {
            set_last_error("");
            SERFIQ_OK
        }
        Err(f) => {
            set_last_error(&f.message);
            f.status
        }
    }
}

/// Runs `body` on a live, unpoisoned model.
fn with_model(model: *const serfiq_model, body: impl FnOnce(&Model, &serfiq_model) -> Outcome) -> serfiq_status {
    // SAFETY: a non-NULL handle came from serfiq_create and is not destroyed (caller's contract).
    let m = unsafe { model.as_ref() };
    export(m.map(|m| &m.handle as &dyn Poison), || {
        let m = m.ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "model is NULL"))?;
        body(m.handle.model()?, m)
    })
}

/// Turns a possibly-NULL output pointer into a reference or a NULL_ARGUMENT failure.
///
/// # Safety
/// A non-NULL `ptr` must point to writable memory for a `T`.
unsafe fn out<'a, T>(ptr: *mut T, name: &str) -> Outcome<&'a mut T> {
    // SAFETY: the caller's contract; NULL is rejected here.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, format!("{name} is NULL")))
}

/// Borrows a C image as a checked `ImageView`; `index` names it in messages.
///
/// # Safety
/// A non-NULL `img.data` must point to `stride * (height - 1) + width * bpp` readable bytes.
unsafe fn to_view<'a>(img: &serfiq_image, index: usize) -> Outcome<ImageView<'a>> {
    let shape = Shape::new(img.width, img.height, img.stride, img.format, index)?;
    if img.data.is_null() {
        return fail(SERFIQ_ERR_NULL_ARGUMENT, format!("image {index}: data is NULL"));
    }
    // SAFETY: the caller guarantees `need` readable bytes; `need` is bounded by isize::MAX.
    let data = unsafe { std::slice::from_raw_parts(img.data, shape.need) };
    bridge::view(data, &shape, index)
}

/// The face in `image` with its landmarks (10 floats) or none for NULL.
///
/// # Safety
/// `image` as for `to_view`, and a non-NULL `landmarks` points to 10 readable floats.
unsafe fn to_face<'a>(image: *const serfiq_image, landmarks: *const f32, index: usize) -> Outcome<Face<'a>> {
    // SAFETY: the caller's contract.
    let img = unsafe { image.as_ref() }.ok_or_else(|| Failure::new(SERFIQ_ERR_NULL_ARGUMENT, "image is NULL"))?;
    let landmarks = if landmarks.is_null() {
        None
    } else {
        // SAFETY: the caller's contract: 10 floats.
        Some(bridge::landmarks(unsafe { &*(landmarks as *const [f32; SERFIQ_LANDMARK_FLOATS]) }))
    };
    // SAFETY: as above.
    Ok(Face { image: unsafe { to_view(img, index)? }, landmarks })
}

/// Checks an embedding buffer before any work, reporting the size needed.
///
/// # Safety
/// A non-NULL `len_out` must be writable.
unsafe fn check_capacity(embedding: *mut f32, capacity: usize, need: usize, len_out: *mut usize) -> Outcome {
    if embedding.is_null() {
        return fail(SERFIQ_ERR_NULL_ARGUMENT, "embedding is NULL");
    }
    if capacity < need {
        // SAFETY: caller's contract; the needed size is the one output of this failure.
        if let Some(l) = unsafe { len_out.as_mut() } {
            *l = need;
        }
        return fail(SERFIQ_ERR_BUFFER_TOO_SMALL, format!("embedding capacity {capacity} < {need} floats needed"));
    }
    Ok(())
}

/// Copies `values` to `dst` and reports the length.
///
/// # Safety
/// `dst` must have room for `values.len()` items; a non-NULL `len_out` must be writable.
unsafe fn write_out<T: Copy>(values: &[T], dst: *mut T, len_out: *mut usize) {
    // SAFETY: capacity was checked by the caller; regions cannot overlap our Vec.
    unsafe {
        std::ptr::copy_nonoverlapping(values.as_ptr(), dst, values.len());
        if let Some(l) = len_out.as_mut() {
            *l = values.len();
        }
    }
}

/// Fills `options` with the defaults and sets `struct_size`. Pass
/// `sizeof *options`: the library writes no more than that many bytes.
/// Call it before setting any field.
#[no_mangle]
pub unsafe extern "C" fn serfiq_options_init(options: *mut serfiq_options, struct_size: usize) -> serfiq_status {
    export(None, || {
        if options.is_null() {
            return fail(SERFIQ_ERR_NULL_ARGUMENT, "options is NULL");
        }
        options::check_size(struct_size)?;
        let d = Settings::default();
        // SAFETY: the caller's buffer holds `struct_size` bytes, checked to be one we accept.
        unsafe { options::write(&options::to_c(&d, &OptionStrings::of(&d)), options, struct_size) };
        Ok(())
    })
}

/// Loads ONNX Runtime (first call only), reads the model, builds its SER-FIQ
/// graph and checks it with one inference. On success `*model_out` owns a new
/// model; on failure it is left untouched.
///
/// What it costs: the model and detector files are read whole (each at most
/// `max_model_bytes`, default 1 GiB; a larger one fails with
/// `SERFIQ_ERR_UNSUPPORTED_MODEL` before it is read) and kept in memory; one
/// ONNX Runtime session is built and run once. With
/// `model_sha256` / `detector_sha256` set, a file with another digest fails
/// with `SERFIQ_ERR_MODEL_DIGEST_MISMATCH` before it is parsed. The
/// environment variables read to find libraries are listed at
/// `serfiq_options.search_paths`.
///
/// The model may be used only in this process: in a child made by fork()
/// afterwards, the calls that run it fail with `SERFIQ_ERR_FORKED`.
///
/// The options and everything they point to are only read during the call.
#[no_mangle]
pub unsafe extern "C" fn serfiq_create(
    options: *const serfiq_options,
    model_out: *mut *mut serfiq_model,
) -> serfiq_status {
    export(None, || {
        if options.is_null() {
            return fail(SERFIQ_ERR_NULL_ARGUMENT, "options is NULL");
        }
        // SAFETY: pointers checked for NULL; validity is the caller's contract.
        let slot = unsafe { out(model_out, "model_out")? };
        let settings = unsafe { options::read(options)? };
        let handle = Handle::new(Model::new(&settings.into_options()?)?);
        let settings = Settings::of(handle.model()?);
        let strings = OptionStrings::of(&settings);
        *slot = Box::into_raw(Box::new(serfiq_model { handle, strings, settings }));
        Ok(())
    })
}

/// Frees a model. NULL is a no-op. No call on this model may be running or
/// start afterwards.
#[no_mangle]
pub unsafe extern "C" fn serfiq_destroy(model: *mut serfiq_model) {
    if model.is_null() {
        return;
    }
    let _ = export(None, || {
        // SAFETY: `model` came from serfiq_create and is destroyed once (caller's contract).
        drop(unsafe { Box::from_raw(model) });
        Ok(())
    });
}

/// The options the model was created with, written into `*options_out` as
/// `serfiq_options_init` writes (set `options_out->struct_size` first, e.g.
/// with `serfiq_options_init`; no byte past it is written). Strings point into
/// the model and stay valid until `serfiq_destroy`; `model_data` and
/// `detector_data` are NULL (bytes are not kept); `alpha` and `r` are the
/// values in use (from the options, the model's calibration or the
/// defaults); `execution_provider` is the one asked for
/// (`serfiq_get_execution_provider` tells where inferences run).
#[no_mangle]
pub unsafe extern "C" fn serfiq_get_options(
    model: *const serfiq_model,
    options_out: *mut serfiq_options,
) -> serfiq_status {
    with_model(model, |_, m| {
        // SAFETY: NULL checked; struct_size is the first field of every accepted size.
        let dst = unsafe { out(options_out, "options_out")? };
        let size = dst.struct_size;
        options::check_size(size)?;
        // SAFETY: the caller's struct holds `size` bytes.
        unsafe { options::write(&options::to_c(&m.settings, &m.strings), options_out, size) };
        Ok(())
    })
}

/// Quality of one face. `landmarks`: 10 floats (see `SERFIQ_LANDMARK_FLOATS`)
/// locating the face in `image`, or NULL. Without landmarks, `input_mode`
/// says what the image is. With `SERFIQ_INPUT_AUTO` (the default) an image at
/// the model's input size is taken as an aligned crop, even a photo of that
/// size; any other image needs the model's detector
/// (`serfiq_options.detector_path`), which finds the faces, picks one by
/// `face_policy` and aligns it by its detected landmarks, or fails with
/// `SERFIQ_ERR_NO_FACE`; without a detector such an image fails with
/// `SERFIQ_ERR_INVALID_IMAGE`. `SERFIQ_INPUT_CROP`: every image is an aligned
/// crop (another size: `SERFIQ_ERR_INVALID_IMAGE`); `SERFIQ_INPUT_PHOTO`:
/// every image goes to the detector. Writes `*quality` on success only. In a
/// child made by fork() after the model was created it fails with
/// `SERFIQ_ERR_FORKED` (so do the other calls that run the model).
#[no_mangle]
pub unsafe extern "C" fn serfiq_score(
    model: *const serfiq_model,
    image: *const serfiq_image,
    landmarks: *const f32,
    quality: *mut serfiq_quality,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let q = unsafe { out(quality, "quality")? };
        *q = m.score(&unsafe { to_face(image, landmarks, 0)? })?.into();
        Ok(())
    })
}

/// The embedding of one face (as the original model outputs it) into
/// `embedding` (capacity in floats). `*embedding_len` (may be NULL) gets the
/// number written, or the number needed with `SERFIQ_ERR_BUFFER_TOO_SMALL`.
#[no_mangle]
pub unsafe extern "C" fn serfiq_embed(
    model: *const serfiq_model,
    image: *const serfiq_image,
    landmarks: *const f32,
    embedding: *mut f32,
    capacity: usize,
    embedding_len: *mut usize,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: pointers per the documented contract, NULL checked.
        unsafe { check_capacity(embedding, capacity, m.embedding_size(), embedding_len)? };
        let e = m.embed(&unsafe { to_face(image, landmarks, 0)? })?;
        unsafe { write_out(&e, embedding, embedding_len) };
        Ok(())
    })
}

/// Quality and embedding of one face from a single inference; arguments as
/// for `serfiq_score` and `serfiq_embed`.
#[no_mangle]
pub unsafe extern "C" fn serfiq_score_embed(
    model: *const serfiq_model,
    image: *const serfiq_image,
    landmarks: *const f32,
    quality: *mut serfiq_quality,
    embedding: *mut f32,
    capacity: usize,
    embedding_len: *mut usize,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let q = unsafe { out(quality, "quality")? };
        unsafe { check_capacity(embedding, capacity, m.embedding_size(), embedding_len)? };
        let (quality, e) = m.score_embed(&unsafe { to_face(image, landmarks, 0)? })?;
        *q = quality.into();
        unsafe { write_out(&e, embedding, embedding_len) };
        Ok(())
    })
}

/// The batch arguments both batch calls share, checked: `count` images, their
/// landmarks (NULL or `count * 10` floats), and room for the embeddings when
/// they are asked for.
///
/// # Safety
/// As for `serfiq_score_batch`.
unsafe fn batch_args<'a>(
    m: &Model,
    images: *const serfiq_image,
    count: usize,
    qualities: *mut serfiq_quality,
    embeddings: *mut f32,
    embeddings_capacity: usize,
) -> Outcome<&'a [serfiq_image]> {
    if images.is_null() {
        return fail(SERFIQ_ERR_NULL_ARGUMENT, "images is NULL");
    }
    if qualities.is_null() {
        return fail(SERFIQ_ERR_NULL_ARGUMENT, "qualities is NULL");
    }
    if count == 0 || count > SERFIQ_MAX_BATCH {
        return fail(SERFIQ_ERR_INVALID_ARGUMENT, format!("count must be in 1..={SERFIQ_MAX_BATCH}, got {count}"));
    }
    if !embeddings.is_null() {
        // SAFETY: len_out is NULL, nothing else is written.
        unsafe { check_capacity(embeddings, embeddings_capacity, count * m.embedding_size(), std::ptr::null_mut())? };
    }
    // SAFETY: `images` holds `count` entries (caller's contract).
    Ok(unsafe { std::slice::from_raw_parts(images, count) })
}

/// Landmarks of image `i` of a batch: NULL, or its 10 floats.
fn batch_landmarks(landmarks: *const f32, i: usize) -> *const f32 {
    if landmarks.is_null() {
        landmarks
    } else {
        landmarks.wrapping_add(i * SERFIQ_LANDMARK_FLOATS)
    }
}

/// Scores `count` images (1..=`SERFIQ_MAX_BATCH`), all or nothing. `landmarks`:
/// NULL when no image has landmarks (each is then an aligned crop, or a photo
/// searched by the detector as for `serfiq_score`), else `count * 10` floats.
/// `qualities`: `count` entries. `embeddings`: NULL, or room for
/// `count * embedding size` floats (`embeddings_capacity`), row-major. All
/// inputs are checked first; nothing is written unless every image succeeds,
/// and the message of a failure names the image ("image 3: ..."). To get the
/// good images' results when some fail, use `serfiq_score_batch_each`.
#[no_mangle]
pub unsafe extern "C" fn serfiq_score_batch(
    model: *const serfiq_model,
    images: *const serfiq_image,
    count: usize,
    landmarks: *const f32,
    qualities: *mut serfiq_quality,
    embeddings: *mut f32,
    embeddings_capacity: usize,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: the documented contract for every pointer.
        let imgs = unsafe { batch_args(m, images, count, qualities, embeddings, embeddings_capacity)? };
        let mut faces = Vec::with_capacity(count);
        for (i, img) in imgs.iter().enumerate() {
            // SAFETY: as above.
            faces.push(unsafe { to_face(img, batch_landmarks(landmarks, i), i)? });
        }
        let want = if embeddings.is_null() { Want::Score } else { Want::Both };
        let r = m.run(&faces, want)?;
        let qs: Vec<serfiq_quality> = r.qualities.iter().map(|&q| q.into()).collect();
        // SAFETY: `qualities` has `count` entries; embeddings capacity checked above.
        unsafe { write_out(&qs, qualities, std::ptr::null_mut()) };
        if !embeddings.is_null() {
            unsafe { write_out(&r.embeddings, embeddings, std::ptr::null_mut()) };
        }
        Ok(())
    })
}

/// Scores `count` images each on its own, so that one bad image does not hide
/// the others' scores. Arguments as for `serfiq_score_batch`, plus `statuses`:
/// `count` entries, each set to the image's own status.
///
/// For every image whose status is `SERFIQ_OK`, `qualities[i]` and (when
/// `embeddings` is not NULL) row i of `embeddings` are written; the entries of
/// failed images are left untouched. Returns `SERFIQ_OK` when every image
/// succeeded, `SERFIQ_ERR_IMAGES_FAILED` when the call ran and some failed
/// (`serfiq_image_error(i)` gives image i's message), or another status when
/// the call itself could not run (a NULL pointer, a bad count or capacity, ONNX
/// Runtime failing): then `statuses` is not written either.
#[no_mangle]
pub unsafe extern "C" fn serfiq_score_batch_each(
    model: *const serfiq_model,
    images: *const serfiq_image,
    count: usize,
    landmarks: *const f32,
    qualities: *mut serfiq_quality,
    embeddings: *mut f32,
    embeddings_capacity: usize,
    statuses: *mut serfiq_status,
) -> serfiq_status {
    set_image_errors(Vec::new());
    with_model(model, |m, _| {
        if statuses.is_null() {
            return fail(SERFIQ_ERR_NULL_ARGUMENT, "statuses is NULL");
        }
        // SAFETY: the documented contract for every pointer.
        let imgs = unsafe { batch_args(m, images, count, qualities, embeddings, embeddings_capacity)? };
        // An image the C description of which is unusable fails alone, like any other bad image.
        let converted: Vec<Outcome<Face>> =
            // SAFETY: as above.
            imgs.iter().enumerate().map(|(i, img)| unsafe { to_face(img, batch_landmarks(landmarks, i), i) }).collect();
        let want = if embeddings.is_null() { Want::Score } else { Want::Both };
        let results = bridge::score_each(m, converted, want)?;
        let dim = m.embedding_size();
        let mut failed = Vec::new();
        let mut messages = Vec::with_capacity(count);
        for (i, r) in results.iter().enumerate() {
            let status = match r {
                Ok(face) => {
                    // SAFETY: `qualities` has `count` entries, `statuses` too, and
                    // `embeddings` room for `count * dim` floats (checked).
                    unsafe {
                        if let Some(q) = face.quality {
                            qualities.add(i).write(q.into());
                        }
                        if !embeddings.is_null() {
                            write_out(&face.embedding, embeddings.add(i * dim), std::ptr::null_mut());
                        }
                    }
                    messages.push(String::new());
                    SERFIQ_OK
                }
                Err(f) => {
                    failed.push(i);
                    messages.push(f.message.clone());
                    f.status
                }
            };
            // SAFETY: as above.
            unsafe { statuses.add(i).write(status) };
        }
        let first = failed.first().map(|&i| messages[i].clone());
        set_image_errors(messages);
        match first {
            None => Ok(()),
            Some(first) => fail(
                SERFIQ_ERR_IMAGES_FAILED,
                format!(
                    "{} of {count} images failed (serfiq_image_error tells each); the first: {first}",
                    failed.len()
                ),
            ),
        }
    })
}

/// The message of image `index` from the last `serfiq_score_batch_each` call
/// on this thread ("" for an image that succeeded or an index out of range).
/// UTF-8, never NULL, valid until the next serfiq call on the same thread.
#[no_mangle]
pub extern "C" fn serfiq_image_error(index: usize) -> *const c_char {
    errors::image_error_ptr(index)
}

/// Finds every face in `image` with the model's detector and scores each:
/// its box, 5 landmarks, detector confidence and quality go into `faces`
/// (room for `capacity` entries), their number into `*count`. The faces come
/// in the order of `face_policy`: `faces[0]` is the face `serfiq_score` would
/// score. Unlike the single-face calls, an image without a face is a success
/// with `*count = 0`.
///
/// `embeddings`: NULL, or room for `embeddings_capacity` floats that receive
/// face i's embedding at `embeddings + i * embedding size`.
///
/// A count query, `faces = NULL, capacity = 0` (embeddings ignored), returns
/// `SERFIQ_OK` with the number of faces in `*count`, 0 or more, and scores
/// nothing. Otherwise, when more faces are found than `capacity` (or than
/// `embeddings` holds), the call returns `SERFIQ_ERR_BUFFER_TOO_SMALL` with the
/// number of faces in `*count` before any face is scored. At most
/// `SERFIQ_MAX_FACES` (750) faces are reported. A model created without a
/// detector fails with `SERFIQ_ERR_INVALID_ARGUMENT`. The image is always
/// searched, whatever its size and `input_mode`; it may be in any pixel format
/// (say which: the default, `SERFIQ_PIXEL_BGR`, is OpenCV's order, while most
/// other decoders give RGB).
///
/// Boxes are clamped to the image; landmarks lie inside it. Boxes that straddle
/// two faces or lie mostly inside a more confident face's box are dropped
/// (docs/src/performance.md, "Photos: phantom faces"). A photo whose long side exceeds
/// `detector_max_side` (default 640) is searched shrunk to it, then each face
/// again at full resolution in a region 1.5 times its box.
///
/// What a call costs, on one thread with the default model and detector
/// (docs/src/performance.md, "Photos: working size"): one detector pass at the working size,
/// one over the region around each face, then one alignment and one model run
/// per face (about 7 ms). Measured (median of 3 runs on a shared 2-core
/// machine): a 1920x1080 frame with one face, 37.5 ms of CPU in all (168 ms at
/// full size); photos of 0.75 to 3.3 megapixels with one large face, about
/// 54 ms. A count query costs the detector passes only.
#[no_mangle]
pub unsafe extern "C" fn serfiq_detect_score(
    model: *const serfiq_model,
    image: *const serfiq_image,
    faces: *mut serfiq_face,
    capacity: usize,
    count: *mut usize,
    embeddings: *mut f32,
    embeddings_capacity: usize,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let count = unsafe { out(count, "count")? };
        if faces.is_null() && capacity > 0 {
            return fail(SERFIQ_ERR_NULL_ARGUMENT, "faces is NULL but capacity is not 0");
        }
        if !m.has_detector() {
            return fail(
                SERFIQ_ERR_INVALID_ARGUMENT,
                "this model was created without a face detector (options.detector_path or detector_data)",
            );
        }
        let face = unsafe { to_face(image, std::ptr::null(), 0)? };
        let detections = m.detect(&face.image)?;
        let found = detections.len();
        if faces.is_null() {
            // A count query (capacity is 0 here): the same answer with or without faces.
            *count = found;
            return Ok(());
        }
        let need = found * m.embedding_size();
        if found > capacity || (!embeddings.is_null() && embeddings_capacity < need) {
            *count = found;
            let what = if found > capacity {
                format!("room for {capacity}")
            } else {
                format!("embeddings needs {need} floats, embeddings_capacity is {embeddings_capacity}")
            };
            return fail(SERFIQ_ERR_BUFFER_TOO_SMALL, format!("{found} faces found: {what}"));
        }
        let want = if embeddings.is_null() { Want::Score } else { Want::Both };
        // The faces found above are scored as they are: the detector runs once per call.
        let scored = m.score_detections(&face.image, &detections, want)?;
        let c_faces: Vec<serfiq_face> = scored.iter().map(serfiq_face::from).collect();
        let all: Vec<f32> = scored.iter().flat_map(|f| f.embedding.iter().copied()).collect();
        // SAFETY: room for `found` faces and, when asked, their embeddings (checked above).
        unsafe {
            write_out(&c_faces, faces, count);
            if !embeddings.is_null() {
                write_out(&all, embeddings, std::ptr::null_mut());
            }
        }
        Ok(())
    })
}

/// One face with its quality components and feedback. The face is found as
/// `serfiq_score` finds it (by `landmarks` when not NULL, as an aligned crop,
/// or by the detector; no face: `SERFIQ_ERR_NO_FACE`) and its components are
/// measured on the face region of the full-resolution image; the feedback
/// follows the model's `feedback_profile`. `*face_out` gets the box (the
/// detector's, or the aligned crop's extent in the image when the face was
/// not detected), the landmarks, the confidence (0 when not detected) and
/// the quality. Both outputs are written on success only. The components
/// cost about 0.1 ms per face on one core beside the score (`serfiq bench`).
#[no_mangle]
pub unsafe extern "C" fn serfiq_assess(
    model: *const serfiq_model,
    image: *const serfiq_image,
    landmarks: *const f32,
    face_out: *mut serfiq_face,
    components_out: *mut serfiq_components,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let (face_out, comp_out) = unsafe { (out(face_out, "face_out")?, out(components_out, "components_out")?) };
        let a = bridge::assess(m, &unsafe { to_face(image, landmarks, 0)? })?;
        *face_out = serfiq_face::from(&a);
        *comp_out = serfiq_components::from(&a.components);
        Ok(())
    })
}

/// Every face in a photo (as `serfiq_detect_score`: the image always goes to
/// the detector), each with its components and feedback: face k in
/// `faces_out[k]` and `components_out[k]`, both with room for `capacity`.
/// `*count_out` gets the number of faces. A count query (both outputs NULL,
/// `capacity` 0) reports it without assessing; more faces than `capacity`
/// fail with `SERFIQ_ERR_BUFFER_TOO_SMALL` and the number in `*count_out`. No
/// face is a count of 0, not an error. A model without a detector fails with
/// `SERFIQ_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn serfiq_detect_assess(
    model: *const serfiq_model,
    image: *const serfiq_image,
    faces_out: *mut serfiq_face,
    components_out: *mut serfiq_components,
    capacity: usize,
    count_out: *mut usize,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: pointers per the documented contract, NULL checked.
        let count = unsafe { out(count_out, "count_out")? };
        let query = faces_out.is_null() && components_out.is_null();
        if query && capacity > 0 {
            return fail(SERFIQ_ERR_NULL_ARGUMENT, "faces_out and components_out are NULL but capacity is not 0");
        }
        if !query && (faces_out.is_null() || components_out.is_null()) {
            let which = if faces_out.is_null() { "faces_out" } else { "components_out" };
            return fail(SERFIQ_ERR_NULL_ARGUMENT, format!("{which} is NULL (both or neither may be NULL)"));
        }
        let face = unsafe { to_face(image, std::ptr::null(), 0)? };
        match bridge::detect_assess(m, &face.image, capacity, query)? {
            bridge::Found::Count(n) => *count = n,
            bridge::Found::TooMany(n) => {
                *count = n;
                return Err(bridge::Found::too_many(n, capacity));
            }
            bridge::Found::Faces(all) => {
                let faces: Vec<serfiq_face> = all.iter().map(serfiq_face::from).collect();
                let comps: Vec<serfiq_components> =
                    all.iter().map(|a| serfiq_components::from(&a.components)).collect();
                // SAFETY: room for `capacity` >= all.len() items in each (the caller's contract).
                unsafe {
                    write_out(&faces, faces_out, count);
                    write_out(&comps, components_out, std::ptr::null_mut());
                }
            }
        }
        Ok(())
    })
}

/// Number of quality components this library defines: ids 0 to count - 1
/// (at most `SERFIQ_MAX_COMPONENTS`).
#[no_mangle]
pub extern "C" fn serfiq_component_count() -> u32 {
    bridge::component_count()
}

/// ISO/IEC 29794-5 name of component `id`, e.g. "InterEyeDistance"; NULL
/// past the end. A static string.
#[no_mangle]
pub extern "C" fn serfiq_component_name(id: u32) -> *const c_char {
    bridge::component_name(id).map_or(std::ptr::null(), |s| s.as_ptr())
}

/// Unit of component `id`'s raw value ("px", "degree", "ratio", ...); NULL
/// past the end. A static string.
#[no_mangle]
pub extern "C" fn serfiq_component_unit(id: u32) -> *const c_char {
    bridge::component_unit(id).map_or(std::ptr::null(), |s| s.as_ptr())
}

/// Number of feedback codes this library defines: bits 0 to count - 1 of
/// `serfiq_components.feedback`.
#[no_mangle]
pub extern "C" fn serfiq_feedback_count() -> u32 {
    bridge::feedback_count()
}

/// Name of feedback code `code`, e.g. "TOO_DARK"; NULL past the end. A static string.
#[no_mangle]
pub extern "C" fn serfiq_feedback_name(code: u32) -> *const c_char {
    bridge::feedback_name(code).map_or(std::ptr::null(), |s| s.as_ptr())
}

/// A short English sentence for feedback code `code`, for an app to show or
/// translate, e.g. "Too dark. Add light in front of you."; NULL past the end.
/// A static string.
#[no_mangle]
pub extern "C" fn serfiq_feedback_message(code: u32) -> *const c_char {
    bridge::feedback_message(code).map_or(std::ptr::null(), |s| s.as_ptr())
}

/// The face the single-face calls would score (routed the same way: by its
/// landmarks, as an aligned crop, or by the detector), as the model sees it:
/// `width * height * 3` bytes, packed rows, at the model's input size
/// (`serfiq_input_size`), in `format` (`SERFIQ_PIXEL_BGR` or `SERFIQ_PIXEL_RGB`).
/// `*pixels_len` (may be NULL) gets the number of bytes written, or needed
/// with `SERFIQ_ERR_BUFFER_TOO_SMALL`.
#[no_mangle]
pub unsafe extern "C" fn serfiq_aligned_crop(
    model: *const serfiq_model,
    image: *const serfiq_image,
    landmarks: *const f32,
    format: serfiq_pixel_format,
    pixels: *mut u8,
    capacity: usize,
    pixels_len: *mut usize,
) -> serfiq_status {
    with_model(model, |m, _| {
        let bgr = bridge::crop_is_bgr(format)?;
        if pixels.is_null() {
            return fail(SERFIQ_ERR_NULL_ARGUMENT, "pixels is NULL");
        }
        let (w, h) = m.input_size();
        let need = w as usize * h as usize * 3;
        if capacity < need {
            // SAFETY: the caller's contract.
            if let Some(l) = unsafe { pixels_len.as_mut() } {
                *l = need;
            }
            return fail(SERFIQ_ERR_BUFFER_TOO_SMALL, format!("pixels capacity {capacity} < {need} bytes needed"));
        }
        // SAFETY: pointers per the documented contract.
        let crop = bridge::aligned_crop(m, &unsafe { to_face(image, landmarks, 0)? }, bgr)?;
        // SAFETY: capacity checked above.
        unsafe { write_out(&crop, pixels, pixels_len) };
        Ok(())
    })
}

/// Number of floats in one embedding.
#[no_mangle]
pub unsafe extern "C" fn serfiq_embedding_size(model: *const serfiq_model, size_out: *mut usize) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: NULL checked; writable per the contract.
        *unsafe { out(size_out, "size_out")? } = m.embedding_size();
        Ok(())
    })
}

/// Width and height of an aligned input image (e.g. 112 x 112).
#[no_mangle]
pub unsafe extern "C" fn serfiq_input_size(
    model: *const serfiq_model,
    width_out: *mut u32,
    height_out: *mut u32,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: NULL checked; writable per the contract.
        let (w, h) = (unsafe { out(width_out, "width_out")? }, unsafe { out(height_out, "height_out")? });
        (*w, *h) = m.input_size();
        Ok(())
    })
}

/// Where the model's inferences run: `SERFIQ_PROVIDER_CUDA`, or
/// `SERFIQ_PROVIDER_CPU` (also when CUDA was asked for with `gpu_fallback`
/// and could not be used).
#[no_mangle]
pub unsafe extern "C" fn serfiq_get_execution_provider(
    model: *const serfiq_model,
    provider_out: *mut serfiq_execution_provider,
) -> serfiq_status {
    with_model(model, |m, _| {
        // SAFETY: NULL checked; writable per the contract.
        *unsafe { out(provider_out, "provider_out")? } = bridge::provider_code(m.provider());
        Ok(())
    })
}

/// The number of models created and not yet destroyed in this process, by
/// every surface of the library (C, C++, C#, Java): for leak checks.
#[no_mangle]
pub extern "C" fn serfiq_live_models() -> usize {
    bridge::live_models()
}

/// The message of the last failed call on this thread (UTF-8, never NULL, ""
/// after a success). Valid until the next serfiq call on the same thread.
#[no_mangle]
pub extern "C" fn serfiq_last_error() -> *const c_char {
    last_error_ptr()
}

/// The name of a status ("SERFIQ_ERR_INVALID_IMAGE"), or "SERFIQ_UNKNOWN_STATUS".
/// A static string.
#[no_mangle]
pub extern "C" fn serfiq_status_name(status: serfiq_status) -> *const c_char {
    NAMES.get(status as usize).copied().unwrap_or(c"SERFIQ_UNKNOWN_STATUS").as_ptr()
}

/// Library version and the ONNX Runtime API it targets, e.g.
/// "serfiq 0.1.0 (ONNX Runtime API 1.31)". A static string.
#[no_mangle]
pub extern "C" fn serfiq_version() -> *const c_char {
    static VERSION: OnceLock<CString> = OnceLock::new();
    VERSION.get_or_init(|| CString::new(bridge::VERSION).unwrap_or_default()).as_ptr()
}

/// `SERFIQ_ABI_VERSION` of the loaded library.
#[no_mangle]
pub extern "C" fn serfiq_abi_version() -> u32 {
    SERFIQ_ABI_VERSION
}
