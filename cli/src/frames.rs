//! Frames for `serfiq capture` and `serfiq bench --capture`: a video decoded by
//! ffmpeg (when installed), or a folder of images in name order.

use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use image::RgbImage;

use crate::show;

/// One decoded frame and when it was taken.
pub struct Frame {
    pub rgb: RgbImage,
    pub timestamp_ms: i64,
    /// The image file it came from, or "VIDEO#frame".
    pub name: String,
}

/// Where frames come from.
pub enum Source {
    Video { child: Child, out: ChildStdout, width: u32, height: u32, fps: f64, name: String, next: u64 },
    Folder { paths: Vec<PathBuf>, fps: f64, next: usize },
}

/// What to tell a user without ffmpeg.
const NO_FFMPEG: &str = "ffmpeg is not installed (Debian/Ubuntu: apt-get install ffmpeg); \
    it decodes videos for serfiq, or pass a folder of frames (*.jpg, *.png) instead";

fn tool(name: &str) -> Command {
    let mut c = Command::new(name);
    c.stdin(Stdio::null());
    c
}

/// Runs `ffprobe` for the first video stream's width, height and frame rate.
fn probe(path: &Path) -> Result<(u32, u32, f64), String> {
    let out = tool("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate"])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .map_err(|e| if e.kind() == ErrorKind::NotFound { NO_FFMPEG.to_string() } else { format!("ffprobe: {e}") })?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!("ffprobe cannot read it: {}", show::text(why.trim())));
    }
    let fields: Vec<&str> = text.trim().split(',').collect();
    let parse = |s: &str| s.trim().parse::<u32>().ok().filter(|&v| v > 0);
    let rate = |s: &str| -> Option<f64> {
        let (n, d) = s.trim().split_once('/').unwrap_or((s, "1"));
        let r = n.parse::<f64>().ok()? / d.parse::<f64>().ok()?;
        (r.is_finite() && r > 0.0).then_some(r)
    };
    match fields.as_slice() {
        [w, h, r, ..] => match (parse(w), parse(h)) {
            (Some(w), Some(h)) => Ok((w, h, rate(r).unwrap_or(30.0))),
            _ => Err("it has no video stream ffprobe can size".to_string()),
        },
        _ => Err("it has no video stream".to_string()),
    }
}

impl Source {
    /// Frames of `path`: a folder's images at `fps`, or a video through ffmpeg
    /// (scaled to `size` when given, at the video's own rate).
    pub fn open(path: &Path, fps: f64, size: Option<(u32, u32)>) -> Result<Source, String> {
        if path.is_dir() {
            let found = crate::inputs::collect(&[path.to_path_buf()]);
            if found.images.is_empty() {
                return Err("the folder holds no *.jpg, *.jpeg or *.png frames".to_string());
            }
            let mut paths = found.images;
            paths.sort();
            return Ok(Source::Folder { paths, fps, next: 0 });
        }
        let meta = std::fs::metadata(path).map_err(|e| crate::decode::io_reason(&e))?;
        if !meta.is_file() {
            return Err("not a video file or a folder of frames".to_string());
        }
        let (w, h, rate) = probe(path)?;
        let (width, height) = size.unwrap_or((w, h));
        let mut child = tool("ffmpeg")
            .args(["-v", "error", "-nostats", "-i"])
            .arg(path)
            .args(["-vf", &format!("scale={width}:{height}"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(
                |e| if e.kind() == ErrorKind::NotFound { NO_FFMPEG.to_string() } else { format!("ffmpeg: {e}") },
            )?;
        let out = child.stdout.take().ok_or("ffmpeg gave no output pipe")?;
        Ok(Source::Video { child, out, width, height, fps: rate, name: show::path(path), next: 0 })
    }
}

fn at(index: u64, fps: f64) -> i64 {
    (index as f64 * 1000.0 / fps).round() as i64
}

impl Iterator for Source {
    type Item = Result<Frame, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Source::Folder { paths, fps, next } => {
                let path = paths.get(*next)?;
                let ts = at(*next as u64, *fps);
                *next += 1;
                let name = show::path(path);
                Some(
                    crate::decode::open(path)
                        .and_then(|o| o.decode())
                        .map(|rgb| Frame { rgb, timestamp_ms: ts, name: name.clone() })
                        .map_err(|e| format!("{name}: {e}")),
                )
            }
            Source::Video { child, out, width, height, fps, name, next } => {
                let mut buf = vec![0u8; *width as usize * *height as usize * 3];
                match out.read_exact(&mut buf) {
                    Ok(()) => {
                        let rgb = RgbImage::from_raw(*width, *height, buf)?;
                        let frame = Frame { rgb, timestamp_ms: at(*next, *fps), name: format!("{name}#{next}") };
                        *next += 1;
                        Some(Ok(frame))
                    }
                    Err(e) if e.kind() == ErrorKind::UnexpectedEof => match child.wait() {
                        Ok(s) if s.success() => None,
                        Ok(s) => Some(Err(format!("{name}: ffmpeg stopped with {s} after {next} frames"))),
                        Err(e) => Some(Err(format!("{name}: ffmpeg: {e}"))),
                    },
                    Err(e) => Some(Err(format!("{name}: reading ffmpeg's output: {e}"))),
                }
            }
        }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Source::Video { child, .. } = self {
            // Stopped early (an error, or enough frames): do not leave ffmpeg running.
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}
