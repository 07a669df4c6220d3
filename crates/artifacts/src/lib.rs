//! Content hashing of AI artifacts: RFC 6962 Merkle roots and proofs over datasets (files or records) and model weights (per-file SHA-256 and a per-tensor root).
//!
//! # Overview
//!
//! - [`merkle`]: the RFC 6962 / RFC 9162 tree over SHA-256 (`H(0x00 || leaf)`,
//!   `H(0x01 || left || right)`), a streaming root builder and inclusion proofs with a canonical
//!   binary encoding.
//! - [`dataset`]: a directory or file hashed as one leaf per file, or as one leaf per record of
//!   its CSV and JSON Lines files; a per-file manifest; proofs that a file or record is in a
//!   dataset; "what is this file?" ([`dataset::identify_file`]).
//! - [`weights`]: safetensors, GGUF and ONNX models, identified by the plain SHA-256 of each file
//!   and by a per-tensor Merkle root that ignores file layout, metadata and sharding; proofs that
//!   a tensor is part of a model.
//!
//! Everything is streamed with 1 MiB reads and spread over threads; long jobs report progress
//! through [`Progress`] and the library prints nothing. Every byte string that is hashed has one
//! canonical encoding (fixed-width big-endian integers, `u32`-length-prefixed strings, a domain
//! tag per leaf type), documented next to the type it encodes.
//!
//! This crate knows nothing about the chain: no consensus, no storage, no async runtime.
//!
//! # Status
//!
//! ALPHA: leaf and proof encodings may change until the first network launches; registered
//! roots depend on them, so any change after that is a new tag version (`.../v2`).
//!
//! # Example
//!
//! ```
//! use ailedger_artifacts::dataset::{self, DatasetOptions};
//! use ailedger_artifacts::NoProgress;
//!
//! let dir = std::env::temp_dir().join(format!("ailedger-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("sub"))?;
//! std::fs::write(dir.join("a.txt"), b"hello")?;
//! std::fs::write(dir.join("sub/b.txt"), b"")?;
//!
//! let digest = dataset::hash_dataset(&dir, &DatasetOptions::default(), &NoProgress)?;
//! assert_eq!(digest.n_leaves, 2);
//! let proof = dataset::prove_file(&digest.manifest, "sub/b.txt")?;
//! proof.verify(&digest.root)?;
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod dataset;
mod encoding;
mod hash;
pub mod merkle;
mod parallel;
mod progress;
pub mod weights;

pub use encoding::DecodeError;
pub use hash::{Hash, HashParseError, READ_BUFFER_LEN, sha256};
pub use progress::{NoProgress, Progress};
