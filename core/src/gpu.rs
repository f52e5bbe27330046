//! CUDA: which execution provider a model runs on, and finding the CUDA and
//! cuDNN libraries ONNX Runtime's CUDA provider needs before it is registered.

use std::path::{Path, PathBuf};

use crate::error::{fail, ErrorKind, Result};
use crate::options::Search;
use crate::sys::{open_global, Lib};

/// Environment variable: folders (':'-separated) holding the CUDA/cuDNN libraries.
pub const ENV_VAR: &str = "SERFIQ_CUDA_PATH";

/// Where a model's inferences run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// ONNX Runtime's CPU execution provider (the default).
    Cpu,
    /// ONNX Runtime's CUDA execution provider on this device.
    Cuda {
        /// CUDA device index, as ONNX Runtime's CUDA provider counts them (0: the first GPU).
        device_id: i32,
    },
}

/// Libraries the CUDA provider loads (ort's lists for CUDA 13 and cuDNN 9);
/// cuFFT only serves FFT operators, so its absence does not stop a model.
fn required() -> impl Iterator<Item = &'static str> {
    ort::ep::cuda::CUDA_DYLIBS.iter().chain(ort::ep::cuda::CUDNN_DYLIBS).copied().filter(|n| !n.starts_with("libcufft"))
}

/// The environment, as serfiq reads it (tests pass their own).
type Env<'a> = &'a dyn Fn(&str) -> Option<std::ffi::OsString>;

/// Folders to search, in order. An explicit path is the only one. Without
/// one, with [`Search::Default`]: the folders in `SERFIQ_CUDA_PATH`, the
/// `nvidia` folders that pip's nvidia-* wheels install into site-packages
/// (under `VIRTUAL_ENV`, `CONDA_PREFIX`, `~/.local` and the system Pythons),
/// then the folders in `LD_LIBRARY_PATH` and the usual system library folders.
/// With [`Search::ExplicitOnly`] and no explicit path: none.
fn roots(explicit: Option<&Path>, search: Search, env: Env) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    if search == Search::ExplicitOnly {
        return Vec::new();
    }
    let mut out: Vec<PathBuf> = Vec::new();
    if let Some(v) = env(ENV_VAR) {
        out.extend(std::env::split_paths(&v).filter(|p| p.is_absolute()));
    }
    let mut bases: Vec<PathBuf> = ["/usr/local/lib", "/usr/lib", "/opt/conda/lib"].iter().map(PathBuf::from).collect();
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(v) = env(var) {
            bases.push(PathBuf::from(v).join("lib"));
        }
    }
    if let Some(home) = env("HOME") {
        bases.push(PathBuf::from(home).join(".local/lib"));
    }
    for base in bases.iter().filter(|b| b.is_absolute()) {
        let Ok(entries) = std::fs::read_dir(base) else { continue };
        let mut pythons: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
            .map(|e| e.path())
            .collect();
        pythons.sort();
        for python in pythons {
            for packages in ["site-packages", "dist-packages"] {
                let nvidia = python.join(packages).join("nvidia");
                if nvidia.is_dir() {
                    out.push(nvidia);
                }
            }
        }
    }
    // What the system loader would search, as folders, so that every library
    // is found before any is loaded. Relative entries (the working
    // directory) are never searched.
    if let Some(v) = env("LD_LIBRARY_PATH") {
        out.extend(std::env::split_paths(&v).filter(|p| p.is_absolute()));
    }
    out.extend(
        ["/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]
            .iter()
            .map(PathBuf::from),
    );
    out
}

/// The first file called `name` within `depth` folder levels of `root`.
fn find(root: &Path, name: &str, depth: usize) -> Option<PathBuf> {
    let direct = root.join(name);
    if direct.is_file() {
        return Some(direct);
    }
    if depth == 0 {
        return None;
    }
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root).ok()?.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs.iter().find_map(|d| find(d, name, depth - 1))
}

/// CUDA libraries serfiq loaded for a model, unloaded again when the model
/// falls back to the CPU.
#[must_use]
pub(crate) struct Loaded(Vec<Lib>);

impl Loaded {
    /// Closes the libraries (in reverse order). Those ONNX Runtime's CUDA
    /// provider still uses stay mapped until it lets them go.
    pub(crate) fn unload(self) {
        self.0.into_iter().rev().for_each(Lib::close);
    }

    /// Keeps the libraries for the life of the process (the CUDA provider needs them).
    pub(crate) fn keep(self) {
        std::mem::forget(self);
    }
}

/// Finds every required CUDA/cuDNN library (each searched 3 folder levels
/// deep in each of [`roots`]) and only then loads them, so that nothing is
/// loaded unless the whole set is there. Fails with `ErrorKind::GpuUnavailable`,
/// naming the missing or unloadable libraries and where serfiq looked.
pub(crate) fn preload(explicit: Option<&Path>, search: Search) -> Result<Loaded> {
    if cfg!(windows) {
        return fail(
            ErrorKind::GpuUnavailable,
            "the CUDA execution provider is not supported by serfiq on Windows yet (its CUDA library search is written for Linux); nothing was loaded. Use the CPU provider",
        );
    }
    preload_from(&roots(explicit, search, &|k| std::env::var_os(k)), explicit, search)
}

fn preload_from(roots: &[PathBuf], explicit: Option<&Path>, search: Search) -> Result<Loaded> {
    let found: Vec<(&str, Option<PathBuf>)> =
        required().map(|name| (name, roots.iter().find_map(|r| find(r, name, 3)))).collect();
    let missing: Vec<&str> = found.iter().filter(|(_, p)| p.is_none()).map(|(n, _)| *n).collect();
    let hint = if explicit.is_some() {
        "cuda_library_path is the only place searched when it is set".to_string()
    } else if search == Search::ExplicitOnly {
        "the search is explicit-only: set cuda_library_path".to_string()
    } else {
        format!("set cuda_library_path or {ENV_VAR}")
    };
    if !missing.is_empty() {
        let looked: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        return fail(
            ErrorKind::GpuUnavailable,
            format!(
                "CUDA libraries not found: {}; looked in {}; nothing was loaded. {hint}",
                missing.join(", "),
                if looked.is_empty() { "no folder".to_string() } else { looked.join(", ") }
            ),
        );
    }
    let mut loaded = Loaded(Vec::new());
    for path in found.into_iter().filter_map(|(_, p)| p) {
        match open_global(&path) {
            Ok(h) => loaded.0.push(h),
            Err(why) => {
                loaded.unload();
                return fail(
                    ErrorKind::GpuUnavailable,
                    format!(
                        "CUDA library found but not loadable: {} ({why}); nothing was kept loaded. {hint}",
                        path.display()
                    ),
                );
            }
        }
    }
    Ok(loaded)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_library_that_does_not_load_gives_the_loaders_reason() {
        let dir = std::env::temp_dir().join(format!("serfiq-gpu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("libnot-a-library.so");
        std::fs::write(&fake, b"this is not an ELF file").unwrap();
        let why = open_global(&fake).unwrap_err();
        assert!(why.contains("libnot-a-library.so"), "{why}");
        assert!(open_global(&dir.join("absent.so")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A folder with one fake library per name in `names`, each writing
    /// `marker` from its constructor when it is loaded.
    fn plant(dir: &Path, names: &[&str], marker: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        let src = dir.join("planted.c");
        std::fs::write(
            &src,
            format!(
                "#include <stdio.h>\n__attribute__((constructor)) static void planted(void) {{ FILE *f = fopen(\"{}\", \"a\"); if (f) {{ fputs(\"loaded\\n\", f); fclose(f); }} }}\n",
                marker.display()
            ),
        )
        .unwrap();
        let so = dir.join("planted.so");
        let ok = std::process::Command::new("gcc").args(["-shared", "-fPIC", "-o"]).arg(&so).arg(&src).status();
        assert!(ok.is_ok_and(|s| s.success()), "gcc could not build the planted library");
        for n in names {
            std::fs::copy(&so, dir.join(n)).unwrap();
        }
    }

    #[test]
    fn planted_libraries_are_never_loaded_when_the_search_is_explicit() {
        let root = std::env::temp_dir().join(format!("serfiq-plant-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let marker = root.join("marker");
        let all: Vec<&str> = required().collect();
        // A complete set in every implicit place serfiq knows.
        let home = root.join("home");
        let venv = root.join("venv");
        let conda = root.join("conda");
        for base in [home.join(".local"), venv.clone(), conda.clone()] {
            plant(&base.join("lib/python3.11/site-packages/nvidia/cudnn/lib"), &all, &marker);
        }
        plant(&root.join("serfiq_cuda_path"), &all, &marker);
        plant(&root.join("ld_library_path"), &all, &marker);
        let vars: Vec<(&str, PathBuf)> = vec![
            ("HOME", home),
            ("VIRTUAL_ENV", venv.clone()),
            ("CONDA_PREFIX", conda),
            (ENV_VAR, root.join("serfiq_cuda_path")),
            ("LD_LIBRARY_PATH", root.join("ld_library_path")),
        ];
        let env = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone().into_os_string());
        // The explicit folder lacks one library: nothing may load, from it or elsewhere.
        let explicit = root.join("explicit");
        plant(&explicit, &all[1..], &marker);
        let _ = std::fs::remove_file(&marker);

        let r = roots(Some(&explicit), Search::Default, &env);
        assert_eq!(r, vec![explicit.clone()], "an explicit path is the only place searched");
        let e = preload_from(&r, Some(&explicit), Search::Default).map(Loaded::unload).unwrap_err();
        assert_eq!(e.kind, ErrorKind::GpuUnavailable);
        assert!(e.message.contains(all[0]) && e.message.contains("nothing was loaded"), "{}", e.message);
        let r = roots(None, Search::ExplicitOnly, &env);
        assert!(r.is_empty());
        let e = preload_from(&r, None, Search::ExplicitOnly).map(Loaded::unload).unwrap_err();
        assert!(e.message.contains("explicit-only"), "{}", e.message);
        assert!(!marker.exists(), "a planted library was loaded");

        // The control: the default search does find (and load) the planted set.
        let r = roots(None, Search::Default, &env);
        assert!(r.iter().any(|p| p.starts_with(&venv)), "{r:?}");
        preload_from(&r, None, Search::Default).expect("the planted set loads").unload();
        assert!(marker.exists(), "the control did not load the planted set");
        std::fs::remove_dir_all(&root).ok();
    }
}
