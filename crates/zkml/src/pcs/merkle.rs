//! A binary Merkle tree over BLAKE3 with domain-separated leaves and nodes, so a leaf can never
//! be presented as an inner node or the other way round.

use p3_field::PrimeField64;

use crate::field::F;

/// A 32-byte BLAKE3 digest.
pub type Digest = [u8; 32];

const LEAF_TAG: u8 = 0;
const NODE_TAG: u8 = 1;

/// The hash of one leaf: a row of base-field elements, each as 8 little-endian bytes.
pub fn hash_leaf(leaf: &[F]) -> Digest {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&[LEAF_TAG]);
    for value in leaf {
        hasher.update(&value.as_canonical_u64().to_le_bytes());
    }
    *hasher.finalize().as_bytes()
}

fn hash_node(left: &Digest, right: &Digest) -> Digest {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&[NODE_TAG]);
    hasher.update(left);
    hasher.update(right);
    *hasher.finalize().as_bytes()
}

/// Every level of a tree, leaves first.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    levels: Vec<Vec<Digest>>,
}

impl MerkleTree {
    /// Builds the tree over `leaf_hashes` (a power of two of them).
    pub fn new(leaf_hashes: Vec<Digest>) -> Self {
        assert!(leaf_hashes.len().is_power_of_two(), "a complete tree");
        let mut levels = vec![leaf_hashes];
        while levels.last().is_some_and(|level| level.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let above = below
                .chunks_exact(2)
                .map(|pair| hash_node(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// The root.
    pub fn root(&self) -> Digest {
        self.levels.last().map_or([0; 32], |level| level[0])
    }

    /// The sibling hashes from leaf `index` up to the root.
    pub fn path(&self, mut index: usize) -> Vec<Digest> {
        let mut path = Vec::with_capacity(self.levels.len() - 1);
        for level in &self.levels[..self.levels.len() - 1] {
            path.push(level[index ^ 1]);
            index >>= 1;
        }
        path
    }
}

/// Whether `path` leads from `leaf_hash` at `index` to `root`.
pub fn verify_path(root: &Digest, mut index: usize, leaf_hash: Digest, path: &[Digest]) -> bool {
    let mut node = leaf_hash;
    for sibling in path {
        node = if index & 1 == 0 {
            hash_node(&node, sibling)
        } else {
            hash_node(sibling, &node)
        };
        index >>= 1;
    }
    index == 0 && node == *root
}
