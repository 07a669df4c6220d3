//! Account bookkeeping around every transaction: nonces and fees.
//!
//! These run outside the message's metered overlay (their cost is in the intrinsic gas), directly
//! on the block overlay, so that a failed message still pays its fee and uses its nonce.

use super::{Account, Bank, state_key};
use crate::{BlockOverlay, Module, StateStore, StoreError, state_key};
use ailedger_core::Address;
use commonware_codec::{Copying, Decode, Encode};

/// Reads an account (the default, empty account if it has never been written).
pub async fn load<S: StateStore>(
    overlay: &mut BlockOverlay<S>,
    address: &Address,
) -> Result<Account, StoreError> {
    let key = state_key(Bank::NAME, &state_key::account(address));
    match overlay.get(&key).await? {
        None => Ok(Account::default()),
        Some(bytes) => Account::decode_cfg(Copying(&bytes), &())
            .map_err(|error| StoreError(format!("corrupt account {address}: {error}"))),
    }
}

/// Writes an account.
pub fn save<S: StateStore>(overlay: &mut BlockOverlay<S>, address: &Address, account: &Account) {
    let key = state_key(Bank::NAME, &state_key::account(address));
    overlay.put(key, Some(account.encode().to_vec()));
}
