//! The mempool: transactions admitted but not yet committed.
//!
//! - Bounded in total and per sender.
//! - Per sender, transactions are kept in nonce order with no gaps: a transaction is admitted
//!   only with the sender's next nonce (the committed nonce, or one past the last pending one).
//! - Duplicates (same id) are refused.
//! - When full, room is made fairly: the sender with the most pending transactions loses its
//!   newest one, and only if the newcomer's sender has fewer pending; a single busy sender can
//!   never crowd others out.
//! - Proposals take transactions round-robin across senders, a few at a time from each, so every
//!   sender gets block space.
//! - A proposer with nothing to propose can wait for arrivals
//!   ([`Mempool::wait_for_transactions`]).
//! - Transactions leave when a block that contains them is finalized, or when block building
//!   finds them permanently invalid. Proposing does not remove them, since a proposal may never
//!   be finalized.

use ailedger_api::SubmitError;
use ailedger_core::{Address, Hash, SignedTransaction};
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, MutexGuard},
};
use tokio::sync::Notify;

/// Limits of the mempool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MempoolLimits {
    /// Most transactions in total.
    pub max_txs: usize,
    /// Most pending transactions of one sender.
    pub max_per_sender: usize,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        Self {
            max_txs: 200_000,
            max_per_sender: 10_000,
        }
    }
}

/// How many of one sender's transactions a proposal takes before moving to the next sender.
const TAKE_PER_TURN: usize = 64;

#[derive(Debug, Default)]
struct Inner {
    senders: BTreeMap<Address, BTreeMap<u64, SignedTransaction>>,
    by_hash: HashMap<Hash, (Address, u64)>,
    /// Where the next proposal starts its round-robin, so no sender is always first.
    cursor: Option<Address>,
}

/// A shared handle to the mempool.
#[derive(Clone, Debug)]
pub struct Mempool {
    inner: Arc<Mutex<Inner>>,
    limits: MempoolLimits,
    arrivals: Arc<Notify>,
}

impl Mempool {
    /// An empty mempool.
    pub fn new(limits: MempoolLimits) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::default())),
            limits,
            arrivals: Arc::new(Notify::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain collections behind: still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.lock().by_hash.len()
    }

    /// Whether there is nothing pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A pending transaction.
    pub fn get(&self, hash: &Hash) -> Option<SignedTransaction> {
        let inner = self.lock();
        let (sender, nonce) = inner.by_hash.get(hash)?;
        inner.senders.get(sender)?.get(nonce).cloned()
    }

    /// The nonce the sender's next transaction must carry, given its committed nonce.
    pub fn next_nonce(&self, sender: &Address, committed_nonce: u64) -> u64 {
        let inner = self.lock();
        next_nonce(&inner, sender, committed_nonce)
    }

    /// Admits a transaction whose signature, encoding and fee affordability were checked, given
    /// the sender's committed nonce.
    pub fn insert(&self, tx: SignedTransaction, committed_nonce: u64) -> Result<Hash, SubmitError> {
        let hash = tx.hash();
        let sender = tx.sender().clone();
        let nonce = tx.tx().nonce;
        let mut inner = self.lock();
        if inner.by_hash.contains_key(&hash) {
            return Err(SubmitError::Duplicate(hash));
        }
        let expected = next_nonce(&inner, &sender, committed_nonce);
        if nonce < expected {
            return Err(ailedger_state::TxError::NonceTooLow {
                expected,
                got: nonce,
            }
            .into());
        }
        if nonce > expected {
            return Err(ailedger_state::TxError::NonceGap {
                expected,
                got: nonce,
            }
            .into());
        }
        let pending = inner.senders.get(&sender).map_or(0, BTreeMap::len);
        if pending >= self.limits.max_per_sender {
            return Err(SubmitError::SenderQueueFull(self.limits.max_per_sender));
        }
        if inner.by_hash.len() >= self.limits.max_txs {
            self.evict_for(&mut inner, pending)?;
        }
        inner
            .senders
            .entry(sender.clone())
            .or_default()
            .insert(nonce, tx);
        inner.by_hash.insert(hash, (sender, nonce));
        drop(inner);
        self.arrivals.notify_waiters();
        Ok(hash)
    }

    /// Resolves once the mempool holds a transaction (at once if it already does).
    pub async fn wait_for_transactions(&self) {
        loop {
            // Register interest before checking, so an arrival in between is not missed.
            let notified = self.arrivals.notified();
            if !self.is_empty() {
                return;
            }
            notified.await;
        }
    }

    /// Makes room for a transaction from a sender with `pending` transactions, by dropping the
    /// newest transaction of the sender with the most, if that sender has more.
    fn evict_for(&self, inner: &mut Inner, pending: usize) -> Result<(), SubmitError> {
        let busiest = inner
            .senders
            .iter()
            .max_by_key(|(_, txs)| txs.len())
            .map(|(sender, txs)| (sender.clone(), txs.len()));
        match busiest {
            Some((sender, count)) if count > pending + 1 => {
                let queue = inner.senders.get_mut(&sender).expect("sender just found");
                let (_, evicted) = queue.pop_last().expect("a non-empty queue");
                inner.by_hash.remove(&evicted.hash());
                Ok(())
            }
            _ => Err(SubmitError::MempoolFull(self.limits.max_txs)),
        }
    }

    /// Up to `max` transactions for a proposal, round-robin across senders, each sender's in
    /// nonce order.
    pub fn candidates(&self, max: usize) -> Vec<SignedTransaction> {
        let mut inner = self.lock();
        let n_senders = inner.senders.len();
        if n_senders == 0 || max == 0 {
            return Vec::new();
        }
        let order: Vec<&Address> = match &inner.cursor {
            Some(cursor) => inner
                .senders
                .range(cursor.clone()..)
                .chain(inner.senders.range(..cursor.clone()))
                .map(|(sender, _)| sender)
                .collect(),
            None => inner.senders.keys().collect(),
        };
        let mut iters: Vec<_> = order
            .iter()
            .map(|sender| inner.senders[*sender].values().peekable())
            .collect();
        let mut taken = Vec::with_capacity(max.min(inner.by_hash.len()));
        let mut next_cursor = None;
        'rounds: loop {
            let mut progressed = false;
            for (position, iter) in iters.iter_mut().enumerate() {
                for _ in 0..TAKE_PER_TURN {
                    let Some(tx) = iter.next() else { break };
                    taken.push(tx.clone());
                    progressed = true;
                    if taken.len() == max {
                        next_cursor = order
                            .get(position + 1)
                            .or(order.first())
                            .map(|a| (*a).clone());
                        break 'rounds;
                    }
                }
            }
            if !progressed {
                break;
            }
        }
        inner.cursor = next_cursor.or_else(|| order.get(1).map(|a| (*a).clone()));
        taken
    }

    /// Removes the transactions of a finalized block, and every older transaction of their
    /// senders (their nonces are used now).
    pub fn remove_committed(&self, txs: &[SignedTransaction]) {
        let mut inner = self.lock();
        let mut highest: BTreeMap<&Address, u64> = BTreeMap::new();
        for tx in txs {
            let nonce = tx.tx().nonce;
            highest
                .entry(tx.sender())
                .and_modify(|n| *n = (*n).max(nonce))
                .or_insert(nonce);
        }
        for (sender, nonce) in highest {
            let Some(queue) = inner.senders.get_mut(sender) else {
                continue;
            };
            let keep = queue.split_off(&(nonce + 1));
            let used = std::mem::replace(queue, keep);
            let now_empty = queue.is_empty();
            for tx in used.values() {
                inner.by_hash.remove(&tx.hash());
            }
            if now_empty {
                inner.senders.remove(sender);
            }
        }
    }

    /// Removes transactions that can never be included, and every later transaction of the same
    /// sender (they would leave a gap).
    pub fn remove_invalid(&self, hashes: &[Hash]) {
        let mut inner = self.lock();
        for hash in hashes {
            let Some((sender, nonce)) = inner.by_hash.get(hash).cloned() else {
                continue;
            };
            let Some(queue) = inner.senders.get_mut(&sender) else {
                continue;
            };
            let dropped = queue.split_off(&nonce);
            let now_empty = queue.is_empty();
            for tx in dropped.values() {
                inner.by_hash.remove(&tx.hash());
            }
            if now_empty {
                inner.senders.remove(&sender);
            }
        }
    }
}

fn next_nonce(inner: &Inner, sender: &Address, committed_nonce: u64) -> u64 {
    match inner
        .senders
        .get(sender)
        .and_then(|queue| queue.last_key_value())
    {
        Some((last, _)) if *last >= committed_nonce => last + 1,
        _ => committed_nonce,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{ModuleId, SecretKey, Transaction};
    use ailedger_state::TxError;

    fn tx(sender: u64, nonce: u64) -> SignedTransaction {
        let key = SecretKey::from_seed(sender);
        Transaction::new("c", key.address(), nonce, 1, 1, ModuleId::new(1), vec![])
            .expect("valid")
            .sign(&key)
    }

    fn limits(max_txs: usize, max_per_sender: usize) -> MempoolLimits {
        MempoolLimits {
            max_txs,
            max_per_sender,
        }
    }

    #[test]
    fn admits_in_nonce_order_and_refuses_duplicates_replays_and_gaps() {
        let pool = Mempool::new(MempoolLimits::default());
        assert!(pool.insert(tx(1, 5), 5).is_ok());
        assert_eq!(
            pool.insert(tx(1, 5), 5),
            Err(SubmitError::Duplicate(tx(1, 5).hash()))
        );
        assert_eq!(
            pool.insert(tx(1, 4), 5),
            Err(TxError::NonceTooLow {
                expected: 6,
                got: 4
            }
            .into())
        );
        assert_eq!(
            pool.insert(tx(1, 8), 5),
            Err(TxError::NonceGap {
                expected: 6,
                got: 8
            }
            .into())
        );
        assert!(pool.insert(tx(1, 6), 5).is_ok());
        assert_eq!(pool.next_nonce(&SecretKey::from_seed(1).address(), 5), 7);
        assert_eq!(pool.len(), 2);
        assert_eq!(pool.get(&tx(1, 6).hash()), Some(tx(1, 6)));
    }

    #[test]
    fn sender_queue_and_total_are_bounded() {
        let pool = Mempool::new(limits(4, 2));
        pool.insert(tx(1, 0), 0).expect("room");
        pool.insert(tx(1, 1), 0).expect("room");
        assert_eq!(
            pool.insert(tx(1, 2), 0),
            Err(SubmitError::SenderQueueFull(2))
        );
        pool.insert(tx(2, 0), 0).expect("room");
        pool.insert(tx(3, 0), 0).expect("room");
        // Full. Sender 1 has two, more than the newcomer's sender would have: its newest goes.
        pool.insert(tx(4, 0), 0).expect("evicts sender 1's newest");
        assert!(pool.get(&tx(1, 1).hash()).is_none());
        // Now every sender has one: nobody has more than a newcomer would, so it is refused.
        assert_eq!(pool.insert(tx(5, 0), 0), Err(SubmitError::MempoolFull(4)));
    }

    #[test]
    fn a_full_pool_evicts_the_busiest_senders_newest_transaction() {
        let pool = Mempool::new(limits(4, 10));
        for nonce in 0..4 {
            pool.insert(tx(1, nonce), 0).expect("room");
        }
        pool.insert(tx(2, 0), 0).expect("evicts sender 1's newest");
        assert_eq!(pool.len(), 4);
        assert!(pool.get(&tx(1, 3).hash()).is_none());
        assert!(pool.get(&tx(1, 2).hash()).is_some());
        // Sender 1 must now continue from its new last nonce.
        assert_eq!(pool.next_nonce(&SecretKey::from_seed(1).address(), 0), 3);
    }

    #[test]
    fn candidates_are_round_robin_and_in_nonce_order() {
        let pool = Mempool::new(MempoolLimits::default());
        for nonce in 0..100 {
            pool.insert(tx(1, nonce), 0).expect("room");
        }
        pool.insert(tx(2, 0), 0).expect("room");
        let taken = pool.candidates(70);
        assert_eq!(taken.len(), 70);
        assert!(taken.contains(&tx(2, 0)), "the small sender gets in");
        let sender_1: Vec<u64> = taken
            .iter()
            .filter(|t| t.sender() == &SecretKey::from_seed(1).address())
            .map(|t| t.tx().nonce)
            .collect();
        assert!(
            sender_1.windows(2).all(|w| w[1] == w[0] + 1),
            "nonce order kept"
        );
        assert_eq!(pool.len(), 101, "proposing removes nothing");
    }

    #[test]
    fn finalization_and_invalidity_remove_transactions() {
        let pool = Mempool::new(MempoolLimits::default());
        for nonce in 0..5 {
            pool.insert(tx(1, nonce), 0).expect("room");
        }
        pool.remove_committed(&[tx(1, 1)]);
        assert_eq!(pool.len(), 3);
        assert!(pool.get(&tx(1, 0).hash()).is_none());
        pool.remove_invalid(&[tx(1, 3).hash()]);
        assert_eq!(pool.len(), 1);
        pool.remove_committed(&[tx(1, 2)]);
        assert!(pool.is_empty());
        assert_eq!(pool.next_nonce(&SecretKey::from_seed(1).address(), 3), 3);
    }
}
