//! Inclusion and consistency proofs: generated per RFC 9162 §2.1.3.1/§2.1.4.1 from any
//! [`NodeSource`], verified per RFC 9162 §2.1.3.2/§2.1.4.2.

use crate::error::{ProofError, ProveError};
use crate::hash::{Hash, node_hash};
use crate::merkle::{NodeSource, range_hash, split_point};

/// The most hashes a proof can need: one per level of a tree of `u64::MAX` leaves, plus one.
pub const MAX_PROOF_HASHES: usize = 65;

/// Proof that a leaf is at `index` in the tree of `size` leaves.
///
/// The path lists sibling hashes from the leaf's level up to the root's children, as RFC 6962
/// and `tlog-proof@v1` order them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The leaf's index.
    pub index: u64,
    /// The size of the tree the proof is for.
    pub size: u64,
    /// Sibling hashes, leaf level first.
    pub path: Vec<Hash>,
}

/// Proof that the tree of `old_size` leaves is a prefix of the tree of `new_size` leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// Size of the older tree.
    pub old_size: u64,
    /// Size of the newer tree.
    pub new_size: u64,
    /// The hashes of RFC 9162 §2.1.4.1, in its order.
    pub path: Vec<Hash>,
}

/// The number of hashes an inclusion proof for `index` in a tree of `size` has.
pub fn inclusion_path_len(index: u64, size: u64) -> usize {
    let (mut lo, mut hi, mut n) = (0u64, size, 0);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            hi = lo + k;
        } else {
            lo += k;
        }
        n += 1;
    }
    n
}

/// The number of hashes a consistency proof from `old_size` to `new_size` has
/// (`1 <= old_size <= new_size`).
pub fn consistency_path_len(old_size: u64, new_size: u64) -> usize {
    if old_size == new_size {
        return 0;
    }
    let (mut m, mut n, mut complete, mut len) = (old_size, new_size, true, 0);
    while m != n {
        let k = split_point(n);
        if m <= k {
            n = k;
        } else {
            m -= k;
            n -= k;
            complete = false;
        }
        len += 1;
    }
    len + usize::from(!complete)
}

impl InclusionProof {
    /// Proves that leaf `index` is in the tree of the first `size` leaves of `source`.
    pub fn generate<S: NodeSource + ?Sized>(
        source: &S,
        index: u64,
        size: u64,
    ) -> Result<Self, ProveError<S::Error>> {
        if index >= size {
            return Err(ProveError::Invalid(ProofError::IndexOutOfRange {
                index,
                size,
            }));
        }
        let mut path = Vec::with_capacity(inclusion_path_len(index, size));
        let (mut lo, mut hi) = (0u64, size);
        while hi - lo > 1 {
            let k = split_point(hi - lo);
            let sibling = if index < lo + k {
                let sibling = range_hash(source, lo + k, hi);
                hi = lo + k;
                sibling
            } else {
                let sibling = range_hash(source, lo, lo + k);
                lo += k;
                sibling
            };
            path.push(sibling.map_err(ProveError::Source)?);
        }
        // The recursion above walks from the root down; proofs list the leaf's sibling first.
        path.reverse();
        Ok(Self { index, size, path })
    }

    /// Checks that `leaf` is at [`index`](Self::index) in the tree of [`size`](Self::size)
    /// leaves whose root is `root`.
    pub fn verify(&self, leaf: &Hash, root: &Hash) -> Result<(), ProofError> {
        let computed = self.root_from(leaf)?;
        if computed != *root {
            return Err(ProofError::RootMismatch {
                computed,
                expected: *root,
            });
        }
        Ok(())
    }

    /// The root the proof leads to from `leaf` (RFC 9162 §2.1.3.2).
    pub fn root_from(&self, leaf: &Hash) -> Result<Hash, ProofError> {
        if self.index >= self.size {
            return Err(ProofError::IndexOutOfRange {
                index: self.index,
                size: self.size,
            });
        }
        let expected = inclusion_path_len(self.index, self.size);
        if self.path.len() != expected {
            return Err(ProofError::PathLength {
                expected,
                actual: self.path.len(),
            });
        }
        let (mut f_n, mut s_n) = (self.index, self.size - 1);
        let mut r = *leaf;
        for p in &self.path {
            if f_n & 1 == 1 || f_n == s_n {
                r = node_hash(p, &r);
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            } else {
                r = node_hash(&r, p);
            }
            f_n >>= 1;
            s_n >>= 1;
        }
        // The length check above makes the walk end at the root; this is RFC 9162's own check.
        if s_n != 0 {
            return Err(ProofError::PathLength {
                expected,
                actual: self.path.len(),
            });
        }
        Ok(r)
    }
}

impl ConsistencyProof {
    /// Proves that the first `old_size` leaves of `source` are a prefix of its first
    /// `new_size` leaves (`1 <= old_size <= new_size`).
    pub fn generate<S: NodeSource + ?Sized>(
        source: &S,
        old_size: u64,
        new_size: u64,
    ) -> Result<Self, ProveError<S::Error>> {
        check_sizes(old_size, new_size).map_err(ProveError::Invalid)?;
        let mut path = Vec::with_capacity(consistency_path_len(old_size, new_size));
        if old_size < new_size {
            // RFC 9162 SUBPROOF(m, D[lo:hi], complete), unrolled.
            let (mut m, mut lo, mut hi, mut complete) = (old_size, 0u64, new_size, true);
            while m != hi - lo {
                let k = split_point(hi - lo);
                if m <= k {
                    path.push(range_hash(source, lo + k, hi).map_err(ProveError::Source)?);
                    hi = lo + k;
                } else {
                    path.push(range_hash(source, lo, lo + k).map_err(ProveError::Source)?);
                    m -= k;
                    lo += k;
                    complete = false;
                }
            }
            if !complete {
                path.push(range_hash(source, lo, hi).map_err(ProveError::Source)?);
            }
            path.reverse();
        }
        Ok(Self {
            old_size,
            new_size,
            path,
        })
    }

    /// Checks that the tree of [`old_size`](Self::old_size) leaves with root `old_root` is a
    /// prefix of the tree of [`new_size`](Self::new_size) leaves with root `new_root`.
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), ProofError> {
        check_sizes(self.old_size, self.new_size)?;
        let expected = consistency_path_len(self.old_size, self.new_size);
        if self.path.len() != expected {
            return Err(ProofError::PathLength {
                expected,
                actual: self.path.len(),
            });
        }
        if self.old_size == self.new_size {
            if old_root != new_root {
                return Err(ProofError::NewRootMismatch {
                    computed: *old_root,
                    expected: *new_root,
                });
            }
            return Ok(());
        }
        // RFC 9162 §2.1.4.2: an old tree whose size is a power of two is itself a node of the
        // new tree, so its root is the proof's implicit first hash.
        let mut path = self.path.iter();
        let seed = if self.old_size.is_power_of_two() {
            *old_root
        } else {
            match path.next() {
                Some(first) => *first,
                None => {
                    return Err(ProofError::PathLength {
                        expected,
                        actual: 0,
                    });
                }
            }
        };
        let (mut f_n, mut s_n) = (self.old_size - 1, self.new_size - 1);
        while f_n & 1 == 1 {
            f_n >>= 1;
            s_n >>= 1;
        }
        let (mut f_r, mut s_r) = (seed, seed);
        for c in path {
            if s_n == 0 {
                return Err(ProofError::PathLength {
                    expected,
                    actual: self.path.len(),
                });
            }
            if f_n & 1 == 1 || f_n == s_n {
                f_r = node_hash(c, &f_r);
                s_r = node_hash(c, &s_r);
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            } else {
                s_r = node_hash(&s_r, c);
            }
            f_n >>= 1;
            s_n >>= 1;
        }
        if f_r != *old_root {
            return Err(ProofError::OldRootMismatch {
                computed: f_r,
                expected: *old_root,
            });
        }
        if s_r != *new_root {
            return Err(ProofError::NewRootMismatch {
                computed: s_r,
                expected: *new_root,
            });
        }
        if s_n != 0 {
            return Err(ProofError::PathLength {
                expected,
                actual: self.path.len(),
            });
        }
        Ok(())
    }
}

fn check_sizes(old_size: u64, new_size: u64) -> Result<(), ProofError> {
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder { old_size, new_size });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::merkle::MemoryTree;

    fn tree(n: u32) -> MemoryTree {
        MemoryTree::from_leaves((0..n).map(|i| leaf_hash(&i.to_be_bytes())))
    }

    #[test]
    fn every_inclusion_proof_of_small_trees_verifies() {
        for size in 1..40u32 {
            let t = tree(size);
            for index in 0..size {
                let proof =
                    InclusionProof::generate(&t, u64::from(index), u64::from(size)).unwrap();
                assert_eq!(
                    proof.path.len(),
                    inclusion_path_len(index.into(), size.into())
                );
                proof
                    .verify(&leaf_hash(&index.to_be_bytes()), &t.root())
                    .unwrap();
            }
        }
    }

    #[test]
    fn every_consistency_proof_of_small_trees_verifies() {
        let big = tree(40);
        for new in 1..40u64 {
            let new_root = crate::merkle::tree_root(&big, new).unwrap();
            for old in 1..=new {
                let old_root = crate::merkle::tree_root(&big, old).unwrap();
                let proof = ConsistencyProof::generate(&big, old, new).unwrap();
                assert_eq!(proof.path.len(), consistency_path_len(old, new));
                proof.verify(&old_root, &new_root).unwrap();
            }
        }
    }
}
