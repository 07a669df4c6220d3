//! External standards' formats spoken by ailedger, so its records can be checked by other people's tools.
//!
//! Each module implements one standard as it is written and as its reference tool actually
//! behaves, and is tested against that tool where it can be installed:
//!
//! - [`model_signing`]: OpenSSF Model Signing v1.0 bundles (a Sigstore bundle v0.3 carrying a
//!   DSSE envelope around an in-toto Statement v1), signed and verified with an EC key, as
//!   `model_signing sign key` / `model_signing verify key` (PyPI `model-signing`) make and check them.
//!
//! This crate knows nothing about the chain: it turns directories, keys and JSON documents into
//! other JSON documents and verdicts. JSON here is an external format; it is never what the ledger
//! hashes or signs.

pub mod model_signing;
