//! Shared helpers: locating the project's shared data, and reference implementations.

use std::path::PathBuf;

use ailedger_artifacts::Hash;
use ailedger_artifacts::merkle::leaf_hash;

/// `SHA-256(0x01 || left || right)`, with sha2's plain API: the tests' own node hash, so that
/// the reference does not share the crate's.
pub(crate) fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut input = vec![0x01];
    input.extend_from_slice(left.as_bytes());
    input.extend_from_slice(right.as_bytes());
    ailedger_artifacts::sha256(&input)
}

/// `../shared/<sub>` relative to the workspace root, if present. Tests that need it print why
/// they skip when it is absent.
pub(crate) fn shared_dir(sub: &str) -> Option<PathBuf> {
    let manifest_dir = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).ok()?;
    let dir = manifest_dir.join("../../../shared").join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

/// RFC 6962 §2.1 MTH, straight from the definition.
pub(crate) fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => ailedger_artifacts::sha256(b""),
        1 => leaves[0],
        n => {
            let k = largest_power_of_two_below(n);
            node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

/// RFC 6962 §2.1 MTH and §2.1.1 PATH over ranges of one leaf list, memoized, for tests that
/// check every (index, size) pair.
pub(crate) struct ReferenceTree {
    leaves: Vec<Hash>,
    roots: std::collections::HashMap<(usize, usize), Hash>,
}

impl ReferenceTree {
    pub(crate) fn new(leaves: Vec<Hash>) -> Self {
        Self {
            leaves,
            roots: std::collections::HashMap::new(),
        }
    }

    /// MTH(D[start..start + len]).
    pub(crate) fn root(&mut self, start: usize, len: usize) -> Hash {
        if len == 1 {
            return self.leaves[start];
        }
        if let Some(root) = self.roots.get(&(start, len)) {
            return *root;
        }
        let k = largest_power_of_two_below(len);
        let root = node_hash(&self.root(start, k), &self.root(start + k, len - k));
        self.roots.insert((start, len), root);
        root
    }

    /// PATH(index, D[0..size]).
    pub(crate) fn path(&mut self, index: usize, size: usize) -> Vec<Hash> {
        let mut path = Vec::new();
        self.path_in(index, 0, size, &mut path);
        path
    }

    fn path_in(&mut self, index: usize, start: usize, len: usize, path: &mut Vec<Hash>) {
        if len <= 1 {
            return;
        }
        let k = largest_power_of_two_below(len);
        if index < k {
            self.path_in(index, start, k, path);
            path.push(self.root(start + k, len - k));
        } else {
            self.path_in(index - k, start + k, len - k, path);
            path.push(self.root(start, k));
        }
    }
}

fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// Distinct leaf hashes.
pub(crate) fn leaves(n: usize) -> Vec<Hash> {
    (0..n as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}
