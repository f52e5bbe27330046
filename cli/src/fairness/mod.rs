//! Is the quality gate fair? Per-group reports for `serfiq eval --groups`
//! and `serfiq fairness`.

pub mod groups;
mod parquet;
pub mod recognition;
pub mod report;
pub mod scores;
pub mod stats;
mod table;

use std::path::Path;
use std::process::ExitCode;

use crate::args::FairnessArgs;
use crate::inputs::io_reason;
use crate::Fatal;

/// The qualities a gate is set on; l is left out of a report where the model
/// has no second network (its values are then all missing).
pub const QUALITIES: [&str; 3] = ["s", "f", "l"];

pub use table::print;

/// Writes `report` as pretty JSON to `path`.
pub fn write_json(path: &Path, report: &impl serde::Serialize) -> Result<(), Fatal> {
    let json = serde_json::to_string_pretty(report).map_err(|e| Fatal(e.to_string()))?;
    std::fs::write(path, json + "\n")
        .map_err(|e| Fatal(format!("cannot write {}: {}", crate::show::path(path), io_reason(&e))))
}

/// `serfiq fairness SCORES GROUPS.tsv`: everything that needs no comparisons.
pub fn run(a: &FairnessArgs) -> Result<ExitCode, Fatal> {
    let started = std::time::Instant::now();
    let groups = groups::Groups::load(&a.groups).map_err(Fatal)?;
    let table = scores::load(&a.scores, &QUALITIES).map_err(Fatal)?;
    let groupings = groups.apply(&table.paths);
    let report = report::report(&table.scores, &groupings, &crate::eval::OPERATING);
    print(&report, None);
    if let Some(json) = &a.json {
        write_json(json, &report)?;
        println!("\nwrote {}", crate::show::path(json));
    }
    eprintln!("serfiq: {} rows in {:.2} s", table.paths.len(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
