//! The staking module's raw keys, inside its `staking` key space (see [`crate::state_key`]).
//! Each starts with a one-byte tag, so no two kinds of key collide.
//!
//! | tag | raw key | value |
//! | --- | --- | --- |
//! | `0x01` | | [`StakingParams`](super::StakingParams) |
//! | `0x02` | address | [`Validator`](super::Validator) |
//! | `0x03` | | the candidates: addresses, strictly increasing |
//! | `0x04` | epoch `u64` big-endian | [`ValidatorSet`](super::ValidatorSet) |
//! | `0x05` | fault tag, epoch and view `u64` big-endian, offender | [`EvidenceRecord`](super::EvidenceRecord) |
//! | `0x06` | | the pool: stake bonded and unbonding, `u128` |

use super::FaultKind;
use ailedger_core::Address;

/// Raw key of the parameters.
pub const PARAMS: &[u8] = &[0x01];
/// Raw key of the candidates.
pub const CANDIDATES: &[u8] = &[0x03];
/// Raw key of the pool's total.
pub const POOL: &[u8] = &[0x06];

const VALIDATOR: u8 = 0x02;
const SET: u8 = 0x04;
const EVIDENCE: u8 = 0x05;

/// Raw key of a validator's record.
pub fn validator(address: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + Address::SIZE);
    key.push(VALIDATOR);
    key.extend_from_slice(address.as_bytes());
    key
}

/// Raw key of an epoch's validator set.
pub fn set(epoch: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 8);
    key.push(SET);
    key.extend_from_slice(&epoch.to_be_bytes());
    key
}

/// Raw key of a recorded fault: one per (kind, epoch, view, offender), so that the same fault
/// is never slashed twice, however its votes are re-signed or re-encoded.
pub fn evidence(kind: FaultKind, epoch: u64, view: u64, offender: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 1 + 8 + 8 + Address::SIZE);
    key.push(EVIDENCE);
    key.push(kind.tag());
    key.extend_from_slice(&epoch.to_be_bytes());
    key.extend_from_slice(&view.to_be_bytes());
    key.extend_from_slice(offender.as_bytes());
    key
}
