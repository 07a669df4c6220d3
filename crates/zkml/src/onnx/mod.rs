//! ONNX import: an `.onnx` file reduced to a [`Graph`], a chain of supported operators.
//!
//! Supported (default domain, opset 10 to 23): Gemm, MatMul, Conv (strides, explicit padding,
//! `auto_pad` NOTSET or VALID), Add of a constant bias right after Gemm/MatMul/Conv, Relu,
//! MaxPool, Flatten, Reshape, Identity, Constant, and the quantised forms QuantizeLinear /
//! DequantizeLinear (QDQ) and QLinearMatMul / QLinearConv with per-tensor scales and zero points
//! of 0 (symmetric int8).
//!
//! The graph must be a single chain: every operator reads the running activation and constants.
//! Anything else is refused with an error that names the node and the operator, so a user knows
//! what to change rather than getting a silently different model.

mod error;
mod lower;
pub mod proto;
mod tensor;

pub use error::OnnxError;
use prost::Message;

use crate::graph::Graph;

/// The largest ONNX file import accepts (256 MiB).
pub const MAX_ONNX_BYTES: usize = 256 << 20;

/// Parses and lowers an ONNX model.
pub fn import(bytes: &[u8]) -> Result<Graph, OnnxError> {
    if bytes.len() > MAX_ONNX_BYTES {
        return Err(OnnxError::TooLarge {
            len: bytes.len(),
            max: MAX_ONNX_BYTES,
        });
    }
    let model = proto::ModelProto::decode(bytes)?;
    lower::lower(&model)
}
