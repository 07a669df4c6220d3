//! The gas schedule: what each step of execution costs.
//!
//! Costs are integers fixed by the protocol, so every validator charges the same gas for the same
//! transaction. They track the node's real work: a signature check, bytes stored in the block,
//! reads and writes of the authenticated state.

use thiserror::Error;

/// Gas costs. Changing a value is a hard fork.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct GasSchedule {
    /// Every transaction: signature check, nonce and fee bookkeeping.
    pub tx_base: u64,
    /// Per byte of the signed transaction (block space and bandwidth).
    pub tx_byte: u64,
    /// Per state read.
    pub read: u64,
    /// Per byte read from state.
    pub read_byte: u64,
    /// Per state write or delete.
    pub write: u64,
    /// Per byte written to state (key and value).
    pub write_byte: u64,
    /// Per event emitted.
    pub event: u64,
}

impl GasSchedule {
    /// The schedule in force.
    pub const DEFAULT: Self = Self {
        tx_base: 10_000,
        tx_byte: 10,
        read: 200,
        read_byte: 1,
        write: 1_000,
        write_byte: 10,
        event: 100,
    };
}

/// The gas limit was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("out of gas: needed {needed}, limit {limit}")]
pub struct OutOfGas {
    /// Gas the step would have brought the total to.
    pub needed: u64,
    /// The limit.
    pub limit: u64,
}

/// Counts gas used against a limit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct GasMeter {
    limit: u64,
    used: u64,
}

impl GasMeter {
    /// A meter with nothing used.
    pub fn new(limit: u64) -> Self {
        Self { limit, used: 0 }
    }

    /// Charges `amount`. On failure the meter is left full, so that everything up to the limit
    /// is paid for.
    pub fn charge(&mut self, amount: u64) -> Result<(), OutOfGas> {
        match self.used.checked_add(amount) {
            Some(needed) if needed <= self.limit => {
                self.used = needed;
                Ok(())
            }
            needed => {
                self.used = self.limit;
                Err(OutOfGas {
                    needed: needed.unwrap_or(u64::MAX),
                    limit: self.limit,
                })
            }
        }
    }

    /// Gas used so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// The limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_charges_up_to_the_limit_and_then_fills() {
        let mut meter = GasMeter::new(100);
        assert_eq!(meter.charge(60), Ok(()));
        assert_eq!(meter.charge(40), Ok(()));
        assert_eq!(
            meter.charge(1),
            Err(OutOfGas {
                needed: 101,
                limit: 100
            })
        );
        assert_eq!(meter.used(), 100);
    }

    #[test]
    fn meter_does_not_overflow() {
        let mut meter = GasMeter::new(u64::MAX);
        assert_eq!(meter.charge(u64::MAX), Ok(()));
        assert!(meter.charge(u64::MAX).is_err());
        assert_eq!(meter.used(), u64::MAX);
    }
}
