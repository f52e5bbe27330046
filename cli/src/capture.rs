//! `serfiq capture VIDEO|FOLDER_OF_FRAMES`: the camera loop over recorded
//! frames, one line per frame, the best face's crop written at the end.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use image::RgbImage;
use serfiq_core::capture::Frame;
use serfiq_core::{Capture, Feedback, ImageView, PixelFormat};

use crate::annotate::{self, Mark};
use crate::args::CaptureArgs;
use crate::frames::Source;
use crate::{load, settings, show, Fatal};

/// Names of the feedback codes set in `bits`, joined by `|`.
pub fn feedback_names(bits: u64) -> String {
    Feedback::in_set(bits).map(Feedback::name).collect::<Vec<_>>().join("|")
}

/// The text drawn on an annotated frame.
fn note(f: &Frame) -> String {
    match f.feedback {
        0 => f.state.name().to_string(),
        bits => format!("{}: {}", f.state.name(), feedback_names(bits)),
    }
}

fn csv_line(name: &str, f: &Frame, ts: i64) -> String {
    let (track, q100, bbox) = match &f.face {
        Some(t) => (
            format!("{},{:.3},{:.3}", t.track, t.similarity, t.overlap),
            format!("{:.2}", t.quality.q100),
            t.detection.bbox.map(|v| format!("{v:.1}")).join(","),
        ),
        None => (",,".to_string(), String::new(), ",,,".to_string()),
    };
    format!(
        "{},{},{},{ts},{},{track},{q100},{},{},{},{bbox}",
        f.index,
        crate::output::csv_field(name),
        f.state.name(),
        feedback_names(f.feedback),
        u8::from(f.is_best),
        u8::from(f.new_track),
        if f.full_search { "full" } else { "region" },
    )
}

/// A number, or null for NaN (JSON has no NaN).
fn finite(v: f32) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        serde_json::Value::Null
    }
}

fn json_line(name: &str, f: &Frame, ts: i64) -> String {
    let face = f.face.as_ref().map(|t| {
        serde_json::json!({
            "track": t.track,
            "box": t.detection.bbox,
            "landmarks": t.detection.landmarks,
            "s": t.quality.s, "q": t.quality.q, "f": t.quality.f, "q100": t.quality.q100,
            "motion": finite(t.motion),
            "similarity": finite(t.similarity),
            "overlap": finite(t.overlap),
        })
    });
    let feedback: Vec<&str> = Feedback::in_set(f.feedback).map(Feedback::name).collect();
    serde_json::json!({
        "frame": f.index, "name": name, "timestamp_ms": ts, "state": f.state.name(),
        "feedback": feedback, "face": face, "best": f.is_best, "new_track": f.new_track,
        "search": if f.full_search { "full" } else { "region" },
    })
    .to_string()
}

fn annotated(rgb: &RgbImage, f: &Frame) -> RgbImage {
    let mut img = rgb.clone();
    let marks: Vec<Mark> = f
        .face
        .iter()
        .map(|t| Mark {
            bbox: Some(t.detection.bbox),
            landmarks: Some(t.detection.landmarks),
            quality: Some(t.quality),
            index: Some(t.track as usize),
            notes: Vec::new(), // the state and its messages are drawn as the frame's note
        })
        .collect();
    annotate::draw(&mut img, &marks, Some(&note(f)));
    img
}

fn save(img: &RgbImage, path: &Path) -> Result<(), Fatal> {
    img.save(path).map_err(|e| Fatal(format!("cannot write {}: {}", show::path(path), show::text(&e.to_string()))))
}

pub fn run(a: &CaptureArgs) -> Result<ExitCode, Fatal> {
    if !(a.fps.is_finite() && a.fps > 0.0) {
        return Err(Fatal(format!("--fps must be above 0, got {}", a.fps)));
    }
    let options = a.capture.options();
    options.validate().map_err(|e| Fatal(show::text(&e.message)))?;
    if let Some(dir) = &a.annotate {
        std::fs::create_dir_all(dir)
            .map_err(|e| Fatal(format!("cannot create {}: {}", show::path(dir), crate::decode::io_reason(&e))))?;
    }
    let source = Source::open(&a.input, a.fps, None).map_err(|e| Fatal(format!("{}: {e}", show::path(&a.input))))?;
    let mut st = settings(&a.model, &a.detect, Some(&a.serfiq))?;
    st.opts.feedback_profile = Some(a.profile.clone());
    if st.opts.detector.is_none() {
        return Err(Fatal("capture needs the face detector (--detector or the cached one)".to_string()));
    }
    let model = load(&st.opts)?;
    let mut capture = Capture::new(&model, options).map_err(|e| Fatal(show::text(&e.message)))?;
    let mut out = BufWriter::new(io::stdout().lock());
    if !a.json {
        writeln!(
            out,
            "frame,name,state,timestamp_ms,feedback,track,similarity,overlap,q100,best,new_track,search,x0,y0,x1,y1"
        )?;
    }
    let mut bad = 0usize;
    for frame in source {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                eprintln!("serfiq: {}", show::text(&e));
                bad += 1;
                continue;
            }
        };
        let (w, h) = frame.rgb.dimensions();
        let pushed = ImageView::packed(frame.rgb.as_raw(), w, h, PixelFormat::Rgb)
            .and_then(|view| capture.push(&view, frame.timestamp_ms));
        let f = match pushed {
            Ok(f) => f,
            Err(e) => {
                eprintln!("serfiq: {}: {}", show::text(&frame.name), show::text(&e.message));
                bad += 1;
                continue;
            }
        };
        let line = if a.json {
            json_line(&frame.name, &f, frame.timestamp_ms)
        } else {
            csv_line(&frame.name, &f, frame.timestamp_ms)
        };
        match writeln!(out, "{line}") {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
            r => r?,
        }
        if let Some(dir) = &a.annotate {
            save(&annotated(&frame.rgb, &f), &dir.join(format!("{:06}.png", f.index)))?;
        }
    }
    out.flush()?;
    match capture.best() {
        Some(b) => {
            eprintln!(
                "serfiq: best frame {} (track {}, {}, q100 {:.2})",
                b.index,
                b.face.track,
                b.state.name(),
                b.face.quality.q100
            );
            if let Some(path) = &a.best {
                let crop = RgbImage::from_raw(b.crop.width, b.crop.height, b.crop.rgb.clone())
                    .ok_or_else(|| Fatal("the crop has the wrong size".to_string()))?;
                save(&crop, path)?;
            }
        }
        None => eprintln!("serfiq: no face was followed; no best frame"),
    }
    Ok(if bad > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
