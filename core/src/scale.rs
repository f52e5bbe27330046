//! The calibrated scales beyond the sigmoid q: the fused quality
//! f = ½·(ŝ + n̂) with x̂ = (x − median) / (p95 − p5) (with a second quality
//! network, ½·(f + l̂): [`fused_with_l`]), and q100, the
//! percentile of a quality in the calibration sample (a stored table of
//! quantiles, interpolated). `serfiq calibrate` fits them (`fit_scales`)
//! and stores them in the model's metadata next to α and r.

use onnx_protobuf::ModelProto;

use crate::calibration::percentile;
use crate::error::{fail, ErrorKind, Result};

/// Metadata key: "p5,median,p95" of s in the calibration sample.
pub const S_PERCENTILES_KEY: &str = "serfiq.s_percentiles";
/// Metadata key: "p5,median,p95" of the embedding-layer norm n.
pub const N_PERCENTILES_KEY: &str = "serfiq.n_percentiles";
/// Metadata key: [`QUANTILES`] comma-separated quantiles of s (0 %, 1 %, … 100 %).
pub const S_TABLE_KEY: &str = "serfiq.s_quantiles";
/// Metadata key: the same table for f.
pub const F_TABLE_KEY: &str = "serfiq.f_quantiles";
/// Metadata key: "p5,median,p95" of l, the second quality network's value.
pub const L_PERCENTILES_KEY: &str = "serfiq.l_percentiles";
/// Metadata key: the quantile table of f fused with l (f's table without l is [`F_TABLE_KEY`]).
pub const FL_TABLE_KEY: &str = "serfiq.fl_quantiles";
/// Every key this module reads and writes.
pub const KEYS: [&str; 6] =
    [S_PERCENTILES_KEY, N_PERCENTILES_KEY, S_TABLE_KEY, F_TABLE_KEY, L_PERCENTILES_KEY, FL_TABLE_KEY];

/// Entries of a fitted quantile table: every whole percent, 0 to 100.
pub const QUANTILES: usize = 101;

/// n counts as constant (an L2-normalised embedding layer) when its 5–95 %
/// spread is below this fraction of its median: float32 rounding of a unit
/// norm stays near 1e-7, real norms spread by tens of percent.
pub const CONSTANT_SPREAD: f64 = 1e-4;

/// Smallest 5–95 % spread (p95 − p5) of a quality that is used to normalise
/// it: a narrower (e.g. subnormal) spread would blow ŝ or n̂ up to infinity.
/// Real spreads of s are about 0.05.
pub const MIN_SPREAD: f64 = 1e-6;
/// Largest magnitude of any calibration value (percentiles, table entries,
/// r): differences of two of them stay finite, and real s, n and f are far
/// below it.
pub const MAX_VALUE: f64 = 1e9;
/// Most entries of a quantile table.
pub const MAX_TABLE: usize = 10_001;

/// Which quality q100 is the percentile of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Q100Quality {
    /// The raw SER-FIQ score s.
    S,
    /// The fused quality f.
    F,
}

impl Q100Quality {
    /// The default: f, which predicted recognition errors better than s on
    /// the development folds (docs/src/concepts/edc.md).
    pub const DEFAULT: Q100Quality = Q100Quality::F;

    /// "s" or "f".
    pub fn name(self) -> &'static str {
        match self {
            Q100Quality::S => "s",
            Q100Quality::F => "f",
        }
    }
}

impl Default for Q100Quality {
    fn default() -> Self {
        Q100Quality::DEFAULT
    }
}

/// The 5th, 50th and 95th percentiles of a quality in the calibration sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub median: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Spread {
    /// The percentiles of an ascending, non-empty sample (`calibration::percentile`).
    pub fn of_sorted(sorted: &[f64]) -> Spread {
        Spread { p5: percentile(sorted, 0.05), median: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) }
    }

    /// (x − median) / (p95 − p5); 0 when the spread is 0.
    pub fn normalise(&self, x: f64) -> f64 {
        let w = self.p95 - self.p5;
        if w > 0.0 {
            (x - self.median) / w
        } else {
            0.0
        }
    }

    /// Why these percentiles cannot be used, if so: each finite and within
    /// ±[`MAX_VALUE`], ascending, and p95 − p5 at least [`MIN_SPREAD`] unless
    /// `constant_ok` and the spread counts as constant ([`Spread::is_constant`]:
    /// n of an L2-normalised layer, which f then leaves out).
    pub fn check(&self, constant_ok: bool) -> std::result::Result<(), String> {
        let v = [self.p5, self.median, self.p95];
        if !v.iter().all(|x| x.abs() <= MAX_VALUE) {
            return Err(format!("values must be finite and within ±{MAX_VALUE:e}, got {v:?}"));
        }
        if !(self.p5 <= self.median && self.median <= self.p95) {
            return Err(format!("p5, median and p95 must be ascending, got {v:?}"));
        }
        if self.p95 - self.p5 < MIN_SPREAD && !(constant_ok && self.is_constant()) {
            return Err(format!("p95 - p5 must be at least {MIN_SPREAD:e}, got {:e}", self.p95 - self.p5));
        }
        Ok(())
    }

    /// Whether the spread is too small to carry information ([`CONSTANT_SPREAD`]).
    pub fn is_constant(&self) -> bool {
        // NaN spreads count as constant too.
        (self.p95 - self.p5).partial_cmp(&(CONSTANT_SPREAD * self.median.abs())) != Some(std::cmp::Ordering::Greater)
    }
}

/// Ascending quantiles of a quality at evenly spaced levels 0 … 100 %.
#[derive(Debug, Clone, PartialEq)]
pub struct Table(Vec<f64>);

impl Table {
    /// [`QUANTILES`] quantiles of an ascending, non-empty sample.
    pub fn of_sorted(sorted: &[f64]) -> Table {
        Table((0..QUANTILES).map(|i| percentile(sorted, i as f64 / (QUANTILES - 1) as f64)).collect())
    }

    /// A table from its values: 2 to [`MAX_TABLE`] of them, finite, within
    /// ±[`MAX_VALUE`], non-decreasing.
    pub fn new(values: Vec<f64>) -> Option<Table> {
        let ok = (2..=MAX_TABLE).contains(&values.len())
            && values.iter().all(|v| v.abs() <= MAX_VALUE)
            && values.windows(2).all(|w| w[0] <= w[1]);
        ok.then_some(Table(values))
    }

    /// The values, lowest first.
    pub fn values(&self) -> &[f64] {
        &self.0
    }

    /// The percentile (0–100) of `x`: 0 at or below the first entry, 100 at or
    /// above the last, linear between neighbouring entries; NaN gives 0.
    /// Non-decreasing in `x`.
    pub fn percentile_of(&self, x: f64) -> f64 {
        let t = &self.0;
        let last = t.len() - 1;
        // Entries ≤ x; x inside a run of equal entries takes the run's top level.
        let k = t.partition_point(|&v| v <= x);
        if k == 0 || x.is_nan() {
            return 0.0;
        }
        if k > last {
            return 100.0;
        }
        let i = k - 1; // t[i] ≤ x < t[i + 1]
        let level = i as f64 + (x - t[i]) / (t[i + 1] - t[i]);
        (100.0 * level / last as f64).clamp(0.0, 100.0)
    }
}

/// What a model's metadata (or serfiq's defaults) says about f and q100.
/// Each part may be missing; `Model` falls back as documented on its fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scales {
    /// Percentiles of s; `None`: taken from α and r (median r, p95 − p5 = 2·ln 19 / α).
    pub s: Option<Spread>,
    /// Percentiles of n; `None` (or constant): f = ŝ.
    pub n: Option<Spread>,
    /// Quantiles of s; `None`: q100 of s is 100·q.
    pub s_table: Option<Table>,
    /// Quantiles of f; `None`: q100 of f is 100·q.
    pub f_table: Option<Table>,
    /// Percentiles of l (the second quality network); `None`: f leaves l out.
    pub l: Option<Spread>,
    /// Quantiles of f fused with l; `None`: q100 of that f is 100·q.
    pub fl_table: Option<Table>,
}

impl Scales {
    /// Whether any of the keys is in `model`'s metadata.
    pub fn present(model: &ModelProto) -> bool {
        model.metadata_props.iter().any(|p| KEYS.contains(&p.key.as_str()))
    }

    /// Why these scales cannot be used, if so ([`Spread::check`]; tables as
    /// [`Table::new`] makes them).
    pub fn check(&self) -> std::result::Result<(), String> {
        let spreads = [(S_PERCENTILES_KEY, &self.s, false), (N_PERCENTILES_KEY, &self.n, true)];
        for (key, spread, constant_ok) in spreads {
            if let Some(sp) = spread {
                sp.check(constant_ok).map_err(|m| format!("{key}: {m}"))?;
            }
        }
        for (key, table) in [(S_TABLE_KEY, &self.s_table), (F_TABLE_KEY, &self.f_table)] {
            if table.as_ref().is_some_and(|t| Table::new(t.0.clone()).is_none()) {
                return Err(format!("{key}: {}", TABLE_RULE));
            }
        }
        Ok(())
    }

    /// The scales in `model`'s metadata. A key that is present but not a
    /// valid value ([`Scales::check`]) fails with `ErrorKind::ModelInvalid`.
    pub fn read(model: &ModelProto) -> Result<Scales> {
        let get = |key: &str| model.metadata_props.iter().find(|p| p.key == key).map(|p| p.value.as_str());
        let numbers = |key: &str, v: &str| -> Result<Vec<f64>> {
            let parsed: Option<Vec<f64>> =
                v.split(',').map(|x| x.trim().parse::<f64>().ok().filter(|x| x.is_finite())).collect();
            parsed.ok_or_else(|| {
                crate::error::Error::new(
                    ErrorKind::ModelInvalid,
                    format!("model metadata {key} = {:?} is not a list of finite numbers", cut(v)),
                )
            })
        };
        let spread = |key: &str| -> Result<Option<Spread>> {
            let Some(v) = get(key) else { return Ok(None) };
            let bad =
                |why: String| fail(ErrorKind::ModelInvalid, format!("model metadata {key} = {:?}: {why}", cut(v)));
            match numbers(key, v)?.as_slice() {
                &[p5, median, p95] => {
                    let sp = Spread { p5, median, p95 };
                    match sp.check(key == N_PERCENTILES_KEY) {
                        Ok(()) => Ok(Some(sp)),
                        Err(why) => bad(why),
                    }
                }
                _ => bad("expected three numbers p5,median,p95".to_string()),
            }
        };
        let table = |key: &str| -> Result<Option<Table>> {
            let Some(v) = get(key) else { return Ok(None) };
            match Table::new(numbers(key, v)?) {
                Some(t) => Ok(Some(t)),
                None => fail(ErrorKind::ModelInvalid, format!("model metadata {key}: {TABLE_RULE}")),
            }
        };
        Ok(Scales {
            s: spread(S_PERCENTILES_KEY)?,
            n: spread(N_PERCENTILES_KEY)?,
            s_table: table(S_TABLE_KEY)?,
            f_table: table(F_TABLE_KEY)?,
            l: spread(L_PERCENTILES_KEY)?,
            fl_table: table(FL_TABLE_KEY)?,
        })
    }

    /// The metadata entries of these scales (key, value), a missing part
    /// as `None` (its key is removed on write).
    pub fn entries(&self) -> [(&'static str, Option<String>); 6] {
        let list = |v: &[f64]| v.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(",");
        let spread = |s: &Option<Spread>| s.map(|s| list(&[s.p5, s.median, s.p95]));
        let table = |t: &Option<Table>| t.as_ref().map(|t| list(t.values()));
        [
            (S_PERCENTILES_KEY, spread(&self.s)),
            (N_PERCENTILES_KEY, spread(&self.n)),
            (S_TABLE_KEY, table(&self.s_table)),
            (F_TABLE_KEY, table(&self.f_table)),
            (L_PERCENTILES_KEY, spread(&self.l)),
            (FL_TABLE_KEY, table(&self.fl_table)),
        ]
    }

    /// Whether f uses n: its percentiles are known and n is not constant.
    pub fn n_usable(&self) -> bool {
        self.n.is_some_and(|n| !n.is_constant())
    }

    /// The parts missing, in words, for `serfiq info`; empty when complete.
    /// With a second quality network (`quality_net`) the parts l needs count too.
    pub fn missing(&self, quality_net: bool) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.s.is_none() {
            out.push("s percentiles (s-hat taken from alpha and r)");
        }
        match self.n {
            None => out.push("n percentiles (f = s-hat)"),
            Some(n) if n.is_constant() => out.push("a varying n: n is constant for this model (f = s-hat)"),
            Some(_) => {}
        }
        if self.s_table.is_none() {
            out.push("s quantile table (q100 of s = 100 q)");
        }
        if self.f_table.is_none() {
            out.push("f quantile table (q100 of f = 100 q)");
        }
        if quality_net && self.l.is_none() {
            out.push("l percentiles (l not fused into f: f from s and n)");
        }
        if quality_net && self.fl_table.is_none() {
            out.push("quantile table of f with l (q100 of f = 100 q)");
        }
        out
    }
}

/// What a quantile table must be, in words.
const TABLE_RULE: &str = "a quantile table must hold 2 to 10001 non-decreasing numbers within ±1e9";

/// At most 80 characters of a metadata value, for a message.
fn cut(v: &str) -> String {
    match v.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &v[..i]),
        None => v.to_string(),
    }
}

/// f = ½·(ŝ + n̂), or ŝ when n is not usable; `s_spread` the percentiles of s in use.
pub fn fused(s_spread: &Spread, n_spread: Option<&Spread>, s: f64, n: f64) -> f64 {
    let s_hat = s_spread.normalise(s);
    match n_spread.filter(|n| !n.is_constant()) {
        Some(ns) => 0.5 * (s_hat + ns.normalise(n)),
        None => s_hat,
    }
}

/// f with the second network's l: ½·(f₀ + l̂), f₀ = [`fused`]'s f of s and n,
/// l̂ = (l − median) / (p95 − p5) with `l_spread`. Chosen on LFW folds 1–5
/// over the mean of ŝ, n̂, l̂ and over rank averages: the lowest pAUC summed
/// over both development models and FMRs 1e-3 and 1e-2 (docs/src/concepts/edc.md).
pub fn fused_with_l(s_spread: &Spread, n_spread: Option<&Spread>, l_spread: &Spread, s: f64, n: f64, l: f64) -> f64 {
    let f = fused(s_spread, n_spread, s, n);
    0.5 * (f + l_spread.normalise(l))
}

/// The percentiles of s that α and r imply under `calibration::fit`'s rule:
/// median r, p95 − p5 = 2·ln 19 / α, centred on r.
pub fn spread_from_alpha_r(alpha: f64, r: f64) -> Spread {
    let half = 19f64.ln() / alpha;
    Spread { p5: r - half, median: r, p95: r + half }
}

/// Fits every scale to a sample of (s, n) pairs: percentiles of s and n, the
/// s table, and the f table of the f those percentiles give; with `l` (the
/// second network's values for the same images, or empty) also l's
/// percentiles and the table of f fused with l. `None` when the sample is
/// empty, holds a non-finite value, or `l` is neither empty nor as long.
pub fn fit_scales(sample: &[(f64, f64)], l: &[f64]) -> Option<Scales> {
    let finite = |v: &f64| v.is_finite();
    if sample.is_empty() || sample.iter().any(|(s, n)| !s.is_finite() || !n.is_finite()) {
        return None;
    }
    if !(l.is_empty() || l.len() == sample.len() && l.iter().all(finite)) {
        return None;
    }
    let sorted = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v
    };
    let s_sorted = sorted(sample.iter().map(|p| p.0).collect());
    let n_sorted = sorted(sample.iter().map(|p| p.1).collect());
    let (s, n) = (Spread::of_sorted(&s_sorted), Spread::of_sorted(&n_sorted));
    let f_sorted = sorted(sample.iter().map(|&(a, b)| fused(&s, Some(&n), a, b)).collect());
    let l_spread = (!l.is_empty()).then(|| Spread::of_sorted(&sorted(l.to_vec())));
    let fl_table = l_spread.map(|ls| {
        let fl = sample.iter().zip(l).map(|(&(a, b), &c)| fused_with_l(&s, Some(&n), &ls, a, b, c));
        Table::of_sorted(&sorted(fl.collect()))
    });
    Some(Scales {
        s: Some(s),
        n: Some(n),
        s_table: Some(Table::of_sorted(&s_sorted)),
        f_table: Some(Table::of_sorted(&f_sorted)),
        l: l_spread,
        fl_table,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_of_interpolates_and_clamps() {
        let t = Table::new(vec![0.0, 1.0, 3.0]).unwrap(); // levels 0, 50, 100
        assert_eq!(t.percentile_of(-1.0), 0.0);
        assert_eq!(t.percentile_of(0.0), 0.0);
        assert_eq!(t.percentile_of(0.5), 25.0);
        assert_eq!(t.percentile_of(1.0), 50.0);
        assert_eq!(t.percentile_of(2.0), 75.0);
        assert_eq!(t.percentile_of(3.0), 100.0);
        assert_eq!(t.percentile_of(9.0), 100.0);
        assert_eq!(t.percentile_of(f64::NAN), 0.0);
    }

    #[test]
    fn percentile_of_is_monotone_across_a_run_of_equal_entries() {
        let t = Table::new(vec![0.0, 1.0, 1.0, 1.0, 2.0]).unwrap(); // levels 0, 25, 50, 75, 100
        assert_eq!(t.percentile_of(0.5), 12.5);
        assert_eq!(t.percentile_of(1.0), 75.0);
        assert_eq!(t.percentile_of(1.5), 87.5);
        let xs: Vec<f64> = (0..=400).map(|i| i as f64 / 200.0 - 0.5).collect();
        let ps: Vec<f64> = xs.iter().map(|&x| t.percentile_of(x)).collect();
        assert!(ps.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn tables_refuse_bad_values() {
        assert!(Table::new(vec![1.0]).is_none());
        assert!(Table::new(vec![1.0, 0.0]).is_none());
        assert!(Table::new(vec![0.0, f64::NAN]).is_none());
        assert!(Table::new(vec![0.0, 0.0]).is_some());
        assert!(Table::new(vec![-1.7e308, 1.7e308]).is_none());
        assert!(Table::new(vec![0.0; MAX_TABLE + 1]).is_none());
    }

    #[test]
    fn spreads_refuse_tiny_widths_huge_values_and_disorder() {
        let sp = |p5, median, p95| Spread { p5, median, p95 };
        assert!(sp(0.5, 0.55, 0.6).check(false).is_ok());
        assert!(sp(0.0, 0.0, 1e-300).check(false).unwrap_err().contains("at least"));
        assert!(sp(0.0, 0.0, 1e-300).check(true).is_err(), "subnormal around 0 is not a constant n");
        assert!(sp(1.0, 1.0, 1.0 + 1e-7).check(true).is_ok(), "a unit norm is a constant n");
        assert!(sp(1.0, 1.0, 1.0).check(false).is_err());
        assert!(sp(-1.7e308, 0.0, 1.7e308).check(false).unwrap_err().contains("within"));
        assert!(sp(0.6, 0.5, 0.7).check(false).unwrap_err().contains("ascending"));
    }

    #[test]
    fn fit_of_0_to_100_gives_the_identity_table() {
        // 101 values 0..=100: the i % quantile is i, so q100(x) = x.
        let sample: Vec<(f64, f64)> = (0..=100).rev().map(|i| (i as f64, 10.0 + i as f64)).collect();
        let sc = fit_scales(&sample, &[]).unwrap();
        assert_eq!(sc.s, Some(Spread { p5: 5.0, median: 50.0, p95: 95.0 }));
        assert_eq!(sc.n, Some(Spread { p5: 15.0, median: 60.0, p95: 105.0 }));
        let t = sc.s_table.as_ref().unwrap();
        assert!(t.values().iter().enumerate().all(|(i, &v)| (v - i as f64).abs() < 1e-12), "{:?}", t.values());
        assert!((t.percentile_of(37.25) - 37.25).abs() < 1e-9);
        // f = ½((s − 50)/90 + (n − 60)/90) = (s − 50)/90 here, so its table is that of s mapped.
        let f = sc.f_table.as_ref().unwrap();
        assert!((f.values()[0] + 50.0 / 90.0).abs() < 1e-12 && (f.values()[100] - 50.0 / 90.0).abs() < 1e-12);
        assert!(sc.missing(false).is_empty());
    }

    #[test]
    fn fused_is_the_mean_of_the_normalised_values_or_s_hat_for_a_constant_n() {
        let s = Spread { p5: 0.5, median: 0.6, p95: 0.7 };
        let n = Spread { p5: 10.0, median: 20.0, p95: 30.0 };
        // ŝ = (0.65 − 0.6)/0.2 = 0.25, n̂ = (25 − 20)/20 = 0.25 → f = 0.25.
        assert!((fused(&s, Some(&n), 0.65, 25.0) - 0.25).abs() < 1e-12);
        // ŝ = −0.5, n̂ = 1 → f = 0.25.
        assert!((fused(&s, Some(&n), 0.5, 40.0) - 0.25).abs() < 1e-12);
        let unit = Spread { p5: 1.0, median: 1.0, p95: 1.0 + 1e-7 };
        assert!(unit.is_constant() && !n.is_constant());
        assert!((fused(&s, Some(&unit), 0.65, 1.0) - 0.25).abs() < 1e-12);
        assert!((fused(&s, None, 0.5, 40.0) + 0.5).abs() < 1e-12);
    }

    #[test]
    fn spread_from_alpha_r_inverts_the_fit_rule() {
        let f = crate::calibration::fit(&(0..=20).map(f64::from).collect::<Vec<_>>()).unwrap();
        let sp = spread_from_alpha_r(f.alpha, f.r);
        assert!((sp.p5 - f.p5).abs() < 1e-12 && (sp.p95 - f.p95).abs() < 1e-12 && sp.median == f.median);
    }
}
