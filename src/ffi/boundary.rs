//! The one place where Rust results, panics and messages become C statuses.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::*;
use crate::error::Error;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// A failure on its way out: a status and a message.
pub(crate) struct Failure(pub serfiq_status, pub String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(from_kind(e.kind), e.message)
    }
}

pub(crate) type Outcome = Result<(), Failure>;

pub(crate) fn failure(status: serfiq_status, message: impl Into<String>) -> Failure {
    Failure(status, message.into())
}

/// Stores the thread's message. During thread or process exit the thread-local
/// may already be gone (a C++ static destroyed after main calling
/// serfiq_destroy): then the message is dropped rather than aborting.
fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', " ")).unwrap_or_default();
    let _ = LAST_ERROR.try_with(|e| {
        if let Ok(mut slot) = e.try_borrow_mut() {
            *slot = c;
        }
    });
}

pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.try_with(|e| e.try_borrow().map(|m| m.as_ptr()).ok()).ok().flatten().unwrap_or(c"".as_ptr())
}

/// Runs an export body: no panic escapes, every failure leaves a message.
/// `on_panic` runs after a caught panic (to poison the handle involved).
pub(crate) fn guard(on_panic: impl FnOnce(), body: impl FnOnce() -> Outcome) -> serfiq_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            set_last_error("");
            SERFIQ_OK
        }
        Ok(Err(Failure(status, message))) => {
            set_last_error(&message);
            status
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            // Poisoning must not itself unwind out of an extern "C" fn.
            let _ = catch_unwind(AssertUnwindSafe(on_panic));
            set_last_error(&format!("internal error in serfiq: {what}"));
            SERFIQ_ERR_INTERNAL
        }
    }
}

/// Turns a possibly-NULL pointer into a reference or a NULL_ARGUMENT failure.
///
/// # Safety
/// A non-NULL `ptr` must point to a valid, properly aligned `T` for the call.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: the caller's contract; NULL is rejected here.
    unsafe { ptr.as_ref() }.ok_or_else(|| failure(SERFIQ_ERR_NULL_ARGUMENT, format!("{name} is NULL")))
}

/// Like `arg` for an output pointer.
///
/// # Safety
/// A non-NULL `ptr` must point to writable memory for a `T`.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller's contract; NULL is rejected here.
    unsafe { ptr.as_mut() }.ok_or_else(|| failure(SERFIQ_ERR_NULL_ARGUMENT, format!("{name} is NULL")))
}
