//! Signed checkpoints and receipts: what is written parses back, verifies with the log's key,
//! and reads the same in the reference parsers (`signed_note`, `tlog_tiles`).

use std::sync::Arc;

use ailedger_tlog::{
    Checkpoint, ConsistencyProof, InclusionProof, LogVerifier, MemoryTree, Receipt,
    SignedCheckpoint, leaf_hash,
};

use crate::support::{ORIGIN, entry, key};

fn tree(n: u64) -> MemoryTree {
    MemoryTree::from_leaves((0..n).map(|i| leaf_hash(&entry(i))))
}

fn signed(tree: &MemoryTree) -> SignedCheckpoint {
    let checkpoint = Checkpoint::new(ORIGIN, tree.size(), tree.root()).unwrap();
    SignedCheckpoint::sign(checkpoint, &key()).unwrap()
}

#[test]
fn signed_checkpoint_opens_with_the_log_key_and_in_the_reference_crates() {
    let tree = tree(13);
    let signed = signed(&tree);
    let opened = SignedCheckpoint::open(signed.as_bytes(), &key().verifier()).unwrap();
    assert_eq!(opened.checkpoint().size(), 13);
    assert_eq!(opened.checkpoint().root(), &tree.root());

    let note = signed_note::Note::from_bytes(signed.as_bytes()).unwrap();
    let verifier = signed_note::StandardVerifier::new(&key().verifier_key()).unwrap();
    note.verify(&signed_note::VerifierList::new(vec![Box::new(verifier)]))
        .unwrap();
    let reference = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
    assert_eq!(reference.origin(), ORIGIN);
    assert_eq!(reference.size(), 13);
    assert_eq!(reference.hash().0, tree.root().0);
}

#[test]
fn checkpoint_text_is_the_c2sp_layout() {
    let signed = signed(&tree(3));
    let text = String::from_utf8(signed.as_bytes().to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], ORIGIN);
    assert_eq!(lines[1], "3");
    assert_eq!(lines[2], tree(3).root().to_base64());
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with(&format!("\u{2014} {ORIGIN} ")));
    assert_eq!(lines.len(), 5);
}

#[test]
fn extension_lines_are_signed_and_kept() {
    let checkpoint = Checkpoint::new(ORIGIN, 0, MemoryTree::new().root())
        .unwrap()
        .with_extension("anchored-at 1234")
        .unwrap();
    let signed = SignedCheckpoint::sign(checkpoint.clone(), &key()).unwrap();
    let opened = SignedCheckpoint::open(signed.as_bytes(), &key().verifier()).unwrap();
    assert_eq!(opened.checkpoint(), &checkpoint);
}

#[test]
fn receipt_round_trips_as_tlog_proof_text() {
    let tree = tree(21);
    let checkpoint = Arc::new(signed(&tree));
    for index in [0, 7, 20] {
        let proof = InclusionProof::generate(&tree, index, 21).unwrap();
        let receipt = Receipt::new(proof, checkpoint.clone())
            .unwrap()
            .with_extra(format!("entry-id-{index}").into_bytes());
        let text = receipt.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
        assert!(text.contains(&format!("\nindex {index}\n")));
        let parsed = Receipt::parse(text.as_bytes(), &key().verifier()).unwrap();
        assert_eq!(parsed, receipt);
        assert_eq!(parsed.extra(), Some(format!("entry-id-{index}").as_bytes()));
        parsed.verify(&entry(index), &key().verifier()).unwrap();
    }
}

#[test]
fn receipt_without_extra_has_no_extra_line() {
    let tree = tree(1);
    let proof = InclusionProof::generate(&tree, 0, 1).unwrap();
    let receipt = Receipt::new(proof, Arc::new(signed(&tree))).unwrap();
    let text = receipt.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\n"));
    Receipt::parse(text.as_bytes(), &key().verifier())
        .unwrap()
        .verify(&entry(0), &key().verifier())
        .unwrap();
}

#[test]
fn consistency_between_signed_checkpoints_verifies() {
    let big = tree(40);
    let old = signed(&tree(17));
    let new = signed(&big);
    let proof = ConsistencyProof::generate(&big, 17, 40).unwrap();
    old.verify_consistency(&new, &proof, &key().verifier())
        .unwrap();
}

#[test]
fn verifier_with_explicit_origin_accepts_key_named_otherwise() {
    let key = ailedger_tlog::LogKey::from_seed("log-key", [9; 32]).unwrap();
    let checkpoint = Checkpoint::new("example.org/log", 1, leaf_hash(b"x")).unwrap();
    let signed = SignedCheckpoint::sign(checkpoint, &key).unwrap();
    let verifier = LogVerifier::with_origin(&key.verifier_key(), "example.org/log").unwrap();
    SignedCheckpoint::open(signed.as_bytes(), &verifier).unwrap();
}
