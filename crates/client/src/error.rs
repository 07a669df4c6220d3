//! What can go wrong talking to a node.

use crate::verify::VerificationError;
use ailedger_core::Hash;
use std::time::Duration;
use thiserror::Error;

/// A failed client call.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The node URL is not an `http` or `https` URL.
    #[error("invalid node url {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The request did not get an answer (connection refused, timeout, broken body).
    #[error("no answer from {url}")]
    Transport {
        /// The URL requested.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The node answered with an error.
    #[error("node refused: {code} (HTTP {status}): {message}")]
    Api {
        /// HTTP status code.
        status: u16,
        /// Stable error code, e.g. `NOT_FOUND` or `NONCE_TOO_LOW`.
        code: String,
        /// The node's explanation.
        message: String,
        /// Structured details, if the node gave any.
        details: Option<Box<serde_json::Value>>,
    },
    /// The node's answer is not the JSON expected.
    #[error("cannot decode the answer from {url}: {reason}")]
    Decode {
        /// The URL requested.
        url: String,
        /// What did not decode.
        reason: String,
    },
    /// The answer did not verify: the node served state that its own block does not commit to.
    #[error("verification failed")]
    Verification(#[from] VerificationError),
    /// A transaction was not committed in time.
    #[error("transaction {hash} was not committed within {waited:?}")]
    Timeout {
        /// The transaction id.
        hash: Hash,
        /// How long was waited.
        waited: Duration,
    },
}

impl ClientError {
    /// The node's error code, if the node answered with an error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the node answered that the thing asked for does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, .. })
    }

    /// Whether an answer failed verification.
    pub fn is_verification(&self) -> bool {
        matches!(self, Self::Verification(_))
    }
}
