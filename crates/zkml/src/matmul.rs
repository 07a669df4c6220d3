//! The matrix–vector layer `z = W x + b` as one sumcheck.
//!
//! With `W` padded to `2^a x 2^b` and a claim `v = z~(r_o)` on the output, the prover shows
//! `v - b~(r_o) = Σ_{j in {0,1}^b} W~(r_o, j) x~(j)`: a product sumcheck over the column
//! variables. It ends in three claims, at a point `ρ` drawn during the sumcheck:
//! `W~(r_o, ρ)` and `b~(r_o)`, which a commitment opening must confirm, and `x~(ρ)`, which becomes
//! the claim on the previous layer's output (or is checked against the public input).
//!
//! The prover's cost is one pass over `W` (the `eq(r_o)`-weighted row combination) plus `O(2^b)`
//! for the sumcheck.

use p3_field::PrimeCharacteristicRing;

use crate::field::{EF, EF_BYTES, F, get_ef, put_ef};
use crate::mle::{eq_table, evaluate_base};
use crate::sumcheck::{self, SumcheckError, SumcheckProof};
use crate::transcript::Transcript;

/// The shape of a matrix–vector layer in variables: `W` is `2^row_vars x 2^col_vars`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatmulShape {
    /// Variables of the output index.
    pub row_vars: usize,
    /// Variables of the input index (the sumcheck's rounds).
    pub col_vars: usize,
}

/// The prover's messages for one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatmulProof {
    /// The sumcheck over the column variables.
    pub sumcheck: SumcheckProof,
    /// The claimed `W~(r_o, ρ)`.
    pub weight_eval: EF,
    /// The claimed `b~(r_o)`.
    pub bias_eval: EF,
    /// The claimed `x~(ρ)`.
    pub input_eval: EF,
}

/// What a verified layer leaves to be checked elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatmulClaims {
    /// `W~` at this point (`r_o` then `ρ`) must equal `weight_eval`.
    pub weight_point: Vec<EF>,
    /// The claimed weight evaluation.
    pub weight_eval: EF,
    /// `b~(r_o)` must equal `bias_eval`.
    pub bias_point: Vec<EF>,
    /// The claimed bias evaluation.
    pub bias_eval: EF,
    /// `x~(ρ)` must equal `input_eval`.
    pub input_point: Vec<EF>,
    /// The claimed input evaluation.
    pub input_eval: EF,
}

/// A layer proof the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatmulError {
    /// The sumcheck failed.
    #[error(transparent)]
    Sumcheck(#[from] SumcheckError),
    /// The sumcheck's final value is not `W~(r_o, ρ) x~(ρ)`.
    #[error("the final sumcheck value does not match the claimed weight and input evaluations")]
    FinalCheck,
    /// The encoded proof has the wrong length for the shape.
    #[error("a matmul proof for {rounds} rounds has {expected} bytes, found {found}")]
    Length {
        /// Rounds the shape requires.
        rounds: usize,
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        found: usize,
    },
    /// A field element is not canonical.
    #[error("non-canonical field element at byte {0}")]
    NonCanonical(usize),
}

/// Proves `v = z~(r_o)` for `z = W x + b`, with `W` given as a padded row-major table of
/// `2^(row_vars + col_vars)` elements, `x` of `2^col_vars` and `b` of `2^row_vars`. The caller
/// computes `v` from `z` (or receives it as the claim of the next layer); the proof does not
/// depend on it.
pub fn prove(
    transcript: &mut Transcript,
    label: &[u8],
    shape: MatmulShape,
    weight: &[F],
    bias: &[F],
    input: &[F],
    r_o: &[EF],
) -> (MatmulProof, MatmulClaims) {
    let n_cols = 1 << shape.col_vars;
    assert_eq!(weight.len(), n_cols << shape.row_vars);
    assert_eq!(r_o.len(), shape.row_vars);
    // The eq(r_o)-weighted combination of W's rows: W~(r_o, j) for every column j.
    let eq = eq_table(r_o);
    let mut row_combination = vec![EF::ZERO; n_cols];
    for (row, &e) in weight.chunks_exact(n_cols).zip(&eq) {
        for (acc, &w) in row_combination.iter_mut().zip(row) {
            *acc += e * w;
        }
    }
    let bias_eval = evaluate_base(bias, r_o);
    let input_ext: Vec<EF> = input.iter().map(|&v| EF::from(v)).collect();
    let (sumcheck, rho, weight_eval, input_eval) =
        sumcheck::prove_product(transcript, label, row_combination, input_ext);
    absorb_evals(transcript, label, weight_eval, bias_eval, input_eval);
    let proof = MatmulProof {
        sumcheck,
        weight_eval,
        bias_eval,
        input_eval,
    };
    let claims = claims(r_o, &rho, &proof);
    (proof, claims)
}

/// Verifies a layer proof for the claim `v = z~(r_o)`, returning the claims it reduces to.
pub fn verify(
    transcript: &mut Transcript,
    label: &[u8],
    shape: MatmulShape,
    r_o: &[EF],
    claim: EF,
    proof: &MatmulProof,
) -> Result<MatmulClaims, MatmulError> {
    let (rho, final_value) = sumcheck::verify_product(
        transcript,
        label,
        shape.col_vars,
        claim - proof.bias_eval,
        &proof.sumcheck,
    )?;
    absorb_evals(
        transcript,
        label,
        proof.weight_eval,
        proof.bias_eval,
        proof.input_eval,
    );
    if final_value != proof.weight_eval * proof.input_eval {
        return Err(MatmulError::FinalCheck);
    }
    Ok(claims(r_o, &rho, proof))
}

fn absorb_evals(transcript: &mut Transcript, label: &[u8], weight: EF, bias: EF, input: EF) {
    transcript.absorb_ext(label, &[weight, bias, input]);
}

fn claims(r_o: &[EF], rho: &[EF], proof: &MatmulProof) -> MatmulClaims {
    MatmulClaims {
        weight_point: r_o.iter().chain(rho).copied().collect(),
        weight_eval: proof.weight_eval,
        bias_point: r_o.to_vec(),
        bias_eval: proof.bias_eval,
        input_point: rho.to_vec(),
        input_eval: proof.input_eval,
    }
}

impl MatmulProof {
    /// The encoding: each round's three values, then the weight, bias and input evaluations, as
    /// canonical extension elements.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity((self.sumcheck.rounds.len() * 3 + 3) * EF_BYTES);
        for round in &self.sumcheck.rounds {
            for value in round {
                put_ef(&mut out, value);
            }
        }
        for value in [&self.weight_eval, &self.bias_eval, &self.input_eval] {
            put_ef(&mut out, value);
        }
        out
    }

    /// Decodes a proof for `shape`; the length is fixed by the shape, so a truncated or extended
    /// proof is rejected before any check runs.
    pub fn decode(bytes: &[u8], shape: MatmulShape) -> Result<Self, MatmulError> {
        let rounds = shape.col_vars;
        let expected = (rounds * 3 + 3) * EF_BYTES;
        if bytes.len() != expected {
            return Err(MatmulError::Length {
                rounds,
                expected,
                found: bytes.len(),
            });
        }
        let mut values = bytes.chunks_exact(EF_BYTES).enumerate().map(|(i, chunk)| {
            let array: &[u8; EF_BYTES] =
                chunk.try_into().map_err(|_| MatmulError::NonCanonical(i))?;
            get_ef(array).ok_or(MatmulError::NonCanonical(i * EF_BYTES))
        });
        let mut next = || {
            values
                .next()
                .unwrap_or(Err(MatmulError::NonCanonical(expected)))
        };
        let mut proof_rounds = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            proof_rounds.push([next()?, next()?, next()?]);
        }
        Ok(Self {
            sumcheck: SumcheckProof {
                rounds: proof_rounds,
            },
            weight_eval: next()?,
            bias_eval: next()?,
            input_eval: next()?,
        })
    }
}
