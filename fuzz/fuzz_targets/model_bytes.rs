//! Model bytes through parsing, embedding-layer search and graph rewriting
//! (everything serfiq does to a model before ONNX Runtime sees it), and its
//! calibration metadata.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serfiq_core::graph::{build, check_head_size, inspect, parse, HeadSpec};
use serfiq_core::calibration;
use serfiq_core::masks::dropout_masks;
use serfiq_core::scale::{fused, spread_from_alpha_r, Scales};

fuzz_target!(|data: &[u8]| {
    let Ok(proto) = parse(data) else { return };
    // Metadata that `Model::new` accepts gives finite f and q100 in [0, 100] for any
    // finite s and n (issue 27: a subnormal spread gave inf, ±1.7e308 tables NaN).
    if let (Ok((alpha, r)), Ok(scales)) = (calibration::read(&proto), Scales::read(&proto)) {
        let (alpha, r) = (alpha.unwrap_or(serfiq_core::DEFAULT_ALPHA), r.unwrap_or(serfiq_core::DEFAULT_R));
        let s_spread = scales.s.unwrap_or_else(|| spread_from_alpha_r(alpha, r));
        for s in [0.0f32, 1e-30, 0.3, 0.576, 0.99, 1.0] {
            for n in [0.0f32, 1e-30, 1.0, 25.0, 1e4] {
                let f = fused(&s_spread, scales.n.as_ref(), s as f64, n as f64) as f32;
                assert!(f.is_finite(), "f = {f} for s {s}, n {n}");
                for t in [&scales.s_table, &scales.f_table].into_iter().flatten() {
                    for x in [s as f64, f as f64] {
                        let p = t.percentile_of(x);
                        assert!((0.0..=100.0).contains(&p), "q100 = {p} for {x}");
                    }
                }
            }
        }
    }
    let Ok(info) = inspect(&proto, None) else { return };
    let (t, c) = (3, info.layer.in_features);
    // The bound Model::new applies before it allocates the masks.
    if check_head_size(&info.layer, t).is_err() {
        return;
    }
    let masks = dropout_masks(1, t, c, 0.5);
    let _ = build(&mut proto.clone(), &info, None);
    let _ = build(&mut proto.clone(), &info, Some(&HeadSpec { samples: t, masks: &masks }));
});

