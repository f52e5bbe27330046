//! A huge photo (8000×6000) is detected on a shrunk working copy: bounded time
//! and memory, and the face's coordinates come back in full-image pixels.
//! Alone in its test binary so the process's peak memory is its own.

mod common;

use std::time::Instant;

use common::*;
use image::{imageops, Rgb, RgbImage};
use serfiq_core::{Face, ImageView, Model, ModelSource, Options, PixelFormat, Want};

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

#[test]
fn huge_photo_in_bounded_time_and_memory() {
    let opts = Options {
        detector: Some(ModelSource::Path(fetched("models/retinaface_mnet025.onnx"))),
        max_sessions: 1,
        intra_threads: 1,
        ..options(&default_model())
    };
    let model = Model::new(&opts).unwrap();
    // obama.jpg three times its size, at (3000, 1500) on an 8000×6000 canvas.
    let photo = image::open(fetched("faces/obama.jpg")).unwrap().to_rgb8();
    let (pw, ph) = (photo.width() * 3, photo.height() * 3);
    let big = imageops::resize(&photo, pw, ph, imageops::FilterType::Triangle);
    let mut canvas = RgbImage::from_pixel(8000, 6000, Rgb([90, 100, 110]));
    imageops::overlay(&mut canvas, &big, 3000, 1500);
    drop(big);
    let view = ImageView::packed(canvas.as_raw(), 8000, 6000, PixelFormat::Rgb).unwrap();
    // A first small run so the session exists before measuring.
    let small = RgbImage::from_pixel(64, 64, Rgb([0, 0, 0]));
    model.detect(&ImageView::packed(small.as_raw(), 64, 64, PixelFormat::Rgb).unwrap()).unwrap();
    let before = peak_rss_mib();

    let t = Instant::now();
    let faces = model.detect(&view).unwrap();
    let detect_time = t.elapsed();
    let q = model.score(&Face { image: view, landmarks: None }).unwrap();
    let total_time = t.elapsed();
    let grown = peak_rss_mib() - before;
    println!(
        "8000x6000: detect {detect_time:.2?}, detect twice + score {total_time:.2?}; peak memory {before:.0} MiB before \
         (the image is 137 MiB), +{grown:.0} MiB during; s = {}",
        q.s
    );

    assert_eq!(faces.len(), 1, "{faces:?}");
    let want = demo_landmarks("obama.jpg").map(|p| [3000.0 + 3.0 * p[0], 1500.0 + 3.0 * p[1]]);
    let eye = want[1][0] - want[0][0];
    // RetinaFace's landmarks move by up to ~8 % of the eye distance when the
    // same face is shown at another scale (here ~0.68×): a mapping error would
    // be far larger.
    for (got, want) in faces[0].landmarks.iter().zip(&want) {
        let d = ((got[0] - want[0]).powi(2) + (got[1] - want[1]).powi(2)).sqrt();
        assert!(d < 0.12 * eye, "landmark {got:?}, expected about {want:?}");
    }
    // The working copy is at most 1920×1280 pixels whatever the input: a few
    // tens of MiB of tensors plus ONNX Runtime's buffers.
    assert!(grown < 600.0, "detection of a huge image took {grown:.0} MiB more memory");
    let limit = if cfg!(debug_assertions) { 60.0 } else { 10.0 };
    assert!(total_time.as_secs_f64() < limit, "took {total_time:?}");
    assert!(model.detect_score(&view, Want::Score).unwrap().len() == 1);
}
