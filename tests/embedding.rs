//! The embedding serfiq returns is the recognition model's own output: the
//! unmodified model, run here in a plain ONNX Runtime session on a tensor
//! prepared here, gives the same vector (max |Δ| ≤ 1e-5).

mod common;

use std::path::Path;

use common::*;
use serfiq_core::Want;

const TOL: f32 = 1e-5;

/// Compares Model::embed and Model::score_embed with the original model on `n` faces.
fn check_against_original(model_path: &Path, input_name: &str, dim: usize) {
    let model = load(model_path);
    assert_eq!(model.embedding_size(), dim);
    let original = std::fs::read(model_path).unwrap();
    let output_name = {
        use onnx_protobuf::Message;
        onnx_protobuf::ModelProto::parse_from_bytes(&original).unwrap().graph.output[0].name.clone()
    };
    // Aligned crops, and a photo aligned by its landmarks inside serfiq.
    for f in test_faces(2).into_iter().chain(demo_faces(1)) {
        let tensor = face_tensor(&f);
        let want = run_onnx(&original, input_name, [1, 3, 112, 112], &tensor, &[&output_name]).remove(0);
        assert_eq!(want.len(), dim);
        // The reference must be a real embedding, not zeros.
        assert!(want.iter().map(|v| v.abs()).sum::<f32>() > 1e-3, "{}: the original model gave zeros", f.name);

        let embedded = model.embed(&f.face()).unwrap();
        let (q, scored) = model.score_embed(&f.face()).unwrap();
        let (d1, d2) = (max_abs_diff(&embedded, &want), max_abs_diff(&scored, &want));
        println!("{} {}: embed max|Δ| {d1:e}, score_embed max|Δ| {d2:e}, s {}", model_path.display(), f.name, q.s);
        assert!(d1 <= TOL, "{}: Model::embed differs from the original model by {d1}", f.name);
        assert!(d2 <= TOL, "{}: Model::score_embed differs from the original model by {d2}", f.name);
    }
}

#[test]
fn default_model_embedding_is_the_model_output() {
    check_against_original(&default_model(), "input", 512);
}

#[test]
fn kenneth_128d_embedding_is_the_model_output() {
    let Some(p) = shared_data("models/recognize/kenneth_mobilefacenet_128.onnx") else { return };
    check_against_original(&p, "x", 128);
}

/// A batch gives what the faces give one at a time, for every `Want`.
#[test]
fn batch_of_five_equals_one_at_a_time() {
    let model = load(&default_model());
    let faces = test_faces(5);
    let views: Vec<_> = faces.iter().map(|f| f.face()).collect();
    let d = model.embedding_size();

    let both = model.run(&views, Want::Both).unwrap();
    assert_eq!(both.embeddings.len(), 5 * d);
    assert_eq!(both.qualities.len(), 5);
    let emb_only = model.run(&views, Want::Embedding).unwrap();
    assert_eq!(emb_only.embeddings.len(), 5 * d);
    assert!(emb_only.qualities.is_empty(), "Want::Embedding returned qualities");
    let score_only = model.run(&views, Want::Score).unwrap();
    assert_eq!(score_only.qualities.len(), 5);
    assert!(score_only.embeddings.is_empty(), "Want::Score returned embeddings");

    for (i, f) in faces.iter().enumerate() {
        let (q, e) = model.score_embed(&f.face()).unwrap();
        let row = &both.embeddings[i * d..(i + 1) * d];
        assert_eq!(row, &e[..], "face {i} ({}): batched embedding differs from the single one", f.name);
        assert_eq!(both.qualities[i], q, "face {i} ({}): batched quality differs from the single one", f.name);
        assert_eq!(score_only.qualities[i], q, "face {i} ({}): Want::Score differs from Want::Both", f.name);
        let plain = &emb_only.embeddings[i * d..(i + 1) * d];
        let diff = max_abs_diff(plain, row);
        assert!(diff <= TOL, "face {i}: Want::Embedding and Want::Both embeddings differ by {diff}");
    }
    // The faces are different people or photos: their embeddings must differ.
    assert_ne!(&both.embeddings[..d], &both.embeddings[d..2 * d]);
}
