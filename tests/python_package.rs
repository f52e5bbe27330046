//! The Python package's build refuses a source tree without the models it
//! ships (issue 27: `pip install bindings/python` gave a package whose
//! `Model()` failed): bindings/python/build.rs, compiled and run here as
//! cargo would run it.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn the_python_build_fails_without_the_models_and_names_the_fix() {
    let dir = std::env::temp_dir().join(format!("serfiq-python-build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let models = dir.join("python/serfiq/models");
    std::fs::create_dir_all(&models).unwrap();
    let script = dir.join("build-script");
    let built = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--edition", "2021", "-O", "-o"])
        .arg(&script)
        .arg(common::repo().join("bindings/python/build.rs"))
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let run = |d: &Path| Command::new(&script).env("CARGO_MANIFEST_DIR", d).output().unwrap();

    let out = run(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "built without models");
    assert!(err.contains("make python-models") && err.contains("fr_feature.onnx"), "{err}");

    for name in ["fr_feature.onnx", "fr_feature.LICENSE", "retinaface_mnet025.onnx", "retinaface_mnet025.LICENSE"] {
        std::fs::write(models.join(name), b"x").unwrap();
    }
    let out = run(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}
