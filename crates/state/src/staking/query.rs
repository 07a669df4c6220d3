//! Reads of the staking state, for the API, the node and light clients: the parameters, a
//! validator, an epoch's set, a recorded fault.
//!
//! Like every query, each returns the state keys it read, so that the node can prove each value
//! (or its absence) against the state root. A light client that trusts a header can so learn
//! the set of the next epoch from the state alone: the key of epoch `e`'s set is
//! [`validator_set_key`]`(e)`.

use super::{
    EvidenceRecord, FaultKind, Staking, StakingParams, Validator, ValidatorSet, state_key,
};
use crate::{
    Module, StateKey, StateStore,
    provenance::query::{Queried, QueryError},
    state_key,
};
use ailedger_core::Address;
use commonware_codec::{Copying, Decode};

/// The state key of epoch `epoch`'s validator set.
pub fn validator_set_key(epoch: u64) -> StateKey {
    state_key(Staking::NAME, &state_key::set(epoch))
}

/// The staking parameters (absent on a chain without staking).
pub async fn params<S: StateStore>(
    store: &S,
) -> Result<Queried<Option<StakingParams>>, QueryError> {
    single(store, state_key::PARAMS, "staking params").await
}

/// A validator by consensus key.
pub async fn validator<S: StateStore>(
    store: &S,
    address: &Address,
) -> Result<Queried<Option<Validator>>, QueryError> {
    single(store, &state_key::validator(address), "validator").await
}

/// The validator set of an epoch (absent until the last block of the epoch before it).
pub async fn validator_set<S: StateStore>(
    store: &S,
    epoch: u64,
) -> Result<Queried<Option<ValidatorSet>>, QueryError> {
    single(store, &state_key::set(epoch), "validator set").await
}

/// A recorded double-sign fault.
pub async fn evidence<S: StateStore>(
    store: &S,
    kind: FaultKind,
    epoch: u64,
    view: u64,
    offender: &Address,
) -> Result<Queried<Option<EvidenceRecord>>, QueryError> {
    single(
        store,
        &state_key::evidence(kind, epoch, view, offender),
        "double-sign evidence",
    )
    .await
}

async fn single<S: StateStore, T: Decode<Cfg = ()>>(
    store: &S,
    raw: &[u8],
    what: &'static str,
) -> Result<Queried<Option<T>>, QueryError> {
    let key = state_key(Staking::NAME, raw);
    let value = match store.get(&key).await? {
        None => None,
        Some(bytes) => {
            Some(
                T::decode_cfg(Copying(&bytes), &()).map_err(|error| QueryError::Corrupt {
                    what,
                    reason: error.to_string(),
                })?,
            )
        }
    };
    Ok(Queried {
        value,
        keys: vec![key],
    })
}

/// The bonded pool: stake bonded and unbonding, not yet withdrawn or burned.
pub async fn pool<S: StateStore>(store: &S) -> Result<Queried<ailedger_core::Amount>, QueryError> {
    let queried = single::<S, ailedger_core::Amount>(store, state_key::POOL, "pool").await?;
    Ok(Queried {
        value: queried.value.unwrap_or(0),
        keys: queried.keys,
    })
}
