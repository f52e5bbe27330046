//! Scores and embeddings are reproducible bit for bit: across calls, across
//! batch sizes and positions in a batch, and across threads sharing one Model.

mod common;

use common::*;
use serfiq_core::{Face, Model, Options, Want};

/// s and the embedding of one face, as bits.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bits {
    s: u32,
    q: u32,
    emb: Vec<u32>,
}

fn bits(q: serfiq_core::Quality, emb: &[f32]) -> Bits {
    Bits { s: q.s.to_bits(), q: q.q.to_bits(), emb: emb.iter().map(|v| v.to_bits()).collect() }
}

fn single(model: &Model, face: &Face) -> Bits {
    let (q, e) = model.score_embed(face).unwrap();
    bits(q, &e)
}

#[test]
fn one_image_scored_100_times() {
    let model = load(&default_model());
    let faces = test_faces(1);
    let face = faces[0].face();
    let first = single(&model, &face);
    assert_eq!(first.emb.len(), model.embedding_size());
    for i in 1..100 {
        assert!(single(&model, &face) == first, "call {i} differs from the first");
    }
    // Score-only and embedding-only calls give the same bits as the joint call.
    assert_eq!(model.score(&face).unwrap().s.to_bits(), first.s);
    let e: Vec<u32> = model.embed(&face).unwrap().iter().map(|v| v.to_bits()).collect();
    assert!(e == first.emb, "Model::embed differs from the embedding of Model::score_embed");
    // A second Model from the same options (new sessions) agrees too.
    let again = load(&default_model());
    assert!(single(&again, &face) == first, "a second Model gives other bits");
}

#[test]
fn batch_size_and_position_do_not_change_the_result() {
    let model = load(&default_model());
    let pool = test_faces(12);
    let target = &pool[0];
    let want = single(&model, &target.face());
    let others: Vec<Face> = pool[1..].iter().map(|f| f.face()).collect();
    let d = model.embedding_size();
    let mut checked = 0;
    for n in [1usize, 3, 8, 32, 33] {
        let mut positions = vec![0, n / 2, n - 1];
        if n == 33 {
            positions.push(31); // the last face of the first internal chunk (32 a call)
        }
        positions.sort_unstable();
        positions.dedup();
        for &pos in &positions {
            let batch: Vec<Face> =
                (0..n).map(|i| if i == pos { target.face() } else { others[(i * 7 + n) % others.len()] }).collect();
            let out = model.run(&batch, Want::Both).unwrap();
            assert_eq!(out.qualities.len(), n);
            let got = bits(out.qualities[pos], &out.embeddings[pos * d..(pos + 1) * d]);
            assert!(
                got == want,
                "batch of {n}, position {pos}: differs from the single call (s {} vs {})",
                f32::from_bits(got.s),
                f32::from_bits(want.s)
            );
            let emb_only = model.run(&batch, Want::Embedding).unwrap();
            let e: Vec<u32> = emb_only.embeddings[pos * d..(pos + 1) * d].iter().map(|v| v.to_bits()).collect();
            assert!(e == want.emb, "batch of {n}, position {pos}: Want::Embedding differs");
            checked += 1;
        }
    }
    assert_eq!(checked, 14);
}

#[test]
fn four_threads_sharing_one_model() {
    let faces = test_faces(4);
    for max_sessions in [0usize, 4] {
        let opts = Options { max_sessions, ..options(&default_model()) };
        let model = Model::new(&opts).unwrap();
        let want: Vec<Bits> = faces.iter().map(|f| single(&model, &f.face())).collect();
        // Different faces should not collide, or the comparison would prove little.
        assert_ne!(want[0], want[1]);
        let results: Vec<Vec<(usize, Bits)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let (model, faces) = (&model, &faces);
                    scope.spawn(move || {
                        let mut got = Vec::new();
                        for round in 0..6 {
                            let k = (t + round) % faces.len();
                            if round % 2 == 0 {
                                got.push((k, single(model, &faces[k].face())));
                            } else {
                                // A small batch from this thread, in rotated order.
                                let batch: Vec<Face> = (0..3).map(|j| faces[(k + j) % faces.len()].face()).collect();
                                let out = model.run(&batch, Want::Both).unwrap();
                                let d = model.embedding_size();
                                for j in 0..3 {
                                    let q = out.qualities[j];
                                    got.push(((k + j) % faces.len(), bits(q, &out.embeddings[j * d..(j + 1) * d])));
                                }
                            }
                        }
                        got
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut n = 0;
        for (t, got) in results.iter().enumerate() {
            for (k, b) in got {
                assert!(
                    *b == want[*k],
                    "max_sessions {max_sessions}, thread {t}, face {k}: differs from the serial result"
                );
                n += 1;
            }
        }
        assert_eq!(n, 4 * (3 + 3 * 3));
    }
}
