//! Per-model calibration: α and r written into a model's metadata are what
//! `Model::new`, the C ABI and the CLI use unless the options set them; bad
//! metadata makes the model invalid; `serfiq calibrate` fits, writes and
//! reports a calibrated model that `serfiq info` and `serfiq score` then use.

mod common;

use std::ffi::CString;

use common::*;
use onnx_protobuf::{Message, ModelProto};
use serfiq_core::calibration::{self, logistic, Source};
use serfiq_core::{ErrorKind, Model, ModelSource, Options};

/// A fresh scratch folder.
fn bytes_options(bytes: &[u8]) -> Options {
    Options { model: ModelSource::Bytes(bytes.to_vec()), ort_library: Some(ort_lib()), ..Default::default() }
}

fn new_model(opts: &Options) -> Model {
    Model::new(opts).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

/// The default model with `key = value` in its metadata (no other change).
fn with_metadata(key: &str, value: &str) -> Vec<u8> {
    let mut m = ModelProto::parse_from_bytes(&std::fs::read(default_model()).unwrap()).unwrap();
    let mut p = onnx_protobuf::StringStringEntryProto::new();
    p.key = key.into();
    p.value = value.into();
    m.metadata_props.push(p);
    m.write_to_bytes().unwrap()
}

const ALPHA: f64 = 123.456_789_012_345_67;
const R: f64 = 0.581_234_567_890_123_4;

#[test]
fn a_calibrated_model_carries_its_alpha_and_r() {
    if !have_cache() {
        return;
    }
    let plain = std::fs::read(default_model()).unwrap();
    let calibrated = calibration::write(&plain, ALPHA, R, r#"{"n":4}"#).unwrap();

    let m = new_model(&bytes_options(&calibrated));
    assert_eq!(m.alpha_r(), (ALPHA, R));
    assert_eq!(m.calibration_source(), Source::Model);
    let face = &demo_faces(1)[0];
    let q = m.score(&face.face()).unwrap();
    assert!((q.q as f64 - logistic(q.s as f64, ALPHA, R)).abs() < 1e-6, "{q:?}");
    assert_eq!(q.scale_100(), calibration::scale_100(q.q as f64));

    // The model runs exactly as before: same s and embedding as the uncalibrated one.
    let p = new_model(&bytes_options(&plain));
    assert_eq!(
        (p.alpha_r(), p.calibration_source()),
        ((serfiq_core::DEFAULT_ALPHA, serfiq_core::DEFAULT_R), Source::Default)
    );
    let (qp, ep) = p.score_embed(&face.face()).unwrap();
    let (qc, ec) = m.score_embed(&face.face()).unwrap();
    assert_eq!((qp.s, &ep), (qc.s, &ec));

    // Options win over the model's metadata, each value on its own.
    let both = new_model(&Options { alpha: Some(50.0), r: Some(0.5), ..bytes_options(&calibrated) });
    assert_eq!((both.alpha_r(), both.calibration_source()), ((50.0, 0.5), Source::Options));
    let alpha_only = new_model(&Options { alpha: Some(50.0), ..bytes_options(&calibrated) });
    assert_eq!(alpha_only.alpha_r(), (50.0, R));
    let r_only = new_model(&Options { r: Some(0.5), ..bytes_options(&calibrated) });
    assert_eq!(r_only.alpha_r(), (ALPHA, 0.5));
    // Only one key in the model: the other is the default.
    let half = new_model(&bytes_options(&with_metadata(calibration::R_KEY, "0.5")));
    assert_eq!((half.alpha_r(), half.calibration_source()), ((serfiq_core::DEFAULT_ALPHA, 0.5), Source::Model));
}

#[test]
fn unreadable_calibration_metadata_makes_the_model_invalid() {
    if !have_cache() {
        return;
    }
    for (key, value) in [(calibration::ALPHA_KEY, "abc"), (calibration::R_KEY, ""), (calibration::ALPHA_KEY, "NaN")] {
        match Model::new(&bytes_options(&with_metadata(key, value))) {
            Ok(_) => panic!("{key} = {value:?} was accepted"),
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::ModelInvalid, "{key} = {value:?}: {}", e.message);
                assert!(e.message.contains(key), "{}", e.message);
            }
        }
    }
    // The options do not rescue it: the model itself is broken.
    let opts =
        Options { alpha: Some(50.0), r: Some(0.5), ..bytes_options(&with_metadata(calibration::ALPHA_KEY, "abc")) };
    assert_eq!(Model::new(&opts).err().map(|e| e.kind), Some(ErrorKind::ModelInvalid));
}

#[test]
fn the_c_abi_defaults_to_the_models_calibration() {
    use serfiq::ffi::*;
    if !have_cache() {
        return;
    }
    let calibrated = calibration::write(&std::fs::read(default_model()).unwrap(), ALPHA, R, "").unwrap();
    let ort = CString::new(ort_lib().to_str().unwrap()).unwrap();
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    assert_eq!(unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) }, SERFIQ_OK);
    let mut o = unsafe { o.assume_init() };
    assert!(o.alpha.is_nan() && o.r.is_nan(), "serfiq_options_init: alpha {} r {}", o.alpha, o.r);
    o.model_data = calibrated.as_ptr();
    o.model_size = calibrated.len();
    o.ort_library_path = ort.as_ptr();

    let face = &demo_faces(1)[0];
    let (image, landmarks) = c_face(face);
    let score = |o: &serfiq_options| {
        let mut m: *mut serfiq_model = std::ptr::null_mut();
        assert_eq!(unsafe { serfiq_create(o, &mut m) }, SERFIQ_OK);
        let mut q = serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 };
        assert_eq!(unsafe { serfiq_score(m, &image, landmarks.as_ptr(), &mut q) }, SERFIQ_OK);
        unsafe { serfiq_destroy(m) };
        (q.s as f64, q.q as f64)
    };
    let (s, q) = score(&o);
    assert!((q - logistic(s, ALPHA, R)).abs() < 1e-6, "s {s} q {q}");
    // Values set in the options win.
    let (s2, q2) = score(&serfiq_options { alpha: 50.0, r: 0.5, ..o });
    assert_eq!(s2, s);
    assert!((q2 - logistic(s, 50.0, 0.5)).abs() < 1e-6, "s {s} q {q2}");
}

/// A face of the fixtures as a C image (packed RGB) and its landmarks as 10 floats.
fn c_face(face: &TestFace) -> (serfiq::ffi::serfiq_image, Vec<f32>) {
    let image = serfiq::ffi::serfiq_image {
        data: face.img.data.as_ptr(),
        width: face.img.width,
        height: face.img.height,
        stride: 0,
        format: serfiq::ffi::SERFIQ_PIXEL_RGB,
    };
    (image, face.landmarks.unwrap().iter().flatten().copied().collect())
}

/// The C ABI: n, f and q100 come through `serfiq_score` as the core gives
/// them, `serfiq_get_options` reports the q100 quality in use, and a V4-sized
/// struct whose bytes after `search_paths` are 0xFF (on 64-bit targets they
/// hold `q100_quality`, in V4's tail padding) gets the default.
#[test]
fn the_c_abi_carries_n_f_q100_and_reads_q100_quality_only_from_a_v5_struct() {
    use serfiq::ffi::*;
    use serfiq_core::Q100Quality;
    if !have_cache() {
        return;
    }
    assert_eq!(SERFIQ_ABI_VERSION, 3);
    assert_eq!(serfiq_abi_version(), 3);
    const { assert!(SERFIQ_OPTIONS_SIZE_V4 <= SERFIQ_OPTIONS_SIZE_V5) };
    assert_eq!(
        SERFIQ_OPTIONS_SIZE_V4,
        (std::mem::offset_of!(serfiq_options, search_paths) + 4)
            .next_multiple_of(std::mem::align_of::<serfiq_options>())
    );
    let model_c = CString::new(default_model().to_str().unwrap()).unwrap();
    let ort_c = CString::new(ort_lib().to_str().unwrap()).unwrap();
    let face = &demo_faces(1)[0];
    let (image, landmarks) = c_face(face);
    #[repr(C, align(16))]
    struct Bytes([u8; 512]);
    // Creates from `size` bytes (0xFF past the initialised fields), scores, and
    // returns (status, q100_quality in use, quality).
    let run = |size: usize, set: &dyn Fn(*mut serfiq_options)| unsafe {
        let mut buf = Bytes([0xFFu8; 512]);
        let p = buf.0.as_mut_ptr() as *mut serfiq_options;
        assert_eq!(serfiq_options_init(p, size), SERFIQ_OK);
        // V4's tail padding (init leaves it as it was) holds 0xFF, as a caller's
        // garbage would; in a V5 struct those bytes are input_mode, set by init.
        let end = std::mem::offset_of!(serfiq_options, search_paths) + 4;
        if size == SERFIQ_OPTIONS_SIZE_V4 {
            buf.0[end..size].fill(0xFF);
        }
        std::ptr::addr_of_mut!((*p).model_path).write(model_c.as_ptr());
        std::ptr::addr_of_mut!((*p).ort_library_path).write(ort_c.as_ptr());
        set(p);
        let mut m = std::ptr::null_mut();
        let st = serfiq_create(p, &mut m);
        if st != SERFIQ_OK {
            return (st, 0, None);
        }
        let mut back = std::mem::zeroed::<serfiq_options>();
        back.struct_size = std::mem::size_of::<serfiq_options>();
        assert_eq!(serfiq_get_options(m, &mut back), SERFIQ_OK);
        let mut q = serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 };
        assert_eq!(serfiq_score(m, &image, landmarks.as_ptr(), &mut q), SERFIQ_OK);
        serfiq_destroy(m);
        (st, back.q100_quality, Some(q))
    };
    let (st, used, q) = run(SERFIQ_OPTIONS_SIZE_V4, &|_| {});
    assert_eq!((st, used), (SERFIQ_OK, SERFIQ_Q100_F), "a V4 struct gets the default");
    let q = q.unwrap();
    let core = load(&default_model()).score(&face.face()).unwrap();
    assert_eq!((q.s, q.q, q.n, q.f, q.q100), (core.s, core.q, core.n, core.f, core.q100));
    assert!(q.n > 0.0 && (0.0..=100.0).contains(&q.q100));

    let v5 = SERFIQ_OPTIONS_SIZE_V5;
    let set =
        |code: u32| move |p: *mut serfiq_options| unsafe { std::ptr::addr_of_mut!((*p).q100_quality).write(code) };
    let (st, used, q) = run(v5, &set(SERFIQ_Q100_S));
    assert_eq!((st, used), (SERFIQ_OK, SERFIQ_Q100_S));
    let s_model = new_model(&Options { q100_quality: Q100Quality::S, ..common::options(&default_model()) });
    assert_eq!(q.unwrap().q100, s_model.score(&face.face()).unwrap().q100);
    let (st, _, _) = run(v5, &set(7));
    assert_eq!(st, SERFIQ_ERR_INVALID_ARGUMENT);
    let msg = unsafe { std::ffi::CStr::from_ptr(serfiq_last_error()) }.to_string_lossy().into_owned();
    assert!(msg.contains("q100_quality"), "{msg}");
}
