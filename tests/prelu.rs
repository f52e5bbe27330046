//! The branch-free PRelu rewrite (src/prelu.rs) gives the same bits as ONNX
//! Runtime's PRelu, for slopes below 1 (Max), above 1 (Min), negative and
//! one, on positive, negative and signed-zero inputs; mixed slopes are kept.

mod common;

use common::onnx::*;
use common::*;
use onnx_protobuf::Message;

/// x [1,3,3,3] → PRelu(≤ 1) → PRelu(≥ 1) → PRelu(mixed) → Flatten → Gemm(27→8).
fn three_prelus() -> Vec<u8> {
    let mut mix = Mix(11);
    let w: Vec<f32> = (0..8 * 27).map(|_| mix.range(-0.5, 0.5) as f32).collect();
    model(
        vec![
            node("PRelu", "low", &["x", "s_low"], "a", &[]),
            node("PRelu", "high", &["a", "s_high"], "b", &[]),
            node("PRelu", "mixed", &["b", "s_mixed"], "c", &[]),
            node("Flatten", "flat", &["c"], "f", &[A::I("axis", 1)]),
            node("Gemm", "fc", &["f", "w", "bias"], "emb", &[A::I("transB", 1)]),
        ],
        vec![
            tensor("s_low", &[3, 1, 1], &[0.25, -0.5, 1.0]),
            tensor("s_high", &[3, 1, 1], &[1.0, 1.5, 3.0]),
            tensor("s_mixed", &[3, 1, 1], &[0.5, 2.0, 0.0]),
            tensor("w", &[8, 27], &w),
            tensor("bias", &[8], &[0.0; 8]),
        ],
        value_info("x", &[1, 3, 3, 3]),
        value_info("emb", &[1, 8]),
    )
}

#[test]
fn prelu_rewrite_is_bit_exact_and_skips_mixed_slopes() {
    let bytes = three_prelus();
    let info = serfiq_core::graph::inspect(&serfiq_core::graph::parse(&bytes).unwrap(), None).unwrap();
    let rewritten = serfiq_core::graph::build(&mut serfiq_core::graph::parse(&bytes).unwrap(), &info, None).unwrap();
    let g = onnx_protobuf::ModelProto::parse_from_bytes(&rewritten).unwrap().graph.unwrap();
    let ops: Vec<&str> = g.node.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(ops.iter().filter(|&&o| o == "PRelu").count(), 1, "{ops:?}");
    assert_eq!(ops.iter().filter(|&&o| o == "Max").count(), 1, "{ops:?}");
    assert_eq!(ops.iter().filter(|&&o| o == "Min").count(), 1, "{ops:?}");
    assert!(g.node.iter().any(|n| n.op_type == "PRelu" && n.name == "mixed"));

    let mut mix = Mix(5);
    let mut x: Vec<f32> = (0..27).map(|_| mix.range(-3.0, 3.0) as f32).collect();
    x[..6].copy_from_slice(&[0.0, -0.0, 1e-30, -1e-30, 3.0e30, -3.0e30]);
    let names = ["a", "b", "c", "emb"];
    let with_outputs = |b: &[u8]| names[..3].iter().fold(b.to_vec(), |b, n| with_extra_output(&b, n));
    let want = run_onnx(&with_outputs(&bytes), "x", [1, 3, 3, 3], &x, &names);
    let got = run_onnx(&with_outputs(&rewritten), "x", [1, 3, 3, 3], &x, &names);
    for (name, (w, g)) in names.iter().zip(want.iter().zip(&got)) {
        let (wb, gb): (Vec<u32>, Vec<u32>) =
            (w.iter().map(|v| v.to_bits()).collect(), g.iter().map(|v| v.to_bits()).collect());
        assert_eq!(wb, gb, "tensor {name} differs after the rewrite");
    }
}
