//! Content credentials: proving what is AI-generated, by which registered model, and what is
//! human-made.
//!
//! - [`sign`]: C2PA manifests on PNG, JPEG and WAV files, embedded or as a `.c2pa` sidecar.
//!   AI-generated media states `trainedAlgorithmicMedia` (or
//!   `compositeWithTrainedAlgorithmicMedia` for AI edits) with the model version as software
//!   agent; human-made works state `digitalCapture` or `humanEdits`. Every manifest carries the
//!   CAWG `cawg.training-mining` preferences and an ailedger assertion ([`assertion`]) with the
//!   chain id, the model-version id and the inference log's `tlog-proof` receipt.
//! - [`verify`]: a plain, serializable [`verify::Report`] on any file: signer and whether it
//!   chains to a trust anchor, C2PA validation state and failure codes, the content's origin,
//!   the ledger links, and which link is missing or broken.
//! - [`ca`]: a development root → intermediate → ES256 signer PKI that meets the C2PA
//!   certificate profile; [`certificate`] loads production chains and keys and says which
//!   profile rule a certificate breaks.
//! - [`detached`]: a signed JSON credential for bytes C2PA cannot carry (plain text and
//!   anything else), signed with the creator's ledger key over a canonical encoding.
//! - [`fingerprint`]: 64-bit perceptual hashes of images and SimHashes of text for
//!   near-duplicate lookup.
//!
//! This crate knows nothing about the chain beyond its ids and keys: whether a model version is
//! registered, whether a receipt proves inclusion in the inference log, and which block
//! anchors it are checked by the caller with the ids and receipts reported here. It depends on
//! the `c2pa` crate, which is large; only the tools that handle media depend on this crate, so
//! the node does not compile it.

pub mod assertion;
pub mod ca;
pub mod certificate;
pub mod detached;
pub mod error;
pub mod fingerprint;
pub mod format;
pub mod sign;
pub mod verify;

pub use assertion::{ModelVersionId, Receipt, TrainingMining};
pub use certificate::SigningCredentials;
pub use format::MediaFormat;
pub use sign::{
    AiGenerated, Generation, HumanMade, ModelAgent, Origin, Placement, sign_bytes, sign_file,
};
pub use verify::{Report, TrustAnchors, Verdict, verify, verify_bytes};
