//! The content module on an in-memory chain with the real executor.

use super::{
    Claim, ClaimKind, ClaimSpec, Content, ContentMsg, CredentialFormat, Fingerprints, Generation,
    HumanSource, MAX_CLAIMS_PER_CONTENT, MAX_MINHASH_LEN, ReceiptRef, claim_gas, query,
};
use crate::test_chain::TestChain;
use crate::{
    BlockOutput, Module, TxError, bank,
    executor::CheckError,
    head_key,
    logs::{Logs, LogsMsg},
    provenance::{Provenance, ProvenanceMsg, version_id},
    query::{StateAnswer, StateQuery, run},
};
use ailedger_core::{Hash, Outcome, Receipt, SecretKey, ZERO_HASH, sha256};
use commonware_codec::{Encode, EncodeSize};
use futures::executor::block_on;
use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};

const GAS_LIMIT: u64 = 10_000_000;
const ORIGIN: &str = "ledger.example/inference";

fn key(i: u64) -> SecretKey {
    SecretKey::from_seed(900 + i)
}

fn human(content: &[u8], source: HumanSource) -> ClaimSpec {
    ClaimSpec {
        content: sha256(&[content]),
        kind: ClaimKind::HumanMade { source },
        credential: sha256(&[b"manifest", content]),
        credential_format: CredentialFormat::C2paEmbedded,
        fingerprints: Fingerprints {
            image: Some(0x0123_4567_89ab_cdef),
            simhash: None,
            minhash: Vec::new(),
        },
    }
}

fn generated(content: &[u8], version: Hash, receipt: Option<ReceiptRef>) -> ClaimSpec {
    ClaimSpec {
        content: sha256(&[content]),
        kind: ClaimKind::AiGenerated {
            model_version: version,
            generation: Generation::Created,
            receipt,
        },
        credential: sha256(&[b"credential", content]),
        credential_format: CredentialFormat::Detached,
        fingerprints: Fingerprints {
            image: None,
            simhash: Some(0xfeed_beef_0000_0001),
            minhash: (0..64).collect(),
        },
    }
}

fn receipt() -> ReceiptRef {
    ReceiptRef {
        digest: sha256(&[b"tlog-proof"]),
        log_origin: ORIGIN.into(),
    }
}

/// The shared test chain, with this module's messages.
struct Chain(TestChain);

impl Deref for Chain {
    type Target = TestChain;
    fn deref(&self) -> &TestChain {
        &self.0
    }
}

impl DerefMut for Chain {
    fn deref_mut(&mut self) -> &mut TestChain {
        &mut self.0
    }
}

impl Chain {
    fn new() -> Self {
        Self(TestChain::new(key, GAS_LIMIT))
    }

    fn send(&mut self, from: u64, spec: &ClaimSpec) -> (Receipt, BlockOutput) {
        let msg = ContentMsg::RegisterClaim(spec.clone());
        self.0.send(from, Content::ID, msg.encode().to_vec())
    }

    fn ok(&mut self, from: u64, spec: &ClaimSpec) -> Receipt {
        let msg = ContentMsg::RegisterClaim(spec.clone());
        self.succeed(from, Content::ID, msg.encode().to_vec())
    }

    /// A failure that writes nothing but the fee and records nothing; returns its code.
    fn refused(&mut self, from: u64, spec: &ClaimSpec) -> String {
        let total_before = block_on(query::total(&self.store)).expect("read").value;
        let (receipt, output) = self.send(from, spec);
        let Outcome::Failed { code, .. } = &receipt.outcome else {
            panic!("expected a failure, got {receipt:?}");
        };
        assert!(receipt.events.is_empty());
        let allowed: BTreeSet<_> = [
            bank::query::account_key(&key(from).address()),
            bank::query::account_key(&key(99).address()),
            head_key(),
        ]
        .into();
        let written: BTreeSet<_> = output.writes.iter().map(|(k, _)| *k).collect();
        assert!(written.is_subset(&allowed), "{code}: {written:?}");
        assert!(receipt.fee > 0);
        let total_after = block_on(query::total(&self.store)).expect("read").value;
        assert_eq!(total_before, total_after);
        code.clone()
    }

    fn check(&self, from: u64, payload: Vec<u8>) -> Result<(), CheckError> {
        self.0.check(from, Content::ID, payload)
    }

    fn register_log(&mut self) {
        let msg = LogsMsg::RegisterLog {
            origin: ORIGIN.into(),
            public_key: key(7).address().as_bytes().try_into().expect("32 bytes"),
        };
        self.succeed(3, Logs::ID, msg.encode().to_vec());
    }

    fn claims(&self, content: &Hash) -> Vec<Claim> {
        block_on(query::claims(&self.store, content, 0, 100))
            .expect("read")
            .value
            .claims
    }
}

fn invalid(result: Result<(), CheckError>) -> String {
    match result {
        Err(CheckError::Tx(TxError::InvalidMessage { module, reason })) => {
            assert_eq!(module, "content");
            reason
        }
        other => panic!("expected an invalid message, got {other:?}"),
    }
}

#[test]
fn messages_round_trip_and_refuse_trailing_bytes() {
    for spec in [
        human(b"photo", HumanSource::DigitalCapture),
        generated(b"text", sha256(&[b"v"]), Some(receipt())),
        generated(b"text", sha256(&[b"v"]), None),
    ] {
        let msg = ContentMsg::RegisterClaim(spec);
        let bytes = msg.encode();
        assert_eq!(bytes.len(), msg.encode_size());
        assert_eq!(Content::decode(&bytes).expect("decodes"), msg);
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(Content::decode(&longer).is_err());
        assert!(Content::decode(&bytes[..bytes.len() - 1]).is_err());
    }
    assert!(Content::decode(&[]).is_err());
    assert!(Content::decode(&[7, 0]).is_err());
}

#[test]
fn malformed_messages_are_refused_before_a_block() {
    let chain = Chain::new();
    let msg = ContentMsg::RegisterClaim(human(b"photo", HumanSource::HumanEdits));
    let bytes = msg.encode().to_vec();
    // An unknown human source tag (byte 1 + 32 digest + kind tag 0 + source tag).
    let mut bad_source = bytes.clone();
    bad_source[1 + 32 + 1] = 9;
    // An option flag that is neither 0 nor 1 (the image fingerprint's, after the credential).
    let mut bad_flag = bytes.clone();
    bad_flag[1 + 32 + 2 + 32 + 1] = 2;
    for payload in [bad_source, bad_flag, vec![0], bytes[..40].to_vec()] {
        match chain.check(0, payload) {
            Err(CheckError::Tx(TxError::MalformedMessage { module, .. })) => {
                assert_eq!(module, "content");
            }
            other => panic!("expected a malformed message, got {other:?}"),
        }
    }
}

#[test]
fn stateless_checks_have_their_own_codes() {
    let chain = Chain::new();
    let mut oversized = generated(b"text", sha256(&[b"v"]), None);
    oversized.fingerprints.minhash = vec![1; MAX_MINHASH_LEN + 1];
    let reason = invalid(chain.check(0, ContentMsg::RegisterClaim(oversized).encode().to_vec()));
    assert!(reason.starts_with("FINGERPRINT_TOO_LARGE"), "{reason}");

    let mut zero = human(b"photo", HumanSource::DigitalCapture);
    zero.content = ZERO_HASH;
    let reason = invalid(chain.check(0, ContentMsg::RegisterClaim(zero).encode().to_vec()));
    assert!(reason.starts_with("ZERO_DIGEST"), "{reason}");

    let bad_origin = generated(
        b"text",
        sha256(&[b"v"]),
        Some(ReceiptRef {
            digest: sha256(&[b"r"]),
            log_origin: "has space".into(),
        }),
    );
    let reason = invalid(chain.check(0, ContentMsg::RegisterClaim(bad_origin).encode().to_vec()));
    assert!(reason.starts_with("INVALID_ORIGIN"), "{reason}");

    // A signature of exactly the bound is fine.
    let mut full = generated(b"text", sha256(&[b"v"]), None);
    full.fingerprints.minhash = vec![1; MAX_MINHASH_LEN];
    assert!(
        chain
            .check(0, ContentMsg::RegisterClaim(full).encode().to_vec())
            .is_ok()
    );
}

#[test]
fn a_human_claim_records_claimant_height_and_time() {
    let mut chain = Chain::new();
    let spec = human(b"photo", HumanSource::DigitalCapture);
    let receipt = chain.ok(2, &spec);
    assert_eq!(receipt.events[0].kind, "claim_registered");
    let claims = chain.claims(&spec.content);
    assert_eq!(claims.len(), 1);
    let claim = &claims[0];
    assert_eq!(claim.index, 0);
    assert_eq!(claim.seq, 0);
    assert_eq!(claim.claimant, key(2).address());
    assert_eq!(claim.height, chain.height);
    assert_eq!(claim.time_ms, chain.ctx(chain.height).timestamp_ms);
    assert_eq!(claim.kind, spec.kind);
    assert_eq!(claim.fingerprints, spec.fingerprints);
    assert_eq!(claim.credential, spec.credential);
    let by_seq = block_on(query::claim_by_seq(&chain.store, 0))
        .expect("read")
        .value;
    assert_eq!(by_seq.as_ref(), Some(claim));
    assert!(
        block_on(query::claim_by_seq(&chain.store, 1))
            .expect("read")
            .value
            .is_none()
    );
}

#[test]
fn a_later_claim_by_someone_else_is_recorded_as_later() {
    let mut chain = Chain::new();
    let first = human(b"photo", HumanSource::DigitalCapture);
    chain.ok(2, &first);
    let first_height = chain.height;
    // Someone else claims the same bytes with another credential.
    let mut second = human(b"photo", HumanSource::HumanEdits);
    second.credential = sha256(&[b"their manifest"]);
    second.credential_format = CredentialFormat::C2paSidecar;
    chain.ok(3, &second);
    // The first claimant cannot claim it again.
    assert_eq!(chain.refused(2, &first), "ALREADY_CLAIMED");

    let claims = chain.claims(&first.content);
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[0].claimant, key(2).address());
    assert_eq!(claims[0].height, first_height);
    assert_eq!(claims[1].claimant, key(3).address());
    assert_eq!(claims[1].index, 1);
    assert!(claims[1].height > claims[0].height);
    assert!(claims[1].time_ms > claims[0].time_ms);
    assert_eq!(claims[1].seq, 1);

    // Paging and the total.
    let page = block_on(query::claims(&chain.store, &first.content, 1, 5))
        .expect("read")
        .value;
    assert_eq!(page.total, 2);
    assert_eq!(page.claims, claims[1..]);
    let nobody = block_on(query::claims(&chain.store, &sha256(&[b"nothing"]), 0, 5))
        .expect("read")
        .value;
    assert_eq!(nobody.total, 0);
    assert!(nobody.claims.is_empty());
}

#[test]
fn claims_within_one_block_keep_block_order() {
    let mut chain = Chain::new();
    let spec = human(b"photo", HumanSource::DigitalArt);
    let a = ContentMsg::RegisterClaim(spec.clone()).encode().to_vec();
    let txs = [
        chain.tx(4, Content::ID, a.clone()),
        chain.tx(5, Content::ID, a),
    ];
    let output = chain.execute(&txs);
    assert!(
        output
            .receipts
            .iter()
            .all(|r| r.outcome == Outcome::Success)
    );
    let claims = chain.claims(&spec.content);
    assert_eq!(claims[0].claimant, key(4).address());
    assert_eq!(claims[1].claimant, key(5).address());
    assert_eq!(claims[0].height, claims[1].height);
}

#[test]
fn ai_claims_need_a_registered_unrevoked_version_and_log() {
    let mut chain = Chain::new();
    let unknown = generated(b"text", version_id("acme/gen", "v9"), None);
    assert_eq!(chain.refused(2, &unknown), "VERSION_NOT_FOUND");

    let version = chain.version("acme/gen", "v1");
    let with_receipt = generated(b"text", version, Some(receipt()));
    assert_eq!(chain.refused(2, &with_receipt), "LOG_NOT_FOUND");
    chain.register_log();
    chain.ok(2, &with_receipt);
    let claims = chain.claims(&with_receipt.content);
    assert_eq!(claims[0].kind, with_receipt.kind);

    // Deprecated: still accepted. Revoked: refused.
    let deprecate = ProvenanceMsg::DeprecateVersion {
        id: version,
        reason: "superseded".into(),
    };
    chain.succeed(1, Provenance::ID, deprecate.encode().to_vec());
    chain.ok(2, &generated(b"second text", version, None));
    let revoke = ProvenanceMsg::RevokeVersion {
        id: version,
        reason: "poisoned".into(),
    };
    chain.succeed(1, Provenance::ID, revoke.encode().to_vec());
    assert_eq!(
        chain.refused(2, &generated(b"third text", version, None)),
        "VERSION_REVOKED"
    );
}

#[test]
fn claims_per_content_are_bounded() {
    let mut chain = Chain::new();
    let spec = human(b"contested", HumanSource::HumanEdits);
    // Filling the list takes one account per claim; setting the count in the store reaches
    // the bound directly.
    chain.ok(2, &spec);
    let count_key = query::claim_count_key(&spec.content);
    chain.store.apply(vec![(
        count_key,
        Some(MAX_CLAIMS_PER_CONTENT.encode().to_vec()),
    )]);
    assert_eq!(chain.refused(3, &spec), "TOO_MANY_CLAIMS");
}

#[test]
fn gas_grows_with_the_claim_size() {
    let mut chain = Chain::new();
    let small = human(b"a", HumanSource::DigitalCapture);
    let version = chain.version("acme/gen", "v1");
    let mut large = generated(b"b", version, None);
    large.fingerprints.minhash = vec![7; MAX_MINHASH_LEN];
    assert!(claim_gas(&large) > claim_gas(&small));
    let small_gas = chain.ok(2, &small).gas_used;
    let large_gas = chain.ok(2, &large).gas_used;
    assert!(large_gas > small_gas, "{large_gas} <= {small_gas}");
}

#[test]
fn claims_answer_through_the_state_query() {
    let mut chain = Chain::new();
    let spec = human(b"photo", HumanSource::DigitalCapture);
    chain.ok(2, &spec);
    let (answer, keys) = block_on(run(
        &chain.store,
        &StateQuery::ContentClaims {
            content: spec.content,
            offset: 0,
            limit: 10,
        },
    ))
    .expect("answers");
    let StateAnswer::ContentClaims(claims) = answer else {
        panic!("wrong answer");
    };
    assert_eq!(claims.total, 1);
    assert_eq!(
        keys,
        vec![
            query::claim_count_key(&spec.content),
            query::claim_key(&spec.content, 0)
        ]
    );
}

#[test]
fn execution_is_deterministic() {
    let run_once = || {
        let mut chain = Chain::new();
        let version = chain.version("acme/gen", "v1");
        chain.ok(2, &human(b"photo", HumanSource::DigitalCapture));
        chain.ok(3, &human(b"photo", HumanSource::HumanEdits));
        chain.ok(2, &generated(b"text", version, None));
        let mut all = Vec::new();
        for seq in 0..3 {
            all.push(
                block_on(query::claim_by_seq(&chain.store, seq))
                    .expect("read")
                    .value
                    .expect("claimed")
                    .encode()
                    .to_vec(),
            );
        }
        all
    };
    assert_eq!(run_once(), run_once());
}
