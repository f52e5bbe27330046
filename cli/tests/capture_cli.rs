//! `serfiq capture` on a folder of frames (always available) and on the real
//! clip through ffmpeg (when installed); a clear error without ffmpeg.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use image::{Rgb, RgbImage};

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("serfiq-capture-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn serfiq(args: &[&str], path_env: Option<&str>) -> Output {
    let cache = fetched("models").parent().unwrap().to_path_buf();
    let mut c = Command::new(env!("CARGO_BIN_EXE_serfiq"));
    c.args(args).env("SERFIQ_CACHE", cache).env_remove("SERFIQ_MODEL").env_remove("SERFIQ_DETECTOR");
    c.env_remove("SERFIQ_ORT_LIB");
    if let Some(p) = path_env {
        c.env("PATH", p);
    }
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A folder of `n` frames: a still face (obama.jpg, shrunk into 640x480), then a blank one.
fn frames(dir: &Path, n: usize) {
    let photo = image::open(fetched("faces/obama.jpg")).unwrap().to_rgb8();
    let small = image::imageops::resize(&photo, 250, 480, image::imageops::FilterType::Triangle);
    let mut frame = RgbImage::from_pixel(640, 480, Rgb([128, 128, 128]));
    image::imageops::overlay(&mut frame, &small, 195, 0);
    for i in 0..n {
        frame.save(dir.join(format!("{i:03}.png"))).unwrap();
    }
    RgbImage::from_pixel(640, 480, Rgb([90, 90, 90])).save(dir.join(format!("{n:03}.png"))).unwrap();
}

#[test]
fn a_folder_of_frames_gives_one_line_per_frame_and_the_best_crop() {
    if !have_cache() {
        return;
    }
    let dir = scratch("folder");
    let input = dir.join("frames");
    std::fs::create_dir_all(&input).unwrap();
    frames(&input, 8);
    let crop = dir.join("best.png");
    let ann = dir.join("annotated");
    let args =
        ["capture", input.to_str().unwrap(), "--best", crop.to_str().unwrap(), "--annotate", ann.to_str().unwrap()];
    let out = serfiq(&args, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("frame,name,state,timestamp_ms,feedback,track"), "{}", lines[0]);
    assert_eq!(lines.len(), 1 + 9, "{csv}");
    assert!(lines[1].contains(",1,") && lines[9].contains("SEARCHING") && lines[9].contains("NO_FACE"), "{csv}");
    // Timestamps at the default 30 fps.
    assert!(lines[4].split(',').nth(3) == Some("100"), "{}", lines[4]);
    let best = image::open(&crop).unwrap();
    assert_eq!((best.width(), best.height()), (112, 112));
    assert_eq!(std::fs::read_dir(&ann).unwrap().count(), 9);
    assert!(text(&out.stderr).contains("best frame"), "{}", text(&out.stderr));
    // JSON lines, one object per frame.
    let out = serfiq(&["capture", input.to_str().unwrap(), "--json"], None);
    let objs: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(objs.len(), 9);
    assert_eq!(objs[0]["face"]["track"], 1);
    assert_eq!(objs[8]["state"], "SEARCHING");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_inputs_say_what_is_wrong() {
    if !have_cache() {
        return;
    }
    let dir = scratch("bad");
    let video = dir.join("clip.mp4");
    std::fs::write(&video, b"not a video").unwrap();
    // No ffmpeg on PATH: the message says how to get it, or to use a frame folder.
    let out = serfiq(&["capture", video.to_str().unwrap()], Some(dir.to_str().unwrap()));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("ffmpeg is not installed"), "{}", text(&out.stderr));
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = serfiq(&["capture", empty.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no *.jpg"), "{}", text(&out.stderr));
    let out = serfiq(&["capture", empty.to_str().unwrap(), "--steady-frames", "0"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("steady_frames"), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_real_clip_through_ffmpeg() {
    if !have_cache() {
        return;
    }
    let Some(clip) = shared_data("video/short_hamilton_clip.mp4") else { return };
    if Command::new("ffmpeg").arg("-version").output().is_err() {
        eprintln!("skipping: ffmpeg is not installed");
        return;
    }
    let out = serfiq(&["capture", clip.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 1 + 300);
    println!("{}", text(&out.stderr));
}
