//! Feedback profiles: every threshold the feedback codes use, two named
//! presets, and the "preset;key=value;..." text that overrides any of them.

use crate::error::{fail, ErrorKind, Result};

/// The thresholds behind the feedback codes. Angles in degrees, the rest in
/// the raw unit of the component they test (see `Component::unit`).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The preset the profile started from.
    pub preset: &'static str,
    /// MOVE_CLOSER below this inter-eye distance, px.
    pub min_inter_eye_distance: f64,
    /// MOVE_CLOSER below this head size (T over image height).
    pub min_head_size: f64,
    /// MOVE_BACK above this head size.
    pub max_head_size: f64,
    /// CENTER_FACE when the space left or right of the eyes is below this, in inter-eye distances.
    pub min_side_margin: f64,
    /// CENTER_FACE when the space above the eyes is below this, in T.
    pub min_margin_above: f64,
    /// CENTER_FACE when the space below the eyes is below this, in T.
    pub min_margin_below: f64,
    /// LOOK_STRAIGHT above this |yaw|.
    pub max_yaw: f64,
    /// LOOK_STRAIGHT above this |pitch|.
    pub max_pitch: f64,
    /// STRAIGHTEN_HEAD above this |roll|.
    pub max_roll: f64,
    /// TOO_DARK below this mean luminance (0..1, linear).
    pub min_luminance: f64,
    /// TOO_BRIGHT above this mean luminance.
    pub max_luminance: f64,
    /// TOO_DARK above this share of under-exposed face pixels.
    pub max_underexposed: f64,
    /// TOO_BRIGHT above this share of over-exposed face pixels.
    pub max_overexposed: f64,
    /// UNEVEN_LIGHT below this cheek histogram intersection.
    pub min_uniformity: f64,
    /// BLURRY below this Sharpness value (0–100).
    pub min_sharpness: f64,
    /// MULTIPLE_FACES above this area ratio of the second face to the largest.
    pub max_second_face: f64,
    /// LOW_QUALITY below this q100.
    pub min_q100: f64,
    /// Measure the geometry from landmarks re-detected in a canonical frame
    /// (`Detector::refine_landmarks`) when the detector found the face: more
    /// exact pose and inter-eye distance for two small detector passes more.
    /// Key `refine`, 0 or 1.
    pub refine: bool,
}

/// The preset names, strict first.
pub const PRESETS: [&str; 2] = ["enrolment", "live"];

/// What one threshold is called in profile text, and where it lives.
pub struct Threshold {
    /// Its key in profile text.
    pub key: &'static str,
    /// Reads it (a switch as 0 or 1).
    pub get: fn(&Profile) -> f64,
    set: fn(&mut Profile, f64),
    /// An on/off switch: only 0 and 1 are accepted.
    pub switch: bool,
}

macro_rules! thresholds {
    ($($f:ident),* ; $($s:ident),*) => {
        /// Every threshold, in the order of `Profile`'s fields.
        pub const THRESHOLDS: &[Threshold] = &[$(Threshold {
            key: stringify!($f),
            get: |p| p.$f,
            set: |p, v| p.$f = v,
            switch: false,
        },)* $(Threshold {
            key: stringify!($s),
            get: |p| f64::from(u8::from(p.$s)),
            set: |p, v| p.$s = v != 0.0,
            switch: true,
        }),*];
    };
}

thresholds!(
    min_inter_eye_distance,
    min_head_size,
    max_head_size,
    min_side_margin,
    min_margin_above,
    min_margin_below,
    max_yaw,
    max_pitch,
    max_roll,
    min_luminance,
    max_luminance,
    max_underexposed,
    max_overexposed,
    min_uniformity,
    min_sharpness,
    max_second_face,
    min_q100;
    refine
);

impl Profile {
    /// Strict, for enrolment photos (passport, ID, watch lists). Sources:
    /// ICAO Doc 9303 Part 3 (8th ed. 2021) §3.9 and ISO/IEC 19794-5:2011
    /// Annex D (now ISO/IEC 39794-5 Annex D) for IED ≥ 90 px, pose within
    /// ±5° yaw and pitch and ±8° roll, head height 70–80 % of the photo
    /// (T, eye midpoint to chin, is about half of it: 0.3–0.5 here, with
    /// room for the estimate), the face centred with margin on every side,
    /// even light without shadows or hot spots. ISO/IEC 29794-5:2025 and
    /// OFIQ: the luminance, exposure and margin limits sit where OFIQ's
    /// mappings fall below 50 of 100.
    pub fn enrolment() -> Profile {
        Profile {
            preset: "enrolment",
            min_inter_eye_distance: 90.0,
            min_head_size: 0.3,
            max_head_size: 0.5,
            min_side_margin: 0.9,
            min_margin_above: 1.4,
            min_margin_below: 1.8,
            max_yaw: 5.0,
            max_pitch: 5.0,
            max_roll: 8.0,
            min_luminance: 0.2,
            max_luminance: 0.8,
            max_underexposed: 0.4,
            max_overexposed: 0.05,
            min_uniformity: 0.5,
            min_sharpness: 50.0,
            max_second_face: 0.0,
            min_q100: 20.0,
            refine: true,
        }
    }

    /// Tolerant, for a live camera (kiosk, phone): a face a recogniser can
    /// use, not a passport photo. Pose limits allow for the 5-landmark
    /// estimate's spread (docs/components.md); a face 5 % of the frame tall
    /// is fine when its inter-eye distance is.
    pub fn live() -> Profile {
        Profile {
            preset: "live",
            min_inter_eye_distance: 40.0,
            min_head_size: 0.05,
            max_head_size: 0.9,
            min_side_margin: 0.5,
            min_margin_above: 0.5,
            min_margin_below: 0.9,
            max_yaw: 25.0,
            max_pitch: 25.0,
            max_roll: 15.0,
            min_luminance: 0.08,
            max_luminance: 0.9,
            max_underexposed: 0.7,
            max_overexposed: 0.2,
            min_uniformity: 0.2,
            min_sharpness: 30.0,
            max_second_face: 0.25,
            min_q100: 5.0,
            refine: false,
        }
    }

    /// Parses "preset" or "preset;key=value;...", e.g.
    /// "live;max_yaw=25;min_inter_eye_distance=60". Fails with
    /// `ErrorKind::InvalidArgument` for an unknown preset or key, a value
    /// that is not a finite number ≥ 0, or a key given twice.
    pub fn parse(text: &str) -> Result<Profile> {
        let mut parts = text.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let mut p = match name {
            "enrolment" => Profile::enrolment(),
            "live" => Profile::live(),
            _ => {
                return fail(
                    ErrorKind::InvalidArgument,
                    format!("feedback profile: unknown preset {name:?} (expected one of {})", PRESETS.join(", ")),
                )
            }
        };
        let mut seen = Vec::new();
        for part in parts.filter(|s| !s.is_empty()) {
            let bad = |why: String| fail(ErrorKind::InvalidArgument, format!("feedback profile {text:?}: {why}"));
            let Some((key, value)) = part.split_once('=') else {
                return bad(format!("{part:?} is not key=value"));
            };
            let key = key.trim();
            let Some(t) = THRESHOLDS.iter().find(|t| t.key == key) else {
                let keys: Vec<&str> = THRESHOLDS.iter().map(|t| t.key).collect();
                return bad(format!("unknown key {key:?} (known: {})", keys.join(", ")));
            };
            if seen.contains(&key) {
                return bad(format!("{key} is given twice"));
            }
            seen.push(key);
            match value.trim().parse::<f64>() {
                Ok(v) if t.switch && v != 0.0 && v != 1.0 => return bad(format!("{key} must be 0 or 1, got {v}")),
                Ok(v) if v.is_finite() && v >= 0.0 => (t.set)(&mut p, v),
                _ => return bad(format!("{key} must be a finite number >= 0, got {:?}", value.trim())),
            }
        }
        Ok(p)
    }

    /// The profile as text that `parse` reads back to the same profile.
    pub fn to_text(&self) -> String {
        let mut s = self.preset.to_string();
        for t in THRESHOLDS {
            s.push_str(&format!(";{}={}", t.key, (t.get)(self)));
        }
        s
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::enrolment()
    }
}
