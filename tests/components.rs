//! Quality components and feedback (issue 23) on real photos, with ground
//! truth made by construction: rotations, rescales, mirrors, blur, exposure
//! changes, crops and composites of the demo photos and LFW originals.
//! LFW parts skip when ../shared/data is absent.
//!
//! `cargo test --release --test components -- --nocapture --test-threads 1` prints the numbers.

mod common;

use common::*;
use image::{imageops, RgbImage};
use serfiq_core::{AssessedFace, Component, Face, Feedback, ImageView, Model, ModelSource, Options, PixelFormat};

fn model(profile: &str) -> Model {
    let opts = Options {
        detector: Some(ModelSource::Path(fetched("models/retinaface_mnet025.onnx"))),
        feedback_profile: Some(profile.to_string()),
        ..options(&default_model())
    };
    Model::new(&opts).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

fn view(img: &RgbImage) -> ImageView<'_> {
    ImageView::packed(img.as_raw(), img.width(), img.height(), PixelFormat::Rgb).unwrap()
}

fn photo(name: &str) -> RgbImage {
    image::open(fetched(&format!("faces/{name}"))).unwrap().to_rgb8()
}

const DEMO: [&str; 4] = ["biden.jpg", "obama.jpg", "obama2.jpg", "obama3.jpg"];

/// The largest face the detector finds, assessed.
fn assess(model: &Model, img: &RgbImage) -> AssessedFace {
    model.assess(&Face { image: view(img), landmarks: None }).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

fn show(name: &str, a: &AssessedFace) {
    let c = &a.components;
    let parts: Vec<String> = Component::ALL
        .iter()
        .filter(|k| k.assessed())
        .map(|k| format!("{}={:.3}/{}", k.name(), c.raw(*k), c.value(*k)))
        .collect();
    let fb: Vec<&str> = Feedback::in_set(c.feedback).map(|f| f.name()).collect();
    println!("{name}: {}\n  feedback {:?}", parts.join(" "), fb);
}

#[test]
fn demo_photos() {
    if !have_cache() {
        return;
    }
    for profile in ["enrolment", "live"] {
        let m = model(profile);
        println!("== {profile}");
        for name in DEMO {
            let img = photo(name);
            println!("{name} {}x{}", img.width(), img.height());
            show(name, &assess(&m, &img));
        }
    }
}
