//! CUDA: which execution provider a model runs on, and finding the CUDA and
//! cuDNN libraries ONNX Runtime's CUDA provider needs before it is registered.

use std::path::{Path, PathBuf};

use crate::error::{fail, ErrorKind, Result};

/// Environment variable: folders (':'-separated) holding the CUDA/cuDNN libraries.
pub const ENV_VAR: &str = "SERFIQ_CUDA_PATH";

/// Where a model's inferences run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cpu,
    /// ONNX Runtime's CUDA execution provider on this device.
    Cuda {
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

/// Loads one library process-wide (RTLD_GLOBAL) so the CUDA provider finds it.
fn dlopen_global(path: &Path) -> bool {
    let Ok(c) = std::ffi::CString::new(path.as_os_str().to_string_lossy().as_bytes()) else { return false };
    // SAFETY: a NUL-terminated path; the handle is kept for the life of the process.
    !unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) }.is_null()
}

/// Makes every required CUDA/cuDNN library loaded, from the roots or the
/// system loader; the error names the missing ones and where serfiq looked.
pub fn preload(explicit: Option<&Path>) -> Result<()> {
    let roots = roots(explicit);
    let missing: Vec<&str> = required()
        .filter(|name| {
            let found = roots.iter().find_map(|r| find(r, name, 3));
            !match found {
                Some(p) => dlopen_global(&p),
                None => dlopen_global(Path::new(name)),
            }
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let looked: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    fail(
        ErrorKind::GpuUnavailable,
        format!(
            "CUDA libraries not found: {}; looked in {} and the system library path. Set cuda_library_path or {ENV_VAR}",
            missing.join(", "),
            if looked.is_empty() { "no CUDA folders".to_string() } else { looked.join(", ") }
        ),
    )
}
