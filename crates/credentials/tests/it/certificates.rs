//! The development PKI meets the C2PA certificate profile, and certificates that break it are
//! refused with the rule they break, in agreement with the C2PA library's own check.

use ailedger_credentials::ca::{self, DevelopmentPki};
use ailedger_credentials::certificate::{Role, SigningCredentials, check_profile};
use ailedger_credentials::error::{CaError, CertificateError, ProfileViolation};
use c2pa::crypto::cose::{CertificateTrustPolicy, check_end_entity_certificate_profile};
use c2pa::status_tracker::StatusTracker;
use rcgen::{BasicConstraints, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose, date_time_ymd};

use crate::media::{other_pki, pki};

fn der(pem: &str) -> Vec<u8> {
    x509_parser::pem::parse_x509_pem(pem.as_bytes())
        .expect("PEM")
        .1
        .contents
}

/// Whether the C2PA library's end-entity profile check accepts the certificate.
fn c2pa_accepts(certificate_pem: &str) -> bool {
    check_end_entity_certificate_profile(
        &der(certificate_pem),
        &CertificateTrustPolicy::default(),
        &mut StatusTracker::default(),
        None,
    )
    .is_ok()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

#[test]
fn development_pki_meets_the_profile_and_loads() {
    let pki = pki();
    assert!(c2pa_accepts(&pki.signer_pem));
    check_profile(&der(&pki.signer_pem), Role::Signer, now()).expect("signer");
    check_profile(&der(&pki.intermediate_pem), Role::Issuer, now()).expect("intermediate");
    check_profile(&der(&pki.root_pem), Role::Issuer, now()).expect("root");
    let credentials =
        SigningCredentials::from_pem(&pki.chain_pem(), &pki.signer_key_pem).expect("load");
    assert!(
        credentials
            .subject()
            .contains("ailedger test Content Signer")
    );
    assert_eq!(credentials.algorithm(), c2pa::SigningAlg::Es256);
}

#[test]
fn a_chain_with_the_root_included_also_loads() {
    let pki = pki();
    let chain = format!("{}{}", pki.chain_pem(), pki.root_pem);
    SigningCredentials::from_pem(&chain, &pki.signer_key_pem).expect("load");
}

#[test]
fn init_writes_the_files_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("pki");
    let files = ca::init(&target, "ailedger dev").expect("init");
    SigningCredentials::from_files(&files.chain, &files.signer_key).expect("load written PKI");
    let root = std::fs::read_to_string(&files.root).expect("root");
    assert!(root.starts_with("-----BEGIN CERTIFICATE-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files.signer_key)
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the signer key is readable by others");
    }
    let before = std::fs::read(&files.signer_key).expect("key");
    match ca::init(&target, "ailedger dev") {
        Err(CaError::Exists { path }) => assert_eq!(path, files.root),
        other => panic!("expected Exists, got {other:?}"),
    }
    assert_eq!(std::fs::read(&files.signer_key).expect("key"), before);
}

/// Issues a signer from the shared PKI with `change` applied to the valid signer parameters,
/// and returns the load error together with whether the C2PA library accepts the certificate.
fn load_modified(change: impl FnOnce(&mut rcgen::CertificateParams)) -> (CertificateError, bool) {
    let pki = pki();
    let mut params = DevelopmentPki::signer_params("ailedger test", "Bad Signer");
    change(&mut params);
    let (certificate, key) = pki.issue(&params).expect("issue");
    let chain = format!("{certificate}{}", pki.intermediate_pem);
    let error = SigningCredentials::from_pem(&chain, &key).expect_err("must be refused");
    (error, c2pa_accepts(&certificate))
}

fn check(change: impl FnOnce(&mut rcgen::CertificateParams), expected: ProfileViolation) {
    let (error, c2pa_accepted) = load_modified(change);
    match &error {
        CertificateError::Profile {
            index: 0,
            violation,
            subject,
        } => {
            assert_eq!(violation, &expected);
            assert!(subject.contains("Bad Signer"), "{subject}");
        }
        other => panic!("expected {expected:?} on the signer, got {other:?}"),
    }
    assert!(
        !c2pa_accepted,
        "the C2PA library accepts a certificate refused as {expected:?}"
    );
    // The message names the certificate and the rule.
    assert!(error.to_string().contains("certificate 0 of the chain"));
}

#[test]
fn missing_authority_key_identifier_is_refused() {
    check(
        |params| params.use_authority_key_identifier_extension = false,
        ProfileViolation::MissingAuthorityKeyIdentifier,
    );
}

#[test]
fn server_auth_only_is_not_an_allowed_extended_key_usage() {
    check(
        |params| params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth],
        ProfileViolation::NoAllowedExtendedKeyUsage,
    );
}

#[test]
fn missing_extended_key_usage_is_refused() {
    check(
        |params| params.extended_key_usages.clear(),
        ProfileViolation::MissingExtendedKeyUsage,
    );
}

#[test]
fn any_extended_key_usage_is_refused() {
    check(
        |params| params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any],
        ProfileViolation::AnyExtendedKeyUsage,
    );
}

#[test]
fn time_stamping_mixed_with_others_is_refused() {
    check(
        |params| {
            params
                .extended_key_usages
                .push(ExtendedKeyUsagePurpose::TimeStamping)
        },
        ProfileViolation::MixedExtendedKeyUsage,
    );
}

#[test]
fn a_ca_certificate_cannot_sign_content() {
    check(
        |params| {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyCertSign,
            ];
        },
        ProfileViolation::SignerIsCa,
    );
}

#[test]
fn key_cert_sign_on_an_end_entity_is_refused() {
    check(
        |params| {
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyCertSign,
            ];
        },
        ProfileViolation::KeyCertSignOnSigner,
    );
}

#[test]
fn missing_key_usage_is_refused() {
    check(
        |params| params.key_usages.clear(),
        ProfileViolation::MissingKeyUsage,
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let (error, c2pa_accepted) = load_modified(|params| {
        params.not_before = date_time_ymd(2000, 1, 1);
        params.not_after = date_time_ymd(2001, 1, 1);
    });
    match error {
        CertificateError::Profile {
            violation: ProfileViolation::Expired { not_after },
            ..
        } => assert!(not_after.contains("2001"), "{not_after}"),
        other => panic!("expected Expired, got {other:?}"),
    }
    assert!(!c2pa_accepted);
}

#[test]
fn a_certificate_not_yet_valid_is_refused() {
    let (error, c2pa_accepted) = load_modified(|params| {
        params.not_before = date_time_ymd(2990, 1, 1);
        params.not_after = date_time_ymd(2999, 1, 1);
    });
    assert!(
        matches!(
            error,
            CertificateError::Profile {
                violation: ProfileViolation::NotYetValid { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!c2pa_accepted);
}

#[test]
fn a_key_of_another_certificate_is_refused() {
    let pki = pki();
    let error = SigningCredentials::from_pem(&pki.chain_pem(), &other_pki().signer_key_pem)
        .expect_err("mismatched key");
    assert!(
        matches!(error, CertificateError::KeyMismatch { .. }),
        "{error:?}"
    );
}

#[test]
fn a_chain_whose_links_do_not_sign_each_other_is_refused() {
    let chain = format!("{}{}", pki().signer_pem, other_pki().intermediate_pem);
    let error =
        SigningCredentials::from_pem(&chain, &pki().signer_key_pem).expect_err("broken chain");
    assert!(
        matches!(error, CertificateError::BrokenChain { index: 0, .. }),
        "{error:?}"
    );
}

#[test]
fn a_chain_in_the_wrong_order_is_refused() {
    let pki = pki();
    let chain = format!("{}{}", pki.intermediate_pem, pki.signer_pem);
    let error = SigningCredentials::from_pem(&chain, &pki.signer_key_pem).expect_err("order");
    assert!(
        matches!(
            error,
            CertificateError::Profile {
                index: 0,
                violation: ProfileViolation::SignerIsCa,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn an_end_entity_certificate_cannot_issue() {
    let pki = pki();
    // The signer certificate twice: the second is in an issuer's place but is no CA.
    let chain = format!("{}{}", pki.signer_pem, pki.signer_pem);
    let error = SigningCredentials::from_pem(&chain, &pki.signer_key_pem).expect_err("issuer");
    assert!(
        matches!(
            error,
            CertificateError::Profile {
                index: 1,
                violation: ProfileViolation::IssuerNotCa,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn texts_without_certificates_or_keys_are_refused() {
    let pki = pki();
    assert!(matches!(
        SigningCredentials::from_pem("", &pki.signer_key_pem),
        Err(CertificateError::NoCertificate)
    ));
    assert!(matches!(
        SigningCredentials::from_pem(&pki.signer_key_pem, &pki.signer_key_pem),
        Err(CertificateError::NoCertificate)
    ));
    let garbled = pki.chain_pem().replacen("MII", "MIJ", 1);
    assert!(
        matches!(
            SigningCredentials::from_pem(&garbled, &pki.signer_key_pem),
            Err(CertificateError::Parse { index: 0, .. } | CertificateError::Pem { .. })
        ),
        "a garbled certificate must be refused"
    );
    assert!(matches!(
        SigningCredentials::from_pem(&pki.chain_pem(), "not a key"),
        Err(CertificateError::Key(_))
    ));
}
