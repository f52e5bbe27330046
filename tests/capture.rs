//! The capture loop on sequences whose expected states are known by
//! construction (made from the demo photos: approach, blur, roll, dark, two
//! people swapped) and on the real clip (../shared/data/video, through ffmpeg).

mod common;

use common::*;
use image::{imageops, Rgb, RgbImage};
use serfiq_core::capture::{Frame, State};
use serfiq_core::{Capture, CaptureOptions, Feedback, ImageView, Model, ModelSource, Options, PixelFormat};

const W: u32 = 640;
const H: u32 = 480;
/// Degraded frames per sequence, then this many clean ones.
const STEPS: usize = 12;
const CLEAN: usize = 8;

fn model() -> Model {
    let opts = Options {
        detector: Some(ModelSource::Path(fetched("models/retinaface_mnet025.onnx"))),
        feedback_profile: Some("live".to_string()),
        intra_threads: 1,
        ..options(&default_model())
    };
    Model::new(&opts).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

fn view(img: &RgbImage) -> ImageView<'_> {
    ImageView::packed(img.as_raw(), img.width(), img.height(), PixelFormat::Rgb).unwrap()
}

/// The clean frame of a demo photo: a square around its face (3.2 face
/// heights a side, a face about 150 px high, eyes about 60 px apart) scaled
/// to 480x480 in the middle of a grey 640x480 frame.
fn clean_frame(model: &Model, name: &str) -> RgbImage {
    let photo = image::open(fetched(&format!("faces/{name}"))).unwrap().to_rgb8();
    let face = model.detect(&view(&photo)).unwrap()[0];
    let side = 3.2 * face.height();
    let c = face.centre();
    let mut square = RgbImage::from_pixel(side as u32, side as u32, Rgb([128, 128, 128]));
    imageops::overlay(&mut square, &photo, -((c[0] - side / 2.0) as i64), -((c[1] - side / 2.0) as i64));
    let square = imageops::resize(&square, H, H, imageops::FilterType::Triangle);
    let mut frame = RgbImage::from_pixel(W, H, Rgb([128, 128, 128]));
    imageops::overlay(&mut frame, &square, ((W - H) / 2) as i64, 0);
    frame
}

/// `img` shrunk by `k` about the frame's centre, on grey.
fn shrunk(img: &RgbImage, k: f32) -> RgbImage {
    let (w, h) = ((W as f32 * k) as u32, (H as f32 * k) as u32);
    let small = imageops::resize(img, w, h, imageops::FilterType::Triangle);
    let mut frame = RgbImage::from_pixel(W, H, Rgb([128, 128, 128]));
    imageops::overlay(&mut frame, &small, ((W - w) / 2) as i64, ((H - h) / 2) as i64);
    frame
}

/// `img` rotated by `degrees` about the frame's centre (bilinear, grey outside).
fn rotated(img: &RgbImage, degrees: f32) -> RgbImage {
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (W as f32 / 2.0, H as f32 / 2.0);
    RgbImage::from_fn(W, H, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
        let (x0, y0) = (sx.floor(), sy.floor());
        if x0 < 0.0 || y0 < 0.0 || x0 + 1.0 >= W as f32 || y0 + 1.0 >= H as f32 {
            return Rgb([128, 128, 128]);
        }
        let (fx, fy) = (sx - x0, sy - y0);
        let p = |x: f32, y: f32| img.get_pixel(x as u32, y as u32).0.map(f32::from);
        let (a, b, cc, d) = (p(x0, y0), p(x0 + 1.0, y0), p(x0, y0 + 1.0), p(x0 + 1.0, y0 + 1.0));
        Rgb(std::array::from_fn(|k| {
            let v = a[k] * (1.0 - fx) * (1.0 - fy) + b[k] * fx * (1.0 - fy) + cc[k] * (1.0 - fx) * fy + d[k] * fx * fy;
            v.round() as u8
        }))
    })
}

fn darkened(img: &RgbImage, factor: f32) -> RgbImage {
    RgbImage::from_fn(W, H, |x, y| Rgb(img.get_pixel(x, y).0.map(|v| (v as f32 * factor).round() as u8)))
}

/// A degradation from `from` to none over `STEPS` frames, then `CLEAN` clean frames.
struct Sequence {
    name: &'static str,
    defect: Feedback,
    /// The degradation's strength at step i of STEPS (0 = clean).
    amount: fn(usize) -> f32,
    /// Strength from which the defect must be reported.
    reported_from: f32,
    /// Strength from which the detector may miss the face (NO_FACE then).
    lost_from: f32,
    apply: fn(&RgbImage, f32) -> RgbImage,
}

fn level(from: f32, i: usize) -> f32 {
    if i >= STEPS {
        0.0
    } else {
        from * (1.0 - i as f32 / STEPS as f32)
    }
}

const SEQUENCES: [Sequence; 4] = [
    Sequence {
        name: "approach (scale 0.15 -> 1)",
        defect: Feedback::MoveCloser,
        amount: |i| level(0.85, i),
        // Scale 0.5: eyes ~37 px apart, under the live profile's 40.
        reported_from: 0.5,
        // Scale under 0.3: a face under ~60 px may be missed at the detector's 0.9 threshold.
        lost_from: 0.7,
        apply: |img, a| if a > 0.0 { shrunk(img, 1.0 - a) } else { img.clone() },
    },
    Sequence {
        name: "blur (sigma 4 -> 0)",
        defect: Feedback::Blurry,
        amount: |i| level(4.0, i),
        // On a 150 px face the live profile's Sharpness limit (20) is crossed near sigma 2.
        reported_from: 2.3,
        lost_from: f32::INFINITY,
        apply: |img, a| if a > 0.0 { imageops::blur(img, a) } else { img.clone() },
    },
    Sequence {
        name: "roll (30 -> 0 degrees)",
        defect: Feedback::StraightenHead,
        amount: |i| level(30.0, i),
        // The live profile allows 15 degrees; 20 leaves room for the landmarks' error.
        reported_from: 20.0,
        lost_from: f32::INFINITY,
        apply: |img, a| if a > 0.0 { rotated(img, a) } else { img.clone() },
    },
    Sequence {
        name: "dark (brightness 0.1 -> 1)",
        defect: Feedback::TooDark,
        amount: |i| level(0.9, i),
        reported_from: 0.75,
        lost_from: f32::INFINITY,
        apply: |img, a| if a > 0.0 { darkened(img, 1.0 - a) } else { img.clone() },
    },
];

fn names(bits: u64) -> String {
    Feedback::in_set(bits).map(Feedback::name).collect::<Vec<_>>().join("|")
}

fn line(f: &Frame, amount: f32) -> String {
    let q = f.face.as_ref().map_or(String::from("-"), |t| format!("{:.1}", t.quality.q100));
    format!(
        "  {:>2} amount {amount:>5.2}  {:<10} q100 {q:>5}  best {}  {}",
        f.index,
        f.state.name(),
        u8::from(f.is_best),
        names(f.feedback)
    )
}

#[test]
fn synthetic_sequences_name_the_defect_then_capture_a_clean_frame() {
    if !have_cache() {
        return;
    }
    let model = model();
    let mut wrong = Vec::new();
    for photo in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"] {
        let clean = clean_frame(&model, photo);
        // What the clean frame itself raises (by the single-image call) is not
        // the sequence's defect and does not block here, nor does the pose,
        // which no sequence varies (obama3's yaw sits at the live profile's
        // 20 degrees, so LOOK_STRAIGHT flickers with the landmarks); the q100
        // threshold sits below the clean frame's own, so clean frames pass by construction.
        let own = model.assess(&serfiq_core::Face { image: view(&clean), landmarks: None }).unwrap();
        let own_bits = own.components.feedback;
        let options = CaptureOptions {
            blocking_feedback: !(own_bits | Feedback::LookStraight.bit()),
            min_q100: (own.quality.q100 * 0.8).min(CaptureOptions::default().min_q100),
            ..Default::default()
        };
        println!(
            "{photo}: clean frame q100 {:.1}, raises {:?}; capture threshold {:.1}",
            own.quality.q100,
            names(own_bits),
            options.min_q100
        );
        for seq in &SEQUENCES {
            if own_bits & seq.defect.bit() != 0 {
                wrong.push(format!("{photo}: the clean frame already raises {}", seq.defect.name()));
                continue;
            }
            let mut capture = Capture::new(&model, options).unwrap();
            println!("{photo}, {}:", seq.name);
            let mut last = None;
            let mut last_defect = None;
            for i in 0..STEPS + CLEAN {
                let a = (seq.amount)(i);
                let img = (seq.apply)(&clean, a);
                let f = capture.push(&view(&img), i as i64 * 33).unwrap();
                println!("{}", line(&f, a));
                let what = format!("{photo}, {}, frame {i}", seq.name);
                if f.face.is_none() && a < seq.lost_from {
                    wrong.push(format!("{what}: no face"));
                }
                if f.face.is_some() && a >= seq.reported_from && f.feedback & seq.defect.bit() == 0 {
                    wrong.push(format!("{what}: {} not raised", seq.defect.name()));
                }
                if f.feedback & seq.defect.bit() != 0 {
                    last_defect = Some(i as u64);
                }
                if i >= STEPS && f.feedback & seq.defect.bit() != 0 {
                    wrong.push(format!("{what}: {} raised on a clean frame", seq.defect.name()));
                }
                last = Some(f);
            }
            if last.unwrap().state != State::Captured {
                wrong.push(format!("{photo}, {}: the last frame is not CAPTURED", seq.name));
            }
            // The best frame comes after the defect was last reported, without it, captured.
            let after = |b: &serfiq_core::capture::Best| last_defect.is_none_or(|d| b.index > d);
            match capture.best() {
                Some(b) if after(b) && b.feedback & seq.defect.bit() == 0 && b.state == State::Captured => {
                    assert_eq!((b.crop.width, b.crop.height), model.input_size());
                    println!("  best frame {} ({}, q100 {:.1})", b.index, b.state.name(), b.face.quality.q100);
                }
                Some(b) => wrong.push(format!("{photo}, {}: best frame {} ({})", seq.name, b.index, b.state.name())),
                None => wrong.push(format!("{photo}, {}: no best frame", seq.name)),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_second_person_starts_a_new_track_and_never_inherits_the_best_frame() {
    if !have_cache() {
        return;
    }
    let model = model();
    let (a, b) = (clean_frame(&model, "obama.jpg"), clean_frame(&model, "biden.jpg"));
    // Only identity matters here: every face is good enough to capture.
    let options = CaptureOptions { blocking_feedback: 0, min_q100: 0.0, ..Default::default() };
    let mut capture = Capture::new(&model, options).unwrap();
    println!("obama for 10 frames, then biden in the same place:");
    for i in 0..20u64 {
        let f = capture.push(&view(if i < 10 { &a } else { &b }), i as i64 * 33).unwrap();
        let t = f.face.as_ref().expect("a face in every frame");
        println!("{}  track {}  similarity {:.3}  overlap {:.3}", line(&f, 0.0), t.track, t.similarity, t.overlap);
        assert_eq!(t.track, if i < 10 { 1 } else { 2 }, "frame {i}");
        assert_eq!(f.new_track, i == 0 || i == 10, "frame {i}");
        let best = capture.best().unwrap();
        if i >= 10 {
            assert!(
                best.index >= 10 && best.face.track == 2,
                "frame {i}: best frame {} is the first person's",
                best.index
            );
        }
    }
    assert_eq!(capture.best().unwrap().state, State::Captured);
    capture.reset();
    assert!(capture.best().is_none());
    let f = capture.push(&view(&b), 0).unwrap();
    assert_eq!((f.index, f.face.unwrap().track, f.new_track), (0, 1, true), "reset starts over");
}

#[test]
fn bad_inputs_are_refused_and_leave_the_capture_as_it_was() {
    if !have_cache() {
        return;
    }
    let model = model();
    let bad = CaptureOptions { steady_frames: 0, ..Default::default() };
    let e = Capture::new(&model, bad).err().unwrap();
    assert!(e.message.contains("steady_frames"), "{}", e.message);
    for (name, o) in [
        ("min_q100", CaptureOptions { min_q100: f32::NAN, ..Default::default() }),
        ("max_motion", CaptureOptions { max_motion: 0.0, ..Default::default() }),
        ("track_context", CaptureOptions { track_context: 100.0, ..Default::default() }),
        ("track_side", CaptureOptions { track_side: 4, ..Default::default() }),
        ("min_overlap", CaptureOptions { min_overlap: 1.0, ..Default::default() }),
        ("jump_similarity", CaptureOptions { jump_similarity: 2.0, ..Default::default() }),
    ] {
        let e = o.validate().unwrap_err();
        assert!(e.message.contains(name), "{}", e.message);
    }
    let without = Model::new(&options(&default_model())).unwrap();
    assert!(Capture::new(&without, CaptureOptions::default()).err().unwrap().message.contains("detector"));
    let mut capture = Capture::new(&model, CaptureOptions::default()).unwrap();
    let frame = clean_frame(&model, "obama.jpg");
    capture.push(&view(&frame), 100).unwrap();
    let e = capture.push(&view(&frame), 99).unwrap_err();
    assert_eq!(e.kind, serfiq_core::ErrorKind::InvalidArgument);
    let f = capture.push(&view(&frame), 100).unwrap();
    assert_eq!(f.index, 1, "the refused frame was not counted");
    // A blank frame: no face, SEARCHING with NO_FACE; the best frame stays.
    let blank = RgbImage::from_pixel(W, H, Rgb([90, 90, 90]));
    let f = capture.push(&view(&blank), 200).unwrap();
    assert_eq!((f.state, f.feedback), (State::Searching, Feedback::NoFace.bit()));
    assert!(capture.best().is_some());
}

/// Every frame of a video as packed RGB through ffmpeg; `None` (after saying
/// so) when ffmpeg is not installed.
fn decode(path: &std::path::Path, w: u32, h: u32) -> Option<Vec<RgbImage>> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vf", &format!("scale={w}:{h}"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output();
    let out = match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipping: ffmpeg is not installed");
            return None;
        }
        r => r.unwrap(),
    };
    assert!(out.status.success(), "ffmpeg failed: {}", String::from_utf8_lossy(&out.stderr));
    let size = (w * h * 3) as usize;
    Some(out.stdout.chunks_exact(size).map(|c| RgbImage::from_raw(w, h, c.to_vec()).unwrap()).collect())
}

/// Mean absolute grey difference between two frames (every 4th pixel).
fn difference(a: &RgbImage, b: &RgbImage) -> f64 {
    let grey = |p: &Rgb<u8>| (p[0] as f64 + p[1] as f64 + p[2] as f64) / 3.0;
    let pairs = a.pixels().zip(b.pixels()).step_by(4);
    let (sum, n) = pairs.fold((0.0, 0usize), |(s, n), (p, q)| (s + (grey(p) - grey(q)).abs(), n + 1));
    sum / n as f64
}

#[test]
fn the_real_clip_follows_the_speaker_and_never_merges_the_crowd_into_his_track() {
    if !have_cache() {
        return;
    }
    let Some(clip) = shared_data("video/short_hamilton_clip.mp4") else { return };
    let Some(frames) = decode(&clip, 640, 360) else { return };
    let model = model();
    // Scene cuts, independently of the capture: frame-to-frame change far above
    // the motion inside a shot (measured: 28-30 at the three cuts, at most 14 within a shot).
    let diffs: Vec<f64> = frames.windows(2).map(|p| difference(&p[0], &p[1])).collect();
    let cuts: Vec<usize> = (1..frames.len()).filter(|&i| diffs[i - 1] > 20.0).collect();
    println!("{} frames, scene cuts before frames {cuts:?}", frames.len());
    assert!(cuts.len() >= 2, "the clip has cuts to the audience and back");
    let mut capture = Capture::new(&model, CaptureOptions::default()).unwrap();
    let mut tracks = Vec::new();
    let mut cpu = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let start = std::time::Instant::now();
        let r = capture.push(&view(f), (i as f64 * 1000.0 / 30.0) as i64).unwrap();
        cpu.push(start.elapsed().as_secs_f64() * 1e3);
        tracks.push(r.face.as_ref().map(|t| t.track));
        if let Some(b) = capture.best().filter(|_| cuts.contains(&(i + 1))) {
            println!(
                "before the cut at {}: best frame {} (track {}, {}, q100 {:.2})",
                i + 1,
                b.index,
                b.face.track,
                b.state.name(),
                b.face.quality.q100
            );
        }
        if r.new_track || i % 30 == 0 {
            println!("{}", line(&r, 0.0));
        }
    }
    // Scenes: [0, cut1), [cut1, cut2), ...; no track may appear in two of them.
    let bounds: Vec<usize> = std::iter::once(0).chain(cuts.iter().copied()).chain([frames.len()]).collect();
    let scenes: Vec<std::ops::Range<usize>> = bounds.windows(2).map(|b| b[0]..b[1]).collect();
    let ids = |r: &std::ops::Range<usize>| -> std::collections::BTreeSet<u32> {
        tracks[r.clone()].iter().flatten().copied().collect()
    };
    for (k, a) in scenes.iter().enumerate() {
        println!("scene {a:?}: tracks {:?}", ids(a));
        for b in &scenes[k + 1..] {
            assert!(ids(a).is_disjoint(&ids(b)), "scenes {a:?} and {b:?} share a track");
        }
    }
    // The longest scene is the speaker's medium shot: one track follows him
    // through it, a face in nearly every frame.
    let shot = scenes.iter().max_by_key(|r| r.len()).unwrap().clone();
    let mut count = std::collections::BTreeMap::new();
    for t in tracks[shot.clone()].iter().flatten() {
        *count.entry(*t).or_insert(0usize) += 1;
    }
    let (main, n) = count.iter().max_by_key(|(_, n)| **n).map(|(t, n)| (*t, *n)).unwrap();
    println!("speaker's shot {shot:?}: track {main} in {n} of {} frames", shot.len());
    assert!(n * 100 >= shot.len() * 95, "the speaker's track covers {n} of {} frames", shot.len());
    let best = capture.best().unwrap();
    cpu.sort_by(f64::total_cmp);
    println!(
        "best frame {} (track {}, {}, q100 {:.2}); per-frame wall time median {:.1} ms",
        best.index,
        best.face.track,
        best.state.name(),
        best.face.quality.q100,
        cpu[cpu.len() / 2]
    );
}
