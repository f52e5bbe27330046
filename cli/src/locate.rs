//! Finding the model, the detector and ONNX Runtime when the command line
//! does not name them.
//!
//! `make fetch` downloads them into a cache folder (`.cache` in the
//! repository). The binary usually lives in `<repo>/target/release`, so the
//! cache is looked for next to the executable and in its two parent folders; the
//! working directory is never searched (running serfiq inside a folder must
//! not load a library or a model planted there). `SERFIQ_CACHE` names the
//! cache instead. Paths from the environment must be absolute: a relative one
//! would be resolved against the working directory, and is refused.
//! `--explicit-paths-only` turns all of this off: only paths on the command
//! line are used.

use std::path::{Path, PathBuf};

pub const MODEL_ENV: &str = "SERFIQ_MODEL";
pub const DETECTOR_ENV: &str = "SERFIQ_DETECTOR";
pub const CACHE_ENV: &str = "SERFIQ_CACHE";
pub const QUALITY_NET_ENV: &str = "SERFIQ_QUALITY_NET";
/// The shipped second quality network: in a checkout, and in an unpacked
/// archive (scripts/dist.sh), relative to the folders above the executable.
pub const QUALITY_NET_REL: [&str; 2] =
    ["models/quality/lightqnet-dm025.onnx", "share/serfiq/models/quality/lightqnet-dm025.onnx"];
/// The default model and runtime inside the cache, as `scripts/fetch.sh` lays them out.
const MODEL_IN_CACHE: &str = "models/fr_feature.onnx";
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
const ORT_IN_CACHE: &str = "onnxruntime/lib/libonnxruntime.so.1.31.1";
/// Other platforms' runtimes, as `scripts/fetch.sh --platform` lays them out.
#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
const ORT_IN_CACHE: &str = "onnxruntime/linux-aarch64/libonnxruntime.so.1.31.1";
#[cfg(windows)]
const ORT_IN_CACHE: &str = "onnxruntime/windows-x86_64/onnxruntime.dll";
#[cfg(not(any(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")), windows)))]
const ORT_IN_CACHE: &str = "onnxruntime/lib/libonnxruntime.so";
const DETECTOR_IN_CACHE: &str = "models/retinaface_mnet025.onnx";

/// An environment variable as a path; unset and empty are the same; a
/// relative path is an error.
fn env_path(name: &str) -> Result<Option<PathBuf>, String> {
    match std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from) {
        Some(p) if !p.is_absolute() => Err(format!(
            "{name} must be an absolute path (a relative one would be taken from the working directory), got {}",
            crate::show::path(&p)
        )),
        p => Ok(p),
    }
}

/// How many folders, from the executable's own upwards, may hold the cache.
const EXE_LEVELS: usize = 3;

/// The folders next to the executable and above it: where a checkout's `.cache` is.
pub fn exe_ancestors() -> Vec<PathBuf> {
    match std::env::current_exe() {
        Ok(exe) => {
            // Follow a symlink (e.g. ~/bin/serfiq) to where the binary really is.
            let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
            // Three levels: `<repo>/target/release/serfiq` finds `<repo>/.cache`;
            // folders higher up (e.g. a shared /tmp) are not trusted.
            exe.ancestors().skip(1).take(EXE_LEVELS).map(Path::to_path_buf).collect()
        }
        Err(_) => Vec::new(),
    }
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
    /// Shipped with serfiq, next to the executable.
    Shipped,
}

impl Source {
    pub fn describe(self, flag: &str, env: &str) -> String {
        match self {
            Source::Flag => format!("from {flag}"),
            Source::Env => format!("from {env}"),
            Source::Cache => "from the serfiq cache".to_string(),
            Source::Library => "found by the library".to_string(),
            Source::Shipped => "shipped with serfiq".to_string(),
        }
    }
}

/// Where the CLI looks for what the command line does not name.
#[derive(Debug, Clone)]
pub struct Locator {
    /// `--explicit-paths-only`: the command line only.
    pub explicit_only: bool,
    /// Cache folders to look in, in order: `SERFIQ_CACHE` alone when set, else
    /// `.cache` next to the executable and in its two parent folders; none when explicit-only.
    pub cache: Vec<PathBuf>,
}

impl Locator {
    pub fn new(explicit_only: bool) -> Result<Locator, String> {
        let cache = if explicit_only {
            Vec::new()
        } else if let Some(dir) = env_path(CACHE_ENV)? {
            vec![dir]
        } else {
            let mut out: Vec<PathBuf> = exe_ancestors().into_iter().map(|d| d.join(".cache")).collect();
            out.dedup();
            out
        };
        Ok(Locator { explicit_only, cache })
    }

    /// The model to load: `--model`, else `SERFIQ_MODEL`, else the fetched default.
    pub fn model_path(&self, flag: Option<&Path>) -> Result<(PathBuf, Source), String> {
        if let Some(p) = flag {
            return Ok((p.to_path_buf(), Source::Flag));
        }
        if self.explicit_only {
            return Err("--explicit-paths-only: pass the model with --model PATH".to_string());
        }
        if let Some(p) = env_path(MODEL_ENV)? {
            return Ok((p, Source::Env));
        }
        if let Some(p) = find_in_cache(&self.cache, MODEL_IN_CACHE) {
            return Ok((p, Source::Cache));
        }
        let looked: Vec<String> = self.cache.iter().map(|d| crate::show::path(&d.join(MODEL_IN_CACHE))).collect();
        Err(format!(
            "no model found (looked for {}). Run `make fetch` in the serfiq repository to download the \
             default model, or pass --model PATH (or set {MODEL_ENV})",
            looked.join(", ")
        ))
    }

    /// The face detector: `--detector`, else `SERFIQ_DETECTOR`, else the fetched
    /// one when it is there; `None` with `--no-detect` or when there is none (then
    /// photos need landmarks).
    pub fn detector_path(&self, flag: Option<&Path>, disabled: bool) -> Result<Option<(PathBuf, Source)>, String> {
        if disabled {
            return Ok(None);
        }
        if let Some(p) = flag {
            return Ok(Some((p.to_path_buf(), Source::Flag)));
        }
        if self.explicit_only {
            return Ok(None);
        }
        if let Some(p) = env_path(DETECTOR_ENV)? {
            return Ok(Some((p, Source::Env)));
        }
        Ok(find_in_cache(&self.cache, DETECTOR_IN_CACHE).map(|p| (p, Source::Cache)))
    }

    /// The second quality network: `--quality-net`, else `SERFIQ_QUALITY_NET`,
    /// else the shipped one in the folders that hold the executable (a checkout
    /// or an unpacked archive); `None` with `--no-quality-net`, explicit-only
    /// without the flag, or when it is not there.
    pub fn quality_net_path(&self, flag: Option<&Path>, disabled: bool) -> Result<Option<(PathBuf, Source)>, String> {
        if disabled {
            return Ok(None);
        }
        if let Some(p) = flag {
            return Ok(Some((p.to_path_buf(), Source::Flag)));
        }
        if self.explicit_only {
            return Ok(None);
        }
        if let Some(p) = env_path(QUALITY_NET_ENV)? {
            return Ok(Some((p, Source::Env)));
        }
        let mut shipped = exe_ancestors().into_iter().flat_map(|d| QUALITY_NET_REL.map(|rel| d.join(rel)));
        Ok(shipped.find(|p| p.is_file()).map(|p| (p, Source::Shipped)))
    }

    /// The ONNX Runtime library: `--ort-lib`, else the fetched one unless
    /// `SERFIQ_ORT_LIB` is set. `None` leaves the choice to the library, which
    /// reads `SERFIQ_ORT_LIB` itself and otherwise searches the usual places.
    pub fn ort_library(&self, flag: Option<&Path>) -> Result<(Option<PathBuf>, Source), String> {
        if let Some(p) = flag {
            return Ok((Some(p.to_path_buf()), Source::Flag));
        }
        if self.explicit_only {
            return Err("--explicit-paths-only: pass ONNX Runtime with --ort-lib PATH".to_string());
        }
        if env_path(serfiq_core::ORT_LIBRARY_ENV)?.is_some() {
            return Ok((None, Source::Env));
        }
        Ok(match find_in_cache(&self.cache, ORT_IN_CACHE) {
            Some(p) => (Some(p), Source::Cache),
            None => (None, Source::Library),
        })
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
