//! A convolution as a matrix product with its im2col matrix, proven with two sumchecks whose
//! verifier work is linear in the im2col entries (never in a dense map of the input).
//!
//! Notation: the input `x` has `c_in x h x w` values and the accumulator `acc` has `c_out x P`
//! (`P = h_out * w_out`), both row-major and zero-padded to powers of two, as every activation
//! of the circuit is. `J = c_in * kh * kw` indexes a channel's weights and `X'[j, p]` is the
//! im2col matrix (the input cell that weight `j` meets at output cell `p`, 0 in the padding).
//! The bias is folded in as column `J` of `W_aug` against a row of ones in `X'`, so
//! `acc[co, p] = Σ_{j <= J} W_aug[co, j] X'[j, p]`.
//!
//! Given a claim `v = acc~(r)` at a random point:
//!
//! 1. With `E = eq(r, ·)` over the accumulator's indices, `v = Σ_{co, j} W_aug[co, j] Q[co, j]`
//!    where `Q[co, j] = Σ_p E[co·P + p] X'[j, p]` (the prover builds `Q` in one pass over the
//!    im2col entries per output channel). A product sumcheck over `(co, j)` ends at a point
//!    `(ρ_co, ρ_j)` with a claim on `W_aug~` (the weight commitment opens it) and a claim `u` on
//!    `Q~`.
//! 2. `u = Σ_{j, p} eq(ρ_j, j) E'(p) X'[j, p]` with `E'(p) = Σ_co eq(ρ_co, co) E[co·P + p]`.
//!    The bias row contributes `eq(ρ_j, J) Σ_p E'(p)`; the rest is `Σ_i T(i) x(i)` with
//!    `T(i) = Σ_{(j, p) reading cell i} eq(ρ_j, j) E'(p)`. A second product sumcheck over the
//!    input's variables ends at a claim on `x~` (the previous layer's committed activation, or
//!    the public input) and a value of `T~` that the verifier computes itself.
//!
//! The verifier computes `E'` in `O(c_out·P)`, `T` in `O(J·P)` (one pass over the im2col
//! entries of one output channel) and `T~` in `O(|x|)`. This departs from a sumcheck over a
//! sparse 0/1 map `M` with `X' = M x`: the map's MLE would have to be evaluated at a random point
//! anyway, and summing `eq` weights over the taps is that evaluation, done directly.
//!
//! Soundness: `2 (row_vars + col_vars) / |EF|` and `2 in_vars / |EF|` for the two sumchecks
//! (counted in [`crate::soundness`]); the output point `r` is the requantisation's or the
//! output's, counted there.

use p3_field::PrimeCharacteristicRing;

use crate::channel::{ProverChannel, VerifierChannel};
use crate::field::{EF, F};
use crate::geometry::ConvGeometry;
use crate::mle::{eq_table, evaluate};
use crate::sumcheck::{self, GenericSumcheckError};

/// Where a convolution's proof leaves its claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvClaims {
    /// `W_aug~` at this point (`ρ_co` then `ρ_j`).
    pub weight_point: Vec<EF>,
    /// The claimed `W_aug~` value.
    pub weight_eval: EF,
    /// `x~` at this point.
    pub input_point: Vec<EF>,
    /// The claimed `x~` value.
    pub input_eval: EF,
}

/// A convolution the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvError {
    /// A sumcheck failed (its label says which).
    #[error("{0}: {1}")]
    Sumcheck(String, GenericSumcheckError),
    /// The first sumcheck does not end at `W_aug~ · Q~`.
    #[error("the weight sumcheck does not match its evaluations")]
    Weights,
    /// The second sumcheck does not end at `T~ · x~`.
    #[error("the im2col sumcheck does not match its evaluations")]
    Im2col,
}

/// The shape of one convolution in the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// The geometry.
    pub geometry: ConvGeometry,
    /// Variables of the output channel.
    pub row_vars: usize,
    /// Variables of a `W_aug` row.
    pub col_vars: usize,
    /// Variables of the input.
    pub in_vars: usize,
}

impl ConvShape {
    fn positions(&self) -> usize {
        let [_, h_out, w_out] = self.geometry.output().unwrap_or([0, 0, 0]);
        h_out * w_out
    }

    fn n_terms(&self) -> usize {
        self.geometry.input[0] * self.geometry.kernel_len()
    }
}

/// `Q[co, j] = Σ_p E[co·P + p] X'[j, p]`, `2^(row_vars + col_vars)` values (zero outside the
/// channels and columns), for the prover.
fn im2col_products(shape: &ConvShape, e: &[EF], x: &[EF]) -> Vec<EF> {
    let c_out = shape.geometry.c_out;
    let positions = shape.positions();
    let n_cols = 1 << shape.col_vars;
    let mut q = vec![EF::ZERO; n_cols << shape.row_vars];
    shape.geometry.for_each_tap(|j, p, i| {
        let value = x[i];
        if value == EF::ZERO {
            return;
        }
        for co in 0..c_out {
            q[co * n_cols + j] += e[co * positions + p] * value;
        }
    });
    let bias_col = shape.n_terms();
    for co in 0..c_out {
        q[co * n_cols + bias_col] = e[co * positions..(co + 1) * positions]
            .iter()
            .copied()
            .sum();
    }
    q
}

/// `E'(p) = Σ_co eq(ρ_co, co) E[co·P + p]` for every output cell `p`.
fn cell_weights(shape: &ConvShape, e: &[EF], row_point: &[EF]) -> Vec<EF> {
    let positions = shape.positions();
    let eq_rows = eq_table(row_point);
    let mut out = vec![EF::ZERO; positions];
    for (co, &weight) in eq_rows.iter().enumerate().take(shape.geometry.c_out) {
        for (o, &value) in out.iter_mut().zip(&e[co * positions..(co + 1) * positions]) {
            *o += weight * value;
        }
    }
    out
}

/// The bias row's share of `Q~(ρ_co, ρ_j)` and the coefficients `T` of the input
/// (`2^in_vars` values), from the output point `r` and the first sumcheck's point.
fn input_coefficients(shape: &ConvShape, r: &[EF], point: &[EF]) -> (EF, Vec<EF>) {
    let (row_point, col_point) = point.split_at(shape.row_vars);
    let e = eq_table(r);
    let cells = cell_weights(shape, &e, row_point);
    let eq_cols = eq_table(col_point);
    let bias = eq_cols[shape.n_terms()] * cells.iter().copied().sum::<EF>();
    let mut t = vec![EF::ZERO; 1 << shape.in_vars];
    shape
        .geometry
        .for_each_tap(|j, p, i| t[i] += eq_cols[j] * cells[p]);
    (bias, t)
}

/// Proves the claim `acc~(r)` (already bound by the caller) for `acc = conv(W_aug, x)`, with
/// `weights` the `W_aug` slot and `x` the input padded to `2^in_vars` (for a batch: the
/// samples' inputs folded at the claim's sample point, by linearity).
pub fn prove(
    channel: &mut ProverChannel,
    label: &str,
    shape: &ConvShape,
    weights: &[F],
    x: &[EF],
    r: &[EF],
) -> ConvClaims {
    let e = eq_table(r);
    let q = im2col_products(shape, &e, x);
    let weight_ext = weights.iter().map(|&v| EF::from(v)).collect();
    let weights_label = format!("{label}/weights");
    let (point, finals) = sumcheck::prove_generic(
        channel,
        weights_label.as_bytes(),
        vec![weight_ext, q],
        2,
        |t| t[0] * t[1],
    );
    channel.send_ext(weights_label.as_bytes(), &finals);
    let (_, t) = input_coefficients(shape, r, &point);
    let x_ext = x.to_vec();
    let im2col_label = format!("{label}/im2col");
    let (input_point, input_finals) =
        sumcheck::prove_generic(channel, im2col_label.as_bytes(), vec![t, x_ext], 2, |t| {
            t[0] * t[1]
        });
    channel.send_ext(im2col_label.as_bytes(), &input_finals[1..]);
    ConvClaims {
        weight_point: point,
        weight_eval: finals[0],
        input_point,
        input_eval: input_finals[1],
    }
}

/// Verifies a convolution's proof of `claim = acc~(r)`, returning the claims it reduces to.
pub fn verify(
    channel: &mut VerifierChannel<'_>,
    label: &str,
    shape: &ConvShape,
    r: &[EF],
    claim: EF,
) -> Result<ConvClaims, ConvError> {
    let weights_label = format!("{label}/weights");
    let sumcheck_err = |label: &str| {
        let label = label.to_owned();
        move |e| ConvError::Sumcheck(label, e)
    };
    let (point, final_value) = sumcheck::verify_generic(
        channel,
        weights_label.as_bytes(),
        shape.row_vars + shape.col_vars,
        2,
        claim,
    )
    .map_err(sumcheck_err(&weights_label))?;
    let evals = channel
        .recv_ext(weights_label.as_bytes(), 2)
        .map_err(|e| ConvError::Sumcheck(weights_label.clone(), e.into()))?;
    let (weight_eval, q_eval) = (evals[0], evals[1]);
    if final_value != weight_eval * q_eval {
        return Err(ConvError::Weights);
    }
    let (bias, t) = input_coefficients(shape, r, &point);
    let im2col_label = format!("{label}/im2col");
    let (input_point, final_value) = sumcheck::verify_generic(
        channel,
        im2col_label.as_bytes(),
        shape.in_vars,
        2,
        q_eval - bias,
    )
    .map_err(sumcheck_err(&im2col_label))?;
    let input_eval = channel
        .recv_one(im2col_label.as_bytes())
        .map_err(|e| ConvError::Sumcheck(im2col_label.clone(), e.into()))?;
    if final_value != evaluate(&t, &input_point) * input_eval {
        return Err(ConvError::Im2col);
    }
    Ok(ConvClaims {
        weight_point: point,
        weight_eval,
        input_point,
        input_eval,
    })
}
