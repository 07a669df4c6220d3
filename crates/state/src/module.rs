//! The shape every module has.

use crate::{BlockContext, ExecError, TxContext, TxError, overlay::TxState, store::StateStore};
use ailedger_core::{DecodeError, ModuleId};
use std::future::Future;

/// A module of the state machine: one capability of the chain (the token, provenance, logs, ...).
///
/// # Contract
///
/// - [`NAME`](Self::NAME) prefixes the module's state keys and events; [`ID`](Self::ID) is the
///   byte that routes a transaction to it. Changing either is a hard fork.
/// - [`decode`](Self::decode) accepts only the canonical encoding of a message.
/// - [`check`](Self::check) sees only the message: it runs on admission to the mempool and
///   again for every transaction of a block, and must agree with itself every time.
/// - [`execute`](Self::execute) runs inside a per-transaction overlay: if it returns `Err`, every
///   write it made is dropped (the fee is still paid). It reads and writes only through `state`,
///   which meters gas; it must be deterministic and must not assume anything about the order in
///   which other transactions of the block ran, beyond the block's order.
/// - Errors it returns with [`ExecError::Module`] carry a stable code; a
///   [`ExecError::Store`] aborts the whole block.
/// - [`end_block`](Self::end_block) runs once at the end of every block, after the block's last
///   transaction, in module id order. It is the place for work that depends on the height
///   rather than on a transaction (the staking module's epoch boundaries).
pub trait Module {
    /// Name: prefix of state keys and events.
    const NAME: &'static str;
    /// Routing byte in [`ailedger_core::Transaction::module`].
    const ID: ModuleId;
    /// The module's message.
    type Msg: Send + Sync;

    /// Decodes a message from its canonical encoding.
    fn decode(payload: &[u8]) -> Result<Self::Msg, DecodeError>;

    /// Stateless validity checks.
    fn check(msg: &Self::Msg) -> Result<(), TxError>;

    /// Executes the message.
    fn execute<S: StateStore>(
        state: &mut TxState<'_, S>,
        ctx: &TxContext<'_>,
        msg: Self::Msg,
    ) -> impl Future<Output = Result<(), ExecError>> + Send;

    /// Acts at the end of a block, after its transactions and before its fees are paid.
    ///
    /// Nobody pays for this work, so `state` meters without a limit: the module must bound it
    /// by its own rules (the staking module's is bounded by its number of candidates). A block's
    /// end has no receipt, so events emitted here are dropped; what the hook does shows in the
    /// state. Any error aborts the block, since it means the state is corrupt (or storage
    /// failed), never that a user did something wrong. The default does nothing.
    fn end_block<S: StateStore>(
        state: &mut TxState<'_, S>,
        block: &BlockContext,
    ) -> impl Future<Output = Result<(), ExecError>> + Send {
        let _ = (state, block);
        async { Ok(()) }
    }
}

/// An error a module reports: a stable code and a message.
pub trait ModuleError: std::error::Error {
    /// Stable machine-readable code.
    fn code(&self) -> &'static str;

    /// Converts into the executor's error.
    fn into_exec(self) -> ExecError
    where
        Self: Sized,
    {
        ExecError::Module {
            code: self.code(),
            message: self.to_string(),
        }
    }
}
