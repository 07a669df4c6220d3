//! Bad input gets an error that names what is wrong: a receipt for another log, altered or
//! truncated proofs, a checkpoint with a bad signature or by the wrong key, malformed text.

use std::sync::Arc;

use ailedger_tlog::{
    Checkpoint, ConsistencyProof, FormatError, InclusionProof, LogKey, MemoryTree, ProofError,
    Receipt, SignedCheckpoint, VerifyError, leaf_hash,
};

use crate::support::{ORIGIN, entry, key, other_key};

fn tree(n: u64) -> MemoryTree {
    MemoryTree::from_leaves((0..n).map(|i| leaf_hash(&entry(i))))
}

fn receipt_text(n: u64, index: u64, signer: &LogKey, origin: &str) -> String {
    let tree = tree(n);
    let checkpoint = Checkpoint::new(origin, n, tree.root()).unwrap();
    let signed = SignedCheckpoint::sign(checkpoint, signer).unwrap();
    let proof = InclusionProof::generate(&tree, index, n).unwrap();
    Receipt::new(proof, Arc::new(signed)).unwrap().to_text()
}

/// Parses and verifies a receipt for `entry(index)` with the test log's key.
fn check(text: &str, index: u64) -> Result<(), VerifyError> {
    Receipt::parse(text.as_bytes(), &key().verifier())?.verify(&entry(index), &key().verifier())
}

#[test]
fn receipt_for_another_log_is_an_origin_mismatch() {
    let other_log = LogKey::from_seed("other.example/log", [0x42; 32]).unwrap();
    let text = receipt_text(10, 3, &other_log, "other.example/log");
    let error = check(&text, 3).unwrap_err();
    assert!(
        matches!(&error, VerifyError::NotSignedByKey { signers, .. } if signers[0].starts_with("other.example/log+")),
        "{error}"
    );

    // Same key, but a checkpoint for another origin: signed, yet not this log's.
    let text = receipt_text(10, 3, &key(), "other.example/log");
    assert_eq!(
        check(&text, 3).unwrap_err(),
        VerifyError::OriginMismatch {
            expected: ORIGIN.to_owned(),
            found: "other.example/log".to_owned()
        }
    );
}

#[test]
fn checkpoint_signed_by_another_key_is_refused() {
    let text = receipt_text(10, 3, &other_key(), ORIGIN);
    let error = check(&text, 3).unwrap_err();
    assert!(
        matches!(error, VerifyError::NotSignedByKey { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&key().verifier().key_label()));
}

#[test]
fn altered_checkpoint_has_a_bad_signature() {
    let text = receipt_text(10, 3, &key(), ORIGIN);
    // Claim a larger tree: the signature no longer covers the text.
    let altered = text.replacen(
        &format!("\n{ORIGIN}\n10\n"),
        &format!("\n{ORIGIN}\n11\n"),
        1,
    );
    assert_ne!(altered, text);
    let error = check(&altered, 3).unwrap_err();
    assert_eq!(
        error,
        VerifyError::BadSignature {
            key: key().verifier().key_label()
        }
    );
}

#[test]
fn altered_record_index_or_proof_hash_fails_inclusion() {
    let text = receipt_text(10, 3, &key(), ORIGIN);
    check(&text, 3).unwrap();
    // Another record.
    let parsed = Receipt::parse(text.as_bytes(), &key().verifier()).unwrap();
    assert!(matches!(
        parsed.verify(b"another record", &key().verifier()),
        Err(VerifyError::Proof(ProofError::RootMismatch { .. }))
    ));
    // Another index.
    let moved = text.replacen("\nindex 3\n", "\nindex 2\n", 1);
    assert!(matches!(
        check(&moved, 2),
        Err(VerifyError::Proof(ProofError::RootMismatch { .. }))
    ));
    // An index outside the tree.
    let outside = text.replacen("\nindex 3\n", "\nindex 10\n", 1);
    assert!(matches!(
        Receipt::parse(outside.as_bytes(), &key().verifier()),
        Err(VerifyError::Proof(ProofError::IndexOutOfRange {
            index: 10,
            size: 10
        }))
    ));
    // A proof hash replaced.
    let first_hash = text.lines().nth(2).unwrap().to_owned();
    let replaced = text.replacen(&first_hash, &leaf_hash(b"x").to_base64(), 1);
    assert!(matches!(
        check(&replaced, 3),
        Err(VerifyError::Proof(ProofError::RootMismatch { .. }))
    ));
}

#[test]
fn truncated_proof_names_the_missing_hashes() {
    let text = receipt_text(10, 3, &key(), ORIGIN);
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines.remove(3);
    let truncated = lines.join("\n");
    assert_eq!(
        Receipt::parse(truncated.as_bytes(), &key().verifier()).unwrap_err(),
        VerifyError::Proof(ProofError::PathLength {
            expected: 4,
            actual: 3
        })
    );
    // Cut off in the middle of the checkpoint.
    let cut = &text[..text.len() - 30];
    assert!(Receipt::parse(cut.as_bytes(), &key().verifier()).is_err());
    // Cut off before the checkpoint.
    let cut = &text[..text.find("\n\n").unwrap() + 1];
    assert_eq!(
        Receipt::parse(cut.as_bytes(), &key().verifier()).unwrap_err(),
        VerifyError::Format(FormatError::MissingCheckpoint)
    );
}

#[test]
fn malformed_receipts_name_the_bad_line() {
    let text = receipt_text(10, 3, &key(), ORIGIN);
    type Expectation = fn(&FormatError) -> bool;
    let cases: Vec<(String, Expectation)> = vec![
        (
            text.replacen("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2", 1),
            |e| matches!(e, FormatError::BadProofHeader { .. }),
        ),
        (text.replacen("index 3", "index 03", 1), |e| {
            matches!(e, FormatError::BadIndex { .. })
        }),
        (text.replacen("index 3", "index -3", 1), |e| {
            matches!(e, FormatError::BadIndex { .. })
        }),
        (text.replacen("index 3\n", "extra !!!\nindex 3\n", 1), |e| {
            matches!(e, FormatError::BadExtra)
        }),
        (
            {
                let hash = text.lines().nth(2).unwrap().to_owned();
                text.replacen(&hash, &hash[..40], 1)
            },
            |e| matches!(e, FormatError::BadProofHash { line: 3, .. }),
        ),
        (text.replace('\u{2014}', "-"), |e| {
            matches!(e, FormatError::BadSignatureLine { line: 1, .. })
        }),
        (format!("{text}\u{7}"), |e| {
            matches!(e, FormatError::ControlCharacter { byte: 7, .. })
        }),
    ];
    for (input, expected) in cases {
        match Receipt::parse(input.as_bytes(), &key().verifier()) {
            Err(VerifyError::Format(error)) => assert!(expected(&error), "{error}"),
            other => panic!("expected a format error, got {other:?} for {input}"),
        }
    }
}

#[test]
fn malformed_checkpoints_name_the_bad_line() {
    let root = leaf_hash(b"r").to_base64();
    let cases: Vec<(String, FormatError)> = vec![
        (format!("\n1\n{root}\n"), FormatError::EmptyOrigin),
        (
            format!("o\n01\n{root}\n"),
            FormatError::BadTreeSize { found: "01".into() },
        ),
        (
            format!("o\n1\n{}\n", &root[..43]),
            FormatError::BadRootHash {
                found: root[..43].into(),
            },
        ),
        (
            "o\n1\n".to_owned(),
            FormatError::TruncatedCheckpoint { found: 2 },
        ),
        (
            format!("o\n1\n{root}\next\n\n"),
            FormatError::EmptyExtensionLine { line: 5 },
        ),
        (
            format!("o\n1\n{root}"),
            FormatError::MissingFinalNewline { what: "checkpoint" },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Checkpoint::parse(&text).unwrap_err(), expected, "{text:?}");
        assert!(tlog_tiles::Checkpoint::from_bytes(text.as_bytes()).is_err());
    }
}

#[test]
fn consistency_proof_for_other_sizes_or_a_fork_fails() {
    let big = tree(40);
    let sign = |tree: &MemoryTree| {
        SignedCheckpoint::sign(
            Checkpoint::new(ORIGIN, tree.size(), tree.root()).unwrap(),
            &key(),
        )
        .unwrap()
    };
    let old = sign(&tree(17));
    let new = sign(&big);
    let verifier = key().verifier();
    let wrong_sizes = ConsistencyProof::generate(&big, 16, 40).unwrap();
    assert!(matches!(
        old.verify_consistency(&new, &wrong_sizes, &verifier),
        Err(VerifyError::Proof(ProofError::SizesDiffer { .. }))
    ));
    let fork =
        MemoryTree::from_leaves((0..17).map(|i| leaf_hash(format!("forked-{i}").as_bytes())));
    let forked_old = sign(&fork);
    let proof = ConsistencyProof::generate(&big, 17, 40).unwrap();
    assert!(matches!(
        forked_old.verify_consistency(&new, &proof, &verifier),
        Err(VerifyError::Proof(ProofError::OldRootMismatch { .. }))
    ));
    let backwards = ConsistencyProof {
        old_size: 40,
        new_size: 17,
        path: vec![],
    };
    assert_eq!(
        backwards.verify(&big.root(), &tree(17).root()),
        Err(ProofError::SizesOutOfOrder {
            old_size: 40,
            new_size: 17
        })
    );
}

#[test]
fn malformed_keys_are_refused() {
    assert!(LogKey::from_seed("has space", [0; 32]).is_err());
    assert!(LogKey::from_seed("has+plus", [0; 32]).is_err());
    assert!(LogKey::from_seed("", [0; 32]).is_err());
    let vkey = key().verifier_key();
    let (name, rest) = vkey.split_once('+').unwrap();
    let (_, data) = rest.split_once('+').unwrap();
    let wrong_id = format!("{name}+00000000+{data}");
    assert!(matches!(
        ailedger_tlog::LogVerifier::new(&wrong_id),
        Err(FormatError::BadKey {
            reason: "key id does not match the key",
            ..
        })
    ));
    assert!(ailedger_tlog::LogVerifier::new("not a key").is_err());
    let skey = key().to_signer_key();
    assert!(LogKey::from_signer_key(&skey.replacen("PRIVATE", "PUBLIC", 1)).is_err());
}
