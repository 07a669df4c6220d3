//! RFC 6962 hashing: the [`struct@Hash`] type, leaf hashes and inner node hashes over SHA-256.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::digest::generic_array::GenericArray;
use sha2::digest::typenum::U64;
use sha2::{Digest as _, Sha256};

/// Prefix byte of a leaf hash's input (RFC 6962 §2.1).
pub const LEAF_PREFIX: u8 = 0x00;
/// Prefix byte of an inner node hash's input (RFC 6962 §2.1).
pub const NODE_PREFIX: u8 = 0x01;

/// A SHA-256 digest: a leaf hash, an inner node hash or a tree root.
///
/// `Display` is the standard base64 form used by checkpoints and `tlog-proof` receipts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// Length of a digest in bytes.
    pub const LEN: usize = 32;

    /// The digest's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest in standard base64 (44 characters).
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses standard base64 of exactly 32 bytes; `None` for anything else.
    pub fn from_base64(text: &str) -> Option<Self> {
        // A 32-byte digest is always 44 characters; checking first bounds the decoder's work.
        if text.len() != 44 {
            return None;
        }
        let bytes = BASE64.decode(text).ok()?;
        let bytes: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(bytes))
    }

    /// Reads a digest from the first 32 bytes of `bytes`; `None` if there are fewer.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let bytes: [u8; 32] = bytes.get(..Self::LEN)?.try_into().ok()?;
        Some(Self(bytes))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_base64())
    }
}

/// The root of the empty tree: `SHA-256("")` (RFC 6962 §2.1).
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The hash of a log entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(entry);
    Hash(hasher.finalize().into())
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
/// The input is always 65 bytes, so it is padded here once (two blocks: the input, `0x80`,
/// zeros, the bit length 520) and fed straight to the compression function. Every appended
/// entry costs about one node hash, and proofs over tiles cost hundreds, so skipping the
/// streaming hasher's buffering is worth the few lines.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut blocks = [GenericArray::<u8, U64>::default(); 2];
    let (first, second) = blocks.split_at_mut(1);
    let (first, second) = (&mut first[0], &mut second[0]);
    first[0] = NODE_PREFIX;
    first[1..33].copy_from_slice(&left.0);
    first[33..].copy_from_slice(&right.0[..31]);
    second[0] = right.0[31];
    second[1] = 0x80;
    second[56..].copy_from_slice(&(65u64 * 8).to_be_bytes());
    let mut state = SHA256_INITIAL_STATE;
    sha2::compress256(&mut state, &blocks);
    let mut digest = [0u8; 32];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    Hash(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_hash_matches_streaming_sha256() {
        let left = leaf_hash(b"left");
        let right = leaf_hash(b"right");
        let mut hasher = Sha256::new();
        hasher.update([NODE_PREFIX]);
        hasher.update(left.0);
        hasher.update(right.0);
        assert_eq!(node_hash(&left, &right), Hash(hasher.finalize().into()));
    }

    #[test]
    fn base64_round_trips_and_rejects_other_lengths() {
        let hash = leaf_hash(b"x");
        assert_eq!(Hash::from_base64(&hash.to_base64()), Some(hash));
        assert_eq!(Hash::from_base64("AAAA"), None);
        assert_eq!(Hash::from_base64(&"A".repeat(44)), None);
    }
}
