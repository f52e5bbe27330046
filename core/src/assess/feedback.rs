//! Feedback codes from components, the faces found and a profile.

use super::{Component as C, Components, Feedback as F, Profile};

/// The feedback set (bit k = code k) for one face with `components`, in a
/// picture where `faces` faces were found, under `profile`. `None` (no face
/// measured) raises NO_FACE alone. A component that is not assessed (NaN)
/// raises nothing. MULTIPLE_FACES is raised when `faces` > 1 and
/// SingleFacePresent is above the profile's limit (or not assessed).
pub fn feedback(components: Option<&Components>, faces: usize, profile: &Profile) -> u64 {
    let Some(c) = components else { return F::NoFace.bit() };
    if faces == 0 {
        return F::NoFace.bit();
    }
    let raw = |k: C| c.raw(k) as f64;
    // NaN compares false: a component not assessed raises nothing.
    let below = |k: C, limit: f64| raw(k) < limit;
    let above = |k: C, limit: f64| raw(k) > limit;
    let p = profile;
    let second = raw(C::SingleFacePresent);
    let rules = [
        (F::MultipleFaces, faces > 1 && (second.is_nan() || second > p.max_second_face)),
        (F::MoveCloser, below(C::InterEyeDistance, p.min_inter_eye_distance) || below(C::HeadSize, p.min_head_size)),
        (F::MoveBack, above(C::HeadSize, p.max_head_size)),
        (
            F::CenterFace,
            below(C::LeftwardCropOfTheFaceImage, p.min_side_margin)
                || below(C::RightwardCropOfTheFaceImage, p.min_side_margin)
                || below(C::MarginAboveOfTheFaceImage, p.min_margin_above)
                || below(C::MarginBelowOfTheFaceImage, p.min_margin_below),
        ),
        (F::LookStraight, raw(C::HeadPoseYaw).abs() > p.max_yaw || raw(C::HeadPosePitch).abs() > p.max_pitch),
        (F::StraightenHead, raw(C::HeadPoseRoll).abs() > p.max_roll),
        (F::TooDark, below(C::LuminanceMean, p.min_luminance) || above(C::UnderExposurePrevention, p.max_underexposed)),
        (F::TooBright, above(C::LuminanceMean, p.max_luminance) || above(C::OverExposurePrevention, p.max_overexposed)),
        (F::UnevenLight, below(C::IlluminationUniformity, p.min_uniformity)),
        (F::Blurry, (c.value(C::Sharpness) as f64) < p.min_sharpness),
        (F::LowQuality, below(C::UnifiedQualityScore, p.min_q100)),
    ];
    rules.iter().filter(|(_, on)| *on).fold(0, |bits, (f, _)| bits | f.bit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_raises_its_code() {
        let p = Profile::live();
        let mut c = Components::empty();
        assert_eq!(feedback(Some(&c), 1, &p), 0, "nothing assessed, nothing raised");
        assert_eq!(feedback(None, 0, &p), F::NoFace.bit());
        c.set(C::InterEyeDistance, 10.0, 0.0);
        c.set(C::HeadPoseRoll, -30.0, 0.0);
        c.set(C::LuminanceMean, 0.01, 0.0);
        let got: Vec<F> = F::in_set(feedback(Some(&c), 2, &p)).collect();
        assert_eq!(got, [F::MultipleFaces, F::MoveCloser, F::StraightenHead, F::TooDark]);
    }
}
