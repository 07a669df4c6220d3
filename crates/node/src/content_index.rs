//! The node's near-duplicate index of content claims.
//!
//! Not consensus: it is derived from committed claims, which the content module numbers in
//! registration order, and it is rebuilt from the state when the node starts (the first lookup
//! or block reads every claim from number 0). After each block it reads the claims numbered
//! from where it stopped, so it never misses or repeats one, whatever the node does in between.
//! Each fingerprint is filed under its claim's registration number; a lookup reads the matched
//! claims back from the state.

use ailedger_api::MatchedBy;
use ailedger_neardup::{HammingIndex, MinHashIndex};
use ailedger_state::content::Claim;

/// The claims' fingerprints, by registration number.
pub(crate) struct ContentIndex {
    /// The registration number of the next claim to index.
    next_seq: u64,
    image: HammingIndex<u64>,
    simhash: HammingIndex<u64>,
    minhash: MinHashIndex<u64>,
}

impl std::fmt::Debug for ContentIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentIndex")
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl ContentIndex {
    pub(crate) fn new() -> Self {
        Self {
            next_seq: 0,
            image: HammingIndex::new(),
            simhash: HammingIndex::new(),
            minhash: MinHashIndex::new(),
        }
    }

    /// The registration number of the next claim to index (the number indexed so far).
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Indexes the next claim. Claims must come in registration order.
    pub(crate) fn add(&mut self, claim: &Claim) {
        debug_assert_eq!(claim.seq, self.next_seq, "claims are indexed in order");
        let prints = &claim.fingerprints;
        if let Some(bits) = prints.image {
            self.image.insert(bits, claim.seq);
        }
        if let Some(bits) = prints.simhash {
            self.simhash.insert(bits, claim.seq);
        }
        if !prints.minhash.is_empty() {
            self.minhash.insert(&prints.minhash, claim.seq);
        }
        self.next_seq = claim.seq + 1;
    }

    /// Skips a registration number whose claim cannot be read (it is always readable once
    /// committed; this keeps a corrupt record from stopping the index forever).
    pub(crate) fn skip(&mut self) {
        self.next_seq += 1;
    }

    /// The registration numbers of claims near the fingerprints, nearest first within each
    /// kind, at most `limit` of each.
    pub(crate) fn lookup(&self, query: &ailedger_api::SimilarQuery) -> Vec<(MatchedBy, u64)> {
        let mut found = Vec::new();
        if let Some(bits) = query.image {
            found.extend(
                self.image
                    .within(bits, query.max_distance)
                    .into_iter()
                    .take(query.limit)
                    .map(|m| {
                        (
                            MatchedBy::Image {
                                distance: m.distance,
                            },
                            m.value,
                        )
                    }),
            );
        }
        if let Some(bits) = query.simhash {
            found.extend(
                self.simhash
                    .within(bits, query.max_distance)
                    .into_iter()
                    .take(query.limit)
                    .map(|m| {
                        (
                            MatchedBy::SimHash {
                                distance: m.distance,
                            },
                            m.value,
                        )
                    }),
            );
        }
        if !query.minhash.is_empty() {
            found.extend(
                self.minhash
                    .similar(&query.minhash, query.min_similarity)
                    .into_iter()
                    .take(query.limit)
                    .map(|m| {
                        (
                            MatchedBy::MinHash {
                                equal: m.equal,
                                compared: m.compared,
                            },
                            m.value,
                        )
                    }),
            );
        }
        found
    }
}
