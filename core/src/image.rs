//! Borrowed 8-bit images as callers hand them over.

use crate::error::{fail, ErrorKind, Result};

/// Largest width or height accepted (pixels). Bounds memory and index arithmetic.
pub const MAX_SIDE: u32 = 1 << 15;

/// Byte layout of one pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 3 bytes: blue, green, red.
    Bgr,
    /// 3 bytes: red, green, blue.
    Rgb,
    /// 4 bytes: blue, green, red, alpha (alpha is ignored).
    Bgra,
    /// 4 bytes: red, green, blue, alpha (alpha is ignored).
    Rgba,
    /// 1 byte of grey, used for all three colour channels.
    Gray,
}

impl PixelFormat {
    /// Bytes one pixel takes: 3, 4 or 1.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Bgr | PixelFormat::Rgb => 3,
            PixelFormat::Bgra | PixelFormat::Rgba => 4,
            PixelFormat::Gray => 1,
        }
    }

    /// Byte offsets of red, green and blue inside a pixel.
    fn rgb_offsets(self) -> [usize; 3] {
        match self {
            PixelFormat::Bgr | PixelFormat::Bgra => [2, 1, 0],
            PixelFormat::Rgb | PixelFormat::Rgba => [0, 1, 2],
            PixelFormat::Gray => [0, 0, 0],
        }
    }
}

/// Number of bytes an image of this shape spans (`stride` in bytes): every row
/// but the last at full stride, the last only up to its last pixel. Fails with
/// `ErrorKind::InvalidImage` when a side is 0 or over [`MAX_SIDE`], the stride is
/// shorter than one row, or the size overflows.
pub fn required_len(width: u32, height: u32, stride: usize, format: PixelFormat) -> Result<usize> {
    if width == 0 || height == 0 {
        return fail(ErrorKind::InvalidImage, format!("image size {width}x{height} is empty"));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return fail(
            ErrorKind::InvalidImage,
            format!("image size {width}x{height} exceeds the limit of {MAX_SIDE} pixels per side"),
        );
    }
    let row = width as usize * format.bytes_per_pixel();
    if stride < row {
        return fail(
            ErrorKind::InvalidImage,
            format!("stride {stride} is smaller than one row of {width} pixels ({row} bytes)"),
        );
    }
    (height as usize - 1)
        .checked_mul(stride)
        .and_then(|n| n.checked_add(row))
        .filter(|&n| n <= isize::MAX as usize)
        .map_or_else(|| fail(ErrorKind::InvalidImage, format!("stride {stride} x height {height} overflows")), Ok)
}

/// A borrowed, validated 8-bit image.
#[derive(Debug, Clone, Copy)]
pub struct ImageView<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    stride: usize,
    format: PixelFormat,
}

impl<'a> ImageView<'a> {
    /// Checks the shape against `data` (which may be longer than needed);
    /// `stride` is the distance between rows in bytes. Fails with
    /// `ErrorKind::InvalidImage` when the shape is unusable ([`required_len`])
    /// or `data` is shorter than it needs.
    pub fn new(data: &'a [u8], width: u32, height: u32, stride: usize, format: PixelFormat) -> Result<Self> {
        let need = required_len(width, height, stride, format)?;
        if data.len() < need {
            return fail(
                ErrorKind::InvalidImage,
                format!("image buffer has {} bytes, {width}x{height} with stride {stride} needs {need}", data.len()),
            );
        }
        Ok(ImageView { data, width, height, stride, format })
    }

    /// A tightly packed image (stride = width × bytes per pixel). Fails as
    /// [`ImageView::new`].
    pub fn packed(data: &'a [u8], width: u32, height: u32, format: PixelFormat) -> Result<Self> {
        Self::new(data, width, height, width as usize * format.bytes_per_pixel(), format)
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Byte layout of the pixels.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// The `width`×`height` part of the image whose top-left pixel is (x, y),
    /// without copying; `None` when it does not lie inside the image or is empty.
    pub fn region(&self, x: u32, y: u32, width: u32, height: u32) -> Option<ImageView<'a>> {
        let inside = x.checked_add(width)? <= self.width && y.checked_add(height)? <= self.height;
        if !inside || width == 0 || height == 0 {
            return None;
        }
        let start = y as usize * self.stride + x as usize * self.format.bytes_per_pixel();
        ImageView::new(&self.data[start..], width, height, self.stride, self.format).ok()
    }

    /// The bytes, the stride, the bytes per pixel and where red, green and blue
    /// lie in a pixel: for loops that read many pixels (`rgb` reads one).
    pub(crate) fn layout(&self) -> (&'a [u8], usize, usize, [usize; 3]) {
        (self.data, self.stride, self.format.bytes_per_pixel(), self.format.rgb_offsets())
    }

    /// Red, green and blue of pixel (x, y); the caller keeps x, y inside the image.
    #[inline]
    pub fn rgb(&self, x: usize, y: usize) -> [u8; 3] {
        let base = y * self.stride + x * self.format.bytes_per_pixel();
        let [r, g, b] = self.format.rgb_offsets();
        [self.data[base + r], self.data[base + g], self.data[base + b]]
    }
}
