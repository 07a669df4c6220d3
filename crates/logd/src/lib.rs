//! The inference log service: signed inference records appended to a transparency log with
//! instant receipts, served over HTTP and anchored on the chain.
//!
//! # Overview
//!
//! - [`record`]: the [`InferenceRecord`], a fixed-width signed encoding of one prediction
//!   (model version, digests of input, output and parameters, time, operator signature); it
//!   is the log entry itself.
//! - [`service`]: the axum router. `POST /v1/records` appends one or a batch of records and
//!   answers one `tlog-proof@v1` receipt per record once the batch is durable (fsynced); the
//!   receipt's `extra` line carries the record, so a receipt alone can be verified offline with
//!   the log's key. Reads: `/v1/records/{i}`, `/v1/receipts/{i}`, `/v1/proofs/inclusion`,
//!   `/v1/proofs/consistency`, `/v1/log`, and the C2SP `tlog-tiles` files `/checkpoint` and
//!   `/tile/...`.
//! - [`anchor`]: the task that anchors the latest checkpoint on the chain every N seconds or
//!   M entries, with the consistency proof from the latest anchor.
//! - [`client`]: a typed client of the service.
//!
//! A record's model version must be registered on the chain ([`service::ModelCheck`]); the
//! service checks it once per version and remembers it, since a registration is permanent.
//!
//! # Status
//!
//! ALPHA.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod anchor;
pub mod client;
pub mod dto;
pub mod record;
pub mod service;

pub use client::{LogClient, LogClientError};
pub use record::{InferenceRecord, RecordBody, RecordError};
pub use service::{ModelCheck, ServiceLimits, Shared, router};
