//! Hostile models, built here from a small valid recogniser, each with the
//! error kind serfiq must give it and a word its message must contain. Used by
//! tests/hostile_models.rs (core and C ABI) and cli/tests/hostile_models.rs (CLI).

use onnx_protobuf::{
    attribute_proto::AttributeType, tensor_proto::DataLocation, AttributeProto, FunctionProto, GraphProto, Message,
    ModelProto, NodeProto, OperatorSetIdProto, SparseTensorProto, StringStringEntryProto, TensorProto,
};
use serfiq_core::ErrorKind;

use super::onnx::{model, node, tensor, value_info, A};

/// One hostile model and what serfiq must say about it.
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub kind: ErrorKind,
    /// A word the message must contain.
    pub says: &'static str,
}

/// Side of the recogniser's input.
pub const SIDE: i64 = 112;

/// A valid recogniser: x [1,3,112,112] → Conv 8×8/8 (16) → GAP → Flatten → Gemm (16 → 8) = e.
/// `pre` nodes run first and must produce "x_in" from "x" (else Conv reads "x").
pub fn recogniser(pre: Vec<NodeProto>, input_dims: &[i64]) -> ModelProto {
    let conv_in = if pre.is_empty() { "x" } else { "x_in" };
    let mut nodes = pre;
    nodes.extend([
        node("Conv", "conv", &[conv_in, "cw"], "c", &[A::Ints("kernel_shape", &[8, 8]), A::Ints("strides", &[8, 8])]),
        node("GlobalAveragePool", "gap", &["c"], "g", &[]),
        node("Flatten", "flat", &["g"], "f", &[]),
        node("Gemm", "fc", &["f", "fw", "fb"], "e", &[A::I("transB", 1)]),
    ]);
    let cw: Vec<f32> = (0..16 * 3 * 64).map(|i| ((i * 37 % 101) as f32 - 50.0) / 500.0).collect();
    let fw: Vec<f32> = (0..8 * 16).map(|i| ((i * 13 % 29) as f32 - 14.0) / 20.0).collect();
    let bytes = model(
        nodes,
        vec![tensor("cw", &[16, 3, 8, 8], &cw), tensor("fw", &[8, 16], &fw), tensor("fb", &[8], &[0.1; 8])],
        value_info("x", input_dims),
        value_info("e", &[1, 8]),
    );
    ModelProto::parse_from_bytes(&bytes).expect("the base model parses")
}

pub fn base() -> ModelProto {
    recogniser(Vec::new(), &[1, 3, SIDE, SIDE])
}

fn bytes(m: &ModelProto) -> Vec<u8> {
    m.write_to_bytes().expect("serialises")
}

/// Marks `t` as stored in the external file `location` (its data removed).
fn external(t: &mut TensorProto, location: &str) {
    t.raw_data.clear();
    t.data_location = DataLocation::EXTERNAL.into();
    let mut e = StringStringEntryProto::new();
    e.key = "location".into();
    e.value = location.into();
    t.external_data.push(e);
}

fn graph_attr(name: &str, g: GraphProto) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::GRAPH.into();
    a.g = Some(g).into();
    a
}

fn tensor_attr(name: &str, t: TensorProto) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::TENSOR.into();
    a.t = Some(t).into();
    a
}

/// A branch graph that outputs `out` = Identity(`from`), with `inits` inside.
fn branch(name: &str, from: &str, out: &str, inits: Vec<TensorProto>) -> GraphProto {
    let mut g = GraphProto::new();
    g.name = name.into();
    g.node = vec![node("Identity", &format!("{name}_id"), &[from], out, &[])];
    g.initializer = inits;
    g.output = vec![value_info(out, &[16])];
    g
}

/// The bias "fb" replaced by the output of `producer` (which must output "fb_dyn").
fn with_bias_from(mut m: ModelProto, producer: NodeProto) -> ModelProto {
    let g = m.graph.as_mut().expect("graph");
    for n in g.node.iter_mut().filter(|n| n.name == "fc") {
        n.input[2] = "fb_dyn".into();
    }
    g.node.insert(0, producer);
    m
}

/// Every hostile recognition model, with what serfiq must say.
pub fn recognition_cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut case = |name, m: ModelProto, kind, says| out.push(Case { name, bytes: bytes(&m), kind, says });

    // 1. Data outside the model, in every place a tensor can be.
    let mut m = base();
    external(&mut m.graph.as_mut().unwrap().initializer[0], "secret.bin");
    case("external data: backbone initializer", m, ErrorKind::UnsupportedModel, "external");

    let mut m = base();
    external(&mut m.graph.as_mut().unwrap().initializer[0], "/etc/passwd");
    case("external data: absolute location", m, ErrorKind::UnsupportedModel, "external");

    let mut m = base();
    m.graph.as_mut().unwrap().initializer[0].data_location = DataLocation::EXTERNAL.into();
    case("external data: location flag without entries", m, ErrorKind::UnsupportedModel, "external");

    let mut m = base();
    let mut e = StringStringEntryProto::new();
    e.key = "location".into();
    e.value = "secret.bin".into();
    m.graph.as_mut().unwrap().initializer[0].external_data.push(e);
    case("external data: entries without the flag", m, ErrorKind::UnsupportedModel, "external");

    let mut m = base();
    m.graph.as_mut().unwrap().initializer[0].data_location = protobuf::EnumOrUnknown::from_i32(7);
    case("external data: unknown data location", m, ErrorKind::UnsupportedModel, "external");

    // A Constant node whose value lives outside the model feeds the bias.
    let mut t = tensor("fb_val", &[8], &[0.1; 8]);
    external(&mut t, "secret.bin");
    let mut constant = node("Constant", "const_fb", &[], "fb_dyn", &[]);
    constant.attribute.push(tensor_attr("value", t));
    case(
        "external data: Constant node attribute",
        with_bias_from(base(), constant),
        ErrorKind::UnsupportedModel,
        "external",
    );

    // An If whose branch holds an external initializer.
    let mut inside = tensor("fb_branch", &[8], &[0.1; 8]);
    external(&mut inside, "secret.bin");
    let mut cond = TensorProto::new();
    cond.name = "cond".into();
    cond.data_type = onnx_protobuf::tensor_proto::DataType::BOOL as i32;
    cond.raw_data = vec![1];
    let mut iff = node("If", "if_fb", &["cond"], "fb_dyn", &[]);
    iff.attribute.push(graph_attr("then_branch", branch("then", "fb_branch", "t_out", vec![inside])));
    iff.attribute.push(graph_attr("else_branch", branch("else", "fb", "e_out", Vec::new())));
    let mut m = with_bias_from(base(), iff);
    m.graph.as_mut().unwrap().initializer.push(cond);
    case("external data: If subgraph initializer", m, ErrorKind::UnsupportedModel, "external");

    // A sparse initializer with external values.
    let mut m = base();
    let mut values = tensor("sp", &[1], &[1.0]);
    external(&mut values, "secret.bin");
    let mut indices = TensorProto::new();
    indices.name = "sp_idx".into();
    indices.dims = vec![1];
    indices.data_type = onnx_protobuf::tensor_proto::DataType::INT64 as i32;
    indices.int64_data = vec![0];
    let mut sparse = SparseTensorProto::new();
    sparse.values = Some(values).into();
    sparse.indices = Some(indices).into();
    sparse.dims = vec![8];
    m.graph.as_mut().unwrap().sparse_initializer.push(sparse);
    case("external data: sparse initializer", m, ErrorKind::UnsupportedModel, "external");

    // A model-local function whose Constant is external.
    let mut m = base();
    let mut t = tensor("fn_val", &[8], &[0.1; 8]);
    external(&mut t, "secret.bin");
    let mut c = node("Constant", "fn_const", &[], "y", &[]);
    c.attribute.push(tensor_attr("value", t));
    let mut f = FunctionProto::new();
    f.name = "hidden".into();
    f.domain = "local".into();
    f.output = vec!["y".into()];
    f.node = vec![c];
    let mut op = OperatorSetIdProto::new();
    op.version = 13;
    f.opset_import = vec![op];
    m.functions.push(f);
    case("external data: function body", m, ErrorKind::UnsupportedModel, "external");

    // 4. Sizes taken from the model.
    case(
        "declared input 65536x65536",
        recogniser(Vec::new(), &[1, 3, 65536, 65536]),
        ErrorKind::UnsupportedModel,
        "1024",
    );
    case(
        "declared input 2^31 x 2^31",
        recogniser(Vec::new(), &[1, 3, 1 << 31, 1 << 31]),
        ErrorKind::UnsupportedModel,
        "1024",
    );
    case("declared input 112x2048", recogniser(Vec::new(), &[1, 3, 112, 2048]), ErrorKind::UnsupportedModel, "1024");

    // 5. Rank-0 and zero-size shapes.
    let mut m = base();
    m.graph.as_mut().unwrap().output[0] = value_info("e", &[]);
    case("rank-0 output", m, ErrorKind::UnsupportedModel, "scalar");
    case("zero-size input side", recogniser(Vec::new(), &[1, 3, 0, SIDE]), ErrorKind::UnsupportedModel, "fixed");
    let mut m = base();
    let g = m.graph.as_mut().unwrap();
    g.initializer[1] = tensor("fw", &[0, 16], &[]);
    g.initializer[2] = tensor("fb", &[0], &[]);
    case("zero-size embedding layer", m, ErrorKind::UnsupportedModel, "at least 1");

    // 6. NaN at the create-time check: the bias is NaN.
    let mut m = base();
    m.graph.as_mut().unwrap().initializer[2] = tensor("fb", &[8], &[f32::NAN; 8]);
    case("NaN bias (non-finite at create)", m, ErrorKind::UnsupportedModel, "NaN");

    // 9. Create-time cost: a Loop of 10^12 trips, also hidden in an If branch; EPContext.
    let mut trips = TensorProto::new();
    trips.name = "trips".into();
    trips.data_type = onnx_protobuf::tensor_proto::DataType::INT64 as i32;
    trips.int64_data = vec![1_000_000_000_000];
    let mut body = GraphProto::new();
    body.name = "body".into();
    let mut lp = node("Loop", "bomb", &["trips", ""], "fb_dyn", &[]);
    lp.attribute.push(graph_attr("body", body));
    let mut m = with_bias_from(base(), lp);
    m.graph.as_mut().unwrap().initializer.push(trips);
    case("Loop of 10^12 trips", m, ErrorKind::UnsupportedModel, "Loop");

    let mut inner = GraphProto::new();
    inner.name = "then".into();
    let mut lp = node("Loop", "hidden_bomb", &["trips", ""], "t_out", &[]);
    lp.attribute.push(graph_attr("body", GraphProto::new()));
    inner.node = vec![lp];
    let mut iff = node("If", "if_loop", &["cond"], "fb_dyn", &[]);
    iff.attribute.push(graph_attr("then_branch", inner));
    iff.attribute.push(graph_attr("else_branch", branch("else", "fb", "e_out", Vec::new())));
    case("Loop inside an If branch", with_bias_from(base(), iff), ErrorKind::UnsupportedModel, "Loop");

    let mut ep = node("EPContext", "ctx", &["x"], "x_in", &[]);
    ep.domain = "com.microsoft".into();
    let mut a = AttributeProto::new();
    a.name = "ep_cache_context".into();
    a.type_ = AttributeType::STRING.into();
    a.s = b"cache.bin".to_vec();
    ep.attribute.push(a);
    case(
        "EPContext node naming a file",
        recogniser(vec![ep], &[1, 3, SIDE, SIDE]),
        ErrorKind::UnsupportedModel,
        "EPContext",
    );

    // A wide embedding layer: Gemm over 4 Mi inputs (16 MiB of weights): T x C = 400 Mi.
    let wide = 1usize << 22;
    let mut m = ModelProto::parse_from_bytes(&model(
        vec![
            node("Flatten", "flat", &["x"], "f", &[]),
            node("Slice", "pad", &["f", "s0", "s1", "ax"], "fs", &[]),
            node("Gemm", "fc", &["fs", "fw", "fb"], "e", &[A::I("transB", 1)]),
        ],
        vec![tensor("fw", &[1, wide as i64], &vec![0.001; wide]), tensor("fb", &[1], &[0.0])],
        value_info("x", &[1, 3, SIDE, SIDE]),
        value_info("e", &[1, 1]),
    ))
    .unwrap();
    for (name, v) in [("s0", 0i64), ("s1", wide as i64), ("ax", 1)] {
        let mut t = TensorProto::new();
        t.name = name.into();
        t.dims = vec![1];
        t.data_type = onnx_protobuf::tensor_proto::DataType::INT64 as i32;
        t.int64_data = vec![v];
        m.graph.as_mut().unwrap().initializer.push(t);
    }
    case("embedding layer of 4 Mi inputs (head too large)", m, ErrorKind::UnsupportedModel, "too large");
    out
}

/// A model that is finite on the all-zero create-time input and NaN on any
/// other: x_in = x + sqrt(−|x|) (sqrt(−0) = −0; sqrt of a negative is NaN).
pub fn nan_on_real_images() -> Vec<u8> {
    let pre = vec![
        node("Abs", "abs", &["x"], "ax", &[]),
        node("Neg", "neg", &["ax"], "nx", &[]),
        node("Sqrt", "sqrt", &["nx"], "sx", &[]),
        node("Add", "poison", &["x", "sx"], "x_in", &[]),
    ];
    bytes(&recogniser(pre, &[1, 3, SIDE, SIDE]))
}
