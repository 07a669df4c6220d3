//! The logs module's raw keys, inside its `logs` key space (see [`crate::state_key`]). Each
//! starts with a one-byte tag, so no two kinds of key collide.
//!
//! | tag | raw key | value |
//! | --- | --- | --- |
//! | `0x01` | origin (UTF-8) | [`LogRecord`](super::LogRecord) |
//! | `0x02` | `SHA-256(origin)`, sequence number `u64` big-endian | [`AnchorRecord`](super::AnchorRecord) |
//! | `0x03` | `SHA-256(origin)`, index `u64` big-endian | [`EvidenceRecord`](super::EvidenceRecord) |
//! | `0x04` | `SHA-256(origin)`, [`evidence_id`](super::evidence_id) | index of the evidence record, `u64` |

use ailedger_core::{Hash, sha256};

const LOG: u8 = 0x01;
const ANCHOR: u8 = 0x02;
const EVIDENCE: u8 = 0x03;
const EVIDENCE_SEEN: u8 = 0x04;

/// Raw key of a log's record.
pub fn log(origin: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + origin.len());
    key.push(LOG);
    key.extend_from_slice(origin.as_bytes());
    key
}

/// Raw key of a log's anchored checkpoint number `seq`.
pub fn anchor(origin: &str, seq: u64) -> Vec<u8> {
    numbered(ANCHOR, origin, seq)
}

/// Raw key of a log's evidence record number `index`.
pub fn evidence(origin: &str, index: u64) -> Vec<u8> {
    numbered(EVIDENCE, origin, index)
}

/// Raw key marking a piece of evidence as recorded, so that it is recorded once.
pub fn evidence_seen(origin: &str, id: &Hash) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 2 * 32);
    key.push(EVIDENCE_SEEN);
    key.extend_from_slice(sha256(&[origin.as_bytes()]).as_ref());
    key.extend_from_slice(id.as_ref());
    key
}

fn numbered(tag: u8, origin: &str, n: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 32 + 8);
    key.push(tag);
    key.extend_from_slice(sha256(&[origin.as_bytes()]).as_ref());
    key.extend_from_slice(&n.to_be_bytes());
    key
}
