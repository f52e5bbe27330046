//! ONNX Runtime turns on flush-to-zero for the thread that creates the first
//! session of the process and never turns it off. serfiq must leave the host's
//! threads in the floating-point mode it found them in, and give the same bits
//! whatever mode the calling thread is in. (Its own file: its own process, so
//! this test creates the process's first session.)

mod common;

use common::*;

fn single(model: &serfiq_core::Model, face: &serfiq_core::Face) -> Vec<u32> {
    let (q, e) = model.score_embed(face).unwrap();
    std::iter::once(q.s.to_bits()).chain(e.iter().map(|v| v.to_bits())).collect()
}

/// MXCSR's control bits (its low 6 bits are sticky exception flags that any
/// float operation may set).
const STATUS_FLAGS: u32 = 0x3f;

#[cfg(target_arch = "x86_64")]
fn mxcsr() -> u32 {
    let mut csr = 0u32;
    // SAFETY: stores MXCSR into a local.
    unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags)) };
    csr
}

#[cfg(target_arch = "x86_64")]
fn set_mxcsr(csr: u32) {
    // SAFETY: a value read from MXCSR with only FTZ/DAZ changed; no float
    // arithmetic happens in this test's own code while it is set.
    unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, readonly, preserves_flags)) };
}

#[cfg(target_arch = "x86_64")]
#[test]
fn the_host_floating_point_mode_is_untouched_and_does_not_matter() {
    const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);
    let faces = test_faces(2);
    let (model, before, after_create, after_run, reference) = std::thread::scope(|s| {
        s.spawn(|| {
            let before = mxcsr() & !STATUS_FLAGS;
            let model = load(&default_model());
            let after_create = mxcsr() & !STATUS_FLAGS;
            let reference = single(&model, &faces[0].face());
            (model, before, after_create, mxcsr() & !STATUS_FLAGS, reference)
        })
        .join()
        .unwrap()
    });
    assert_eq!(after_create, before, "creating a model changed the caller's MXCSR");
    assert_eq!(after_run, before, "scoring changed the caller's MXCSR");
    // A host thread that runs with flush-to-zero itself gets the same bits, and keeps its mode.
    let (ftz_bits, ftz_after) = std::thread::scope(|s| {
        s.spawn(|| {
            let mode = (mxcsr() & !STATUS_FLAGS) | FTZ_DAZ;
            set_mxcsr(mode);
            let b = single(&model, &faces[0].face());
            let after = mxcsr() & !STATUS_FLAGS;
            set_mxcsr(mode & !FTZ_DAZ);
            (b, after == mode)
        })
        .join()
        .unwrap()
    });
    assert!(ftz_after, "scoring changed a flush-to-zero caller's MXCSR");
    assert!(ftz_bits == reference, "a flush-to-zero caller got other bits");
}
