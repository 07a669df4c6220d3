//! Commit, prove and verify times and proof sizes on the shared MLPs.
//!
//! `CARGO_TARGET_DIR=/work/target-zkml cargo bench -p ailedger-zkml` (release profile). Each
//! figure is the median of several runs on the same input.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use ailedger_zkml::key::ProvingKey;
use ailedger_zkml::prover::prove;
use ailedger_zkml::quantise::quantise;
use ailedger_zkml::soundness;
use ailedger_zkml::verifier::verify;
use ailedger_zkml::{input, onnx};

const RUNS: usize = 9;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models");
    if !dir.is_dir() {
        println!("{} is absent: nothing to measure", dir.display());
        return;
    }
    println!("model | params | commit ms | prove ms | verify ms | proof bytes | soundness bits");
    for name in ["digits-mlp", "mnist-size-mlp"] {
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
        println!(
            "{name} | {params} | {:.1} | {:.1} | {:.1} | {proof_len} | {:.1}",
            ms(median(commit_times)),
            ms(median(prove_times)),
            ms(median(verify_times)),
            soundness::report(key.verifying_key()).total_bits,
        );
    }
}
