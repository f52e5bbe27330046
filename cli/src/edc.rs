//! Error-versus-discard characteristic (EDC, ISO/IEC 29794-1): does a quality
//! score predict recognition errors? Pure computations, no I/O.
//!
//! Protocol: the decision threshold is fixed on *all* impostor comparisons at a
//! target FMR before anything is discarded; then the genuine comparisons with
//! the lowest pair quality (the lower of the two images' qualities) are
//! discarded and FNMR is computed on the rest. A score "accepts" when it is
//! strictly above the threshold.

use serfiq_core::masks::SplitMix64;

/// One genuine comparison: its similarity score and its pair quality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub score: f64,
    pub quality: f64,
}

/// The threshold at which at most `fmr` of the impostor scores are accepted:
/// the (k+1)-th highest impostor score with k = ⌊fmr · n⌋ (so exactly k lie
/// above it when scores are distinct). `None` without impostors.
pub fn threshold_at_fmr(impostors: &[f64], fmr: f64) -> Option<f64> {
    if impostors.is_empty() || !(0.0..1.0).contains(&fmr) {
        return None;
    }
    let mut s: Vec<f64> = impostors.to_vec();
    s.sort_by(|a, b| b.total_cmp(a));
    let k = (fmr * s.len() as f64).floor() as usize;
    Some(s[k.min(s.len() - 1)])
}

/// Fraction of genuine comparisons rejected (score ≤ threshold).
#[cfg(test)]
pub fn fnmr(genuine: &[Comparison], threshold: f64) -> f64 {
    if genuine.is_empty() {
        return 0.0;
    }
    genuine.iter().filter(|c| c.score <= threshold).count() as f64 / genuine.len() as f64
}

/// One point of the curve: after discarding `discarded` (a fraction of the
/// genuine comparisons, lowest pair quality first), the FNMR of the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdcPoint {
    pub discarded: f64,
    pub fnmr: f64,
}

/// The whole curve, one point per number of discarded comparisons (0 … n−1).
/// Ties in quality are discarded in input order, so the curve is reproducible.
pub fn edc(genuine: &[Comparison], threshold: f64) -> Vec<EdcPoint> {
    let n = genuine.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| genuine[a].quality.total_cmp(&genuine[b].quality).then(a.cmp(&b)));
    // False non-matches among the comparisons kept after discarding the first k.
    let mut remaining_errors = genuine.iter().filter(|c| c.score <= threshold).count();
    let mut out = Vec::with_capacity(n);
    for (k, &i) in order.iter().enumerate() {
        out.push(EdcPoint { discarded: k as f64 / n as f64, fnmr: remaining_errors as f64 / (n - k) as f64 });
        if genuine[i].score <= threshold {
            remaining_errors -= 1;
        }
    }
    out
}

/// FNMR after discarding ⌊fraction · n⌋ comparisons.
pub fn fnmr_at(curve: &[EdcPoint], fraction: f64) -> Option<f64> {
    let k = (fraction * curve.len() as f64).floor() as usize;
    curve.get(k).map(|p| p.fnmr)
}

/// Area under the step curve from 0 to `upto` discarded (left Riemann sum over
/// the discard steps of 1/n). Random discard keeps FNMR flat in expectation,
/// so its area is `upto · FNMR(0)`.
pub fn partial_auc(curve: &[EdcPoint], upto: f64) -> f64 {
    let n = curve.len();
    let k = ((upto * n as f64).floor() as usize).min(n);
    curve[..k].iter().map(|p| p.fnmr).sum::<f64>() / n.max(1) as f64
}

/// `count` distinct impostor pairs (i < j, different identities) drawn with
/// SplitMix64 from `seed`; fewer when fewer exist. `identity[i]` labels image i.
pub fn sample_impostor_pairs(identity: &[usize], count: usize, seed: u64) -> Vec<(usize, usize)> {
    let n = identity.len();
    let total_pairs = n.saturating_mul(n.saturating_sub(1)) / 2;
    let mut rng = SplitMix64::new(seed);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    // Bounded attempts: a set with almost no impostor pairs must still end,
    // and no more pairs are asked for than there are.
    let count = count.min(total_pairs);
    let mut attempts = 0usize;
    while out.len() < count && attempts < count.saturating_mul(50).max(1000) {
        attempts += 1;
        let (a, b) = ((rng.next_u64() % n as u64) as usize, (rng.next_u64() % n as u64) as usize);
        let (i, j) = (a.min(b), a.max(b));
        if i != j && identity[i] != identity[j] && seen.insert((i, j)) {
            out.push((i, j));
        }
    }
    out
}

/// The FNMR of `curve` at each of `fractions` and its pAUC to `upto`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub fnmr_at: Vec<(f64, f64)>,
    pub pauc: f64,
}

pub fn summarize(curve: &[EdcPoint], fractions: &[f64], upto: f64) -> Summary {
    Summary {
        fnmr_at: fractions.iter().filter_map(|&f| fnmr_at(curve, f).map(|v| (f, v))).collect(),
        pauc: partial_auc(curve, upto),
    }
}

/// The expected curve of random discard (a quality that knows nothing):
/// FNMR stays at its value before discarding, at every step.
pub fn random_discard(curve: &[EdcPoint]) -> Vec<EdcPoint> {
    let f0 = curve.first().map_or(0.0, |p| p.fnmr);
    curve.iter().map(|p| EdcPoint { discarded: p.discarded, fnmr: f0 }).collect()
}

/// The best curve any quality could give (NIST's "perfect" line): false
/// non-matches discarded first, FNMR(x) = max(0, (FNMR₀ − x) / (1 − x)) at
/// each discarded fraction x of `curve`.
pub fn perfect_discard(curve: &[EdcPoint]) -> Vec<EdcPoint> {
    let f0 = curve.first().map_or(0.0, |p| p.fnmr);
    curve
        .iter()
        .map(|p| EdcPoint { discarded: p.discarded, fnmr: ((f0 - p.discarded) / (1.0 - p.discarded)).max(0.0) })
        .collect()
}

/// Where to set a quality threshold to discard a fraction of the genuine
/// comparisons, and the FNMR of those kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OperatingPoint {
    /// The fraction asked for.
    pub discarded: f64,
    /// The lowest pair quality kept: discarding the comparisons whose pair
    /// quality is below it discards ⌊fraction · n⌋ of them (fewer when
    /// comparisons tie at the threshold).
    pub threshold: f64,
    /// FNMR after discarding ⌊fraction · n⌋ comparisons, as `edc` gives it.
    pub fnmr: f64,
}

/// The operating point of `genuine` at each of `fractions` (those below 1).
pub fn operating_points(genuine: &[Comparison], threshold: f64, fractions: &[f64]) -> Vec<OperatingPoint> {
    let mut q: Vec<f64> = genuine.iter().map(|c| c.quality).collect();
    q.sort_by(f64::total_cmp);
    let curve = edc(genuine, threshold);
    fractions
        .iter()
        .filter_map(|&x| {
            let k = (x * q.len() as f64).floor() as usize;
            Some(OperatingPoint { discarded: x, threshold: *q.get(k)?, fnmr: curve.get(k)?.fnmr })
        })
        .collect()
}

/// Sharpness baseline: variance of the 3×3 Laplacian (4-neighbour) of the
/// grey image (0.299 R + 0.587 G + 0.114 B) over its interior pixels, on
/// packed RGB. A classic focus measure (Pech-Pacheco et al., ICPR 2000).
/// 0 for images smaller than 3×3.
pub fn laplacian_variance(rgb: &[u8], width: usize, height: usize) -> f64 {
    if width < 3 || height < 3 || rgb.len() < width * height * 3 {
        return 0.0;
    }
    let grey: Vec<f64> = rgb
        .chunks_exact(3)
        .take(width * height)
        .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
        .collect();
    let (mut sum, mut sum2, mut n) = (0.0, 0.0, 0.0);
    for y in 1..height - 1 {
        for x in 1..width - 1 {
            let i = y * width + x;
            let l = grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4.0 * grey[i];
            sum += l;
            sum2 += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sum2 / n - mean * mean).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(score: f64, quality: f64) -> Comparison {
        Comparison { score, quality }
    }

    #[test]
    fn threshold_leaves_exactly_k_impostors_above() {
        let imp = [0.1, 0.5, 0.3, 0.9, 0.2];
        // k = floor(0.2 * 5) = 1: the 2nd highest, 0.5; only 0.9 lies above it.
        assert_eq!(threshold_at_fmr(&imp, 0.2), Some(0.5));
        assert_eq!(threshold_at_fmr(&imp, 0.0), Some(0.9));
        assert_eq!(threshold_at_fmr(&[], 0.1), None);
    }

    #[test]
    fn edc_by_hand() {
        // Rejected at t = 0.5: the 0.4 (quality 0.1) and the 0.3 (quality 0.2).
        let g = [c(0.4, 0.1), c(0.8, 0.5), c(0.3, 0.2), c(0.9, 0.9)];
        let curve = edc(&g, 0.5);
        let f: Vec<f64> = curve.iter().map(|p| p.fnmr).collect();
        assert_eq!(f, vec![0.5, 1.0 / 3.0, 0.0, 0.0]);
        assert_eq!(curve[2].discarded, 0.5);
        assert_eq!(fnmr(&g, 0.5), 0.5);
        assert_eq!(fnmr_at(&curve, 0.25), Some(1.0 / 3.0));
        // pAUC to 50 %: (0.5 + 1/3) / 4.
        assert!((partial_auc(&curve, 0.5) - (0.5 + 1.0 / 3.0) / 4.0).abs() < 1e-15);
    }

    #[test]
    fn a_useless_quality_keeps_the_curve_flat_on_average() {
        // Quality unrelated to errors: errors spread evenly over the quality order.
        let g: Vec<Comparison> = (0..100).map(|i| c(if i % 10 == 0 { 0.0 } else { 1.0 }, i as f64)).collect();
        let curve = edc(&g, 0.5);
        assert!((fnmr_at(&curve, 0.0).unwrap() - 0.1).abs() < 1e-12);
        assert!((fnmr_at(&curve, 0.5).unwrap() - 0.1).abs() < 1e-12);
        assert!((partial_auc(&curve, 0.2) - 0.2 * 0.1).abs() < 0.005);
    }

    #[test]
    fn impostor_sampling_is_seeded_distinct_and_cross_identity() {
        let id: Vec<usize> = (0..60).map(|i| i / 6).collect();
        let a = sample_impostor_pairs(&id, 200, 7);
        assert_eq!(a, sample_impostor_pairs(&id, 200, 7));
        assert_ne!(a, sample_impostor_pairs(&id, 200, 8));
        assert_eq!(a.len(), 200);
        let set: std::collections::HashSet<_> = a.iter().collect();
        assert_eq!(set.len(), a.len());
        assert!(a.iter().all(|&(i, j)| i < j && id[i] != id[j]));
        // One identity only: no impostor pair exists, and the call still ends.
        assert!(sample_impostor_pairs(&[3; 10], 5, 1).is_empty());
    }

    #[test]
    fn random_discard_is_flat_at_the_starting_fnmr() {
        let g = [c(0.4, 0.1), c(0.8, 0.5), c(0.3, 0.2), c(0.9, 0.9)];
        let r = random_discard(&edc(&g, 0.5));
        assert!(r.iter().all(|p| p.fnmr == 0.5));
        let sum = summarize(&r, &[0.0, 0.5], 0.5);
        assert_eq!(sum.fnmr_at, vec![(0.0, 0.5), (0.5, 0.5)]);
        assert_eq!(sum.pauc, 0.5 * 0.5);
    }

    #[test]
    fn operating_points_by_hand() {
        // 10 comparisons, qualities 0.0 … 0.9 shuffled; at t = 0.5 the rejected
        // ones (score ≤ 0.5) have qualities 0.1, 0.2 and 0.6.
        let g: Vec<Comparison> = [
            (0.9, 0.7),
            (0.4, 0.1),
            (0.8, 0.0),
            (0.5, 0.6),
            (0.3, 0.2),
            (0.7, 0.9),
            (0.6, 0.3),
            (0.9, 0.8),
            (0.8, 0.4),
            (0.7, 0.5),
        ]
        .iter()
        .map(|&(s, q)| c(s, q))
        .collect();
        let ops = operating_points(&g, 0.5, &[0.0, 0.1, 0.2, 0.25, 0.5, 1.0]);
        let got: Vec<(f64, f64, f64)> = ops.iter().map(|o| (o.discarded, o.threshold, o.fnmr)).collect();
        // 0 %: keep all (lowest quality 0.0), 3/10 rejected. 10 %: discard 1 (0.0), keep from 0.1: 3/9.
        // 20 %: discard 0.0, 0.1: 2/8. 25 %: ⌊2.5⌋ = 2, as 20 %. 50 %: discard 5, keep from 0.5: 1/5.
        let want = [(0.0, 0.0, 0.3), (0.1, 0.1, 3.0 / 9.0), (0.2, 0.2, 0.25), (0.25, 0.2, 0.25), (0.5, 0.5, 0.2)];
        assert_eq!(got.len(), want.len(), "1.0 has no point");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.0, w.0);
            assert_eq!(g.1, w.1, "threshold at {}", w.0);
            assert!((g.2 - w.2).abs() < 1e-12, "fnmr at {}: {} vs {}", w.0, g.2, w.2);
        }
    }

    #[test]
    fn perfect_discard_removes_errors_first() {
        // FNMR₀ = 0.3 over 10: discarding 1, 2, 3 leaves 2/9, 1/8, 0/7, then 0.
        let g: Vec<Comparison> = (0..10).map(|i| c(if i < 3 { 0.0 } else { 1.0 }, i as f64)).collect();
        let p = perfect_discard(&edc(&g, 0.5));
        let f: Vec<f64> = p.iter().map(|p| p.fnmr).collect();
        let want = [0.3, 2.0 / 9.0, 1.0 / 8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert!(f.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12), "{f:?}");
        // This quality ranks errors first, so its own curve is the perfect one.
        let own: Vec<f64> = edc(&g, 0.5).iter().map(|p| p.fnmr).collect();
        assert!(own.iter().zip(&f).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    #[test]
    fn laplacian_variance_by_hand() {
        // A flat image has no edges.
        assert_eq!(laplacian_variance(&[90; 5 * 5 * 3], 5, 5), 0.0);
        // 4×3 grey image; interior pixels (1,1) and (2,1):
        // row0 0 0 0 0 / row1 0 10 0 0 / row2 0 0 0 0
        // L(1,1) = 0+0+0+0 − 40 = −40; L(2,1) = 10+0+0+0 − 0 = 10.
        // mean −15, variance ((−25)² + 25²) / 2 = 625.
        let mut px = vec![0u8; 4 * 3 * 3];
        px[(4 + 1) * 3..(4 + 1) * 3 + 3].copy_from_slice(&[10, 10, 10]);
        assert!((laplacian_variance(&px, 4, 3) - 625.0).abs() < 1e-6);
        assert_eq!(laplacian_variance(&px, 2, 2), 0.0);
    }
}
