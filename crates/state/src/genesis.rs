//! The initial state of a chain.

use crate::{
    ChainParams, StateWrites, bank,
    params::{CHAIN, PARAMS_KEY},
    staking::StakingGenesis,
    state_key,
};
use ailedger_core::{Address, Amount, ChainId, Hash, sha256, write_string};
use commonware_codec::{Encode, Write};
use std::collections::BTreeSet;
use thiserror::Error;

/// What a chain starts from. Its [`hash`](Self::hash) is committed to by the genesis block, so
/// nodes with different genesis documents never agree on a block.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Genesis {
    /// The chain id.
    pub chain_id: ChainId,
    /// Genesis time, milliseconds since the Unix epoch.
    pub genesis_time_ms: u64,
    /// Chain parameters.
    pub params: ChainParams,
    /// The validator set (consensus keys).
    pub validators: Vec<Address>,
    /// Initial balances.
    pub balances: Vec<(Address, Amount)>,
    /// The staking section; `None` means [`StakingGenesis::for_validators`] (default
    /// parameters, each validator staked the default), and hashes as a document written before
    /// the section existed.
    pub staking: Option<StakingGenesis>,
}

/// Why a genesis document is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum GenesisError {
    /// No validators.
    #[error("genesis has no validators")]
    NoValidators,
    /// A validator listed twice.
    #[error("validator {0} is listed twice")]
    DuplicateValidator(String),
    /// An account listed twice.
    #[error("account {0} is listed twice in the balances")]
    DuplicateAccount(String),
    /// Balances add up to more than the token can represent.
    #[error("the balances add up to more than {}", u128::MAX)]
    SupplyOverflow,
    /// A parameter that would stop the chain.
    #[error("invalid parameter: {0}")]
    InvalidParams(&'static str),
    /// The staking section is unusable.
    #[error("invalid staking genesis: {0}")]
    InvalidStaking(String),
}

impl Genesis {
    /// Checks the document.
    pub fn validate(&self) -> Result<(), GenesisError> {
        if self.validators.is_empty() {
            return Err(GenesisError::NoValidators);
        }
        let mut seen = BTreeSet::new();
        for validator in &self.validators {
            if !seen.insert(validator) {
                return Err(GenesisError::DuplicateValidator(validator.to_string()));
            }
        }
        let mut seen = BTreeSet::new();
        for (account, _) in &self.balances {
            if !seen.insert(account) {
                return Err(GenesisError::DuplicateAccount(account.to_string()));
            }
        }
        let staking = self.staking();
        staking.validate(&self.validators)?;
        self.total_supply()?
            .checked_add(staking.total_stake()?)
            .ok_or(GenesisError::SupplyOverflow)?;
        if self.params.block_gas_limit < crate::executor::MIN_BLOCK_GAS_LIMIT {
            return Err(GenesisError::InvalidParams(
                "block_gas_limit is too small for a single transaction",
            ));
        }
        Ok(())
    }

    /// The staking section in effect: the document's, or the default one.
    pub fn staking(&self) -> StakingGenesis {
        self.staking
            .clone()
            .unwrap_or_else(|| StakingGenesis::for_validators(&self.validators))
    }

    /// Sum of the initial balances (the staking module's genesis stakes are minted on top).
    pub fn total_supply(&self) -> Result<Amount, GenesisError> {
        self.balances
            .iter()
            .try_fold(0u128, |sum, (_, amount)| sum.checked_add(*amount))
            .ok_or(GenesisError::SupplyOverflow)
    }

    /// SHA-256 of the document's canonical encoding.
    pub fn hash(&self) -> Hash {
        let mut buf = Vec::new();
        write_string(self.chain_id.as_str(), &mut buf);
        self.genesis_time_ms.write(&mut buf);
        self.params.write(&mut buf);
        self.validators.len().write(&mut buf);
        for validator in &self.validators {
            validator.write(&mut buf);
        }
        self.balances.len().write(&mut buf);
        for (account, amount) in &self.balances {
            account.write(&mut buf);
            amount.write(&mut buf);
        }
        if let Some(staking) = &self.staking {
            staking.params.write(&mut buf);
            staking.stakes.len().write(&mut buf);
            for (validator, stake) in &staking.stakes {
                validator.write(&mut buf);
                stake.write(&mut buf);
            }
        }
        sha256(&[&buf])
    }

    /// The state writes that create the initial state, in key order, with the document's
    /// staking section ([`staking`](Self::staking)).
    pub fn state_writes(&self) -> Result<StateWrites, GenesisError> {
        self.state_writes_with(&self.staking())
    }

    /// The state writes that create the initial state, in key order, with a staking section.
    /// The genesis stakes are minted: the total supply is the balances plus the stakes.
    pub fn state_writes_with(&self, staking: &StakingGenesis) -> Result<StateWrites, GenesisError> {
        self.validate()?;
        staking.validate(&self.validators)?;
        let supply = self
            .total_supply()?
            .checked_add(staking.total_stake()?)
            .ok_or(GenesisError::SupplyOverflow)?;
        let mut writes = vec![(
            state_key(CHAIN, PARAMS_KEY),
            Some(self.params.encode().to_vec()),
        )];
        writes.extend(bank::genesis::state_writes(&self.balances, supply));
        writes.extend(staking.state_writes()?);
        writes.sort_by_key(|(key, _)| *key);
        Ok(writes)
    }
}
