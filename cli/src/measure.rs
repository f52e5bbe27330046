//! Quality, embedding and sharpness of many images, on all cores, for the
//! commands that need numbers rather than printed rows (`eval`, `calibrate`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serfiq_core::{Face, Model, Want};

use crate::process::{self, RunConfig};

/// What one image gives.
#[derive(Debug, Clone)]
pub struct Measured {
    pub s: f32,
    pub q: f32,
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
/// model run, one worker per CPU. Results are in input order; a bad image
/// gets its reason and does not stop the others.
pub fn measure(model: &Model, images: &[PathBuf], cfg: &RunConfig, sharpness: bool) -> Vec<Result<Measured, String>> {
    debug_assert!(cfg.want != Want::Embedding, "measure needs s");
    let batch = cfg.batch.max(1);
    let chunks: Vec<&[PathBuf]> = images.chunks(batch).collect();
    let results: Mutex<Vec<Option<Result<Measured, String>>>> = Mutex::new(vec![None; images.len()]);
    let next = AtomicUsize::new(0);
    let bar = process::progress_bar(images.len());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(chunks.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let c = next.fetch_add(1, Ordering::Relaxed);
                let Some(paths) = chunks.get(c) else { break };
                let out = measure_chunk(model, paths, cfg, sharpness);
                let mut all = results.lock().unwrap_or_else(|e| e.into_inner());
                for (k, r) in out.into_iter().enumerate() {
                    all[c * batch + k] = Some(r);
                }
                drop(all);
                bar.inc(paths.len() as u64);
            });
        }
    });
    bar.finish_and_clear();
    let all = results.into_inner().unwrap_or_else(|e| e.into_inner());
    all.into_iter().map(|r| r.unwrap_or_else(|| Err("not processed".to_string()))).collect()
}

fn measure_chunk(model: &Model, paths: &[PathBuf], cfg: &RunConfig, sharpness: bool) -> Vec<Result<Measured, String>> {
    let mut out: Vec<Result<Measured, String>> = Vec::with_capacity(paths.len());
    let mut ready = Vec::new(); // (index in `out`, prepared image, crop sharpness)
    for path in paths {
        let prepared = process::prepare(path, model, cfg).and_then(|p| {
            let job = p.first_job()?;
            let sharp = match sharpness {
                false => f64::NAN,
                true => {
                    let crop = p.crop(job, model.input_spec())?;
                    crate::edc::laplacian_variance(crop.as_raw(), crop.width() as usize, crop.height() as usize)
                }
            };
            Ok((p, sharp))
        });
        match prepared {
            Ok((p, sharpness)) => {
                ready.push((out.len(), p, sharpness));
                out.push(Err(String::new()));
            }
            Err(reason) => out.push(Err(reason)),
        }
    }
    if ready.is_empty() {
        return out;
    }
    let faces: Vec<Face> =
        ready.iter().map(|(_, p, _)| Face { image: p.view(), landmarks: p.jobs[0].landmarks }).collect();
    // One bad face must not cost the others their results: retry one by one.
    let d = if cfg.want == Want::Score { 0 } else { model.embedding_size() };
    let split = |o: serfiq_core::Outputs| -> Vec<(serfiq_core::Quality, Vec<f32>)> {
        o.qualities.iter().enumerate().map(|(i, q)| (*q, o.embeddings[i * d..(i + 1) * d].to_vec())).collect()
    };
    let runs: Vec<Result<(serfiq_core::Quality, Vec<f32>), String>> = match model.run(&faces, cfg.want) {
        Ok(o) => split(o).into_iter().map(Ok).collect(),
        Err(_) => faces
            .iter()
            .map(|f| model.run(std::slice::from_ref(f), cfg.want).map(|o| split(o).remove(0)))
            .map(|r| r.map_err(process::single_image_message))
            .collect(),
    };
    for ((slot, _, sharpness), run) in ready.iter().zip(runs) {
        out[*slot] = run.map(|(q, e)| Measured { s: q.s, q: q.q, embedding: normalised(e), sharpness: *sharpness });
    }
    out
}
