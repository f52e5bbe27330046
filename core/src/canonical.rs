//! Landmark refinement for the quality components: the face is resampled
//! upright, at a fixed inter-eye distance and centred in a small canvas, and
//! the detector runs again on that canvas and on its mirror image. Averaging
//! the two answers cancels the detector's left/right bias, and the fixed frame
//! removes most of the pixel or two its eye points move by with the face's
//! rotation and size; repeating it from the refined landmarks converges on
//! the frame the face itself defines (measured in tests/components.rs and
//! docs/src/concepts/components-details.md).

use crate::align::{Landmarks, Similarity};
use crate::detect::{Detection, Detector, MEAN_BGR};
use crate::error::Result;
use crate::image::{ImageView, PixelFormat};

/// Side of the square canvas, px.
pub const CANVAS: u32 = 160;
/// Inter-eye distance of the face on the canvas, px.
pub const CANVAS_IED: f64 = 48.0;
/// Most samples per canvas pixel side when the face is shrunk onto the canvas
/// (an area average of up to 2×2 bilinear samples, so large faces alias
/// less; 4×4 cost twice as much for the same accuracy on the tests' photos).
const MAX_SUPERSAMPLE: usize = 2;
/// Passes of re-detection, each from the last one's landmarks. Each pass
/// moves the landmarks about 0.4 times as far as the one before (the
/// detector corrects only part of an offset from its frame); on the tests'
/// rotated, rescaled and mirrored photos 1 pass left roll errors up to 3.4°,
/// 2 up to 1.7°, 3 up to 1.5°, 4 up to 0.9° (6: 0.8°). Each costs two
/// detector runs on the canvas (`serfiq bench` prints the total).
pub const PASSES: usize = 4;
/// A canvas detection is the same face when its landmarks lie within this
/// many canvas inter-eye distances of where they were expected, on average.
const SAME_FACE: f64 = 0.3;

/// Landmark order of a mirrored face: left and right swap for the eyes and
/// the mouth corners ("left" = smaller x).
const MIRRORED: [usize; 5] = [1, 0, 2, 4, 3];

/// The transform from canvas to image pixels (pixel centres at integers)
/// that puts `landmarks`' eye line horizontal, `CANVAS_IED` apart, with the
/// midpoint of eyes and mouth at the canvas centre. `None` when the eyes coincide.
fn canvas_to_image(landmarks: &Landmarks) -> Option<Similarity> {
    let p = landmarks.map(|q| [q[0] as f64, q[1] as f64]);
    let (dx, dy) = (p[1][0] - p[0][0], p[1][1] - p[0][1]);
    let ied = dx.hypot(dy);
    if !(ied > 0.0 && ied.is_finite()) {
        return None;
    }
    // Scale times cos and sin of the eye line's angle.
    let (a, b) = (dx / CANVAS_IED, dy / CANVAS_IED);
    let mid = |k: usize| (p[0][k] + p[1][k] + p[3][k] + p[4][k]) / 4.0;
    let c = (CANVAS as f64 - 1.0) / 2.0;
    let (tx, ty) = (mid(0) - (a * c - b * c), mid(1) - (b * c + a * c));
    Some(Similarity { a, b, tx, ty })
}

/// The landmarks of a face found in a horizontally mirrored canvas, in the
/// unmirrored canvas's pixels and order.
fn unmirror(landmarks: &Landmarks) -> Landmarks {
    let last = CANVAS as f32 - 1.0;
    MIRRORED.map(|k| [last - landmarks[k][0], landmarks[k][1]])
}

/// The canvas seen through `to_image`: RGB, each pixel the mean of up to
/// 2×2 bilinear samples of `image` (about one per image pixel it covers); outside
/// the image the detector's mean colour, as its padding.
fn resample(image: &ImageView, to_image: &Similarity) -> Vec<u8> {
    let scale = to_image.a.hypot(to_image.b);
    let k = (scale.ceil() as usize).clamp(1, MAX_SUPERSAMPLE);
    let offsets: Vec<f64> = (0..k).map(|u| (u as f64 + 0.5) / k as f64 - 0.5).collect();
    let (w, h) = (image.width() as f64, image.height() as f64);
    let (last_x, last_y) = (image.width() as usize - 1, image.height() as usize - 1);
    let (data, stride, bpp, [r, g, b]) = image.layout();
    let pixel = |x: usize, y: usize| {
        let at = y * stride + x * bpp;
        [data[at + r] as f32, data[at + g] as f32, data[at + b] as f32]
    };
    let outside = [MEAN_BGR[2], MEAN_BGR[1], MEAN_BGR[0]];
    let sample = |x: f64, y: f64| -> [f32; 3] {
        if !(x >= 0.0 && y >= 0.0 && x <= w - 1.0 && y <= h - 1.0) {
            return outside;
        }
        // x, y >= 0 here, so truncation is floor (without a libm call per sample).
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(last_x), (y0 + 1).min(last_y));
        let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
        let (p00, p10, p01, p11) = (pixel(x0, y0), pixel(x1, y0), pixel(x0, y1), pixel(x1, y1));
        std::array::from_fn(|c| {
            let top = p00[c] + (p10[c] - p00[c]) * fx;
            let bottom = p01[c] + (p11[c] - p01[c]) * fx;
            top + (bottom - top) * fy
        })
    };
    let side = CANVAS as usize;
    let mut out = vec![0u8; 3 * side * side];
    let n = (k * k) as f32;
    for j in 0..side {
        for i in 0..side {
            let mut acc = [0.0f32; 3];
            for &oy in &offsets {
                for &ox in &offsets {
                    let [x, y] = to_image.apply([i as f64 + ox, j as f64 + oy]);
                    let s = sample(x, y);
                    (0..3).for_each(|c| acc[c] += s[c]);
                }
            }
            let at = 3 * (j * side + i);
            for c in 0..3 {
                // In [0, 255]: adding a half and truncating rounds as `round` does.
                out[at + c] = (acc[c] / n + 0.5) as u8;
            }
        }
    }
    out
}

/// The detection on a canvas nearest `expected` (canvas pixels), when it is
/// near enough to be the same face.
fn same_face(found: &[Detection], expected: &Landmarks) -> Option<Landmarks> {
    let spread = |d: &Detection| {
        let sum: f64 =
            d.landmarks.iter().zip(expected).map(|(p, q)| ((p[0] - q[0]) as f64).hypot((p[1] - q[1]) as f64)).sum();
        sum / 5.0
    };
    found
        .iter()
        .map(|d| (spread(d), d))
        .filter(|(s, _)| *s <= SAME_FACE * CANVAS_IED)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d)| d.landmarks)
}

/// One pass: `landmarks` re-detected upright on the canvas and its mirror,
/// averaged, in image pixels; `None` when neither canvas shows the face.
fn once(det: &Detector, image: &ImageView, landmarks: &Landmarks) -> Result<Option<Landmarks>> {
    let Some(to_image) = canvas_to_image(landmarks) else { return Ok(None) };
    let to_canvas = to_image.inverse();
    let expected = landmarks.map(|p| to_canvas.apply([p[0] as f64, p[1] as f64]).map(|v| v as f32));
    let side = CANVAS as usize;
    let canvas = resample(image, &to_image);
    let mut mirror = canvas.clone();
    for row in mirror.chunks_exact_mut(3 * side) {
        for i in 0..side / 2 {
            for c in 0..3 {
                row.swap(3 * i + c, 3 * (side - 1 - i) + c);
            }
        }
    }
    let mut found = Vec::new();
    for (pixels, mirrored) in [(&canvas, false), (&mirror, true)] {
        let view = ImageView::packed(pixels, CANVAS, CANVAS, PixelFormat::Rgb)?;
        let faces = det.detect_once(&view, CANVAS)?.0;
        let faces: Vec<Detection> = match mirrored {
            false => faces,
            true => faces.into_iter().map(|d| Detection { landmarks: unmirror(&d.landmarks), ..d }).collect(),
        };
        found.extend(same_face(&faces, &expected));
    }
    if found.is_empty() {
        return Ok(None);
    }
    let n = found.len() as f64;
    let (w, h) = (image.width() as f64, image.height() as f64);
    let refined = std::array::from_fn(|k| {
        let mean = [0, 1].map(|c| found.iter().map(|l| l[k][c] as f64).sum::<f64>() / n);
        let [x, y] = to_image.apply(mean);
        [x.clamp(0.0, w - 1.0) as f32, y.clamp(0.0, h - 1.0) as f32]
    });
    Ok(Some(refined))
}

impl Detector {
    /// `d`'s landmarks re-detected in the canonical frame (see the module
    /// docs) `PASSES` times, for the quality components. A pass whose canvas
    /// shows no face near where it was expected ends the refinement with the
    /// landmarks it started from (`d`'s own when the first pass fails).
    pub fn refine_landmarks(&self, image: &ImageView, d: &Detection) -> Result<Landmarks> {
        let mut landmarks = d.landmarks;
        for _ in 0..PASSES {
            match once(self, image, &landmarks)? {
                Some(next) => landmarks = next,
                None => break,
            }
        }
        Ok(landmarks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACE: Landmarks = [[210.5, 300.25], [290.0, 280.0], [250.0, 330.0], [225.0, 370.0], [285.0, 355.0]];

    #[test]
    fn canvas_frame_is_upright_and_round_trips() {
        let t = canvas_to_image(&FACE).unwrap();
        let back = t.inverse();
        let on_canvas = FACE.map(|p| back.apply([p[0] as f64, p[1] as f64]));
        // Eyes level, CANVAS_IED apart, the face's centre at the canvas centre.
        assert!((on_canvas[0][1] - on_canvas[1][1]).abs() < 1e-9);
        assert!((on_canvas[1][0] - on_canvas[0][0] - CANVAS_IED).abs() < 1e-9);
        let c = (CANVAS as f64 - 1.0) / 2.0;
        let centre = |k: usize| [0, 1, 3, 4].iter().map(|&i| on_canvas[i][k]).sum::<f64>() / 4.0;
        assert!((centre(0) - c).abs() < 1e-9 && (centre(1) - c).abs() < 1e-9);
        // Image → canvas → image is the identity on points.
        for (p, q) in FACE.iter().zip(on_canvas) {
            let r = t.apply(q);
            assert!((r[0] - p[0] as f64).abs() < 1e-9 && (r[1] - p[1] as f64).abs() < 1e-9, "{p:?} {r:?}");
        }
        assert!(canvas_to_image(&[[5.0, 5.0]; 5]).is_none());
    }

    #[test]
    fn mirrored_landmarks_map_back() {
        let on_canvas: Landmarks = [[56.0, 60.0], [104.0, 61.0], [80.0, 85.0], [62.0, 108.0], [99.0, 107.0]];
        let last = CANVAS as f32 - 1.0;
        // As a detector would list them on the mirrored canvas: smaller x first.
        let m = |p: [f32; 2]| [last - p[0], p[1]];
        let seen = [m(on_canvas[1]), m(on_canvas[0]), m(on_canvas[2]), m(on_canvas[4]), m(on_canvas[3])];
        assert!(seen[0][0] < seen[1][0] && seen[3][0] < seen[4][0]);
        assert_eq!(unmirror(&seen), on_canvas);
        assert_eq!(unmirror(&unmirror(&on_canvas)), on_canvas);
    }

    #[test]
    fn canvas_samples_the_image_and_pads_outside() {
        // A horizontal ramp, red = x: upright and unscaled, canvas pixel i
        // reads image column tx + i.
        let (w, h) = (200u32, 200u32);
        let data: Vec<u8> = (0..h).flat_map(|_| (0..w).flat_map(|x| [x as u8, 50, 60])).collect();
        let image = ImageView::packed(&data, w, h, PixelFormat::Rgb).unwrap();
        let t = Similarity { a: 1.0, b: 0.0, tx: 20.0, ty: 30.0 };
        let c = resample(&image, &t);
        let px = |i: usize, j: usize| &c[3 * (j * CANVAS as usize + i)..][..3];
        assert_eq!(px(0, 0), [20, 50, 60]);
        assert_eq!(px(100, 7), [120, 50, 60]);
        // Shifted down 100 rows, the canvas's last row is image row 259: outside, the mean colour.
        let far = Similarity { ty: 100.0, ..t };
        let c = resample(&image, &far);
        let at = 3 * ((CANVAS as usize - 1) * CANVAS as usize);
        assert_eq!(c[at..at + 3], [MEAN_BGR[2] as u8, MEAN_BGR[1] as u8, MEAN_BGR[0] as u8]);
    }
}
