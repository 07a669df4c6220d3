//! Staking: validators bond tokens, each epoch's validator set is computed from the stakes at
//! the end of the epoch before it, and double signing is slashed on evidence.
//!
//! This is the chain's side of validator-set changes (`docs/validator-set-changes.md`): the
//! deterministic state the node's epoch orchestrator reads. It does not switch the node's
//! consensus by itself.
//!
//! # Epochs
//!
//! Heights map to epochs by [`ChainEpocher`] (epoch 0 up to `fork_last`, then epochs of
//! `epoch_length` heights), from the [`StakingParams`] stored at genesis. At the end of the last
//! block of epoch `e` (the module's [`end_block`](crate::Module::end_block) hook), the set of
//! epoch `e + 1` is computed and stored under `e + 1` as a [`ValidatorSet`]: the top
//! `max_validators` candidates by stake, ties broken by the lower address, among those not
//! jailed and holding at least `min_self_stake`; then ordered by address, which is the
//! participant order of that epoch's consensus. If no candidate is eligible the current set
//! carries on, since an empty set would stop the chain. The set of epoch 0 is the genesis
//! validators. Sets are kept for every epoch, so that old finalizations and old evidence can
//! be checked, and each is provable under [`query::validator_set_key`].
//!
//! # Stake
//!
//! [`StakingMsg::RegisterValidator`] (the sender's key is its consensus key) and
//! [`StakingMsg::Bond`] move tokens from the sender's bank balance into the bonded pool. Every
//! candidate holds at least the minimum (a bond or unbond that would leave it between zero and
//! the minimum is refused), so each of the [`MAX_CANDIDATES`] slots costs that much to take.
//! [`StakingMsg::Unbond`] takes stake out of the count at the next boundary; the amount stays
//! in the pool, slashable, for `unbonding_epochs` epochs after the current one, and is then
//! moved back by [`StakingMsg::Withdraw`]. Withdrawal is a message rather than automatic at the
//! boundary so that the boundary's unpaid work stays bounded by the number of candidates, and
//! each owner pays for its own release. A validator with nothing left is forgotten.
//!
//! # Double signing
//!
//! [`StakingMsg::ReportDoubleSign`] carries a Commonware simplex fault (`ConflictingNotarize`,
//! `ConflictingFinalize` or `NullifyFinalize`, ed25519, [`ailedger_core::Hash`] digests),
//! verified in the state machine against the stored set of the fault's own epoch
//! ([`DoubleSign`]). Evidence is accepted for the current epoch and the `unbonding_epochs`
//! before it (after that, the stake may be gone). An accepted fault burns
//! `double_sign_slash_bps` of the offender's stake and of its unbonding amounts (taken from the
//! pool and from the total supply), jails it for good (out of the candidates, never in a set
//! again, its record kept so that the key cannot register afresh) and is recorded under
//! (kind, epoch, view, offender), so the same fault is never slashed twice. A validator is
//! slashed once: later faults are recorded and burn nothing. The reporter pays the fee and
//! gets no reward: the honest validators report what their consensus engines detect, and a
//! reward paid out of the burn would let an offender recover part of its penalty by reporting
//! itself.
//!
//! # Gas
//!
//! Reads and writes are metered per byte; on top, registration pays [`REGISTER_VALIDATOR_GAS`],
//! the other stake messages [`BOND_GAS`], and a report [`REPORT_DOUBLE_SIGN_GAS`] plus
//! [`EVIDENCE_BYTE_GAS`] per byte before decoding, then [`SET_MEMBER_GAS`] per member of the
//! epoch's set and [`SIGNATURE_GAS`] per signature before verifying, so refused evidence pays
//! for the work it caused.
//!
//! # Events
//!
//! `validator_registered`, `bonded`, `unbonded`, `withdrawn`, `double_sign_slashed` and
//! `validator_jailed`. The boundary emits none (a block's end has no receipt); its result is
//! the stored set.

mod epoch;
mod error;
mod evidence;
mod execute;
pub(crate) mod genesis;
mod msg;
mod params;
pub mod query;
mod record;
pub mod state_key;
#[cfg(test)]
mod tests;

pub use epoch::{ChainEpocher, EpochSpan};
pub use error::{EvidenceError, MsgError, StakingError};
pub use evidence::{DoubleSign, MAX_EVIDENCE_LEN};
pub use execute::{
    BOND_GAS, EVIDENCE_BYTE_GAS, REGISTER_VALIDATOR_GAS, REPORT_DOUBLE_SIGN_GAS, SET_MEMBER_GAS,
    SIGNATURE_GAS,
};
pub use genesis::StakingGenesis;
pub use msg::{StakingMsg, validate_p2p_address};
pub use params::{BPS, StakingParams};
pub use record::{EvidenceRecord, FaultKind, SetMember, Unbonding, Validator, ValidatorSet};

use crate::{BlockContext, ExecError, Module, StateStore, TxContext, TxError, TxState};
use ailedger_core::{DecodeError, ModuleId};
use commonware_codec::{Copying, Decode};

/// Most validators in one epoch's set (and at genesis).
pub const MAX_VALIDATORS: u32 = 256;
/// Most candidates at once: the boundary reads each of them, unpaid, once per epoch.
pub const MAX_CANDIDATES: usize = 1024;
/// Most unbonding amounts a validator may have waiting.
pub const MAX_UNBONDINGS: usize = 32;
/// Longest p2p address, in bytes.
pub const MAX_P2P_ADDRESS_LEN: usize = 64;

/// The staking module.
#[derive(Debug, Clone, Copy)]
pub struct Staking;

impl Module for Staking {
    const NAME: &'static str = "staking";
    const ID: ModuleId = ModuleId::new(6);
    type Msg = StakingMsg;

    fn decode(payload: &[u8]) -> Result<StakingMsg, DecodeError> {
        StakingMsg::decode_cfg(Copying(payload), &())
    }

    fn check(msg: &StakingMsg) -> Result<(), TxError> {
        msg.validate().map_err(|error| TxError::InvalidMessage {
            module: Self::NAME,
            reason: error.to_string(),
        })
    }

    fn execute<S: StateStore>(
        state: &mut TxState<'_, S>,
        ctx: &TxContext<'_>,
        msg: StakingMsg,
    ) -> impl Future<Output = Result<(), ExecError>> + Send {
        execute::execute(state, ctx, msg)
    }

    fn end_block<S: StateStore>(
        state: &mut TxState<'_, S>,
        block: &BlockContext,
    ) -> impl Future<Output = Result<(), ExecError>> + Send {
        execute::end_block(state, block)
    }
}
