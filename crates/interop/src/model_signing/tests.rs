//! Round trips and every tamper of a bundle, without the Python tool (its bundles are fixtures).

use std::fs;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::*;

const P256_PUB: &str = include_str!("../../testdata/model_signing/p256.pub");
const P256_SIG: &str = include_str!("../../testdata/model_signing/p256.sig");
const P384_PUB: &str = include_str!("../../testdata/model_signing/p384.pub");
const P384_SIG: &str = include_str!("../../testdata/model_signing/p384.sig");
const P521_PUB: &str = include_str!("../../testdata/model_signing/p521.pub");
const P521_SIG: &str = include_str!("../../testdata/model_signing/p521.sig");

fn write(dir: &Path, path: &str, content: &[u8]) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// The directory the fixture bundles were made from (see `testdata/model_signing/README.md`).
fn fixture_model() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("model");
    for (path, content) in [
        ("a.txt", "hello\n"),
        ("a-b", "y\n"),
        ("empty", ""),
        ("sub/b.txt", "x\n"),
        ("sub/c", "z\n"),
        (".git/HEAD", "g\n"),
    ] {
        write(&dir, path, content.as_bytes());
    }
    root
}

/// A model directory with a nested file, an empty file and a file larger than a read buffer.
fn sample_model() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sample-model");
    write(&dir, "config.json", br#"{"layers": 2}"#);
    write(
        &dir,
        "weights/layer0.bin",
        &(0..3_000_000u32)
            .map(|i| (i * 7 % 256) as u8)
            .collect::<Vec<_>>(),
    );
    write(&dir, "weights/layer1.bin", b"layer one");
    write(&dir, "empty", b"");
    root
}

fn model_dir(root: &tempfile::TempDir) -> std::path::PathBuf {
    let entries: Vec<_> = fs::read_dir(root.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1);
    entries[0].clone()
}

/// Decodes a bundle's JSON into a generic value, to tamper with it.
fn json(bundle: &str) -> serde_json::Value {
    serde_json::from_str(bundle).unwrap()
}

/// The statement of a bundle's payload, as a generic value.
fn payload(bundle: &serde_json::Value) -> serde_json::Value {
    let payload = bundle["dsseEnvelope"]["payload"].as_str().unwrap();
    serde_json::from_slice(&BASE64.decode(payload).unwrap()).unwrap()
}

/// Replaces a bundle's statement with `statement` and signs it again with `key`, as a malicious
/// key holder (or a buggy signer) would.
fn resign(bundle: &serde_json::Value, statement: &serde_json::Value, key: &PrivateKey) -> String {
    let payload = serde_json::to_vec(statement).unwrap();
    let mut bundle = bundle.clone();
    bundle["dsseEnvelope"]["payload"] = BASE64.encode(&payload).into();
    bundle["dsseEnvelope"]["signatures"][0]["sig"] =
        BASE64.encode(key.sign_der(&pae(&payload))).into();
    bundle.to_string()
}

fn check(dir: &Path, bundle: &str, public_key: &PublicKey) -> Result<VerifiedModel, VerifyError> {
    verify_directory(dir, bundle.as_bytes(), public_key)
}

#[test]
fn test_round_trip_verifies_every_file() {
    let root = sample_model();
    let dir = model_dir(&root);
    let key = PrivateKey::generate();
    let bundle = sign_directory(&dir, &key).unwrap();
    let bundle_path = root.path().join("model.sig");
    bundle.write(&bundle_path).unwrap();

    let verified =
        verify_directory(&dir, &fs::read(&bundle_path).unwrap(), &key.public_key()).unwrap();
    let paths: Vec<&str> = verified
        .manifest
        .files
        .iter()
        .map(|file| file.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "config.json",
            "empty",
            "weights/layer0.bin",
            "weights/layer1.bin"
        ]
    );
    assert_eq!(verified.manifest.model_name, "sample-model");
    assert_eq!(verified.key_hint, Some(key.public_key().hint()));
    assert_eq!(verified.n_bytes_hashed, 3_000_000 + 13 + 9);
    assert_eq!(
        verified.manifest,
        hash_directory(&dir, &HashOptions::default()).unwrap()
    );
}

#[test]
fn test_bundle_inside_the_model_directory_verifies_when_ignored() {
    let root = sample_model();
    let dir = model_dir(&root);
    let key = PrivateKey::generate();
    let options = HashOptions {
        ignore_paths: vec!["model.sig".to_owned()],
        ..HashOptions::default()
    };
    let bundle = sign_directory_with(&dir, &key, &options).unwrap();
    bundle.write(&dir.join("model.sig")).unwrap();
    check(&dir, &bundle.to_json(), &key.public_key()).unwrap();

    // Signed without its own path ignored, the bundle is an extra file unless the verifier ignores it.
    fs::remove_file(dir.join("model.sig")).unwrap();
    let bundle = sign_directory(&dir, &key).unwrap();
    bundle.write(&dir.join("model.sig")).unwrap();
    let result = check(&dir, &bundle.to_json(), &key.public_key());
    assert!(
        matches!(result, Err(VerifyError::ExtraFiles(ref paths)) if paths == &["model.sig"]),
        "{result:?}"
    );
    let options = VerifyOptions {
        ignore_paths: vec!["model.sig".to_owned()],
        ..VerifyOptions::default()
    };
    verify_directory_with(
        &dir,
        bundle.to_json().as_bytes(),
        &key.public_key(),
        &options,
    )
    .unwrap();
}

#[test]
fn test_bundles_made_by_the_tool_verify_on_every_curve() {
    let root = fixture_model();
    let dir = model_dir(&root);
    for (public_pem, bundle) in [
        (P256_PUB, P256_SIG),
        (P384_PUB, P384_SIG),
        (P521_PUB, P521_SIG),
    ] {
        let public_key = PublicKey::from_pem(public_pem).unwrap();
        let verified = check(&dir, bundle, &public_key).unwrap();
        assert_eq!(verified.manifest.model_name, "model");
        assert_eq!(verified.key_hint, Some(public_key.hint()));
        let paths: Vec<&str> = verified
            .manifest
            .files
            .iter()
            .map(|file| file.path.as_str())
            .collect();
        assert_eq!(paths, ["a-b", "a.txt", "empty", "sub/b.txt", "sub/c"]);
    }
}

#[test]
fn test_our_subject_digest_equals_the_tool_subject_digest() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let manifest = hash_directory(&dir, &HashOptions::default()).unwrap();
    let tool_statement = payload(&json(P256_SIG));
    assert_eq!(
        tool_statement["subject"][0]["digest"]["sha256"]
            .as_str()
            .unwrap(),
        hex::encode(manifest.subject_digest())
    );
    let ours = sign_directory(&dir, &PrivateKey::generate()).unwrap();
    let ours = payload(&json(&ours.to_json()));
    assert_eq!(ours["subject"], tool_statement["subject"]);
    assert_eq!(
        ours["predicate"]["resources"],
        tool_statement["predicate"]["resources"]
    );
}

#[test]
fn test_flipped_payload_byte_is_a_bad_signature() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let mut bundle = json(P256_SIG);
    let mut payload = BASE64
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    // Inside a digest's hex, so the statement still parses: only the signature can catch it.
    let digest_at = String::from_utf8_lossy(&payload).find("3bb2abb6").unwrap();
    payload[digest_at] = b'4';
    bundle["dsseEnvelope"]["payload"] = BASE64.encode(&payload).into();
    let result = check(
        &dir,
        &bundle.to_string(),
        &PublicKey::from_pem(P256_PUB).unwrap(),
    );
    assert!(
        matches!(result, Err(VerifyError::BadSignature)),
        "{result:?}"
    );
}

#[test]
fn test_flipped_signature_byte_is_a_bad_signature() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let public_key = PublicKey::from_pem(P256_PUB).unwrap();
    let bundle = json(P256_SIG);
    let signature = BASE64
        .decode(
            bundle["dsseEnvelope"]["signatures"][0]["sig"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    for byte_idx in [0, 5, signature.len() / 2, signature.len() - 1] {
        let mut flipped = signature.clone();
        flipped[byte_idx] ^= 0x01;
        let mut bundle = bundle.clone();
        bundle["dsseEnvelope"]["signatures"][0]["sig"] = BASE64.encode(&flipped).into();
        let result = check(&dir, &bundle.to_string(), &public_key);
        assert!(
            matches!(result, Err(VerifyError::BadSignature)),
            "byte {byte_idx}: {result:?}"
        );
    }
}

#[test]
fn test_swapped_resources_are_caught_with_or_without_a_new_signature() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let key = PrivateKey::generate();
    let bundle = json(&sign_directory(&dir, &key).unwrap().to_json());
    let statement = payload(&bundle);

    // Reordered resources, signed again: the subject digest no longer matches them.
    let mut reordered = statement.clone();
    reordered["predicate"]["resources"]
        .as_array_mut()
        .unwrap()
        .swap(0, 1);
    let result = check(&dir, &resign(&bundle, &reordered, &key), &key.public_key());
    assert!(
        matches!(result, Err(VerifyError::SubjectDigestMismatch { .. })),
        "{result:?}"
    );

    // Digests swapped between two files, subject digest recomputed and signed again: the files disagree.
    let mut swapped = statement;
    let resources = swapped["predicate"]["resources"].as_array_mut().unwrap();
    let first = resources[0]["digest"].clone();
    resources[0]["digest"] = resources[1]["digest"].clone();
    resources[1]["digest"] = first;
    let mut subject = sha2::Sha256::default();
    for resource in resources.iter() {
        sha2::Digest::update(
            &mut subject,
            hex::decode(resource["digest"].as_str().unwrap()).unwrap(),
        );
    }
    swapped["subject"][0]["digest"]["sha256"] = hex::encode(sha2::Digest::finalize(subject)).into();
    let result = check(&dir, &resign(&bundle, &swapped, &key), &key.public_key());
    assert!(
        matches!(result, Err(VerifyError::DigestMismatch { ref path, .. }) if path == "a-b"),
        "{result:?}"
    );

    // The same statement without a new signature.
    let mut unsigned = bundle;
    unsigned["dsseEnvelope"]["payload"] =
        BASE64.encode(serde_json::to_vec(&swapped).unwrap()).into();
    let result = check(&dir, &unsigned.to_string(), &key.public_key());
    assert!(
        matches!(result, Err(VerifyError::BadSignature)),
        "{result:?}"
    );
}

#[test]
fn test_changed_hint_is_a_key_mismatch_and_absent_hint_falls_back_to_the_signature() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let public_key = PublicKey::from_pem(P256_PUB).unwrap();
    let mut bundle = json(P256_SIG);
    bundle["verificationMaterial"]["publicKey"]["hint"] = "00".repeat(32).into();
    let result = check(&dir, &bundle.to_string(), &public_key);
    assert!(
        matches!(result, Err(VerifyError::KeyMismatch { ref bundle_hint, ref key_hint })
            if *bundle_hint == "00".repeat(32) && *key_hint == public_key.hint()),
        "{result:?}"
    );

    bundle["verificationMaterial"]["publicKey"] = serde_json::json!({});
    let verified = check(&dir, &bundle.to_string(), &public_key).unwrap();
    assert_eq!(verified.key_hint, None);
    let other_key = PrivateKey::generate().public_key();
    let result = check(&dir, &bundle.to_string(), &other_key);
    assert!(
        matches!(result, Err(VerifyError::BadSignature)),
        "{result:?}"
    );

    bundle["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .remove("publicKey");
    let result = check(&dir, &bundle.to_string(), &public_key);
    assert!(
        matches!(result, Err(VerifyError::MissingPublicKey)),
        "{result:?}"
    );
}

#[test]
fn test_wrong_key_is_a_key_mismatch() {
    let root = fixture_model();
    let dir = model_dir(&root);
    for other_key in [
        PrivateKey::generate().public_key(),
        PublicKey::from_pem(P384_PUB).unwrap(),
    ] {
        let result = check(&dir, P256_SIG, &other_key);
        assert!(
            matches!(result, Err(VerifyError::KeyMismatch { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn test_truncated_json_is_malformed() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let public_key = PublicKey::from_pem(P256_PUB).unwrap();
    for cut in [0, 1, P256_SIG.len() / 2, P256_SIG.len() - 1] {
        let result = check(&dir, &P256_SIG[..cut], &public_key);
        assert!(
            matches!(result, Err(VerifyError::MalformedBundle(_))),
            "cut {cut}: {result:?}"
        );
    }
    let result = check(&dir, "{\"mediaType\": 3}", &public_key);
    assert!(
        matches!(result, Err(VerifyError::MalformedBundle(_))),
        "{result:?}"
    );
}

#[test]
fn test_bad_base64_is_malformed_base64() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let public_key = PublicKey::from_pem(P256_PUB).unwrap();
    let mut bundle = json(P256_SIG);
    bundle["dsseEnvelope"]["payload"] = "not base64!".into();
    let result = check(&dir, &bundle.to_string(), &public_key);
    assert!(
        matches!(
            result,
            Err(VerifyError::MalformedBase64 {
                field: "payload",
                ..
            })
        ),
        "{result:?}"
    );

    let mut bundle = json(P256_SIG);
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = "@@@".into();
    let result = check(&dir, &bundle.to_string(), &public_key);
    assert!(
        matches!(
            result,
            Err(VerifyError::MalformedBase64 { field: "sig", .. })
        ),
        "{result:?}"
    );
}

#[test]
fn test_envelope_shape_errors() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let public_key = PublicKey::from_pem(P256_PUB).unwrap();

    let mut bundle = json(P256_SIG);
    bundle["dsseEnvelope"]["payloadType"] = "application/json".into();
    let result = check(&dir, &bundle.to_string(), &public_key);
    assert!(
        matches!(result, Err(VerifyError::WrongPayloadType(ref found)) if found == "application/json"),
        "{result:?}"
    );

    let mut bundle = json(P256_SIG);
    bundle["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2".into();
    let result = check(&dir, &bundle.to_string(), &public_key);
    assert!(
        matches!(result, Err(VerifyError::UnsupportedMediaType(_))),
        "{result:?}"
    );

    let mut bundle = json(P256_SIG);
    bundle["dsseEnvelope"]["signatures"] = serde_json::json!([]);
    let result = check(&dir, &bundle.to_string(), &public_key);
    assert!(
        matches!(result, Err(VerifyError::NoSignatures)),
        "{result:?}"
    );

    let mut bundle = json(P256_SIG);
    bundle.as_object_mut().unwrap().remove("dsseEnvelope");
    let result = check(&dir, &bundle.to_string(), &public_key);
    assert!(
        matches!(result, Err(VerifyError::MissingEnvelope)),
        "{result:?}"
    );
}

#[test]
fn test_statement_errors_after_a_valid_signature() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let key = PrivateKey::generate();
    let bundle = json(&sign_directory(&dir, &key).unwrap().to_json());
    let statement = payload(&bundle);
    let public_key = key.public_key();
    let tampered = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut statement = statement.clone();
        edit(&mut statement);
        check(&dir, &resign(&bundle, &statement, &key), &public_key)
    };

    let result = tampered(&|s| s["predicate"]["serialization"]["method"] = "shards".into());
    assert!(
        matches!(result, Err(VerifyError::UnsupportedMethod(ref m)) if m == "shards"),
        "{result:?}"
    );
    let result = tampered(&|s| s["predicate"]["serialization"]["hash_type"] = "blake3".into());
    assert!(
        matches!(result, Err(VerifyError::UnsupportedHash(ref h)) if h == "blake3"),
        "{result:?}"
    );
    let result = tampered(&|s| s["predicate"]["resources"][2]["algorithm"] = "blake2".into());
    assert!(
        matches!(result, Err(VerifyError::UnsupportedHash(ref h)) if h == "blake2"),
        "{result:?}"
    );
    let result = tampered(&|s| s["predicateType"] = "https://model_signing/Digests/v0.1".into());
    assert!(
        matches!(result, Err(VerifyError::UnsupportedPredicateType(_))),
        "{result:?}"
    );
    let result = tampered(&|s| s["_type"] = "https://in-toto.io/Statement/v0.1".into());
    assert!(
        matches!(result, Err(VerifyError::WrongStatementType(_))),
        "{result:?}"
    );
    let result =
        tampered(&|s| s["predicate"]["serialization"]["ignore_paths"] = serde_json::json!(["."]));
    assert!(
        matches!(result, Err(VerifyError::InvalidStatement(_))),
        "{result:?}"
    );
    let result = tampered(&|s| s["predicate"]["resources"][0]["digest"] = "xyz".into());
    assert!(
        matches!(result, Err(VerifyError::InvalidStatement(_))),
        "{result:?}"
    );
    let result = tampered(&|s| {
        let subjects = s["subject"].as_array_mut().unwrap();
        subjects.push(subjects[0].clone());
    });
    assert!(
        matches!(result, Err(VerifyError::InvalidStatement(_))),
        "{result:?}"
    );
    let result = tampered(&|s| s["predicate"] = serde_json::json!({"resources": []}));
    assert!(
        matches!(result, Err(VerifyError::MalformedPayload(_))),
        "{result:?}"
    );
}

#[test]
fn test_tampered_file_is_a_digest_mismatch_naming_it() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let public_key = PublicKey::from_pem(P256_PUB).unwrap();
    write(&dir, "sub/b.txt", b"X\n");
    write(&dir, "sub/c", b"Z\n");
    let result = check(&dir, P256_SIG, &public_key);
    assert!(
        matches!(result, Err(VerifyError::DigestMismatch { ref path, ref expected, .. })
            if path == "sub/b.txt" && expected == "73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac"),
        "{result:?}"
    );
}

#[test]
fn test_extra_and_missing_files_are_named() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let public_key = PublicKey::from_pem(P256_PUB).unwrap();

    write(&dir, "sub/extra", b"e");
    write(&dir, "z-extra", b"e");
    // Ignored by default, so not extra.
    write(&dir, ".github/workflow.yml", b"e");
    let result = check(&dir, P256_SIG, &public_key);
    assert!(
        matches!(result, Err(VerifyError::ExtraFiles(ref paths)) if paths == &["sub/extra", "z-extra"]),
        "{result:?}"
    );

    fs::remove_file(dir.join("empty")).unwrap();
    let result = check(&dir, P256_SIG, &public_key);
    assert!(
        matches!(result, Err(VerifyError::MissingFiles(ref paths)) if paths == &["empty"]),
        "{result:?}"
    );
}

#[test]
fn test_unreadable_directory_entries_are_hash_errors() {
    let root = fixture_model();
    let dir = model_dir(&root);
    let public_key = PublicKey::from_pem(P256_PUB).unwrap();
    #[cfg(unix)]
    {
        fs::remove_file(dir.join("a.txt")).unwrap();
        std::os::unix::fs::symlink("a-b", dir.join("a.txt")).unwrap();
        let result = check(&dir, P256_SIG, &public_key);
        assert!(
            matches!(result, Err(VerifyError::Hash(HashError::Symlink { .. }))),
            "{result:?}"
        );
    }
    let result = check(&dir.join("missing"), P256_SIG, &public_key);
    assert!(
        matches!(result, Err(VerifyError::Hash(HashError::Io { .. }))),
        "{result:?}"
    );
}
