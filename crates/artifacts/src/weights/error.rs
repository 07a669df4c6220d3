//! Errors of model weight parsing and hashing.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::merkle::ProofError;

/// Why a model file could not be parsed or hashed. Every variant names the file, and the
/// tensor where there is one.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WeightsError {
    /// Opening or reading a file failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Neither the extension nor the first bytes tell the format.
    #[error(
        "{}: unknown weight format (expected .safetensors, .gguf or .onnx)",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file ends inside a structure.
    #[error(
        "{}: truncated: {what} at byte {offset} needs {needed} bytes, the file has {file_len}",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What was being read.
        what: &'static str,
        /// Where it starts.
        offset: u64,
        /// Bytes it needs.
        needed: u64,
        /// The file's length.
        file_len: u64,
    },
    /// A GGUF file without the `GGUF` magic.
    #[error("{}: not a GGUF file (magic {found:02x?})", path.display())]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The first four bytes.
        found: [u8; 4],
    },
    /// A format version this parser does not read.
    #[error("{}: unsupported {format} version {version}", path.display())]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The format.
        format: &'static str,
        /// The version found.
        version: u64,
    },
    /// A header field above the parser's limit or inconsistent with the file size.
    #[error("{}: {what} is {value}, the limit is {max}", path.display())]
    LimitExceeded {
        /// The file.
        path: PathBuf,
        /// Which field.
        what: &'static str,
        /// Its value.
        value: u64,
        /// The limit.
        max: u64,
    },
    /// A structural error in a header, with its position.
    #[error("{}: malformed {format} header at byte {offset}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The format.
        format: &'static str,
        /// Where it was found.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A safetensors JSON header that does not parse or validate (offsets, shapes).
    #[error("{}: invalid safetensors header: {source}", path.display())]
    SafetensorsHeader {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A tensor whose element type is not supported.
    #[error("{}: tensor {tensor}: unsupported dtype {dtype}", path.display())]
    UnsupportedDtype {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// The type as the format names it.
        dtype: String,
    },
    /// A tensor whose shape is invalid (negative or overflowing dimensions, too many, or not a
    /// whole number of quantization blocks).
    #[error("{}: tensor {tensor}: invalid shape: {reason}", path.display())]
    BadShape {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// What is wrong.
        reason: String,
    },
    /// A tensor's data does not have the size its dtype and shape imply.
    #[error(
        "{}: tensor {tensor}: {actual} bytes of data, dtype and shape need {expected}",
        path.display()
    )]
    SizeMismatch {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// Bytes (or, for typed ONNX fields, values) the dtype and shape need.
        expected: u64,
        /// Bytes (or values) found.
        actual: u64,
    },
    /// A tensor's data lies (partly) outside the file.
    #[error(
        "{}: tensor {tensor}: data at bytes {start}..{end} is past the end of the file ({file_len} bytes)",
        path.display()
    )]
    OutOfBounds {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// Start of its data.
        start: u64,
        /// End of its data.
        end: u64,
        /// The file's length.
        file_len: u64,
    },
    /// A GGUF tensor offset that is not a multiple of the alignment.
    #[error(
        "{}: tensor {tensor}: offset {offset} is not a multiple of the alignment {alignment}",
        path.display()
    )]
    Misaligned {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// Its offset in the data section.
        offset: u64,
        /// The file's alignment.
        alignment: u64,
    },
    /// An ONNX tensor stored outside the model file.
    #[error(
        "{}: tensor {tensor} keeps its data in an external file, which is not supported: \
         hash a model saved with its weights inside",
        path.display()
    )]
    ExternalData {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
    },
    /// An ONNX typed value that does not fit the tensor's dtype.
    #[error("{}: tensor {tensor}: value {value} does not fit {dtype}", path.display())]
    ValueOutOfRange {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// The dtype.
        dtype: &'static str,
        /// The value found.
        value: i128,
    },
    /// Two tensors with the same name, in one file or across shards.
    #[error(
        "tensor {name} appears twice: in {} and in {}",
        first.display(),
        second.display()
    )]
    DuplicateTensor {
        /// The tensor.
        name: String,
        /// The file of the first one.
        first: PathBuf,
        /// The file of the second one.
        second: PathBuf,
    },
    /// A model without a single tensor: it has no tensor root.
    #[error("the model has no tensors")]
    NoTensors,
    /// A file changed while it was read.
    #[error("{} changed while it was read: {reason}", path.display())]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// What changed.
        reason: String,
    },
    /// No tensor with this name.
    #[error("the model has no tensor named {name}")]
    TensorNotFound {
        /// The name asked for.
        name: String,
    },
    /// Building the inclusion proof failed.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

impl WeightsError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
