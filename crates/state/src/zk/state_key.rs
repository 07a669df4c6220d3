//! The zk module's raw keys, inside its `zk` key space (see [`crate::state_key`]). Each starts
//! with a one-byte tag, so no two kinds of key collide.
//!
//! | tag | raw key | value |
//! | --- | --- | --- |
//! | `0x01` | model version id | [`ProvingIdentity`](super::ProvingIdentity) (never rewritten) |
//! | `0x02` | inference id | [`Inference`](super::Inference) (never rewritten) |

use ailedger_core::Hash;

const IDENTITY: u8 = 0x01;
const INFERENCE: u8 = 0x02;

/// Raw key of a model version's proving identity.
pub fn identity(version: &Hash) -> Vec<u8> {
    tagged(IDENTITY, version)
}

/// Raw key of a verified inference.
pub fn inference(id: &Hash) -> Vec<u8> {
    tagged(INFERENCE, id)
}

fn tagged(tag: u8, id: &Hash) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 32);
    key.push(tag);
    key.extend_from_slice(id.as_ref());
    key
}
