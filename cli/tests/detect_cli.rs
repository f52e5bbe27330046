//! `serfiq score` on ordinary photos: the detector loads from the cache by
//! default, `--no-detect` turns it off, `--faces all` lists every face,
//! `--save-crops` and `--annotate` write files, and "no face" is reported per
//! image with its own reason.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use image::{imageops, Rgb, RgbImage};

/// A fresh scratch folder.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("serfiq-detect-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the CLI from `cwd` with the repository's cache.
fn serfiq(cwd: &Path, args: &[&str]) -> Output {
    let cache = fetched("models").parent().unwrap().to_path_buf();
    Command::new(env!("CARGO_BIN_EXE_serfiq"))
        .args(args)
        .current_dir(cwd)
        .env("SERFIQ_CACHE", cache)
        .env_remove("SERFIQ_MODEL")
        .env_remove("SERFIQ_DETECTOR")
        .env_remove("SERFIQ_ORT_LIB")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Two faces: obama.jpg large on the left, biden.jpg small in the middle; a blank image.
fn fixtures(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let obama = image::open(fetched("faces/obama.jpg")).unwrap().to_rgb8();
    let biden = image::open(fetched("faces/biden.jpg")).unwrap().to_rgb8();
    let mut two = RgbImage::from_pixel(1200, 700, Rgb([120, 120, 120]));
    imageops::overlay(&mut two, &imageops::resize(&obama, 480, 600, imageops::FilterType::Triangle), 20, 50);
    imageops::overlay(&mut two, &imageops::resize(&biden, 140, 318, imageops::FilterType::Triangle), 540, 270);
    let (two_p, blank_p) = (dir.join("two.png"), dir.join("blank.png"));
    two.save(&two_p).unwrap();
    RgbImage::from_pixel(300, 200, Rgb([30, 30, 30])).save(&blank_p).unwrap();
    (fetched("faces/obama.jpg"), two_p, blank_p)
}

#[test]
fn score_finds_faces_in_photos_and_reports_those_without() {
    let dir = scratch("score");
    let (obama, two, blank) = fixtures(&dir);
    let (obama, two, blank) = (obama.to_str().unwrap(), two.to_str().unwrap(), blank.to_str().unwrap());

    // One face per photo by default; the blank image fails with its own reason.
    let out = serfiq(&dir, &["score", obama, two, blank]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "path,s,q,n,f,q100,l");
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[1].starts_with(obama) && lines[2].starts_with(two), "{stdout}");
    assert!(stderr.contains(&format!("serfiq: {blank}: no face found")), "{stderr}");

    // Every face: index, box, confidence.
    let out = serfiq(&dir, &["score", "--faces", "all", two]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let rows: Vec<Vec<&str>> = stdout.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(stdout.lines().next(), Some("path,face,x0,y0,x1,y1,confidence,s,q,n,f,q100,l"));
    assert_eq!(rows.len(), 2, "{stdout}");
    assert_eq!((rows[0][1], rows[1][1]), ("0", "1"));
    let x0: f32 = rows[0][2].parse().unwrap();
    assert!(x0 < 480.0, "the largest face (left) comes first: {stdout}");
    assert!(rows.iter().all(|r| r[6].parse::<f32>().unwrap() > 0.9));

    // JSON objects carry face, box, landmarks and confidence.
    let out = serfiq(&dir, &["score", "--faces", "all", "--json", "--face-policy", "central", two]);
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["face"], 0);
    let x0 = v[0]["box"][0].as_f64().unwrap();
    assert!((550.0..700.0).contains(&x0), "most central first with --face-policy central: {v}");
    assert_eq!(v[1]["landmarks"].as_array().unwrap().len(), 5);
    assert!(v[1]["confidence"].as_f64().unwrap() > 0.9 && v[1]["s"].as_f64().is_some());

    // Without the detector, photos need landmarks.
    let out = serfiq(&dir, &["score", "--no-detect", obama]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("serfiq: {obama}: image is 910x1137; without landmarks")), "{stderr}");
    assert!(stderr.contains("pass --landmarks FILE, or --detector PATH"), "the hint names the flags: {stderr}");
    // A detector that does not exist is a fatal error.
    let out = serfiq(&dir, &["score", "--detector", "/nonexistent/d.onnx", obama]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/d.onnx"), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crops_and_annotations_are_written() {
    let dir = scratch("files");
    let (obama, two, blank) = fixtures(&dir);
    let (obama, two, blank) = (obama.to_str().unwrap(), two.to_str().unwrap(), blank.to_str().unwrap());

    // One image: --annotate names the file.
    let out = serfiq(&dir, &["score", "--annotate", "ann/obama.png", "--save-crops", "crops", obama]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ann = image::open(dir.join("ann/obama.png")).unwrap().to_rgb8();
    let orig = image::open(obama).unwrap().to_rgb8();
    assert_eq!(ann.dimensions(), orig.dimensions());
    let changed = ann.pixels().zip(orig.pixels()).filter(|(a, b)| a != b).count();
    assert!(changed > 1000 && changed < ann.len() / 3 / 5, "{changed} pixels drawn");
    let crop = image::open(dir.join("crops/obama.png")).unwrap();
    assert_eq!((crop.width(), crop.height()), (112, 112));

    // Several images: --annotate is a folder; every face gets a crop; the
    // image without a face is annotated with the reason and reported.
    let out = serfiq(&dir, &["score", "--faces", "all", "--annotate", "many", "--save-crops", "crops", two, blank]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    for f in ["many/two.png", "many/blank.png", "crops/two_face0.png", "crops/two_face1.png"] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let blank_ann = image::open(dir.join("many/blank.png")).unwrap().to_rgb8();
    assert!(blank_ann.pixels().any(|p| p[0] > 200), "the reason is written on the image");

    // One file for two images is a usage error, found before any work.
    let out = serfiq(&dir, &["score", "--annotate", "x.png", two, blank]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("need a folder"), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn input_mode_says_what_an_image_is() {
    let dir = scratch("mode");
    let grey = dir.join("grey112.png");
    RgbImage::from_pixel(112, 112, Rgb([128, 128, 128])).save(&grey).unwrap();
    let (grey, obama) = (grey.to_str().unwrap(), fetched("faces/obama.jpg"));
    let obama = obama.to_str().unwrap();
    // auto (the default) and crop score a 112x112 image as an aligned crop, with the same s.
    let auto = serfiq(&dir, &["score", grey]);
    let crop = serfiq(&dir, &["score", "--input-mode", "crop", grey]);
    assert_eq!(auto.status.code(), Some(0), "{}", text(&auto.stderr));
    assert_eq!(text(&auto.stdout), text(&crop.stdout));
    // photo searches it: no face, exit 1 with the reason.
    let photo = serfiq(&dir, &["score", "--input-mode", "photo", grey]);
    assert_eq!(photo.status.code(), Some(1));
    assert!(text(&photo.stderr).contains("no face"), "{}", text(&photo.stderr));
    // crop refuses a photo of another size; photo without a detector is a usage error.
    let refused = serfiq(&dir, &["score", "--input-mode", "crop", obama]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("input_mode is crop"), "{}", text(&refused.stderr));
    let no_detector = serfiq(&dir, &["score", "--input-mode", "photo", "--no-detect", obama]);
    assert_eq!(no_detector.status.code(), Some(2), "{}", text(&no_detector.stderr));
    // The working size: out of range is a usage error; off finds the same face.
    let bad = serfiq(&dir, &["score", "--detector-max-side", "31", obama]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    let off = serfiq(&dir, &["score", "--detector-max-side", "32768", obama]);
    let default = serfiq(&dir, &["score", obama]);
    assert_eq!(text(&off.stdout), text(&default.stdout));
}

/// `score --components`: the columns of docs/abi-v3.md §5 with the same values
/// as the library's assess call, JSON alike, a bad --profile refused, and
/// --annotate writing the photo with the feedback drawn.
#[test]
fn components_and_feedback_are_printed() {
    if !have_cache() {
        return;
    }
    let dir = scratch("components");
    let (obama, two, _) = fixtures(&dir);
    let (obama, two) = (obama.to_str().unwrap(), two.to_str().unwrap());
    let out = serfiq(&dir, &["score", "--components", "--profile", "live;max_yaw=20", obama]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    let head: Vec<&str> = lines[0].split(',').collect();
    let row: Vec<&str> = lines[1].split(',').collect();
    let n = serfiq_core::Component::ALL.len();
    assert_eq!(head.len(), row.len());
    // path,s,q,n,f,q100 (and whatever other quality columns), then the components, then feedback.
    let first = head.len() - 1 - 2 * n;
    assert!(head[..first].contains(&"q100"), "{head:?}");
    assert_eq!(
        (head[first], head[first + 2], head[first + 3]),
        ("UnifiedQualityScore", "InterEyeDistance", "InterEyeDistance_raw")
    );
    assert_eq!(*head.last().unwrap(), "feedback");
    // The library's answer for the same photo and profile.
    let opts = serfiq_core::Options {
        detector: Some(serfiq_core::ModelSource::Path(fetched("models/retinaface_mnet025.onnx"))),
        feedback_profile: Some("live;max_yaw=20".into()),
        ..options(&default_model())
    };
    let img = common::Rgb::open(Path::new(obama));
    let want = serfiq_core::Model::new(&opts)
        .unwrap()
        .assess(&serfiq_core::Face { image: img.view(), landmarks: None })
        .unwrap();
    let col = |name: &str| row[head.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        col("InterEyeDistance_raw").parse::<f32>().unwrap(),
        want.components.raw(serfiq_core::Component::InterEyeDistance)
    );
    assert_eq!(col("HeadPoseYaw").parse::<f32>().unwrap(), want.components.value(serfiq_core::Component::HeadPoseYaw));
    assert_eq!(col("EyesOpen"), "", "not assessed: empty");
    let names: Vec<&str> = serfiq_core::Feedback::in_set(want.components.feedback).map(|f| f.name()).collect();
    assert_eq!(col("feedback"), names.join("|"));

    // JSON, every face of the two-face photo: both get MULTIPLE_FACES.
    let out = serfiq(&dir, &["score", "--components", "--json", "--faces", "all", two]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    for f in v.as_array().unwrap() {
        assert!(f["components"]["SingleFacePresent"]["raw"].as_f64().unwrap() > 0.0);
        assert!(f["components"].get("EyesOpen").is_none());
        assert!(f["feedback"].as_array().unwrap().iter().any(|c| c == "MULTIPLE_FACES"), "{f}");
    }

    let out = serfiq(&dir, &["score", "--components", "--profile", "live;max_jaw=3", obama]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("max_jaw"), "{}", text(&out.stderr));

    let png = dir.join("fb.png");
    let out = serfiq(&dir, &["score", "--components", "--annotate", png.to_str().unwrap(), two]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let drawn = image::open(&png).unwrap().to_rgb8();
    let plain = image::open(two).unwrap().to_rgb8();
    // The feedback note (white text on a dark band) lies below the scored face's box.
    let white =
        drawn.enumerate_pixels().filter(|(x, y, p)| p.0 == [255; 3] && plain.get_pixel(*x, *y).0 != [255; 3]).count();
    assert!(white > 50, "no feedback drawn ({white} white pixels)");
    std::fs::remove_dir_all(dir).unwrap();
}
