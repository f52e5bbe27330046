//! The SER-FIQ head that serfiq builds into the ONNX graph, checked against a
//! plain f64 implementation written here from the method's definition:
//! T masked passes through the embedding layer, L2 normalisation, mean pairwise
//! Euclidean distance over i < j, s = 2 / (1 + exp(mean)).
//!
//! The reference takes the embedding layer's input ("tap") from the ORIGINAL
//! model (the tap added as an extra graph output), the layer's weights from the
//! ONNX initializers, and the masks from SplitMix64 as documented in
//! src/masks.rs, re-implemented here.

mod common;

use common::onnx::{model, node, tensor, value_info, A};
use common::*;
use onnx_protobuf::{Message, ModelProto};
use serfiq_core::{ErrorKind, Model, ModelSource, Options};

const TOL_S: f64 = 1e-5;
const TOL_N: f64 = 1e-5;

/// An affine layer y = W·x + b in f64, W row-major [out][in].
struct Layer {
    cin: usize,
    cout: usize,
    w: Vec<f64>,
    b: Vec<f64>,
}

/// A 1×1 Conv (weight [out, in, 1, 1], bias [out]) named `node_name`, and its input tensor.
fn conv1x1_layer(m: &ModelProto, node_name: &str) -> (String, Layer) {
    let n = m.graph.node.iter().find(|n| n.name == node_name).unwrap_or_else(|| panic!("no node {node_name}"));
    assert_eq!(n.op_type, "Conv");
    let (dims, w) = initializer(m, &n.input[1]);
    assert_eq!((dims.len(), dims[2], dims[3]), (4, 1, 1), "{node_name} is not 1x1");
    let (_, b) = initializer(m, &n.input[2]);
    let (cout, cin) = (dims[0] as usize, dims[1] as usize);
    assert_eq!(b.len(), cout);
    (n.input[0].clone(), Layer { cin, cout, w, b })
}

/// The documented mask recipe: SplitMix64(seed), row-major [T, C],
/// u = (next >> 11) / 2^53, keep (scaled by (float)(1/(1−p))) when u ≥ p.
fn masks(seed: u64, samples: usize, features: usize, p: f64) -> Vec<f64> {
    let mut rng = Mix(seed);
    let keep = (1.0 / (1.0 - p)) as f32 as f64;
    (0..samples * features).map(|_| if rng.unit() >= p { keep } else { 0.0 }).collect()
}

/// s for one tap vector, all in f64.
fn reference_s(tap: &[f32], layer: &Layer, samples: usize, p: f64, seed: u64) -> f64 {
    assert_eq!(tap.len(), layer.cin, "tap length");
    let m = masks(seed, samples, layer.cin, p);
    let x: Vec<f64> = tap.iter().map(|&v| v as f64).collect();
    let mut emb = vec![0.0f64; samples * layer.cout];
    let mut xm = vec![0.0f64; layer.cin];
    for t in 0..samples {
        for i in 0..layer.cin {
            xm[i] = x[i] * m[t * layer.cin + i];
        }
        let e = &mut emb[t * layer.cout..(t + 1) * layer.cout];
        for (o, (eo, row)) in e.iter_mut().zip(layer.w.chunks_exact(layer.cin)).enumerate() {
            *eo = layer.b[o] + row.iter().zip(&xm).map(|(w, x)| w * x).sum::<f64>();
        }
        let norm = e.iter().map(|v| v * v).sum::<f64>().sqrt();
        e.iter_mut().for_each(|v| *v /= norm);
    }
    let (mut sum, mut pairs) = (0.0, 0usize);
    for i in 0..samples {
        for j in i + 1..samples {
            let (a, b) = (&emb[i * layer.cout..(i + 1) * layer.cout], &emb[j * layer.cout..(j + 1) * layer.cout]);
            sum += a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt();
            pairs += 1;
        }
    }
    assert_eq!(pairs, samples * (samples - 1) / 2);
    2.0 / (1.0 + (sum / pairs as f64).exp())
}

/// The tap of the original model for `tensor`.
fn original_tap(bytes: &[u8], input: &str, tap: &str, tensor: &[f32]) -> Vec<f32> {
    run_onnx(&with_extra_output(bytes, tap), input, [1, 3, 112, 112], tensor, &[tap]).remove(0)
}

/// Model::score against the reference on `faces`; also checks q, that the
/// reference depends on the seed (so the comparison can tell masks apart),
/// and n against the L2 norm of the embedding layer's output (its affine
/// tail included: the model's output) in a plain ONNX Runtime run.
fn check_model(model: &Model, bytes: &[u8], input: &str, tap: &str, layer: &Layer, faces: &[TestFace]) {
    let (alpha, r) = model.alpha_r();
    let output = model.info().output_name.as_str();
    for f in faces {
        let mut plain =
            run_onnx(&with_extra_output(bytes, tap), input, [1, 3, 112, 112], &face_tensor(f), &[tap, output]);
        let (t, emb) = (plain.remove(0), plain.remove(0));
        let want = reference_s(&t, layer, model.samples(), model.dropout(), model.seed());
        let want_n = emb.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt();
        let got = model.score(&f.face()).unwrap();
        let other_seed = reference_s(&t, layer, model.samples(), model.dropout(), model.seed() ^ 1);
        println!(
            "{}: serfiq s {:.8}, f64 reference {want:.8} (|Δ| {:.1e}); another seed {other_seed:.6}; q {}",
            f.name,
            got.s,
            (got.s as f64 - want).abs(),
            got.q
        );
        assert!((got.s as f64 - want).abs() <= TOL_S, "{}: s {} vs reference {want}", f.name, got.s);
        println!(
            "{}: serfiq n {:.7}, plain ONNX Runtime {want_n:.7} (|Δ| {:.1e})",
            f.name,
            got.n,
            (got.n as f64 - want_n).abs()
        );
        assert!((got.n as f64 - want_n).abs() <= TOL_N, "{}: n {} vs reference {want_n}", f.name, got.n);
        assert!(want_n > 1e-3, "a zero embedding cannot tell n apart");
        assert!((other_seed - want).abs() > TOL_S, "the reference does not depend on the masks");
        let q = 1.0 / (1.0 + (-alpha * (got.s as f64 - r)).exp());
        assert!((got.q as f64 - q).abs() <= 1e-6, "{}: q {} vs {q} from s {}", f.name, got.q, got.s);
    }
}

#[test]
fn default_model_head_matches_f64_reference() {
    let path = default_model();
    let bytes = std::fs::read(&path).unwrap();
    let proto = ModelProto::parse_from_bytes(&bytes).unwrap();
    let (tap, layer) = conv1x1_layer(&proto, "Conv_94");
    assert_eq!((layer.cin, layer.cout), (512, 512));
    let model = load(&path);
    assert_eq!(model.info().layer.tap, tap, "serfiq found another embedding layer");
    let faces: Vec<TestFace> = test_faces(2).into_iter().chain(demo_faces(1)).collect();
    check_model(&model, &bytes, "input", &tap, &layer, &faces);
}

#[test]
fn kenneth_model_head_matches_f64_reference() {
    let Some(path) = shared_data("models/recognize/kenneth_mobilefacenet_128.onnx") else { return };
    let bytes = std::fs::read(&path).unwrap();
    let proto = ModelProto::parse_from_bytes(&bytes).unwrap();
    let (tap, layer) = conv1x1_layer(&proto, "Conv.49");
    assert_eq!((layer.cin, layer.cout), (512, 128));
    let model = load(&path);
    assert_eq!(model.info().layer.tap, tap, "serfiq found another embedding layer");
    check_model(&model, &bytes, "x", &tap, &layer, &test_faces(1));
}

// ---------------------------------------------------------------------------
// A synthetic model: Conv 8×8/8 (3→32) → Relu → GlobalAveragePool → Flatten →
// Gemm (32→16, transB, alpha, beta) → BatchNormalization → output [1, 16].
// ---------------------------------------------------------------------------

const GEMM_ALPHA: f32 = 0.7;
const GEMM_BETA: f32 = 1.3;
const BN_EPS: f32 = 0.05; // large enough that ignoring it moves s well past the tolerance

struct Synthetic {
    conv_w: Vec<f32>, // [32, 3, 8, 8]
    conv_b: Vec<f32>,
}

/// Builds the model; `tail` chooses what follows the Gemm: "bn" (the
/// embedding layer is the Gemm, folded with BN) or "relu" (no linear layer reachable).
fn synthetic(seed: u64, tail: &str) -> (Vec<u8>, Synthetic) {
    let mut rng = Mix(seed);
    let mut rand = |n: usize, lo: f64, hi: f64| -> Vec<f32> { (0..n).map(|_| rng.range(lo, hi) as f32).collect() };
    let conv_w = rand(32 * 3 * 64, -0.15, 0.15);
    let conv_b = rand(32, -0.1, 0.1);
    let gemm_w = rand(16 * 32, -0.5, 0.5);
    let gemm_c = rand(16, -0.3, 0.3);
    let bn = [rand(16, 0.5, 1.5), rand(16, -0.5, 0.5), rand(16, -0.2, 0.2), rand(16, 0.05, 2.0)];
    let mut nodes = vec![
        node(
            "Conv",
            "conv",
            &["image", "conv_w", "conv_b"],
            "c",
            &[A::Ints("kernel_shape", &[8, 8]), A::Ints("strides", &[8, 8])],
        ),
        node("Relu", "relu", &["c"], "r", &[]),
        node("GlobalAveragePool", "gap", &["r"], "g", &[]),
        node("Flatten", "flat", &["g"], "f", &[A::I("axis", 1)]),
        node(
            "Gemm",
            "fc",
            &["f", "fc_w", "fc_c"],
            "e",
            &[A::I("transB", 1), A::F("alpha", GEMM_ALPHA), A::F("beta", GEMM_BETA)],
        ),
    ];
    match tail {
        "bn" => nodes.push(node(
            "BatchNormalization",
            "bn",
            &["e", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
            "out",
            &[A::F("epsilon", BN_EPS)],
        )),
        "relu" => nodes.push(node("Relu", "relu_out", &["e"], "out", &[])),
        // The Gemm is the embedding layer no more: MatMul → Add → Div → Sub (constant first).
        "matmul" => {
            nodes.pop();
            nodes.extend([
                node("MatMul", "mm", &["f", "mm_w"], "m", &[]),
                node("Add", "add", &["m", "fc_c"], "a", &[]),
                node("Div", "div", &["a", "bn_scale"], "dv", &[]),
                node("Sub", "sub", &["bn_bias", "dv"], "out", &[]),
            ]);
        }
        _ => unreachable!(),
    }
    let inits = vec![
        tensor("conv_w", &[32, 3, 8, 8], &conv_w),
        tensor("conv_b", &[32], &conv_b),
        tensor("fc_w", &[16, 32], &gemm_w),
        tensor("mm_w", &[32, 16], &gemm_w),
        tensor("fc_c", &[16], &gemm_c),
        tensor("bn_scale", &[16], &bn[0]),
        tensor("bn_bias", &[16], &bn[1]),
        tensor("bn_mean", &[16], &bn[2]),
        tensor("bn_var", &[16], &bn[3]),
    ];
    let bytes = model(nodes, inits, value_info("image", &[1, 3, 112, 112]), value_info("out", &[1, 16]));
    (bytes, Synthetic { conv_w, conv_b })
}

/// The synthetic model's Gemm and BatchNormalization read back from its
/// initializers and folded in f64: y = BN(alpha·B·x + beta·c).
fn synthetic_layer(bytes: &[u8]) -> Layer {
    let m = ModelProto::parse_from_bytes(bytes).unwrap();
    let (dims, bmat) = initializer(&m, "fc_w");
    assert_eq!(dims, [16, 32]); // transB = 1: B is [out, in]
    let (_, c) = initializer(&m, "fc_c");
    let [scale, bias, mean, var] = ["bn_scale", "bn_bias", "bn_mean", "bn_var"].map(|n| initializer(&m, n).1);
    let (alpha, beta, eps) = (GEMM_ALPHA as f64, GEMM_BETA as f64, BN_EPS as f64);
    let mut w = vec![0.0; 16 * 32];
    let mut b = vec![0.0; 16];
    for o in 0..16 {
        let a = scale[o] / (var[o] + eps).sqrt();
        for i in 0..32 {
            w[o * 32 + i] = a * alpha * bmat[o * 32 + i];
        }
        b[o] = a * (beta * c[o] - mean[o]) + bias[o];
    }
    Layer { cin: 32, cout: 16, w, b }
}

/// The "matmul" tail read back and folded in f64: y = k − (x·M + c) / d.
fn matmul_layer(bytes: &[u8]) -> Layer {
    let m = ModelProto::parse_from_bytes(bytes).unwrap();
    let (dims, mm) = initializer(&m, "mm_w");
    assert_eq!(dims, [32, 16]); // [in, out]
    let [c, d, k] = ["fc_c", "bn_scale", "bn_bias"].map(|n| initializer(&m, n).1);
    let mut w = vec![0.0; 16 * 32];
    let mut b = vec![0.0; 16];
    for o in 0..16 {
        for i in 0..32 {
            w[o * 32 + i] = -mm[i * 16 + o] / d[o];
        }
        b[o] = k[o] - c[o] / d[o];
    }
    Layer { cin: 32, cout: 16, w, b }
}

/// The synthetic backbone (Conv → Relu → GAP) computed here in f64.
fn synthetic_tap_f64(s: &Synthetic, x: &[f32]) -> Vec<f64> {
    (0..32)
        .map(|k| {
            let mut acc = 0.0;
            for oy in 0..14 {
                for ox in 0..14 {
                    let mut v = s.conv_b[k] as f64;
                    for c in 0..3 {
                        for ky in 0..8 {
                            for kx in 0..8 {
                                let wv = s.conv_w[((k * 3 + c) * 8 + ky) * 8 + kx] as f64;
                                v += wv * x[c * 112 * 112 + (oy * 8 + ky) * 112 + ox * 8 + kx] as f64;
                            }
                        }
                    }
                    acc += v.max(0.0);
                }
            }
            acc / 196.0
        })
        .collect()
}

fn synthetic_options(bytes: &[u8]) -> Options {
    Options { model: ModelSource::Bytes(bytes.to_vec()), ort_library: Some(ort_lib()), ..Default::default() }
}

fn new_model(opts: &Options) -> Model {
    Model::new(opts).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

#[test]
fn synthetic_gemm_batchnorm_head_matches_f64_reference() {
    let (bytes, syn) = synthetic(2024, "bn");
    let layer = synthetic_layer(&bytes);
    let faces = test_faces(2);

    // The tap of the original graph is what the backbone computes (checks the test's own model).
    for f in &faces {
        let x = face_tensor(f);
        let tap = original_tap(&bytes, "image", "f", &x);
        let own = synthetic_tap_f64(&syn, &x);
        let d = tap.iter().zip(&own).map(|(a, b)| (*a as f64 - b).abs()).fold(0.0, f64::max);
        assert!(d < 1e-5, "ONNX Runtime and the f64 backbone differ by {d}");
        assert!(own.iter().filter(|&&v| v > 0.0).count() >= 8, "too few active features: {own:?}");
    }

    let model = new_model(&synthetic_options(&bytes));
    assert_eq!(model.info().layer.node, "fc");
    assert_eq!(model.info().layer.tap, "f");
    assert_eq!((model.info().layer.in_features, model.embedding_size()), (32, 16));
    check_model(&model, &bytes, "image", "f", &layer, &faces);

    // The embedding is the BN output of the graph as written.
    for f in &faces {
        let want = run_onnx(&bytes, "image", [1, 3, 112, 112], &face_tensor(f), &["out"]).remove(0);
        let got = model.embed(&f.face()).unwrap();
        assert!(max_abs_diff(&got, &want) <= 1e-5, "embedding differs by {}", max_abs_diff(&got, &want));
    }

    // Other T, p, seed, alpha and r reach the head.
    let opts = Options {
        samples: 37,
        dropout: 0.3,
        seed: 0xDEAD_BEEF_1234,
        alpha: Some(20.0),
        r: Some(0.6),
        ..synthetic_options(&bytes)
    };
    let model = new_model(&opts);
    assert_eq!(model.alpha_r(), (20.0, 0.6));
    assert_eq!((model.samples(), model.dropout(), model.seed()), (37, 0.3, 0xDEAD_BEEF_1234));
    check_model(&model, &bytes, "image", "f", &layer, &faces);
}

#[test]
fn synthetic_matmul_with_affine_tail_matches_f64_reference() {
    let (bytes, _) = synthetic(31, "matmul");
    let layer = matmul_layer(&bytes);
    let faces = test_faces(1);
    let model = new_model(&synthetic_options(&bytes));
    assert_eq!(model.info().layer.node, "mm");
    check_model(&model, &bytes, "image", "f", &layer, &faces);
    let want = run_onnx(&bytes, "image", [1, 3, 112, 112], &face_tensor(&faces[0]), &["out"]).remove(0);
    let got = model.embed(&faces[0].face()).unwrap();
    assert!(max_abs_diff(&got, &want) <= 1e-5, "embedding differs by {}", max_abs_diff(&got, &want));
}

#[test]
fn naming_the_embedding_layer() {
    let (bytes, _) = synthetic(7, "bn");
    let face = &test_faces(1)[0];
    let auto = new_model(&synthetic_options(&bytes)).score(&face.face()).unwrap();
    // By node name and by output tensor: the same layer, the same graph, the same score.
    for name in ["fc", "e"] {
        let opts = Options { embedding_layer: Some(name.into()), ..synthetic_options(&bytes) };
        let m = new_model(&opts);
        assert_eq!(m.info().layer.node, "fc");
        assert_eq!(m.score(&face.face()).unwrap(), auto, "naming {name:?} changed the score");
    }
    // A name that does not exist, and a layer that is not reachable through affine nodes.
    for name in ["no_such_layer", "conv"] {
        let opts = Options { embedding_layer: Some(name.into()), ..synthetic_options(&bytes) };
        match Model::new(&opts) {
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::EmbeddingLayerNotFound, "{name}: {}", e.message);
                assert!(e.message.contains("embedding_layer"), "{name}: message gives no hint: {}", e.message);
            }
            Ok(m) => panic!("{name:?} was accepted as layer {}", m.info().layer.node),
        }
    }
}

#[test]
fn relu_after_the_last_linear_layer_is_not_an_embedding_layer() {
    let (bytes, _) = synthetic(11, "relu");
    match Model::new(&synthetic_options(&bytes)) {
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::EmbeddingLayerNotFound, "{}", e.message);
            assert!(e.message.contains("embedding_layer"), "the message does not name the option: {}", e.message);
            println!("{}", e.message);
        }
        Ok(m) => panic!("accepted layer {} behind a Relu", m.info().layer.node),
    }
}

#[test]
fn splitmix64_reimplementation_matches_published_values() {
    // Reference C implementation (prng.di.unimi.it/splitmix64.c), seed 1234567.
    let mut r = Mix(1234567);
    for want in [6457827717110365317u64, 3203168211198807973, 9817491932198370423, 4593380528125082431] {
        assert_eq!(r.next_u64(), want);
    }
}

/// Outputs serfiq cannot use (a scalar, none at all) are refused with a
/// status, never a panic (which would poison the handle).
#[test]
fn a_scalar_or_missing_output_is_an_unsupported_model() {
    let (bytes, _) = synthetic(5, "bn");
    let edit = |f: &dyn Fn(&mut onnx_protobuf::GraphProto)| {
        let mut m = ModelProto::parse_from_bytes(&bytes).unwrap();
        f(m.graph.as_mut().unwrap());
        m.write_to_bytes().unwrap()
    };
    let scalar = edit(&|g| g.output[0] = value_info("out", &[]));
    let none = edit(&|g| g.output.clear());
    let cases = [("scalar output", scalar, ErrorKind::UnsupportedModel), ("no output", none, ErrorKind::ModelInvalid)];
    for (what, bytes, kind) in cases {
        match Model::new(&synthetic_options(&bytes)) {
            Err(e) => assert_eq!(e.kind, kind, "{what}: {}", e.message),
            Ok(_) => panic!("{what}: accepted"),
        }
    }
}
