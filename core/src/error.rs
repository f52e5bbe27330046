//! Errors of the core library. Each kind maps to one C status code in `ffi`.

use std::fmt;

/// What went wrong, in the categories a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// An argument is out of range (options, batch size, buffer sizes).
    InvalidArgument,
    /// The image description is unusable: size, stride or pixel format.
    InvalidImage,
    /// Landmarks are NaN, infinite, outside the image or degenerate.
    InvalidLandmarks,
    /// The model file could not be read.
    ModelNotFound,
    /// The bytes are not a usable ONNX model.
    ModelInvalid,
    /// No embedding layer could be found (or the named one does not exist).
    EmbeddingLayerNotFound,
    /// A valid ONNX model that serfiq cannot use (data type, layout, opset).
    UnsupportedModel,
    /// The ONNX Runtime library could not be loaded.
    RuntimeNotFound,
    /// The ONNX Runtime library is older than the C API serfiq needs.
    RuntimeVersion,
    /// ONNX Runtime failed while creating a session or running it.
    Inference,
    /// A bug in serfiq (a caught panic, a broken invariant).
    Internal,
    /// The model's SHA-256 is not the one the caller pinned.
    ModelDigestMismatch,
    /// The GPU could not be used: no CUDA provider in this ONNX Runtime, CUDA
    /// or cuDNN libraries missing, or no such device.
    GpuUnavailable,
    /// The face detector found no usable face in the image.
    NoFace,
    /// The model was created in another process: this process is a child
    /// forked from it, where the model's sessions cannot be used.
    Forked,
}

/// An error with a message meant for a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// The category of the failure, for the caller to act on.
    pub kind: ErrorKind,
    /// What went wrong, without the image index.
    pub message: String,
    /// In a batch call, the index of the image that failed; `None` for
    /// single-image calls and failures of the call as a whole.
    pub image: Option<usize>,
}

impl Error {
    /// An error of `kind` with `message`, not attributed to any image.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), image: None }
    }

    /// The same error, attributed to image `index` of a batch.
    pub fn at(self, index: usize) -> Self {
        Error { image: Some(index), ..self }
    }
}

/// "image 3: no face found ..." in a batch, the bare message otherwise.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.image {
            Some(i) => write!(f, "image {i}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

/// The result of every fallible call in this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand for building an `Err` of a given kind.
pub(crate) fn fail<T>(kind: ErrorKind, message: impl Into<String>) -> Result<T> {
    Err(Error::new(kind, message))
}
