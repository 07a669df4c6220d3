//! Signing PNG, JPEG and WAV, embedded and as sidecar, and reading back what was signed.

use std::fs;
use std::path::Path;

use ailedger_core::SecretKey;
use ailedger_credentials::assertion::HumanSource;
use ailedger_credentials::error::SignError;
use ailedger_credentials::sign::sidecar_path;
use ailedger_credentials::verify::{
    C2paState, Link, LinkState, NotVerified, Report, Verdict, source_type,
};
use ailedger_credentials::{
    Generation, MediaFormat, Placement, TrustAnchors, sign_bytes, sign_file, verify, verify_bytes,
};

use crate::media::{
    ai_origin, chain_id, credentials, human_origin, jpeg, model_id, other_pki, pki, png, receipt,
    wav,
};

pub(crate) fn anchors() -> TrustAnchors {
    TrustAnchors::from_pem(&pki().root_pem).expect("anchors")
}

fn link(report: &Report, link: Link) -> LinkState {
    report
        .links
        .iter()
        .find(|check| check.link == link)
        .unwrap_or_else(|| panic!("no {link:?} in {report:#?}"))
        .state
}

fn assert_trusted_ai(report: &Report, source: &str) {
    assert_eq!(report.verdict, Verdict::Trusted, "{report:#?}");
    let c2pa = report.c2pa.as_ref().expect("c2pa");
    assert_eq!(c2pa.state, C2paState::Trusted);
    assert!(c2pa.failures.is_empty(), "{:?}", c2pa.failures);
    let signer = report.signer.as_ref().expect("signer");
    assert!(signer.chains_to_trusted_root);
    assert!(
        signer
            .subject
            .as_deref()
            .is_some_and(|subject| subject.contains("ailedger test Content Signer")),
        "{signer:?}"
    );
    assert_eq!(report.digital_source_type.as_deref(), Some(source));
    assert_eq!(report.model_version(), Some(model_id()));
    let inference = report.inference.as_ref().expect("inference assertion");
    assert_eq!(inference.chain_id, chain_id().to_string());
    let carried = report.receipt().expect("receipt");
    assert_eq!(carried, &receipt());
    assert_eq!(carried.sha256(), receipt().sha256());
    let agent = report.software_agent.as_ref().expect("software agent");
    assert_eq!(agent["name"], "acme/painter");
    assert_eq!(agent["version"], "v2");
    assert_eq!(agent["org.ailedger.model_version"], model_id().to_string());
    assert!(
        report
            .links
            .iter()
            .all(|check| check.state == LinkState::Ok),
        "{:?}",
        report.links
    );
    assert_eq!(report.first_failed_link(), None);
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn ai_generated_png_embedded_verifies_as_trusted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = png(96, 64, 1);
    let path = write(dir.path(), "generated.png", &original);
    let signed = sign_file(
        &path,
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Embedded,
    )
    .expect("sign");
    assert_eq!(signed.sidecar, None);
    let bytes = fs::read(&path).expect("read");
    assert_ne!(bytes, original);
    assert!(bytes.len() > original.len());
    let report = verify(&path, None, &anchors()).expect("verify");
    assert_trusted_ai(&report, source_type::TRAINED_ALGORITHMIC_MEDIA);
    assert_eq!(report.format, Some(MediaFormat::Png));
    assert!(!report.sidecar);
    // Nothing but the signed file is left in the directory.
    assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 1);
}

#[test]
fn ai_generated_jpeg_and_wav_embedded_verify_as_trusted() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in [("image.jpg", jpeg(120, 80, 2)), ("voice.wav", wav(1, 8000))] {
        let path = write(dir.path(), name, &bytes);
        sign_file(
            &path,
            &credentials(),
            &ai_origin(Generation::Created),
            Placement::Embedded,
        )
        .expect("sign");
        let report = verify(&path, None, &anchors()).expect("verify");
        assert_trusted_ai(&report, source_type::TRAINED_ALGORITHMIC_MEDIA);
    }
}

#[test]
fn ai_edit_of_an_existing_file_is_composite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "edited.jpeg", &jpeg(64, 64, 3));
    sign_file(
        &path,
        &credentials(),
        &ai_origin(Generation::Edited),
        Placement::Embedded,
    )
    .expect("sign");
    let report = verify(&path, None, &anchors()).expect("verify");
    assert_trusted_ai(
        &report,
        source_type::COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    );
}

#[test]
fn ai_edit_of_a_signed_human_photo_keeps_verifying() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "photo.jpg", &jpeg(64, 48, 4));
    sign_file(
        &path,
        &credentials(),
        &human_origin(HumanSource::DigitalCapture),
        Placement::Embedded,
    )
    .expect("sign capture");
    sign_file(
        &path,
        &credentials(),
        &ai_origin(Generation::Edited),
        Placement::Embedded,
    )
    .expect("sign edit");
    let report = verify(&path, None, &anchors()).expect("verify");
    assert_trusted_ai(
        &report,
        source_type::COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    );
}

#[test]
fn sidecar_leaves_the_file_byte_identical_and_verifies_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in [
        ("a.png", png(80, 60, 5)),
        ("b.jpg", jpeg(80, 60, 6)),
        ("c.wav", wav(1, 8000)),
    ] {
        let path = write(dir.path(), name, &bytes);
        let signed = sign_file(
            &path,
            &credentials(),
            &ai_origin(Generation::Created),
            Placement::Sidecar,
        )
        .expect("sign");
        let sidecar = signed.sidecar.expect("sidecar");
        assert_eq!(sidecar, sidecar_path(&path));
        assert_eq!(fs::read(&path).expect("read"), bytes, "{name} was modified");
        assert_eq!(
            fs::metadata(&sidecar).expect("sidecar").len() as usize,
            signed.manifest_len
        );
        let report = verify(&path, Some(&sidecar), &anchors()).expect("verify");
        assert_trusted_ai(&report, source_type::TRAINED_ALGORITHMIC_MEDIA);
        assert!(report.sidecar);
        let without = verify(&path, None, &anchors()).expect("verify");
        assert_eq!(without.verdict, Verdict::NotVerified);
        assert_eq!(without.not_verified, Some(NotVerified::NoManifest));
        assert_eq!(link(&without, Link::Manifest), LinkState::Missing);
    }
}

#[test]
fn sidecar_of_a_file_with_an_embedded_manifest_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "twice.png", &png(40, 40, 7));
    let origin = ai_origin(Generation::Created);
    sign_file(&path, &credentials(), &origin, Placement::Embedded).expect("embed");
    let embedded = fs::read(&path).expect("read");
    let error = sign_file(&path, &credentials(), &origin, Placement::Sidecar).expect_err("refused");
    assert!(
        matches!(error, SignError::SidecarNeedsPlainAsset { .. }),
        "{error:?}"
    );
    assert_eq!(fs::read(&path).expect("read"), embedded);
    assert!(!sidecar_path(&path).exists());
}

#[test]
fn human_made_works_carry_their_source_type_and_creator() {
    let creator = SecretKey::from_seed(11).address().to_string();
    for (source, expected, bytes, format) in [
        (
            HumanSource::DigitalCapture,
            source_type::DIGITAL_CAPTURE,
            jpeg(64, 64, 8),
            MediaFormat::Jpeg,
        ),
        (
            HumanSource::HumanEdits,
            source_type::HUMAN_EDITS,
            png(64, 64, 9),
            MediaFormat::Png,
        ),
    ] {
        let signed = sign_bytes(
            format,
            &bytes,
            &credentials(),
            &human_origin(source),
            Placement::Embedded,
        )
        .expect("sign");
        let report = verify_bytes(format, &signed.asset, None, &anchors());
        assert_eq!(report.verdict, Verdict::Trusted, "{report:#?}");
        assert_eq!(report.digital_source_type.as_deref(), Some(expected));
        let attestation = report.attestation.as_ref().expect("attestation");
        assert_eq!(attestation.creator.as_deref(), Some(creator.as_str()));
        assert_eq!(report.inference, None);
        // Human-made works have no receipt link to check.
        assert!(report.links.iter().all(|check| check.link != Link::Receipt));
        assert!(
            report
                .links
                .iter()
                .all(|check| check.state == LinkState::Ok)
        );
    }
}

#[test]
fn a_wrong_anchor_leaves_the_manifest_valid_but_untrusted() {
    let signed = sign_bytes(
        MediaFormat::Png,
        &png(48, 48, 10),
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Embedded,
    )
    .expect("sign");
    for anchors in [
        TrustAnchors::from_pem(&other_pki().root_pem).expect("anchors"),
        TrustAnchors::none(),
    ] {
        let report = verify_bytes(MediaFormat::Png, &signed.asset, None, &anchors);
        assert_eq!(report.verdict, Verdict::Untrusted, "{report:#?}");
        assert_eq!(report.c2pa.as_ref().expect("c2pa").state, C2paState::Valid);
        assert!(
            !report
                .signer
                .as_ref()
                .expect("signer")
                .chains_to_trusted_root
        );
        assert_eq!(link(&report, Link::TrustChain), LinkState::Broken);
        assert_eq!(link(&report, Link::ContentBinding), LinkState::Ok);
        assert_eq!(
            report.first_failed_link().map(|check| check.link),
            Some(Link::TrustChain)
        );
        // The ledger facts are still reported: the caller may trust the signer by other means.
        assert_eq!(report.model_version(), Some(model_id()));
    }
}

#[test]
fn a_receipt_is_optional_and_its_absence_is_reported() {
    let mut origin = ai_origin(Generation::Created);
    if let ailedger_credentials::Origin::AiGenerated(ai) = &mut origin {
        ai.receipt = None;
    }
    let signed = sign_bytes(
        MediaFormat::Png,
        &png(32, 32, 11),
        &credentials(),
        &origin,
        Placement::Embedded,
    )
    .expect("sign");
    let report = verify_bytes(MediaFormat::Png, &signed.asset, None, &anchors());
    assert_eq!(report.verdict, Verdict::Trusted);
    assert_eq!(report.receipt(), None);
    assert_eq!(report.model_version(), Some(model_id()));
    assert_eq!(link(&report, Link::Receipt), LinkState::Missing);
}

#[test]
fn the_report_serializes_as_plain_json() {
    let signed = sign_bytes(
        MediaFormat::Wav,
        &wav(1, 8000),
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Embedded,
    )
    .expect("sign");
    let report = verify_bytes(MediaFormat::Wav, &signed.asset, None, &anchors());
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["verdict"], "trusted");
    assert_eq!(json["c2pa"]["state"], "Trusted");
    assert_eq!(json["inference"]["model_version"], model_id().to_string());
    assert_eq!(
        json["inference"]["receipt"]["sha256"],
        hex::encode(receipt().sha256())
    );
    assert_eq!(json["format"], "wav");
    let back: Report = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, report);
}

#[test]
fn unsupported_and_mislabelled_files_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = write(
        dir.path(),
        "notes.txt",
        b"plain text has no C2PA container here",
    );
    let error = sign_file(
        &text,
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Embedded,
    )
    .expect_err("unsupported");
    assert!(
        matches!(error, SignError::UnsupportedFormat(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("detached credential"));

    let jpeg_bytes = jpeg(16, 16, 12);
    let mislabelled = write(dir.path(), "really-a-jpeg.png", &jpeg_bytes);
    let error = sign_file(
        &mislabelled,
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Embedded,
    )
    .expect_err("mismatch");
    assert!(
        matches!(error, SignError::FormatMismatch { .. }),
        "{error:?}"
    );
    assert_eq!(fs::read(&mislabelled).expect("read"), jpeg_bytes);
    assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 2);
}

#[test]
fn a_file_that_fails_to_sign_is_left_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    // PNG magic, then garbage: the C2PA library cannot parse the chunks.
    let mut broken = b"\x89PNG\r\n\x1a\n".to_vec();
    broken.extend_from_slice(&[0xee; 40]);
    let path = write(dir.path(), "broken.png", &broken);
    for placement in [Placement::Embedded, Placement::Sidecar] {
        let error = sign_file(
            &path,
            &credentials(),
            &ai_origin(Generation::Created),
            placement,
        )
        .expect_err("cannot sign");
        assert!(matches!(error, SignError::C2pa(_)), "{error:?}");
        assert_eq!(fs::read(&path).expect("read"), broken);
        assert_eq!(
            fs::read_dir(dir.path()).expect("list").count(),
            1,
            "a temporary file was left behind"
        );
    }
}
