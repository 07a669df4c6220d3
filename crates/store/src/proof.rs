//! Proofs that a state key has a value, or has none, under a state root.

use crate::qmdb::BITMAP_CHUNK;
use ailedger_core::Hash;
use ailedger_state::StateKey;
use bytes::BufMut;
use commonware_codec::{
    Buf, Copying, Decode, Encode, EncodeSize, Error as CodecError, Read, ReadExt, Write,
};
use commonware_cryptography::Sha256;
use commonware_storage::{
    mmr,
    qmdb::{
        any::value::VariableEncoding,
        current::ordered::proof::constant::{ExclusionProof, KeyValueProof},
    },
};
use thiserror::Error;

/// Most digests a proof may carry (a Merkle path over up to 2^64 operations, plus grafting).
const MAX_PROOF_DIGESTS: usize = 256;

type Inclusion = KeyValueProof<mmr::Family, Hash, Hash, BITMAP_CHUNK>;
type Exclusion = ExclusionProof<mmr::Family, Hash, VariableEncoding<Vec<u8>>, Hash, BITMAP_CHUNK>;

/// A proof about one state key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum StateProof {
    /// The key has a value.
    Inclusion(Inclusion),
    /// The key has no value.
    Exclusion(Exclusion),
}

impl Write for StateProof {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::Inclusion(proof) => {
                0u8.write(buf);
                proof.write(buf);
            }
            Self::Exclusion(proof) => {
                1u8.write(buf);
                proof.write(buf);
            }
        }
    }
}

impl EncodeSize for StateProof {
    fn encode_size(&self) -> usize {
        1 + match self {
            Self::Inclusion(proof) => proof.encode_size(),
            Self::Exclusion(proof) => proof.encode_size(),
        }
    }
}

impl Read for StateProof {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        match u8::read(buf)? {
            0 => Ok(Self::Inclusion(Inclusion::read_cfg(
                buf,
                &(MAX_PROOF_DIGESTS, ()),
            )?)),
            1 => Ok(Self::Exclusion(Exclusion::read_cfg(
                buf,
                &(
                    MAX_PROOF_DIGESTS,
                    ((), ((0..=crate::MAX_VALUE_LEN).into(), ())),
                    ((0..=crate::MAX_VALUE_LEN).into(), ()),
                ),
            )?)),
            tag => Err(CodecError::InvalidEnum(tag)),
        }
    }
}

impl StateProof {
    /// The wire encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode().to_vec()
    }

    /// Decodes the wire encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProofError> {
        Self::decode_cfg(Copying(bytes), &())
            .map_err(|error| ProofError::Malformed(error.to_string()))
    }
}

/// Why a state proof was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The bytes are not a proof.
    #[error("malformed state proof: {0}")]
    Malformed(String),
    /// A proof of exclusion was given for a value, or of inclusion for no value.
    #[error("proof kind does not match the claim: {0}")]
    WrongKind(&'static str),
    /// The proof does not verify against the root.
    #[error("state proof does not verify against the state root")]
    Invalid,
}

/// Checks that under `root`, `key` has exactly `value` (`None`: no value), given the proof's
/// wire bytes. Needs nothing but the arguments: a light client holding a block header can check a
/// value served by an untrusted node.
pub fn verify_state_proof(
    key: &StateKey,
    value: Option<&[u8]>,
    proof: &[u8],
    root: &Hash,
) -> Result<(), ProofError> {
    let proof = StateProof::from_bytes(proof)?;
    let valid = match (&proof, value) {
        (StateProof::Inclusion(proof), Some(value)) => {
            proof.verify::<Sha256, VariableEncoding<Vec<u8>>>(*key, value.to_vec(), root)
        }
        (StateProof::Exclusion(proof), None) => proof.verify::<Sha256>(key, root),
        (StateProof::Inclusion(_), None) => {
            return Err(ProofError::WrongKind(
                "an inclusion proof cannot prove absence",
            ));
        }
        (StateProof::Exclusion(_), Some(_)) => {
            return Err(ProofError::WrongKind(
                "an exclusion proof cannot prove a value",
            ));
        }
    };
    if valid {
        Ok(())
    } else {
        Err(ProofError::Invalid)
    }
}
