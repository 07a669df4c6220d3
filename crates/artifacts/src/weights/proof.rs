//! Proofs that a tensor is part of a model version, checkable with the tensor root alone.

use super::tensor::{MAX_RANK, MAX_TENSOR_NAME_LEN};
use super::{Dtype, TensorLeaf};
use crate::encoding::{DecodeError, Decoder, put_hash, put_str, put_u8, put_u32, put_u64};
use crate::hash::Hash;
use crate::merkle::{InclusionProof, ProofError};

/// Version byte of [`TensorProof::encode`].
const TENSOR_PROOF_VERSION: u8 = 1;

/// Proof that a tensor is part of a model: the tensor's leaf fields and its inclusion proof in
/// the tensor tree (leaves sorted by name).
///
/// # Binary encoding (version 1)
///
/// ```text
/// u8 version = 1 || str(name) || str(dtype name) || u32(rank) || u64(dimension)...
///   || sha256[32] || inclusion proof (InclusionProof::encode)
/// ```
///
/// Names are bounded by [`MAX_TENSOR_NAME_LEN`](super::MAX_TENSOR_NAME_LEN), ranks by
/// [`MAX_RANK`](super::MAX_RANK); the dtype must be a known [`Dtype`] name. Decoding rejects
/// truncation and trailing bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorProof {
    /// The tensor.
    pub leaf: TensorLeaf,
    /// Its position in the tensor tree and the sibling hashes.
    pub inclusion: InclusionProof,
}

impl TensorProof {
    /// The tensor root this proof leads to.
    pub fn root(&self) -> Hash {
        self.inclusion.root_for(&self.leaf.leaf_hash())
    }

    /// Checks the proof against a model version's tensor root.
    pub fn verify(&self, tensor_root: &Hash) -> Result<(), ProofError> {
        self.inclusion.verify(&self.leaf.leaf_hash(), tensor_root)
    }

    /// The canonical binary encoding (see the type's docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        put_u8(&mut bytes, TENSOR_PROOF_VERSION);
        put_str(&mut bytes, &self.leaf.name);
        put_str(&mut bytes, self.leaf.dtype.name());
        put_u32(&mut bytes, self.leaf.shape.len() as u32);
        for dimension in &self.leaf.shape {
            put_u64(&mut bytes, *dimension);
        }
        put_hash(&mut bytes, &self.leaf.sha256);
        self.inclusion.encode_into(&mut bytes);
        bytes
    }

    /// Decodes [`encode`](Self::encode)'s output, rejecting anything else.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProofError> {
        let mut decoder = Decoder::new(bytes);
        let version = decoder.u8("tensor proof version")?;
        if version != TENSOR_PROOF_VERSION {
            return Err(DecodeError::UnknownVersion {
                what: "tensor proof",
                version,
            }
            .into());
        }
        let name = decoder.string("tensor name", MAX_TENSOR_NAME_LEN)?;
        let dtype_name = decoder.string("dtype", 32)?;
        let Some(dtype) = Dtype::from_name(&dtype_name) else {
            return Err(DecodeError::Invalid {
                field: "dtype",
                reason: "not a known dtype name",
            }
            .into());
        };
        let rank = decoder.u32("rank")?;
        if rank as usize > MAX_RANK {
            return Err(DecodeError::TooLong {
                field: "shape",
                len: u64::from(rank),
                max: MAX_RANK as u64,
            }
            .into());
        }
        let mut shape = Vec::with_capacity(rank as usize);
        for _ in 0..rank {
            shape.push(decoder.u64("dimension")?);
        }
        let sha256 = decoder.hash("sha256")?;
        let inclusion = InclusionProof::decode_from(&mut decoder)?;
        decoder.finish()?;
        Ok(Self {
            leaf: TensorLeaf {
                name,
                dtype,
                shape,
                sha256,
            },
            inclusion,
        })
    }

    /// The binary encoding as lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.encode())
    }

    /// Decodes [`to_hex`](Self::to_hex)'s output.
    pub fn from_hex(text: &str) -> Result<Self, ProofError> {
        let bytes = hex::decode(text).map_err(DecodeError::from)?;
        Self::decode(&bytes)
    }
}
