//! Image description, landmarks and alignment: any shape, stride, format and
//! landmark values must give Ok or an Err, never a panic or an out-of-bounds read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serfiq_core::align::{aligned_rgb, InputSpec};
use serfiq_core::{ImageView, PixelFormat};

fn f32_at(d: &[u8], i: usize) -> f32 {
    d.get(i..i + 4).map_or(0.0, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 52 {
        return;
    }
    let width = u16::from_le_bytes([data[0], data[1]]) as u32 % 300;
    let height = u16::from_le_bytes([data[2], data[3]]) as u32 % 300;
    let stride = u16::from_le_bytes([data[4], data[5]]) as usize;
    let format = [PixelFormat::Bgr, PixelFormat::Rgb, PixelFormat::Bgra, PixelFormat::Rgba, PixelFormat::Gray]
        [data[6] as usize % 5];
    let with_landmarks = data[7] & 1 == 1;
    let side = 8 + (data[7] as u32 >> 1) % 120;
    let spec = InputSpec { width: side, height: side, bgr: data[8] & 1 == 1, mean: [127.5; 3], std: [128.0; 3] };
    let lm: [[f32; 2]; 5] = std::array::from_fn(|i| [f32_at(data, 12 + 8 * i), f32_at(data, 16 + 8 * i)]);
    let pixels = &data[52..];
    let Ok(view) = ImageView::new(pixels, width, height, stride, format) else { return };
    let mut out = vec![0.0f32; spec.tensor_len()];
    let landmarks = with_landmarks.then_some(&lm);
    if spec.fill(&view, landmarks, &mut out).is_ok() {
        assert!(out.iter().all(|v| v.is_finite()), "non-finite tensor value");
    }
    if with_landmarks {
        let _ = aligned_rgb(&spec, &view, &lm);
    }
});
