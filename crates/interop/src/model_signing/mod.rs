//! OpenSSF Model Signing: sign a model directory into a bundle `model_signing verify key` accepts,
//! and verify the bundles `model_signing sign key` writes.
//!
//! The format (model-signing 1.x, predicate `https://model_signing/signature/v1.0`):
//!
//! - Every file of the model directory is hashed with SHA-256 (the `files` serialization). Paths
//!   are POSIX paths relative to the directory, sorted by their components. `.git`, `.github`,
//!   `.gitignore` and `.gitattributes` at the top of the directory are left out by default, and
//!   symbolic links are refused unless allowed ([`HashOptions`]).
//! - An in-toto Statement v1 ([`Statement`]) names the model (the directory's basename) with a
//!   subject digest: SHA-256 over the raw file digests concatenated in resource order. Its
//!   predicate records the serialization parameters and one resource per file.
//! - The statement's JSON is the payload of a DSSE envelope (payload type
//!   `application/vnd.in-toto+json`), signed with ECDSA over the DSSE pre-authentication encoding
//!   ([`pae`]): P-256 with SHA-256 here; P-384/SHA-384 and P-521/SHA-512 are verified too.
//! - The envelope travels in a Sigstore bundle v0.3 ([`Bundle`]) whose verification material is
//!   only a key hint: the hex SHA-256 of the public key's PEM text ([`PublicKey::hint`]).
//!
//! Verification ([`verify_directory`]) checks, in order: the bundle's shape, the key hint, the
//! signature over the payload bytes as sent, the statement (types, serialization, that the subject
//! digest matches the resources), then re-hashes the directory with the signed serialization
//! parameters and compares file by file. Each failure is a distinct [`VerifyError`].
//!
//! ```no_run
//! use ailedger_interop::model_signing::{PrivateKey, sign_directory, verify_directory};
//! use std::path::Path;
//!
//! let key = PrivateKey::generate();
//! let bundle = sign_directory(Path::new("my-model"), &key)?;
//! bundle.write(Path::new("my-model.sig"))?;
//!
//! let bundle_json = std::fs::read(Path::new("my-model.sig"))?;
//! let verified = verify_directory(Path::new("my-model"), &bundle_json, &key.public_key())?;
//! let subject_digest = verified.manifest.subject_digest();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bundle;
mod error;
mod hashing;
mod keys;
mod verify;

pub use bundle::{
    BUNDLE_MEDIA_TYPE, Bundle, DsseEnvelope, DsseSignature, IN_TOTO_PAYLOAD_TYPE, PREDICATE_TYPE,
    Predicate, PublicKeyIdentifier, Resource, STATEMENT_TYPE, Serialization, Statement, Subject,
    VerificationMaterial, pae, sign_directory, sign_directory_with, sign_manifest,
};
pub use error::{HashError, KeyError, VerifyError};
pub use hashing::{FileDigest, GIT_PATHS, HashOptions, Manifest, hash_directory};
pub use keys::{Curve, PrivateKey, PublicKey, generate_key_pair};
pub use verify::{
    SignedManifest, VerifiedModel, VerifyOptions, verify_bundle, verify_directory,
    verify_directory_with,
};

#[cfg(test)]
mod tests;
