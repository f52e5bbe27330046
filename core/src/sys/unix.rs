//! Linux and Android: dlopen, dladdr.

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// ONNX Runtime's file names, tried in serfiq's folder and then, bare, by the
/// system loader. Android apps ship (and load first) `libonnxruntime.so`.
#[cfg(not(target_os = "android"))]
pub(crate) const RUNTIME_NAMES: &[&str] = &["libonnxruntime.so.1", "libonnxruntime.so"];
#[cfg(target_os = "android")]
pub(crate) const RUNTIME_NAMES: &[&str] = &["libonnxruntime.so"];

/// Whether bare names go to the system loader (LD_LIBRARY_PATH, ld.so.cache,
/// or on Android the library the app already loaded).
pub(crate) const SYSTEM_SEARCH: bool = true;

/// The file this code is linked into (libserfiq.so, or the executable when
/// serfiq is linked statically).
pub(crate) fn own_binary() -> Option<PathBuf> {
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the address and fills `info`.
    let ok = unsafe { libc::dladdr(own_binary as *const libc::c_void, &mut info) };
    if ok == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dli_fname is a NUL-terminated path owned by the loader.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    Some(PathBuf::from(name.to_str().ok()?))
}

/// A library serfiq opened itself.
#[derive(Debug)]
pub(crate) struct Lib(*mut libc::c_void);

// SAFETY: a dlopen handle is a process-wide token, usable from any thread.
unsafe impl Send for Lib {}

/// Opens a library process-wide (RTLD_GLOBAL), so that libraries loaded
/// later by name (ONNX Runtime's CUDA provider) find it; the error is the
/// loader's own reason (`dlerror`).
pub(crate) fn open_global(path: &std::path::Path) -> Result<Lib, String> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| "the path contains a NUL byte".to_string())?;
    // SAFETY: a NUL-terminated path; the handle is closed by `Lib::close` or kept.
    let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if !h.is_null() {
        return Ok(Lib(h));
    }
    // SAFETY: dlerror returns NULL or a NUL-terminated string owned by the loader,
    // valid until the next dl* call on this thread; it is copied at once.
    let why = unsafe { libc::dlerror() };
    Err(if why.is_null() {
        "the loader gave no reason".to_string()
    } else {
        // SAFETY: as above.
        unsafe { CStr::from_ptr(why) }.to_string_lossy().into_owned()
    })
}

impl Lib {
    /// Lets the library go; others holding it keep it mapped.
    pub(crate) fn close(self) {
        // SAFETY: a handle dlopen returned, closed once (self is consumed).
        unsafe { libc::dlclose(self.0) };
    }
}

/// ONNX Runtime is opened by ort, by the given path, with the loader's usual
/// search for its dependencies: nothing to do first.
pub(crate) fn open_runtime(_path: &std::path::Path) -> Result<Option<Lib>, String> {
    Ok(None)
}
