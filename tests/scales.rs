//! The calibrated scales of f and q100: they round-trip through the model's
//! metadata and reach every score; q100 is monotone in its quality, 0 and 100
//! at the table's ends; an old calibration (α and r only) keeps working,
//! falls back as documented and says what it lacks; bad metadata is refused.

mod common;

use common::*;
use onnx_protobuf::{Message, ModelProto};
use serfiq_core::calibration;
use serfiq_core::scale::{self, Scales, Spread, Table};
use serfiq_core::{ErrorKind, Model, ModelSource, Options, Q100Quality};

fn bytes_options(bytes: &[u8]) -> Options {
    Options { model: ModelSource::Bytes(bytes.to_vec()), ort_library: Some(ort_lib()), ..Default::default() }
}

fn new_model(opts: &Options) -> Model {
    Model::new(opts).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

/// Scales with round numbers, independent of serfiq's defaults.
fn made_up() -> Scales {
    Scales {
        s: Some(Spread { p5: 0.50, median: 0.56, p95: 0.60 }),
        n: Some(Spread { p5: 2.0, median: 3.0, p95: 4.5 }),
        s_table: Table::new((0..=100).map(|i| 0.45 + 0.002 * i as f64).collect()),
        f_table: Table::new((0..=100).map(|i| -2.0 + 0.04 * i as f64).collect()),
        l: Some(Spread { p5: 0.55, median: 0.6, p95: 0.65 }),
        fl_table: Table::new((0..=100).map(|i| -1.5 + 0.03 * i as f64).collect()),
    }
}

#[test]
fn scales_round_trip_through_the_metadata_and_reach_the_scores() {
    if !have_cache() {
        return;
    }
    let plain = std::fs::read(default_model()).unwrap();
    let sc = made_up();
    let bytes = calibration::write_with(&plain, 120.0, 0.56, &sc, "").unwrap();
    assert_eq!(Scales::read(&ModelProto::parse_from_bytes(&bytes).unwrap()).unwrap(), sc);

    let faces: Vec<TestFace> = demo_faces(2).into_iter().chain(test_faces(2)).collect();
    for q100 in [Q100Quality::F, Q100Quality::S] {
        let m = new_model(&Options { q100_quality: q100, ..bytes_options(&bytes) });
        assert_eq!((m.scales(), m.q100_quality()), (&sc, q100));
        for f in &faces {
            let q = m.score(&f.face()).unwrap();
            // f and q100 from the definitions, with the numbers written above.
            let (s, n) = (q.s as f64, q.n as f64);
            let want_f = 0.5 * ((s - 0.56) / 0.10 + (n - 3.0) / 2.5);
            assert!((q.f as f64 - want_f).abs() < 1e-5, "{}: f {} vs {want_f}", f.name, q.f);
            let (x, lo, step) = if q100 == Q100Quality::F { (want_f, -2.0, 0.04) } else { (s, 0.45, 0.002) };
            let want_q100 = ((x - lo) / step).clamp(0.0, 100.0);
            assert!((q.q100 as f64 - want_q100).abs() < 1e-3, "{}: q100 {} vs {want_q100}", f.name, q.q100);
        }
    }
}

#[test]
fn q100_is_monotone_and_reaches_0_and_100_at_the_table_ends() {
    if !have_cache() {
        return;
    }
    let m =
        new_model(&Options { q100_quality: Q100Quality::S, ..bytes_options(&std::fs::read(default_model()).unwrap()) });
    let t = m.scales().s_table.clone().expect("the defaults have an s table");
    let (lo, hi) = (t.values()[0], t.values()[t.values().len() - 1]);
    let n = 3.5f32;
    let mut last = -1.0f32;
    for k in 0..=1000 {
        let s = (lo - 0.05 + (hi - lo + 0.1) * k as f64 / 1000.0) as f32;
        let q = m.quality(s, n, f32::NAN);
        assert!(q.q100 >= last, "q100 fell from {last} to {} at s {s}", q.q100);
        assert!((0.0..=100.0).contains(&q.q100));
        last = q.q100;
    }
    assert_eq!(m.quality(lo as f32 - 0.01, n, f32::NAN).q100, 0.0);
    assert_eq!(m.quality(hi as f32 + 0.01, n, f32::NAN).q100, 100.0);
    // The median of the calibration sample sits at 50.
    let median = t.values()[50] as f32;
    assert!((m.quality(median, n, f32::NAN).q100 - 50.0).abs() < 0.5, "{}", m.quality(median, n, f32::NAN).q100);
}

#[test]
fn an_old_calibration_keeps_working_and_says_what_it_lacks() {
    if !have_cache() {
        return;
    }
    let plain = std::fs::read(default_model()).unwrap();
    let (alpha, r) = (110.0, 0.57);
    let old = calibration::write(&plain, alpha, r, "").unwrap();
    let m = new_model(&bytes_options(&old));
    assert_eq!(m.alpha_r(), (alpha, r));
    let sc = m.scales();
    assert!(sc.s.is_none() && sc.n.is_none() && sc.s_table.is_none() && sc.f_table.is_none());
    assert_eq!(sc.missing(false).len(), 4, "{:?}", sc.missing(false));
    // With a quality network, l's percentiles and f-with-l's table are missing too.
    assert_eq!(sc.missing(true).len(), 6, "{:?}", sc.missing(true));
    let face = &demo_faces(1)[0];
    let q = m.score(&face.face()).unwrap();
    // f = ŝ from α and r: (s − r) / (2 ln 19 / α); q100 = 100 q.
    let s_hat = (q.s as f64 - r) * alpha / (2.0 * 19f64.ln());
    assert!((q.f as f64 - s_hat).abs() < 1e-5, "f {} vs {s_hat}", q.f);
    assert!((q.q100 - 100.0 * q.q).abs() < 1e-4, "q100 {} vs 100 q {}", q.q100, q.q);
    assert!(q.n > 0.0);
}

#[test]
fn a_constant_n_makes_f_fall_back_to_s_hat() {
    if !have_cache() {
        return;
    }
    let plain = std::fs::read(default_model()).unwrap();
    let sc = Scales { n: Some(Spread { p5: 1.0, median: 1.0, p95: 1.0 }), ..made_up() };
    let m = new_model(&bytes_options(&calibration::write_with(&plain, 120.0, 0.56, &sc, "").unwrap()));
    assert!(!m.scales().n_usable());
    assert!(m.scales().missing(false).iter().any(|w| w.contains("constant")), "{:?}", m.scales().missing(false));
    let q = m.score(&demo_faces(1)[0].face()).unwrap();
    assert!((q.f as f64 - (q.s as f64 - 0.56) / 0.10).abs() < 1e-5, "f {}", q.f);
    // And calibration detects it: a sample with one n.
    let fit = scale::fit_scales(&[(0.5, 1.0), (0.6, 1.0), (0.55, 1.0)], &[]).unwrap();
    assert!(!fit.n_usable());
}

#[test]
fn bad_scale_metadata_makes_the_model_invalid() {
    if !have_cache() {
        return;
    }
    let plain = std::fs::read(default_model()).unwrap();
    for (key, value) in [
        (scale::S_PERCENTILES_KEY, "0.5,0.6"),
        (scale::N_PERCENTILES_KEY, "3,2,1"),
        (scale::S_TABLE_KEY, "0.1,abc"),
        (scale::F_TABLE_KEY, "1,0"),
        (scale::F_TABLE_KEY, "0.5"),
        (scale::S_TABLE_KEY, "0,inf"),
        // Issue 27: these passed and gave f = inf or q100 = NaN.
        (scale::S_PERCENTILES_KEY, "0,0,1e-300"),
        (scale::N_PERCENTILES_KEY, "0,0,1e-300"),
        (scale::S_TABLE_KEY, "-1.7e308,0,1.7e308"),
        (scale::F_TABLE_KEY, "-1.7e308,1.7e308"),
        (calibration::ALPHA_KEY, "-118"),
        (calibration::ALPHA_KEY, "1e-300"),
    ] {
        let mut m = ModelProto::parse_from_bytes(&plain).unwrap();
        let mut p = onnx_protobuf::StringStringEntryProto::new();
        (p.key, p.value) = (key.into(), value.into());
        m.metadata_props.push(p);
        match Model::new(&bytes_options(&m.write_to_bytes().unwrap())) {
            Ok(_) => panic!("{key} = {value:?} was accepted"),
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::ModelInvalid, "{key} = {value:?}: {}", e.message);
                assert!(e.message.contains(key), "{}", e.message);
            }
        }
    }
}

#[test]
fn every_value_a_call_returns_is_checked_for_its_range() {
    use serfiq_core::Quality;
    let ok = Quality { s: 0.6, q: 0.5, n: 20.0, f: 0.1, q100: 50.0, l: 0.7 };
    assert!(ok.check().is_ok());
    // NaN l: the model has no quality network.
    assert!(Quality { l: f32::NAN, ..ok }.check().is_ok());
    for bad in [
        Quality { f: f32::INFINITY, ..ok },
        Quality { q100: f32::NAN, ..ok },
        Quality { q100: 100.5, ..ok },
        Quality { s: 1.5, ..ok },
        Quality { q: -0.1, ..ok },
        Quality { n: -1.0, ..ok },
        Quality { n: f32::NAN, ..ok },
        Quality { l: f32::INFINITY, ..ok },
    ] {
        let e = bad.check().unwrap_err();
        assert_eq!(e.kind, ErrorKind::Inference, "{bad:?}");
        assert!(e.message.contains("outside its range"), "{}", e.message);
    }
}
