//! Windows: LoadLibraryExW, GetModuleHandleExW, declared here (kernel32)
//! rather than through a bindings crate, since five functions are needed.

use std::ffi::{c_void, OsString};
use std::os::windows::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// ONNX Runtime's file name, tried in serfiq's folder only.
pub(crate) const RUNTIME_NAMES: &[&str] = &["onnxruntime.dll"];

/// Bare names are not handed to the system loader: its search order includes
/// the application's folder, the working directory (unless SafeDllSearchMode)
/// and PATH, which serfiq never searches.
pub(crate) const SYSTEM_SEARCH: bool = false;

type Handle = *mut c_void;

const GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS: u32 = 0x4;
const GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT: u32 = 0x2;
/// Dependencies come from the library's own folder and System32 only.
const LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR: u32 = 0x100;
const LOAD_LIBRARY_SEARCH_SYSTEM32: u32 = 0x800;

#[link(name = "kernel32")]
extern "system" {
    fn GetModuleHandleExW(flags: u32, name: *const u16, module: *mut Handle) -> i32;
    fn GetModuleFileNameW(module: Handle, name: *mut u16, size: u32) -> u32;
    fn LoadLibraryExW(name: *const u16, file: Handle, flags: u32) -> Handle;
    fn FreeLibrary(module: Handle) -> i32;
    fn GetLastError() -> u32;
}

/// The DLL (or executable) this code is linked into.
pub(crate) fn own_binary() -> Option<PathBuf> {
    let mut module: Handle = std::ptr::null_mut();
    let flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
    // SAFETY: with FROM_ADDRESS the name is an address inside this module; only `module` is written.
    if unsafe { GetModuleHandleExW(flags, own_binary as *const u16, &mut module) } == 0 {
        return None;
    }
    let mut buf = vec![0u16; 1024];
    loop {
        // SAFETY: `buf` holds `buf.len()` u16s; the call writes at most that many.
        let n = unsafe { GetModuleFileNameW(module, buf.as_mut_ptr(), buf.len() as u32) } as usize;
        if n == 0 {
            return None;
        }
        if n < buf.len() {
            return Some(PathBuf::from(OsString::from_wide(&buf[..n])));
        }
        // Truncated: try again with room for a long (\\?\) path.
        if buf.len() >= 32768 {
            return None;
        }
        buf.resize(buf.len() * 4, 0);
    }
}

/// A library serfiq opened itself.
#[derive(Debug)]
pub(crate) struct Lib(Handle);

// SAFETY: a module handle is a process-wide token, usable from any thread.
unsafe impl Send for Lib {}

/// Opens a library by path (a relative one, given explicitly by the caller,
/// is taken from the working directory), its dependencies searched in its
/// own folder and System32 only (never the working directory or PATH).
pub(crate) fn open_global(path: &Path) -> Result<Lib, String> {
    let path = std::path::absolute(path).map_err(|e| format!("cannot make the path absolute: {e}"))?;
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain(Some(0)).collect();
    if wide[..wide.len() - 1].contains(&0) {
        return Err("the path contains a NUL character".to_string());
    }
    let flags = LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32;
    // SAFETY: a NUL-terminated wide path; the handle is freed by `Lib::close` or kept.
    let h = unsafe { LoadLibraryExW(wide.as_ptr(), std::ptr::null_mut(), flags) };
    if !h.is_null() {
        return Ok(Lib(h));
    }
    // SAFETY: reads this thread's last-error value.
    let code = unsafe { GetLastError() };
    Err(match code {
        126 => "Windows error 126: the library or one of the DLLs it needs was not found".to_string(),
        193 => "Windows error 193: not a valid Windows DLL for this architecture".to_string(),
        c => format!("Windows error {c}"),
    })
}

impl Lib {
    /// Lets the library go; others holding it keep it loaded.
    pub(crate) fn close(self) {
        // SAFETY: a handle LoadLibraryExW returned, freed once (self is consumed).
        unsafe { FreeLibrary(self.0) };
    }
}

/// Opens ONNX Runtime before ort does, with the safe search order above, so
/// that ort's own LoadLibraryExW of the same path (default search order) finds
/// it and its dependencies already loaded.
pub(crate) fn open_runtime(path: &Path) -> Result<Option<Lib>, String> {
    open_global(path).map(Some)
}
