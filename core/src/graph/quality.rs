//! The shape checks of a second quality network: one image input of the
//! spec's shape (any batch, or batch 1), one value per image out.

use onnx_protobuf::ModelProto;

use super::{dims_of, image_input};
use crate::error::{fail, ErrorKind, Result};

/// What the scoring code needs of a quality network's graph.
#[derive(Debug, Clone)]
pub struct QualityIo {
    /// The image input.
    pub input: String,
    /// The first output: one value per image.
    pub output: String,
    /// The input takes exactly one image per run (a fixed batch of 1).
    pub one_at_a_time: bool,
}

/// Checks that the network's single input is `shape` (batch free or 1) and
/// that it has an output that is not a scalar. Fails with
/// `ErrorKind::UnsupportedModel` otherwise.
pub fn quality_io(model: &ModelProto, shape: &[usize; 4]) -> Result<QualityIo> {
    let input = image_input(model)?;
    let dims = dims_of(input).unwrap_or_default();
    let fits = dims.len() == 4 && dims[1..].iter().zip(&shape[1..]).all(|(d, &want)| *d == Some(want as i64));
    let batch = dims.first().copied().flatten();
    if !fits || batch.is_some_and(|b| b != 1) {
        return fail(
            ErrorKind::UnsupportedModel,
            format!(
                "input '{}' is {dims:?} (None = free); the input spec needs [N, {}, {}, {}]",
                input.name, shape[1], shape[2], shape[3]
            ),
        );
    }
    let Some(output) = model.graph.output.first() else {
        return fail(ErrorKind::UnsupportedModel, "the network has no output");
    };
    if dims_of(output).is_some_and(|d| d.is_empty()) {
        return fail(
            ErrorKind::UnsupportedModel,
            format!("output '{}' is a scalar; a quality network gives one value per image, [N, 1]", output.name),
        );
    }
    Ok(QualityIo { input: input.name.clone(), output: output.name.clone(), one_at_a_time: batch == Some(1) })
}
