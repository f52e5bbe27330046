//! Why a face is good or bad: ISO/IEC 29794-5 quality components measured on
//! the face region of the full-resolution image, and feedback codes a person
//! can act on, under a [`Profile`] of thresholds.
//!
//! Components and codes are tables with stable ids (append only), so they
//! cross the C ABI as arrays: a new component needs no binding change.
//! `docs/components.md` lists every component, how it is measured and where
//! serfiq differs from OFIQ, the standard's reference implementation.

mod components;
mod feedback;
mod pose;
mod profile;

pub use components::{measure, T_PER_EYE_MOUTH};
pub use feedback::feedback;
pub use pose::{head_pose, HeadPose, MEAN_FACE};
pub use profile::{Profile, Threshold, PRESETS, THRESHOLDS};

use crate::align::Landmarks;
use crate::detect::Detection;
use crate::error::Result;
use crate::run::{Face, Quality, Route, Want};
use crate::Model;

/// Capacity of the component arrays; every id is below it.
pub const MAX_COMPONENTS: usize = 32;

/// A quality component (ISO/IEC 29794-5 name), by stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Component {
    /// q100, the percentile of SER-FIQ's quality (serfiq's unified score).
    UnifiedQualityScore = 0,
    /// Distance between the eye centres, px.
    InterEyeDistance = 1,
    /// Yaw, degrees, ISO/IEC 39794-5 sign (> 0: face turned to the subject's left).
    HeadPoseYaw = 2,
    /// Pitch, degrees (> 0: looking down).
    HeadPosePitch = 3,
    /// Roll, degrees, exact from the eye line (> 0: eye line rising to image right).
    HeadPoseRoll = 4,
    /// Space left of the face: eye centre nearest the left border to that border, in inter-eye distances.
    LeftwardCropOfTheFaceImage = 5,
    /// Space right of the face, in inter-eye distances.
    RightwardCropOfTheFaceImage = 6,
    /// Space above the eye midpoint, in units of T (eye midpoint to chin).
    MarginAboveOfTheFaceImage = 7,
    /// Space below the eye midpoint, in units of T.
    MarginBelowOfTheFaceImage = 8,
    /// T over the image height.
    HeadSize = 9,
    /// Mean relative luminance of the face region, 0..1.
    LuminanceMean = 10,
    /// Variance of that luminance.
    LuminanceVariance = 11,
    /// Share of face-region pixels of luminance ≤ 25/255.
    UnderExposurePrevention = 12,
    /// Share of face-region pixels of luminance ≥ 247/255.
    OverExposurePrevention = 13,
    /// Entropy of the face region's luminance histogram, bits.
    DynamicRange = 14,
    /// Histogram intersection of the two cheek zones' luminance, 0..1.
    IlluminationUniformity = 15,
    /// Distance of the cheeks' mean CIELAB (a*, b*) from the skin range.
    NaturalColour = 16,
    /// Mean squared Laplacian of the face region's luma, at the image's pixel scale.
    Sharpness = 17,
    /// Second-largest face's box area over the largest's, 0..1.
    SingleFacePresent = 18,
    /// Not assessed (needs a network serfiq does not have).
    EyesOpen = 19,
    /// Not assessed.
    MouthClosed = 20,
    /// Not assessed.
    EyesVisible = 21,
    /// Not assessed.
    MouthOcclusionPrevention = 22,
    /// Not assessed.
    FaceOcclusionPrevention = 23,
    /// Not assessed.
    NoHeadCoverings = 24,
    /// Not assessed.
    ExpressionNeutrality = 25,
    /// Not assessed.
    BackgroundUniformity = 26,
}

use Component as C;

impl Component {
    /// Every component, in id order.
    pub const ALL: [Component; 27] = [
        C::UnifiedQualityScore,
        C::InterEyeDistance,
        C::HeadPoseYaw,
        C::HeadPosePitch,
        C::HeadPoseRoll,
        C::LeftwardCropOfTheFaceImage,
        C::RightwardCropOfTheFaceImage,
        C::MarginAboveOfTheFaceImage,
        C::MarginBelowOfTheFaceImage,
        C::HeadSize,
        C::LuminanceMean,
        C::LuminanceVariance,
        C::UnderExposurePrevention,
        C::OverExposurePrevention,
        C::DynamicRange,
        C::IlluminationUniformity,
        C::NaturalColour,
        C::Sharpness,
        C::SingleFacePresent,
        C::EyesOpen,
        C::MouthClosed,
        C::EyesVisible,
        C::MouthOcclusionPrevention,
        C::FaceOcclusionPrevention,
        C::NoHeadCoverings,
        C::ExpressionNeutrality,
        C::BackgroundUniformity,
    ];

    /// The component with this id, `None` past the end.
    pub fn from_id(id: u32) -> Option<Component> {
        Self::ALL.get(id as usize).copied()
    }

    /// Its stable id.
    pub fn id(self) -> u32 {
        self as u32
    }

    /// ISO/IEC 29794-5 name, e.g. "InterEyeDistance".
    pub fn name(self) -> &'static str {
        match self {
            C::UnifiedQualityScore => "UnifiedQualityScore",
            C::InterEyeDistance => "InterEyeDistance",
            C::HeadPoseYaw => "HeadPoseYaw",
            C::HeadPosePitch => "HeadPosePitch",
            C::HeadPoseRoll => "HeadPoseRoll",
            C::LeftwardCropOfTheFaceImage => "LeftwardCropOfTheFaceImage",
            C::RightwardCropOfTheFaceImage => "RightwardCropOfTheFaceImage",
            C::MarginAboveOfTheFaceImage => "MarginAboveOfTheFaceImage",
            C::MarginBelowOfTheFaceImage => "MarginBelowOfTheFaceImage",
            C::HeadSize => "HeadSize",
            C::LuminanceMean => "LuminanceMean",
            C::LuminanceVariance => "LuminanceVariance",
            C::UnderExposurePrevention => "UnderExposurePrevention",
            C::OverExposurePrevention => "OverExposurePrevention",
            C::DynamicRange => "DynamicRange",
            C::IlluminationUniformity => "IlluminationUniformity",
            C::NaturalColour => "NaturalColour",
            C::Sharpness => "Sharpness",
            C::SingleFacePresent => "SingleFacePresent",
            C::EyesOpen => "EyesOpen",
            C::MouthClosed => "MouthClosed",
            C::EyesVisible => "EyesVisible",
            C::MouthOcclusionPrevention => "MouthOcclusionPrevention",
            C::FaceOcclusionPrevention => "FaceOcclusionPrevention",
            C::NoHeadCoverings => "NoHeadCoverings",
            C::ExpressionNeutrality => "ExpressionNeutrality",
            C::BackgroundUniformity => "BackgroundUniformity",
        }
    }

    /// Unit of the raw value.
    pub fn unit(self) -> &'static str {
        match self {
            C::UnifiedQualityScore => "percentile",
            C::InterEyeDistance => "px",
            C::HeadPoseYaw | C::HeadPosePitch | C::HeadPoseRoll => "degree",
            C::LeftwardCropOfTheFaceImage | C::RightwardCropOfTheFaceImage => "inter-eye distance",
            C::MarginAboveOfTheFaceImage | C::MarginBelowOfTheFaceImage => "T",
            C::LuminanceMean | C::LuminanceVariance => "relative luminance",
            C::DynamicRange => "bit",
            C::NaturalColour => "CIELAB distance",
            C::Sharpness => "grey level squared",
            C::SingleFacePresent | C::HeadSize => "ratio",
            C::UnderExposurePrevention | C::OverExposurePrevention | C::IlluminationUniformity => "proportion",
            _ => "none",
        }
    }

    /// Whether serfiq measures it (the rest are always NaN).
    pub fn assessed(self) -> bool {
        self.id() <= C::SingleFacePresent.id()
    }
}

/// A feedback code, by stable id: bit `id` of a feedback set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Feedback {
    /// No face was found.
    NoFace = 0,
    /// Another face is in the picture.
    MultipleFaces = 1,
    /// The face is too small.
    MoveCloser = 2,
    /// The face is too large.
    MoveBack = 3,
    /// The face is too near an edge of the picture.
    CenterFace = 4,
    /// The head is turned (yaw) or tilted up or down (pitch).
    LookStraight = 5,
    /// The head is tilted sideways (roll).
    StraightenHead = 6,
    /// The face is too dark.
    TooDark = 7,
    /// The face is too bright.
    TooBright = 8,
    /// One side of the face is lit differently from the other.
    UnevenLight = 9,
    /// The face is out of focus or moving.
    Blurry = 10,
    /// The recognition model finds the face hard to use.
    LowQuality = 11,
}

impl Feedback {
    /// Every code, in id order.
    pub const ALL: [Feedback; 12] = [
        Feedback::NoFace,
        Feedback::MultipleFaces,
        Feedback::MoveCloser,
        Feedback::MoveBack,
        Feedback::CenterFace,
        Feedback::LookStraight,
        Feedback::StraightenHead,
        Feedback::TooDark,
        Feedback::TooBright,
        Feedback::UnevenLight,
        Feedback::Blurry,
        Feedback::LowQuality,
    ];

    /// The code with this id, `None` past the end.
    pub fn from_id(id: u32) -> Option<Feedback> {
        Self::ALL.get(id as usize).copied()
    }

    /// Its stable id (its bit in a set).
    pub fn id(self) -> u32 {
        self as u32
    }

    /// Its bit in a feedback set.
    pub fn bit(self) -> u64 {
        1 << self.id()
    }

    /// Its name, e.g. "TOO_DARK".
    pub fn name(self) -> &'static str {
        match self {
            Feedback::NoFace => "NO_FACE",
            Feedback::MultipleFaces => "MULTIPLE_FACES",
            Feedback::MoveCloser => "MOVE_CLOSER",
            Feedback::MoveBack => "MOVE_BACK",
            Feedback::CenterFace => "CENTER_FACE",
            Feedback::LookStraight => "LOOK_STRAIGHT",
            Feedback::StraightenHead => "STRAIGHTEN_HEAD",
            Feedback::TooDark => "TOO_DARK",
            Feedback::TooBright => "TOO_BRIGHT",
            Feedback::UnevenLight => "UNEVEN_LIGHT",
            Feedback::Blurry => "BLURRY",
            Feedback::LowQuality => "LOW_QUALITY",
        }
    }

    /// A short English sentence for the person in front of the camera.
    pub fn message(self) -> &'static str {
        match self {
            Feedback::NoFace => "No face found. Face the camera.",
            Feedback::MultipleFaces => "Only one person, please.",
            Feedback::MoveCloser => "Move closer to the camera.",
            Feedback::MoveBack => "Move back from the camera.",
            Feedback::CenterFace => "Centre your face in the picture.",
            Feedback::LookStraight => "Look straight into the camera.",
            Feedback::StraightenHead => "Hold your head straight.",
            Feedback::TooDark => "Too dark. Add light in front of you.",
            Feedback::TooBright => "Too bright. Reduce the light on your face.",
            Feedback::UnevenLight => "Uneven light. Light both sides of your face.",
            Feedback::Blurry => "Blurred. Hold still and check the focus.",
            Feedback::LowQuality => "Picture not usable. Try again.",
        }
    }

    /// The codes whose bits are set in `bits`, in id order.
    pub fn in_set(bits: u64) -> impl Iterator<Item = Feedback> {
        Self::ALL.into_iter().filter(move |f| bits & f.bit() != 0)
    }
}

/// Every component of one face (raw value and 0–100 value, NaN = not
/// assessed) and the feedback raised for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Components {
    /// Bit k set: feedback code k raised.
    pub feedback: u64,
    /// Raw values in each component's unit, indexed by id.
    pub raw: [f32; MAX_COMPONENTS],
    /// 0–100, higher is better, indexed by id.
    pub value: [f32; MAX_COMPONENTS],
}

impl Components {
    /// All components not assessed, no feedback.
    pub fn empty() -> Self {
        Components { feedback: 0, raw: [f32::NAN; MAX_COMPONENTS], value: [f32::NAN; MAX_COMPONENTS] }
    }

    /// Raw value of `c`.
    pub fn raw(&self, c: Component) -> f32 {
        self.raw[c as usize]
    }

    /// 0–100 value of `c`.
    pub fn value(&self, c: Component) -> f32 {
        self.value[c as usize]
    }

    /// Whether feedback code `f` is raised.
    pub fn has(&self, f: Feedback) -> bool {
        self.feedback & f.bit() != 0
    }

    pub(crate) fn set(&mut self, c: Component, raw: f64, value: f64) {
        self.raw[c as usize] = raw as f32;
        self.value[c as usize] = value as f32;
    }
}

/// One face with its quality, components and feedback.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessedFace {
    /// The face's quality, as `Model::score` gives it.
    pub quality: Quality,
    /// The detection, when the detector found the face.
    pub detection: Option<Detection>,
    /// Left, top, right, bottom in image pixels: the detector's box, or (a
    /// face given by landmarks or as an aligned crop) the extent of the
    /// aligned crop's square in the image, clamped to it.
    pub bbox: [f32; 4],
    /// The landmarks the face was aligned and scored with, in image pixels:
    /// the detector's or the caller's.
    pub landmarks: Landmarks,
    /// The landmarks the components were measured from: `landmarks`, or for
    /// a detected face under a profile with `refine`, those landmarks
    /// re-detected in a canonical frame (`Detector::refine_landmarks`).
    pub measured_landmarks: Landmarks,
    /// Components and feedback under the model's profile.
    pub components: Components,
}

impl Model {
    /// The feedback profile this model was made with (`Options::feedback_profile`).
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// One face, found as [`Model::score`] finds it, with its quality,
    /// components and feedback. A face found by the detector is measured
    /// against the other faces in the photo (SingleFacePresent); a face given
    /// by landmarks or as an aligned crop has SingleFacePresent not assessed.
    /// Fails as [`Model::score`] does (`ErrorKind::NoFace` when no face).
    pub fn assess(&self, face: &Face) -> Result<AssessedFace> {
        if self.route(face) == Route::Detector && self.has_detector() {
            let found = self.detect(&face.image)?;
            let Some(first) = found.first() else {
                return crate::error::fail(crate::ErrorKind::NoFace, self.no_face_message(&face.image));
            };
            let scored = self.score_detections(&face.image, std::slice::from_ref(first), Want::Score)?;
            return self.assessed(&face.image, scored[0].quality, Some(*first), &first.landmarks, Some(&found));
        }
        let quality = self.score(face)?;
        let landmarks = match face.landmarks {
            Some(l) => l,
            None => crop_landmarks(self.input_size()),
        };
        self.assessed(&face.image, quality, None, &landmarks, None)
    }

    /// Every face in a photo, as [`Model::detect_score`], each with its
    /// components and feedback. No face is an empty list.
    pub fn detect_assess(&self, image: &crate::ImageView) -> Result<Vec<AssessedFace>> {
        self.assess_detections(image, &self.detect(image)?)
    }

    /// Assesses faces already found in `image` by [`Model::detect`] (all of
    /// them: SingleFacePresent compares them), without detecting again.
    pub fn assess_detections(&self, image: &crate::ImageView, found: &[Detection]) -> Result<Vec<AssessedFace>> {
        let scored = self.score_detections(image, found, Want::Score)?;
        scored
            .iter()
            .map(|f| self.assessed(image, f.quality, Some(f.detection), &f.detection.landmarks, Some(found)))
            .collect()
    }

    /// The landmarks a face's components are measured from: refined in the
    /// canonical frame for a detected face when the profile says `refine`,
    /// else those it was scored with (the score and the detection keep those).
    fn measured_landmarks(
        &self,
        image: &crate::ImageView,
        detection: Option<&Detection>,
        landmarks: &Landmarks,
    ) -> Result<Landmarks> {
        match (&self.detector, detection) {
            (Some(det), Some(d)) if self.profile.refine => det.refine_landmarks(image, d),
            _ => Ok(*landmarks),
        }
    }

    fn assessed(
        &self,
        image: &crate::ImageView,
        quality: Quality,
        detection: Option<Detection>,
        landmarks: &Landmarks,
        all: Option<&[Detection]>,
    ) -> Result<AssessedFace> {
        let measured = self.measured_landmarks(image, detection.as_ref(), landmarks)?;
        let mut components = measure(image, &measured, all, quality.q100)?;
        let faces = all.map_or(1, |a| a.len());
        components.feedback = feedback(Some(&components), faces, &self.profile);
        let bbox = detection.map_or_else(|| crop_extent(image, landmarks), |d| d.bbox);
        Ok(AssessedFace { quality, detection, bbox, landmarks: *landmarks, measured_landmarks: measured, components })
    }
}

/// The bounding box of the aligned crop's square mapped into the image, clamped.
fn crop_extent(image: &crate::ImageView, landmarks: &Landmarks) -> [f32; 4] {
    let f = |p: &[f32; 2]| [p[0] as f64, p[1] as f64];
    let to_image = crate::align::Similarity::fit(&crate::align::ARCFACE_112.map(|p| f(&p)), &landmarks.map(|p| f(&p)));
    let Some(t) = to_image else { return [0.0, 0.0, image.width() as f32, image.height() as f32] };
    let corners = [[0.0, 0.0], [112.0, 0.0], [0.0, 112.0], [112.0, 112.0]].map(|c| t.apply(c));
    let (w, h) = (image.width() as f64, image.height() as f64);
    let lo = |k: usize, max: f64| corners.iter().map(|c| c[k]).fold(f64::INFINITY, f64::min).clamp(0.0, max) as f32;
    let hi = |k: usize, max: f64| corners.iter().map(|c| c[k]).fold(f64::NEG_INFINITY, f64::max).clamp(0.0, max) as f32;
    [lo(0, w), lo(1, h), hi(0, w), hi(1, h)]
}

/// The ArcFace template scaled to an aligned crop of `size`: where the
/// landmarks of an aligned crop are.
fn crop_landmarks((w, h): (u32, u32)) -> Landmarks {
    let (sx, sy) = (w as f32 / 112.0, h as f32 / 112.0);
    crate::align::ARCFACE_112.map(|[x, y]| [x * sx, y * sy])
}
