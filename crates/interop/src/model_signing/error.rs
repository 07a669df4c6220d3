//! Errors of hashing a model directory, reading keys and verifying bundles.

use std::io;
use std::path::PathBuf;

/// A model directory could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The model path is not a directory.
    #[error("{path} is not a directory")]
    NotADirectory {
        /// The model path.
        path: PathBuf,
    },
    /// A symbolic link was found and the serialization does not allow them.
    #[error("{path} is a symbolic link (symbolic links are refused unless allowed)")]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// A path is neither a regular file nor a directory (a socket, a pipe, a device).
    #[error("{path} is neither a regular file nor a directory")]
    SpecialFile {
        /// The path.
        path: PathBuf,
    },
    /// A file or directory name is not UTF-8, so it cannot be named in the statement.
    #[error("{path} is not valid UTF-8")]
    NonUtf8Path {
        /// The path.
        path: PathBuf,
    },
    /// An ignore path is empty, `.`, absolute or leaves the model directory.
    #[error("ignore path {path:?} must be a relative path inside the model directory")]
    InvalidIgnorePath {
        /// The ignore path as given.
        path: String,
    },
    /// A file or directory could not be read (missing, permissions, broken link, I/O error).
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// A key could not be read, encoded or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The text holds no `EC PRIVATE KEY` (SEC1) or `PRIVATE KEY` (PKCS#8) PEM block.
    #[error("no EC PRIVATE KEY (SEC1) or PRIVATE KEY (PKCS#8) PEM block found")]
    NoPrivateKey,
    /// The private key is encrypted; decrypt it first (`openssl pkcs8 -in KEY -out PLAIN`).
    #[error("encrypted private keys are not supported; decrypt it first")]
    EncryptedPrivateKey,
    /// The private key is not a valid P-256 key (only P-256 keys sign here).
    #[error("not a valid P-256 private key: {0}")]
    InvalidPrivateKey(p256::elliptic_curve::DecodeError),
    /// The public key is not a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) block.
    #[error("not a PEM PUBLIC KEY (SubjectPublicKeyInfo): {0}")]
    InvalidPublicKeyPem(p256::pkcs8::spki::Error),
    /// The public key is not an EC key on P-256, P-384 or P-521.
    #[error("unsupported public key: {0} (need an EC key on P-256, P-384 or P-521)")]
    UnsupportedPublicKey(String),
    /// The public key's point is not valid for its curve.
    #[error("invalid {curve} public key: {source}")]
    InvalidPublicKey {
        /// The curve named by the key.
        curve: &'static str,
        /// The decoding error.
        source: p256::pkcs8::spki::Error,
    },
    /// The key could not be encoded as PEM.
    #[error("cannot encode key: {0}")]
    Encode(String),
    /// A key file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// A bundle does not verify against a key and a model directory.
///
/// The checks run in the order of the variants below, from the bundle's shape to the files.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The bundle is not valid JSON of the Sigstore bundle shape.
    #[error("bundle is not valid JSON: {0}")]
    MalformedBundle(serde_json::Error),
    /// The bundle's media type is not `application/vnd.dev.sigstore.bundle.v0.3+json`.
    #[error("bundle media type is {0:?}, expected application/vnd.dev.sigstore.bundle.v0.3+json")]
    UnsupportedMediaType(String),
    /// The bundle carries no DSSE envelope (a Sigstore message-signature bundle, say).
    #[error("bundle carries no DSSE envelope")]
    MissingEnvelope,
    /// The DSSE payload type is not `application/vnd.in-toto+json`.
    #[error("DSSE payload type is {0:?}, expected application/vnd.in-toto+json")]
    WrongPayloadType(String),
    /// The bundle names no public key: it was signed with a certificate or by Sigstore, not with a key.
    #[error("bundle names no public key (signed with a certificate or Sigstore, not a key)")]
    MissingPublicKey,
    /// The bundle's key hint names another key than the one given.
    #[error(
        "key mismatch: the bundle was signed by key {bundle_hint}, the given key is {key_hint}"
    )]
    KeyMismatch {
        /// The hint in the bundle.
        bundle_hint: String,
        /// The hint of the given key.
        key_hint: String,
    },
    /// A base64 field does not decode.
    #[error("{field} is not valid base64: {source}")]
    MalformedBase64 {
        /// The field (`payload` or `sig`).
        field: &'static str,
        /// The decoding error.
        source: base64::DecodeError,
    },
    /// The envelope has no signatures.
    #[error("DSSE envelope has no signatures")]
    NoSignatures,
    /// No signature of the envelope verifies with the given key over the payload.
    #[error("signature does not verify with the given key")]
    BadSignature,
    /// The signed payload is not JSON of the in-toto Statement shape.
    #[error("payload is not a valid in-toto statement: {0}")]
    MalformedPayload(serde_json::Error),
    /// The statement's `_type` is not `https://in-toto.io/Statement/v1`.
    #[error("statement type is {0:?}, expected https://in-toto.io/Statement/v1")]
    WrongStatementType(String),
    /// The predicate type is not `https://model_signing/signature/v1.0`.
    #[error("predicate type is {0:?}, expected https://model_signing/signature/v1.0")]
    UnsupportedPredicateType(String),
    /// The serialization method is not `files` (the tool's `shards` is not supported).
    #[error("serialization method {0:?} is not supported (only \"files\")")]
    UnsupportedMethod(String),
    /// A hash algorithm is not `sha256` (the tool's `blake2` and `blake3` are not supported).
    #[error("hash algorithm {0:?} is not supported (only \"sha256\")")]
    UnsupportedHash(String),
    /// The statement is well-formed JSON but breaks the format (subject count, digests, duplicates, ignore paths).
    #[error("invalid statement: {0}")]
    InvalidStatement(String),
    /// The subject digest does not match the resources it summarizes.
    #[error("subject digest {signed} does not match the resources, which hash to {computed}")]
    SubjectDigestMismatch {
        /// The signed subject digest (hex).
        signed: String,
        /// SHA-256 over the resources' digests (hex).
        computed: String,
    },
    /// Signed files are missing from the directory (all of them, sorted).
    #[error("signed files missing from the model: {}", .0.join(", "))]
    MissingFiles(Vec<String>),
    /// The directory holds files the signature does not cover (all of them, sorted).
    #[error("files not covered by the signature: {}", .0.join(", "))]
    ExtraFiles(Vec<String>),
    /// A file's content does not match its signed digest (the first such file in path order).
    #[error("file {path:?} was modified: signed sha256 {expected}, found {actual}")]
    DigestMismatch {
        /// The file, relative to the model directory.
        path: String,
        /// The signed digest (hex).
        expected: String,
        /// The digest of the file on disk (hex).
        actual: String,
    },
    /// The directory could not be hashed (an unreadable file, a refused symbolic link, ...).
    #[error(transparent)]
    Hash(#[from] HashError),
}
