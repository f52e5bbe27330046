//! `serfiq calibrate`: fits α and r of the mapping s → q to a sample of the
//! model's images (`serfiq_core::calibration::fit`) and writes them into a copy of
//! the model (`serfiq_core::calibration::write`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serfiq_core::calibration::{self, Fit};
use serfiq_core::masks::SplitMix64;
use serfiq_core::scale::{self, Scales};
use serfiq_core::{Model, Want};

use crate::args::CalibrateArgs;
use crate::inputs::{self, io_reason, LandmarkFile};
use crate::process::RunConfig;
use crate::Fatal;

/// Seed of the SplitMix64 stream that picks the sample when there are more
/// images than --max-images: the same images give the same sample.
pub const SAMPLE_SEED: u64 = 1;
/// Images per model run.
const BATCH: usize = 16;
/// Below this many scores the percentiles are rough; a warning says so.
const FEW: usize = 100;

pub fn run(a: &CalibrateArgs) -> Result<ExitCode, Fatal> {
    if a.max_images < 2 {
        return Err(Fatal(format!("--max-images must be at least 2, got {}", a.max_images)));
    }
    // Cheap checks first, so mistakes show before the model takes seconds to load.
    let landmarks = LandmarkFile::load_option(a.landmarks.as_deref()).map_err(Fatal)?;
    if let Some(out) = &a.out {
        check_writable_folder(out)?;
        check_target(out)?;
    }
    let found = inputs::collect(&a.inputs);
    for (path, reason) in &found.problems {
        eprintln!("{}", crate::process::problem(path, reason));
    }
    let total = found.images.len();
    let images = sample(found.images, a.max_images, SAMPLE_SEED);
    if images.is_empty() {
        return Err(Fatal("no images found (looked for *.jpg, *.jpeg and *.png files)".to_string()));
    }
    let mut settings = crate::settings(&a.model, &a.detect, None)?;
    crate::set_head(&mut settings.opts, &a.head);
    // With --out, the model is read once, within --max-model-bytes, and the
    // bytes the library checked (size, --model-sha256) are the bytes calibrated.
    let model_bytes = match &a.out {
        Some(_) => {
            let bytes = read_capped(&settings.model_path, settings.opts.max_model_bytes)?;
            settings.opts.model = serfiq_core::ModelSource::Bytes(bytes.clone());
            Some(bytes)
        }
        None => None,
    };
    let model = crate::load(&settings.opts)?;

    let cfg = RunConfig {
        landmarks: landmarks.as_ref(),
        want: Want::Score,
        all_faces: false,
        components: false,
        batch: BATCH,
    };
    let (pairs, l, skipped) = score_all(&model, &images, &cfg);
    let scores: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let bad = skipped + found.problems.len();
    let Some(fit) = calibration::fit(&scores) else {
        return Err(Fatal(format!(
            "cannot fit alpha and r: {} of {} images gave a score, and their 5th and 95th percentiles must differ",
            scores.len(),
            images.len()
        )));
    };
    let scales =
        scale::fit_scales(&pairs, &l).ok_or_else(|| Fatal("cannot fit the scales: a non-finite n or l".into()))?;
    if fit.n < FEW {
        eprintln!("serfiq: warning: only {} scores; the percentiles (and so alpha and r) are rough", fit.n);
    }

    let written = match (&a.out, &model_bytes) {
        (Some(out), Some(bytes)) => {
            let note = serde_json::json!({
                "rule": "r = median s, alpha = 2 ln 19 / (p95 - p5), percentiles by linear interpolation",
                "n": fit.n,
                "p5": fit.p5,
                "median": fit.median,
                "p95": fit.p95,
                "samples": model.samples(),
                "dropout": model.dropout(),
                "seed": model.seed(),
                "n_constant": !scales.n_usable(),
            });
            let calibrated = calibration::write_with(bytes, fit.alpha, fit.r, &scales, &note.to_string())
                .map_err(|e| Fatal(format!("cannot write the calibration: {}", e.message)))?;
            write_atomically(out, &calibrated)
                .map_err(|e| Fatal(format!("cannot write {}: {}", crate::show::path(out), io_reason(&e))))?;
            Some((out.clone(), sha256_hex(&calibrated)))
        }
        _ => None,
    };

    let report = Report {
        model_path: &settings.model_path,
        model: &model,
        total,
        used: images.len(),
        fit,
        scales,
        skipped: bad,
        written,
    };
    if a.json {
        let text = serde_json::to_string_pretty(&report.json()).map_err(|e| Fatal(e.to_string()))?;
        println!("{text}");
    } else {
        report.print_text()?;
    }
    Ok(if bad > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// At most `k` of `items`, chosen uniformly without replacement, in their
/// original order. A partial Fisher–Yates shuffle of the indices: for i in
/// 0..k, swap index i with index i + ⌊u·(n − i)⌋, u = `SplitMix64(seed).next_f64()`.
pub fn sample<T>(items: Vec<T>, k: usize, seed: u64) -> Vec<T> {
    let n = items.len();
    if n <= k {
        return items;
    }
    let mut rng = SplitMix64::new(seed);
    let mut index: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + (rng.next_f64() * (n - i) as f64) as usize;
        index.swap(i, j.min(n - 1));
    }
    let mut keep = vec![false; n];
    for &i in &index[..k] {
        keep[i] = true;
    }
    items.into_iter().zip(keep).filter_map(|(x, keep)| keep.then_some(x)).collect()
}

/// (s, n) of every image whose face could be scored, with l (empty without a
/// quality network); bad images are reported on stderr and counted.
fn score_all(model: &Model, images: &[PathBuf], cfg: &RunConfig) -> (Vec<(f64, f64)>, Vec<f64>, usize) {
    let (mut scores, mut l, mut bad) = (Vec::with_capacity(images.len()), Vec::new(), 0);
    let has_l = model.quality_input().is_some();
    for (path, m) in images.iter().zip(crate::measure::measure(model, images, cfg, false)) {
        match m {
            Ok(m) => {
                scores.push((m.s as f64, m.n as f64));
                if has_l {
                    l.push(m.l as f64);
                }
            }
            Err(reason) => {
                eprintln!("{}", crate::process::problem(path, &reason));
                bad += 1;
            }
        }
    }
    (scores, l, bad)
}

/// The model file, refused when it is larger than `max` bytes (read at most `max` + 1).
fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, Fatal> {
    use std::io::Read;
    let fail =
        |e: std::io::Error| Fatal(format!("cannot read the model {}: {}", crate::show::path(path), io_reason(&e)));
    let mut bytes = Vec::new();
    serfiq_core::files::open_regular(path)
        .and_then(|f| f.take(max.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(fail)?;
    if bytes.len() as u64 > max {
        return Err(Fatal(format!(
            "the model {} is more than the limit of {max} bytes (--max-model-bytes)",
            crate::show::path(path)
        )));
    }
    Ok(bytes)
}

/// Fails early when the folder `out` goes into does not exist.
fn check_writable_folder(out: &Path) -> Result<(), Fatal> {
    let dir = folder_of(out);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => {
            Err(Fatal(format!("cannot write {}: {} is not a folder", crate::show::path(out), crate::show::path(&dir))))
        }
        Err(e) => Err(Fatal(format!(
            "cannot write {}: {}: {}",
            crate::show::path(out),
            crate::show::path(&dir),
            io_reason(&e)
        ))),
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses an `--out` that exists (after following links) and is not a
/// regular file, e.g. a device or a FIFO (renaming over it would replace it
/// with a regular file), or that is a link to nothing. A new file is fine.
fn check_target(out: &Path) -> Result<(), Fatal> {
    let refuse = |why: &str| Err(Fatal(format!("cannot write {}: {why}", crate::show::path(out))));
    match std::fs::metadata(out) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) if m.is_dir() => refuse("it is a folder; --out names the calibrated model file"),
        Ok(_) => refuse("it exists and is not a regular file (a device, FIFO or socket); --out must name a regular file or a new one"),
        Err(_) if std::fs::symlink_metadata(out).is_ok() => {
            refuse("it is a symbolic link to a missing file; name the file itself")
        }
        Err(_) => Ok(()),
    }
}

/// Writes `bytes` to a new temporary file in `path`'s folder and renames it
/// over `path`, so readers see the old file or the new one, never a partial
/// one (`path` may be the model being calibrated). The temporary file has an
/// unpredictable name and is created exclusively (O_EXCL: a link planted in
/// the folder is never followed); it takes the mode of the file it replaces.
/// A symbolic link `path` is followed: its target is replaced, the link kept.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let existing = std::fs::metadata(&target).ok();
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let name = target.file_name().ok_or_else(|| std::io::Error::other("not a file name"))?;
    let (mut file, tmp) = create_temp(&folder_of(&target), &name.to_string_lossy(), existing.is_some())?;
    let result = (|| {
        if let Some(m) = &existing {
            file.set_permissions(m.permissions())?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A new file `.NAME.serfiq-tmp-RANDOM` in `dir`, created exclusively; owner-only
/// (`private`) until its mode is set, else with the usual mode under the umask.
fn create_temp(dir: &Path, name: &str, private: bool) -> std::io::Result<(std::fs::File, PathBuf)> {
    let mut last = None;
    for _ in 0..16 {
        let tmp = dir.join(format!(".{name}.serfiq-tmp-{:016x}", unpredictable()));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, if private { 0o600 } else { 0o666 });
        #[cfg(not(unix))]
        let _ = private;
        match open.open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file name was free")))
}

/// 64 bits no other process can guess: SipHash under the standard library's
/// per-process random keys, of the time and the process id.
fn unpredictable() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    h.write_u128(now.as_nanos());
    h.write_u32(std::process::id());
    h.finish()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// What `calibrate` prints.
struct Report<'a> {
    model_path: &'a Path,
    model: &'a Model,
    /// Images found, and how many of them were used (the sample).
    total: usize,
    used: usize,
    fit: Fit,
    /// Percentiles of s and n and the quantile tables of s and f.
    scales: Scales,
    skipped: usize,
    /// The calibrated model and its SHA-256.
    written: Option<(PathBuf, String)>,
}

impl Report<'_> {
    /// (name, s) of the points shown with their q and 0–100 score.
    fn points(&self) -> [(&'static str, f64); 3] {
        [("p5", self.fit.p5), ("median", self.fit.median), ("p95", self.fit.p95)]
    }

    fn json(&self) -> serde_json::Value {
        let f = &self.fit;
        let points: Vec<serde_json::Value> = self
            .points()
            .iter()
            .map(|&(name, s)| {
                let q = f.q(s);
                serde_json::json!({ "at": name, "s": s, "q": q, "scale_100": calibration::scale_100(q) })
            })
            .collect();
        serde_json::json!({
            "model": self.model_path,
            "images": self.total,
            "scored": f.n,
            "skipped": self.skipped,
            "sample_seed": SAMPLE_SEED,
            "samples": self.model.samples(),
            "dropout": self.model.dropout(),
            "seed": self.model.seed(),
            "alpha": f.alpha,
            "r": f.r,
            "p5": f.p5,
            "median": f.median,
            "p95": f.p95,
            "points": points,
            "n_percentiles": self.scales.n.map(|n| [n.p5, n.median, n.p95]),
            "n_constant": !self.scales.n_usable(),
            "s_quantiles": self.scales.s_table.as_ref().map(|t| t.values()),
            "f_quantiles": self.scales.f_table.as_ref().map(|t| t.values()),
            "l_percentiles": self.scales.l.map(|l| [l.p5, l.median, l.p95]),
            "fl_quantiles": self.scales.fl_table.as_ref().map(|t| t.values()),
            "out": self.written.as_ref().map(|(p, _)| p),
            "sha256": self.written.as_ref().map(|(_, h)| h),
        })
    }

    fn print_text(&self) -> std::io::Result<()> {
        let f = &self.fit;
        let mut o = std::io::stdout().lock();
        let images = if self.used < self.total {
            format!("{} of {} images (seeded random sample)", self.used, self.total)
        } else {
            format!("{} images", self.total)
        };
        writeln!(o, "{:<14} {}", "model:", crate::show::path(self.model_path))?;
        writeln!(o, "{:<14} {images}, {} scored, {} skipped", "sample:", f.n, self.skipped)?;
        writeln!(
            o,
            "{:<14} T = {}, p = {}, seed {} (calibrate with the settings you score with)",
            "settings:",
            self.model.samples(),
            self.model.dropout(),
            self.model.seed()
        )?;
        writeln!(o, "{:<14} p5 {:.5}, median {:.5}, p95 {:.5}", "s percentiles:", f.p5, f.median, f.p95)?;
        writeln!(o, "{:<14} {:?}  (2 ln 19 / (p95 - p5))", "alpha:", f.alpha)?;
        writeln!(o, "{:<14} {:?}  (the median s)", "r:", f.r)?;
        if let Some(l) = self.scales.l {
            writeln!(o, "{:<14} p5 {:.5}, median {:.5}, p95 {:.5}", "l percentiles:", l.p5, l.median, l.p95)?;
        }
        writeln!(o, "{:<14} {:>8} {:>8} {:>6}", "", "s", "q", "0-100")?;
        for (name, s) in self.points() {
            let q = f.q(s);
            writeln!(o, "  {name:<12} {s:>8.5} {q:>8.4} {:>6}", calibration::scale_100(q))?;
        }
        if let Some(n) = self.scales.n {
            let note = if self.scales.n_usable() { "" } else { "  (constant: f = s-hat)" };
            writeln!(o, "{:<14} p5 {:.5}, median {:.5}, p95 {:.5}{note}", "n percentiles:", n.p5, n.median, n.p95)?;
        }
        let deciles = |t: &Option<scale::Table>| -> String {
            let v = t.as_ref().map_or(&[][..], |t| t.values());
            v.iter().step_by(10).map(|x| format!("{x:.4}")).collect::<Vec<_>>().join(" ")
        };
        writeln!(o, "{:<14} {}", "s deciles:", deciles(&self.scales.s_table))?;
        writeln!(o, "{:<14} {}", "f deciles:", deciles(&self.scales.f_table))?;
        match &self.written {
            Some((path, sha)) => {
                writeln!(o, "{:<14} {}", "wrote:", crate::show::path(path))?;
                writeln!(o, "{:<14} {sha}", "sha256:")?;
            }
            None => writeln!(o, "(nothing written: pass --out PATH to write a calibrated model)")?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_temporary_file_follows_no_planted_link_and_the_mode_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = crate::inputs::tests::scratch_dir("atomic");
        let target = dir.join("model.onnx");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        // A link at the name the old code used (pid-based) and at a few more.
        let victim = dir.join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let planted = dir.join(format!(".model.onnx.serfiq-tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_atomically(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious", "the planted link was followed");
        let meta = std::fs::symlink_metadata(&target).unwrap();
        assert!(meta.file_type().is_file(), "--out is no longer a regular file");
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "the mode was not kept");
        // Nothing else is left behind but the planted link.
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 3, "{left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn targets_that_are_not_regular_files_are_refused() {
        let dir = crate::inputs::tests::scratch_dir("target");
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(check_target(&fifo).unwrap_err().0.contains("not a regular file"));
        assert!(write_atomically(&fifo, b"x").is_err());
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&std::fs::symlink_metadata(&fifo).unwrap().file_type()));
        assert!(check_target(Path::new("/dev/null")).unwrap_err().0.contains("not a regular file"));
        let dangling = dir.join("dangling");
        std::os::unix::fs::symlink(dir.join("missing"), &dangling).unwrap();
        assert!(check_target(&dangling).unwrap_err().0.contains("missing file"));
        assert!(check_target(&dir.join("new.onnx")).is_ok());
        std::fs::write(dir.join("old.onnx"), b"x").unwrap();
        assert!(check_target(&dir.join("old.onnx")).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sample_is_seeded_ordered_and_without_repeats() {
        let items: Vec<u32> = (0..100).collect();
        let a = sample(items.clone(), 10, SAMPLE_SEED);
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0] < w[1]), "{a:?}");
        assert_eq!(a, sample(items.clone(), 10, SAMPLE_SEED));
        assert_ne!(a, sample(items.clone(), 10, SAMPLE_SEED + 1));
        assert_eq!(sample(items.clone(), 100, 0), items);
        assert_eq!(sample(items.clone(), 1000, 0), items);
        // Every item is equally likely: each is picked about k/n of the time.
        let mut hits = [0u32; 10];
        for seed in 0..20_000 {
            for i in sample((0..10).collect::<Vec<usize>>(), 3, seed) {
                hits[i] += 1;
            }
        }
        for h in hits {
            assert!((5_700..6_300).contains(&h), "{hits:?}"); // expected 6000
        }
    }
}
