//! Logs: transparency logs registered by their operators, and their checkpoints anchored on
//! the chain so that a log can neither rewrite nor fork its history unnoticed.
//!
//! # Records
//!
//! - A [`LogRecord`] is registered under its origin (the first line of its C2SP checkpoints)
//!   with the Ed25519 key its checkpoints are signed with; the sender is its operator.
//! - An [`AnchorRecord`] is a signed checkpoint the chain accepted, numbered from 0. The
//!   first anchor of a log needs only a valid signature; each later one must be at least as
//!   large as the latest and come with the RFC 9162 consistency proof from it, which the chain
//!   checks. So the anchored checkpoints of a log are one growing tree.
//! - An [`EvidenceRecord`] is [`ForkEvidence`]: two checkpoints signed by the log's key that
//!   cannot both be true. Recording one marks the log [`LogStatus::Forked`] and no anchor is
//!   accepted afterwards.
//!
//! # What is evidence
//!
//! A checkpoint that fails its consistency proof is refused, not recorded: anyone can attach a
//! wrong proof to two honest checkpoints, so a failed proof proves nothing. Evidence is what only
//! the key's holder can produce: two signed trees of one size with different roots (an anchor
//! that does this is recorded as evidence at once, and its transaction succeeds), or two signed
//! trees with inclusion proofs of different leaves at one index ([`LogsMsg::ReportFork`]).
//! Anyone can report; a piece of evidence is recorded once ([`evidence_id`]).
//!
//! # Gas
//!
//! Reads and writes are metered per byte; on top, each message pays a base charge, each
//! checkpoint signature [`SIGNATURE_GAS`], each byte of checkpoint [`CHECKPOINT_BYTE_GAS`] and
//! each proof hash [`PROOF_HASH_GAS`]. An anchor with a full 64-hash proof costs about 60,000
//! gas.
//!
//! # Events
//!
//! `log_registered`, `log_anchored` and `log_forked`.
//!
//! The module has nothing at genesis.

mod error;
mod execute;
mod msg;
pub mod query;
mod record;
pub mod state_key;
#[cfg(test)]
mod tests;

pub use error::{LogsError, MsgError};
pub use execute::{
    ANCHOR_GAS, CHECKPOINT_BYTE_GAS, PROOF_HASH_GAS, REGISTER_LOG_GAS, REPORT_FORK_GAS,
    SIGNATURE_GAS,
};
pub use msg::{LogsMsg, validate_origin};
pub use record::{
    AnchorRecord, EvidenceRecord, ForkEvidence, LeafClaim, LogRecord, LogStatus,
    MAX_CHECKPOINT_LEN, MAX_ORIGIN_LEN, MAX_PROOF_HASHES,
};

use crate::{ExecError, Module, StateStore, TxContext, TxError, TxState};
use ailedger_core::{DecodeError, Hash, ModuleId, sha256};
use commonware_codec::{Copying, Decode};

/// Domain tag of evidence ids.
pub const EVIDENCE_ID_TAG: &[u8] = b"ailedger/log-fork/v1";

/// The id of a piece of evidence: `SHA-256(tag || len || first || len || second)` over its two
/// signed checkpoints in byte order (lengths as `u32` big-endian), so that the same pair of
/// conflicting checkpoints is recorded once, whichever way round and in whichever form it is
/// reported.
pub fn evidence_id(evidence: &ForkEvidence) -> Hash {
    let [a, b] = evidence.checkpoints();
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    let len = |bytes: &[u8]| u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes();
    sha256(&[EVIDENCE_ID_TAG, &len(first), first, &len(second), second])
}

/// The logs module.
#[derive(Debug, Clone, Copy)]
pub struct Logs;

impl Module for Logs {
    const NAME: &'static str = "logs";
    const ID: ModuleId = ModuleId::new(3);
    type Msg = LogsMsg;

    fn decode(payload: &[u8]) -> Result<LogsMsg, DecodeError> {
        LogsMsg::decode_cfg(Copying(payload), &())
    }

    fn check(msg: &LogsMsg) -> Result<(), TxError> {
        msg.validate().map_err(|error| TxError::InvalidMessage {
            module: Self::NAME,
            reason: error.to_string(),
        })
    }

    fn execute<S: StateStore>(
        state: &mut TxState<'_, S>,
        ctx: &TxContext<'_>,
        msg: LogsMsg,
    ) -> impl Future<Output = Result<(), ExecError>> + Send {
        execute::execute(state, ctx, msg)
    }
}
