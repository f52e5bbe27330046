//! Images and landmarks as foreign callers describe them, checked once for
//! every surface.

use serfiq_core::image::required_len;
use serfiq_core::{ImageView, Landmarks, PixelFormat};

use super::{pixel_format, Failure};
use crate::ffi::SERFIQ_LANDMARK_FLOATS;
use crate::status::SERFIQ_ERR_INVALID_IMAGE;

/// An image's size and layout, checked: the pixel format is known, the stride
/// (0 = packed) holds a row, and the image spans `need` bytes from its first.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub width: u32,
    pub height: u32,
    pub stride: usize,
    pub format: PixelFormat,
    pub need: usize,
}

impl Shape {
    /// `index` names the image in messages (its place in a batch).
    pub fn new(width: u32, height: u32, stride: usize, format: u32, index: usize) -> Result<Shape, Failure> {
        let bad = |m: String| Failure::new(SERFIQ_ERR_INVALID_IMAGE, format!("image {index}: {m}"));
        let format = pixel_format(format).ok_or_else(|| bad(format!("unknown pixel format {format}")))?;
        let stride = if stride == 0 { width as usize * format.bytes_per_pixel() } else { stride };
        let need = required_len(width, height, stride, format).map_err(|e| bad(e.message))?;
        Ok(Shape { width, height, stride, format, need })
    }
}

/// The image of `shape` in `data` (at least `shape.need` bytes).
pub fn view<'a>(data: &'a [u8], shape: &Shape, index: usize) -> Result<ImageView<'a>, Failure> {
    ImageView::new(data, shape.width, shape.height, shape.stride, shape.format)
        .map_err(|e| Failure::new(SERFIQ_ERR_INVALID_IMAGE, format!("image {index}: {}", e.message)))
}

/// Ten floats (x, y of five points) as core landmarks.
pub fn landmarks(f: &[f32; SERFIQ_LANDMARK_FLOATS]) -> Landmarks {
    std::array::from_fn(|i| [f[2 * i], f[2 * i + 1]])
}
