//! The ailedger node: consensus, mempool, execution and storage wired together.
//!
//! # Overview
//!
//! [`start`] reads a home directory ([`config`]), opens the index and the state database, starts
//! the Commonware actors ([`engine`]: p2p, simplex, marshal, the stateful application) and the
//! HTTP API, and returns a [`RunningNode`]. Transactions enter through the [`NodeHandle`] (which
//! implements [`ailedger_api::Backend`]) into the [`Mempool`]; the proposer builds blocks from it
//! with the state machine; finalized blocks are applied to the state and recorded in the index.
//!
//! A node whose key is not a validator's runs as a full node: the same actors with a consensus
//! scheme that verifies but never signs, so it follows every finalized block, re-executes it
//! against its state root and serves the API; transactions submitted to it are relayed to the
//! validators.
//!
//! # Status
//!
//! ALPHA.

mod app;
mod block;
pub mod config;
mod content_index;
mod engine;
mod epochs;
mod mempool;
mod pacer;
mod relay;
mod run;
mod service;
mod state_sync;
mod view;

pub use app::{App, Finalized};
pub use block::{BlockContext, ChainBlock};
pub use engine::{genesis_block, max_p2p_message_size};
pub use mempool::{Mempool, MempoolLimits};
pub use run::{NodeError, Overrides, RunningNode, start};
pub use service::NodeHandle;
