//! Reads of the bank's state, for the API and tools.

use super::{Account, Bank, state_key};
use crate::{Module, StateKey, StateStore, StoreError, state_key};
use ailedger_core::{Address, Amount};
use commonware_codec::{Copying, Decode};

/// The state key of an account (what a proof is about).
pub fn account_key(address: &Address) -> StateKey {
    state_key(Bank::NAME, &state_key::account(address))
}

/// An account, or the empty account if it was never written.
pub async fn account<S: StateStore>(store: &S, address: &Address) -> Result<Account, StoreError> {
    match store.get(&account_key(address)).await? {
        None => Ok(Account::default()),
        Some(bytes) => Account::decode_cfg(Copying(&bytes), &())
            .map_err(|error| StoreError(format!("corrupt account {address}: {error}"))),
    }
}

/// The total supply.
pub async fn supply<S: StateStore>(store: &S) -> Result<Amount, StoreError> {
    match store.get(&state_key(Bank::NAME, state_key::SUPPLY)).await? {
        None => Ok(0),
        Some(bytes) => u128::decode_cfg(Copying(&bytes), &())
            .map_err(|error| StoreError(format!("corrupt supply: {error}"))),
    }
}
