//! Proofs of convolutional models: the shared small CNN and CNNs built in code with padding,
//! strides and max pools. Honest proofs verify; tampered weights, activations, maxima,
//! differences and proof bytes are rejected.

use std::fs;

use ailedger_zkml::circuit::PoolLayer;
use ailedger_zkml::field::{F, from_i64};
use ailedger_zkml::key::ProvingKey;
use ailedger_zkml::onnx::import;
use ailedger_zkml::pool::{PoolError, differences};
use ailedger_zkml::prover::{Witness, prove, prove_witness};
use ailedger_zkml::quantise::{QuantModel, quantise};
use ailedger_zkml::verifier::{VerifyError, verify};
use ailedger_zkml::{exec, input, soundness};
use p3_field::{PrimeCharacteristicRing, PrimeField64};

use crate::prove::recompute_output;
use crate::support::{calibration, deep_cnn, floats, shared_models, tiny_cnn};

fn built(bytes: &[u8]) -> (QuantModel, Vec<i8>) {
    let graph = import(bytes).unwrap();
    let n = graph.input_len();
    let model = quantise(&graph, &calibration(n)).unwrap();
    let x = model.arch().quantise_input(&floats(500, n, 1.0));
    (model, x)
}

fn small_cnn() -> Option<(QuantModel, Vec<i8>)> {
    let dir = shared_models()?;
    let graph = import(&fs::read(dir.join("small-cnn.onnx")).unwrap()).unwrap();
    let n = graph.input_len();
    let cal = input::parse_samples(&fs::read(dir.join("small-cnn.cal.json")).unwrap(), n).unwrap();
    let model = quantise(&graph, &cal).unwrap();
    let sample =
        input::parse_samples(&fs::read(dir.join("small-cnn.input.json")).unwrap(), n).unwrap();
    let x = model.arch().quantise_input(&sample[0]);
    Some((model, x))
}

fn check(key: &ProvingKey, x: &[i8], output: &[i64], proof: &[u8]) -> Result<(), VerifyError> {
    verify(key.verifying_key(), None, x, output, proof)
}

fn signed(value: F) -> i64 {
    let u = value.as_canonical_u64();
    if u > F::ORDER_U64 / 2 {
        -((F::ORDER_U64 - u) as i64)
    } else {
        u as i64
    }
}

/// Honest proofs verify, and each of them fails for another output and with any byte flipped.
#[test]
fn cnns_prove_and_verify_and_reject_flipped_bytes() {
    let mut models = vec![
        ("tiny-cnn", built(&tiny_cnn())),
        ("deep-cnn", built(&deep_cnn())),
    ];
    models.extend(small_cnn().map(|m| ("small-cnn", m)));
    for (name, (model, x)) in models {
        let key = ProvingKey::new(model.clone()).unwrap();
        let (output, proof) = prove(&key, &x).unwrap();
        eprintln!("{name}: proof {} bytes", proof.len());
        assert_eq!(output, exec::run(&model, &x).unwrap().output(), "{name}");
        assert_eq!(check(&key, &x, &output, &proof), Ok(()), "{name}");

        let mut other_output = output.clone();
        other_output[1] -= 1;
        assert!(check(&key, &x, &other_output, &proof).is_err(), "{name}");
        let mut other_x = x.clone();
        other_x[3] = other_x[3].wrapping_add(1);
        assert!(check(&key, &other_x, &output, &proof).is_err(), "{name}");

        let step = (proof.len() / 120).max(1);
        for at in (10..proof.len()).step_by(step) {
            let mut bad = proof.clone();
            bad[at] ^= 0x10;
            assert!(
                check(&key, &x, &output, &bad).is_err(),
                "{name}: flipped byte {at}"
            );
        }

        let report = soundness::report(key.verifying_key());
        for component in &report.components {
            assert!(component.bits >= 100.0, "{name}: {component:?}");
        }
        assert!(report.total_bits >= 100.0, "{name}: {report:?}");
    }
}

/// A prover that computes with other convolution weights than the committed ones is caught,
/// and the changed weights are another model.
#[test]
fn a_tampered_conv_weight_is_rejected() {
    for (model, x) in [built(&tiny_cnn()), built(&deep_cnn())] {
        let key = ProvingKey::new(model.clone()).unwrap();
        let conv = model
            .arch()
            .layers()
            .iter()
            .position(|l| matches!(l, ailedger_zkml::arch::Layer::Conv { .. }))
            .unwrap();
        let linear_idx = model.arch().layers()[..conv]
            .iter()
            .filter(|l| l.is_linear())
            .count();
        let mut weights = model.weights().to_vec();
        weights[linear_idx].weight[4] = weights[linear_idx].weight[4].wrapping_add(3);
        weights[linear_idx].bias[0] += 1;
        let changed =
            ProvingKey::new(QuantModel::new(model.arch().clone(), weights).unwrap()).unwrap();
        assert_ne!(
            changed.verifying_key().identity(),
            key.verifying_key().identity()
        );
        // The changed model's honest witness, proven against the registered commitment.
        let witness = Witness::honest(&changed, &x).unwrap();
        let proof = prove_witness(&key, &witness);
        assert!(check(&key, &x, &witness.output, &proof).is_err());
        // Its own proof, under the registered key.
        let (changed_out, changed_proof) = prove(&changed, &x).unwrap();
        assert!(check(&key, &x, &changed_out, &changed_proof).is_err());
        assert_eq!(check(&changed, &x, &changed_out, &changed_proof), Ok(()));
    }
}

/// A convolution output changed by one, with the output recomputed from it, breaks the
/// convolution's sumcheck.
#[test]
fn a_tampered_conv_activation_is_rejected() {
    let Some((model, x)) = small_cnn() else {
        return;
    };
    let key = ProvingKey::new(model.clone()).unwrap();
    let honest = Witness::honest(&key, &x).unwrap();
    let (_, g) = key.verifying_key().circuit().gadgets().next().unwrap();
    let y_slot = g.y_slot();
    let at = (0..honest.slots[y_slot].len())
        .find(|&i| {
            let v = signed(honest.slots[y_slot][i]);
            v > 0 && v < 127
        })
        .unwrap();
    let mut w = honest;
    w.slots[y_slot][at] += F::ONE;
    w.output = recompute_output(&model, &w.slots[y_slot]);
    let proof = prove_witness(&key, &w);
    assert!(matches!(
        check(&key, &x, &w.output, &proof),
        Err(VerifyError::Conv(0, _))
    ));
}

struct PoolCase {
    model: QuantModel,
    x: Vec<i8>,
    key: ProvingKey,
    honest: Witness,
    pool: PoolLayer,
    /// The pool's int8 input.
    input: Vec<i64>,
}

impl PoolCase {
    fn new() -> Self {
        let (model, x) = built(&tiny_cnn());
        let key = ProvingKey::new(model.clone()).unwrap();
        let honest = Witness::honest(&key, &x).unwrap();
        let pool = key
            .verifying_key()
            .circuit()
            .pools()
            .next()
            .unwrap()
            .clone();
        let trace = exec::run(&model, &x).unwrap();
        let input = trace.layer_input(pool.index).to_vec();
        Self {
            model,
            x,
            key,
            honest,
            pool,
            input,
        }
    }

    fn maxima(&self) -> Vec<i64> {
        self.honest.slots[self.pool.y_slot]
            .iter()
            .map(|&v| signed(v))
            .collect()
    }

    /// The cells of window `o`, with their cell index.
    fn window(&self, o: usize) -> Vec<(usize, i64)> {
        let mut cells = Vec::new();
        self.pool.geometry.for_each_tap(|out, k, i| {
            if out == o {
                cells.push((k, self.input[i]));
            }
        });
        cells
    }

    /// Proves with maxima `y` and differences `d`, the output recomputed from `y`.
    fn finish(&self, y: &[i64], d: Vec<F>) -> Result<(), VerifyError> {
        let mut w = self.honest.clone();
        w.slots[self.pool.y_slot] = y.iter().map(|&v| from_i64(v)).collect();
        w.slots[self.pool.diff_slot] = d;
        w.output = recompute_output(&self.model, &w.slots[self.pool.y_slot]);
        let proof = prove_witness(&self.key, &w);
        check(&self.key, &self.x, &w.output, &proof)
    }
}

/// Whether the pool at `index` rejected the proof in its check `part` (`max`: the product
/// zero-check; `y`, `x`: the difference relation), at a round (a false claim) or at the end.
fn rejected_by(result: Result<(), VerifyError>, index: usize, part: &str) -> bool {
    match result {
        Err(VerifyError::MaxPool(at, PoolError::Sumcheck(label, _))) => {
            at == index && label.ends_with(&format!("/{part}"))
        }
        Err(VerifyError::MaxPool(at, PoolError::Product)) => at == index && part == "max",
        Err(VerifyError::MaxPool(at, PoolError::Differences)) => at == index && part != "max",
        _ => false,
    }
}

#[test]
fn a_wrong_maximum_is_rejected() {
    let case = PoolCase::new();
    let y = case.maxima();
    let d = differences(&case.pool, &case.input, &y);
    assert_eq!(case.finish(&y, d), Ok(()));
    let index = case.pool.index;

    // Above every cell of its window, with consistent differences: no cell is the maximum.
    let o = (0..y.len()).find(|&o| y[o] < 127).unwrap();
    let mut above = y.clone();
    above[o] += 1;
    let d = differences(&case.pool, &case.input, &above);
    assert!(rejected_by(case.finish(&above, d), index, "max"));

    // A cell of the window that is not its maximum: one difference is negative.
    let (o, second) = (0..y.len())
        .find_map(|o| {
            let cells = case.window(o);
            cells
                .iter()
                .map(|c| c.1)
                .filter(|&v| v < y[o])
                .max()
                .map(|v| (o, v))
        })
        .unwrap();
    let mut below = y.clone();
    below[o] = second;
    let d = differences(&case.pool, &case.input, &below);
    assert!(matches!(case.finish(&below, d), Err(VerifyError::Logup(_))));

    // The maximum of another window, larger than every cell of this one.
    let (o, other) = (0..y.len())
        .find_map(|o| {
            let cells = case.window(o);
            (0..y.len())
                .find(|&p| y[p] > y[o] && !cells.iter().any(|c| c.1 == y[p]))
                .map(|p| (o, y[p]))
        })
        .unwrap();
    let mut elsewhere = y;
    elsewhere[o] = other;
    let d = differences(&case.pool, &case.input, &elsewhere);
    assert!(rejected_by(case.finish(&elsewhere, d), index, "max"));
}

#[test]
fn differences_that_are_not_y_minus_the_cells_are_rejected() {
    let case = PoolCase::new();
    let y = case.maxima();
    let cells = 1usize << case.pool.window_vars;
    // A zero difference on a cell below the maximum: the product would vanish for a wrong y.
    let (o, k) = (0..y.len())
        .find_map(|o| {
            case.window(o)
                .into_iter()
                .find(|&(_, v)| v < y[o])
                .map(|(k, _)| (o, k))
        })
        .unwrap();
    let mut d = differences(&case.pool, &case.input, &y);
    d[o * cells + k] = F::ZERO;
    assert!(rejected_by(case.finish(&y, d), case.pool.index, "x"));

    // A padding difference of 0 instead of 1.
    let mut d = differences(&case.pool, &case.input, &y);
    let n_cells = case.pool.geometry.window_len();
    if n_cells < cells {
        d[n_cells] = F::ZERO;
        assert!(case.finish(&y, d).is_err());
    }
}
