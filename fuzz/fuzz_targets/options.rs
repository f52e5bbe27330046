//! The C options struct with arbitrary scalar fields through `serfiq_create`.
//! ONNX Runtime is pointed at a missing file, so each call ends at validation
//! or at the runtime lookup: a status, never a panic (SERFIQ_ERR_INTERNAL).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serfiq::ffi::*;

fn take<const N: usize>(d: &mut &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = N.min(d.len());
    out[..n].copy_from_slice(&d[..n]);
    *d = &d[n..];
    out
}

fuzz_target!(|data: &[u8]| {
    let mut d = data;
    let mut o = std::mem::MaybeUninit::<serfiq_options>::uninit();
    unsafe { serfiq_options_init(o.as_mut_ptr(), std::mem::size_of::<serfiq_options>()) };
    let mut o = unsafe { o.assume_init() };
    let flags = take::<1>(&mut d)[0];
    if flags & 1 == 1 {
        o.struct_size = u64::from_le_bytes(take(&mut d)) as usize;
    }
    o.model_path = if flags & 2 == 2 { c"/nonexistent/model.onnx".as_ptr() } else { std::ptr::null() };
    o.ort_library_path = c"/nonexistent/libonnxruntime.so.1".as_ptr();
    o.embedding_layer = if flags & 4 == 4 { c"layer".as_ptr() } else { std::ptr::null() };
    o.samples = u32::from_le_bytes(take(&mut d));
    o.dropout = f32::from_le_bytes(take(&mut d));
    o.seed = u64::from_le_bytes(take(&mut d));
    o.alpha = f64::from_le_bytes(take(&mut d));
    o.r = f64::from_le_bytes(take(&mut d));
    o.channel_order = u32::from_le_bytes(take(&mut d));
    for v in o.mean.iter_mut().chain(o.std.iter_mut()) {
        *v = f32::from_le_bytes(take(&mut d));
    }
    o.intra_op_threads = u32::from_le_bytes(take(&mut d));
    o.max_sessions = u32::from_le_bytes(take(&mut d));
    o.model_sha256 = if flags & 8 == 8 { c"00ff".as_ptr() } else { std::ptr::null() };
    o.detector_path = if flags & 16 == 16 { c"/nonexistent/detector.onnx".as_ptr() } else { std::ptr::null() };
    o.face_policy = u32::from_le_bytes(take(&mut d));
    o.detector_threshold = f32::from_le_bytes(take(&mut d));
    let mut model: *mut serfiq_model = std::ptr::null_mut();
    let status = unsafe { serfiq_create(&o, &mut model) };
    assert_ne!(status, SERFIQ_OK, "created a model without ONNX Runtime");
    assert_ne!(status, SERFIQ_ERR_INTERNAL, "a panic inside serfiq_create");
    assert!(model.is_null());
});
