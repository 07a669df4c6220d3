//! Loading a signer's certificate chain and key, checked against the C2PA certificate profile.
//!
//! The C2PA library's own check answers only "the certificate is invalid". The checks here
//! follow the same rules (C2PA 2.3 §14.5, as c2pa-rs 0.90 applies them) and say which rule a
//! certificate breaks and which certificate of the chain it is, so that an operator can fix it.

use std::fmt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use c2pa::SigningAlg;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::time::ASN1Time;
use x509_parser::x509::X509Version;

use crate::error::{CertificateError, ProfileViolation};

/// Signature algorithms C2PA accepts on certificates.
const SIGNATURE_ALGORITHMS: [&str; 8] = [
    "1.2.840.113549.1.1.11", // sha256WithRSAEncryption
    "1.2.840.113549.1.1.12", // sha384WithRSAEncryption
    "1.2.840.113549.1.1.13", // sha512WithRSAEncryption
    "1.2.840.113549.1.1.10", // RSASSA-PSS
    "1.2.840.10045.4.3.2",   // ecdsa-with-SHA256
    "1.2.840.10045.4.3.3",   // ecdsa-with-SHA384
    "1.2.840.10045.4.3.4",   // ecdsa-with-SHA512
    "1.3.101.112",           // Ed25519
];
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// P-256, P-384, P-521.
const EC_CURVES: [&str; 3] = ["1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35"];
/// Extended key usages beyond the named ones that C2PA's default trust configuration accepts:
/// documentSigning, Microsoft's C2PA signer, and C2PA's own.
const ALLOWED_OTHER_EKUS: [&str; 3] = [
    "1.3.6.1.5.5.7.3.36",
    "1.3.6.1.4.1.311.76.59.1.9",
    "1.3.6.1.4.1.62558.2.1",
];

/// Where a certificate sits in a chain, which decides the rules it must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The end-entity certificate whose key signs manifests.
    Signer,
    /// A CA certificate above the signer.
    Issuer,
}

/// Checks one DER certificate against the C2PA certificate profile for its role, at `now`
/// (seconds since the Unix epoch).
pub fn check_profile(der: &[u8], role: Role, now: i64) -> Result<(), CertificateError> {
    let certificate = parse(der, 0)?;
    check_parsed(&certificate, role, now).map_err(|violation| CertificateError::Profile {
        index: 0,
        subject: certificate.subject().to_string(),
        violation,
    })
}

fn parse(der: &[u8], index: usize) -> Result<X509Certificate<'_>, CertificateError> {
    match X509Certificate::from_der(der) {
        Ok(([], certificate)) => Ok(certificate),
        Ok(_) => Err(CertificateError::Parse {
            index,
            reason: "trailing bytes after the certificate".to_owned(),
        }),
        Err(error) => Err(CertificateError::Parse {
            index,
            reason: error.to_string(),
        }),
    }
}

fn check_parsed(
    certificate: &X509Certificate<'_>,
    role: Role,
    now: i64,
) -> Result<(), ProfileViolation> {
    if certificate.version() != X509Version::V3 {
        return Err(ProfileViolation::NotVersion3);
    }
    let validity = certificate.validity();
    let now = ASN1Time::from_timestamp(now).map_err(|_| ProfileViolation::Expired {
        not_after: validity.not_after.to_string(),
    })?;
    if now < validity.not_before {
        return Err(ProfileViolation::NotYetValid {
            not_before: validity.not_before.to_string(),
        });
    }
    if now > validity.not_after {
        return Err(ProfileViolation::Expired {
            not_after: validity.not_after.to_string(),
        });
    }
    let algorithm = certificate.signature_algorithm.algorithm.to_id_string();
    if !SIGNATURE_ALGORITHMS.contains(&algorithm.as_str()) {
        return Err(ProfileViolation::UnsupportedSignatureAlgorithm { oid: algorithm });
    }
    let key_algorithm = &certificate.public_key().algorithm;
    if key_algorithm.algorithm.to_id_string() == EC_PUBLIC_KEY {
        let curve = key_algorithm
            .parameters
            .as_ref()
            .and_then(|parameters| parameters.as_oid().ok())
            .map(|oid| oid.to_id_string());
        match curve {
            Some(curve) if EC_CURVES.contains(&curve.as_str()) => {}
            other => {
                return Err(ProfileViolation::UnsupportedCurve {
                    oid: other.unwrap_or_else(|| "absent".to_owned()),
                });
            }
        }
    }
    let tbs = &certificate.tbs_certificate;
    let is_ca = tbs.is_ca();
    let self_signed = tbs.issuer() == tbs.subject();
    if is_ca && self_signed && role == Role::Signer {
        return Err(ProfileViolation::SelfSigned);
    }
    if certificate.issuer_uid.is_some() || certificate.subject_uid.is_some() {
        return Err(ProfileViolation::UniqueIdentifiers);
    }
    match (role, is_ca) {
        (Role::Signer, true) => return Err(ProfileViolation::SignerIsCa),
        (Role::Issuer, false) => return Err(ProfileViolation::IssuerNotCa),
        _ => {}
    }
    if role == Role::Signer {
        check_extended_key_usage(certificate)?;
    }

    let mut has_authority_key_id = false;
    let mut has_subject_key_id = false;
    let mut has_key_usage = false;
    for extension in certificate.extensions() {
        match extension.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(_) => has_authority_key_id = true,
            ParsedExtension::SubjectKeyIdentifier(_) => has_subject_key_id = true,
            ParsedExtension::KeyUsage(usage) => {
                if usage.key_cert_sign() && !is_ca {
                    return Err(ProfileViolation::KeyCertSignOnSigner);
                }
                has_key_usage |=
                    usage.digital_signature() || usage.key_cert_sign() || usage.non_repudiation();
            }
            ParsedExtension::ParseError { .. } => {
                return Err(ProfileViolation::MalformedExtension {
                    oid: extension.oid.to_id_string(),
                });
            }
            ParsedExtension::CertificatePolicies(_)
            | ParsedExtension::PolicyMappings(_)
            | ParsedExtension::SubjectAlternativeName(_)
            | ParsedExtension::BasicConstraints(_)
            | ParsedExtension::NameConstraints(_)
            | ParsedExtension::PolicyConstraints(_)
            | ParsedExtension::ExtendedKeyUsage(_)
            | ParsedExtension::CRLDistributionPoints(_)
            | ParsedExtension::InhibitAnyPolicy(_)
            | ParsedExtension::AuthorityInfoAccess(_)
            | ParsedExtension::NSCertType(_)
            | ParsedExtension::CRLNumber(_)
            | ParsedExtension::ReasonCode(_)
            | ParsedExtension::InvalidityDate(_) => {}
            _ if extension.critical => {
                return Err(ProfileViolation::UnhandledCriticalExtension {
                    oid: extension.oid.to_id_string(),
                });
            }
            _ => {}
        }
    }
    // A self-signed root has no authority to identify; every other certificate must name it.
    let is_root = role == Role::Issuer && self_signed;
    if !has_authority_key_id && !is_root {
        return Err(ProfileViolation::MissingAuthorityKeyIdentifier);
    }
    if is_ca && !has_subject_key_id {
        return Err(ProfileViolation::MissingSubjectKeyIdentifier);
    }
    if !has_key_usage {
        return Err(ProfileViolation::MissingKeyUsage);
    }
    Ok(())
}

fn check_extended_key_usage(certificate: &X509Certificate<'_>) -> Result<(), ProfileViolation> {
    let usage = match certificate.extended_key_usage() {
        Ok(Some(extension)) => extension.value,
        Ok(None) => return Err(ProfileViolation::MissingExtendedKeyUsage),
        Err(_) => {
            return Err(ProfileViolation::MalformedExtension {
                oid: "2.5.29.37".to_owned(),
            });
        }
    };
    if usage.any {
        return Err(ProfileViolation::AnyExtendedKeyUsage);
    }
    let allowed_other = usage
        .other
        .iter()
        .any(|oid| ALLOWED_OTHER_EKUS.contains(&oid.to_id_string().as_str()));
    if !(usage.email_protection || usage.time_stamping || usage.ocsp_signing || allowed_other) {
        return Err(ProfileViolation::NoAllowedExtendedKeyUsage);
    }
    let others = usage.client_auth
        || usage.code_signing
        || usage.email_protection
        || usage.server_auth
        || !usage.other.is_empty();
    if (usage.ocsp_signing && usage.time_stamping)
        || ((usage.ocsp_signing ^ usage.time_stamping) && others)
    {
        return Err(ProfileViolation::MixedExtendedKeyUsage);
    }
    Ok(())
}

/// A signer's certificate chain and private key, checked and ready to sign C2PA manifests.
pub struct SigningCredentials {
    signer: Box<dyn c2pa::Signer>,
    subject: String,
    algorithm: SigningAlg,
}

impl fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("subject", &self.subject)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SigningCredentials {
    /// Loads a chain (signer certificate first, then its issuers; the root may be left out)
    /// and the signer's PKCS#8 private key, both PEM. Every certificate is checked against the
    /// C2PA profile for its place in the chain, each must be signed by the next, and the key
    /// must belong to the signer certificate.
    pub fn from_pem(chain_pem: &str, key_pem: &str) -> Result<Self, CertificateError> {
        let ders = pem_certificates(chain_pem)?;
        let now = unix_now();
        let mut certificates = Vec::with_capacity(ders.len());
        for (index, der) in ders.iter().enumerate() {
            certificates.push(parse(der, index)?);
        }
        for (index, certificate) in certificates.iter().enumerate() {
            let role = if index == 0 {
                Role::Signer
            } else {
                Role::Issuer
            };
            check_parsed(certificate, role, now).map_err(|violation| {
                CertificateError::Profile {
                    index,
                    subject: certificate.subject().to_string(),
                    violation,
                }
            })?;
        }
        for (index, pair) in certificates.windows(2).enumerate() {
            let [issued, issuer] = pair else { continue };
            if !signed_by(issued, issuer) {
                return Err(CertificateError::BrokenChain {
                    index,
                    subject: issued.subject().to_string(),
                    issuer: issuer.subject().to_string(),
                });
            }
        }
        let signer_certificate = &certificates[0];
        let subject = signer_certificate.subject().to_string();

        let key = rcgen::KeyPair::from_pem(key_pem).map_err(CertificateError::Key)?;
        if key.public_key_raw()
            != signer_certificate
                .public_key()
                .subject_public_key
                .data
                .as_ref()
        {
            return Err(CertificateError::KeyMismatch { subject });
        }
        let algorithm = if key.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256 {
            SigningAlg::Es256
        } else if key.algorithm() == &rcgen::PKCS_ECDSA_P384_SHA384 {
            SigningAlg::Es384
        } else if key.algorithm() == &rcgen::PKCS_ED25519 {
            SigningAlg::Ed25519
        } else {
            return Err(CertificateError::UnsupportedKeyAlgorithm {
                algorithm: format!("{:?}", key.algorithm()),
            });
        };
        let signer = c2pa::create_signer::from_keys(
            chain_pem.as_bytes(),
            key_pem.as_bytes(),
            algorithm,
            None,
        )
        .map_err(CertificateError::Refused)?;
        Ok(Self {
            signer,
            subject,
            algorithm,
        })
    }

    /// [`Self::from_pem`] on the contents of two files.
    pub fn from_files(chain: &Path, key: &Path) -> Result<Self, CertificateError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| CertificateError::Read {
                path: path.to_owned(),
                source,
            })
        };
        Self::from_pem(&read(chain)?, &read(key)?)
    }

    /// The signer certificate's subject.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The signature algorithm of manifests signed with these credentials.
    pub fn algorithm(&self) -> SigningAlg {
        self.algorithm
    }

    pub(crate) fn signer(&self) -> &dyn c2pa::Signer {
        self.signer.as_ref()
    }
}

/// Whether `issued` carries a valid signature by `issuer`'s key. Algorithms `ring` does not
/// verify (RSASSA-PSS, P-521) are taken as signed: the verifier's trust check covers them.
fn signed_by(issued: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    use ring::signature;
    let curve = issuer
        .public_key()
        .algorithm
        .parameters
        .as_ref()
        .and_then(|parameters| parameters.as_oid().ok())
        .map(|oid| oid.to_id_string());
    let algorithm: &dyn signature::VerificationAlgorithm = match (
        issued.signature_algorithm.algorithm.to_id_string().as_str(),
        curve.as_deref(),
    ) {
        ("1.2.840.10045.4.3.2", Some("1.2.840.10045.3.1.7")) => &signature::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", Some("1.2.840.10045.3.1.7")) => &signature::ECDSA_P256_SHA384_ASN1,
        ("1.2.840.10045.4.3.2", Some("1.3.132.0.34")) => &signature::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", Some("1.3.132.0.34")) => &signature::ECDSA_P384_SHA384_ASN1,
        ("1.3.101.112", _) => &signature::ED25519,
        ("1.2.840.113549.1.1.11", _) => &signature::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.12", _) => &signature::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", _) => &signature::RSA_PKCS1_2048_8192_SHA512,
        _ => return true,
    };
    signature::UnparsedPublicKey::new(algorithm, &issuer.public_key().subject_public_key.data)
        .verify(
            issued.tbs_certificate.as_ref(),
            &issued.signature_value.data,
        )
        .is_ok()
}

/// The DER bytes of every `CERTIFICATE` block in `text`, in order.
pub(crate) fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, CertificateError> {
    let mut ders = Vec::new();
    for (index, block) in x509_parser::pem::Pem::iter_from_buffer(text.as_bytes()).enumerate() {
        let block = block.map_err(|error| CertificateError::Pem {
            index,
            reason: error.to_string(),
        })?;
        if block.label == "CERTIFICATE" {
            ders.push(block.contents);
        }
    }
    if ders.is_empty() {
        return Err(CertificateError::NoCertificate);
    }
    Ok(ders)
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|elapsed| i64::try_from(elapsed.as_secs()).ok())
        .unwrap_or(0)
}
