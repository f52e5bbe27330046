//! Printing results as CSV or JSON, one image at a time, so output streams.

use std::io::{self, Write};

use serde::Serialize;
use serfiq::Quality;

/// One image's result.
pub enum Row<'a> {
    Score(Quality),
    Embedding(&'a [f32]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// One JSON value; serde_json escapes strings and writes non-finite numbers as null.
fn json<T: Serialize + ?Sized>(v: &T) -> io::Result<String> {
    serde_json::to_string(v).map_err(io::Error::other)
}

/// Quotes a CSV field when RFC 4180 requires it (comma, quote, CR or LF),
/// doubling the quotes inside.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// The CSV header line: `path,s,q` or `path,e0,e1,...`.
pub fn csv_header(embedding_size: Option<usize>) -> String {
    match embedding_size {
        None => "path,s,q".to_string(),
        Some(n) => {
            std::iter::once("path".to_string()).chain((0..n).map(|i| format!("e{i}"))).collect::<Vec<_>>().join(",")
        }
    }
}

pub struct Printer<W: Write> {
    out: W,
    format: Format,
    rows: usize,
}

impl<W: Write> Printer<W> {
    /// Writes the CSV header or opens the JSON array. `embedding_size` is
    /// `Some` for embeddings.
    pub fn start(mut out: W, format: Format, embedding_size: Option<usize>) -> io::Result<Self> {
        match format {
            Format::Csv => writeln!(out, "{}", csv_header(embedding_size))?,
            Format::Json => write!(out, "[")?,
        }
        Ok(Printer { out, format, rows: 0 })
    }

    pub fn row(&mut self, path: &str, row: &Row) -> io::Result<()> {
        match self.format {
            Format::Csv => {
                write!(self.out, "{}", csv_field(path))?;
                match row {
                    Row::Score(q) => write!(self.out, ",{},{}", q.s, q.q)?,
                    Row::Embedding(e) => e.iter().try_for_each(|v| write!(self.out, ",{v}"))?,
                }
                writeln!(self.out)?;
            }
            Format::Json => {
                // One object per line: readable, and still a valid JSON array.
                let sep = if self.rows == 0 { "\n  " } else { ",\n  " };
                write!(self.out, "{sep}{{\"path\": {}, ", json(path)?)?;
                match row {
                    Row::Score(q) => write!(self.out, "\"s\": {}, \"q\": {}}}", json(&q.s)?, json(&q.q)?)?,
                    Row::Embedding(e) => {
                        let values: Vec<String> = e.iter().map(json).collect::<io::Result<_>>()?;
                        write!(self.out, "\"embedding\": [{}]}}", values.join(", "))?;
                    }
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Makes what was printed so far visible (called after each batch).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn finish(mut self) -> io::Result<()> {
        if self.format == Format::Json {
            writeln!(self.out, "{}]", if self.rows == 0 { "" } else { "\n" })?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("a/b c.jpg"), "a/b c.jpg");
        assert_eq!(csv_field("a,b.jpg"), "\"a,b.jpg\"");
        assert_eq!(csv_field("say \"hi\".jpg"), "\"say \"\"hi\"\".jpg\"");
        assert_eq!(csv_field("two\nlines.png"), "\"two\nlines.png\"");
        assert_eq!(csv_header(None), "path,s,q");
        assert_eq!(csv_header(Some(3)), "path,e0,e1,e2");
    }

    fn printed(format: Format, rows: &[(&str, Row)], emb: Option<usize>) -> String {
        let mut buf = Vec::new();
        let mut p = Printer::start(&mut buf, format, emb).unwrap();
        for (path, row) in rows {
            p.row(path, row).unwrap();
        }
        p.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn csv_and_json_output() {
        let q = Quality { s: 0.5, q: 0.25 };
        let rows = [("a,\"b\".jpg", Row::Score(q)), ("c.png", Row::Score(q))];
        assert_eq!(printed(Format::Csv, &rows, None), "path,s,q\n\"a,\"\"b\"\".jpg\",0.5,0.25\nc.png,0.5,0.25\n");
        let json = printed(Format::Json, &rows, None);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["path"], "a,\"b\".jpg");
        assert_eq!(v[1]["q"], 0.25);
        assert!(json.contains("\n  {\"path\": \"c.png\", \"s\": 0.5, \"q\": 0.25}\n]"), "{json}");
        assert_eq!(printed(Format::Json, &[], None), "[]\n");
        let e = [1.0f32, -0.5];
        let v: serde_json::Value =
            serde_json::from_str(&printed(Format::Json, &[("x", Row::Embedding(&e))], Some(2))).unwrap();
        assert_eq!(v[0]["embedding"][1], -0.5);
        assert_eq!(printed(Format::Csv, &[("x", Row::Embedding(&e))], Some(2)), "path,e0,e1\nx,1,-0.5\n");
    }
}
