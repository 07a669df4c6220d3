//! RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256, built in one streaming pass.
//!
//! - A leaf hashes as `SHA-256(0x00 || leaf data)` ([`leaf_hash`]) and an inner node as
//!   `SHA-256(0x01 || left || right)` ([`node_hash`]), so a leaf can never pass for a node.
//! - The tree over `n > 1` leaves splits at the largest power of two smaller than `n`
//!   (RFC 6962 §2.1), the tree Certificate Transparency, Go's sumdb and Sigstore use.
//! - [`MerkleBuilder`] takes leaf hashes one at a time and keeps one hash per set bit of the
//!   leaf count (at most 64), so a root over any number of leaves needs `O(log n)` memory.
//! - [`InclusionProof`] proves that one leaf is at index `i` of a tree of size `n` and verifies
//!   with the algorithm of RFC 9162 §2.1.3.2; [`InclusionProver`] builds it in the same
//!   streaming pass as the root, also in `O(log n)` memory.
//!
//! The empty tree has no root here: every caller in this crate refuses empty inputs, since
//! RFC 6962's `SHA-256("")` for the empty tree would be the same for every empty dataset.

mod proof;

pub use proof::{InclusionProof, InclusionProver, ProofError, inclusion_path_len};

use sha2::digest::generic_array::GenericArray;
use sha2::digest::typenum::U64;
use sha2::{Digest as _, Sha256};

use crate::hash::{Hash, finish};

/// Prefix byte of a leaf hash's input (RFC 6962 §2.1).
pub const LEAF_PREFIX: u8 = 0x00;
/// Prefix byte of an inner node hash's input (RFC 6962 §2.1).
pub const NODE_PREFIX: u8 = 0x01;

/// The hash of a leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    finish(hasher)
}

/// SHA-256's initial state (FIPS 180-4 §5.3.3).
const SHA256_INITIAL_STATE: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The hash of an inner node: `SHA-256(0x01 || left || right)`.
///
/// A node's input is always 65 bytes, so it is padded here once (two 64-byte blocks: the
/// input, `0x80`, zeros, and the bit length 520) and fed straight to the compression function:
/// this skips the streaming hasher's buffering, which matters for trees of millions of leaves.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut blocks = [GenericArray::<u8, U64>::default(); 2];
    let (first, second) = blocks.split_at_mut(1);
    let (first, second) = (&mut first[0], &mut second[0]);
    first[0] = NODE_PREFIX;
    first[1..33].copy_from_slice(left.as_bytes());
    first[33..].copy_from_slice(&right.as_bytes()[..31]);
    second[0] = right.as_bytes()[31];
    second[1] = 0x80;
    second[56..].copy_from_slice(&(65u64 * 8).to_be_bytes());
    let mut state = SHA256_INITIAL_STATE;
    sha2::compress256(&mut state, &blocks);
    let mut digest = [0u8; 32];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    Hash::new(digest)
}

/// Computes an RFC 6962 root in one pass over leaf hashes, in `O(log n)` memory.
///
/// The builder keeps the roots of the perfect subtrees that the leaves seen so far decompose
/// into (one per set bit of the leaf count, largest first). Pushing a leaf merges equal-sized
/// subtrees like a binary carry; the root folds the remaining subtrees from the smallest up,
/// which is exactly RFC 6962's split at the largest power of two.
#[derive(Debug, Clone, Default)]
pub struct MerkleBuilder {
    /// Roots of perfect subtrees, largest (leftmost) first.
    stack: Vec<Hash>,
    n_leaves: u64,
}

impl MerkleBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the next leaf hash (see [`leaf_hash`]).
    pub fn push(&mut self, leaf_hash: Hash) {
        let mut node = leaf_hash;
        let mut carry = self.n_leaves;
        while carry & 1 == 1 {
            let Some(left) = self.stack.pop() else {
                // The stack holds one entry per set bit of `n_leaves`, so this never happens.
                break;
            };
            node = node_hash(&left, &node);
            carry >>= 1;
        }
        self.stack.push(node);
        self.n_leaves += 1;
    }

    /// Number of leaves pushed.
    pub fn len(&self) -> u64 {
        self.n_leaves
    }

    /// True before the first leaf.
    pub fn is_empty(&self) -> bool {
        self.n_leaves == 0
    }

    /// The root over the leaves pushed so far, or `None` if there are none.
    pub fn root(&self) -> Option<Hash> {
        let mut subtrees = self.stack.iter().rev();
        let mut root = *subtrees.next()?;
        for left in subtrees {
            root = node_hash(left, &root);
        }
        Some(root)
    }

    /// Roots of the perfect subtrees covering the leaves so far, largest first: the left
    /// siblings of the next leaf's path.
    pub(crate) fn subtrees(&self) -> &[Hash] {
        &self.stack
    }
}

/// The RFC 6962 root over `leaf_hashes`, or `None` if there are none.
pub fn merkle_root(leaf_hashes: impl IntoIterator<Item = Hash>) -> Option<Hash> {
    let mut builder = MerkleBuilder::new();
    for leaf in leaf_hashes {
        builder.push(leaf);
    }
    builder.root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_hash_is_sha256_of_the_prefixed_pair() {
        for seed in 0u8..20 {
            let left = Hash::new([seed; 32]);
            let right = Hash::new(std::array::from_fn(|i| seed.wrapping_mul(31) ^ i as u8));
            let mut input = vec![NODE_PREFIX];
            input.extend_from_slice(left.as_bytes());
            input.extend_from_slice(right.as_bytes());
            assert_eq!(node_hash(&left, &right), crate::hash::sha256(&input));
        }
    }
}
