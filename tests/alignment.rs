//! Alignment and preprocessing through the public API: `InputSpec::fill`,
//! `Similarity` and `ImageView`.

mod common;

use common::*;
use serfiq_core::align::{InputSpec, Similarity, ARCFACE_112};
use serfiq_core::{ErrorKind, Face, ImageView, Landmarks, PixelFormat, Want};

/// A spec whose tensor holds raw pixel values (mean 0, std 1), RGB planes.
fn raw_spec(width: u32, height: u32) -> InputSpec {
    InputSpec { width, height, bgr: false, mean: [0.0; 3], std: [1.0; 3] }
}

fn fill(spec: &InputSpec, img: &ImageView, lm: Option<&Landmarks>) -> Vec<f32> {
    let mut out = vec![f32::NAN; spec.tensor_len()];
    spec.fill(img, lm, &mut out).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message));
    out
}

/// A smooth, asymmetric colour pattern in crop coordinates: red a slow wave,
/// green a ramp in x, blue a ramp in y (so left/right and up/down are distinct).
fn pattern(x: f64, y: f64, w: f64, h: f64) -> [f64; 3] {
    let r = 128.0 + 90.0 * (6.0 * x / w + 2.5 * y / h).sin() * (3.0 * y / h).cos();
    let g = 20.0 + 200.0 * x / w;
    let b = 30.0 + 190.0 * y / h;
    [r, g, b].map(|v| v.clamp(0.0, 255.0))
}

fn to_u8(v: [f64; 3]) -> [u8; 3] {
    v.map(|c| c.round() as u8)
}

/// The aligned crop itself: the pattern sampled at the crop's pixel centres.
fn crop_image(w: u32, h: u32) -> Rgb {
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            data.extend(to_u8(pattern(x as f64, y as f64, w as f64, h as f64)));
        }
    }
    Rgb { width: w, height: h, data }
}

/// A bigger canvas showing the crop's pattern placed by `crop_to_canvas`
/// (computed from the continuous pattern, not by resampling the crop).
fn canvas(cw: u32, ch: u32, crop_w: u32, crop_h: u32, crop_to_canvas: &Similarity) -> Rgb {
    let back = crop_to_canvas.inverse();
    let mut data = Vec::with_capacity((cw * ch * 3) as usize);
    for y in 0..ch {
        for x in 0..cw {
            let p = back.apply([x as f64, y as f64]);
            data.extend(to_u8(pattern(p[0], p[1], crop_w as f64, crop_h as f64)));
        }
    }
    Rgb { width: cw, height: ch, data }
}

/// crop → canvas: scale `k`, rotation `deg`, crop centre onto canvas centre.
fn placement(k: f64, deg: f64, crop: (u32, u32), canvas: (u32, u32)) -> Similarity {
    let (a, b) = (k * deg.to_radians().cos(), k * deg.to_radians().sin());
    let c = [(crop.0 as f64 - 1.0) / 2.0, (crop.1 as f64 - 1.0) / 2.0];
    let d = [(canvas.0 as f64 - 1.0) / 2.0 + 3.3, (canvas.1 as f64 - 1.0) / 2.0 - 1.7];
    Similarity { a, b, tx: d[0] - (a * c[0] - b * c[1]), ty: d[1] - (b * c[0] + a * c[1]) }
}

/// Where the spec's template points land in the canvas: the landmarks of the face there.
fn landmarks_in_canvas(spec: &InputSpec, t: &Similarity) -> Landmarks {
    spec.template().map(|p| {
        let q = t.apply(p);
        [q[0] as f32, q[1] as f32]
    })
}

fn diff_stats(a: &[f32], b: &[f32]) -> (f32, f32) {
    let max = max_abs_diff(a, b);
    let mean = a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32;
    (max, mean)
}

// ---------------------------------------------------------------------------
// (a) Transform recovery
// ---------------------------------------------------------------------------

#[test]
fn fill_recovers_the_aligned_crop_from_a_warped_canvas() {
    // (spec size, scale, rotation in degrees, canvas size)
    let cases = [
        ((112, 112), 2.5, 25.0, (480, 460)),
        ((112, 112), 0.8, -160.0, (200, 180)),
        ((112, 112), 1.3, 90.0, (260, 240)),
        ((128, 128), 1.7, 10.0, (320, 300)),
        ((96, 112), 1.9, -35.0, (330, 330)),
    ];
    for ((w, h), k, deg, (cw, ch)) in cases {
        let spec = raw_spec(w, h);
        let crop = crop_image(w, h);
        let t = placement(k, deg, (w, h), (cw, ch));
        let big = canvas(cw, ch, w, h, &t);
        let lm = landmarks_in_canvas(&spec, &t);

        // Bilinear interpolation plus rounding to 8 bits stays under ~1 level; a
        // half-pixel shift alone would add ~0.9 levels on the ramps.
        // The fitted transform is the inverse of the placement.
        let fitted = Similarity::fit(&lm.map(|p| [p[0] as f64, p[1] as f64]), &spec.template()).unwrap();
        let back = t.inverse();
        for (got, want) in [(fitted.a, back.a), (fitted.b, back.b), (fitted.tx, back.tx), (fitted.ty, back.ty)] {
            assert!((got - want).abs() < 1e-4, "{w}x{h} k {k} deg {deg}: fit {fitted:?} vs {back:?}");
        }

        let want = fill(&spec, &crop.view(), None);
        let got = fill(&spec, &big.view(), Some(&lm));
        let (max, mean) = diff_stats(&got, &want);
        println!("{w}x{h} scale {k} rotation {deg}°: max |Δ| {max:.2}, mean |Δ| {mean:.3} (pixel levels)");
        assert!(max <= 1.5 && mean <= 0.4, "{w}x{h} scale {k} rotation {deg}°: crop differs (max {max}, mean {mean})");
    }
}

// ---------------------------------------------------------------------------
// (b) Landmark order
// ---------------------------------------------------------------------------

#[test]
fn landmark_order_matters_and_arcface_order_gives_the_upright_crop() {
    let spec = raw_spec(112, 112);
    let crop = crop_image(112, 112);
    let want = fill(&spec, &crop.view(), None);
    // An upright face (no rotation) in a canvas.
    let t = placement(1.6, 0.0, (112, 112), (260, 250));
    let big = canvas(260, 250, 112, 112, &t);
    let lm = landmarks_in_canvas(&spec, &t);
    assert!(lm[0][0] < lm[1][0] && lm[3][0] < lm[4][0], "ArcFace order: left = smaller x first");
    let (max, mean) = diff_stats(&fill(&spec, &big.view(), Some(&lm)), &want);
    assert!(max <= 1.5 && mean <= 0.4, "ArcFace order did not give the upright crop ({max}, {mean})");

    let swaps: [(&str, &[(usize, usize)]); 3] = [
        ("eyes swapped", &[(0, 1)]),
        ("eyes and mouth corners swapped", &[(0, 1), (3, 4)]),
        ("mouth and eyes exchanged", &[(0, 3), (1, 4)]),
    ];
    for (what, pairs) in swaps {
        let mut bad = lm;
        for &(i, j) in pairs {
            bad.swap(i, j);
        }
        let (_, mean) = diff_stats(&fill(&spec, &big.view(), Some(&bad)), &want);
        println!("{what}: mean |Δ| {mean:.1} from the upright crop");
        assert!(mean > 20.0, "{what}: the crop is still the upright one (mean |Δ| {mean})");
    }

    // The same canvas mirrored left-right: the face's landmarks, listed again with the
    // smaller x first, give the mirrored upright crop (not one turned upside down).
    let (cw, ch) = (big.width as usize, big.height as usize);
    let mut flipped = big.data.clone();
    for y in 0..ch {
        for x in 0..cw {
            let (d, s) = ((y * cw + x) * 3, (y * cw + (cw - 1 - x)) * 3);
            flipped[d..d + 3].copy_from_slice(&big.data[s..s + 3]);
        }
    }
    let flipped = Rgb { width: big.width, height: big.height, data: flipped };
    let m = |p: [f32; 2]| [(cw - 1) as f32 - p[0], p[1]];
    let mirrored_arcface: Landmarks = [m(lm[1]), m(lm[0]), m(lm[2]), m(lm[4]), m(lm[3])];
    let mirrored_wrong: Landmarks = lm.map(m);
    let mut want_mirror = want.clone();
    for plane in want_mirror.chunks_exact_mut(112 * 112) {
        plane.chunks_exact_mut(112).for_each(|row| row.reverse());
    }
    let (_, good) = diff_stats(&fill(&spec, &flipped.view(), Some(&mirrored_arcface)), &want_mirror);
    let (_, bad) = diff_stats(&fill(&spec, &flipped.view(), Some(&mirrored_wrong)), &want_mirror);
    println!("mirrored face: ArcFace order mean |Δ| {good:.2}, original order mean |Δ| {bad:.1}");
    // The ArcFace template is not exactly symmetric (≈0.8 px), hence a looser bound.
    assert!(good <= 3.0, "mirrored face in ArcFace order is not the mirrored crop (mean |Δ| {good})");
    assert!(bad > 20.0, "mirrored face with the eyes in the wrong order still looks upright (mean |Δ| {bad})");
}

// ---------------------------------------------------------------------------
// (c) Pixel formats and strides
// ---------------------------------------------------------------------------

/// `rgb` (packed) written in `format` with `pad` garbage bytes after every row and
/// more garbage after the end; gray images take the red channel.
fn encode(rgb: &Rgb, format: PixelFormat, pad: usize, rng: &mut Mix) -> (Vec<u8>, usize) {
    let bpp = format.bytes_per_pixel();
    let stride = rgb.width as usize * bpp + pad;
    let mut buf: Vec<u8> = (0..stride * rgb.height as usize + 7).map(|_| rng.next_u64() as u8).collect();
    for y in 0..rgb.height as usize {
        for x in 0..rgb.width as usize {
            let s = &rgb.data[(y * rgb.width as usize + x) * 3..][..3];
            let px: Vec<u8> = match format {
                PixelFormat::Rgb => s.to_vec(),
                PixelFormat::Bgr => vec![s[2], s[1], s[0]],
                PixelFormat::Rgba => vec![s[0], s[1], s[2], rng.next_u64() as u8],
                PixelFormat::Bgra => vec![s[2], s[1], s[0], rng.next_u64() as u8],
                PixelFormat::Gray => vec![s[0]],
            };
            buf[y * stride + x * bpp..][..bpp].copy_from_slice(&px);
        }
    }
    (buf, stride)
}

fn random_rgb(w: u32, h: u32, rng: &mut Mix, gray: bool) -> Rgb {
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for _ in 0..w * h {
        let v = rng.next_u64().to_le_bytes();
        data.extend(if gray { [v[0]; 3] } else { [v[0], v[1], v[2]] });
    }
    Rgb { width: w, height: h, data }
}

#[test]
fn every_pixel_format_and_stride_gives_the_packed_rgb_tensor() {
    let mut rng = Mix(99);
    let specs = [
        InputSpec { width: 112, height: 112, bgr: false, mean: [127.5; 3], std: [128.0; 3] },
        InputSpec { width: 112, height: 112, bgr: true, mean: [104.0, 117.0, 123.0], std: [57.0, 57.5, 58.4] },
    ];
    let formats = [PixelFormat::Bgr, PixelFormat::Rgb, PixelFormat::Bgra, PixelFormat::Rgba, PixelFormat::Gray];
    // (image size, landmarks): a photo to align, and an aligned crop.
    let lm: Landmarks = [[60.3, 50.2], [95.7, 52.9], [77.1, 71.4], [63.0, 90.6], [92.2, 92.5]];
    let cases: [((u32, u32), Option<Landmarks>); 2] = [((150, 130), Some(lm)), ((112, 112), None)];
    for ((w, h), lm) in cases {
        for gray in [false, true] {
            let rgb = random_rgb(w, h, &mut rng, gray);
            for spec in &specs {
                let want = fill(spec, &rgb.view(), lm.as_ref());
                for format in formats {
                    if format == PixelFormat::Gray && !gray {
                        continue;
                    }
                    for pad in [0, 1, 13] {
                        let (buf, stride) = encode(&rgb, format, pad, &mut rng);
                        let view = ImageView::new(&buf, w, h, stride, format).unwrap();
                        assert_eq!(view.format(), format);
                        let got = fill(spec, &view, lm.as_ref());
                        assert!(
                            got == want,
                            "{format:?} stride {stride} ({w}x{h}, landmarks {}, bgr {}): max |Δ| {}",
                            lm.is_some(),
                            spec.bgr,
                            max_abs_diff(&got, &want)
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn channel_order_and_normalisation() {
    let mut rng = Mix(5);
    let rgb = random_rgb(112, 112, &mut rng, false);
    // RGB with (x − 127.5)/128 equals the tests' own preprocessing bit for bit.
    let rgb_spec = InputSpec { width: 112, height: 112, bgr: false, mean: [127.5; 3], std: [128.0; 3] };
    assert!(fill(&rgb_spec, &rgb.view(), None) == preprocess_aligned(&rgb));
    // A BGR model gets the same planes in reverse order, each with its own mean and std.
    let rgb_spec = InputSpec { width: 112, height: 112, bgr: false, mean: [10.0, 20.0, 30.0], std: [2.0, 4.0, 8.0] };
    let bgr_spec = InputSpec { width: 112, height: 112, bgr: true, mean: [30.0, 20.0, 10.0], std: [8.0, 4.0, 2.0] };
    let a = fill(&rgb_spec, &rgb.view(), None);
    let b = fill(&bgr_spec, &rgb.view(), None);
    let plane = 112 * 112;
    for c in 0..3 {
        assert!(a[c * plane..(c + 1) * plane] == b[(2 - c) * plane..(3 - c) * plane], "plane {c}");
    }
    // Spot values: plane 0 of the RGB spec is (R − 10)/2.
    for &(x, y) in &[(0usize, 0usize), (111, 0), (5, 77), (111, 111)] {
        let r = rgb.data[(y * 112 + x) * 3] as f32;
        let g = rgb.data[(y * 112 + x) * 3 + 1] as f32;
        assert_eq!(a[y * 112 + x], (r - 10.0) / 2.0);
        assert_eq!(a[plane + y * 112 + x], (g - 20.0) / 4.0);
    }
}

// ---------------------------------------------------------------------------
// (d) Invalid inputs
// ---------------------------------------------------------------------------

fn image_err(data: &[u8], w: u32, h: u32, stride: usize, f: PixelFormat) -> ErrorKind {
    match ImageView::new(data, w, h, stride, f) {
        Err(e) => e.kind,
        Ok(_) => panic!("{w}x{h} stride {stride} {f:?} with {} bytes was accepted", data.len()),
    }
}

#[test]
fn invalid_images_are_rejected() {
    let buf = vec![0u8; 1 << 16];
    for f in [PixelFormat::Bgr, PixelFormat::Rgb, PixelFormat::Bgra, PixelFormat::Rgba, PixelFormat::Gray] {
        let bpp = f.bytes_per_pixel();
        assert_eq!(image_err(&buf, 0, 10, 100, f), ErrorKind::InvalidImage, "zero width");
        assert_eq!(image_err(&buf, 10, 0, 100, f), ErrorKind::InvalidImage, "zero height");
        assert_eq!(image_err(&buf, 10, 10, 10 * bpp - 1, f), ErrorKind::InvalidImage, "stride too small");
        assert_eq!(image_err(&buf, 40_000, 1, 40_000 * bpp, f), ErrorKind::InvalidImage, "too wide");
        assert_eq!(image_err(&buf, 10, 32_000, usize::MAX / 4, f), ErrorKind::InvalidImage, "overflow");
        // The last row needs no padding: exactly (h − 1)·stride + w·bpp bytes.
        let (w, h, stride) = (10u32, 7u32, 10 * bpp + 5);
        let need = (h as usize - 1) * stride + w as usize * bpp;
        assert!(ImageView::new(&buf[..need], w, h, stride, f).is_ok(), "{f:?}: exact length refused");
        assert!(ImageView::packed(&buf[..w as usize * h as usize * bpp], w, h, f).is_ok());
        assert_eq!(image_err(&buf[..need - 1], w, h, stride, f), ErrorKind::InvalidImage, "buffer too short");
        assert_eq!(image_err(&[], w, h, stride, f), ErrorKind::InvalidImage, "empty buffer");
    }
}

fn fill_err(spec: &InputSpec, img: &ImageView, lm: Option<&Landmarks>) -> serfiq_core::Error {
    let mut out = vec![0.0; spec.tensor_len()];
    match spec.fill(img, lm, &mut out) {
        Err(e) => e,
        Ok(()) => panic!("landmarks {lm:?} on {}x{} were accepted", img.width(), img.height()),
    }
}

#[test]
fn invalid_landmarks_are_rejected() {
    let spec = raw_spec(112, 112);
    let img = crop_image(200, 180);
    let view = img.view();
    let good: Landmarks = [[70.0, 60.0], [110.0, 61.0], [90.0, 85.0], [74.0, 108.0], [106.0, 108.0]];
    assert!(spec.fill(&view, Some(&good), &mut vec![0.0; spec.tensor_len()]).is_ok());
    let mut bad_cases: Vec<(String, Landmarks)> = Vec::new();
    for i in 0..5 {
        for c in 0..2 {
            for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.5, 1e9] {
                let mut lm = good;
                lm[i][c] = v;
                bad_cases.push((format!("point {i} coordinate {c} = {v}"), lm));
            }
        }
        let mut lm = good;
        lm[i] = [200.5, 60.0]; // just right of the image
        bad_cases.push((format!("point {i} right of the image"), lm));
        let mut lm = good;
        lm[i] = [50.0, 181.0]; // below the image
        bad_cases.push((format!("point {i} below the image"), lm));
    }
    bad_cases.push(("all identical".into(), [[100.0, 90.0]; 5]));
    bad_cases.push(("within 0.01 px".into(), good.map(|p| [100.0 + p[0] * 1e-4, 90.0 + p[1] * 1e-4])));
    for (what, lm) in bad_cases {
        let e = fill_err(&spec, &view, Some(&lm));
        assert_eq!(e.kind, ErrorKind::InvalidLandmarks, "{what}: {}", e.message);
    }
    // Without landmarks the image must already have the input size.
    let e = fill_err(&spec, &view, None);
    assert_eq!(e.kind, ErrorKind::InvalidImage, "{}", e.message);
}

/// Through the model: a bad face anywhere in a batch fails the whole call,
/// naming the face; an empty batch is an invalid argument.
#[test]
fn model_reports_which_face_is_invalid() {
    let model = load(&default_model());
    let img = crop_image(112, 112);
    let big = crop_image(200, 180);
    let ok = Face { image: img.view(), landmarks: None };
    let mut bad_lm: Landmarks = ARCFACE_112;
    bad_lm[2][1] = f32::NAN;
    let bad = Face { image: big.view(), landmarks: Some(bad_lm) };
    let e = model.run(&[ok, ok, bad, ok], Want::Both).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidLandmarks, "{}", e.message);
    assert_eq!(e.image, Some(2), "the error does not name the face: {e}");
    assert!(e.to_string().starts_with("image 2: "), "message does not name the face: {e}");
    let wrong_size = Face { image: big.view(), landmarks: None };
    let e = model.run(&[ok, wrong_size], Want::Score).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidImage, "{}", e.message);
    assert_eq!(e.image, Some(1), "the error does not name the face: {e}");
    // A single-face call names no index.
    let e = model.score(&wrong_size).unwrap_err();
    assert_eq!((e.kind, e.image), (ErrorKind::InvalidImage, None), "{e}");
    assert_eq!(model.run(&[], Want::Both).unwrap_err().kind, ErrorKind::InvalidArgument);
    // The valid faces alone still work.
    assert_eq!(model.run(&[ok, ok], Want::Score).unwrap().qualities.len(), 2);
    // Each on its own: the bad faces get their errors, the good ones the
    // same results as an all-good batch.
    let each = model.run_each(&[ok, bad, ok, wrong_size], Want::Both).unwrap();
    let all_good = model.run(&[ok, ok], Want::Both).unwrap();
    let d = model.embedding_size();
    for (k, i) in [0, 2].into_iter().enumerate() {
        let r = each[i].as_ref().unwrap();
        assert_eq!(r.quality, Some(all_good.qualities[k]));
        assert_eq!(r.embedding, all_good.embeddings[k * d..(k + 1) * d]);
        assert_eq!(r.detection, None);
    }
    let errs: Vec<_> = [1, 3].iter().map(|&i| each[i].as_ref().unwrap_err().clone()).collect();
    assert_eq!((errs[0].kind, errs[0].image), (ErrorKind::InvalidLandmarks, Some(1)));
    assert_eq!((errs[1].kind, errs[1].image), (ErrorKind::InvalidImage, Some(3)));
    // Nothing good at all is still a call that ran.
    let none = model.run_each(&[bad], Want::Score).unwrap();
    assert_eq!(none[0].as_ref().unwrap_err().kind, ErrorKind::InvalidLandmarks);
}
