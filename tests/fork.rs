//! fork() while other threads are inside calls on a model: the child's calls
//! on the inherited model fail with SERFIQ_ERR_FORKED at once (they never wait
//! for sessions the parent's threads hold), destroying it in the child returns,
//! and the parent's threads go on undisturbed. Its own process (test binary).

mod common;

use std::ffi::CString;
use std::ptr::null;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::hostile::{base, SIDE};
use common::ort_lib;
use onnx_protobuf::Message;
use serfiq::ffi::*;

extern "C" {
    fn fork() -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn kill(pid: i32, sig: i32) -> i32;
    fn _exit(code: i32) -> !;
}
const WNOHANG: i32 = 1;
const SIGKILL: i32 = 9;

/// The model handle and the image, shared by the threads (the C API allows it).
struct Shared(*mut serfiq_model, serfiq_image);
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    fn score(&self) -> (serfiq_status, f32) {
        let mut q = serfiq_quality { s: -1.0, q: -1.0, n: -1.0, f: -1.0, q100: -1.0, l: -1.0 };
        (unsafe { serfiq_score(self.0, &self.1, null(), &mut q) }, q.s)
    }
}

#[test]
fn a_child_forked_during_calls_gets_forked_and_never_blocks() {
    let bytes = base().write_to_bytes().unwrap();
    let ort = CString::new(ort_lib().to_str().unwrap()).unwrap();
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    assert_eq!(unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) }, SERFIQ_OK);
    let mut o = unsafe { o.assume_init() };
    (o.model_data, o.model_size, o.ort_library_path, o.max_sessions) = (bytes.as_ptr(), bytes.len(), ort.as_ptr(), 2);
    let mut m: *mut serfiq_model = std::ptr::null_mut();
    assert_eq!(unsafe { serfiq_create(&o, &mut m) }, SERFIQ_OK);
    let pixels: Vec<u8> = (0..(SIDE * SIDE * 3) as usize).map(|i| (i * 31 % 256) as u8).collect();
    let img = serfiq_image {
        data: pixels.as_ptr(),
        width: SIDE as u32,
        height: SIDE as u32,
        stride: 0,
        format: SERFIQ_PIXEL_RGB,
    };
    let model = &Shared(m, img);
    let (want_status, want_s) = model.score();
    assert_eq!(want_status, SERFIQ_OK);

    let stop = AtomicBool::new(false);
    let calls = AtomicUsize::new(0);
    /// Stops the scoring threads however the rounds end (a failed assertion
    /// included), so that a failure is reported instead of the scope hanging.
    struct StopOnDrop<'a>(&'a AtomicBool);
    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    std::thread::scope(|scope| {
        let _stop = StopOnDrop(&stop);
        // Two threads keep both sessions checked out most of the time.
        for _ in 0..2 {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let (st, s) = model.score();
                    assert_eq!((st, s.to_bits()), (SERFIQ_OK, want_s.to_bits()), "the parent's result changed");
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while calls.load(Ordering::Relaxed) < 4 {
            std::thread::sleep(Duration::from_millis(5));
        }
        for round in 0..10 {
            let pid = unsafe { fork() };
            assert!(pid >= 0, "fork failed");
            if pid == 0 {
                // The child: the calls under test, then _exit (no harness, no destructors).
                let (st, _) = model.score();
                let mut len = 0usize;
                let mut emb = [0f32; 8];
                let st2 = unsafe { serfiq_embed(model.0, &model.1, null(), emb.as_mut_ptr(), emb.len(), &mut len) };
                unsafe { serfiq_destroy(model.0) };
                let code = if st == SERFIQ_ERR_FORKED && st2 == SERFIQ_ERR_FORKED { 0 } else { 10 + st as i32 };
                unsafe { _exit(code) };
            }
            let t = Instant::now();
            let mut status = 0;
            let code = loop {
                let r = unsafe { waitpid(pid, &mut status, WNOHANG) };
                if r == pid {
                    assert_eq!(status & 0x7f, 0, "round {round}: the child was killed by signal {}", status & 0x7f);
                    break (status >> 8) & 0xff;
                }
                if t.elapsed() > Duration::from_secs(30) {
                    unsafe { kill(pid, SIGKILL) };
                    unsafe { waitpid(pid, &mut status, 0) };
                    panic!("round {round}: the forked child blocked for 30 s");
                }
                std::thread::sleep(Duration::from_millis(2));
            };
            assert_eq!(code, 0, "round {round}: the child's calls did not fail with SERFIQ_ERR_FORKED (code {code})");
        }
    });
    println!(
        "10 forks during {} parent calls: every child got SERFIQ_ERR_FORKED and exited",
        calls.load(Ordering::Relaxed)
    );
    assert_eq!(model.score(), (want_status, want_s));
    unsafe { serfiq_destroy(model.0) };
}
