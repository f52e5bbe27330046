//! `serfiq bench --capture VIDEO`: what a frame of the camera loop costs
//! (tracking: detection in the region around the face + align + score +
//! components) against full-frame detection + align + score + components
//! (`Model::assess`) on every frame, one thread, on the video at its own size
//! and scaled to 1280x720.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use serfiq_core::{Capture, CaptureOptions, Face, ImageView, Model, Options, PixelFormat};

use crate::bench_photos::{median, thread_cpu};
use crate::frames::Source;
use crate::{load, show, Fatal};

/// Per-frame [wall, thread CPU] milliseconds of one way of processing a clip.
#[derive(Default)]
struct Times {
    all: Vec<[f64; 2]>,
    /// Frames where only the region around the followed face was searched.
    tracked: Vec<[f64; 2]>,
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, [f64; 2]) {
    let (start, cpu) = (Instant::now(), thread_cpu());
    let out = f();
    (out, [start.elapsed().as_secs_f64() * 1e3, (thread_cpu() - cpu) * 1e3])
}

fn stat(v: &[[f64; 2]], k: usize) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let col: Vec<f64> = v.iter().map(|t| t[k]).collect();
    (median(col.clone()), col.iter().sum::<f64>() / col.len() as f64)
}

/// Both ways over every frame of `video` (scaled to `size`), interleaved frame by frame.
fn clip(
    model: &Model,
    options: CaptureOptions,
    video: &Path,
    size: Option<(u32, u32)>,
) -> Result<(Times, Times, (u32, u32)), Fatal> {
    let source = Source::open(video, 30.0, size).map_err(|e| Fatal(format!("{}: {e}", show::path(video))))?;
    let mut capture = Capture::new(model, options).map_err(|e| Fatal(e.message))?;
    let (mut tracking, mut full) = (Times::default(), Times::default());
    let mut dims = (0, 0);
    for frame in source {
        let frame = frame.map_err(|e| Fatal(show::text(&e)))?;
        dims = frame.rgb.dimensions();
        let view = ImageView::packed(frame.rgb.as_raw(), dims.0, dims.1, PixelFormat::Rgb)
            .map_err(|e| Fatal(e.message.clone()))?;
        let (pushed, t) = timed(|| capture.push(&view, frame.timestamp_ms));
        let f = pushed.map_err(|e| Fatal(format!("{}: {}", frame.name, e.message)))?;
        tracking.all.push(t);
        let (scored, t) = timed(|| model.assess(&Face { image: view, landmarks: None }));
        full.all.push(t);
        // Steady state: the same frames for both ways.
        if f.face.is_some() && !f.full_search && scored.is_ok() {
            tracking.tracked.push(tracking.all[tracking.all.len() - 1]);
            full.tracked.push(t);
        }
    }
    Ok((tracking, full, dims))
}

pub fn run(opts: &Options, capture: CaptureOptions, video: &Path) -> Result<ExitCode, Fatal> {
    if opts.detector.is_none() {
        return Err(Fatal("--capture needs the face detector (--detector or the cached one)".to_string()));
    }
    let model = load(&Options {
        intra_threads: 1,
        max_sessions: 1,
        feedback_profile: Some("live".to_string()),
        ..opts.clone()
    })?;
    println!(
        "serfiq bench --capture {}: ms per frame, one thread; capture = tracking (region search) with a full \
         search when lost and every {} frames; full = detect the whole frame + align + score + components on every frame",
        show::path(video),
        capture.redetect_frames
    );
    println!(
        "capture options: track_context {}, track_side {}, redetect_ms {}",
        capture.track_context, capture.track_side, capture.redetect_ms
    );
    println!(
        "{:>9} {:>6} {:>7}  {:>24}  {:>24}  {:>24}",
        "frame", "frames", "tracked", "capture, tracked frames", "full, same frames", "capture / full, all frames"
    );
    println!(
        "{:>9} {:>6} {:>7}  {:>24}  {:>24}  {:>24}",
        "", "", "", "median cpu (wall)", "median cpu (wall)", "mean cpu"
    );
    for size in [None, Some((1280, 720))] {
        let (tracking, full, (w, h)) = clip(&model, capture, video, size)?;
        let (tc, _) = stat(&tracking.tracked, 1);
        let (tw, _) = stat(&tracking.tracked, 0);
        let (fc, _) = stat(&full.tracked, 1);
        let (fw, _) = stat(&full.tracked, 0);
        let (_, tmean) = stat(&tracking.all, 1);
        let (_, fmean) = stat(&full.all, 1);
        println!(
            "{:>9} {:>6} {:>7}  {:>24}  {:>24}  {:>24}",
            format!("{w}x{h}"),
            tracking.all.len(),
            tracking.tracked.len(),
            format!("{tc:.1} ({tw:.1})"),
            format!("{fc:.1} ({fw:.1})"),
            format!("{tmean:.1} / {fmean:.1}"),
        );
    }
    Ok(ExitCode::SUCCESS)
}
