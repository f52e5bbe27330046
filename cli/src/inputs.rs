//! Turning the command line's files and folders into a list of images, and
//! reading the landmarks file.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;
use serfiq_core::Landmarks;
use walkdir::WalkDir;

/// File extensions picked up when walking a folder (compared without case).
const IMAGE_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "png"];

/// The images to process in order, and the inputs that could not be used.
#[derive(Debug, Default)]
pub struct Inputs {
    pub images: Vec<PathBuf>,
    pub problems: Vec<(PathBuf, String)>,
}

pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Files are taken as given (whatever their extension: the decoder decides);
/// folders are expanded in place to their image files, sorted by path.
pub fn collect(args: &[PathBuf]) -> Inputs {
    let mut out = Inputs::default();
    for arg in args {
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => walk(arg, &mut out),
            Ok(_) => out.images.push(arg.clone()),
            Err(e) => out.problems.push((arg.clone(), io_reason(&e))),
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Inputs) {
    let mut found = Vec::new();
    // Symlinked folders are common in data sets; walkdir detects loops.
    for entry in WalkDir::new(dir).follow_links(true) {
        match entry {
            Ok(e) if e.file_type().is_file() && has_image_extension(e.path()) => found.push(e.into_path()),
            Ok(_) => {}
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let reason = e.io_error().map_or_else(|| e.to_string(), io_reason);
                out.problems.push((path, reason));
            }
        }
    }
    // Path order compares component by component, so a folder's files stay together.
    found.sort();
    out.images.extend(found);
}

pub use crate::decode::io_reason;

/// Landmarks per image from a JSON file like data/faces/landmarks.json.
/// A malformed entry is kept as its error, so only the image it belongs to fails.
#[derive(Debug, Default)]
pub struct LandmarkFile {
    entries: HashMap<PathBuf, Result<Landmarks, String>>,
}

impl LandmarkFile {
    /// The `--landmarks` file when one is given.
    pub fn load_option(path: Option<&Path>) -> Result<Option<Self>, String> {
        path.map(Self::load).transpose()
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = serfiq_core::files::read_regular_text(path)
            .map_err(|e| format!("cannot read the landmarks file {}: {}", crate::show::path(path), io_reason(&e)))?;
        Self::parse(&text).map_err(|e| format!("landmarks file {}: {e}", crate::show::path(path)))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let Value::Object(map) = value else {
            return Err("expected a JSON object mapping image paths to five [x, y] points".to_string());
        };
        let entries = map.iter().map(|(k, v)| (normalize(Path::new(k)), points(v))).collect();
        Ok(LandmarkFile { entries })
    }

    /// The entry for an image: by its path, else by its file name.
    pub fn lookup(&self, image: &Path) -> Option<&Result<Landmarks, String>> {
        self.entries
            .get(&normalize(image))
            .or_else(|| image.file_name().and_then(|name| self.entries.get(Path::new(name))))
    }
}

/// `./a//b.jpg` and `a/b.jpg` name the same file.
fn normalize(p: &Path) -> PathBuf {
    p.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

/// Five [x, y] number pairs.
fn points(v: &Value) -> Result<Landmarks, String> {
    let shape = || format!("landmarks must be five [x, y] points, got {v}");
    let list = v.as_array().filter(|a| a.len() == 5).ok_or_else(shape)?;
    let mut out = [[0.0f32; 2]; 5];
    for (slot, p) in out.iter_mut().zip(list) {
        let xy = p.as_array().filter(|a| a.len() == 2).ok_or_else(shape)?;
        for (c, n) in slot.iter_mut().zip(xy) {
            *c = n.as_f64().ok_or_else(shape)? as f32;
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fresh empty folder under the system temp folder.
    pub(crate) fn scratch_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("serfiq-cli-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn walking_picks_images_in_sorted_order_and_keeps_argument_order() {
        let root = scratch_dir("walk");
        for f in ["b/2.png", "b/1.JPG", "a.jpeg", "c/d/x.jpg", "notes.txt", "b/3.gif", "a0.Png"] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"").unwrap();
        }
        let single = root.join("notes.txt"); // named explicitly: taken whatever its extension
        let missing = root.join("missing.jpg");
        let got = collect(&[single.clone(), root.clone(), missing.clone()]);
        let rel: Vec<String> =
            got.images.iter().map(|p| p.strip_prefix(&root).unwrap().display().to_string()).collect();
        assert_eq!(rel, ["notes.txt", "a.jpeg", "a0.Png", "b/1.JPG", "b/2.png", "c/d/x.jpg"]);
        assert_eq!(got.problems.len(), 1);
        assert_eq!(got.problems[0].0, missing);
        assert!(got.problems[0].1.contains("No such file"), "{}", got.problems[0].1);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn landmarks_are_found_by_path_then_file_name() {
        let f = LandmarkFile::parse(
            r#"{"x.jpg": [[1,2],[3,4],[5,6],[7,8],[9,10.5]],
                "dir/y.jpg": [[1,1],[2,2],[3,3],[4,4],[5,5]],
                "y.jpg": [[0,0],[0,0],[0,0],[0,0],[0,0]]}"#,
        )
        .unwrap();
        let x = f.lookup(Path::new("some/where/x.jpg")).unwrap().as_ref().unwrap();
        assert_eq!(x[4], [9.0, 10.5]);
        // The full path wins over the bare file name, with or without "./".
        assert_eq!(f.lookup(Path::new("./dir/y.jpg")).unwrap().as_ref().unwrap()[1], [2.0, 2.0]);
        assert_eq!(f.lookup(Path::new("other/y.jpg")).unwrap().as_ref().unwrap()[1], [0.0, 0.0]);
        assert!(f.lookup(Path::new("z.jpg")).is_none());
    }

    #[test]
    fn malformed_landmarks_fail_only_their_entry_and_bad_files_fail_whole() {
        let f = LandmarkFile::parse(
            r#"{"a.jpg": [[1,2],[3,4]], "b.jpg": [[1,2],[3,4],[5,6],[7,8],[9,"x"]],
                                       "c.jpg": [[1,2],[3,4],[5,6],[7,8],[9,10]]}"#,
        )
        .unwrap();
        assert!(f.lookup(Path::new("a.jpg")).unwrap().as_ref().unwrap_err().contains("five [x, y]"));
        assert!(f.lookup(Path::new("b.jpg")).unwrap().is_err());
        assert!(f.lookup(Path::new("c.jpg")).unwrap().is_ok());
        assert!(LandmarkFile::parse("[1, 2]").unwrap_err().contains("JSON object"));
        assert!(LandmarkFile::parse("{").unwrap_err().contains("not valid JSON"));
    }
}
