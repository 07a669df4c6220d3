//! The bank's raw keys, inside its `bank` key space (see [`crate::state_key`]).

use ailedger_core::Address;

/// Raw key of an account: `0x01 || address`.
pub fn account(address: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + Address::SIZE);
    key.push(0x01);
    key.extend_from_slice(address.as_bytes());
    key
}

/// Raw key of the total supply.
pub const SUPPLY: &[u8] = &[0x02];
