//! ONNX graph surgery: find the embedding layer of a face-recognition model and
//! build one graph that outputs both the embedding and the SER-FIQ score.

use std::collections::HashMap;

use onnx_protobuf::{
    tensor_proto::DataType, tensor_shape_proto::dimension::Value as Dim, type_proto::Value as TypeValue,
    AttributeProto, Message, ModelProto, NodeProto, TensorProto, ValueInfoProto,
};

use crate::error::{fail, Error, ErrorKind, Result};

mod checks;
mod prelu;
mod proto;
mod quality;

pub use checks::{head_size as check_head_size, MAX_EMBEDDING_SIZE, MAX_HEAD_ELEMENTS, MAX_HEAD_MACS, MAX_INPUT_SIDE};

pub use quality::{quality_io, QualityIo};

use proto::{f32_tensor, i64_tensor, node};

/// Name of the score output added to the graph: s per image, shape [N, 1].
pub const SCORE_OUTPUT: &str = "serfiq_s";
/// Name of the norm output added with the head: the L2 norm n of the
/// embedding layer's output for the unmasked tap, shape [N, 1].
pub const NORM_OUTPUT: &str = "serfiq_n";

/// The option callers use to name the embedding layer, quoted in error messages.
const NAME_HINT: &str = "name the embedding layer with the `embedding_layer` option (its node name or output tensor)";

/// The linear layer whose input the stochastic head perturbs, with every affine
/// operation between it and the model output folded in (y = x·W + b).
#[derive(Debug, Clone)]
pub struct EmbeddingLayer {
    /// Node name of the layer (its output name when the node has no name).
    pub node: String,
    /// The tensor feeding the layer: the "tap" the head reads.
    pub tap: String,
    /// Input features C: the length of the tap and of each dropout mask.
    pub in_features: usize,
    /// Output features D: the embedding size.
    pub out_features: usize,
    /// Row-major [in_features, out_features].
    pub weight: Vec<f32>,
    /// `out_features` values (zeros when the layer has no bias).
    pub bias: Vec<f32>,
}

/// What the rest of serfiq needs to know about a model.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    /// Name of the image input.
    pub input_name: String,
    /// Name of the model's first output, the embedding.
    pub output_name: String,
    /// Channels, height and width of one input image (NCHW).
    pub input_chw: [usize; 3],
    /// The embedding layer found (or named), with the affine nodes after it folded in.
    pub layer: EmbeddingLayer,
}

/// Parses ONNX model bytes. Fails with `ErrorKind::ModelInvalid` when they are
/// not a model or its graph has no nodes or no outputs, and with
/// `ErrorKind::UnsupportedModel` when a tensor anywhere in it keeps its data in
/// an external file or it holds an operator serfiq refuses (`Loop`, `EPContext`).
pub fn parse(bytes: &[u8]) -> Result<ModelProto> {
    let model = ModelProto::parse_from_bytes(bytes)
        .map_err(|e| Error::new(ErrorKind::ModelInvalid, format!("not an ONNX model: {e}")))?;
    if model.graph.node.is_empty() || model.graph.output.is_empty() {
        return fail(ErrorKind::ModelInvalid, "the ONNX model has no graph (no nodes or no outputs)");
    }
    checks::self_contained(&model)?;
    Ok(model)
}

/// Reads a constant tensor (initializer or `Constant` node output) as f32.
fn constant(model: &ModelProto, name: &str) -> Option<(Vec<i64>, Result<Vec<f32>>)> {
    let g = &model.graph;
    let t = g.initializer.iter().find(|t| t.name == name).or_else(|| {
        g.node
            .iter()
            .find(|n| n.op_type == "Constant" && n.output.first().map(String::as_str) == Some(name))
            .and_then(|n| n.attribute.iter().find(|a| a.name == "value"))
            .and_then(|a| a.t.as_ref())
    })?;
    Some((t.dims.clone(), tensor_f32(t)))
}

/// A float or double tensor's values as f32. Fails with `ErrorKind::UnsupportedModel`
/// for external data, invalid dimensions or another data type, and with
/// `ErrorKind::ModelInvalid` when the value count does not match the shape.
pub(crate) fn tensor_f32(t: &TensorProto) -> Result<Vec<f32>> {
    let unsupported = |what: &str| fail(ErrorKind::UnsupportedModel, format!("tensor '{}': {what}", t.name));
    if t.data_location.value() == 1 {
        return unsupported("weights stored in external files are not supported; embed them in the model");
    }
    let n = t.dims.iter().try_fold(1usize, |acc, &d| usize::try_from(d).ok().and_then(|d| acc.checked_mul(d)));
    let Some(n) = n else { return unsupported("invalid dimensions") };
    let v: Vec<f32> = match t.data_type {
        x if x == DataType::FLOAT as i32 => {
            if t.raw_data.is_empty() {
                t.float_data.clone()
            } else {
                t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
            }
        }
        x if x == DataType::DOUBLE as i32 => {
            if t.raw_data.is_empty() {
                t.double_data.iter().map(|&d| d as f32).collect()
            } else {
                t.raw_data.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f32).collect()
            }
        }
        other => return unsupported(&format!("data type {other} is not float32/float64")),
    };
    if v.len() != n {
        return fail(
            ErrorKind::ModelInvalid,
            format!("tensor '{}' holds {} values for shape {:?}", t.name, v.len(), t.dims),
        );
    }
    Ok(v)
}

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn attr_i(node: &NodeProto, name: &str, default: i64) -> i64 {
    attr(node, name).map_or(default, |a| a.i)
}

fn attr_f(node: &NodeProto, name: &str, default: f32) -> f32 {
    attr(node, name).map_or(default, |a| a.f)
}

fn node_label(n: &NodeProto) -> String {
    let name = if n.name.is_empty() { n.output.first().cloned().unwrap_or_default() } else { n.name.clone() };
    format!("'{name}' ({})", n.op_type)
}

fn dims_of(v: &ValueInfoProto) -> Option<Vec<Option<i64>>> {
    match v.type_.as_ref()?.value.as_ref()? {
        TypeValue::TensorType(t) => Some(
            t.shape
                .as_ref()?
                .dim
                .iter()
                .map(|d| match d.value {
                    Some(Dim::DimValue(v)) if v > 0 => Some(v),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The image input: the first graph input that is not an initializer.
fn image_input(model: &ModelProto) -> Result<&ValueInfoProto> {
    let g = &model.graph;
    let mut real = g.input.iter().filter(|i| !g.initializer.iter().any(|t| t.name == i.name));
    let input = real.next().ok_or_else(|| Error::new(ErrorKind::ModelInvalid, "the model has no input"))?;
    if real.next().is_some() {
        return fail(
            ErrorKind::UnsupportedModel,
            "the model has more than one input; serfiq needs a single image input",
        );
    }
    Ok(input)
}

/// An affine map per output channel, y = x·a + c, folded into the layer.
struct Affine {
    a: Vec<f32>,
    c: Vec<f32>,
}

/// Broadcasts a constant of 1 or `d` elements to `d`.
fn per_channel(v: &[f32], d: usize, what: &str) -> Result<Vec<f32>> {
    match v.len() {
        1 => Ok(vec![v[0]; d]),
        n if n == d => Ok(v.to_vec()),
        n => fail(ErrorKind::EmbeddingLayerNotFound, format!("{what} has {n} values, expected 1 or {d}; {NAME_HINT}")),
    }
}

/// Inspects `model` and locates its embedding layer (or the one named).
/// Fails with `ErrorKind::UnsupportedModel` when the input is not one [N, 3, H, W]
/// tensor with fixed C, H, W or the output is a scalar, and with
/// `ErrorKind::EmbeddingLayerNotFound` when no usable linear layer is reached
/// walking back from the output.
pub fn inspect(model: &ModelProto, layer_name: Option<&str>) -> Result<ModelInfo> {
    let g = &model.graph;
    let input = image_input(model)?;
    let dims = dims_of(input).unwrap_or_default();
    if dims.len() != 4 || dims[1..].iter().any(Option::is_none) {
        return fail(
            ErrorKind::UnsupportedModel,
            format!("input '{}' must be a float tensor [N, 3, H, W] with fixed C, H, W; it is {dims:?}", input.name),
        );
    }
    let chw = [dims[1].unwrap_or(0) as usize, dims[2].unwrap_or(0) as usize, dims[3].unwrap_or(0) as usize];
    checks::input_sides(&input.name, chw[1], chw[2])?;
    if chw[0] != 3 {
        return fail(
            ErrorKind::UnsupportedModel,
            format!("input '{}' has {} channels; serfiq needs NCHW with 3 colour channels", input.name, chw[0]),
        );
    }
    let Some(output) = g.output.first() else {
        return fail(ErrorKind::UnsupportedModel, "the model has no outputs; serfiq needs an embedding output [N, D]");
    };
    if dims_of(output).is_some_and(|d| d.is_empty()) {
        return fail(
            ErrorKind::UnsupportedModel,
            format!("output '{}' is a scalar (rank 0); serfiq needs an embedding output [N, D]", output.name),
        );
    }
    let output_name = output.name.clone();
    let producer: HashMap<&str, &NodeProto> =
        g.node.iter().flat_map(|n| n.output.iter().map(move |o| (o.as_str(), n))).collect();

    // Walk back from the output through shape-only and affine nodes.
    let mut post: Vec<(&NodeProto, Affine)> = Vec::new();
    let mut cur = output_name.as_str();
    let layer_node = loop {
        let Some(&node) = producer.get(cur) else {
            return fail(
                ErrorKind::EmbeddingLayerNotFound,
                format!(
                    "walking back from output '{output_name}' reached '{cur}', which no node produces; {NAME_HINT}"
                ),
            );
        };
        let named = layer_name.is_some_and(|n| n == node.name || node.output.iter().any(|o| o == n));
        let is_linear = matches!(node.op_type.as_str(), "Gemm" | "MatMul" | "Conv");
        if named || (layer_name.is_none() && is_linear) {
            break node;
        }
        match node.op_type.as_str() {
            "Reshape" | "Flatten" | "Identity" | "Squeeze" | "Unsqueeze" | "Dropout" => {
                cur = node.input.first().map(String::as_str).unwrap_or("");
            }
            "BatchNormalization" | "Add" | "Sub" | "Mul" | "Div" => {
                let (x, f) = affine_of(model, node)?;
                post.push((node, f));
                cur = x;
            }
            _ => {
                let why = if layer_name.is_some() {
                    format!("the layer named {:?} was not reached", layer_name.unwrap_or_default())
                } else {
                    "no Gemm, MatMul or 1x1 Conv was found".to_string()
                };
                return fail(
                    ErrorKind::EmbeddingLayerNotFound,
                    format!(
                        "walking back from output '{output_name}', serfiq cannot see through node {} and {why}; {NAME_HINT}",
                        node_label(node)
                    ),
                );
            }
        }
    };
    let mut layer = linear_layer(model, layer_node)?;
    // Fold in the affine nodes in the order they run (the walk collected them backwards).
    for (node, f) in post.iter().rev() {
        let d = layer.out_features;
        let a = per_channel(&f.a, d, &node_label(node))?;
        let c = per_channel(&f.c, d, &node_label(node))?;
        for row in layer.weight.chunks_exact_mut(d) {
            row.iter_mut().zip(&a).for_each(|(w, a)| *w *= a);
        }
        for j in 0..d {
            layer.bias[j] = layer.bias[j] * a[j] + c[j];
        }
    }
    Ok(ModelInfo { input_name: input.name.clone(), output_name, input_chw: chw, layer })
}

/// For an affine node with one constant operand: the other (data) input and the map.
fn affine_of<'m>(model: &'m ModelProto, node: &'m NodeProto) -> Result<(&'m str, Affine)> {
    let label = node_label(node);
    let const_of = |name: &str| -> Result<Option<Vec<f32>>> {
        match constant(model, name) {
            Some((_, v)) => v.map(Some),
            None => Ok(None),
        }
    };
    let input = |i: usize| node.input.get(i).map(String::as_str).unwrap_or("");
    if node.op_type == "BatchNormalization" {
        let get = |i: usize| {
            const_of(input(i))?.ok_or_else(|| {
                Error::new(
                    ErrorKind::EmbeddingLayerNotFound,
                    format!("{label} has a non-constant parameter; {NAME_HINT}"),
                )
            })
        };
        let (scale, bias, mean, var) = (get(1)?, get(2)?, get(3)?, get(4)?);
        let eps = attr_f(node, "epsilon", 1e-5);
        if scale.len() != bias.len() || scale.len() != mean.len() || scale.len() != var.len() {
            return fail(ErrorKind::ModelInvalid, format!("{label} has parameters of different lengths"));
        }
        let a: Vec<f32> = scale.iter().zip(&var).map(|(s, v)| s / (v + eps).sqrt()).collect();
        let c = bias.iter().zip(&mean).zip(&a).map(|((b, m), a)| b - m * a).collect();
        return Ok((input(0), Affine { a, c }));
    }
    let (k0, k1) = (const_of(input(0))?, const_of(input(1))?);
    let (x, k, const_first) = match (k0, k1) {
        (None, Some(k)) => (input(0), k, false),
        (Some(k), None) => (input(1), k, true),
        _ => {
            return fail(
                ErrorKind::EmbeddingLayerNotFound,
                format!("{label} after the embedding does not have exactly one constant operand; {NAME_HINT}"),
            )
        }
    };
    let ones = vec![1.0; k.len()];
    let zeros = vec![0.0; k.len()];
    let f = match (node.op_type.as_str(), const_first) {
        ("Add", _) => Affine { a: ones, c: k },
        ("Sub", false) => Affine { a: ones, c: k.iter().map(|v| -v).collect() },
        ("Sub", true) => Affine { a: vec![-1.0; k.len()], c: k },
        ("Mul", _) => Affine { a: k, c: zeros },
        ("Div", false) => Affine { a: k.iter().map(|v| 1.0 / v).collect(), c: zeros },
        _ => {
            return fail(ErrorKind::EmbeddingLayerNotFound, format!("{label} is not affine in its input; {NAME_HINT}"))
        }
    };
    Ok((x, f))
}

/// Reads the weights of a Gemm, MatMul or 1×1 Conv as x·W + b.
fn linear_layer(model: &ModelProto, node: &NodeProto) -> Result<EmbeddingLayer> {
    let label = node_label(node);
    let not_linear =
        |why: &str| fail(ErrorKind::EmbeddingLayerNotFound, format!("embedding layer {label}: {why}; {NAME_HINT}"));
    let input = |i: usize| node.input.get(i).map(String::as_str).unwrap_or("");
    let weight = match constant(model, input(1)) {
        Some((dims, v)) => (dims, v?),
        None => return not_linear("its weight is not a constant"),
    };
    let bias = match node.input.get(2).filter(|s| !s.is_empty()) {
        Some(name) => match constant(model, name) {
            Some((_, v)) => Some(v?),
            None => return not_linear("its bias is not a constant"),
        },
        None => None,
    };
    let (dims, w) = weight;
    // Normalise to W as [in, out] row-major and a scale for W and for the bias.
    let (cin, cout, wt, w_scale, b_scale) = match node.op_type.as_str() {
        "Conv" => {
            if dims.len() != 4 || dims[2] != 1 || dims[3] != 1 || attr_i(node, "group", 1) != 1 {
                return not_linear("only a 1x1 Conv with group 1 can be the embedding layer");
            }
            let (o, i) = (dims[0] as usize, dims[1] as usize);
            (i, o, transpose(&w, o, i), 1.0, 1.0)
        }
        "Gemm" => {
            if dims.len() != 2 || attr_i(node, "transA", 0) != 0 {
                return not_linear("Gemm with transA or a non-2-D weight");
            }
            let (r, c) = (dims[0] as usize, dims[1] as usize);
            let (alpha, beta) = (attr_f(node, "alpha", 1.0), attr_f(node, "beta", 1.0));
            if attr_i(node, "transB", 0) != 0 {
                (c, r, transpose(&w, r, c), alpha, beta)
            } else {
                (r, c, w, alpha, beta)
            }
        }
        "MatMul" => {
            if dims.len() != 2 {
                return not_linear("MatMul weight is not 2-D");
            }
            (dims[0] as usize, dims[1] as usize, w, 1.0, 1.0)
        }
        _ => return not_linear("it is not a Gemm, MatMul or 1x1 Conv"),
    };
    let bias = match bias {
        Some(b) => per_channel(&b, cout, &format!("bias of {label}"))?.iter().map(|v| v * b_scale).collect(),
        None => vec![0.0; cout],
    };
    let node_name =
        if node.name.is_empty() { node.output.first().cloned().unwrap_or_default() } else { node.name.clone() };
    Ok(EmbeddingLayer {
        node: node_name,
        tap: input(0).to_string(),
        in_features: cin,
        out_features: cout,
        weight: wt.iter().map(|v| v * w_scale).collect(),
        bias,
    })
}

/// Transposes a row-major [rows, cols] matrix.
fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; m.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = m[r * cols + c];
        }
    }
    t
}

fn set_batch_dynamic(v: &mut ValueInfoProto) {
    if let Some(TypeValue::TensorType(t)) = v.type_.as_mut().and_then(|t| t.value.as_mut()) {
        if let Some(d) = t.shape.as_mut().and_then(|s| s.dim.first_mut()) {
            d.value = Some(Dim::DimParam("N".to_string()));
        }
    }
}

/// The stochastic head to add: T and its fixed masks.
pub struct HeadSpec<'a> {
    /// Stochastic samples T.
    pub samples: usize,
    /// Row-major [samples, in_features], see `masks::dropout_masks`.
    pub masks: &'a [f32],
}

/// Rewrites `model` in place: a dynamic batch axis, subnormal weights flushed to
/// zero, PRelu made branch-free (`prelu`), and (with `head`) the SER-FIQ head added as output [`SCORE_OUTPUT`].
/// Returns the serialised model. Fails with `ErrorKind::UnsupportedModel` for an opset below 7.
pub fn build(model: &mut ModelProto, info: &ModelInfo, head: Option<&HeadSpec>) -> Result<Vec<u8>> {
    let opset =
        model.opset_import.iter().filter(|o| o.domain.is_empty() || o.domain == "ai.onnx").map(|o| o.version).max();
    if opset.unwrap_or(0) < 7 {
        return fail(
            ErrorKind::UnsupportedModel,
            format!("ONNX opset {opset:?} is too old; serfiq needs opset 7 or newer"),
        );
    }
    let g = model.graph.mut_or_insert_default();
    // Intermediate shapes recorded with batch 1 would contradict a dynamic batch.
    g.value_info.clear();
    for v in g.input.iter_mut().filter(|v| v.name == info.input_name).chain(g.output.iter_mut()) {
        set_batch_dynamic(v);
    }
    // Reshape targets that hard-code batch 1 as their first entry copy the batch instead (0).
    let mut fixed = Vec::new();
    for (i, n) in g.node.iter_mut().enumerate() {
        if n.op_type != "Reshape" || n.input.len() < 2 {
            continue;
        }
        let shape = g.initializer.iter().find(|t| t.name == n.input[1]).map(|t| (t.dims.clone(), read_i64(t)));
        if let Some((dims, Some(mut v))) = shape {
            if dims.len() == 1 && v.len() >= 2 && v[0] == 1 {
                v[0] = 0;
                let name = format!("serfiq/reshape_shape_{i}");
                fixed.push(i64_tensor(&name, &v));
                n.input[1] = name;
            }
        }
    }
    g.initializer.extend(fixed);
    for t in g.initializer.iter_mut() {
        flush_subnormals(t);
    }
    prelu::rewrite(g);
    if let Some(h) = head {
        add_head(g, &info.layer, h)?;
    }
    model
        .write_to_bytes()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("could not serialise the rewritten model: {e}")))
}

fn read_i64(t: &TensorProto) -> Option<Vec<i64>> {
    if t.data_type != DataType::INT64 as i32 {
        return None;
    }
    if t.raw_data.is_empty() {
        Some(t.int64_data.clone())
    } else {
        Some(t.raw_data.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8]))).collect())
    }
}

/// Subnormal float weights make CPU kernels crawl; their value is below any effect.
fn flush_subnormals(t: &mut TensorProto) {
    if t.data_type != DataType::FLOAT as i32 {
        return;
    }
    for v in t.float_data.iter_mut() {
        if v.is_subnormal() {
            *v = 0.0;
        }
    }
    for b in t.raw_data.chunks_exact_mut(4) {
        if f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_subnormal() {
            b.copy_from_slice(&0f32.to_le_bytes());
        }
    }
}

/// Appends the stochastic head: T masked copies of the tap through the folded
/// layer, L2-normalised, mean pairwise distance, s = 2·sigmoid(−mean).
fn add_head(g: &mut onnx_protobuf::GraphProto, layer: &EmbeddingLayer, h: &HeadSpec) -> Result<()> {
    let (t, c, d) = (h.samples, layer.in_features, layer.out_features);
    if h.masks.len() != t * c {
        return fail(ErrorKind::Internal, "mask size does not match the embedding layer");
    }
    // Mean over off-diagonal pairs as one weighted sum over the T×T distance matrix.
    let pair_w: Vec<f32> = (0..t * t).map(|k| if k / t == k % t { 0.0 } else { 1.0 / (t * (t - 1)) as f32 }).collect();
    let p = |s: &str| format!("serfiq/{s}");
    g.initializer.extend([
        i64_tensor(&p("shape_n1c"), &[0, 1, -1]),
        i64_tensor(&p("shape_ntt"), &[0, (t * t) as i64]),
        i64_tensor(&p("shape_n1"), &[0, 1]),
        f32_tensor(&p("masks"), &[t as i64, c as i64], h.masks),
        f32_tensor(&p("weight"), &[c as i64, d as i64], &layer.weight),
        f32_tensor(&p("bias"), &[d as i64], &layer.bias),
        f32_tensor(&p("ones_d"), &[d as i64, 1], &vec![1.0; d]),
        f32_tensor(&p("tiny"), &[1], &[1e-12]),
        f32_tensor(&p("minus_two"), &[1], &[-2.0]),
        f32_tensor(&p("two"), &[1], &[2.0]),
        f32_tensor(&p("minus_one"), &[1], &[-1.0]),
        f32_tensor(&p("pair_weights"), &[(t * t) as i64, 1], &pair_w),
    ]);
    let mut transpose = node("Transpose", &[&p("unit")], &p("unit_t"));
    let mut perm = AttributeProto::new();
    perm.name = "perm".into();
    perm.type_ = onnx_protobuf::attribute_proto::AttributeType::INTS.into();
    perm.ints = vec![0, 2, 1];
    transpose.attribute.push(perm);
    g.node.extend([
        node("Reshape", &[&layer.tap, &p("shape_n1c")], &p("x")), // [N,1,C]
        node("Mul", &[&p("x"), &p("masks")], &p("x_masked")),     // [N,T,C]
        node("MatMul", &[&p("x_masked"), &p("weight")], &p("xw")), // [N,T,D]
        node("Add", &[&p("xw"), &p("bias")], &p("emb")),
        node("Mul", &[&p("emb"), &p("emb")], &p("emb_sq")),
        node("MatMul", &[&p("emb_sq"), &p("ones_d")], &p("sum_sq")), // [N,T,1]
        node("Add", &[&p("sum_sq"), &p("tiny")], &p("sum_sq_eps")),
        node("Sqrt", &[&p("sum_sq_eps")], &p("norm")),
        node("Div", &[&p("emb"), &p("norm")], &p("unit")),
        transpose,
        node("MatMul", &[&p("unit"), &p("unit_t")], &p("gram")), // [N,T,T]
        node("Mul", &[&p("gram"), &p("minus_two")], &p("gram_m2")),
        node("Add", &[&p("gram_m2"), &p("two")], &p("dist_sq")),
        node("Relu", &[&p("dist_sq")], &p("dist_sq_pos")),
        node("Sqrt", &[&p("dist_sq_pos")], &p("dist")),
        node("Reshape", &[&p("dist"), &p("shape_ntt")], &p("dist_flat")),
        node("MatMul", &[&p("dist_flat"), &p("pair_weights")], &p("mean_dist")), // [N,1]
        node("Mul", &[&p("mean_dist"), &p("minus_one")], &p("neg_mean")),
        node("Sigmoid", &[&p("neg_mean")], &p("sig")),
        node("Mul", &[&p("sig"), &p("two")], SCORE_OUTPUT),
        // n: the same layer once on the unmasked tap (1/T of the masked MatMul's cost).
        node("MatMul", &[&p("x"), &p("weight")], &p("x0w")), // [N,1,D]
        node("Add", &[&p("x0w"), &p("bias")], &p("emb0")),
        node("Mul", &[&p("emb0"), &p("emb0")], &p("emb0_sq")),
        node("MatMul", &[&p("emb0_sq"), &p("ones_d")], &p("sum_sq0")), // [N,1,1]
        node("Sqrt", &[&p("sum_sq0")], &p("norm0")),
        node("Reshape", &[&p("norm0"), &p("shape_n1")], NORM_OUTPUT), // [N,1]
    ]);
    let mut out = g.output[0].clone();
    out.name = SCORE_OUTPUT.to_string();
    out.doc_string = "SER-FIQ raw quality s per image".to_string();
    if let Some(TypeValue::TensorType(tt)) = out.type_.as_mut().and_then(|t| t.value.as_mut()) {
        tt.elem_type = DataType::FLOAT as i32;
        if let Some(shape) = tt.shape.as_mut() {
            // [N, 1], whatever rank the embedding output has (`inspect` refuses rank 0).
            shape.dim.truncate(1);
            let mut one = shape.dim.first().cloned().unwrap_or_default();
            one.value = Some(Dim::DimValue(1));
            shape.dim.push(one);
        }
    }
    let mut norm = out.clone();
    norm.name = NORM_OUTPUT.to_string();
    norm.doc_string = "L2 norm of the embedding layer's output, unmasked, per image".to_string();
    g.output.push(out);
    g.output.push(norm);
    Ok(())
}
