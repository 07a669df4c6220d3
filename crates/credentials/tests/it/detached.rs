//! Detached credentials: round trip, and every kind of damage refused with its reason.

use ailedger_core::SecretKey;
use ailedger_credentials::assertion::HumanSource;
use ailedger_credentials::detached::{
    Claim, ContentDigest, DetachedCredential, MAX_CREDENTIAL_LEN,
};
use ailedger_credentials::error::{DetachedError, ReceiptError};
use proptest::prelude::*;
use serde_json::Value;

use crate::media::{chain_id, model_id, receipt};

const TEXT: &[u8] = b"The lighthouse keeper counted the ships until the fog came in.\n";
const CREATED_AT: u64 = 1_767_225_600;

fn ai_credential() -> DetachedCredential {
    DetachedCredential::sign(
        ContentDigest::of(TEXT),
        Claim::AiGenerated {
            model_version: model_id(),
            receipt: Some(receipt()),
        },
        chain_id(),
        &SecretKey::from_seed(3),
        CREATED_AT,
    )
}

fn json(credential: &DetachedCredential) -> Value {
    serde_json::from_slice(&credential.to_json()).expect("json")
}

fn parse(value: &Value) -> Result<DetachedCredential, DetachedError> {
    DetachedCredential::from_json(&serde_json::to_vec(value).expect("json"))
}

#[test]
fn a_credential_round_trips_and_matches_its_content() {
    let credential = ai_credential();
    let bytes = credential.to_json();
    let read = DetachedCredential::from_json(&bytes).expect("parse");
    assert_eq!(read, credential);
    read.check_content(TEXT).expect("content");
    assert_eq!(read.creator(), &SecretKey::from_seed(3).address());
    assert_eq!(read.created_at(), CREATED_AT);
    assert_eq!(read.chain_id(), &chain_id());
    assert_eq!(read.id(), credential.id());
    match read.claim() {
        Claim::AiGenerated {
            model_version,
            receipt: Some(carried),
        } => {
            assert_eq!(*model_version, model_id());
            assert_eq!(carried, &receipt());
        }
        other => panic!("unexpected claim {other:?}"),
    }
    let value = json(&credential);
    assert_eq!(value["format"], "ailedger.content-credential/v1");
    assert_eq!(value["claim"]["origin"], "ai_generated");
    assert_eq!(value["content"]["length"], TEXT.len());
}

#[test]
fn a_human_made_credential_round_trips_and_checks_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("essay.txt");
    std::fs::write(&path, TEXT).expect("write");
    let credential = DetachedCredential::sign(
        ContentDigest::of_file(&path).expect("digest"),
        Claim::HumanMade {
            source: HumanSource::HumanEdits,
        },
        chain_id(),
        &SecretKey::from_seed(4),
        CREATED_AT,
    );
    let read = DetachedCredential::from_json(&credential.to_json()).expect("parse");
    read.check_file(&path).expect("file");
    assert_eq!(json(&read)["claim"]["source"], "humanEdits");
    std::fs::write(&path, b"someone else's words").expect("write");
    assert!(matches!(
        read.check_file(&path),
        Err(DetachedError::ContentMismatch { .. })
    ));
}

#[test]
fn other_content_does_not_match() {
    let credential = ai_credential();
    let error = credential
        .check_content(b"The lighthouse keeper counted the ships until the fog came in!\n")
        .expect_err("mismatch");
    assert!(matches!(error, DetachedError::ContentMismatch { .. }));
    assert!(error.to_string().contains("does not match"));
}

#[test]
fn every_signed_field_is_covered_by_the_signature() {
    let original = json(&ai_credential());
    let other_hash = hex::encode([0x11u8; 32]);
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "chain id",
            Box::new(|v| v["chain_id"] = "ailedger-main".into()),
        ),
        (
            "content digest",
            Box::new(move |v| v["content"]["sha256"] = other_hash.clone().into()),
        ),
        (
            "content length",
            Box::new(|v| v["content"]["length"] = 1.into()),
        ),
        (
            "time",
            Box::new(|v| v["created_at"] = (CREATED_AT + 1).into()),
        ),
        (
            "model version",
            Box::new(|v| v["claim"]["model_version"] = hex::encode([0x22u8; 32]).into()),
        ),
        (
            "receipt removed",
            Box::new(|v| {
                v["claim"].as_object_mut().expect("claim").remove("receipt");
            }),
        ),
        (
            "claim turned human-made",
            Box::new(|v| {
                v["claim"] = serde_json::json!({"origin": "human_made", "source": "digitalCapture"})
            }),
        ),
        (
            "creator replaced (wrong key)",
            Box::new(|v| v["creator"] = SecretKey::from_seed(99).address().to_string().into()),
        ),
    ];
    for (what, edit) in edits {
        let mut value = original.clone();
        edit(&mut value);
        assert!(
            matches!(parse(&value), Err(DetachedError::BadSignature)),
            "{what}: {:?}",
            parse(&value)
        );
    }
}

#[test]
fn a_receipt_text_that_does_not_match_its_digest_is_refused() {
    let mut value = json(&ai_credential());
    let text = value["claim"]["receipt"]["text"]
        .as_str()
        .expect("text")
        .replace("index 41", "index 40");
    value["claim"]["receipt"]["text"] = text.into();
    assert!(matches!(
        parse(&value),
        Err(DetachedError::Receipt(ReceiptError::DigestMismatch { .. }))
    ));
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let mut value = json(&ai_credential());
    let forged = DetachedCredential::sign(
        ContentDigest::of(TEXT),
        Claim::AiGenerated {
            model_version: model_id(),
            receipt: Some(receipt()),
        },
        chain_id(),
        &SecretKey::from_seed(5),
        CREATED_AT,
    );
    value["signature"] = json(&forged)["signature"].clone();
    assert!(matches!(parse(&value), Err(DetachedError::BadSignature)));
}

#[test]
fn malformed_fields_are_refused_with_their_reason() {
    let original = json(&ai_credential());
    let mut value = original.clone();
    value["signature"] = value["signature"]
        .as_str()
        .expect("hex")
        .to_uppercase()
        .into();
    assert!(matches!(
        parse(&value),
        Err(DetachedError::MalformedSignature)
    ));
    let mut value = original.clone();
    value["signature"] = "00".into();
    assert!(matches!(
        parse(&value),
        Err(DetachedError::MalformedSignature)
    ));
    let mut value = original.clone();
    value["format"] = "ailedger.content-credential/v2".into();
    assert!(matches!(
        parse(&value),
        Err(DetachedError::UnsupportedFormat(_))
    ));
    let mut value = original.clone();
    value["creator"] = "00".repeat(32).into();
    assert!(matches!(parse(&value), Err(DetachedError::Creator(_))));
    let mut value = original.clone();
    value["surprise"] = true.into();
    assert!(matches!(parse(&value), Err(DetachedError::Malformed(_))));
    let mut value = original.clone();
    value["content"]["sha256"] = "AB".repeat(32).into();
    assert!(matches!(parse(&value), Err(DetachedError::Malformed(_))));
    let mut value = original;
    value["chain_id"] = "Not A Chain".into();
    assert!(matches!(parse(&value), Err(DetachedError::Malformed(_))));
}

#[test]
fn every_truncation_is_refused() {
    let bytes = ai_credential().to_json();
    // The last byte is a newline; dropping only it leaves a complete document.
    for len in 0..bytes.len() - 1 {
        assert!(
            DetachedCredential::from_json(&bytes[..len]).is_err(),
            "a prefix of {len} bytes was accepted"
        );
    }
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = vec![b' '; MAX_CREDENTIAL_LEN + 1];
    assert!(matches!(
        DetachedCredential::from_json(&huge),
        Err(DetachedError::TooLarge { .. })
    ));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = DetachedCredential::from_json(&bytes);
    }

    #[test]
    fn any_single_byte_change_is_refused_or_harmless(at in any::<prop::sample::Index>(), mask in 1u8..) {
        let credential = ai_credential();
        let mut bytes = credential.to_json();
        let at = at.index(bytes.len());
        bytes[at] ^= mask;
        // A change may hit insignificant whitespace; anything accepted must mean the same.
        if let Ok(read) = DetachedCredential::from_json(&bytes) {
            prop_assert_eq!(read, credential);
        }
    }
}
