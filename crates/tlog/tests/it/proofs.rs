//! Hashing and proofs against a second implementation: `tlog_tiles` (Go's `x/mod/sumdb/tlog`
//! ported to Rust), on random trees, in both directions: its proofs must verify with our code
//! and ours with its code, byte for byte equal, and altered proofs must fail in both.

use ailedger_tlog::merkle::tree_root;
use ailedger_tlog::proof::{consistency_path_len, inclusion_path_len};
use ailedger_tlog::{
    ConsistencyProof, Frontier, Hash, InclusionProof, MemoryTree, ProofError, leaf_hash,
};
use proptest::prelude::*;

use crate::support::{ReferenceTree, from_reference, to_reference};

/// Both trees over `n` entries `entry-<i>`.
fn trees(n: u64) -> (MemoryTree, ReferenceTree) {
    let mut ours = MemoryTree::new();
    let mut reference = ReferenceTree::default();
    for i in 0..n {
        let entry = format!("entry-{i}");
        ours.push(leaf_hash(entry.as_bytes()));
        reference.push(entry.as_bytes());
    }
    (ours, reference)
}

/// Flips one bit of one hash of `path`, chosen by `pick`.
fn flip(path: &[Hash], pick: usize) -> Vec<Hash> {
    let mut path = path.to_vec();
    let position = pick % path.len();
    path[position].0[pick % 32] ^= 1 << (pick % 8);
    path
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn roots_match_the_reference(n in 0u64..600) {
        let (ours, reference) = trees(n);
        let mut frontier = Frontier::new();
        for i in 0..n {
            frontier.push(leaf_hash(format!("entry-{i}").as_bytes()));
        }
        prop_assert_eq!(ours.root(), reference.root(n));
        prop_assert_eq!(frontier.root(), reference.root(n));
    }

    #[test]
    fn inclusion_proofs_match_the_reference(n in 1u64..600, pick in any::<u64>(), bit in any::<usize>()) {
        let (ours, reference) = trees(n);
        let index = pick % n;
        let leaf = leaf_hash(format!("entry-{index}").as_bytes());
        let root = ours.root();

        let proof = InclusionProof::generate(&ours, index, n).unwrap();
        let theirs = tlog_tiles::prove_record(n, index, &reference).unwrap();
        prop_assert_eq!(&proof.path, &from_reference(&theirs));
        prop_assert_eq!(proof.path.len(), inclusion_path_len(index, n));
        proof.verify(&leaf, &root).unwrap();
        tlog_tiles::check_record(&to_reference(&proof.path), n, tlog_tiles::Hash(root.0), index, tlog_tiles::Hash(leaf.0)).unwrap();

        // Another entry, another index, an altered hash or a truncated path: both refuse.
        let other_leaf = leaf_hash(b"not in the log");
        prop_assert!(proof.verify(&other_leaf, &root).is_err());
        prop_assert!(tlog_tiles::check_record(&theirs, n, tlog_tiles::Hash(root.0), index, tlog_tiles::Hash(other_leaf.0)).is_err());
        if n > 1 {
            let moved = InclusionProof { index: (index + 1) % n, ..proof.clone() };
            prop_assert!(moved.verify(&leaf, &root).is_err());
            let altered = InclusionProof { path: flip(&proof.path, bit), ..proof.clone() };
            let rejected = matches!(altered.verify(&leaf, &root), Err(ProofError::RootMismatch { .. }));
            prop_assert!(rejected);
            prop_assert!(tlog_tiles::check_record(&to_reference(&altered.path), n, tlog_tiles::Hash(root.0), index, tlog_tiles::Hash(leaf.0)).is_err());
            let mut truncated = proof;
            truncated.path.pop();
            let rejected = matches!(truncated.verify(&leaf, &root), Err(ProofError::PathLength { .. }));
            prop_assert!(rejected);
            prop_assert!(tlog_tiles::check_record(&to_reference(&truncated.path), n, tlog_tiles::Hash(root.0), index, tlog_tiles::Hash(leaf.0)).is_err());
        }
    }

    #[test]
    fn consistency_proofs_match_the_reference(n in 1u64..600, pick in any::<u64>(), bit in any::<usize>()) {
        let (ours, reference) = trees(n);
        let old = 1 + pick % n;
        let old_root = tree_root(&ours, old).unwrap();
        let new_root = ours.root();

        let proof = ConsistencyProof::generate(&ours, old, n).unwrap();
        let theirs = tlog_tiles::prove_tree(n, old, &reference).unwrap();
        prop_assert_eq!(&proof.path, &from_reference(&theirs));
        prop_assert_eq!(proof.path.len(), consistency_path_len(old, n));
        proof.verify(&old_root, &new_root).unwrap();
        tlog_tiles::check_tree(&to_reference(&proof.path), n, tlog_tiles::Hash(new_root.0), old, tlog_tiles::Hash(old_root.0)).unwrap();

        if !proof.path.is_empty() {
            let altered = ConsistencyProof { path: flip(&proof.path, bit), ..proof.clone() };
            prop_assert!(altered.verify(&old_root, &new_root).is_err());
            prop_assert!(tlog_tiles::check_tree(&to_reference(&altered.path), n, tlog_tiles::Hash(new_root.0), old, tlog_tiles::Hash(old_root.0)).is_err());
            let mut truncated = proof.clone();
            truncated.path.pop();
            prop_assert!(truncated.verify(&old_root, &new_root).is_err());
        }
        if old < n {
            // A forked history: the old tree with one entry replaced is not a prefix.
            let forked = MemoryTree::from_leaves((0..old).map(|i| {
                if i + 1 == old { leaf_hash(b"rewritten") } else { leaf_hash(format!("entry-{i}").as_bytes()) }
            }));
            prop_assert!(proof.verify(&forked.root(), &new_root).is_err());
        }
    }
}

#[test]
fn empty_tree_root_is_sha256_of_nothing() {
    let reference = ReferenceTree::default();
    assert_eq!(MemoryTree::new().root(), reference.root(0));
}

#[test]
fn proofs_in_a_tree_of_ten_thousand_match_at_the_edges() {
    let (ours, reference) = trees(10_000);
    for (index, size) in [(0, 10_000), (9_999, 10_000), (4_095, 4_096), (4_096, 4_097)] {
        let proof = InclusionProof::generate(&ours, index, size).unwrap();
        let theirs = tlog_tiles::prove_record(size, index, &reference).unwrap();
        assert_eq!(proof.path, from_reference(&theirs));
    }
    for (old, new) in [
        (1, 10_000),
        (4_096, 10_000),
        (9_999, 10_000),
        (10_000, 10_000),
    ] {
        let proof = ConsistencyProof::generate(&ours, old, new).unwrap();
        let theirs = tlog_tiles::prove_tree(new, old, &reference).unwrap();
        assert_eq!(proof.path, from_reference(&theirs));
    }
}
