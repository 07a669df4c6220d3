//! Why a header, a validator set or a proof is not trusted.

use ailedger_client::{ClientError, verify::VerificationError};
use ailedger_core::Hash;
use thiserror::Error;

/// Why a header, a validator set or a proof under a header is not trusted.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LightError {
    /// The validator set is empty or repeats a key.
    #[error("invalid validator set: {0}")]
    ValidatorSet(String),
    /// The genesis document defines no epochs (its staking parameters are invalid).
    #[error("the genesis document's staking parameters define no epochs")]
    NoEpochs,
    /// The certificate bytes do not decode.
    #[error("the finalization certificate does not decode: {0}")]
    Malformed(String),
    /// The certificate is for another block.
    #[error("the finalization certificate is for block {certified}, not block {block}")]
    OtherBlock {
        /// The block it certifies.
        certified: Hash,
        /// The block it came with.
        block: Hash,
    },
    /// The header names another epoch than the certificate that finalized it.
    #[error("the header is of epoch {header}, its finalization certificate of epoch {certificate}")]
    EpochMismatch {
        /// The header's epoch.
        header: u64,
        /// The certificate's epoch.
        certificate: u64,
    },
    /// The block's height is not in the epoch it was finalized in, by the chain's epochs: an
    /// epoch's validators have no say over the heights of other epochs.
    #[error("block {height} is in epoch {expected}, but was finalized in epoch {epoch}")]
    HeightOutsideEpoch {
        /// The block's height.
        height: u64,
        /// The epoch of its certificate (and header).
        epoch: u64,
        /// The epoch the chain's epochs put the height in.
        expected: u64,
    },
    /// No validator set is known for the certificate's epoch: learn the sets up to it first
    /// ([`LightClient::learn_next_set`](crate::LightClient::learn_next_set)).
    #[error("no validator set is known for epoch {epoch} (known up to epoch {highest})")]
    UnknownEpoch {
        /// The epoch asked for.
        epoch: u64,
        /// The highest epoch whose set is known.
        highest: u64,
    },
    /// The signatures are not a quorum of the epoch's validator set over this finalization.
    #[error(
        "the finalization certificate is not signed by a quorum of the validators of epoch {epoch}"
    )]
    BadSignatures {
        /// The certificate's epoch.
        epoch: u64,
    },
    /// The header does not hash to the block id it was served under.
    #[error("the block's header hashes to {computed}, not to its id {claimed}")]
    HeaderMismatch {
        /// The header's hash.
        computed: Hash,
        /// The id it came with.
        claimed: Hash,
    },
    /// The block a next validator set was to be learned from is not the last block of its
    /// epoch, so its header commits to no set.
    #[error("block {height} is not the last block of epoch {epoch}")]
    NotBoundary {
        /// The block's height.
        height: u64,
        /// Its epoch.
        epoch: u64,
    },
    /// The set's bytes are not the set the boundary header commits to.
    #[error("the validator set hashes to {served}, but the boundary header commits to {committed}")]
    SetHashMismatch {
        /// The header's `next_validators`.
        committed: Hash,
        /// SHA-256 of the bytes served.
        served: Hash,
    },
    /// The set's bytes, though committed to, do not decode as a validator set.
    #[error("the validator set does not decode: {0}")]
    MalformedSet(String),
    /// The set is for another epoch than the one after the boundary's.
    #[error("the validator set is for epoch {found}, not epoch {expected}")]
    SetOfOtherEpoch {
        /// The epoch after the boundary's.
        expected: u64,
        /// The epoch the set names.
        found: u64,
    },
    /// A set differing from the one already learned for the same epoch, under a valid
    /// certificate: two finalized boundaries disagree, which a quorum of honest validators
    /// never signs.
    #[error("a second, different validator set for epoch {epoch} is certified")]
    ConflictingSet {
        /// The epoch.
        epoch: u64,
    },
    /// The node served another block than the boundary asked for.
    #[error("asked the node for block {requested}, it served block {served}")]
    OtherHeight {
        /// The height asked for.
        requested: u64,
        /// The height of the block served.
        served: u64,
    },
    /// The node has no validator set stored for the epoch.
    #[error("the node has no validator set for epoch {epoch}")]
    SetMissing {
        /// The epoch.
        epoch: u64,
    },
    /// The epoch ends past the last height, so it has no boundary block.
    #[error("epoch {epoch} has no last block")]
    EpochOutOfRange {
        /// The epoch.
        epoch: u64,
    },
    /// A request to the node failed.
    #[error(transparent)]
    Node(#[from] ClientError),
    /// A state proof under the finalized header does not verify.
    #[error(transparent)]
    State(#[from] VerificationError),
}
