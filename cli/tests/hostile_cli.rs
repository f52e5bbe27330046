//! The CLI against hostile input (security issue 15): a `.cache` planted in
//! the working directory is never used, images over the limits are bad images
//! (not a panic, not the end of the run), a batch of decompression-heavy
//! images stays within the documented memory, file names cannot inject
//! formulas into CSV or escapes into the terminal, and the model and detector
//! can be pinned by their SHA-256.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use image::{GrayImage, Rgb, RgbImage};

/// The limits the CLI documents (`serfiq score --help`, README "CLI safety").
const MAX_SIDE: u32 = 32768;
const MAX_IMAGE_PIXELS: u64 = 1 << 26;
/// Decoded pixels held at once, as 8-bit RGB, and the decoder's allocation limit per image.
const HELD_BYTES: u64 = MAX_IMAGE_PIXELS * 3;
const DECODE_BYTES: u64 = MAX_IMAGE_PIXELS * 4;
/// The detector's working memory on the largest input it runs at (photos are
/// shrunk to about 1920x1280 first; README "Finding the face").
const DETECT_BYTES: u64 = 256 << 20;

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("serfiq-hostile-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cache_dir() -> PathBuf {
    fetched("models").parent().unwrap().to_path_buf()
}

/// The CLI with no SERFIQ_* variable set, run from `cwd`.
fn bare(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_serfiq"));
    cmd.current_dir(cwd);
    for v in ["SERFIQ_CACHE", "SERFIQ_MODEL", "SERFIQ_DETECTOR", "SERFIQ_ORT_LIB"] {
        cmd.env_remove(v);
    }
    cmd
}

/// The CLI with the repository's cache, run from `cwd`.
fn serfiq(cwd: &Path) -> Command {
    let mut cmd = bare(cwd);
    cmd.env("SERFIQ_CACHE", cache_dir()).env("SERFIQ_ORT_LIB", ort_lib());
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// The child's peak resident memory, from wait4's rusage.
    max_rss_bytes: u64,
}

impl Run {
    fn out(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }
    fn err(&self) -> String {
        String::from_utf8(self.stderr.clone()).expect("stderr is UTF-8")
    }
    fn no_panic(&self) -> &Self {
        let err = String::from_utf8_lossy(&self.stderr);
        assert!(!err.contains("panicked"), "the CLI panicked:\n{err}");
        assert!(self.code.is_some(), "killed by a signal:\n{err}");
        self
    }
}

/// Runs `cmd` and reaps it with wait4, so that its own peak RSS is known
/// (RUSAGE_CHILDREN would mix in the other tests' children).
fn run(cmd: &mut Command) -> Run {
    run_spawned(cmd, &std::sync::Mutex::new(None))
}

/// `run`, publishing the child's id in `pid_out` first (for a watchdog).
#[allow(clippy::zombie_processes)] // reaped by wait4 below
fn run_spawned(cmd: &mut Command, pid_out: &std::sync::Mutex<Option<u32>>) -> Run {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    *pid_out.lock().unwrap() = Some(child.id());
    let mut err = child.stderr.take().unwrap();
    let errs = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).unwrap();
        v
    });
    let mut stdout = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut stdout).unwrap();
    let stderr = errs.join().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 fills it and the status.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // Linux reports ru_maxrss in KiB.
    Run { code, stdout, stderr, max_rss_bytes: usage.ru_maxrss as u64 * 1024 }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------
// Hole 2: nothing is loaded from the working directory.
// ---------------------------------------------------------------------------

/// A `.cache` laid out as `make fetch` lays it out, holding a fake ONNX
/// Runtime whose constructor creates `marker`, and garbage models.
fn plant(dir: &Path, marker: &Path) -> Option<PathBuf> {
    let cache = dir.join(".cache");
    let lib_dir = cache.join("onnxruntime/lib");
    std::fs::create_dir_all(&lib_dir).unwrap();
    std::fs::create_dir_all(cache.join("models")).unwrap();
    let src = dir.join("planted.c");
    std::fs::write(
        &src,
        format!(
            "#include <fcntl.h>\n#include <unistd.h>\n\
             __attribute__((constructor)) static void planted(void) {{\n\
             int fd = open({:?}, O_CREAT | O_WRONLY, 0644); if (fd >= 0) close(fd); }}\n",
            marker.to_str().unwrap()
        ),
    )
    .unwrap();
    let lib = lib_dir.join("libonnxruntime.so.1.31.1");
    let built = Command::new("gcc").args(["-shared", "-fPIC", "-o"]).arg(&lib).arg(&src).status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("skipping: gcc could not build the planted library");
        return None;
    }
    for alias in ["libonnxruntime.so", "libonnxruntime.so.1"] {
        std::fs::copy(&lib, lib_dir.join(alias)).unwrap();
    }
    for m in ["fr_feature.onnx", "retinaface_mnet025.onnx"] {
        std::fs::write(cache.join("models").join(m), b"planted: not an ONNX model").unwrap();
    }
    Some(lib)
}

/// Whether the cache next to the test binary (the checkout's) has what a run needs.
fn exe_cache_is_complete() -> bool {
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_serfiq")).unwrap();
    exe.ancestors().skip(1).map(|d| d.join(".cache")).any(|c| {
        ["models/fr_feature.onnx", "models/retinaface_mnet025.onnx", "onnxruntime/lib/libonnxruntime.so.1.31.1"]
            .iter()
            .all(|f| c.join(f).is_file())
    })
}

#[test]
fn a_cache_planted_in_the_working_directory_is_never_used() {
    if !have_cache() {
        return;
    }
    let dir = scratch("planted");
    let marker = dir.join("planted-library-was-loaded");
    let Some(planted_lib) = plant(&dir, &marker) else { return };
    std::fs::copy(fetched("faces/obama.jpg"), dir.join("obama.jpg")).unwrap();
    let (model, detector) = (default_model(), fetched("models/retinaface_mnet025.onnx"));

    // The reference: everything named on the command line.
    let reference = run(bare(&dir)
        .args(["score", "--explicit-paths-only", "--model"])
        .arg(&model)
        .arg("--ort-lib")
        .arg(ort_lib())
        .arg("--detector")
        .arg(&detector)
        .arg("--quality-net")
        .arg(repo().join("models/quality/lightqnet-dm025.onnx"))
        .arg("obama.jpg"));
    assert_eq!(reference.code, Some(0), "{}", reference.err());
    assert!(!marker.exists());

    // Nothing given; then ONNX Runtime given (in the environment and as a
    // flag) but not the model. The planted library must not load, and the
    // planted model (garbage: a model error if it were read) must not be read.
    let ort = ort_lib();
    let cases: [(&str, Vec<&std::ffi::OsStr>, Option<&Path>); 3] = [
        ("nothing given", vec![], None),
        ("SERFIQ_ORT_LIB given", vec![], Some(ort.as_path())),
        ("--ort-lib given", vec!["--ort-lib".as_ref(), ort.as_os_str()], None),
    ];
    for (what, flags, env_ort) in cases {
        let mut cmd = bare(&dir);
        cmd.arg("score").args(&flags).arg("obama.jpg");
        if let Some(p) = env_ort {
            cmd.env("SERFIQ_ORT_LIB", p);
        }
        let r = run(&mut cmd);
        r.no_panic();
        assert!(!marker.exists(), "{what}: the planted ONNX Runtime was loaded");
        let err = r.err();
        assert!(!err.contains(dir.join(".cache").to_str().unwrap()), "{what}: the planted cache was looked at: {err}");
        assert!(!err.to_lowercase().contains("onnx model") && !err.contains("planted"), "{what}: {err}");
        if exe_cache_is_complete() {
            // The checkout's cache (next to the executable) gives the same result.
            assert_eq!(r.code, Some(0), "{what}: {err}");
            assert_eq!(r.stdout, reference.stdout, "{what}");
        } else {
            assert_ne!(r.code, Some(0), "{what}: no cache next to the executable, so nothing to run with");
        }
    }

    // A relative SERFIQ_CACHE (or model path in the environment) would be
    // resolved against the working directory: refused.
    for (var, value) in [("SERFIQ_CACHE", ".cache"), ("SERFIQ_MODEL", ".cache/models/fr_feature.onnx")] {
        let r = run(bare(&dir).env(var, value).args(["score", "obama.jpg"]));
        r.no_panic();
        assert_eq!(r.code, Some(2), "{var}={value}: {}", r.err());
        assert!(r.err().contains(&format!("{var} must be an absolute path")), "{}", r.err());
        assert!(!marker.exists(), "{var}={value}: the planted ONNX Runtime was loaded");
    }

    // --explicit-paths-only needs --ort-lib: not the cache, not the environment.
    let r = run(bare(&dir)
        .env("SERFIQ_ORT_LIB", ort_lib())
        .args(["score", "--explicit-paths-only", "--model"])
        .arg(&model)
        .arg("obama.jpg"));
    assert_eq!(r.code, Some(2), "{}", r.err());
    assert!(r.err().contains("pass ONNX Runtime with --ort-lib"), "{}", r.err());
    let r = run(bare(&dir).args(["score", "--explicit-paths-only", "--ort-lib"]).arg(ort_lib()).arg("obama.jpg"));
    assert_eq!(r.code, Some(2), "{}", r.err());
    assert!(r.err().contains("pass the model with --model"), "{}", r.err());
    assert!(!marker.exists());

    // Positive controls: the planted files do what they were planted for when
    // they are named, so the checks above can fail.
    let r = run(bare(&dir).args(["score", "--model"]).arg(&model).arg("--ort-lib").arg(&planted_lib).arg("obama.jpg"));
    r.no_panic();
    assert_eq!(r.code, Some(2));
    assert!(marker.exists(), "the planted library writes its marker when it is loaded");
    std::fs::remove_file(&marker).unwrap();
    let r = run(bare(&dir)
        .args(["score", "--model", ".cache/models/fr_feature.onnx", "--ort-lib"])
        .arg(ort_lib())
        .arg("obama.jpg"));
    r.no_panic();
    assert_eq!(r.code, Some(2), "the planted model is refused when named");
    assert!(r.err().contains("not an ONNX model"), "{}", r.err());
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------
// Holes 7 and 8: images over the limits, and the memory of a batch.
// ---------------------------------------------------------------------------

#[test]
fn images_over_the_limits_are_bad_images_and_the_run_goes_on() {
    if !have_cache() {
        return;
    }
    let dir = scratch("oversized");
    let (obama, biden) = (fetched("faces/obama.jpg"), fetched("faces/biden.jpg"));
    // Small on disk, over the limits once decoded: a side over 32768, and
    // more pixels than 64 megapixels (12000x12000 = 144 Mpx).
    let wide = dir.join("wide.png");
    RgbImage::from_pixel(MAX_SIDE + 7232, 2, Rgb([90, 90, 90])).save(&wide).unwrap();
    let tall = dir.join("tall.png");
    RgbImage::from_pixel(1, MAX_SIDE + 232, Rgb([90, 90, 90])).save(&tall).unwrap();
    let huge = dir.join("huge.png");
    GrayImage::new(12000, 12000).save(&huge).unwrap();
    const { assert!(12000u64 * 12000 > MAX_IMAGE_PIXELS) };
    let bad = [&wide, &tall, &huge];

    for args in [&["score"][..], &["score", "--faces", "all"], &["embed"], &["score", "--json"]] {
        let r = run(serfiq(&dir).args(args).arg(&obama).args(bad).arg(&biden));
        r.no_panic();
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.err());
        let (out, err) = (r.out(), r.err());
        if args.contains(&"--json") {
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            let paths: Vec<&str> = v.as_array().unwrap().iter().map(|o| o["path"].as_str().unwrap()).collect();
            assert_eq!(paths, [obama.to_str().unwrap(), biden.to_str().unwrap()], "{out}");
        } else {
            let rows: Vec<&str> = out.lines().skip(1).collect();
            assert_eq!(rows.len(), 2, "{args:?}: both good images are printed:\n{out}");
            assert!(rows[0].starts_with(obama.to_str().unwrap()) && rows[1].starts_with(biden.to_str().unwrap()));
        }
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), bad.len(), "{args:?}: one line per bad image:\n{err}");
        for (line, path) in lines.iter().zip(bad) {
            assert!(line.starts_with(&format!("serfiq: {}: image is ", path.display())), "{line}");
            assert!(line.contains("32768 pixels per side") && line.contains("67108864 pixels"), "{line}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_batch_of_decompression_heavy_images_stays_within_the_documented_memory() {
    if !have_cache() {
        return;
    }
    let dir = scratch("memory");
    // 36 megapixels each (108 MB as RGB), below the per-image limit; a few
    // hundred KB on disk. 16 of them in one batch would hold 1.7 GB.
    let (side, count) = (6000u32, 16usize);
    let first = dir.join("solid00.png");
    RgbImage::from_pixel(side, side, Rgb([128, 100, 90])).save(&first).unwrap();
    assert!(std::fs::metadata(&first).unwrap().len() < 2 << 20);
    let mut images = vec![first.clone()];
    for k in 1..count {
        let p = dir.join(format!("solid{k:02}.png"));
        std::fs::copy(&first, &p).unwrap();
        images.push(p);
    }
    let all_decoded = count as u64 * side as u64 * side as u64 * 3;

    // The process with the model and detector loaded, on one small photo.
    let base = run(serfiq(&dir).arg("score").arg(fetched("faces/obama.jpg")));
    assert_eq!(base.code, Some(0), "{}", base.err());
    let r = run(serfiq(&dir).args(["score", "--batch", "16"]).args(&images));
    r.no_panic();
    assert_eq!(r.code, Some(1), "solid images have no face: {}", r.err());
    assert_eq!(r.err().lines().filter(|l| l.contains("no face found")).count(), count, "{}", r.err());

    // The documented bound: the held images, one image being decoded and the
    // detector, over what the process needs anyway.
    let bound = base.max_rss_bytes + HELD_BYTES + DECODE_BYTES + DETECT_BYTES;
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    eprintln!(
        "max RSS: {:.0} MiB for {count} {side}x{side} PNGs, {:.0} MiB for one small photo; bound {:.0} MiB \
         (all decoded at once would be {:.0} MiB more)",
        mib(r.max_rss_bytes),
        mib(base.max_rss_bytes),
        mib(bound),
        mib(all_decoded)
    );
    assert!(bound < base.max_rss_bytes + all_decoded, "the test must be able to tell");
    assert!(r.max_rss_bytes <= bound, "{:.0} MiB > bound {:.0} MiB", mib(r.max_rss_bytes), mib(bound));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------
// Hole 11: names cannot inject into CSV, the terminal or JSON.
// ---------------------------------------------------------------------------

/// Reverses the documented escapes (`\\`, `\xNN`, `\u{H}`), written here
/// independently of the CLI.
fn unescape(s: &str) -> Vec<u8> {
    let (b, mut out, mut i) = (s.as_bytes(), Vec::new(), 0);
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'\\', Some(b'\\')) => {
                out.push(b'\\');
                i += 2;
            }
            (b'\\', Some(b'x')) => {
                out.push(u8::from_str_radix(&s[i + 2..i + 4], 16).unwrap());
                i += 4;
            }
            (b'\\', Some(b'u')) => {
                let end = i + s[i..].find('}').unwrap();
                let c = char::from_u32(u32::from_str_radix(&s[i + 3..end], 16).unwrap()).unwrap();
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                i = end + 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The first field of a CSV line (RFC 4180) and the rest of the line.
fn first_csv_field(line: &str) -> (String, &str) {
    if let Some(rest) = line.strip_prefix('"') {
        let mut field = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((k, c)) = chars.next() {
            if c == '"' {
                if chars.peek().map(|p| p.1) == Some('"') {
                    field.push('"');
                    chars.next();
                } else {
                    return (field, &rest[k + 1..]);
                }
            } else {
                field.push(c);
            }
        }
        panic!("unterminated quoted field: {line}");
    }
    let end = line.find(',').unwrap_or(line.len());
    (line[..end].to_string(), &line[end..])
}

#[test]
fn hostile_file_names_are_neutralised_in_csv_escaped_on_the_terminal_and_exact_in_json() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    if !have_cache() {
        return;
    }
    let dir = scratch("names");
    // An aligned crop (the model's input size): scored without the detector.
    let crop = image::imageops::resize(
        &image::open(fetched("faces/obama.jpg")).unwrap().to_rgb8(),
        112,
        112,
        image::imageops::FilterType::Triangle,
    );
    let names: Vec<&[u8]> = vec![
        // A file name holds no `/`: the link has no scheme.
        b"=HYPERLINK(\"evil.example\",\"y\").png",
        b"+1.png",
        b"-1.png",
        b"@x.png",
        b"\tx.png",
        b"a\x1b[31mred.png",
        b"two\nlines.png",
        b"cr\rx.png",
        b"bad\xff.png",
        b"bad\xfe.png",
        b"bad\\xff.png",
        "rtl\u{202e}gnp.png".as_bytes(),
    ];
    let mut want: Vec<Vec<u8>> = Vec::new();
    for n in &names {
        let p = dir.join(OsStr::from_bytes(n));
        crop.save_with_format(&p, image::ImageFormat::Png).unwrap();
        want.push(p.as_os_str().as_bytes().to_vec());
    }
    // A bad image with a hostile name: its error line must stay one harmless line.
    let evil = dir.join(OsStr::from_bytes(b"evil\x1b[2J\n\xff.png"));
    std::fs::write(&evil, b"not an image").unwrap();

    let dir_arg = dir.to_str().unwrap();
    let csv = run(serfiq(&dir).args(["score", dir_arg]));
    csv.no_panic();
    assert_eq!(csv.code, Some(1), "{}", csv.err());
    for (what, bytes) in [("stdout", &csv.stdout), ("stderr", &csv.stderr)] {
        let text = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{what} is not UTF-8"));
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "raw control character on {what}: {text:?}");
        assert!(!text.contains('\u{202e}'), "raw bidi control on {what}");
    }
    let (out, err) = (csv.out(), csv.err());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "path,s,q,n,f,q100,l");
    assert_eq!(lines.len(), 1 + names.len(), "one line per image, no stray newline:\n{out}");
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut cells = Vec::new();
    for line in &lines[1..] {
        let (cell, rest) = first_csv_field(line);
        assert_eq!(rest.split(',').count(), 7, "{line}");
        // The name is the cell less the dir prefix; spreadsheet formulas can
        // only start at the cell's first character.
        let shown = cell.strip_prefix('\'').unwrap_or(&cell);
        got.push(unescape(shown));
        cells.push((line.to_string(), cell.clone()));
    }
    got.sort();
    let mut sorted = want.clone();
    sorted.sort();
    assert_eq!(got, sorted, "every name round-trips, and no two print the same");
    // Full paths start with `/`: not a formula. Relative names starting with a
    // formula character are quoted and get a `'`.
    assert!(cells.iter().all(|(_, c)| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])));
    let rel =
        run(serfiq(&dir).args(["score", "--", "=HYPERLINK(\"evil.example\",\"y\").png", "+1.png", "-1.png", "@x.png"]));
    assert_eq!(rel.code, Some(0), "{}", rel.err());
    let rows: Vec<String> = rel.out().lines().skip(1).map(|l| first_csv_field(l).0).collect();
    assert_eq!(rows, ["'=HYPERLINK(\"evil.example\",\"y\").png", "'+1.png", "'-1.png", "'@x.png"]);
    for l in rel.out().lines().skip(1) {
        assert!(l.starts_with("\"'"), "a neutralised cell is quoted: {l}");
    }
    assert!(out.contains("a\\x1b[31mred.png,") && out.contains("two\\x0alines.png,"), "{out}");
    assert!(out.contains("bad\\xff.png,") && out.contains("bad\\xfe.png,") && out.contains("bad\\\\xff.png,"));
    // The bad image: one line, escaped, naming it unambiguously.
    let err_lines: Vec<&str> = err.lines().collect();
    assert_eq!(err_lines.len(), 1, "{err}");
    assert!(err_lines[0].starts_with(&format!("serfiq: {dir_arg}/evil\\x1b[2J\\x0a\\xff.png: cannot decode")), "{err}");

    // JSON: valid, with the exact name; a name that is not UTF-8 has its
    // escaped form in `path` and its bytes in `path_hex`.
    let json = run(serfiq(&dir).args(["score", "--json", dir_arg]));
    assert_eq!(json.code, Some(1), "{}", json.err());
    assert!(!json.stdout.contains(&0x1b), "JSON escapes control characters");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    let mut from_json: Vec<Vec<u8>> = Vec::new();
    for o in v.as_array().unwrap() {
        let path = o["path"].as_str().unwrap();
        match o.get("path_hex") {
            None => from_json.push(path.as_bytes().to_vec()),
            Some(hex) => {
                let hex = hex.as_str().unwrap();
                let bytes: Vec<u8> =
                    (0..hex.len()).step_by(2).map(|k| u8::from_str_radix(&hex[k..k + 2], 16).unwrap()).collect();
                assert!(std::str::from_utf8(&bytes).is_err(), "path_hex only for names that are not UTF-8");
                assert_eq!(unescape(path), bytes, "path is the escaped form of the same name");
                from_json.push(bytes);
            }
        }
    }
    from_json.sort();
    assert_eq!(from_json, sorted);
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------
// Hole 12: the model and detector pinned by SHA-256; the model size limit.
// ---------------------------------------------------------------------------

#[test]
fn model_and_detector_digests_are_checked() {
    if !have_cache() {
        return;
    }
    let dir = scratch("digest");
    let obama = fetched("faces/obama.jpg");
    let model_sha = sha256_hex(&std::fs::read(default_model()).unwrap());
    let detector_sha = sha256_hex(&std::fs::read(fetched("models/retinaface_mnet025.onnx")).unwrap());
    let wrong = "0".repeat(64);
    let plain = run(serfiq(&dir).arg("score").arg(&obama));
    assert_eq!(plain.code, Some(0), "{}", plain.err());

    let right =
        run(serfiq(&dir).args(["score", "--model-sha256", &model_sha, "--detector-sha256", &detector_sha]).arg(&obama));
    assert_eq!(right.code, Some(0), "{}", right.err());
    assert_eq!(right.stdout, plain.stdout);
    let upper = run(serfiq(&dir).args(["info", "--model-sha256", &model_sha.to_uppercase()]));
    assert_eq!(upper.code, Some(0), "{}", upper.err());

    for (flag, what, got) in [("--model-sha256", "model", &model_sha), ("--detector-sha256", "detector", &detector_sha)]
    {
        for cmd in ["score", "embed", "info"] {
            let mut c = serfiq(&dir);
            c.args([cmd, flag, &wrong]);
            if cmd != "info" {
                c.arg(&obama);
            }
            let r = run(&mut c);
            r.no_panic();
            assert_eq!(r.code, Some(2), "{cmd} {flag}: {}", r.err());
            assert!(r.out().lines().count() <= 1, "nothing scored: {}", r.out());
            let err = r.err();
            assert!(err.contains(&format!("SHA-256 is {got}, expected {wrong}")), "{cmd} {flag}: {err}");
            assert!(err.to_lowercase().contains(what), "{err}");
        }
    }
    // Not 64 hex digits: refused too.
    let r = run(serfiq(&dir).args(["info", "--model-sha256", "abc"]));
    assert_eq!(r.code, Some(2), "{}", r.err());
    // A detector digest without a detector is a mistake, not ignored.
    let r = run(serfiq(&dir).args(["score", "--no-detect", "--detector-sha256", &detector_sha]).arg(&obama));
    assert_eq!(r.code, Some(2), "{}", r.err());

    // --max-model-bytes: a model over it is refused before it is read.
    let size = std::fs::metadata(default_model()).unwrap().len();
    let r = run(serfiq(&dir).args(["info", "--max-model-bytes", &(size - 1).to_string()]));
    assert_eq!(r.code, Some(2), "{}", r.err());
    assert!(r.err().contains("more than the limit"), "{}", r.err());
    let r = run(serfiq(&dir).args(["info", "--max-model-bytes", &size.to_string(), "--no-detect"]));
    assert_eq!(r.code, Some(0), "{}", r.err());
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------
// Issue 27 (round 3): FIFOs, unbounded eval, calibrate --out, inputs overwritten.
// ---------------------------------------------------------------------------

/// `run`, killed after `secs` seconds: a hang shows as a failed test, not a stuck one.
fn run_within(cmd: &mut Command, secs: u64) -> Run {
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let child_pid = std::sync::Arc::new(std::sync::Mutex::new(None::<u32>));
    let watched = child_pid.clone();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(std::time::Duration::from_secs(secs)).is_err() {
            if let Some(pid) = *watched.lock().unwrap() {
                // SAFETY: kill(2) on the child this test started, not yet reaped.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        }
    });
    let r = run_spawned(cmd, &child_pid);
    let _ = done_tx.send(());
    watchdog.join().unwrap();
    assert!(r.code.is_some(), "did not finish within {secs} s (hung):\n{}", String::from_utf8_lossy(&r.stderr));
    r
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", p.display());
}

fn is_fifo(p: &Path) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(&std::fs::symlink_metadata(p).unwrap().file_type())
}

#[test]
fn fifos_given_as_any_input_are_refused_without_blocking() {
    if !have_cache() {
        return;
    }
    let dir = scratch("fifos");
    let fifo = dir.join("pipe.jpg");
    mkfifo(&fifo);
    let obama = fetched("faces/obama.jpg");
    let data = dir.join("set");
    std::fs::create_dir_all(data.join("A")).unwrap();
    let cases: [(&str, Vec<std::ffi::OsString>, i32); 5] = [
        ("an image", vec!["score".into(), fifo.clone().into(), obama.clone().into()], 1),
        ("--landmarks", vec!["score".into(), "--landmarks".into(), fifo.clone().into(), obama.clone().into()], 2),
        ("eval --pairs", vec!["eval".into(), data.clone().into(), "--pairs".into(), fifo.clone().into()], 2),
        ("calibrate --model", vec!["calibrate".into(), "--model".into(), fifo.clone().into(), obama.clone().into()], 2),
        (
            "calibrate --model --out",
            vec![
                "calibrate".into(),
                "--model".into(),
                fifo.clone().into(),
                "--out".into(),
                dir.join("o.onnx").into(),
                obama.clone().into(),
            ],
            2,
        ),
    ];
    for (what, args, code) in cases {
        let r = run_within(serfiq(&dir).args(&args), 60);
        r.no_panic();
        assert_eq!(r.code, Some(code), "{what}: {}", r.err());
        assert!(r.err().contains("not a regular file"), "{what}: {}", r.err());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn eval_refuses_an_absurd_impostor_count_as_a_usage_error() {
    let dir = scratch("impostors");
    for f in ["A/1.jpg", "B/1.jpg"] {
        std::fs::create_dir_all(dir.join(f).parent().unwrap()).unwrap();
        std::fs::write(dir.join(f), b"x").unwrap();
    }
    let r = run_within(serfiq(&dir).args(["eval", "."]).args(["--impostors", "18446744073709551615"]), 30);
    r.no_panic();
    assert_eq!(r.code, Some(2), "{}", r.err());
    assert!(r.err().contains("--impostors"), "{}", r.err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_pairs_line_is_quoted_cut_short() {
    let dir = scratch("long-line");
    let pairs = dir.join("pairs.txt");
    std::fs::write(&pairs, format!("A 1 2\n{}\n", "x ".repeat(2_000_000))).unwrap();
    let r = run_within(serfiq(&dir).args(["eval", ".", "--pairs"]).arg(&pairs), 30);
    r.no_panic();
    assert_eq!(r.code, Some(2), "{}", r.err());
    assert!(r.err().contains(":2: expected"), "{}", &r.err()[..r.err().len().min(300)]);
    assert!(r.stderr.len() < 1000, "{} bytes of stderr for one bad line", r.stderr.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn calibrate_out_refuses_fifos_and_devices_before_any_work() {
    let dir = scratch("calibrate-out");
    let fifo = dir.join("model.onnx");
    mkfifo(&fifo);
    for target in [fifo.as_path(), Path::new("/dev/null")] {
        let r = run_within(serfiq(&dir).args(["calibrate", "--out"]).arg(target).arg(fetched("faces/obama.jpg")), 60);
        r.no_panic();
        assert_eq!(r.code, Some(2), "{}: {}", target.display(), r.err());
        assert!(r.err().contains("not a regular file"), "{}", r.err());
    }
    assert!(is_fifo(&fifo), "the FIFO was replaced");
    let dev_null = std::fs::metadata("/dev/null").unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_char_device(&dev_null.file_type()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn annotating_and_saving_crops_into_the_input_folder_never_overwrites_an_input() {
    if !have_cache() {
        return;
    }
    let dir = scratch("into-inputs");
    // Photos as PNG, so that the outputs' names (NAME.png) are the inputs' names.
    for name in ["obama", "biden"] {
        image::open(fetched(&format!("faces/{name}.jpg"))).unwrap().save(dir.join(format!("{name}.png"))).unwrap();
    }
    let before: Vec<Vec<u8>> = ["obama.png", "biden.png"].iter().map(|n| std::fs::read(dir.join(n)).unwrap()).collect();
    for flag in ["--annotate", "--save-crops"] {
        let r = run_within(serfiq(&dir).args(["score", flag, ".", "obama.png", "biden.png"]), 120);
        r.no_panic();
        assert_eq!(r.code, Some(0), "{flag}: {}", r.err());
        for (n, old) in ["obama.png", "biden.png"].iter().zip(&before) {
            assert_eq!(&std::fs::read(dir.join(n)).unwrap(), old, "{flag} overwrote the input {n}");
        }
        assert!(r.err().contains("is an input image and is never written over; wrote"), "{flag}: {}", r.err());
    }
    assert!(dir.join("obama_2.png").exists() && dir.join("biden_2.png").exists());
    // One input named as the --annotate file: refused before any work.
    let r = run_within(serfiq(&dir).args(["score", "--annotate", "obama.png", "obama.png"]), 60);
    assert_eq!(r.code, Some(2), "{}", r.err());
    assert!(r.err().contains("never writes over"), "{}", r.err());
    assert_eq!(std::fs::read(dir.join("obama.png")).unwrap(), before[0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_truncated_jpeg_is_a_bad_image() {
    if !have_cache() {
        return;
    }
    let dir = scratch("truncated");
    let jpeg = std::fs::read(fetched("faces/obama.jpg")).unwrap();
    let cut = dir.join("cut.jpg");
    std::fs::write(&cut, &jpeg[..jpeg.len() * 2 / 3]).unwrap();
    let r = run_within(serfiq(&dir).arg("score").arg(&cut).arg(fetched("faces/obama.jpg")), 60);
    r.no_panic();
    assert_eq!(r.code, Some(1), "{}", r.err());
    assert!(r.err().contains("cut.jpg: cannot decode image: the JPEG file is truncated"), "{}", r.err());
    assert_eq!(r.out().lines().count(), 2, "the whole image is still scored:\n{}", r.out());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn score_help_names_every_column() {
    let r = run_within(serfiq(Path::new(".")).args(["score", "--help"]), 30);
    assert_eq!(r.code, Some(0));
    assert!(!r.out().contains("(s and q)"), "{}", r.out());
    assert!(r.out().contains("s, q, n, f, q100"), "{}", r.out());
}
