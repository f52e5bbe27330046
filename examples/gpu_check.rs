//! CPU vs CUDA on real aligned faces: agreement and throughput, then the
//! second quality network (l, the fused f) and the capture loop on a demo photo.
//!
//! Usage: gpu_check [FACES_DIR] [N]   (FACES_DIR: 112×112 aligned crops, searched
//! recursively; default ../shared/data/lfw/aligned112, else synthetic crops)
//! Needs SERFIQ_ORT_LIB pointing at the onnxruntime-gpu 1.31.1 library (its
//! CUDA provider next to it) and the CUDA/cuDNN libraries (SERFIQ_CUDA_PATH or
//! pip's nvidia-* packages). Run by scripts/gpu-check.sh.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serfiq_core::gpu::Provider;
use serfiq_core::{Capture, CaptureOptions, Face, ImageView, Model, ModelSource, Options, PixelFormat, Want};

fn crops(dir: Option<&Path>, n: usize) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    if let Some(d) = dir {
        for e in walkdir::WalkDir::new(d).sort_by_file_name().into_iter().flatten() {
            if e.path().extension().is_some_and(|x| x == "jpg" || x == "png") {
                files.push(e.into_path());
            }
            if files.len() == n {
                break;
            }
        }
    }
    let mut out: Vec<Vec<u8>> = files
        .iter()
        .filter_map(|p| image::open(p).ok().map(|i| i.to_rgb8()))
        .filter(|i| i.dimensions() == (112, 112))
        .map(|i| i.into_raw())
        .collect();
    let real = out.len();
    while out.len() < n {
        let k = out.len();
        out.push((0..112 * 112 * 3).map(|i| ((i * (k % 13 + 2) + k * 31) % 251) as u8).collect());
    }
    eprintln!("{real} real aligned faces, {} synthetic crops", n - real);
    out
}

fn images_per_s(model: &Model, faces: &[Face], batch: usize, want: Want, rounds: usize) -> f64 {
    model.run(&faces[..batch], want).expect("warm-up");
    let t = Instant::now();
    for r in 0..rounds {
        let start = (r * batch) % (faces.len() - batch + 1);
        model.run(&faces[start..start + batch], want).expect("inference");
    }
    (rounds * batch) as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let default_dir = root.join("../shared/data/lfw/aligned112");
    let dir = args.first().map(PathBuf::from).or(default_dir.exists().then_some(default_dir));
    let n: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(512).max(256);
    let cache = std::env::var_os("SERFIQ_CACHE").map(PathBuf::from).unwrap_or_else(|| root.join(".cache"));
    let base = Options::from_path(cache.join("models/fr_feature.onnx"));
    let cpu_options = Options { intra_threads: 0, ..base.clone() };
    let gpu_options = Options { provider: Provider::Cuda { device_id: 0 }, ..base };
    let cpu = Model::new(&cpu_options).expect("CPU model");
    let gpu = match Model::new(&gpu_options) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("gpu_check: the GPU is not usable: {:?}: {}", e.kind, e.message);
            std::process::exit(1);
        }
    };
    let data = crops(dir.as_deref(), n);
    let faces: Vec<Face> = data
        .iter()
        .map(|c| Face { image: ImageView::packed(c, 112, 112, PixelFormat::Rgb).unwrap(), landmarks: None })
        .collect();

    let a = cpu.run(&faces, Want::Both).expect("CPU run");
    let b = gpu.run(&faces, Want::Both).expect("GPU run");
    let ds = a.qualities.iter().zip(&b.qualities).map(|(x, y)| (x.s - y.s).abs()).fold(0.0f32, f32::max);
    let dq = a.qualities.iter().zip(&b.qualities).map(|(x, y)| (x.q - y.q).abs()).fold(0.0f32, f32::max);
    let de = a.embeddings.iter().zip(&b.embeddings).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    println!("{} faces, CPU vs CUDA: max |Δs| {ds:.2e}, max |Δq| {dq:.2e}, max |Δembedding| {de:.2e}", faces.len());

    println!("{:>6} {:>16} {:>18} {:>10}", "batch", "embed img/s", "score+embed img/s", "overhead");
    let mut at256 = 0.0;
    for batch in [1usize, 32, 256] {
        let rounds = if batch == 1 { 200 } else { 4096 / batch };
        let e = images_per_s(&gpu, &faces, batch, Want::Embedding, rounds);
        let s = images_per_s(&gpu, &faces, batch, Want::Both, rounds);
        println!("{batch:>6} {e:>16.1} {s:>18.1} {:>9.1}%", (e / s - 1.0) * 100.0);
        at256 = s;
    }
    let cpu_ips = images_per_s(&cpu, &faces, 32, Want::Both, 8);
    println!("CPU score+embed, batch 32, all cores: {cpu_ips:.1} img/s; GPU at batch 256 is {:.1}x", at256 / cpu_ips);
    let mut ok = ds <= 1e-3;
    println!("agreement |Δs| <= 1e-3: {}", if ok { "yes" } else { "NO" });

    // The second quality network runs in the same call: l and f CPU vs CUDA, and its cost on the GPU.
    // The same models carry the detector for the capture loop below (it plays no part on crops).
    let net = |o: &Options| Options {
        quality_net: Some(ModelSource::Path(root.join("models/quality/lightqnet-dm025.onnx"))),
        detector: Some(ModelSource::Path(cache.join("models/retinaface_mnet025.onnx"))),
        ..o.clone()
    };
    let (cpu_net, gpu_net) =
        (Model::new(&net(&cpu_options)).expect("CPU + net"), Model::new(&net(&gpu_options)).expect("GPU + net"));
    let (a, b) =
        (cpu_net.run(&faces, Want::Score).expect("CPU run"), gpu_net.run(&faces, Want::Score).expect("GPU run"));
    let max = |f: fn(&serfiq_core::Quality) -> f32| {
        a.qualities.iter().zip(&b.qualities).map(|(x, y)| (f(x) - f(y)).abs()).fold(0.0f32, f32::max)
    };
    let (dl, df) = (max(|q| q.l), max(|q| q.f));
    println!("with the quality network: max |Δl| {dl:.2e}, max |Δf| {df:.2e}");
    let plain = images_per_s(&gpu, &faces, 256, Want::Both, 16);
    let with = images_per_s(&gpu_net, &faces, 256, Want::Both, 16);
    println!("score+embed at batch 256: {plain:.1} img/s, with the quality network {with:.1} img/s");
    ok &= dl <= 1e-3;

    // The capture loop on a still demo photo: the same states on both, and the per-frame cost.
    let photo = image::open(cache.join("faces/obama.jpg")).expect("the demo photo").to_rgb8();
    let (w, h) = photo.dimensions();
    let view = ImageView::packed(photo.as_raw(), w, h, PixelFormat::Rgb).unwrap();
    let mut states = Vec::new();
    for model in [&cpu_net, &gpu_net] {
        let mut capture = Capture::new(model, CaptureOptions::default()).expect("capture");
        let mut seen = Vec::new();
        let t = Instant::now();
        for i in 0..60 {
            let frame = capture.push(&view, i * 40).expect("push");
            seen.push((frame.state, frame.face.map(|f| (f.quality.q100 * 10.0).round() as i32)));
        }
        println!(
            "capture, 60 frames of obama.jpg ({w}x{h}): {:.2} ms per frame",
            t.elapsed().as_secs_f64() * 1e3 / 60.0
        );
        states.push(seen);
    }
    let same = states[0] == states[1];
    println!("capture: the same states and q100 (0.1) on CPU and CUDA: {}", if same { "yes" } else { "NO" });
    std::process::exit(if ok && same { 0 } else { 1 });
}
