//! The numeric codes the C ABI and JNI use for core enums, both ways. The
//! values are the header's `SERFIQ_*` constants.

use serfiq_core::{FacePolicy, InputMode, PixelFormat, Provider, Q100Quality, Search};

use super::Failure;
use crate::ffi::*;
use crate::status::SERFIQ_ERR_INVALID_ARGUMENT;

fn unknown(what: &str, code: impl std::fmt::Display) -> Failure {
    Failure::new(SERFIQ_ERR_INVALID_ARGUMENT, format!("unknown {what} {code}"))
}

/// `SERFIQ_PIXEL_*` → pixel format; `None` for an unknown code.
pub fn pixel_format(code: u32) -> Option<PixelFormat> {
    Some(match code {
        SERFIQ_PIXEL_BGR => PixelFormat::Bgr,
        SERFIQ_PIXEL_RGB => PixelFormat::Rgb,
        SERFIQ_PIXEL_BGRA => PixelFormat::Bgra,
        SERFIQ_PIXEL_RGBA => PixelFormat::Rgba,
        SERFIQ_PIXEL_GRAY => PixelFormat::Gray,
        _ => return None,
    })
}

pub fn face_policy(code: u32) -> Result<FacePolicy, Failure> {
    match code {
        SERFIQ_FACE_LARGEST => Ok(FacePolicy::Largest),
        SERFIQ_FACE_MOST_CENTRAL => Ok(FacePolicy::MostCentral),
        v => Err(unknown("face_policy", v)),
    }
}

pub fn face_policy_code(p: FacePolicy) -> u32 {
    match p {
        FacePolicy::Largest => SERFIQ_FACE_LARGEST,
        FacePolicy::MostCentral => SERFIQ_FACE_MOST_CENTRAL,
    }
}

pub fn provider(code: u32, device_id: i32) -> Result<Provider, Failure> {
    match code {
        SERFIQ_PROVIDER_CPU => Ok(Provider::Cpu),
        SERFIQ_PROVIDER_CUDA => Ok(Provider::Cuda { device_id }),
        v => Err(unknown("execution_provider", v)),
    }
}

pub fn provider_code(p: Provider) -> u32 {
    match p {
        Provider::Cpu => SERFIQ_PROVIDER_CPU,
        Provider::Cuda { .. } => SERFIQ_PROVIDER_CUDA,
    }
}

/// `SERFIQ_CHANNELS_*` → whether the model takes BGR planes.
pub fn channels_bgr(code: u32) -> Result<bool, Failure> {
    match code {
        SERFIQ_CHANNELS_RGB => Ok(false),
        SERFIQ_CHANNELS_BGR => Ok(true),
        v => Err(unknown("channel_order", v)),
    }
}

pub fn channels_code(bgr: bool) -> u32 {
    if bgr {
        SERFIQ_CHANNELS_BGR
    } else {
        SERFIQ_CHANNELS_RGB
    }
}

/// `SERFIQ_SEARCH_*` → where libraries without a path are looked for.
pub fn search(code: u32) -> Result<Search, Failure> {
    match code {
        SERFIQ_SEARCH_DEFAULT => Ok(Search::Default),
        SERFIQ_SEARCH_EXPLICIT_ONLY => Ok(Search::ExplicitOnly),
        v => Err(unknown("search_paths", v)),
    }
}

pub fn search_code(s: Search) -> u32 {
    match s {
        Search::Default => SERFIQ_SEARCH_DEFAULT,
        Search::ExplicitOnly => SERFIQ_SEARCH_EXPLICIT_ONLY,
    }
}

/// `SERFIQ_INPUT_*` → what an image without landmarks is.
pub fn input_mode(code: u32) -> Result<InputMode, Failure> {
    match code {
        SERFIQ_INPUT_AUTO => Ok(InputMode::Auto),
        SERFIQ_INPUT_CROP => Ok(InputMode::Crop),
        SERFIQ_INPUT_PHOTO => Ok(InputMode::Photo),
        v => Err(unknown("input_mode", v)),
    }
}

pub fn input_mode_code(m: InputMode) -> u32 {
    match m {
        InputMode::Auto => SERFIQ_INPUT_AUTO,
        InputMode::Crop => SERFIQ_INPUT_CROP,
        InputMode::Photo => SERFIQ_INPUT_PHOTO,
    }
}

/// `SERFIQ_Q100_*` → which quality q100 is the percentile of.
pub fn q100_quality(code: u32) -> Result<Q100Quality, Failure> {
    match code {
        SERFIQ_Q100_DEFAULT => Ok(Q100Quality::DEFAULT),
        SERFIQ_Q100_S => Ok(Q100Quality::S),
        SERFIQ_Q100_F => Ok(Q100Quality::F),
        v => Err(unknown("q100_quality", v)),
    }
}

/// The explicit code of a choice (`serfiq_get_options` reports the one in use).
pub fn q100_quality_code(q: Q100Quality) -> u32 {
    match q {
        Q100Quality::S => SERFIQ_Q100_S,
        Q100Quality::F => SERFIQ_Q100_F,
    }
}
