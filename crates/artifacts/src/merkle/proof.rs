//! Inclusion proofs: generated in one streaming pass, verified per RFC 9162 §2.1.3.2.

use thiserror::Error;

use super::{MerkleBuilder, node_hash};
use crate::encoding::{DecodeError, Decoder, put_hash, put_u8, put_u64};
use crate::hash::Hash;

/// Version byte of [`InclusionProof::encode`].
const PROOF_VERSION: u8 = 1;

/// The longest possible path: one sibling per level of a tree of at most `u64::MAX` leaves.
const MAX_PATH_LEN: usize = 64;

/// Proof that a leaf hash is at `index` in the RFC 6962 tree of `size` leaves with a given root.
///
/// The path lists the sibling hashes from the leaf's level up to the root, as RFC 9162 §2.1.3.1
/// defines it. A value of this type always has the path length that `(index, size)` requires,
/// so a proof that verifies is also well formed.
///
/// # Binary encoding (version 1)
///
/// `u8 version = 1 || u64 index || u64 size || u8 path_len || path_len × 32-byte hash`,
/// integers big-endian. Decoding rejects any other version, `index >= size`, a path length
/// other than [`inclusion_path_len`]`(index, size)`, truncation and trailing bytes, so every
/// proof has exactly one encoding. [`InclusionProof::to_hex`] is that encoding in hex, for text
/// channels; a JSON form can be built from [`index`](Self::index), [`size`](Self::size) and
/// [`path`](Self::path) (each hash as hex) and read back with [`InclusionProof::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    index: u64,
    size: u64,
    path: Vec<Hash>,
}

/// A proof that is malformed or does not verify.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The path has the wrong number of hashes for its index and size.
    #[error("a proof for leaf {index} of {size} needs {expected} hashes, this one has {actual}")]
    PathLength {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
        /// The length `(index, size)` requires.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// The proof leads to another root than the one it was checked against.
    #[error("the proof leads to root {computed}, not to {expected}")]
    RootMismatch {
        /// The root the proof was checked against.
        expected: Hash,
        /// The root the leaf and the path lead to.
        computed: Hash,
    },
    /// The proof's leaf is inconsistent with its position (for example a record index).
    #[error("the proof's leaf does not match its position: {reason}")]
    LeafMismatch {
        /// What does not match.
        reason: String,
    },
    /// The bytes are not a canonical proof encoding.
    #[error("malformed proof encoding: {0}")]
    Decode(#[from] DecodeError),
}

/// Number of hashes in the inclusion path of leaf `index` in a tree of `size` leaves
/// (0 if `index >= size`).
pub fn inclusion_path_len(index: u64, size: u64) -> usize {
    if index >= size {
        return 0;
    }
    (0..64u32)
        .filter(|&level| {
            let is_right_child = (index >> level) & 1 == 1;
            // A right child always has its left sibling; a left child has a (possibly
            // truncated) right sibling only if that subtree starts inside the tree.
            is_right_child || (((index >> level) | 1) << level) < size
        })
        .count()
}

impl InclusionProof {
    /// A proof from its parts; fails if `index >= size` or the path length is not the one
    /// `(index, size)` requires.
    pub fn new(index: u64, size: u64, path: Vec<Hash>) -> Result<Self, ProofError> {
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let expected = inclusion_path_len(index, size);
        if path.len() != expected {
            return Err(ProofError::PathLength {
                index,
                size,
                expected,
                actual: path.len(),
            });
        }
        Ok(Self { index, size, path })
    }

    /// The proof for leaf `index` over `leaf_hashes` (held in memory, for example a model's
    /// tensors or a manifest's files).
    pub fn generate(leaf_hashes: &[Hash], index: u64) -> Result<Self, ProofError> {
        let mut prover = InclusionProver::new(Some(index));
        for leaf in leaf_hashes {
            prover.push(*leaf);
        }
        prover.finish().map(|(proof, _root)| proof)
    }

    /// The leaf's index.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Sibling hashes from the leaf's level up to the root.
    pub fn path(&self) -> &[Hash] {
        &self.path
    }

    /// The root that `leaf_hash` at this proof's position leads to (RFC 9162 §2.1.3.2).
    pub fn root_for(&self, leaf_hash: &Hash) -> Hash {
        // `new` and `decode` guarantee `index < size` and the exact path length, for which the
        // RFC's loop never fails and ends with `sn == 0`; see `verify_rfc9162` in the tests.
        let mut fn_ = self.index;
        let mut sn = self.size - 1;
        let mut root = *leaf_hash;
        for sibling in &self.path {
            if fn_ & 1 == 1 || fn_ == sn {
                root = node_hash(sibling, &root);
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            } else {
                root = node_hash(&root, sibling);
            }
            fn_ >>= 1;
            sn >>= 1;
        }
        root
    }

    /// Checks that `leaf_hash` is at this proof's index in the tree with root `root`.
    ///
    /// As in RFC 9162, the root binds the tree; the proof's size claim is only used to walk
    /// the path. Some other sizes walk the same way (leaf 0 of 3 and leaf 0 of 4 do), so a
    /// wrong size claim can still lead to the true root. A verifier that also trusts a tree
    /// size (a registered dataset's leaf count) must compare [`size`](Self::size) with it.
    pub fn verify(&self, leaf_hash: &Hash, root: &Hash) -> Result<(), ProofError> {
        let computed = self.root_for(leaf_hash);
        if computed != *root {
            return Err(ProofError::RootMismatch {
                expected: *root,
                computed,
            });
        }
        Ok(())
    }

    /// The canonical binary encoding (see the type's docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(18 + 32 * self.path.len());
        self.encode_into(&mut bytes);
        bytes
    }

    pub(crate) fn encode_into(&self, bytes: &mut Vec<u8>) {
        put_u8(bytes, PROOF_VERSION);
        put_u64(bytes, self.index);
        put_u64(bytes, self.size);
        // `new` bounds the path by `inclusion_path_len`, at most 64.
        put_u8(bytes, self.path.len() as u8);
        for hash in &self.path {
            put_hash(bytes, hash);
        }
    }

    /// Decodes [`encode`](Self::encode)'s output, rejecting anything else.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProofError> {
        let mut decoder = Decoder::new(bytes);
        let proof = Self::decode_from(&mut decoder)?;
        decoder.finish()?;
        Ok(proof)
    }

    pub(crate) fn decode_from(decoder: &mut Decoder<'_>) -> Result<Self, ProofError> {
        let version = decoder.u8("proof version")?;
        if version != PROOF_VERSION {
            return Err(DecodeError::UnknownVersion {
                what: "inclusion proof",
                version,
            }
            .into());
        }
        let index = decoder.u64("leaf index")?;
        let size = decoder.u64("tree size")?;
        let path_len = usize::from(decoder.u8("path length")?);
        if path_len > MAX_PATH_LEN {
            return Err(DecodeError::TooLong {
                field: "path",
                len: path_len as u64,
                max: MAX_PATH_LEN as u64,
            }
            .into());
        }
        let mut path = Vec::with_capacity(path_len);
        for _ in 0..path_len {
            path.push(decoder.hash("path hash")?);
        }
        Self::new(index, size, path)
    }

    /// The binary encoding as lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.encode())
    }

    /// Decodes [`to_hex`](Self::to_hex)'s output.
    pub fn from_hex(text: &str) -> Result<Self, ProofError> {
        let bytes = hex::decode(text).map_err(DecodeError::from)?;
        Self::decode(&bytes)
    }
}

/// Builds the root and the inclusion proof of one leaf in a single pass over the leaf hashes,
/// in `O(log n)` memory, without knowing the number of leaves in advance.
///
/// The target index can be given up front or set later with [`set_target`](Self::set_target),
/// as long as that happens before the target leaf is pushed (a caller that locates a record by
/// file and row learns its index only when it reaches that file).
///
/// How: when the target leaf `i` arrives, the builder's perfect subtrees are exactly the left
/// siblings of its path (one per set bit of `i`). Its right siblings are the aligned blocks
/// after it, one per zero bit `h` of `i`, of `2^h` leaves each (the last one cut at the end of
/// the tree); each is hashed by its own small builder as its leaves stream past.
#[derive(Debug, Clone, Default)]
pub struct InclusionProver {
    tree: MerkleBuilder,
    target: Option<u64>,
    after_target: Option<AfterTarget>,
}

#[derive(Debug, Clone)]
struct AfterTarget {
    leaf_hash: Hash,
    /// Left siblings, largest subtree first (the builder's stack when the target arrived).
    left: Vec<Hash>,
    /// Completed right siblings with their levels, lowest level first.
    right: Vec<(u32, Hash)>,
    /// The right sibling being hashed: its level, leaves still expected, and its builder.
    current: Option<(u32, u64, MerkleBuilder)>,
}

impl InclusionProver {
    /// A prover for leaf `target`, or with no target yet.
    pub fn new(target: Option<u64>) -> Self {
        Self {
            tree: MerkleBuilder::new(),
            target,
            after_target: None,
        }
    }

    /// Sets the target; returns false (and changes nothing) if leaf `index` was already pushed
    /// or a target was already set.
    pub fn set_target(&mut self, index: u64) -> bool {
        if self.target.is_some() || index < self.tree.len() {
            return false;
        }
        self.target = Some(index);
        true
    }

    /// The target, if set.
    pub fn target(&self) -> Option<u64> {
        self.target
    }

    /// The target's leaf hash, once it was pushed.
    pub fn target_leaf_hash(&self) -> Option<Hash> {
        self.after_target.as_ref().map(|after| after.leaf_hash)
    }

    /// Number of leaves pushed.
    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    /// True before the first leaf.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Appends the next leaf hash.
    pub fn push(&mut self, leaf_hash: Hash) {
        let index = self.tree.len();
        match (&mut self.after_target, self.target) {
            (None, Some(target)) if target == index => {
                self.after_target = Some(AfterTarget {
                    leaf_hash,
                    left: self.tree.subtrees().to_vec(),
                    right: Vec::new(),
                    current: next_right_block(target, None),
                });
            }
            (Some(after), Some(target)) => after.push_right(target, leaf_hash),
            _ => {}
        }
        self.tree.push(leaf_hash);
    }

    /// The root of all leaves pushed; `None` if there are none.
    pub fn root(&self) -> Option<Hash> {
        self.tree.root()
    }

    /// The proof for the target and the root, once all leaves are pushed.
    pub fn finish(self) -> Result<(InclusionProof, Hash), ProofError> {
        let size = self.tree.len();
        let index = self.target.unwrap_or(size);
        let (Some(after), Some(root)) = (self.after_target, self.tree.root()) else {
            return Err(ProofError::IndexOutOfRange { index, size });
        };
        let mut right = after.right;
        if let Some((level, remaining, builder)) = after.current
            && remaining < (1u64 << level)
            && let Some(partial) = builder.root()
        {
            right.push((level, partial));
        }
        let mut left = after.left.iter().rev();
        let mut right = right.into_iter().peekable();
        let mut path = Vec::new();
        for level in 0..64u32 {
            if (index >> level) & 1 == 1 {
                if let Some(hash) = left.next() {
                    path.push(*hash);
                }
            } else if let Some((_, hash)) = right.next_if(|(right_level, _)| *right_level == level)
            {
                path.push(hash);
            }
        }
        Ok((InclusionProof::new(index, size, path)?, root))
    }
}

impl AfterTarget {
    fn push_right(&mut self, target: u64, leaf_hash: Hash) {
        let Some((level, remaining, builder)) = &mut self.current else {
            return;
        };
        builder.push(leaf_hash);
        *remaining -= 1;
        if *remaining == 0 {
            let level = *level;
            if let Some(root) = builder.root() {
                self.right.push((level, root));
            }
            self.current = next_right_block(target, Some(level));
        }
    }
}

/// The next right-sibling block after `previous` for leaf `target`: the lowest zero bit of
/// `target` above `previous`, with its `2^level` leaves still expected.
fn next_right_block(target: u64, previous: Option<u32>) -> Option<(u32, u64, MerkleBuilder)> {
    let first = previous.map_or(0, |level| level + 1);
    (first..64)
        .find(|&level| (target >> level) & 1 == 0)
        .map(|level| (level, 1u64 << level, MerkleBuilder::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn path_len_matches_generated_proofs() {
        for size in 1..40u64 {
            let leaves = leaves(size);
            for index in 0..size {
                let proof = InclusionProof::generate(&leaves, index).unwrap();
                assert_eq!(proof.path().len(), inclusion_path_len(index, size));
            }
        }
    }

    #[test]
    fn set_target_after_the_leaf_is_refused() {
        let mut prover = InclusionProver::new(None);
        prover.push(leaf_hash(b"a"));
        assert!(!prover.set_target(0));
        assert!(prover.set_target(1));
        assert!(!prover.set_target(2));
        prover.push(leaf_hash(b"b"));
        let (proof, root) = prover.finish().unwrap();
        assert_eq!(proof.index(), 1);
        proof.verify(&leaf_hash(b"b"), &root).unwrap();
    }

    #[test]
    fn finishing_before_the_target_is_an_error() {
        let mut prover = InclusionProver::new(Some(3));
        prover.push(leaf_hash(b"a"));
        assert_eq!(
            prover.finish(),
            Err(ProofError::IndexOutOfRange { index: 3, size: 1 })
        );
        assert_eq!(
            InclusionProver::new(None).finish(),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
    }
}
