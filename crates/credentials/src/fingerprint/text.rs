//! SimHash of text (Charikar 2002): every word 3-shingle votes on 64 bits with its hash, and a
//! bit of the fingerprint is set where the votes are positive. Texts sharing most shingles share
//! most bits; the distance grows smoothly with the share of edited shingles.
//!
//! Text is normalised first (lowercase, words split on anything that is not a letter or digit),
//! so that re-wrapping, punctuation and case changes do not count as edits.

use sha2::{Digest, Sha256};

use super::{Fingerprint, Kind};

/// Words per shingle.
const SHINGLE_WORDS: usize = 3;

/// The SimHash fingerprint of `text`. A text of fewer than three words is one shingle; an
/// empty text fingerprints to zero.
pub fn text_fingerprint(text: &str) -> Fingerprint {
    let mut votes = [0i64; 64];
    for hash in shingle_hashes(text) {
        for (bit, count) in votes.iter_mut().enumerate() {
            if hash >> bit & 1 == 1 {
                *count += 1;
            } else {
                *count -= 1;
            }
        }
    }
    let bits = votes
        .iter()
        .enumerate()
        .filter(|(_, count)| **count > 0)
        .fold(0u64, |bits, (bit, _)| bits | 1 << bit);
    Fingerprint {
        kind: Kind::Text,
        bits,
    }
}

/// A 64-bit hash of every word 3-shingle of the normalised text, in order (one shingle for a
/// text of fewer than three words, none for an empty one).
pub(crate) fn shingle_hashes(text: &str) -> Vec<u64> {
    let lowered = text.to_lowercase();
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let hash = |shingle: &[&str]| {
        let mut hasher = Sha256::new();
        for word in shingle {
            hasher.update(word.as_bytes());
            // A separator no word contains, so that ("ab", "c") and ("a", "bc") differ.
            hasher.update([0x1f]);
        }
        let digest = hasher.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    };
    if words.len() < SHINGLE_WORDS {
        if words.is_empty() {
            return Vec::new();
        }
        return vec![hash(&words)];
    }
    words.windows(SHINGLE_WORDS).map(hash).collect()
}
