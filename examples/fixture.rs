//! Writes a face photo as a binary PPM plus its landmarks as plain text, so the
//! C, C++, C# and Java examples and tests can read the exact same pixels.
//!
//! Usage: fixture PHOTO.jpg OUT_DIR  → OUT_DIR/face.ppm, OUT_DIR/face.landmarks
//! (landmarks from data/faces/landmarks.json, by file name), and
//! OUT_DIR/noface.ppm: a smooth 160x120 gradient in which no face can be found.

use std::path::Path;

use image::codecs::pnm::{PnmEncoder, PnmSubtype, SampleEncoding};

#[path = "shared/landmarks.rs"]
mod landmarks;
use std::process::ExitCode;

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [photo, out] = &args[..] else { return Err("usage: fixture PHOTO.jpg OUT_DIR".into()) };
    let lm = landmarks::for_photo(Path::new(photo))?;
    let flat: Vec<String> = lm.iter().flat_map(|p| [p[0].to_string(), p[1].to_string()]).collect();
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let img = image::open(photo).map_err(|e| format!("{photo}: {e}"))?.to_rgb8();
    write_ppm(&img, &Path::new(out).join("face.ppm"))?;
    let gradient = image::RgbImage::from_fn(160, 120, |x, y| image::Rgb([(x + 40) as u8, (y + 60) as u8, 128]));
    write_ppm(&gradient, &Path::new(out).join("noface.ppm"))?;
    std::fs::write(Path::new(out).join("face.landmarks"), flat.join(" ") + "\n").map_err(|e| e.to_string())?;
    Ok(())
}

/// Binary P6 (not the default P7) so every reader needs only a 3-line header parse.
fn write_ppm(img: &image::RgbImage, path: &Path) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let encoder =
        PnmEncoder::new(std::io::BufWriter::new(file)).with_subtype(PnmSubtype::Pixmap(SampleEncoding::Binary));
    img.write_with_encoder(encoder).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fixture: {e}");
            ExitCode::FAILURE
        }
    }
}
