//! Decoding images, finding their faces and running them through the model in batches.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use image::{ImageReader, RgbImage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serfiq_core::align::{aligned_rgb, landmark_transform, InputSpec};
use serfiq_core::{Detection, Error, Face, ImageView, Landmarks, Model, PixelFormat, Quality, Want};

use crate::inputs::{io_reason, LandmarkFile};
use crate::output::{FaceRow, Printer, Row};

/// Show a progress bar from this many images on (on a terminal only).
const PROGRESS_MIN_IMAGES: usize = 21;

/// One face to run through the model.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its index among the faces of the image (0 when there is one).
    pub face: usize,
    /// Landmarks it is aligned by; `None` for an aligned crop.
    pub landmarks: Option<Landmarks>,
    /// What the detector found, when it was found by the detector.
    pub detection: Option<Detection>,
}

/// A decoded image and the faces to score in it.
pub struct Prepared {
    pub rgb: RgbImage,
    pub jobs: Vec<Job>,
    /// Faces the detector found but that are not scored (`--faces one`).
    pub unscored: Vec<Detection>,
    /// Why nothing is scored (no face found); `jobs` is then empty.
    pub problem: Option<String>,
}

impl Prepared {
    /// The face `--faces one` scores, or why there is none.
    pub fn first_job(&self) -> Result<&Job, String> {
        match (&self.problem, self.jobs.first()) {
            (Some(problem), _) => Err(problem.clone()),
            (None, None) => Err("no face to score".to_string()),
            (None, Some(job)) => Ok(job),
        }
    }

    /// The face of `job` as the model sees it: aligned by its landmarks, or
    /// the image itself when it is already an aligned crop.
    pub fn crop(&self, job: &Job, spec: &InputSpec) -> Result<RgbImage, String> {
        match &job.landmarks {
            Some(lm) => {
                let rgb = aligned_rgb(spec, &self.view(), lm).map_err(|e| e.message)?;
                RgbImage::from_raw(spec.width, spec.height, rgb)
                    .ok_or_else(|| "the aligned crop has the wrong size".into())
            }
            None => Ok(self.rgb.clone()),
        }
    }

    pub fn view(&self) -> ImageView<'_> {
        let (w, h) = self.rgb.dimensions();
        // A decoded RgbImage is always a valid packed RGB image.
        ImageView::packed(self.rgb.as_raw(), w, h, PixelFormat::Rgb).expect("a decoded image is a valid view")
    }
}

/// Where the landmarks come from, for `prepare` and its error messages.
pub struct LandmarkSource<'a> {
    pub file: Option<(&'a Path, &'a LandmarkFile)>,
}

impl<'a> LandmarkSource<'a> {
    /// From what `LandmarkFile::load_option` read.
    pub fn of(loaded: &'a Option<(&'a Path, LandmarkFile)>) -> Self {
        LandmarkSource { file: loaded.as_ref().map(|(p, f)| (*p, f)) }
    }
}

/// How to process the images.
pub struct RunConfig<'a> {
    pub landmarks: LandmarkSource<'a>,
    pub want: Want,
    /// Every face found (`--faces all`) rather than the one the policy picks.
    pub all_faces: bool,
    /// Faces per model run.
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

/// Decodes an image and decides which faces to score and how to align them:
/// by its landmarks when it has some, as a ready crop when it has the model's
/// input size, else by the detector. Checks landmarks here so a bad one never
/// fails a whole batch.
pub fn prepare(path: &Path, model: &Model, cfg: &RunConfig) -> Result<Prepared, String> {
    let rgb = decode(path)?;
    let (w, h) = rgb.dimensions();
    let spec = model.input_spec();
    let mut prep = Prepared { rgb, jobs: Vec::new(), unscored: Vec::new(), problem: None };
    let file = cfg.landmarks.file;
    match file.and_then(|(_, f)| f.lookup(path)) {
        Some(Ok(points)) => {
            landmark_transform(spec, &prep.view(), points).map_err(|e| format!("bad landmarks: {}", e.message))?;
            prep.jobs.push(Job { face: 0, landmarks: Some(*points), detection: None });
        }
        Some(Err(e)) => return Err(format!("bad landmarks entry: {e}")),
        None if (w, h) == (spec.width, spec.height) => {
            prep.jobs.push(Job { face: 0, landmarks: None, detection: None })
        }
        None if model.has_detector() => {
            let mut found = model.detect(&prep.view()).map_err(|e| e.message)?;
            if found.is_empty() {
                let t = model.detector().map_or(0.0, |d| d.threshold());
                prep.problem = Some(format!("no face found (detector confidence threshold {t})"));
            } else if cfg.all_faces {
                prep.jobs = found
                    .iter()
                    .enumerate()
                    .map(|(i, d)| Job { face: i, landmarks: Some(d.landmarks), detection: Some(*d) })
                    .collect();
            } else {
                let rest = found.split_off(1);
                prep.jobs.push(Job { face: 0, landmarks: Some(found[0].landmarks), detection: Some(found[0]) });
                prep.unscored = rest;
            }
        }
        None => {
            let hint = match file {
                Some((file, _)) => format!("{} has no entry for it, and there is no face detector", file.display()),
                None => "pass them with --landmarks FILE, or let the face detector find the face \
                         (run `make fetch`, or pass --detector PATH)"
                    .to_string(),
            };
            return Err(format!(
                "image is {w}x{h}, not an aligned {}x{} face crop, and has no landmarks ({hint})",
                spec.width, spec.height
            ));
        }
    }
    Ok(prep)
}

/// One result per face: the quality or the embedding.
pub enum Output {
    Score(Quality),
    Embedding(Vec<f32>),
}

/// Splits a batch's outputs per face.
fn split(out: serfiq_core::Outputs, want: Want, n: usize) -> Vec<Output> {
    match want {
        Want::Embedding => {
            let size = out.embeddings.len() / n.max(1);
            out.embeddings.chunks(size.max(1)).map(|e| Output::Embedding(e.to_vec())).collect()
        }
        _ => out.qualities.into_iter().map(Output::Score).collect(),
    }
}

/// Runs a batch; if it fails, runs its faces one by one so that one bad face
/// does not cost the others their results.
fn run_batch(model: &Model, faces: &[Face], want: Want) -> Vec<Result<Output, String>> {
    if let Ok(out) = model.run(faces, want) {
        return split(out, want, faces.len()).into_iter().map(Ok).collect();
    }
    faces
        .iter()
        .map(|f| {
            let out = model.run(std::slice::from_ref(f), want).map_err(single_image_message)?;
            Ok(split(out, want, 1).remove(0))
        })
        .collect()
}

/// The library prefixes per-image errors with their index in the batch,
/// which means nothing to the user when the batch is one image.
pub fn single_image_message(e: Error) -> String {
    e.message.strip_prefix("image 0: ").map(str::to_string).unwrap_or(e.message)
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

/// Called once per decoded image with its faces' results, for what goes to
/// files (crops, annotated photos). An error is reported against the image.
pub type Extras<'a> = dyn FnMut(&Path, &Prepared, &[Result<Output, String>]) -> Result<(), String> + 'a;

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
        let prepared: Vec<Result<Prepared, String>> = paths.iter().map(|p| prepare(p, model, cfg)).collect();
        let faces: Vec<Face> = prepared
            .iter()
            .flatten()
            .flat_map(|p| p.jobs.iter().map(|j| Face { image: p.view(), landmarks: j.landmarks }))
            .collect();
        let mut results = Vec::with_capacity(faces.len());
        for part in faces.chunks(cfg.batch.max(1)) {
            results.extend(run_batch(model, part, cfg.want));
        }
        let mut results = results.into_iter();
        for (path, prep) in paths.iter().zip(&prepared) {
            let prep = match prep {
                Err(reason) => {
                    report(path, reason);
                    bad += 1;
                    continue;
                }
                Ok(p) => p,
            };
            let mine: Vec<Result<Output, String>> = prep
                .jobs
                .iter()
                .map(|_| results.next().unwrap_or_else(|| Err("no result from the model".to_string())))
                .collect();
            let mut failed = prep.problem.is_some();
            if let Some(problem) = &prep.problem {
                report(path, problem);
            }
            let shown = path.to_string_lossy();
            for (job, result) in prep.jobs.iter().zip(&mine) {
                match result {
                    Ok(Output::Embedding(e)) => printer.row(&shown, &Row::Embedding(e))?,
                    Ok(Output::Score(q)) if cfg.all_faces => {
                        let row = FaceRow {
                            face: job.face,
                            bbox: job.detection.map(|d| d.bbox),
                            landmarks: job.landmarks,
                            confidence: job.detection.map(|d| d.confidence),
                            quality: *q,
                        };
                        printer.row(&shown, &Row::Face(&row))?
                    }
                    Ok(Output::Score(q)) => printer.row(&shown, &Row::Score(*q))?,
                    Err(reason) if cfg.all_faces => {
                        report(path, &format!("face {}: {reason}", job.face));
                        failed = true;
                    }
                    Err(reason) => {
                        report(path, reason);
                        failed = true;
                    }
                }
            }
            if let Err(reason) = extras(path, prep, &mine) {
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
