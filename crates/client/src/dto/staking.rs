//! Staking: the parameters with the epoch of the block read, a validator's record, and an
//! epoch's validator set; each answer with the height and state root it was read at and, when
//! asked for, the proof of the state value it was read from.
//!
//! A set also comes as its stored bytes (`encoded`), so that a light client can hash them: the
//! SHA-256 of a set's encoding is the `next_validators` of the header of the last block of the
//! epoch before (`boundary_height`).

use super::{ProvenState, ProvenValueView};
use crate::encoding::serde_with;
use ailedger_core::{Address, Amount, Hash, sha256};
use ailedger_state::staking::{
    EpochSpan, SetMember, StakingParams, Unbonding, Validator, ValidatorSet,
};
use commonware_codec::Encode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The rules of staking, fixed at genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StakingParamsView {
    /// The last height of epoch 0.
    pub fork_last: u64,
    /// Heights in every epoch after epoch 0.
    pub epoch_length: u64,
    /// Least stake a validator must keep to be a candidate for a set.
    #[serde(with = "serde_with::amount")]
    #[schema(value_type = String)]
    pub min_self_stake: Amount,
    /// Most validators in one epoch's set.
    pub max_validators: u32,
    /// Epochs an unbonded amount stays slashable before it can be withdrawn.
    pub unbonding_epochs: u64,
    /// Share of a validator's stake burned for double signing, in basis points.
    pub double_sign_slash_bps: u16,
}

impl From<&StakingParams> for StakingParamsView {
    fn from(params: &StakingParams) -> Self {
        Self {
            fork_last: params.fork_last,
            epoch_length: params.epoch_length,
            min_self_stake: params.min_self_stake,
            max_validators: params.max_validators,
            unbonding_epochs: params.unbonding_epochs,
            double_sign_slash_bps: params.double_sign_slash_bps,
        }
    }
}

impl StakingParamsView {
    /// The parameters shown.
    pub fn to_params(&self) -> StakingParams {
        StakingParams {
            fork_last: self.fork_last,
            epoch_length: self.epoch_length,
            min_self_stake: self.min_self_stake,
            max_validators: self.max_validators,
            unbonding_epochs: self.unbonding_epochs,
            double_sign_slash_bps: self.double_sign_slash_bps,
        }
    }
}

/// An epoch and its heights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EpochView {
    /// The epoch.
    pub epoch: u64,
    /// Its first height.
    pub first: u64,
    /// Its last height: the block at whose end the next epoch's set is fixed.
    pub last: u64,
}

impl From<EpochSpan> for EpochView {
    fn from(span: EpochSpan) -> Self {
        Self {
            epoch: span.epoch,
            first: span.first,
            last: span.last,
        }
    }
}

/// An amount on its way out of the bonded pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnbondingView {
    /// The first epoch in which it can be withdrawn; until then it stays slashable.
    pub release_epoch: u64,
    /// The amount.
    #[serde(with = "serde_with::amount")]
    #[schema(value_type = String)]
    pub amount: Amount,
}

impl From<&Unbonding> for UnbondingView {
    fn from(entry: &Unbonding) -> Self {
        Self {
            release_epoch: entry.release_epoch,
            amount: entry.amount,
        }
    }
}

/// A registered validator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidatorView {
    /// Its consensus key, which is its account address.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub address: Address,
    /// Where peers reach it (`ip:port`); empty for a genesis validator, whose address the
    /// nodes' configurations give.
    pub p2p_address: String,
    /// Bonded stake.
    #[serde(with = "serde_with::amount")]
    #[schema(value_type = String)]
    pub stake: Amount,
    /// Amounts unbonded and not withdrawn yet, by release epoch.
    pub unbonding: Vec<UnbondingView>,
    /// Slashed for double signing: never in a set again.
    pub jailed: bool,
}

impl ValidatorView {
    /// The record of `address`.
    pub fn new(address: &Address, validator: &Validator) -> Self {
        Self {
            address: address.clone(),
            p2p_address: validator.p2p_address.clone(),
            stake: validator.stake,
            unbonding: validator
                .unbonding
                .iter()
                .map(UnbondingView::from)
                .collect(),
            jailed: validator.jailed,
        }
    }
}

/// A member of an epoch's set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetMemberView {
    /// Its consensus key.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub address: Address,
    /// Its stake when the set was computed.
    #[serde(with = "serde_with::amount")]
    #[schema(value_type = String)]
    pub stake: Amount,
    /// Its p2p address then (empty for a genesis validator).
    pub p2p_address: String,
}

impl From<&SetMember> for SetMemberView {
    fn from(member: &SetMember) -> Self {
        Self {
            address: member.address.clone(),
            stake: member.stake,
            p2p_address: member.p2p_address.clone(),
        }
    }
}

/// The validators of one epoch, by address: a member's position is its participant index in
/// that epoch's consensus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidatorSetView {
    /// The epoch.
    pub epoch: u64,
    /// The members, by increasing address.
    pub members: Vec<SetMemberView>,
    /// Sum of the members' stakes.
    #[serde(with = "serde_with::amount")]
    #[schema(value_type = String)]
    pub total_stake: Amount,
}

impl From<&ValidatorSet> for ValidatorSetView {
    fn from(set: &ValidatorSet) -> Self {
        Self {
            epoch: set.epoch,
            members: set.members.iter().map(SetMemberView::from).collect(),
            total_stake: set
                .members
                .iter()
                .fold(0, |sum: Amount, member| sum.saturating_add(member.stake)),
        }
    }
}

answer! {
    /// `GET /v1/staking/params`.
    StakingParamsAnswer {
        /// The parameters.
        pub params: StakingParamsView,
        /// The epoch of the block the answer was read at (`height`), by these parameters.
        pub epoch: EpochView,
    }
}

answer! {
    /// `GET /v1/staking/validators/{address}`.
    ValidatorAnswer {
        /// The validator.
        pub validator: ValidatorView,
    }
}

answer! {
    /// `GET /v1/staking/sets/{epoch}` and `GET /v1/staking/sets/current`.
    ValidatorSetAnswer {
        /// The set.
        pub set: ValidatorSetView,
        /// The set's stored value (its canonical encoding), hex.
        #[serde(with = "serde_with::bytes")]
        #[schema(value_type = String)]
        pub encoded: Vec<u8>,
        /// SHA-256 of `encoded`: the `next_validators` of the header at `boundary_height`.
        #[serde(with = "serde_with::hash")]
        #[schema(value_type = String)]
        pub digest: Hash,
        /// The last block of the epoch before, whose header commits to this set; `null` for
        /// epoch 0, the genesis validators.
        pub boundary_height: Option<u64>,
    }
}

impl ValidatorSetAnswer {
    /// The encoding and digest fields of `set`.
    pub fn encoding_of(set: &ValidatorSet) -> (Vec<u8>, Hash) {
        let encoded = set.encode().to_vec();
        let digest = sha256(&[&encoded]);
        (encoded, digest)
    }
}
