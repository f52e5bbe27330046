//! Per-model calibration: α and r written into a model's metadata are what
//! `Model::new`, the C ABI and the CLI use unless the options set them; bad
//! metadata makes the model invalid; `serfiq calibrate` fits, writes and
//! reports a calibrated model that `serfiq info` and `serfiq score` then use.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::*;
use onnx_protobuf::{Message, ModelProto};
use serfiq_core::calibration::{self, logistic};

/// A fresh scratch folder.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("serfiq-calibrate-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the CLI with the repository's cache.
fn serfiq(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_serfiq"));
    cmd.args(args).current_dir(repo()).env_remove("SERFIQ_MODEL").env_remove("SERFIQ_DETECTOR");
    if std::env::var_os("SERFIQ_ORT_LIB").is_none() {
        cmd.env("SERFIQ_ORT_LIB", ort_lib());
    }
    cmd.output().unwrap()
}

fn json(out: &Output, what: &str) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{what}: {:?}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn photos() -> Vec<String> {
    ["biden.jpg", "obama.jpg", "obama2.jpg", "obama3.jpg"]
        .iter()
        .map(|n| fetched(&format!("faces/{n}")).to_str().unwrap().to_string())
        .collect()
}

#[test]
fn serfiq_calibrate_writes_a_model_that_info_and_score_use() {
    if !have_cache() {
        return;
    }
    let dir = scratch("cli");
    let out_path = dir.join("calibrated.onnx");
    let out_str = out_path.to_str().unwrap();
    let photos = photos();
    let photo_args: Vec<&str> = photos.iter().map(String::as_str).collect();

    let mut args = vec!["calibrate", "--json", "--out", out_str];
    args.extend(&photo_args);
    let fit = json(&serfiq(&args), "calibrate");

    // The fit is the documented rule applied to what `serfiq score` prints.
    let mut score_args = vec!["score", "--json"];
    score_args.extend(&photo_args);
    let scored = json(&serfiq(&score_args), "score");
    // s is an f32 printed in its shortest form.
    let s: Vec<f64> = scored.as_array().unwrap().iter().map(|r| r["s"].as_f64().unwrap() as f32 as f64).collect();
    assert_eq!(s.len(), 4);
    let want = calibration::fit(&s).unwrap();
    let (alpha, r) = (fit["alpha"].as_f64().unwrap(), fit["r"].as_f64().unwrap());
    assert_eq!((alpha, r), (want.alpha, want.r), "{fit}");
    assert_eq!((fit["scored"].as_u64(), fit["skipped"].as_u64(), fit["images"].as_u64()), (Some(4), Some(0), Some(4)));
    assert_eq!(fit["points"][1]["scale_100"].as_u64(), Some(50));

    // The file is the default model plus the metadata, and its digest is the one printed.
    let written = std::fs::read(&out_path).unwrap();
    assert_eq!(fit["sha256"].as_str(), Some(sha256_hex(&written).as_str()));
    assert_eq!(fit["out"].as_str(), Some(out_str));
    let m = ModelProto::parse_from_bytes(&written).unwrap();
    assert_eq!(calibration::read(&m).unwrap(), (Some(alpha), Some(r)));
    let note: serde_json::Value =
        serde_json::from_str(&m.metadata_props.iter().find(|p| p.key == calibration::NOTE_KEY).unwrap().value).unwrap();
    assert_eq!(note["n"].as_u64(), Some(4));
    assert_eq!(note["median"].as_f64(), Some(want.median));

    // The scales are the documented fit of the (s, n, l) that `score` prints, and
    // score's q100 is the percentile of f in that sample's f table.
    let n: Vec<f64> = scored.as_array().unwrap().iter().map(|r| r["n"].as_f64().unwrap() as f32 as f64).collect();
    let pairs: Vec<(f64, f64)> = s.iter().copied().zip(n).collect();
    // The shipped quality network is on by default: l's percentiles and the table of f with l too.
    let l: Vec<f64> = scored.as_array().unwrap().iter().map(|r| r["l"].as_f64().unwrap() as f32 as f64).collect();
    let want_scales = serfiq_core::scale::fit_scales(&pairs, &l).unwrap();
    assert!(want_scales.l.is_some() && want_scales.fl_table.is_some());
    assert_eq!(serfiq_core::scale::Scales::read(&m).unwrap(), want_scales);
    assert_eq!(fit["s_quantiles"].as_array().map(Vec::len), Some(101));
    assert_eq!(fit["n_constant"].as_bool(), Some(false));

    // info reports the model's calibration; score uses it; --alpha/--r still win.
    let info = json(&serfiq(&["info", "--json", "--model", out_str]), "info");
    assert_eq!((info["alpha"].as_f64(), info["r"].as_f64()), (Some(alpha), Some(r)));
    assert_eq!(info["alpha_r_from"].as_str(), Some("model"));
    assert_eq!(info["calibration_lacks"].as_array().map(Vec::len), Some(0), "{info}");
    assert_eq!(info["q100_quality"].as_str(), Some("f"));
    let text = serfiq(&["info", "--model", out_str]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("the model's calibration"));
    // A model calibrated before the scales existed (alpha and r only) says what it lacks.
    let old_dir = scratch("cli-old");
    let old_path = old_dir.join("old.onnx");
    std::fs::write(&old_path, calibration::write(&std::fs::read(default_model()).unwrap(), alpha, r, "").unwrap())
        .unwrap();
    let lacks = |path: &PathBuf, extra: &[&str]| -> Vec<String> {
        let mut args = vec!["info", "--json", "--model", path.to_str().unwrap()];
        args.extend(extra);
        let v = json(&serfiq(&args), "info of a model short of calibration");
        v["calibration_lacks"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    let without_net = lacks(&old_path, &["--no-quality-net"]);
    assert_eq!(without_net.len(), 4, "{without_net:?}");
    assert!(without_net.iter().any(|l| l.contains("n percentiles")), "{without_net:?}");
    // With the (default) quality network, the keys l needs are missing too.
    let with_net = lacks(&old_path, &[]);
    assert_eq!(with_net[..4], without_net[..], "{with_net:?}");
    assert!(with_net[4].starts_with("l percentiles") && with_net[5].contains("f with l"), "{with_net:?}");
    let old_text = serfiq(&["info", "--model", old_path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&old_text.stdout).contains("calibration:     lacks s percentiles"));
    // Calibrated for s and n but not l (as without the network): info names exactly l's two keys.
    let no_l = serfiq_core::scale::Scales { l: None, fl_table: None, ..want_scales.clone() };
    let no_l_path = old_dir.join("no-l.onnx");
    let plain = std::fs::read(default_model()).unwrap();
    std::fs::write(&no_l_path, calibration::write_with(&plain, alpha, r, &no_l, "").unwrap()).unwrap();
    let l_lacks = lacks(&no_l_path, &[]);
    assert_eq!(l_lacks.len(), 2, "{l_lacks:?}");
    assert!(l_lacks[0].contains("l percentiles") && l_lacks[1].contains("quantile table of f with l"), "{l_lacks:?}");
    assert_eq!(lacks(&no_l_path, &["--no-quality-net"]), Vec::<String>::new());
    let text = String::from_utf8_lossy(&serfiq(&["info", "--model", no_l_path.to_str().unwrap()]).stdout).to_string();
    assert!(text.contains("calibration:     lacks l percentiles"), "{text}");
    std::fs::remove_dir_all(&old_dir).unwrap();
    let mut args = vec!["score", "--json", "--model", out_str];
    args.extend(&photo_args);
    for row in json(&serfiq(&args), "score with the calibrated model").as_array().unwrap() {
        let (s, q) = (row["s"].as_f64().unwrap(), row["q"].as_f64().unwrap());
        assert!((q - logistic(s, alpha, r)).abs() < 1e-6, "{row}");
    }
    let info = json(&serfiq(&["info", "--json", "--model", out_str, "--alpha", "7", "--r", "0.25"]), "info");
    assert_eq!((info["alpha"].as_f64(), info["alpha_r_from"].as_str()), (Some(7.0), Some("options")));

    // Calibrating in place (--out = --model) with a sample: replaced atomically,
    // no temporary file left behind, the same sample every time.
    let mut args = vec!["calibrate", "--json", "--max-images", "3", "--model", out_str, "--out", out_str];
    args.extend(&photo_args);
    let again = json(&serfiq(&args), "calibrate in place");
    assert_eq!(again["scored"].as_u64(), Some(3));
    let rewritten = std::fs::read(&out_path).unwrap();
    assert_eq!(again["sha256"].as_str(), Some(sha256_hex(&rewritten).as_str()));
    let m2 = ModelProto::parse_from_bytes(&rewritten).unwrap();
    assert_eq!(calibration::read(&m2).unwrap(), (again["alpha"].as_f64(), again["r"].as_f64()));
    assert_eq!(m2.metadata_props.len(), m.metadata_props.len(), "keys replaced, not added");
    let leftovers: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(leftovers, std::slice::from_ref(&out_path));
    let third = json(&serfiq(&args), "calibrate in place again");
    assert_eq!((third["alpha"].as_f64(), third["r"].as_f64()), (again["alpha"].as_f64(), again["r"].as_f64()));

    // Text output names the values and the file; bad images are skipped with a reason and exit status 1.
    let junk = dir.join("junk.jpg");
    std::fs::write(&junk, b"not an image").unwrap();
    let mut args = vec!["calibrate", "--out", out_str, junk.to_str().unwrap()];
    args.extend(&photo_args);
    let out = serfiq(&args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("junk.jpg: cannot decode image"), "{stderr}");
    for word in ["alpha:", "r:", "median", "sha256:", "4 scored, 1 skipped"] {
        assert!(stdout.contains(word), "{word:?} missing from\n{stdout}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn serfiq_calibrate_refuses_what_it_cannot_fit() {
    if !have_cache() {
        return;
    }
    let dir = scratch("refuse");
    let obama = fetched("faces/obama.jpg");
    let obama = obama.to_str().unwrap();
    let out = dir.join("x.onnx");
    // One image: no spread to fit; nothing is written.
    let r = serfiq(&["calibrate", "--out", out.to_str().unwrap(), obama]);
    assert_eq!(r.status.code(), Some(2), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(String::from_utf8_lossy(&r.stderr).contains("cannot fit"), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(!out.exists());
    // A missing output folder fails before any scoring.
    let r = serfiq(&["calibrate", "--out", dir.join("no/such/x.onnx").to_str().unwrap(), obama]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("No such file"), "{}", String::from_utf8_lossy(&r.stderr));
    let r = serfiq(&["calibrate", "--max-images", "1", obama]);
    assert_eq!(r.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn score_q100_follows_the_q100_option() {
    if !have_cache() {
        return;
    }
    let photos = photos();
    let mut by_f = vec!["score", "--json"];
    by_f.extend(photos.iter().map(String::as_str));
    let mut by_s = by_f.clone();
    by_s.extend(["--q100", "s"]);
    let (f_rows, s_rows) = (json(&serfiq(&by_f), "score"), json(&serfiq(&by_s), "score --q100 s"));
    let info = json(&serfiq(&["info", "--json", "--q100", "s"]), "info --q100 s");
    assert_eq!(info["q100_quality"].as_str(), Some("s"));
    for (f, s) in f_rows.as_array().unwrap().iter().zip(s_rows.as_array().unwrap()) {
        for key in ["s", "q", "n", "f"] {
            assert_eq!(f[key], s[key], "{key}: the option changes q100 only");
        }
        assert_ne!(f["q100"], s["q100"], "percentiles of f and of s");
        assert!((0.0..=100.0).contains(&s["q100"].as_f64().unwrap()), "{s}");
    }
    let bad = serfiq(&["score", "--q100", "median", &photos[0]]);
    assert_eq!(bad.status.code(), Some(2), "an unknown --q100 is a usage error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--q100"), "{}", String::from_utf8_lossy(&bad.stderr));
}
