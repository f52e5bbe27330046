//! Hostile models, files and options (issue "Hostile models, hostile folders,
//! hostile images"): each is refused with its status and a message through
//! the core and the C ABI, nothing outside the model is read, and the process
//! goes on. The CLI side is cli/tests/hostile_models.rs.

mod common;

use std::ffi::{CStr, CString};
use std::ptr::null;
use std::time::Instant;

use common::hostile::{nan_on_real_images, recognition_cases, Case, SIDE};
use common::*;
use onnx_protobuf::Message;
use serfiq::ffi::*;
use serfiq_core::{ErrorKind, Face, ImageView, Model, ModelSource, Options, PixelFormat, Want};

fn bytes_options(bytes: &[u8]) -> Options {
    Options { model: ModelSource::Bytes(bytes.to_vec()), ort_library: Some(ort_lib()), ..Default::default() }
}

fn expect_err(what: &str, r: serfiq_core::Result<Model>, kind: ErrorKind, says: &str) -> String {
    match r {
        Ok(_) => panic!("{what}: accepted"),
        Err(e) => {
            assert_eq!(e.kind, kind, "{what}: {}", e.message);
            assert!(e.message.contains(says), "{what}: the message does not say {says:?}: {}", e.message);
            e.message
        }
    }
}

/// Creates through the C ABI from bytes; returns the status and message.
fn c_create(bytes: &[u8], detector: Option<&[u8]>) -> (serfiq_status, String) {
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    assert_eq!(unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) }, SERFIQ_OK);
    let mut o = unsafe { o.assume_init() };
    let ort = CString::new(ort_lib().to_str().unwrap()).unwrap();
    o.model_data = bytes.as_ptr();
    o.model_size = bytes.len();
    o.ort_library_path = ort.as_ptr();
    if let Some(d) = detector {
        o.detector_data = d.as_ptr();
        o.detector_size = d.len();
    }
    let mut m: *mut serfiq_model = std::ptr::null_mut();
    let st = unsafe { serfiq_create(&o, &mut m) };
    let msg = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_string_lossy().into_owned();
    if st == SERFIQ_OK {
        unsafe { serfiq_destroy(m) };
    }
    (st, msg)
}

/// The C status for the kinds this suite expects (written out, not taken from the library).
fn status_of(kind: ErrorKind) -> serfiq_status {
    match kind {
        ErrorKind::UnsupportedModel => SERFIQ_ERR_UNSUPPORTED_MODEL,
        ErrorKind::ModelInvalid => SERFIQ_ERR_MODEL_INVALID,
        ErrorKind::ModelNotFound => SERFIQ_ERR_MODEL_NOT_FOUND,
        other => panic!("no C status written here for {other:?}"),
    }
}

/// `SERFIQ_WRITE_FUZZ_SEEDS=1 cargo test --test hostile_models` refreshes the
/// model_bytes fuzz seeds from these models.
#[test]
fn fuzz_seeds_hold_every_hostile_model() {
    let dir = repo().join("fuzz/seeds/model_bytes");
    let mut all: Vec<(String, Vec<u8>)> = recognition_cases()
        .into_iter()
        .filter(|c| c.bytes.len() < 1 << 20)
        .map(|c| (format!("hostile_{}", slug(c.name)), c.bytes))
        .collect();
    all.push(("hostile_nan_on_real_images".into(), nan_on_real_images()));
    for (name, bytes) in all {
        let path = dir.join(&name);
        if std::env::var_os("SERFIQ_WRITE_FUZZ_SEEDS").is_some() {
            std::fs::write(&path, &bytes).unwrap();
        }
        assert_eq!(
            std::fs::read(&path).ok(),
            Some(bytes),
            "{} is stale: rerun with SERFIQ_WRITE_FUZZ_SEEDS=1",
            path.display()
        );
    }
}

fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}

#[test]
fn every_hostile_model_is_refused_with_its_status_through_core_and_c() {
    let cases: Vec<Case> = recognition_cases();
    assert!(cases.len() >= 20, "the suite shrank: {}", cases.len());
    // A file named by an external-data location, in the working directory:
    // if serfiq let ONNX Runtime resolve it, the create would succeed.
    let cwd_secret = std::env::current_dir().unwrap().join("secret.bin");
    let planted = !cwd_secret.exists();
    if planted {
        std::fs::write(&cwd_secret, vec![0u8; 16 * 3 * 64 * 4]).unwrap();
    }
    for c in &cases {
        let t = Instant::now();
        let msg = expect_err(c.name, Model::new(&bytes_options(&c.bytes)), c.kind, c.says);
        assert!(t.elapsed().as_secs() < 20, "{}: refusing took {:?}", c.name, t.elapsed());
        let (st, cmsg) = c_create(&c.bytes, None);
        assert_eq!(st, status_of(c.kind), "{} through C: {cmsg}", c.name);
        assert!(cmsg.contains(c.says), "{} through C: {cmsg}", c.name);
        println!("{:<52} {:?}: {msg}", c.name, c.kind);
    }
    // The same models as the detector of a good recogniser.
    let good = common::hostile::base().write_to_bytes().unwrap();
    for c in cases.iter().filter(|c| c.says == "external" || c.says == "Loop" || c.says == "EPContext") {
        let opts = Options { detector: Some(ModelSource::Bytes(c.bytes.clone())), ..bytes_options(&good) };
        let msg = expect_err(c.name, Model::new(&opts), c.kind, c.says);
        assert!(msg.starts_with("detector model"), "{}: {msg}", c.name);
        let (st, _) = c_create(&good, Some(&c.bytes));
        assert_eq!(st, status_of(c.kind), "{} as detector through C", c.name);
    }
    if planted {
        std::fs::remove_file(&cwd_secret).ok();
    }
    // The process goes on: the base model still works.
    let m = Model::new(&bytes_options(&good)).expect("the base model");
    let grey = vec![100u8; (SIDE * SIDE * 3) as usize];
    let img = ImageView::packed(&grey, SIDE as u32, SIDE as u32, PixelFormat::Rgb).unwrap();
    assert!(m.score(&Face { image: img, landmarks: None }).unwrap().s.is_finite());
}

#[test]
fn a_model_that_turns_nan_on_real_images_fails_each_such_image() {
    let bytes = nan_on_real_images();
    // mean 128: a grey 128 image normalises to exact zeros, where the model is finite.
    let opts = Options { mean: [128.0; 3], ..bytes_options(&bytes) };
    let m = Model::new(&opts).expect("finite on the create-time check");
    let n = (SIDE * SIDE * 3) as usize;
    let (grey, face) = (vec![128u8; n], (0..n).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>());
    fn view(p: &[u8]) -> ImageView<'_> {
        ImageView::packed(p, SIDE as u32, SIDE as u32, PixelFormat::Rgb).unwrap()
    }
    let (g, f) = (Face { image: view(&grey), landmarks: None }, Face { image: view(&face), landmarks: None });
    assert!(m.score(&g).unwrap().s.is_finite());
    for (what, r) in [
        ("score", m.score(&f).map(|_| ())),
        ("embed", m.embed(&f).map(|_| ())),
        ("score_embed", m.score_embed(&f).map(|_| ())),
    ] {
        let e = r.expect_err(what);
        assert_eq!(e.kind, ErrorKind::Inference, "{what}: {}", e.message);
        assert!(e.message.contains("non-finite"), "{what}: {}", e.message);
    }
    let e = m.run(&[g, f], Want::Both).expect_err("a batch with a NaN image");
    assert_eq!((e.kind, e.image), (ErrorKind::Inference, Some(1)), "{}", e.message);
    let each = m.run_each(&[f, g, f], Want::Both).unwrap();
    assert!(each[0].as_ref().is_err_and(|e| e.image == Some(0) && e.kind == ErrorKind::Inference));
    assert!(each[1].as_ref().is_ok_and(|r| r.quality.is_some_and(|q| q.s.is_finite())));
    assert!(each[2].as_ref().is_err_and(|e| e.image == Some(2)));

    // Through C: the status, never a NaN marked OK.
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) };
    let mut o = unsafe { o.assume_init() };
    let ort = CString::new(ort_lib().to_str().unwrap()).unwrap();
    (o.model_data, o.model_size, o.ort_library_path, o.mean) = (bytes.as_ptr(), bytes.len(), ort.as_ptr(), [128.0; 3]);
    let mut cm: *mut serfiq_model = std::ptr::null_mut();
    assert_eq!(unsafe { serfiq_create(&o, &mut cm) }, SERFIQ_OK);
    let img = serfiq_image {
        data: face.as_ptr(),
        width: SIDE as u32,
        height: SIDE as u32,
        stride: 0,
        format: SERFIQ_PIXEL_RGB,
    };
    let mut q = serfiq_quality { s: -7.0, q: -7.0, n: -7.0, f: -7.0, q100: -7.0, l: -7.0 };
    assert_eq!(unsafe { serfiq_score(cm, &img, null(), &mut q) }, SERFIQ_ERR_INFERENCE);
    assert_eq!((q.s, q.q), (-7.0, -7.0), "outputs written on failure");
    unsafe { serfiq_destroy(cm) };
}

#[test]
fn options_whose_normalisation_overflows_are_refused() {
    let good = common::hostile::base().write_to_bytes().unwrap();
    for (what, mean, std) in [
        ("std 1e-45", [127.5f32; 3], [1e-45f32, 128.0, 128.0]),
        ("mean 3e38", [3e38, 127.5, 127.5], [128.0; 3]),
        ("mean -3.4e38 std 0.5", [127.5, -3.4e38, 127.5], [128.0, 0.5, 128.0]),
        ("std 0", [127.5; 3], [128.0, 128.0, 0.0]),
        ("std NaN", [127.5; 3], [f32::NAN, 128.0, 128.0]),
    ] {
        let opts = Options { mean, std, ..bytes_options(&good) };
        expect_err(what, Model::new(&opts), ErrorKind::InvalidArgument, "finite");
    }
    // Extreme but finite settings stay allowed.
    let opts = Options { mean: [0.0; 3], std: [1e-3; 3], ..bytes_options(&good) };
    Model::new(&opts).expect("(255 - 0) / 1e-3 = 255000 is within the bound");
    let opts = Options { mean: [0.0; 3], std: [1e-30; 3], ..bytes_options(&good) };
    expect_err("std 1e-30", Model::new(&opts), ErrorKind::InvalidArgument, "within");
}

#[test]
fn model_files_must_be_regular_and_within_the_size_limit() {
    let good = common::hostile::base().write_to_bytes().unwrap();
    let dir = std::env::temp_dir().join(format!("serfiq-hostile-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("model.onnx");
    std::fs::write(&file, &good).unwrap();
    let path_opts = |p: &std::path::Path| Options { model: ModelSource::Path(p.to_path_buf()), ..bytes_options(&[]) };
    Model::new(&path_opts(&file)).expect("the regular file");

    // /dev/zero would be read until memory runs out; a FIFO would block forever.
    let t = Instant::now();
    expect_err("/dev/zero", Model::new(&path_opts("/dev/zero".as_ref())), ErrorKind::ModelNotFound, "regular file");
    let fifo = dir.join("fifo.onnx");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    assert!(made, "mkfifo failed");
    expect_err("a FIFO", Model::new(&path_opts(&fifo)), ErrorKind::ModelNotFound, "regular file");
    expect_err("a folder", Model::new(&path_opts(&dir)), ErrorKind::ModelNotFound, "");
    assert!(t.elapsed().as_secs() < 10, "refusing special files took {:?}", t.elapsed());

    // The size limit, for files and bytes, model and detector.
    let small = good.len() as u64 - 1;
    for (what, opts) in [
        ("file over max_model_bytes", Options { max_model_bytes: small, ..path_opts(&file) }),
        ("bytes over max_model_bytes", Options { max_model_bytes: small, ..bytes_options(&good) }),
        (
            "detector over max_model_bytes",
            Options {
                max_model_bytes: good.len() as u64,
                detector: Some(ModelSource::Bytes(vec![0; good.len() + 1])),
                ..bytes_options(&good)
            },
        ),
    ] {
        expect_err(what, Model::new(&opts), ErrorKind::UnsupportedModel, "max_model_bytes");
    }
    Model::new(&Options { max_model_bytes: good.len() as u64, ..path_opts(&file) }).expect("exactly at the limit");
    for bad in [0, serfiq_core::MAX_MODEL_BYTES + 1] {
        let opts = Options { max_model_bytes: bad, ..bytes_options(&good) };
        expect_err("max_model_bytes out of range", Model::new(&opts), ErrorKind::InvalidArgument, "max_model_bytes");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_detector_digest_is_checked() {
    if !have_cache() {
        eprintln!("skipped: no cache (make fetch)");
        return;
    }
    let det = std::fs::read(fetched("models/retinaface_mnet025.onnx")).unwrap();
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&det).iter().map(|b| format!("{b:02x}")).collect();
    let with = |digest: &str| Options {
        detector: Some(ModelSource::Bytes(det.clone())),
        detector_sha256: Some(digest.to_string()),
        ..options(&default_model())
    };
    Model::new(&with(&hex.to_uppercase())).expect("the right digest, any case");
    let wrong = format!("{}0", &hex[..63]).replace(&hex[..63], &"f".repeat(63));
    let msg =
        expect_err("a wrong detector digest", Model::new(&with(&wrong)), ErrorKind::ModelDigestMismatch, "detector");
    assert!(msg.contains(&hex), "{msg}");
    expect_err("a malformed digest", Model::new(&with("abc")), ErrorKind::InvalidArgument, "detector_sha256");
    let no_detector = Options { detector_sha256: Some(hex), ..options(&default_model()) };
    expect_err("a digest without a detector", Model::new(&no_detector), ErrorKind::InvalidArgument, "detector_sha256");
}
