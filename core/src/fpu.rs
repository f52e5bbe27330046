//! Denormal flushing for the calling thread while ONNX Runtime computes.
//!
//! With one intra-op thread ONNX Runtime computes on the caller's thread,
//! whose floating-point mode is the host's: subnormal activations (real faces
//! produce some) then take the slow microcode path. ONNX Runtime's own
//! `session.set_denormal_as_zero` reaches only its pool threads and, once per
//! process, the thread that creates the first session, where it is never
//! undone. `Flushed` sets flush-to-zero / denormals-are-zero for one scope
//! and puts the caller's mode back on drop, so the host's threads keep the
//! floating-point behaviour they had.

/// Restores the saved floating-point control register on drop.
///
/// Not `Send`: the register is per thread, so the value must be dropped on the
/// thread that made it (the raw-pointer marker keeps it there).
pub(crate) struct Flushed {
    saved: u64,
    _this_thread: std::marker::PhantomData<*const ()>,
}

impl Flushed {
    /// Turns flushing on for this thread until the value is dropped.
    pub(crate) fn on() -> Flushed {
        let saved = read();
        write(saved | FLUSH_BITS);
        Flushed { saved, _this_thread: std::marker::PhantomData }
    }

    /// Keeps the caller's current mode and restores it on drop (around calls
    /// into ONNX Runtime that may change it, such as session creation).
    pub(crate) fn keep() -> Flushed {
        Flushed { saved: read(), _this_thread: std::marker::PhantomData }
    }
}

impl Drop for Flushed {
    fn drop(&mut self) {
        write(self.saved);
    }
}

#[cfg(target_arch = "x86_64")]
const FLUSH_BITS: u64 = (1 << 15) | (1 << 6); // MXCSR FTZ | DAZ

#[cfg(target_arch = "x86_64")]
fn read() -> u64 {
    let mut csr: u32 = 0;
    // SAFETY: stores MXCSR into a local.
    unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags)) };
    csr as u64
}

#[cfg(target_arch = "x86_64")]
fn write(v: u64) {
    let csr = v as u32;
    // SAFETY: loads MXCSR from a local holding a value read from MXCSR with
    // only the FTZ/DAZ bits changed (no exception unmasked, no reserved bit).
    unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, readonly, preserves_flags)) };
}

#[cfg(target_arch = "aarch64")]
const FLUSH_BITS: u64 = 1 << 24; // FPCR.FZ

#[cfg(target_arch = "aarch64")]
fn read() -> u64 {
    let v: u64;
    // SAFETY: reads FPCR.
    unsafe { std::arch::asm!("mrs {}, fpcr", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

#[cfg(target_arch = "aarch64")]
fn write(v: u64) {
    // SAFETY: writes back FPCR with only the FZ bit changed.
    unsafe { std::arch::asm!("msr fpcr, {}", in(reg) v, options(nomem, nostack, preserves_flags)) };
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const FLUSH_BITS: u64 = 0;

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn read() -> u64 {
    0
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn write(_: u64) {}

/// `Flushed` must stay on its thread: if it were `Send`, the two impls below
/// would both apply and the constant would not compile (ambiguous `_`).
const _: () = {
    trait AmbiguousIfSend<A> {
        fn check() {}
    }
    impl<T: ?Sized> AmbiguousIfSend<()> for T {}
    impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}
    let _ = <Flushed as AmbiguousIfSend<_>>::check;
};
