//! The part of the fairness report that needs no comparisons, the same for
//! `serfiq eval --groups` and `serfiq fairness`: per grouping column and group,
//! counts, quality percentiles, rejection rates at the global gates with
//! Wilson intervals, and component means.

use serde::Serialize;

use super::groups::Grouping;
use super::stats::{apart, gate_thresholds, percentiles, ratio, wilson};

/// Percentiles (nearest rank) of each quality's distribution.
pub const PERCENTILES: [u32; 5] = [5, 25, 50, 75, 95];

/// Per-image values, one entry per image in every vector.
#[derive(Debug)]
pub struct Scores {
    /// The qualities gated on (s, f, and l when the model has it), NaN where absent.
    pub qualities: Vec<(String, Vec<f64>)>,
    pub q100: Vec<f64>,
    /// Component values (0–100) by component name, NaN where not assessed.
    pub components: Vec<(String, Vec<f64>)>,
}

impl Scores {
    /// The number of images (rows).
    pub fn images(&self) -> usize {
        self.q100.len()
    }

    /// Scored: every gated quality and q100 is a number.
    pub fn scored(&self, i: usize) -> bool {
        self.q100[i].is_finite() && self.qualities.iter().all(|(_, v)| v[i].is_finite())
    }

    /// Drops the qualities no image has (l without a quality network).
    pub fn drop_absent(&mut self) {
        self.qualities.retain(|(_, v)| v.iter().any(|x| x.is_finite()));
    }
}

#[derive(Serialize, Clone, Debug)]
pub struct Rate {
    /// Events (rejected images, false non-matches) and trials.
    pub count: usize,
    pub of: usize,
    pub rate: Option<f64>,
    /// 95 % Wilson interval.
    pub ci: Option<[f64; 2]>,
}

impl Rate {
    pub fn new(count: usize, of: usize) -> Rate {
        Rate { count, of, rate: (of > 0).then(|| count as f64 / of as f64), ci: wilson(count, of) }
    }
}

#[derive(Serialize)]
pub struct Report {
    /// Images in the table, and those of them without a score.
    pub images: usize,
    pub unscored: usize,
    pub qualities: Vec<String>,
    pub percentiles: Vec<u32>,
    /// Fractions of all scored images each gate discards.
    pub discard: Vec<f64>,
    pub gates: Vec<Gate>,
    pub groupings: Vec<GroupingReport>,
}

/// A quality's gates over all scored images: the value below which an image
/// is rejected, and how many are.
#[derive(Serialize)]
pub struct Gate {
    pub quality: String,
    pub thresholds: Vec<Option<f64>>,
    pub rejected: Vec<Rate>,
}

#[derive(Serialize)]
pub struct GroupingReport {
    pub column: String,
    /// Images of the table with no label in this column.
    pub unlabelled: usize,
    pub groups: Vec<GroupReport>,
    pub summary: Vec<SummaryLine>,
}

#[derive(Serialize)]
pub struct GroupReport {
    pub group: String,
    pub images: usize,
    /// Images without a score (failure to acquire): count, rate and interval.
    pub unscored: Rate,
    /// Percentiles of q100 and of each gated quality, over the scored images.
    pub distribution: Vec<Distribution>,
    /// Per gated quality, the share of the group each global gate rejects.
    pub rejection: Vec<Rejection>,
    /// Mean of each component value over the scored images that have it.
    pub component_means: Vec<ComponentMean>,
    /// Only from `serfiq eval`: the comparisons within the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recognition: Option<super::recognition::GroupRecognition>,
}

#[derive(Serialize)]
pub struct Distribution {
    pub quality: String,
    pub percentiles: Vec<f64>,
}

#[derive(Serialize)]
pub struct Rejection {
    pub quality: String,
    pub rejected: Vec<Rate>,
}

#[derive(Serialize)]
pub struct ComponentMean {
    pub component: String,
    pub mean: Option<f64>,
    pub images: usize,
}

/// The largest and smallest rate among the groups for one measure, and
/// whether their intervals are apart.
#[derive(Serialize, Clone, Debug)]
pub struct SummaryLine {
    /// "rejection" or "fnmr".
    pub measure: &'static str,
    pub quality: String,
    /// The FMR of the decision threshold (FNMR lines only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fmr: Option<f64>,
    pub discard: f64,
    pub max_group: String,
    pub max: f64,
    pub min_group: String,
    pub min: f64,
    /// max / min; null when min is 0.
    pub ratio: Option<f64>,
    /// The intervals of max and min do not overlap.
    pub real: bool,
}

/// The max/min line over `rates` (group name, rate), skipping empty groups.
pub fn summary_line(
    measure: &'static str,
    quality: &str,
    fmr: Option<f64>,
    discard: f64,
    rates: &[(&str, &Rate)],
) -> Option<SummaryLine> {
    let known: Vec<(&str, f64, [f64; 2])> = rates.iter().filter_map(|(g, r)| Some((*g, r.rate?, r.ci?))).collect();
    let max = known.iter().copied().reduce(|a, b| if b.1 > a.1 { b } else { a })?;
    let min = known.iter().copied().reduce(|a, b| if b.1 < a.1 { b } else { a })?;
    Some(SummaryLine {
        measure,
        quality: quality.to_string(),
        fmr,
        discard,
        max_group: max.0.to_string(),
        max: max.1,
        min_group: min.0.to_string(),
        min: min.1,
        ratio: ratio(max.1, min.1),
        real: apart(max.2, min.2),
    })
}

fn sorted(v: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = v.collect();
    v.sort_by(f64::total_cmp);
    v
}

pub fn report(scores: &Scores, groupings: &[Grouping], discard: &[f64]) -> Report {
    let n = scores.images();
    let scored: Vec<bool> = (0..n).map(|i| scores.scored(i)).collect();
    let scored_count = scored.iter().filter(|&&s| s).count();
    let thresholds: Vec<Vec<Option<f64>>> = scores
        .qualities
        .iter()
        .map(|(_, v)| gate_thresholds(&sorted((0..n).filter(|&i| scored[i]).map(|i| v[i])), discard))
        .collect();
    let rejected = |members: &[usize], k: usize, t: &[Option<f64>]| -> Vec<Rate> {
        let v = &scores.qualities[k].1;
        t.iter()
            .map(|t| {
                let below = t.map_or(0, |t| members.iter().filter(|&&i| v[i] < t).count());
                Rate::new(below, members.len())
            })
            .collect()
    };
    let all: Vec<usize> = (0..n).filter(|&i| scored[i]).collect();
    let gates = scores
        .qualities
        .iter()
        .enumerate()
        .map(|(k, (name, _))| Gate {
            quality: name.clone(),
            thresholds: thresholds[k].clone(),
            rejected: rejected(&all, k, &thresholds[k]),
        })
        .collect();
    let groupings = groupings
        .iter()
        .map(|g| {
            let groups: Vec<GroupReport> = g
                .names
                .iter()
                .enumerate()
                .map(|(gi, name)| {
                    let images: Vec<usize> = (0..n).filter(|&i| g.of[i] == Some(gi)).collect();
                    let members: Vec<usize> = images.iter().copied().filter(|&i| scored[i]).collect();
                    let dist = |q: &str, v: &[f64]| Distribution {
                        quality: q.to_string(),
                        percentiles: percentiles(&sorted(members.iter().map(|&i| v[i])), &PERCENTILES),
                    };
                    let distribution = std::iter::once(dist("q100", &scores.q100))
                        .chain(scores.qualities.iter().map(|(q, v)| dist(q, v)))
                        .collect();
                    let rejection = (0..scores.qualities.len())
                        .map(|k| Rejection {
                            quality: scores.qualities[k].0.clone(),
                            rejected: rejected(&members, k, &thresholds[k]),
                        })
                        .collect();
                    let component_means = scores
                        .components
                        .iter()
                        .map(|(c, v)| {
                            let have: Vec<f64> = members.iter().map(|&i| v[i]).filter(|x| x.is_finite()).collect();
                            let mean = (!have.is_empty()).then(|| have.iter().sum::<f64>() / have.len() as f64);
                            ComponentMean { component: c.clone(), mean, images: have.len() }
                        })
                        .collect();
                    GroupReport {
                        group: name.clone(),
                        images: images.len(),
                        unscored: Rate::new(images.len() - members.len(), images.len()),
                        distribution,
                        rejection,
                        component_means,
                        recognition: None,
                    }
                })
                .collect();
            let mut summary = Vec::new();
            for (k, (q, _)) in scores.qualities.iter().enumerate() {
                for (d, &x) in discard.iter().enumerate() {
                    let rates: Vec<(&str, &Rate)> =
                        groups.iter().map(|r| (r.group.as_str(), &r.rejection[k].rejected[d])).collect();
                    summary.extend(summary_line("rejection", q, None, x, &rates));
                }
            }
            GroupingReport {
                column: g.column.clone(),
                unlabelled: g.of.iter().filter(|o| o.is_none()).count(),
                groups,
                summary,
            }
        })
        .collect();
    Report {
        images: n,
        unscored: n - scored_count,
        qualities: scores.qualities.iter().map(|(q, _)| q.clone()).collect(),
        percentiles: PERCENTILES.to_vec(),
        discard: discard.to_vec(),
        gates,
        groupings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_rates_by_hand() {
        // 10 images; s = 1 … 10. Group a: s 1, 2, 3, 7; group b: 4, 5, 6, 8, 9, 10.
        let s: Vec<f64> = (1..=10).map(f64::from).collect();
        let scores = Scores {
            qualities: vec![("s".into(), s.clone())],
            q100: s.iter().map(|v| v * 10.0).collect(),
            components: vec![("LuminanceMean".into(), vec![50.0, 60.0, f64::NAN, 40.0, 0.0, 0.0, 70.0, 0.0, 0.0, 0.0])],
        };
        let of = [0, 0, 0, 1, 1, 1, 0, 1, 1, 1].iter().map(|&g| Some(g)).collect();
        let g = Grouping { column: "sex".into(), names: vec!["a".into(), "b".into()], of };
        let r = report(&scores, &[g], &[0.1, 0.2, 0.5]);
        // Gates: ⌊0.1·10⌋ = 1 → 2 (rejects s = 1), ⌊0.2·10⌋ = 2 → 3 (1, 2), ⌊0.5·10⌋ = 5 → 6 (1 … 5).
        assert_eq!(r.gates[0].thresholds, vec![Some(2.0), Some(3.0), Some(6.0)]);
        let counts = |rs: &[Rate]| rs.iter().map(|r| (r.count, r.of)).collect::<Vec<_>>();
        assert_eq!(counts(&r.gates[0].rejected), [(1, 10), (2, 10), (5, 10)]);
        let a = &r.groupings[0].groups[0];
        let b = &r.groupings[0].groups[1];
        // a rejects 1 of 4, 2 of 4, 3 of 4; b 0 of 6, 0 of 6, 2 of 6 (4 and 5).
        assert_eq!(counts(&a.rejection[0].rejected), [(1, 4), (2, 4), (3, 4)]);
        assert_eq!(counts(&b.rejection[0].rejected), [(0, 6), (0, 6), (2, 6)]);
        assert_eq!(a.rejection[0].rejected[1].rate, Some(0.5));
        assert_eq!(a.rejection[0].rejected[1].ci, wilson(2, 4));
        // Nearest rank of a's s (1, 2, 3, 7): p5 → 1st, p25 → 1st, p50 → 2nd, p75 → 3rd, p95 → 4th.
        assert_eq!(a.distribution[1].percentiles, [1.0, 1.0, 2.0, 3.0, 7.0]);
        assert_eq!(a.distribution[0].percentiles, [10.0, 10.0, 20.0, 30.0, 70.0]);
        // Luminance of a: (50 + 60 + 70) / 3, the NaN left out.
        assert_eq!((a.component_means[0].mean, a.component_means[0].images), (Some(60.0), 3));
        // At 50 %: a 0.75 [0.3006, 0.9544], b 1/3 [0.0968, 0.7000]: overlapping, ratio 2.25.
        let line = r.groupings[0].summary.iter().find(|l| l.discard == 0.5).unwrap();
        assert_eq!((line.max_group.as_str(), line.min_group.as_str()), ("a", "b"));
        assert!((line.ratio.unwrap() - 2.25).abs() < 1e-12 && !line.real);
        // At 10 %: b rejects none, so no ratio.
        assert_eq!(r.groupings[0].summary[0].ratio, None);
    }

    #[test]
    fn unscored_and_unlabelled_images_are_counted_apart() {
        let nan = f64::NAN;
        let scores = Scores {
            qualities: vec![("s".into(), vec![1.0, nan, 3.0, 4.0])],
            q100: vec![1.0, nan, 3.0, 4.0],
            components: vec![],
        };
        let g = Grouping { column: "c".into(), names: vec!["x".into()], of: vec![Some(0), Some(0), Some(0), None] };
        let r = report(&scores, &[g], &[0.5]);
        assert_eq!((r.images, r.unscored, r.groupings[0].unlabelled), (4, 1, 1));
        let x = &r.groupings[0].groups[0];
        assert_eq!((x.images, x.unscored.count, x.unscored.of), (3, 1, 3));
        // The gate is set on the 3 scored images (⌊1.5⌋ = 1 → 3) and rejects s = 1 of x's 2.
        assert_eq!(r.gates[0].thresholds, vec![Some(3.0)]);
        assert_eq!((x.rejection[0].rejected[0].count, x.rejection[0].rejected[0].of), (1, 2));
    }
}
