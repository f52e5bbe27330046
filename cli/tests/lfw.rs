//! Usefulness on real data (skipped when ../shared/data/lfw is absent): on the
//! LFW pairs of the first 5 View-2 folds, discarding the lowest-quality pairs
//! lowers FNMR at a threshold fixed at FMR = 1e-3 (the EDC protocol, with
//! pair quality = min of the two images' s). Prints the numbers used to
//! calibrate the default alpha and r.
//!
//! The model carries the shipped second quality network, so the same run
//! also checks that the new f (s, n and l fused) beats the old f (s and n)
//! and each signal alone.
//!
//! Run with `cargo test --release --test lfw -- --nocapture` to see them.

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "../src/edc.rs"]
#[allow(dead_code)]
mod edc;

use std::collections::HashMap;

use common::*;
use serfiq_core::{Face, Model, ModelSource, Options, Quality, Want};

/// Linear interpolation between order statistics (numpy's default).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// FNMR at `threshold` after discarding the `fraction` of genuine pairs with the lowest quality.
fn fnmr_after_discard(genuine: &[(f64, f64)], threshold: f64, fraction: f64) -> f64 {
    let mut g = genuine.to_vec(); // (comparison score, pair quality)
    g.sort_by(|a, b| a.1.total_cmp(&b.1));
    let keep = &g[(fraction * g.len() as f64).round() as usize..];
    keep.iter().filter(|(score, _)| *score <= threshold).count() as f64 / keep.len() as f64
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn quality_discard_lowers_fnmr_on_lfw() {
    let (Some(root), Some(pairs_txt)) = (shared_data("lfw/aligned112"), shared_data("lfw/pairs.txt")) else { return };
    let start = std::time::Instant::now();
    let pairs = lfw_pairs(&pairs_txt);
    let (n_gen, n_imp) = (pairs.iter().filter(|p| p.4).count(), pairs.iter().filter(|p| !p.4).count());
    assert_eq!((n_gen, n_imp), (1500, 1500), "expected 5 folds of 300 genuine + 300 impostor pairs");

    // Every image the pairs use, once.
    let mut index: HashMap<(String, u32), usize> = HashMap::new();
    let mut files = Vec::new();
    for (n1, i1, n2, i2, _) in &pairs {
        for key in [(n1.clone(), *i1), (n2.clone(), *i2)] {
            index.entry(key.clone()).or_insert_with(|| {
                files.push(lfw_image_path(&root, &key.0, key.1));
                files.len() - 1
            });
        }
    }
    let images: Vec<Rgb> = files.iter().map(|p| Rgb::open(p)).collect();
    assert!(images.iter().all(|i| (i.width, i.height) == (112, 112)));
    let decoded = start.elapsed();

    // Two workers, one session and one ONNX Runtime thread each (2 cores).
    let net = ModelSource::Path(repo().join("models/quality/lightqnet-dm025.onnx"));
    let opts = Options { max_sessions: 2, intra_threads: 1, quality_net: Some(net), ..options(&default_model()) };
    let model = Model::new(&opts).unwrap();
    let d = model.embedding_size();
    let mut qs = vec![Quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 }; images.len()];
    let mut emb = vec![0f32; images.len() * d];
    const BATCH: usize = 64;
    std::thread::scope(|scope| {
        let chunks: Vec<_> = images.chunks(BATCH).zip(qs.chunks_mut(BATCH)).zip(emb.chunks_mut(BATCH * d)).collect();
        let (mut even, mut odd) = (Vec::new(), Vec::new());
        for (i, c) in chunks.into_iter().enumerate() {
            if i % 2 == 0 {
                even.push(c)
            } else {
                odd.push(c)
            }
        }
        for work in [even, odd] {
            let model = &model;
            scope.spawn(move || {
                for ((imgs, s_out), e_out) in work {
                    let faces: Vec<Face> = imgs.iter().map(|i| Face { image: i.view(), landmarks: None }).collect();
                    let out = model.run(&faces, Want::Both).unwrap();
                    s_out.copy_from_slice(&out.qualities);
                    e_out.copy_from_slice(&out.embeddings);
                }
            });
        }
    });
    let scored = start.elapsed() - decoded;
    let s: Vec<f64> = qs.iter().map(|q| q.s as f64).collect();
    assert!(s.iter().all(|v| v.is_finite() && *v > 0.0 && *v <= 1.0), "s outside (0, 1]");

    let mut genuine = Vec::new(); // (comparison score, pair quality)
    let mut impostor = Vec::new();
    for (n1, i1, n2, i2, same) in &pairs {
        let (a, b) = (index[&(n1.clone(), *i1)], index[&(n2.clone(), *i2)]);
        let score = cosine(&emb[a * d..(a + 1) * d], &emb[b * d..(b + 1) * d]);
        let quality = s[a].min(s[b]);
        if *same {
            genuine.push((score, quality))
        } else {
            impostor.push(score)
        }
    }

    // Threshold at FMR = 1e-3: the lowest impostor score such that at most
    // 0.1 % of impostor scores lie above it.
    impostor.sort_by(|a, b| b.total_cmp(a));
    let allowed = (1e-3 * impostor.len() as f64).floor() as usize;
    let threshold = impostor[allowed];
    let fmr = impostor.iter().filter(|&&x| x > threshold).count() as f64 / impostor.len() as f64;
    assert!(fmr <= 1e-3, "FMR {fmr} at the threshold");
    let fmr_below = impostor.iter().filter(|&&x| x > impostor[allowed + 1]).count() as f64 / impostor.len() as f64;
    assert!(fmr_below > 1e-3 || impostor[allowed + 1] == threshold, "the threshold is not the lowest one");

    let fnmr: Vec<f64> = [0.0, 0.1, 0.2].iter().map(|&f| fnmr_after_discard(&genuine, threshold, f)).collect();

    // serfiq_core::eval (used by the evaluation tools) agrees with this test's own arithmetic.
    let impostor_scores: Vec<f64> = impostor.clone();
    assert_eq!(edc::threshold_at_fmr(&impostor_scores, 1e-3), Some(threshold));
    let comparisons: Vec<edc::Comparison> =
        genuine.iter().map(|&(score, quality)| edc::Comparison { score, quality }).collect();
    let curve = edc::edc(&comparisons, threshold);
    for (f, want) in [0.0, 0.1, 0.2].iter().zip(&fnmr) {
        assert_eq!(edc::fnmr_at(&curve, *f), Some(*want), "EDC at {f}");
    }
    println!("pAUC to 20 % discard: {:.5} (random discard: {:.5})", edc::partial_auc(&curve, 0.2), 0.2 * fnmr[0]);
    let mut sorted = s.clone();
    sorted.sort_by(f64::total_cmp);
    let (p5, median, p95) = (percentile(&sorted, 0.05), percentile(&sorted, 0.5), percentile(&sorted, 0.95));
    let alpha = 2.0 * 19f64.ln() / (p95 - p5);
    let accuracy_like =
        genuine.iter().filter(|g| g.0 > threshold).count() + impostor.iter().filter(|&&x| x <= threshold).count();

    println!("LFW, 5 folds: {} images, {n_gen} genuine + {n_imp} impostor pairs", images.len());
    println!(
        "decode {decoded:.1?}, score+embed {scored:.1?} ({:.1} ms/image)",
        scored.as_secs_f64() * 1e3 / images.len() as f64
    );
    println!(
        "threshold at FMR 1e-3: cosine {threshold:.4} (FMR {fmr:.5}); correct decisions {:.2} %",
        100.0 * accuracy_like as f64 / pairs.len() as f64
    );
    println!(
        "FNMR at FMR 1e-3: {:.3} % (0 % discarded), {:.3} % (10 %), {:.3} % (20 %)",
        100.0 * fnmr[0],
        100.0 * fnmr[1],
        100.0 * fnmr[2]
    );
    println!(
        "s over all images: p5 {p5:.5}, median {median:.5}, p95 {p95:.5}, min {:.5}, max {:.5}",
        sorted[0],
        sorted[sorted.len() - 1]
    );
    println!("calibration: r = median = {median:.4}, alpha = 2 ln 19 / (p95 - p5) = {alpha:.2}");

    // The recogniser itself works (README: FNMR 1.5 % at FMR 1e-3 on all 6000 pairs).
    assert!(fnmr[0] < 0.05, "FNMR {} without discard: the embeddings are broken", fnmr[0]);
    assert!(fnmr[0] > 0.0, "no false non-matches at all: nothing left to improve");
    // The quality is useful: dropping the worst 10 % of pairs removes errors.
    assert!(fnmr[1] < fnmr[0], "discarding 10 % by quality did not lower FNMR ({} → {})", fnmr[0], fnmr[1]);

    // The second opinion: pAUC to 20 % at FMR 1e-3 for each signal, with the old
    // f recomputed from the model's own percentiles (what a model without the
    // network gives, bit for bit: tests/quality_net.rs).
    let sc = model.scales();
    let s_spread = sc.s.expect("the default scales have s percentiles");
    let old_f = |q: &Quality| serfiq_core::scale::fused(&s_spread, sc.n.as_ref(), q.s as f64, q.n as f64);
    type Measure<'a> = (&'a str, &'a dyn Fn(&Quality) -> f64);
    let measures: [Measure; 5] = [
        ("s", &|q| q.s as f64),
        ("n", &|q| q.n as f64),
        ("l", &|q| q.l as f64),
        ("old f", &old_f),
        ("new f", &|q| q.f as f64),
    ];
    let pauc: Vec<f64> = measures
        .iter()
        .map(|(name, value)| {
            let mut cmp = Vec::new();
            let mut k = 0;
            for (n1, i1, n2, i2, same) in &pairs {
                let (a, b) = (index[&(n1.clone(), *i1)], index[&(n2.clone(), *i2)]);
                if *same {
                    let quality = value(&qs[a]).min(value(&qs[b]));
                    cmp.push(edc::Comparison { score: genuine[k].0, quality });
                    k += 1;
                }
            }
            let p = edc::partial_auc(&edc::edc(&cmp, threshold), 0.2);
            println!("pAUC to 20 % at FMR 1e-3, {name}: {p:.5}");
            p
        })
        .collect();
    for (k, (name, _)) in measures.iter().enumerate().take(4) {
        assert!(pauc[4] < pauc[k], "the new f ({:.5}) is not below {name} ({:.5})", pauc[4], pauc[k]);
    }
}
