//! Damaged, stripped and foreign files give a clear answer, never a panic, and never `Trusted`
//! once the signed bytes change.

use std::fs;

use ailedger_credentials::verify::{Link, LinkState, NotVerified, Report, Verdict};
use ailedger_credentials::{
    Generation, MediaFormat, Placement, TrustAnchors, sign_bytes, verify, verify_bytes,
};

use crate::media::{Xorshift, ai_origin, credentials, jpeg, png, png_chunk, wav};
use crate::sign_verify::anchors;

fn signed_png() -> Vec<u8> {
    sign_bytes(
        MediaFormat::Png,
        &png(40, 30, 21),
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Embedded,
    )
    .expect("sign")
    .asset
}

/// A verdict and its links agree: `Trusted` exactly when every link holds.
fn assert_consistent(report: &Report) {
    let all_ok = report
        .links
        .iter()
        .all(|check| check.state == LinkState::Ok);
    assert_eq!(
        report.verdict == Verdict::Trusted,
        all_ok && report.receipt().is_some(),
        "{report:#?}"
    );
    if report.verdict == Verdict::NotVerified {
        assert!(report.not_verified.is_some());
    }
}

#[test]
fn a_file_never_signed_has_no_manifest() {
    for (format, bytes) in [
        (MediaFormat::Png, png(20, 20, 22)),
        (MediaFormat::Jpeg, jpeg(20, 20, 23)),
        (MediaFormat::Wav, wav(1, 8000)),
    ] {
        let report = verify_bytes(format, &bytes, None, &anchors());
        assert_eq!(report.verdict, Verdict::NotVerified, "{format}");
        assert_eq!(report.not_verified, Some(NotVerified::NoManifest));
        assert_eq!(report.links[0].link, Link::Manifest);
        assert_eq!(report.links[0].state, LinkState::Missing);
    }
}

#[test]
fn a_stripped_manifest_is_reported_missing() {
    let signed = signed_png();
    let chunk = png_chunk(&signed, b"caBX").expect("the manifest chunk");
    let mut stripped = signed[..chunk.start].to_vec();
    stripped.extend_from_slice(&signed[chunk.end..]);
    let report = verify_bytes(MediaFormat::Png, &stripped, None, &anchors());
    assert_eq!(report.not_verified, Some(NotVerified::NoManifest));
}

#[test]
fn a_corrupt_manifest_is_invalid_or_unreadable() {
    let signed = signed_png();
    let chunk = png_chunk(&signed, b"caBX").expect("the manifest chunk");
    // Overwrite the JUMBF headers at the start of the manifest store.
    for at in [8, 40, 120] {
        let mut corrupt = signed.clone();
        for byte in &mut corrupt[chunk.start + at..chunk.start + at + 32] {
            *byte = 0xa5;
        }
        let report = verify_bytes(MediaFormat::Png, &corrupt, None, &anchors());
        assert!(
            matches!(report.verdict, Verdict::Invalid | Verdict::NotVerified),
            "corrupted at {at}: {report:#?}"
        );
        assert_consistent(&report);
    }
}

#[test]
fn altered_pixels_break_the_content_binding() {
    let signed = signed_png();
    let idat = png_chunk(&signed, b"IDAT").expect("pixel data");
    let mut altered = signed;
    altered[idat.start + 10] ^= 0x01;
    let report = verify_bytes(MediaFormat::Png, &altered, None, &anchors());
    assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
    let binding = report
        .links
        .iter()
        .find(|check| check.link == Link::ContentBinding)
        .expect("binding link");
    assert_eq!(binding.state, LinkState::Broken);
    assert!(
        binding
            .detail
            .as_deref()
            .is_some_and(|detail| detail.contains("assertion.dataHash.mismatch")),
        "{binding:?}"
    );
    assert_eq!(
        report.first_failed_link().map(|check| check.link),
        Some(Link::ContentBinding)
    );
}

#[test]
fn truncated_files_are_never_trusted() {
    let signed = signed_png();
    for len in (0..signed.len()).step_by(signed.len() / 40 + 1) {
        let report = verify_bytes(MediaFormat::Png, &signed[..len], None, &anchors());
        assert_ne!(report.verdict, Verdict::Trusted, "truncated to {len}");
        assert_consistent(&report);
    }
}

/// The longest run of zero bytes: the padding the signer reserves in the COSE signature's
/// unprotected `pad` header, which by design no hash or signature covers.
fn longest_zero_run(bytes: &[u8]) -> std::ops::Range<usize> {
    let (mut best, mut start) = (0..0, None);
    for (at, byte) in bytes.iter().enumerate() {
        match (*byte == 0, start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                if at - from > best.len() {
                    best = from..at;
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start
        && bytes.len() - from > best.len()
    {
        best = from..bytes.len();
    }
    best
}

#[test]
fn random_byte_flips_never_panic_and_pass_only_in_the_signature_padding() {
    let signed = signed_png();
    let padding = longest_zero_run(&signed);
    assert!(padding.len() > 64, "no padding found: {padding:?}");
    let mut rng = Xorshift::new(0xc2fa);
    let mut caught = 0;
    for _ in 0..200 {
        let mut flipped = signed.clone();
        let at = rng.below(flipped.len() as u64) as usize;
        let mask = (rng.below(255) + 1) as u8;
        flipped[at] ^= mask;
        let report = verify_bytes(MediaFormat::Png, &flipped, None, &anchors());
        assert_consistent(&report);
        if report.verdict == Verdict::Trusted {
            assert!(
                padding.contains(&at),
                "flip of byte {at} (mask {mask:#04x}) outside the padding {padding:?} verified as trusted"
            );
        } else {
            caught += 1;
        }
    }
    // Flips outside the padding are all caught, so some must have been.
    assert!(caught > 0);
}

#[test]
fn a_sidecar_that_is_not_a_manifest_is_unreadable() {
    let bytes = png(20, 20, 24);
    for sidecar in [&b""[..], b"not a manifest", &[0u8; 256]] {
        let report = verify_bytes(MediaFormat::Png, &bytes, Some(sidecar), &anchors());
        assert_eq!(report.verdict, Verdict::NotVerified);
        assert!(report.sidecar);
        assert_consistent(&report);
    }
}

#[test]
fn a_sidecar_for_another_file_breaks_the_binding() {
    let signed = sign_bytes(
        MediaFormat::Png,
        &png(20, 20, 25),
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Sidecar,
    )
    .expect("sign");
    let other = png(20, 20, 26);
    let report = verify_bytes(MediaFormat::Png, &other, Some(&signed.manifest), &anchors());
    assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
}

#[test]
fn unsupported_formats_and_unreadable_files_are_told_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("poem.txt");
    fs::write(&text, "no manifest can live here").expect("write");
    let report = verify(&text, None, &anchors()).expect("a report");
    assert_eq!(report.verdict, Verdict::NotVerified);
    assert!(matches!(
        report.not_verified,
        Some(NotVerified::UnsupportedFormat { .. })
    ));
    // A PNG under another name is recognised by its bytes.
    let renamed = dir.path().join("picture.bin");
    fs::write(&renamed, signed_png()).expect("write");
    let report = verify(&renamed, None, &anchors()).expect("a report");
    assert_eq!(report.verdict, Verdict::Trusted, "{report:#?}");
    assert!(verify(&dir.path().join("missing.png"), None, &anchors()).is_err());
    assert!(TrustAnchors::from_pem("not a certificate").is_err());
}

#[test]
fn an_oversized_sidecar_is_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let asset = dir.path().join("a.png");
    fs::write(&asset, png(16, 16, 27)).expect("write");
    let sidecar = dir.path().join("a.c2pa");
    // Sparse: the length is what is checked, so no gigabytes are written.
    fs::File::create(&sidecar)
        .and_then(|file| file.set_len(ailedger_credentials::verify::MAX_SIDECAR_LEN + 1))
        .expect("sidecar");
    let report = verify(&asset, Some(&sidecar), &anchors()).expect("a report");
    assert_eq!(report.verdict, Verdict::NotVerified);
    assert!(matches!(
        report.not_verified,
        Some(NotVerified::CorruptManifest { ref detail }) if detail.contains("more than")
    ));
}
