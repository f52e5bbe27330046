//! Generates the C header from src/ffi and src/status.rs with the pinned cbindgen.
//! The header goes to OUT_DIR; `SERFIQ_WRITE_HEADER=1` also writes include/serfiq.h
//! (the committed copy, checked by tests/header.rs).

use std::path::PathBuf;

fn main() {
    // The SONAME carries the C ABI version (SERFIQ_ABI_VERSION): programs linked
    // with -lserfiq ask for libserfiq.so.1 and never load an incompatible one.
    // Linux only: Android apps ship and load a plain libserfiq.so, Windows has no SONAME.
    if std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libserfiq.so.1");
    }
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=src/status.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=SERFIQ_WRITE_HEADER");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("serfiq.h");
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        // Only the C layer: core items must not leak into the header.
        .with_src(root.join("src/status.rs"))
        .with_src(root.join("src/ffi/types.rs"))
        .with_src(root.join("src/ffi/options.rs"))
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen could not generate the header");
    let mut text = Vec::new();
    bindings.write(&mut text);
    let text = String::from_utf8(text).expect("cbindgen writes UTF-8");
    // The sizes go after the struct, inside the include guard and extern "C".
    let end = text.rfind("#ifdef __cplusplus").expect("the header closes its extern \"C\" block");
    let text = format!("{}{OPTION_SIZES}\n{}", &text[..end], &text[end..]);
    std::fs::write(&out, &text).expect("OUT_DIR is writable");
    if std::env::var_os("SERFIQ_WRITE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(root.join("include/serfiq.h"), &text).expect("include/ is writable");
    }
}

/// The option sizes the header publishes, computed by the C compiler (never
/// literals), so the header is right for 32- and 64-bit targets alike. When a
/// field is appended, V3 becomes the offset of that field.
const OPTION_SIZES: &str = "/**
 * Size of the first published serfiq_options (ABI version 1): the smallest
 * struct_size accepted. Such a caller gets no detector.
 */
#define SERFIQ_OPTIONS_SIZE_V1 offsetof(serfiq_options, detector_path)

/**
 * Size of serfiq_options with the detector fields (detector_path to
 * detector_threshold).
 */
#define SERFIQ_OPTIONS_SIZE_V2 offsetof(serfiq_options, execution_provider)

/**
 * Size of serfiq_options with the execution-provider fields
 * (execution_provider to cuda_library_path): sizeof(serfiq_options) as the
 * V3 header declared it.
 */
#define SERFIQ_OPTIONS_SIZE_V3 offsetof(serfiq_options, max_model_bytes)

/**
 * Size of serfiq_options with the model-limit and library-search fields
 * (max_model_bytes to search_paths): sizeof(serfiq_options) as the V4 header
 * declared it, tail padding included (208 on 64-bit targets, 148 on i686, 152
 * on ARMv7).
 */
#ifdef __cplusplus
#define SERFIQ_OPTIONS_ALIGN_ alignof(serfiq_options)
#else
#define SERFIQ_OPTIONS_ALIGN_ _Alignof(serfiq_options)
#endif
#define SERFIQ_OPTIONS_SIZE_V4 \\
  ((offsetof(serfiq_options, search_paths) + sizeof(serfiq_search_paths) + SERFIQ_OPTIONS_ALIGN_ - 1) \\
   / SERFIQ_OPTIONS_ALIGN_ * SERFIQ_OPTIONS_ALIGN_)

/**
 * Size of serfiq_options with the input-mode, working-size and q100 fields
 * (input_mode, detector_max_side, q100_quality). On 64-bit targets input_mode
 * lies in the V4 struct's tail padding, so the V5 fields are read only from a
 * struct_size of at least this. It is the sizeof of the struct that ended
 * with q100_quality, tail padding included (216 on 64-bit, 160 on i686, 168 on
 * ARMv7): on ARMv7 feedback_profile lies in that padding, so the V6 fields are
 * read only from a struct_size of at least SERFIQ_OPTIONS_SIZE_V6.
 */
#define SERFIQ_OPTIONS_SIZE_V5 \\
  ((offsetof(serfiq_options, q100_quality) + sizeof(serfiq_q100_quality) + SERFIQ_OPTIONS_ALIGN_ - 1) \\
   / SERFIQ_OPTIONS_ALIGN_ * SERFIQ_OPTIONS_ALIGN_)

/**
 * Size of serfiq_options with the V6 fields (feedback_profile, then the second
 * quality network, quality_net_path to quality_net_spec): sizeof(serfiq_options).
 * V6 fields are read only from a struct_size of at least this.
 */
#define SERFIQ_OPTIONS_SIZE_V6 sizeof(serfiq_options)

/** The one size of serfiq_capture_options so far (its struct_size). */
#define SERFIQ_CAPTURE_OPTIONS_SIZE_V1 sizeof(serfiq_capture_options)
";
