//! Cost of the quality score over the embedding alone, on one thread.
//!
//! `cargo bench --bench overhead` prints per-image latency of embed-only and
//! score+embed at batch 1 and 32 and their ratio, all measured in this one run:
//! the two are interleaved round by round so machine noise hits both alike,
//! and the median round is reported.

use std::path::PathBuf;
use std::time::Instant;

use serfiq::{Face, ImageView, Model, Options, PixelFormat, Want};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cache = std::env::var_os("SERFIQ_CACHE").map(PathBuf::from).unwrap_or_else(|| root.join(".cache"));
    let opts = Options {
        ort_library: Some(cache.join("onnxruntime/lib/libonnxruntime.so.1.31.1")),
        intra_threads: 1,
        max_sessions: 1,
        ..Options::from_path(cache.join("models/fr_feature.onnx"))
    };
    let model = Model::new(&opts).expect("run `make fetch` first");
    let (w, h) = model.input_size();
    // 32 distinct synthetic crops; content does not change the cost.
    let crops: Vec<Vec<u8>> =
        (0..32u32).map(|k| (0..w * h * 3).map(|i| ((i * 7 + k * 31 + i / 336 * 3) % 251) as u8).collect()).collect();
    let faces: Vec<Face> = crops
        .iter()
        .map(|c| Face { image: ImageView::packed(c, w, h, PixelFormat::Rgb).unwrap(), landmarks: None })
        .collect();
    let rounds: usize = std::env::var("SERFIQ_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    println!("serfiq overhead bench: default model, 1 intra-op thread, {rounds} rounds, median per image");
    println!("{:>6} {:>14} {:>16} {:>8}", "batch", "embed ms/img", "score+emb ms/img", "ratio");
    for batch in [1usize, 32] {
        let per_call = if batch == 1 { 16 } else { 1 };
        let time = |want: Want| {
            let t = Instant::now();
            for c in 0..per_call {
                let start = (c * batch) % faces.len();
                let chunk = &faces[start..(start + batch).min(faces.len())];
                model.run(chunk, want).expect("inference");
            }
            t.elapsed().as_secs_f64() * 1e3 / (per_call * batch) as f64
        };
        time(Want::Embedding);
        time(Want::Both);
        let (mut e, mut b) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            e.push(time(Want::Embedding));
            b.push(time(Want::Both));
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (me, mb) = (median(&mut e), median(&mut b));
        println!("{batch:>6} {me:>14.3} {mb:>16.3} {:>8.3}", mb / me);
    }
}
