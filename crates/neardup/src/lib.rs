//! Near-duplicate indexes: 64-bit fingerprints within a Hamming radius (multi-index hashing)
//! and MinHash signatures by LSH banding.
//!
//! - [`HammingIndex`] holds 64-bit codes (image perceptual hashes, text SimHashes) and finds
//!   every code within a radius of a query without scanning them all: each code is filed under
//!   its four 16-bit blocks, and by the pigeonhole principle a code within radius `r` has at
//!   least one block within `r / 4` of the query's, so only buckets that close are probed
//!   (Norouzi, Punjani and Fleet, *Fast search in Hamming space with multi-index hashing*, 2012).
//! - [`MinHashIndex`] holds MinHash signatures and finds those sharing a band of
//!   [`MinHashIndex::ROWS`] consecutive values with the query, then ranks them by the share of
//!   equal values (an estimate of the Jaccard similarity of the underlying shingle sets).
//!
//! Both are plain in-memory structures with no I/O: the node builds them from committed content
//! claims, and benchmarks build them from generated fingerprints. A match is a lead, not a
//! proof: anyone can make content with a chosen fingerprint.
//!
//! # Status
//!
//! ALPHA.

mod hamming;
mod minhash;

pub use hamming::{HammingIndex, HammingMatch};
pub use minhash::{MinHashIndex, MinHashMatch};
