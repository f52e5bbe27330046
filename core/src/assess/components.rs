//! Measuring the components of one face. Everything is read from a fixed
//! grid of samples laid over the face in the aligned crop's frame and mapped
//! back to the full-resolution image, so the cost does not depend on the
//! photo's size. OFIQ's raw → 0–100 mappings are used where serfiq's raw
//! value is OFIQ's (docs/components.md lists each difference).

use std::sync::OnceLock;

use super::{head_pose, Component as C, Components};
use crate::align::{Landmarks, Similarity, ARCFACE_112};
use crate::detect::Detection;
use crate::error::{fail, ErrorKind, Result};
use crate::image::ImageView;

/// T (eye midpoint to chin, ISO/IEC 29794-5's face height unit) over the
/// eye-midpoint-to-mouth distance: 5 landmarks have no chin, and on the
/// ArcFace mean face the chin lies 1.6 eye–mouth distances below the eyes.
pub const T_PER_EYE_MOUTH: f64 = 1.6;

/// The face region in the 112 template: an ellipse from above the brows to
/// the chin and across both cheeks (OFIQ: a hull of 98 landmarks).
const REGION_CENTRE: [f64; 2] = [56.0, 70.0];
const REGION_AXES: [f64; 2] = [30.0, 40.0];
/// Samples per side of each cheek zone (IlluminationUniformity, NaturalColour).
const ZONE_SAMPLES: usize = 32;

/// All components of the face with these `landmarks` in `image` (five points
/// in its pixels, "left" = smaller x). `faces`: every face the detector found
/// in the image (this one included) for SingleFacePresent, `None` when the
/// detector did not run (SingleFacePresent not assessed). `q100` is the
/// unified score. Feedback is left empty (see `feedback`). Fails with
/// `ErrorKind::InvalidLandmarks` for landmarks that are not finite or whose
/// eyes coincide, `InvalidArgument` for a q100 outside 0..=100.
pub fn measure(image: &ImageView, landmarks: &Landmarks, faces: Option<&[Detection]>, q100: f32) -> Result<Components> {
    if landmarks.iter().flatten().any(|v| !v.is_finite()) {
        return fail(ErrorKind::InvalidLandmarks, "landmarks must be finite");
    }
    if !(0.0..=100.0).contains(&q100) {
        return fail(ErrorKind::InvalidArgument, format!("q100 must be in 0..=100, got {q100}"));
    }
    let pts = landmarks.map(|p| [p[0] as f64, p[1] as f64]);
    let template = ARCFACE_112.map(|p| [p[0] as f64, p[1] as f64]);
    let pose = head_pose(landmarks);
    let to_image = Similarity::fit(&template, &pts);
    let (Some(pose), Some(to_image)) = (pose, to_image) else {
        return fail(ErrorKind::InvalidLandmarks, "the landmarks' eyes coincide or give no head pose");
    };
    let mut c = Components::empty();
    c.set(C::UnifiedQualityScore, q100 as f64, q100 as f64);
    geometry(&mut c, &pts, pose, image.width() as f64, image.height() as f64);
    let samples = Sampler::new(image, &to_image);
    photometry(&mut c, &samples);
    if let Some(faces) = faces {
        let (raw, value) = single_face(faces);
        c.set(C::SingleFacePresent, raw, value);
    }
    for comp in super::Component::ALL.iter().filter(|c| c.assessed()) {
        let (r, v) = (c.raw(*comp), c.value(*comp));
        if *comp == C::SingleFacePresent && faces.is_none() {
            continue;
        }
        if !r.is_finite() || !(0.0..=100.0).contains(&v) {
            return fail(ErrorKind::Internal, format!("{} came out as {r} (value {v})", comp.name()));
        }
    }
    Ok(c)
}

/// OFIQ's sigmoid: 1 / (1 + exp((x0 − x) / w)).
fn sigmoid(x: f64, x0: f64, w: f64) -> f64 {
    1.0 / (1.0 + ((x0 - x) / w).exp())
}

/// OFIQ's mappings round to whole numbers and clamp to 0..=100.
fn to_value(v: f64) -> f64 {
    v.round().clamp(0.0, 100.0)
}

/// OFIQ's pose mapping: 100 cos² of the angle.
fn pose_value(deg: f64) -> f64 {
    to_value(100.0 * deg.to_radians().cos().powi(2))
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn mid(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
}

/// Inter-eye distance, pose, crops, margins and head size.
fn geometry(c: &mut Components, p: &[[f64; 2]; 5], pose: super::HeadPose, w: f64, h: f64) {
    let ied = dist(p[0], p[1]);
    c.set(C::InterEyeDistance, ied, to_value(100.0 * sigmoid(ied, 70.0, 20.0)));
    c.set(C::HeadPoseYaw, pose.yaw, pose_value(pose.yaw));
    c.set(C::HeadPosePitch, pose.pitch, pose_value(pose.pitch));
    c.set(C::HeadPoseRoll, pose.roll, pose_value(pose.roll));
    let left = p[0][0] / ied;
    let right = (w - p[1][0]) / ied;
    c.set(C::LeftwardCropOfTheFaceImage, left, to_value(100.0 * sigmoid(left, 0.9, 0.1)));
    c.set(C::RightwardCropOfTheFaceImage, right, to_value(100.0 * sigmoid(right, 0.9, 0.1)));
    let eyes = mid(p[0], p[1]);
    let t = T_PER_EYE_MOUTH * dist(eyes, mid(p[3], p[4])).max(1e-6);
    let (above, below) = (eyes[1] / t, (h - eyes[1]) / t);
    c.set(C::MarginAboveOfTheFaceImage, above, to_value(100.0 * sigmoid(above, 1.4, 0.1)));
    c.set(C::MarginBelowOfTheFaceImage, below, to_value(100.0 * sigmoid(below, 1.8, 0.1)));
    let size = t / h;
    c.set(C::HeadSize, size, to_value(200.0 * (1.0 - sigmoid((size - 0.45).abs(), 0.0, 0.05))));
}

/// sRGB code value → linear light, 0..1 (IEC 61966-2-1).
fn linear_table() -> &'static [f64; 256] {
    static T: OnceLock<[f64; 256]> = OnceLock::new();
    T.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = i as f64 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
    })
}

/// Relative luminance (ISO/IEC 29794-5, as OFIQ), quantised to 0..=255.
fn luminance_level(rgb: [u8; 3]) -> usize {
    let l = linear_table();
    let y = 0.2126 * l[rgb[0] as usize] + 0.7152 * l[rgb[1] as usize] + 0.0722 * l[rgb[2] as usize];
    (y * 255.0 + 0.5).floor() as usize
}

/// Gamma-encoded luma (BT.601), the grey the focus measure is taken on.
fn luma(rgb: [u8; 3]) -> f64 {
    0.299 * rgb[0] as f64 + 0.587 * rgb[1] as f64 + 0.114 * rgb[2] as f64
}

/// Reads pixels at points of the 112 template, mapped into the image
/// (nearest pixel, clamped to the image).
struct Sampler<'a> {
    image: &'a ImageView<'a>,
    to_image: &'a Similarity,
}

impl<'a> Sampler<'a> {
    fn new(image: &'a ImageView<'a>, to_image: &'a Similarity) -> Self {
        Sampler { image, to_image }
    }

    fn pixel_at(&self, u: f64, v: f64) -> (usize, usize) {
        let [x, y] = self.to_image.apply([u, v]);
        let cx = |x: f64, n: u32| x.round().clamp(0.0, (n - 1) as f64) as usize;
        (cx(x, self.image.width()), cx(y, self.image.height()))
    }

    fn rgb_at(&self, u: f64, v: f64) -> [u8; 3] {
        let (x, y) = self.pixel_at(u, v);
        self.image.rgb(x, y)
    }

    /// 5-point Laplacian of luma at image pixel (x, y), at the image's own
    /// pixel scale: a step tied to the face's size would jump between whole
    /// pixels as the face grows, and blur shows first at one pixel.
    fn laplacian(&self, x: usize, y: usize) -> f64 {
        let (w, ht) = (self.image.width() as usize, self.image.height() as usize);
        let at = |x: usize, y: usize| luma(self.image.rgb(x, y));
        let (x0, x1) = (x.saturating_sub(1), (x + 1).min(w - 1));
        let (y0, y1) = (y.saturating_sub(1), (y + 1).min(ht - 1));
        at(x0, y) + at(x1, y) + at(x, y0) + at(x, y1) - 4.0 * at(x, y)
    }
}

/// A normalised 256-bin histogram.
struct Histogram {
    bins: [f64; 256],
}

impl Histogram {
    fn of(levels: impl Iterator<Item = usize>) -> Histogram {
        let mut bins = [0.0; 256];
        let mut n = 0.0;
        for l in levels {
            bins[l.min(255)] += 1.0;
            n += 1.0;
        }
        bins.iter_mut().for_each(|b| *b /= f64::max(n, 1.0));
        Histogram { bins }
    }

    fn share(&self, range: std::ops::RangeInclusive<usize>) -> f64 {
        self.bins[range].iter().sum()
    }
}

/// Luminance, exposure, dynamic range, uniformity, colour and sharpness.
fn photometry(c: &mut Components, s: &Sampler) {
    // The face ellipse on a 1-template-pixel grid.
    let mut levels = Vec::with_capacity(4096);
    let mut focus = 0.0;
    let [cx, cy] = REGION_CENTRE;
    let [ax, ay] = REGION_AXES;
    for v in (cy - ay) as i32..=(cy + ay) as i32 {
        for u in (cx - ax) as i32..=(cx + ax) as i32 {
            let (du, dv) = ((u as f64 - cx) / ax, (v as f64 - cy) / ay);
            if du * du + dv * dv > 1.0 {
                continue;
            }
            let (x, y) = s.pixel_at(u as f64, v as f64);
            levels.push(luminance_level(s.image.rgb(x, y)));
            focus += s.laplacian(x, y).powi(2);
        }
    }
    let n = levels.len() as f64;
    let hist = Histogram::of(levels.into_iter());
    let mean: f64 = hist.bins.iter().enumerate().map(|(i, p)| p * i as f64 / 255.0).sum();
    let var: f64 = hist.bins.iter().enumerate().map(|(i, p)| p * (i as f64 / 255.0 - mean).powi(2)).sum();
    let mean_value = 100.0 * sigmoid(mean, 0.2, 0.05) * (1.0 - sigmoid(mean, 0.8, 0.05));
    c.set(C::LuminanceMean, mean, to_value(mean_value));
    let v60 = 60.0 * var;
    c.set(C::LuminanceVariance, var, to_value(100.0 * (v60 / (v60 + 1.0) * std::f64::consts::PI).sin()));
    let under = hist.share(0..=25);
    let over = hist.share(247..=255);
    c.set(C::UnderExposurePrevention, under, to_value(120.0 * (0.832 - sigmoid(under, 0.92, 0.05))));
    c.set(C::OverExposurePrevention, over, to_value(1.0 / (over + 0.01)));
    let entropy: f64 = -hist.bins.iter().filter(|&&p| p > 0.0).map(|p| p * p.log2()).sum::<f64>();
    c.set(C::DynamicRange, entropy, to_value(12.5 * entropy));
    let (left, right) = (cheek(s, true), cheek(s, false));
    let uniform: f64 = left.0.bins.iter().zip(&right.0.bins).map(|(a, b)| a.min(*b)).sum();
    c.set(C::IlluminationUniformity, uniform, to_value(100.0 * uniform.powf(0.3)));
    let rgb = [0, 1, 2].map(|k| (left.1[k] + right.1[k]) / 2.0);
    let colour = colour_distance(rgb);
    c.set(C::NaturalColour, colour, to_value(200.0 * (1.0 - sigmoid(colour, 0.0, 10.0))));
    let sharp = focus / n;
    c.set(C::Sharpness, sharp, to_value(100.0 * (1.0 - (-sharp / SHARPNESS_SCALE).exp())));
}

/// Sharpness → 0–100: 100·(1 − exp(−raw / this)). On 400 LFW originals
/// (deep-funnelled, 250×250 JPEG) the median raw value is 137 (→ 90), the 5th
/// percentile 50 (→ 57); blurred with σ = 4 px the median is 1.6 (→ 3).
pub const SHARPNESS_SCALE: f64 = 60.0;

/// The cheek zone under one eye (OFIQ's zones: 0.3 inter-eye distances
/// square, half the eye–mouth distance below the eye, outward): its
/// luminance histogram and mean R, G, B (0..1).
fn cheek(s: &Sampler, left: bool) -> (Histogram, [f64; 3]) {
    let t = ARCFACE_112.map(|p| [p[0] as f64, p[1] as f64]);
    let ied = dist(t[0], t[1]);
    let zone = 0.3 * ied;
    let eye_mouth = dist(mid(t[0], t[1]), mid(t[3], t[4]));
    let eye = if left { t[0] } else { t[1] };
    let x0 = if left { eye[0] - zone } else { eye[0] };
    let y0 = eye[1] + eye_mouth / 2.0;
    let mut sum = [0.0; 3];
    let d = zone / ZONE_SAMPLES as f64;
    let pts = (0..ZONE_SAMPLES * ZONE_SAMPLES).map(|k| {
        let (i, j) = (k % ZONE_SAMPLES, k / ZONE_SAMPLES);
        s.rgb_at(x0 + (i as f64 + 0.5) * d, y0 + (j as f64 + 0.5) * d)
    });
    let hist = Histogram::of(pts.inspect(|p| (0..3).for_each(|k| sum[k] += p[k] as f64)).map(luminance_level));
    let n = (ZONE_SAMPLES * ZONE_SAMPLES) as f64 * 255.0;
    (hist, sum.map(|v| v / n))
}

/// OFIQ's NaturalColour raw value: how far the mean (a*, b*) of the cheeks
/// (CIELAB, D50) lies outside a* ∈ [5, 25], b* ∈ [5, 35]; 100 when either is negative.
fn colour_distance(rgb: [f64; 3]) -> f64 {
    let lin = rgb.map(|c| if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) });
    let x = (0.43605 * lin[0] + 0.38508 * lin[1] + 0.14309 * lin[2]) / 0.964221;
    let y = 0.22249 * lin[0] + 0.71689 * lin[1] + 0.06062 * lin[2];
    let z = (0.01393 * lin[0] + 0.09710 * lin[1] + 0.71419 * lin[2]) / 0.825211;
    let (k, eps) = (24389.0 / 27.0, 216.0 / 24389.0);
    let f = |v: f64| if v > eps { v.cbrt() } else { (k * v + 16.0) / 116.0 };
    let a = 500.0 * (f(x) - f(y));
    let b = 200.0 * (f(y) - f(z));
    if a < 0.0 || b < 0.0 {
        return 100.0;
    }
    let da = f64::max(5.0 - a, a - 25.0).max(0.0);
    let db = f64::max(5.0 - b, b - 35.0).max(0.0);
    da.hypot(db)
}

/// SingleFacePresent: area of the second-largest box over the largest
/// (0 with one face), and OFIQ's value 100·(1 − √ratio).
fn single_face(faces: &[Detection]) -> (f64, f64) {
    let mut areas: Vec<f64> = faces.iter().map(|d| d.area() as f64).collect();
    areas.sort_by(|a, b| b.total_cmp(a));
    let ratio = match areas.as_slice() {
        [a1, a2, ..] if *a1 > 0.0 => (a2 / a1).clamp(0.0, 1.0),
        _ => 0.0,
    };
    (ratio, to_value(100.0 * (1.0 - ratio.sqrt())))
}
