//! Parsers never panic, on arbitrary bytes and on valid texts with random edits, and agree
//! with the reference parsers (`signed_note`, `tlog_tiles`) on what is valid.

use std::sync::Arc;

use ailedger_tlog::tiles::parse_bundle;
use ailedger_tlog::{
    Checkpoint, InclusionProof, LogVerifier, MemoryTree, Receipt, SignedCheckpoint, TileId,
    leaf_hash,
};
use proptest::prelude::*;

use crate::support::{ORIGIN, entry, key};

fn valid_receipt() -> String {
    let tree = MemoryTree::from_leaves((0..9).map(|i| leaf_hash(&entry(i))));
    let checkpoint = Checkpoint::new(ORIGIN, 9, tree.root()).unwrap();
    let signed = SignedCheckpoint::sign(checkpoint, &key()).unwrap();
    let proof = InclusionProof::generate(&tree, 5, 9).unwrap();
    Receipt::new(proof, Arc::new(signed))
        .unwrap()
        .with_extra(b"extra".to_vec())
        .to_text()
}

/// Every parser on `bytes`; none may panic. Returns nothing: the point is reaching the end.
fn parse_everything(bytes: &[u8], verifier: &LogVerifier) {
    let _ = Receipt::parse(bytes, verifier);
    let _ = Receipt::parse_unverified(bytes);
    let _ = SignedCheckpoint::parse_unverified(bytes);
    let _ = SignedCheckpoint::open(bytes, verifier);
    let _ = parse_bundle(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = Checkpoint::parse(text);
        let _ = LogVerifier::new(text);
        let _ = ailedger_tlog::LogKey::from_signer_key(text);
        let _ = TileId::parse_path(text);
    }
}

/// Applies `edits` (position, new byte; or a cut) to `text`.
fn mutate(text: &[u8], edits: &[(usize, u8, bool)]) -> Vec<u8> {
    let mut bytes = text.to_vec();
    for &(position, byte, cut) in edits {
        if bytes.is_empty() {
            break;
        }
        let position = position % bytes.len();
        if cut {
            bytes.truncate(position);
        } else {
            bytes[position] = byte;
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        parse_everything(&bytes, &key().verifier());
    }

    #[test]
    fn edited_receipts_never_panic_and_never_verify_changed(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), proptest::bool::weighted(0.1)), 1..4)
    ) {
        let text = valid_receipt();
        let edited = mutate(text.as_bytes(), &edits);
        parse_everything(&edited, &key().verifier());
        // An edit that still verifies for entry 5 must not have touched what the signature and
        // proof cover; edits to the unauthenticated extra line are allowed to survive.
        if let Ok(receipt) = Receipt::parse(&edited, &key().verifier())
            && receipt.verify(&entry(5), &key().verifier()).is_ok()
        {
            prop_assert_eq!(receipt.index(), 5);
            let original = Receipt::parse(text.as_bytes(), &key().verifier()).unwrap();
            prop_assert_eq!(receipt.checkpoint().as_bytes(), original.checkpoint().as_bytes());
        }
    }

    #[test]
    fn checkpoint_parser_agrees_with_tlog_tiles(
        lines in proptest::collection::vec(
            prop_oneof![
                Just(ORIGIN.to_owned()),
                Just(String::new()),
                "[0-9]{1,21}",
                Just(leaf_hash(b"r").to_base64()),
                "[A-Za-z0-9+/=]{40,46}",
                "[ -~]{0,12}",
            ],
            0..6,
        ),
        final_newline in any::<bool>(),
    ) {
        let mut text = lines.join("\n");
        if final_newline {
            text.push('\n');
        }
        let ours = Checkpoint::parse(&text);
        let theirs = tlog_tiles::Checkpoint::from_bytes(text.as_bytes());
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}", text, ours);
        if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
            prop_assert_eq!(ours.size(), theirs.size());
            prop_assert_eq!(ours.to_text().into_bytes(), theirs.to_bytes());
        }
    }

    #[test]
    fn note_structure_check_agrees_with_signed_note(
        edits in proptest::collection::vec((any::<usize>(), prop_oneof![Just(b'\n'), Just(b' '), Just(b'+'), any::<u8>()], proptest::bool::weighted(0.1)), 1..3)
    ) {
        let note = SignedCheckpoint::sign(
            Checkpoint::new(ORIGIN, 3, leaf_hash(b"r")).unwrap(),
            &key(),
        )
        .unwrap();
        let edited = mutate(note.as_bytes(), &edits);
        let ours = SignedCheckpoint::parse_unverified(&edited).map(|_| ());
        let theirs = signed_note::Note::from_bytes(&edited)
            .ok()
            .and_then(|note| tlog_tiles::Checkpoint::from_bytes(note.text()).ok());
        prop_assert_eq!(ours.is_ok(), theirs.is_some(), "{:?}", ours);
    }
}
