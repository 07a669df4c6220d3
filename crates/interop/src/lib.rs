//! External standards' formats spoken by ailedger, so its records can be checked by other people's tools.
//!
//! Each module implements one standard as it is written and as its reference tool actually
//! behaves, and is tested against that tool where it can be installed:
//!
//! - [`model_signing`]: OpenSSF Model Signing v1.0 bundles (a Sigstore bundle v0.3 carrying a
//!   DSSE envelope around an in-toto Statement v1), signed and verified with an EC key, as
//!   `model_signing sign key` / `model_signing verify key` (PyPI `model-signing`) make and check them.
//! - [`croissant`]: a registered dataset as Croissant 1.1 JSON-LD, as `mlcroissant validate` and
//!   `mlcroissant load` (PyPI `mlcroissant`) check and read it.
//! - [`model_card`]: Hugging Face model-card front matter, read when registering a model version
//!   and written from its record, as `huggingface_hub.ModelCard` (PyPI `huggingface_hub`) reads it.
//! - [`ai_act`]: the EU AI Act Art. 53(1)(d) public summary of training content of a model
//!   version, in the structure of the AI Office's template, generated from its lineage.
//!
//! This crate knows nothing about the chain: it turns directories, keys, plain copies of the
//! ledger's records ([`record`]) and documents into other documents and verdicts. JSON and YAML
//! here are external formats; they are never what the ledger hashes or signs.

pub mod ai_act;
pub mod croissant;
mod markdown;
pub mod model_card;
pub mod model_signing;
pub mod record;
