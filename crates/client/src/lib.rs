//! JSON types and a typed HTTP client for the ailedger node API.
//!
//! # Overview
//!
//! - [`dto`]: the JSON shape of every request and response of the node API. The node's API
//!   serializes these types and the CLI prints them, so the two cannot drift apart. Library types
//!   (blocks, transactions, receipts) are not `Serialize`; each DTO converts from the domain type
//!   it shows.
//! - [`Client`]: an async client of one node, with one method per endpoint, transaction
//!   submission, [`Client::wait_for_tx`], and [`Client::verified_account`], which checks an
//!   account's state proof against the state root of the block it is for; provenance queries
//!   (datasets, models, versions, lineage, licence reports, downstream sets), staking queries
//!   (parameters, validators, each epoch's validator set) and their `verified_*` forms, which
//!   recompute the answer from proven state values; a set is also checked against the header
//!   that commits to it at the end of the epoch before.
//! - [`verify`]: those checks as plain functions, usable on answers obtained any other way.
//! - [`encoding`]: the text forms (hex, decimal amounts) and their parsers.
//!
//! # JSON conventions
//!
//! Hashes, addresses, raw bytes and proofs are lowercase hex strings with no `0x`; token amounts
//! and fees (`u128`) are decimal strings; other integers are numbers. An error answer is
//! [`dto::ErrorBody`]: `{"code": "...", "message": "...", "details": {...}}`.
//!
//! # Status
//!
//! ALPHA: the JSON shapes may change until the first network launches.

mod client;
pub mod dto;
pub mod encoding;
mod error;
pub mod verify;

pub use client::{BlockRef, Client, NONCE_ATTEMPTS, model_path_segment};
pub use error::ClientError;
pub use verify::{ProofSummary, VerificationError, Verified, VerifiedAccount, VerifiedQuery};
