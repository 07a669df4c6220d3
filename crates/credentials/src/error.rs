//! Errors of making and loading certificates, signing media, and reading detached credentials.
//!
//! Verification has no error for a bad file: a file that does not verify is an answer (see
//! [`crate::verify::Report`]), not a failure. [`VerifyError`] is only for a file that cannot be read.

use std::io;
use std::path::PathBuf;

use crate::format::UnsupportedFormat;

/// A development PKI could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// A key or certificate could not be generated.
    #[error("cannot generate the {what}: {source}")]
    Generate {
        /// The root, intermediate or signer certificate, or one of their keys.
        what: &'static str,
        /// The underlying error.
        source: rcgen::Error,
    },
    /// A file of the PKI already exists; `ca init` never overwrites keys.
    #[error("{path} already exists; refusing to overwrite it")]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// A certificate breaks the C2PA certificate profile (C2PA 2.3 §14.5), so C2PA validators would
/// reject manifests it signs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileViolation {
    /// Not an X.509 v3 certificate.
    #[error("not an X.509 v3 certificate")]
    NotVersion3,
    /// The current time is after the certificate's `notAfter`.
    #[error("expired on {not_after}")]
    Expired {
        /// The end of validity, as written in the certificate.
        not_after: String,
    },
    /// The current time is before the certificate's `notBefore`.
    #[error("not valid before {not_before}")]
    NotYetValid {
        /// The start of validity, as written in the certificate.
        not_before: String,
    },
    /// Signed with an algorithm outside RSA-SHA2, RSASSA-PSS, ECDSA-SHA2 and Ed25519.
    #[error("signed with an unsupported algorithm ({oid})")]
    UnsupportedSignatureAlgorithm {
        /// The signature algorithm's object identifier.
        oid: String,
    },
    /// An EC key on a curve other than P-256, P-384 or P-521.
    #[error("EC key on an unsupported curve ({oid})")]
    UnsupportedCurve {
        /// The curve's object identifier, or `absent`.
        oid: String,
    },
    /// The certificate carries issuer or subject unique identifiers.
    #[error("carries issuer or subject unique identifiers")]
    UniqueIdentifiers,
    /// A self-signed CA certificate where a signer was expected.
    #[error("self-signed")]
    SelfSigned,
    /// The signer certificate is a CA certificate (basicConstraints cA = true).
    #[error("is a CA certificate; the signer must be an end-entity certificate")]
    SignerIsCa,
    /// An issuing certificate in the chain is not a CA certificate.
    #[error("issues the previous certificate but is not a CA certificate")]
    IssuerNotCa,
    /// No Authority Key Identifier extension (required on every certificate).
    #[error("has no Authority Key Identifier extension")]
    MissingAuthorityKeyIdentifier,
    /// A CA certificate without a Subject Key Identifier extension.
    #[error("is a CA certificate without a Subject Key Identifier extension")]
    MissingSubjectKeyIdentifier,
    /// No key usage allowing signatures (`digitalSignature`, `nonRepudiation` or `keyCertSign`).
    #[error("has no key usage allowing signatures")]
    MissingKeyUsage,
    /// An end-entity certificate allowed to sign certificates (`keyCertSign`).
    #[error("is an end-entity certificate with the keyCertSign key usage")]
    KeyCertSignOnSigner,
    /// The signer certificate has no Extended Key Usage extension.
    #[error("has no Extended Key Usage extension")]
    MissingExtendedKeyUsage,
    /// The Extended Key Usage is `anyExtendedKeyUsage`.
    #[error("has the anyExtendedKeyUsage extended key usage")]
    AnyExtendedKeyUsage,
    /// None of the extended key usages is one C2PA accepts for signing.
    #[error(
        "has no extended key usage C2PA accepts (emailProtection, documentSigning, timeStamping, OCSPSigning or a C2PA one)"
    )]
    NoAllowedExtendedKeyUsage,
    /// `timeStamping` or `OCSPSigning` mixed with other extended key usages.
    #[error("mixes timeStamping or OCSPSigning with other extended key usages")]
    MixedExtendedKeyUsage,
    /// A critical extension C2PA validators do not handle.
    #[error("has an unhandled critical extension ({oid})")]
    UnhandledCriticalExtension {
        /// The extension's object identifier.
        oid: String,
    },
    /// An extension could not be parsed.
    #[error("has a malformed extension ({oid})")]
    MalformedExtension {
        /// The extension's object identifier.
        oid: String,
    },
}

/// A signing certificate chain and key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The chain text holds no `CERTIFICATE` PEM block.
    #[error("no CERTIFICATE PEM block found in the chain")]
    NoCertificate,
    /// A PEM block of the chain could not be decoded.
    #[error("certificate {index} of the chain is not valid PEM: {reason}")]
    Pem {
        /// Position in the chain, 0 for the signer.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A certificate is not valid DER X.509.
    #[error("certificate {index} of the chain is not a valid X.509 certificate: {reason}")]
    Parse {
        /// Position in the chain, 0 for the signer.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A certificate breaks the C2PA certificate profile.
    #[error("certificate {index} of the chain ({subject}) {violation}")]
    Profile {
        /// Position in the chain, 0 for the signer.
        index: usize,
        /// Its subject.
        subject: String,
        /// The rule it breaks.
        violation: ProfileViolation,
    },
    /// A certificate was not issued by the next one in the chain (the chain must run from the
    /// signer up towards the root).
    #[error(
        "certificate {index} of the chain ({subject}) is not signed by certificate {} ({issuer})",
        index + 1
    )]
    BrokenChain {
        /// Position of the issued certificate.
        index: usize,
        /// Its subject.
        subject: String,
        /// The subject of the next certificate.
        issuer: String,
    },
    /// The private key is not a PKCS#8 PEM key this crate can sign with.
    #[error("the private key is not a PKCS#8 PEM ECDSA P-256/P-384 or Ed25519 key: {0}")]
    Key(rcgen::Error),
    /// The private key is of an algorithm C2PA signing does not take here.
    #[error("the private key's algorithm {algorithm} is not ECDSA P-256/P-384 or Ed25519")]
    UnsupportedKeyAlgorithm {
        /// The key's algorithm.
        algorithm: String,
    },
    /// The private key does not belong to the signer certificate.
    #[error("the private key does not match the signer certificate ({subject})")]
    KeyMismatch {
        /// The signer certificate's subject.
        subject: String,
    },
    /// The C2PA library refused the credentials although the profile checks passed.
    #[error("the C2PA library refused the credentials: {0}")]
    Refused(c2pa::Error),
}

/// A file could not be signed. The file is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The format cannot carry a C2PA manifest here.
    #[error(transparent)]
    UnsupportedFormat(#[from] UnsupportedFormat),
    /// The file's bytes are not of the format its name says.
    #[error("{path} does not look like a {expected} file")]
    FormatMismatch {
        /// The file.
        path: PathBuf,
        /// The format named by the extension.
        expected: &'static str,
    },
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`reading`, `writing`, ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A sidecar manifest would not bind to the file as it is (it already carries an embedded
    /// manifest, which C2PA strips before hashing).
    #[error(
        "{path} already carries an embedded manifest; a sidecar would not bind to the file as it is"
    )]
    SidecarNeedsPlainAsset {
        /// The file.
        path: PathBuf,
    },
    /// The receipt is not a `c2sp.org/tlog-proof@v1` text within bounds.
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    /// The C2PA library failed to build or sign the manifest.
    #[error("C2PA signing failed: {0}")]
    C2pa(#[from] c2pa::Error),
}

/// An inference-log receipt is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// Larger than [`crate::assertion::MAX_RECEIPT_LEN`].
    #[error("receipt is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not UTF-8 text.
    #[error("receipt is not UTF-8 text")]
    NotText,
    /// The first line is not `c2sp.org/tlog-proof@v1`.
    #[error("receipt does not start with the line c2sp.org/tlog-proof@v1")]
    NotTlogProof,
    /// The recorded digest is not the SHA-256 of the text.
    #[error("receipt digest {recorded} does not match its text, which hashes to {computed}")]
    DigestMismatch {
        /// The digest written beside the receipt.
        recorded: String,
        /// SHA-256 of the receipt text.
        computed: String,
    },
}

/// A file could not be read for verification.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The file or sidecar could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The trust anchors are not PEM certificates.
    #[error("trust anchors: {0}")]
    Anchors(String),
}

/// A detached credential could not be read or does not hold.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetachedError {
    /// Larger than [`crate::detached::MAX_CREDENTIAL_LEN`].
    #[error("credential is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON of the credential's shape.
    #[error("credential is malformed: {0}")]
    Malformed(String),
    /// The format line names another format or version.
    #[error("credential format is {0:?}, expected ailedger.content-credential/v1")]
    UnsupportedFormat(String),
    /// The creator is not a valid ledger address.
    #[error("credential creator is not a valid address: {0}")]
    Creator(#[from] ailedger_core::AddressParseError),
    /// The signature is not 64 hex-encoded bytes of an Ed25519 signature.
    #[error("credential signature is malformed")]
    MalformedSignature,
    /// The signature does not verify under the creator's key.
    #[error("credential signature does not verify under the creator's key")]
    BadSignature,
    /// The content is not the content the credential was made for.
    #[error(
        "content does not match: the credential is for sha256 {expected} ({expected_len} bytes), the content is sha256 {actual} ({actual_len} bytes)"
    )]
    ContentMismatch {
        /// The signed digest (hex).
        expected: String,
        /// The signed length.
        expected_len: u64,
        /// The content's digest (hex).
        actual: String,
        /// The content's length.
        actual_len: u64,
    },
    /// The receipt inside the claim is not acceptable.
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    /// The content could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// An image could not be fingerprinted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FingerprintError {
    /// The bytes are not a PNG or JPEG image.
    #[error("not a PNG or JPEG image")]
    UnsupportedImage,
    /// The image could not be decoded (corrupt, truncated, or beyond the size limits).
    #[error("cannot decode the image: {0}")]
    Decode(String),
}
