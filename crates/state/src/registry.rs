//! The modules of the chain, and the routing of messages to them.
//!
//! Adding a module: give it a folder shaped like `bank/`, an [`AnyMsg`] variant, one arm in
//! each function below, and one line in `end_block`.

use crate::{
    BlockContext, ExecError, Module, StateStore, TxContext, TxError, bank::Bank, content::Content,
    logs::Logs, overlay::TxState, provenance::Provenance, staking::Staking, zk::Zk,
};
use ailedger_core::ModuleId;

/// A decoded message of any module.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnyMsg {
    /// A [`Bank`] message.
    Bank(<Bank as Module>::Msg),
    /// A [`Provenance`] message.
    Provenance(<Provenance as Module>::Msg),
    /// A [`Logs`] message.
    Logs(<Logs as Module>::Msg),
    /// A [`Zk`] message.
    Zk(<Zk as Module>::Msg),
    /// A [`Content`] message.
    Content(<Content as Module>::Msg),
    /// A [`Staking`] message.
    Staking(<Staking as Module>::Msg),
}

/// The name of the module with this id, if any.
pub fn module_name(id: ModuleId) -> Option<&'static str> {
    match id {
        Bank::ID => Some(Bank::NAME),
        Provenance::ID => Some(Provenance::NAME),
        Logs::ID => Some(Logs::NAME),
        Zk::ID => Some(Zk::NAME),
        Content::ID => Some(Content::NAME),
        Staking::ID => Some(Staking::NAME),
        _ => None,
    }
}

/// The id of the module with this name, if any.
pub fn module_id(name: &str) -> Option<ModuleId> {
    match name {
        Bank::NAME => Some(Bank::ID),
        Provenance::NAME => Some(Provenance::ID),
        Logs::NAME => Some(Logs::ID),
        Zk::NAME => Some(Zk::ID),
        Content::NAME => Some(Content::ID),
        Staking::NAME => Some(Staking::ID),
        _ => None,
    }
}

/// Decodes a payload for module `id` and runs the module's stateless checks.
pub fn decode(id: ModuleId, payload: &[u8]) -> Result<AnyMsg, TxError> {
    match id {
        Bank::ID => decode_for::<Bank>(payload).map(AnyMsg::Bank),
        Provenance::ID => decode_for::<Provenance>(payload).map(AnyMsg::Provenance),
        Logs::ID => decode_for::<Logs>(payload).map(AnyMsg::Logs),
        Zk::ID => decode_for::<Zk>(payload).map(AnyMsg::Zk),
        Content::ID => decode_for::<Content>(payload).map(AnyMsg::Content),
        Staking::ID => decode_for::<Staking>(payload).map(AnyMsg::Staking),
        _ => Err(TxError::UnknownModule(id)),
    }
}

fn decode_for<M: Module>(payload: &[u8]) -> Result<M::Msg, TxError> {
    let msg = M::decode(payload).map_err(|error| TxError::MalformedMessage {
        module: M::NAME,
        reason: error.to_string(),
    })?;
    M::check(&msg)?;
    Ok(msg)
}

/// Executes a decoded message.
pub(crate) async fn execute<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    msg: AnyMsg,
) -> Result<(), ExecError> {
    match msg {
        AnyMsg::Bank(msg) => Bank::execute(state, ctx, msg).await,
        AnyMsg::Provenance(msg) => Provenance::execute(state, ctx, msg).await,
        // Boxed: checkpoint verification keeps large values across awaits, and an unboxed arm
        // would grow every transaction's future by that much.
        AnyMsg::Logs(msg) => Box::pin(Logs::execute(state, ctx, msg)).await,
        AnyMsg::Zk(msg) => Zk::execute(state, ctx, msg).await,
        AnyMsg::Content(msg) => Content::execute(state, ctx, msg).await,
        // Boxed: evidence verification keeps decoded votes across awaits.
        AnyMsg::Staking(msg) => Box::pin(Staking::execute(state, ctx, msg)).await,
    }
}

/// Runs every module's end-of-block hook, in module id order.
pub(crate) async fn end_block<S: StateStore>(
    state: &mut TxState<'_, S>,
    block: &BlockContext,
) -> Result<(), ExecError> {
    Bank::end_block(state, block).await?;
    Provenance::end_block(state, block).await?;
    Logs::end_block(state, block).await?;
    Zk::end_block(state, block).await?;
    Content::end_block(state, block).await?;
    Staking::end_block(state, block).await
}
