//! A capture behind a foreign handle: made over a model handle (whose model it
//! shares, so destroying the model first is safe), used by one thread at a time.

use std::sync::{Arc, Mutex, TryLockError};

use serfiq_core::capture::{Best, Frame, State};
use serfiq_core::{Capture, CaptureOptions, ImageView, Model};

use super::{Failure, Handle, Outcome};
use crate::status::{SERFIQ_ERR_INVALID_ARGUMENT, SERFIQ_ERR_POISONED};

/// What a capture handle owns.
pub type CaptureHandle = Handle<Mutex<Capture<Arc<Model>>>>;

/// SERFIQ_CAPTURE_SEARCHING .. SERFIQ_CAPTURE_CAPTURED.
pub fn state_code(s: State) -> u32 {
    match s {
        State::Searching => 0,
        State::Adjust => 1,
        State::HoldStill => 2,
        State::Captured => 3,
    }
}

/// A new capture over `model`'s model.
pub fn create(model: &Handle, options: CaptureOptions) -> Outcome<CaptureHandle> {
    let capture = Capture::new(model.shared()?, options)?;
    Ok(Handle::other(Mutex::new(capture), "capture"))
}

/// Runs `body` on the capture; a second thread using it at the same time is
/// refused rather than made to wait.
fn with<R>(h: &CaptureHandle, body: impl FnOnce(&mut Capture<Arc<Model>>) -> Outcome<R>) -> Outcome<R> {
    let mut c = match h.get()?.try_lock() {
        Ok(c) => c,
        Err(TryLockError::WouldBlock) => {
            return Err(Failure::new(
                SERFIQ_ERR_INVALID_ARGUMENT,
                "this capture is in use by another thread (a capture belongs to one thread at a time)",
            ))
        }
        Err(TryLockError::Poisoned(_)) => {
            return Err(Failure::new(SERFIQ_ERR_POISONED, "this capture hit an internal error earlier"))
        }
    };
    body(&mut c)
}

pub fn push(h: &CaptureHandle, image: &ImageView, timestamp_ms: i64) -> Outcome<Frame> {
    with(h, |c| Ok(c.push(image, timestamp_ms)?))
}

pub fn best(h: &CaptureHandle) -> Outcome<Option<Best>> {
    with(h, |c| Ok(c.best().cloned()))
}

pub fn reset(h: &CaptureHandle) -> Outcome {
    with(h, |c| {
        c.reset();
        Ok(())
    })
}
