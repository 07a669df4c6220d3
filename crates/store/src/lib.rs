//! Authenticated state (QMDB) and the block, transaction and receipt index of an ailedger node.
//!
//! # Overview
//!
//! - [`StateDb`]: the chain's state, a Commonware QMDB `current::ordered` database keyed by
//!   [`StateKey`](ailedger_state::StateKey). Its canonical root is the block's state root; every
//!   key's value (or its absence) can be proven against it.
//! - [`StateProof`] and [`verify_state_proof`]: the proofs, encoded for the wire and checkable by
//!   anyone holding a block header, with no database.
//! - [`Index`]: what the chain does not need but its users do, kept beside the state in
//!   Commonware archives: committed transactions by id and by sender, receipts, headers by
//!   height and by id.
//!
//! # Status
//!
//! ALPHA: on-disk formats may change.

mod index;
mod proof;
mod qmdb;

pub use index::{Index, IndexError, IndexedBlock, IndexedTx};
pub use proof::{ProofError, StateProof, verify_state_proof};
pub use qmdb::{MAX_VALUE_LEN, StateDb, StateDbConfig, state_db_config};
