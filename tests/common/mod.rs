//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serfiq::{ImageView, Model, Options, PixelFormat};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cache() -> PathBuf {
    std::env::var_os("SERFIQ_CACHE").map(PathBuf::from).unwrap_or_else(|| repo().join(".cache"))
}

/// A file the set-up (`scripts/fetch.sh`) provides; the tests cannot run without it.
pub fn fetched(rel: &str) -> PathBuf {
    let p = cache().join(rel);
    assert!(p.exists(), "{} is missing: run `make fetch` (scripts/fetch.sh) first", p.display());
    p
}

pub fn ort_lib() -> PathBuf {
    fetched("onnxruntime/lib/libonnxruntime.so.1.31.1")
}

pub fn default_model() -> PathBuf {
    fetched("models/fr_feature.onnx")
}

/// `../shared/data/<rel>` when present (research data, never committed).
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = std::env::var_os("SERFIQ_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/data"))
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} is absent", p.display());
        None
    }
}

pub fn options(model: &Path) -> Options {
    Options { ort_library: Some(ort_lib()), ..Options::from_path(model) }
}

pub fn load(model: &Path) -> Model {
    Model::new(&options(model)).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

/// An RGB image decoded by the `image` crate.
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Rgb {
    pub fn open(path: &Path) -> Rgb {
        let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
        Rgb { width: img.width(), height: img.height(), data: img.into_raw() }
    }

    pub fn view(&self) -> ImageView<'_> {
        ImageView::packed(&self.data, self.width, self.height, PixelFormat::Rgb).unwrap()
    }
}

/// Landmarks of the demo faces, from data/faces/landmarks.json.
pub fn demo_landmarks(name: &str) -> serfiq::Landmarks {
    let text = std::fs::read_to_string(repo().join("data/faces/landmarks.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let pts = v[name].as_array().unwrap_or_else(|| panic!("no landmarks for {name}"));
    std::array::from_fn(|i| [pts[i][0].as_f64().unwrap() as f32, pts[i][1].as_f64().unwrap() as f32])
}
