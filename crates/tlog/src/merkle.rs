//! The RFC 6962 tree over leaf hashes: node addressing, range hashes and an in-memory tree.
//!
//! A *node* `(level, index)` is the root of the perfect subtree over leaves
//! `[index << level, (index + 1) << level)`; level 0 holds the leaf hashes. Only such perfect
//! subtrees are ever stored; every other hash (the root of a tree whose size is not a power of
//! two, the right-hand siblings of a proof) is a *range hash*, folded from the perfect subtrees
//! the range splits into.

use std::convert::Infallible;

use crate::hash::{Hash, empty_root, node_hash};

/// A source of perfect-subtree hashes of one tree (memory, tiles on disk, ...).
pub trait NodeSource {
    /// What reading a node can fail with.
    type Error;

    /// The hash of the perfect subtree `(level, index)`.
    ///
    /// Callers only ask for nodes whose leaves all exist in the tree the source holds.
    fn node(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): RFC 6962's split point.
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// RFC 6962's `MTH(D[lo:hi])` for a range that starts on a boundary of its own size class
/// (every range the RFC's recursions visit does): the perfect subtrees the range splits into,
/// largest first, folded from the right.
pub fn range_hash<S: NodeSource + ?Sized>(source: &S, lo: u64, hi: u64) -> Result<Hash, S::Error> {
    if lo >= hi {
        return Ok(empty_root());
    }
    // At most one part per bit of the range's length; a stack array keeps proofs, which call
    // this once per level, free of allocation.
    let mut parts = [Hash::default(); 64];
    let mut n_parts = 0;
    let mut start = lo;
    let mut left = hi - lo;
    while left > 0 {
        let level = 63 - left.leading_zeros();
        // The range's alignment guarantees `start` is a multiple of `1 << level`.
        parts[n_parts] = source.node(level as u8, start >> level)?;
        n_parts += 1;
        start += 1 << level;
        left -= 1 << level;
    }
    let mut parts = parts[..n_parts].iter().rev();
    let Some(last) = parts.next() else {
        return Ok(empty_root());
    };
    Ok(parts.fold(*last, |acc, left_part| node_hash(left_part, &acc)))
}

/// The root of the first `size` leaves of the tree `source` holds.
pub fn tree_root<S: NodeSource + ?Sized>(source: &S, size: u64) -> Result<Hash, S::Error> {
    range_hash(source, 0, size)
}

/// Appends leaves one at a time, keeping one hash per set bit of the leaf count (the tree's
/// "frontier"), so the root of any size is available in `O(log n)` memory.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    /// Roots of the perfect subtrees the leaves decompose into, largest (leftmost) first.
    stack: Vec<Hash>,
    size: u64,
}

impl Frontier {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The frontier of the first `size` leaves of `source`.
    pub fn from_source<S: NodeSource + ?Sized>(source: &S, size: u64) -> Result<Self, S::Error> {
        let mut stack = Vec::new();
        let mut start = 0;
        let mut left = size;
        while left > 0 {
            let level = 63 - left.leading_zeros();
            stack.push(source.node(level as u8, start >> level)?);
            start += 1 << level;
            left -= 1 << level;
        }
        Ok(Self { stack, size })
    }

    /// Appends a leaf hash and calls `on_node(level, index, hash)` for every perfect subtree
    /// the append completes, leaf included, from level 0 up.
    pub fn push_with(&mut self, leaf: Hash, mut on_node: impl FnMut(u8, u64, &Hash)) {
        let mut node = leaf;
        let mut index = self.size;
        let mut level = 0u8;
        on_node(level, index, &node);
        while index & 1 == 1 {
            let Some(left) = self.stack.pop() else {
                // The stack holds one hash per set bit of `size`, so this cannot happen.
                break;
            };
            node = node_hash(&left, &node);
            index >>= 1;
            level += 1;
            on_node(level, index, &node);
        }
        self.stack.push(node);
        self.size += 1;
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.push_with(leaf, |_, _, _| {});
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree's root (`SHA-256("")` for the empty tree).
    pub fn root(&self) -> Hash {
        let mut parts = self.stack.iter().rev();
        let Some(last) = parts.next() else {
            return empty_root();
        };
        parts.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

/// A whole tree in memory: every perfect subtree hash, level by level.
///
/// For tests, tools and small logs; the durable store keeps the same nodes in tiles.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree over these leaf hashes.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash>) -> Self {
        let mut tree = Self::new();
        for leaf in leaves {
            tree.push(leaf);
        }
        tree
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let row = &self.levels[level];
            let node = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(node);
            level += 1;
        }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        match tree_root(self, self.size()) {
            Ok(root) => root,
            Err(never) => match never {},
        }
    }
}

impl NodeSource for MemoryTree {
    type Error = Infallible;

    fn node(&self, level: u8, index: u64) -> Result<Hash, Infallible> {
        let hash = self
            .levels
            .get(usize::from(level))
            .and_then(|row| row.get(usize::try_from(index).ok()?));
        // Callers only ask for complete subtrees (see `NodeSource::node`); a miss is a bug in
        // this crate, and the all-zero hash makes every proof built from it fail to verify.
        debug_assert!(hash.is_some(), "node ({level}, {index}) is not in the tree");
        Ok(hash.copied().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(1 << 40), 1 << 39);
    }

    #[test]
    fn frontier_and_memory_tree_agree() {
        let mut frontier = Frontier::new();
        let mut tree = MemoryTree::new();
        assert_eq!(frontier.root(), tree.root());
        for i in 0u32..300 {
            let leaf = leaf_hash(&i.to_be_bytes());
            frontier.push(leaf);
            tree.push(leaf);
            assert_eq!(frontier.root(), tree.root());
            let rebuilt = Frontier::from_source(&tree, tree.size()).unwrap();
            assert_eq!(rebuilt.root(), tree.root());
        }
    }
}
