//! Head pose from 5 landmarks. Roll is exact: the angle of the eye line.
//! Yaw and pitch come from fitting a 3-D mean face under scaled orthographic
//! projection (Levenberg–Marquardt over yaw, pitch, roll, scale and shift,
//! 10 equations, 6 unknowns). On exact projections of the model the fit
//! returns the angles it was made with; `tests/components.rs` measures the
//! error under perspective and landmark noise.
//!
//! Signs follow ISO/IEC 39794-5 (x towards the camera, y to the subject's
//! left, z up, right-handed): yaw > 0 the face turns to the subject's left
//! (the nose moves to image right), pitch > 0 the face looks down, roll > 0
//! the head tilts to the subject's right shoulder (the eye line rises to image
//! right).

use crate::align::Landmarks;

/// The mean face, in units of the ArcFace 112 template's pixels, camera frame
/// (x to image right, y down, z away from the camera), nose tip at depth 0.
/// x and y: the ArcFace template made left–right symmetric about the eye
/// midpoint, so a frontal template face has yaw, pitch and roll 0. z: the
/// eye centres 16 units (≈ 29 mm at a 63 mm inter-eye distance) and the
/// mouth corners 14 units (≈ 25 mm) behind the nose tip, anthropometric means.
pub const MEAN_FACE: [[f64; 3]; 5] = [
    [-17.6186, 0.0, 16.0],
    [17.6186, 0.0, 16.0],
    [0.0, 20.1377, 0.0],
    [-14.5903, 40.6859, 14.0],
    [14.5903, 40.6859, 14.0],
];

/// Weight of each landmark in the fit: the mouth corners move with the
/// expression (a smile lifts and widens them), so they count less.
const WEIGHTS: [f64; 5] = [1.0, 1.0, 1.0, 0.25, 0.25];

/// Head pose in degrees, ISO/IEC 39794-5 signs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadPose {
    /// Yaw, −90..90.
    pub yaw: f64,
    /// Pitch, −90..90.
    pub pitch: f64,
    /// Roll from the eye line, −180..180.
    pub roll: f64,
}

/// The pose of the face with these landmarks (left eye, right eye, nose,
/// left and right mouth corner, "left" = smaller x). `None` when the eyes
/// coincide or the fit does not give finite angles.
pub fn head_pose(landmarks: &Landmarks) -> Option<HeadPose> {
    let pts: Vec<[f64; 2]> = landmarks.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
    let (dx, dy) = (pts[1][0] - pts[0][0], pts[1][1] - pts[0][1]);
    let ied = dx.hypot(dy);
    if ied.is_nan() || ied <= 1e-6 {
        return None;
    }
    let roll = -dy.atan2(dx).to_degrees();
    // Landmarks centred and in units of their inter-eye distance, the model in
    // units of its own: the fit then starts at scale 1, shift 0.
    let mean = centroid(&pts);
    let obs: Vec<[f64; 2]> = pts.iter().map(|p| [(p[0] - mean[0]) / ied, (p[1] - mean[1]) / ied]).collect();
    let model: Vec<[f64; 3]> = MEAN_FACE.iter().map(|m| m.map(|v| v / (2.0 * MEAN_FACE[1][0]))).collect();
    let mut p = [0.0, 0.0, dy.atan2(dx), 1.0, 0.0, 0.0];
    let mc = centroid(&model.iter().map(|m| [m[0], m[1]]).collect::<Vec<_>>());
    let r = rotate(&p, [mc[0], mc[1], 0.0]);
    (p[4], p[5]) = (-r[0], -r[1]);
    fit(&mut p, &model, &obs);
    let (yaw, pitch) = (-p[0].to_degrees(), p[1].to_degrees());
    let ok = yaw.is_finite() && pitch.is_finite() && yaw.abs() <= 90.0 && pitch.abs() <= 90.0;
    ok.then_some(HeadPose { yaw, pitch, roll })
}

fn centroid(pts: &[[f64; 2]]) -> [f64; 2] {
    let n = pts.len() as f64;
    let s = pts.iter().fold([0.0, 0.0], |a, p| [a[0] + p[0], a[1] + p[1]]);
    [s[0] / n, s[1] / n]
}

/// R·x for R = Rz(roll) · Rx(pitch) · Ry(yaw), camera frame; p = [yaw, pitch, roll, ..].
fn rotate(p: &[f64; 6], x: [f64; 3]) -> [f64; 3] {
    let (sy, cy) = p[0].sin_cos();
    let (sp, cp) = p[1].sin_cos();
    let (sr, cr) = p[2].sin_cos();
    let a = [cy * x[0] + sy * x[2], x[1], -sy * x[0] + cy * x[2]];
    let b = [a[0], cp * a[1] - sp * a[2], sp * a[1] + cp * a[2]];
    [cr * b[0] - sr * b[1], sr * b[0] + cr * b[1], b[2]]
}

/// Scaled orthographic projection of the model points: 10 coordinates.
fn project(p: &[f64; 6], model: &[[f64; 3]]) -> [f64; 10] {
    let mut out = [0.0; 10];
    for (k, m) in model.iter().enumerate() {
        let r = rotate(p, *m);
        out[2 * k] = p[3] * r[0] + p[4];
        out[2 * k + 1] = p[3] * r[1] + p[5];
    }
    out
}

/// Levenberg–Marquardt on the 6 parameters, yaw and pitch kept within ±89°.
fn fit(p: &mut [f64; 6], model: &[[f64; 3]], obs: &[[f64; 2]]) {
    let target: Vec<f64> = obs.iter().flat_map(|o| [o[0], o[1]]).collect();
    let cost = |p: &[f64; 6]| {
        let f = project(p, model);
        (0..10).map(|i| WEIGHTS[i / 2] * (f[i] - target[i]).powi(2)).sum::<f64>()
    };
    let limit = 89f64.to_radians();
    let mut lambda = 1e-3;
    let mut c = cost(p);
    for _ in 0..100 {
        let f0 = project(p, model);
        let mut jac = [[0.0; 6]; 10];
        for j in 0..6 {
            let mut q = *p;
            q[j] += 1e-7;
            let f1 = project(&q, model);
            for i in 0..10 {
                jac[i][j] = (f1[i] - f0[i]) / 1e-7;
            }
        }
        let mut a = [[0.0; 6]; 6];
        let mut g = [0.0; 6];
        for i in 0..10 {
            let (res, w) = (f0[i] - target[i], WEIGHTS[i / 2]);
            for j in 0..6 {
                g[j] -= w * jac[i][j] * res;
                for k in 0..6 {
                    a[j][k] += w * jac[i][j] * jac[i][k];
                }
            }
        }
        for (j, row) in a.iter_mut().enumerate() {
            row[j] *= 1.0 + lambda;
        }
        let Some(step) = solve(a, g) else { return };
        let mut q = *p;
        for j in 0..6 {
            q[j] += step[j];
        }
        q[0] = q[0].clamp(-limit, limit);
        q[1] = q[1].clamp(-limit, limit);
        let cq = cost(&q);
        if cq < c {
            let small = step.iter().all(|s| s.abs() < 1e-10);
            (*p, c, lambda) = (q, cq, lambda * 0.3);
            if small || c < 1e-24 {
                return;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e8 {
                return;
            }
        }
    }
}

/// Solves a·x = b (6×6) by Gaussian elimination with partial pivoting.
fn solve(mut a: [[f64; 6]; 6], mut b: [f64; 6]) -> Option<[f64; 6]> {
    for col in 0..6 {
        let piv = (col..6).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        let pivot_row = a[col];
        for row in col + 1..6 {
            let f = a[row][col] / pivot_row[col];
            for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 6];
    for row in (0..6).rev() {
        let s: f64 = (row + 1..6).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Landmarks of the mean face turned by (yaw, pitch, roll) in ISO signs,
    /// scaled orthographic projection.
    fn posed(yaw: f64, pitch: f64, roll: f64) -> Landmarks {
        let p = [-yaw.to_radians(), pitch.to_radians(), -roll.to_radians(), 3.0, 300.0, 200.0];
        let f = project(&p, &MEAN_FACE);
        std::array::from_fn(|k| [f[2 * k] as f32, f[2 * k + 1] as f32])
    }

    #[test]
    fn exact_projections_come_back() {
        for yaw in [-40.0, -15.0, 0.0, 7.0, 30.0] {
            for pitch in [-25.0, -5.0, 0.0, 12.0, 25.0] {
                let lm = posed(yaw, pitch, 0.0);
                let got = head_pose(&lm).unwrap();
                assert!((got.yaw - yaw).abs() < 0.05 && (got.pitch - pitch).abs() < 0.05, "{yaw} {pitch}: {got:?}");
            }
        }
    }

    #[test]
    fn signs() {
        // Nose to image right of the eye midpoint: turned to the subject's left.
        let mut lm = posed(0.0, 0.0, 0.0);
        lm[2][0] += 5.0;
        assert!(head_pose(&lm).unwrap().yaw > 0.0);
        // Nose lowered towards the mouth: looking down.
        let mut lm = posed(0.0, 0.0, 0.0);
        lm[2][1] += 5.0;
        assert!(head_pose(&lm).unwrap().pitch > 0.0);
        // Right eye higher in the image: roll > 0.
        let mut lm = posed(0.0, 0.0, 0.0);
        lm[1][1] -= 5.0;
        assert!(head_pose(&lm).unwrap().roll > 0.0);
    }
}
