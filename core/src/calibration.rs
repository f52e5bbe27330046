//! Per-model calibration of the display mapping q = 1 / (1 + exp(−α (s − r))):
//! the values travel inside the ONNX model as metadata, so every binding that
//! loads the calibrated model uses them.
//!
//! The rule (`fit`, the one that gave serfiq's defaults on LFW): r is the
//! median s of a sample of the model's images and α = 2·ln 19 / (p95 − p5),
//! so q(median) = 0.5 and, for a symmetric sample, q(p5) = 0.05 and
//! q(p95) = 0.95. On the integer scale `scale_100` that is 50, 5 and 95.

use onnx_protobuf::{Message, ModelProto, StringStringEntryProto};

use crate::error::{fail, Error, ErrorKind, Result};

/// Metadata key (ONNX `metadata_props`) holding α of a calibrated model.
pub const ALPHA_KEY: &str = "serfiq.alpha";
/// Metadata key holding r of a calibrated model.
pub const R_KEY: &str = "serfiq.r";
/// A short JSON note on the sample the values were fitted to (informational).
pub const NOTE_KEY: &str = "serfiq.calibration";

/// Largest α accepted (options, metadata, a fit): its implied spread of s,
/// 2·ln 19 / α, stays above [`crate::scale::MIN_SPREAD`]. Fits on real
/// samples give about 100.
pub const MAX_ALPHA: f64 = 1e6;
/// Smallest α accepted: below it q is 0.5 for every s in (0, 1].
pub const MIN_ALPHA: f64 = 1e-6;

/// Why α or r cannot be used, if so: α must be in [[`MIN_ALPHA`], [`MAX_ALPHA`]]
/// (a negative α turns q upside down, a tiny one flattens it to 0.5), r
/// finite and within ±[`crate::scale::MAX_VALUE`].
pub fn check_alpha_r(alpha: Option<f64>, r: Option<f64>) -> std::result::Result<(), String> {
    if let Some(a) = alpha.filter(|a| !(*a >= MIN_ALPHA && *a <= MAX_ALPHA)) {
        return Err(format!("alpha must be in [{MIN_ALPHA:e}, {MAX_ALPHA:e}], got {a:?}"));
    }
    if let Some(r) = r.filter(|r| r.is_nan() || r.abs() > crate::scale::MAX_VALUE) {
        return Err(format!("r must be finite and within ±{:e}, got {r:?}", crate::scale::MAX_VALUE));
    }
    Ok(())
}

/// Where a model's α and r came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Set in the options.
    Options,
    /// Read from the model's metadata (`serfiq calibrate`).
    Model,
    /// serfiq's defaults, fitted to the default model.
    Default,
}

/// α and r from the model's metadata; `None` for a key that is absent.
/// A present but unreadable value, or one [`check_alpha_r`] refuses, fails
/// with `ErrorKind::ModelInvalid`.
pub fn read(model: &ModelProto) -> Result<(Option<f64>, Option<f64>)> {
    let get = |key: &str| -> Result<Option<f64>> {
        match model.metadata_props.iter().find(|p| p.key == key) {
            None => Ok(None),
            Some(p) => match p.value.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => fail(
                    ErrorKind::ModelInvalid,
                    format!("model metadata {key} = {:?} is not a finite number", p.value),
                ),
            },
        }
    };
    let (alpha, r) = (get(ALPHA_KEY)?, get(R_KEY)?);
    for (key, a, r) in [(ALPHA_KEY, alpha, None), (R_KEY, None, r)] {
        check_alpha_r(a, r).map_err(|m| Error::new(ErrorKind::ModelInvalid, format!("model metadata {key}: {m}")))?;
    }
    Ok((alpha, r))
}

/// α and r fitted to a sample of s, with the sample's percentiles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// 2·ln 19 / (p95 − p5).
    pub alpha: f64,
    /// The median.
    pub r: f64,
    /// The 5th percentile of the sample.
    pub p5: f64,
    /// The 50th percentile of the sample (equal to `r`).
    pub median: f64,
    /// The 95th percentile of the sample.
    pub p95: f64,
    /// Sample size.
    pub n: usize,
}

impl Fit {
    /// q of `s` under this fit.
    pub fn q(&self, s: f64) -> f64 {
        logistic(s, self.alpha, self.r)
    }
}

/// q = 1 / (1 + exp(−α (s − r))).
pub fn logistic(s: f64, alpha: f64, r: f64) -> f64 {
    1.0 / (1.0 + (-alpha * (s - r)).exp())
}

/// The `p` quantile (0 ≤ p ≤ 1) of an ascending, non-empty sample by linear
/// interpolation between order statistics (Hyndman and Fan's type 7, NumPy's
/// default): position h = p·(n − 1), value x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] − x[⌊h⌋]).
/// Panics when the sample is empty or `p` lies outside [0, 1].
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty() && (0.0..=1.0).contains(&p), "percentile of an empty sample or p outside [0, 1]");
    let h = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Fits α and r to the scores `s` (any order): r = median, α = 2·ln 19 /
/// (p95 − p5), percentiles by `percentile`. `None` when a value is not finite,
/// or p95 = p5 (which includes samples with fewer than 2 distinct values), or
/// α or r would be refused by [`check_alpha_r`].
pub fn fit(s: &[f64]) -> Option<Fit> {
    if s.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut sorted = s.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.first()? == sorted.last()? {
        return None;
    }
    let (p5, median, p95) = (percentile(&sorted, 0.05), percentile(&sorted, 0.5), percentile(&sorted, 0.95));
    let alpha = 2.0 * 19f64.ln() / (p95 - p5);
    if !(p95 > p5 && check_alpha_r(Some(alpha), Some(median)).is_ok()) {
        return None;
    }
    Some(Fit { alpha, r: median, p5, median, p95, n: s.len() })
}

/// q on the 0–100 integer scale of ISO/IEC 29794-1 quality scores (as NIST
/// FATE Quality and OFIQ report them): round(100·q), clamped to 0..=100 (NaN
/// gives 0). Higher is better;
/// 50 is the calibration sample's median s, about 5 and 95 its 5th and 95th
/// percentiles.
pub fn scale_100(q: f64) -> u8 {
    // `as` saturates (and maps NaN to 0); the clamp keeps it at most 100.
    ((100.0 * q).round() as u8).min(100)
}

/// `model_bytes` with α and r written into its metadata (`ALPHA_KEY`,
/// `R_KEY`, replacing any values there) and `note` under `NOTE_KEY` (an empty
/// note removes that key). The numbers are written in Rust's shortest form
/// that parses back to the same f64. The rest of the model is as protobuf
/// parsing and re-serialising leaves it. Fails with `ErrorKind::InvalidArgument`
/// when α or r is refused by [`check_alpha_r`] or the scales by
/// [`Scales::check`](crate::scale::Scales::check) (so no model is written that
/// could not be loaded), `ErrorKind::ModelInvalid` when the bytes are not a model.
pub fn write(model_bytes: &[u8], alpha: f64, r: f64, note: &str) -> Result<Vec<u8>> {
    write_with(model_bytes, alpha, r, &crate::scale::Scales::default(), note)
}

/// `write`, with the scales of f and q100 (`scale::Scales::entries`) too;
/// a part that is `None` has its key removed, so no stale table survives a
/// new fit.
pub fn write_with(
    model_bytes: &[u8],
    alpha: f64,
    r: f64,
    scales: &crate::scale::Scales,
    note: &str,
) -> Result<Vec<u8>> {
    check_alpha_r(Some(alpha), Some(r)).map_err(|m| Error::new(ErrorKind::InvalidArgument, m))?;
    scales.check().map_err(|m| Error::new(ErrorKind::InvalidArgument, m))?;
    let mut model = crate::graph::parse(model_bytes)?;
    set_prop(&mut model, ALPHA_KEY, Some(format!("{alpha:?}")));
    set_prop(&mut model, R_KEY, Some(format!("{r:?}")));
    for (key, value) in scales.entries() {
        set_prop(&mut model, key, value);
    }
    set_prop(&mut model, NOTE_KEY, (!note.is_empty()).then(|| note.to_string()));
    model
        .write_to_bytes()
        .map_err(|e| Error::new(ErrorKind::ModelInvalid, format!("could not serialise the model: {e}")))
}

/// Sets `key` in the first entry holding it (dropping any later duplicates),
/// appends it when absent, or removes it for `None`.
pub(crate) fn set_prop(model: &mut ModelProto, key: &str, value: Option<String>) {
    let props = &mut model.metadata_props;
    let first = props.iter().position(|p| p.key == key);
    let mut k = 0;
    props.retain(|p| {
        k += 1;
        p.key != key || (value.is_some() && Some(k - 1) == first)
    });
    match (value, first) {
        (Some(v), Some(i)) => props[i].value = v,
        (Some(v), None) => {
            let mut p = StringStringEntryProto::new();
            p.key = key.to_string();
            p.value = v;
            props.push(p);
        }
        (None, _) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LN19: f64 = 2.944_438_979_166_440_3;

    #[test]
    fn percentiles_interpolate_linearly() {
        let x = [0.0, 1.0, 3.0, 10.0];
        // h = p·3: 0.15, 1.5, 2.85.
        assert!((percentile(&x, 0.05) - 0.15).abs() < 1e-12);
        assert_eq!(percentile(&x, 0.5), 2.0);
        assert!((percentile(&x, 0.95) - 8.95).abs() < 1e-12);
        assert_eq!(percentile(&x, 0.0), 0.0);
        assert_eq!(percentile(&x, 1.0), 10.0);
        assert_eq!(percentile(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn fit_of_0_to_20_puts_p5_p50_p95_at_q_005_05_095() {
        // 21 values: h = 20·p lands exactly on 1, 10 and 19.
        let mut s: Vec<f64> = (0..=20).map(f64::from).collect();
        s.reverse(); // any order
        let f = fit(&s).unwrap();
        assert_eq!((f.p5, f.median, f.p95, f.n), (1.0, 10.0, 19.0, 21));
        assert_eq!(f.r, 10.0);
        assert!((f.alpha - LN19 / 9.0).abs() < 1e-15, "{}", f.alpha); // 2 ln 19 / 18
        assert!((f.q(1.0) - 0.05).abs() < 1e-12); // 1 / (1 + 19)
        assert_eq!(f.q(10.0), 0.5);
        assert!((f.q(19.0) - 0.95).abs() < 1e-12);
        assert_eq!((scale_100(f.q(1.0)), scale_100(f.q(10.0)), scale_100(f.q(19.0))), (5, 50, 95));
    }

    #[test]
    fn fit_of_an_uneven_sample() {
        let f = fit(&[10.0, 0.0, 3.0, 1.0]).unwrap();
        assert_eq!(f.median, 2.0);
        assert!((f.p95 - f.p5 - 8.8).abs() < 1e-12);
        assert!((f.alpha - 2.0 * LN19 / 8.8).abs() < 1e-12);
    }

    #[test]
    fn no_fit_without_spread_or_with_non_finite_values() {
        assert_eq!(fit(&[]), None);
        assert_eq!(fit(&[0.5]), None);
        assert_eq!(fit(&[0.5, 0.5, 0.5]), None);
        assert_eq!(fit(&[0.4, f64::NAN, 0.6]), None);
        assert_eq!(fit(&[0.4, f64::INFINITY, 0.6]), None);
        // Two distinct values but p5 = p95: 100 zeros and a one.
        let mut s = vec![0.0; 100];
        s.push(1.0);
        assert_eq!(fit(&s), None);
        assert!(fit(&[0.4, 0.6]).is_some());
    }

    #[test]
    fn scale_100_rounds_and_clamps() {
        let cases = [
            (0.0, 0),
            (0.004, 0),
            (0.006, 1),
            (0.05, 5),
            (0.5, 50),
            (0.734, 73),
            (0.735_1, 74),
            (0.994, 99),
            (0.996, 100),
            (1.0, 100),
            (-0.2, 0),
            (1.7, 100),
            (f64::NAN, 0),
        ];
        for (q, want) in cases {
            assert_eq!(scale_100(q), want, "q = {q}");
        }
    }

    /// A one-node model with some metadata of its own.
    fn tiny_model() -> ModelProto {
        use onnx_protobuf::{GraphProto, NodeProto, ValueInfoProto};
        let mut n = NodeProto::new();
        n.op_type = "Identity".into();
        n.input = vec!["x".into()];
        n.output = vec!["y".into()];
        let mut g = GraphProto::new();
        g.node = vec![n];
        let (mut x, mut y) = (ValueInfoProto::new(), ValueInfoProto::new());
        x.name = "x".into();
        y.name = "y".into();
        g.input = vec![x];
        g.output = vec![y];
        let mut m = ModelProto::new();
        m.ir_version = 8;
        m.producer_name = "test".into();
        m.graph = Some(g).into();
        for (k, v) in [("author", "someone"), (R_KEY, "1"), ("other", "x"), (R_KEY, "2")] {
            let mut p = StringStringEntryProto::new();
            p.key = k.into();
            p.value = v.into();
            m.metadata_props.push(p);
        }
        m
    }

    fn props(m: &ModelProto) -> Vec<(String, String)> {
        m.metadata_props.iter().map(|p| (p.key.clone(), p.value.clone())).collect()
    }

    #[test]
    fn write_sets_the_keys_round_trips_the_values_and_keeps_the_rest() {
        let original = tiny_model();
        let bytes = original.write_to_bytes().unwrap();
        let (alpha, r) = (118.523_456_789_012_34, 0.576_023_456_789_1);
        let out = write(&bytes, alpha, r, r#"{"n":3}"#).unwrap();
        let m = ModelProto::parse_from_bytes(&out).unwrap();
        assert_eq!(read(&m).unwrap(), (Some(alpha), Some(r)));
        // r replaced where it was (its duplicate dropped), alpha and the note appended.
        let want: Vec<(String, String)> = [
            ("author", "someone"),
            (R_KEY, "0.5760234567891"),
            ("other", "x"),
            (ALPHA_KEY, "118.52345678901234"),
            (NOTE_KEY, r#"{"n":3}"#),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(props(&m), want);
        // Everything else is untouched.
        let (mut a, mut b) = (m.clone(), original);
        a.metadata_props.clear();
        b.metadata_props.clear();
        assert_eq!(a, b);
        // Writing the same again changes nothing; an empty note removes the note.
        assert_eq!(write(&out, alpha, r, r#"{"n":3}"#).unwrap(), out);
        let m2 = ModelProto::parse_from_bytes(&write(&out, 2.0, 0.5, "").unwrap()).unwrap();
        assert!(m2.metadata_props.iter().all(|p| p.key != NOTE_KEY));
        assert_eq!(read(&m2).unwrap(), (Some(2.0), Some(0.5)));
    }

    #[test]
    fn write_rejects_non_finite_values_and_non_models() {
        let bytes = tiny_model().write_to_bytes().unwrap();
        assert_eq!(write(&bytes, f64::NAN, 0.5, "").unwrap_err().kind, ErrorKind::InvalidArgument);
        assert_eq!(write(&bytes, 1.0, f64::INFINITY, "").unwrap_err().kind, ErrorKind::InvalidArgument);
        assert_eq!(write(b"not a model", 1.0, 0.5, "").unwrap_err().kind, ErrorKind::ModelInvalid);
        for alpha in [-1.0, 0.0, 2e6, 1e-320] {
            assert_eq!(write(&bytes, alpha, 0.5, "").unwrap_err().kind, ErrorKind::InvalidArgument, "{alpha}");
        }
    }

    #[test]
    fn read_rejects_unreadable_values() {
        let mut m = tiny_model();
        m.metadata_props[1].value = "abc".into();
        assert_eq!(read(&m).unwrap_err().kind, ErrorKind::ModelInvalid);
        m.metadata_props[1].value = "inf".into();
        assert_eq!(read(&m).unwrap_err().kind, ErrorKind::ModelInvalid);
        m.metadata_props[1].value = " 0.5 ".into();
        assert_eq!(read(&m).unwrap(), (None, Some(0.5)));
        m.metadata_props[1].value = "1e300".into();
        assert_eq!(read(&m).unwrap_err().kind, ErrorKind::ModelInvalid);
        m.metadata_props[1].value = "0.5".into();
        for bad in ["-3", "0", "-0", "1e7", "1e-300"] {
            let mut a = StringStringEntryProto::new();
            a.key = ALPHA_KEY.into();
            a.value = bad.into();
            let mut m2 = m.clone();
            m2.metadata_props.push(a);
            assert_eq!(read(&m2).unwrap_err().kind, ErrorKind::ModelInvalid, "alpha {bad}");
        }
    }
}
