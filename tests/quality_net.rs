//! The second quality network (issue "A second opinion"): l is the network
//! run on the aligned face, its spec travels in the ONNX metadata, it is
//! refused as a bad recognition model is, each image fails on its own, and
//! without it f is what it always was.

mod common;

use std::ffi::{CStr, CString};

use common::hostile::recognition_cases;
use common::onnx::{model, node, value_info, A};
use common::*;
use onnx_protobuf::Message;
use serfiq::ffi::*;
use serfiq_core::quality_net::{with_spec, QualityInput, QUALITY_INPUT_KEY};
use serfiq_core::{scale, ErrorKind, Face, ImageView, Model, ModelSource, Options, PixelFormat, Want};

const SPEC: &str = "side=96;layout=nhwc;channels=rgb;mean=128;std=128";

fn shipped() -> std::path::PathBuf {
    repo().join("models/quality/lightqnet-dm025.onnx")
}

fn with_net(net: ModelSource) -> Options {
    Options { quality_net: Some(net), ..options(&default_model()) }
}

fn expect_err(what: &str, r: serfiq_core::Result<Model>, kind: ErrorKind, says: &str) {
    match r {
        Ok(_) => panic!("{what}: accepted"),
        Err(e) => {
            assert_eq!(e.kind, kind, "{what}: {}", e.message);
            assert!(e.message.contains(says), "{what}: the message does not say {says:?}: {}", e.message);
        }
    }
}

/// The 96×96 input the network's authors describe, computed here: the 112
/// crop resized bilinearly (pixel x of the 96 crop at x·112/96 of the 112
/// one), RGB, (x − 128)/128, NHWC.
fn reference_input(crop: &[u8]) -> Vec<f32> {
    let k = 112.0 / 96.0;
    let at = |x: usize, y: usize, c: usize| crop[(y * 112 + x) * 3 + c] as f64;
    let mut out = Vec::with_capacity(96 * 96 * 3);
    for y in 0..96 {
        for x in 0..96 {
            let (sx, sy) = (x as f64 * k, y as f64 * k);
            let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
            let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
            for c in 0..3 {
                let top = at(x0, y0, c) * (1.0 - fx) + at(x0 + 1, y0, c) * fx;
                let bottom = at(x0, y0 + 1, c) * (1.0 - fx) + at(x0 + 1, y0 + 1, c) * fx;
                out.push(((top * (1.0 - fy) + bottom * fy) as f32 - 128.0) / 128.0);
            }
        }
    }
    out
}

#[test]
fn l_is_a_plain_onnx_runtime_run_of_the_network_on_the_aligned_crop() {
    if !have_cache() {
        return;
    }
    let m = Model::new(&with_net(ModelSource::Path(shipped()))).unwrap();
    assert_eq!(m.quality_input(), Some(&QualityInput::parse(SPEC, ErrorKind::InvalidArgument, "t").unwrap()));
    let bytes = std::fs::read(shipped()).unwrap();
    let crops: Vec<Vec<u8>> = test_faces(4).iter().map(|f| m.aligned_crop(&f.face()).unwrap().rgb).collect();
    let views: Vec<ImageView> =
        crops.iter().map(|c| ImageView::packed(c, 112, 112, PixelFormat::Rgb).unwrap()).collect();
    let faces: Vec<Face> = views.iter().map(|&image| Face { image, landmarks: None }).collect();
    let batch = m.run(&faces, Want::Both).unwrap();
    for (k, (crop, face)) in crops.iter().zip(&faces).enumerate() {
        let want = run_onnx(&bytes, "input:0", [1, 96, 96, 3], &reference_input(crop), &["confidence_st:0"]);
        let l = m.score(face).unwrap().l;
        assert!((l - want[0][0]).abs() < 1e-5, "face {k}: l {l} against ONNX Runtime's {}", want[0][0]);
        assert!(l > 0.0 && l < 1.0, "LightQNet's output is in (0, 1): {l}");
        assert_eq!(batch.qualities[k].l.to_bits(), l.to_bits(), "face {k}: l in a batch of 4 differs from alone");
    }
    // Determinism across threads.
    let again: Vec<f32> = std::thread::scope(|s| {
        let hs: Vec<_> = faces.iter().map(|f| s.spawn(|| m.score(f).unwrap().l)).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(again.iter().zip(&batch.qualities).all(|(a, q)| a.to_bits() == q.l.to_bits()));
}

#[test]
fn the_input_spec_round_trips_through_the_onnx_metadata() {
    if !have_cache() {
        return;
    }
    let bytes = std::fs::read(shipped()).unwrap();
    let meta = |b: &[u8]| {
        let p = onnx_protobuf::ModelProto::parse_from_bytes(b).unwrap();
        p.metadata_props.iter().find(|e| e.key == QUALITY_INPUT_KEY).map(|e| e.value.clone())
    };
    let k = ErrorKind::InvalidArgument;
    let shipped_spec = QualityInput::parse(&meta(&bytes).expect("the shipped file carries its spec"), k, "t").unwrap();
    assert_eq!(shipped_spec, QualityInput::parse(SPEC, k, "t").unwrap());
    // Another spec written into the file is the one a model without a spec option reads.
    let other = QualityInput { bgr: true, mean: [120.0, 128.0, 136.0], ..shipped_spec.clone() };
    let stamped = with_spec(&bytes, &other).unwrap();
    assert_eq!(QualityInput::parse(&meta(&stamped).unwrap(), k, "t").unwrap(), other);
    let m = Model::new(&with_net(ModelSource::Bytes(stamped.clone()))).unwrap();
    assert_eq!(m.quality_input(), Some(&other));
    // The option wins over the metadata.
    let o = Options { quality_net_spec: Some(SPEC.into()), ..with_net(ModelSource::Bytes(stamped)) };
    assert_eq!(Model::new(&o).unwrap().quality_input(), Some(&shipped_spec));
    // No metadata and no option: the model is refused, saying what to do.
    let mut bare = onnx_protobuf::ModelProto::parse_from_bytes(&bytes).unwrap();
    bare.metadata_props.clear();
    let bare = bare.write_to_bytes().unwrap();
    expect_err("no spec", Model::new(&with_net(ModelSource::Bytes(bare))), ErrorKind::ModelInvalid, "quality_net_spec");
}

/// Creates through the C ABI with the shipped network given as bytes.
fn c_create_with_net(net: &[u8], spec: Option<&str>, sha: Option<&str>) -> (serfiq_status, String) {
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    assert_eq!(unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) }, SERFIQ_OK);
    let mut o = unsafe { o.assume_init() };
    let ort = CString::new(ort_lib().to_str().unwrap()).unwrap();
    let model = CString::new(default_model().to_str().unwrap()).unwrap();
    let spec = spec.map(|s| CString::new(s).unwrap());
    let sha = sha.map(|s| CString::new(s).unwrap());
    o.model_path = model.as_ptr();
    o.ort_library_path = ort.as_ptr();
    o.quality_net_data = net.as_ptr();
    o.quality_net_size = net.len();
    o.quality_net_spec = spec.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    o.quality_net_sha256 = sha.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    let mut m: *mut serfiq_model = std::ptr::null_mut();
    let st = unsafe { serfiq_create(&o, &mut m) };
    let msg = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_string_lossy().into_owned();
    if st == SERFIQ_OK {
        unsafe { serfiq_destroy(m) };
    }
    (st, msg)
}

#[test]
fn a_bad_spec_or_a_hostile_graph_gets_the_statuses_of_a_bad_recognition_model() {
    if !have_cache() {
        return;
    }
    let bytes = std::fs::read(shipped()).unwrap();
    // A bad spec option, a bad metadata spec.
    let o = Options { quality_net_spec: Some("side=96;layout=nhwc".into()), ..with_net(ModelSource::Path(shipped())) };
    expect_err("bad spec option", Model::new(&o), ErrorKind::InvalidArgument, "channels");
    let mut p = onnx_protobuf::ModelProto::parse_from_bytes(&bytes).unwrap();
    p.metadata_props.iter_mut().filter(|e| e.key == QUALITY_INPUT_KEY).for_each(|e| e.value = "side=-1".into());
    let bad_meta = p.write_to_bytes().unwrap();
    expect_err(
        "bad metadata",
        Model::new(&with_net(ModelSource::Bytes(bad_meta.clone()))),
        ErrorKind::ModelInvalid,
        "side",
    );
    assert_eq!(c_create_with_net(&bad_meta, None, None).0, SERFIQ_ERR_MODEL_INVALID);
    assert_eq!(c_create_with_net(&bytes, Some("side=96"), None).0, SERFIQ_ERR_INVALID_ARGUMENT);
    // A spec that does not fit the graph's input.
    let o = Options {
        quality_net_spec: Some("side=112;layout=nhwc;channels=rgb;mean=128;std=128".into()),
        ..with_net(ModelSource::Path(shipped()))
    };
    expect_err("wrong side", Model::new(&o), ErrorKind::UnsupportedModel, "input");
    // Pins, limits and paths, as for the model.
    let wrong = "0".repeat(64);
    let o = Options { quality_net_sha256: Some(wrong.clone()), ..with_net(ModelSource::Path(shipped())) };
    expect_err("digest", Model::new(&o), ErrorKind::ModelDigestMismatch, "quality network SHA-256");
    assert_eq!(c_create_with_net(&bytes, None, Some(&wrong)).0, SERFIQ_ERR_MODEL_DIGEST_MISMATCH);
    let o = Options { quality_net_sha256: Some(wrong), ..options(&default_model()) };
    expect_err("pin without a network", Model::new(&o), ErrorKind::InvalidArgument, "no quality network");
    let limit = std::fs::metadata(default_model()).unwrap().len();
    let big = ModelSource::Bytes(vec![0; limit as usize + 1]);
    let o = Options { max_model_bytes: limit, ..with_net(big) };
    expect_err("too large", Model::new(&o), ErrorKind::UnsupportedModel, "the quality network is");
    let o = with_net(ModelSource::Path(repo().join("models/quality/no-such.onnx")));
    expect_err("missing file", Model::new(&o), ErrorKind::ModelNotFound, "quality network");
    expect_err("empty", Model::new(&with_net(ModelSource::Bytes(Vec::new()))), ErrorKind::ModelInvalid, "empty");
    expect_err("not ONNX", Model::new(&with_net(ModelSource::Bytes(vec![7; 64]))), ErrorKind::ModelInvalid, "ONNX");
    // The hostile graphs that concern any ONNX file.
    let hostile: Vec<_> =
        recognition_cases().into_iter().filter(|c| matches!(c.says, "external" | "Loop" | "EPContext")).collect();
    assert!(hostile.len() >= 8, "{}", hostile.len());
    for c in &hostile {
        let o = Options { quality_net_spec: Some(SPEC.into()), ..with_net(ModelSource::Bytes(c.bytes.clone())) };
        expect_err(c.name, Model::new(&o), c.kind, c.says);
        let (st, msg) = c_create_with_net(&c.bytes, Some(SPEC), None);
        assert_eq!(st, SERFIQ_ERR_UNSUPPORTED_MODEL, "{} through C: {msg}", c.name);
        assert!(msg.starts_with("quality network"), "{}: {msg}", c.name);
    }
}

/// A network of batch 1 that gives sqrt(mean of the normalised input): 0 on
/// the grey create-time check, NaN on any darker image.
fn nan_on_dark_images() -> Vec<u8> {
    model(
        vec![
            node("ReduceMean", "mean", &["x"], "m", &[A::Ints("axes", &[1, 2, 3]), A::I("keepdims", 0)]),
            node("Sqrt", "sqrt", &["m"], "l", &[]),
        ],
        Vec::new(),
        value_info("x", &[1, 96, 96, 3]),
        value_info("l", &[1]),
    )
}

#[test]
fn an_image_whose_l_is_not_finite_fails_on_its_own() {
    if !have_cache() {
        return;
    }
    let o = Options { quality_net_spec: Some(SPEC.into()), ..with_net(ModelSource::Bytes(nan_on_dark_images())) };
    let m = Model::new(&o).expect("finite on the create-time check");
    let (dark, light) = (vec![50u8; 112 * 112 * 3], vec![200u8; 112 * 112 * 3]);
    fn view(p: &[u8]) -> Face<'_> {
        Face { image: ImageView::packed(p, 112, 112, PixelFormat::Rgb).unwrap(), landmarks: None }
    }
    let (d, l) = (view(&dark), view(&light));
    let ok = m.score(&l).unwrap();
    assert!((ok.l - (72.0f32 / 128.0).sqrt()).abs() < 1e-6, "{}", ok.l);
    let e = m.score(&d).expect_err("NaN l");
    assert_eq!(e.kind, ErrorKind::Inference, "{}", e.message);
    assert!(e.message.contains("non-finite l"), "{}", e.message);
    let each = m.run_each(&[d, l, d], Want::Both).unwrap();
    assert!(each[0].as_ref().is_err_and(|e| e.image == Some(0) && e.kind == ErrorKind::Inference));
    assert!(each[1].as_ref().is_ok_and(|r| r.quality.is_some_and(|q| q.l == ok.l)));
    assert!(each[2].as_ref().is_err_and(|e| e.image == Some(2)));
    // Embeddings alone do not run the network.
    assert!(m.embed(&d).is_ok());
}

#[test]
fn without_the_network_f_is_bit_identical_to_the_fusion_of_s_and_n() {
    if !have_cache() {
        return;
    }
    let plain = load(&default_model());
    let fused = Model::new(&with_net(ModelSource::Path(shipped()))).unwrap();
    assert!(!plain.fuses_l() && fused.fuses_l());
    let sc = plain.scales();
    let (s_spread, n_spread) = (sc.s.unwrap(), sc.n.unwrap());
    let l_spread = fused.scales().l.unwrap();
    for f in test_faces(4) {
        let (a, b) = (plain.score(&f.face()).unwrap(), fused.score(&f.face()).unwrap());
        let old_f = scale::fused(&s_spread, Some(&n_spread), a.s as f64, a.n as f64) as f32;
        assert_eq!(a.f.to_bits(), old_f.to_bits(), "{}: f without the network", f.name);
        assert!(a.l.is_nan(), "{}: l without a network is NaN", f.name);
        assert_eq!((a.s.to_bits(), a.n.to_bits()), (b.s.to_bits(), b.n.to_bits()), "{}: s and n change", f.name);
        let new_f = scale::fused_with_l(&s_spread, Some(&n_spread), &l_spread, b.s as f64, b.n as f64, b.l as f64);
        assert_eq!(b.f.to_bits(), (new_f as f32).to_bits(), "{}: f with the network", f.name);
        let want = 0.5 * (old_f as f64 + (b.l as f64 - l_spread.median) / (l_spread.p95 - l_spread.p5));
        assert!((b.f as f64 - want).abs() < 1e-6, "{}: {} against {want}", f.name, b.f);
    }
}

#[test]
fn a_v5_options_struct_gets_no_network() {
    if !have_cache() {
        return;
    }
    // Bytes past a V5 struct_size are not read, whatever they hold.
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    assert_eq!(unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) }, SERFIQ_OK);
    let mut o = unsafe { o.assume_init() };
    let ort = CString::new(ort_lib().to_str().unwrap()).unwrap();
    let model_path = CString::new(default_model().to_str().unwrap()).unwrap();
    let missing = CString::new("/nonexistent/quality.onnx").unwrap();
    o.model_path = model_path.as_ptr();
    o.ort_library_path = ort.as_ptr();
    o.quality_net_path = missing.as_ptr();
    let mut m: *mut serfiq_model = std::ptr::null_mut();
    assert_eq!(unsafe { serfiq_create(&o, &mut m) }, SERFIQ_ERR_MODEL_NOT_FOUND, "V6: the path is read");
    o.struct_size = SERFIQ_OPTIONS_SIZE_V5;
    assert_eq!(unsafe { serfiq_create(&o, &mut m) }, SERFIQ_OK, "V5: the V6 fields are not read");
    let face = &test_faces(1)[0];
    let crop = load(&default_model()).aligned_crop(&face.face()).unwrap().rgb;
    let img = serfiq_image { data: crop.as_ptr(), width: 112, height: 112, stride: 0, format: SERFIQ_PIXEL_RGB };
    let mut q = serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 };
    assert_eq!(unsafe { serfiq_score(m, &img, std::ptr::null(), &mut q) }, SERFIQ_OK);
    assert!(q.l.is_nan() && q.f.is_finite());
    unsafe { serfiq_destroy(m) };
}
