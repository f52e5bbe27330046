//! Labelled image sets for `serfiq eval`: the images and which pairs of them
//! are genuine (same person) or impostor comparisons.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::inputs::{has_image_extension, io_reason};

/// Most impostor pairs (`--impostors`) and most genuine pairs kept from a
/// folder set: one folder of 20 000 images holds 2·10^8 genuine pairs, and
/// memory for all of them is refused. Above the bound a seeded sample is
/// kept and the description says so.
pub const MAX_PAIRS: usize = 10_000_000;
/// Most genuine pairs of a folder set (each costs about 60 bytes through the evaluation).
pub const MAX_GENUINE_PAIRS: usize = 1_000_000;

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
    let text = serfiq_core::files::read_regular_text(pairs)
        .map_err(|e| format!("cannot read the pairs file {}: {}", crate::show::path(pairs), io_reason(&e)))?;
    let mut set = Dataset::default();
    let mut seen = HashMap::new();
    let mut missing = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let bad = || {
            format!(
                "{}:{}: expected `NAME I J` or `NAME1 I NAME2 J`, got {}",
                crate::show::path(pairs),
                n + 1,
                crate::show::excerpt(line)
            )
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
/// every genuine pair (a uniform sample of [`MAX_GENUINE_PAIRS`] of them,
/// drawn with `seed`, when there are more), and `impostors` distinct impostor
/// pairs drawn with `seed`.
pub fn from_folders(root: &Path, impostors: usize, seed: u64) -> Result<Dataset, String> {
    let entries =
        std::fs::read_dir(root).map_err(|e| format!("cannot read {}: {}", crate::show::path(root), io_reason(&e)))?;
    let mut folders: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    folders.sort();
    let mut set = Dataset::default();
    let mut identity = Vec::new();
    // (first image, images) of each identity; the pairs are made afterwards, within the bound.
    let mut groups = Vec::new();
    for (id, folder) in folders.iter().enumerate() {
        let mut files: Vec<PathBuf> = WalkDir::new(folder)
            .follow_links(true)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file() && has_image_extension(e.path()))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        groups.push((set.images.len(), files.len()));
        identity.extend(std::iter::repeat_n(id, files.len()));
        set.images.extend(files);
    }
    if set.images.is_empty() {
        return Err(format!(
            "no images in folders under {} (expected one folder per identity)",
            crate::show::path(root)
        ));
    }
    let total = groups.iter().map(|&(_, k)| pairs_of(k)).sum::<u64>();
    let genuine = if total <= MAX_GENUINE_PAIRS as u64 {
        set.genuine = groups
            .iter()
            .flat_map(|&(first, k)| (1..k).flat_map(move |b| (0..b).map(move |a| (first + a, first + b))))
            .collect();
        "all genuine pairs".to_string()
    } else {
        set.genuine = sample_genuine_pairs(&groups, total, MAX_GENUINE_PAIRS, seed);
        format!("{} of the {total} genuine pairs sampled with seed {seed}", set.genuine.len())
    };
    set.impostor = crate::edc::sample_impostor_pairs(&identity, impostors, seed);
    set.description = format!(
        "{} identities (folders) under {}: {genuine}, {} impostor pairs sampled with seed {seed}",
        folders.len(),
        crate::show::path(root),
        set.impostor.len()
    );
    Ok(set)
}

/// Pairs among `k` images.
fn pairs_of(k: usize) -> u64 {
    let k = k as u64;
    k * k.saturating_sub(1) / 2
}

/// `count` distinct genuine pairs drawn uniformly from all `total` of them
/// (`groups`: first image and size of each identity), in sorted order. Pair
/// number t of a group of k images is (a, b) with b(b − 1)/2 ≤ t < b(b + 1)/2.
fn sample_genuine_pairs(groups: &[(usize, usize)], total: u64, count: usize, seed: u64) -> Vec<(usize, usize)> {
    let mut starts = Vec::with_capacity(groups.len());
    let mut acc = 0u64;
    for &(_, k) in groups {
        starts.push(acc);
        acc += pairs_of(k);
    }
    let mut rng = serfiq_core::masks::SplitMix64::new(seed);
    let mut seen = std::collections::HashSet::with_capacity(count);
    while seen.len() < count {
        seen.insert(rng.next_u64() % total);
    }
    let mut out: Vec<(usize, usize)> = seen
        .into_iter()
        .map(|t| {
            let g = starts.partition_point(|&s| s <= t) - 1;
            let local = t - starts[g];
            let mut b = ((1.0 + (1.0 + 8.0 * local as f64).sqrt()) / 2.0) as u64;
            while b * (b - 1) / 2 > local {
                b -= 1;
            }
            while (b + 1) * b / 2 <= local {
                b += 1;
            }
            let a = local - b * (b - 1) / 2;
            (groups[g].0 + a as usize, groups[g].0 + b as usize)
        })
        .collect();
    out.sort_unstable();
    out
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
    fn a_big_folder_gives_a_bounded_uniform_sample_of_genuine_pairs() {
        // Issue 27: one folder of 20 000 images made 2·10^8 pairs before any
        // image was read. Here 1500 images (1 124 250 pairs) against the real bound.
        let d = temp("big");
        std::fs::create_dir_all(d.join("A")).unwrap();
        for i in 0..1500 {
            std::fs::write(d.join(format!("A/{i:04}.jpg")), b"").unwrap();
        }
        touch(&d.join("B/1.jpg"));
        let set = from_folders(&d, 10, 3).unwrap();
        assert_eq!(set.genuine.len(), MAX_GENUINE_PAIRS);
        assert!(
            set.description.contains("1000000 of the 1124250 genuine pairs sampled with seed 3"),
            "{}",
            set.description
        );
        assert!(set.genuine.iter().all(|&(a, b)| a < b && b < 1500), "pairs within folder A");
        assert!(set.genuine.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        // Uniform: about 1000000 / 1124250 of the pairs of image 0 (1499 of them) are drawn.
        let with0 = set.genuine.iter().filter(|p| p.0 == 0).count() as f64;
        assert!((with0 / 1499.0 - 1e6 / 1_124_250.0).abs() < 0.03, "{with0}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn the_genuine_sample_covers_every_group_and_maps_pairs_exactly() {
        // Groups of 3, 1 and 4 images: 3 + 0 + 6 = 9 pairs; a sample of all 9 is all of them.
        let groups = [(0, 3), (3, 1), (4, 4)];
        let all = sample_genuine_pairs(&groups, 9, 9, 5);
        let want = vec![(0, 1), (0, 2), (1, 2), (4, 5), (4, 6), (4, 7), (5, 6), (5, 7), (6, 7)];
        assert_eq!(all, want);
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
