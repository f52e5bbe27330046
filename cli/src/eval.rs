//! `serfiq eval`: does the quality predict recognition errors? The EDC of
//! ISO/IEC 29794-1 for s, n and f, a sharpness baseline, random and perfect
//! discard, with the operating points (quality thresholds at set discard
//! fractions), as a table, JSON, a CSV of per-image values and a PNG plot per FMR.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::edc::{
    edc, operating_points, perfect_discard, random_discard, summarize, threshold_at_fmr, Comparison, EdcPoint, Summary,
};
use serde::Serialize;

use crate::args::EvalArgs;
use crate::dataset::{self, Dataset};
use crate::fairness::{self, groups::Groups, recognition::Pair, report::Scores};
use crate::inputs::{io_reason, LandmarkFile};
use crate::measure::{measure, Measured};
use crate::plot::{self, Curve};
use crate::process::RunConfig;
use crate::{load, settings, Fatal};

/// Discard fractions reported in the table, and the pAUC's upper end.
pub const FRACTIONS: [f64; 5] = [0.0, 0.05, 0.10, 0.20, 0.30];
pub const PAUC_UPTO: f64 = 0.20;
/// Discard fractions of the operating points.
pub const OPERATING: [f64; 4] = [0.01, 0.05, 0.10, 0.20];
/// How far the plot and the JSON curve go.
const CURVE_UPTO: f64 = 0.30;

#[derive(Serialize)]
struct Report {
    dataset: String,
    model: PathBuf,
    images: usize,
    unusable_images: usize,
    missing_images: usize,
    genuine_comparisons: usize,
    impostor_comparisons: usize,
    /// Comparisons left out because an image was missing or unusable.
    skipped_comparisons: usize,
    samples: usize,
    dropout: f64,
    seed: u64,
    alpha: f64,
    r: f64,
    /// Which quality the model's q100 is the percentile of.
    q100_quality: &'static str,
    similarity: &'static str,
    pair_quality: &'static str,
    pauc_upto: f64,
    results: Vec<FmrResult>,
}

#[derive(Serialize)]
struct FmrResult {
    fmr: f64,
    threshold: f64,
    /// Impostor comparisons accepted at the threshold (≤ fmr of them).
    fmr_observed: f64,
    plot: PathBuf,
    measures: Vec<MeasureResult>,
}

#[derive(Serialize)]
struct MeasureResult {
    name: &'static str,
    /// [discarded fraction, FNMR] at the table's fractions.
    fnmr_at: Vec<[f64; 2]>,
    pauc: f64,
    /// [discarded fraction, FNMR] every 0.5 % up to 30 %.
    curve: Vec<[f64; 2]>,
    /// Thresholds at the `OPERATING` fractions (none for random and perfect).
    operating_points: Vec<Operating>,
}

#[derive(Serialize)]
struct Operating {
    discarded: f64,
    /// The lowest pair quality kept, in this measure's unit.
    threshold: f64,
    /// That threshold as a q100 percentile of the calibration sample (s and f
    /// with the model's quantile table; null otherwise).
    q100: Option<f64>,
    fnmr: f64,
}

/// The quality measures compared; random and perfect discard are added to each.
const MEASURES: [&str; 5] = ["s", "n", "l", "f", "sharpness"];

fn measure_value(m: &Measured, name: &str) -> f64 {
    match name {
        "s" => m.s as f64,
        "n" => m.n as f64,
        "l" => m.l as f64,
        "f" => m.f as f64,
        _ => m.sharpness,
    }
}

pub fn run(a: &EvalArgs) -> Result<ExitCode, Fatal> {
    if let Some(f) = a.fmr.iter().find(|f| !(**f > 0.0 && **f < 1.0)) {
        return Err(Fatal(format!("--fmr must be between 0 and 1, got {f}")));
    }
    let landmarks = LandmarkFile::load_option(a.landmarks.as_deref()).map_err(Fatal)?;
    let groups = a.groups.as_deref().map(Groups::load).transpose().map_err(Fatal)?;
    let set = match &a.pairs {
        Some(pairs) => dataset::from_pairs(&a.dataset, pairs),
        None => dataset::from_folders(&a.dataset, a.impostors as usize, a.pair_seed),
    }
    .map_err(Fatal)?;
    for p in set.missing.iter().take(10) {
        eprintln!("serfiq: {}: no such image (its pairs are left out)", crate::show::path(p));
    }
    if set.missing.len() > 10 {
        eprintln!("serfiq: ... and {} more missing images", set.missing.len() - 10);
    }
    if set.genuine.is_empty() || set.impostor.is_empty() {
        return Err(Fatal(format!(
            "{} genuine and {} impostor comparisons: the evaluation needs both",
            set.genuine.len(),
            set.impostor.len()
        )));
    }
    std::fs::create_dir_all(&a.out)
        .map_err(|e| Fatal(format!("cannot create {}: {}", crate::show::path(&a.out), io_reason(&e))))?;
    let st = settings(&a.model, &a.detect, Some(&a.serfiq))?;
    let model = load(&st.opts)?;

    let cfg = RunConfig {
        landmarks: landmarks.as_ref(),
        want: serfiq_core::Want::Both,
        all_faces: false,
        components: false,
        batch: a.batch as usize,
    };
    eprintln!("serfiq: evaluating {} images ({})", set.images.len(), set.description);
    let measured = measure(&model, &set.images, &cfg, true);
    let mut unusable = 0;
    for (path, m) in set.images.iter().zip(&measured) {
        if let Err(reason) = m {
            unusable += 1;
            eprintln!("{}", crate::process::problem(path, &format!("{reason} (its comparisons are left out)")));
        }
    }
    write_images_csv(&a.out.join("images.csv"), &set.images, &measured)?;

    let (genuine, pairs, skipped) = compare(&set, &measured);
    let impostor: Vec<f64> = pairs.impostor.iter().map(|p| p.2).collect();
    if genuine.is_empty() || impostor.is_empty() {
        return Err(Fatal("no usable genuine or impostor comparison is left".to_string()));
    }
    let (alpha, r) = model.alpha_r();
    let mut report = Report {
        dataset: set.description.clone(),
        model: st.model_path.clone(),
        images: set.images.len(),
        unusable_images: unusable,
        missing_images: set.missing.len(),
        genuine_comparisons: genuine.len(),
        impostor_comparisons: impostor.len(),
        skipped_comparisons: skipped + set.dropped_pairs,
        samples: model.samples(),
        dropout: model.dropout(),
        seed: model.seed(),
        alpha,
        r,
        q100_quality: model.q100_quality().name(),
        similarity: "cosine of the embeddings",
        pair_quality: "the lower of the two images' values",
        pauc_upto: PAUC_UPTO,
        results: Vec::new(),
    };
    for (k, &fmr) in a.fmr.iter().enumerate() {
        report.results.push(evaluate_at(fmr, &genuine, &impostor, &a.out, k == 0, &model)?);
    }
    print_table(&report);
    let json_path = a.out.join("edc.json");
    crate::fairness::write_json(&json_path, &report)?;
    let mut plots: Vec<String> = report.results.iter().map(|r| crate::show::path(&r.plot).to_string()).collect();
    if let Some(groups) = &groups {
        plots.extend(fairness_report(a, &set, &measured, groups, &pairs)?);
    }
    println!(
        "\nwrote {}, {} and {}",
        crate::show::path(&json_path),
        crate::show::path(&a.out.join("images.csv")),
        plots.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// A genuine comparison's similarity and its pair quality by each measure (in `MEASURES` order).
/// A fixed array, not a Vec: folder sets can give millions of genuine pairs.
type Genuine = (f64, [f64; MEASURES.len()]);

/// The comparisons whose two images were both usable: image indices and similarity.
struct Pairs {
    genuine: Vec<Pair>,
    impostor: Vec<Pair>,
}

/// Genuine comparisons, all usable comparisons, and how many comparisons lost an image.
fn compare(set: &Dataset, m: &[Result<Measured, String>]) -> (Vec<Genuine>, Pairs, usize) {
    let both = |i: usize, j: usize| Some((m[i].as_ref().ok()?, m[j].as_ref().ok()?));
    let usable = |list: &[(usize, usize)]| -> Vec<Pair> {
        list.iter()
            .filter_map(|&(i, j)| {
                let (a, b) = both(i, j)?;
                Some((i, j, a.embedding.iter().zip(&b.embedding).map(|(x, y)| x * y).sum::<f32>() as f64))
            })
            .collect()
    };
    let pairs = Pairs { genuine: usable(&set.genuine), impostor: usable(&set.impostor) };
    let skipped = set.genuine.len() + set.impostor.len() - pairs.genuine.len() - pairs.impostor.len();
    let genuine = pairs
        .genuine
        .iter()
        .filter_map(|&(i, j, score)| {
            let (a, b) = both(i, j)?;
            Some((score, MEASURES.map(|n| measure_value(a, n).min(measure_value(b, n)))))
        })
        .collect();
    (genuine, pairs, skipped)
}

/// The per-group report of `--groups`: fairness.json, the table and one
/// figure per grouping column; returns the figures' paths.
fn fairness_report(
    a: &EvalArgs,
    set: &Dataset,
    measured: &[Result<Measured, String>],
    groups: &Groups,
    pairs: &Pairs,
) -> Result<Vec<String>, Fatal> {
    let value = |q: &str| measured.iter().map(|m| m.as_ref().map_or(f64::NAN, |m| measure_value(m, q))).collect();
    let mut scores = Scores {
        qualities: fairness::QUALITIES.iter().map(|q| (q.to_string(), value(q))).collect(),
        q100: measured.iter().map(|m| m.as_ref().map_or(f64::NAN, |m| m.q100 as f64)).collect(),
        components: Vec::new(),
    };
    scores.drop_absent();
    let paths: Vec<String> = set
        .images
        .iter()
        .map(|p| p.strip_prefix(&a.dataset).unwrap_or(p).to_string_lossy().replace('\\', "/"))
        .collect();
    let groupings = groups.apply(&paths);
    let mut report = fairness::report::report(&scores, &groupings, &OPERATING);
    fairness::recognition::add(&mut report, &scores, &groupings, &pairs.genuine, &pairs.impostor, &a.fmr, PAUC_UPTO);
    fairness::print(&report, Some(PAUC_UPTO));
    fairness::write_json(&a.out.join("fairness.json"), &report)?;
    let mut written = vec![crate::show::path(&a.out.join("fairness.json")).to_string()];
    for (g, r) in groupings.iter().zip(&report.groupings) {
        let file: String =
            g.column.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        let path = a.out.join(format!("fairness-{file}.png"));
        fairness_figure(&path, &scores, g, r)?;
        written.push(crate::show::path(&path).to_string());
    }
    Ok(written)
}

/// Each group's CDF of q100, and its EDC for each gated quality at the first FMR.
fn fairness_figure(
    path: &Path,
    scores: &Scores,
    g: &fairness::groups::Grouping,
    r: &fairness::report::GroupingReport,
) -> Result<(), Fatal> {
    let color = |i: usize| plot::GROUP_COLORS[i % plot::GROUP_COLORS.len()];
    let sorted: Vec<Vec<f64>> = (0..g.names.len())
        .map(|gi| {
            let mut v: Vec<f64> = (0..scores.images())
                .filter(|&i| g.of[i] == Some(gi) && scores.scored(i))
                .map(|i| scores.q100[i])
                .collect();
            v.sort_by(f64::total_cmp);
            v
        })
        .collect();
    let cdf_names: Vec<String> =
        g.names.iter().zip(&sorted).map(|(n, v)| format!("{n} ({} images)", v.len())).collect();
    let cdfs: Vec<plot::Cdf> = cdf_names
        .iter()
        .zip(&sorted)
        .enumerate()
        .map(|(i, (name, sorted))| plot::Cdf { name, sorted, color: color(i) })
        .collect();
    let mut names = Vec::new();
    let mut lines = Vec::new();
    let mut title = String::from("EDC within each group");
    for (gi, grp) in r.groups.iter().enumerate() {
        let Some(at) = grp.recognition.as_ref().and_then(|x| x.at_fmr.first().map(|at| (x.genuine_pairs, at))) else {
            continue;
        };
        title = format!("EDC within each group at FMR {} (threshold {:.4})", at.1.fmr, at.1.threshold);
        for (k, q) in at.1.qualities.iter().enumerate() {
            names.push(format!("{} {} ({} pairs){}", grp.group, q.quality, at.0, if k > 0 { ", dashed" } else { "" }));
            lines.push((&q.curve, color(gi), k > 0));
        }
    }
    let curves: Vec<Curve> = names
        .iter()
        .zip(&lines)
        .map(|(name, (points, color, dashed))| Curve { name, points, color: *color, dashed: *dashed })
        .collect();
    let cdf_title = format!("q100 by {}", g.column);
    plot::fairness_png(path, &cdf_title, &cdfs, &title, &curves, CURVE_UPTO).map_err(Fatal)
}

fn evaluate_at(
    fmr: f64,
    genuine: &[Genuine],
    impostor: &[f64],
    out: &Path,
    first: bool,
    model: &serfiq_core::Model,
) -> Result<FmrResult, Fatal> {
    let scales = model.scales();
    let has_l = model.quality_input().is_some();
    let threshold = threshold_at_fmr(impostor, fmr).ok_or_else(|| Fatal("no impostor comparisons".into()))?;
    let fmr_observed = impostor.iter().filter(|&&s| s > threshold).count() as f64 / impostor.len() as f64;
    let mut ops = Vec::new();
    let mut curves: Vec<(&'static str, Vec<EdcPoint>)> = MEASURES
        .iter()
        .enumerate()
        .filter(|(_, &name)| has_l || name != "l")
        .map(|(k, &name)| {
            let cmp: Vec<Comparison> =
                genuine.iter().map(|(score, q)| Comparison { score: *score, quality: q[k] }).collect();
            let table = match name {
                "s" => scales.s_table.as_ref(),
                "f" if model.fuses_l() => scales.fl_table.as_ref(),
                "f" => scales.f_table.as_ref(),
                _ => None,
            };
            let points = operating_points(&cmp, threshold, &OPERATING).into_iter().map(|o| Operating {
                discarded: o.discarded,
                threshold: o.threshold,
                q100: table.map(|t| t.percentile_of(o.threshold)),
                fnmr: o.fnmr,
            });
            ops.push(points.collect::<Vec<_>>());
            (name, edc(&cmp, threshold))
        })
        .collect();
    curves.push(("random", random_discard(&curves[0].1)));
    curves.push(("perfect", perfect_discard(&curves[0].1)));
    ops.resize_with(curves.len(), Vec::new);
    let measures = curves
        .iter()
        .zip(ops)
        .map(|((name, points), operating_points)| {
            let Summary { fnmr_at, pauc } = summarize(points, &FRACTIONS, PAUC_UPTO);
            let steps = (CURVE_UPTO * 200.0).round() as usize;
            let curve = (0..=steps)
                .filter_map(|k| {
                    let f = k as f64 / 200.0;
                    crate::edc::fnmr_at(points, f).map(|v| [f, v])
                })
                .collect();
            let fnmr_at = fnmr_at.into_iter().map(|(f, v)| [f, v]).collect();
            MeasureResult { name, fnmr_at, pauc, curve, operating_points }
        })
        .collect();
    let file = if first { "edc.png".to_string() } else { format!("edc-fmr{fmr}.png") };
    let path = out.join(file);
    let title = format!(
        "EDC at FMR {fmr} (threshold {threshold:.4}): {} genuine, {} impostor comparisons",
        genuine.len(),
        impostor.len()
    );
    let drawn: Vec<Curve> = curves
        .iter()
        .map(|(name, points)| {
            let (color, dashed) = style(name);
            Curve { name: legend(name, model.fuses_l()), points, color, dashed }
        })
        .collect();
    plot::edc_png(&path, &title, &drawn, CURVE_UPTO).map_err(Fatal)?;
    Ok(FmrResult { fmr, threshold, fmr_observed, plot: path, measures })
}

fn style(name: &str) -> (plotters::style::RGBColor, bool) {
    match name {
        "s" => (plot::SERFIQ_COLOR, false),
        "n" => (plot::NORM_COLOR, false),
        "l" => (plot::LEARNED_COLOR, false),
        "f" => (plot::FUSED_COLOR, false),
        "sharpness" => (plot::BASELINE_COLOR, false),
        "random" => (plot::RANDOM_COLOR, true),
        _ => (plot::PERFECT_COLOR, true),
    }
}

fn legend(name: &str, fused_l: bool) -> &'static str {
    match name {
        "s" => "s (SER-FIQ)",
        "n" => "n (embedding-layer norm)",
        "l" => "l (second quality network)",
        "f" if fused_l => "f (fused: s, n and l)",
        "f" => "f (fused: mean of normalised s and n)",
        "sharpness" => "sharpness (Laplacian variance)",
        "random" => "random discard (expected)",
        _ => "perfect (false non-matches first)",
    }
}

fn print_table(r: &Report) {
    println!(
        "{} images ({} unusable, {} missing), {} genuine and {} impostor comparisons ({} left out)",
        r.images,
        r.unusable_images,
        r.missing_images,
        r.genuine_comparisons,
        r.impostor_comparisons,
        r.skipped_comparisons
    );
    println!("{}", r.dataset);
    for f in &r.results {
        let fnmr0 = f.measures[0].fnmr_at.first().map_or(0.0, |p| p[1]);
        println!(
            "\nFMR {}: cosine threshold {:.4} (impostors accepted {:.4} %), FNMR {:.3} % before discarding",
            f.fmr,
            f.threshold,
            f.fmr_observed * 100.0,
            fnmr0 * 100.0
        );
        if f.fmr * r.impostor_comparisons as f64 <= 10.0 {
            println!(
                "  (few impostor comparisons for this FMR: the threshold rests on the top {} of them)",
                (f.fmr * r.impostor_comparisons as f64).floor() as usize + 1
            );
        }
        println!("FNMR (%) after discarding the lowest-quality genuine comparisons:");
        let head: Vec<String> = FRACTIONS.iter().map(|x| format!("{:>6}", format!("{:.0} %", x * 100.0))).collect();
        println!("  {:<10} {}   pAUC to {:.0} %", "quality", head.join(" "), r.pauc_upto * 100.0);
        for m in &f.measures {
            let cells: Vec<String> = m.fnmr_at.iter().map(|p| format!("{:>6.3}", p[1] * 100.0)).collect();
            println!("  {:<10} {}   {:.5}", m.name, cells.join(" "), m.pauc);
        }
        println!("Operating points: discard the genuine comparisons whose pair quality is below the threshold");
        let head: Vec<String> =
            OPERATING.iter().map(|x| format!("{:>27}", format!("{:.0} % discarded", x * 100.0))).collect();
        println!("  {:<10} {}", "quality", head.join(" "));
        println!("  {:<10} {}", "", ["  threshold    q100   FNMR %"; OPERATING.len()].join(" "));
        for m in f.measures.iter().filter(|m| !m.operating_points.is_empty()) {
            let cells: Vec<String> = m
                .operating_points
                .iter()
                .map(|o| {
                    let q100 = o.q100.map_or("-".to_string(), |v| format!("{v:.1}"));
                    format!("{:>11} {:>7} {:>8.3}", format!("{:.5}", o.threshold), q100, o.fnmr * 100.0)
                })
                .collect();
            println!("  {:<10} {}", m.name, cells.join(" "));
        }
    }
}

fn write_images_csv(path: &Path, images: &[PathBuf], measured: &[Result<Measured, String>]) -> Result<(), Fatal> {
    let io = |e: std::io::Error| Fatal(format!("cannot write {}: {}", crate::show::path(path), io_reason(&e)));
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    writeln!(w, "path,s,q,n,f,q100,l,sharpness,problem").map_err(io)?;
    for (p, m) in images.iter().zip(measured) {
        let path = crate::output::csv_path(p);
        match m {
            Ok(m) => {
                let l = if m.l.is_nan() { String::new() } else { m.l.to_string() };
                writeln!(w, "{path},{},{},{},{},{},{l},{:.3},", m.s, m.q, m.n, m.f, m.q100, m.sharpness)
            }
            Err(reason) => writeln!(w, "{path},,,,,,,,{}", crate::output::csv_field(&crate::show::text(reason))),
        }
        .map_err(io)?;
    }
    w.flush().map_err(io)
}
