//! The native token: balances, transfers, fee payment and nonces.
//!
//! An account is the Ed25519 key that signs for it; its state is an [`Account`] (balance and
//! the nonce of its next transaction). The executor uses [`ante`] to check and charge fees and
//! to advance nonces before any module's message runs.

mod account;
pub mod ante;
mod error;
pub(crate) mod execute;
pub(crate) mod genesis;
mod msg;
pub mod query;
pub mod state_key;
#[cfg(test)]
mod tests;

pub use account::Account;
pub use error::BankError;
pub use msg::BankMsg;

use crate::{ExecError, Module, StateStore, TxContext, TxError, TxState};
use ailedger_core::{DecodeError, ModuleId};
use commonware_codec::{Copying, Decode};

/// The bank module.
#[derive(Debug, Clone, Copy)]
pub struct Bank;

impl Module for Bank {
    const NAME: &'static str = "bank";
    const ID: ModuleId = ModuleId::new(1);
    type Msg = BankMsg;

    fn decode(payload: &[u8]) -> Result<BankMsg, DecodeError> {
        BankMsg::decode_cfg(Copying(payload), &())
    }

    fn check(msg: &BankMsg) -> Result<(), TxError> {
        match msg {
            BankMsg::Transfer { amount, .. } if *amount == 0 => Err(TxError::InvalidMessage {
                module: Self::NAME,
                reason: "transfer amount must be positive".into(),
            }),
            BankMsg::Transfer { .. } => Ok(()),
        }
    }

    fn execute<S: StateStore>(
        state: &mut TxState<'_, S>,
        ctx: &TxContext<'_>,
        msg: BankMsg,
    ) -> impl Future<Output = Result<(), ExecError>> + Send {
        execute::execute(state, ctx, msg)
    }
}
