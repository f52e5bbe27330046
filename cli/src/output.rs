//! Printing results as CSV or JSON, one image at a time, so output streams.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use serfiq_core::{Component, Components, Feedback, Landmarks, Quality};

/// One image's result, or one face's.
pub enum Row<'a> {
    Score(Quality),
    /// A quality with its components and feedback (`score --components`).
    Assessed(Quality, &'a Components),
    Embedding(&'a [f32]),
    Face(&'a FaceRow),
}

/// One face of `--faces all`: its index in the image, where it is (when the
/// detector found it or landmarks were given) and its quality.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceRow {
    pub face: usize,
    /// x0, y0, x1, y1 in pixels; `None` for an aligned crop or given landmarks.
    pub bbox: Option<[f32; 4]>,
    pub landmarks: Option<Landmarks>,
    pub confidence: Option<f32>,
    pub quality: Quality,
    /// With `--components`.
    pub components: Option<Components>,
}

/// What each row holds, which fixes the CSV columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// path,s,q,n,f,q100,l
    Score,
    /// path,face,x0,y0,x1,y1,confidence,s,q,n,f,q100,l
    Faces,
    /// path,e0,e1,... with this many values
    Embedding(usize),
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

pub use crate::show::{csv_field, csv_path};

/// The CSV header line: `path,s,q,n,f,q100,l`, `path,face,...` or `path,e0,e1,...`.
pub fn csv_header(columns: Columns) -> String {
    match columns {
        Columns::Score => "path,s,q,n,f,q100,l".to_string(),
        Columns::Faces => "path,face,x0,y0,x1,y1,confidence,s,q,n,f,q100,l".to_string(),
        Columns::Embedding(n) => {
            std::iter::once("path".to_string()).chain((0..n).map(|i| format!("e{i}"))).collect::<Vec<_>>().join(",")
        }
    }
}

/// A CSV field for an optional number: empty when absent.
fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// s,q,n,f,q100,l as CSV fields; l empty without a quality network (NaN).
fn quality_csv(q: &Quality) -> String {
    let l = if q.l.is_nan() { String::new() } else { q.l.to_string() };
    format!("{},{},{},{},{},{l}", q.s, q.q, q.n, q.f, q.q100)
}

/// `"s": …, "q": …, "n": …, "f": …, "q100": …, "l": …` (q100 the percentile,
/// 0–100; l null without a quality network).
fn quality_json(q: &Quality) -> io::Result<String> {
    Ok(format!(
        "\"s\": {}, \"q\": {}, \"n\": {}, \"f\": {}, \"q100\": {}, \"l\": {}",
        json(&q.s)?,
        json(&q.q)?,
        json(&q.n)?,
        json(&q.f)?,
        json(&q.q100)?,
        json(&q.l)?
    ))
}

/// The CSV columns `--components` adds: `<Name>,<Name>_raw` per component, then `feedback`.
pub fn components_header() -> String {
    let names = Component::ALL.iter().map(|c| format!(",{0},{0}_raw", c.name()));
    names.chain(std::iter::once(",feedback".to_string())).collect()
}

/// The feedback codes raised, their names joined by `|`.
fn feedback_names(c: &Components) -> String {
    Feedback::in_set(c.feedback).map(|f| f.name()).collect::<Vec<_>>().join("|")
}

/// A component's CSV fields: empty when it is not assessed.
fn components_csv(c: &Components) -> String {
    let num = |v: f32| if v.is_nan() { String::new() } else { v.to_string() };
    let cols: String = Component::ALL.iter().map(|k| format!(",{},{}", num(c.value(*k)), num(c.raw(*k)))).collect();
    format!("{cols},{}", feedback_names(c))
}

/// `, "components": {...}, "feedback": [...]`, not-assessed components left out.
fn components_json(c: &Components) -> io::Result<String> {
    let mut parts = Vec::new();
    for k in Component::ALL.iter().filter(|k| !c.raw(**k).is_nan()) {
        parts.push(format!(
            "{}: {{\"raw\": {}, \"value\": {}}}",
            json(k.name())?,
            json(&c.raw(*k))?,
            json(&c.value(*k))?
        ));
    }
    let fb: Vec<&str> = Feedback::in_set(c.feedback).map(|f| f.name()).collect();
    Ok(format!(", \"components\": {{{}}}, \"feedback\": {}", parts.join(", "), json(&fb)?))
}

pub struct Printer<W: Write> {
    out: W,
    format: Format,
    rows: usize,
}

impl<W: Write> Printer<W> {
    /// Writes the CSV header (with the component columns after the others
    /// when `components`) or opens the JSON array.
    pub fn start_with(mut out: W, format: Format, columns: Columns, components: bool) -> io::Result<Self> {
        match format {
            Format::Csv if components => writeln!(out, "{}{}", csv_header(columns), components_header())?,
            Format::Csv => writeln!(out, "{}", csv_header(columns))?,
            Format::Json => write!(out, "[")?,
        }
        Ok(Printer { out, format, rows: 0 })
    }

    pub fn row(&mut self, path: &Path, row: &Row) -> io::Result<()> {
        match self.format {
            Format::Csv => {
                write!(self.out, "{}", csv_path(path))?;
                match row {
                    Row::Score(q) => write!(self.out, ",{}", quality_csv(q))?,
                    Row::Assessed(q, c) => write!(self.out, ",{}{}", quality_csv(q), components_csv(c))?,
                    Row::Embedding(e) => e.iter().try_for_each(|v| write!(self.out, ",{v}"))?,
                    Row::Face(f) => {
                        let b = f.bbox.map_or([None; 4], |b| b.map(Some));
                        write!(self.out, ",{}", f.face)?;
                        b.iter().try_for_each(|v| write!(self.out, ",{}", opt(*v)))?;
                        write!(self.out, ",{},{}", opt(f.confidence), quality_csv(&f.quality))?;
                        if let Some(c) = &f.components {
                            write!(self.out, "{}", components_csv(c))?;
                        }
                    }
                }
                writeln!(self.out)?;
            }
            Format::Json => {
                // One object per line: readable, and still a valid JSON array.
                let sep = if self.rows == 0 { "\n  " } else { ",\n  " };
                // The exact name when it is UTF-8; otherwise its escaped form
                // (as in CSV) and its bytes in hex.
                match path.to_str() {
                    Some(exact) => write!(self.out, "{sep}{{\"path\": {}, ", json(exact)?)?,
                    None => write!(
                        self.out,
                        "{sep}{{\"path\": {}, \"path_hex\": {}, ",
                        json(&crate::show::path(path))?,
                        json(&crate::show::hex(path.as_os_str()))?
                    )?,
                }
                match row {
                    Row::Score(q) => write!(self.out, "{}}}", quality_json(q)?)?,
                    Row::Assessed(q, c) => write!(self.out, "{}{}}}", quality_json(q)?, components_json(c)?)?,
                    Row::Embedding(e) => {
                        let values: Vec<String> = e.iter().map(json).collect::<io::Result<_>>()?;
                        write!(self.out, "\"embedding\": [{}]}}", values.join(", "))?;
                    }
                    Row::Face(f) => write!(
                        self.out,
                        "\"face\": {}, \"box\": {}, \"landmarks\": {}, \"confidence\": {}, {}{}}}",
                        f.face,
                        json(&f.bbox)?,
                        json(&f.landmarks)?,
                        json(&f.confidence)?,
                        quality_json(&f.quality)?,
                        f.components.as_ref().map(components_json).transpose()?.unwrap_or_default()
                    )?,
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
        // Formula starts are neutralised and quoted (OWASP CSV injection).
        assert_eq!(csv_field("=HYPERLINK(\"http://x\",\"y\").png"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\").png\"");
        for s in ["+1.png", "-1.png", "@x.png", "\tx.png", "\rx.png"] {
            assert_eq!(csv_field(s), format!("\"'{s}\""));
        }
        assert_eq!(csv_path(Path::new("\tx\x1b.png")), "\\x09x\\x1b.png");
        assert_eq!(csv_path(Path::new("a/=b.png")), "a/=b.png");
        assert_eq!(csv_header(Columns::Score), "path,s,q,n,f,q100,l");
        assert_eq!(csv_header(Columns::Embedding(3)), "path,e0,e1,e2");
        assert_eq!(csv_header(Columns::Faces), "path,face,x0,y0,x1,y1,confidence,s,q,n,f,q100,l");
    }

    fn printed(format: Format, rows: &[(&str, Row)], columns: Columns) -> String {
        let mut buf = Vec::new();
        let mut p = Printer::start_with(&mut buf, format, columns, false).unwrap();
        for (path, row) in rows {
            p.row(Path::new(path), row).unwrap();
        }
        p.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn csv_and_json_output() {
        let q = Quality { s: 0.5, q: 0.25, n: 12.5, f: -0.75, q100: 37.5, l: f32::NAN };
        let rows = [("a,\"b\".jpg", Row::Score(q)), ("c.png", Row::Score(q))];
        assert_eq!(
            printed(Format::Csv, &rows, Columns::Score),
            "path,s,q,n,f,q100,l\n\"a,\"\"b\"\".jpg\",0.5,0.25,12.5,-0.75,37.5,\nc.png,0.5,0.25,12.5,-0.75,37.5,\n"
        );
        let json = printed(Format::Json, &rows, Columns::Score);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["path"], "a,\"b\".jpg");
        assert_eq!(v[1]["q"], 0.25);
        let line = "\n  {\"path\": \"c.png\", \"s\": 0.5, \"q\": 0.25, \"n\": 12.5, \"f\": -0.75, \"q100\": 37.5, \"l\": null}\n]";
        assert!(json.contains(line), "{json}");
        assert_eq!(printed(Format::Json, &[], Columns::Score), "[]\n");
        let e = [1.0f32, -0.5];
        let v: serde_json::Value =
            serde_json::from_str(&printed(Format::Json, &[("x", Row::Embedding(&e))], Columns::Embedding(2))).unwrap();
        assert_eq!(v[0]["embedding"][1], -0.5);
        assert_eq!(printed(Format::Csv, &[("x", Row::Embedding(&e))], Columns::Embedding(2)), "path,e0,e1\nx,1,-0.5\n");
    }

    #[test]
    fn faces_rows_carry_index_box_and_confidence() {
        let found = FaceRow {
            face: 1,
            bbox: Some([10.0, 20.5, 110.0, 140.0]),
            landmarks: Some([[30.0, 60.0], [80.0, 60.0], [55.0, 90.0], [35.0, 115.0], [75.0, 115.0]]),
            confidence: Some(0.875),
            quality: Quality { s: 0.5, q: 0.25, n: 12.5, f: -0.75, q100: 37.5, l: f32::NAN },
            components: None,
        };
        let crop = FaceRow { face: 0, bbox: None, landmarks: None, confidence: None, ..found.clone() };
        let rows = [("g.jpg", Row::Face(&found)), ("c.png", Row::Face(&crop))];
        assert_eq!(
            printed(Format::Csv, &rows, Columns::Faces),
            "path,face,x0,y0,x1,y1,confidence,s,q,n,f,q100,l\ng.jpg,1,10,20.5,110,140,0.875,0.5,0.25,12.5,-0.75,37.5,\nc.png,0,,,,,,0.5,0.25,12.5,-0.75,37.5,\n"
        );
        let v: serde_json::Value = serde_json::from_str(&printed(Format::Json, &rows, Columns::Faces)).unwrap();
        assert_eq!(v[0]["face"], 1);
        assert_eq!(v[0]["box"][1], 20.5);
        assert_eq!(v[0]["landmarks"][4][1], 115.0);
        assert_eq!(v[0]["confidence"], 0.875);
        assert_eq!(v[0]["q"], 0.25);
        assert!(v[1]["box"].is_null() && v[1]["landmarks"].is_null() && v[1]["confidence"].is_null());
    }

    #[test]
    fn components_add_columns_and_json() {
        let q = Quality { s: 0.5, q: 0.25, n: 12.5, f: -0.75, q100: 37.5, l: f32::NAN };
        let mut c = Components::empty();
        c.raw[Component::InterEyeDistance as usize] = 80.0;
        c.value[Component::InterEyeDistance as usize] = 62.0;
        c.feedback = Feedback::TooDark.bit() | Feedback::Blurry.bit();
        let mut buf = Vec::new();
        let mut p = Printer::start_with(&mut buf, Format::Csv, Columns::Score, true).unwrap();
        p.row(Path::new("x.jpg"), &Row::Assessed(q, &c)).unwrap();
        p.finish().unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let (head, row): (Vec<&str>, Vec<&str>) = (lines[0].split(',').collect(), lines[1].split(',').collect());
        // path, s, q, n, f, q100, l, then value and raw of each component, then feedback.
        assert_eq!(head.len(), 7 + 2 * Component::ALL.len() + 1);
        assert_eq!(head.len(), row.len());
        assert_eq!((head[6], row[6]), ("l", ""));
        assert_eq!(
            (head[7], head[8], head[9], head[10]),
            ("UnifiedQualityScore", "UnifiedQualityScore_raw", "InterEyeDistance", "InterEyeDistance_raw")
        );
        assert_eq!((row[9], row[10], row[7]), ("62", "80", ""));
        assert_eq!((*head.last().unwrap(), *row.last().unwrap()), ("feedback", "TOO_DARK|BLURRY"));
        let mut buf = Vec::new();
        let mut p = Printer::start_with(&mut buf, Format::Json, Columns::Score, true).unwrap();
        p.row(Path::new("x.jpg"), &Row::Assessed(q, &c)).unwrap();
        p.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v[0]["components"]["InterEyeDistance"]["raw"], 80.0);
        assert_eq!(v[0]["components"]["InterEyeDistance"]["value"], 62.0);
        assert!(v[0]["components"].get("Sharpness").is_none(), "not assessed: left out");
        assert_eq!(v[0]["feedback"], serde_json::json!(["TOO_DARK", "BLURRY"]));
        assert_eq!(v[0]["q100"], 37.5);
    }
}
