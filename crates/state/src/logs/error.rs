use crate::ModuleError;
use ailedger_core::Address;
use thiserror::Error;

/// Why a logs message is invalid on its face (its stateless checks). Such a transaction is
/// refused by the mempool and never included.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MsgError {
    /// The origin cannot name a log (C2SP signed-note key names: 1 to 255 bytes of printable
    /// ASCII, no space, no `+`).
    #[error("invalid log origin {origin:?}: {reason}")]
    InvalidOrigin {
        /// The origin given.
        origin: String,
        /// Which rule.
        reason: &'static str,
    },
    /// The public key is not a usable Ed25519 key.
    #[error("invalid log key: {0}")]
    BadKey(String),
    /// A checkpoint is not a well-formed signed note carrying a C2SP checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    /// A checkpoint is for another log than the message names.
    #[error("the checkpoint is for log {found:?}, the message is for {expected:?}")]
    OriginMismatch {
        /// The message's origin.
        expected: String,
        /// The checkpoint's origin.
        found: String,
    },
}

impl MsgError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidOrigin { .. } => "INVALID_ORIGIN",
            Self::BadKey(_) => "BAD_LOG_KEY",
            Self::MalformedCheckpoint(_) => "MALFORMED_CHECKPOINT",
            Self::OriginMismatch { .. } => "ORIGIN_MISMATCH",
        }
    }
}

/// Why a valid logs message failed against the state. The transaction stays in its block and
/// pays its fee; nothing it wrote is kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LogsError {
    /// A log with this origin is already registered.
    #[error("log {origin:?} is already registered, operated by {operator}")]
    LogExists {
        /// The origin.
        origin: String,
        /// Its operator.
        operator: Address,
    },
    /// No log with this origin is registered.
    #[error("log {origin:?} is not registered")]
    LogNotFound {
        /// The origin.
        origin: String,
    },
    /// The log is forked: its history can no longer be anchored.
    #[error("log {origin:?} is forked: evidence against it is recorded, no anchor is accepted")]
    LogForked {
        /// The origin.
        origin: String,
    },
    /// A signature by the log's key that does not verify: the checkpoint was altered.
    #[error("the checkpoint's signature by the log's key does not verify: {0}")]
    BadSignature(String),
    /// The checkpoint carries no signature by the log's registered key.
    #[error("the checkpoint is not signed by the log's registered key: {0}")]
    WrongKey(String),
    /// The checkpoint does not parse (the stateless checks make this unreachable).
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    /// A checkpoint of an empty tree commits to nothing.
    #[error("the checkpoint is of an empty tree; anchor one with at least one entry")]
    EmptyCheckpoint,
    /// A proof was given with a log's first anchor, which has nothing to be consistent with.
    #[error(
        "the log has no anchor yet, so the first one takes no consistency proof (got {0} hashes)"
    )]
    UnexpectedProof(usize),
    /// The checkpoint is smaller than the latest anchored one.
    #[error("the checkpoint has {size} entries, fewer than the {anchored} already anchored")]
    SizeBackwards {
        /// The checkpoint's size.
        size: u64,
        /// The latest anchored size.
        anchored: u64,
    },
    /// The same checkpoint (size and root) is already anchored.
    #[error("a checkpoint of size {size} with this root is already anchored")]
    AlreadyAnchored {
        /// The size.
        size: u64,
    },
    /// The consistency proof has the wrong number of hashes for its sizes.
    #[error(
        "the consistency proof from {old_size} to {new_size} needs {expected} hashes, it has {actual}"
    )]
    ProofLength {
        /// The anchored size.
        old_size: u64,
        /// The new size.
        new_size: u64,
        /// Hashes the sizes need.
        expected: usize,
        /// Hashes given.
        actual: usize,
    },
    /// The consistency proof does not connect the anchored checkpoint to the new one. This is
    /// not evidence against the log on its own (a wrong proof proves nothing); a fork is shown
    /// with a `ReportFork` message.
    #[error(
        "the consistency proof from the anchored size {old_size} to {new_size} does not verify: {reason}"
    )]
    InconsistentAnchor {
        /// The anchored size.
        old_size: u64,
        /// The new size.
        new_size: u64,
        /// What did not match.
        reason: String,
    },
    /// The two checkpoints can both be true: they are no evidence of a fork.
    #[error("not evidence of a fork: {0}")]
    NotAFork(String),
    /// An inclusion proof of the evidence does not verify.
    #[error("the {which} inclusion proof of the evidence does not verify: {reason}")]
    BadEvidenceProof {
        /// `first` or `second`.
        which: &'static str,
        /// Why.
        reason: String,
    },
    /// This evidence is already recorded.
    #[error("this evidence is already recorded as evidence {index} against log {origin:?}")]
    EvidenceExists {
        /// The origin.
        origin: String,
        /// The index of the record.
        index: u64,
    },
}

impl ModuleError for LogsError {
    fn code(&self) -> &'static str {
        match self {
            Self::LogExists { .. } => "LOG_EXISTS",
            Self::LogNotFound { .. } => "LOG_NOT_FOUND",
            Self::LogForked { .. } => "LOG_FORKED",
            Self::BadSignature(_) => "BAD_CHECKPOINT_SIGNATURE",
            Self::WrongKey(_) => "WRONG_LOG_KEY",
            Self::MalformedCheckpoint(_) => "MALFORMED_CHECKPOINT",
            Self::EmptyCheckpoint => "EMPTY_CHECKPOINT",
            Self::UnexpectedProof(_) => "UNEXPECTED_PROOF",
            Self::SizeBackwards { .. } => "SIZE_BACKWARDS",
            Self::AlreadyAnchored { .. } => "ALREADY_ANCHORED",
            Self::ProofLength { .. } => "PROOF_LENGTH",
            Self::InconsistentAnchor { .. } => "INCONSISTENT_ANCHOR",
            Self::NotAFork(_) => "NOT_A_FORK",
            Self::BadEvidenceProof { .. } => "BAD_EVIDENCE_PROOF",
            Self::EvidenceExists { .. } => "EVIDENCE_EXISTS",
        }
    }
}
