//! Labelled image sets for `serfiq eval`: the images and which pairs of them
//! are genuine (same person) or impostor comparisons.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::inputs::{has_image_extension, io_reason};

/// Images and the comparisons between them (indices into `images`, i ≠ j).
#[derive(Debug, Default)]
pub struct Dataset {
    pub images: Vec<PathBuf>,
    pub genuine: Vec<(usize, usize)>,
    pub impostor: Vec<(usize, usize)>,
    /// Pairs-file entries whose image file does not exist (each counted once).
    pub missing: Vec<PathBuf>,
    /// Pairs dropped because an image was missing.
    pub dropped_pairs: usize,
    /// One line saying where the comparisons came from.
    pub description: String,
}

impl Dataset {
    /// Index of `path`, adding it on first sight.
    fn index(&mut self, seen: &mut HashMap<PathBuf, usize>, path: PathBuf) -> usize {
        *seen.entry(path.clone()).or_insert_with(|| {
            self.images.push(path);
            self.images.len() - 1
        })
    }
}

/// The file of image `number` of `name` (LFW: NAME/NAME_0001.jpg), or `None`
/// when no such file exists under any image extension.
fn lfw_image(root: &Path, name: &str, number: u32) -> Option<PathBuf> {
    ["jpg", "png", "jpeg"]
        .iter()
        .map(|ext| root.join(name).join(format!("{name}_{number:04}.{ext}")))
        .find(|p| p.is_file())
}

/// An LFW-style pairs file: an optional `FOLDS<TAB>N` header, then lines
/// `NAME I J` (genuine) and `NAME1 I NAME2 J` (impostor).
pub fn from_pairs(root: &Path, pairs: &Path) -> Result<Dataset, String> {
    let text = std::fs::read_to_string(pairs)
        .map_err(|e| format!("cannot read the pairs file {}: {}", crate::show::path(pairs), io_reason(&e)))?;
    let mut set = Dataset::default();
    let mut seen = HashMap::new();
    let mut missing = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let bad = || {
            format!("{}:{}: expected `NAME I J` or `NAME1 I NAME2 J`, got {line:?}", crate::show::path(pairs), n + 1)
        };
        let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
        let (a, b, genuine) = match f.len() {
            0 => continue,
            // The header: two numbers (folds and pairs per fold).
            2 if n == 0 && f.iter().all(|s| s.parse::<u32>().is_ok()) => continue,
            3 => ((f[0], num(f[1])?), (f[0], num(f[2])?), true),
            4 => ((f[0], num(f[1])?), (f[2], num(f[3])?), false),
            _ => return Err(bad()),
        };
        let (pa, pb) = (lfw_image(root, a.0, a.1), lfw_image(root, b.0, b.1));
        let (Some(pa), Some(pb)) = (pa.clone(), pb.clone()) else {
            for ((name, i), found) in [(a, pa.is_some()), (b, pb.is_some())] {
                if !found && missing.insert((name.to_string(), i)) {
                    set.missing.push(root.join(name).join(format!("{name}_{i:04}.jpg")));
                }
            }
            set.dropped_pairs += 1;
            continue;
        };
        let pair = (set.index(&mut seen, pa), set.index(&mut seen, pb));
        if pair.0 == pair.1 {
            return Err(format!("{}:{}: a pair of an image with itself", crate::show::path(pairs), n + 1));
        }
        if genuine {
            set.genuine.push(pair);
        } else {
            set.impostor.push(pair);
        }
    }
    set.description = format!("pairs from {}, images under {}", crate::show::path(pairs), crate::show::path(root));
    Ok(set)
}

/// One folder per identity under `root` (images found recursively in each):
/// every genuine pair, and `impostors` distinct impostor pairs drawn with `seed`.
pub fn from_folders(root: &Path, impostors: usize, seed: u64) -> Result<Dataset, String> {
    let entries =
        std::fs::read_dir(root).map_err(|e| format!("cannot read {}: {}", crate::show::path(root), io_reason(&e)))?;
    let mut folders: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    folders.sort();
    let mut set = Dataset::default();
    let mut identity = Vec::new();
    for (id, folder) in folders.iter().enumerate() {
        let mut files: Vec<PathBuf> = WalkDir::new(folder)
            .follow_links(true)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file() && has_image_extension(e.path()))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        let first = set.images.len();
        for (k, _) in files.iter().enumerate() {
            for j in 0..k {
                set.genuine.push((first + j, first + k));
            }
        }
        identity.extend(std::iter::repeat_n(id, files.len()));
        set.images.extend(files);
    }
    if set.images.is_empty() {
        return Err(format!(
            "no images in folders under {} (expected one folder per identity)",
            crate::show::path(root)
        ));
    }
    set.impostor = crate::edc::sample_impostor_pairs(&identity, impostors, seed);
    set.description = format!(
        "{} identities (folders) under {}: all genuine pairs, {} impostor pairs sampled with seed {seed}",
        folders.len(),
        crate::show::path(root),
        set.impostor.len()
    );
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("serfiq-dataset-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn pairs_file_genuine_impostor_and_missing() {
        let d = temp("pairs");
        for f in ["A/A_0001.jpg", "A/A_0002.jpg", "B/B_0001.jpg"] {
            touch(&d.join(f));
        }
        let pairs = d.join("pairs.txt");
        std::fs::write(&pairs, "1\t2\nA\t1\t2\nA 1 B 1\nA 1 C 3\n").unwrap();
        let set = from_pairs(&d, &pairs).unwrap();
        assert_eq!(set.images, vec![d.join("A/A_0001.jpg"), d.join("A/A_0002.jpg"), d.join("B/B_0001.jpg")]);
        assert_eq!(set.genuine, vec![(0, 1)]);
        assert_eq!(set.impostor, vec![(0, 2)]);
        assert_eq!((set.dropped_pairs, set.missing.len()), (1, 1));
        std::fs::write(&pairs, "A 1\n").unwrap();
        assert!(from_pairs(&d, &pairs).unwrap_err().contains(":1: expected"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn folders_give_all_genuine_pairs_and_seeded_impostors() {
        let d = temp("folders");
        for f in ["A/1.jpg", "A/2.jpg", "A/3.png", "B/1.jpg", "C/x/1.jpg", "C/notes.txt"] {
            touch(&d.join(f));
        }
        let set = from_folders(&d, 4, 9).unwrap();
        assert_eq!(set.images.len(), 5);
        assert_eq!(set.genuine, vec![(0, 1), (0, 2), (1, 2)]);
        assert_eq!(set.impostor.len(), 4);
        assert_eq!(set.impostor, from_folders(&d, 4, 9).unwrap().impostor);
        // Across identities only: A is 0..3, B is 3, C is 4.
        let id = [0, 0, 0, 1, 2];
        assert!(set.impostor.iter().all(|&(i, j)| id[i] != id[j]));
        std::fs::remove_dir_all(&d).unwrap();
    }
}
