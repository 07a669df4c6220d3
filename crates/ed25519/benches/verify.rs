//! Batch verification of a block's worth of transfer signatures: this crate against
//! Commonware's Ed25519 batch verifier (curve25519-dalek) on the same signatures, in the same
//! run, best of several rounds; then the parts of this crate's check one by one
//! (decompressing the R points, against dalek's `decompress` and the serial path, and the two
//! multi-scalar multiplications).
//!
//! `cargo bench -p ailedger-ed25519 --bench verify -- [SIGNATURES] [SENDERS] [ROUNDS]`

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use ailedger_ed25519::{Entry, accelerated, parts, verify_batch};
use commonware_cryptography::{BatchEntry, BatchVerifier as _, Signer as _, ed25519};
use commonware_math::algebra::Random as _;
use curve25519_dalek::edwards::CompressedEdwardsY;
use rand::{Rng as _, SeedableRng as _, rngs::StdRng};
use std::time::{Duration, Instant};

fn arg(position: usize, default: usize) -> usize {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(position)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn best(rounds: usize, mut run: impl FnMut() -> bool) -> Duration {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            assert!(run(), "a valid batch verifies");
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let n = arg(1, 30_000);
    let n_senders = arg(2, 2_000);
    let rounds = arg(3, 5);
    let namespace = b"_AILEDGER_TX";
    let mut rng = StdRng::seed_from_u64(1);
    let signers: Vec<ed25519::PrivateKey> = (0..n_senders)
        .map(|_| ed25519::PrivateKey::random(&mut rng))
        .collect();
    let public: Vec<ed25519::PublicKey> = signers.iter().map(|s| s.public_key()).collect();
    let keys: Vec<[u8; 32]> = public
        .iter()
        .map(|p| p.as_ref().try_into().unwrap())
        .collect();
    // Transfer-sized messages (a transaction body is about 150 bytes).
    let items: Vec<(usize, Vec<u8>, ed25519::Signature)> = (0..n)
        .map(|i| {
            let signer = i % n_senders;
            let mut message = vec![0u8; 150];
            message[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let signature = signers[signer].sign(namespace, &message);
            (signer, message, signature)
        })
        .collect();
    let signatures: Vec<[u8; 64]> = items
        .iter()
        .map(|(_, _, s)| s.as_ref().try_into().unwrap())
        .collect();

    let ours = best(rounds, || {
        let entries: Vec<Entry<'_>> = items
            .iter()
            .zip(&signatures)
            .map(|((signer, message, _), signature)| Entry {
                key: *signer,
                namespace,
                message,
                signature,
            })
            .collect();
        verify_batch(&keys, &entries, &[3; 32])
    });
    let theirs = best(rounds, || {
        ed25519::PublicKey::verify_batch(
            &mut StdRng::seed_from_u64(2),
            &items,
            |_, (signer, message, signature)| BatchEntry {
                namespace,
                message,
                public_key: &public[*signer],
                signature,
            },
            &commonware_parallel::Sequential,
        )
    });
    let per_sig = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "{n} signatures from {n_senders} senders, best of {rounds}, one thread (IFMA: {})",
        accelerated()
    );
    println!(
        "ailedger-ed25519: {:>8.1} ms  {:.2} us/signature",
        ours.as_secs_f64() * 1e3,
        per_sig(ours)
    );
    println!(
        "commonware:       {:>8.1} ms  {:.2} us/signature",
        theirs.as_secs_f64() * 1e3,
        per_sig(theirs)
    );
    println!(
        "speed-up:         {:.2}x",
        theirs.as_secs_f64() / ours.as_secs_f64()
    );

    // The parts, on the same signatures' R points and keys.
    let r_points: Vec<[u8; 32]> = signatures
        .iter()
        .map(|s| s[..32].try_into().unwrap())
        .collect();
    let per_point = |d: Duration, count: usize| d.as_secs_f64() * 1e9 / count as f64;
    let eight_lanes = best(rounds, || parts::decompress(&r_points).is_some());
    let serial = best(rounds, || parts::decompress_serial(&r_points) == n);
    let dalek = best(rounds, || {
        r_points
            .iter()
            .all(|r| CompressedEdwardsY(*r).decompress().is_some())
    });
    println!(
        "decompressing R:  {:.0} ns/point (dalek {:.0}, serial path {:.0})",
        per_point(eight_lanes, n),
        per_point(dalek, n),
        per_point(serial, n)
    );
    let prepared = parts::decompress(&r_points).unwrap();
    let mut weight_rng = StdRng::seed_from_u64(3);
    let weights: Vec<[u64; 4]> = (0..n)
        .map(|_| [weight_rng.next_u64(), weight_rng.next_u64(), 0, 0])
        .collect();
    let r_sum = best(rounds, || !parts::weighted_sum(&weights, 128, &prepared));
    let key_points = parts::decompress(&keys).unwrap();
    let coefficients: Vec<[u64; 4]> = (0..keys.len())
        .map(|_| {
            let mut c = [0u64; 4];
            c.iter_mut().for_each(|w| *w = weight_rng.next_u64());
            c[3] >>= 3;
            c
        })
        .collect();
    let key_sum = best(rounds, || {
        !parts::weighted_sum(&coefficients, 253, &key_points)
    });
    println!(
        "sum of {n} R points, 128-bit weights: {:.1} ms; of {} keys, 253-bit: {:.1} ms",
        r_sum.as_secs_f64() * 1e3,
        keys.len(),
        key_sum.as_secs_f64() * 1e3
    );
}
