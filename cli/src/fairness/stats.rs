//! Counting statistics of the fairness report: Wilson intervals, order
//! statistics and the gate thresholds. Pure computations, no I/O.
//!
//! Everything is defined on order statistics (no interpolation), so the Python
//! report, which finds them in Spark with histograms, gives the same numbers.

/// The 0.975 quantile of the standard normal: a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The 95 % Wilson score interval of `k` successes in `n` trials
/// (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it for small n and
/// rates near 0). `None` when n = 0.
pub fn wilson(k: usize, n: usize) -> Option<[f64; 2]> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some([(center - half).max(0.0), (center + half).min(1.0)])
}

/// The index of the nearest-rank `p`-th percentile (p in whole percent) of n
/// sorted values: ⌈p·n/100⌉ − 1, at least 0. Integer arithmetic, so every
/// implementation agrees.
pub fn percentile_rank(p: u32, n: usize) -> usize {
    ((p as usize * n).div_ceil(100)).max(1) - 1
}

/// The number of values a gate discarding `fraction` of n must drop: ⌊fraction · n⌋.
pub fn discard_rank(fraction: f64, n: usize) -> usize {
    (fraction * n as f64).floor() as usize
}

/// Nearest-rank percentiles of `sorted` (ascending, no NaN); empty when it is.
pub fn percentiles(sorted: &[f64], ps: &[u32]) -> Vec<f64> {
    if sorted.is_empty() {
        return Vec::new();
    }
    ps.iter().map(|&p| sorted[percentile_rank(p, sorted.len())]).collect()
}

/// The gate thresholds: for each fraction x, the ⌊x · n⌋-th smallest value
/// (0-based) of `sorted`. Rejecting the values below it discards ⌊x · n⌋ of
/// them, fewer when values tie at the threshold.
pub fn gate_thresholds(sorted: &[f64], fractions: &[f64]) -> Vec<Option<f64>> {
    fractions.iter().map(|&x| sorted.get(discard_rank(x, sorted.len())).copied()).collect()
}

/// The ratio of the largest to the smallest rate; `None` when the smallest is 0.
pub fn ratio(max: f64, min: f64) -> Option<f64> {
    (min > 0.0).then(|| max / min)
}

/// Whether two intervals are apart: the difference between the rates is
/// then real at the 95 % level of each (a conservative test).
pub fn apart(high: [f64; 2], low: [f64; 2]) -> bool {
    high[0] > low[1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn wilson_by_hand() {
        // k = 2, n = 10, z² = 3.841459: p = 0.2, denominator 1.3841459,
        // centre (0.2 + 0.1920730) / 1.3841459 = 0.2832598,
        // half 1.959964 · √(0.016 + 0.0096036) / 1.3841459 = 0.2265777 (published: 0.0567–0.5098).
        let [lo, hi] = wilson(2, 10).unwrap();
        assert!((lo - 0.0566822).abs() < 1e-6, "{lo}");
        assert!((hi - 0.5098375).abs() < 1e-6, "{hi}");
        // k = 0: the lower end is 0 and the upper z²/(n + z²).
        let [lo, hi] = wilson(0, 20).unwrap();
        assert_eq!(lo, 0.0);
        assert!(close(hi, Z95 * Z95 / (20.0 + Z95 * Z95)), "{hi}");
        // k = n mirrors k = 0.
        let [lo, hi] = wilson(20, 20).unwrap();
        assert!(close(lo, 20.0 / (20.0 + Z95 * Z95)) && hi == 1.0);
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn percentiles_and_thresholds_by_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        // Nearest rank: p5 → ⌈0.5⌉ = 1st, p25 → ⌈2.5⌉ = 3rd, p50 → 5th, p95 → ⌈9.5⌉ = 10th.
        assert_eq!(percentiles(&v, &[5, 25, 50, 95, 100]), vec![1.0, 3.0, 5.0, 10.0, 10.0]);
        assert_eq!(percentile_rank(0, 10), 0);
        assert!(percentiles(&[], &[50]).is_empty());
        // ⌊0.05 · 10⌋ = 0 → the smallest (nothing rejected); ⌊0.2 · 10⌋ = 2 → the 3rd.
        assert_eq!(gate_thresholds(&v, &[0.05, 0.2]), vec![Some(1.0), Some(3.0)]);
        assert_eq!(gate_thresholds(&[], &[0.1]), vec![None]);
        assert_eq!(ratio(0.2, 0.1), Some(2.0));
        assert_eq!(ratio(0.2, 0.0), None);
        assert!(apart([0.3, 0.5], [0.1, 0.2]) && !apart([0.3, 0.5], [0.1, 0.3]));
    }
}
