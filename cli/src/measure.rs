//! Quality, embedding and sharpness of many images, on all cores, for the
//! commands that need numbers rather than printed rows (`eval`, `calibrate`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serfiq_core::{Model, Want};

use crate::process::{self, Prepared, RunConfig};

/// What one image gives.
#[derive(Debug, Clone)]
pub struct Measured {
    pub s: f32,
    pub q: f32,
    /// Embedding-layer norm, fused quality and percentile (`serfiq_core::Quality`).
    pub n: f32,
    pub f: f32,
    pub q100: f32,
    /// The second quality network's value; NaN without one.
    pub l: f32,
    /// L2-normalised, so a dot product is the cosine similarity; empty
    /// unless `cfg.want` asks for it.
    pub embedding: Vec<f32>,
    /// Laplacian variance of the face as the model sees it (the aligned
    /// crop); NaN unless asked for.
    pub sharpness: f64,
}

fn normalised(mut e: Vec<f32>) -> Vec<f32> {
    let n = e.iter().map(|v| v * v).sum::<f32>().sqrt();
    if n > 0.0 {
        e.iter_mut().for_each(|v| *v /= n);
    }
    e
}

/// Decodes, finds and aligns the face of each image (as `score` does with
/// `--faces one`), then scores it, and embeds it too when `cfg.want` is
/// `Both` (`Embedding` alone gives no s: not for here); `cfg.batch` images per
/// model run, one worker per CPU, all workers together holding at most
/// `process::MAX_HELD_PIXELS` decoded pixels. Results are in input order; a
/// bad image gets its reason and does not stop the others.
pub fn measure(model: &Model, images: &[PathBuf], cfg: &RunConfig, sharpness: bool) -> Vec<Result<Measured, String>> {
    debug_assert!(cfg.want != Want::Embedding, "measure needs s");
    let batch = cfg.batch.max(1);
    let results: Mutex<Vec<Option<Result<Measured, String>>>> = Mutex::new(vec![None; images.len()]);
    let next = AtomicUsize::new(0);
    let budget = process::Budget::new();
    let bar = process::progress_bar(images.len());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(images.len().div_ceil(batch).max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut batcher = process::Batcher::default();
                let mut take = || Some(next.fetch_add(1, Ordering::Relaxed)).filter(|&i| i < images.len());
                loop {
                    let b = batcher.next(images, &mut take, cfg, &budget);
                    if b.images.is_empty() {
                        break;
                    }
                    let out = measure_batch(model, &b.images, cfg, sharpness);
                    let mut all = results.lock().unwrap_or_else(|e| e.into_inner());
                    for ((i, _), r) in b.images.iter().zip(out) {
                        all[*i] = Some(r);
                    }
                    drop(all);
                    bar.inc(b.images.len() as u64);
                    drop(b.images);
                    budget.give(b.held);
                }
            });
        }
    });
    bar.finish_and_clear();
    let all = results.into_inner().unwrap_or_else(|e| e.into_inner());
    all.into_iter().map(|r| r.unwrap_or_else(|| Err("not processed".to_string()))).collect()
}

fn measure_batch(
    model: &Model,
    prepared: &[(usize, Result<Prepared, String>)],
    cfg: &RunConfig,
    sharpness: bool,
) -> Vec<Result<Measured, String>> {
    let ready: Vec<&Prepared> = prepared.iter().filter_map(|(_, p)| p.as_ref().ok()).collect();
    let mut found = process::score_each(model, &ready, cfg.want).into_iter();
    prepared
        .iter()
        .map(|(_, prep)| {
            let prep = prep.as_ref().map_err(Clone::clone)?;
            let f = found.next().unwrap_or_else(|| Err("no result from the model".to_string()))?;
            let q = f.quality.ok_or_else(|| "no score from the model".to_string())?;
            let sharpness = match sharpness {
                false => f64::NAN,
                true => {
                    let crop = model.aligned_crop(&f.face(prep)?).map_err(|e| process::reason(&e))?;
                    crate::edc::laplacian_variance(&crop.rgb, crop.width as usize, crop.height as usize)
                }
            };
            Ok(Measured {
                s: q.s,
                q: q.q,
                n: q.n,
                f: q.f,
                q100: q.q100,
                l: q.l,
                embedding: normalised(f.embedding),
                sharpness,
            })
        })
        .collect()
}
