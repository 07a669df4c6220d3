//! The deterministic state machine of ailedger: the module shape and its modules.
//!
//! # Overview
//!
//! A state transition is a pure function of (state, block). The [`Executor`] takes the state
//! through a [`StateStore`] (reads only), a block's context and its transactions, and returns
//! the writes to apply, one [`Receipt`](ailedger_core::Receipt) per transaction and the gas used.
//! It never writes to the store itself: the node applies the writes to its authenticated
//! database, so this crate knows nothing of storage, consensus or the network.
//!
//! Every capability of the chain is a [`Module`]: a name (the prefix of its state keys and
//! events), a message type with one canonical encoding, stateless checks, execution against a
//! metered [`TxState`], and genesis. [`bank`] is the first: the native token, balances, transfers,
//! fees and nonces; [`provenance`] registers datasets, models and model versions, their lineage
//! and licences; [`logs`] registers transparency logs and anchors their checkpoints; [`zk`] records
//! proving identities of model versions and the inferences whose proofs it verified; [`content`]
//! records who claimed which content first, and whether as a person's work or a registered
//! model's output; [`staking`] keeps validators' stakes, computes each epoch's validator set at
//! the epoch's boundary and slashes double signing on evidence. Adding a module means a folder
//! shaped like `bank/` and one line in [`registry`].
//!
//! # Determinism
//!
//! No floats, clocks, randomness or I/O; every map is a `BTreeMap`; the only source of "now" is
//! the block's timestamp in [`BlockContext`].
//!
//! # Status
//!
//! ALPHA.

pub mod bank;
pub mod content;
mod context;
mod error;
mod executor;
mod genesis;
pub mod logs;
mod module;
mod overlay;
mod params;
pub mod provenance;
pub mod query;
pub mod registry;
pub mod staking;
mod store;
#[cfg(test)]
mod test_chain;
pub mod zk;

pub use context::{BlockContext, TxContext};
pub use error::{BlockError, ExecError, StoreError, TxError};
pub use executor::{
    BlockOutput, BuildOutput, CheckError, Executor, Rejected, StateWrites, intrinsic_gas,
};
pub use genesis::{Genesis, GenesisError};
pub use module::{Module, ModuleError};
pub use overlay::{BlockOverlay, TxState};
pub use params::{ChainHead, ChainParams, head_key, params_key};
pub use store::{MemStore, StateKey, StateStore, state_key};
