//! Many threads on one handle through the C ABI: 8 threads × 1000 mixed calls
//! (score, embed, score_embed, batch) give results bit-identical to a serial
//! run; and many handles created and destroyed in parallel.

mod common;

use std::ffi::CString;
use std::ptr::{null, null_mut};

use serfiq::ffi::*;

const THREADS: usize = 8;
const CALLS: usize = 1000;
const IMAGES: usize = 6;

/// Results of one call, as bit patterns so equality is exact.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bits(Vec<u32>);

struct Handle(*mut serfiq_model);
// SAFETY: the C API documents `const serfiq_model*` calls as safe from many threads.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

fn create(model: &CString, ort: &CString) -> *mut serfiq_model {
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    assert_eq!(unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) }, SERFIQ_OK);
    let mut o = unsafe { o.assume_init() };
    o.model_path = model.as_ptr();
    o.ort_library_path = ort.as_ptr();
    // One ONNX Runtime thread per session: the sessions themselves use the cores.
    o.intra_op_threads = 1;
    let mut m = null_mut();
    assert_eq!(unsafe { serfiq_create(&o, &mut m) }, SERFIQ_OK);
    m
}

/// Distinct 112×112 BGR crops (real faces when LFW is present, else patterns).
fn images() -> Vec<Vec<u8>> {
    (0..IMAGES)
        .map(|k| (0..112 * 112 * 3).map(|i| ((i * (k + 3) + i / 336 * 7 + k * 41) % 253) as u8).collect())
        .collect()
}

fn image(px: &[u8]) -> serfiq_image {
    serfiq_image { data: px.as_ptr(), width: 112, height: 112, stride: 0, format: SERFIQ_PIXEL_BGR }
}

/// Call `kind` on image `k` (and its neighbours for a batch); returns the output bits.
fn call(m: *const serfiq_model, imgs: &[Vec<u8>], kind: usize, k: usize, dim: usize) -> Bits {
    let mut q = serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 };
    let mut emb = vec![0f32; dim * 3];
    let mut len = 0usize;
    let st = unsafe {
        match kind {
            0 => serfiq_score(m, &image(&imgs[k]), null(), &mut q),
            1 => serfiq_embed(m, &image(&imgs[k]), null(), emb.as_mut_ptr(), dim, &mut len),
            2 => serfiq_score_embed(m, &image(&imgs[k]), null(), &mut q, emb.as_mut_ptr(), dim, &mut len),
            _ => {
                let batch = [image(&imgs[k]), image(&imgs[(k + 1) % IMAGES]), image(&imgs[(k + 2) % IMAGES])];
                let mut qs = [serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 }; 3];
                let st = serfiq_score_batch(m, batch.as_ptr(), 3, null(), qs.as_mut_ptr(), emb.as_mut_ptr(), 3 * dim);
                let mut bits: Vec<u32> = qs.iter().flat_map(|q| [q.s.to_bits(), q.q.to_bits()]).collect();
                bits.extend(emb.iter().map(|v| v.to_bits()));
                assert_eq!(st, SERFIQ_OK);
                return Bits(bits);
            }
        }
    };
    assert_eq!(st, SERFIQ_OK);
    let mut bits = vec![q.s.to_bits(), q.q.to_bits()];
    bits.extend(emb[..dim].iter().map(|v| v.to_bits()));
    Bits(bits)
}

#[test]
fn eight_threads_match_a_serial_run_bit_for_bit() {
    let model = CString::new(common::default_model().to_str().unwrap()).unwrap();
    let ort = CString::new(common::ort_lib().to_str().unwrap()).unwrap();
    let m = Handle(create(&model, &ort));
    let mut dim = 0;
    assert_eq!(unsafe { serfiq_embedding_size(m.0, &mut dim) }, SERFIQ_OK);
    let imgs = images();
    // Serial reference for every (call kind, image).
    let reference: Vec<Vec<Bits>> =
        (0..4).map(|kind| (0..IMAGES).map(|k| call(m.0, &imgs, kind, k, dim)).collect()).collect();
    let mismatches: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (m, imgs, reference) = (&m, &imgs, &reference);
                s.spawn(move || {
                    (0..CALLS)
                        .filter(|&i| {
                            let (kind, k) = ((i + t) % 4, (i * 7 + t) % IMAGES);
                            call(m.0, imgs, kind, k, dim) != reference[kind][k]
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    unsafe { serfiq_destroy(m.0) };
    assert_eq!(mismatches, 0, "{mismatches} of {} concurrent calls differ from the serial run", THREADS * CALLS);
}

#[test]
fn handles_are_created_and_destroyed_in_parallel() {
    let model = CString::new(common::default_model().to_str().unwrap()).unwrap();
    let ort = CString::new(common::ort_lib().to_str().unwrap()).unwrap();
    let imgs = images();
    let scores: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (model, ort, imgs) = (&model, &ort, &imgs);
                s.spawn(move || {
                    (0..3)
                        .map(|_| {
                            let m = create(model, ort);
                            let mut q = serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 };
                            assert_eq!(unsafe { serfiq_score(m, &image(&imgs[0]), null(), &mut q) }, SERFIQ_OK);
                            unsafe { serfiq_destroy(m) };
                            q.s.to_bits()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(scores.len(), THREADS * 3);
    assert!(scores.iter().all(|&s| s == scores[0]), "handles disagree: {scores:?}");
}
