use super::{Account, Bank, state_key};
use crate::{Module, StateWrites, state_key};
use ailedger_core::{Address, Amount};
use commonware_codec::Encode;

/// Writes for the initial balances and the total supply.
pub(crate) fn state_writes(balances: &[(Address, Amount)], supply: Amount) -> StateWrites {
    let mut writes: StateWrites = balances
        .iter()
        .map(|(address, balance)| {
            let account = Account {
                balance: *balance,
                nonce: 0,
            };
            (
                state_key(Bank::NAME, &state_key::account(address)),
                Some(account.encode().to_vec()),
            )
        })
        .collect();
    writes.push((
        state_key(Bank::NAME, state_key::SUPPLY),
        Some(supply.encode().to_vec()),
    ));
    writes
}
