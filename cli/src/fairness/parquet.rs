//! The Parquet that `serfiq.spark.score_images` writes (then `.write.parquet`):
//! columns path, s, f, q100 (and l), status, and with components a
//! `components` map of name → value. Read row by row with the parquet crate's
//! record reader, so the CLI needs no Arrow.

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use super::report::Scores;
use super::scores::Table;

fn number(f: &Field) -> Option<f64> {
    match f {
        Field::Float(v) => Some(*v as f64),
        Field::Double(v) => Some(*v),
        Field::Int(v) => Some(*v as f64),
        Field::Long(v) => Some(*v as f64),
        _ => None,
    }
}

pub fn read(bytes: &[u8], qualities: &[&str]) -> Result<Table, String> {
    let reader = SerializedFileReader::new(bytes::Bytes::copy_from_slice(bytes))
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let schema = reader.metadata().file_metadata().schema_descr();
    let top: Vec<String> = schema.root_schema().get_fields().iter().map(|f| f.name().to_string()).collect();
    if !top.iter().any(|n| n == "path") || !top.iter().any(|n| n == "q100") {
        return Err(format!("expected the columns path and q100 of serfiq.spark.score_images, got {top:?}"));
    }
    let present: Vec<&str> = qualities.iter().copied().filter(|q| top.iter().any(|n| n == q)).collect();
    let mut t = Table {
        paths: Vec::new(),
        scores: Scores {
            qualities: present.iter().map(|q| (q.to_string(), Vec::new())).collect(),
            q100: Vec::new(),
            components: Vec::new(),
        },
    };
    let rows = reader.get_row_iter(None).map_err(|e| format!("cannot read the rows: {e}"))?;
    for (k, row) in rows.enumerate() {
        let row = row.map_err(|e| format!("row {}: {e}", k + 1))?;
        let (mut path, mut q100) = (None, f64::NAN);
        let mut values = vec![f64::NAN; present.len()];
        let mut components: Vec<(String, f64)> = Vec::new();
        for (name, field) in row.get_column_iter() {
            match (name.as_str(), field) {
                ("path", Field::Str(p)) => path = Some(p.clone()),
                ("q100", f) => q100 = number(f).unwrap_or(f64::NAN),
                ("components", Field::MapInternal(m)) => {
                    for (key, value) in m.entries() {
                        if let Field::Str(key) = key {
                            components.push((key.clone(), number(value).unwrap_or(f64::NAN)));
                        }
                    }
                }
                (n, f) => {
                    if let Some(i) = present.iter().position(|q| *q == n) {
                        values[i] = number(f).unwrap_or(f64::NAN);
                    }
                }
            }
        }
        let path = path.ok_or_else(|| format!("row {}: no path", k + 1))?;
        let n = t.paths.len();
        t.paths.push(path.strip_prefix("file:").unwrap_or(&path).to_string());
        t.scores.q100.push(q100);
        for ((_, v), x) in t.scores.qualities.iter_mut().zip(values) {
            v.push(x);
        }
        for (c, x) in components {
            let at = match t.scores.components.iter().position(|(name, _)| *name == c) {
                Some(at) => at,
                None => {
                    t.scores.components.push((c, vec![f64::NAN; n]));
                    t.scores.components.len() - 1
                }
            };
            t.scores.components[at].1.push(x);
        }
        for (_, v) in &mut t.scores.components {
            v.resize(n + 1, f64::NAN);
        }
    }
    Ok(t)
}
