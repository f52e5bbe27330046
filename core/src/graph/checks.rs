//! What a model may hold before serfiq hands it to ONNX Runtime: every tensor
//! inside the file (no external data), no unbounded loop, and sizes that
//! bound what a create and an inference allocate.

use onnx_protobuf::{AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto};

use super::EmbeddingLayer;
use crate::error::{fail, ErrorKind, Result};

/// Largest input side (height or width) of a recognition model: face
/// recognition inputs are 112–512 pixels; 1024 bounds one image's tensor to 12 MiB.
pub const MAX_INPUT_SIDE: usize = 1024;
/// Largest embedding size D.
pub const MAX_EMBEDDING_SIZE: usize = 1 << 16;
/// Largest T × C: the dropout masks and the masked copies of one image's
/// embedding-layer input (2^25 floats = 128 MiB; ArcFace ResNet-100, C = 25088,
/// fits with T = 1000).
pub const MAX_HEAD_ELEMENTS: usize = 1 << 25;
/// Largest T × C × D: the head's multiply-adds per image (2^34 ≈ 17 G, about
/// ten times the backbone of a ResNet-100).
pub const MAX_HEAD_MACS: u64 = 1 << 34;

/// Ops serfiq refuses anywhere in a model. `Loop` can run for as many trips as
/// a tensor says (a create-time check would never return); `EPContext` nodes
/// can name a file for ONNX Runtime to read.
const REFUSED_OPS: [&str; 2] = ["Loop", "EPContext"];

const INLINE_HINT: &str = "serfiq reads single-file models only; save the model with its data inside, e.g. in Python `onnx.save_model(onnx.load(path), out_path, save_as_external_data=False)`";

/// Refuses tensors whose data lives outside the model bytes, in every place a
/// tensor can be: initializers, sparse initializers, node attributes (a
/// `Constant`'s value included), subgraphs of `If`/`Scan`, functions and
/// training graphs; and refuses [`REFUSED_OPS`] in the same places.
pub(crate) fn self_contained(model: &ModelProto) -> Result<()> {
    if let Some(g) = model.graph.as_ref() {
        graph(g)?;
    }
    for f in &model.functions {
        nodes(&f.node, &format!("function '{}'", f.name))?;
        for a in &f.attribute_proto {
            attribute(a, &format!("function '{}'", f.name))?;
        }
    }
    for t in &model.training_info {
        for g in t.initialization.as_ref().into_iter().chain(t.algorithm.as_ref()) {
            graph(g)?;
        }
    }
    Ok(())
}

fn graph(g: &GraphProto) -> Result<()> {
    let place = if g.name.is_empty() { "the graph".to_string() } else { format!("graph '{}'", g.name) };
    for t in &g.initializer {
        tensor(t, &place)?;
    }
    for s in &g.sparse_initializer {
        for t in s.values.as_ref().into_iter().chain(s.indices.as_ref()) {
            tensor(t, &place)?;
        }
    }
    nodes(&g.node, &place)
}

fn nodes(list: &[NodeProto], place: &str) -> Result<()> {
    for n in list {
        if REFUSED_OPS.contains(&n.op_type.as_str()) {
            let why = if n.op_type == "Loop" {
                "its number of trips cannot be bounded before it runs"
            } else {
                "it can make ONNX Runtime read a file named in the model"
            };
            return fail(
                ErrorKind::UnsupportedModel,
                format!("node '{}' in {place} is a {} operator, which serfiq refuses: {why}", n.name, n.op_type),
            );
        }
        for a in &n.attribute {
            attribute(a, &format!("node '{}' in {place}", n.name))?;
        }
    }
    Ok(())
}

fn attribute(a: &AttributeProto, place: &str) -> Result<()> {
    let sparse = a.sparse_tensor.as_ref().into_iter().chain(&a.sparse_tensors);
    let tensors = a.t.as_ref().into_iter().chain(&a.tensors);
    for t in tensors.chain(sparse.flat_map(|s| s.values.as_ref().into_iter().chain(s.indices.as_ref()))) {
        tensor(t, &format!("attribute '{}' of {place}", a.name))?;
    }
    for g in a.g.as_ref().into_iter().chain(&a.graphs) {
        graph(g)?;
    }
    Ok(())
}

fn tensor(t: &TensorProto, place: &str) -> Result<()> {
    // 0 is DEFAULT (data inside the tensor); 1 is EXTERNAL, and any other value
    // is unknown to serfiq, so it is refused too.
    if t.data_location.value() != 0 || !t.external_data.is_empty() {
        let location = t.external_data.iter().find(|e| e.key == "location").map(|e| e.value.as_str());
        return fail(
            ErrorKind::UnsupportedModel,
            format!(
                "tensor '{}' in {place} keeps its data outside the model (external data{}); {INLINE_HINT}",
                t.name,
                location.map(|l| format!(" in {l:?}")).unwrap_or_default()
            ),
        );
    }
    Ok(())
}

/// Refuses an input side over [`MAX_INPUT_SIDE`].
pub(crate) fn input_sides(name: &str, h: usize, w: usize) -> Result<()> {
    if h > MAX_INPUT_SIDE || w > MAX_INPUT_SIDE {
        return fail(
            ErrorKind::UnsupportedModel,
            format!("input '{name}' is {w}x{h}; serfiq takes recognition models with sides up to {MAX_INPUT_SIDE}"),
        );
    }
    Ok(())
}

/// Refuses an embedding layer or a head (T samples of it) too large to build
/// or run within the documented bounds, before anything of that size is allocated.
pub fn head_size(layer: &EmbeddingLayer, samples: usize) -> Result<()> {
    let (c, d) = (layer.in_features, layer.out_features);
    if c == 0 || d == 0 {
        return fail(
            ErrorKind::UnsupportedModel,
            format!("embedding layer '{}' has {c} inputs and {d} outputs; both must be at least 1", layer.node),
        );
    }
    if d > MAX_EMBEDDING_SIZE {
        return fail(
            ErrorKind::UnsupportedModel,
            format!("embedding layer '{}' has {d} outputs; serfiq takes embeddings up to {MAX_EMBEDDING_SIZE}", layer.node),
        );
    }
    let elements = samples.checked_mul(c);
    let macs = (samples as u64).checked_mul(c as u64).and_then(|e| e.checked_mul(d as u64));
    if elements.is_none_or(|e| e > MAX_HEAD_ELEMENTS) || macs.is_none_or(|m| m > MAX_HEAD_MACS) {
        return fail(
            ErrorKind::UnsupportedModel,
            format!(
                "the SER-FIQ head for embedding layer '{}' ({c} inputs, {d} outputs) with T = {samples} samples is too large: T x inputs must be at most {MAX_HEAD_ELEMENTS} and T x inputs x outputs at most {MAX_HEAD_MACS} (lower the samples option, or name a narrower embedding layer)",
                layer.node
            ),
        );
    }
    Ok(())
}
