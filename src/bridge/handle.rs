//! A model (or a capture) behind a foreign handle, and the panic boundary
//! every entry point runs in.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use serfiq_core::{Error, Model};

use crate::status::*;

/// Models created and not yet destroyed, in this process.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The number of live models (for leak checks: `serfiq_live_models`).
pub fn live_models() -> usize {
    LIVE.load(Ordering::SeqCst)
}

/// What a foreign handle owns (a model, shared with the captures made over
/// it, or a capture), and whether a call on it panicked.
pub struct Handle<T = Arc<Model>> {
    value: T,
    poisoned: AtomicBool,
    /// "model" or "capture", for the poisoned message; a model counts in `LIVE`.
    what: &'static str,
}

impl Handle {
    pub fn new(model: Model) -> Handle {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Handle { value: Arc::new(model), poisoned: AtomicBool::new(false), what: "model" }
    }

    /// The model, unless an earlier call on it panicked.
    pub fn model(&self) -> Result<&Model, Failure> {
        Ok(self.get()?)
    }

    /// The model, shared (a capture keeps it alive after its handle is destroyed).
    pub fn shared(&self) -> Result<Arc<Model>, Failure> {
        Ok(Arc::clone(self.get()?))
    }
}

impl<T> Handle<T> {
    /// A handle over anything but a model (not counted as a live model).
    pub fn other(value: T, what: &'static str) -> Handle<T> {
        Handle { value, poisoned: AtomicBool::new(false), what }
    }

    /// What it owns, unless an earlier call on it panicked.
    pub fn get(&self) -> Result<&T, Failure> {
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(Failure::new(
                SERFIQ_ERR_POISONED,
                format!("this {} hit an internal error earlier; destroy (close) it and create a new one", self.what),
            ));
        }
        Ok(&self.value)
    }
}

/// A handle a panic leaves unusable.
pub trait Poison {
    fn poison(&self);
}

impl<T> Poison for Handle<T> {
    fn poison(&self) {
        self.poisoned.store(true, Ordering::SeqCst);
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        if self.what == "model" {
            LIVE.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A failure on its way out: a status and a message.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: serfiq_status,
    pub message: String,
}

impl Failure {
    pub fn new(status: serfiq_status, message: impl Into<String>) -> Failure {
        Failure { status, message: message.into() }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure { status: status_of(e.kind), message: e.to_string() }
    }
}

pub type Outcome<T = ()> = Result<T, Failure>;

/// Runs an entry point's body: a panic becomes `SERFIQ_ERR_INTERNAL` and
/// poisons `handle` (when the call was on one), so later calls on that model
/// fail with `SERFIQ_ERR_POISONED` instead of using state a panic left half-done.
pub fn guard<T>(handle: Option<&dyn Poison>, body: impl FnOnce() -> Outcome<T>) -> Outcome<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(panic) => {
            if let Some(h) = handle {
                h.poison();
            }
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Failure::new(SERFIQ_ERR_INTERNAL, format!("internal error in serfiq: {what}")))
        }
    }
}
