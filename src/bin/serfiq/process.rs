//! Decoding images and running them through the model in batches.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use image::{ImageReader, RgbImage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serfiq::align::{landmark_transform, InputSpec};
use serfiq::{Error, Face, ImageView, Landmarks, Model, PixelFormat, Want};

use crate::inputs::{io_reason, LandmarkFile};
use crate::output::{Printer, Row};

/// Show a progress bar from this many images on (on a terminal only).
const PROGRESS_MIN_IMAGES: usize = 21;

/// An image ready for the model.
struct Prepared {
    rgb: RgbImage,
    landmarks: Option<Landmarks>,
}

/// Where the landmarks come from, for `prepare` and its error messages.
pub struct LandmarkSource<'a> {
    pub file: Option<(&'a Path, &'a LandmarkFile)>,
}

/// Reads and decodes an image as 8-bit RGB. EXIF orientation is not applied:
/// landmarks refer to the pixels as stored.
fn decode(path: &Path) -> Result<RgbImage, String> {
    let reader = ImageReader::open(path).map_err(|e| format!("cannot read: {}", io_reason(&e)))?;
    let reader = reader.with_guessed_format().map_err(|e| format!("cannot read: {}", io_reason(&e)))?;
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return Err("the file is empty".to_string());
    }
    let image = reader.decode().map_err(|e| format!("cannot decode image: {}", one_line(&e.to_string())))?;
    Ok(image.into_rgb8())
}

/// Decoder messages may span lines; a report is one line per image.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes an image and decides how it is aligned: with its landmarks when it
/// has some, else as a ready crop when it has the model's input size. Checks
/// the landmarks here so a bad one never fails a whole batch.
fn prepare(path: &Path, spec: &InputSpec, lm: &LandmarkSource) -> Result<Prepared, String> {
    let rgb = decode(path)?;
    let (w, h) = rgb.dimensions();
    let landmarks = match lm.file.and_then(|(_, f)| f.lookup(path)) {
        Some(Ok(points)) => Some(*points),
        Some(Err(e)) => return Err(format!("bad landmarks entry: {e}")),
        None if (w, h) == (spec.width, spec.height) => None,
        None => {
            let hint = match lm.file {
                Some((file, _)) => format!("{} has no entry for it", file.display()),
                None => "pass them with --landmarks FILE".to_string(),
            };
            return Err(format!(
                "image is {w}x{h}, not an aligned {}x{} face crop, and has no landmarks ({hint})",
                spec.width, spec.height
            ));
        }
    };
    let view = ImageView::packed(rgb.as_raw(), w, h, PixelFormat::Rgb).map_err(|e| e.message)?;
    if let Some(points) = &landmarks {
        landmark_transform(spec, &view, points).map_err(|e| format!("bad landmarks: {}", e.message))?;
    }
    Ok(Prepared { rgb, landmarks })
}

fn face(p: &Prepared) -> Result<Face<'_>, Error> {
    let (w, h) = p.rgb.dimensions();
    Ok(Face { image: ImageView::packed(p.rgb.as_raw(), w, h, PixelFormat::Rgb)?, landmarks: p.landmarks })
}

/// One result per image: the quality or the embedding.
enum Output {
    Score(serfiq::Quality),
    Embedding(Vec<f32>),
}

/// Splits a batch's outputs per image.
fn split(out: serfiq::Outputs, want: Want, n: usize) -> Vec<Output> {
    match want {
        Want::Embedding => {
            let size = out.embeddings.len() / n.max(1);
            out.embeddings.chunks(size.max(1)).map(|e| Output::Embedding(e.to_vec())).collect()
        }
        _ => out.qualities.into_iter().map(Output::Score).collect(),
    }
}

/// Runs a batch; if it fails, runs its images one by one so that one bad image
/// does not cost the others their results.
fn run_batch(model: &Model, batch: &[&Prepared], want: Want) -> Vec<Result<Output, String>> {
    let faces: Result<Vec<Face>, Error> = batch.iter().map(|p| face(p)).collect();
    if let Ok(out) = faces.and_then(|faces| model.run(&faces, want)) {
        return split(out, want, batch.len()).into_iter().map(Ok).collect();
    }
    batch
        .iter()
        .map(|p| {
            let out = face(p).and_then(|f| model.run(&[f], want)).map_err(single_image_message)?;
            Ok(split(out, want, 1).remove(0))
        })
        .collect()
}

/// The library prefixes per-image errors with their index in the batch,
/// which means nothing to the user when the batch is one image.
fn single_image_message(e: Error) -> String {
    e.message.strip_prefix("image 0: ").map(str::to_string).unwrap_or(e.message)
}

fn progress_bar(n: usize) -> ProgressBar {
    if n < PROGRESS_MIN_IMAGES {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} images, {elapsed} (eta {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

/// Processes all images in batches of `batch`, printing the good ones in input
/// order and reporting the bad ones on stderr. Returns how many were bad.
pub fn run_all<W: Write>(
    model: &Model,
    images: &[PathBuf],
    lm: &LandmarkSource,
    want: Want,
    batch: usize,
    printer: &mut Printer<W>,
) -> std::io::Result<usize> {
    let bar = progress_bar(images.len());
    let report = |path: &Path, reason: &str| bar.suspend(|| eprintln!("serfiq: {}: {reason}", path.display()));
    let mut bad = 0;
    for paths in images.chunks(batch.max(1)) {
        let prepared: Vec<Result<Prepared, String>> =
            paths.iter().map(|p| prepare(p, model.input_spec(), lm)).collect();
        let good: Vec<&Prepared> = prepared.iter().filter_map(|r| r.as_ref().ok()).collect();
        let mut results = if good.is_empty() { Vec::new() } else { run_batch(model, &good, want) }.into_iter();
        for (path, prep) in paths.iter().zip(&prepared) {
            let result = match prep {
                Err(reason) => Err(reason.clone()),
                Ok(_) => results.next().unwrap_or_else(|| Err("no result from the model".to_string())),
            };
            let shown = path.to_string_lossy();
            match result {
                Ok(Output::Score(q)) => printer.row(&shown, &Row::Score(q))?,
                Ok(Output::Embedding(e)) => printer.row(&shown, &Row::Embedding(&e))?,
                Err(reason) => {
                    report(path, &reason);
                    bad += 1;
                }
            }
        }
        printer.flush()?;
        bar.inc(paths.len() as u64);
    }
    bar.finish_and_clear();
    Ok(bad)
}
