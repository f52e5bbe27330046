//! Finding the model and ONNX Runtime when the command line does not name them.
//!
//! `make fetch` downloads both into a cache folder (`.cache` in the repository).
//! The binary usually lives in `<repo>/target/release`, and people run it from the
//! repository or from anywhere else, so the cache is looked for in the current
//! directory first and then next to the executable and each of its parents.

use std::path::{Path, PathBuf};

pub const MODEL_ENV: &str = "SERFIQ_MODEL";
pub const DETECTOR_ENV: &str = "SERFIQ_DETECTOR";
pub const CACHE_ENV: &str = "SERFIQ_CACHE";
/// The default model and runtime inside the cache, as `scripts/fetch.sh` lays them out.
const MODEL_IN_CACHE: &str = "models/fr_feature.onnx";
const ORT_IN_CACHE: &str = "onnxruntime/lib/libonnxruntime.so.1.31.1";
const DETECTOR_IN_CACHE: &str = "models/retinaface_mnet025.onnx";

/// An environment variable as a path; unset and empty are the same.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Cache folders to look in, in order. `SERFIQ_CACHE` is the only one when set.
pub fn cache_candidates() -> Vec<PathBuf> {
    if let Some(dir) = env_path(CACHE_ENV) {
        return vec![dir];
    }
    let mut out = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        out.push(cwd.join(".cache"));
    }
    if let Ok(exe) = std::env::current_exe() {
        // Follow a symlink (e.g. ~/bin/serfiq) to where the binary really is.
        let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
        out.extend(exe.ancestors().skip(1).map(|dir| dir.join(".cache")));
    }
    out.dedup();
    out
}

/// The first `<cache>/<rel>` that is a file. A folder named `.cache` is not
/// enough: `~/.cache` exists on most systems and is not serfiq's.
fn find_in_cache(candidates: &[PathBuf], rel: &str) -> Option<PathBuf> {
    candidates.iter().map(|dir| dir.join(rel)).find(|p| p.is_file())
}

/// Where a setting came from, for `info` and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    Cache,
    /// Left to the library's own search.
    Library,
}

impl Source {
    pub fn describe(self, flag: &str, env: &str) -> String {
        match self {
            Source::Flag => format!("from {flag}"),
            Source::Env => format!("from {env}"),
            Source::Cache => "from the serfiq cache".to_string(),
            Source::Library => "found by the library".to_string(),
        }
    }
}

/// The model to load: `--model`, else `SERFIQ_MODEL`, else the fetched default.
pub fn model_path(flag: Option<&Path>) -> Result<(PathBuf, Source), String> {
    if let Some(p) = flag {
        return Ok((p.to_path_buf(), Source::Flag));
    }
    if let Some(p) = env_path(MODEL_ENV) {
        return Ok((p, Source::Env));
    }
    let candidates = cache_candidates();
    if let Some(p) = find_in_cache(&candidates, MODEL_IN_CACHE) {
        return Ok((p, Source::Cache));
    }
    let looked: Vec<String> = candidates.iter().map(|d| d.join(MODEL_IN_CACHE).display().to_string()).collect();
    Err(format!(
        "no model found (looked for {}). Run `make fetch` in the serfiq repository to download the \
         default model, or pass --model PATH (or set {MODEL_ENV})",
        looked.join(", ")
    ))
}

/// The face detector: `--detector`, else `SERFIQ_DETECTOR`, else the fetched
/// one when it is there; `None` with `--no-detect` or when there is none (then
/// photos need landmarks).
pub fn detector_path(flag: Option<&Path>, disabled: bool) -> Option<(PathBuf, Source)> {
    if disabled {
        return None;
    }
    if let Some(p) = flag {
        return Some((p.to_path_buf(), Source::Flag));
    }
    if let Some(p) = env_path(DETECTOR_ENV) {
        return Some((p, Source::Env));
    }
    find_in_cache(&cache_candidates(), DETECTOR_IN_CACHE).map(|p| (p, Source::Cache))
}

/// The ONNX Runtime library: `--ort-lib`, else the fetched one unless
/// `SERFIQ_ORT_LIB` is set. `None` leaves the choice to the library, which
/// reads `SERFIQ_ORT_LIB` itself and otherwise searches the usual places.
pub fn ort_library(flag: Option<&Path>) -> (Option<PathBuf>, Source) {
    if let Some(p) = flag {
        return (Some(p.to_path_buf()), Source::Flag);
    }
    if env_path(serfiq_core::ORT_LIBRARY_ENV).is_some() {
        return (None, Source::Env);
    }
    match find_in_cache(&cache_candidates(), ORT_IN_CACHE) {
        Some(p) => (Some(p), Source::Cache),
        None => (None, Source::Library),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_in_cache_skips_folders_without_the_file() {
        let root = crate::inputs::tests::scratch_dir("locate");
        let (a, b) = (root.join("a/.cache"), root.join("b/.cache"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(b.join("models")).unwrap();
        std::fs::write(b.join(MODEL_IN_CACHE), b"x").unwrap();
        let found = find_in_cache(&[a, b.clone()], MODEL_IN_CACHE);
        assert_eq!(found, Some(b.join(MODEL_IN_CACHE)));
        std::fs::remove_dir_all(root).unwrap();
    }
}
