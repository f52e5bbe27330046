//! Per-model calibration of the display mapping q = 1 / (1 + exp(−α (s − r))):
//! the values travel inside the ONNX model as metadata, so every binding that
//! loads the calibrated model uses them.

use onnx_protobuf::ModelProto;

use crate::error::{fail, ErrorKind, Result};

/// Metadata keys of a calibrated model (ONNX `metadata_props`).
pub const ALPHA_KEY: &str = "serfiq.alpha";
pub const R_KEY: &str = "serfiq.r";

/// Where a model's α and r came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Set in the options.
    Options,
    /// Read from the model's metadata (`serfiq calibrate`).
    Model,
    /// serfiq's defaults, fitted to the default model.
    Default,
}

/// α and r from the model's metadata; `None` for a key that is absent.
/// A present but unreadable or non-finite value is an invalid model.
pub fn read(model: &ModelProto) -> Result<(Option<f64>, Option<f64>)> {
    let get = |key: &str| -> Result<Option<f64>> {
        match model.metadata_props.iter().find(|p| p.key == key) {
            None => Ok(None),
            Some(p) => match p.value.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => fail(
                    ErrorKind::ModelInvalid,
                    format!("model metadata {key} = {:?} is not a finite number", p.value),
                ),
            },
        }
    };
    Ok((get(ALPHA_KEY)?, get(R_KEY)?))
}
