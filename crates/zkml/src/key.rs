//! The model's commitment and proving identity, and the keys of the prover and the verifier.
//!
//! Registration lays every weight and bias out in one table (offsets from the architecture
//! descriptor, zero padding) and commits to it once. The proving identity is
//!
//! ```text
//! BLAKE3("ailedger-zkml/model-identity/v1" ‖ len ‖ descriptor ‖ len ‖ PCS parameters ‖ root)
//! ```
//!
//! with 4-byte big-endian lengths. The commitment is deterministic, so anyone holding the
//! weights can recompute the root and check that a registered identity is the model they have.

use p3_field::PrimeCharacteristicRing;

use crate::arch::Arch;
use crate::circuit::{Circuit, CircuitError, LinearOp};
use crate::field::{F, from_i64};
use crate::mle::padded_matrix;
use crate::pcs::tensor::TensorData;
use crate::pcs::{Commitment, Pcs, TensorParams, TensorPcs};
use crate::quantise::QuantModel;

/// The domain tag of the proving identity.
pub const IDENTITY_DOMAIN: &[u8] = b"ailedger-zkml/model-identity/v1";

/// A model's proving identity.
pub type Identity = [u8; 32];

/// What a verifier needs: the descriptor, the weight commitment, and what derives from them.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    pub(crate) arch: Arch,
    pub(crate) arch_bytes: Vec<u8>,
    pub(crate) circuit: Circuit,
    pub(crate) weight_pcs: TensorPcs,
    pub(crate) weight_root: Commitment,
    pub(crate) identity: Identity,
}

impl VerifyingKey {
    /// The key for a descriptor and a weight commitment. The verifier rebuilds the circuit from
    /// the descriptor here; nothing in a proof changes it.
    pub fn new(arch: Arch, weight_root: Commitment) -> Result<Self, CircuitError> {
        let circuit = Circuit::new(&arch)?;
        let weight_pcs = TensorPcs::new(TensorParams::for_table(circuit.weight_layout.n_vars));
        let arch_bytes = arch.encode();
        let identity = identity(&arch_bytes, &weight_pcs.params_encoding(), &weight_root);
        Ok(Self {
            arch,
            arch_bytes,
            circuit,
            weight_pcs,
            weight_root,
            identity,
        })
    }

    /// The model's proving identity.
    pub fn identity(&self) -> Identity {
        self.identity
    }

    /// The weight commitment.
    pub fn weight_root(&self) -> Commitment {
        self.weight_root
    }

    /// The architecture descriptor.
    pub fn arch(&self) -> &Arch {
        &self.arch
    }

    /// The circuit derived from the descriptor.
    pub fn circuit(&self) -> &Circuit {
        &self.circuit
    }

    /// The descriptor's canonical encoding.
    pub fn arch_bytes(&self) -> &[u8] {
        &self.arch_bytes
    }

    /// The encoding of the weight commitment's parameters, as the identity hashes it.
    pub fn pcs_params(&self) -> Vec<u8> {
        self.weight_pcs.params_encoding()
    }
}

/// What the prover needs: the model, its committed weight table and the verifying key.
#[derive(Clone, Debug)]
pub struct ProvingKey {
    pub(crate) model: QuantModel,
    pub(crate) weight_table: Vec<F>,
    pub(crate) weight_data: TensorData,
    pub(crate) verifying_key: VerifyingKey,
}

impl ProvingKey {
    /// Commits to the model's weights (the registration step).
    pub fn new(model: QuantModel) -> Result<Self, CircuitError> {
        let circuit = Circuit::new(model.arch())?;
        let weight_table = weight_table(&circuit, &model);
        let weight_pcs = TensorPcs::new(TensorParams::for_table(circuit.weight_layout.n_vars));
        let (root, weight_data) = weight_pcs.commit(&weight_table);
        let verifying_key = VerifyingKey::new(model.arch().clone(), root)?;
        Ok(Self {
            model,
            weight_table,
            weight_data,
            verifying_key,
        })
    }

    /// The verifier's key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying_key
    }

    /// The model.
    pub fn model(&self) -> &QuantModel {
        &self.model
    }
}

/// The weight table: per Dense layer its padded `W` (row-major, `2^out_vars x 2^in_vars`) and
/// `b`; per convolution its `W_aug` (row `co`: the channel's weights, then its bias), padded.
fn weight_table(circuit: &Circuit, model: &QuantModel) -> Vec<F> {
    let mut slots = Vec::with_capacity(2 * model.weights().len());
    for (layer, weights) in circuit.linear_layers().zip(model.weights()) {
        let w: Vec<i64> = weights.weight.iter().map(|&v| i64::from(v)).collect();
        match layer.op {
            LinearOp::Dense {
                in_dim, out_dim, ..
            } => {
                slots.push(padded_matrix(
                    &w,
                    out_dim,
                    in_dim,
                    layer.out_vars,
                    layer.in_vars,
                ));
                let mut b: Vec<F> = weights
                    .bias
                    .iter()
                    .map(|&v| from_i64(i64::from(v)))
                    .collect();
                b.resize(1 << layer.out_vars, F::ZERO);
                slots.push(b);
            }
            LinearOp::Conv {
                geometry,
                row_vars,
                col_vars,
            } => {
                let n_terms = w.len() / geometry.c_out;
                let augmented: Vec<i64> = w
                    .chunks_exact(n_terms)
                    .zip(&weights.bias)
                    .flat_map(|(row, &b)| row.iter().copied().chain([i64::from(b)]))
                    .collect();
                slots.push(padded_matrix(
                    &augmented,
                    geometry.c_out,
                    n_terms + 1,
                    row_vars,
                    col_vars,
                ));
            }
        }
    }
    circuit.weight_layout.fill(&slots)
}

/// The values of a weight-table slot, for the prover.
pub(crate) fn weight_slot(key: &ProvingKey, slot: usize) -> &[F] {
    let s = key.verifying_key.circuit.weight_layout.slots[slot];
    &key.weight_table[s.offset..s.offset + (1 << s.vars)]
}

/// `BLAKE3(domain ‖ len ‖ descriptor ‖ len ‖ params ‖ root)`.
pub fn identity(arch_bytes: &[u8], pcs_params: &[u8], root: &Commitment) -> Identity {
    let mut hasher = blake3::Hasher::new();
    hasher.update(IDENTITY_DOMAIN);
    for part in [arch_bytes, pcs_params, root.as_slice()] {
        hasher.update(&(part.len() as u32).to_be_bytes());
        hasher.update(part);
    }
    *hasher.finalize().as_bytes()
}
