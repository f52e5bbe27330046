//! Demo: find the face in a photo with the built-in detector, align it by the
//! detected landmarks, degrade the aligned crop (blur, noise, rotation) and
//! show that the clean crop scores highest.
//!
//! Usage: demo PHOTO.jpg OUT_DIR
//! Writes the crops as 112×112 PNGs into OUT_DIR so `serfiq score OUT_DIR` can re-score them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use image::{imageops, RgbImage};
use serfiq_core::masks::SplitMix64;
use serfiq_core::{Face, ImageView, Model, ModelSource, Options, PixelFormat};

/// Adds zero-mean Gaussian noise (Box–Muller over a seeded generator).
fn noisy(img: &RgbImage, sigma: f64) -> RgbImage {
    let mut rng = SplitMix64::new(2020);
    let mut out = img.clone();
    for v in out.iter_mut() {
        let (u1, u2) = (rng.next_f64().max(1e-12), rng.next_f64());
        let n = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        *v = (*v as f64 + sigma * n).round().clamp(0.0, 255.0) as u8;
    }
    out
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [photo, out_dir] = &args[..] else { return Err("usage: demo PHOTO.jpg OUT_DIR".into()) };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cache = std::env::var_os("SERFIQ_CACHE").map(PathBuf::from).unwrap_or_else(|| root.join(".cache"));
    let opts = Options {
        ort_library: Some(cache.join("onnxruntime/lib/libonnxruntime.so.1.31.1")),
        detector: Some(ModelSource::Path(cache.join("models/retinaface_mnet025.onnx"))),
        ..Options::from_path(cache.join("models/fr_feature.onnx"))
    };
    let model = Model::new(&opts).map_err(|e| e.to_string())?;

    let rgb = image::open(photo).map_err(|e| format!("{photo}: {e}"))?.to_rgb8();
    let view =
        ImageView::packed(rgb.as_raw(), rgb.width(), rgb.height(), PixelFormat::Rgb).map_err(|e| e.to_string())?;
    let faces = model.detect(&view).map_err(|e| e.to_string())?;
    let face = faces.first().ok_or(format!("{photo}: no face found"))?;
    println!("face found at {:?} (confidence {:.3})", face.bbox.map(|v| v.round()), face.confidence);
    let lm = face.landmarks;
    let crop = serfiq_core::align::aligned_rgb(model.input_spec(), &view, &lm).map_err(|e| e.to_string())?;
    let (w, h) = model.input_size();
    let clean = RgbImage::from_raw(w, h, crop).ok_or("crop size")?;

    let variants: Vec<(&str, RgbImage)> = vec![
        ("clean", clean.clone()),
        ("blur_sigma2", imageops::blur(&clean, 2.0)),
        ("blur_sigma4", imageops::blur(&clean, 4.0)),
        ("noise_sigma40", noisy(&clean, 40.0)),
        ("rotated_90", imageops::rotate90(&clean)),
        ("rotated_180", imageops::rotate180(&clean)),
    ];
    std::fs::create_dir_all(out_dir).map_err(|e| e.to_string())?;
    println!("{:<14} {:>8} {:>8}", "variant", "s", "q");
    let mut scores = Vec::new();
    for (name, img) in &variants {
        img.save(Path::new(out_dir).join(format!("{name}.png"))).map_err(|e| e.to_string())?;
        let view = ImageView::packed(img.as_raw(), w, h, PixelFormat::Rgb).map_err(|e| e.to_string())?;
        let q = model.score(&Face { image: view, landmarks: None }).map_err(|e| e.to_string())?;
        println!("{name:<14} {:>8.4} {:>8.4}", q.s, q.q);
        scores.push(q.s);
    }
    if scores[1..].iter().any(|&s| s >= scores[0]) {
        return Err("a degraded copy scored at least as high as the clean face".into());
    }
    println!("the clean face scores above every degraded copy");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}
