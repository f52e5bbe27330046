//! Face alignment: a least-squares similarity transform from 5 landmarks to the
//! ArcFace template, and the preprocessing that writes the model's input tensor.

use crate::error::{fail, ErrorKind, Result};
use crate::image::ImageView;

/// Five landmarks in pixels, in ArcFace order: left eye, right eye, nose tip,
/// left mouth corner, right mouth corner ("left" = smaller x in the image).
pub type Landmarks = [[f32; 2]; 5];

/// The ArcFace 5-point template for a 112×112 crop (insightface).
pub const ARCFACE_112: Landmarks =
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]];

/// x' = a·x − b·y + tx,  y' = b·x + a·y + ty  (rotation, uniform scale, shift).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// Scale times the cosine of the rotation angle.
    pub a: f64,
    /// Scale times the sine of the rotation angle.
    pub b: f64,
    /// Shift along x, in destination pixels.
    pub tx: f64,
    /// Shift along y, in destination pixels.
    pub ty: f64,
}

impl Similarity {
    /// Maps the point `p` = [x, y] to [x', y'].
    pub fn apply(&self, p: [f64; 2]) -> [f64; 2] {
        [self.a * p[0] - self.b * p[1] + self.tx, self.b * p[0] + self.a * p[1] + self.ty]
    }

    /// This transform applied after `first`: p ↦ self(first(p)).
    pub fn after(&self, first: &Similarity) -> Similarity {
        // Linear parts multiply as complex numbers; the shift is self applied to first's.
        let [tx, ty] = self.apply([first.tx, first.ty]);
        Similarity { a: self.a * first.a - self.b * first.b, b: self.a * first.b + self.b * first.a, tx, ty }
    }

    /// The transform that undoes this one; not finite when `a` and `b` are both 0.
    pub fn inverse(&self) -> Similarity {
        // The linear part is the complex number (a + ib); invert it and the shift.
        let n = self.a * self.a + self.b * self.b;
        let (a, b) = (self.a / n, -self.b / n);
        Similarity { a, b, tx: -(a * self.tx - b * self.ty), ty: -(b * self.tx + a * self.ty) }
    }

    /// Least-squares fit of `dst ≈ T(src)` (Umeyama without reflection). Written
    /// with points as complex numbers, the optimum is c = Σ d̃·conj(s̃) / Σ|s̃|²
    /// over centred points, and t = mean(d) − c·mean(s). `None` if `src` has no spread.
    pub fn fit(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<Similarity> {
        let n = src.len().min(dst.len()) as f64;
        let mean = |pts: &[[f64; 2]]| {
            let (sx, sy) = pts.iter().fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
            [sx / n, sy / n]
        };
        let (ms, md) = (mean(src), mean(dst));
        let (mut re, mut im, mut var) = (0.0, 0.0, 0.0);
        for (s, d) in src.iter().zip(dst) {
            let (sx, sy) = (s[0] - ms[0], s[1] - ms[1]);
            let (dx, dy) = (d[0] - md[0], d[1] - md[1]);
            re += dx * sx + dy * sy;
            im += dy * sx - dx * sy;
            var += sx * sx + sy * sy;
        }
        if var.is_nan() || var <= 1e-9 {
            return None;
        }
        let (a, b) = (re / var, im / var);
        Some(Similarity { a, b, tx: md[0] - (a * ms[0] - b * ms[1]), ty: md[1] - (b * ms[0] + a * ms[1]) })
    }
}

/// How the model wants its input: size, channel order and normalisation
/// `(pixel − mean) / std` per channel, in the model's channel order.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    /// Width of the aligned input, in pixels.
    pub width: u32,
    /// Height of the aligned input, in pixels.
    pub height: u32,
    /// true: the model takes BGR planes; false: RGB.
    pub bgr: bool,
    /// Subtracted from the 0–255 pixel values, per channel in the model's order.
    pub mean: [f32; 3],
    /// Divides each channel after `mean` is subtracted, in the model's order.
    pub std: [f32; 3],
}

impl InputSpec {
    /// The ArcFace template scaled to this input size.
    pub fn template(&self) -> [[f64; 2]; 5] {
        let (sx, sy) = (self.width as f64 / 112.0, self.height as f64 / 112.0);
        ARCFACE_112.map(|p| [p[0] as f64 * sx, p[1] as f64 * sy])
    }

    /// Floats in one image's input tensor: 3 × width × height.
    pub fn tensor_len(&self) -> usize {
        3 * self.width as usize * self.height as usize
    }

    /// Writes one image as planar CHW floats into `out` (length `tensor_len`).
    /// Without landmarks the image must already be aligned at the input size.
    /// Fails with `ErrorKind::InvalidArgument` when `out` has another length,
    /// and as [`InputSpec::check`] when the image cannot be used.
    pub fn fill(&self, image: &ImageView, landmarks: Option<&Landmarks>, out: &mut [f32]) -> Result<()> {
        if out.len() != self.tensor_len() {
            return fail(
                ErrorKind::InvalidArgument,
                format!("output holds {} floats, the input tensor needs {}", out.len(), self.tensor_len()),
            );
        }
        let to_crop = self.check(image, landmarks)?;
        self.fill_checked(image, to_crop.as_ref(), out);
        Ok(())
    }

    /// `fill` for an image already checked: `to_crop` maps it into the crop
    /// (`None`: it is the crop); `out` holds `tensor_len` floats.
    pub(crate) fn fill_checked(&self, image: &ImageView, to_crop: Option<&Similarity>, out: &mut [f32]) {
        match to_crop {
            None => self.write(out, |x, y| image.rgb(x, y).map(f32::from)),
            Some(t) => {
                let back = t.inverse();
                self.write(out, |x, y| sample_bilinear(image, back.apply([x as f64, y as f64])));
            }
        }
    }

    /// Checks that `image` can be used: at the input size without landmarks,
    /// or with valid landmarks (then returns the transform image → crop).
    /// Fails with `ErrorKind::InvalidImage` for an image of another size without
    /// landmarks, and as [`landmark_transform`] for bad landmarks.
    pub fn check(&self, image: &ImageView, landmarks: Option<&Landmarks>) -> Result<Option<Similarity>> {
        match landmarks {
            Some(lm) => landmark_transform(self, image, lm).map(Some),
            None if image.width() == self.width && image.height() == self.height => Ok(None),
            None => fail(
                ErrorKind::InvalidImage,
                format!(
                    "image is {}x{}; without landmarks it must be aligned at the model's input size {}x{}",
                    image.width(),
                    image.height(),
                    self.width,
                    self.height
                ),
            ),
        }
    }

    /// Calls `rgb_at` for every output pixel and stores normalised planes.
    fn write(&self, out: &mut [f32], mut rgb_at: impl FnMut(usize, usize) -> [f32; 3]) {
        let (w, h) = (self.width as usize, self.height as usize);
        let plane = w * h;
        let order = if self.bgr { [2, 1, 0] } else { [0, 1, 2] };
        let scale = self.std.map(|s| 1.0 / s);
        for y in 0..h {
            for x in 0..w {
                let rgb = rgb_at(x, y);
                for (c, &src) in order.iter().enumerate() {
                    out[c * plane + y * w + x] = (rgb[src] - self.mean[c]) * scale[c];
                }
            }
        }
    }
}

/// The aligned face as packed RGB8 bytes at the spec's input size (for saving
/// or showing what the model sees). Fails as [`landmark_transform`].
pub fn aligned_rgb(spec: &InputSpec, image: &ImageView, lm: &Landmarks) -> Result<Vec<u8>> {
    Ok(warp_rgb(spec, image, &landmark_transform(spec, image, lm)?))
}

/// The crop that `to_crop` maps `image` into, as packed RGB8.
pub(crate) fn warp_rgb(spec: &InputSpec, image: &ImageView, to_crop: &Similarity) -> Vec<u8> {
    let back = to_crop.inverse();
    let (w, h) = (spec.width as usize, spec.height as usize);
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let px = sample_bilinear(image, back.apply([x as f64, y as f64]));
            out.extend(px.map(|v| v.round().clamp(0.0, 255.0) as u8));
        }
    }
    out
}

/// Validates landmarks against the image and fits the transform image → crop.
/// Fails with `ErrorKind::InvalidLandmarks` when a landmark is not finite or lies
/// outside the image, or the five points are (nearly) collinear or degenerate.
pub fn landmark_transform(spec: &InputSpec, image: &ImageView, lm: &Landmarks) -> Result<Similarity> {
    let (w, h) = (image.width() as f32, image.height() as f32);
    for (i, p) in lm.iter().enumerate() {
        if !p[0].is_finite() || !p[1].is_finite() {
            return fail(
                ErrorKind::InvalidLandmarks,
                format!("landmark {i} is not a finite number ({}, {})", p[0], p[1]),
            );
        }
        if p[0] < 0.0 || p[1] < 0.0 || p[0] > w || p[1] > h {
            return fail(
                ErrorKind::InvalidLandmarks,
                format!("landmark {i} ({}, {}) lies outside the {}x{} image", p[0], p[1], w, h),
            );
        }
    }
    let src = lm.map(|p| [p[0] as f64, p[1] as f64]);
    if is_collinear(&src) {
        return fail(ErrorKind::InvalidLandmarks, "landmarks lie on one line (or one point); they cannot be a face");
    }
    let t = Similarity::fit(&src, &spec.template());
    match t {
        // A face under two pixels across cannot be aligned meaningfully.
        Some(t) if (t.a * t.a + t.b * t.b).sqrt() < 0.5 * spec.width as f64 => Ok(t),
        _ => fail(ErrorKind::InvalidLandmarks, "landmarks are degenerate (all at one point or almost)"),
    }
}

/// True when the points' spread across their main direction is under 7 % of the
/// spread along it (eigenvalue ratio of the covariance < 0.005). Faces, even in
/// profile, have eyes well above the mouth; a line is a detector bug.
fn is_collinear(p: &[[f64; 2]; 5]) -> bool {
    let n = p.len() as f64;
    let (mx, my) = (p.iter().map(|q| q[0]).sum::<f64>() / n, p.iter().map(|q| q[1]).sum::<f64>() / n);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for q in p {
        let (dx, dy) = (q[0] - mx, q[1] - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    let half_trace = (sxx + syy) / 2.0;
    let root = (((sxx - syy) / 2.0).powi(2) + sxy * sxy).sqrt();
    let (big, small) = (half_trace + root, half_trace - root);
    big.is_nan() || big <= 0.0 || small < 0.005 * big
}

/// Bilinear sample with pixel centres at integer coordinates and black outside
/// the image (as OpenCV's warpAffine with a constant border).
pub(crate) fn sample_bilinear(image: &ImageView, p: [f64; 2]) -> [f32; 3] {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let (x0, y0) = (p[0].floor(), p[1].floor());
    let (fx, fy) = ((p[0] - x0) as f32, (p[1] - y0) as f32);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let mut acc = [0.0f32; 3];
    for (dy, wy) in [(0, 1.0 - fy), (1, fy)] {
        for (dx, wx) in [(0, 1.0 - fx), (1, fx)] {
            let (x, y) = (x0 + dx, y0 + dy);
            let wgt = wx * wy;
            if wgt == 0.0 || x < 0 || y < 0 || x >= w || y >= h {
                continue;
            }
            let px = image.rgb(x as usize, y as usize);
            for c in 0..3 {
                acc[c] += wgt * px[c] as f32;
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_known_transform_exactly() {
        let t = Similarity { a: 0.8, b: -0.3, tx: 12.5, ty: -4.0 };
        let src: Vec<[f64; 2]> = ARCFACE_112.iter().map(|p| [p[0] as f64 * 3.0, p[1] as f64 * 2.0 + 7.0]).collect();
        let dst: Vec<[f64; 2]> = src.iter().map(|&p| t.apply(p)).collect();
        let f = Similarity::fit(&src, &dst).unwrap();
        for (got, want) in [(f.a, t.a), (f.b, t.b), (f.tx, t.tx), (f.ty, t.ty)] {
            assert!((got - want).abs() < 1e-9, "{f:?} vs {t:?}");
        }
        let round = f.inverse().apply(f.apply([3.0, -9.0]));
        assert!((round[0] - 3.0).abs() < 1e-9 && (round[1] + 9.0).abs() < 1e-9);
    }

    #[test]
    fn fit_never_reflects_and_rejects_a_point_cloud_without_spread() {
        let src = [[1.0, 1.0]; 5];
        assert!(Similarity::fit(&src, &src).is_none());
        // A mirrored face (eyes swapped) is fitted by a rotation, not a reflection.
        let mirrored: Vec<[f64; 2]> = ARCFACE_112.iter().map(|p| [112.0 - p[0] as f64, p[1] as f64]).collect();
        let tmpl: Vec<[f64; 2]> = ARCFACE_112.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
        let f = Similarity::fit(&mirrored, &tmpl).unwrap();
        assert!(f.a * f.a + f.b * f.b > 0.0);
    }

    #[test]
    fn collinear_points_are_rejected_but_faces_are_not() {
        let line = [[10.0, 10.0], [20.0, 20.0], [30.0, 30.0], [40.0, 40.0], [55.0, 55.5]];
        assert!(is_collinear(&line));
        assert!(is_collinear(&[[3.0, 4.0]; 5]));
        assert!(!is_collinear(&ARCFACE_112.map(|p| [p[0] as f64, p[1] as f64])));
        // A strongly turned head: eyes and mouth squeezed horizontally to a fifth.
        let profile = ARCFACE_112.map(|p| [56.0 + (p[0] as f64 - 56.0) * 0.2, p[1] as f64]);
        assert!(!is_collinear(&profile));
    }
}
