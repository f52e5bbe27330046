//! Model bytes through parsing, embedding-layer search and graph rewriting
//! (everything serfiq does to a model before ONNX Runtime sees it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serfiq_core::graph::{build, check_head_size, inspect, parse, HeadSpec};
use serfiq_core::masks::dropout_masks;

fuzz_target!(|data: &[u8]| {
    let Ok(proto) = parse(data) else { return };
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
