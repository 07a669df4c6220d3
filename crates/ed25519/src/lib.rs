//! Batch verification of Ed25519 signatures under ZIP-215's rules, with the signature points
//! decompressed eight at a time.
//!
//! A batch of n signatures is checked as one equation,
//!
//! ```text
//! [8] ( [-sum z_i s_i] B + sum_keys [sum_{i by key} z_i k_i] A + sum_i [z_i] R_i ) = 0
//! ```
//!
//! with 128-bit weights z_i. Its cost used to be dominated by decompressing each R_i (a field
//! square root, about 250 squarings). Here the square roots run eight lanes at a time with
//! AVX-512 IFMA where the processor has it ([`accelerated`]), and the R_i terms, whose
//! weights are half-size, are summed apart from the full-size key and base-point terms.
//!
//! The verdict is ZIP-215's, the same as Commonware's Ed25519 batch verifier for the same
//! signatures: encodings of R and A may be non-canonical (y taken modulo p), s must be
//! canonical, and the check is cofactored. It agrees with single verification, so a node
//! checking one way and a node checking the other never disagree about a block.

mod decompress;
mod field;
mod msm;
mod point;
mod wide;

use crate::{field::Fe, point::AffineNiels};
use commonware_codec::{EncodeSize as _, Write as _, varint::UInt};
use curve25519_dalek::Scalar;
use sha2::{Digest, Sha512};

/// One signature to check.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// Position of the signer's key in the batch's keys.
    pub key: usize,
    /// The namespace the message was signed under, framed as Commonware frames it (its length
    /// as a varint, then its bytes, before the message).
    pub namespace: &'a [u8],
    /// The signed message.
    pub message: &'a [u8],
    /// R (32 bytes) then s (32 bytes).
    pub signature: &'a [u8; 64],
}

/// Whether the processor runs the eight-lane decompression; without it [`verify_batch`] still
/// gives the same verdicts, but more slowly than a general-purpose batch verifier.
pub fn accelerated() -> bool {
    decompress::available()
}

/// Whether every entry's signature is valid under its key.
///
/// `keys` are the distinct signers' 32-byte public keys; signatures by the same key share one
/// term of the equation, so listing each key once is what makes a batch from few senders
/// cheap. `seed` must be derived from every entry, key and signature of the batch (a hash of
/// them): the weights are drawn from it, and a forger who could choose signatures after seeing
/// the weights could make invalid ones cancel out.
///
/// An empty batch is valid. Panics if an entry names a key position outside `keys`.
pub fn verify_batch(keys: &[[u8; 32]], entries: &[Entry<'_>], seed: &[u8; 32]) -> bool {
    if entries.is_empty() {
        return true;
    }
    // The keys and the base point are decompressed in one batch, the signature points in
    // another: both go eight at a time.
    let mut key_encodings = Vec::with_capacity(keys.len() + 1);
    key_encodings.extend_from_slice(keys);
    key_encodings.push(BASEPOINT_ENCODING);
    let mut key_points = Vec::with_capacity(key_encodings.len());
    decompress::decompress_batch(&key_encodings, &mut key_points);
    let r_encodings: Vec<[u8; 32]> = entries
        .iter()
        .map(|entry| {
            let mut r = [0u8; 32];
            r.copy_from_slice(&entry.signature[..32]);
            r
        })
        .collect();
    let mut r_points = Vec::with_capacity(entries.len());
    decompress::decompress_batch(&r_encodings, &mut r_points);

    let mut weights = Weights::new(seed);
    // Sums of weight times scalar, kept as wide integers and reduced once each: cheaper than
    // two modular multiplications per signature.
    let mut key_sums = vec![WideSum::default(); keys.len()];
    let mut base_sum = WideSum::default();
    let mut r_weights = Vec::with_capacity(entries.len());
    let mut r_niels = Vec::with_capacity(entries.len());
    for (entry, r_point) in entries.iter().zip(&r_points) {
        let key = &keys[entry.key];
        let Some((x, y)) = r_point else {
            return false;
        };
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&entry.signature[32..]);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            return false;
        };
        let Some(k) = challenge(&entry.signature[..32], key, entry.namespace, entry.message) else {
            return false;
        };
        let z = weights.next();
        base_sum.add_product(z, &words(&s));
        key_sums[entry.key].add_product(z, &words(&k));
        r_weights.push([z as u64, (z >> 64) as u64, 0, 0]);
        r_niels.push(AffineNiels::from_affine(Fe(*x), Fe(*y)));
    }

    let mut full_scalars = Vec::with_capacity(keys.len() + 1);
    let mut full_points = Vec::with_capacity(keys.len() + 1);
    let coefficients = key_sums
        .iter()
        .map(WideSum::reduce)
        .chain(std::iter::once(-base_sum.reduce()));
    for (coefficient, point) in coefficients.zip(&key_points) {
        let Some((x, y)) = point else {
            return false;
        };
        full_scalars.push(words(&coefficient));
        full_points.push(AffineNiels::from_affine(Fe(*x), Fe(*y)));
    }

    let sum = msm::multiscalar_mul(&r_weights, 128, &r_niels).add(&msm::multiscalar_mul(
        &full_scalars,
        253,
        &full_points,
    ));
    sum.double().double().double().is_identity()
}

/// The verifier's parts, for `benches/verify.rs` to time one by one; not part of the API.
#[doc(hidden)]
pub mod parts {
    use crate::{decompress, field::Fe, msm, point::AffineNiels};

    /// Points prepared for the multi-scalar multiplication.
    #[derive(Debug)]
    pub struct Prepared(Vec<AffineNiels>);

    /// Decompresses `encodings` as the verifier does, the eight-lane path where available.
    pub fn decompress(encodings: &[[u8; 32]]) -> Option<Prepared> {
        let mut out = Vec::with_capacity(encodings.len());
        decompress::decompress_batch(encodings, &mut out);
        out.into_iter()
            .map(|point| point.map(|(x, y)| AffineNiels::from_affine(Fe(x), Fe(y))))
            .collect::<Option<Vec<_>>>()
            .map(Prepared)
    }

    /// The serial decompression of every encoding, for comparison; how many are points.
    pub fn decompress_serial(encodings: &[[u8; 32]]) -> usize {
        encodings
            .iter()
            .filter(|encoding| decompress::decompress_serial(encoding).is_some())
            .count()
    }

    /// Whether sum(weights[i] * points[i]) is the identity, each weight under 2^bits.
    pub fn weighted_sum(weights: &[[u64; 4]], bits: u32, points: &Prepared) -> bool {
        msm::multiscalar_mul(weights, bits, &points.0).is_identity()
    }
}

/// The standard encoding of the base point B.
const BASEPOINT_ENCODING: [u8; 32] = [
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
];

/// k = SHA-512(R || A || framed message) mod l, as Commonware's Ed25519 signs: the namespace's
/// length as a LEB128 varint, the namespace, then the message.
fn challenge(r: &[u8], key: &[u8; 32], namespace: &[u8], message: &[u8]) -> Option<Scalar> {
    let mut hash = Sha512::new();
    hash.update(r);
    hash.update(key);
    // Commonware's own framing: a namespace longer than u32::MAX frames nothing it signs.
    let len = UInt(u32::try_from(namespace.len()).ok()?);
    let mut prefix = [0u8; 5];
    len.write(&mut prefix.as_mut_slice());
    hash.update(&prefix[..len.encode_size()]);
    hash.update(namespace);
    hash.update(message);
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&hash.finalize());
    Some(Scalar::from_bytes_mod_order_wide(&wide))
}

/// The little-endian words of a reduced scalar (under 2^253).
fn words(scalar: &Scalar) -> [u64; 4] {
    let bytes = scalar.to_bytes();
    std::array::from_fn(|i| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        u64::from_le_bytes(word)
    })
}

/// A sum of products of 128-bit weights and scalars below 2^256, as an integer of 448 bits:
/// each product is under 2^384, so 2^64 of them fit.
#[derive(Clone, Copy, Debug, Default)]
struct WideSum([u64; 7]);

impl WideSum {
    fn add_product(&mut self, weight: u128, scalar: &[u64; 4]) {
        for (i, half) in [weight as u64, (weight >> 64) as u64]
            .into_iter()
            .enumerate()
        {
            let mut carry = 0u64;
            for (j, word) in scalar.iter().enumerate() {
                let t = u128::from(half) * u128::from(*word)
                    + u128::from(self.0[i + j])
                    + u128::from(carry);
                self.0[i + j] = t as u64;
                carry = (t >> 64) as u64;
            }
            for word in &mut self.0[i + 4..] {
                if carry == 0 {
                    break;
                }
                let (sum, overflow) = word.overflowing_add(carry);
                *word = sum;
                carry = u64::from(overflow);
            }
        }
    }

    /// The sum modulo the group order.
    fn reduce(&self) -> Scalar {
        let mut bytes = [0u8; 64];
        for (chunk, word) in bytes.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        Scalar::from_bytes_mod_order_wide(&bytes)
    }
}

/// The batch's 128-bit weights: SHA-512 of the seed and a counter, four weights per block.
struct Weights {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 64],
    used: usize,
}

impl Weights {
    fn new(seed: &[u8; 32]) -> Self {
        Self {
            seed: *seed,
            counter: 0,
            block: [0; 64],
            used: 4,
        }
    }

    fn next(&mut self) -> u128 {
        if self.used == 4 {
            let mut hash = Sha512::new();
            hash.update(b"ailedger-ed25519 batch weights");
            hash.update(self.seed);
            hash.update(self.counter.to_le_bytes());
            self.block.copy_from_slice(&hash.finalize());
            self.counter += 1;
            self.used = 0;
        }
        let mut weight = [0u8; 16];
        weight.copy_from_slice(&self.block[self.used * 16..self.used * 16 + 16]);
        self.used += 1;
        u128::from_le_bytes(weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_codec::{Copying, DecodeExt as _};
    use commonware_cryptography::{
        BatchEntry, BatchVerifier as _, Signer as _, Verifier as _, ed25519,
    };
    use commonware_math::algebra::Random as _;
    use proptest::prelude::*;
    use rand::{SeedableRng as _, rngs::StdRng};

    /// (signer, namespace, message, signature)
    type Item = (usize, Vec<u8>, Vec<u8>, [u8; 64]);

    /// A batch as the caller builds it: keys listed once, entries naming them.
    #[derive(Clone, Debug)]
    struct Batch {
        signers: Vec<ed25519::PrivateKey>,
        items: Vec<Item>,
    }

    impl Batch {
        fn new(senders: usize, count: usize, seed: u64) -> Self {
            let mut rng = StdRng::seed_from_u64(seed);
            let signers: Vec<ed25519::PrivateKey> = (0..senders)
                .map(|_| ed25519::PrivateKey::random(&mut rng))
                .collect();
            let items = (0..count)
                .map(|i| {
                    let signer = i % senders;
                    // Namespaces long enough for a two-byte length prefix too.
                    let namespace = vec![b'n'; (i * 37) % 300];
                    let message = format!("message {i}").into_bytes();
                    let signature = signers[signer].sign(&namespace, &message);
                    let mut bytes = [0u8; 64];
                    bytes.copy_from_slice(signature.as_ref());
                    (signer, namespace, message, bytes)
                })
                .collect();
            Self { signers, items }
        }

        fn keys(&self) -> Vec<[u8; 32]> {
            self.signers
                .iter()
                .map(|s| {
                    let mut key = [0u8; 32];
                    key.copy_from_slice(s.public_key().as_ref());
                    key
                })
                .collect()
        }

        fn entries(&self) -> Vec<Entry<'_>> {
            self.items
                .iter()
                .map(|(signer, namespace, message, signature)| Entry {
                    key: *signer,
                    namespace,
                    message,
                    signature,
                })
                .collect()
        }

        fn ours(&self) -> bool {
            verify_batch(&self.keys(), &self.entries(), &[7; 32])
        }

        /// Commonware's batch verdict on the same signatures.
        fn commonware(&self) -> bool {
            let public: Vec<ed25519::PublicKey> =
                self.signers.iter().map(|s| s.public_key()).collect();
            let signatures: Vec<Option<ed25519::Signature>> = self
                .items
                .iter()
                .map(|(_, _, _, bytes)| ed25519::Signature::decode(Copying(&bytes[..])).ok())
                .collect();
            if signatures.iter().any(Option::is_none) {
                return false;
            }
            let mut rng = StdRng::seed_from_u64(1);
            ed25519::PublicKey::verify_batch(
                &mut rng,
                &self.items,
                |i, (signer, namespace, message, _)| BatchEntry {
                    namespace,
                    message,
                    public_key: &public[*signer],
                    signature: signatures[i].as_ref().expect("checked above"),
                },
                &commonware_parallel::Sequential,
            )
        }
    }

    #[test]
    fn valid_batches_verify_at_every_size() {
        assert!(verify_batch(&[], &[], &[0; 32]), "an empty batch is valid");
        for (senders, count) in [(1, 1), (1, 9), (3, 17), (40, 40), (7, 300), (200, 2100)] {
            let batch = Batch::new(senders, count, count as u64);
            assert!(batch.ours(), "{senders} senders, {count} signatures");
            assert!(batch.commonware());
        }
    }

    #[test]
    fn every_kind_of_tampering_is_caught() {
        let batch = Batch::new(5, 50, 3);
        let tampered = |change: &dyn Fn(&mut Batch)| {
            let mut copy = batch.clone();
            change(&mut copy);
            copy
        };
        let cases: Vec<(&str, Batch)> = vec![
            ("message", tampered(&|b| b.items[10].2.push(0))),
            ("namespace", tampered(&|b| b.items[11].1.push(b'x'))),
            ("R bit", tampered(&|b| b.items[12].3[3] ^= 1)),
            ("R sign bit", tampered(&|b| b.items[12].3[31] ^= 0x80)),
            ("s bit", tampered(&|b| b.items[13].3[40] ^= 1)),
            ("s top bit", tampered(&|b| b.items[13].3[63] ^= 0x10)),
            (
                "s plus the group order",
                tampered(&|b| {
                    let mut s = [0u8; 32];
                    s.copy_from_slice(&b.items[14].3[32..]);
                    let mut carry = 0u16;
                    for (byte, l) in s.iter_mut().zip(GROUP_ORDER) {
                        let sum = u16::from(*byte) + u16::from(l) + carry;
                        *byte = sum as u8;
                        carry = sum >> 8;
                    }
                    b.items[14].3[32..].copy_from_slice(&s);
                }),
            ),
            (
                "signatures swapped",
                tampered(&|b| {
                    let first = b.items[1].3;
                    b.items[1].3 = b.items[2].3;
                    b.items[2].3 = first;
                }),
            ),
            (
                "wrong signer",
                tampered(&|b| b.items[20].0 = (b.items[20].0 + 1) % 5),
            ),
            (
                "R not on the curve",
                tampered(&|b| b.items[30].3[..32].copy_from_slice(&[2; 32])),
            ),
            ("last entry", tampered(&|b| b.items[49].2[0] ^= 1)),
        ];
        for (what, case) in cases {
            assert!(!case.ours(), "{what}");
            assert!(!case.commonware(), "{what}");
        }
    }

    #[test]
    fn a_key_that_is_not_a_point_fails_the_batch() {
        let batch = Batch::new(2, 4, 9);
        let mut keys = batch.keys();
        keys[1] = [2; 32];
        assert!(!verify_batch(&keys, &batch.entries(), &[0; 32]));
    }

    #[test]
    fn small_order_keys_and_points_follow_zip215() {
        // Under ZIP-215's cofactored equation, a small-order key with a small-order R and
        // s = 0 verifies for any message; Commonware's single verification agrees.
        for key in curve25519_dalek::constants::EIGHT_TORSION {
            for r in curve25519_dalek::constants::EIGHT_TORSION {
                let key_bytes = key.compress().to_bytes();
                let mut signature = [0u8; 64];
                signature[..32].copy_from_slice(r.compress().as_bytes());
                let entry = Entry {
                    key: 0,
                    namespace: b"ns",
                    message: b"anything",
                    signature: &signature,
                };
                let ours = verify_batch(&[key_bytes], &[entry], &[1; 32]);
                let theirs = match (
                    ed25519::PublicKey::decode(Copying(&key_bytes[..])),
                    ed25519::Signature::decode(Copying(&signature[..])),
                ) {
                    (Ok(public), Ok(sig)) => public.verify(b"ns", b"anything", &sig),
                    _ => false,
                };
                assert_eq!(ours, theirs);
                assert!(ours, "ZIP-215 accepts the cofactored equation");
            }
        }
    }

    /// l, little-endian.
    const GROUP_ORDER: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    proptest! {
        #[test]
        fn wide_sums_reduce_to_the_modular_sum(
            terms in prop::collection::vec((any::<u128>(), any::<[u8; 32]>()), 0..50),
        ) {
            let mut wide = WideSum::default();
            let mut expected = Scalar::ZERO;
            for (weight, bytes) in &terms {
                let scalar = Scalar::from_bytes_mod_order(*bytes);
                wide.add_product(*weight, &words(&scalar));
                expected += Scalar::from(*weight) * scalar;
            }
            prop_assert_eq!(wide.reduce(), expected);
        }
    }

    #[test]
    fn wide_sums_hold_the_largest_products() {
        let mut wide = WideSum::default();
        let mut expected = Scalar::ZERO;
        let top = [u64::MAX; 4];
        let top_scalar = Scalar::from_bytes_mod_order([0xff; 32]);
        for _ in 0..1000 {
            wide.add_product(u128::MAX, &top);
            expected += Scalar::from(u128::MAX) * top_scalar;
        }
        assert_eq!(wide.reduce(), expected);
    }

    #[test]
    fn weights_differ_by_seed_and_position() {
        let mut a = Weights::new(&[0; 32]);
        let mut b = Weights::new(&[1; 32]);
        let first: Vec<u128> = (0..9).map(|_| a.next()).collect();
        let other: Vec<u128> = (0..9).map(|_| b.next()).collect();
        assert_ne!(first, other);
        let mut unique = first.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), first.len());
        assert_eq!(Weights::new(&[0; 32]).next(), first[0], "deterministic");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any single byte changed anywhere in any signature gives the verdict Commonware
        /// gives.
        #[test]
        fn agrees_with_commonware_on_any_corruption(
            count in 1usize..40,
            senders in 1usize..6,
            which in any::<prop::sample::Index>(),
            position in 0usize..64,
            value in any::<u8>(),
        ) {
            let mut batch = Batch::new(senders, count, count as u64 * 31 + senders as u64);
            let i = which.index(count);
            batch.items[i].3[position] = value;
            prop_assert_eq!(batch.ours(), batch.commonware());
        }
    }
}
