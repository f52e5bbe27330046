//! Reading an image file (or its bytes) as `serfiq score` does: the format
//! guessed from the content, the size limits checked from the header before
//! any pixel is decoded, 8-bit RGB out. Self-contained (image and
//! serfiq-core only), so the Python package builds the same file in.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
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

/// Whether a JPEG stream reaches its end-of-image marker (FF D9). Segments
/// are skipped by their lengths, so an EXIF thumbnail's own FF D9 does not
/// count, and in entropy-coded data FF 00 and the restart markers are data.
/// Rewinds `r` to its start.
fn jpeg_has_end<R: BufRead + Seek>(r: &mut R) -> std::io::Result<bool> {
    r.seek(SeekFrom::Start(0))?;
    let found = reaches_eoi(r)?;
    r.seek(SeekFrom::Start(0))?;
    Ok(found)
}

fn next_byte<R: BufRead>(r: &mut R) -> std::io::Result<Option<u8>> {
    let b = r.fill_buf()?.first().copied();
    if b.is_some() {
        r.consume(1);
    }
    Ok(b)
}

fn reaches_eoi<R: BufRead>(r: &mut R) -> std::io::Result<bool> {
    loop {
        // Anything but FF is scan data (or stray bytes between segments).
        let Some(0xFF) = next_byte(r)? else {
            if r.fill_buf()?.is_empty() {
                return Ok(false);
            }
            continue;
        };
        let mut marker = 0xFF;
        while marker == 0xFF {
            let Some(b) = next_byte(r)? else { return Ok(false) };
            marker = b;
        }
        match marker {
            0xD9 => return Ok(true),
            // Stuffed FF, restart markers, TEM and SOI carry no length.
            0x00 | 0x01 | 0xD0..=0xD8 => {}
            _ => {
                let (Some(hi), Some(lo)) = (next_byte(r)?, next_byte(r)?) else { return Ok(false) };
                let len = u16::from_be_bytes([hi, lo]).saturating_sub(2) as u64;
                if std::io::copy(&mut std::io::Read::take(&mut *r, len), &mut std::io::sink())? < len {
                    return Ok(false);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(bytes: &[u8]) -> bool {
        jpeg_has_end(&mut std::io::Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn a_jpeg_ends_at_its_own_end_of_image_marker() {
        // SOI, an APP1 holding a thumbnail's FF D9, SOS, scan data with FF 00 and RST0, EOI.
        let app1 = [0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD8, 0xFF, 0xD9];
        let sos = [0xFF, 0xDA, 0x00, 0x03, 0x01];
        let scan = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56];
        let mut whole = vec![0xFF, 0xD8];
        whole.extend(app1);
        whole.extend(sos);
        whole.extend(scan);
        assert!(!ends(&whole), "cut before EOI, with a thumbnail's EOI inside APP1");
        whole.extend([0xFF, 0xD9]);
        assert!(ends(&whole));
        whole.extend(b"trailing bytes after the image");
        assert!(ends(&whole));
        assert!(!ends(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00]), "a segment cut inside its length");
    }
}
