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

/// The first `n` LFW originals (deep-funnelled, 250×250), or none when absent.
fn lfw(n: usize) -> Vec<(String, RgbImage)> {
    let Some(root) = shared_data("lfw/deepfunneled") else { return Vec::new() };
    images_in(&root)
        .into_iter()
        .take(n)
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), image::open(&p).unwrap().to_rgb8()))
        .collect()
}

/// `img` turned by `deg` degrees counter-clockwise (as seen) about its centre,
/// bilinear, same size, black outside.
fn rotate(img: &RgbImage, deg: f64) -> RgbImage {
    let (w, h) = (img.width() as f64, img.height() as f64);
    let (c, s) = (deg.to_radians().cos(), deg.to_radians().sin());
    let (cx, cy) = (w / 2.0, h / 2.0);
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let (dx, dy) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
        let (sx, sy) = (cx + dx * c - dy * s - 0.5, cy + dx * s + dy * c - 0.5);
        if sx < 0.0 || sy < 0.0 || sx > w - 1.0 || sy > h - 1.0 {
            return image::Rgb([0, 0, 0]);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(img.width() - 1), (y0 + 1).min(img.height() - 1));
        let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
        let px = |x, y| img.get_pixel(x, y).0.map(|v| v as f64);
        let (a, b, cc, d) = (px(x0, y0), px(x1, y0), px(x0, y1), px(x1, y1));
        image::Rgb(std::array::from_fn(|k| {
            let top = a[k] * (1.0 - fx) + b[k] * fx;
            let bottom = cc[k] * (1.0 - fx) + d[k] * fx;
            (top * (1.0 - fy) + bottom * fy).round() as u8
        }))
    })
}

/// Each pixel value through `f`.
fn map_pixels(img: &RgbImage, f: impl Fn(f64) -> f64) -> RgbImage {
    let mut out = img.clone();
    out.pixels_mut().for_each(|p| p.0 = p.0.map(|v| f(v as f64).round().clamp(0.0, 255.0) as u8));
    out
}

/// The demo photos, then the first `n` LFW originals.
fn photos(n: usize) -> Vec<(String, RgbImage)> {
    let mut all: Vec<(String, RgbImage)> = DEMO.iter().map(|n| (n.to_string(), photo(n))).collect();
    all.extend(lfw(n));
    all
}

fn raw(a: &AssessedFace, c: Component) -> f64 {
    a.components.raw(c) as f64
}

/// The live profile, with or without landmark refinement.
fn live(refine: bool) -> Model {
    model(if refine { "live;refine=1" } else { "live" })
}

const REFINE: [bool; 2] = [false, true];

fn worst(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

#[test]
fn refinement_leaves_the_score_and_detection_alone() {
    if !have_cache() {
        return;
    }
    let (plain, refined) = (live(false), live(true));
    for name in DEMO {
        let img = photo(name);
        let (a, b) = (assess(&plain, &img), assess(&refined, &img));
        let d = b.detection.unwrap();
        assert_eq!((a.quality, a.detection, a.landmarks), (b.quality, b.detection, b.landmarks), "{name}");
        assert_eq!((a.landmarks, a.measured_landmarks), (d.landmarks, d.landmarks), "{name}");
        assert_ne!(b.measured_landmarks, d.landmarks, "{name}: not refined");
        let all = refined.detect_assess(&view(&img)).unwrap();
        assert_eq!(
            (all[0].quality, all[0].landmarks, all[0].measured_landmarks),
            (b.quality, d.landmarks, b.measured_landmarks)
        );
        // Landmarks the caller gives are measured as given.
        let given = refined.assess(&Face { image: view(&img), landmarks: Some(d.landmarks) }).unwrap();
        assert_eq!((given.landmarks, given.measured_landmarks), (d.landmarks, d.landmarks), "{name}");
        for k in
            [Component::InterEyeDistance, Component::HeadPoseYaw, Component::HeadPosePitch, Component::HeadPoseRoll]
        {
            assert_eq!(raw(&given, k), raw(&a, k), "{name} {}", k.name());
        }
    }
}

#[test]
fn roll_follows_rotation() {
    if !have_cache() {
        return;
    }
    for refine in REFINE {
        let m = live(refine);
        let (mut errors, mut missed, mut off) = (Vec::new(), Vec::new(), Vec::new());
        for (name, img) in photos(20) {
            let a = assess(&m, &img);
            let base = raw(&a, Component::HeadPoseRoll);
            let (cx, cy) = (img.width() as f64 / 2.0, img.height() as f64 / 2.0);
            for deg in [-30.0f64, -20.0, -10.0, 10.0, 20.0, 30.0] {
                // The method: the landmarks turned exactly with the photo.
                let (c, s) = (deg.to_radians().cos(), deg.to_radians().sin());
                let lm = a.measured_landmarks.map(|[x, y]| {
                    let (dx, dy) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
                    [(cx + dx * c + dy * s - 0.5) as f32, (cy - dx * s + dy * c - 0.5) as f32]
                });
                let turned = serfiq_core::assess::head_pose(&lm).unwrap().roll;
                assert!((turned - base - deg).abs() < 1e-3, "{name} {deg}°: {turned} from {base}");
                // End to end: the detector finds the turned face's landmarks itself.
                let Ok(b) = m.assess(&Face { image: view(&rotate(&img, deg)), landmarks: None }) else {
                    missed.push(format!("{name} at {deg}°"));
                    continue;
                };
                let err = (raw(&b, Component::HeadPoseRoll) - base - deg).abs();
                if err > 1.5 {
                    off.push(format!("{name} at {deg}°: {err:.2}°"));
                }
                errors.push(err);
            }
        }
        let n = errors.len();
        println!(
            "roll, refine={}: the method exact (< 0.001°) on every rotation; through the detector {} of {n} rotations from -30° to 30° within ±1.5° (median error {:.2}°, largest {:.2}°); no face found in {missed:?}; outside ±1.5°: {off:?}",
            u8::from(refine),
            n - off.len(),
            median(errors.clone()),
            worst(&errors)
        );
        assert!(missed.len() <= 2, "the detector missed {missed:?}");
        if refine {
            assert!(off.is_empty(), "roll off by more than 1.5° with refinement: {off:?}");
        } else {
            // The detector's own eyes on a turned face move by a few pixels.
            assert!(median(errors.clone()) <= 3.0 && worst(&errors) <= 12.0);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn inter_eye_distance_scales_with_the_photo() {
    if !have_cache() {
        return;
    }
    for refine in REFINE {
        let m = live(refine);
        let mut errors = Vec::new();
        for name in DEMO {
            let img = photo(name);
            let a = assess(&m, &img);
            let base = raw(&a, Component::InterEyeDistance);
            for k in [0.5, 0.75, 1.25] {
                let (w, h) = ((img.width() as f64 * k).round() as u32, (img.height() as f64 * k).round() as u32);
                let scaled = imageops::resize(&img, w, h, imageops::FilterType::Triangle);
                let want = base * w as f64 / img.width() as f64;
                // The measure itself: the landmarks scaled with the photo give the IED scaled.
                let lm = a.measured_landmarks.map(|p| p.map(|v| v * w as f32 / img.width() as f32));
                let given = serfiq_core::assess::measure(&view(&scaled), &lm, None, 50.0).unwrap();
                assert!((given.raw(Component::InterEyeDistance) as f64 / want - 1.0).abs() < 1e-4);
                // End to end: the detector finds the landmarks again at the new size.
                let got = raw(&assess(&m, &scaled), Component::InterEyeDistance);
                println!("refine={} {name} scaled {k}: IED {got:.1}, expected {want:.1}", u8::from(refine));
                errors.push((got / want - 1.0).abs());
            }
        }
        let within = errors.iter().filter(|&&e| e <= 0.02).count();
        println!(
            "inter-eye distance, refine={}: 4 photos x 3 scales (0.5, 0.75, 1.25) through the detector: {within} of {} within 2 %, median error {:.2} %, largest {:.2} %",
            u8::from(refine),
            errors.len(),
            100.0 * median(errors.clone()),
            100.0 * worst(&errors)
        );
        if refine {
            assert_eq!(within, errors.len(), "inter-eye distance off by more than 2 % with refinement");
        } else {
            // The detector's landmarks move by a pixel or two with the scale.
            assert!(median(errors.clone()) <= 0.02 && worst(&errors) <= 0.05, "median or largest error too large");
        }
    }
}

#[test]
fn mirroring_negates_yaw_and_keeps_pitch() {
    if !have_cache() {
        return;
    }
    for refine in REFINE {
        let m = live(refine);
        let (mut yaw_err, mut pitch_err) = (Vec::new(), Vec::new());
        for (name, img) in photos(20) {
            let a = assess(&m, &img);
            // The method: the same landmarks mirrored (listed again with the smaller x first).
            let w = img.width() as f32;
            let lm = a.measured_landmarks.map(|[x, y]| [w - 1.0 - x, y]);
            let mirrored = [lm[1], lm[0], lm[2], lm[4], lm[3]];
            let (p, q) = (
                serfiq_core::assess::head_pose(&a.measured_landmarks).unwrap(),
                serfiq_core::assess::head_pose(&mirrored).unwrap(),
            );
            assert!(
                (p.yaw + q.yaw).abs() < 1e-3 && (p.pitch - q.pitch).abs() < 1e-3 && (p.roll + q.roll).abs() < 1e-3,
                "{name}: {p:?} {q:?}"
            );
            // End to end: the detector finds the mirrored face's landmarks itself.
            let b = assess(&m, &imageops::flip_horizontal(&img));
            let (ya, yb) = (raw(&a, Component::HeadPoseYaw), raw(&b, Component::HeadPoseYaw));
            let (pa, pb) = (raw(&a, Component::HeadPosePitch), raw(&b, Component::HeadPosePitch));
            println!("refine={} {name}: yaw {ya:.2} / mirrored {yb:.2}, pitch {pa:.2} / {pb:.2}", u8::from(refine));
            yaw_err.push((ya + yb).abs());
            pitch_err.push((pa - pb).abs());
        }
        let n = yaw_err.len();
        let count = |v: &[f64]| v.iter().filter(|&&e| e <= 1.0).count();
        println!(
            "mirroring, refine={}, {n} photos: the method exact (< 0.001°); through the detector |yaw + yaw_m| <= 1° on {} (median {:.2}°, largest {:.2}°), |pitch - pitch_m| <= 1° on {} (median {:.2}°, largest {:.2}°)",
            u8::from(refine), count(&yaw_err), median(yaw_err.clone()), worst(&yaw_err), count(&pitch_err), median(pitch_err.clone()), worst(&pitch_err)
        );
        if refine {
            assert_eq!((count(&yaw_err), count(&pitch_err)), (n, n), "mirroring off by more than 1° with refinement");
        } else {
            // The detector is not mirror-symmetric: its landmarks, not the fit, set these
            // (largest measured: 7.8° yaw, 11.3° pitch with LFW; 3.2° and 4.5° on the demo
            // photos alone, whose pitch median, 4.3°, is above LFW's 2.7°).
            assert!(
                worst(&yaw_err) <= 15.0 && worst(&pitch_err) <= 15.0,
                "the detector's landmarks moved more than measured"
            );
        }
    }
}

/// The mean face posed (ISO signs) and seen by a pinhole camera `distance`
/// inter-eye distances away, its focal length such that the inter-eye
/// distance is 50 px, plus landmark noise.
fn perspective(
    yaw: f64,
    pitch: f64,
    roll: f64,
    distance: f64,
    noise: &mut Option<(Mix, f64)>,
) -> serfiq_core::Landmarks {
    use serfiq_core::assess::MEAN_FACE;
    let (y, p, r) = (-yaw.to_radians(), pitch.to_radians(), -roll.to_radians());
    let ied = 2.0 * MEAN_FACE[1][0];
    std::array::from_fn(|k| {
        let [x0, y0, z0] = MEAN_FACE[k].map(|v| v / ied);
        // Rotation about the head's centre (half a face depth behind the eyes).
        let z0 = z0 - 0.9;
        let (x1, z1) = (y.cos() * x0 + y.sin() * z0, -y.sin() * x0 + y.cos() * z0);
        let (y2, z2) = (p.cos() * y0 - p.sin() * z1, p.sin() * y0 + p.cos() * z1);
        let (x3, y3) = (r.cos() * x1 - r.sin() * y2, r.sin() * x1 + r.cos() * y2);
        let depth = distance + z2 + 0.9;
        let f = 50.0 * distance;
        let mut pt = [f * x3 / depth + 320.0, f * y3 / depth + 240.0];
        if let Some((mix, sigma)) = noise {
            // Box–Muller: Gaussian noise of `sigma` px.
            for v in &mut pt {
                let (u1, u2) = (mix.unit().max(1e-12), mix.unit());
                *v += *sigma * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            }
        }
        pt.map(|v| v as f32)
    })
}

#[test]
fn yaw_and_pitch_on_synthetic_projections() {
    // Distances in inter-eye distances (63 mm): 8 ≈ 50 cm (a kiosk), 16 ≈ 1 m.
    for (distance, sigma) in [(8.0, 0.0), (16.0, 0.0), (1e6, 0.0), (8.0, 1.0)] {
        let mut noise = (sigma > 0.0).then_some((Mix(23), sigma));
        let (mut worst, mut sum, mut n): (f64, f64, usize) = (0.0, 0.0, 0);
        for yaw in (-30..=30).step_by(10) {
            for pitch in (-20..=20).step_by(10) {
                let lm = perspective(yaw as f64, pitch as f64, 0.0, distance, &mut noise);
                let got = serfiq_core::assess::head_pose(&lm).unwrap();
                for err in [(got.yaw - yaw as f64).abs(), (got.pitch - pitch as f64).abs()] {
                    worst = worst.max(err);
                    sum += err;
                    n += 1;
                }
            }
        }
        let mean = sum / n as f64;
        println!(
            "pose, camera at {distance} IED, landmark noise {sigma} px (IED 50 px): mean error {mean:.2}°, largest {worst:.2}°"
        );
        // Orthographic projection is the model's own: exact. Perspective and
        // landmark noise are what a 5-point fit cannot undo.
        let bound = match (distance, sigma) {
            (_, s) if s > 0.0 => 15.0,
            (d, _) if d < 10.0 => 8.0,
            (d, _) if d < 1e5 => 4.0,
            _ => 0.05,
        };
        assert!(worst <= bound, "distance {distance}, noise {sigma}: largest error {worst:.2}° > {bound}°");
    }
}

/// A `w`×`h` image of one colour with the ArcFace template scaled 3× at (100, 60).
fn uniform(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> (RgbImage, serfiq_core::Landmarks) {
    let img = RgbImage::from_fn(w, h, |x, y| image::Rgb(f(x, y)));
    (img, serfiq_core::align::ARCFACE_112.map(|[x, y]| [100.0 + 3.0 * x, 60.0 + 3.0 * y]))
}

/// Relative luminance of a grey sRGB value, quantised to 0..=255, by hand.
fn grey_level(v: u8) -> f64 {
    let c = v as f64 / 255.0;
    let lin = if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
    (lin * 255.0 + 0.5).floor()
}

#[test]
fn exposure_equals_hand_computed_values() {
    use serfiq_core::assess::measure;
    for v in [0u8, 20, 60, 90, 128, 200, 250, 255] {
        let (img, lm) = uniform(540, 500, |_, _| [v, v, v]);
        let c = measure(&view(&img), &lm, None, 50.0).unwrap();
        let level = grey_level(v);
        let r = |k: Component| c.raw(k) as f64;
        assert!(
            (r(Component::LuminanceMean) - level / 255.0).abs() < 1e-6,
            "grey {v}: {}",
            r(Component::LuminanceMean)
        );
        assert_eq!(r(Component::LuminanceVariance), 0.0);
        assert_eq!(r(Component::UnderExposurePrevention), if level <= 25.0 { 1.0 } else { 0.0 }, "grey {v}");
        assert_eq!(r(Component::OverExposurePrevention), if level >= 247.0 { 1.0 } else { 0.0 }, "grey {v}");
        assert_eq!(r(Component::DynamicRange), 0.0);
        assert_eq!(r(Component::IlluminationUniformity), 1.0);
        assert_eq!(r(Component::Sharpness), 0.0);
        let want = |x: f64| 1.0 / (1.0 + (-x).exp());
        let mean = level / 255.0;
        let value = (100.0 * want((mean - 0.2) / 0.05) * (1.0 - want((mean - 0.8) / 0.05))).round();
        assert_eq!(c.value(Component::LuminanceMean) as f64, value, "grey {v}");
    }
    // Left half black, right half white: the cheeks' histograms do not meet;
    // half the face is at level 0, half at 255: variance 0.25, entropy 1 bit
    // when the region is split evenly (it is, within the grid's one column).
    let (img, lm) = uniform(540, 500, |x, _| if x < 100 + 3 * 56 { [0, 0, 0] } else { [255, 255, 255] });
    let c = measure(&view(&img), &lm, None, 50.0).unwrap();
    assert_eq!(c.raw(Component::IlluminationUniformity), 0.0);
    assert!((c.raw(Component::DynamicRange) - 1.0).abs() < 0.01, "{}", c.raw(Component::DynamicRange));
    assert!((c.raw(Component::LuminanceVariance) - 0.25).abs() < 0.01);
    let (under, over) = (c.raw(Component::UnderExposurePrevention), c.raw(Component::OverExposurePrevention));
    assert!((under + over - 1.0).abs() < 1e-6 && (under - 0.5).abs() < 0.02, "{under} {over}");

    // On the demo photos: darker and gamma move the mean down and
    // under-exposure up; clipping (×2, saturated) moves over-exposure up.
    if !have_cache() {
        return;
    }
    let m = model("live");
    for name in DEMO {
        let img = photo(name);
        let lm = assess(&m, &img).landmarks;
        let at = |img: &RgbImage| measure(&view(img), &lm, None, 50.0).unwrap();
        let (base, dark) = (at(&img), at(&map_pixels(&img, |v| v * 0.5)));
        let gamma = at(&map_pixels(&img, |v| 255.0 * (v / 255.0).powf(2.0)));
        let bright = at(&map_pixels(&img, |v| v * 2.0));
        let r = |c: &serfiq_core::Components, k: Component| c.raw(k);
        for d in [&dark, &gamma] {
            assert!(r(d, Component::LuminanceMean) < r(&base, Component::LuminanceMean), "{name}");
            assert!(r(d, Component::UnderExposurePrevention) > r(&base, Component::UnderExposurePrevention), "{name}");
        }
        assert!(r(&bright, Component::LuminanceMean) > r(&base, Component::LuminanceMean), "{name}");
        assert!(r(&bright, Component::OverExposurePrevention) > r(&base, Component::OverExposurePrevention), "{name}");
    }
}

/// Sharpness of the face with `lm` in `img` blurred by σ = 0, 1, 2, 4.
fn sharpness_under_blur(img: &RgbImage, lm: &serfiq_core::Landmarks) -> [f32; 4] {
    [0.0, 1.0, 2.0, 4.0].map(|sigma| {
        let blurred = if sigma == 0.0 { img.clone() } else { imageops::blur(img, sigma) };
        serfiq_core::assess::measure(&view(&blurred), lm, None, 50.0).unwrap().raw(Component::Sharpness)
    })
}

#[test]
fn sharpness_falls_with_blur() {
    if !have_cache() {
        return;
    }
    let m = model("live");
    for name in DEMO {
        let img = photo(name);
        let s = sharpness_under_blur(&img, &assess(&m, &img).landmarks);
        println!("{name}: sharpness at blur σ 0, 1, 2, 4: {s:?}");
        assert!(s.windows(2).all(|w| w[1] < w[0]), "{name}: {s:?}");
    }
    let all = lfw(usize::MAX);
    if all.is_empty() {
        return;
    }
    let (mut ok, mut n, mut blurry) = (0, 0, 0);
    for (_, img) in &all {
        let Ok(a) = m.assess(&Face { image: view(img), landmarks: None }) else { continue };
        let s = sharpness_under_blur(img, &a.landmarks);
        blurry +=
            usize::from(a.components.value(Component::Sharpness) < serfiq_core::Profile::live().min_sharpness as f32);
        n += 1;
        ok += usize::from(s.windows(2).all(|w| w[1] < w[0]));
    }
    let share = ok as f64 / n as f64;
    println!("sharpness: monotone under blur σ 1, 2, 4 on {ok} of {n} LFW originals ({:.2} %)", 100.0 * share);
    let live = serfiq_core::Profile::live().min_sharpness as f32;
    println!("  clean LFW originals below the live profile's min_sharpness ({live}): {blurry} of {n}");
    assert!(share >= 0.95, "{ok} of {n}");
}

#[test]
fn crop_margins_and_single_face() {
    if !have_cache() {
        return;
    }
    let m = model("live");
    let img = photo("obama.jpg");
    let a = assess(&m, &img);
    let lm = a.landmarks;
    let ied = raw(&a, Component::InterEyeDistance);
    // Cut the photo 0.3 inter-eye distances left of the left eye: the face is at the edge.
    let x0 = (lm[0][0] as f64 - 0.3 * ied).round() as u32;
    let cut = imageops::crop_imm(&img, x0, 0, img.width() - x0, img.height()).to_image();
    let moved = lm.map(|[x, y]| [x - x0 as f32, y]);
    let c = m.assess(&Face { image: view(&cut), landmarks: Some(moved) }).unwrap();
    let left = raw(&c, Component::LeftwardCropOfTheFaceImage);
    assert!((left - 0.3).abs() < 0.02, "{left}");
    assert!(
        c.components.value(Component::LeftwardCropOfTheFaceImage)
            < a.components.value(Component::LeftwardCropOfTheFaceImage)
    );
    assert!(c.components.has(Feedback::CenterFace) && !a.components.has(Feedback::CenterFace));
    // Cut above the eyes: the margin above shrinks.
    let y0 = (lm[0][1] as f64 - 0.4 * ied).round() as u32;
    let cut = imageops::crop_imm(&img, 0, y0, img.width(), img.height() - y0).to_image();
    let c2 = m.assess(&Face { image: view(&cut), landmarks: Some(lm.map(|[x, y]| [x, y - y0 as f32])) }).unwrap();
    assert!(raw(&c2, Component::MarginAboveOfTheFaceImage) < raw(&a, Component::MarginAboveOfTheFaceImage) / 2.0);
    assert!(c2.components.value(Component::MarginAboveOfTheFaceImage) < 50.0);
    println!("crop: face at the left edge, LeftwardCrop raw {left:.2} value {}; cut above the eyes MarginAbove {:.2} value {}",
        c.components.value(Component::LeftwardCropOfTheFaceImage), raw(&c2, Component::MarginAboveOfTheFaceImage), c2.components.value(Component::MarginAboveOfTheFaceImage));

    // Two faces side by side: the smaller one's area over the larger one's.
    let big = imageops::resize(&img, 455, 569, imageops::FilterType::Triangle);
    let small = imageops::resize(&photo("biden.jpg"), 300, 682, imageops::FilterType::Triangle);
    let mut canvas = RgbImage::from_pixel(800, 700, image::Rgb([128, 128, 128]));
    imageops::overlay(&mut canvas, &big, 0, 0);
    imageops::overlay(&mut canvas, &small, 480, 0);
    let faces = m.detect_assess(&view(&canvas)).unwrap();
    assert_eq!(faces.len(), 2);
    let areas: Vec<f64> = faces.iter().map(|f| f.detection.unwrap().area() as f64).collect();
    let want = areas[0].min(areas[1]) / areas[0].max(areas[1]);
    for f in &faces {
        assert!((raw(f, Component::SingleFacePresent) - want).abs() < 1e-5);
        assert!(f.components.value(Component::SingleFacePresent) < 100.0);
        assert!(f.components.has(Feedback::MultipleFaces));
    }
    assert_eq!(a.components.value(Component::SingleFacePresent), 100.0);
    println!(
        "single face: two-face canvas, SingleFacePresent raw {want:.3} value {}",
        faces[0].components.value(Component::SingleFacePresent)
    );
}

#[test]
fn each_degradation_raises_its_code() {
    if !have_cache() {
        return;
    }
    let m = model("live");
    for name in DEMO {
        let img = photo(name);
        let clean = assess(&m, &img);
        let codes = |a: &AssessedFace| Feedback::in_set(a.components.feedback).collect::<Vec<_>>();
        assert_eq!(codes(&clean), [], "{name}: the clean photo");
        let roll = raw(&clean, Component::HeadPoseRoll);
        let (w, h) = (img.width() / 4, img.height() / 4);
        let cases = [
            ("dark (x0.2)", map_pixels(&img, |v| v * 0.2), Feedback::TooDark),
            ("shrunk to 1/4", imageops::resize(&img, w, h, imageops::FilterType::Triangle), Feedback::MoveCloser),
            ("rotated 20°", rotate(&img, 20f64.copysign(roll)), Feedback::StraightenHead),
            ("blurred σ 4", imageops::blur(&img, 4.0), Feedback::Blurry),
        ];
        for (what, degraded, code) in cases {
            let got = codes(&assess(&m, &degraded));
            println!("{name} {what}: {:?}", got.iter().map(|f| f.name()).collect::<Vec<_>>());
            assert!(got.contains(&code), "{name} {what}: {got:?}");
        }
    }
}

#[test]
fn profiles_parse_and_round_trip() {
    use serfiq_core::Profile;
    let p = Profile::parse("live; max_yaw = 12.5 ;min_q100=0").unwrap();
    assert_eq!((p.preset, p.max_yaw, p.min_q100), ("live", 12.5, 0.0));
    assert_eq!(p.max_roll, Profile::live().max_roll);
    assert_eq!(Profile::parse(&p.to_text()).unwrap(), p);
    assert_eq!(Profile::parse("enrolment").unwrap(), Profile::enrolment());
    // Landmark refinement: on for enrolment, off for live, a 0/1 switch.
    assert!(Profile::enrolment().refine && !Profile::live().refine);
    let r = Profile::parse("live;refine=1").unwrap();
    assert!(r.refine && r.to_text().contains(";refine=1"));
    assert_eq!(Profile::parse(&r.to_text()).unwrap(), r);
    assert!(!Profile::parse("enrolment;refine=0").unwrap().refine);
    for bad in ["live;refine=2", "live;refine=0.5", "live;refine=yes"] {
        let e = Profile::parse(bad).err().unwrap_or_else(|| panic!("{bad:?} parsed"));
        assert!(e.message.contains("refine"), "{}", e.message);
    }
    for bad in ["", "Live", "live;", "live;max_yaw", "live;max_yaw=-1", "live;yaw=1", "live;max_yaw=1e999"] {
        let e = match Profile::parse(bad) {
            Err(e) => e,
            Ok(_) if bad == "live;" => continue,
            Ok(p) => panic!("{bad:?} parsed as {p:?}"),
        };
        assert_eq!(e.kind, serfiq_core::ErrorKind::InvalidArgument, "{bad:?}");
        assert!(e.message.contains("profile"), "{}", e.message);
    }
    let e =
        Model::new(&Options { feedback_profile: Some("strict".into()), ..Options::from_path("x.onnx") }).err().unwrap();
    assert_eq!(e.kind, serfiq_core::ErrorKind::InvalidArgument);
}
