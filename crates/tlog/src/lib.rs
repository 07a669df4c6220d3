//! A transparency log: an append-only list of entries whose every state is committed to by a
//! signed Merkle root, so that the operator can neither change nor drop an entry, nor show two
//! histories, without leaving signed evidence.
//!
//! # Formats
//!
//! Everything on the wire is a published standard that Go's checksum database, Sigstore
//! Rekor v2, Tessera and Sunlight also speak, so their clients and tools work with this log:
//!
//! - **Hashing** ([`hash`], [`merkle`]): RFC 6962/9162 over SHA-256. An entry's leaf hash is
//!   `SHA-256(0x00 || entry)`, an inner node `SHA-256(0x01 || left || right)`, and a tree of
//!   `n` leaves splits at the largest power of two below `n`.
//! - **Proofs** ([`proof`]): inclusion proofs (an entry is at index `i` of the tree of size
//!   `n`) and consistency proofs (the tree of size `m` is a prefix of the tree of size `n`),
//!   generated and verified with RFC 9162's algorithms.
//! - **Checkpoints** ([`checkpoint`], [`note`]): C2SP `tlog-checkpoint` (origin line, tree
//!   size, base64 root, optional extension lines), signed as a C2SP `signed-note` with
//!   Ed25519. The key's name is the log's origin.
//! - **Receipts** ([`receipt`]): C2SP `tlog-proof@v1`, the entry's index, its inclusion proof
//!   and the signed checkpoint, checkable offline with only the log's verifier key.
//! - **Tiles** ([`tiles`]): C2SP `tlog-tiles`, the tree as tiles of 256 hashes and the entries
//!   as bundles of 256, so the log can be served and mirrored as static files.
//!
//! Note signing and parsing go through the `signed_note` crate and checkpoint parsing through
//! `tlog_tiles` (Rust ports of Go's `x/mod/sumdb/note` and `/tlog`). Hashing and proofs are this
//! crate's own code, tested against `tlog_tiles` on random trees and against Go's reference
//! implementation.
//!
//! # Storage and guarantees
//!
//! [`Log`] keeps a log in a directory (see [`storage`] for the files). Entries are appended
//! in batches by an [`Appender`], which many threads can share: requests that arrive while a
//! batch is being written form the next batch (group commit), and each batch costs one write
//! and one `fdatasync`. A batch's receipts are returned only after its sync, so:
//!
//! - every entry for which a receipt was returned survives a crash (`SIGKILL`, power loss
//!   with an honest disk) at any instant;
//! - the log never signs two checkpoints of the same size with different roots that both
//!   survive: a batch that was not synced when the process died was never acknowledged, and
//!   its checkpoint was never published;
//! - reopening a log truncates a torn last batch, replays the batches after the last synced
//!   tile state, and checks that the tree matches the last signed checkpoint.
//!
//! Entries are 1 to 65,535 bytes (entry bundles store lengths as `u16`) and batches have at
//! most [`LogOptions::max_batch_entries`] entries; larger inputs are refused with an
//! [`AppendError`] naming the entry.
//!
//! This crate knows nothing about any chain: anchoring checkpoints elsewhere is the caller's
//! business, with [`Log::consistency_proof`] as the evidence.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod appender;
pub mod checkpoint;
mod error;
pub mod hash;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod receipt;
pub mod storage;
pub mod tiles;

pub use appender::Appender;
pub use checkpoint::{Checkpoint, SignedCheckpoint};
pub use error::{AppendError, FormatError, ProofError, ProveError, StorageError, VerifyError};
pub use hash::{Hash, leaf_hash, node_hash};
pub use merkle::{Frontier, MemoryTree, NodeSource};
pub use note::{LogKey, LogVerifier};
pub use proof::{ConsistencyProof, InclusionProof};
pub use receipt::Receipt;
pub use storage::{Audit, Log, LogOptions, Recovery};
pub use tiles::TileId;
