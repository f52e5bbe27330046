//! Where the time goes, and the ratios the performance targets are stated in,
//! all measured in this one run (`cargo bench --bench perf`).
//!
//! Timed pairs are interleaved round by round so machine noise hits both sides
//! alike; each figure is the median round. `SERFIQ_BENCH_ROUNDS` sets the rounds
//! (default 9). The Python reference runs when a Python with onnxruntime is found
//! (`SERFIQ_PYTHON`, else `python3`).

#[path = "../tests/common/mod.rs"]
mod common;

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::onnx::{model, node, tensor, value_info, A};
use serfiq::ffi::*;
use serfiq_core::{Face, ImageView, Model, ModelSource, Options, PixelFormat, Want};

fn rounds() -> usize {
    std::env::var("SERFIQ_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Milliseconds per call of `f`, `calls` calls per round.
fn time_ms(calls: usize, mut f: impl FnMut(usize)) -> f64 {
    let t = Instant::now();
    for i in 0..calls {
        f(i);
    }
    t.elapsed().as_secs_f64() * 1e3 / calls as f64
}

/// Median ms/call of `a` and `b`, interleaved round by round.
fn pair(calls: usize, mut a: impl FnMut(usize), mut b: impl FnMut(usize)) -> (f64, f64) {
    time_ms(2, &mut a);
    time_ms(2, &mut b);
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..rounds() {
        ta.push(time_ms(calls, &mut a));
        tb.push(time_ms(calls, &mut b));
    }
    (median(ta), median(tb))
}

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) * 4096.0 / 1048576.0
}

fn load(source: ModelSource, intra: usize, sessions: usize) -> Model {
    load_at(source, intra, sessions, Options::default().optimization_level)
}

fn load_at(source: ModelSource, intra: usize, sessions: usize, level: u8) -> Model {
    let o = Options {
        model: source,
        ort_library: Some(common::ort_lib()),
        intra_threads: intra,
        max_sessions: sessions,
        optimization_level: level,
        ..Options::default()
    };
    Model::new(&o).unwrap_or_else(|e| panic!("{}", e.message))
}

/// 32 distinct aligned crops (content does not change the cost).
fn crops(w: u32, h: u32) -> Vec<Vec<u8>> {
    (0..32u32).map(|k| (0..w * h * 3).map(|i| ((i * 7 + k * 31 + i / 336 * 3) % 251) as u8).collect()).collect()
}

fn faces(crops: &[Vec<u8>], w: u32, h: u32) -> Vec<Face<'_>> {
    crops
        .iter()
        .map(|c| Face { image: ImageView::packed(c, w, h, PixelFormat::Rgb).unwrap(), landmarks: None })
        .collect()
}

/// Images per second of `threads` callers sharing `model`, each scoring one crop per call.
fn throughput(model: &Model, faces: &[Face], threads: usize, per_thread: usize) -> f64 {
    let t = Instant::now();
    std::thread::scope(|s| {
        for k in 0..threads {
            s.spawn(move || {
                for i in 0..per_thread {
                    model.run(std::slice::from_ref(&faces[(i + k * 5) % faces.len()]), Want::Both).unwrap();
                }
            });
        }
    });
    (threads * per_thread) as f64 / t.elapsed().as_secs_f64()
}

/// A ResNet-100-shaped synthetic model: a 3×3-conv stack of ResNet-100's
/// multiply-adds (~11.7 GMAC at 56×56×64), a 7×7×512 feature map, and the
/// 25088 → 512 Gemm + BatchNormalization embedding layer of the authors' model.
fn resnet100_shaped() -> Vec<u8> {
    let mut rng = common::Mix(7);
    let mut w = |n: usize, scale: f64| -> Vec<f32> { (0..n).map(|_| rng.range(-scale, scale) as f32).collect() };
    let (depth, ch) = (100usize, 64i64);
    let mut nodes = vec![node(
        "Conv",
        "stem",
        &["x", "w_stem"],
        "s0",
        &[A::Ints("kernel_shape", &[3, 3]), A::Ints("strides", &[2, 2]), A::Ints("pads", &[1, 1, 1, 1])],
    )];
    let mut inits = vec![tensor("w_stem", &[ch, 3, 3, 3], &w((ch * 27) as usize, 0.2))];
    for i in 0..depth {
        let (wi, c, r) = (format!("w{i}"), format!("c{i}"), format!("s{}", i + 1));
        inits.push(tensor(&wi, &[ch, ch, 3, 3], &w((ch * ch * 9) as usize, 0.06)));
        nodes.push(node(
            "Conv",
            &c,
            &[&format!("s{i}"), &wi],
            &c,
            &[A::Ints("kernel_shape", &[3, 3]), A::Ints("pads", &[1, 1, 1, 1])],
        ));
        nodes.push(node("Relu", &format!("relu{i}"), &[&c], &r, &[]));
    }
    let last = format!("s{depth}");
    inits.push(tensor("w_out", &[512, ch, 8, 8], &w(512 * ch as usize * 64, 0.02)));
    nodes.push(node(
        "Conv",
        "to7x7",
        &[&last, "w_out"],
        "f7",
        &[A::Ints("kernel_shape", &[8, 8]), A::Ints("strides", &[8, 8])],
    ));
    nodes.push(node("Flatten", "flat", &["f7"], "flat", &[]));
    inits.push(tensor("fc_w", &[512, 25088], &w(512 * 25088, 0.01)));
    inits.push(tensor("fc_b", &[512], &w(512, 0.1)));
    nodes.push(node("Gemm", "fc", &["flat", "fc_w", "fc_b"], "fc", &[A::I("transB", 1)]));
    for (name, lo, hi) in [("bn_s", 0.5, 1.5), ("bn_b", -0.1, 0.1), ("bn_m", -0.1, 0.1), ("bn_v", 0.5, 1.5)] {
        inits.push(tensor(name, &[512], &(0..512).map(|_| rng.range(lo, hi) as f32).collect::<Vec<_>>()));
    }
    nodes.push(node("BatchNormalization", "bn", &["fc", "bn_s", "bn_b", "bn_m", "bn_v"], "emb", &[]));
    model(nodes, inits, value_info("x", &[1, 3, 112, 112]), value_info("emb", &[1, 512]))
}

/// Runs the Python reference on `onnx`; returns (fastest configuration, its ms/image).
fn python_fastest(onnx: &Path) -> Option<(String, f64)> {
    let python = std::env::var("SERFIQ_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = common::repo().join("scripts/reference/ort_python_fastest.py");
    let out = Command::new(python).arg(script).arg(onnx).arg(rounds().to_string()).output().ok()?;
    if !out.status.success() {
        eprintln!(
            "python reference unavailable: {}",
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        );
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some((v["fastest"].as_str()?.to_string(), v["fastest_ms"].as_f64()?))
}

fn main() {
    let mut summary: Vec<(String, String)> = Vec::new();
    let model_path = common::default_model();
    println!("serfiq perf bench: default model, {} rounds, median per image", rounds());

    // -- Pieces, one thread.
    let rss0 = rss_mib();
    let m = load(ModelSource::Path(model_path.clone()), 1, 1);
    let rss1 = rss_mib();
    let (w, h) = m.input_size();
    let crops = crops(w, h);
    let fs = faces(&crops, w, h);
    let photo_path = common::fetched("faces/obama.jpg");
    let lm = common::demo_landmarks("obama.jpg");
    let (decode_ms, _) = pair(3, |_| drop(image::open(&photo_path).unwrap().to_rgb8()), |_| {});
    let photo = common::Rgb::open(&photo_path);
    let mut tensor = vec![0f32; m.input_spec().tensor_len()];
    let (align_ms, _) = pair(50, |_| m.input_spec().fill(&photo.view(), Some(&lm), &mut tensor).unwrap(), |_| {});
    let (mr, fr) = (&m, &fs);
    let one = |want: Want| move |i: usize| drop(mr.run(&fr[i % 32..i % 32 + 1], want).unwrap());
    let (embed1, both1) = pair(16, one(Want::Embedding), one(Want::Both));
    let batch32 = |want: Want| move |_: usize| drop(mr.run(fr, want).unwrap());
    let (embed32, both32) = pair(1, batch32(Want::Embedding), batch32(Want::Both));
    let (embed32, both32) = (embed32 / 32.0, both32 / 32.0);

    // -- Graph optimisation levels (the default is the faster one).
    let m2 = load_at(ModelSource::Path(model_path.clone()), 1, 1, 2);
    let m3 = load_at(ModelSource::Path(model_path.clone()), 1, 1, 3);
    let (l2_embed, l3_embed) = pair(
        16,
        |i| drop(m2.run(&fs[i % 32..i % 32 + 1], Want::Embedding).unwrap()),
        |i| drop(m3.run(&fs[i % 32..i % 32 + 1], Want::Embedding).unwrap()),
    );
    let (l2_both, l3_both) = pair(
        16,
        |i| drop(m2.run(&fs[i % 32..i % 32 + 1], Want::Both).unwrap()),
        |i| drop(m3.run(&fs[i % 32..i % 32 + 1], Want::Both).unwrap()),
    );
    drop((m2, m3));

    // -- C ABI call vs the same call in Rust.
    let (model_c, ort_c) = (
        CString::new(model_path.to_str().unwrap()).unwrap(),
        CString::new(common::ort_lib().to_str().unwrap()).unwrap(),
    );
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) };
    let mut o = unsafe { o.assume_init() };
    o.model_path = model_c.as_ptr();
    o.ort_library_path = ort_c.as_ptr();
    o.intra_op_threads = 1;
    o.max_sessions = 1;
    let mut cm = std::ptr::null_mut();
    assert_eq!(unsafe { serfiq_create(&o, &mut cm) }, SERFIQ_OK);
    let cimg: Vec<serfiq_image> = crops
        .iter()
        .map(|c| serfiq_image { data: c.as_ptr(), width: w, height: h, stride: 0, format: SERFIQ_PIXEL_RGB })
        .collect();
    let mut emb = vec![0f32; m.embedding_size()];
    let mut q = serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 };
    let (rust_ms, c_ms) = pair(
        16,
        |i| drop(m.score_embed(&fs[i % 32]).unwrap()),
        |i| {
            let st = unsafe {
                serfiq_score_embed(
                    cm,
                    &cimg[i % 32],
                    std::ptr::null(),
                    &mut q,
                    emb.as_mut_ptr(),
                    emb.len(),
                    std::ptr::null_mut(),
                )
            };
            assert_eq!(st, SERFIQ_OK);
        },
    );
    // The boundary alone: a call that converts and checks every argument, then is
    // refused at the last check (landmarks), costs what the C layer adds at most.
    let bad_lm = [f32::NAN; 10];
    let refused = unsafe {
        serfiq_score_embed(cm, &cimg[0], bad_lm.as_ptr(), &mut q, emb.as_mut_ptr(), emb.len(), std::ptr::null_mut())
    };
    assert_eq!(refused, SERFIQ_ERR_INVALID_LANDMARKS, "the boundary probe must fail at the landmark check");
    let boundary_us = 1e3
        * time_ms(20_000, |i| unsafe {
            serfiq_score_embed(
                cm,
                &cimg[i % 32],
                bad_lm.as_ptr(),
                &mut q,
                emb.as_mut_ptr(),
                emb.len(),
                std::ptr::null_mut(),
            );
        });
    unsafe { serfiq_destroy(cm) };

    println!("\nper image, one thread (intra_op_threads = 1):");
    println!("  decode JPEG 910x1137 (image crate)  {decode_ms:8.2} ms");
    println!("  align + normalise (5 landmarks)     {align_ms:8.2} ms");
    println!("  embed only (backbone), batch 1      {embed1:8.2} ms");
    println!("  score + embed, batch 1              {both1:8.2} ms   head {:+.2} ms", both1 - embed1);
    println!("  embed only, batch 32                {embed32:8.2} ms");
    println!("  score + embed, batch 32             {both32:8.2} ms   head {:+.2} ms", both32 - embed32);
    println!("  score_embed via Rust / via C ABI    {rust_ms:8.2} / {c_ms:.2} ms");
    println!("  graph level 2 vs 3, embed only      {l2_embed:8.2} / {l3_embed:.2} ms");
    println!("  graph level 2 vs 3, score + embed   {l2_both:8.2} / {l3_both:.2} ms");
    summary.push(("graph level 3 / level 2, score + embed".into(), format!("{:.3}", l3_both / l2_both)));
    summary.push(("score+embed / embed-only, batch 1".into(), format!("{:.3}", both1 / embed1)));
    summary.push(("score+embed / embed-only, batch 32".into(), format!("{:.3}", both32 / embed32)));
    println!("  C ABI boundary (all argument work, refused at the last check) {boundary_us:.2} us");
    summary.push(("C ABI call / Rust call (end to end, noisy)".into(), format!("{:.4}", c_ms / rust_ms)));
    summary.push(("C ABI boundary / score_embed".into(), format!("{:.5}", boundary_us / 1e3 / rust_ms)));

    // -- Caller threads sharing one handle.
    println!("\nthroughput, caller threads sharing one handle (score + embed, batch 1):");
    let per_thread = 8 * rounds();
    let mut one_thread = 0.0;
    for intra in [1usize, 0] {
        let shared = load(ModelSource::Path(model_path.clone()), intra, 0);
        let rss_a = rss_mib();
        throughput(&shared, &fs, 2, 2); // brings up a second session
        let rss_b = rss_mib();
        if intra == 1 {
            println!("  one more session: {:+.1} MiB RSS", rss_b - rss_a);
        }
        for threads in [1usize, 2, 4, 8] {
            let ips = throughput(&shared, &fs, threads, per_thread / threads.min(2));
            println!("  intra_op_threads {intra}, {threads} caller thread(s): {ips:7.1} images/s");
            if intra == 1 && threads == 1 {
                one_thread = ips;
            }
            if intra == 1 && threads == 2 {
                summary.push(("2-thread / 1-thread throughput, one handle".into(), format!("{:.2}", ips / one_thread)));
            }
        }
    }

    // -- The Python package's fastest configuration on the same graph.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/perf");
    std::fs::create_dir_all(&dir).unwrap();
    let proto = serfiq_core::graph::parse(&std::fs::read(&model_path).unwrap()).unwrap();
    let info = serfiq_core::graph::inspect(&proto, None).unwrap();
    let plain = serfiq_core::graph::build(&mut proto.clone(), &info, None).unwrap();
    std::fs::write(dir.join("plain.onnx"), plain).unwrap();
    println!("\nonnxruntime Python package, fastest configuration, 1 thread, batch 1:");
    for (label, path) in [("original model", model_path.clone()), ("serfiq's rewritten graph", dir.join("plain.onnx"))]
    {
        match python_fastest(&path) {
            Some((cfg, ms)) => {
                println!("  {label:<26} {ms:8.2} ms ({cfg})");
                summary.push((format!("serfiq embed-only / Python fastest, {label}"), format!("{:.3}", embed1 / ms)));
            }
            None => println!("  {label:<26} skipped (no Python with onnxruntime; set SERFIQ_PYTHON)"),
        }
    }

    // -- ResNet-100-shaped head.
    let big = load(ModelSource::Bytes(resnet100_shaped()), 1, 1);
    let bf = &fs[..1];
    let (be, bb) = pair(1, |_| drop(big.run(bf, Want::Embedding).unwrap()), |_| drop(big.run(bf, Want::Both).unwrap()));
    let head_gmac = 100.0 * 25088.0 * 512.0 / 1e9;
    println!("\nResNet-100-shaped synthetic model (11.7 GMAC backbone, 25088 -> 512 + BN), T = 100:");
    println!(
        "  embed only {be:8.1} ms, score + embed {bb:8.1} ms, head {:+.1} ms ({:+.1} %)",
        bb - be,
        (bb / be - 1.0) * 100.0
    );
    println!("  head multiply-adds {head_gmac:.2} GMAC (paper: 26.8 vs 24.2 GFLOPs, +10.7 %)");
    summary.push(("ResNet-100-shaped: score+embed / embed-only".into(), format!("{:.3}", bb / be)));

    println!("\nmemory: model handle (two graphs, first session) {:+.1} MiB RSS", rss1 - rss0);
    println!("\nsummary (ratios measured in this run):");
    for (k, v) in &summary {
        println!("  {k:<58} {v}");
    }
}
