//! What `score` writes besides its table: the aligned crops (`--save-crops`)
//! and the annotated photos (`--annotate`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use image::RgbImage;
use serfiq_core::{Detection, Feedback, Model};

use crate::annotate::{self, Mark};
use crate::inputs::{has_image_extension, io_reason};
use crate::process::{reason, Found, Outcome, Prepared};

/// Where `--annotate` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnotateTo {
    /// One image: this file (its extension picks PNG or JPEG).
    File(PathBuf),
    /// Several: `NAME.png` in this folder.
    Dir(PathBuf),
}

impl AnnotateTo {
    /// A path with an image extension is a file, and then takes one image; anything
    /// else is a folder.
    pub fn choose(out: &Path, images: usize) -> Result<AnnotateTo, String> {
        if out.is_dir() || !has_image_extension(out) {
            return Ok(AnnotateTo::Dir(out.to_path_buf()));
        }
        if images > 1 {
            return Err(format!(
                "--annotate {}: {images} images need a folder to be annotated into, not one file",
                crate::show::path(out)
            ));
        }
        Ok(AnnotateTo::File(out.to_path_buf()))
    }
}

/// File names handed out so far in one folder; a repeated name gets `_2`, `_3`, ...
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    fn unique(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut k = 1;
        while !self.0.insert(name.clone()) {
            k += 1;
            name = format!("{base}_{k}");
        }
        name
    }
}

pub struct Extras {
    crops: Option<PathBuf>,
    annotate: Option<AnnotateTo>,
    all_faces: bool,
    crop_names: Names,
    annotate_names: Names,
    /// The input images' real paths: no output is ever written onto one.
    inputs: HashSet<PathBuf>,
}

/// Where `p` really is: links resolved, or for a file not there yet, its
/// folder's real path joined with its name.
fn real(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            std::fs::canonicalize(dir).map_or_else(|_| p.to_path_buf(), |d| d.join(name))
        }
        _ => p.to_path_buf(),
    })
}

fn stem(path: &Path) -> String {
    path.file_stem().map_or_else(|| "image".to_string(), |s| s.to_string_lossy().into_owned())
}

fn create_dir(dir: &Path) -> Result<(), String> {
    let dangling = std::fs::metadata(dir).is_err() && std::fs::symlink_metadata(dir).is_ok();
    if dangling {
        return Err(format!(
            "cannot create the folder {}: it is a symbolic link to a missing folder",
            crate::show::path(dir)
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the folder {}: {}", crate::show::path(dir), io_reason(&e)))
}

/// A free `NAME.png` in `dir` from `names` that is not one of `inputs`, and
/// the names skipped because they were inputs.
fn output_path(names: &mut Names, dir: &Path, base: &str, inputs: &HashSet<PathBuf>) -> (PathBuf, Vec<PathBuf>) {
    let mut skipped = Vec::new();
    loop {
        let p = dir.join(format!("{}.png", names.unique(base)));
        if !inputs.contains(&real(&p)) {
            return (p, skipped);
        }
        skipped.push(p);
    }
}

/// Says on stderr that an output was renamed so as not to overwrite an input.
fn say_renamed(skipped: &[PathBuf], wrote: &Path) {
    if let Some(first) = skipped.first() {
        eprintln!(
            "serfiq: {}: is an input image and is never written over; wrote {} instead",
            crate::show::path(first),
            crate::show::path(wrote)
        );
    }
}

fn save(img: &RgbImage, path: &Path) -> Result<(), String> {
    img.save(path).map_err(|e| format!("cannot write {}: {e}", crate::show::path(path)))
}

impl Extras {
    /// Creates the output folders up front, so a bad path fails before any
    /// work. An `--annotate` file that is one of `inputs` is refused; in a
    /// folder, an output whose name is an input's gets the next free name.
    pub fn new(
        crops: Option<PathBuf>,
        annotate: Option<AnnotateTo>,
        all_faces: bool,
        inputs: &[PathBuf],
    ) -> Result<Extras, String> {
        let inputs: HashSet<PathBuf> = inputs.iter().map(|p| real(p)).collect();
        if let Some(AnnotateTo::File(f)) = &annotate {
            if inputs.contains(&real(f)) {
                return Err(format!(
                    "--annotate {}: that is an input image, which serfiq never writes over; name another file",
                    crate::show::path(f)
                ));
            }
        }
        if let Some(dir) = &crops {
            create_dir(dir)?;
        }
        match &annotate {
            Some(AnnotateTo::Dir(dir)) => create_dir(dir)?,
            Some(AnnotateTo::File(f)) => {
                if let Some(parent) = f.parent().filter(|p| !p.as_os_str().is_empty()) {
                    create_dir(parent)?;
                }
            }
            None => {}
        }
        Ok(Extras {
            crops,
            annotate,
            all_faces,
            crop_names: Names::default(),
            annotate_names: Names::default(),
            inputs,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.crops.is_none() && self.annotate.is_none()
    }

    /// Writes the crops and the annotated photo of one image.
    pub fn image(&mut self, model: &Model, path: &Path, prep: &Prepared, outcome: &Outcome) -> Result<(), String> {
        let found: &[Found] = outcome.as_deref().unwrap_or_default();
        if let Some(dir) = &self.crops {
            for f in found {
                let crop = model.aligned_crop(&f.face(prep)?).map_err(|e| reason(&e))?;
                let img = RgbImage::from_raw(crop.width, crop.height, crop.rgb)
                    .ok_or_else(|| "the aligned crop has the wrong size".to_string())?;
                let base = if self.all_faces { format!("{}_face{}", stem(path), f.index) } else { stem(path) };
                let (out, skipped) = output_path(&mut self.crop_names, dir, &base, &self.inputs);
                say_renamed(&skipped, &out);
                save(&img, &out)?;
            }
        }
        if let Some(to) = &self.annotate {
            let mut marks: Vec<Mark> = found
                .iter()
                .map(|f| Mark {
                    bbox: f.detection.map(|d| d.bbox),
                    landmarks: f.landmarks,
                    quality: f.quality,
                    index: self.all_faces.then_some(f.index),
                    notes: f
                        .components
                        .map_or_else(Vec::new, |c| Feedback::in_set(c.feedback).map(|k| k.message()).collect()),
                })
                .collect();
            if !self.all_faces {
                marks.extend(unscored(model, prep, found)?);
            }
            let mut img = prep.rgb.clone();
            annotate::draw(&mut img, &marks, outcome.as_ref().err().map(String::as_str));
            let out = match to {
                AnnotateTo::File(f) => f.clone(),
                AnnotateTo::Dir(dir) => {
                    let (out, skipped) = output_path(&mut self.annotate_names, dir, &stem(path), &self.inputs);
                    say_renamed(&skipped, &out);
                    out
                }
            };
            save(&img, &out)?;
        }
        Ok(())
    }
}

/// The other faces the detector sees in a photo where it found the scored
/// one, drawn in grey.
fn unscored(model: &Model, prep: &Prepared, found: &[Found]) -> Result<Vec<Mark>, String> {
    let scored: Vec<Detection> = found.iter().filter_map(|f| f.detection).collect();
    if scored.is_empty() {
        return Ok(Vec::new());
    }
    let all = model.detect(&prep.view()?).map_err(|e| reason(&e))?;
    Ok(all
        .into_iter()
        .filter(|d| !scored.contains(d))
        .map(|d| Mark {
            bbox: Some(d.bbox),
            landmarks: Some(d.landmarks),
            quality: None,
            index: None,
            notes: Vec::new(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_get_a_number() {
        let mut n = Names::default();
        assert_eq!(n.unique("a"), "a");
        assert_eq!(n.unique("a"), "a_2");
        assert_eq!(n.unique("a"), "a_3");
        assert_eq!(n.unique("b"), "b");
    }

    #[test]
    fn outputs_never_take_an_input_name() {
        let dir = crate::inputs::tests::scratch_dir("no-overwrite");
        let input = dir.join("a.png");
        std::fs::write(&input, b"photo").unwrap();
        let via_dot = dir.join(".").join("a.png");
        let e = Extras::new(None, Some(AnnotateTo::File(via_dot)), false, std::slice::from_ref(&input));
        assert!(e.err().unwrap().contains("never writes over"));
        let inputs: HashSet<PathBuf> = [real(&input)].into();
        let mut names = Names::default();
        let (out, skipped) = output_path(&mut names, &dir, "a", &inputs);
        assert_eq!((out, skipped), (dir.join("a_2.png"), vec![dir.join("a.png")]));
        assert_eq!(output_path(&mut names, &dir, "b", &inputs).0, dir.join("b.png"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_as_the_crops_folder_is_named_as_such() {
        let dir = crate::inputs::tests::scratch_dir("dangling-crops");
        let link = dir.join("crops");
        std::os::unix::fs::symlink(dir.join("missing"), &link).unwrap();
        let e = Extras::new(Some(link), None, false, &[]).err().unwrap();
        assert!(e.contains("symbolic link to a missing folder") && !e.contains("File exists"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn annotate_target_is_a_file_for_one_image_only() {
        let dir = crate::inputs::tests::scratch_dir("annotate-to");
        assert_eq!(AnnotateTo::choose(Path::new("out.png"), 1), Ok(AnnotateTo::File("out.png".into())));
        assert_eq!(AnnotateTo::choose(Path::new("out.JPG"), 0), Ok(AnnotateTo::File("out.JPG".into())));
        assert!(AnnotateTo::choose(Path::new("out.png"), 2).unwrap_err().contains("2 images need a folder"));
        assert_eq!(AnnotateTo::choose(Path::new("shots"), 1), Ok(AnnotateTo::Dir("shots".into())));
        assert_eq!(AnnotateTo::choose(&dir, 3), Ok(AnnotateTo::Dir(dir.clone())));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
