//! The zk module's errors, each with a stable code.

use crate::ModuleError;
use ailedger_core::{Address, Hash};
use ailedger_zkml::{channel::ChannelError, verifier::VerifyError};
use thiserror::Error;

/// Why a zk message is invalid on its face (its stateless checks). Such a transaction is
/// refused by the mempool and never included.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MsgError {
    /// The descriptor is longer than [`super::MAX_DESCRIPTOR_LEN`].
    #[error("the architecture descriptor is {0} bytes, more than {max}", max = super::MAX_DESCRIPTOR_LEN)]
    DescriptorTooLarge(usize),
    /// The descriptor does not decode or does not validate.
    #[error("bad architecture descriptor: {0}")]
    BadDescriptor(String),
    /// The descriptor is valid but the prover and verifier do not support it.
    #[error("the architecture cannot be proven: {0}")]
    Unprovable(String),
    /// The circuit exceeds one of the module's bounds.
    #[error("the model's {what} size ({vars}) is beyond what the chain verifies")]
    CircuitTooLarge {
        /// `weight` or `witness` (table variables), `input` or `output` (values), `window`
        /// (im2col and pooling-window entries).
        what: &'static str,
        /// The size.
        vars: usize,
    },
    /// A proof with no input values.
    #[error("the input is empty")]
    EmptyInput,
    /// A proof with no output values.
    #[error("the output is empty")]
    EmptyOutput,
    /// The proof is longer than [`super::MAX_PROOF_LEN`].
    #[error("the proof is {0} bytes, more than the limit of {max}", max = super::MAX_PROOF_LEN)]
    ProofTooLarge(usize),
}

impl MsgError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DescriptorTooLarge(_) => "DESCRIPTOR_TOO_LARGE",
            Self::BadDescriptor(_) => "BAD_DESCRIPTOR",
            Self::Unprovable(_) => "UNPROVABLE_ARCHITECTURE",
            Self::CircuitTooLarge { .. } => "CIRCUIT_TOO_LARGE",
            Self::EmptyInput => "EMPTY_INPUT",
            Self::EmptyOutput => "EMPTY_OUTPUT",
            Self::ProofTooLarge(_) => "PROOF_TOO_LARGE",
        }
    }
}

/// Why a valid zk message failed against the state. The transaction stays in its block and pays
/// its fee (including the verification gas of a rejected proof); nothing it wrote is kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ZkError {
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
    /// The sender does not own the version's model.
    #[error("model {model:?} is owned by {owner}, not by the sender {sender}")]
    NotOwner {
        /// The model.
        model: String,
        /// Its owner.
        owner: Box<Address>,
        /// The sender.
        sender: Box<Address>,
    },
    /// The version already has a proving identity.
    #[error("model version {id} already has the proving identity {identity}")]
    IdentityExists {
        /// The version id.
        id: Hash,
        /// The identity registered.
        identity: Hash,
    },
    /// The version has no proving identity.
    #[error("model version {id} has no proving identity")]
    NoIdentity {
        /// The version id.
        id: Hash,
    },
    /// This inference is already recorded.
    #[error("inference {id} is already recorded")]
    InferenceExists {
        /// The inference id.
        id: Hash,
    },
    /// The proof does not verify.
    #[error("the proof does not verify: {reason}")]
    Proof {
        /// Which check failed (see [`proof_code`]).
        code: &'static str,
        /// The verifier's message.
        reason: String,
    },
    /// The stored descriptor no longer builds a key (the stateless checks make this
    /// unreachable).
    #[error("the stored descriptor is invalid: {0}")]
    Descriptor(String),
}

impl ModuleError for ZkError {
    fn code(&self) -> &'static str {
        match self {
            Self::VersionNotFound { .. } => "VERSION_NOT_FOUND",
            Self::VersionRevoked { .. } => "VERSION_REVOKED",
            Self::NotOwner { .. } => "NOT_MODEL_OWNER",
            Self::IdentityExists { .. } => "IDENTITY_EXISTS",
            Self::NoIdentity { .. } => "NO_PROVING_IDENTITY",
            Self::InferenceExists { .. } => "INFERENCE_EXISTS",
            Self::Proof { code, .. } => code,
            Self::Descriptor(_) => "BAD_DESCRIPTOR",
        }
    }
}

impl From<VerifyError> for ZkError {
    fn from(error: VerifyError) -> Self {
        Self::Proof {
            code: proof_code(&error),
            reason: error.to_string(),
        }
    }
}

/// The stable code of a verifier rejection: `INPUT_LENGTH` or `OUTPUT_LENGTH` (the values do
/// not fit the model), `PROOF_HEADER` (not a version-1 proof), `PROOF_TRUNCATED`,
/// `PROOF_TRAILING_BYTES`, `PROOF_NONCANONICAL` (the bytes do not read as a proof of this
/// model), and `PROOF_REJECTED` for a proof that reads but fails a check — a tampered proof, or
/// one of another input, output or model.
pub fn proof_code(error: &VerifyError) -> &'static str {
    match error {
        VerifyError::Identity => "IDENTITY_MISMATCH",
        VerifyError::Length { what: "input", .. } => "INPUT_LENGTH",
        VerifyError::Length { .. } => "OUTPUT_LENGTH",
        VerifyError::Header => "PROOF_HEADER",
        VerifyError::Channel(ChannelError::Truncated { .. }) => "PROOF_TRUNCATED",
        VerifyError::Channel(ChannelError::TrailingBytes(_)) => "PROOF_TRAILING_BYTES",
        VerifyError::Channel(ChannelError::NonCanonical(_)) => "PROOF_NONCANONICAL",
        _ => "PROOF_REJECTED",
    }
}
