//! Generates the C header from src/ffi with the pinned cbindgen.
//! The header goes to OUT_DIR; `SERFIQ_WRITE_HEADER=1` also writes include/serfiq.h
//! (the committed copy, checked by tests/header.rs).

use std::path::PathBuf;

fn main() {
    // The SONAME carries the C ABI version (SERFIQ_ABI_VERSION): programs linked
    // with -lserfiq ask for libserfiq.so.1 and never load an incompatible one.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libserfiq.so.1");
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=SERFIQ_WRITE_HEADER");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("serfiq.h");
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        // Only the C layer: core items must not leak into the header.
        .with_src(root.join("src/ffi/mod.rs"))
        .with_src(root.join("src/ffi/status.rs"))
        .generate()
        .expect("cbindgen could not generate the header");
    bindings.write_to_file(&out);
    if std::env::var_os("SERFIQ_WRITE_HEADER").is_some_and(|v| v == "1") {
        bindings.write_to_file(root.join("include/serfiq.h"));
    }
}
