//! The prover: from a model's proving key and an int8 input to the output and a proof.
//!
//! Order of the protocol (the verifier follows it message for message):
//! 1. the statement (identity, descriptor, weight root, input, output), then the root of the
//!    per-inference witness commitment;
//! 2. the stages from the last to the first. For a linear layer, a claim on its accumulator
//!    (from the public output for the last layer, from the requantisation relation at a fresh
//!    point for a hidden one) is reduced to claims on its weights and its input: by the matmul
//!    sumcheck for a Dense layer, by the two sumchecks of [`crate::conv`] for a convolution. A
//!    max pool proves its difference relation and its product zero-check ([`crate::pool`]).
//!    Every claim on an input lands on a committed activation or on the public input;
//! 3. per hidden layer, the zero-check of the clamp products;
//! 4. LogUp-GKR over every lookup column against the table `0..256`;
//! 5. one batched opening of the weight commitment, one of the witness commitment.
//!
//! A batch of inferences follows the same order. Every witness slot holds the samples' vectors
//! one after the other (the batch padded to a power of two with copies of its last sample, whose
//! outputs the verifier copies too), every claim point starts with the sample index's
//! variables, and a stage, being the same linear map for every sample, is proven once on its
//! inputs folded at the claim's sample point.

use p3_field::{PrimeCharacteristicRing, PrimeField64};

use crate::channel::ProverChannel;
use crate::circuit::{
    Circuit, LinearOp, MAX_BATCH, RequantGadget, Source, Stage, TABLE_VARS, batch_vars,
};
use crate::conv::ConvShape;
use crate::exec::{self, InputLengthError, LayerTrace};
use crate::field::{EF, F, from_i64};
use crate::key::{ProvingKey, weight_slot};
use crate::layout::{self, Claim, slot_eval};
use crate::logup;
use crate::mle::{eq_table, fix_prefix, stacked};
use crate::pcs::{Pcs, TensorParams, TensorPcs};
use crate::proof::{header, statement_transcript};
use crate::sumcheck;

/// The per-inference witness: the public inputs and outputs, and every witness slot's values
/// (all but the lookup multiplicities, which the prover counts from the columns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// Inferences proven together (1 for a single proof).
    pub batch: usize,
    /// The int8 inputs, one after the other.
    pub input: Vec<i64>,
    /// The claimed outputs (the last layer's accumulators), one after the other.
    pub output: Vec<i64>,
    /// One vector per witness slot (see [`crate::circuit::RequantGadget`]); for a batch, the
    /// samples' vectors each padded to a power of two and stacked, the batch padded to a power
    /// of two with copies of its last sample.
    pub slots: Vec<Vec<F>>,
}

impl Witness {
    /// The honest witness: the reference executor's trace, laid out for the circuit.
    pub fn honest(key: &ProvingKey, input: &[i8]) -> Result<Self, InputLengthError> {
        Self::of_samples(key, &[input.to_vec()])
    }

    /// The honest witness of a batch of inferences.
    pub fn honest_batch(key: &ProvingKey, inputs: &[Vec<i8>]) -> Result<Self, BatchError> {
        if inputs.is_empty() || inputs.len() > MAX_BATCH {
            return Err(BatchError::Size(inputs.len()));
        }
        Ok(Self::of_samples(key, inputs)?)
    }

    /// The witness of 1 to [`MAX_BATCH`] inputs.
    fn of_samples(key: &ProvingKey, inputs: &[Vec<i8>]) -> Result<Self, InputLengthError> {
        let circuit = &key.verifying_key.circuit;
        let padded_batch = 1usize << batch_vars(inputs.len());
        let mut slots: Vec<Vec<F>> = Vec::new();
        let (mut input, mut output) = (Vec::new(), Vec::new());
        for sample in 0..padded_batch {
            let x = &inputs[sample.min(inputs.len() - 1)];
            let trace = exec::run(&key.model, x)?;
            if sample < inputs.len() {
                input.extend_from_slice(&trace.input);
                output.extend_from_slice(trace.output());
            }
            for (slot, mut vector) in sample_slots(circuit, &trace).into_iter().enumerate() {
                if padded_batch > 1 {
                    vector.resize(1 << circuit.witness_layout.slots[slot].vars, F::ZERO);
                }
                match slots.get_mut(slot) {
                    Some(stacked) => stacked.extend(vector),
                    None => slots.push(vector),
                }
            }
        }
        Ok(Self {
            batch: inputs.len(),
            input,
            output,
            slots,
        })
    }
}

/// A batch the prover cannot take.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchError {
    /// An input of the wrong length.
    #[error(transparent)]
    Input(#[from] InputLengthError),
    /// No input, or more than [`MAX_BATCH`].
    #[error("a batch of {0} inferences (1 to {MAX_BATCH} are proven together)")]
    Size(usize),
}

/// One sample's witness slots, from its trace.
fn sample_slots(circuit: &Circuit, trace: &exec::Trace) -> Vec<Vec<F>> {
    let mut slots = Vec::new();
    for stage in &circuit.stages {
        match stage {
            Stage::Linear(layer) => {
                let Some(g) = layer.requant else { continue };
                let LayerTrace::Linear {
                    requant: Some(rt),
                    output,
                    ..
                } = &trace.layers[layer.index]
                else {
                    unreachable!("the circuit's hidden layers are the trace's requantised layers");
                };
                let excess = |q: i64, y: i64| -> (i64, i64) {
                    let a = (q - y).max(0) << g.shift;
                    let b = (y - q).max(0) << g.shift;
                    (a, b)
                };
                let (a, b): (Vec<i64>, Vec<i64>) = rt
                    .quotient
                    .iter()
                    .zip(output)
                    .map(|(&q, &y)| excess(q, y))
                    .unzip();
                slots.push(output.iter().map(|&v| from_i64(v)).collect());
                slots.extend(limbs(&rt.remainder, g.remainder_limbs()));
                slots.extend(limbs(&a, g.excess_limbs()));
                slots.extend(limbs(&b, g.excess_limbs()));
            }
            Stage::MaxPool(pool) => {
                let LayerTrace::MaxPool { output, .. } = &trace.layers[pool.index] else {
                    unreachable!("the circuit's pools are the trace's pools");
                };
                let x = trace.layer_input(pool.index);
                slots.push(output.iter().map(|&v| from_i64(v)).collect());
                slots.push(crate::pool::differences(pool, x, output));
            }
        }
    }
    slots
}

/// 8-bit limbs of non-negative values, one vector per limb.
fn limbs(values: &[i64], n: usize) -> Vec<Vec<F>> {
    (0..n)
        .map(|j| {
            values
                .iter()
                .map(|&v| F::from_u64(((v as u64) >> (8 * j)) & 0xff))
                .collect()
        })
        .collect()
}

/// Runs the model on `input` and proves the result: `(output, proof)`.
pub fn prove(key: &ProvingKey, input: &[i8]) -> Result<(Vec<i64>, Vec<u8>), InputLengthError> {
    let witness = Witness::honest(key, input)?;
    let proof = prove_witness(key, &witness);
    Ok((witness.output, proof))
}

/// Runs the model on every input and proves all the results in one proof: `(outputs, proof)`.
/// The weight commitment is opened once for the whole batch, and the proof grows only with the
/// logarithm of the batch and the square root of its witness.
pub fn prove_batch(
    key: &ProvingKey,
    inputs: &[Vec<i8>],
) -> Result<(Vec<Vec<i64>>, Vec<u8>), BatchError> {
    let witness = Witness::honest_batch(key, inputs)?;
    let proof = prove_witness(key, &witness);
    let outputs = witness
        .output
        .chunks(key.verifying_key.circuit.output_len)
        .map(<[i64]>::to_vec)
        .collect();
    Ok((outputs, proof))
}

/// A column's values over its `2^column_vars` entries.
fn column_values(circuit: &Circuit, column: &crate::circuit::Column, slots: &[Vec<F>]) -> Vec<F> {
    let mut values = vec![from_i64(column.offset); 1 << circuit.column_vars];
    let (scale, offset) = (from_i64(column.scale), from_i64(column.offset));
    for (v, &s) in values.iter_mut().zip(&slots[column.slot]) {
        *v = scale * s + offset;
    }
    values
}

/// Proves a witness (honest or not: the verifier decides).
pub fn prove_witness(key: &ProvingKey, witness: &Witness) -> Vec<u8> {
    let vk = &key.verifying_key;
    let bv = batch_vars(witness.batch);
    let batched;
    let circuit = if bv == 0 {
        &vk.circuit
    } else {
        batched = Circuit::batched(&vk.arch, bv)
            .expect("a batch of a provable model is provable: only slot sizes change");
        &batched
    };

    // Lookup columns and multiplicities; padding columns are zeros and are counted.
    let columns: Vec<Vec<F>> = circuit
        .columns
        .iter()
        .map(|c| column_values(circuit, c, &witness.slots))
        .collect();
    let n_half = 1usize << circuit.lookup_half_vars();
    let mut counts = vec![0u64; 1 << TABLE_VARS];
    let mut n_counted = 0usize;
    for value in columns.iter().flatten() {
        let v = value.as_canonical_u64();
        if v < 1 << TABLE_VARS {
            counts[v as usize] += 1;
        }
        n_counted += 1;
    }
    counts[0] += (n_half - n_counted) as u64;
    let mut slots = witness.slots.clone();
    slots.push(counts.iter().map(|&c| F::from_u64(c)).collect());
    let witness_table = circuit.witness_layout.fill(&slots);
    let witness_pcs = TensorPcs::new(TensorParams::for_table(circuit.witness_layout.n_vars));
    let (witness_root, witness_data) = witness_pcs.commit(&witness_table);

    let transcript = statement_transcript(
        &vk.identity,
        &vk.arch_bytes,
        &vk.weight_root,
        witness.batch,
        &witness.input,
        &witness.output,
    );
    let mut channel = ProverChannel::new(transcript, &header());
    channel.send_bytes(b"witness/root", &witness_root);

    let mut weight_claims = Vec::new();
    let mut witness_claims = Vec::new();
    let slot_claim = |slot: usize, point: &[EF], value: EF| Claim {
        slot,
        point: point.to_vec(),
        value,
    };
    let gadget_evals = |g: &RequantGadget, point: &[EF], skip_remainder: bool| {
        (g.first_slot..g.first_slot + g.n_slots())
            .filter(|&s| !(skip_remainder && s >= g.remainder_slot(0) && s < g.excess_slot(0, 0)))
            .map(|s| (s, slot_eval(&slots[s], g_vars(circuit, g), point)))
            .collect::<Vec<_>>()
    };
    // A stage's input, padded and stacked: the public input or a committed activation.
    let source_values = |source: Source, vars: usize| -> Vec<F> {
        match source {
            Source::Input => stacked(&witness.input, circuit.input_len, vars, bv),
            Source::Slot(slot) => {
                let mut values = slots[slot].clone();
                values.resize(1 << (bv + vars), F::ZERO);
                values
            }
        }
    };
    // The public input's claims are checked by the verifier directly.
    let input_claim = |claims: &mut Vec<Claim>, source: Source, point: &[EF], value: EF| {
        if let Source::Slot(slot) = source {
            claims.push(slot_claim(slot, point, value));
        }
    };

    // Stages, last to first. Every claim point starts with the sample index's variables.
    let mut point = channel
        .transcript
        .challenges(b"output/point", bv + circuit.last_layer().out_vars);
    for stage in circuit.stages.iter().rev() {
        let layer = match stage {
            Stage::Linear(layer) => layer,
            Stage::MaxPool(pool) => {
                let x = source_values(pool.input, pool.in_vars);
                let y = source_values(Source::Slot(pool.y_slot), pool.out_vars);
                let claims = crate::pool::prove(
                    &mut channel,
                    &format!("layer/{}/pool", pool.index),
                    pool,
                    bv,
                    &x,
                    &y,
                    &slots[pool.diff_slot],
                );
                for (point, value) in claims.diff {
                    witness_claims.push(slot_claim(pool.diff_slot, &point, value));
                }
                witness_claims.push(slot_claim(pool.y_slot, &claims.y.0, claims.y.1));
                input_claim(
                    &mut witness_claims,
                    pool.input,
                    &claims.input.0,
                    claims.input.1,
                );
                continue;
            }
        };
        let label = format!("layer/{}", layer.index);
        if let Some(g) = &layer.requant {
            point = channel
                .transcript
                .challenges(format!("{label}/requant").as_bytes(), bv + layer.out_vars);
            let evals = gadget_evals(g, &point, false);
            let values: Vec<EF> = evals.iter().map(|e| e.1).collect();
            channel.send_ext(format!("{label}/requant").as_bytes(), &values);
            for (s, v) in evals {
                witness_claims.push(slot_claim(s, &point, v));
            }
        }
        // The layer is the same map for every sample: its input is folded at the sample point.
        let (sample, out_point) = point.split_at(bv);
        let with_sample = |rho: &[EF]| -> Vec<EF> { sample.iter().chain(rho).copied().collect() };
        let input = fix_prefix(&source_values(layer.input, layer.in_vars), sample);
        let weights = weight_slot(key, layer.weight_slot);
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
                let claims = crate::conv::prove(
                    &mut channel,
                    &format!("{label}/conv"),
                    &shape,
                    weights,
                    &input,
                    out_point,
                );
                weight_claims.push(slot_claim(
                    layer.weight_slot,
                    &claims.weight_point,
                    claims.weight_eval,
                ));
                input_claim(
                    &mut witness_claims,
                    layer.input,
                    &with_sample(&claims.input_point),
                    claims.input_eval,
                );
                continue;
            }
        };
        let bias = weight_slot(key, bias_slot);
        let bias_eval = slot_eval(bias, layer.out_vars, out_point);
        channel.send_ext(format!("{label}/bias").as_bytes(), &[bias_eval]);
        let eq = eq_table(out_point);
        let n_cols = 1 << layer.in_vars;
        let mut row_combination = vec![EF::ZERO; n_cols];
        for (row, &e) in weights.chunks_exact(n_cols).zip(&eq) {
            for (acc, &w) in row_combination.iter_mut().zip(row) {
                *acc += e * w;
            }
        }
        let (rho, finals) = sumcheck::prove_generic(
            &mut channel,
            format!("{label}/matmul").as_bytes(),
            vec![row_combination, input],
            2,
            |t| t[0] * t[1],
        );
        channel.send_ext(format!("{label}/evals").as_bytes(), &finals);
        let weight_point: Vec<EF> = out_point.iter().chain(&rho).copied().collect();
        weight_claims.push(slot_claim(layer.weight_slot, &weight_point, finals[0]));
        weight_claims.push(slot_claim(bias_slot, out_point, bias_eval));
        input_claim(
            &mut witness_claims,
            layer.input,
            &with_sample(&rho),
            finals[1],
        );
    }

    // Clamp zero-checks.
    for (layer, g) in circuit.gadgets() {
        let label = format!("layer/{}/clamp", layer.index);
        let tau = channel
            .transcript
            .challenges(label.as_bytes(), bv + layer.out_vars);
        let lambda = channel.transcript.challenge(label.as_bytes());
        let len = 1 << (bv + layer.out_vars);
        let combine = |first: usize| -> Vec<EF> {
            let mut out = vec![EF::ZERO; len];
            for j in 0..g.excess_limbs() {
                let weight = EF::from(F::from_u64(1u64 << (8 * j)));
                for (o, &v) in out.iter_mut().zip(&slots[first + j]) {
                    *o += weight * v;
                }
            }
            out
        };
        let a = combine(g.excess_slot(0, 0));
        let b = combine(g.excess_slot(1, 0));
        let mut y: Vec<EF> = slots[g.y_slot()].iter().map(|&v| EF::from(v)).collect();
        y.resize(len, EF::ZERO);
        let (min, max) = (EF::from(from_i64(g.min)), EF::from(from_i64(g.max)));
        let (rho, _) = sumcheck::prove_generic(
            &mut channel,
            label.as_bytes(),
            vec![eq_table(&tau), a, b, y],
            3,
            |t| t[0] * (t[1] * (max - t[3]) + lambda * t[2] * (t[3] - min)),
        );
        let evals = gadget_evals(g, &rho, true);
        let values: Vec<EF> = evals.iter().map(|e| e.1).collect();
        channel.send_ext(label.as_bytes(), &values);
        for (s, v) in evals {
            witness_claims.push(slot_claim(s, &rho, v));
        }
    }

    // LogUp-GKR over the columns.
    if circuit.has_lookups() {
        let alpha = channel.transcript.challenge(b"logup/alpha");
        let mut numerators = vec![EF::ONE; n_half];
        let mut denominators = vec![alpha; n_half];
        let column_len = 1 << circuit.column_vars;
        for (c, column) in columns.iter().enumerate() {
            for (lo, &v) in column.iter().enumerate() {
                denominators[c * column_len + lo] = alpha - v;
            }
        }
        numerators.resize(2 * n_half, EF::ZERO);
        denominators.resize(2 * n_half, EF::ONE);
        for (j, &count) in counts.iter().enumerate() {
            numerators[n_half + j] = -EF::from(F::from_u64(count));
            denominators[n_half + j] = alpha - EF::from(F::from_u64(j as u64));
        }
        let leaf = logup::prove(&mut channel, numerators, denominators);
        let eta = &leaf.point[1..];
        let lo = &eta[circuit.column_index_vars..];
        let mut values = Vec::new();
        for &s in &circuit.looked_up_slots {
            let vars = circuit.witness_layout.slots[s].vars;
            let tail = &lo[circuit.column_vars - vars..];
            let v = slot_eval(&slots[s], vars, tail);
            values.push(v);
            witness_claims.push(slot_claim(s, tail, v));
        }
        let table_point = &eta[eta.len() - TABLE_VARS..];
        let m = slot_eval(&slots[circuit.multiplicity_slot], TABLE_VARS, table_point);
        values.push(m);
        witness_claims.push(slot_claim(circuit.multiplicity_slot, table_point, m));
        channel.send_ext(b"logup/evals", &values);
    }

    layout::prove_batch(
        &mut channel,
        b"weights/batch",
        &circuit.weight_layout,
        &key.weight_table,
        &weight_claims,
        &vk.weight_pcs,
        &key.weight_data,
    );
    layout::prove_batch(
        &mut channel,
        b"witness/batch",
        &circuit.witness_layout,
        &witness_table,
        &witness_claims,
        &witness_pcs,
        &witness_data,
    );
    channel.into_proof()
}

/// Variables of a gadget's slots.
fn g_vars(circuit: &Circuit, g: &RequantGadget) -> usize {
    circuit.witness_layout.slots[g.first_slot].vars
}
