//! The staking module at genesis: its parameters and the genesis validators' stakes.

use super::{
    MAX_VALIDATORS, SetMember, Staking, StakingParams, Validator, ValidatorSet, record::Candidates,
    state_key,
};
use crate::{GenesisError, Module, StateWrites, state_key};
use ailedger_core::{Address, Amount};
use commonware_codec::Encode;
use std::collections::BTreeMap;

/// What staking starts from. The genesis validators are the set of epoch 0; their stakes are
/// minted into the bonded pool (they count in the total supply but in no balance), so a
/// validator needs no balance at genesis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakingGenesis {
    /// The parameters.
    pub params: StakingParams,
    /// Each genesis validator's stake, one entry per validator of the genesis document.
    pub stakes: Vec<(Address, Amount)>,
}

impl StakingGenesis {
    /// The stake each genesis validator gets when the genesis document names none: the
    /// default minimum self-stake, so that they stay candidates with nothing more bonded.
    pub const DEFAULT_STAKE: Amount = StakingParams::DEFAULT.min_self_stake;

    /// Default parameters, and [`DEFAULT_STAKE`](Self::DEFAULT_STAKE) for each validator: what
    /// a genesis document without a staking section means.
    pub fn for_validators(validators: &[Address]) -> Self {
        Self {
            params: StakingParams::DEFAULT,
            stakes: validators
                .iter()
                .map(|validator| (validator.clone(), Self::DEFAULT_STAKE))
                .collect(),
        }
    }

    /// Checks the section against the genesis validators.
    pub fn validate(&self, validators: &[Address]) -> Result<(), GenesisError> {
        let invalid = |reason: &str| Err(GenesisError::InvalidStaking(reason.to_owned()));
        if let Err(reason) = self.params.validate() {
            return invalid(reason);
        }
        if validators.len() > usize::try_from(MAX_VALIDATORS).unwrap_or(usize::MAX) {
            return invalid("more than 256 genesis validators");
        }
        let stakes: BTreeMap<&Address, Amount> = self
            .stakes
            .iter()
            .map(|(address, stake)| (address, *stake))
            .collect();
        if stakes.len() != self.stakes.len() || stakes.len() != validators.len() {
            return invalid("every genesis validator needs exactly one stake");
        }
        for validator in validators {
            match stakes.get(validator) {
                None => return invalid("a stake is given for an account that is not a validator"),
                Some(0) => return invalid("a genesis validator's stake must be positive"),
                Some(_) => {}
            }
        }
        self.total_stake()?;
        Ok(())
    }

    /// Sum of the stakes.
    pub fn total_stake(&self) -> Result<Amount, GenesisError> {
        self.stakes
            .iter()
            .try_fold(0u128, |sum, (_, stake)| sum.checked_add(*stake))
            .ok_or(GenesisError::SupplyOverflow)
    }

    /// The writes that create the module's state (call [`validate`](Self::validate) first):
    /// parameters, validator records, candidates, the set of epoch 0 and the pool.
    pub(crate) fn state_writes(&self) -> Result<StateWrites, GenesisError> {
        let key = |raw: &[u8]| state_key(Staking::NAME, raw);
        let mut sorted = self.stakes.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut writes: StateWrites =
            vec![(key(state_key::PARAMS), Some(self.params.encode().to_vec()))];
        for (address, stake) in &sorted {
            let validator = Validator {
                p2p_address: String::new(),
                stake: *stake,
                unbonding: Vec::new(),
                jailed: false,
            };
            writes.push((
                key(&state_key::validator(address)),
                Some(validator.encode().to_vec()),
            ));
        }
        let candidates = Candidates(sorted.iter().map(|(address, _)| address.clone()).collect());
        writes.push((
            key(state_key::CANDIDATES),
            Some(candidates.encode().to_vec()),
        ));
        let set = ValidatorSet {
            epoch: 0,
            members: sorted
                .iter()
                .map(|(address, stake)| SetMember {
                    address: address.clone(),
                    stake: *stake,
                    p2p_address: String::new(),
                })
                .collect(),
        };
        writes.push((key(&state_key::set(0)), Some(set.encode().to_vec())));
        writes.push((
            key(state_key::POOL),
            Some(self.total_stake()?.encode().to_vec()),
        ));
        Ok(writes)
    }
}
