//! The verifier: checks a proof that the model with a given verifying key maps an int8 input to
//! an output. It follows the prover's protocol (see [`crate::prover`]) with a circuit rebuilt
//! from the descriptor; every prover message comes through the [`VerifierChannel`], and every
//! claim ends in a commitment opening, the public input or output, or a value the verifier
//! computes itself (the lookup table, `eq`, the zero-extension prefixes).

use p3_field::PrimeCharacteristicRing;

use crate::channel::{ChannelError, VerifierChannel};
use crate::circuit::{Circuit, LinearOp, MAX_BATCH, Source, Stage, TABLE_VARS, batch_vars};
use crate::conv::{ConvError, ConvShape};
use crate::field::{EF, from_i64};
use crate::key::{Identity, VerifyingKey};
use crate::layout::{self, BatchError, Claim};
use crate::logup::{self, LogupError};
use crate::mle::{eq_eval, evaluate_base, stacked};
use crate::pcs::{TensorParams, TensorPcs};
use crate::pool::PoolError;
use crate::proof::{
    HEADER_LEN, MAX_PROOF_BYTES, PROOF_MAGIC, PROOF_VERSION, accumulator_eval, column_eval,
    from_limbs, statement_transcript, table_identity_eval, zero_prefix,
};
use crate::sumcheck::{self, GenericSumcheckError};

/// A proof the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The verifying key is not the expected model.
    #[error("the verifying key's identity is not the expected model identity")]
    Identity,
    /// No input, more than [`MAX_BATCH`], or not one output per input.
    #[error("{inputs} inputs and {outputs} outputs: a batch is 1 to {MAX_BATCH} pairs")]
    Batch {
        /// Inputs given.
        inputs: usize,
        /// Outputs given.
        outputs: usize,
    },
    /// The input or output has the wrong length.
    #[error("the model takes {expected} {what} values, {found} were given")]
    Length {
        /// `input` or `output`.
        what: &'static str,
        /// Required.
        expected: usize,
        /// Given.
        found: usize,
    },
    /// Wrong magic, version or size.
    #[error("not a version-{PROOF_VERSION} proof of at most {MAX_PROOF_BYTES} bytes")]
    Header,
    /// The proof could not be read.
    #[error(transparent)]
    Channel(#[from] ChannelError),
    /// A sumcheck failed.
    #[error("{0}: {1}")]
    Sumcheck(String, GenericSumcheckError),
    /// A layer's matmul sumcheck does not end at its claimed values.
    #[error("layer {0}: the matmul sumcheck does not match its evaluations")]
    Matmul(usize),
    /// The input claim disagrees with the public input.
    #[error("the first layer's input claim disagrees with the public input")]
    Input,
    /// A convolution's sumchecks failed.
    #[error("layer {0}: {1}")]
    Conv(usize, ConvError),
    /// A max pool's checks failed.
    #[error("layer {0}: {1}")]
    MaxPool(usize, PoolError),
    /// A clamp zero-check does not end at its claimed values.
    #[error("layer {0}: the clamp zero-check does not match its evaluations")]
    Clamp(usize),
    /// The lookup argument failed.
    #[error(transparent)]
    Logup(#[from] LogupError),
    /// The lookup leaves disagree with the committed columns.
    #[error("the lookup leaves disagree with the committed columns and the table")]
    Leaves,
    /// A batched opening failed.
    #[error("{0}: {1}")]
    Opening(&'static str, BatchError),
}

/// Verifies `proof` that the model of `key` maps `input` to `output`. `expected_identity`, if
/// given, is the identity registered for the model (for example on the ledger).
pub fn verify(
    key: &VerifyingKey,
    expected_identity: Option<&Identity>,
    input: &[i8],
    output: &[i64],
    proof: &[u8],
) -> Result<(), VerifyError> {
    verify_batch(
        key,
        expected_identity,
        &[input.to_vec()],
        &[output.to_vec()],
        proof,
    )
}

/// Verifies one proof that the model of `key` maps each of `inputs` to the output at the same
/// place in `outputs` (see [`crate::prover::prove_batch`]).
pub fn verify_batch(
    key: &VerifyingKey,
    expected_identity: Option<&Identity>,
    inputs: &[Vec<i8>],
    outputs: &[Vec<i64>],
    proof: &[u8],
) -> Result<(), VerifyError> {
    if expected_identity.is_some_and(|id| *id != key.identity) {
        return Err(VerifyError::Identity);
    }
    if inputs.is_empty() || inputs.len() > MAX_BATCH || outputs.len() != inputs.len() {
        return Err(VerifyError::Batch {
            inputs: inputs.len(),
            outputs: outputs.len(),
        });
    }
    let single = &key.circuit;
    for (what, expected, values) in [
        (
            "input",
            single.input_len,
            inputs.iter().map(Vec::len).collect::<Vec<_>>(),
        ),
        (
            "output",
            single.output_len,
            outputs.iter().map(Vec::len).collect(),
        ),
    ] {
        if let Some(&found) = values.iter().find(|&&found| found != expected) {
            return Err(VerifyError::Length {
                what,
                expected,
                found,
            });
        }
    }
    if proof.len() < HEADER_LEN
        || proof.len() > MAX_PROOF_BYTES
        || &proof[..8] != PROOF_MAGIC
        || proof[8..HEADER_LEN] != PROOF_VERSION.to_be_bytes()
    {
        return Err(VerifyError::Header);
    }
    let bv = batch_vars(inputs.len());
    let batched;
    let circuit = if bv == 0 {
        single
    } else {
        batched = Circuit::batched(&key.arch, bv).map_err(|_| VerifyError::Header)?;
        &batched
    };
    let input: Vec<i64> = inputs.iter().flatten().map(|&v| i64::from(v)).collect();
    let output: Vec<i64> = outputs.iter().flatten().copied().collect();
    let transcript = statement_transcript(
        &key.identity,
        &key.arch_bytes,
        &key.weight_root,
        inputs.len(),
        &input,
        &output,
    );
    let mut channel = VerifierChannel::new(transcript, proof, HEADER_LEN);
    let witness_root = channel.recv_bytes::<32>(b"witness/root")?;

    let mut weight_claims = Vec::new();
    let mut witness_claims = Vec::new();
    let slot_claim = |slot: usize, point: &[EF], value: EF| Claim {
        slot,
        point: point.to_vec(),
        value,
    };
    let sumcheck_err = |label: &str| {
        let label = label.to_owned();
        move |e| VerifyError::Sumcheck(label, e)
    };

    // The public input's claims are checked here; an activation's go to the witness opening.
    let input_claim = |claims: &mut Vec<Claim>,
                       source: Source,
                       vars: usize,
                       point: &[EF],
                       value: EF|
     -> Result<(), VerifyError> {
        match source {
            Source::Input => {
                let table = stacked(&input, circuit.input_len, vars, bv);
                if value != evaluate_base(&table, point) {
                    return Err(VerifyError::Input);
                }
            }
            Source::Slot(slot) => claims.push(slot_claim(slot, point, value)),
        }
        Ok(())
    };

    // Every claim point starts with the sample index's variables.
    let out_vars = circuit.last_layer().out_vars;
    let mut point = channel
        .transcript
        .challenges(b"output/point", bv + out_vars);
    let mut claim = evaluate_base(&stacked(&output, circuit.output_len, out_vars, bv), &point);
    for stage in circuit.stages.iter().rev() {
        let layer = match stage {
            Stage::Linear(layer) => layer,
            Stage::MaxPool(pool) => {
                let label = format!("layer/{}/pool", pool.index);
                let claims = crate::pool::verify(&mut channel, &label, pool, bv)
                    .map_err(|e| VerifyError::MaxPool(pool.index, e))?;
                for (point, value) in claims.diff {
                    witness_claims.push(slot_claim(pool.diff_slot, &point, value));
                }
                witness_claims.push(slot_claim(pool.y_slot, &claims.y.0, claims.y.1));
                input_claim(
                    &mut witness_claims,
                    pool.input,
                    pool.in_vars,
                    &claims.input.0,
                    claims.input.1,
                )?;
                continue;
            }
        };
        let label = format!("layer/{}", layer.index);
        if let Some(g) = &layer.requant {
            point = channel
                .transcript
                .challenges(format!("{label}/requant").as_bytes(), bv + layer.out_vars);
            let values = channel.recv_ext(format!("{label}/requant").as_bytes(), g.n_slots())?;
            for (s, &v) in (g.first_slot..).zip(&values) {
                witness_claims.push(slot_claim(s, &point, v));
            }
            claim = accumulator_eval(g, &point[bv..], &values);
        }
        let (sample, out_point) = point.split_at(bv);
        let with_sample = |rho: &[EF]| -> Vec<EF> { sample.iter().chain(rho).copied().collect() };
        let bias_slot = match layer.op {
            LinearOp::Dense { bias_slot, .. } => bias_slot,
            LinearOp::Conv {
                geometry,
                row_vars,
                col_vars,
            } => {
                let shape = ConvShape {
                    geometry,
                    row_vars,
                    col_vars,
                    in_vars: layer.in_vars,
                };
                let claims = crate::conv::verify(
                    &mut channel,
                    &format!("{label}/conv"),
                    &shape,
                    out_point,
                    claim,
                )
                .map_err(|e| VerifyError::Conv(layer.index, e))?;
                weight_claims.push(slot_claim(
                    layer.weight_slot,
                    &claims.weight_point,
                    claims.weight_eval,
                ));
                input_claim(
                    &mut witness_claims,
                    layer.input,
                    layer.in_vars,
                    &with_sample(&claims.input_point),
                    claims.input_eval,
                )?;
                continue;
            }
        };
        let bias_eval = channel.recv_one(format!("{label}/bias").as_bytes())?;
        let matmul_label = format!("{label}/matmul");
        let (rho, final_value) = sumcheck::verify_generic(
            &mut channel,
            matmul_label.as_bytes(),
            layer.in_vars,
            2,
            claim - bias_eval,
        )
        .map_err(sumcheck_err(&matmul_label))?;
        let evals = channel.recv_ext(format!("{label}/evals").as_bytes(), 2)?;
        let (weight_eval, input_eval) = (evals[0], evals[1]);
        if final_value != weight_eval * input_eval {
            return Err(VerifyError::Matmul(layer.index));
        }
        let weight_point: Vec<EF> = out_point.iter().chain(&rho).copied().collect();
        weight_claims.push(slot_claim(layer.weight_slot, &weight_point, weight_eval));
        weight_claims.push(slot_claim(bias_slot, out_point, bias_eval));
        input_claim(
            &mut witness_claims,
            layer.input,
            layer.in_vars,
            &with_sample(&rho),
            input_eval,
        )?;
    }

    for (layer, g) in circuit.gadgets() {
        let label = format!("layer/{}/clamp", layer.index);
        let tau = channel
            .transcript
            .challenges(label.as_bytes(), bv + layer.out_vars);
        let lambda = channel.transcript.challenge(label.as_bytes());
        let (rho, final_value) = sumcheck::verify_generic(
            &mut channel,
            label.as_bytes(),
            bv + layer.out_vars,
            3,
            EF::ZERO,
        )
        .map_err(sumcheck_err(&label))?;
        let n_excess = 2 * g.excess_limbs();
        let values = channel.recv_ext(label.as_bytes(), 1 + n_excess)?;
        let y = values[0];
        let a = from_limbs(&values[1..1 + g.excess_limbs()]);
        let b = from_limbs(&values[1 + g.excess_limbs()..]);
        let (min, max) = (EF::from(from_i64(g.min)), EF::from(from_i64(g.max)));
        if final_value != eq_eval(&tau, &rho) * (a * (max - y) + lambda * b * (y - min)) {
            return Err(VerifyError::Clamp(layer.index));
        }
        witness_claims.push(slot_claim(g.y_slot(), &rho, y));
        for j in 0..n_excess {
            witness_claims.push(slot_claim(g.excess_slot(0, 0) + j, &rho, values[1 + j]));
        }
    }

    if circuit.has_lookups() {
        let alpha = channel.transcript.challenge(b"logup/alpha");
        let leaf = logup::verify(&mut channel, 1 + circuit.lookup_half_vars())?;
        let n_values = circuit.looked_up_slots.len() + 1;
        let values = channel.recv_ext(b"logup/evals", n_values)?;
        let eta = &leaf.point[1..];
        let (column_index, lo) = eta.split_at(circuit.column_index_vars);
        // Slot values at their tails of `lo`, keyed by slot.
        let mut slot_values = vec![EF::ZERO; circuit.multiplicity_slot];
        let mut next = values.iter();
        for &s in &circuit.looked_up_slots {
            let vars = circuit.witness_layout.slots[s].vars;
            let tail = &lo[circuit.column_vars - vars..];
            let v = *next.next().ok_or(VerifyError::Leaves)?;
            slot_values[s] = v;
            witness_claims.push(slot_claim(s, tail, v));
        }
        let table_point = &eta[eta.len() - TABLE_VARS..];
        let m = *next.next().ok_or(VerifyError::Leaves)?;
        witness_claims.push(slot_claim(circuit.multiplicity_slot, table_point, m));

        let mut looked_up = EF::ZERO;
        for (c, column) in circuit.columns.iter().enumerate() {
            let selector = eq_eval(column_index, &index_bits(c, circuit.column_index_vars));
            looked_up +=
                selector * column_eval(column, circuit.column_vars, lo, slot_values[column.slot]);
        }
        let prefix = zero_prefix(eta, eta.len() - TABLE_VARS);
        let table_num = -(prefix * m);
        let table_den = prefix * (alpha - table_identity_eval(table_point)) + (EF::ONE - prefix);
        let half = leaf.point[0];
        let numerator = (EF::ONE - half) + half * table_num;
        let denominator = (EF::ONE - half) * (alpha - looked_up) + half * table_den;
        if numerator != leaf.numerator || denominator != leaf.denominator {
            return Err(VerifyError::Leaves);
        }
    }

    layout::verify_batch(
        &mut channel,
        b"weights/batch",
        &circuit.weight_layout,
        &weight_claims,
        &key.weight_pcs,
        &key.weight_root,
    )
    .map_err(|e| VerifyError::Opening("weights", e))?;
    let witness_pcs = TensorPcs::new(TensorParams::for_table(circuit.witness_layout.n_vars));
    layout::verify_batch(
        &mut channel,
        b"witness/batch",
        &circuit.witness_layout,
        &witness_claims,
        &witness_pcs,
        &witness_root,
    )
    .map_err(|e| VerifyError::Opening("witness", e))?;
    channel.finish()?;
    Ok(())
}

/// The bits of `index` as a boolean point, most significant first.
fn index_bits(index: usize, n_vars: usize) -> Vec<EF> {
    (0..n_vars)
        .map(|b| {
            if (index >> (n_vars - 1 - b)) & 1 == 1 {
                EF::ONE
            } else {
                EF::ZERO
            }
        })
        .collect()
}
