//! The built-in front end (RetinaFace detection + 5 landmarks + alignment) on
//! LFW, side by side with the same recogniser on insightface-aligned crops.
//! Skipped when ../shared/data/lfw is absent.
//!
//! Protocol: the 3000 pairs of the first 5 View-2 folds (3811 images); the
//! deep-funneled 250×250 originals go through `Model::detect` (faces ranked by
//! the face policy) and the picked face is aligned by its detected landmarks;
//! the aligned112 crops are scored as they are. Comparison score: cosine of the
//! embeddings. A pair with an image without a face counts as a non-match.
//! - accuracy: 5-fold cross-validation over the 5 folds (the threshold that is
//!   best on the other 4 folds is applied to each fold; mean over folds);
//! - FNMR at FMR 1e-3: one threshold over all 1500 impostor pairs (the lowest
//!   with at most 1 impostor above it), as tests/lfw.rs.
//!
//! Run with `cargo test --release --test detect_lfw -- --nocapture` for the table.

mod common;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use common::*;
use serfiq_core::{Face, FacePolicy, Landmarks, Model, ModelSource, Options};

/// The two tests take both cores each: run them one after the other so the
/// timings mean something.
static SERIAL: Mutex<()> = Mutex::new(());

fn detector() -> ModelSource {
    ModelSource::Path(fetched("models/retinaface_mnet025.onnx"))
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// An image's embedding, `None` when no face was found.
type Embedding = Option<Vec<f32>>;

struct Pair {
    a: usize,
    b: usize,
    genuine: bool,
    fold: usize,
}

/// Verification numbers for one front end.
struct Verdict {
    accuracy: f64,
    fold_accuracy: Vec<f64>,
    fnmr: f64,
    threshold: f64,
}

fn accuracy_at(scores: &[(f64, bool)], t: f64) -> f64 {
    scores.iter().filter(|(s, g)| (*s > t) == *g).count() as f64 / scores.len() as f64
}

/// The threshold with the best accuracy on `scores` (midpoints between sorted scores).
fn best_threshold(scores: &[(f64, bool)]) -> f64 {
    let mut sorted: Vec<f64> = scores.iter().map(|s| s.0).filter(|s| s.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let mut best = (f64::NEG_INFINITY, -1.0);
    for w in sorted.windows(2) {
        let t = (w[0] + w[1]) / 2.0;
        let acc = accuracy_at(scores, t);
        if acc > best.0 {
            best = (acc, t);
        }
    }
    best.1
}

/// Scores every pair; `emb[i]` is `None` for an image without a face.
fn verify(pairs: &[Pair], emb: &[Embedding]) -> Verdict {
    let score = |p: &Pair| match (&emb[p.a], &emb[p.b]) {
        (Some(x), Some(y)) => cosine(x, y),
        _ => f64::NEG_INFINITY, // never a match
    };
    let scored: Vec<(f64, bool, usize)> = pairs.iter().map(|p| (score(p), p.genuine, p.fold)).collect();
    let folds = pairs.iter().map(|p| p.fold).max().unwrap() + 1;
    let fold_accuracy: Vec<f64> = (0..folds)
        .map(|k| {
            let train: Vec<(f64, bool)> = scored.iter().filter(|s| s.2 != k).map(|s| (s.0, s.1)).collect();
            let test: Vec<(f64, bool)> = scored.iter().filter(|s| s.2 == k).map(|s| (s.0, s.1)).collect();
            accuracy_at(&test, best_threshold(&train))
        })
        .collect();
    let mut impostor: Vec<f64> = scored.iter().filter(|s| !s.1).map(|s| s.0).collect();
    impostor.sort_by(|a, b| b.total_cmp(a));
    let threshold = impostor[(1e-3 * impostor.len() as f64).floor() as usize];
    let genuine: Vec<f64> = scored.iter().filter(|s| s.1).map(|s| s.0).collect();
    let fnmr = genuine.iter().filter(|&&s| s <= threshold).count() as f64 / genuine.len() as f64;
    Verdict { accuracy: fold_accuracy.iter().sum::<f64>() / folds as f64, fold_accuracy, fnmr, threshold }
}

/// Runs `f` over `items` on two threads (2 cores here), keeping order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let half = items.len().div_ceil(2);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> =
            items.chunks(half.max(1)).map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn detector_front_end_matches_aligned_crops_on_lfw() {
    let (Some(orig), Some(aligned), Some(pairs_txt)) =
        (shared_data("lfw/deepfunneled"), shared_data("lfw/aligned112"), shared_data("lfw/pairs.txt"))
    else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let mut index: HashMap<(String, u32), usize> = HashMap::new();
    let mut keys = Vec::new();
    let mut pairs = Vec::new();
    for (k, (n1, i1, n2, i2, genuine)) in lfw_pairs(&pairs_txt).into_iter().enumerate() {
        let mut id = |key: (String, u32)| {
            *index.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                keys.len() - 1
            })
        };
        let (a, b) = (id((n1, i1)), id((n2, i2)));
        pairs.push(Pair { a, b, genuine, fold: k / 600 });
    }
    assert_eq!(pairs.len(), 3000);
    let opts = Options {
        max_sessions: 2,
        intra_threads: 1,
        detector: Some(detector()),
        face_policy: FacePolicy::Largest,
        ..options(&default_model())
    };
    let model = Model::new(&opts).unwrap();
    let t0 = Instant::now();

    // Insightface-aligned crops: scored as they are.
    let base: Vec<Embedding> = parallel(&keys, |(name, i)| {
        let img = Rgb::open(&lfw_image_path(&aligned, name, *i));
        Some(model.embed(&Face { image: img.view(), landmarks: None }).unwrap())
    });
    let t1 = Instant::now();

    // Originals through the detector: the largest face, and (scored only when
    // it differs) the most central one.
    let det: Vec<(Embedding, Embedding)> = parallel(&keys, |(name, i)| {
        let img = Rgb::open(&lfw_image_path(&orig, name, *i));
        let view = img.view();
        let mut faces = model.detect(&view).unwrap();
        let embed = |lm: Landmarks| model.embed(&Face { image: view, landmarks: Some(lm) }).unwrap();
        let Some(largest) = faces.first().copied() else { return (None, None) };
        let e_largest = embed(largest.landmarks);
        FacePolicy::MostCentral.rank(&mut faces, view.width(), view.height());
        let e_central = if faces[0] == largest { e_largest.clone() } else { embed(faces[0].landmarks) };
        (Some(e_largest), Some(e_central))
    });
    let t2 = Instant::now();
    let (largest, central): (Vec<_>, Vec<_>) = det.into_iter().unzip();
    let misses = largest.iter().filter(|e| e.is_none()).count();
    let differ = largest.iter().zip(&central).filter(|(a, b)| a != b).count();

    let rows = [
        ("insightface-aligned crops (aligned112)", None, verify(&pairs, &base)),
        ("RetinaFace mnet-0.25, largest face", Some(misses), verify(&pairs, &largest)),
        ("RetinaFace mnet-0.25, most central face", Some(misses), verify(&pairs, &central)),
    ];
    println!("LFW folds 1-5: {} images, 3000 pairs; default recogniser (fr_feature.onnx)", keys.len());
    println!("| front end | no face | 5-fold accuracy | FNMR at FMR 1e-3 |");
    println!("|---|---|---|---|");
    for (name, miss, v) in &rows {
        let miss = miss.map_or("–".to_string(), |m| format!("{m} ({:.2} %)", 100.0 * m as f64 / keys.len() as f64));
        println!("| {name} | {miss} | {:.2} % | {:.2} % |", 100.0 * v.accuracy, 100.0 * v.fnmr);
    }
    for (name, _, v) in &rows {
        let folds: Vec<String> = v.fold_accuracy.iter().map(|a| format!("{:.2}", 100.0 * a)).collect();
        println!("{name}: per-fold accuracy {} %, FMR-1e-3 threshold {:.4}", folds.join(" / "), v.threshold);
    }
    println!(
        "most central differs from largest on {differ} images; aligned112 {:.1?}, detect+align+embed {:.1?} (2 threads)",
        t1 - t0,
        t2 - t1
    );

    assert!((misses as f64) < 0.005 * keys.len() as f64, "{misses} of {} images without a face", keys.len());
    let (b, d) = (&rows[0].2, &rows[1].2);
    assert!(
        d.accuracy >= b.accuracy - 0.003,
        "the detector front end loses {:.2} points of accuracy",
        100.0 * (b.accuracy - d.accuracy)
    );
    assert!(d.fnmr < 0.05, "FNMR {} through the detector: alignment is broken", d.fnmr);
}

/// Per-image time on one thread (one session, one ONNX Runtime thread):
/// detection alone, and detection + landmarks + alignment + SER-FIQ.
#[test]
fn time_per_image_on_one_thread() {
    let (Some(orig), Some(pairs_txt)) = (shared_data("lfw/deepfunneled"), shared_data("lfw/pairs.txt")) else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let mut keys: Vec<(String, u32)> = Vec::new();
    for (n1, i1, n2, i2, _) in lfw_pairs(&pairs_txt) {
        for k in [(n1, i1), (n2, i2)] {
            if !keys.contains(&k) && keys.len() < 100 {
                keys.push(k);
            }
        }
    }
    let images: Vec<Rgb> = keys.iter().map(|(n, i)| Rgb::open(&lfw_image_path(&orig, n, *i))).collect();
    let opts = Options { max_sessions: 1, intra_threads: 1, detector: Some(detector()), ..options(&default_model()) };
    let model = Model::new(&opts).unwrap();
    let det = model.detector().unwrap();
    // Warm-up: first runs allocate.
    for img in images.iter().take(3) {
        model.score(&Face { image: img.view(), landmarks: None }).unwrap();
    }
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3 / images.len() as f64;
    let t = Instant::now();
    for img in &images {
        assert!(!det.detect(&img.view()).unwrap().is_empty());
    }
    let detect = ms(t);
    let t = Instant::now();
    for img in &images {
        model.score(&Face { image: img.view(), landmarks: None }).unwrap();
    }
    let full = ms(t);
    let t = Instant::now();
    for img in &images {
        model.score_embed(&Face { image: img.view(), landmarks: None }).unwrap();
    }
    let full_embed = ms(t);
    println!(
        "one thread, {} LFW originals 250x250: detect {detect:.1} ms/image; detect + align + SER-FIQ {full:.1} ms; \
         with the embedding {full_embed:.1} ms",
        images.len()
    );
}
