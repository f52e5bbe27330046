//! The CUDA execution provider. Where this ONNX Runtime has no CUDA provider
//! (the CPU wheel, as in CI), asking for the GPU must fail with its own error
//! or, with `gpu_fallback`, run on the CPU and say so. Where it has one and
//! `SERFIQ_GPU_TESTS=1`, GPU and CPU must agree (scripts/gpu-check.sh runs that).

mod common;

use serfiq_core::gpu::Provider;
use serfiq_core::{ErrorKind, Face, ImageView, Model, Options, PixelFormat};

/// The GPU build of ONNX Runtime ships its CUDA provider next to the library.
fn has_cuda_provider() -> bool {
    common::ort_lib().parent().is_some_and(|d| d.join("libonnxruntime_providers_cuda.so").exists())
}

fn crop() -> Vec<u8> {
    (0..112 * 112 * 3).map(|i| ((i * 7 + i / 336 * 3) % 251) as u8).collect()
}

fn cuda_options(fallback: bool) -> Options {
    Options {
        provider: Provider::Cuda { device_id: 0 },
        gpu_fallback: fallback,
        ..common::options(&common::default_model())
    }
}

#[test]
fn cuda_without_a_cuda_runtime_is_gpu_unavailable() {
    if has_cuda_provider() {
        eprintln!("skipping: this ONNX Runtime has a CUDA provider");
        return;
    }
    let e = Model::new(&cuda_options(false)).err().expect("CUDA must not be reported as working");
    assert_eq!(e.kind, ErrorKind::GpuUnavailable, "{}", e.message);
    assert!(e.message.contains("CUDA"), "{}", e.message);
}

#[test]
fn gpu_fallback_runs_on_the_cpu_and_says_so() {
    if has_cuda_provider() {
        eprintln!("skipping: this ONNX Runtime has a CUDA provider");
        return;
    }
    let gpu = Model::new(&cuda_options(true)).unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(gpu.provider(), Provider::Cpu);
    assert!(gpu.gpu_fallback_reason().is_some_and(|r| r.contains("CUDA")));
    let cpu = common::load(&common::default_model());
    assert_eq!(cpu.provider(), Provider::Cpu);
    assert!(cpu.gpu_fallback_reason().is_none());
    let px = crop();
    let face = Face { image: ImageView::packed(&px, 112, 112, PixelFormat::Rgb).unwrap(), landmarks: None };
    let (a, b) = (gpu.score_embed(&face).unwrap(), cpu.score_embed(&face).unwrap());
    assert_eq!(a.0.s.to_bits(), b.0.s.to_bits());
    assert_eq!(a.1, b.1);
}

#[test]
fn on_a_gpu_cuda_and_cpu_agree() {
    if !has_cuda_provider() || std::env::var_os("SERFIQ_GPU_TESTS").is_none() {
        eprintln!("skipping: no CUDA provider or SERFIQ_GPU_TESTS unset");
        return;
    }
    let gpu = Model::new(&cuda_options(false)).unwrap_or_else(|e| panic!("{}", e.message));
    assert!(matches!(gpu.provider(), Provider::Cuda { .. }));
    let cpu = common::load(&common::default_model());
    let px = crop();
    let face = Face { image: ImageView::packed(&px, 112, 112, PixelFormat::Rgb).unwrap(), landmarks: None };
    let (a, b) = (gpu.score_embed(&face).unwrap(), cpu.score_embed(&face).unwrap());
    assert!((a.0.s - b.0.s).abs() <= 1e-3, "s {} vs {}", a.0.s, b.0.s);
    assert!(common::max_abs_diff(&a.1, &b.1) <= 1e-3);
}
