//! Why an ONNX file could not be imported.

/// An ONNX file that cannot be imported, with the node or tensor at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnnxError {
    /// The bytes are not a valid ONNX protobuf (truncated, corrupt, or not ONNX at all).
    #[error("not a valid ONNX protobuf: {0}")]
    Decode(#[from] prost::DecodeError),
    /// The file is larger than import accepts.
    #[error("the ONNX file has {len} bytes, more than the {max} import accepts")]
    TooLarge {
        /// The file's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A structural problem: missing graph, inputs, outputs, shapes, or inconsistent tensors.
    #[error("malformed ONNX model: {0}")]
    Malformed(String),
    /// An operator that import does not support.
    #[error("unsupported ONNX operator `{op_type}` (node `{node}`); supported: {supported}")]
    UnsupportedOp {
        /// The operator type, prefixed with its domain when it is not the default one.
        op_type: String,
        /// The node's name (or its first output when unnamed).
        node: String,
        /// The list of supported operators.
        supported: &'static str,
    },
    /// A supported operator used with an attribute value or form import does not support.
    #[error("node `{node}` ({op_type}): {reason}")]
    Unsupported {
        /// The operator type.
        op_type: String,
        /// The node's name (or its first output when unnamed).
        node: String,
        /// What is not supported.
        reason: String,
    },
}
