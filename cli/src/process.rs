//! Decoding images and running them through the model in batches; the
//! library decides how each face is found and reports each image's result.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use image::{ImageReader, RgbImage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serfiq_core::{Detection, Error, ErrorKind, Face, ImageView, Landmarks, Model, PixelFormat, Quality, Route, Want};

use crate::inputs::{io_reason, LandmarkFile};
use crate::output::{FaceRow, Printer, Row};

/// Show a progress bar from this many images on (on a terminal only).
const PROGRESS_MIN_IMAGES: usize = 21;

/// A decoded image, with its landmarks when the `--landmarks` file has an entry for it.
pub struct Prepared {
    pub rgb: RgbImage,
    pub landmarks: Option<Landmarks>,
}

impl Prepared {
    pub fn view(&self) -> ImageView<'_> {
        let (w, h) = self.rgb.dimensions();
        // A decoded RgbImage is always a valid packed RGB image.
        ImageView::packed(self.rgb.as_raw(), w, h, PixelFormat::Rgb).expect("a decoded image is a valid view")
    }

    /// The image as the library takes it; the library decides how its face is found.
    pub fn face(&self) -> Face<'_> {
        Face { image: self.view(), landmarks: self.landmarks }
    }
}

/// How to process the images.
pub struct RunConfig<'a> {
    pub landmarks: Option<&'a LandmarkFile>,
    pub want: Want,
    /// Every face found (`--faces all`) rather than the one the policy picks.
    pub all_faces: bool,
    /// Images per model run.
    pub batch: usize,
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

/// Decodes an image and attaches its landmarks from the `--landmarks` file,
/// when it has an entry there.
pub fn prepare(path: &Path, landmarks: Option<&LandmarkFile>) -> Result<Prepared, String> {
    let rgb = decode(path)?;
    let landmarks = match landmarks.and_then(|f| f.lookup(path)) {
        Some(Ok(points)) => Some(*points),
        Some(Err(e)) => return Err(format!("bad landmarks entry: {e}")),
        None => None,
    };
    Ok(Prepared { rgb, landmarks })
}

/// Why an image failed, in the library's words; where the library could not
/// place the face (no landmarks, not a crop, no detector), the flags that help.
pub fn reason(e: &Error) -> String {
    match e.kind {
        ErrorKind::InvalidImage => format!(
            "{}; pass --landmarks FILE, or --detector PATH (`make fetch` puts a detector in the cache)",
            e.message
        ),
        _ => e.message.clone(),
    }
}

/// A face that was scored (or embedded).
#[derive(Debug, Clone)]
pub struct Found {
    /// Its index among the faces of the image (0 when there is one).
    pub index: usize,
    /// What the detector found, when the detector found it.
    pub detection: Option<Detection>,
    /// The landmarks it was aligned by; `None` for an aligned crop.
    pub landmarks: Option<Landmarks>,
    /// `None` when only the embedding was asked for.
    pub quality: Option<Quality>,
    /// Empty unless the embedding was asked for.
    pub embedding: Vec<f32>,
}

impl Found {
    /// This face in `prep`'s image, aligned as it was scored.
    pub fn face<'a>(&self, prep: &'a Prepared) -> Face<'a> {
        Face { image: prep.view(), landmarks: self.landmarks }
    }
}

/// What one decoded image gives: its faces, or why it has none.
pub type Outcome = Result<Vec<Found>, String>;

/// The face the library picks in each image (`--faces one`), all in one
/// `run_each` call: a bad image gets its reason, the others their results.
pub fn score_each(model: &Model, preps: &[&Prepared], want: Want) -> Vec<Result<Found, String>> {
    if preps.is_empty() {
        return Vec::new();
    }
    let faces: Vec<Face> = preps.iter().map(|p| p.face()).collect();
    let results = match model.run_each(&faces, want) {
        Ok(results) => results,
        // The call as a whole failed: every image failed with it.
        Err(e) => return vec![Err(reason(&e)); preps.len()],
    };
    results
        .into_iter()
        .zip(preps)
        .map(|(r, p)| {
            let r = r.map_err(|e| reason(&e))?;
            Ok(Found {
                index: 0,
                detection: r.detection,
                landmarks: r.detection.map(|d| d.landmarks).or(p.landmarks),
                quality: r.quality,
                embedding: r.embedding,
            })
        })
        .collect()
}

/// Every face the detector finds in `prep` (`--faces all`), or `None` when
/// it finds none (or cannot run): the single-face path then gives the reason.
fn every_face(model: &Model, prep: &Prepared, want: Want) -> Option<Outcome> {
    let found = model.detect_score(&prep.view(), want).ok().filter(|f| !f.is_empty())?;
    let found = found.into_iter().enumerate().map(|(index, f)| Found {
        index,
        detection: Some(f.detection),
        landmarks: Some(f.detection.landmarks),
        quality: (want != Want::Embedding).then_some(f.quality),
        embedding: f.embedding,
    });
    Some(Ok(found.collect()))
}

/// Each image's faces, or why it has none, in input order. With `--faces
/// all`, the photos that go to the detector get every face it finds; every
/// other image is scored as with `--faces one`.
fn outcomes(model: &Model, prepared: &[Result<Prepared, String>], cfg: &RunConfig) -> Vec<Outcome> {
    let mut out: Vec<Option<Outcome>> = prepared
        .iter()
        .map(|p| match p {
            Err(reason) => Some(Err(reason.clone())),
            Ok(p) if cfg.all_faces && model.route(&p.face()) == Route::Detector => every_face(model, p, cfg.want),
            Ok(_) => None,
        })
        .collect();
    let single: Vec<(usize, &Prepared)> = prepared
        .iter()
        .enumerate()
        .filter(|(i, _)| out[*i].is_none())
        .filter_map(|(i, p)| Some((i, p.as_ref().ok()?)))
        .collect();
    let preps: Vec<&Prepared> = single.iter().map(|(_, p)| *p).collect();
    for ((i, _), found) in single.iter().zip(score_each(model, &preps, cfg.want)) {
        out[*i] = Some(found.map(|f| vec![f]));
    }
    out.into_iter().map(|o| o.unwrap_or_else(|| Err("no result from the model".to_string()))).collect()
}

pub fn progress_bar(n: usize) -> ProgressBar {
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

/// Called once per decoded image with its outcome, for what goes to files
/// (crops, annotated photos). An error is reported against the image.
pub type Extras<'a> = dyn FnMut(&Path, &Prepared, &Outcome) -> Result<(), String> + 'a;

/// Processes all images, `cfg.batch` at a time, printing the good ones in
/// input order and reporting the bad ones on stderr. Returns how many images
/// were bad (could not be decoded, had no face, or a face failed).
pub fn run_all<W: Write>(
    model: &Model,
    images: &[PathBuf],
    cfg: &RunConfig,
    printer: &mut Printer<W>,
    extras: &mut Extras,
) -> std::io::Result<usize> {
    let bar = progress_bar(images.len());
    let report = |path: &Path, reason: &str| bar.suspend(|| eprintln!("serfiq: {}: {reason}", path.display()));
    let mut bad = 0;
    for paths in images.chunks(cfg.batch.max(1)) {
        let prepared: Vec<Result<Prepared, String>> = paths.iter().map(|p| prepare(p, cfg.landmarks)).collect();
        for ((path, prep), outcome) in paths.iter().zip(&prepared).zip(outcomes(model, &prepared, cfg)) {
            let mut failed = false;
            let shown = path.to_string_lossy();
            match &outcome {
                Ok(found) => {
                    for f in found {
                        print(printer, &shown, f, cfg.all_faces)?;
                    }
                }
                Err(reason) => {
                    report(path, reason);
                    failed = true;
                }
            }
            // Files are written for every image that could be decoded.
            if let Err(reason) = prep.as_ref().map_or(Ok(()), |prep| extras(path, prep, &outcome)) {
                report(path, &reason);
                failed = true;
            }
            bad += usize::from(failed);
        }
        printer.flush()?;
        bar.inc(paths.len() as u64);
    }
    bar.finish_and_clear();
    Ok(bad)
}

/// Prints a face's row: its embedding, or its quality (with where it is,
/// for `--faces all`).
fn print<W: Write>(printer: &mut Printer<W>, path: &str, f: &Found, all_faces: bool) -> std::io::Result<()> {
    match f.quality {
        None => printer.row(path, &Row::Embedding(&f.embedding)),
        Some(quality) if all_faces => {
            let row = FaceRow {
                face: f.index,
                bbox: f.detection.map(|d| d.bbox),
                landmarks: f.landmarks,
                confidence: f.detection.map(|d| d.confidence),
                quality,
            };
            printer.row(path, &Row::Face(&row))
        }
        Some(q) => printer.row(path, &Row::Score(q)),
    }
}
