//! Decoding images and running them through the model in batches; the
//! library decides how each face is found and reports each image's result.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use image::RgbImage;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serfiq_core::{
    AssessedFace, Components, Detection, Error, ErrorKind, Face, ImageView, Landmarks, Model, PixelFormat, Quality,
    Route, Want,
};

use crate::decode::Opened;
use crate::inputs::LandmarkFile;
use crate::output::{FaceRow, Printer, Row};
use crate::show;

/// Show a progress bar from this many images on (on a terminal only).
const PROGRESS_MIN_IMAGES: usize = 21;

pub use crate::decode::{open, MAX_HELD_PIXELS};

/// A decoded image, with its landmarks when the `--landmarks` file has an entry for it.
pub struct Prepared {
    pub rgb: RgbImage,
    pub landmarks: Option<Landmarks>,
}

impl Prepared {
    /// The image as the library takes it (the library's own checks apply).
    pub fn view(&self) -> Result<ImageView<'_>, String> {
        let (w, h) = self.rgb.dimensions();
        ImageView::packed(self.rgb.as_raw(), w, h, PixelFormat::Rgb).map_err(|e| reason(&e))
    }

    /// The image as the library takes it; the library decides how its face is found.
    pub fn face(&self) -> Result<Face<'_>, String> {
        Ok(Face { image: self.view()?, landmarks: self.landmarks })
    }
}

/// How to process the images.
pub struct RunConfig<'a> {
    pub landmarks: Option<&'a LandmarkFile>,
    pub want: Want,
    /// Every face found (`--faces all`) rather than the one the policy picks.
    pub all_faces: bool,
    /// Quality components and feedback of each face (`--components`).
    pub components: bool,
    /// Images per model run.
    pub batch: usize,
}

/// The landmarks of `path` in the `--landmarks` file, when it has an entry for it.
fn landmarks_of(path: &Path, landmarks: Option<&LandmarkFile>) -> Result<Option<Landmarks>, String> {
    match landmarks.and_then(|f| f.lookup(path)) {
        Some(Ok(points)) => Ok(Some(*points)),
        Some(Err(e)) => Err(format!("bad landmarks entry: {e}")),
        None => Ok(None),
    }
}

/// Decodes an image and attaches its landmarks from the `--landmarks` file,
/// when it has an entry there.
pub fn prepare(path: &Path, landmarks: Option<&LandmarkFile>) -> Result<Prepared, String> {
    let rgb = open(path)?.decode()?;
    Ok(Prepared { rgb, landmarks: landmarks_of(path, landmarks)? })
}

/// Decoded pixels that may be held at once, shared by the workers that decode.
pub struct Budget {
    free: Mutex<u64>,
    freed: Condvar,
}

impl Budget {
    pub fn new() -> Budget {
        Budget { free: Mutex::new(MAX_HELD_PIXELS), freed: Condvar::new() }
    }

    fn try_take(&self, n: u64) -> bool {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let ok = *free >= n;
        if ok {
            *free -= n;
        }
        ok
    }

    /// Waits until `n` (at most [`MAX_HELD_PIXELS`]) are free. Only a worker
    /// that holds nothing waits, so the others always can give back.
    fn take(&self, n: u64) {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free < n {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= n;
    }

    pub fn give(&self, n: u64) {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        *free += n;
        self.freed.notify_all();
    }
}

/// Images decoded for one model run, with their indices among the inputs.
pub struct Batch {
    pub images: Vec<(usize, Result<Prepared, String>)>,
    /// Pixels taken from the budget: give them back once the batch is done.
    pub held: u64,
}

/// Forms batches: at most `cfg.batch` images, and no more decoded pixels than
/// the budget allows. An image that does not fit starts the next batch.
#[derive(Default)]
pub struct Batcher {
    carry: Option<(usize, Result<Opened, String>)>,
}

impl Batcher {
    /// The next batch of `paths`, taking indices from `next`; empty when there are no more.
    pub fn next(
        &mut self,
        paths: &[PathBuf],
        next: &mut dyn FnMut() -> Option<usize>,
        cfg: &RunConfig,
        budget: &Budget,
    ) -> Batch {
        let mut batch = Batch { images: Vec::new(), held: 0 };
        while batch.images.len() < cfg.batch.max(1) {
            let (i, opened) = match self.carry.take() {
                Some(c) => c,
                None => match next() {
                    Some(i) => (i, open(&paths[i])),
                    None => break,
                },
            };
            let need = opened.as_ref().map_or(0, Opened::pixels);
            if batch.held == 0 {
                budget.take(need);
            } else if !budget.try_take(need) {
                self.carry = Some((i, opened));
                break;
            }
            batch.held += need;
            let prep = opened
                .and_then(Opened::decode)
                .and_then(|rgb| Ok(Prepared { rgb, landmarks: landmarks_of(&paths[i], cfg.landmarks)? }));
            batch.images.push((i, prep));
        }
        batch
    }
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
    /// With `--components`.
    pub components: Option<Components>,
}

impl Found {
    fn assessed(index: usize, a: AssessedFace) -> Found {
        Found {
            index,
            detection: a.detection,
            landmarks: Some(a.landmarks),
            quality: Some(a.quality),
            embedding: Vec::new(),
            components: Some(a.components),
        }
    }

    /// This face in `prep`'s image, aligned as it was scored.
    pub fn face<'a>(&self, prep: &'a Prepared) -> Result<Face<'a>, String> {
        Ok(Face { image: prep.view()?, landmarks: self.landmarks })
    }
}

/// What one decoded image gives: its faces, or why it has none.
pub type Outcome = Result<Vec<Found>, String>;

/// The face the library picks in each image (`--faces one`), all in one
/// `run_each` call: a bad image gets its reason, the others their results.
pub fn score_each(model: &Model, preps: &[&Prepared], want: Want) -> Vec<Result<Found, String>> {
    // An image the library does not take as it is fails on its own.
    let mut out: Vec<Option<Result<Found, String>>> = vec![None; preps.len()];
    let mut faces = Vec::with_capacity(preps.len());
    let mut index = Vec::with_capacity(preps.len());
    for (i, p) in preps.iter().enumerate() {
        match p.face() {
            Ok(face) => {
                faces.push(face);
                index.push(i);
            }
            Err(reason) => out[i] = Some(Err(reason)),
        }
    }
    if !faces.is_empty() {
        match model.run_each(&faces, want) {
            Ok(results) => {
                for (r, &i) in results.into_iter().zip(&index) {
                    out[i] = Some(r.map_err(|e| reason(&e)).map(|r| Found {
                        index: 0,
                        detection: r.detection,
                        landmarks: r.detection.map(|d| d.landmarks).or(preps[i].landmarks),
                        quality: r.quality,
                        embedding: r.embedding,
                        components: None,
                    }));
                }
            }
            // The call as a whole failed: every image in it failed with it.
            Err(e) => index.iter().for_each(|&i| out[i] = Some(Err(reason(&e)))),
        }
    }
    out.into_iter().map(|o| o.unwrap_or_else(|| Err("no result from the model".to_string()))).collect()
}

/// Every face the detector finds in `prep` (`--faces all`), or `None` when
/// it finds none (or cannot run): the single-face path then gives the reason.
fn every_face(model: &Model, prep: &Prepared, want: Want) -> Option<Outcome> {
    let found = model.detect_score(&prep.view().ok()?, want).ok().filter(|f| !f.is_empty())?;
    let found = found.into_iter().enumerate().map(|(index, f)| Found {
        index,
        detection: Some(f.detection),
        landmarks: Some(f.detection.landmarks),
        quality: (want != Want::Embedding).then_some(f.quality),
        embedding: f.embedding,
        components: None,
    });
    Some(Ok(found.collect()))
}

/// Each image's faces, or why it has none, in input order. With `--faces
/// all`, the photos that go to the detector get every face it finds; every
/// other image is scored as with `--faces one`.
fn outcomes(model: &Model, prepared: &[Result<Prepared, String>], cfg: &RunConfig) -> Vec<Outcome> {
    if cfg.components {
        return prepared.iter().map(|p| assess(model, p.as_ref().map_err(Clone::clone)?, cfg.all_faces)).collect();
    }
    let mut out: Vec<Option<Outcome>> = prepared
        .iter()
        .map(|p| match p {
            Err(reason) => Some(Err(reason.clone())),
            Ok(p) => match p.face() {
                Err(reason) => Some(Err(reason)),
                Ok(face) if cfg.all_faces && model.route(&face) == Route::Detector => every_face(model, p, cfg.want),
                Ok(_) => None,
            },
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

/// One image's faces with their components and feedback: the face the
/// library picks, or with `all_faces` every face the detector finds (a photo
/// without any then gets the single-face reason).
fn assess(model: &Model, prep: &Prepared, all_faces: bool) -> Outcome {
    let face = prep.face()?;
    if all_faces && model.route(&face) == Route::Detector {
        let found = model.detect_assess(&face.image).map_err(|e| reason(&e))?;
        if !found.is_empty() {
            return Ok(found.into_iter().enumerate().map(|(i, a)| Found::assessed(i, a)).collect());
        }
    }
    Ok(vec![Found::assessed(0, model.assess(&face).map_err(|e| reason(&e))?)])
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

/// Processes all images, `cfg.batch` at a time (fewer when the batch would
/// hold more than [`MAX_HELD_PIXELS`] decoded pixels), printing the good ones
/// in input order and reporting the bad ones on stderr, one line each.
/// Returns how many images were bad (could not be decoded, had no face, or a
/// face failed).
pub fn run_all<W: Write>(
    model: &Model,
    images: &[PathBuf],
    cfg: &RunConfig,
    printer: &mut Printer<W>,
    extras: &mut Extras,
) -> std::io::Result<usize> {
    let bar = progress_bar(images.len());
    let report = |path: &Path, reason: &str| bar.suspend(|| eprintln!("{}", problem(path, reason)));
    let mut bad = 0;
    let (budget, mut batcher, mut taken) = (Budget::new(), Batcher::default(), 0..images.len());
    loop {
        let batch = batcher.next(images, &mut || taken.next(), cfg, &budget);
        if batch.images.is_empty() {
            break;
        }
        let (paths, prepared): (Vec<usize>, Vec<Result<Prepared, String>>) = batch.images.into_iter().unzip();
        let paths: Vec<&PathBuf> = paths.into_iter().map(|i| &images[i]).collect();
        for ((path, prep), outcome) in paths.iter().zip(&prepared).zip(outcomes(model, &prepared, cfg)) {
            let mut failed = false;
            match &outcome {
                Ok(found) => {
                    for f in found {
                        print(printer, path, f, cfg.all_faces)?;
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
        drop(prepared);
        budget.give(batch.held);
        printer.flush()?;
        bar.inc(paths.len() as u64);
    }
    bar.finish_and_clear();
    Ok(bad)
}

/// Prints a face's row: its embedding, or its quality (with where it is,
/// for `--faces all`).
fn print<W: Write>(printer: &mut Printer<W>, path: &Path, f: &Found, all_faces: bool) -> std::io::Result<()> {
    match f.quality {
        None => printer.row(path, &Row::Embedding(&f.embedding)),
        Some(quality) if all_faces => {
            let row = FaceRow {
                face: f.index,
                bbox: f.detection.map(|d| d.bbox),
                landmarks: f.landmarks,
                confidence: f.detection.map(|d| d.confidence),
                quality,
                components: f.components,
            };
            printer.row(path, &Row::Face(&row))
        }
        Some(q) => match &f.components {
            Some(c) => printer.row(path, &Row::Assessed(q, c)),
            None => printer.row(path, &Row::Score(q)),
        },
    }
}

/// The line that reports a bad input on stderr: `serfiq: PATH: reason`, the
/// path and the reason escaped (`show`), so it is one line that moves nothing.
pub fn problem(path: &Path, reason: &str) -> String {
    format!("serfiq: {}: {}", show::path(path), show::text(reason))
}
