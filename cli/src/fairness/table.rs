//! The fairness report as a table on the terminal.

use super::report::{Rate, Report, SummaryLine};

fn pct(r: &Rate) -> String {
    match (r.rate, r.ci) {
        (Some(p), Some([lo, hi])) => format!("{:.1} [{:.1}, {:.1}]", p * 100.0, lo * 100.0, hi * 100.0),
        _ => "-".to_string(),
    }
}

fn fraction(x: f64) -> String {
    if x == 0.0 {
        "no gate".to_string()
    } else {
        format!("{:.0} %", x * 100.0)
    }
}

fn summary(l: &SummaryLine) -> String {
    let what = match l.fmr {
        Some(fmr) => format!("FNMR at FMR {fmr}, {} gate at {}", l.quality, fraction(l.discard)),
        None => format!("rejected by the {} gate at {}", l.quality, fraction(l.discard)),
    };
    let ratio = l.ratio.map_or("min is 0".to_string(), |r| format!("{r:.2}x"));
    let verdict = if l.real { "intervals apart: a real difference" } else { "intervals overlap" };
    format!(
        "  {what}: {} {:.2} % / {} {:.2} % = {ratio} ({verdict})",
        l.max_group,
        l.max * 100.0,
        l.min_group,
        l.min * 100.0
    )
}

/// Prints `r`; `pauc_upto` is set when the groups carry comparisons.
pub fn print(r: &Report, pauc_upto: Option<f64>) {
    println!(
        "\nFairness: {} images ({} unscored); gates on {} discard {} of all scored images",
        r.images,
        r.unscored,
        r.qualities.join(", "),
        r.discard.iter().map(|&x| fraction(x)).collect::<Vec<_>>().join(" / ")
    );
    let cell = 22;
    for g in &r.groupings {
        println!("\n== by {} ({} images without a label)", g.column, g.unlabelled);
        let head: Vec<String> = r.percentiles.iter().map(|p| format!("p{p}")).collect();
        println!("  {:<14} {:>7} {:>14}   q100 {}", "group", "images", "unscored %", head.join(" / "));
        for grp in &g.groups {
            let q100: Vec<String> = grp.distribution[0].percentiles.iter().map(|v| format!("{v:.1}")).collect();
            println!("  {:<14} {:>7} {:>14}   {}", grp.group, grp.images, pct(&grp.unscored), q100.join(" / "));
        }
        println!("  Rejected by the global gate (% of the group's scored images, 95 % Wilson interval):");
        let head: Vec<String> = r.discard.iter().map(|&x| format!("{:>cell$}", fraction(x))).collect();
        println!("  {:<8} {:<14} {}", "quality", "group", head.join(" "));
        for (k, q) in r.qualities.iter().enumerate() {
            for grp in &g.groups {
                let cells: Vec<String> =
                    grp.rejection[k].rejected.iter().map(|x| format!("{:>cell$}", pct(x))).collect();
                println!("  {:<8} {:<14} {}", q, grp.group, cells.join(" "));
            }
        }
        let means: Vec<&str> = g
            .groups
            .first()
            .map_or(Vec::new(), |grp| grp.component_means.iter().map(|c| c.component.as_str()).collect());
        if !means.is_empty() {
            println!("  Component means (0-100):");
            for (c, name) in means.iter().enumerate() {
                let cells: Vec<String> = g
                    .groups
                    .iter()
                    .map(|grp| {
                        format!(
                            "{} {}",
                            grp.group,
                            grp.component_means[c].mean.map_or("-".into(), |m| format!("{m:.1}"))
                        )
                    })
                    .collect();
                println!("    {:<28} {}", name, cells.join("   "));
            }
        }
        if let (Some(upto), Some(rec)) = (pauc_upto, g.groups.first().and_then(|x| x.recognition.as_ref())) {
            for (fi, at) in rec.at_fmr.iter().enumerate() {
                println!(
                    "  FNMR % at FMR {} (threshold {:.4}) within each group, after each gate [95 % interval]; pAUC of the group's EDC to {:.0} % (random discard):",
                    at.fmr,
                    at.threshold,
                    upto * 100.0
                );
                let mut fr = vec![0.0];
                fr.extend(&r.discard);
                let head: Vec<String> = fr.iter().map(|&x| format!("{:>cell$}", fraction(x))).collect();
                println!("  {:<8} {:<14} {:>6} {}   pAUC", "quality", "group", "pairs", head.join(" "));
                for k in 0..r.qualities.len() {
                    for grp in &g.groups {
                        let Some(rec) = &grp.recognition else { continue };
                        let gq = &rec.at_fmr[fi].qualities[k];
                        let cells: Vec<String> = gq.fnmr.iter().map(|x| format!("{:>cell$}", pct(x))).collect();
                        let pauc = match (gq.pauc, gq.pauc_random) {
                            (Some(p), Some(r)) => format!("{p:.5} ({r:.5})"),
                            _ => "-".to_string(),
                        };
                        println!(
                            "  {:<8} {:<14} {:>6} {}   {pauc}",
                            gq.quality,
                            grp.group,
                            rec.genuine_pairs,
                            cells.join(" ")
                        );
                    }
                }
            }
        }
        println!("  Summary (largest / smallest group):");
        for l in &g.summary {
            println!("{}", summary(l));
        }
    }
}
