//! Calls whose result every surface shapes the same way before packing it
//! into its own types: per-image batches and the aligned crop.

use serfiq_core::{Face, FaceResult, Model, Want};

use super::{Failure, Outcome};
use crate::ffi::{SERFIQ_PIXEL_BGR, SERFIQ_PIXEL_RGB};
use crate::status::{SERFIQ_ERR_INTERNAL, SERFIQ_ERR_INVALID_ARGUMENT};

/// Scores each image on its own. `faces[i]` is `Err` where the surface could
/// not even read image i; the others go to the core together. Every result is
/// numbered by its place in `faces` (the core numbers only the faces it saw).
pub fn score_each(m: &Model, faces: Vec<Outcome<Face>>, want: Want) -> Outcome<Vec<Outcome<FaceResult>>> {
    let good: Vec<Face> = faces.iter().filter_map(|f| f.as_ref().ok().copied()).collect();
    let mut scored = if good.is_empty() { Vec::new() } else { m.run_each(&good, want)? }.into_iter();
    Ok(faces
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            f?;
            match scored.next() {
                Some(r) => r.map_err(|e| Failure::from(e.at(i))),
                None => Err(Failure::new(SERFIQ_ERR_INTERNAL, format!("image {i}: no result from the model"))),
            }
        })
        .collect())
}

/// Whether a crop asked for in pixel format `code` is BGR (else RGB); other
/// formats are refused.
pub fn crop_is_bgr(code: u32) -> Outcome<bool> {
    match code {
        SERFIQ_PIXEL_BGR => Ok(true),
        SERFIQ_PIXEL_RGB => Ok(false),
        v => Err(Failure::new(SERFIQ_ERR_INVALID_ARGUMENT, format!("the crop's format must be BGR or RGB, got {v}"))),
    }
}

/// The face as the model sees it, packed, BGR or RGB.
pub fn aligned_crop(m: &Model, face: &Face, bgr: bool) -> Outcome<Vec<u8>> {
    Ok(crop_pixels(m.aligned_crop(face)?.rgb, bgr))
}

/// Packed RGB crop pixels, turned to BGR when asked.
pub fn crop_pixels(mut rgb: Vec<u8>, bgr: bool) -> Vec<u8> {
    if bgr {
        rgb.chunks_exact_mut(3).for_each(|p| p.swap(0, 2));
    }
    rgb
}
