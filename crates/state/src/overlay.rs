//! Layered writes over a [`StateStore`]: one layer per block, one per transaction.

use crate::{ExecError, StateKey, StateStore, StoreError, state_key};
use ailedger_core::{
    Event,
    gas::{GasMeter, GasSchedule},
};
use std::collections::BTreeMap;

/// Writes: `Some(value)` sets, `None` deletes.
type Writes = BTreeMap<StateKey, Option<Vec<u8>>>;

/// The state as a block sees it: the store underneath, plus the writes of the block's
/// transactions so far. Reads from the store are cached, so a hot key (a busy account) costs one
/// storage read per block.
#[derive(Debug)]
pub struct BlockOverlay<S> {
    store: S,
    writes: Writes,
    cache: BTreeMap<StateKey, Option<Vec<u8>>>,
}

impl<S: StateStore> BlockOverlay<S> {
    /// An overlay with no writes.
    pub fn new(store: S) -> Self {
        Self {
            store,
            writes: BTreeMap::new(),
            cache: BTreeMap::new(),
        }
    }

    /// The value at `key` as of the writes so far.
    pub async fn get(&mut self, key: &StateKey) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(value) = self.writes.get(key) {
            return Ok(value.clone());
        }
        if let Some(value) = self.cache.get(key) {
            return Ok(value.clone());
        }
        let value = self.store.get(key).await?;
        self.cache.insert(*key, value.clone());
        Ok(value)
    }

    /// Records a write (`None` deletes).
    pub fn put(&mut self, key: StateKey, value: Option<Vec<u8>>) {
        self.writes.insert(key, value);
    }

    /// The writes of the block, in key order.
    pub fn into_writes(self) -> Vec<(StateKey, Option<Vec<u8>>)> {
        self.writes.into_iter().collect()
    }
}

/// The state as one transaction's message sees it. Every access is metered; writes and events
/// are kept apart until the message succeeds, and dropped if it fails.
#[derive(Debug)]
pub struct TxState<'a, S> {
    block: &'a mut BlockOverlay<S>,
    writes: Writes,
    events: Vec<Event>,
    gas: GasMeter,
    schedule: GasSchedule,
}

impl<'a, S: StateStore> TxState<'a, S> {
    pub(crate) fn new(
        block: &'a mut BlockOverlay<S>,
        gas: GasMeter,
        schedule: GasSchedule,
    ) -> Self {
        Self {
            block,
            writes: BTreeMap::new(),
            events: Vec::new(),
            gas,
            schedule,
        }
    }

    /// Reads `raw` in `module`'s key space.
    pub async fn get(&mut self, module: &str, raw: &[u8]) -> Result<Option<Vec<u8>>, ExecError> {
        self.gas.charge(self.schedule.read)?;
        let key = state_key(module, raw);
        let value = match self.writes.get(&key) {
            Some(value) => value.clone(),
            None => self.block.get(&key).await?,
        };
        if let Some(value) = &value {
            self.charge_bytes(self.schedule.read_byte, value.len())?;
        }
        Ok(value)
    }

    /// Sets `raw` in `module`'s key space to `value`.
    pub fn put(&mut self, module: &str, raw: &[u8], value: Vec<u8>) -> Result<(), ExecError> {
        self.gas.charge(self.schedule.write)?;
        self.charge_bytes(self.schedule.write_byte, raw.len() + value.len())?;
        self.writes.insert(state_key(module, raw), Some(value));
        Ok(())
    }

    /// Deletes `raw` from `module`'s key space.
    pub fn delete(&mut self, module: &str, raw: &[u8]) -> Result<(), ExecError> {
        self.gas.charge(self.schedule.write)?;
        self.writes.insert(state_key(module, raw), None);
        Ok(())
    }

    /// Emits an event. An event over the receipt limits, or one event too many, fails the
    /// message: a receipt must always decode.
    pub fn emit(&mut self, event: Event) -> Result<(), ExecError> {
        self.gas.charge(self.schedule.event)?;
        if let Err(what) = event.check_limits() {
            return Err(ExecError::Module {
                code: "EVENT_TOO_LARGE",
                message: format!("{} event over the limit: {what}", event.module),
            });
        }
        if self.events.len() >= ailedger_core::receipt::MAX_EVENTS {
            return Err(ExecError::Module {
                code: "TOO_MANY_EVENTS",
                message: format!("more than {} events", ailedger_core::receipt::MAX_EVENTS),
            });
        }
        self.events.push(event);
        Ok(())
    }

    /// Charges gas for work that is not a state access (e.g. verifying a proof).
    pub fn charge(&mut self, gas: u64) -> Result<(), ExecError> {
        self.gas.charge(gas)?;
        Ok(())
    }

    /// Gas used so far.
    pub fn gas_used(&self) -> u64 {
        self.gas.used()
    }

    fn charge_bytes(&mut self, per_byte: u64, n_bytes: usize) -> Result<(), ExecError> {
        let n_bytes = u64::try_from(n_bytes).unwrap_or(u64::MAX);
        self.gas.charge(per_byte.saturating_mul(n_bytes))?;
        Ok(())
    }

    /// Keeps the message's writes; returns its events and the meter.
    pub(crate) fn commit(self) -> (Vec<Event>, GasMeter) {
        for (key, value) in self.writes {
            self.block.put(key, value);
        }
        (self.events, self.gas)
    }

    /// Drops the message's writes and events; returns the meter.
    pub(crate) fn discard(self) -> GasMeter {
        self.gas
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemStore;
    use futures::executor::block_on;

    #[test]
    fn transaction_writes_are_invisible_until_committed_and_gone_if_discarded() {
        block_on(async {
            let mut store = MemStore::new();
            store.apply([(state_key("m", b"k"), Some(vec![1]))]);
            let mut block = BlockOverlay::new(&store);

            let mut tx = TxState::new(&mut block, GasMeter::new(1_000_000), GasSchedule::DEFAULT);
            tx.put("m", b"k", vec![2]).expect("gas");
            assert_eq!(tx.get("m", b"k").await.expect("read"), Some(vec![2]));
            tx.discard();
            assert_eq!(
                block.get(&state_key("m", b"k")).await.expect("read"),
                Some(vec![1])
            );

            let mut tx = TxState::new(&mut block, GasMeter::new(1_000_000), GasSchedule::DEFAULT);
            tx.delete("m", b"k").expect("gas");
            tx.commit();
            assert_eq!(block.get(&state_key("m", b"k")).await.expect("read"), None);
            assert_eq!(block.into_writes(), vec![(state_key("m", b"k"), None)]);
        });
    }

    #[test]
    fn every_access_is_metered() {
        block_on(async {
            let store = MemStore::new();
            let mut block = BlockOverlay::new(&store);
            let schedule = GasSchedule::DEFAULT;
            let mut tx = TxState::new(&mut block, GasMeter::new(u64::MAX), schedule);
            tx.get("m", b"k").await.expect("read");
            assert_eq!(tx.gas_used(), schedule.read);
            tx.put("m", b"k", vec![0; 10]).expect("write");
            assert_eq!(
                tx.gas_used(),
                schedule.read + schedule.write + 11 * schedule.write_byte
            );
        });
    }

    #[test]
    fn running_out_of_gas_fails_the_access() {
        block_on(async {
            let store = MemStore::new();
            let mut block = BlockOverlay::new(&store);
            let mut tx = TxState::new(&mut block, GasMeter::new(10), GasSchedule::DEFAULT);
            assert!(matches!(
                tx.put("m", b"k", vec![1]),
                Err(ExecError::OutOfGas(_))
            ));
            assert_eq!(tx.gas_used(), 10);
        });
    }

    #[test]
    fn events_over_the_receipt_limits_fail_the_message() {
        block_on(async {
            let store = MemStore::new();
            let mut block = BlockOverlay::new(&store);
            let mut tx = TxState::new(&mut block, GasMeter::new(u64::MAX), GasSchedule::DEFAULT);
            let too_long = Event::new("m", "k")
                .with("v", "x".repeat(ailedger_core::receipt::MAX_VALUE_LEN + 1));
            assert!(matches!(
                tx.emit(too_long),
                Err(ExecError::Module {
                    code: "EVENT_TOO_LARGE",
                    ..
                })
            ));
            for _ in 0..ailedger_core::receipt::MAX_EVENTS {
                tx.emit(Event::new("m", "k")).expect("within the limit");
            }
            assert!(matches!(
                tx.emit(Event::new("m", "k")),
                Err(ExecError::Module {
                    code: "TOO_MANY_EVENTS",
                    ..
                })
            ));
        });
    }

    #[test]
    fn module_key_spaces_are_disjoint() {
        assert_ne!(state_key("ab", b"c"), state_key("a", b"bc"));
    }
}
