use crate::ModuleError;
use ailedger_core::Amount;
use thiserror::Error;

/// Why a bank message failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BankError {
    /// The sender does not have the amount (after setting aside the maximum fee).
    #[error("insufficient funds: balance {balance}, transfer needs {needed}")]
    InsufficientFunds {
        /// Spendable balance.
        balance: Amount,
        /// Amount asked for.
        needed: Amount,
    },
    /// The recipient's balance would overflow.
    #[error("recipient balance would overflow")]
    Overflow,
}

impl ModuleError for BankError {
    fn code(&self) -> &'static str {
        match self {
            Self::InsufficientFunds { .. } => "INSUFFICIENT_FUNDS",
            Self::Overflow => "OVERFLOW",
        }
    }
}
