//! Field, transcript, multilinear extensions and the matmul sumcheck, including a dishonest
//! prover and tampered proofs.

use ailedger_zkml::exec::{self, LayerTrace};
use ailedger_zkml::field::{EF, EF_BYTES, F, from_i64, get_ef, put_ef};
use ailedger_zkml::matmul::{self, MatmulError, MatmulProof, MatmulShape};
use ailedger_zkml::mle::{
    eq_table, evaluate, evaluate_base, n_vars, padded, padded_matrix, prefix_eval,
};
use ailedger_zkml::onnx::import;
use ailedger_zkml::quantise::quantise;
use ailedger_zkml::sumcheck::{SumcheckError, soundness_bits};
use ailedger_zkml::transcript::Transcript;
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing, PrimeField64};

use crate::support::*;

fn ext(a: u64, b: u64) -> EF {
    <EF as BasedVectorSpace<F>>::from_basis_coefficients_slice(&[F::from_u64(a), F::from_u64(b)])
        .unwrap()
}

fn point(seed: u64, n: usize) -> Vec<EF> {
    (0..n as u64)
        .map(|i| ext(seed * 1000 + i * 7 + 1, seed + i * 13 + 5))
        .collect()
}

#[test]
fn mle_agrees_with_its_table_on_the_hypercube_and_across_evaluators() {
    let values: Vec<i64> = (0..8).map(|i| i * i - 20).collect();
    let table = padded(&values, 3);
    let ext_table: Vec<EF> = table.iter().map(|&v| EF::from(v)).collect();
    for (idx, value) in table.iter().enumerate() {
        let bits: Vec<EF> = (0..3)
            .map(|k| {
                if idx >> (2 - k) & 1 == 1 {
                    EF::ONE
                } else {
                    EF::ZERO
                }
            })
            .collect();
        assert_eq!(evaluate_base(&table, &bits), EF::from(*value));
    }
    let r = point(3, 3);
    assert_eq!(evaluate(&ext_table, &r), evaluate_base(&table, &r));
    assert_eq!(eq_table(&r).iter().copied().sum::<EF>(), EF::ONE);
    assert_eq!(from_i64(-1) + F::ONE, F::ZERO);
}

#[test]
fn prefix_indicator_mle_matches_its_table() {
    for n_vars in 1..6 {
        let r = point(n_vars as u64, n_vars);
        for n in 0..=1usize << n_vars {
            let indicator: Vec<i64> = (0..1i64 << n_vars)
                .map(|i| i64::from(i < n as i64))
                .collect();
            assert_eq!(
                prefix_eval(&r, n),
                evaluate_base(&padded(&indicator, n_vars), &r),
                "{n} of {n_vars} variables"
            );
        }
    }
}

#[test]
fn extension_encoding_is_canonical() {
    let value = ext(123, F::ORDER_U64 - 1);
    let mut bytes = Vec::new();
    put_ef(&mut bytes, &value);
    let array: [u8; EF_BYTES] = bytes.clone().try_into().unwrap();
    assert_eq!(get_ef(&array), Some(value));
    // p itself in the second coefficient is a non-canonical encoding of 0.
    let mut non_canonical = array;
    non_canonical[8..].copy_from_slice(&F::ORDER_U64.to_le_bytes());
    assert_eq!(get_ef(&non_canonical), None);
}

#[test]
fn transcript_challenges_depend_on_every_absorbed_item_and_its_framing() {
    let run = |label: &[u8], bytes: &[u8], base: i64| {
        let mut t = Transcript::new();
        t.absorb_bytes(label, bytes);
        t.absorb_base(b"x", &[from_i64(base)]);
        t.challenge(b"c")
    };
    let reference = run(b"model", b"abc", 5);
    assert_eq!(reference, run(b"model", b"abc", 5), "deterministic");
    assert_ne!(reference, run(b"model", b"abd", 5));
    assert_ne!(reference, run(b"model", b"abc", 6));
    assert_ne!(
        reference,
        run(b"mode", b"labc", 5),
        "label/payload boundary is framed"
    );
    assert_ne!(reference, run(b"model", b"abc\0", 5), "length is framed");
    let mut t = Transcript::new();
    let (a, b) = (t.challenge(b"c"), t.challenge(b"c"));
    assert_ne!(a, b, "successive challenges differ");
}

/// The second (last) layer of the tiny MLP as field tables, with its true output.
struct Layer {
    shape: MatmulShape,
    weight: Vec<F>,
    weight_ints: Vec<i64>,
    bias: Vec<F>,
    input: Vec<F>,
    input_ints: Vec<i64>,
    output: Vec<i64>,
    rows: usize,
    cols: usize,
}

fn mlp_layer() -> Layer {
    let graph = import(&tiny_mlp()).unwrap();
    let model = quantise(&graph, &calibration(8)).unwrap();
    let trace = exec::run(&model, &model.arch().quantise_input(&floats(42, 8, 1.0))).unwrap();
    let idx = model.arch().layers().len() - 1;
    let LayerTrace::Linear { accumulator, .. } = &trace.layers[idx] else {
        unreachable!()
    };
    let weights = &model.weights()[1];
    let (rows, cols) = (3, 6);
    let shape = MatmulShape {
        row_vars: n_vars(rows),
        col_vars: n_vars(cols),
    };
    let weight_ints: Vec<i64> = weights.weight.iter().map(|&w| i64::from(w)).collect();
    Layer {
        shape,
        weight: padded_matrix(&weight_ints, rows, cols, shape.row_vars, shape.col_vars),
        weight_ints,
        bias: padded(
            &weights
                .bias
                .iter()
                .map(|&b| i64::from(b))
                .collect::<Vec<_>>(),
            shape.row_vars,
        ),
        input: padded(trace.layer_input(idx), shape.col_vars),
        input_ints: trace.layer_input(idx).to_vec(),
        output: accumulator.clone(),
        rows,
        cols,
    }
}

/// A transcript that has absorbed the claimed output, and the output point drawn after it.
fn start(layer: &Layer, output: &[i64]) -> (Transcript, Vec<EF>, EF) {
    let mut transcript = Transcript::new();
    let table = padded(output, layer.shape.row_vars);
    transcript.absorb_base(b"output", &table);
    let r_o = transcript.challenges(b"output point", layer.shape.row_vars);
    let claim = evaluate_base(&table, &r_o);
    (transcript, r_o, claim)
}

fn prove(layer: &Layer, output: &[i64]) -> (MatmulProof, Vec<EF>, EF) {
    let (mut transcript, r_o, claim) = start(layer, output);
    let (proof, _) = matmul::prove(
        &mut transcript,
        b"matmul/1",
        layer.shape,
        &layer.weight,
        &layer.bias,
        &layer.input,
        &r_o,
    );
    (proof, r_o, claim)
}

fn verify(
    layer: &Layer,
    output: &[i64],
    proof: &MatmulProof,
) -> Result<matmul::MatmulClaims, MatmulError> {
    let (mut transcript, r_o, claim) = start(layer, output);
    matmul::verify(
        &mut transcript,
        b"matmul/1",
        layer.shape,
        &r_o,
        claim,
        proof,
    )
}

#[test]
fn honest_proof_verifies_and_its_claims_are_the_true_evaluations() {
    let layer = mlp_layer();
    let (proof, _, _) = prove(&layer, &layer.output);
    let claims = verify(&layer, &layer.output, &proof).unwrap();
    assert_eq!(
        evaluate_base(&layer.weight, &claims.weight_point),
        claims.weight_eval
    );
    assert_eq!(
        evaluate_base(&layer.bias, &claims.bias_point),
        claims.bias_eval
    );
    assert_eq!(
        evaluate_base(&layer.input, &claims.input_point),
        claims.input_eval
    );
    let decoded = MatmulProof::decode(&proof.encode(), layer.shape).unwrap();
    assert_eq!(decoded, proof);
}

#[test]
fn every_tampered_round_value_or_evaluation_is_rejected() {
    let layer = mlp_layer();
    let (proof, _, _) = prove(&layer, &layer.output);
    for round in 0..proof.sumcheck.rounds.len() {
        for slot in 0..3 {
            let mut bad = proof.clone();
            bad.sumcheck.rounds[round][slot] += EF::ONE;
            assert!(
                verify(&layer, &layer.output, &bad).is_err(),
                "round {round} slot {slot}"
            );
        }
        // A shift that keeps h(0) + h(1) intact still changes h and so the rest of the proof.
        let mut bad = proof.clone();
        bad.sumcheck.rounds[round][0] += EF::ONE;
        bad.sumcheck.rounds[round][1] -= EF::ONE;
        assert!(
            verify(&layer, &layer.output, &bad).is_err(),
            "balanced shift in round {round}"
        );
    }
    for field in 0..3 {
        let mut bad = proof.clone();
        match field {
            0 => bad.weight_eval += EF::ONE,
            1 => bad.bias_eval += EF::ONE,
            _ => bad.input_eval += EF::ONE,
        }
        assert!(
            verify(&layer, &layer.output, &bad).is_err(),
            "evaluation {field}"
        );
    }
}

#[test]
fn a_wrong_output_claim_is_rejected() {
    let layer = mlp_layer();
    let (proof, _, _) = prove(&layer, &layer.output);
    let mut wrong = layer.output.clone();
    wrong[0] += 1;
    // The honest prover's messages for the true output do not fit the claimed one.
    assert!(verify(&layer, &wrong, &proof).is_err());
    // Nor does a proof computed for the wrong output with the true weights and input.
    let (proof_for_wrong, _, _) = prove(&layer, &wrong);
    assert_eq!(
        verify(&layer, &wrong, &proof_for_wrong),
        Err(MatmulError::Sumcheck(SumcheckError::RoundSum(0)))
    );
}

#[test]
fn a_prover_with_one_changed_weight_leaves_a_false_weight_claim() {
    let layer = mlp_layer();
    let mut bad_ints = layer.weight_ints.clone();
    bad_ints[4] += 1;
    let bad_weight = padded_matrix(
        &bad_ints,
        layer.rows,
        layer.cols,
        layer.shape.row_vars,
        layer.shape.col_vars,
    );
    // The dishonest output is consistent with the changed weight.
    // Weight 4 is row 0, column 4: the dishonest output moves by input 4.
    let mut bad_output = layer.output.clone();
    bad_output[0] += layer.input_ints[4];
    assert_ne!(
        layer.input_ints[4], 0,
        "the test needs a non-zero input there"
    );
    let cheating = Layer {
        weight: bad_weight,
        ..mlp_layer()
    };
    let (proof, _, _) = prove(&cheating, &bad_output);
    // The sumcheck itself is consistent, but the weight claim it leaves is false for the real
    // (committed) weights, so the commitment opening rejects it.
    let claims = verify(&layer, &bad_output, &proof).unwrap();
    assert_ne!(
        evaluate_base(&layer.weight, &claims.weight_point),
        claims.weight_eval
    );
}

#[test]
fn truncated_extended_and_flipped_proof_bytes_are_rejected() {
    let layer = mlp_layer();
    let (proof, _, _) = prove(&layer, &layer.output);
    let bytes = proof.encode();
    for len in [0, 1, bytes.len() - 1] {
        assert!(matches!(
            MatmulProof::decode(&bytes[..len], layer.shape),
            Err(MatmulError::Length { .. })
        ));
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(MatmulProof::decode(&longer, layer.shape).is_err());
    let other_shape = MatmulShape {
        col_vars: layer.shape.col_vars + 1,
        ..layer.shape
    };
    assert!(MatmulProof::decode(&bytes, other_shape).is_err());
    for idx in 0..bytes.len() {
        for bit in [0u8, 3, 7] {
            let mut flipped = bytes.clone();
            flipped[idx] ^= 1 << bit;
            let accepted = MatmulProof::decode(&flipped, layer.shape)
                .is_ok_and(|p| verify(&layer, &layer.output, &p).is_ok());
            assert!(!accepted, "byte {idx} bit {bit}");
        }
    }
}

#[test]
fn sumcheck_soundness_exceeds_100_bits_for_the_shared_models() {
    // mnist-size-mlp: 784 -> 128 -> 64 -> 10 has 10 + 7 + 6 rounds; errors add up.
    let rounds = [10usize, 7, 6];
    let total_error: f64 = rounds.iter().map(|&n| 2f64.powf(-soundness_bits(n))).sum();
    let bits = -total_error.log2();
    assert!(bits >= 100.0, "{bits}");
    assert!(soundness_bits(1 << 20) > 100.0);
}
