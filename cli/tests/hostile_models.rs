//! The hostile models of tests/common/hostile.rs through the CLI: each as the
//! recognition model and (where it applies) as the detector; the run ends with
//! exit status 2 and the library's reason, never a panic.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::process::Command;

use common::hostile::{base, recognition_cases, SIDE};
use common::*;
use onnx_protobuf::Message;

#[test]
fn every_hostile_model_is_refused_by_the_cli() {
    if !have_cache() {
        eprintln!("skipped: no cache (make fetch)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("serfiq-hostile-models-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let face = dir.join("crop.png");
    image::RgbImage::from_fn(SIDE as u32, SIDE as u32, |x, y| image::Rgb([(x * 2) as u8, (y * 2) as u8, 90]))
        .save(&face)
        .unwrap();
    let good = dir.join("good.onnx");
    std::fs::write(&good, base().write_to_bytes().unwrap()).unwrap();
    let serfiq = |model: &std::path::Path, detector: Option<&std::path::Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_serfiq"));
        cmd.current_dir(&dir).env_remove("SERFIQ_DETECTOR").arg("score").arg("--model").arg(model);
        cmd.arg("--ort-lib").arg(ort_lib());
        if let Some(d) = detector {
            cmd.arg("--detector").arg(d);
        }
        cmd.arg(&face).output().unwrap()
    };
    // The control: the base model scores the crop.
    let ok = serfiq(&good, None);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let mut checked = 0;
    for (i, c) in recognition_cases().into_iter().enumerate() {
        let path = dir.join(format!("hostile{i}.onnx"));
        std::fs::write(&path, &c.bytes).unwrap();
        let mut runs = vec![("model", serfiq(&path, None))];
        if ["external", "Loop", "EPContext"].contains(&c.says) {
            runs.push(("detector", serfiq(&good, Some(&path))));
        }
        for (role, out) in runs {
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{} as {role}: {err}", c.name);
            assert!(err.contains(c.says), "{} as {role}: {err}", c.name);
            assert!(!err.contains("panicked"), "{} as {role}: {err}", c.name);
            checked += 1;
        }
    }
    println!("{checked} hostile model runs refused by the CLI");
    std::fs::remove_dir_all(&dir).ok();
}
