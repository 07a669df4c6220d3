//! Batched proofs: many inferences, one proof, one opening of the weights.

use std::fs;

use ailedger_zkml::key::ProvingKey;
use ailedger_zkml::onnx::import;
use ailedger_zkml::prover::{BatchError, prove, prove_batch};
use ailedger_zkml::quantise::{QuantModel, quantise};
use ailedger_zkml::verifier::{VerifyError, verify, verify_batch};
use ailedger_zkml::{exec, input, soundness};

use crate::support::{calibration, deep_cnn, floats, shared_models, tiny_cnn};

fn inputs(model: &QuantModel, n: usize, seed: u64) -> Vec<Vec<i8>> {
    let len = model.arch().input_len();
    (0..n as u64)
        .map(|i| model.arch().quantise_input(&floats(seed + i, len, 1.0)))
        .collect()
}

fn models() -> Vec<(&'static str, QuantModel)> {
    let built = |bytes: &[u8]| {
        let graph = import(bytes).unwrap();
        quantise(&graph, &calibration(graph.input_len())).unwrap()
    };
    let mut models = vec![
        ("tiny-cnn", built(&tiny_cnn())),
        ("deep-cnn", built(&deep_cnn())),
    ];
    if let Some(dir) = shared_models() {
        for name in ["digits-mlp", "small-cnn"] {
            let graph = import(&fs::read(dir.join(format!("{name}.onnx"))).unwrap()).unwrap();
            let n = graph.input_len();
            let cal =
                input::parse_samples(&fs::read(dir.join(format!("{name}.cal.json"))).unwrap(), n)
                    .unwrap();
            models.push((name, quantise(&graph, &cal).unwrap()));
        }
    }
    models
}

#[test]
fn batches_prove_and_verify_every_output() {
    for (name, model) in models() {
        let key = ProvingKey::new(model.clone()).unwrap();
        let vk = key.verifying_key();
        for n in [2, 3, 4] {
            let xs = inputs(&model, n, 40);
            let (outputs, proof) = prove_batch(&key, &xs).unwrap();
            eprintln!("{name}: batch of {n}, proof {} bytes", proof.len());
            for (x, output) in xs.iter().zip(&outputs) {
                assert_eq!(output, exec::run(&model, x).unwrap().output(), "{name}");
            }
            assert_eq!(
                verify_batch(vk, None, &xs, &outputs, &proof),
                Ok(()),
                "{name}"
            );
            let report = soundness::batch_report(vk, n).unwrap();
            assert!(report.total_bits >= 100.0, "{name}: {report:?}");

            // Another output for one sample, outputs swapped, an input changed, a sample
            // dropped: all rejected.
            let mut other = outputs.clone();
            other[n - 1][0] += 1;
            assert!(verify_batch(vk, None, &xs, &other, &proof).is_err());
            if outputs[0] != outputs[1] {
                let mut swapped = outputs.clone();
                swapped.swap(0, 1);
                assert!(verify_batch(vk, None, &xs, &swapped, &proof).is_err());
            }
            let mut changed = xs.clone();
            changed[1][0] = changed[1][0].wrapping_add(1);
            assert!(verify_batch(vk, None, &changed, &outputs, &proof).is_err());
            assert!(
                verify_batch(vk, None, &xs[..n - 1], &outputs[..n - 1], &proof).is_err(),
                "{name}"
            );
            assert!(verify(vk, None, &xs[0], &outputs[0], &proof).is_err());
            let mut flipped = proof.clone();
            let middle = flipped.len() / 2;
            flipped[middle] ^= 1;
            assert!(verify_batch(vk, None, &xs, &outputs, &flipped).is_err());
        }
    }
}

#[test]
fn a_batch_of_one_is_the_single_proof() {
    for (_, model) in models() {
        let key = ProvingKey::new(model.clone()).unwrap();
        let x = inputs(&model, 1, 70);
        let (outputs, proof) = prove_batch(&key, &x).unwrap();
        assert_eq!(prove(&key, &x[0]).unwrap(), (outputs[0].clone(), proof));
    }
}

#[test]
fn empty_and_mismatched_batches_are_errors() {
    let (_, model) = models().remove(0);
    let key = ProvingKey::new(model.clone()).unwrap();
    assert_eq!(prove_batch(&key, &[]), Err(BatchError::Size(0)));
    let xs = inputs(&model, 2, 90);
    let (outputs, proof) = prove_batch(&key, &xs).unwrap();
    let vk = key.verifying_key();
    assert_eq!(
        verify_batch(vk, None, &[], &[], &proof),
        Err(VerifyError::Batch {
            inputs: 0,
            outputs: 0
        })
    );
    assert!(matches!(
        verify_batch(vk, None, &xs, &outputs[..1], &proof),
        Err(VerifyError::Batch { .. })
    ));
}
