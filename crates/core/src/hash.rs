//! SHA-256 digests and the RFC 6962 Merkle tree hashing used for transaction and receipt roots.

use commonware_cryptography::{Digest as _, Hasher, Sha256, sha256};

/// A SHA-256 digest: block ids, transaction ids, roots.
pub type Hash = sha256::Digest;

/// The all-zero digest, used where a parent does not exist (the genesis block's parent).
pub const ZERO_HASH: Hash = sha256::Digest::EMPTY;

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> Hash {
    Sha256::hash(parts)
}

/// RFC 6962's domain separation: a leaf's hash and an inner node's never collide.
const LEAF_PREFIX: &[u8] = &[0x00];
const NODE_PREFIX: &[u8] = &[0x01];

/// RFC 6962 leaf hash: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    leaf_hash_of_concat(data, &[])
}

/// [`leaf_hash`] of `first || second`, without building the concatenation.
pub(crate) fn leaf_hash_of_concat(first: &[u8], second: &[u8]) -> Hash {
    Sha256::hash(&[LEAF_PREFIX, first, second])
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::hash(&[NODE_PREFIX, left.as_ref(), right.as_ref()])
}

/// RFC 6962 Merkle tree hash over leaf hashes (see [`leaf_hash`]).
///
/// The tree over `n > 1` leaves splits at the largest power of two smaller than `n`, so that a
/// root is the same one a Certificate Transparency log would compute. The empty tree hashes to
/// `SHA-256("")`.
pub fn merkle_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::hash(&[]),
        1 => leaves[0],
        n => {
            // The largest power of two strictly below n is the highest set bit of n - 1.
            let split = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(
                &merkle_root(&leaves[..split]),
                &merkle_root(&leaves[split..]),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn largest_power_of_two_below(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Sha256::hash(&[]),
            1 => leaves[0],
            n => {
                let k = largest_power_of_two_below(n);
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn merkle_root_matches_rfc6962_split_for_all_small_sizes() {
        let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in 0..leaves.len() {
            assert_eq!(
                merkle_root(&leaves[..n]),
                reference_root(&leaves[..n]),
                "n = {n}"
            );
        }
    }

    #[test]
    fn empty_tree_is_hash_of_empty_string() {
        // RFC 6962 section 2.1: MTH({}) = SHA-256().
        assert_eq!(
            hex::encode(merkle_root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        let a = leaf_hash(b"a");
        let b = leaf_hash(b"b");
        let mut concatenated = Vec::new();
        concatenated.extend_from_slice(a.as_ref());
        concatenated.extend_from_slice(b.as_ref());
        assert_ne!(merkle_root(&[a, b]), leaf_hash(&concatenated));
    }
}
