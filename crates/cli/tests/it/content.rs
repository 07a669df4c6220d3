//! Content credentials end to end through the binary: a development PKI, a registered model
//! version (the shared digits MLP's weights; skipped with a message when absent), AI-generated
//! PNG and WAV files signed and registered, verified as trusted with their chain links; a human
//! work attested and registered, and a second attester's claim on the same bytes shown as later;
//! a resized, re-encoded copy found by `content similar`; a tampered file reported invalid; and
//! a revoked model version reported. Then an image signed with a real receipt of a served,
//! anchored inference log, verified by `content verify` and by `content serve` over HTTP; and a
//! picture with a sidecar manifest and a text with a detached credential, verified over HTTP in
//! multipart forms.

use super::end_to_end::{Cli, Run, TestNode};
use super::logs::{ORIGIN, Server, digest, register_model, serve, wait_for_log};
use super::provenance::{shared, start, text};
use ailedger_core::Hash;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, imageops::FilterType};
use serde_json::Value;
use std::{
    io::Cursor,
    path::{Path, PathBuf},
    time::Instant,
};
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

/// Appends one record of `version` to `log` and signs a new picture at `path` with its receipt.
fn sign_with_log_receipt(
    cli: &Cli,
    log: &Server,
    version: &Hash,
    pki: &Path,
    path: &Path,
    seed: u32,
) -> PathBuf {
    let receipts = path.with_extension("receipts");
    cli.ok_json::<Value>(&[
        "log",
        "append",
        "--log",
        &log.url,
        "--from",
        "dev",
        "--model-version",
        &version.to_string(),
        "--input",
        &digest("input", u64::from(seed)),
        "--output",
        &digest("output", u64::from(seed)),
        "--parameters",
        &digest("parameters", 0),
        "--out",
        text(&receipts),
    ]);
    write_image(&picture(seed), path, ImageFormat::Png);
    cli.ok_json::<Value>(&[
        "content",
        "sign",
        text(path),
        "--model",
        &version.to_string(),
        "--receipt",
        text(&receipts.join("0.tlog-proof")),
        "--ca",
        text(pki),
    ]);
    path.to_owned()
}

/// One answer of the content service: status and JSON body.
fn post(node: &TestNode, url: &str, content_type: Option<&str>, body: Vec<u8>) -> (u16, Value) {
    node.block_on(async {
        let mut request = reqwest::Client::new().post(url).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("answer");
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.expect("a JSON body"))
    })
}

/// The report without the height the claims were read at, which moves with the chain.
fn settled(mut report: Value) -> Value {
    if let Some(chain) = report["chain"].as_object_mut() {
        chain.remove("height");
    }
    report
}

#[test]
fn an_image_signed_with_a_log_receipt_verifies_on_the_command_line_and_over_http() {
    let (node, cli) = start();
    let scratch = TempDir::new().expect("temp dir");
    let dir = scratch.path();
    let [version, version_v2] = register_model(&node);

    // The inference log: registered on the chain, served and anchored every second.
    let log_key = dir.join("log.key");
    cli.ok_json::<Value>(&[
        "log",
        "register",
        "--origin",
        ORIGIN,
        "--log-key",
        text(&log_key),
        "--from",
        "dev",
    ]);
    let log = serve(
        &cli,
        &dir.join("log"),
        &log_key,
        &["--anchor-every-secs", "1", "--model-check-ttl", "0s"],
    );
    let receipts = dir.join("receipts");
    for (model, i) in [(&version, 0), (&version_v2, 1)] {
        cli.ok_json::<Value>(&[
            "log",
            "append",
            "--log",
            &log.url,
            "--from",
            "dev",
            "--model-version",
            &model.to_string(),
            "--input",
            &digest("input", i),
            "--output",
            &digest("output", i),
            "--parameters",
            &digest("parameters", 0),
            "--out",
            text(&receipts),
        ]);
    }
    let receipt = receipts.join("0.tlog-proof");

    let pki = dir.join("pki");
    let root = pki.join("root.pem");
    cli.ok_json::<Value>(&["content", "ca", "init", "--out", text(&pki)]);
    let png = dir.join("generated.png");
    write_image(&picture(5), &png, ImageFormat::Png);
    let signed: Value = cli.ok_json(&[
        "content",
        "sign",
        text(&png),
        "--model",
        "acme/chat@v1",
        "--receipt",
        text(&receipt),
        "--ca",
        text(&pki),
        "--register",
        "--from",
        "dev",
    ]);
    assert_eq!(signed["claim"]["index"], 0, "{signed:#}");
    let verify = |file: &Path| -> Run {
        cli.run(&[
            "--json",
            "content",
            "verify",
            text(file),
            "--trust",
            text(&root),
            "--log",
            &log.url,
        ])
    };

    // The receipt's inclusion holds as soon as the log signed it; its anchor may not be on the
    // chain yet, and is said to be missing until it is.
    let early: Value = verify(&png).exit(0).json();
    assert_eq!(early["verdict"], "trusted", "{early:#}");
    assert_eq!(link(&early, "receipt")["state"], "ok", "{early:#}");
    assert_eq!(
        link(&early, "receipt_inclusion")["state"],
        "ok",
        "{early:#}"
    );
    assert_eq!(early["chain"]["receipt"]["verified"], true, "{early:#}");
    if early["chain"]["receipt"]["anchored_height"].is_null() {
        assert_eq!(link(&early, "receipt_anchor")["state"], "missing");
        assert_eq!(link(&early, "receipt_anchor")["code"], "NOT_ANCHORED");
    }
    wait_for_log(&node, |answer| {
        answer
            .latest_anchor
            .as_ref()
            .is_some_and(|anchor| anchor.size == 2)
    });
    let anchored: Value = verify(&png).exit(0).json();
    assert_eq!(anchored["verdict"], "trusted", "{anchored:#}");
    assert_eq!(anchored["chain"]["model"]["status"], "active");
    let on_chain = &anchored["chain"]["receipt"];
    assert_eq!(on_chain["verified"], true, "{anchored:#}");
    assert_eq!(on_chain["origin"], ORIGIN);
    assert_eq!(on_chain["index"], 0);
    let anchor_height = node
        .block_on(node.client.log(ORIGIN, false))
        .expect("log")
        .latest_anchor
        .expect("anchored")
        .height;
    assert_eq!(on_chain["anchored_height"], anchor_height, "{anchored:#}");
    assert!(
        link(&anchored, "receipt_inclusion")["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains(&format!("at height {anchor_height}"))),
        "{anchored:#}"
    );
    assert!(
        anchored["links"]
            .as_array()
            .expect("links")
            .iter()
            .all(|link| link["link"] != "receipt_anchor"),
        "{anchored:#}"
    );

    // A receipt for another record, of another model version: the broken link is named.
    let other_record = dir.join("other-record.png");
    write_image(&picture(6), &other_record, ImageFormat::Png);
    cli.ok_json::<Value>(&[
        "content",
        "sign",
        text(&other_record),
        "--model",
        "acme/chat@v1",
        "--receipt",
        text(&receipts.join("1.tlog-proof")),
        "--ca",
        text(&pki),
    ]);
    let wrong_record: Value = verify(&other_record).exit(3).json();
    assert_eq!(wrong_record["verdict"], "invalid", "{wrong_record:#}");
    assert_eq!(link(&wrong_record, "receipt_model")["state"], "broken");
    assert_eq!(
        link(&wrong_record, "receipt_model")["code"],
        "RECEIPT_WRONG_MODEL"
    );
    assert_eq!(wrong_record["chain"]["receipt"]["verified"], false);

    // A receipt of a registered log that has not anchored it: included, its anchor missing.
    let pending_key = dir.join("pending.key");
    cli.ok_json::<Value>(&[
        "log",
        "register",
        "--origin",
        "ledger.example/pending",
        "--log-key",
        text(&pending_key),
        "--from",
        "dev",
    ]);
    let pending_log = serve(&cli, &dir.join("pending"), &pending_key, &["--no-anchor"]);
    let pending = sign_with_log_receipt(
        &cli,
        &pending_log,
        &version,
        &pki,
        &dir.join("pending.png"),
        7,
    );
    let not_anchored: Value = verify(&pending).exit(0).json();
    assert_eq!(not_anchored["verdict"], "trusted", "{not_anchored:#}");
    assert_eq!(link(&not_anchored, "receipt_inclusion")["state"], "ok");
    assert_eq!(link(&not_anchored, "receipt_anchor")["state"], "missing");
    assert_eq!(
        link(&not_anchored, "receipt_anchor")["code"],
        "NOT_ANCHORED"
    );
    assert_eq!(not_anchored["chain"]["receipt"]["verified"], true);
    assert!(not_anchored["chain"]["receipt"]["anchored_height"].is_null());

    // A receipt of another log that claims the registered origin with a key of its own.
    let forged_key = dir.join("forged.key");
    let key = ailedger_tlog::LogKey::generate(ORIGIN).expect("log key");
    std::fs::write(&forged_key, key.to_signer_key()).expect("writes");
    let forged_log = serve(&cli, &dir.join("forged"), &forged_key, &["--no-anchor"]);
    let other_log = sign_with_log_receipt(
        &cli,
        &forged_log,
        &version,
        &pki,
        &dir.join("other-log.png"),
        8,
    );
    let wrong_log: Value = verify(&other_log).exit(3).json();
    assert_eq!(wrong_log["verdict"], "invalid", "{wrong_log:#}");
    assert_eq!(link(&wrong_log, "receipt_inclusion")["state"], "broken");
    assert!(
        ["WRONG_LOG_KEY", "CHECKPOINT_SIGNATURE_INVALID"].contains(
            &link(&wrong_log, "receipt_inclusion")["code"]
                .as_str()
                .unwrap_or_default()
        ),
        "{wrong_log:#}"
    );
    assert_eq!(wrong_log["chain"]["receipt"]["verified"], false);

    // The same verification over HTTP, from its own process.
    let service = super::logs::service(
        &cli,
        &[
            "content",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--trust",
            text(&root),
            "--max-bytes",
            "262144",
            "--log",
            &log.url,
        ],
    );
    let verify_url = |name: &Path| format!("{}/v1/content/verify?name={}", service.url, text(name));
    let health: Value = node.block_on(async {
        reqwest::get(format!("{}/v1/health", service.url))
            .await
            .expect("answer")
            .json()
            .await
            .expect("json")
    });
    assert_eq!(health["status"], "ok");
    for (file, verdict) in [
        (&png, "trusted"),
        (&pending, "trusted"),
        (&other_record, "invalid"),
        (&other_log, "invalid"),
    ] {
        let bytes = std::fs::read(file).expect("reads");
        let (status, report) = post(&node, &verify_url(file), Some("image/png"), bytes);
        assert_eq!(status, 200, "{report:#}");
        assert_eq!(report["verdict"], verdict, "{report:#}");
        let command: Value = verify(file).json();
        assert_eq!(settled(report), settled(command));
    }
    // Without a Content-Type, the bytes say what they are.
    let (status, report) = post(
        &node,
        &verify_url(&png),
        None,
        std::fs::read(&png).expect("reads"),
    );
    assert_eq!((status, &report["verdict"]), (200, &Value::from("trusted")));
    // A tampered file is a report, not an error.
    let mut tampered = std::fs::read(&png).expect("reads");
    let last = tampered.len() - 20;
    tampered[last] ^= 0xff;
    let (status, report) = post(&node, &verify_url(&png), Some("image/png"), tampered);
    assert_eq!(status, 200, "{report:#}");
    assert!(
        ["invalid", "not_verified"].contains(&report["verdict"].as_str().unwrap_or_default()),
        "{report:#}"
    );
    // A body that does not parse as a manifest: not verified, never a failure of the service.
    let mut corrupt = b"\x89PNG\r\n\x1a\n".to_vec();
    corrupt.extend(std::iter::repeat_n(0xa5u8, 4_000));
    let (status, report) = post(&node, &verify_url(&png), Some("image/png"), corrupt);
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report["verdict"], "not_verified", "{report:#}");
    // Refusals, with the project's error shape.
    let refusals: [(Option<&str>, Vec<u8>, u16, &str); 4] = [
        (
            Some("image/png"),
            vec![0; 300_000],
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            Some("text/plain"),
            b"a story".to_vec(),
            415,
            "UNSUPPORTED_FORMAT",
        ),
        (None, b"a story".to_vec(), 415, "UNSUPPORTED_FORMAT"),
        (
            Some("image/jpeg"),
            b"a story".to_vec(),
            422,
            "FORMAT_MISMATCH",
        ),
    ];
    for (content_type, body, expected, code) in refusals {
        let (status, error) = post(&node, &verify_url(&png), content_type, body);
        assert_eq!(status, expected, "{error:#}");
        assert_eq!(error["code"], code, "{error:#}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, error) = post(
        &node,
        &format!("{}/v1/nothing", service.url),
        None,
        Vec::new(),
    );
    assert_eq!(
        (status, &error["code"]),
        (404, &Value::from("ROUTE_NOT_FOUND"))
    );
}

const BOUNDARY: &str = "ailedger-form-boundary";
const FORM: &str = "multipart/form-data; boundary=ailedger-form-boundary";

/// A `multipart/form-data` body: each part a name, an optional file name and its bytes.
fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        let disposition = match file_name {
            Some(file_name) => format!("form-data; name=\"{name}\"; filename=\"{file_name}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\ncontent-disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

#[test]
fn a_sidecar_manifest_and_a_detached_credential_verify_over_a_multipart_form() {
    let started = Instant::now();
    let (node, cli) = start();
    let scratch = TempDir::new().expect("temp dir");
    let dir = scratch.path();
    let pki = dir.join("pki");
    let root = pki.join("root.pem");
    cli.ok_json::<Value>(&["content", "ca", "init", "--out", text(&pki)]);
    // A photo attested with a sidecar manifest and a story with a detached credential, both
    // registered by their creator.
    let photo = dir.join("photo.png");
    write_image(&picture(9), &photo, ImageFormat::Png);
    let attested: Value = cli.ok_json(&[
        "content",
        "attest",
        text(&photo),
        "--source",
        "digitalCapture",
        "--ca",
        text(&pki),
        "--sidecar",
        "--register",
        "--from",
        "dev",
    ]);
    let sidecar = PathBuf::from(attested["credential_file"].as_str().expect("sidecar"));
    let story = dir.join("story.txt");
    let words = "the ferry timetable changes on monday: the first crossing leaves at six, the \
                 last at eleven, and the night boat stops running until the spring";
    std::fs::write(&story, words).expect("writes");
    let attested: Value = cli.ok_json(&[
        "content",
        "attest",
        text(&story),
        "--source",
        "humanEdits",
        "--register",
        "--from",
        "dev",
    ]);
    let credential = PathBuf::from(attested["credential_file"].as_str().expect("credential"));
    let altered = dir.join("altered.txt");
    std::fs::write(&altered, words.replace("six", "seven")).expect("writes");
    let read = |path: &Path| std::fs::read(path).expect("reads");
    let (photo_bytes, sidecar_bytes) = (read(&photo), read(&sidecar));
    let (story_bytes, credential_bytes) = (read(&story), read(&credential));

    let service = super::logs::service(
        &cli,
        &[
            "content",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--trust",
            text(&root),
            "--max-bytes",
            "262144",
            "--max-concurrent",
            "1",
        ],
    );
    let url = format!("{}/v1/content/verify", service.url);

    // The photo with its sidecar: the report `content verify --sidecar` prints, named after the
    // file part's file name.
    let with_sidecar = form(&[
        ("file", Some(text(&photo)), &photo_bytes),
        ("sidecar", Some("photo.c2pa"), &sidecar_bytes),
    ]);
    let (status, report) = post(&node, &url, Some(FORM), with_sidecar.clone());
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report["verdict"], "trusted", "{report:#}");
    let command: Value = cli
        .run(&[
            "--json",
            "content",
            "verify",
            text(&photo),
            "--sidecar",
            text(&sidecar),
            "--trust",
            text(&root),
        ])
        .exit(0)
        .json();
    assert_eq!(settled(report), settled(command));
    // Without its sidecar, the photo carries no manifest.
    let alone = form(&[("file", Some("photo.png"), &photo_bytes)]);
    let (status, report) = post(&node, &url, Some(FORM), alone);
    assert_eq!(
        (status, &report["verdict"]),
        (200, &Value::from("not_verified"))
    );

    // Plain text with its detached credential: `content verify --credential`'s report, named by
    // the `name` part; the credential named by its part's file name.
    let story_name = text(&story).to_owned();
    let with_credential = |file: &[u8]| {
        form(&[
            ("name", None, story_name.as_bytes()),
            ("file", Some("story.txt"), file),
            ("credential", Some(text(&credential)), &credential_bytes),
        ])
    };
    let (status, report) = post(&node, &url, Some(FORM), with_credential(&story_bytes));
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report["verdict"], "valid", "{report:#}");
    let command: Value = cli
        .run(&[
            "--json",
            "content",
            "verify",
            text(&story),
            "--credential",
            text(&credential),
        ])
        .exit(0)
        .json();
    assert_eq!(settled(report), settled(command));
    // The same text altered: the credential no longer binds it.
    let (status, report) = post(&node, &url, Some(FORM), with_credential(&read(&altered)));
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report["verdict"], "invalid", "{report:#}");
    assert_eq!(link(&report, "content_binding")["state"], "broken");
    let command: Value = cli
        .run(&[
            "--json",
            "content",
            "verify",
            text(&altered),
            "--credential",
            text(&credential),
        ])
        .exit(3)
        .json();
    let mut report = settled(report);
    report["file"] = command["file"].clone();
    assert_eq!(report, settled(command));

    // One verification at a time: the others wait for their turn, none is refused.
    let statuses = node.block_on(async {
        let client = reqwest::Client::new();
        let send = |body: Vec<u8>| {
            let request = client.post(&url).header("content-type", FORM).body(body);
            async move { request.send().await.expect("answer").status().as_u16() }
        };
        tokio::join!(
            send(with_sidecar.clone()),
            send(with_credential(&story_bytes)),
            send(with_sidecar.clone()),
        )
    });
    assert_eq!(statuses, (200, 200, 200));

    // Refusals, with the part they concern.
    let mut truncated = form(&[("file", Some("photo.png"), &photo_bytes)]);
    truncated.truncate(truncated.len() / 2);
    let oversized = vec![0x89; 300_000];
    let refusals = [
        (
            FORM,
            form(&[("name", None, b"story")]),
            400,
            "MISSING_PART",
            Some("file"),
        ),
        (
            FORM,
            form(&[
                ("file", Some("photo.png"), &photo_bytes),
                ("manifest", Some("photo.c2pa"), &sidecar_bytes),
            ]),
            400,
            "UNKNOWN_PART",
            Some("manifest"),
        ),
        (
            FORM,
            form(&[
                ("file", Some("photo.png"), &photo_bytes),
                ("file", Some("photo.png"), &photo_bytes),
            ]),
            400,
            "DUPLICATE_PART",
            Some("file"),
        ),
        (
            FORM,
            form(&[
                ("file", Some("story.txt"), &story_bytes),
                ("sidecar", Some("photo.c2pa"), &sidecar_bytes),
                (
                    "credential",
                    Some("story.txt.credential.json"),
                    &credential_bytes,
                ),
            ]),
            400,
            "CONFLICTING_PARTS",
            None,
        ),
        (FORM, truncated, 400, "MALFORMED_MULTIPART", None),
        (
            "multipart/form-data",
            b"no boundary".to_vec(),
            400,
            "MALFORMED_MULTIPART",
            None,
        ),
        (
            FORM,
            form(&[("file", Some("big.png"), &oversized)]),
            413,
            "PAYLOAD_TOO_LARGE",
            None,
        ),
        // Without a credential, bytes that are not media are not verified.
        (
            FORM,
            form(&[("file", Some("story.txt"), &story_bytes)]),
            415,
            "UNSUPPORTED_FORMAT",
            None,
        ),
    ];
    for (content_type, body, expected, code, part) in refusals {
        let (status, error) = post(&node, &url, Some(content_type), body);
        assert_eq!(
            (status, &error["code"]),
            (expected, &Value::from(code)),
            "{error:#}"
        );
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        if let Some(part) = part {
            assert_eq!(error["details"]["part"], part, "{error:#}");
        }
    }
    eprintln!("content over multipart: {:?}", started.elapsed());
}
