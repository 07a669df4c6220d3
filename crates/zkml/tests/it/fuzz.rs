//! Mutation fuzzing of the proof decoder and verifier on stable Rust, bounded in time so it runs
//! with every `cargo test`.
//!
//! Real proofs (the shared digits MLP and small CNN when present, CNNs and an MLP built in
//! code, and a batched proof of three inferences) are mutated at seeded random positions and lengths: bit flips, overwritten runs,
//! truncations, insertions, deletions, field elements spliced from elsewhere in the proof or
//! set to non-canonical values, swapped elements. Every mutant must be rejected, and none may
//! panic. Each proof gets at least [`MIN_MUTANTS`] mutants and then as many as fit its share of
//! the time budget (`AILEDGER_FUZZ_SECS`, default 3 seconds in all); the seed is printed with
//! any failure, and `AILEDGER_FUZZ_SEED` replays a run.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use ailedger_zkml::key::ProvingKey;
use ailedger_zkml::onnx::import;
use ailedger_zkml::prover::prove_batch;
use ailedger_zkml::quantise::{QuantModel, quantise};
use ailedger_zkml::verifier::{verify, verify_batch};
use ailedger_zkml::{input, proof::HEADER_LEN};

use crate::support::{calibration, deep_cnn, floats, shared_models, tiny_cnn, tiny_mlp};

/// Mutants per proof whatever the budget.
const MIN_MUTANTS: usize = 48;

/// SplitMix64: a tiny seeded generator, the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// One structured mutation of `proof`, with a description for the failure message.
fn mutate(rng: &mut Rng, proof: &[u8]) -> (Vec<u8>, String) {
    let mut bad = proof.to_vec();
    let len = bad.len();
    let at = rng.below(len);
    // Field elements are 16 bytes after the 10-byte header; aligned splices hit whole elements.
    let element = |rng: &mut Rng| HEADER_LEN + 16 * rng.below((len - HEADER_LEN) / 16);
    let what = match rng.below(9) {
        0 => {
            let n = 1 + rng.below(8);
            for _ in 0..n {
                let at = rng.below(len);
                bad[at] ^= 1 << rng.below(8);
            }
            format!("{n} bit flips")
        }
        1 => {
            let n = (1 + rng.below(64)).min(len - at);
            let fresh = rng.bytes(n);
            bad[at..at + n].copy_from_slice(&fresh);
            format!("{n} random bytes at {at}")
        }
        2 => {
            bad.truncate(at);
            format!("truncated to {at}")
        }
        3 => {
            let n = 1 + rng.below(32);
            let fresh = rng.bytes(n);
            bad.splice(at..at, fresh);
            format!("{n} bytes inserted at {at}")
        }
        4 => {
            let n = (1 + rng.below(64)).min(len - at);
            bad.drain(at..at + n);
            format!("{n} bytes deleted at {at}")
        }
        5 => {
            let (from, to) = (element(rng), element(rng));
            let chunk = proof[from..from + 16].to_vec();
            bad[to..to + 16].copy_from_slice(&chunk);
            format!("element at {from} copied to {to}")
        }
        6 => {
            let to = element(rng);
            // A coefficient of p or more: not canonical.
            let word = u64::MAX - rng.below(1 << 32) as u64;
            let half = 8 * rng.below(2);
            bad[to + half..to + half + 8].copy_from_slice(&word.to_le_bytes());
            format!("non-canonical coefficient at {}", to + half)
        }
        7 => {
            let (a, b) = (element(rng), element(rng));
            for i in 0..16 {
                bad.swap(a + i, b + i);
            }
            format!("elements at {a} and {b} swapped")
        }
        _ => {
            let n = 16 * (1 + rng.below(4));
            let to = element(rng);
            let n = n.min(len - to);
            bad[to..to + n].fill(0);
            format!("{n} bytes zeroed at {to}")
        }
    };
    (bad, what)
}

fn model_from(bytes: &[u8]) -> (QuantModel, Vec<i8>) {
    let graph = import(bytes).unwrap();
    let n = graph.input_len();
    let model = quantise(&graph, &calibration(n)).unwrap();
    let x = model.arch().quantise_input(&floats(900, n, 1.0));
    (model, x)
}

fn shared(name: &str) -> Option<(QuantModel, Vec<i8>)> {
    let dir = shared_models()?;
    let graph = import(&fs::read(dir.join(format!("{name}.onnx"))).unwrap()).unwrap();
    let n = graph.input_len();
    let cal =
        input::parse_samples(&fs::read(dir.join(format!("{name}.cal.json"))).unwrap(), n).unwrap();
    let model = quantise(&graph, &cal).unwrap();
    let sample = input::parse_samples(
        &fs::read(dir.join(format!("{name}.input.json"))).unwrap(),
        n,
    )
    .unwrap();
    let x = model.arch().quantise_input(&sample[0]);
    Some((model, x))
}

#[test]
fn mutated_proofs_are_rejected_without_panics() {
    let budget = std::env::var("AILEDGER_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map_or(Duration::from_secs(3), Duration::from_secs_f64);
    let seed = std::env::var("AILEDGER_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0x00a1_1ed9_e4f0_22ed);
    let mut models = vec![
        ("tiny-mlp", model_from(&tiny_mlp())),
        ("tiny-cnn", model_from(&tiny_cnn())),
        ("deep-cnn", model_from(&deep_cnn())),
    ];
    for name in ["digits-mlp", "small-cnn"] {
        models.extend(shared(name).map(|m| (name, m)));
    }
    let mut cases: Vec<(String, QuantModel, Vec<Vec<i8>>)> = models
        .into_iter()
        .map(|(name, (model, x))| (name.to_owned(), model, vec![x]))
        .collect();
    let (model, _) = model_from(&tiny_cnn());
    let len = model.arch().input_len();
    let batch = (0..3)
        .map(|i| model.arch().quantise_input(&floats(950 + i, len, 1.0)))
        .collect();
    cases.push(("tiny-cnn batch of 3".into(), model, batch));
    let share = budget / cases.len() as u32;
    let mut rng = Rng(seed);
    for (name, model, inputs) in cases {
        let key = ProvingKey::new(model).unwrap();
        let (outputs, proof) = prove_batch(&key, &inputs).unwrap();
        let vk = key.verifying_key();
        assert_eq!(verify_batch(vk, None, &inputs, &outputs, &proof), Ok(()));
        let start = Instant::now();
        let mut n = 0;
        while n < MIN_MUTANTS || start.elapsed() < share {
            let (bad, what) = mutate(&mut rng, &proof);
            if bad == proof {
                continue;
            }
            let verdict = catch_unwind(AssertUnwindSafe(|| {
                verify_batch(vk, None, &inputs, &outputs, &bad)
            }));
            match verdict {
                Ok(Err(_)) => {}
                Ok(Ok(())) => panic!("{name}: seed {seed:#x}, mutant {n} ({what}) verified"),
                Err(_) => panic!("{name}: seed {seed:#x}, mutant {n} ({what}) panicked"),
            }
            n += 1;
        }
        eprintln!(
            "{name}: {n} mutants of a {}-byte proof rejected in {:.2?}",
            proof.len(),
            start.elapsed()
        );
    }
}

/// Random bytes behind a valid header, of random lengths, are rejected without panics.
#[test]
fn random_proofs_are_rejected_without_panics() {
    let (model, x) = model_from(&tiny_cnn());
    let key = ProvingKey::new(model).unwrap();
    let (outputs, proof) = prove_batch(&key, std::slice::from_ref(&x)).unwrap();
    let output = &outputs[0];
    let mut rng = Rng(7);
    for _ in 0..200 {
        let len = rng.below(2 * proof.len());
        let mut bad = rng.bytes(len);
        let header = len.min(HEADER_LEN);
        bad[..header].copy_from_slice(&proof[..header]);
        assert!(verify(key.verifying_key(), None, &x, output, &bad).is_err());
    }
}
