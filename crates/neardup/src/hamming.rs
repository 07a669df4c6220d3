//! Multi-index hashing over four 16-bit blocks of a 64-bit code.

/// Blocks a code is split into.
const BLOCKS: usize = 4;
/// Bits per block.
const BLOCK_BITS: u32 = 16;
/// Beyond this radius per block, probing costs more than scanning (`C(16, 4)` = 1,820 probes
/// per block), so larger radii scan every code.
const MAX_PROBE_RADIUS: u32 = 3;

/// A code found within the radius of a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HammingMatch<V> {
    /// The number of differing bits.
    pub distance: u32,
    /// The value stored with the code.
    pub value: V,
}

/// 64-bit codes with a value each, searchable by Hamming radius.
pub struct HammingIndex<V> {
    codes: Vec<u64>,
    values: Vec<V>,
    /// For each block, the codes (with their positions) whose block has each of the 2^16
    /// values. The code is kept beside its position so that a probe reads one bucket
    /// sequentially instead of jumping to every candidate's code: at a million codes the
    /// lookup is bound by memory reads, not by comparisons.
    buckets: Vec<Vec<Vec<(u64, u32)>>>,
}

impl<V> std::fmt::Debug for HammingIndex<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HammingIndex")
            .field("len", &self.codes.len())
            .finish_non_exhaustive()
    }
}

impl<V: Clone> Default for HammingIndex<V> {
    fn default() -> Self {
        Self::new()
    }
}

fn block(code: u64, index: usize) -> u16 {
    (code >> (BLOCK_BITS as usize * index)) as u16
}

impl<V: Clone> HammingIndex<V> {
    /// An empty index.
    pub fn new() -> Self {
        Self {
            codes: Vec::new(),
            values: Vec::new(),
            buckets: (0..BLOCKS)
                .map(|_| vec![Vec::new(); 1 << BLOCK_BITS])
                .collect(),
        }
    }

    /// The number of codes held.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Adds a code. The same code may be added with several values.
    ///
    /// # Panics
    ///
    /// Past 2^32 codes, which is beyond what one node holds in memory anyway.
    pub fn insert(&mut self, code: u64, value: V) {
        let position = u32::try_from(self.codes.len()).expect("fewer than 2^32 codes");
        for (index, buckets) in self.buckets.iter_mut().enumerate() {
            buckets[usize::from(block(code, index))].push((code, position));
        }
        self.codes.push(code);
        self.values.push(value);
    }

    /// Every code within `radius` bits of `code`, nearest first (ties in insertion order).
    pub fn within(&self, code: u64, radius: u32) -> Vec<HammingMatch<V>> {
        let mut found: Vec<(u32, u32)> = Vec::new();
        let per_block = radius / BLOCKS as u32;
        if per_block > MAX_PROBE_RADIUS {
            for (position, other) in self.codes.iter().enumerate() {
                let distance = (other ^ code).count_ones();
                if distance <= radius {
                    found.push((distance, position as u32));
                }
            }
        } else {
            for index in 0..BLOCKS {
                let query = block(code, index);
                for_each_within(query, per_block, |probe| {
                    for &(other, position) in &self.buckets[index][usize::from(probe)] {
                        // A code close in an earlier block was already found there.
                        let seen = (0..index).any(|earlier| {
                            u32::from(block(other, earlier) ^ block(code, earlier)).count_ones()
                                <= per_block
                        });
                        if seen {
                            continue;
                        }
                        let distance = (other ^ code).count_ones();
                        if distance <= radius {
                            found.push((distance, position));
                        }
                    }
                });
            }
        }
        found.sort_unstable();
        found
            .into_iter()
            .map(|(distance, position)| HammingMatch {
                distance,
                value: self.values[position as usize].clone(),
            })
            .collect()
    }
}

/// Calls `visit` with every 16-bit value within `radius` bits of `value` (itself included).
fn for_each_within(value: u16, radius: u32, mut visit: impl FnMut(u16)) {
    fn flip(value: u16, from_bit: u32, left: u32, visit: &mut impl FnMut(u16)) {
        visit(value);
        if left == 0 {
            return;
        }
        for bit in from_bit..BLOCK_BITS {
            flip(value ^ (1 << bit), bit + 1, left - 1, visit);
        }
    }
    flip(value, 0, radius, &mut visit);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(n: usize, mut state: u64) -> Vec<u64> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            })
            .collect()
    }

    fn brute(codes: &[u64], query: u64, radius: u32) -> Vec<(u32, usize)> {
        let mut found: Vec<(u32, usize)> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| ((c ^ query).count_ones(), i))
            .filter(|(d, _)| *d <= radius)
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn probes_enumerate_each_neighbour_once() {
        let mut seen = Vec::new();
        for_each_within(0, 2, |v| seen.push(v));
        assert_eq!(seen.len(), 1 + 16 + 120);
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 1 + 16 + 120);
    }

    #[test]
    fn finds_exactly_what_a_scan_finds() {
        let base = codes(2_000, 0x1234_5678);
        let mut all = base.clone();
        // Near copies of some codes, at distances 1..=12.
        for (i, code) in base.iter().take(200).enumerate() {
            let flips = 1 + i % 12;
            let mut near = *code;
            for bit in 0..flips {
                near ^= 1 << ((bit * 5 + i) % 64);
            }
            all.push(near);
        }
        let mut index = HammingIndex::new();
        for (i, code) in all.iter().enumerate() {
            index.insert(*code, i);
        }
        for radius in [0, 3, 7, 10, 12, 16, 20] {
            for query in base.iter().take(50) {
                let got: Vec<(u32, usize)> = index
                    .within(*query, radius)
                    .into_iter()
                    .map(|m| (m.distance, m.value))
                    .collect();
                assert_eq!(got, brute(&all, *query, radius), "radius {radius}");
            }
        }
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        let index: HammingIndex<u8> = HammingIndex::new();
        assert!(index.within(42, 10).is_empty());
        assert!(index.is_empty());
    }
}
