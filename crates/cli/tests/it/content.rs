//! Content credentials end to end through the binary: a development PKI, a registered model
//! version (the shared digits MLP's weights; skipped with a message when absent), AI-generated
//! PNG and WAV files signed and registered, verified as trusted with their chain links; a human
//! work attested and registered, and a second attester's claim on the same bytes shown as later;
//! a resized, re-encoded copy found by `content similar`; a tampered file reported invalid; and
//! a revoked model version reported.

use super::provenance::{shared, start, text};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, imageops::FilterType};
use serde_json::Value;
use std::{io::Cursor, path::Path, time::Instant};
use tempfile::TempDir;

/// A picture with structure (gradients and shapes), so its perceptual hash is stable under
/// resizing and re-encoding.
fn picture(seed: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(192, 128, |x, y| {
        let disc = (x as i32 - 60 - seed as i32 * 7).pow(2) + (y as i32 - 64).pow(2) < 900;
        let bar = (x / 24 + seed).is_multiple_of(3);
        Rgb([
            if disc { 230 } else { (x * 255 / 192) as u8 },
            if bar { 40 } else { (y * 2) as u8 },
            ((x + y + seed * 30) % 256) as u8,
        ])
    }))
}

fn write_image(image: &DynamicImage, path: &Path, format: ImageFormat) {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).expect("encodes");
    std::fs::write(path, bytes.into_inner()).expect("writes");
}

fn write_wav(path: &Path) {
    let n: u32 = 8_000;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + 2 * n).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&8_000u32.to_le_bytes());
    out.extend_from_slice(&16_000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(2 * n).to_le_bytes());
    for i in 0..n {
        let sample = ((i % 40) as i16 - 20) * 500;
        out.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, out).expect("writes");
}

fn link<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|link| link["link"] == name)
        .unwrap_or_else(|| panic!("no link {name}: {report:#}"))
}

#[test]
fn content_is_signed_attested_registered_verified_and_found() {
    let Some(shared) = shared() else {
        return;
    };
    let started = Instant::now();
    let (_node, cli) = start();
    let scratch = TempDir::new().expect("temp dir");
    let dir = scratch.path();
    let pki = dir.join("pki");
    let root = pki.join("root.pem");

    let made: Value = cli.ok_json(&["content", "ca", "init", "--out", text(&pki)]);
    assert!(
        made["root"]
            .as_str()
            .is_some_and(|p| p.ends_with("root.pem"))
    );
    // Never overwritten.
    cli.refused_json(
        &["content", "ca", "init", "--out", text(&pki)],
        1,
        "CA_INIT_FAILED",
    );

    cli.ok_json::<Value>(&["model", "register", "acme/gen", "--from", "dev", "--wait"]);
    let onnx = shared.join("models/digits-mlp.onnx");
    let version: Value = cli.ok_json(&[
        "model",
        "version",
        "register",
        "acme/gen",
        "1.0",
        "--weights",
        text(&onnx),
        "--licence",
        "apache-2.0",
        "--from",
        "dev",
        "--wait",
    ]);
    let version_id = version["id"].as_str().expect("id").to_owned();

    // An unknown model version: nothing is signed, the file is untouched.
    let png = dir.join("generated.png");
    write_image(&picture(1), &png, ImageFormat::Png);
    let before = std::fs::read(&png).expect("reads");
    cli.refused_json(
        &[
            "content",
            "sign",
            text(&png),
            "--model",
            "acme/gen@9.9",
            "--ca",
            text(&pki),
        ],
        1,
        "VERSION_NOT_FOUND",
    );
    assert_eq!(std::fs::read(&png).expect("reads"), before);
    // An unsupported or corrupt file: a clear error, the file untouched.
    let fake = dir.join("fake.png");
    std::fs::write(&fake, b"not a png at all").expect("writes");
    cli.refused_json(
        &[
            "content",
            "sign",
            text(&fake),
            "--model",
            "acme/gen@1.0",
            "--ca",
            text(&pki),
        ],
        1,
        "FORMAT_MISMATCH",
    );
    assert_eq!(std::fs::read(&fake).expect("reads"), b"not a png at all");

    // AI-generated PNG (embedded) and WAV (sidecar), registered.
    let signed: Value = cli.ok_json(&[
        "content",
        "sign",
        text(&png),
        "--model",
        "acme/gen@1.0",
        "--ca",
        text(&pki),
        "--register",
        "--from",
        "dev",
    ]);
    assert_eq!(signed["credential_format"], "c2pa_embedded");
    assert_eq!(signed["claim"]["index"], 0);
    assert_eq!(signed["claim"]["model_version"], version_id.as_str());
    assert!(
        signed["claim"]["fingerprints"]["image"].is_string(),
        "{signed:#}"
    );
    let wav = dir.join("speech.wav");
    write_wav(&wav);
    let wav_before = std::fs::read(&wav).expect("reads");
    let signed_wav: Value = cli.ok_json(&[
        "content",
        "sign",
        text(&wav),
        "--model",
        &version_id,
        "--ca",
        text(&pki),
        "--sidecar",
        "--register",
        "--from",
        "dev",
    ]);
    assert_eq!(signed_wav["credential_format"], "c2pa_sidecar");
    assert_eq!(std::fs::read(&wav).expect("reads"), wav_before);

    for file in [&png, &wav] {
        let report: Value = cli.ok_json(&["content", "verify", text(file), "--trust", text(&root)]);
        assert_eq!(report["verdict"], "trusted", "{report:#}");
        assert_eq!(report["c2pa"]["signer"]["chains_to_trusted_root"], true);
        assert_eq!(report["chain"]["model"]["registered"], true);
        assert_eq!(report["chain"]["model"]["status"], "active");
        assert_eq!(link(&report, "model_version")["state"], "ok");
        assert_eq!(link(&report, "claim")["state"], "ok");
        // Signed without a receipt: said so, not hidden.
        assert_eq!(link(&report, "receipt")["state"], "missing");
    }
    // Without the root: valid but untrusted, exit 3.
    let untrusted: Value = cli
        .run(&["--json", "content", "verify", text(&png)])
        .exit(3)
        .json();
    assert_eq!(untrusted["verdict"], "untrusted", "{untrusted:#}");
    assert_eq!(link(&untrusted, "trust_chain")["state"], "broken");

    // A human work: attested and registered by `dev`, then the same bytes by `other` (both
    // with sidecars, so the bytes, and so the content digest, stay the same).
    let work = dir.join("work.jpg");
    write_image(&picture(2), &work, ImageFormat::Jpeg);
    let first: Value = cli.ok_json(&[
        "content",
        "attest",
        text(&work),
        "--source",
        "digitalCapture",
        "--ca",
        text(&pki),
        "--sidecar",
        "--register",
        "--from",
        "dev",
    ]);
    assert_eq!(first["claim"]["index"], 0);
    let copy = dir.join("copy.jpg");
    std::fs::copy(&work, &copy).expect("copies");
    let second: Value = cli.ok_json(&[
        "content",
        "attest",
        text(&copy),
        "--source",
        "humanEdits",
        "--ca",
        text(&pki),
        "--sidecar",
        "--register",
        "--from",
        "other",
    ]);
    assert_eq!(second["claim"]["index"], 1);
    assert_eq!(second["sha256"], first["sha256"]);
    assert!(second["claim"]["height"].as_u64() > first["claim"]["height"].as_u64());
    let original: Value = cli.ok_json(&["content", "verify", text(&work), "--trust", text(&root)]);
    assert_eq!(original["verdict"], "trusted", "{original:#}");
    assert_eq!(link(&original, "first_claim")["state"], "ok");
    assert_eq!(original["chain"]["claims_total"], 2);
    let later = cli
        .run(&[
            "--json",
            "content",
            "verify",
            text(&copy),
            "--trust",
            text(&root),
        ])
        .exit(3);
    let later: Value = later.json();
    assert_eq!(later["verdict"], "disputed", "{later:#}");
    assert_eq!(link(&later, "first_claim")["state"], "broken");
    assert_eq!(later["chain"]["claims"][0]["claimant"], first["creator"]);

    // A resized, re-encoded copy of the generated picture is found by its fingerprint.
    let resized = dir.join("resized.jpg");
    let smaller = image::load_from_memory(&std::fs::read(&png).expect("reads"))
        .expect("decodes")
        .resize_exact(144, 96, FilterType::Triangle);
    write_image(&smaller, &resized, ImageFormat::Jpeg);
    let found: Value = cli.ok_json(&["content", "similar", text(&resized)]);
    let matches = found["matches"].as_array().expect("matches");
    assert!(
        matches
            .iter()
            .any(|m| m["claim"]["content"] == signed["sha256"] && m["by"] == "image"),
        "{found:#}"
    );
    assert!(found["indexed"].as_u64() >= Some(3));

    // Plain text: a detached credential, registered, found by its MinHash.
    let story = dir.join("story.txt");
    let words = "the harbour authority announced that the northern breakwater damaged in the \
                 winter storms will be rebuilt over two years while boats moor in the south basin";
    std::fs::write(&story, words).expect("writes");
    cli.ok_json::<Value>(&[
        "content",
        "sign",
        text(&story),
        "--model",
        "acme/gen@1.0",
        "--register",
        "--from",
        "dev",
    ]);
    let text_report: Value = cli.ok_json(&["content", "verify", text(&story)]);
    assert_eq!(text_report["verdict"], "valid", "{text_report:#}");
    let edited = dir.join("edited.txt");
    std::fs::write(&edited, words.replace("two years", "three years")).expect("writes");
    let near: Value = cli.ok_json(&["content", "similar", text(&edited)]);
    assert!(
        near["matches"]
            .as_array()
            .expect("matches")
            .iter()
            .any(|m| m["by"] == "minhash"),
        "{near:#}"
    );

    // A tampered file: the manifest no longer binds the bytes.
    let mut tampered = std::fs::read(&png).expect("reads");
    let last = tampered.len() - 20;
    tampered[last] ^= 0xff;
    let tampered_path = dir.join("tampered.png");
    std::fs::write(&tampered_path, &tampered).expect("writes");
    let run = cli
        .run(&[
            "--json",
            "content",
            "verify",
            text(&tampered_path),
            "--trust",
            text(&root),
        ])
        .exit(3);
    let invalid: Value = run.json();
    assert!(
        ["invalid", "not_verified"].contains(&invalid["verdict"].as_str().unwrap_or_default()),
        "{invalid:#}"
    );
    // A file with no credential at all.
    let bare = dir.join("bare.png");
    write_image(&picture(3), &bare, ImageFormat::Png);
    let none = cli
        .run(&["--json", "content", "verify", text(&bare)])
        .exit(3);
    let none: Value = none.json();
    assert_eq!(none["verdict"], "not_verified");

    // The model version is revoked: its content no longer verifies, and nothing more is signed.
    cli.ok_json::<Value>(&[
        "model",
        "revoke",
        "acme/gen@1.0",
        "--reason",
        "poisoned weights",
        "--from",
        "dev",
        "--wait",
    ]);
    let revoked = cli
        .run(&[
            "--json",
            "content",
            "verify",
            text(&png),
            "--trust",
            text(&root),
        ])
        .exit(3);
    let revoked: Value = revoked.json();
    assert_eq!(revoked["verdict"], "invalid", "{revoked:#}");
    assert_eq!(revoked["chain"]["model"]["status"], "revoked");
    assert_eq!(link(&revoked, "model_version")["state"], "broken");
    let another = dir.join("another.png");
    write_image(&picture(4), &another, ImageFormat::Png);
    cli.refused_json(
        &[
            "content",
            "sign",
            text(&another),
            "--model",
            "acme/gen@1.0",
            "--ca",
            text(&pki),
        ],
        1,
        "VERSION_REVOKED",
    );
    eprintln!("content end to end: {:?}", started.elapsed());
}
