//! The read side of the state: keys and the [`StateStore`] trait.

use crate::error::StoreError;
use ailedger_core::{Hash, sha256};
use std::{collections::BTreeMap, future::Future};

/// A key in the authenticated state: SHA-256 of the module name and the module's own key.
///
/// Hashing spreads keys evenly in the database and gives every key the same size; a light client
/// recomputes it from the module name and the raw key to check a proof.
pub type StateKey = Hash;

/// The state key of `raw` in `module`'s key space: `SHA-256(len(module) || module || raw)`.
pub fn state_key(module: &str, raw: &[u8]) -> StateKey {
    let len = u8::try_from(module.len()).expect("module names are shorter than 256 bytes");
    sha256(&[&[len], module.as_bytes(), raw])
}

/// Read access to a committed or speculative state.
///
/// Implementations must be deterministic: the same key read twice from the same state gives the
/// same answer. An error means the storage itself failed (never "not found"), and it aborts the
/// whole block rather than failing one transaction, since another validator would not see it.
pub trait StateStore: Send + Sync {
    /// The value at `key`, or `None` if there is none.
    fn get(
        &self,
        key: &StateKey,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
}

/// An in-memory state, for tests, tools and genesis checks.
#[derive(Clone, Debug, Default)]
pub struct MemStore {
    values: BTreeMap<StateKey, Vec<u8>>,
}

impl MemStore {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies writes (`None` deletes).
    pub fn apply(&mut self, writes: impl IntoIterator<Item = (StateKey, Option<Vec<u8>>)>) {
        for (key, value) in writes {
            match value {
                Some(value) => {
                    self.values.insert(key, value);
                }
                None => {
                    self.values.remove(&key);
                }
            }
        }
    }

    /// Number of keys with a value.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the state is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl StateStore for MemStore {
    async fn get(&self, key: &StateKey) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.values.get(key).cloned())
    }
}

impl<S: StateStore> StateStore for &S {
    fn get(
        &self,
        key: &StateKey,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send {
        (**self).get(key)
    }
}
