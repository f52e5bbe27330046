//! The thread-local messages behind `serfiq_last_error` and `serfiq_image_error`.

use std::cell::RefCell;
use std::ffi::{c_char, CString};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    static IMAGE_ERRORS: RefCell<Vec<CString>> = const { RefCell::new(Vec::new()) };
}

fn c_string(message: &str) -> CString {
    CString::new(message.replace('\0', " ")).unwrap_or_default()
}

/// Stores the thread's message. During thread or process exit the thread-local
/// may already be gone (a C++ static destroyed after main calling
/// serfiq_destroy): then the message is dropped rather than aborting.
pub(super) fn set_last_error(message: &str) {
    let c = c_string(message);
    let _ = LAST_ERROR.try_with(|e| {
        if let Ok(mut slot) = e.try_borrow_mut() {
            *slot = c;
        }
    });
}

pub(super) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.try_with(|e| e.try_borrow().map(|m| m.as_ptr()).ok()).ok().flatten().unwrap_or(c"".as_ptr())
}

/// Keeps one message per image of the last per-image batch call.
pub(super) fn set_image_errors(messages: Vec<String>) {
    let c: Vec<CString> = messages.iter().map(|m| c_string(m)).collect();
    let _ = IMAGE_ERRORS.try_with(|e| {
        if let Ok(mut slot) = e.try_borrow_mut() {
            *slot = c;
        }
    });
}

pub(super) fn image_error_ptr(index: usize) -> *const c_char {
    IMAGE_ERRORS
        .try_with(|e| e.try_borrow().ok().and_then(|m| m.get(index).map(|m| m.as_ptr())))
        .ok()
        .flatten()
        .unwrap_or(c"".as_ptr())
}
