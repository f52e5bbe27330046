//! Landmarks of the demo faces, from data/faces/landmarks.json (shared by the Rust examples).

use std::path::Path;

/// The five landmarks recorded for `photo`'s file name.
pub fn for_photo(photo: &Path) -> Result<serfiq_core::Landmarks, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("data/faces/landmarks.json")).map_err(|e| e.to_string())?;
    let all: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let name = photo.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let pts = all[name].as_array().ok_or(format!("no landmarks for {name}"))?;
    let coord = |i: usize, j: usize| pts.get(i).and_then(|p| p[j].as_f64()).map(|v| v as f32);
    let mut lm = [[0.0f32; 2]; 5];
    for (i, p) in lm.iter_mut().enumerate() {
        *p = [coord(i, 0).ok_or("bad landmarks")?, coord(i, 1).ok_or("bad landmarks")?];
    }
    Ok(lm)
}
