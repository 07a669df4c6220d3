//! The streaming tree and inclusion proofs against RFC 6962's recursive definitions, and
//! adversarial proofs.

use ailedger_artifacts::Hash;
use ailedger_artifacts::merkle::{
    InclusionProof, InclusionProver, MerkleBuilder, ProofError, inclusion_path_len, leaf_hash,
    merkle_root, node_hash,
};
use proptest::prelude::*;

use crate::support::{ReferenceTree, leaves, reference_root};

const MAX_EXHAUSTIVE_SIZE: usize = 300;

#[test]
fn streaming_root_matches_the_recursive_definition_for_every_size_up_to_300() {
    let leaves = leaves(MAX_EXHAUSTIVE_SIZE);
    let mut builder = MerkleBuilder::new();
    assert_eq!(builder.root(), None);
    for n in 1..=MAX_EXHAUSTIVE_SIZE {
        builder.push(leaves[n - 1]);
        assert_eq!(builder.len(), n as u64);
        assert_eq!(
            builder.root(),
            Some(reference_root(&leaves[..n])),
            "n = {n}"
        );
    }
}

#[test]
fn known_small_trees() {
    let [a, b, c] = [leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")];
    assert_eq!(merkle_root([a]), Some(a));
    assert_eq!(merkle_root([a, b]), Some(node_hash(&a, &b)));
    assert_eq!(
        merkle_root([a, b, c]),
        Some(node_hash(&node_hash(&a, &b), &c))
    );
    // RFC 6962 leaf hash of the empty leaf, a fixed test vector.
    assert_eq!(
        leaf_hash(b"").to_string(),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
}

#[test]
fn every_proof_up_to_300_matches_the_definition_and_verifies() {
    let all = leaves(MAX_EXHAUSTIVE_SIZE);
    let mut reference = ReferenceTree::new(all.clone());
    for size in 1..=MAX_EXHAUSTIVE_SIZE {
        let leaves = &all[..size];
        let root = reference.root(0, size);
        for index in 0..size {
            let proof = InclusionProof::generate(leaves, index as u64).unwrap();
            assert_eq!(
                proof.path(),
                reference.path(index, size).as_slice(),
                "index {index} of {size}"
            );
            assert_eq!(
                proof.path().len(),
                inclusion_path_len(index as u64, size as u64)
            );
            proof.verify(&leaves[index], &root).unwrap();
            assert_eq!(InclusionProof::decode(&proof.encode()).unwrap(), proof);
        }
    }
}

#[test]
fn the_prover_gives_the_same_root_as_the_builder() {
    let leaves = leaves(100);
    for target in [0u64, 1, 63, 64, 99] {
        let mut prover = InclusionProver::new(Some(target));
        for leaf in &leaves {
            prover.push(*leaf);
        }
        assert_eq!(prover.target_leaf_hash(), Some(leaves[target as usize]));
        let (proof, root) = prover.finish().unwrap();
        assert_eq!(root, reference_root(&leaves));
        assert_eq!(proof.root_for(&leaves[target as usize]), root);
    }
}

#[test]
fn a_tampered_sibling_fails() {
    let leaves = leaves(37);
    let root = reference_root(&leaves);
    for index in [0usize, 5, 31, 32, 36] {
        let proof = InclusionProof::generate(&leaves, index as u64).unwrap();
        for position in 0..proof.path().len() {
            for bit in [0usize, 77, 255] {
                let mut path = proof.path().to_vec();
                let mut bytes = *path[position].as_bytes();
                bytes[bit / 8] ^= 1 << (bit % 8);
                path[position] = Hash::new(bytes);
                let tampered = InclusionProof::new(proof.index(), proof.size(), path).unwrap();
                assert!(matches!(
                    tampered.verify(&leaves[index], &root),
                    Err(ProofError::RootMismatch { .. })
                ));
            }
        }
        // The right path with another leaf.
        let other = leaves[(index + 1) % leaves.len()];
        assert!(proof.verify(&other, &root).is_err());
    }
}

#[test]
fn a_wrong_index_fails_and_a_wrong_size_cannot_change_the_root() {
    let mut n_same_root_sizes = 0;
    for size in 1..=70usize {
        let leaves = leaves(size);
        let root = reference_root(&leaves);
        for index in 0..size {
            let proof = InclusionProof::generate(&leaves, index as u64).unwrap();
            for other_index in 0..size as u64 + 2 {
                if other_index == index as u64 {
                    continue;
                }
                if let Ok(moved) =
                    InclusionProof::new(other_index, size as u64, proof.path().to_vec())
                {
                    assert!(
                        moved.verify(&leaves[index], &root).is_err(),
                        "index {index} moved to {other_index} in {size}"
                    );
                }
            }
            for other_size in 1..size as u64 + 3 {
                if other_size == size as u64 {
                    continue;
                }
                // RFC 9162 verification binds the root, not the size claim: where another
                // size gives the same sequence of left/right steps, the proof still leads to
                // the true root (and to no other), so it still proves the same thing.
                if let Ok(resized) =
                    InclusionProof::new(index as u64, other_size, proof.path().to_vec())
                    && resized.verify(&leaves[index], &root).is_ok()
                {
                    n_same_root_sizes += 1;
                    assert_eq!(
                        resized.root_for(&leaves[index]),
                        proof.root_for(&leaves[index])
                    );
                }
            }
        }
    }
    assert!(n_same_root_sizes > 0);
}

#[test]
fn a_size_claim_is_bound_by_the_root_not_by_the_path() {
    // Leaf 0 of 3 and leaf 0 of 4 hash the same way (sibling on the right, twice), so the
    // size-3 proof with a size-4 claim still leads to the size-3 root: verifiers that trust a
    // size as well as a root must compare `size()` with it.
    let leaves = leaves(3);
    let proof = InclusionProof::generate(&leaves, 0).unwrap();
    let claimed = InclusionProof::new(0, 4, proof.path().to_vec()).unwrap();
    claimed
        .verify(&leaves[0], &reference_root(&leaves))
        .unwrap();
    assert_ne!(claimed.size(), proof.size());
}

#[test]
fn malformed_proofs_are_refused_with_precise_errors() {
    assert_eq!(
        InclusionProof::new(3, 3, vec![]),
        Err(ProofError::IndexOutOfRange { index: 3, size: 3 })
    );
    assert_eq!(
        InclusionProof::new(0, 4, vec![leaf_hash(b"x")]),
        Err(ProofError::PathLength {
            index: 0,
            size: 4,
            expected: 2,
            actual: 1
        })
    );
    assert!(InclusionProof::generate(&leaves(3), 3).is_err());
    assert!(InclusionProof::generate(&[], 0).is_err());
}

#[test]
fn truncated_extended_or_altered_encodings_are_refused() {
    let leaves = leaves(23);
    let root = reference_root(&leaves);
    let proof = InclusionProof::generate(&leaves, 11).unwrap();
    let bytes = proof.encode();
    assert_eq!(bytes.len(), 18 + 32 * proof.path().len());
    for cut in 0..bytes.len() {
        assert!(
            InclusionProof::decode(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut extended = bytes.clone();
    extended.push(0);
    assert!(InclusionProof::decode(&extended).is_err());
    let mut extra_hash = bytes.clone();
    extra_hash[17] += 1;
    extra_hash.extend_from_slice(&[0; 32]);
    assert!(matches!(
        InclusionProof::decode(&extra_hash),
        Err(ProofError::PathLength { .. })
    ));
    let mut version = bytes.clone();
    version[0] = 2;
    assert!(InclusionProof::decode(&version).is_err());
    // Any single flipped bit either fails to decode or fails to verify.
    for position in 0..bytes.len() {
        let mut altered = bytes.clone();
        altered[position] ^= 0x10;
        if let Ok(decoded) = InclusionProof::decode(&altered) {
            assert!(
                decoded.verify(&leaves[11], &root).is_err(),
                "byte {position}"
            );
        }
    }
    assert_eq!(InclusionProof::from_hex(&proof.to_hex()).unwrap(), proof);
    assert!(InclusionProof::from_hex("zz").is_err());
}

proptest! {
    #[test]
    fn streaming_root_matches_the_definition(n in 1usize..2000, seed in any::<u64>()) {
        let leaves: Vec<Hash> = (0..n as u64).map(|i| leaf_hash(&(i ^ seed).to_le_bytes())).collect();
        prop_assert_eq!(merkle_root(leaves.iter().copied()), Some(reference_root(&leaves)));
    }

    #[test]
    fn proofs_verify_and_round_trip(size in 1usize..3000, index_seed in any::<usize>()) {
        let leaves = leaves(size);
        let index = index_seed % size;
        let proof = InclusionProof::generate(&leaves, index as u64).unwrap();
        let root = reference_root(&leaves);
        prop_assert!(proof.verify(&leaves[index], &root).is_ok());
        prop_assert_eq!(InclusionProof::from_hex(&proof.to_hex()).unwrap(), proof);
    }

    #[test]
    fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(proof) = InclusionProof::decode(&bytes) {
            prop_assert_eq!(proof.encode(), bytes);
        }
    }
}
