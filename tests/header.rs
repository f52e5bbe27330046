//! The committed C header must be what cbindgen generates from the sources now.

#[test]
fn committed_header_is_current() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/serfiq.h"));
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/serfiq.h"))
        .expect("include/serfiq.h is missing");
    assert!(generated == committed, "include/serfiq.h is stale: run `make header` and commit it");
}
