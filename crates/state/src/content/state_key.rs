//! The content module's raw keys, inside its `content` key space (see [`crate::state_key`]).
//! Each starts with a one-byte tag, so no two kinds of key collide.
//!
//! | tag | raw key | value |
//! | --- | --- | --- |
//! | `0x01` | content digest | number of claims, `u32` |
//! | `0x02` | content digest, index `u32` big-endian | [`Claim`](super::Claim) (never rewritten) |
//! | `0x03` | (none) | number of claims of all content, `u64` |
//! | `0x04` | registration number `u64` big-endian | [`ClaimRef`](super::ClaimRef) |
//! | `0x05` | content digest, claimant address | index of the claimant's claim, `u32` |

use ailedger_core::{Address, Hash};

const CLAIM_COUNT: u8 = 0x01;
const CLAIM: u8 = 0x02;
const TOTAL: u8 = 0x03;
const BY_SEQ: u8 = 0x04;
const CLAIMANT: u8 = 0x05;

/// Raw key of the number of claims of `content`.
pub fn claim_count(content: &Hash) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 32);
    key.push(CLAIM_COUNT);
    key.extend_from_slice(content.as_ref());
    key
}

/// Raw key of claim `index` of `content`.
pub fn claim(content: &Hash, index: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 32 + 4);
    key.push(CLAIM);
    key.extend_from_slice(content.as_ref());
    key.extend_from_slice(&index.to_be_bytes());
    key
}

/// Raw key of the number of claims of all content.
pub fn total() -> Vec<u8> {
    vec![TOTAL]
}

/// Raw key of the claim with global registration number `seq`.
pub fn by_seq(seq: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 8);
    key.push(BY_SEQ);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// Raw key of `claimant`'s claim on `content`.
pub fn claimant(content: &Hash, claimant: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 32 + 32);
    key.push(CLAIMANT);
    key.extend_from_slice(content.as_ref());
    key.extend_from_slice(claimant.as_bytes());
    key
}
