//! The operating system's dynamic loader, behind one small interface: the
//! file that holds this code, the ONNX Runtime file names, and opening and
//! closing a library by absolute path. Linux and Android use dlopen/dladdr;
//! Windows uses LoadLibraryExW with a search order that never includes the
//! working directory or PATH.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;
