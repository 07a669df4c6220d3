//! Tensor leaves (what the tensor root commits to) and tensor descriptions read from headers.
//!
//! # Leaf encoding
//!
//! ```text
//! tensor leaf = str("ailedger/tensor/v1") || str(name) || str(dtype name)
//!               || u32(rank) || u64(dimension)... || sha256(raw little-endian bytes)[32]
//! ```
//!
//! with the crate's canonical encoding (big-endian integers, `u32`-length-prefixed UTF-8
//! strings); the leaf hash is `SHA-256(0x00 || leaf)`. The shape is row-major, outermost
//! dimension first (numpy's and safetensors' order; GGUF's reversed `ne` order is turned
//! around). The bytes are the tensor's elements in row-major order, little-endian, as
//! safetensors stores them; GGML quantized tensors are their blocks as stored.

use sha2::{Digest as _, Sha256};

use super::Dtype;
use crate::encoding::{Sink, put_hash, put_str, put_u32, put_u64};
use crate::hash::{Hash, finish};
use crate::merkle::LEAF_PREFIX;

/// Domain tag of a tensor leaf.
pub const TENSOR_LEAF_TAG: &str = "ailedger/tensor/v1";
/// Longest tensor name accepted, in bytes.
pub const MAX_TENSOR_NAME_LEN: usize = 4096;
/// Most dimensions a tensor may have.
pub const MAX_RANK: usize = 32;

/// A tensor as described by a file's header, before its bytes are hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    /// The tensor's name.
    pub name: String,
    /// Its element type.
    pub dtype: Dtype,
    /// Its shape, outermost dimension first.
    pub shape: Vec<u64>,
    /// Size of its raw little-endian bytes.
    pub n_bytes: u64,
}

/// One tensor as the tensor root commits to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorLeaf {
    /// The tensor's name.
    pub name: String,
    /// Its element type.
    pub dtype: Dtype,
    /// Its shape, outermost dimension first.
    pub shape: Vec<u64>,
    /// SHA-256 of its raw little-endian bytes.
    pub sha256: Hash,
}

impl TensorLeaf {
    /// The leaf data (see the module docs).
    pub fn leaf_data(&self) -> Vec<u8> {
        let mut data = Vec::new();
        self.encode_leaf(&mut data);
        data
    }

    /// `SHA-256(0x00 || leaf data)`.
    pub fn leaf_hash(&self) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update([LEAF_PREFIX]);
        self.encode_leaf(&mut hasher);
        finish(hasher)
    }

    fn encode_leaf(&self, sink: &mut impl Sink) {
        put_str(sink, TENSOR_LEAF_TAG);
        put_str(sink, &self.name);
        put_str(sink, self.dtype.name());
        // Parsers bound the rank by `MAX_RANK`.
        put_u32(sink, u32::try_from(self.shape.len()).unwrap_or(u32::MAX));
        for dimension in &self.shape {
            put_u64(sink, *dimension);
        }
        put_hash(sink, &self.sha256);
    }
}

/// Where a tensor's bytes are in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TensorData {
    /// `info.n_bytes` raw little-endian bytes at this file offset.
    Raw { offset: u64 },
    /// ONNX typed repeated fields inside the `TensorProto` at these file offsets, converted to
    /// raw bytes while hashing.
    OnnxTyped(super::onnx::TypedData),
}

/// A tensor found in a file: its description and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TensorSource {
    pub(crate) info: TensorInfo,
    pub(crate) data: TensorData,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    #[test]
    fn leaf_layout_is_as_documented() {
        let leaf = TensorLeaf {
            name: "w".into(),
            dtype: Dtype::F32,
            shape: vec![2, 3],
            sha256: Hash::new([7; 32]),
        };
        let mut expected = Vec::new();
        expected.extend_from_slice(&18u32.to_be_bytes());
        expected.extend_from_slice(b"ailedger/tensor/v1");
        expected.extend_from_slice(&1u32.to_be_bytes());
        expected.extend_from_slice(b"w");
        expected.extend_from_slice(&3u32.to_be_bytes());
        expected.extend_from_slice(b"F32");
        expected.extend_from_slice(&2u32.to_be_bytes());
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(&3u64.to_be_bytes());
        expected.extend_from_slice(&[7; 32]);
        assert_eq!(leaf.leaf_data(), expected);
        assert_eq!(leaf.leaf_hash(), leaf_hash(&expected));
    }
}
