//! Locating and loading the ONNX Runtime shared library.
//!
//! ort panics when it has to find the library itself, so serfiq always resolves
//! a path first and loads it through `ort::init_from`, which returns errors.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{fail, Error, ErrorKind, Result};
use crate::options::Search;
use crate::sys::RUNTIME_NAMES;

/// Environment variable naming the ONNX Runtime library.
pub const ENV_VAR: &str = "SERFIQ_ORT_LIB";

/// ONNX Runtime once loaded: where from, and the process-wide environment.
#[derive(Clone)]
pub struct Runtime {
    /// The library as it was loaded: a path, or a bare file name for the system loader.
    pub path: PathBuf,
    /// The process-wide ONNX Runtime environment the sessions are made in.
    pub env: ort::environment::Environment,
}

static LOADED: Mutex<Option<Runtime>> = Mutex::new(None);

/// The folder holding the binary this code is linked into (libserfiq.so,
/// serfiq.dll, or the executable when serfiq is linked statically).
fn own_folder() -> Option<PathBuf> {
    let path = crate::sys::own_binary()?;
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    path.parent().map(Path::to_path_buf)
}

/// Where serfiq looks, in order, given an explicit path from the options.
/// An explicit path (options, then the environment variable) is the only place
/// tried; with [`Search::ExplicitOnly`] only the options' path is, and nothing without one.
pub fn candidates(explicit: Option<&Path>, search: Search) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    if search == Search::ExplicitOnly {
        return Vec::new();
    }
    // A relative value would be resolved against the working directory: not taken.
    if let Some(p) = std::env::var_os(ENV_VAR).map(PathBuf::from).filter(|p| p.is_absolute()) {
        return vec![p];
    }
    let mut out: Vec<PathBuf> = own_folder().into_iter().flat_map(|d| RUNTIME_NAMES.iter().map(move |f| d.join(f))).collect();
    // Bare names go to the system loader (LD_LIBRARY_PATH, ld.so.cache, ...); not on Windows.
    if crate::sys::SYSTEM_SEARCH {
        out.extend(RUNTIME_NAMES.iter().map(PathBuf::from));
    }
    out
}

/// Loads ONNX Runtime once per process; later calls return what was loaded
/// first. With [`Search::ExplicitOnly`] an explicit path is required every time.
/// Fails with `ErrorKind::RuntimeNotFound` when no candidate loads,
/// `ErrorKind::RuntimeVersion` when the library is too old, and
/// `ErrorKind::InvalidArgument` when `explicit` names another library than the loaded one.
pub fn ensure_loaded(explicit: Option<&Path>, search: Search) -> Result<Runtime> {
    // Explicit-only means a path in the options, also when a runtime is
    // already loaded: the answer must not depend on what ran before.
    if explicit.is_none() && search == Search::ExplicitOnly {
        return fail(
            ErrorKind::RuntimeNotFound,
            "the library search is explicit-only and no ONNX Runtime path was given (ort_library_path in C, ort_library in Rust)",
        );
    }
    let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(rt) = loaded.as_ref() {
        return match explicit {
            // One ONNX Runtime serves the process: asking for another is refused, not ignored.
            Some(p) if !same_file(p, &rt.path) => fail(
                ErrorKind::InvalidArgument,
                format!(
                    "ONNX Runtime is already loaded from {} in this process; {} cannot be loaded as well (leave the ONNX Runtime path unset, or name the same library)",
                    rt.path.display(),
                    p.display()
                ),
            ),
            _ => Ok(rt.clone()),
        };
    }
    let mut tried = Vec::new();
    for path in candidates(explicit, search) {
        // A bare name must not be resolved against the current directory by ort.
        let is_bare = path.components().count() == 1;
        if !is_bare && !path.exists() {
            tried.push(format!("{} (no such file)", path.display()));
            continue;
        }
        // On Windows serfiq opens it first, so that its dependencies are never taken from the working directory.
        let held = match crate::sys::open_runtime(&path) {
            Ok(held) => held,
            Err(why) => {
                tried.push(format!("{} ({why})", path.display()));
                continue;
            }
        };
        let release = |held: Option<crate::sys::Lib>| held.map(crate::sys::Lib::close);
        match ort::init_from(&path) {
            Ok(builder) => {
                // ort holds its own reference from here on.
                release(held);
                let env = builder.with_name("serfiq").with_telemetry(false).build().map_err(|e| {
                    Error::new(
                        ErrorKind::RuntimeNotFound,
                        format!("ONNX Runtime at {} did not start: {e}", path.display()),
                    )
                })?;
                let rt = Runtime { path, env };
                *loaded = Some(rt.clone());
                return Ok(rt);
            }
            Err(e @ ort::LoadDynamicError::BadVersion { .. }) => {
                release(held);
                return fail(
                    ErrorKind::RuntimeVersion,
                    format!(
                        "ONNX Runtime at {} is too old: {e}; serfiq needs 1.{} or newer",
                        path.display(),
                        ort::MINOR_VERSION
                    ),
                );
            }
            Err(e) => {
                release(held);
                tried.push(format!("{} ({e})", path.display()));
            }
        }
    }
    fail(
        ErrorKind::RuntimeNotFound,
        format!(
            "could not load the ONNX Runtime library (1.{} or newer); looked in: {}. Pass its path in the options (ort_library_path in C, ort_library in Rust) or set {ENV_VAR}",
            ort::MINOR_VERSION,
            tried.join("; ")
        ),
    )
}

/// Whether two paths name the same file (as the loader would open it).
fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}
