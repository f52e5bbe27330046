//! Names and messages as the CLI prints them: nothing a file name holds can
//! move the terminal's cursor, change its colours, reorder the text around it
//! or print as another file's name.
//!
//! A path is printed as its bytes with these escapes, and only these:
//!
//! - `\` as `\\`;
//! - a byte that is not part of valid UTF-8 as `\xNN` (two lower-case hex digits);
//! - an ASCII control character (U+0000–U+001F, U+007F) as `\xNN`, its byte;
//! - the C1 controls (U+0080–U+009F), the bidirectional controls (U+200E,
//!   U+200F, U+202A–U+202E, U+2066–U+2069) and the line and paragraph
//!   separators (U+2028, U+2029) as `\u{H}` (lower-case hex, no leading zeros).
//!
//! Every other character is printed as it is. Reading `\\`, `\xNN` and
//! `\u{H}` back gives the original bytes, so two names never print the same.
//! Messages (`text`) get the same escapes except that `\` is left alone.

use std::ffi::OsStr;
use std::fmt::Write;
use std::path::Path;

/// Characters printed as `\u{H}`: they are invisible, or reorder or break the line around them.
fn needs_u_escape(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

fn push(out: &mut String, c: char, escape_backslash: bool) {
    match c {
        '\\' if escape_backslash => out.push_str("\\\\"),
        '\0'..='\x1f' | '\x7f' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if needs_u_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Any OS string (a file name), escaped as the module says.
pub fn os(s: &OsStr) -> String {
    let mut out = String::with_capacity(s.len());
    for chunk in s.as_encoded_bytes().utf8_chunks() {
        chunk.valid().chars().for_each(|c| push(&mut out, c, true));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// A path as it is printed in CSV and on stderr.
pub fn path(p: &Path) -> String {
    os(p.as_os_str())
}

/// A message (a reason, a decoder's words) with its control characters escaped.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    s.chars().for_each(|c| push(&mut out, c, false));
    out
}

/// Longest part of a line quoted in a message: a malformed 100 MB line must
/// not become 100 MB of stderr.
pub const EXCERPT_CHARS: usize = 80;

/// A line of input quoted in a message: its first [`EXCERPT_CHARS`]
/// characters, escaped as `text`, in quotes, with how much was left out.
pub fn excerpt(line: &str) -> String {
    match line.char_indices().nth(EXCERPT_CHARS) {
        None => format!("\"{}\"", text(line)),
        Some((i, _)) => format!("\"{}\"... ({} bytes in all)", text(&line[..i]), line.len()),
    }
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP,
/// "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV field: a cell a spreadsheet would take for a formula gets a `'` in
/// front and is quoted; a field with a comma, quote, CR or LF is quoted (RFC
/// 4180), its quotes doubled; any other field is printed as it is.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    let formula = s.starts_with(FORMULA_STARTS);
    if formula || s.contains([',', '"', '\n', '\r']) {
        format!("\"{}{}\"", if formula { "'" } else { "" }, s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// A path as a CSV field: escaped as the module says (so it holds no control
/// character), then made safe for spreadsheets by `csv_field`.
pub fn csv_path(p: &Path) -> String {
    csv_field(&path(p)).into_owned()
}

/// The name's bytes as lower-case hex (the JSON `path_hex` of a name that is not UTF-8).
pub fn hex(s: &OsStr) -> String {
    s.as_encoded_bytes().iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The inverse of `os`: what the module documentation promises.
    pub(crate) fn unescape(s: &str) -> Vec<u8> {
        let (b, mut out, mut i) = (s.as_bytes(), Vec::new(), 0);
        while i < b.len() {
            if b[i] != b'\\' {
                out.push(b[i]);
                i += 1;
            } else if b[i + 1] == b'\\' {
                out.push(b'\\');
                i += 2;
            } else if b[i + 1] == b'x' {
                out.push(u8::from_str_radix(&s[i + 2..i + 4], 16).unwrap());
                i += 4;
            } else {
                assert_eq!(&s[i..i + 3], "\\u{");
                let end = s[i..].find('}').unwrap() + i;
                let c = char::from_u32(u32::from_str_radix(&s[i + 3..end], 16).unwrap()).unwrap();
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                i = end + 1;
            }
        }
        out
    }

    #[cfg(unix)]
    fn raw(b: &[u8]) -> &OsStr {
        use std::os::unix::ffi::OsStrExt;
        OsStr::from_bytes(b)
    }

    #[test]
    fn plain_names_are_unchanged() {
        for s in [".cache/faces/obama.jpg", "/a b/ü ñ 日本.png", "=x,\"y\".png"] {
            assert_eq!(path(Path::new(s)), s);
        }
    }

    #[test]
    #[cfg(unix)]
    fn controls_invalid_bytes_and_backslashes_are_escaped_reversibly() {
        let cases: [(&[u8], &str); 6] = [
            (b"a\x1b[31mred.png", "a\\x1b[31mred.png"),
            (b"two\nlines\r.png", "two\\x0alines\\x0d.png"),
            (b"back\\slash", "back\\\\slash"),
            (b"bad\xff.png", "bad\\xff.png"),
            (b"bad\xfe.png", "bad\\xfe.png"),
            ("rtl\u{202e}gnp.exe\u{85}".as_bytes(), "rtl\\u{202e}gnp.exe\\u{85}"),
        ];
        for (bytes, want) in cases {
            let got = os(raw(bytes));
            assert_eq!(got, want);
            assert!(!got.chars().any(|c| c.is_control()), "{got:?}");
            assert_eq!(unescape(&got), bytes);
        }
        // A name that spells an escape is not confused with the byte it names.
        assert_ne!(os(raw(b"\\xff")), os(raw(b"\xff")));
        assert_eq!(text("a\\b\x1b\n"), "a\\b\\x1b\\x0a");
        assert_eq!(hex(raw(b"a\xff")), "61ff");
    }

    #[test]
    fn long_lines_are_cut_in_messages() {
        assert_eq!(excerpt("a b\x1b"), "\"a b\\x1b\"");
        let long = "x".repeat(1_000_000);
        let e = excerpt(&long);
        assert!(e.len() < 120 && e.ends_with("... (1000000 bytes in all)"), "{e}");
        let wide = "é".repeat(100);
        assert!(excerpt(&wide).starts_with(&format!("\"{}\"...", "é".repeat(80))));
    }
}
