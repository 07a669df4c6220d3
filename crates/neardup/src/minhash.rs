//! LSH banding over MinHash signatures.

use std::collections::HashMap;

/// A signature found sharing a band with the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinHashMatch<V> {
    /// Values equal at the same position.
    pub equal: u32,
    /// Positions compared (the shorter signature's length).
    pub compared: u32,
    /// The value stored with the signature.
    pub value: V,
}

impl<V> MinHashMatch<V> {
    /// `equal / compared`: the estimated Jaccard similarity.
    pub fn similarity(&self) -> f64 {
        if self.compared == 0 {
            return 0.0;
        }
        f64::from(self.equal) / f64::from(self.compared)
    }
}

/// MinHash signatures with a value each, searchable by estimated Jaccard similarity.
pub struct MinHashIndex<V> {
    signatures: Vec<Vec<u32>>,
    values: Vec<V>,
    /// Positions of the signatures with each band, by a 64-bit key of (band number, values).
    bands: HashMap<u64, Vec<u32>>,
}

impl<V> std::fmt::Debug for MinHashIndex<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinHashIndex")
            .field("len", &self.signatures.len())
            .finish_non_exhaustive()
    }
}

impl<V: Clone> Default for MinHashIndex<V> {
    fn default() -> Self {
        Self::new()
    }
}

/// SplitMix64's finaliser: a fixed, well-mixing function, so that keys are the same in every
/// process (no random hasher seed).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn band_key(band: usize, values: &[u32]) -> u64 {
    values
        .iter()
        .fold(mix(band as u64), |key, value| mix(key ^ u64::from(*value)))
}

impl<V: Clone> MinHashIndex<V> {
    /// Values per band. With 128-value signatures (32 bands), a pair of Jaccard similarity 0.5
    /// shares a band with probability 1 − (1 − 0.5⁴)³² ≈ 0.87, one of 0.8 almost surely, one of
    /// 0.2 with probability 0.05.
    pub const ROWS: usize = 4;

    /// An empty index.
    pub fn new() -> Self {
        Self {
            signatures: Vec::new(),
            values: Vec::new(),
            bands: HashMap::new(),
        }
    }

    /// The number of signatures held.
    pub fn len(&self) -> usize {
        self.signatures.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.signatures.is_empty()
    }

    /// Adds a signature. One shorter than [`Self::ROWS`] has no band and is never found.
    ///
    /// # Panics
    ///
    /// Past 2^32 signatures.
    pub fn insert(&mut self, signature: &[u32], value: V) {
        let position = u32::try_from(self.signatures.len()).expect("fewer than 2^32 signatures");
        for (band, values) in signature.chunks_exact(Self::ROWS).enumerate() {
            self.bands
                .entry(band_key(band, values))
                .or_default()
                .push(position);
        }
        self.signatures.push(signature.to_vec());
        self.values.push(value);
    }

    /// Every signature sharing a band with `signature` whose estimated similarity is at least
    /// `min_similarity`, most similar first (ties in insertion order).
    pub fn similar(&self, signature: &[u32], min_similarity: f64) -> Vec<MinHashMatch<V>> {
        let mut candidates: Vec<u32> = signature
            .chunks_exact(Self::ROWS)
            .enumerate()
            .filter_map(|(band, values)| self.bands.get(&band_key(band, values)))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut found: Vec<MinHashMatch<u32>> = candidates
            .into_iter()
            .map(|position| {
                let other = &self.signatures[position as usize];
                let compared = signature.len().min(other.len());
                let equal = signature.iter().zip(other).filter(|(a, b)| a == b).count();
                MinHashMatch {
                    equal: equal as u32,
                    compared: compared as u32,
                    value: position,
                }
            })
            .filter(|found| found.similarity() >= min_similarity)
            .collect();
        // Compare equal/compared as fractions, exactly: a * d > c * b.
        found.sort_by(|a, b| {
            (u64::from(b.equal) * u64::from(a.compared))
                .cmp(&(u64::from(a.equal) * u64::from(b.compared)))
                .then(a.value.cmp(&b.value))
        });
        found
            .into_iter()
            .map(|found| MinHashMatch {
                equal: found.equal,
                compared: found.compared,
                value: self.values[found.value as usize].clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(seed: u64, len: usize) -> Vec<u32> {
        (0..len as u64)
            .map(|i| mix(seed * 1000 + i) as u32)
            .collect()
    }

    #[test]
    fn finds_a_close_signature_and_not_an_unrelated_one() {
        let mut index = MinHashIndex::new();
        for seed in 0..500 {
            index.insert(&signature(seed, 128), seed);
        }
        // 90% of the values of signature 7.
        let mut query = signature(7, 128);
        for value in query.iter_mut().step_by(10) {
            *value ^= 1;
        }
        let found = index.similar(&query, 0.5);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, 7);
        assert_eq!(found[0].compared, 128);
        assert_eq!(found[0].equal, 128 - 13);
        assert!(index.similar(&signature(9_999, 128), 0.1).is_empty());
    }

    #[test]
    fn ranks_by_similarity() {
        let mut index = MinHashIndex::new();
        let base = signature(1, 64);
        let mut half = base.clone();
        for value in half.iter_mut().skip(32) {
            *value = !*value;
        }
        index.insert(&half, "half");
        index.insert(&base, "same");
        let found = index.similar(&base, 0.0);
        assert_eq!(
            found.iter().map(|m| m.value).collect::<Vec<_>>(),
            ["same", "half"]
        );
        assert!((found[1].similarity() - 0.5).abs() < 1e-9);
        // Too short for one band.
        index.insert(&base[..3], "short");
        assert_eq!(index.similar(&base[..3], 0.0).len(), 0);
    }
}
