//! Memory over many calls through the C ABI: is RSS flat?
//!
//! Usage: soak [CALLS] [THREADS]   (default 100000 calls on 2 threads, one model)
//! Cycles score, embed, score_embed and a batch of 3 over distinct crops and
//! prints RSS (from /proc/self/statm) every tenth of the run; the verdict
//! compares the last sample with the one after the first tenth (warm-up).

use std::ffi::CString;
use std::path::PathBuf;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

use serfiq::ffi::*;

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

struct Handle(*mut serfiq_model);
// SAFETY: scoring calls on a `const serfiq_model*` are thread-safe (header).
unsafe impl Sync for Handle {}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let calls = args.first().copied().unwrap_or(100_000);
    let threads = args.get(1).copied().unwrap_or(2).max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cache = std::env::var_os("SERFIQ_CACHE").map(PathBuf::from).unwrap_or_else(|| root.join(".cache"));
    let model = CString::new(cache.join("models/fr_feature.onnx").to_str().unwrap()).unwrap();
    let ort = CString::new(cache.join("onnxruntime/lib/libonnxruntime.so.1.31.1").to_str().unwrap()).unwrap();
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) };
    let mut o = unsafe { o.assume_init() };
    o.model_path = model.as_ptr();
    o.ort_library_path = ort.as_ptr();
    o.intra_op_threads = 1;
    let mut m = null_mut();
    assert_eq!(unsafe { serfiq_create(&o, &mut m) }, SERFIQ_OK, "run `make fetch` first");
    let h = Handle(m);
    let crops: Vec<Vec<u8>> =
        (0..8).map(|k| (0..112 * 112 * 3).map(|i| ((i * (k + 2) + k * 17) % 251) as u8).collect()).collect();
    let img = |k: usize| serfiq_image {
        data: crops[k % 8].as_ptr(),
        width: 112,
        height: 112,
        stride: 0,
        format: SERFIQ_PIXEL_BGR,
    };
    let done = AtomicUsize::new(0);
    let mut samples = vec![(0usize, rss_mib())];
    println!("soak: {calls} calls on {threads} threads, one model; RSS MiB every tenth");
    std::thread::scope(|s| {
        for t in 0..threads {
            let (h, done, img) = (&h, &done, &img);
            s.spawn(move || {
                let mut emb = vec![0f32; 512 * 3];
                let mut q = serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 };
                let mut qs = [serfiq_quality { s: 0.0, q: 0.0, n: 0.0, f: 0.0, q100: 0.0, l: 0.0 }; 3];
                loop {
                    let i = done.fetch_add(1, Ordering::Relaxed);
                    if i >= calls {
                        break;
                    }
                    let k = i * 3 + t;
                    let st = unsafe {
                        match i % 4 {
                            0 => serfiq_score(h.0, &img(k), null(), &mut q),
                            1 => serfiq_embed(h.0, &img(k), null(), emb.as_mut_ptr(), 512, null_mut()),
                            2 => serfiq_score_embed(h.0, &img(k), null(), &mut q, emb.as_mut_ptr(), 512, null_mut()),
                            _ => {
                                let b = [img(k), img(k + 1), img(k + 2)];
                                serfiq_score_batch(h.0, b.as_ptr(), 3, null(), qs.as_mut_ptr(), emb.as_mut_ptr(), 1536)
                            }
                        }
                    };
                    assert_eq!(st, SERFIQ_OK);
                }
            });
        }
        let mut next = calls / 10;
        while next <= calls {
            if done.load(Ordering::Relaxed) >= next {
                let r = rss_mib();
                println!("{next:>8} calls  RSS {r:8.1} MiB");
                samples.push((next, r));
                next += calls / 10;
            } else {
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
    });
    unsafe { serfiq_destroy(h.0) };
    let base = samples.get(1).map_or(samples[0].1, |s| s.1);
    let last = samples.last().map_or(base, |s| s.1);
    let change = (last - base) / base * 100.0;
    println!("RSS after the first tenth {base:.1} MiB, at the end {last:.1} MiB: {change:+.2} %");
    println!("{}", if change.abs() <= 5.0 { "flat (within ±5 %)" } else { "NOT flat" });
}
