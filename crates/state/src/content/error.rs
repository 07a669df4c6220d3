//! The content module's errors, each with a stable code.

use crate::ModuleError;
use ailedger_core::{Address, Hash};
use thiserror::Error;

/// Why a content message is invalid on its face (its stateless checks). Such a transaction is
/// refused by the mempool and never included.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MsgError {
    /// A digest is all zeros.
    #[error("the {0} digest is all zeros")]
    ZeroDigest(&'static str),
    /// The MinHash signature is longer than [`super::MAX_MINHASH_LEN`].
    #[error("the MinHash signature has {0} values, more than {max}", max = super::MAX_MINHASH_LEN)]
    MinHashTooLong(usize),
    /// The receipt's log origin is malformed.
    #[error("bad log origin: {0}")]
    BadLogOrigin(String),
}

impl MsgError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ZeroDigest(_) => "ZERO_DIGEST",
            Self::MinHashTooLong(_) => "FINGERPRINT_TOO_LARGE",
            Self::BadLogOrigin(_) => "INVALID_ORIGIN",
        }
    }
}

/// Why a valid content message failed against the state. The transaction stays in its block
/// and pays its fee; nothing it wrote is kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ContentError {
    /// The model version is not registered.
    #[error("model version {id} is not registered")]
    VersionNotFound {
        /// The version id.
        id: Hash,
    },
    /// The model version was revoked.
    #[error("model version {id} was revoked ({reason})")]
    VersionRevoked {
        /// The version id.
        id: Hash,
        /// Why it was revoked.
        reason: String,
    },
    /// The receipt's log is not registered.
    #[error("log {origin:?} is not registered")]
    LogNotFound {
        /// The log's origin.
        origin: String,
    },
    /// The sender already claimed this content.
    #[error("{claimant} already claimed content {content} (claim {index})")]
    AlreadyClaimed {
        /// The content digest.
        content: Hash,
        /// The sender.
        claimant: Box<Address>,
        /// The position of their claim.
        index: u32,
    },
    /// The content has as many claims as are kept.
    #[error("content {content} already has {max} claims, the most kept", max = super::MAX_CLAIMS_PER_CONTENT)]
    TooManyClaims {
        /// The content digest.
        content: Hash,
    },
}

impl ModuleError for ContentError {
    fn code(&self) -> &'static str {
        match self {
            Self::VersionNotFound { .. } => "VERSION_NOT_FOUND",
            Self::VersionRevoked { .. } => "VERSION_REVOKED",
            Self::LogNotFound { .. } => "LOG_NOT_FOUND",
            Self::AlreadyClaimed { .. } => "ALREADY_CLAIMED",
            Self::TooManyClaims { .. } => "TOO_MANY_CLAIMS",
        }
    }
}
