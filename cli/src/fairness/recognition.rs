//! The part of the fairness report that needs comparisons (`serfiq eval
//! --groups` only): per group, FNMR at the global decision thresholds before
//! and after each global quality gate, and the group's own EDC and pAUC. A
//! comparison belongs to a group when both its images do.

use serde::Serialize;

use super::groups::Grouping;
use super::report::{summary_line, Rate, Report, Scores};
use crate::edc::{edc, partial_auc, threshold_at_fmr, Comparison, EdcPoint};

/// A comparison: the two images (indices into the scores) and its similarity.
pub type Pair = (usize, usize, f64);

#[derive(Serialize)]
pub struct GroupRecognition {
    pub genuine_pairs: usize,
    pub impostor_pairs: usize,
    pub at_fmr: Vec<AtFmr>,
}

#[derive(Serialize)]
pub struct AtFmr {
    pub fmr: f64,
    /// The decision threshold, set on all impostor comparisons.
    pub threshold: f64,
    pub qualities: Vec<GatedFnmr>,
}

#[derive(Serialize)]
pub struct GatedFnmr {
    pub quality: String,
    /// FNMR of the genuine comparisons whose two images pass each gate; the
    /// first entry (discard 0) is FNMR before any gate.
    pub fnmr: Vec<Rate>,
    /// pAUC of the group's own EDC (pair quality = the lower of the two) to
    /// `PAUC_UPTO`, and that of random discard (FNMR before · PAUC_UPTO).
    pub pauc: Option<f64>,
    pub pauc_random: Option<f64>,
    #[serde(skip)]
    pub curve: Vec<EdcPoint>,
}

/// Adds each group's recognition part and the FNMR summary lines to `report`.
/// `report.discard` are the gates; the FNMR list starts with "no gate".
pub fn add(
    report: &mut Report,
    scores: &Scores,
    groupings: &[Grouping],
    genuine: &[Pair],
    impostor: &[Pair],
    fmrs: &[f64],
    pauc_upto: f64,
) {
    let impostor_scores: Vec<f64> = impostor.iter().map(|p| p.2).collect();
    let thresholds: Vec<(f64, f64)> =
        fmrs.iter().filter_map(|&f| threshold_at_fmr(&impostor_scores, f).map(|t| (f, t))).collect();
    let gates: Vec<Vec<Option<f64>>> = report.gates.iter().map(|g| g.thresholds.clone()).collect();
    let discard: Vec<f64> = std::iter::once(0.0).chain(report.discard.iter().copied()).collect();
    for (g, out) in groupings.iter().zip(report.groupings.iter_mut()) {
        let within = |p: &&Pair| g.of[p.0].is_some() && g.of[p.0] == g.of[p.1];
        for (gi, group) in out.groups.iter_mut().enumerate() {
            let mine: Vec<Pair> = genuine.iter().filter(within).filter(|p| g.of[p.0] == Some(gi)).copied().collect();
            let impostor_pairs = impostor.iter().filter(within).filter(|p| g.of[p.0] == Some(gi)).count();
            let at_fmr = thresholds
                .iter()
                .map(|&(fmr, threshold)| AtFmr {
                    fmr,
                    threshold,
                    qualities: scores
                        .qualities
                        .iter()
                        .zip(&gates)
                        .map(|((q, v), gate)| gated(q, v, &mine, threshold, gate, pauc_upto))
                        .collect(),
                })
                .collect();
            group.recognition = Some(GroupRecognition { genuine_pairs: mine.len(), impostor_pairs, at_fmr });
        }
        for (fi, &(fmr, _)) in thresholds.iter().enumerate() {
            for (k, q) in scores.qualities.iter().map(|(q, _)| q).enumerate() {
                for (d, &x) in discard.iter().enumerate() {
                    let rates: Vec<(&str, &Rate)> = out
                        .groups
                        .iter()
                        .filter_map(|r| {
                            Some((r.group.as_str(), &r.recognition.as_ref()?.at_fmr[fi].qualities[k].fnmr[d]))
                        })
                        .collect();
                    out.summary.extend(summary_line("fnmr", q, Some(fmr), x, &rates));
                }
            }
        }
    }
}

fn gated(quality: &str, v: &[f64], pairs: &[Pair], threshold: f64, gate: &[Option<f64>], upto: f64) -> GatedFnmr {
    let pair_quality = |p: &Pair| v[p.0].min(v[p.1]);
    let fnmr_with = |t: Option<f64>| {
        let kept: Vec<&Pair> = pairs.iter().filter(|p| t.is_none_or(|t| pair_quality(p) >= t)).collect();
        Rate::new(kept.iter().filter(|p| p.2 <= threshold).count(), kept.len())
    };
    let fnmr = std::iter::once(fnmr_with(None)).chain(gate.iter().map(|&t| fnmr_with(t))).collect::<Vec<_>>();
    let cmp: Vec<Comparison> = pairs.iter().map(|p| Comparison { score: p.2, quality: pair_quality(p) }).collect();
    let curve = edc(&cmp, threshold);
    let has = !curve.is_empty();
    GatedFnmr {
        quality: quality.to_string(),
        pauc: has.then(|| partial_auc(&curve, upto)),
        pauc_random: fnmr[0].rate.map(|f| f * upto),
        fnmr,
        curve,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fairness::report::report;

    #[test]
    fn a_group_whose_errors_are_all_low_quality_drops_to_zero() {
        // 40 images: 0..20 group a, 20..40 group b; quality = index within the group. Genuine
        // pairs (k, k+10), k < 10, in each group (pair quality k). a's errors are its two
        // lowest-quality pairs (k = 0, 1); b's are spread over the order (k = 4, 9).
        let q: Vec<f64> = (0..40).map(|i| (i % 20) as f64).collect();
        let scores = Scores { qualities: vec![("s".into(), q.clone())], q100: q.clone(), components: vec![] };
        let of = (0..40).map(|i| Some(i / 20)).collect();
        let g = Grouping { column: "c".into(), names: vec!["a".into(), "b".into()], of };
        let mut genuine = Vec::new();
        for (base, errors) in [(0, [0, 1]), (20, [4, 9])] {
            for k in 0..10 {
                genuine.push((base + k, base + k + 10, if errors.contains(&k) { 0.01 } else { 0.9 }));
            }
        }
        let impostor: Vec<Pair> = (0..20).map(|k| (k, 20 + k, 0.05 * (k as f64) / 20.0)).collect();
        let mut r = report(&scores, std::slice::from_ref(&g), &[0.1, 0.2]);
        add(&mut r, &scores, std::slice::from_ref(&g), &genuine, &impostor, &[0.05], 0.2);
        let rec = |gi: usize| r.groupings[0].groups[gi].recognition.as_ref().unwrap();
        let (a, b) = (&rec(0).at_fmr[0].qualities[0], &rec(1).at_fmr[0].qualities[0]);
        assert_eq!((rec(0).genuine_pairs, rec(0).impostor_pairs), (10, 0));
        // Own EDC: a's pair qualities 0 … 9 with errors at 0, 1: 2/10, 1/9, then 0.
        let fa: Vec<f64> = a.curve.iter().map(|p| p.fnmr).collect();
        assert_eq!(&fa[..3], &[0.2, 1.0 / 9.0, 0.0]);
        assert!(fa[2..].iter().all(|&f| f == 0.0));
        // b's errors at qualities 4 and 9: 2/10, 2/9, 2/8, 2/7, 2/6, 1/5, 1/4 …: never below 0.2.
        let fb: Vec<f64> = b.curve.iter().map(|p| p.fnmr).collect();
        assert_eq!(&fb[..3], &[0.2, 2.0 / 9.0, 0.25]);
        assert!(fb.iter().all(|&f| f >= 0.2 - 1e-12), "{fb:?}");
        // pAUC to 20 %: a (0.2 + 1/9) / 10; b (0.2 + 2/9) / 10, above random (0.2 · 0.2).
        assert!((a.pauc.unwrap() - (0.2 + 1.0 / 9.0) / 10.0).abs() < 1e-12);
        assert!((b.pauc.unwrap() - (0.2 + 2.0 / 9.0) / 10.0).abs() < 1e-12);
        // The global gates over all 40 images: ⌊4⌋ → quality 2 (rejects 0 and 1 of each group),
        // ⌊8⌋ → quality 4. Pairs kept need both images ≥ gate: a keeps k ≥ 2 (0 errors of 8),
        // b keeps k ≥ 2 (2/8) and k ≥ 4 (2/6).
        let rates: Vec<(usize, usize)> = a.fnmr.iter().map(|r| (r.count, r.of)).collect();
        assert_eq!(rates, [(2, 10), (0, 8), (0, 6)]);
        let rates: Vec<(usize, usize)> = b.fnmr.iter().map(|r| (r.count, r.of)).collect();
        assert_eq!(rates, [(2, 10), (2, 8), (2, 6)]);
        let line = r.groupings[0].summary.iter().find(|l| l.measure == "fnmr" && l.discard == 0.2).unwrap();
        assert_eq!((line.max_group.as_str(), line.min_group.as_str(), line.ratio), ("b", "a", None));
    }
}
