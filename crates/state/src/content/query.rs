//! Reads of the content state, for the API, tools and the node's near-duplicate index. Each
//! returns the state keys it read, so the API can attach proofs against the state root (see
//! [`crate::provenance::query`]).

use super::{Claim, ClaimRef, Content, state_key};
use crate::{
    Module, StateKey, StateStore,
    provenance::query::{Queried, QueryError},
    state_key,
};
use ailedger_core::Hash;
use commonware_codec::{Copying, Decode};

/// The claims of one content digest, in registration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentClaims {
    /// The content digest.
    pub content: Hash,
    /// How many claims it has in all.
    pub total: u32,
    /// The claims asked for, from the requested offset. The first claimant is claim 0.
    pub claims: Vec<Claim>,
}

/// The state key of the number of claims of `content`.
pub fn claim_count_key(content: &Hash) -> StateKey {
    state_key(Content::NAME, &state_key::claim_count(content))
}

/// The state key of claim `index` of `content`.
pub fn claim_key(content: &Hash, index: u32) -> StateKey {
    state_key(Content::NAME, &state_key::claim(content, index))
}

/// The state key of the number of claims of all content.
pub fn total_key() -> StateKey {
    state_key(Content::NAME, &state_key::total())
}

/// The state key of where the claim with registration number `seq` is.
pub fn by_seq_key(seq: u64) -> StateKey {
    state_key(Content::NAME, &state_key::by_seq(seq))
}

/// Claims `offset..offset + limit` of `content` (fewer at the end), with the total count. A
/// content nobody claimed has a total of 0.
pub async fn claims<S: StateStore>(
    store: &S,
    content: &Hash,
    offset: u32,
    limit: usize,
) -> Result<Queried<ContentClaims>, QueryError> {
    let count_key = claim_count_key(content);
    let total: u32 = read(store, &count_key, "claim count").await?.unwrap_or(0);
    let mut keys = vec![count_key];
    let mut claims = Vec::new();
    let end = total.min(offset.saturating_add(u32::try_from(limit).unwrap_or(u32::MAX)));
    for index in offset..end {
        let key = claim_key(content, index);
        let claim: Claim =
            read(store, &key, "claim")
                .await?
                .ok_or_else(|| QueryError::Corrupt {
                    what: "claim",
                    reason: format!("claim {index} of {content} is missing"),
                })?;
        keys.push(key);
        claims.push(claim);
    }
    Ok(Queried {
        value: ContentClaims {
            content: *content,
            total,
            claims,
        },
        keys,
    })
}

/// The number of claims registered on all content: registration numbers run `0..total`.
pub async fn total<S: StateStore>(store: &S) -> Result<Queried<u64>, QueryError> {
    let key = total_key();
    let total = read(store, &key, "claim total").await?.unwrap_or(0);
    Ok(Queried {
        value: total,
        keys: vec![key],
    })
}

/// The claim with global registration number `seq`, if there is one.
pub async fn claim_by_seq<S: StateStore>(
    store: &S,
    seq: u64,
) -> Result<Queried<Option<Claim>>, QueryError> {
    let pointer_key = by_seq_key(seq);
    let Some(pointer) = read::<_, ClaimRef>(store, &pointer_key, "claim pointer").await? else {
        return Ok(Queried {
            value: None,
            keys: vec![pointer_key],
        });
    };
    let key = claim_key(&pointer.content, pointer.index);
    let claim = read(store, &key, "claim").await?;
    Ok(Queried {
        value: claim,
        keys: vec![pointer_key, key],
    })
}

async fn read<S: StateStore, T: Decode<Cfg = ()>>(
    store: &S,
    key: &StateKey,
    what: &'static str,
) -> Result<Option<T>, QueryError> {
    match store.get(key).await? {
        None => Ok(None),
        Some(bytes) => T::decode_cfg(Copying(&bytes), &())
            .map(Some)
            .map_err(|error| QueryError::Corrupt {
                what,
                reason: error.to_string(),
            }),
    }
}
