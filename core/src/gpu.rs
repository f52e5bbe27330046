//! CUDA: which execution provider a model runs on, and finding the CUDA and
//! cuDNN libraries ONNX Runtime's CUDA provider needs before it is registered.

use std::path::{Path, PathBuf};

use crate::error::{fail, ErrorKind, Result};

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

/// Folders to search: the explicit path, then `SERFIQ_CUDA_PATH`, then the
/// `nvidia` folders that pip's nvidia-* wheels install into site-packages.
fn roots(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = explicit.map(Path::to_path_buf).into_iter().collect();
    if let Some(v) = std::env::var_os(ENV_VAR) {
        out.extend(std::env::split_paths(&v));
    }
    let mut bases: Vec<PathBuf> = ["/usr/local/lib", "/usr/lib", "/opt/conda/lib"].iter().map(PathBuf::from).collect();
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(v) = std::env::var_os(var) {
            bases.push(PathBuf::from(v).join("lib"));
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        bases.push(PathBuf::from(home).join(".local/lib"));
    }
    for base in bases {
        let Ok(entries) = std::fs::read_dir(&base) else { continue };
        for e in entries.flatten() {
            let name = e.file_name();
            if name.to_string_lossy().starts_with("python3") {
                for packages in ["site-packages", "dist-packages"] {
                    let nvidia = e.path().join(packages).join("nvidia");
                    if nvidia.is_dir() {
                        out.push(nvidia);
                    }
                }
            }
        }
    }
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

/// Loads one library process-wide (RTLD_GLOBAL) so the CUDA provider finds
/// it; the error is the loader's own reason (`dlerror`).
fn dlopen_global(path: &Path) -> std::result::Result<(), String> {
    let c = std::ffi::CString::new(path.as_os_str().to_string_lossy().as_bytes())
        .map_err(|_| "the path contains a NUL byte".to_string())?;
    // SAFETY: a NUL-terminated path; the handle is kept for the life of the process.
    if !unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) }.is_null() {
        return Ok(());
    }
    // SAFETY: dlerror returns NULL or a NUL-terminated string owned by the loader,
    // valid until the next dl* call on this thread; it is copied at once.
    let why = unsafe { libc::dlerror() };
    Err(if why.is_null() {
        "the loader gave no reason".to_string()
    } else {
        // SAFETY: as above.
        unsafe { std::ffi::CStr::from_ptr(why) }.to_string_lossy().into_owned()
    })
}

/// Makes every required CUDA/cuDNN library loaded, from `explicit`, the folders
/// in [`ENV_VAR`] and pip's nvidia-* packages (each searched 3 levels deep),
/// else through the system loader.
/// Fails with `ErrorKind::GpuUnavailable`, naming the missing or unloadable
/// libraries and where serfiq looked.
pub fn preload(explicit: Option<&Path>) -> Result<()> {
    let roots = roots(explicit);
    let (mut missing, mut unloadable) = (Vec::new(), Vec::new());
    for name in required() {
        match roots.iter().find_map(|r| find(r, name, 3)) {
            // A file that is there but does not load is reported with the loader's reason.
            Some(p) => {
                if let Err(why) = dlopen_global(&p) {
                    unloadable.push(format!("{} ({why})", p.display()));
                }
            }
            None => {
                if dlopen_global(Path::new(name)).is_err() {
                    missing.push(name);
                }
            }
        }
    }
    if missing.is_empty() && unloadable.is_empty() {
        return Ok(());
    }
    let looked: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "CUDA libraries not found: {}; looked in {} and the system library path",
            missing.join(", "),
            if looked.is_empty() { "no CUDA folders".to_string() } else { looked.join(", ") }
        ));
    }
    if !unloadable.is_empty() {
        parts.push(format!("CUDA libraries found but not loadable: {}", unloadable.join("; ")));
    }
    fail(ErrorKind::GpuUnavailable, format!("{}. Set cuda_library_path or {ENV_VAR}", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_that_does_not_load_gives_the_loaders_reason() {
        let dir = std::env::temp_dir().join(format!("serfiq-gpu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("libnot-a-library.so");
        std::fs::write(&fake, b"this is not an ELF file").unwrap();
        let why = dlopen_global(&fake).unwrap_err();
        assert!(why.contains("libnot-a-library.so"), "{why}");
        assert!(dlopen_global(&dir.join("absent.so")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
