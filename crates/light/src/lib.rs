//! Light-client verification: trust the validator set, not the node.
//!
//! A full node's answers carry proofs against a block's state root, and
//! [`ailedger_client::verify`] checks them against the block header the node serves. That
//! header is still the node's word. A [`LightClient`] holds only the validator sets it has
//! verified and checks the header too: the node serves the block's finalization certificate
//! (`GET /v1/blocks/{height}/finalization`), the client checks that a quorum of the validators
//! of the certificate's epoch signed the finalization of exactly that block under the chain's
//! consensus namespace, that the header is of that epoch and its height inside it, and only
//! then trusts the header's state root for state proofs.
//!
//! # Validator sets across epochs
//!
//! The client starts from the genesis document: the validators of epoch 0 and the chain's
//! epochs (`ailedger_state::staking::ChainEpocher`, from the staking parameters). At the last
//! block of each epoch `e` the chain stores the set of `e + 1` and the block's header commits
//! to SHA-256 of that set's encoding (`next_validators`).
//! [`LightClient::learn_next_set`] accepts the set of `e + 1` only from such a boundary header
//! finalized by the known set of `e`, with bytes that hash to the commitment and decode as the
//! set of `e + 1`; so every set it knows descends from the genesis set by signatures alone,
//! and the node that served the bytes is not trusted. [`LightClient::learn_sets_to`] fetches
//! the boundaries from a node and learns every set up to a target epoch. A header is checked
//! only against the set of its own epoch; an epoch whose set is not known yet is
//! [`LightError::UnknownEpoch`], never a fallback to an older set, and a set has no say over
//! the heights of other epochs ([`LightError::HeightOutsideEpoch`]).
//!
//! What this does not cover yet: there is no protection against a set that signs a different
//! history long after its epoch ended (a light client starting from genesis must trust that
//! the old sets' keys were not sold; checkpoints would bound that).
//!
//! # Status
//!
//! ALPHA: the checks follow the chain's consensus rules, which change with epochs.

mod client;
mod error;
mod follow;
#[cfg(test)]
mod tests;

pub use client::{FinalizedHeader, LightClient};
pub use error::LightError;
