//! Commit, prove and verify times, proof sizes and peak memory on the shared models, beside
//! the figures EZKL 23.0.5 recorded for the same files on this kind of machine
//! (`../shared/peers/ezkl/README.md`: default settings, weights fixed in the circuit).
//!
//! `cargo bench -p ailedger-zkml` (release profile). Each time is the median of several runs on
//! the same input. Peak memory is the process's resident high-water mark over everything done
//! for one model: import, calibration, commits, proofs and verifications (reset before each
//! model through `/proc/self/clear_refs`; Linux only, `-` elsewhere).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use ailedger_zkml::key::ProvingKey;
use ailedger_zkml::prover::{prove, prove_batch};
use ailedger_zkml::quantise::QuantModel;
use ailedger_zkml::quantise::quantise;
use ailedger_zkml::soundness;
use ailedger_zkml::verifier::{verify, verify_batch};
use ailedger_zkml::{input, npz, onnx};

const RUNS: usize = 9;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// EZKL's recorded prove s, verify s, proof bytes and peak prove RSS MB.
fn ezkl(name: &str) -> (f64, f64, usize, usize) {
    match name {
        "digits-mlp" => (2.99, 0.035, 3072, 352),
        "small-cnn" => (3.19, 0.032, 3072, 352),
        _ => (6.44, 0.053, 3072, 675),
    }
}

/// Resets the resident high-water mark; false where that is not possible.
fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The resident high-water mark in MB.
fn peak_mb() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models");
    if !dir.is_dir() {
        println!("{} is absent: nothing to measure", dir.display());
        return;
    }
    println!(
        "model | params | commit ms | prove ms | verify ms | proof bytes | peak MB | soundness bits \
         | EZKL prove ms | EZKL verify ms | EZKL proof bytes | EZKL peak MB"
    );
    let mut batches = Vec::new();
    for name in ["digits-mlp", "small-cnn", "mnist-size-mlp"] {
        let peak_tracked = reset_peak();
        let graph = onnx::import(&fs::read(dir.join(format!("{name}.onnx"))).unwrap()).unwrap();
        let n = graph.input_len();
        let cal = input::parse_samples(&fs::read(dir.join(format!("{name}.cal.json"))).unwrap(), n)
            .unwrap();
        let model = quantise(&graph, &cal).unwrap();
        let params: usize = model
            .weights()
            .iter()
            .map(|w| w.weight.len() + w.bias.len())
            .sum();
        let sample = input::parse_samples(
            &fs::read(dir.join(format!("{name}.input.json"))).unwrap(),
            n,
        )
        .unwrap();
        let x = model.arch().quantise_input(&sample[0]);

        let mut commit_times = Vec::new();
        let mut key = None;
        for _ in 0..3 {
            let start = Instant::now();
            key = Some(ProvingKey::new(model.clone()).unwrap());
            commit_times.push(start.elapsed());
        }
        let key = key.unwrap();
        let (mut prove_times, mut verify_times) = (Vec::new(), Vec::new());
        let mut proof_len = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let (output, proof) = prove(&key, &x).unwrap();
            prove_times.push(start.elapsed());
            let start = Instant::now();
            verify(key.verifying_key(), None, &x, &output, &proof).unwrap();
            verify_times.push(start.elapsed());
            proof_len = proof.len();
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let peak = match peak_mb() {
            Some(mb) if peak_tracked => format!("{mb:.0}"),
            _ => "-".into(),
        };
        let (ezkl_prove, ezkl_verify, ezkl_bytes, ezkl_peak) = ezkl(name);
        println!(
            "{name} | {params} | {:.1} | {:.1} | {:.1} | {proof_len} | {peak} | {:.1} | {:.0} | {:.0} \
             | {ezkl_bytes} | {ezkl_peak}",
            ms(median(commit_times)),
            ms(median(prove_times)),
            ms(median(verify_times)),
            soundness::report(key.verifying_key()).total_bits,
            ezkl_prove * 1e3,
            ezkl_verify * 1e3,
        );
        batches.push((name, model, key));
    }

    println!();
    println!(
        "model | batch | prove ms | inferences/s | verify ms | proof bytes | bytes/inference \
         | soundness bits"
    );
    for (name, model, key) in &batches {
        let inputs = test_inputs(&dir, name, model);
        for batch in [1, 16, 64] {
            let xs = &inputs[..batch.min(inputs.len())];
            let (mut prove_times, mut verify_times) = (Vec::new(), Vec::new());
            let mut proof_len = 0;
            for _ in 0..3 {
                let start = Instant::now();
                let (outputs, proof) = prove_batch(key, xs).unwrap();
                prove_times.push(start.elapsed());
                let start = Instant::now();
                verify_batch(key.verifying_key(), None, xs, &outputs, &proof).unwrap();
                verify_times.push(start.elapsed());
                proof_len = proof.len();
            }
            let prove_time = median(prove_times).as_secs_f64();
            println!(
                "{name} | {} | {:.1} | {:.0} | {:.1} | {proof_len} | {} | {:.1}",
                xs.len(),
                prove_time * 1e3,
                xs.len() as f64 / prove_time,
                median(verify_times).as_secs_f64() * 1e3,
                proof_len / xs.len(),
                soundness::batch_report(key.verifying_key(), xs.len())
                    .unwrap()
                    .total_bits,
            );
        }
    }
}

/// The model's test-set inputs, quantised.
fn test_inputs(dir: &Path, name: &str, model: &QuantModel) -> Vec<Vec<i8>> {
    let test = npz::read_npz(&fs::read(dir.join(format!("{name}.test.npz"))).unwrap()).unwrap();
    let n = model.arch().input_len();
    test["X"]
        .values
        .chunks_exact(n)
        .map(|c| {
            let floats: Vec<f32> = c.iter().map(|&v| v as f32).collect();
            model.arch().quantise_input(&floats)
        })
        .collect()
}
