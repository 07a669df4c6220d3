//! [`StateStore`] over the node's databases: a speculative batch, or committed state.

use crate::app::Databases;
use ailedger_state::{StateKey, StateStore, StoreError};
use ailedger_store::StateDb;
use commonware_glue::stateful::db::DatabaseSet;
use commonware_runtime::Spawner;
use commonware_storage::Context as StorageContext;

type Unmerkleized<E> = <Databases<E> as DatabaseSet<E>>::Unmerkleized;

/// Reads through a speculative batch (a block being built or verified).
pub(crate) struct BatchView<'a, E: Spawner + StorageContext> {
    batch: &'a Unmerkleized<E>,
}

impl<'a, E: Spawner + StorageContext> BatchView<'a, E> {
    pub(crate) fn new(batch: &'a Unmerkleized<E>) -> Self {
        Self { batch }
    }
}

impl<E: Spawner + StorageContext> StateStore for BatchView<'_, E> {
    async fn get(&self, key: &StateKey) -> Result<Option<Vec<u8>>, StoreError> {
        self.batch
            .get(key)
            .await
            .map_err(|error| StoreError(error.to_string()))
    }
}

/// Reads committed state.
pub(crate) struct CommittedView<'a, E: Spawner + StorageContext> {
    db: &'a StateDb<E>,
}

impl<'a, E: Spawner + StorageContext> CommittedView<'a, E> {
    pub(crate) fn new(db: &'a StateDb<E>) -> Self {
        Self { db }
    }
}

impl<E: Spawner + StorageContext> StateStore for CommittedView<'_, E> {
    async fn get(&self, key: &StateKey) -> Result<Option<Vec<u8>>, StoreError> {
        self.db
            .get(key)
            .await
            .map_err(|error| StoreError(error.to_string()))
    }
}
