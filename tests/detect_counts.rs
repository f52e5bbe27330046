//! Faces per image against the known number (phantoms, missed faces), the
//! working size against full-size detection, and what an image is
//! (`input_mode`). The labelled sets in ../shared/data are skipped when absent.
//!
//! `cargo test --release --test detect_counts -- --nocapture` prints the numbers.

mod common;

use std::path::Path;

use common::*;
use image::RgbImage;
use serfiq_core::{Detection, ErrorKind, Face, ImageView, InputMode, Model, ModelSource, Options, PixelFormat};

fn model(change: impl FnOnce(&mut Options)) -> Model {
    let mut opts = Options {
        detector: Some(ModelSource::Path(fetched("models/retinaface_mnet025.onnx"))),
        ..options(&default_model())
    };
    change(&mut opts);
    Model::new(&opts).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

fn view(img: &RgbImage) -> ImageView<'_> {
    ImageView::packed(img.as_raw(), img.width(), img.height(), PixelFormat::Rgb).unwrap()
}

fn open(p: &Path) -> RgbImage {
    image::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).to_rgb8()
}

/// Group shots of faceapi_bbt/_extra: the real faces, counted by looking at
/// each photo (bbt2: three faces, the two people seen from behind are not).
const GROUPS: [(&str, usize); 12] = [
    ("bbt1.jpg", 4),
    ("bbt2.jpg", 3),
    ("bbt3.jpg", 5),
    ("bbt4.jpg", 6),
    ("bbt5.jpg", 5),
    ("angry.jpg", 1),
    ("disgusted.jpg", 1),
    ("fearful.jpg", 1),
    ("happy.jpg", 1),
    ("neutral.jpg", 1),
    ("sad.jpg", 1),
    ("surprised.jpg", 1),
];

/// LFW photos where the detector gave a box between two faces (a phantom,
/// dropped now) or where a real face lies half behind another (kept): the
/// real faces, counted by looking at each.
const LFW: [(&str, usize); 16] = [
    ("Amanda_Marsh/Amanda_Marsh_0001.jpg", 2),
    ("John_Manley/John_Manley_0006.jpg", 2),
    ("Colin_Powell/Colin_Powell_0049.jpg", 3),
    ("Ethan_Hawke/Ethan_Hawke_0004.jpg", 2),
    ("Nicole_Kidman/Nicole_Kidman_0002.jpg", 2),
    ("Jimmy_Carter/Jimmy_Carter_0001.jpg", 2),
    ("Julianna_Margulies/Julianna_Margulies_0002.jpg", 2),
    ("Melissa_Etheridge/Melissa_Etheridge_0001.jpg", 2),
    ("Pierre_Png/Pierre_Png_0001.jpg", 2),
    ("Hoda_Asfor/Hoda_Asfor_0001.jpg", 2),
    ("Franko_Simatovic/Franko_Simatovic_0001.jpg", 2),
    // A real face half hidden behind the main one survives.
    ("Rosalyn_Carter/Rosalyn_Carter_0001.jpg", 2),
    ("Stefano_Gabbana/Stefano_Gabbana_0001.jpg", 2),
    ("Ben_Affleck/Ben_Affleck_0007.jpg", 2),
    ("Gene_Robinson/Gene_Robinson_0003.jpg", 2),
    ("Wayne_Allard/Wayne_Allard_0001.jpg", 2),
];

fn count_faces(model: &Model, path: &Path) -> usize {
    model.detect(&view(&open(path))).unwrap().len()
}

#[test]
fn demo_photos_have_one_face_each() {
    let model = model(|_| ());
    for p in images_in(&repo().join(".cache/faces")) {
        assert_eq!(count_faces(&model, &p), 1, "{}", p.display());
    }
}

#[test]
fn photo_sets_have_the_known_number_of_faces() {
    let Some(root) = shared_data("photos") else { return };
    let model = model(|_| ());
    let mut wrong = Vec::new();
    let mut images = 0;
    for set in ["faceapi_bbt", "dlib_johns"] {
        for p in images_in(&root.join(set)) {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let want = if p.parent().is_some_and(|d| d.ends_with("_extra")) {
                GROUPS.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{name}: no count")).1
            } else {
                1
            };
            let got = count_faces(&model, &p);
            images += 1;
            if got != want {
                wrong.push((p.display().to_string(), want, got));
            }
        }
    }
    println!("{images} photos, {} with another number of faces than known: {wrong:?}", wrong.len());
    assert!(images >= 100 && wrong.is_empty(), "{wrong:?}");
}

#[test]
fn lfw_phantoms_between_faces_are_dropped_and_hidden_faces_kept() {
    let Some(root) = shared_data("lfw/deepfunneled") else { return };
    let model = model(|_| ());
    for (rel, want) in LFW {
        assert_eq!(count_faces(&model, &root.join(rel)), want, "{rel}");
    }
}

fn max_shift(a: &Detection, b: &Detection) -> f32 {
    a.landmarks
        .iter()
        .zip(&b.landmarks)
        .map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt())
        .fold(0.0, f32::max)
}

/// Every face found both at the default working size and at full size, with
/// the largest landmark distance between the two (full-resolution pixels).
fn shifts(shrunk: &Model, full: &Model, img: &RgbImage) -> Vec<f32> {
    let a = shrunk.detect(&view(img)).unwrap();
    let b = full.detect(&view(img)).unwrap();
    a.iter().filter_map(|d| b.iter().map(|e| max_shift(d, e)).min_by(f32::total_cmp)).collect()
}

#[test]
fn shrunk_photos_give_the_full_size_landmarks() {
    let shrunk = model(|_| ());
    let full = model(|o| o.detector_max_side = serfiq_core::image::MAX_SIDE);
    assert_eq!(shrunk.detector().unwrap().max_side(), serfiq_core::detect::DEFAULT_MAX_SIDE);
    // The demo photos (626 to 1434 wide, 1137 to 2333 high) are all shrunk.
    for p in images_in(&repo().join(".cache/faces")) {
        let img = open(&p);
        let s = shifts(&shrunk, &full, &img);
        println!("{}: {}x{}: landmark shift {s:?} px", p.display(), img.width(), img.height());
        assert_eq!(s.len(), 1);
        assert!(s[0] <= 1.0, "{}: {} px", p.display(), s[0]);
    }
    // The group shots' small faces (70-100 px) come within a few pixels: their
    // regions are searched with less context (measured: at most 2.3 px).
    let Some(extra) = shared_data("photos/faceapi_bbt/_extra") else { return };
    for p in images_in(&extra) {
        let img = open(&p);
        let s = shifts(&shrunk, &full, &img);
        println!("{}: {}x{}: landmark shift {s:?} px", p.display(), img.width(), img.height());
        assert!(s.iter().all(|&d| d <= 3.0), "{}: {s:?}", p.display());
    }
}

/// A 112x112 photo of a face (obama.jpg around its face, shrunk): not an
/// aligned crop, though of the model's input size.
fn small_photo() -> RgbImage {
    let img = open(&fetched("faces/obama.jpg"));
    let square = image::imageops::crop_imm(&img, 293, 50, 400, 400).to_image();
    image::imageops::resize(&square, 112, 112, image::imageops::FilterType::Triangle)
}

#[test]
fn a_112_photo_as_crop_and_as_photo() {
    let auto = model(|_| ());
    let crop = model(|o| o.input_mode = InputMode::Crop);
    let photo = model(|o| o.input_mode = InputMode::Photo);
    let img = small_photo();
    let face = Face { image: view(&img), landmarks: None };
    // Auto (today's rule) and crop take it as it is; photo finds the face and aligns it.
    let as_crop = crop.score(&face).unwrap();
    assert_eq!(auto.score(&face).unwrap(), as_crop);
    let found = photo.detect(&view(&img)).unwrap();
    assert_eq!(found.len(), 1);
    let as_photo = photo.score(&face).unwrap();
    let by_landmarks = auto.score(&Face { image: view(&img), landmarks: Some(found[0].landmarks) }).unwrap();
    assert_eq!(as_photo, by_landmarks);
    assert!(as_photo.s > as_crop.s + 0.01, "aligned {as_photo:?} vs unaligned {as_crop:?}");
    println!("112x112 photo: as a crop s = {:.4}, as a photo s = {:.4}", as_crop.s, as_photo.s);
    // A grey image of that size: a score as a crop, no face as a photo.
    let grey = RgbImage::from_pixel(112, 112, image::Rgb([128, 128, 128]));
    let grey = Face { image: view(&grey), landmarks: None };
    assert!(crop.score(&grey).is_ok() && auto.score(&grey).is_ok());
    assert_eq!(photo.score(&grey).unwrap_err().kind, ErrorKind::NoFace);
    // Crop refuses another size, with a message that says why; photo needs a detector.
    let big = open(&fetched("faces/obama.jpg"));
    let e = crop.score(&Face { image: view(&big), landmarks: None }).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidImage);
    assert!(e.message.contains("input_mode is crop") && e.message.contains("112x112"), "{}", e.message);
    let e = Model::new(&Options { input_mode: InputMode::Photo, ..options(&default_model()) }).err().unwrap();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("detector"), "{}", e.message);
    // Landmarks place the face in every mode.
    let lm = Face { image: view(&img), landmarks: Some(found[0].landmarks) };
    assert_eq!(crop.score(&lm).unwrap(), by_landmarks);
    assert_eq!(photo.score(&lm).unwrap(), by_landmarks);
}
