//! Errors of the core types.

use thiserror::Error;

/// Bytes that are not the canonical encoding of the expected type.
pub type DecodeError = commonware_codec::Error;

/// A signature that does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature does not verify against the sender's key and the transaction's bytes.
    #[error("signature does not verify for sender and transaction")]
    Invalid,
}
