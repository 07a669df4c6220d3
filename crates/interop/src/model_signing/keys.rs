//! EC keys as the tool reads and writes them: PEM private keys (SEC1 or PKCS#8) and SPKI public keys.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use p256::elliptic_curve::Generate as _;
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::pkcs8::der::Document;
use p256::pkcs8::der::pem::PemLabel as _;
use p256::pkcs8::spki::{EncodePublicKey as _, SubjectPublicKeyInfoRef};
use p256::pkcs8::{AssociatedOid as _, EncodePrivateKey as _, LineEnding};
use sha2::{Digest as _, Sha256};

use super::error::KeyError;

/// A P-256 private key that signs bundles (ECDSA with SHA-256, deterministic nonces per RFC 6979).
#[derive(Clone)]
pub struct PrivateKey {
    signing_key: p256::ecdsa::SigningKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public_key_hint", &self.public_key().hint())
            .finish()
    }
}

impl PrivateKey {
    /// Generates a key from the operating system's random number generator.
    pub fn generate() -> Self {
        Self {
            signing_key: p256::ecdsa::SigningKey::generate(),
        }
    }

    /// Reads a P-256 private key from PEM text: SEC1 (`EC PRIVATE KEY`, what
    /// `openssl ecparam -genkey` writes, with or without a leading `EC PARAMETERS` block) or
    /// unencrypted PKCS#8 (`PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        if pem_block(pem, "ENCRYPTED PRIVATE KEY").is_some() {
            return Err(KeyError::EncryptedPrivateKey);
        }
        let Some(block) =
            pem_block(pem, "EC PRIVATE KEY").or_else(|| pem_block(pem, "PRIVATE KEY"))
        else {
            return Err(KeyError::NoPrivateKey);
        };
        let secret_key = p256::SecretKey::from_pem(block).map_err(KeyError::InvalidPrivateKey)?;
        Ok(Self {
            signing_key: p256::ecdsa::SigningKey::from(&secret_key),
        })
    }

    /// The key as PKCS#8 PEM text (`PRIVATE KEY`, LF line endings), which the tool reads.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        self.signing_key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|error| KeyError::Encode(error.to_string()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: CurveKey::P256(p256::PublicKey::from(self.signing_key.verifying_key())),
        }
    }

    /// Writes the key as PKCS#8 PEM to a new file readable only by its owner (on Unix).
    ///
    /// Refuses to overwrite an existing file, so a key is never lost by mistake.
    pub fn write_pkcs8_pem(&self, path: &Path) -> Result<(), KeyError> {
        let pem = self.to_pkcs8_pem()?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let write_error = |source| KeyError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut file = options.open(path).map_err(write_error)?;
        file.write_all(pem.as_bytes()).map_err(write_error)?;
        file.sync_all().map_err(write_error)
    }

    /// Signs `message` with ECDSA P-256/SHA-256 and returns the ASN.1 DER signature.
    pub(crate) fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        let signature: p256::ecdsa::DerSignature = self.signing_key.sign(message);
        signature.as_bytes().to_vec()
    }
}

/// Generates a P-256 key pair and writes the private key (PKCS#8 PEM, mode 0600 on Unix) and the
/// public key (SPKI PEM) to new files.
pub fn generate_key_pair(
    private_key_path: &Path,
    public_key_path: &Path,
) -> Result<PrivateKey, KeyError> {
    let private_key = PrivateKey::generate();
    private_key.write_pkcs8_pem(private_key_path)?;
    private_key.public_key().write_pem(public_key_path)?;
    Ok(private_key)
}

/// The curve of a public key; each comes with the hash the tool pairs it with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (secp256r1, prime256v1), signatures over SHA-256.
    P256,
    /// NIST P-384 (secp384r1), signatures over SHA-384.
    P384,
    /// NIST P-521 (secp521r1), signatures over SHA-512.
    P521,
}

impl Curve {
    /// The curve's name as OpenSSL spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::P256 => "prime256v1",
            Self::P384 => "secp384r1",
            Self::P521 => "secp521r1",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum CurveKey {
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
}

/// An EC public key (P-256, P-384 or P-521) that verifies bundles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    key: CurveKey,
}

impl PublicKey {
    /// Reads a public key from PEM `PUBLIC KEY` (SubjectPublicKeyInfo) text, as
    /// `openssl ec -pubout` writes it.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, document) = Document::from_pem(pem.trim_start())
            .map_err(|error| KeyError::InvalidPublicKeyPem(error.into()))?;
        SubjectPublicKeyInfoRef::validate_pem_label(label)
            .map_err(|error| KeyError::InvalidPublicKeyPem(error.into()))?;
        let spki = SubjectPublicKeyInfoRef::try_from(document.as_bytes())
            .map_err(KeyError::InvalidPublicKeyPem)?;
        let (algorithm, parameters) = spki
            .algorithm
            .oids()
            .map_err(|error| KeyError::InvalidPublicKeyPem(error.into()))?;
        if algorithm != p256::elliptic_curve::ALGORITHM_OID {
            return Err(KeyError::UnsupportedPublicKey(format!(
                "algorithm {algorithm}"
            )));
        }
        let key = match parameters {
            Some(oid) if oid == p256::NistP256::OID => p256::PublicKey::try_from(spki)
                .map(CurveKey::P256)
                .map_err(|source| KeyError::InvalidPublicKey {
                    curve: "P-256",
                    source,
                })?,
            Some(oid) if oid == p384::NistP384::OID => p384::PublicKey::try_from(spki)
                .map(CurveKey::P384)
                .map_err(|source| KeyError::InvalidPublicKey {
                    curve: "P-384",
                    source,
                })?,
            Some(oid) if oid == p521::NistP521::OID => p521::PublicKey::try_from(spki)
                .map(CurveKey::P521)
                .map_err(|source| KeyError::InvalidPublicKey {
                    curve: "P-521",
                    source,
                })?,
            Some(oid) => return Err(KeyError::UnsupportedPublicKey(format!("curve {oid}"))),
            None => {
                return Err(KeyError::UnsupportedPublicKey(
                    "EC key without a named curve".into(),
                ));
            }
        };
        Ok(Self { key })
    }

    /// The key's curve.
    pub fn curve(&self) -> Curve {
        match self.key {
            CurveKey::P256(_) => Curve::P256,
            CurveKey::P384(_) => Curve::P384,
            CurveKey::P521(_) => Curve::P521,
        }
    }

    /// The key as PEM `PUBLIC KEY` text exactly as Python's `cryptography` writes it (uncompressed
    /// point, 64-column base64, LF line endings, final newline): the bytes the key hint hashes.
    pub fn to_pem(&self) -> String {
        let pem = match &self.key {
            CurveKey::P256(key) => key.to_public_key_pem(LineEnding::LF),
            CurveKey::P384(key) => key.to_public_key_pem(LineEnding::LF),
            CurveKey::P521(key) => key.to_public_key_pem(LineEnding::LF),
        };
        pem.expect("a valid curve point always encodes as SubjectPublicKeyInfo")
    }

    /// The key hint of bundles signed by this key: the hex SHA-256 of [`PublicKey::to_pem`].
    pub fn hint(&self) -> String {
        hex::encode(Sha256::digest(self.to_pem().as_bytes()))
    }

    /// Writes [`PublicKey::to_pem`] to a new file.
    pub fn write_pem(&self, path: &Path) -> Result<(), KeyError> {
        let write_error = |source| KeyError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(write_error)?;
        file.write_all(self.to_pem().as_bytes())
            .map_err(write_error)?;
        file.sync_all().map_err(write_error)
    }

    /// Whether `signature_der` (ASN.1 DER) is a valid ECDSA signature of `message` by this key,
    /// hashed as the curve requires. High-S signatures are valid, as in OpenSSL.
    pub(crate) fn verify_der(&self, message: &[u8], signature_der: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier as _;
        match &self.key {
            CurveKey::P256(key) => {
                p256::ecdsa::Signature::from_der(signature_der).is_ok_and(|signature| {
                    p256::ecdsa::VerifyingKey::from(key)
                        .verify(message, &signature)
                        .is_ok()
                })
            }
            CurveKey::P384(key) => {
                p384::ecdsa::Signature::from_der(signature_der).is_ok_and(|signature| {
                    p384::ecdsa::VerifyingKey::from(key)
                        .verify(message, &signature)
                        .is_ok()
                })
            }
            CurveKey::P521(key) => {
                p521::ecdsa::Signature::from_der(signature_der).is_ok_and(|signature| {
                    p521::ecdsa::VerifyingKey::from(key)
                        .verify(message, &signature)
                        .is_ok()
                })
            }
        }
    }
}

/// The first PEM block labelled `label` in `text`, from its BEGIN line to the end of its END line.
fn pem_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)?;
    let end_start = start + text[start..].find(&end)?;
    Some(&text[start..end_start + end.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256_SEC1: &str = include_str!("../../testdata/model_signing/p256-sec1.pem");
    const P256_PKCS8: &str = include_str!("../../testdata/model_signing/p256-pkcs8.pem");
    const P256_WITH_PARAMS: &str =
        include_str!("../../testdata/model_signing/p256-sec1-with-params.pem");
    const P256_ENCRYPTED: &str = include_str!("../../testdata/model_signing/p256-encrypted.pem");
    const P256_PUB: &str = include_str!("../../testdata/model_signing/p256.pub");
    const P384_SEC1: &str = include_str!("../../testdata/model_signing/p384-sec1.pem");
    const P384_PUB: &str = include_str!("../../testdata/model_signing/p384.pub");
    const P521_PUB: &str = include_str!("../../testdata/model_signing/p521.pub");
    /// The hint `model_signing sign key` wrote for `p256.pub` (in `p256.sig`).
    const P256_HINT: &str = "d94a6963e17ec8a839589ebf3f70b573f9b55f3172fe684250fe1d1aa3300a31";

    #[test]
    fn test_sec1_and_pkcs8_private_keys_read_to_the_same_key() {
        let sec1 = PrivateKey::from_pem(P256_SEC1).unwrap();
        let pkcs8 = PrivateKey::from_pem(P256_PKCS8).unwrap();
        assert_eq!(sec1.public_key(), pkcs8.public_key());
        assert_eq!(sec1.public_key(), PublicKey::from_pem(P256_PUB).unwrap());
        PrivateKey::from_pem(P256_WITH_PARAMS).unwrap();
    }

    #[test]
    fn test_public_key_pem_and_hint_match_python_cryptography() {
        let public_key = PublicKey::from_pem(P256_PUB).unwrap();
        assert_eq!(public_key.to_pem(), P256_PUB);
        assert_eq!(public_key.hint(), P256_HINT);
        assert_eq!(PublicKey::from_pem(P384_PUB).unwrap().to_pem(), P384_PUB);
        assert_eq!(PublicKey::from_pem(P521_PUB).unwrap().to_pem(), P521_PUB);
        // CRLF input is re-encoded canonically, so the hint does not depend on line endings.
        let crlf = P256_PUB.replace('\n', "\r\n");
        assert_eq!(PublicKey::from_pem(&crlf).unwrap().hint(), P256_HINT);
    }

    #[test]
    fn test_curves_are_recognized() {
        assert_eq!(PublicKey::from_pem(P256_PUB).unwrap().curve(), Curve::P256);
        assert_eq!(PublicKey::from_pem(P384_PUB).unwrap().curve(), Curve::P384);
        assert_eq!(PublicKey::from_pem(P521_PUB).unwrap().curve(), Curve::P521);
    }

    #[test]
    fn test_bad_private_keys_are_refused_precisely() {
        assert!(matches!(
            PrivateKey::from_pem(P256_ENCRYPTED),
            Err(KeyError::EncryptedPrivateKey)
        ));
        assert!(matches!(
            PrivateKey::from_pem(P256_PUB),
            Err(KeyError::NoPrivateKey)
        ));
        assert!(matches!(
            PrivateKey::from_pem(""),
            Err(KeyError::NoPrivateKey)
        ));
        assert!(matches!(
            PrivateKey::from_pem(P384_SEC1),
            Err(KeyError::InvalidPrivateKey(_))
        ));
        let truncated = P256_SEC1.replacen("MHcCAQEE", "MHcCAQ", 1);
        assert!(matches!(
            PrivateKey::from_pem(&truncated),
            Err(KeyError::InvalidPrivateKey(_))
        ));
    }

    #[test]
    fn test_bad_public_keys_are_refused_precisely() {
        assert!(matches!(
            PublicKey::from_pem(P256_SEC1),
            Err(KeyError::InvalidPublicKeyPem(_))
        ));
        assert!(matches!(
            PublicKey::from_pem("garbage"),
            Err(KeyError::InvalidPublicKeyPem(_))
        ));
        // An Ed25519 key (RFC 8410 test vector).
        let ed25519 = "-----BEGIN PUBLIC KEY-----\n\
                       MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                       -----END PUBLIC KEY-----\n";
        assert!(matches!(
            PublicKey::from_pem(ed25519),
            Err(KeyError::UnsupportedPublicKey(_))
        ));
    }

    #[test]
    fn test_generated_key_round_trips_through_files() {
        let dir = tempfile::tempdir().unwrap();
        let private_path = dir.path().join("key.pem");
        let public_path = dir.path().join("key.pub");
        let key = generate_key_pair(&private_path, &public_path).unwrap();
        let read_back = PrivateKey::from_pem(&fs::read_to_string(&private_path).unwrap()).unwrap();
        assert_eq!(read_back.public_key(), key.public_key());
        let public_pem = fs::read_to_string(&public_path).unwrap();
        assert_eq!(PublicKey::from_pem(&public_pem).unwrap(), key.public_key());
        assert!(
            fs::read_to_string(&private_path)
                .unwrap()
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&private_path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Never overwrites a key.
        let again = generate_key_pair(&private_path, &dir.path().join("other.pub"));
        assert!(matches!(again, Err(KeyError::Write { .. })), "{again:?}");
    }

    #[test]
    fn test_signatures_verify_only_for_their_key_and_message() {
        let key = PrivateKey::generate();
        let signature = key.sign_der(b"message");
        assert!(key.public_key().verify_der(b"message", &signature));
        assert!(!key.public_key().verify_der(b"massage", &signature));
        assert!(
            !PrivateKey::generate()
                .public_key()
                .verify_der(b"message", &signature)
        );
        assert!(!key.public_key().verify_der(b"message", &signature[1..]));
    }
}
