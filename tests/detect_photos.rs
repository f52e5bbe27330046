//! The detector front end on the photo sets in ../shared/data/photos (skipped
//! when absent): every identity's images have a face, same-person pairs are
//! more similar than different-person pairs, and the group shots give several
//! faces with sane boxes.
//!
//! `cargo test --release --test detect_photos -- --nocapture` prints the numbers.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serfiq_core::{Face, FacePolicy, Model, ModelSource, Options};

fn model() -> Model {
    let opts = Options {
        detector: Some(ModelSource::Path(fetched("models/retinaface_mnet025.onnx"))),
        face_policy: FacePolicy::Largest,
        ..options(&default_model())
    };
    Model::new(&opts).unwrap()
}

/// Identity folders of a photo set (not `_extra`), each with its images.
fn identities(set: &Path) -> Vec<(String, Vec<PathBuf>)> {
    let mut ids: Vec<(String, Vec<PathBuf>)> = std::fs::read_dir(set)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('_'))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), images_in(&e.path())))
        .collect();
    ids.sort();
    ids
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let n = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (n(a) * n(b))
}

#[test]
fn every_identity_is_found_and_same_person_pairs_score_higher() {
    let Some(root) = shared_data("photos") else { return };
    let model = model();
    for set in ["faceapi_bbt", "dlib_johns"] {
        let ids = identities(&root.join(set));
        assert!(ids.len() >= 5, "{set}: {} identities", ids.len());
        // (identity, embedding, s) of every image.
        let mut found = Vec::new();
        for (k, (name, files)) in ids.iter().enumerate() {
            assert!(files.len() >= 5, "{set}/{name}: {} images", files.len());
            for f in files {
                let img = Rgb::open(f);
                let (q, e) = model
                    .score_embed(&Face { image: img.view(), landmarks: None })
                    .unwrap_or_else(|e| panic!("{}: {:?}: {}", f.display(), e.kind, e.message));
                found.push((k, e, q.s));
            }
        }
        let (mut same, mut diff) = (Vec::new(), Vec::new());
        for (i, a) in found.iter().enumerate() {
            for b in &found[i + 1..] {
                let c = cosine(&a.1, &b.1);
                if a.0 == b.0 {
                    same.push(c)
                } else {
                    diff.push(c)
                }
            }
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (ms, md) = (mean(&same), mean(&diff));
        // How often a same-person pair beats a different-person pair (ROC AUC).
        let wins: usize = same.iter().map(|s| diff.iter().filter(|d| s > d).count()).sum();
        let auc = wins as f64 / (same.len() * diff.len()) as f64;
        let s_mean = found.iter().map(|f| f.2 as f64).sum::<f64>() / found.len() as f64;
        println!(
            "{set}: {} identities, {} images, all with a face; cosine same {ms:.3} ({} pairs), different {md:.3} ({} pairs), AUC {auc:.3}; mean s {s_mean:.4}",
            ids.len(),
            found.len(),
            same.len(),
            diff.len()
        );
        assert!(ms > md + 0.2, "{set}: same-person pairs {ms:.3} vs different {md:.3}");
        assert!(auc > 0.9, "{set}: AUC {auc:.3}");
    }
}

#[test]
fn group_photos_give_several_faces_with_sane_boxes() {
    let Some(extra) = shared_data("photos/faceapi_bbt/_extra") else { return };
    let model = model();
    let mut groups = 0;
    for f in images_in(&extra) {
        let img = Rgb::open(&f);
        let faces = model.detect(&img.view()).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let (w, h) = (img.width as f32, img.height as f32);
        println!("{name}: {}x{}: {} faces", img.width, img.height, faces.len());
        assert!(!faces.is_empty(), "{name}: no face");
        if name.starts_with("bbt") {
            groups += 1;
            assert!(faces.len() >= 3, "{name}: a cast photo with {} faces", faces.len());
        }
        for d in &faces {
            let [x0, y0, x1, y1] = d.bbox;
            let (bw, bh) = (x1 - x0, y1 - y0);
            assert!(x0 >= 0.0 && y0 >= 0.0 && x1 <= w && y1 <= h, "{name}: box {:?} outside", d.bbox);
            assert!(bw >= 10.0 && bh >= 10.0 && bw < w && bh < h, "{name}: box {:?}", d.bbox);
            // Faces are a little taller than wide.
            assert!((0.9..=2.0).contains(&(bh / bw)), "{name}: box {:?} of aspect {}", d.bbox, bh / bw);
            let lm = d.landmarks;
            assert!(lm.iter().all(|p| x0 <= p[0] && p[0] <= x1 && y0 <= p[1] && p[1] <= y1), "{name}: {lm:?}");
            // Eyes above the nose above the mouth, left before right.
            assert!(lm[0][0] < lm[1][0] && lm[3][0] < lm[4][0], "{name}: {lm:?}");
            assert!(lm[0][1].max(lm[1][1]) < lm[2][1] && lm[2][1] < lm[3][1].min(lm[4][1]), "{name}: {lm:?}");
        }
        // Faces do not overlap much (NMS at IoU 0.4).
        for (i, a) in faces.iter().enumerate() {
            for b in &faces[i + 1..] {
                let iw = (a.bbox[2].min(b.bbox[2]) - a.bbox[0].max(b.bbox[0])).max(0.0);
                let ih = (a.bbox[3].min(b.bbox[3]) - a.bbox[1].max(b.bbox[1])).max(0.0);
                assert!(iw * ih < 0.4 * a.area().min(b.area()), "{name}: overlapping faces {a:?} {b:?}");
            }
        }
    }
    assert!(groups >= 5, "{groups} group photos");
}
