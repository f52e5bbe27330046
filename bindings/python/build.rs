//! Refuses to build the Python package without the models it ships: a wheel
//! from a plain source checkout (`pip install bindings/python`) would install,
//! and then every `serfiq.Model()` would fail with ModelNotFoundError.
//! `make python-models` (part of `make python-wheel`) copies them in first.

use std::path::Path;

/// The files `serfiq.DEFAULT_MODEL` and `serfiq.DEFAULT_DETECTOR` name, and their licences.
const SHIPPED: [&str; 4] =
    ["fr_feature.onnx", "fr_feature.LICENSE", "retinaface_mnet025.onnx", "retinaface_mnet025.LICENSE"];

fn main() {
    let dir = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("python/serfiq/models");
    for name in SHIPPED {
        println!("cargo:rerun-if-changed={}", dir.join(name).display());
    }
    let missing: Vec<&str> = SHIPPED.iter().copied().filter(|n| !dir.join(n).is_file()).collect();
    if !missing.is_empty() {
        eprintln!(
            "error: the serfiq wheel ships its default models, and {} lacks {}.\n\
             Run `make python-models` in the repository root first (it fetches them, checked by\n\
             SHA-256, and copies them there), or build the wheel with `make python-wheel`.",
            dir.display(),
            missing.join(", ")
        );
        std::process::exit(1);
    }
}
