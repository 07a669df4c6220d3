//! The content endpoints through the router, over the test backend: claims registered with real
//! signed transactions executed by the real state machine, then looked up.

use crate::tests::{assert_error, harness, key};
use ailedger_client::dto::{ContentClaimsAnswer, SimilarAnswer};
use ailedger_core::{Hash, SignedTransaction, Transaction, sha256};
use ailedger_state::{
    Module,
    content::{
        ClaimKind, ClaimSpec, Content, ContentMsg, CredentialFormat, Fingerprints, HumanSource,
        query::claim_count_key,
    },
};
use axum::http::StatusCode;
use commonware_codec::Encode;
use serde_json::json;

fn claim(
    from: u64,
    nonce: u64,
    content: &Hash,
    image: u64,
    minhash: Vec<u32>,
) -> SignedTransaction {
    let msg = ContentMsg::RegisterClaim(ClaimSpec {
        content: *content,
        kind: ClaimKind::HumanMade {
            source: HumanSource::DigitalCapture,
        },
        credential: sha256(&[b"manifest", &from.to_be_bytes()]),
        credential_format: CredentialFormat::C2paEmbedded,
        fingerprints: Fingerprints {
            image: Some(image),
            simhash: None,
            minhash,
        },
    });
    Transaction::new(
        crate::test_backend::CHAIN_ID,
        key(from).address(),
        nonce,
        1_000_000,
        1,
        Content::ID,
        msg.encode().to_vec(),
    )
    .expect("valid")
    .sign(&key(from))
}

#[tokio::test]
async fn claims_are_served_first_claimant_first_with_proofs() {
    let harness = harness().await;
    let photo = sha256(&[b"photo"]);
    harness.commit(&[claim(1, 0, &photo, 0xff00, vec![])]).await;
    harness.commit(&[claim(2, 0, &photo, 0xff00, vec![])]).await;

    let (status, body) = harness
        .get(&format!("/v1/content/{photo}?proofs=true"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: ContentClaimsAnswer = serde_json::from_value(body).expect("shape");
    assert_eq!(answer.total, 2);
    assert_eq!(answer.claims[0].claimant, key(1).address());
    assert_eq!(answer.claims[1].claimant, key(2).address());
    assert!(answer.claims[0].height < answer.claims[1].height);
    assert_eq!(answer.claims[0].source_type, "digitalCapture");
    assert_eq!(answer.claims[0].fingerprints.image, Some(0xff00));
    let proofs = answer.proofs.expect("asked for");
    assert_eq!(proofs[0].key, claim_count_key(&photo));
    assert_eq!(proofs.len(), 3);

    // Nobody claimed this: an answer, not an error.
    let (status, body) = harness
        .get(&format!("/v1/content/{}", sha256(&[b"nothing"])))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 0);

    assert_error(
        &harness.get("/v1/content/XYZ").await,
        StatusCode::BAD_REQUEST,
        "BAD_HEX",
    );
}

#[tokio::test]
async fn similar_finds_near_fingerprints_and_refuses_bad_queries() {
    let harness = harness().await;
    let near = sha256(&[b"near"]);
    let far = sha256(&[b"far"]);
    let signature: Vec<u32> = (0..16).collect();
    harness
        .commit(&[
            claim(1, 0, &near, 0x0f0f_0000_0000_0001, signature.clone()),
            claim(1, 1, &far, !0x0f0f_0000_0000_0001, vec![]),
        ])
        .await;

    let (status, body) = harness
        .post_json(
            "/v1/content/similar",
            &json!({"image": "0f0f000000000003", "minhash": signature}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: SimilarAnswer = serde_json::from_value(body).expect("shape");
    assert_eq!(answer.indexed, 2);
    assert_eq!(answer.matches.len(), 2);
    assert_eq!(answer.matches[0].by, "image");
    assert_eq!(answer.matches[0].distance, Some(1));
    assert_eq!(answer.matches[0].claim.content, near);
    assert_eq!(answer.matches[1].by, "minhash");
    assert_eq!(answer.matches[1].similarity, Some(1.0));

    for (body, code) in [
        (json!({}), "BAD_QUERY"),
        (json!({"image": "0f0f"}), "MALFORMED_JSON"),
        (json!({"image": "0F0F000000000003"}), "MALFORMED_JSON"),
        (
            json!({"image": "0f0f000000000003", "max_distance": 40}),
            "BAD_QUERY",
        ),
        (
            json!({"simhash": "0f0f000000000003", "min_similarity": 2.0}),
            "BAD_QUERY",
        ),
        (json!({"minhash": vec![1u32; 129]}), "BAD_QUERY"),
        (
            json!({"image": "0f0f000000000003", "colour": "red"}),
            "MALFORMED_JSON",
        ),
    ] {
        let answer = harness.post_json("/v1/content/similar", &body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, code);
    }
}
