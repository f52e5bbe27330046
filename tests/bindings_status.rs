//! One source of truth for status codes: src/status.rs → include/serfiq.h.
//! The C++, C# and Java bindings each list the statuses by hand; this test
//! fails when one of them lists a status the header does not, misses one, or
//! gives one another value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `SERFIQ_OK` → `OK`, `SERFIQ_ERR_NULL_ARGUMENT` → `NULL_ARGUMENT`.
fn short(c_name: &str) -> String {
    c_name.trim_start_matches("SERFIQ_ERR_").trim_start_matches("SERFIQ_").to_string()
}

/// `NullArgument` → `NULL_ARGUMENT`.
fn pascal_to_upper_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

/// Status name → value, from the committed header.
fn header_statuses() -> BTreeMap<String, u32> {
    let header = std::fs::read_to_string(repo().join("include/serfiq.h")).unwrap();
    let mut map = BTreeMap::new();
    for line in header.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#define"), Some(name), Some(value)) = (words.next(), words.next(), words.next()) {
            if name == "SERFIQ_OK" || name.starts_with("SERFIQ_ERR_") {
                map.insert(name.to_string(), value.parse().unwrap());
            }
        }
    }
    assert!(map.len() >= 16, "header lists only {} statuses", map.len());
    map
}

/// The text of `enum Status` (up to its first `}` or `;`) in the first file under `dir` that has one.
fn status_enum(dir: &Path, ext: &str) -> String {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> =
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())).flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "target") {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                let text = std::fs::read_to_string(&p).unwrap();
                let text = strip_comments(&text);
                if let Some(at) = text.find("enum class Status").or_else(|| text.find("enum Status")) {
                    let body = &text[at..];
                    let open = body.find('{').expect("enum Status has a body") + 1;
                    let end = body[open..].find(['}', ';']).map_or(body.len(), |i| open + i);
                    return body[open..end].to_string();
                }
            }
        }
    }
    panic!("no `enum Status` in any .{ext} file under {}", dir.display());
}

/// Removes `// ...` and `/* ... */` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let line = rest.find("//");
        let block = rest.find("/*");
        match (line, block) {
            (Some(l), b) if b.is_none_or(|b| l < b) => {
                out.push_str(&rest[..l]);
                rest = rest[l..].find('\n').map_or("", |n| &rest[l + n..]);
            }
            (_, Some(b)) => {
                out.push_str(&rest[..b]);
                rest = rest[b + 2..].find("*/").map_or("", |e| &rest[b + 2 + e + 2..]);
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// Entries of an enum body: comma-separated, comments stripped.
fn entries(body: &str) -> Vec<String> {
    strip_comments(body).split(',').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect()
}

fn expected() -> BTreeMap<String, u32> {
    header_statuses().into_iter().map(|(k, v)| (short(&k), v)).collect()
}

#[test]
fn cpp_lists_exactly_the_header_statuses() {
    let header = header_statuses();
    let mut got = BTreeMap::new();
    for e in entries(&status_enum(&repo().join("bindings/cpp/include"), "hpp")) {
        let (name, macro_name) = e.split_once('=').unwrap_or_else(|| panic!("C++ enumerator without a value: {e}"));
        let (name, macro_name) = (name.trim(), macro_name.trim());
        let value = *header.get(macro_name).unwrap_or_else(|| panic!("C++ lists {macro_name}, not in the header"));
        assert_eq!(pascal_to_upper_snake(name), short(macro_name), "C++ name {name} for {macro_name}");
        got.insert(short(macro_name), value);
    }
    assert_eq!(got, expected(), "C++ Status differs from include/serfiq.h");
}

#[test]
fn csharp_lists_exactly_the_header_statuses() {
    let mut got = BTreeMap::new();
    for e in entries(&status_enum(&repo().join("bindings/csharp/src"), "cs")) {
        let (name, value) = e.split_once('=').unwrap_or_else(|| panic!("C# enumerator without a value: {e}"));
        got.insert(pascal_to_upper_snake(name.trim()), value.trim().parse::<u32>().unwrap());
    }
    assert_eq!(got, expected(), "C# Status differs from include/serfiq.h");
}

#[test]
fn java_lists_exactly_the_header_statuses() {
    let mut got = BTreeMap::new();
    for e in entries(&status_enum(&repo().join("bindings/java/src/main/java"), "java")) {
        let (name, rest) = e.split_once('(').unwrap_or_else(|| panic!("Java constant without a value: {e}"));
        got.insert(name.trim().to_string(), rest.trim_end_matches(')').trim().parse::<u32>().unwrap());
    }
    assert_eq!(got, expected(), "Java Status differs from include/serfiq.h");
}

#[test]
fn comments_do_not_hide_entries() {
    let body = "/** Success. */ OK(0), // done\n /* a\n b */ NULL_ARGUMENT(1)";
    assert_eq!(entries(body), vec!["OK(0)", "NULL_ARGUMENT(1)"]);
}

#[test]
fn pascal_case_maps_to_c_names() {
    assert_eq!(pascal_to_upper_snake("EmbeddingLayerNotFound"), "EMBEDDING_LAYER_NOT_FOUND");
    assert_eq!(short("SERFIQ_ERR_BUFFER_TOO_SMALL"), "BUFFER_TOO_SMALL");
    assert_eq!(short("SERFIQ_OK"), "OK");
}

/// The value of `#define name value` in the committed header.
fn header_define(name: &str) -> String {
    let header = std::fs::read_to_string(repo().join("include/serfiq.h")).unwrap();
    header
        .lines()
        .find_map(|l| l.strip_prefix("#define ")?.strip_prefix(name)?.strip_prefix(' ').map(str::trim))
        .unwrap_or_else(|| panic!("{name} is not defined in include/serfiq.h"))
        .to_string()
}

#[test]
fn java_max_faces_is_the_headers() {
    // Java cannot read the header: its copy of SERFIQ_MAX_FACES is checked here.
    let path = repo().join("bindings/java/src/main/java/org/serfiq/QualityModel.java");
    let java = std::fs::read_to_string(path).unwrap();
    let value = java
        .lines()
        .find_map(|l| l.trim().strip_prefix("public static final int MAX_FACES = ")?.strip_suffix(';'))
        .expect("QualityModel.MAX_FACES");
    assert_eq!(value, header_define("SERFIQ_MAX_FACES"), "QualityModel.MAX_FACES differs from include/serfiq.h");
}
