//! The bad-input matrix through the C ABI: every case gets its documented
//! status and a message, leaves outputs untouched, and the model keeps working.
//!
//! One #[test] on purpose: ONNX Runtime loads once per process, so the
//! missing-runtime cases must run before anything loads it.

mod common;

use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};

use common::onnx::{model, node, tensor, value_info, A};
use serfiq::ffi::*;

struct Matrix {
    rows: Vec<(String, serfiq_status, serfiq_status)>,
}

impl Matrix {
    /// Records a case: the status it gave must be `want`, with a message unless OK.
    fn case(&mut self, name: &str, want: serfiq_status, got: serfiq_status) {
        let msg = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_string_lossy().into_owned();
        self.case_said(name, want, got, msg);
    }

    /// A case whose message `msg` came from elsewhere (another process).
    fn case_said(&mut self, name: &str, want: serfiq_status, got: serfiq_status, msg: String) {
        if want != SERFIQ_OK {
            assert!(!msg.is_empty(), "{name}: no message");
        }
        println!("{:<58} {:<38} {msg}", name, status_name(got));
        self.rows.push((name.to_string(), want, got));
    }

    fn finish(self) {
        let bad: Vec<_> = self.rows.iter().filter(|(_, w, g)| w != g).collect();
        println!("{} cases, {} as documented", self.rows.len(), self.rows.len() - bad.len());
        assert!(
            bad.is_empty(),
            "cases with the wrong status: {:#?}",
            bad.iter().map(|(n, w, g)| (n, status_name(*w), status_name(*g))).collect::<Vec<_>>()
        );
        assert!(self.rows.len() >= 40, "the matrix must cover at least 40 cases");
    }
}

fn status_name(s: serfiq_status) -> String {
    unsafe { CStr::from_ptr(serfiq_status_name(s)) }.to_string_lossy().into_owned()
}

fn init() -> serfiq_options {
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    assert_eq!(unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) }, SERFIQ_OK);
    unsafe { o.assume_init() }
}

/// Creates with `o`; a failed create must leave `*model_out` as it was.
fn create(o: &serfiq_options) -> (serfiq_status, *mut serfiq_model) {
    let sentinel = 0x5e7f10_usize as *mut serfiq_model;
    let mut m = sentinel;
    let st = unsafe { serfiq_create(o, &mut m) };
    if st != SERFIQ_OK {
        assert_eq!(m, sentinel, "a failed create wrote its output");
    }
    (st, m)
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A small valid recogniser: Conv 8×8/8 → GAP → Flatten → Gemm(16→8).
fn tiny_model(channels: i64, tail: &str) -> Vec<u8> {
    let mut nodes = vec![
        node("Conv", "conv", &["x", "cw"], "c", &[A::Ints("kernel_shape", &[8, 8]), A::Ints("strides", &[8, 8])]),
        node("GlobalAveragePool", "gap", &["c"], "g", &[]),
        node("Flatten", "flat", &["g"], "f", &[]),
        node("Gemm", "fc", &["f", "fw", "fb"], "e", &[A::I("transB", 1)]),
    ];
    let out = match tail {
        "softmax" => {
            nodes.push(node("Softmax", "cls", &["e"], "y", &[A::I("axis", 1)]));
            "y"
        }
        _ => "e",
    };
    let cw: Vec<f32> = (0..16 * channels * 64).map(|i| ((i * 37 % 101) as f32 - 50.0) / 500.0).collect();
    let fw: Vec<f32> = (0..8 * 16).map(|i| ((i * 13 % 29) as f32 - 14.0) / 20.0).collect();
    model(
        nodes,
        vec![tensor("cw", &[16, channels, 8, 8], &cw), tensor("fw", &[8, 16], &fw), tensor("fb", &[8], &[0.1; 8])],
        value_info("x", &[1, channels, 112, 112]),
        value_info(out, &[1, 8]),
    )
}

/// `SERFIQ_WRITE_FUZZ_SEEDS=1 cargo test --test bad_inputs` refreshes the
/// committed seeds of the model-bytes fuzz target from these synthetic models.
#[test]
fn fuzz_seeds_are_current() {
    let dir = common::repo().join("fuzz/seeds/model_bytes");
    let mut seeds = vec![("gemm_embedding", tiny_model(3, "")), ("softmax_classifier", tiny_model(3, "softmax"))];
    seeds.extend(METADATA_SEEDS.iter().map(|&(name, props)| (name, with_metadata(&tiny_model(3, ""), props))));
    for (name, bytes) in seeds {
        let path = dir.join(name);
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

/// Calibration metadata for the model_bytes fuzz target (issue 27): a valid
/// calibration and the values that once gave f = inf or q100 = NaN.
const METADATA_SEEDS: [(&str, &[(&str, &str)]); 4] = [
    (
        "metadata_valid_calibration",
        &[
            ("serfiq.alpha", "118"),
            ("serfiq.r", "0.576"),
            ("serfiq.s_percentiles", "0.55,0.576,0.6"),
            ("serfiq.n_percentiles", "10,20,30"),
            ("serfiq.s_quantiles", "0.4,0.5,0.55,0.6,0.7"),
            ("serfiq.f_quantiles", "-2,-1,0,1,2"),
        ],
    ),
    ("metadata_subnormal_spread", &[("serfiq.s_percentiles", "0,0,1e-300"), ("serfiq.n_percentiles", "0,0,1e-300")]),
    (
        "metadata_huge_tables",
        &[("serfiq.s_quantiles", "-1.7e308,0,1.7e308"), ("serfiq.f_quantiles", "-1.7e308,1.7e308")],
    ),
    ("metadata_negative_alpha", &[("serfiq.alpha", "-118"), ("serfiq.r", "0.5")]),
];

/// `model` with these metadata entries appended.
fn with_metadata(model: &[u8], props: &[(&str, &str)]) -> Vec<u8> {
    use onnx_protobuf::Message;
    let mut m = onnx_protobuf::ModelProto::parse_from_bytes(model).unwrap();
    for (k, v) in props {
        let mut p = onnx_protobuf::StringStringEntryProto::new();
        (p.key, p.value) = (k.to_string(), v.to_string());
        m.metadata_props.push(p);
    }
    m.write_to_bytes().unwrap()
}

/// `SERFIQ_SEARCH_EXPLICIT_ONLY` in a process of its own (ONNX Runtime is loaded
/// once per process): this test binary again, running only `explicit_only_child`
/// with `SERFIQ_ORT_LIB` naming the real library.
#[test]
fn explicit_only_search_ignores_the_environment() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "explicit_only_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env("SERFIQ_ORT_LIB", common::ort_lib())
        .env("SERFIQ_EXPLICIT_ONLY_CHILD", "1")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    assert!(out.status.success() && text.contains("explicit-only child: every case as documented"), "{text}");
}

#[test]
#[ignore = "run by explicit_only_search_ignores_the_environment in a process of its own"]
fn explicit_only_child() {
    if std::env::var_os("SERFIQ_EXPLICIT_ONLY_CHILD").is_none() {
        return;
    }
    let mut mx = Matrix { rows: Vec::new() };
    let model_c = cstr(common::default_model().to_str().unwrap());
    let ort_c = cstr(common::ort_lib().to_str().unwrap());
    let mut o = init();
    o.model_path = model_c.as_ptr();
    o.search_paths = SERFIQ_SEARCH_EXPLICIT_ONLY;
    // SERFIQ_ORT_LIB names a good library, but explicit-only does not read it.
    mx.case("explicit-only, SERFIQ_ORT_LIB set, no path", SERFIQ_ERR_RUNTIME_NOT_FOUND, create(&o).0);
    let said = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_str().unwrap().to_string();
    assert!(said.contains("explicit-only") && said.contains("ort_library_path"), "{said}");
    // The control: the default search takes SERFIQ_ORT_LIB and loads it.
    o.search_paths = SERFIQ_SEARCH_DEFAULT;
    let (st, m) = create(&o);
    mx.case("default search, SERFIQ_ORT_LIB set, no path", SERFIQ_OK, st);
    let mut back = init();
    assert_eq!(unsafe { serfiq_get_options(m, &mut back) }, SERFIQ_OK);
    assert!(back.ort_library_path.is_null(), "no path was given");
    unsafe { serfiq_destroy(m) };
    // Loaded now: explicit-only with the loaded library's path works.
    o.search_paths = SERFIQ_SEARCH_EXPLICIT_ONLY;
    o.ort_library_path = ort_c.as_ptr();
    let (st, m) = create(&o);
    mx.case("explicit-only with the loaded library's path", SERFIQ_OK, st);
    unsafe { serfiq_destroy(m) };
    // Documented (serfiq_options.search_paths): explicit-only needs the path on
    // every create, also once ONNX Runtime is loaded.
    o.ort_library_path = null();
    mx.case("explicit-only without a path, ONNX Runtime already loaded", SERFIQ_ERR_RUNTIME_NOT_FOUND, create(&o).0);
    let bad: Vec<_> = mx.rows.iter().filter(|(_, w, g)| w != g).collect();
    assert!(bad.is_empty(), "{bad:?}");
    println!("explicit-only child: every case as documented");
}

#[test]
fn every_bad_input_gets_its_status() {
    let mut mx = Matrix { rows: Vec::new() };
    let model_path = common::default_model();
    let ort = common::ort_lib();
    let model_c = cstr(model_path.to_str().unwrap());
    let ort_c = cstr(ort.to_str().unwrap());
    let tmp = std::env::temp_dir().join(format!("serfiq-bad-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).unwrap();
        cstr(p.to_str().unwrap())
    };
    let real = std::fs::read(&model_path).unwrap();

    // ---- ONNX Runtime missing or not ONNX Runtime: before anything loads it.
    let mut o = init();
    o.model_path = model_c.as_ptr();
    let missing = cstr("/nonexistent/libonnxruntime.so.1");
    o.ort_library_path = missing.as_ptr();
    mx.case("ort_library_path missing", SERFIQ_ERR_RUNTIME_NOT_FOUND, create(&o).0);
    let not_ort = file("libnot_ort.so", b"\x7fELF but not really a library");
    o.ort_library_path = not_ort.as_ptr();
    mx.case("ort_library_path not a shared library", SERFIQ_ERR_RUNTIME_NOT_FOUND, create(&o).0);
    if let Some(libm) = ["/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
    {
        let libm = cstr(libm);
        o.ort_library_path = libm.as_ptr();
        mx.case("ort_library_path a library that is not ONNX Runtime", SERFIQ_ERR_RUNTIME_NOT_FOUND, create(&o).0);
    }

    // Explicit-only search and no ONNX Runtime path: nothing is searched, not even
    // SERFIQ_ORT_LIB (the child process of `explicit_only_search_ignores_the_environment`
    // checks that with the variable set).
    o.ort_library_path = null();
    o.search_paths = SERFIQ_SEARCH_EXPLICIT_ONLY;
    mx.case("explicit-only search without ort_library_path", SERFIQ_ERR_RUNTIME_NOT_FOUND, create(&o).0);
    let said = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_str().unwrap().to_string();
    assert!(said.contains("explicit-only"), "{said}");

    // ---- Options.
    let size = std::mem::size_of::<serfiq_options>();
    mx.case("options_init(NULL)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_options_init(null_mut(), size) });
    let mut big = [0xAAu8; 512];
    mx.case("options_init with size 0", SERFIQ_ERR_OPTIONS_SIZE, unsafe {
        serfiq_options_init(big.as_mut_ptr() as *mut serfiq_options, 0)
    });
    mx.case("options_init with a size below V1", SERFIQ_ERR_OPTIONS_SIZE, unsafe {
        serfiq_options_init(big.as_mut_ptr() as *mut serfiq_options, SERFIQ_OPTIONS_SIZE_V1 - 8)
    });
    mx.case("options_init with a newer, larger size", SERFIQ_ERR_OPTIONS_SIZE, unsafe {
        serfiq_options_init(big.as_mut_ptr() as *mut serfiq_options, size + 64)
    });
    assert!(big.iter().all(|&b| b == 0xAA), "a failed options_init wrote to the caller's buffer");
    let mut m: *mut serfiq_model = null_mut();
    mx.case("create(NULL options)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_create(null(), &mut m) });
    let base = {
        let mut o = init();
        o.model_path = model_c.as_ptr();
        o.ort_library_path = ort_c.as_ptr();
        o
    };
    mx.case("create(NULL model_out)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_create(&base, null_mut()) });
    let with = |f: &dyn Fn(&mut serfiq_options)| {
        let mut o = base.clone_fields();
        f(&mut o);
        create(&o).0
    };
    mx.case("struct_size 0", SERFIQ_ERR_OPTIONS_SIZE, with(&|o| o.struct_size = 0));
    mx.case("struct_size below V1", SERFIQ_ERR_OPTIONS_SIZE, with(&|o| o.struct_size = SERFIQ_OPTIONS_SIZE_V1 - 8));
    mx.case("struct_size too large", SERFIQ_ERR_OPTIONS_SIZE, with(&|o| o.struct_size += 8));
    mx.case("no model_path and no model_data", SERFIQ_ERR_NULL_ARGUMENT, with(&|o| o.model_path = null()));
    let bad_utf8 = [0xffu8, 0xfe, b'x', 0];
    mx.case(
        "model_path not UTF-8",
        SERFIQ_ERR_INVALID_ARGUMENT,
        with(&|o| o.model_path = bad_utf8.as_ptr() as *const c_char),
    );
    mx.case("samples 0", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.samples = 0));
    mx.case("samples 1", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.samples = 1));
    mx.case("samples huge", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.samples = u32::MAX));
    mx.case("dropout 0", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.dropout = 0.0));
    mx.case("dropout 1", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.dropout = 1.0));
    mx.case("dropout NaN", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.dropout = f32::NAN));
    mx.case("alpha infinite", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.alpha = f64::INFINITY));
    mx.case("r -infinite", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.r = f64::NEG_INFINITY));
    mx.case("std 0", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.std = [128.0, 0.0, 128.0]));
    mx.case("mean NaN", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.mean = [f32::NAN; 3]));
    // Issue 27: values that passed and gave q = 0 everywhere, s = 1 everywhere or
    // every pixel normalised to 0.
    mx.case("alpha negative", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.alpha = -118.0));
    mx.case("alpha subnormal", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.alpha = 1e-310));
    mx.case("r 1e300", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.r = 1e300));
    mx.case("std infinite", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.std = [f32::INFINITY; 3]));
    mx.case("dropout 1e-30", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.dropout = 1e-30));
    mx.case("channel_order unknown", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.channel_order = 7));
    mx.case("max_sessions absurd", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.max_sessions = u32::MAX));
    mx.case("execution_provider unknown", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.execution_provider = 9));
    let cuda_here = common::ort_lib().parent().is_some_and(|d| d.join("libonnxruntime_providers_cuda.so").exists());
    if !cuda_here {
        mx.case(
            "CUDA asked for, no CUDA runtime",
            SERFIQ_ERR_GPU_UNAVAILABLE,
            with(&|o| o.execution_provider = SERFIQ_PROVIDER_CUDA),
        );
        let mut o = base.clone_fields();
        o.execution_provider = SERFIQ_PROVIDER_CUDA;
        o.gpu_fallback = 1;
        let (st, m) = create(&o);
        mx.case("CUDA asked for with gpu_fallback", SERFIQ_OK, st);
        let mut provider = 77;
        mx.case("get_execution_provider after a fallback", SERFIQ_OK, unsafe {
            serfiq_get_execution_provider(m, &mut provider)
        });
        assert_eq!(provider, SERFIQ_PROVIDER_CPU, "a fallback model reports the CPU");
        mx.case("get_execution_provider(NULL out)", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
            serfiq_get_execution_provider(m, null_mut())
        });
        unsafe { serfiq_destroy(m) };
    }
    mx.case("search_paths unknown", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.search_paths = 2));
    let said = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_str().unwrap().to_string();
    assert!(said.contains("search_paths"), "{said}");
    mx.case(
        "explicit-only search with ort_library_path (the loaded one)",
        SERFIQ_OK,
        with(&|o| o.search_paths = SERFIQ_SEARCH_EXPLICIT_ONLY),
    );
    if !cuda_here {
        mx.case(
            "explicit-only search, CUDA without cuda_library_path",
            SERFIQ_ERR_GPU_UNAVAILABLE,
            with(&|o| {
                o.search_paths = SERFIQ_SEARCH_EXPLICIT_ONLY;
                o.execution_provider = SERFIQ_PROVIDER_CUDA;
            }),
        );
    }
    mx.case(
        "max_model_bytes over 2^31 - 1",
        SERFIQ_ERR_INVALID_ARGUMENT,
        with(&|o| o.max_model_bytes = serfiq_core::MAX_MODEL_BYTES + 1),
    );
    mx.case("max_model_bytes u64::MAX", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.max_model_bytes = u64::MAX));
    mx.case("max_model_bytes 0 is the default", SERFIQ_OK, with(&|o| o.max_model_bytes = 0));
    mx.case("face_policy unknown", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.face_policy = 2));
    mx.case("detector_threshold 1", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.detector_threshold = 1.0));
    mx.case("detector_threshold NaN", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.detector_threshold = f32::NAN));
    mx.case("detector_threshold negative", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.detector_threshold = -0.1));
    // A caller of the first published size: the bytes after its struct (here
    // garbage that would be a bad face_policy and wild pointers) are never read.
    let mut v1 = [0xAAu8; 256];
    let v1_status = unsafe {
        let p = v1.as_mut_ptr() as *mut serfiq_options;
        assert_eq!(serfiq_options_init(p, SERFIQ_OPTIONS_SIZE_V1), SERFIQ_OK);
        assert!(v1[SERFIQ_OPTIONS_SIZE_V1..].iter().all(|&b| b == 0xAA), "options_init wrote past struct_size");
        std::ptr::addr_of_mut!((*p).model_path).write(model_c.as_ptr());
        std::ptr::addr_of_mut!((*p).ort_library_path).write(ort_c.as_ptr());
        let mut m = null_mut();
        let st = serfiq_create(p, &mut m);
        serfiq_destroy(m);
        st
    };
    mx.case("V1-sized options, garbage after them", SERFIQ_OK, v1_status);
    // A caller of the V3 header: garbage where the V4 fields are (a max_model_bytes of 2
    // and a wild detector_sha256 would both fail) gets their defaults, and reads them
    // back as its own V3 struct with nothing written past it.
    #[repr(C, align(16))]
    struct Bytes([u8; 512]);
    let v3_status = unsafe {
        let mut v3 = Bytes([0xAAu8; 512]);
        let v3 = &mut v3.0;
        let p = v3.as_mut_ptr() as *mut serfiq_options;
        assert_eq!(serfiq_options_init(p, SERFIQ_OPTIONS_SIZE_V3), SERFIQ_OK);
        assert!(v3[SERFIQ_OPTIONS_SIZE_V3..].iter().all(|&b| b == 0xAA), "options_init wrote past struct_size");
        std::ptr::addr_of_mut!((*p).model_path).write(model_c.as_ptr());
        std::ptr::addr_of_mut!((*p).ort_library_path).write(ort_c.as_ptr());
        std::ptr::addr_of_mut!((*p).max_model_bytes).write(2);
        let mut m = null_mut();
        let st = serfiq_create(p, &mut m);
        if st == SERFIQ_OK {
            let mut back = Bytes([0x55u8; 512]);
            let back = &mut back.0;
            let q = back.as_mut_ptr() as *mut serfiq_options;
            std::ptr::addr_of_mut!((*q).struct_size).write(SERFIQ_OPTIONS_SIZE_V3);
            assert_eq!(serfiq_get_options(m, q), SERFIQ_OK);
            assert!(back[SERFIQ_OPTIONS_SIZE_V3..].iter().all(|&b| b == 0x55), "get_options wrote past V3");
            assert_eq!(std::ptr::addr_of!((*q).struct_size).read(), SERFIQ_OPTIONS_SIZE_V3);
            let mut full = init();
            assert_eq!(serfiq_get_options(m, &mut full), SERFIQ_OK);
            assert_eq!(full.max_model_bytes, serfiq_core::DEFAULT_MAX_MODEL_BYTES, "V3 caller: default limit");
            assert!(full.detector_sha256.is_null());
            assert_eq!(full.search_paths, SERFIQ_SEARCH_DEFAULT);
        }
        serfiq_destroy(m);
        st
    };
    mx.case("V3-sized options, garbage after them", SERFIQ_OK, v3_status);
    // A caller of the V4 header: its struct's tail padding (where input_mode lies on
    // 64-bit targets, inside its struct_size) is 0xFF, which would be an unknown input
    // mode; the V5 fields keep their defaults.
    let v4_status = unsafe {
        let mut v4 = Bytes([0xFFu8; 512]);
        let p = v4.0.as_mut_ptr() as *mut serfiq_options;
        assert_eq!(serfiq_options_init(p, SERFIQ_OPTIONS_SIZE_V4), SERFIQ_OK);
        let pad = std::mem::offset_of!(serfiq_options, search_paths) + 4;
        v4.0[pad..SERFIQ_OPTIONS_SIZE_V4].fill(0xFF);
        std::ptr::addr_of_mut!((*p).model_path).write(model_c.as_ptr());
        std::ptr::addr_of_mut!((*p).ort_library_path).write(ort_c.as_ptr());
        let mut m = null_mut();
        let st = serfiq_create(p, &mut m);
        if st == SERFIQ_OK {
            let mut full = init();
            assert_eq!(serfiq_get_options(m, &mut full), SERFIQ_OK);
            assert_eq!(full.input_mode, SERFIQ_INPUT_AUTO, "V4 caller: default input mode");
            assert_eq!(full.detector_max_side, serfiq_core::detect::DEFAULT_MAX_SIDE, "V4 caller: default side");
        }
        serfiq_destroy(m);
        st
    };
    mx.case("V4-sized options, padding 0xFF", SERFIQ_OK, v4_status);
    // The control: the same bytes in a V5 struct are read, and refused.
    mx.case("input_mode 0xFFFFFFFF", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.input_mode = u32::MAX));
    mx.case(
        "input_mode photo without a detector",
        SERFIQ_ERR_INVALID_ARGUMENT,
        with(&|o| o.input_mode = SERFIQ_INPUT_PHOTO),
    );
    mx.case("detector_max_side 31", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.detector_max_side = 31));
    mx.case("detector_max_side 32769", SERFIQ_ERR_INVALID_ARGUMENT, with(&|o| o.detector_max_side = 32769));
    mx.case("detector_max_side 32", SERFIQ_OK, with(&|o| o.detector_max_side = 32));
    // ---- V6: the feedback profile's text.
    let profiles: Vec<(&str, CString, serfiq_status)> = [
        ("unknown preset", "passport", SERFIQ_ERR_INVALID_ARGUMENT),
        ("empty", "", SERFIQ_ERR_INVALID_ARGUMENT),
        ("key without value", "live;max_yaw", SERFIQ_ERR_INVALID_ARGUMENT),
        ("unknown key", "live;max_jaw=3", SERFIQ_ERR_INVALID_ARGUMENT),
        ("negative value", "enrolment;max_roll=-1", SERFIQ_ERR_INVALID_ARGUMENT),
        ("NaN value", "enrolment;max_roll=NaN", SERFIQ_ERR_INVALID_ARGUMENT),
        ("infinite value", "enrolment;max_roll=inf", SERFIQ_ERR_INVALID_ARGUMENT),
        ("text value", "enrolment;max_roll=ten", SERFIQ_ERR_INVALID_ARGUMENT),
        ("key twice", "live;max_roll=1;max_roll=2", SERFIQ_ERR_INVALID_ARGUMENT),
        ("refine not 0 or 1", "enrolment;refine=2", SERFIQ_ERR_INVALID_ARGUMENT),
        ("preset with overrides", "live;max_roll=10;min_q100=0", SERFIQ_OK),
        ("refine switched on", "live;refine=1", SERFIQ_OK),
    ]
    .into_iter()
    .map(|(name, text, want)| (name, cstr(text), want))
    .collect();
    for (name, text, want) in &profiles {
        let got = with(&|o| o.feedback_profile = text.as_ptr());
        mx.case(&format!("feedback_profile {name}"), *want, got);
    }
    let not_utf8 = CString::new(vec![b'l', 0xFF, b'v']).unwrap();
    mx.case(
        "feedback_profile not UTF-8",
        SERFIQ_ERR_INVALID_ARGUMENT,
        with(&|o| o.feedback_profile = not_utf8.as_ptr()),
    );
    // The V4 fields really are read from a V4 struct (the control of the case above).
    mx.case("V4-sized options, max_model_bytes 2", SERFIQ_ERR_UNSUPPORTED_MODEL, with(&|o| o.max_model_bytes = 2));
    mx.case(
        "struct_size ending inside max_model_bytes",
        SERFIQ_OK,
        with(&|o| {
            o.struct_size = SERFIQ_OPTIONS_SIZE_V3 + 4;
            o.max_model_bytes = 2;
        }),
    );
    // A size that ends inside a field: the field is not read.
    let garbage_path = [0xffu8, 0xfe, 0];
    mx.case(
        "struct_size ending inside detector_path",
        SERFIQ_OK,
        with(&|o| {
            o.struct_size = SERFIQ_OPTIONS_SIZE_V1 + 4;
            o.detector_path = garbage_path.as_ptr() as *const c_char;
        }),
    );

    // ---- Model files and bytes.
    let missing_model = cstr("/nonexistent/model.onnx");
    mx.case("model file missing", SERFIQ_ERR_MODEL_NOT_FOUND, with(&|o| o.model_path = missing_model.as_ptr()));
    let dir = cstr(tmp.to_str().unwrap());
    mx.case("model path is a folder", SERFIQ_ERR_MODEL_NOT_FOUND, with(&|o| o.model_path = dir.as_ptr()));
    let empty = file("empty.onnx", b"");
    mx.case("model file empty", SERFIQ_ERR_MODEL_INVALID, with(&|o| o.model_path = empty.as_ptr()));
    let trunc_small = file("truncated_1k.onnx", &real[..1000]);
    mx.case("model file truncated to 1 kB", SERFIQ_ERR_MODEL_INVALID, with(&|o| o.model_path = trunc_small.as_ptr()));
    let trunc_half = file("truncated_half.onnx", &real[..real.len() / 2]);
    mx.case("model file truncated to half", SERFIQ_ERR_MODEL_INVALID, with(&|o| o.model_path = trunc_half.as_ptr()));
    let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let corrupt = file("corrupt.onnx", &noise);
    mx.case("model file random bytes", SERFIQ_ERR_MODEL_INVALID, with(&|o| o.model_path = corrupt.as_ptr()));
    let jpeg = std::fs::read(common::fetched("faces/obama.jpg")).unwrap();
    let jpeg_file = file("photo.onnx", &jpeg);
    mx.case("model file is a JPEG", SERFIQ_ERR_MODEL_INVALID, with(&|o| o.model_path = jpeg_file.as_ptr()));
    let text = file("text.onnx", b"name: not a model\nlayers: 3\n");
    mx.case("model file is text", SERFIQ_ERR_MODEL_INVALID, with(&|o| o.model_path = text.as_ptr()));
    mx.case(
        "model_data with size 0",
        SERFIQ_ERR_MODEL_INVALID,
        with(&|o| {
            o.model_path = null();
            o.model_data = real.as_ptr();
            o.model_size = 0;
        }),
    );
    // Issue 27: calibration metadata that passed and gave f = inf or q100 = NaN.
    for (key, value) in [
        ("serfiq.s_percentiles", "0,0,1e-300"),
        ("serfiq.n_percentiles", "0,0,1e-300"),
        ("serfiq.s_quantiles", "-1.7e308,0,1.7e308"),
        ("serfiq.f_quantiles", "-1.7e308,1.7e308"),
        ("serfiq.alpha", "-118"),
    ] {
        let bytes = with_metadata(&real, &[(key, value)]);
        mx.case(
            &format!("model metadata {key}={value}"),
            SERFIQ_ERR_MODEL_INVALID,
            with(&|o| {
                o.model_path = null();
                o.model_data = bytes.as_ptr();
                o.model_size = bytes.len();
            }),
        );
    }
    let gray = tiny_model(1, "");
    mx.case(
        "model with a 1-channel input",
        SERFIQ_ERR_UNSUPPORTED_MODEL,
        with(&|o| {
            o.model_path = null();
            o.model_data = gray.as_ptr();
            o.model_size = gray.len();
        }),
    );
    let classifier = tiny_model(3, "softmax");
    mx.case(
        "model whose output is not an embedding",
        SERFIQ_ERR_EMBEDDING_LAYER_NOT_FOUND,
        with(&|o| {
            o.model_path = null();
            o.model_data = classifier.as_ptr();
            o.model_size = classifier.len();
        }),
    );
    let digest: String = {
        use sha2::{Digest, Sha256};
        Sha256::digest(&real).iter().map(|b| format!("{b:02X}")).collect()
    };
    let good_digest = cstr(&digest);
    mx.case("model_sha256 matches (upper case)", SERFIQ_OK, with(&|o| o.model_sha256 = good_digest.as_ptr()));
    let wrong_digest = cstr(&"0".repeat(64));
    mx.case(
        "model_sha256 differs",
        SERFIQ_ERR_MODEL_DIGEST_MISMATCH,
        with(&|o| o.model_sha256 = wrong_digest.as_ptr()),
    );
    let short_digest = cstr("abc123");
    mx.case(
        "model_sha256 not 64 hex digits",
        SERFIQ_ERR_INVALID_ARGUMENT,
        with(&|o| o.model_sha256 = short_digest.as_ptr()),
    );
    let limit = |max: u64| {
        with(&|o| {
            o.max_model_bytes = max;
        })
    };
    mx.case("max_model_bytes one below the model's size", SERFIQ_ERR_UNSUPPORTED_MODEL, limit(real.len() as u64 - 1));
    let said = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_str().unwrap().to_string();
    assert!(said.contains("max_model_bytes") && said.contains(&real.len().to_string()), "{said}");
    mx.case("max_model_bytes the model's size", SERFIQ_OK, limit(real.len() as u64));
    mx.case(
        "max_model_bytes below model_data's size",
        SERFIQ_ERR_UNSUPPORTED_MODEL,
        with(&|o| {
            o.model_path = null();
            o.model_data = real.as_ptr();
            o.model_size = real.len();
            o.max_model_bytes = real.len() as u64 - 1;
        }),
    );
    let det_path = common::fetched("models/retinaface_mnet025.onnx");
    let det_bytes = std::fs::read(&det_path).unwrap();
    let det_file = cstr(det_path.to_str().unwrap());
    let det_digest: String = {
        use sha2::{Digest, Sha256};
        Sha256::digest(&det_bytes).iter().map(|b| format!("{b:02x}")).collect()
    };
    let good_det_digest = cstr(&det_digest);
    // A small model, a larger detector: the limit applies to the detector too.
    let small = tiny_model(3, "");
    let small_model = |o: &mut serfiq_options| {
        o.model_path = null();
        o.model_data = small.as_ptr();
        o.model_size = small.len();
        o.detector_path = det_file.as_ptr();
    };
    mx.case(
        "max_model_bytes between the model's and the detector's size",
        SERFIQ_ERR_UNSUPPORTED_MODEL,
        with(&|o| {
            small_model(o);
            o.max_model_bytes = det_bytes.len() as u64 - 1;
        }),
    );
    let said = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_str().unwrap().to_string();
    assert!(said.contains("detector") && said.contains("max_model_bytes"), "{said}");
    mx.case(
        "max_model_bytes the detector's size",
        SERFIQ_OK,
        with(&|o| {
            small_model(o);
            o.max_model_bytes = det_bytes.len() as u64;
        }),
    );
    mx.case(
        "detector_sha256 matches",
        SERFIQ_OK,
        with(&|o| {
            o.detector_path = det_file.as_ptr();
            o.detector_sha256 = good_det_digest.as_ptr();
        }),
    );
    mx.case(
        "detector_sha256 matches detector_data",
        SERFIQ_OK,
        with(&|o| {
            o.detector_data = det_bytes.as_ptr();
            o.detector_size = det_bytes.len();
            o.detector_sha256 = good_det_digest.as_ptr();
        }),
    );
    mx.case(
        "detector_sha256 differs",
        SERFIQ_ERR_MODEL_DIGEST_MISMATCH,
        with(&|o| {
            o.detector_path = det_file.as_ptr();
            o.detector_sha256 = wrong_digest.as_ptr();
        }),
    );
    let said = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_str().unwrap().to_string();
    assert!(said.contains("detector") && said.contains(&det_digest), "{said}");
    mx.case(
        "detector_sha256 is the model's digest",
        SERFIQ_ERR_MODEL_DIGEST_MISMATCH,
        with(&|o| {
            o.detector_path = det_file.as_ptr();
            o.detector_sha256 = good_digest.as_ptr();
        }),
    );
    mx.case(
        "detector_sha256 without a detector",
        SERFIQ_ERR_INVALID_ARGUMENT,
        with(&|o| o.detector_sha256 = good_det_digest.as_ptr()),
    );
    mx.case(
        "detector_sha256 not 64 hex digits",
        SERFIQ_ERR_INVALID_ARGUMENT,
        with(&|o| {
            o.detector_path = det_file.as_ptr();
            o.detector_sha256 = short_digest.as_ptr();
        }),
    );
    mx.case(
        "detector_sha256 not UTF-8",
        SERFIQ_ERR_INVALID_ARGUMENT,
        with(&|o| {
            o.detector_path = det_file.as_ptr();
            o.detector_sha256 = bad_utf8.as_ptr() as *const c_char;
        }),
    );
    let no_layer = cstr("no_such_layer");
    mx.case(
        "embedding_layer names no node",
        SERFIQ_ERR_EMBEDDING_LAYER_NOT_FOUND,
        with(&|o| o.embedding_layer = no_layer.as_ptr()),
    );
    let tiny = tiny_model(3, "");
    mx.case(
        "a small valid model from bytes",
        SERFIQ_OK,
        with(&|o| {
            o.model_path = null();
            o.model_data = tiny.as_ptr();
            o.model_size = tiny.len();
        }),
    );

    // ---- Detector files and bytes.
    let missing_det = cstr("/nonexistent/detector.onnx");
    mx.case("detector file missing", SERFIQ_ERR_MODEL_NOT_FOUND, with(&|o| o.detector_path = missing_det.as_ptr()));
    mx.case("detector file empty", SERFIQ_ERR_MODEL_INVALID, with(&|o| o.detector_path = empty.as_ptr()));
    mx.case("detector file random bytes", SERFIQ_ERR_MODEL_INVALID, with(&|o| o.detector_path = corrupt.as_ptr()));
    mx.case(
        "detector_data with size 0",
        SERFIQ_ERR_MODEL_INVALID,
        with(&|o| {
            o.detector_data = real.as_ptr();
            o.detector_size = 0;
        }),
    );
    mx.case(
        "detector is a recognition model",
        SERFIQ_ERR_UNSUPPORTED_MODEL,
        with(&|o| o.detector_path = model_c.as_ptr()),
    );

    // ---- Calls on a model that failed to create.
    let mut failed: *mut serfiq_model = null_mut();
    let mut o = base.clone_fields();
    o.model_path = missing_model.as_ptr();
    unsafe { serfiq_create(&o, &mut failed) };
    let mut q = serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 };
    let px = vec![128u8; 112 * 112 * 3];
    let img = serfiq_image { data: px.as_ptr(), width: 112, height: 112, stride: 0, format: SERFIQ_PIXEL_BGR };
    mx.case("score after a failed create (NULL model)", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_score(failed, &img, null(), &mut q)
    });
    unsafe { serfiq_destroy(failed) };

    // ---- Calls on a live model.
    let (st, m) = create(&base);
    assert_eq!(st, SERFIQ_OK);
    let mut dim = 0usize;
    assert_eq!(unsafe { serfiq_embedding_size(m, &mut dim) }, SERFIQ_OK);
    let mut good = serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 };
    assert_eq!(unsafe { serfiq_score(m, &img, null(), &mut good) }, SERFIQ_OK);
    let score = |im: &serfiq_image, lm: *const f32| {
        let mut out = serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 };
        let st = unsafe { serfiq_score(m, im, lm, &mut out) };
        if st != SERFIQ_OK {
            assert!(out.s == -1.0 && out.q == -1.0, "a failed score wrote its output");
        }
        st
    };
    let img_with = |f: &dyn Fn(&mut serfiq_image)| {
        let mut i = serfiq_image { data: px.as_ptr(), width: 112, height: 112, stride: 0, format: SERFIQ_PIXEL_BGR };
        f(&mut i);
        i
    };
    mx.case("score(NULL model)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_score(null(), &img, null(), &mut q) });
    mx.case("score(NULL image)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_score(m, null(), null(), &mut q) });
    mx.case("score(NULL quality)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_score(m, &img, null(), null_mut()) });
    mx.case("image.data NULL", SERFIQ_ERR_NULL_ARGUMENT, score(&img_with(&|i| i.data = null()), null()));
    mx.case("width 0", SERFIQ_ERR_INVALID_IMAGE, score(&img_with(&|i| i.width = 0), null()));
    mx.case("height 0", SERFIQ_ERR_INVALID_IMAGE, score(&img_with(&|i| i.height = 0), null()));
    mx.case("width -1 as unsigned", SERFIQ_ERR_INVALID_IMAGE, score(&img_with(&|i| i.width = u32::MAX), null()));
    mx.case("height -1 as unsigned", SERFIQ_ERR_INVALID_IMAGE, score(&img_with(&|i| i.height = u32::MAX), null()));
    mx.case(
        "width and height over the limit",
        SERFIQ_ERR_INVALID_IMAGE,
        score(
            &img_with(&|i| {
                i.width = 40_000;
                i.height = 40_000;
            }),
            null(),
        ),
    );
    mx.case(
        "stride x height overflows",
        SERFIQ_ERR_INVALID_IMAGE,
        score(&img_with(&|i| i.stride = usize::MAX / 2), null()),
    );
    mx.case(
        "stride smaller than a row",
        SERFIQ_ERR_INVALID_IMAGE,
        score(&img_with(&|i| i.stride = 112 * 3 - 1), null()),
    );
    mx.case(
        "stride of a 4-byte format on 3-byte rows",
        SERFIQ_ERR_INVALID_IMAGE,
        score(
            &img_with(&|i| {
                i.stride = 112 * 3;
                i.format = SERFIQ_PIXEL_BGRA;
            }),
            null(),
        ),
    );
    mx.case("pixel format unknown", SERFIQ_ERR_INVALID_IMAGE, score(&img_with(&|i| i.format = 5), null()));
    mx.case(
        "pixel format -1 as unsigned",
        SERFIQ_ERR_INVALID_IMAGE,
        score(&img_with(&|i| i.format = u32::MAX), null()),
    );
    mx.case("not aligned and no landmarks", SERFIQ_ERR_INVALID_IMAGE, score(&img_with(&|i| i.width = 100), null()));
    let lm = |f: &dyn Fn(&mut [f32; 10])| {
        let mut l = [38.3f32, 51.7, 73.5, 51.5, 56.0, 71.7, 41.5, 92.4, 70.7, 92.2];
        f(&mut l);
        l
    };
    mx.case("landmarks as template (valid)", SERFIQ_OK, score(&img, lm(&|_| {}).as_ptr()));
    mx.case("landmark NaN", SERFIQ_ERR_INVALID_LANDMARKS, score(&img, lm(&|l| l[3] = f32::NAN).as_ptr()));
    mx.case("landmark +inf", SERFIQ_ERR_INVALID_LANDMARKS, score(&img, lm(&|l| l[0] = f32::INFINITY).as_ptr()));
    mx.case("landmark -inf", SERFIQ_ERR_INVALID_LANDMARKS, score(&img, lm(&|l| l[9] = f32::NEG_INFINITY).as_ptr()));
    mx.case("landmark right of the image", SERFIQ_ERR_INVALID_LANDMARKS, score(&img, lm(&|l| l[8] = 500.0).as_ptr()));
    mx.case("landmark above the image", SERFIQ_ERR_INVALID_LANDMARKS, score(&img, lm(&|l| l[1] = -3.0).as_ptr()));
    mx.case("landmarks identical", SERFIQ_ERR_INVALID_LANDMARKS, score(&img, [50.0f32; 10].as_ptr()));
    let line: [f32; 10] = [10.0, 10.0, 30.0, 30.0, 50.0, 50.0, 70.0, 70.0, 90.0, 90.0];
    mx.case("landmarks collinear", SERFIQ_ERR_INVALID_LANDMARKS, score(&img, line.as_ptr()));

    let mut emb = vec![7.0f32; dim * 3];
    let mut len = 0usize;
    mx.case("embed(NULL buffer)", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_embed(m, &img, null(), null_mut(), dim, &mut len)
    });
    mx.case("embed capacity 0", SERFIQ_ERR_BUFFER_TOO_SMALL, unsafe {
        serfiq_embed(m, &img, null(), emb.as_mut_ptr(), 0, &mut len)
    });
    assert_eq!(len, dim, "BUFFER_TOO_SMALL reports the size needed");
    mx.case("embed capacity one short", SERFIQ_ERR_BUFFER_TOO_SMALL, unsafe {
        serfiq_embed(m, &img, null(), emb.as_mut_ptr(), dim - 1, &mut len)
    });
    assert!(emb.iter().all(|&v| v == 7.0), "a failed embed wrote its buffer");
    mx.case("embed(NULL embedding_len) is allowed", SERFIQ_OK, unsafe {
        serfiq_embed(m, &img, null(), emb.as_mut_ptr(), dim, null_mut())
    });
    mx.case("score_embed(NULL quality)", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_score_embed(m, &img, null(), null_mut(), emb.as_mut_ptr(), dim, &mut len)
    });
    mx.case("embedding_size(NULL out)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_embedding_size(m, null_mut()) });
    let mut w = 0u32;
    mx.case("input_size(NULL height)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_input_size(m, &mut w, null_mut()) });

    let imgs = [img_with(&|_| {}), img_with(&|_| {}), img_with(&|i| i.stride = 5)];
    let mut qs = [serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 }; 3];
    let batch = |images: *const serfiq_image, n: usize, qs: *mut serfiq_quality, e: *mut f32, cap: usize| unsafe {
        serfiq_score_batch(m, images, n, null(), qs, e, cap)
    };
    mx.case("batch of 0", SERFIQ_ERR_INVALID_ARGUMENT, batch(imgs.as_ptr(), 0, qs.as_mut_ptr(), null_mut(), 0));
    mx.case(
        "batch over SERFIQ_MAX_BATCH",
        SERFIQ_ERR_INVALID_ARGUMENT,
        batch(imgs.as_ptr(), SERFIQ_MAX_BATCH + 1, qs.as_mut_ptr(), null_mut(), 0),
    );
    mx.case(
        "batch of usize::MAX",
        SERFIQ_ERR_INVALID_ARGUMENT,
        batch(imgs.as_ptr(), usize::MAX, qs.as_mut_ptr(), null_mut(), 0),
    );
    mx.case("batch(NULL images)", SERFIQ_ERR_NULL_ARGUMENT, batch(null(), 2, qs.as_mut_ptr(), null_mut(), 0));
    mx.case("batch(NULL qualities)", SERFIQ_ERR_NULL_ARGUMENT, batch(imgs.as_ptr(), 2, null_mut(), null_mut(), 0));
    mx.case(
        "batch embeddings capacity too small",
        SERFIQ_ERR_BUFFER_TOO_SMALL,
        batch(imgs.as_ptr(), 2, qs.as_mut_ptr(), emb.as_mut_ptr(), 2 * dim - 1),
    );
    mx.case(
        "batch with one bad image among good ones",
        SERFIQ_ERR_INVALID_IMAGE,
        batch(imgs.as_ptr(), 3, qs.as_mut_ptr(), emb.as_mut_ptr(), 3 * dim),
    );
    assert!(qs.iter().all(|q| q.s == -1.0), "a failed batch wrote qualities");
    assert!(emb[dim..].iter().all(|&v| v == 7.0), "a failed batch wrote embeddings");
    mx.case("batch of two good images", SERFIQ_OK, batch(imgs.as_ptr(), 2, qs.as_mut_ptr(), emb.as_mut_ptr(), 2 * dim));
    assert!(qs[0].s == good.s && qs[1].s == good.s);

    let mut faces = [serfiq_face { r#box: [0.0; 4], landmarks: [0.0; 10], confidence: -1.0, quality: q }; 2];
    let mut count = 99usize;
    mx.case("detect_score without a detector", SERFIQ_ERR_INVALID_ARGUMENT, unsafe {
        serfiq_detect_score(m, &img, faces.as_mut_ptr(), 2, &mut count, null_mut(), 0)
    });
    let mut comps = [unsafe { std::mem::zeroed::<serfiq_components>() }; 2];
    mx.case("detect_assess without a detector", SERFIQ_ERR_INVALID_ARGUMENT, unsafe {
        serfiq_detect_assess(m, &img, faces.as_mut_ptr(), comps.as_mut_ptr(), 2, &mut count)
    });
    mx.case("assess(NULL face_out)", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_assess(m, &img, null(), null_mut(), comps.as_mut_ptr())
    });
    mx.case("assess(NULL components_out)", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_assess(m, &img, null(), faces.as_mut_ptr(), null_mut())
    });
    mx.case("assess(NULL image)", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_assess(m, null(), null(), faces.as_mut_ptr(), comps.as_mut_ptr())
    });
    let nan_lm = [f32::NAN; 10];
    mx.case("assess with NaN landmarks", SERFIQ_ERR_INVALID_LANDMARKS, unsafe {
        serfiq_assess(m, &img, nan_lm.as_ptr(), faces.as_mut_ptr(), comps.as_mut_ptr())
    });
    assert!(faces.iter().all(|f| f.confidence == -1.0), "a failed assess wrote its face");

    // The model still gives the same score after every failure above.
    let mut again = serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 };
    assert_eq!(unsafe { serfiq_score(m, &img, null(), &mut again) }, SERFIQ_OK);
    assert!(again.s == good.s && again.q == good.q);
    unsafe { serfiq_destroy(m) };

    // ---- A model with a detector.
    let det_c = cstr(common::fetched("models/retinaface_mnet025.onnx").to_str().unwrap());
    let mut o = base.clone_fields();
    o.detector_path = det_c.as_ptr();
    let (st, m) = create(&o);
    assert_eq!(st, SERFIQ_OK);
    let score = |im: &serfiq_image| {
        let mut out = serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 };
        let st = unsafe { serfiq_score(m, im, null(), &mut out) };
        assert!(st == SERFIQ_OK || (out.s == -1.0 && out.q == -1.0), "a failed score wrote its output");
        st
    };
    let grey = vec![128u8; 640 * 480 * 3];
    let photo = |w: u32, h: u32| serfiq_image { data: grey.as_ptr(), width: w, height: h, stride: 0, format: 0 };
    mx.case("blank 640x480 photo", SERFIQ_ERR_NO_FACE, score(&photo(640, 480)));
    mx.case("tiny 8x8 photo", SERFIQ_ERR_NO_FACE, score(&photo(8, 8)));
    mx.case("1x1 photo", SERFIQ_ERR_NO_FACE, score(&photo(1, 1)));
    mx.case("1x480 photo", SERFIQ_ERR_NO_FACE, score(&photo(1, 480)));
    mx.case("aligned-size crop is not searched", SERFIQ_OK, score(&photo(112, 112)));
    // The same image as a photo (input_mode photo) is searched: no face; as a crop, scored.
    for (mode, want_112, want_200) in [
        (SERFIQ_INPUT_PHOTO, SERFIQ_ERR_NO_FACE, SERFIQ_ERR_NO_FACE),
        (SERFIQ_INPUT_CROP, SERFIQ_OK, SERFIQ_ERR_INVALID_IMAGE),
    ] {
        let mut om = o.clone_fields();
        om.input_mode = mode;
        let (st, mm) = create(&om);
        assert_eq!(st, SERFIQ_OK);
        let mut q = serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 };
        mx.case(&format!("input_mode {mode}: grey 112x112"), want_112, unsafe {
            serfiq_score(mm, &photo(112, 112), null(), &mut q)
        });
        mx.case(&format!("input_mode {mode}: grey 200x200"), want_200, unsafe {
            serfiq_score(mm, &photo(200, 200), null(), &mut q)
        });
        unsafe { serfiq_destroy(mm) };
    }
    let batch_imgs = [photo(112, 112), photo(200, 200)];
    let mut bq = [serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 }; 2];
    mx.case("batch with a photo without a face", SERFIQ_ERR_NO_FACE, unsafe {
        serfiq_score_batch(m, batch_imgs.as_ptr(), 2, null(), bq.as_mut_ptr(), null_mut(), 0)
    });
    assert!(bq.iter().all(|q| q.s == -1.0), "a failed batch wrote qualities");
    let detect = |im: &serfiq_image, faces: *mut serfiq_face, cap: usize, count: *mut usize| unsafe {
        serfiq_detect_score(m, im, faces, cap, count, null_mut(), 0)
    };
    mx.case(
        "detect_score(NULL count)",
        SERFIQ_ERR_NULL_ARGUMENT,
        detect(&photo(64, 64), faces.as_mut_ptr(), 2, null_mut()),
    );
    mx.case(
        "detect_score(NULL faces, capacity 2)",
        SERFIQ_ERR_NULL_ARGUMENT,
        detect(&photo(64, 64), null_mut(), 2, &mut count),
    );
    mx.case("detect_score(NULL image)", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_detect_score(m, null(), faces.as_mut_ptr(), 2, &mut count, null_mut(), 0)
    });
    mx.case(
        "detect_score on a bad image",
        SERFIQ_ERR_INVALID_IMAGE,
        detect(&serfiq_image { format: 9, ..photo(64, 64) }, faces.as_mut_ptr(), 2, &mut count),
    );
    mx.case(
        "detect_score on a blank photo: no face, OK",
        SERFIQ_OK,
        detect(&photo(640, 480), faces.as_mut_ptr(), 2, &mut count),
    );
    assert_eq!(count, 0);
    assert!(faces.iter().all(|f| f.confidence == -1.0), "detect_score wrote faces it did not find");
    let mut comps = [unsafe { std::mem::zeroed::<serfiq_components>() }; 2];
    let assess_all =
        |im: *const serfiq_image, f: *mut serfiq_face, c: *mut serfiq_components, cap: usize, n: *mut usize| unsafe {
            serfiq_detect_assess(m, im, f, c, cap, n)
        };
    let big = photo(640, 480);
    mx.case(
        "detect_assess(NULL count)",
        SERFIQ_ERR_NULL_ARGUMENT,
        assess_all(&big, faces.as_mut_ptr(), comps.as_mut_ptr(), 2, null_mut()),
    );
    mx.case(
        "detect_assess(NULL faces only)",
        SERFIQ_ERR_NULL_ARGUMENT,
        assess_all(&big, null_mut(), comps.as_mut_ptr(), 2, &mut count),
    );
    mx.case(
        "detect_assess(NULL components only)",
        SERFIQ_ERR_NULL_ARGUMENT,
        assess_all(&big, faces.as_mut_ptr(), null_mut(), 2, &mut count),
    );
    mx.case(
        "detect_assess(NULL outputs, capacity 2)",
        SERFIQ_ERR_NULL_ARGUMENT,
        assess_all(&big, null_mut(), null_mut(), 2, &mut count),
    );
    mx.case(
        "detect_assess(NULL image)",
        SERFIQ_ERR_NULL_ARGUMENT,
        assess_all(null(), faces.as_mut_ptr(), comps.as_mut_ptr(), 2, &mut count),
    );
    mx.case(
        "detect_assess on a bad image",
        SERFIQ_ERR_INVALID_IMAGE,
        assess_all(&serfiq_image { format: 9, ..photo(64, 64) }, faces.as_mut_ptr(), comps.as_mut_ptr(), 2, &mut count),
    );
    count = 99;
    mx.case(
        "detect_assess on a blank photo: no face, OK",
        SERFIQ_OK,
        assess_all(&big, faces.as_mut_ptr(), comps.as_mut_ptr(), 2, &mut count),
    );
    assert_eq!(count, 0);
    mx.case("assess on a blank photo", SERFIQ_ERR_NO_FACE, unsafe {
        serfiq_assess(m, &big, null(), faces.as_mut_ptr(), comps.as_mut_ptr())
    });
    assert!(faces.iter().all(|f| f.confidence == -1.0), "detect_assess wrote faces it did not find");

    // ---- Per-image batches: call-level faults fail the call, image faults only their image.
    let mut statuses = [99u32; 3];
    let mut eq = [serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 }; 3];
    let each = |imgs: &[serfiq_image], qs: *mut serfiq_quality, st: *mut serfiq_status| unsafe {
        serfiq_score_batch_each(m, imgs.as_ptr(), imgs.len(), null(), qs, null_mut(), 0, st)
    };
    let bad_format = serfiq_image { format: 9, ..photo(112, 112) };
    let null_data = serfiq_image { data: null(), ..photo(112, 112) };
    mx.case("batch_each(NULL statuses)", SERFIQ_ERR_NULL_ARGUMENT, each(&batch_imgs, eq.as_mut_ptr(), null_mut()));
    mx.case(
        "batch_each(NULL qualities)",
        SERFIQ_ERR_NULL_ARGUMENT,
        each(&batch_imgs, null_mut(), statuses.as_mut_ptr()),
    );
    mx.case("batch_each(0 images)", SERFIQ_ERR_INVALID_ARGUMENT, each(&[], eq.as_mut_ptr(), statuses.as_mut_ptr()));
    assert!(statuses.iter().all(|&s| s == 99), "a call-level failure wrote statuses");
    mx.case(
        "batch_each: a faceless photo, a bad format, NULL pixels",
        SERFIQ_ERR_IMAGES_FAILED,
        each(&[photo(200, 200), bad_format, null_data], eq.as_mut_ptr(), statuses.as_mut_ptr()),
    );
    assert_eq!(statuses, [SERFIQ_ERR_NO_FACE, SERFIQ_ERR_INVALID_IMAGE, SERFIQ_ERR_NULL_ARGUMENT]);
    assert!(eq.iter().all(|q| q.s == -1.0), "failed images got qualities");
    let msg = |i: usize| unsafe { CStr::from_ptr(serfiq_image_error(i)) }.to_str().unwrap().to_string();
    assert!(msg(0).starts_with("image 0: no face"), "{}", msg(0));
    assert!(msg(1).starts_with("image 1: unknown pixel format"), "{}", msg(1));
    assert_eq!(msg(7), "", "an index past the batch has no message");
    mx.case(
        "batch_each: a bad format before a faceless photo",
        SERFIQ_ERR_IMAGES_FAILED,
        each(&[bad_format, photo(200, 200)], eq.as_mut_ptr(), statuses.as_mut_ptr()),
    );
    assert!(msg(1).starts_with("image 1: no face"), "the message numbers the caller's images: {}", msg(1));
    mx.case(
        "batch_each: crop and faceless photo",
        SERFIQ_ERR_IMAGES_FAILED,
        each(&[photo(112, 112), photo(200, 200), photo(112, 112)], eq.as_mut_ptr(), statuses.as_mut_ptr()),
    );
    assert_eq!(statuses, [SERFIQ_OK, SERFIQ_ERR_NO_FACE, SERFIQ_OK]);
    let mut alone = serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 };
    assert_eq!(score(&photo(112, 112)), SERFIQ_OK);
    assert_eq!(unsafe { serfiq_score(m, &photo(112, 112), null(), &mut alone) }, SERFIQ_OK);
    assert!(eq[0].s == alone.s && eq[2].s == alone.s && eq[1].s == -1.0, "{:?}", eq.map(|q| q.s));
    assert_eq!(msg(0), "");
    mx.case("batch_each: all good", SERFIQ_OK, each(&[photo(112, 112)], eq.as_mut_ptr(), statuses.as_mut_ptr()));

    // ---- The aligned crop.
    let mut crop = vec![0u8; 112 * 112 * 3];
    let mut crop_len = 0usize;
    let aligned = |im: &serfiq_image, format: u32, px: *mut u8, cap: usize, len: *mut usize| unsafe {
        serfiq_aligned_crop(m, im, null(), format, px, cap, len)
    };
    mx.case(
        "aligned_crop(GRAY)",
        SERFIQ_ERR_INVALID_ARGUMENT,
        aligned(&photo(112, 112), SERFIQ_PIXEL_GRAY, crop.as_mut_ptr(), crop.len(), &mut crop_len),
    );
    mx.case(
        "aligned_crop(NULL pixels)",
        SERFIQ_ERR_NULL_ARGUMENT,
        aligned(&photo(112, 112), SERFIQ_PIXEL_RGB, null_mut(), 0, &mut crop_len),
    );
    mx.case(
        "aligned_crop: small buffer",
        SERFIQ_ERR_BUFFER_TOO_SMALL,
        aligned(&photo(112, 112), SERFIQ_PIXEL_RGB, crop.as_mut_ptr(), 10, &mut crop_len),
    );
    assert_eq!(crop_len, 112 * 112 * 3, "the needed size");
    mx.case(
        "aligned_crop: faceless photo",
        SERFIQ_ERR_NO_FACE,
        aligned(&photo(640, 480), SERFIQ_PIXEL_RGB, crop.as_mut_ptr(), crop.len(), &mut crop_len),
    );
    mx.case(
        "aligned_crop of a crop",
        SERFIQ_OK,
        aligned(&photo(112, 112), SERFIQ_PIXEL_BGR, crop.as_mut_ptr(), crop.len(), &mut crop_len),
    );
    assert!(crop.iter().all(|&v| v == 128), "the crop of a grey crop is that crop");

    // ---- Reading the options back.
    let mut back = init();
    mx.case("get_options(NULL)", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_get_options(m, null_mut()) });
    back.struct_size = 0;
    mx.case("get_options(struct_size 0)", SERFIQ_ERR_OPTIONS_SIZE, unsafe { serfiq_get_options(m, &mut back) });
    back = init();
    mx.case("get_options", SERFIQ_OK, unsafe { serfiq_get_options(m, &mut back) });
    let text = |p: *const std::ffi::c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
    assert_eq!(text(back.detector_path), det_c.to_str().unwrap());
    assert_eq!(text(back.model_path), model_c.to_str().unwrap());
    assert!(back.model_data.is_null() && back.detector_data.is_null());
    assert_eq!((back.alpha, back.r), (serfiq_core::DEFAULT_ALPHA, serfiq_core::DEFAULT_R), "the values in use");
    assert_eq!(back.max_model_bytes, serfiq_core::DEFAULT_MAX_MODEL_BYTES, "0 asked: the limit in use");
    assert!(back.detector_sha256.is_null());
    assert_eq!(back.search_paths, SERFIQ_SEARCH_DEFAULT);

    // ---- After fork(): the child's calls fail with SERFIQ_ERR_FORKED instead of blocking.
    extern "C" {
        fn fork() -> i32;
        fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
        fn _exit(code: i32) -> !;
    }
    let said_file = tmp.join("forked.message");
    let (forked, exited) = unsafe {
        let pid = fork();
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            // The child: only the call under test, its message to a file, then _exit
            // (no destructors, no test harness).
            let mut q = serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 };
            let st = serfiq_score(m, &photo(112, 112), null(), &mut q);
            let ok = std::fs::write(&said_file, CStr::from_ptr(serfiq_last_error()).to_bytes()).is_ok();
            _exit(if q.s == -1.0 && ok { st as i32 } else { 100 });
        }
        let mut status = 0;
        assert_eq!(waitpid(pid, &mut status, 0), pid);
        // WIFEXITED and WEXITSTATUS, as glibc defines them.
        let exited = status & 0x7f == 0;
        ((if exited { (status >> 8) & 0xff } else { -1 }) as serfiq_status, exited)
    };
    assert!(exited, "the forked child did not exit");
    let said = std::fs::read_to_string(&said_file).unwrap_or_default();
    assert!(said.contains("fork()"), "{said}");
    mx.case_said("score in a child made by fork()", SERFIQ_ERR_FORKED, forked, said);
    mx.case("score in the parent after fork()", SERFIQ_OK, score(&photo(112, 112)));

    // ---- Every new option, set, reads back.
    let mut o = base.clone_fields();
    o.detector_path = det_c.as_ptr();
    let det_digest = {
        use sha2::{Digest, Sha256};
        let bytes = std::fs::read(det_c.to_str().unwrap()).unwrap();
        cstr(&Sha256::digest(&bytes).iter().map(|b| format!("{b:02X}")).collect::<String>())
    };
    o.detector_sha256 = det_digest.as_ptr();
    o.max_model_bytes = 12_345_678;
    o.search_paths = SERFIQ_SEARCH_EXPLICIT_ONLY;
    let (st, pinned) = create(&o);
    mx.case("create with every V4 option", SERFIQ_OK, st);
    let mut back = init();
    mx.case("get_options of the V4 options", SERFIQ_OK, unsafe { serfiq_get_options(pinned, &mut back) });
    assert_eq!(back.struct_size, SERFIQ_OPTIONS_SIZE_V6);
    assert_eq!(text(back.detector_sha256), det_digest.to_str().unwrap());
    assert_eq!(back.max_model_bytes, 12_345_678);
    assert_eq!(back.search_paths, SERFIQ_SEARCH_EXPLICIT_ONLY);
    // The struct read back creates the same model (its strings live until destroy).
    let (st, twin) = create(&back);
    mx.case("create from get_options' V4 options", SERFIQ_OK, st);
    unsafe { serfiq_destroy(twin) };
    unsafe { serfiq_destroy(pinned) };

    // ---- One ONNX Runtime per process: another library is refused, not silently ignored.
    let copy = tmp.join("libonnxruntime-copy.so.1");
    std::fs::copy(&ort, &copy).unwrap();
    let copy_c = cstr(copy.to_str().unwrap());
    let mut other = base.clone_fields();
    other.ort_library_path = copy_c.as_ptr();
    mx.case("ort_library_path of another library once one is loaded", SERFIQ_ERR_INVALID_ARGUMENT, create(&other).0);
    let said = unsafe { CStr::from_ptr(serfiq_last_error()) }.to_str().unwrap().to_string();
    assert!(said.contains("already loaded"), "{said}");
    capture_cases(&mut mx, &base);
    unsafe { serfiq_destroy(m) };
    unsafe { serfiq_destroy(null_mut()) };
    std::fs::remove_dir_all(&tmp).ok();
    mx.finish();
}

/// The capture's bad inputs: options out of range, images it cannot read,
/// timestamps that go back, buffers too small; outputs untouched each time.
fn capture_cases(mx: &mut Matrix, base: &serfiq_options) {
    let (st, without_detector) = create(base);
    assert_eq!(st, SERFIQ_OK);
    let det = cstr(common::fetched("models/retinaface_mnet025.onnx").to_str().unwrap());
    let mut o = base.clone_fields();
    o.detector_path = det.as_ptr();
    let (st, m) = create(&o);
    mx.case("create with a detector (for the capture)", SERFIQ_OK, st);
    let defaults = || {
        let mut c = std::mem::MaybeUninit::<serfiq_capture_options>::uninit();
        assert_eq!(unsafe { serfiq_capture_options_init(c.as_mut_ptr(), SERFIQ_CAPTURE_OPTIONS_SIZE_V1) }, SERFIQ_OK);
        unsafe { c.assume_init() }
    };
    let sentinel = 0x5e7f10_usize as *mut serfiq_capture;
    let make = |model: *const serfiq_model, opts: Option<&serfiq_capture_options>| {
        let mut c = sentinel;
        let st = unsafe { serfiq_capture_create(model, opts.map_or(null(), |o| o as *const _), &mut c) };
        assert!(st == SERFIQ_OK || c == sentinel, "a failed capture_create wrote its output");
        (st, c)
    };
    mx.case("capture_options_init size 0", SERFIQ_ERR_OPTIONS_SIZE, unsafe {
        serfiq_capture_options_init(&mut defaults(), 0)
    });
    mx.case("capture_create NULL model", SERFIQ_ERR_NULL_ARGUMENT, make(null(), None).0);
    mx.case("capture_create, model without a detector", SERFIQ_ERR_INVALID_ARGUMENT, make(without_detector, None).0);
    type Change<'a> = &'a dyn Fn(&mut serfiq_capture_options);
    let bad: [(&str, Change); 11] = [
        ("struct_size 8", &|c| c.struct_size = 8),
        ("min_q100 101", &|c| c.min_q100 = 101.0),
        ("min_q100 NaN", &|c| c.min_q100 = f32::NAN),
        ("steady_frames 0", &|c| c.steady_frames = 0),
        ("max_motion 0", &|c| c.max_motion = 0.0),
        ("redetect_frames 0", &|c| c.redetect_frames = 0),
        ("track_context 1", &|c| c.track_context = 1.0),
        ("track_side 31", &|c| c.track_side = 31),
        ("min_overlap 1", &|c| c.min_overlap = 1.0),
        ("min_similarity 1.5", &|c| c.min_similarity = 1.5),
        ("jump_similarity NaN", &|c| c.jump_similarity = f32::NAN),
    ];
    for (name, set) in bad {
        let mut c = defaults();
        set(&mut c);
        let want = if name.starts_with("struct_size") { SERFIQ_ERR_OPTIONS_SIZE } else { SERFIQ_ERR_INVALID_ARGUMENT };
        mx.case(&format!("capture option {name}"), want, make(m, Some(&c)).0);
    }
    let (st, c) = make(m, None);
    mx.case("capture_create with the default options", SERFIQ_OK, st);
    let px = vec![128u8; 64 * 48 * 3];
    let image = |w: u32, h: u32, stride: usize, format: u32| serfiq_image {
        data: px.as_ptr(),
        width: w,
        height: h,
        stride,
        format,
    };
    let mut frame = std::mem::MaybeUninit::<serfiq_capture_frame>::zeroed();
    let push = |img: *const serfiq_image, ts: i64, out: *mut serfiq_capture_frame| unsafe {
        serfiq_capture_push(c, img, ts, out)
    };
    mx.case("capture_push NULL capture", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_capture_push(null_mut(), &image(64, 48, 0, SERFIQ_PIXEL_RGB), 0, frame.as_mut_ptr())
    });
    mx.case("capture_push NULL image", SERFIQ_ERR_NULL_ARGUMENT, push(null(), 0, frame.as_mut_ptr()));
    mx.case(
        "capture_push NULL frame_out",
        SERFIQ_ERR_NULL_ARGUMENT,
        push(&image(64, 48, 0, SERFIQ_PIXEL_RGB), 0, null_mut()),
    );
    mx.case(
        "capture_push 0x0 image",
        SERFIQ_ERR_INVALID_IMAGE,
        push(&image(0, 0, 0, SERFIQ_PIXEL_RGB), 0, frame.as_mut_ptr()),
    );
    mx.case(
        "capture_push pixel format 99",
        SERFIQ_ERR_INVALID_IMAGE,
        push(&image(64, 48, 0, 99), 0, frame.as_mut_ptr()),
    );
    mx.case(
        "capture_push stride under a row",
        SERFIQ_ERR_INVALID_IMAGE,
        push(&image(64, 48, 10, SERFIQ_PIXEL_RGB), 0, frame.as_mut_ptr()),
    );
    let null_data = serfiq_image { data: null(), ..image(64, 48, 0, SERFIQ_PIXEL_RGB) };
    mx.case("capture_push NULL pixels", SERFIQ_ERR_NULL_ARGUMENT, push(&null_data, 0, frame.as_mut_ptr()));
    assert_eq!(unsafe { frame.assume_init_ref() }.index, 0, "failed pushes wrote nothing");
    mx.case(
        "capture_push a grey frame (no face)",
        SERFIQ_OK,
        push(&image(64, 48, 0, SERFIQ_PIXEL_RGB), 100, frame.as_mut_ptr()),
    );
    assert_eq!(unsafe { frame.assume_init_ref() }.state, SERFIQ_CAPTURE_SEARCHING);
    mx.case(
        "capture_push timestamp going back",
        SERFIQ_ERR_INVALID_ARGUMENT,
        push(&image(64, 48, 0, SERFIQ_PIXEL_RGB), 99, frame.as_mut_ptr()),
    );
    let mut best = std::mem::MaybeUninit::<serfiq_capture_best_frame>::zeroed();
    let mut crop = vec![0u8; 112 * 112 * 3];
    let mut need = 0usize;
    mx.case("capture_best before any face", SERFIQ_ERR_NO_FACE, unsafe {
        serfiq_capture_best(
            c,
            best.as_mut_ptr(),
            SERFIQ_PIXEL_BGR,
            crop.as_mut_ptr(),
            crop.len(),
            &mut need,
            null_mut(),
            0,
            null_mut(),
        )
    });
    mx.case("capture_best NULL best_out", SERFIQ_ERR_NULL_ARGUMENT, unsafe {
        serfiq_capture_best(c, null_mut(), SERFIQ_PIXEL_BGR, null_mut(), 0, null_mut(), null_mut(), 0, null_mut())
    });
    mx.case("capture_best crop format gray", SERFIQ_ERR_INVALID_ARGUMENT, unsafe {
        serfiq_capture_best(
            c,
            best.as_mut_ptr(),
            SERFIQ_PIXEL_GRAY,
            null_mut(),
            0,
            null_mut(),
            null_mut(),
            0,
            null_mut(),
        )
    });
    mx.case("capture_reset NULL", SERFIQ_ERR_NULL_ARGUMENT, unsafe { serfiq_capture_reset(null_mut()) });
    mx.case("capture_reset", SERFIQ_OK, unsafe { serfiq_capture_reset(c) });
    unsafe {
        serfiq_capture_destroy(c);
        serfiq_capture_destroy(null_mut());
        serfiq_destroy(m);
        serfiq_destroy(without_detector);
    }
}

/// `serfiq_options` has raw pointers, so no derive(Clone); copy field by field.
trait CloneFields {
    fn clone_fields(&self) -> Self;
}

impl CloneFields for serfiq_options {
    fn clone_fields(&self) -> Self {
        // SAFETY: a plain C struct; copying its bits copies the borrowed pointers.
        unsafe { std::ptr::read(self) }
    }
}
