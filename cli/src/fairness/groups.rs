//! The group labels: a TSV file `path<TAB>column…` with a header line naming
//! the grouping columns (e.g. `path<TAB>sex<TAB>age`). Paths are relative to
//! the dataset; an empty cell leaves the image out of that grouping.

use std::collections::HashMap;
use std::path::Path;

use crate::inputs::io_reason;

#[derive(Debug)]
pub struct Groups {
    /// The grouping columns, in file order.
    pub columns: Vec<String>,
    /// Each row's label per column ("" = none).
    labels: Vec<Vec<String>>,
    by_path: HashMap<String, usize>,
}

/// One grouping column applied to a list of images.
pub struct Grouping {
    pub column: String,
    /// The group names, sorted.
    pub names: Vec<String>,
    /// Each image's group (an index into `names`); `None` when unlabelled.
    pub of: Vec<Option<usize>>,
}

/// A path with `/` separators and no leading `./`, as the file and the tables compare it.
fn normal(p: &str) -> &str {
    p.trim_start_matches("./")
}

impl Groups {
    pub fn load(path: &Path) -> Result<Groups, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the groups file {}: {}", crate::show::path(path), io_reason(&e)))?;
        Groups::parse(&text).map_err(|e| format!("{}:{e}", crate::show::path(path)))
    }

    /// Errors start with the line number.
    pub fn parse(text: &str) -> Result<Groups, String> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines.next().ok_or("1: empty; expected a header `path<TAB>column…`")?;
        let head: Vec<&str> = header.split('\t').map(str::trim).collect();
        if head.len() < 2 || head[0] != "path" || head[1..].iter().any(|c| c.is_empty()) {
            return Err(format!("1: expected a header `path<TAB>column…` naming each grouping column, got {header:?}"));
        }
        let columns: Vec<String> = head[1..].iter().map(|c| c.to_string()).collect();
        let mut groups = Groups { columns, labels: Vec::new(), by_path: HashMap::new() };
        for (n, line) in lines {
            let cells: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
            if cells.len() != head.len() {
                return Err(format!("{}: expected {} tab-separated fields, got {}", n + 1, head.len(), cells.len()));
            }
            let path = normal(cells[0].trim());
            if path.is_empty() {
                return Err(format!("{}: empty path", n + 1));
            }
            if groups.by_path.insert(path.to_string(), groups.labels.len()).is_some() {
                return Err(format!("{}: {path:?} is listed twice", n + 1));
            }
            groups.labels.push(cells[1..].iter().map(|c| c.trim().to_string()).collect());
        }
        Ok(groups)
    }

    /// The row of `path`: the one whose path is `path` itself or its trailing
    /// part (so `data/lfw/A/A_0001.jpg` finds `A/A_0001.jpg`).
    fn find(&self, path: &str) -> Option<usize> {
        let path = normal(path);
        std::iter::once(path)
            .chain(path.match_indices('/').map(|(i, _)| &path[i + 1..]))
            .find_map(|p| self.by_path.get(p).copied())
    }

    /// Every grouping column applied to `paths`; says so on stderr when no path has a label.
    pub fn apply(&self, paths: &[String]) -> Vec<Grouping> {
        let rows: Vec<Option<usize>> = paths.iter().map(|p| self.find(p)).collect();
        if !paths.is_empty() && rows.iter().all(Option::is_none) {
            eprintln!(
                "serfiq: warning: none of the {} images is in the groups file (its paths must be the images' paths \
                 relative to the dataset, or their trailing part)",
                paths.len()
            );
        }
        (0..self.columns.len())
            .map(|c| {
                let label = |r: usize| self.labels[r][c].as_str();
                let mut names: Vec<String> =
                    self.labels.iter().map(|l| l[c].clone()).filter(|l| !l.is_empty()).collect();
                names.sort();
                names.dedup();
                let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
                let of = rows.iter().map(|r| r.and_then(|r| index.get(label(r)).copied())).collect();
                Grouping { column: self.columns[c].clone(), names, of }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_by_path_or_trailing_part() {
        let g =
            Groups::parse("path\tsex\tage\nA/A_1.jpg\tfemale\t20-39\n./B/B_1.jpg\tmale\t\n\nC/C_1.jpg\tmale\t40+\n")
                .unwrap();
        assert_eq!(g.columns, ["sex", "age"]);
        let paths: Vec<String> =
            ["x/y/A/A_1.jpg", "B/B_1.jpg", "D/D_1.jpg", "C/C_1.jpg"].iter().map(|s| s.to_string()).collect();
        let gs = g.apply(&paths);
        assert_eq!(gs[0].names, ["female", "male"]);
        assert_eq!(gs[0].of, [Some(0), Some(1), None, Some(1)]);
        assert_eq!(gs[1].names, ["20-39", "40+"]);
        assert_eq!(gs[1].of, [Some(0), None, None, Some(1)]);
    }

    #[test]
    fn malformed_files_name_the_line() {
        assert!(Groups::parse("").unwrap_err().starts_with("1: empty"));
        assert!(Groups::parse("file\tsex\n").unwrap_err().starts_with("1: expected a header"));
        assert!(Groups::parse("path\n").unwrap_err().starts_with("1: expected a header"));
        assert!(Groups::parse("path\tsex\nA.jpg\tf\tx\n").unwrap_err().starts_with("2: expected 2"));
        assert!(Groups::parse("path\tsex\nA.jpg\tf\nA.jpg\tm\n")
            .unwrap_err()
            .starts_with("3: \"A.jpg\" is listed twice"));
    }
}
