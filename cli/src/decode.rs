//! Reading an image file (or its bytes) as `serfiq score` does: the format
//! guessed from the content, the size limits checked from the header before
//! any pixel is decoded, 8-bit RGB out. Self-contained (image and
//! serfiq-core only), so the Python package builds the same file in.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

/// Most pixels per side of an image that is decoded: the library's limit
/// (`serfiq_core::image::MAX_SIDE`, 32768).
pub const MAX_SIDE: u32 = serfiq_core::image::MAX_SIDE;
/// Most pixels of an image that is decoded: 64 megapixels (2^26, 8192 x 8192;
/// 192 MiB as 8-bit RGB). Larger images are refused from their header, before
/// any pixel is decoded.
pub const MAX_IMAGE_PIXELS: u64 = 1 << 26;
/// Most bytes the decoder may allocate for one image: its pixels as stored (4
/// bytes per pixel at [`MAX_IMAGE_PIXELS`], so 8-bit RGBA at the limit; 16-bit
/// images up to half of it) and its working buffers. 256 MiB.
pub const MAX_DECODE_BYTES: u64 = 4 * MAX_IMAGE_PIXELS;
/// Most decoded pixels held at once, over a batch and (for `eval` and
/// `calibrate`) over all workers together: one image at the pixel limit. A
/// batch ends early rather than go over it (the CLI's `process::Batcher`,
/// the Python package's `score_files`).
pub const MAX_HELD_PIXELS: u64 = MAX_IMAGE_PIXELS;

/// An image whose header was read and checked against the limits, not yet decoded.
pub struct Opened {
    decoder: Box<dyn ImageDecoder>,
    width: u32,
    height: u32,
}

impl Opened {
    pub fn pixels(&self) -> u64 {
        self.width as u64 * self.height as u64
    }

    /// Decodes it as 8-bit RGB. EXIF orientation is not applied: landmarks
    /// refer to the pixels as stored.
    pub fn decode(self) -> Result<RgbImage, String> {
        let image = DynamicImage::from_decoder(self.decoder).map_err(|e| decode_error(&e))?;
        Ok(image.into_rgb8())
    }
}

/// An I/O error without the "(os error N)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn decode_error(e: &image::ImageError) -> String {
    format!("cannot decode image: {}", one_line(&e.to_string()))
}

/// Decoder messages may span lines; a report is one line per image.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Opens an image file and reads its header: a side over [`MAX_SIDE`], more
/// than [`MAX_IMAGE_PIXELS`] pixels or more than [`MAX_DECODE_BYTES`] to decode
/// is refused here, before the pixels are decoded. Only a regular file is
/// opened, without blocking (`serfiq_core::files::open_regular`).
pub fn open(path: &Path) -> Result<Opened, String> {
    let file = serfiq_core::files::open_regular(path).map_err(|e| format!("cannot read: {}", io_reason(&e)))?;
    if file.metadata().is_ok_and(|m| m.len() == 0) {
        return Err("the file is empty".to_string());
    }
    checked(ImageReader::new(BufReader::new(file)))
}

/// [`open`] for an encoded image in memory (the Python package's bytes column).
#[allow(dead_code)]
pub fn open_bytes(bytes: &[u8]) -> Result<Opened, String> {
    if bytes.is_empty() {
        return Err("the file is empty".to_string());
    }
    checked(ImageReader::new(std::io::Cursor::new(bytes.to_vec())))
}

fn checked<R: BufRead + Seek + 'static>(reader: ImageReader<R>) -> Result<Opened, String> {
    let mut reader = reader.with_guessed_format().map_err(|e| format!("cannot read: {}", io_reason(&e)))?;
    // The JPEG decoder fills a truncated file's missing rows with grey and
    // reports success; such an image must not get a score.
    if reader.format() == Some(image::ImageFormat::Jpeg) {
        let mut inner = reader.into_inner();
        let complete = jpeg_has_end(&mut inner).map_err(|e| format!("cannot read: {}", io_reason(&e)))?;
        if !complete {
            return Err("cannot decode image: the JPEG file is truncated (no end-of-image marker)".to_string());
        }
        reader = ImageReader::with_format(inner, image::ImageFormat::Jpeg);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|e| decode_error(&e))?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_IMAGE_PIXELS {
        return Err(format!(
            "image is {width}x{height} pixels; serfiq reads at most {MAX_SIDE} pixels per side and \
             {MAX_IMAGE_PIXELS} pixels (64 megapixels) per image"
        ));
    }
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(format!(
            "image is {width}x{height} pixels of {:?}: {} bytes to decode, more than the limit of {MAX_DECODE_BYTES}",
            decoder.color_type(),
            decoder.total_bytes()
        ));
    }
    Ok(Opened { decoder: Box::new(decoder), width, height })
}

/// Whether a JPEG stream holds an end-of-image marker (FF D9) after its first
/// start-of-scan (FF DA); the entropy-coded data cannot hold FF D9 (an FF
/// there is followed by 00 or a restart marker). Rewinds `r` to its start.
fn jpeg_has_end<R: BufRead + Seek>(r: &mut R) -> std::io::Result<bool> {
    r.seek(SeekFrom::Start(0))?;
    let (mut scan, mut after_ff, mut found) = (false, false, false);
    let mut buf = [0u8; 64 * 1024];
    'read: loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for &b in &buf[..n] {
            match (after_ff, b) {
                (true, 0xDA) => scan = true,
                (true, 0xD9) if scan => {
                    found = true;
                    break 'read;
                }
                _ => {}
            }
            after_ff = b == 0xFF;
        }
    }
    r.seek(SeekFrom::Start(0))?;
    Ok(found)
}
