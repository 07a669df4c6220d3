//! A development PKI for C2PA signing: root → intermediate → ES256 signer, as PEM files.
//!
//! C2PA validators check the signer certificate against a profile (C2PA 2.3 §14.5): an
//! end-entity certificate with an Authority Key Identifier, `digitalSignature` key usage and an
//! allowed extended key usage, issued by a CA whose certificate has a Subject Key Identifier.
//! [`DevelopmentPki::generate`] makes certificates that satisfy it; the root is what verifiers
//! are given as their trust anchor. Production users bring certificates from their own CA and
//! load them with [`crate::certificate::SigningCredentials`].
//!
//! The root's key is discarded once the intermediate is issued: nothing here needs it again,
//! and a key that is never written cannot leak. The intermediate's key is kept so that more
//! signers can be issued ([`DevelopmentPki::issue`]).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, date_time_ymd,
};

use crate::error::CaError;

/// The `documentSigning` extended key usage (RFC 9336), one C2PA accepts.
const DOCUMENT_SIGNING: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 3, 36];

/// File names written by [`init`].
pub const ROOT_FILE: &str = "root.pem";
/// The intermediate CA certificate.
pub const INTERMEDIATE_FILE: &str = "intermediate.pem";
/// The intermediate CA's private key (PKCS#8), to issue more signers.
pub const INTERMEDIATE_KEY_FILE: &str = "intermediate.key";
/// The signer's chain: signer certificate then intermediate, without the root.
pub const CHAIN_FILE: &str = "signer-chain.pem";
/// The signer's private key (PKCS#8).
pub const SIGNER_KEY_FILE: &str = "signer.key";

/// Years of validity of the root, the intermediate and the signer.
const ROOT_YEARS: i32 = 20;
const INTERMEDIATE_YEARS: i32 = 10;
const SIGNER_YEARS: i32 = 5;

/// A root, an intermediate and a signer certificate with their PEM encodings.
pub struct DevelopmentPki {
    /// The root CA certificate: the verifiers' trust anchor.
    pub root_pem: String,
    /// The intermediate CA certificate.
    pub intermediate_pem: String,
    /// The intermediate CA's private key, PKCS#8 PEM.
    pub intermediate_key_pem: String,
    /// The signer (end-entity) certificate.
    pub signer_pem: String,
    /// The signer's private key, PKCS#8 PEM.
    pub signer_key_pem: String,
    intermediate_params: CertificateParams,
}

impl std::fmt::Debug for DevelopmentPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys stay out of logs.
        f.debug_struct("DevelopmentPki")
            .field("organization", &self.intermediate_params.distinguished_name)
            .finish_non_exhaustive()
    }
}

/// The files written by [`init`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiFiles {
    /// The root certificate, to give verifiers as trust anchor.
    pub root: PathBuf,
    /// The intermediate certificate.
    pub intermediate: PathBuf,
    /// The intermediate's key.
    pub intermediate_key: PathBuf,
    /// The signer's chain (signer, intermediate), for signing.
    pub chain: PathBuf,
    /// The signer's key, for signing.
    pub signer_key: PathBuf,
}

impl DevelopmentPki {
    /// Makes a new PKI whose certificates name `organization`, valid from the start of last
    /// year (so that clocks a little behind still accept it).
    pub fn generate(organization: &str) -> Result<Self, CaError> {
        let year = current_year();
        let root_key = new_key("root key")?;
        let mut root_params = ca_params(organization, "Root CA", year, ROOT_YEARS);
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let root = root_params
            .self_signed(&root_key)
            .map_err(|source| CaError::Generate {
                what: "root certificate",
                source,
            })?;
        let root_issuer = Issuer::new(root_params, root_key);

        let intermediate_key = new_key("intermediate key")?;
        let mut intermediate_params =
            ca_params(organization, "Intermediate CA", year, INTERMEDIATE_YEARS);
        // The intermediate issues only end-entity certificates.
        intermediate_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let intermediate = intermediate_params
            .signed_by(&intermediate_key, &root_issuer)
            .map_err(|source| CaError::Generate {
                what: "intermediate certificate",
                source,
            })?;

        let mut pki = Self {
            root_pem: root.pem(),
            intermediate_pem: intermediate.pem(),
            intermediate_key_pem: intermediate_key.serialize_pem(),
            signer_pem: String::new(),
            signer_key_pem: String::new(),
            intermediate_params,
        };
        let (signer_pem, signer_key_pem) =
            pki.issue(&Self::signer_params(organization, "Content Signer"))?;
        pki.signer_pem = signer_pem;
        pki.signer_key_pem = signer_key_pem;
        Ok(pki)
    }

    /// Certificate parameters of a C2PA signer named `common_name`: end-entity,
    /// `digitalSignature`, `emailProtection` and `documentSigning`, Authority Key Identifier.
    pub fn signer_params(organization: &str, common_name: &str) -> CertificateParams {
        let year = current_year();
        let mut params = CertificateParams::default();
        params.distinguished_name = name(organization, common_name);
        params.not_before = date_time_ymd(year - 1, 1, 1);
        params.not_after = date_time_ymd(year + SIGNER_YEARS, 1, 1);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::EmailProtection,
            ExtendedKeyUsagePurpose::Other(DOCUMENT_SIGNING.to_vec()),
        ];
        // rcgen leaves the AKI out by default; C2PA refuses certificates without it.
        params.use_authority_key_identifier_extension = true;
        params
    }

    /// Issues a certificate with `params` from the intermediate, with a new P-256 key; returns
    /// the certificate and key as PEM. The parameters are used as given, so this also makes
    /// certificates that break the C2PA profile, for tests of the checks.
    pub fn issue(&self, params: &CertificateParams) -> Result<(String, String), CaError> {
        let key = new_key("signer key")?;
        let intermediate_key =
            KeyPair::from_pem(&self.intermediate_key_pem).map_err(|source| CaError::Generate {
                what: "intermediate key",
                source,
            })?;
        let issuer = Issuer::from_params(&self.intermediate_params, intermediate_key);
        let certificate = params
            .signed_by(&key, &issuer)
            .map_err(|source| CaError::Generate {
                what: "signer certificate",
                source,
            })?;
        Ok((certificate.pem(), key.serialize_pem()))
    }

    /// The signer's chain as C2PA signers take it: signer certificate, then intermediate.
    pub fn chain_pem(&self) -> String {
        format!("{}{}", self.signer_pem, self.intermediate_pem)
    }

    /// Writes the PKI into `dir` (created if missing), refusing to overwrite any file.
    pub fn write(&self, dir: &Path) -> Result<PkiFiles, CaError> {
        fs::create_dir_all(dir).map_err(|source| CaError::Write {
            path: dir.to_owned(),
            source,
        })?;
        let files = PkiFiles {
            root: dir.join(ROOT_FILE),
            intermediate: dir.join(INTERMEDIATE_FILE),
            intermediate_key: dir.join(INTERMEDIATE_KEY_FILE),
            chain: dir.join(CHAIN_FILE),
            signer_key: dir.join(SIGNER_KEY_FILE),
        };
        let contents = [
            (&files.root, self.root_pem.clone(), false),
            (&files.intermediate, self.intermediate_pem.clone(), false),
            (
                &files.intermediate_key,
                self.intermediate_key_pem.clone(),
                true,
            ),
            (&files.chain, self.chain_pem(), false),
            (&files.signer_key, self.signer_key_pem.clone(), true),
        ];
        // Check all first, so that a refused init leaves no half-written PKI behind.
        for (path, _, _) in &contents {
            if path.exists() {
                return Err(CaError::Exists {
                    path: (*path).clone(),
                });
            }
        }
        for (path, text, secret) in contents {
            write_new(path, text.as_bytes(), secret)?;
        }
        Ok(files)
    }
}

/// `ailedger content ca init DIR`: makes a development PKI and writes it into `dir`.
pub fn init(dir: &Path, organization: &str) -> Result<PkiFiles, CaError> {
    DevelopmentPki::generate(organization)?.write(dir)
}

fn new_key(what: &'static str) -> Result<KeyPair, CaError> {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .map_err(|source| CaError::Generate { what, source })
}

fn name(organization: &str, common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, organization);
    name.push(DnType::CommonName, format!("{organization} {common_name}"));
    name
}

fn ca_params(organization: &str, common_name: &str, year: i32, years: i32) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(organization, common_name);
    params.not_before = date_time_ymd(year - 1, 1, 1);
    params.not_after = date_time_ymd(year + years, 1, 1);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.use_authority_key_identifier_extension = true;
    params
}

/// The current UTC year, from the system clock (1970 if the clock is before the epoch).
fn current_year() -> i32 {
    const SECONDS_PER_YEAR: u64 = 31_556_952; // 365.2425 days
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    // The average year length can be a day off around 1 January; callers start validity a year
    // earlier so that this never makes a certificate not yet valid.
    1970 + i32::try_from(seconds / SECONDS_PER_YEAR).unwrap_or(0)
}

fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), CaError> {
    let error = |source| CaError::Write {
        path: path.to_owned(),
        source,
    };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.sync_all().map_err(error)
}
