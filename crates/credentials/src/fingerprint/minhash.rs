//! MinHash signatures of text (Broder 1997): for each of [`MINHASH_LEN`] fixed hash functions,
//! the smallest hash over the text's word 3-shingles (the same shingles as the SimHash). The
//! share of positions where two signatures agree estimates the Jaccard similarity of the two
//! shingle sets, which SimHash's bit distance only approximates; a node finds candidates by LSH
//! banding over the signature.

use super::text::shingle_hashes;

/// Values in a signature: 128 estimates a Jaccard similarity to within about ±0.09 (one
/// standard deviation at 0.5), and is what the chain accepts at most.
pub const MINHASH_LEN: usize = 128;

/// SplitMix64's finaliser, a fixed permutation of 64-bit values.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The MinHash signature of `text`: [`MINHASH_LEN`] values. Hash function `i` is
/// `mix(shingle ^ mix(i))` truncated to its high 32 bits. An empty text has an all-`u32::MAX`
/// signature, which matches only other empty texts.
pub fn text_minhash(text: &str) -> Vec<u32> {
    let seeds: Vec<u64> = (0..MINHASH_LEN as u64).map(mix).collect();
    let mut signature = vec![u32::MAX; MINHASH_LEN];
    for shingle in shingle_hashes(text) {
        for (slot, seed) in signature.iter_mut().zip(&seeds) {
            let value = (mix(shingle ^ seed) >> 32) as u32;
            if value < *slot {
                *slot = value;
            }
        }
    }
    signature
}

/// The share of positions where two signatures agree (0 for empty signatures).
pub fn minhash_similarity(a: &[u32], b: &[u32]) -> f64 {
    let compared = a.len().min(b.len());
    if compared == 0 {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / compared as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "The harbour authority announced on Tuesday that the northern \
        breakwater, damaged in the winter storms, will be rebuilt over the next two years with \
        a budget of forty million, and that fishing boats will moor in the southern basin \
        while the work goes on. Residents asked for the promenade to stay open.";

    #[test]
    fn edited_text_stays_similar_and_unrelated_text_does_not() {
        let original = text_minhash(STORY);
        assert_eq!(original.len(), MINHASH_LEN);
        let rewrapped = STORY.to_uppercase().replace(", ", "\n");
        assert_eq!(text_minhash(&rewrapped), original);
        let edited = STORY.replace("forty million", "forty-two million");
        let similarity = minhash_similarity(&original, &text_minhash(&edited));
        assert!(similarity > 0.6, "{similarity}");
        let other = text_minhash(
            "A recipe for bread: flour, water, salt and yeast, kneaded for ten minutes, \
             left to rise overnight, shaped in the morning and baked in a hot oven.",
        );
        assert!(minhash_similarity(&original, &other) < 0.1);
    }

    #[test]
    fn empty_text_has_a_fixed_signature() {
        assert_eq!(text_minhash(""), vec![u32::MAX; MINHASH_LEN]);
        assert_eq!(minhash_similarity(&[], &[1]), 0.0);
    }
}
