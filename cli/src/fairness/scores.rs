//! Reading a scores table without re-running the model: the CSV or JSON of
//! `serfiq score`, or the Parquet that `serfiq.spark.score_images` wrote.

use std::path::Path;

use super::report::Scores;
use crate::inputs::io_reason;

/// Paths as the table names them, and the values.
#[derive(Debug)]
pub struct Table {
    pub paths: Vec<String>,
    pub scores: Scores,
}

/// Reads `path` by its content: a Parquet file (magic `PAR1`) or a folder of
/// them as Spark writes it, a JSON array, or CSV. `qualities` are the gated
/// qualities to take when the table has them.
pub fn load(path: &Path, qualities: &[&str]) -> Result<Table, String> {
    let shown = crate::show::path(path);
    let mut table = if path.is_dir() { parquet_folder(path, qualities)? } else { one_file(path, qualities)? };
    table.scores.drop_absent();
    if table.scores.qualities.is_empty() {
        return Err(format!("{shown}: no values of {} in the table", qualities.join(" or ")));
    }
    Ok(table)
}

fn one_file(path: &Path, qualities: &[&str]) -> Result<Table, String> {
    let shown = crate::show::path(path);
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {}", io_reason(&e)))?;
    let table = if bytes.starts_with(b"PAR1") {
        super::parquet::read(&bytes, qualities)
    } else {
        let text = std::str::from_utf8(&bytes).map_err(|_| format!("{shown}: not UTF-8 text (nor Parquet)"))?;
        if text.trim_start().starts_with('[') {
            json(text, qualities)
        } else {
            csv(text, qualities)
        }
    };
    table.map_err(|e| format!("{shown}: {e}"))
}

/// The `*.parquet` files of a folder (Spark's part files), in name order, as one table.
fn parquet_folder(dir: &Path, qualities: &[&str]) -> Result<Table, String> {
    let shown = crate::show::path(dir);
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {shown}: {}", io_reason(&e)))?;
    let mut files: Vec<_> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "parquet")).collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{shown}: a folder without .parquet files"));
    }
    let mut all: Option<Table> = None;
    for f in &files {
        let t = one_file(f, qualities)?;
        match &mut all {
            None => all = Some(t),
            Some(a) => a.append(t),
        }
    }
    all.ok_or_else(|| format!("{shown}: no rows"))
}

impl Table {
    /// Adds `other`'s rows; a quality or component one side lacks is NaN there.
    fn append(&mut self, other: Table) {
        let (n, m) = (self.paths.len(), other.paths.len());
        self.paths.extend(other.paths);
        self.scores.q100.extend(other.scores.q100);
        for list in [
            (&mut self.scores.qualities, other.scores.qualities),
            (&mut self.scores.components, other.scores.components),
        ] {
            let (mine, theirs) = list;
            for (name, values) in theirs {
                match mine.iter_mut().find(|(k, _)| *k == name) {
                    Some((_, v)) => v.extend(values),
                    None => mine.push((name, std::iter::repeat_n(f64::NAN, n).chain(values).collect())),
                }
            }
            for (_, v) in mine.iter_mut() {
                v.resize(n + m, f64::NAN);
            }
        }
    }
}

/// A number cell: empty (not scored) is NaN. Values are read as f32, the
/// precision serfiq writes them in, so "0.5796663" is the f32 the model gave.
fn number(cell: &str) -> Result<f64, String> {
    match cell.trim() {
        "" => Ok(f64::NAN),
        c => c.parse::<f32>().map(f64::from).map_err(|_| format!("{c:?} is not a number")),
    }
}

/// Splits CSV text into records (RFC 4180: quoted fields may hold commas,
/// doubled quotes and line breaks). `csv_field`'s `'` in front of a formula
/// start is taken off again.
fn records(text: &str) -> impl Iterator<Item = Result<Vec<String>, String>> + '_ {
    let mut rest = text;
    let mut line = 0usize;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        line += 1;
        let mut fields = Vec::new();
        let mut cell = String::new();
        let mut chars = rest.char_indices().peekable();
        let mut quoted = false;
        let mut was_quoted = false;
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            match (quoted, c) {
                (true, '"') if matches!(chars.peek(), Some((_, '"'))) => {
                    cell.push('"');
                    chars.next();
                }
                (true, '"') => quoted = false,
                (true, c) => cell.push(c),
                (false, '"') if cell.is_empty() => (quoted, was_quoted) = (true, true),
                (false, ',') => fields.push(unformula(std::mem::take(&mut cell), std::mem::take(&mut was_quoted))),
                (false, '\n') => {
                    end = i + 1;
                    break;
                }
                (false, '\r') => {}
                (false, c) => cell.push(c),
            }
        }
        if quoted {
            rest = "";
            return Some(Err(format!("record {line}: a quoted field does not end")));
        }
        fields.push(unformula(cell, was_quoted));
        rest = &rest[end..];
        if fields.len() == 1 && fields[0].is_empty() {
            continue;
        }
        return Some(Ok(fields));
    })
}

fn unformula(cell: String, quoted: bool) -> String {
    let formula = ['=', '+', '-', '@', '\t', '\r'];
    match cell.strip_prefix('\'') {
        Some(rest) if quoted && rest.starts_with(formula) => rest.to_string(),
        _ => cell,
    }
}

/// The component value columns: `<Name>` where `<Name>_raw` is also a column.
fn component_columns(head: &[String]) -> Vec<(String, usize)> {
    head.iter()
        .enumerate()
        .filter(|(_, h)| head.iter().any(|o| o.strip_suffix("_raw") == Some(h.as_str())))
        .map(|(i, h)| (h.clone(), i))
        .collect()
}

fn csv(text: &str, qualities: &[&str]) -> Result<Table, String> {
    let mut rows = records(text);
    let head = rows.next().ok_or("empty; expected the CSV of `serfiq score`")??;
    let col = |name: &str| head.iter().position(|h| h == name);
    let (Some(path_at), Some(q100_at)) = (col("path"), col("q100")) else {
        return Err(format!("expected the CSV of `serfiq score` (columns path, ..., q100), got columns {head:?}"));
    };
    let quality_at: Vec<(String, usize)> = qualities.iter().filter_map(|q| Some((q.to_string(), col(q)?))).collect();
    let components = component_columns(&head);
    let mut t = Table {
        paths: Vec::new(),
        scores: Scores {
            qualities: quality_at.iter().map(|(q, _)| (q.clone(), Vec::new())).collect(),
            q100: Vec::new(),
            components: components.iter().map(|(c, _)| (c.clone(), Vec::new())).collect(),
        },
    };
    for (k, row) in rows.enumerate() {
        let row = row?;
        let at = |what: String| format!("record {}: {what}", k + 2);
        if row.len() != head.len() {
            return Err(at(format!("{} fields, the header has {}", row.len(), head.len())));
        }
        let cell = |i: usize| number(&row[i]).map_err(|e| at(format!("{}: {e}", head[i])));
        t.paths.push(row[path_at].clone());
        t.scores.q100.push(cell(q100_at)?);
        for ((_, i), (_, v)) in quality_at.iter().zip(&mut t.scores.qualities) {
            v.push(cell(*i)?);
        }
        for ((_, i), (_, v)) in components.iter().zip(&mut t.scores.components) {
            v.push(cell(*i)?);
        }
    }
    Ok(t)
}

fn json(text: &str, qualities: &[&str]) -> Result<Table, String> {
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("not the JSON of `serfiq score`: {e}"))?;
    let value = |v: &serde_json::Value, k: usize, what: &str| -> Result<f64, String> {
        match v {
            serde_json::Value::Null => Ok(f64::NAN),
            // As f32, as in CSV (`number`).
            v => v.as_f64().map(|x| x as f32 as f64).ok_or_else(|| format!("row {}: {what} is not a number", k + 1)),
        }
    };
    let mut names: Vec<String> = Vec::new();
    for r in &rows {
        if let Some(c) = r.get("components").and_then(|c| c.as_object()) {
            names.extend(c.keys().filter(|k| !names.contains(k)).cloned().collect::<Vec<_>>());
        }
    }
    let mut t = Table {
        paths: Vec::new(),
        scores: Scores {
            qualities: qualities.iter().map(|q| (q.to_string(), Vec::new())).collect(),
            q100: Vec::new(),
            components: names.iter().map(|c| (c.clone(), Vec::new())).collect(),
        },
    };
    for (k, r) in rows.iter().enumerate() {
        let path = r.get("path").and_then(|p| p.as_str()).ok_or_else(|| format!("row {}: no \"path\"", k + 1))?;
        t.paths.push(path.to_string());
        let get = |name: &str| value(r.get(name).unwrap_or(&serde_json::Value::Null), k, name);
        t.scores.q100.push(get("q100")?);
        for (q, v) in &mut t.scores.qualities {
            v.push(get(q)?);
        }
        for (c, v) in &mut t.scores.components {
            let cell = r.get("components").and_then(|m| m.get(c.as_str())).and_then(|m| m.get("value"));
            v.push(value(cell.unwrap_or(&serde_json::Value::Null), k, c)?);
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_components_and_empty_cells() {
        let text = "path,s,q,n,f,q100,l,LuminanceMean,LuminanceMean_raw,feedback\n\
                    \"a,\"\"b\"\".jpg\",0.5,0.25,12.5,-0.75,37.5,,40,101.5,TOO_DARK|BLURRY\n\
                    \"'=c.png\",0.25,0.1,10,-1,20,,,,\n";
        let t = csv(text, &["s", "f", "l"]).unwrap();
        assert_eq!(t.paths, ["a,\"b\".jpg", "=c.png"]);
        assert_eq!(t.scores.q100, [37.5, 20.0]);
        assert_eq!(t.scores.qualities[1], ("f".to_string(), vec![-0.75, -1.0]));
        assert!(t.scores.qualities[2].1.iter().all(|v| v.is_nan()));
        assert_eq!(t.scores.components.len(), 1);
        assert_eq!(t.scores.components[0].1[0], 40.0);
        assert!(t.scores.components[0].1[1].is_nan());
        // serfiq prints f32 values by their shortest form: read back, they are that f32.
        assert_eq!(number("0.5796663").unwrap(), 0.5796663f32 as f64);
        assert!(csv("path,s\nx,1\n", &["s"]).unwrap_err().contains("columns path, ..., q100"));
        assert!(csv("path,s,q100\nx,1\n", &["s"]).unwrap_err().starts_with("record 2: 2 fields"));
        assert!(csv("path,s,q100\nx,one,3\n", &["s"]).unwrap_err().contains("s: \"one\" is not a number"));
        assert!(csv("path,s,q100\n\"x,1,3\n", &["s"]).unwrap_err().contains("does not end"));
    }

    #[test]
    fn json_rows_with_components() {
        let text = r#"[{"path": "a.jpg", "s": 0.5, "f": 0.1, "q100": 30, "components": {"Sharpness": {"raw": 3.5, "value": 80}}},
                       {"path": "b.jpg", "s": 0.6, "f": 0.2, "q100": 60, "l": null}]"#;
        let t = json(text, &["s", "f", "l"]).unwrap();
        assert_eq!(t.paths, ["a.jpg", "b.jpg"]);
        assert_eq!(t.scores.qualities[0].1, [0.5, 0.6f32 as f64], "read as f32");
        assert_eq!(t.scores.components[0].0, "Sharpness");
        assert_eq!(t.scores.components[0].1[0], 80.0);
        assert!(t.scores.components[0].1[1].is_nan());
        assert!(json(r#"[{"s": 1}]"#, &["s"]).unwrap_err().contains("no \"path\""));
        assert!(json(r#"[{"path": "x", "s": "a"}]"#, &["s"]).unwrap_err().contains("s is not a number"));
    }
}
