//! The consensus scheme of each epoch.

use ailedger_core::CONSENSUS_NAMESPACE;
use commonware_consensus::{simplex::scheme::ed25519::Scheme, types::Epoch};
use commonware_cryptography::{
    certificate::{Provider, Scoped},
    ed25519,
};
use commonware_utils::ordered::Set;
use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock},
};

/// Schemes by epoch: one that signs where this node's key is in the epoch's set, one that only
/// verifies elsewhere. Cheap to clone; clones share the registry.
///
/// Marshal asks it for the epoch of every certificate it verifies (a block fetched from a peer
/// whose epoch is not registered yet is ignored and fetched again later), and the orchestrator
/// for the scheme of the epoch it enters.
#[derive(Clone)]
pub(crate) struct EpochProvider {
    key: ed25519::PrivateKey,
    schemes: Arc<RwLock<BTreeMap<u64, Arc<Scheme>>>>,
}

impl std::fmt::Debug for EpochProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let epochs: Vec<u64> = self.read().keys().copied().collect();
        f.debug_struct("EpochProvider")
            .field("epochs", &epochs)
            .finish_non_exhaustive()
    }
}

impl EpochProvider {
    /// An empty registry for the node with `key`.
    pub(crate) fn new(key: ed25519::PrivateKey) -> Self {
        Self {
            key,
            schemes: Arc::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u64, Arc<Scheme>>> {
        self.schemes.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers `participants` as the set of `epoch` (again: the same set is a no-op) and
    /// returns its scheme.
    pub(crate) fn register(
        &self,
        epoch: u64,
        participants: Set<ed25519::PublicKey>,
    ) -> Arc<Scheme> {
        let mut schemes = self.schemes.write().unwrap_or_else(|p| p.into_inner());
        schemes
            .entry(epoch)
            .or_insert_with(|| {
                Arc::new(
                    Scheme::signer(CONSENSUS_NAMESPACE, participants.clone(), self.key.clone())
                        .unwrap_or_else(|| Scheme::verifier(CONSENSUS_NAMESPACE, participants)),
                )
            })
            .clone()
    }

    /// Forgets the schemes of epochs before `epoch`. The node verifies certificates of the
    /// epoch it is in and of the one before (the finalization of that epoch's last block), so
    /// the registry holds a few sets however long the chain is.
    pub(crate) fn forget_before(&self, epoch: u64) {
        let mut schemes = self.schemes.write().unwrap_or_else(|p| p.into_inner());
        *schemes = schemes.split_off(&epoch);
    }

    /// The scheme of `epoch`, if registered.
    pub(crate) fn get(&self, epoch: u64) -> Option<Arc<Scheme>> {
        self.read().get(&epoch).cloned()
    }

    /// The participants of `epoch`, if registered.
    pub(crate) fn participants(&self, epoch: u64) -> Option<Set<ed25519::PublicKey>> {
        use commonware_cryptography::certificate::Scheme as _;
        self.get(epoch).map(|scheme| scheme.participants().clone())
    }
}

impl Provider for EpochProvider {
    type Scope = Epoch;
    type Scheme = Scheme;

    fn scoped(&self, epoch: Epoch) -> Option<Scoped<Scheme>> {
        // Always the full scheme: on a full node it is a verifier, which is all marshal needs,
        // and the engine of a full node runs on it without signing.
        self.get(epoch.get()).map(Scoped::scheme)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_cryptography::{Signer as _, certificate::Scheme as _};

    fn keys(seeds: &[u64]) -> Vec<ed25519::PrivateKey> {
        seeds
            .iter()
            .map(|seed| {
                ailedger_core::SecretKey::from_seed(*seed)
                    .private_key()
                    .clone()
            })
            .collect()
    }

    fn set(keys: &[ed25519::PrivateKey]) -> Set<ed25519::PublicKey> {
        keys.iter()
            .map(|key| key.public_key())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap()
    }

    #[test]
    fn signs_only_in_epochs_whose_set_holds_its_key() {
        let keys = keys(&[1, 2, 3, 4]);
        let provider = EpochProvider::new(keys[0].clone());
        assert!(provider.scoped(Epoch::zero()).is_none());
        provider.register(0, set(&keys[..3]));
        provider.register(1, set(&keys[1..]));
        assert!(provider.get(0).unwrap().me().is_some());
        assert!(provider.get(1).unwrap().me().is_none());
        assert_eq!(provider.participants(1).unwrap(), set(&keys[1..]));
        assert!(provider.scoped(Epoch::new(2)).is_none());
        // A second registration keeps the first set: an epoch's set never changes.
        provider.register(1, set(&keys[..2]));
        assert_eq!(provider.participants(1).unwrap(), set(&keys[1..]));
    }

    #[test]
    fn forgetting_keeps_the_named_epoch_and_later_ones() {
        let keys = keys(&[1, 2, 3, 4]);
        let provider = EpochProvider::new(keys[0].clone());
        for epoch in 0..5 {
            provider.register(epoch, set(&keys[..3]));
        }
        provider.forget_before(3);
        assert!(provider.get(2).is_none());
        assert!(provider.get(3).is_some());
        assert!(provider.get(4).is_some());
        // Forgetting nothing, or an epoch not registered yet, keeps what is there.
        provider.forget_before(0);
        assert!(provider.get(3).is_some());
        provider.forget_before(10);
        assert!(provider.get(4).is_none());
        provider.register(10, set(&keys[1..]));
        assert_eq!(provider.participants(10).unwrap(), set(&keys[1..]));
    }
}
