//! The soundness budget of a proof, counted per component from the circuit.
//!
//! Each component's error is a Schwartz–Zippel or sumcheck bound over the challenge field
//! `|EF| ≈ 2^128` (see each module's documentation) or the commitment's bound
//! ([`crate::pcs::tensor`]); the total error is their sum (a union bound over the components,
//! each counted round by round, which is what the Fiat–Shamir transform preserves for a
//! sponge modelled as a random oracle). No proof of work is used, so none is counted.

use crate::circuit::{Circuit, CircuitError, LinearOp, Source, Stage, batch_vars};
use crate::field::EF_BITS;
use crate::key::VerifyingKey;
use crate::logup;
use crate::pcs::{Pcs, TensorParams};

/// One component's soundness.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// What it is.
    pub name: String,
    /// `-log2` of its error.
    pub bits: f64,
}

/// The whole budget.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Every component.
    pub components: Vec<Component>,
    /// Proof-of-work bits (none are used).
    pub pow_bits: f64,
    /// `-log2` of the summed errors.
    pub total_bits: f64,
}

/// Bits of an error of `numerator / |EF|`.
fn field_bits(numerator: usize) -> f64 {
    EF_BITS - (numerator.max(1) as f64).log2()
}

/// The soundness budget of proofs for `key`.
pub fn report(key: &VerifyingKey) -> Report {
    report_for(key, key.circuit())
}

/// The soundness budget of batched proofs of `batch` inferences for `key`.
pub fn batch_report(key: &VerifyingKey, batch: usize) -> Result<Report, CircuitError> {
    let circuit = Circuit::batched(key.arch(), batch_vars(batch))?;
    Ok(report_for(key, &circuit))
}

fn report_for(key: &VerifyingKey, circuit: &Circuit) -> Report {
    let bv = circuit.batch_vars;
    let mut components = Vec::new();
    let mut push = |name: String, bits: f64| components.push(Component { name, bits });
    push(
        "output point".into(),
        field_bits(bv + circuit.last_layer().out_vars),
    );
    // Claims batched into each opening: the batching challenge's polynomial has that degree.
    let mut witness_claims = 0;
    let mut weight_claims = 0;
    for stage in &circuit.stages {
        let (input, i) = match stage {
            Stage::Linear(layer) => (layer.input, layer.index),
            Stage::MaxPool(pool) => (pool.input, pool.index),
        };
        if let Source::Slot(_) = input {
            witness_claims += 1;
        }
        match stage {
            Stage::Linear(layer) => {
                match layer.op {
                    LinearOp::Dense { .. } => {
                        push(
                            format!("layer {i} matmul sumcheck"),
                            field_bits(2 * layer.in_vars),
                        );
                        weight_claims += 2;
                    }
                    LinearOp::Conv {
                        row_vars, col_vars, ..
                    } => {
                        push(
                            format!("layer {i} conv weight sumcheck"),
                            field_bits(2 * (row_vars + col_vars)),
                        );
                        push(
                            format!("layer {i} conv im2col sumcheck"),
                            field_bits(2 * layer.in_vars),
                        );
                        weight_claims += 1;
                    }
                }
                if let Some(g) = layer.requant {
                    let n = bv + layer.out_vars;
                    push(format!("layer {i} requant point"), field_bits(n));
                    // eq(τ) zero-check, λ, and the degree-3 sumcheck.
                    push(
                        format!("layer {i} clamp zero-check"),
                        field_bits(n + 1 + 3 * n),
                    );
                    witness_claims += g.n_slots() + 1 + 2 * g.excess_limbs();
                }
            }
            Stage::MaxPool(pool) => {
                let cells = pool.geometry.window_len();
                push(
                    format!("layer {i} max pool difference point"),
                    field_bits(bv + pool.out_vars + pool.window_vars),
                );
                push(
                    format!("layer {i} max pool difference sumchecks"),
                    field_bits(2 * pool.out_vars + 2 * pool.in_vars),
                );
                // eq(τ) zero-check and the degree-(cells + 1) sumcheck.
                let n = bv + pool.out_vars;
                push(
                    format!("layer {i} max pool product zero-check"),
                    field_bits(n + (cells + 1) * n),
                );
                witness_claims += 2 + cells;
            }
        }
    }
    if circuit.has_lookups() {
        push(
            "LogUp-GKR".into(),
            logup::soundness_bits(1 + circuit.lookup_half_vars()),
        );
        witness_claims += circuit.looked_up_slots.len() + 1;
    }
    let weight_vars = circuit.weight_layout.n_vars;
    push(
        "weight batching".into(),
        field_bits(weight_claims + 2 * weight_vars),
    );
    let witness_vars = circuit.witness_layout.n_vars;
    push(
        "witness batching".into(),
        field_bits(witness_claims + 2 * witness_vars),
    );
    push("weight opening".into(), key_pcs_bits(key));
    push(
        "witness opening".into(),
        TensorParams::for_table(witness_vars).soundness_bits(),
    );
    let total_error: f64 = components.iter().map(|c| (-c.bits).exp2()).sum();
    Report {
        components,
        pow_bits: 0.0,
        total_bits: -total_error.log2(),
    }
}

fn key_pcs_bits(key: &VerifyingKey) -> f64 {
    key.weight_pcs.soundness_bits()
}
