//! End-to-end proofs on the shared MLPs: honest proofs verify, and every tampering with the
//! proof, the statement or the witness is rejected.

use std::fs;

use ailedger_zkml::field::{F, from_i64};
use ailedger_zkml::key::ProvingKey;
use ailedger_zkml::prover::{Witness, prove, prove_witness};
use ailedger_zkml::quantise::{QuantModel, quantise};
use ailedger_zkml::soundness;
use ailedger_zkml::verifier::{VerifyError, verify};
use ailedger_zkml::{exec, input, onnx};
use p3_field::{PrimeCharacteristicRing, PrimeField64};

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

fn check(key: &ProvingKey, x: &[i8], output: &[i64], proof: &[u8]) -> Result<(), VerifyError> {
    verify(key.verifying_key(), None, x, output, proof)
}

#[test]
fn shared_mlps_prove_and_verify() {
    for name in ["digits-mlp", "mnist-size-mlp"] {
        let Some((model, x)) = load(name) else { return };
        let key = ProvingKey::new(model).unwrap();
        let (output, proof) = prove(&key, &x).unwrap();
        eprintln!("{name}: proof {} bytes", proof.len());
        let identity = key.verifying_key().identity();
        assert_eq!(
            verify(key.verifying_key(), Some(&identity), &x, &output, &proof),
            Ok(())
        );
        assert_eq!(
            verify(key.verifying_key(), Some(&[0; 32]), &x, &output, &proof),
            Err(VerifyError::Identity)
        );
    }
}

#[test]
fn small_cnn_proves_and_verifies() {
    let Some((model, x)) = load("small-cnn") else {
        return;
    };
    let key = ProvingKey::new(model.clone()).unwrap();
    let (output, proof) = prove(&key, &x).unwrap();
    eprintln!("small-cnn: proof {} bytes", proof.len());
    assert_eq!(output, exec::run(&model, &x).unwrap().output());
    assert_eq!(check(&key, &x, &output, &proof), Ok(()));
    let mut other_output = output;
    other_output[0] += 1;
    assert!(check(&key, &x, &other_output, &proof).is_err());
}

#[test]
fn tampered_proofs_and_statements_are_rejected() {
    let Some((model, x)) = load("digits-mlp") else {
        return;
    };
    let key = ProvingKey::new(model.clone()).unwrap();
    let (output, proof) = prove(&key, &x).unwrap();
    assert_eq!(check(&key, &x, &output, &proof), Ok(()));

    // A flipped byte anywhere: header, statement-bound messages, sumchecks, LogUp, openings,
    // Merkle columns and paths.
    let step = proof.len() / 150;
    let positions = (0..proof.len()).step_by(step).chain([proof.len() - 1, 9]);
    for at in positions {
        let mut bad = proof.clone();
        bad[at] ^= 0x01;
        assert!(check(&key, &x, &output, &bad).is_err(), "flipped byte {at}");
    }

    // Truncated, extended, empty.
    for len in [0, 10, 11, proof.len() / 2, proof.len() - 1] {
        assert!(
            check(&key, &x, &output, &proof[..len]).is_err(),
            "length {len}"
        );
    }
    let mut longer = proof.clone();
    longer.push(0);
    assert_eq!(
        check(&key, &x, &output, &longer),
        Err(VerifyError::Channel(
            ailedger_zkml::channel::ChannelError::TrailingBytes(1)
        ))
    );

    // Another input, another output.
    let mut other_x = x.clone();
    other_x[10] = other_x[10].wrapping_add(1);
    assert!(check(&key, &other_x, &output, &proof).is_err());
    let mut other_output = output.clone();
    other_output[3] += 1;
    assert!(check(&key, &x, &other_output, &proof).is_err());
    // The proof of another input does not verify for this one's output.
    let (other_out, other_proof) = prove(&key, &other_x).unwrap();
    assert!(check(&key, &x, &other_out, &other_proof).is_err());
    assert!(check(&key, &x, &output, &other_proof).is_err());

    // Another version of the same model: one weight changed.
    let mut weights = model.weights().to_vec();
    weights[1].weight[7] = weights[1].weight[7].wrapping_add(1);
    let changed = ProvingKey::new(QuantModel::new(model.arch().clone(), weights).unwrap()).unwrap();
    assert_ne!(
        changed.verifying_key().identity(),
        key.verifying_key().identity()
    );
    assert!(check(&changed, &x, &output, &proof).is_err());
    // And a proof made with the changed model fails under the registered one.
    let (changed_out, changed_proof) = prove(&changed, &x).unwrap();
    assert!(check(&key, &x, &changed_out, &changed_proof).is_err());

    // Another model altogether.
    if let Some((mnist, mnist_x)) = load("mnist-size-mlp") {
        let mnist_key = ProvingKey::new(mnist).unwrap();
        assert!(check(&mnist_key, &mnist_x, &output, &proof).is_err());
    }
}

/// The last layer's output recomputed from a (tampered) hidden activation, so the claimed
/// output is consistent with the tampered witness.
pub(crate) fn recompute_output(model: &QuantModel, hidden: &[F]) -> Vec<i64> {
    let last = model.weights().last().unwrap();
    let out_dim = last.bias.len();
    let in_dim = hidden.len();
    let signed = |v: F| {
        let u = v.as_canonical_u64();
        if u > u64::MAX / 2 {
            -((F::ORDER_U64 - u) as i64)
        } else {
            u as i64
        }
    };
    (0..out_dim)
        .map(|o| {
            let row = &last.weight[o * in_dim..(o + 1) * in_dim];
            row.iter()
                .zip(hidden)
                .map(|(&w, &y)| i64::from(w) * signed(y))
                .sum::<i64>()
                + i64::from(last.bias[o])
        })
        .collect()
}

fn limbs_of(value: i64, n: usize) -> Vec<F> {
    (0..n)
        .map(|j| F::from_u64(((value as u64) >> (8 * j)) & 0xff))
        .collect()
}

#[test]
fn a_dishonest_witness_is_rejected_even_when_everything_else_is_consistent() {
    let Some((model, x)) = load("digits-mlp") else {
        return;
    };
    let key = ProvingKey::new(model.clone()).unwrap();
    let honest = Witness::honest(&key, &x).unwrap();
    let (_, g) = key.verifying_key().circuit().gadgets().next().unwrap();
    let g = *g;
    let y_slot = g.y_slot();
    let y = &honest.slots[y_slot];
    let value = |slot: usize, i: usize| honest.slots[slot][i].as_canonical_u64() as i64;
    let remainder = |i: usize| -> i64 {
        (0..g.remainder_limbs())
            .map(|j| value(g.remainder_slot(j), i) << (8 * j))
            .sum()
    };
    let positive = (0..y.len()).find(|&i| value(y_slot, i) > 0).unwrap();
    let clamped = (0..y.len())
        .find(|&i| value(g.excess_slot(1, 0), i) > 0 || value(g.excess_slot(1, 1), i) > 0)
        .unwrap_or(0);

    let finish = |mut witness: Witness| {
        witness.output = recompute_output(&model, &witness.slots[y_slot]);
        let proof = prove_witness(&key, &witness);
        check(&key, &x, &witness.output, &proof)
    };
    assert_eq!(finish(honest.clone()), Ok(()));

    // One activation one lower, its remainder 2^s higher: the requantisation relation still
    // holds, but the remainder no longer fits in s bits (caught by the scaled top limb).
    let mut w = honest.clone();
    w.slots[y_slot][positive] -= F::ONE;
    let r = remainder(positive) + (1 << g.shift);
    for (j, limb) in limbs_of(r, g.remainder_limbs()).into_iter().enumerate() {
        w.slots[g.remainder_slot(j)][positive] = limb;
    }
    // The lookup argument is what catches it.
    assert!(matches!(finish(w), Err(VerifyError::Logup(_))));

    // One activation one higher, its remainder 2^s lower (negative): the relation holds in the
    // field with a limb that is not a byte.
    let mut w = honest.clone();
    w.slots[y_slot][positive] += F::ONE;
    w.slots[g.remainder_slot(0)][positive] -= F::from_u64(1 << g.shift);
    assert!(matches!(finish(w), Err(VerifyError::Logup(_))));

    // One remainder changed by one, absorbed by an excess that the clamp does not allow.
    let mut w = honest.clone();
    w.slots[g.remainder_slot(0)][positive] += F::ONE;
    w.slots[g.excess_slot(1, 0)][positive] += F::ONE;
    // B > 0 with y above min: the clamp zero-check catches it.
    assert!(matches!(finish(w), Err(VerifyError::Sumcheck(label, _)) if label.ends_with("clamp")));

    // A skipped ReLU: y = q < 0 for a clamped output, with no excess.
    let mut w = honest.clone();
    let mut q = 0i64;
    for j in 0..g.excess_limbs() {
        q -= value(g.excess_slot(1, j), clamped) << (8 * j);
        w.slots[g.excess_slot(1, j)][clamped] = F::ZERO;
    }
    w.slots[y_slot][clamped] = from_i64(q >> g.shift);
    assert!(matches!(finish(w), Err(VerifyError::Logup(_))));
}

#[test]
fn soundness_is_at_least_100_bits_per_component() {
    for name in ["digits-mlp", "mnist-size-mlp"] {
        let Some((model, _)) = load(name) else { return };
        let key = ProvingKey::new(model).unwrap();
        let report = soundness::report(key.verifying_key());
        eprintln!("{name}: {report:#?}");
        for component in &report.components {
            assert!(component.bits >= 100.0, "{name}: {component:?}");
        }
        assert_eq!(report.pow_bits, 0.0);
        assert!(report.total_bits >= 100.0, "{name}: {report:?}");
    }
}
