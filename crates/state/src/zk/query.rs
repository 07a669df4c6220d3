//! Reads of the zk state, for the API and tools. Each returns the state keys it read, so the
//! API can attach proofs against the state root (see [`crate::provenance::query`]).

use super::{Inference, ProvingIdentity, Zk, state_key};
use crate::{
    Module, StateKey, StateStore,
    provenance::query::{Queried, QueryError},
    state_key,
};
use ailedger_core::Hash;
use commonware_codec::{Copying, Decode};

/// The state key of a model version's proving identity.
pub fn identity_key(version: &Hash) -> StateKey {
    state_key(Zk::NAME, &state_key::identity(version))
}

/// The state key of a verified inference.
pub fn inference_key(id: &Hash) -> StateKey {
    state_key(Zk::NAME, &state_key::inference(id))
}

/// A model version's proving identity, if it has one.
pub async fn identity<S: StateStore>(
    store: &S,
    version: &Hash,
) -> Result<Queried<Option<ProvingIdentity>>, QueryError> {
    read(store, identity_key(version), "proving identity").await
}

/// A verified inference, if recorded.
pub async fn inference<S: StateStore>(
    store: &S,
    id: &Hash,
) -> Result<Queried<Option<Inference>>, QueryError> {
    read(store, inference_key(id), "inference").await
}

async fn read<S: StateStore, T: Decode<Cfg = ()>>(
    store: &S,
    key: StateKey,
    what: &'static str,
) -> Result<Queried<Option<T>>, QueryError> {
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
