//! Identifiers, keys, canonical encoding, transactions, blocks and receipts of the ailedger chain.
//!
//! # Overview
//!
//! Everything that is signed or hashed on the chain has exactly one binary encoding, written with
//! [`commonware_codec`]: integers are fixed-width big-endian, lengths are bounded, decoding rejects
//! trailing bytes and any value that would not re-encode to the same bytes.
//!
//! - [`Address`] and [`SecretKey`]: Ed25519 accounts (ZIP-215 verification rules, so a single
//!   and a batch verification always agree, which consensus needs).
//! - [`Transaction`] and [`SignedTransaction`]: chain id, sender, nonce, gas limit and price, and
//!   one module message as opaque bytes (the state machine decodes it).
//! - [`Header`] and [`Block`]: height, parent, time, proposer, consensus round, the transactions
//!   root, the receipts root and the state root after execution.
//! - [`Receipt`] and [`Event`]: what executing a transaction did.
//! - [`gas`]: the deterministic gas schedule.
//!
//! This crate does no I/O and knows nothing about the consensus engine or storage.
//!
//! # Status
//!
//! ALPHA: encodings may change until the first network launches; any change is a hard fork.
//!
//! # Example
//!
//! ```
//! use ailedger_core::{ModuleId, SecretKey, Transaction};
//!
//! let key = SecretKey::from_seed(7);
//! let tx = Transaction::new("ailedger-dev", key.address(), 0, 50_000, 1, ModuleId::new(1), vec![1, 2, 3])?;
//! let signed = tx.sign(&key);
//! let bytes = signed.encode_to_vec();
//! let decoded = ailedger_core::SignedTransaction::decode(&bytes)?;
//! assert_eq!(decoded.hash(), signed.hash());
//! decoded.verify_signature()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod block;
mod encoding;
mod error;
pub mod gas;
mod hash;
mod keys;
pub mod receipt;
mod tx;

pub use block::{Block, BlockLimits, Header};

/// Namespace of every consensus vote and certificate of an ailedger chain (and of its p2p
/// handshakes): validators sign under it, light clients verify under it.
pub const CONSENSUS_NAMESPACE: &[u8] = b"_AILEDGER";
pub use encoding::{read_string, string_encode_size, write_string};
pub use error::{DecodeError, SignatureError};
pub use hash::{Hash, ZERO_HASH, leaf_hash, merkle_root, sha256};
pub use keys::{Address, AddressParseError, SecretKey};
pub use receipt::{Event, Outcome, Receipt};
pub use tx::{
    ChainId, MAX_CHAIN_ID_LEN, MAX_PAYLOAD_LEN, ModuleId, SignatureBatch, SignedMessage,
    SignedTransaction, TX_NAMESPACE, Transaction, TxBuildError, verify_batch, verify_batch_with,
    verify_signatures,
};

/// Native token amounts, in the smallest unit.
pub type Amount = u128;
