use crate::ModuleError;
use ailedger_core::{Address, Amount};
use thiserror::Error;

/// Why a staking message is invalid on its face (its stateless checks). Such a transaction is
/// refused by the mempool and never included.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MsgError {
    /// An amount of zero moves nothing.
    #[error("the amount must be positive")]
    ZeroAmount,
    /// The p2p address is not an `ip:port` in its canonical form.
    #[error("invalid p2p address {address:?}: {reason}")]
    InvalidP2pAddress {
        /// The address given.
        address: String,
        /// Which rule.
        reason: &'static str,
    },
    /// The evidence is empty.
    #[error("the evidence is empty")]
    EmptyEvidence,
}

impl MsgError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ZeroAmount => "ZERO_AMOUNT",
            Self::InvalidP2pAddress { .. } => "INVALID_P2P_ADDRESS",
            Self::EmptyEvidence => "EMPTY_EVIDENCE",
        }
    }
}

/// Why a valid staking message failed against the state. The transaction stays in its block and
/// pays its fee; nothing it wrote is kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StakingError {
    /// The chain has no staking state (its genesis predates the module, and no fork wrote it).
    #[error("staking is not enabled on this chain")]
    Disabled,
    /// The sender is already registered (or was, and was jailed).
    #[error("{address} is already registered as a validator")]
    ValidatorExists {
        /// The sender.
        address: Address,
    },
    /// The sender is not a registered validator.
    #[error("{address} is not a registered validator")]
    NotAValidator {
        /// The sender.
        address: Address,
    },
    /// The validator was slashed and jailed: it can only unbond and withdraw.
    #[error("validator {address} is jailed")]
    Jailed {
        /// The validator.
        address: Address,
    },
    /// A candidate's stake would be below the minimum.
    #[error("a candidate's stake must be at least {min}, it would be {stake}")]
    BelowMinimumStake {
        /// The stake it would have.
        stake: Amount,
        /// The minimum.
        min: Amount,
    },
    /// Every candidate slot is taken.
    #[error("there are already {max} candidates")]
    TooManyCandidates {
        /// The limit.
        max: usize,
    },
    /// Unbonding more than is bonded.
    #[error("cannot unbond {amount}: the stake is {stake}")]
    InsufficientStake {
        /// The stake.
        stake: Amount,
        /// The amount asked for.
        amount: Amount,
    },
    /// Too many unbonding amounts waiting for release.
    #[error("{max} unbonding amounts are already waiting; withdraw released ones first")]
    TooManyUnbondings {
        /// The limit.
        max: usize,
    },
    /// Nothing has been released yet.
    #[error("nothing to withdraw in epoch {epoch}")]
    NothingToWithdraw {
        /// The current epoch.
        epoch: u64,
    },
    /// An amount would overflow.
    #[error("stake would overflow")]
    Overflow,
    /// The evidence is not a fault's encoding, or its votes do not conflict.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// No validator set is recorded for the evidence's epoch.
    #[error("no validator set is recorded for epoch {epoch}")]
    UnknownEpoch {
        /// The evidence's epoch.
        epoch: u64,
    },
    /// The evidence is older than the unbonding delay: its stake may be gone.
    #[error(
        "evidence from epoch {epoch} is too old in epoch {current} (unbonding lasts {window} epochs)"
    )]
    EvidenceTooOld {
        /// The evidence's epoch.
        epoch: u64,
        /// The current epoch.
        current: u64,
        /// The unbonding delay.
        window: u64,
    },
    /// The signer index names no member of the epoch's set.
    #[error("participant {signer} is not in the set of epoch {epoch} ({n_members} members)")]
    UnknownSigner {
        /// The participant index.
        signer: u32,
        /// The epoch.
        epoch: u64,
        /// The set's size.
        n_members: usize,
    },
    /// A signature does not verify under the named member's key.
    #[error("the evidence's signatures do not verify for participant {signer} of epoch {epoch}")]
    BadEvidenceSignature {
        /// The participant index.
        signer: u32,
        /// The epoch.
        epoch: u64,
    },
    /// This fault is already recorded.
    #[error("this fault ({kind} by {offender} in epoch {epoch}, view {view}) is already recorded")]
    EvidenceExists {
        /// The fault.
        kind: &'static str,
        /// The offender.
        offender: Address,
        /// The epoch.
        epoch: u64,
        /// The view.
        view: u64,
    },
}

impl ModuleError for StakingError {
    fn code(&self) -> &'static str {
        match self {
            Self::Disabled => "STAKING_DISABLED",
            Self::ValidatorExists { .. } => "VALIDATOR_EXISTS",
            Self::NotAValidator { .. } => "NOT_A_VALIDATOR",
            Self::Jailed { .. } => "VALIDATOR_JAILED",
            Self::BelowMinimumStake { .. } => "BELOW_MINIMUM_STAKE",
            Self::TooManyCandidates { .. } => "TOO_MANY_CANDIDATES",
            Self::InsufficientStake { .. } => "INSUFFICIENT_STAKE",
            Self::TooManyUnbondings { .. } => "TOO_MANY_UNBONDINGS",
            Self::NothingToWithdraw { .. } => "NOTHING_TO_WITHDRAW",
            Self::Overflow => "OVERFLOW",
            Self::Evidence(error) => error.code(),
            Self::UnknownEpoch { .. } => "UNKNOWN_EPOCH",
            Self::EvidenceTooOld { .. } => "EVIDENCE_TOO_OLD",
            Self::UnknownSigner { .. } => "UNKNOWN_SIGNER",
            Self::BadEvidenceSignature { .. } => "BAD_EVIDENCE_SIGNATURE",
            Self::EvidenceExists { .. } => "EVIDENCE_EXISTS",
        }
    }
}

/// Why evidence bytes are not a double-sign fault, before any signature is looked at.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The bytes are not a simplex fault's encoding (truncated, trailing bytes, unknown tag,
    /// an invalid vote).
    #[error("malformed evidence: {0}")]
    Malformed(String),
    /// The bytes are a simplex activity, but not a fault (a single vote or a certificate).
    #[error(
        "activity tag {tag} is not a fault: evidence is a conflicting notarize (7), conflicting finalize (8) or nullify-finalize (9)"
    )]
    NotAFault {
        /// The activity tag.
        tag: u8,
    },
    /// The two votes are by different signers.
    #[error("the two votes are by different signers ({first} and {second})")]
    SignerMismatch {
        /// The first vote's participant index.
        first: u32,
        /// The second's.
        second: u32,
    },
    /// The two votes are for different rounds.
    #[error("the two votes are for different rounds")]
    RoundMismatch,
    /// The two votes are for the same proposal: no conflict.
    #[error("the two votes are for the same proposal: that is not a conflict")]
    NotConflicting,
}

impl EvidenceError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "MALFORMED_EVIDENCE",
            Self::NotAFault { .. } => "NOT_A_FAULT",
            Self::SignerMismatch { .. } => "EVIDENCE_SIGNER_MISMATCH",
            Self::RoundMismatch => "EVIDENCE_ROUND_MISMATCH",
            Self::NotConflicting => "EVIDENCE_NOT_CONFLICTING",
        }
    }
}
