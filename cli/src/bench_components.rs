//! `serfiq bench`: what the quality components of one face cost, beside
//! what scoring the same face costs, measured in the same run on the same
//! faces (the photos given, else the demo photos, at full resolution).

use std::path::PathBuf;

use serde::Serialize;
use serfiq_core::{Face, Model};

use crate::bench_photos::thread_cpu;
use crate::process;

/// Calls per face and round.
const CALLS: usize = 50;

#[derive(Serialize)]
pub struct ComponentCost {
    pub faces: usize,
    /// Median over faces of the thread-CPU ms one `measure` call takes.
    pub components_ms_per_face: f64,
    /// Median over faces of the thread-CPU ms one `score` (landmarks given) takes.
    pub score_ms_per_face: f64,
    /// Median over faces of the thread-CPU ms the landmark refinement takes
    /// (profile key `refine`, on in the enrolment preset), on top of the components.
    pub refine_ms_per_face: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Thread-CPU ms per call of `f`, median of `rounds` rounds of `calls` calls.
fn per_call(rounds: usize, calls: usize, mut f: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    let mut times = Vec::new();
    for _ in 0..rounds {
        let cpu = thread_cpu();
        for _ in 0..calls {
            f()?;
        }
        times.push((thread_cpu() - cpu) * 1e3 / calls as f64);
    }
    Ok(median(times))
}

/// Times the components, the score and the landmark refinement of the largest face of each photo in
/// `inputs` (at most 16); `None` when the model has no detector or no face is found.
pub fn measure(model: &Model, inputs: &[PathBuf], rounds: usize) -> Option<ComponentCost> {
    let detector = model.detector()?;
    let (mut comp, mut score, mut refine) = (Vec::new(), Vec::new(), Vec::new());
    for path in crate::inputs::collect(inputs).images.iter().take(16) {
        let Ok(prep) = process::prepare(path, None) else { continue };
        let Ok(image) = prep.view() else { continue };
        let Ok(a) = model.assess(&Face { image, landmarks: None }) else { continue };
        let Some(d) = a.detection else { continue };
        let face = Face { image, landmarks: Some(a.landmarks) };
        let q100 = a.quality.q100;
        let timed = per_call(rounds, CALLS, || {
            serfiq_core::assess::measure(&image, &a.landmarks, None, q100).map(drop).map_err(|e| e.message)
        })
        .and_then(|c| Ok((c, per_call(rounds, 3, || model.score(&face).map(drop).map_err(|e| e.message))?)))
        .and_then(|(c, s)| {
            Ok((c, s, per_call(rounds, 3, || detector.refine_landmarks(&image, &d).map(drop).map_err(|e| e.message))?))
        });
        if let Ok((c, s, r)) = timed {
            comp.push(c);
            score.push(s);
            refine.push(r);
        }
    }
    (!comp.is_empty()).then(|| ComponentCost {
        faces: comp.len(),
        components_ms_per_face: median(comp),
        score_ms_per_face: median(score),
        refine_ms_per_face: median(refine),
    })
}
