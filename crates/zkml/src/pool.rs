//! A max pool over an int8 activation, proven with a committed difference table.
//!
//! The prover commits the maxima `y` and the differences `D[o, k] = y[o] - x[i(o, k)]` for every
//! cell `k` of window `o` (`D = 1` for a cell in the padding or past the window's `kh * kw`
//! cells, `D = 0` past the last output). Three checks make `y` the maximum:
//!
//! 1. `D` is that function of `y` and `x`. The relation is linear, so it is checked at a random
//!    point `r`: `D~(r) = Σ_o A(o) y[o] - Σ_i B(i) x[i] + C`, where `A`, `B` and `C` are sums of
//!    `eq(r, ·)` over the valid cells, the cells reading input `i`, and the padded cells (the
//!    verifier computes them in one pass over the windows). The prover states `s_y = Σ A y`;
//!    two product sumchecks reduce `s_y` and `s_x = s_y + C - D~(r)` to claims on `y~` and on
//!    `x~` (the previous layer's committed activation, or the public input).
//! 2. Every `D` is a byte (a lookup column): `y >= x` on every cell.
//! 3. `Π_k D[o, k] = 0` for every `o` over the window's `kh * kw` cells: `y` is one of them. A
//!    zero-check `Σ_o eq(τ, o) Π_k D_k(o) = 0` (degree `kh * kw + 1`) ends in one claim on `D~`
//!    per cell, at `(ρ, bits(k))`.
//!
//! With `x` int8 (range-checked where it was produced, or public), 3 gives `y = x[i*]` and 2 then
//! gives `x[i*] - x[i] ∈ [0, 255]` as integers for every cell, so `y` is the maximum: no range
//! check on `y` itself is needed. A one-hot selector would need a booleanity check and a
//! second committed table of the same size; the product needs neither.
//!
//! A batch of samples is proven at once: `r` has the sample index as its top variables, the
//! relation of step 1 (the same for every sample) is checked on `y` and `x` folded at `r`'s
//! sample part, and the zero-check runs over samples and outputs together.
//!
//! Soundness (counted in [`crate::soundness`]): `(batch_vars + out_vars + window_vars) / |EF|`
//! for `r`, `2 out_vars / |EF|` and `2 in_vars / |EF|` for the two sumchecks, and
//! `(n + (K + 1) n) / |EF|` for the zero-check (`n = batch_vars + out_vars`, `K = kh * kw`).

use p3_field::PrimeCharacteristicRing;

use crate::channel::{ProverChannel, VerifierChannel};
use crate::circuit::PoolLayer;
use crate::field::{EF, F};
use crate::mle::{eq_eval, eq_table, evaluate, evaluate_base, fix_prefix};
use crate::sumcheck::{self, GenericSumcheckError};

/// Most cells of a pooling window the prover handles: the zero-check's degree is one more.
pub const MAX_WINDOW: usize = 64;

/// Where a max pool's proof leaves its claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolClaims {
    /// Claims on `D~`: at `r`, then at `(ρ, bits(k))` for each cell `k`.
    pub diff: Vec<(Vec<EF>, EF)>,
    /// The claim on `y~`.
    pub y: (Vec<EF>, EF),
    /// The claim on `x~`.
    pub input: (Vec<EF>, EF),
}

/// A max pool the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolError {
    /// A sumcheck failed (its label says which).
    #[error("{0}: {1}")]
    Sumcheck(String, GenericSumcheckError),
    /// A sumcheck of the difference relation does not end at its evaluations.
    #[error("the differences are not y minus the window's cells")]
    Differences,
    /// The product zero-check does not end at its evaluations.
    #[error("a maximum is not one of its window's cells")]
    Product,
}

/// `A` (per output), `B` (per input) and `C`, the coefficients of the difference relation at
/// `r`.
fn coefficients(pool: &PoolLayer, r: &[EF]) -> (Vec<EF>, Vec<EF>, EF) {
    let eq = eq_table(r);
    let cells = 1usize << pool.window_vars;
    let n_out: usize = pool.geometry.output().unwrap_or([0, 0, 0]).iter().product();
    let mut a = vec![EF::ZERO; 1 << pool.out_vars];
    let mut b = vec![EF::ZERO; 1 << pool.in_vars];
    pool.geometry.for_each_tap(|o, k, i| {
        let weight = eq[o * cells + k];
        a[o] += weight;
        b[i] += weight;
    });
    let all: EF = eq[..n_out * cells].iter().copied().sum();
    let valid: EF = a.iter().copied().sum();
    (a, b, all - valid)
}

/// The differences table of an honest prover, from the input and the maxima.
pub fn differences(pool: &PoolLayer, x: &[i64], y: &[i64]) -> Vec<F> {
    let cells = 1usize << pool.window_vars;
    let mut d = vec![F::ZERO; cells << pool.out_vars];
    for value in &mut d[..y.len() * cells] {
        *value = F::ONE;
    }
    pool.geometry
        .for_each_tap(|o, k, i| d[o * cells + k] = crate::field::from_i64(y[o] - x[i]));
    d
}

/// The table of cell `k` of every window: `D_k(o) = D[o, k]`.
fn cell_table(pool: &PoolLayer, d: &[F], k: usize) -> Vec<EF> {
    d.iter()
        .skip(k)
        .step_by(1 << pool.window_vars)
        .map(|&v| EF::from(v))
        .collect()
}

fn cell_point(rho: &[EF], k: usize, window_vars: usize) -> Vec<EF> {
    let mut point = rho.to_vec();
    point.extend((0..window_vars).map(|b| {
        if (k >> (window_vars - 1 - b)) & 1 == 1 {
            EF::ONE
        } else {
            EF::ZERO
        }
    }));
    point
}

fn product(values: &[EF]) -> EF {
    values.iter().copied().product()
}

/// Proves a max pool over a batch of `2^batch_vars` samples: `x` and `y` the samples' inputs
/// and maxima, each padded to its slot and stacked, `d` the differences, stacked alike.
pub fn prove(
    channel: &mut ProverChannel,
    label: &str,
    pool: &PoolLayer,
    batch_vars: usize,
    x: &[F],
    y: &[F],
    d: &[F],
) -> PoolClaims {
    let point = channel.transcript.challenges(
        label.as_bytes(),
        batch_vars + pool.out_vars + pool.window_vars,
    );
    let (sample, r) = point.split_at(batch_vars);
    let (a, b, _) = coefficients(pool, r);
    let d_eval = evaluate_base(d, &point);
    // The relation is the same for every sample, so it is checked on the batch folded at the
    // sample point.
    let y_folded = fix_prefix(y, sample);
    let s_y: EF = a.iter().zip(&y_folded).map(|(&c, &v)| c * v).sum();
    channel.send_ext(label.as_bytes(), &[d_eval, s_y]);

    let with_sample = |rho: Vec<EF>| -> Vec<EF> { sample.iter().copied().chain(rho).collect() };
    let y_label = format!("{label}/y");
    let (y_point, finals) =
        sumcheck::prove_generic(channel, y_label.as_bytes(), vec![a, y_folded], 2, |t| {
            t[0] * t[1]
        });
    channel.send_ext(y_label.as_bytes(), &finals[1..]);
    let y_claim = (with_sample(y_point), finals[1]);

    let x_label = format!("{label}/x");
    let x_folded = fix_prefix(x, sample);
    let (x_point, finals) =
        sumcheck::prove_generic(channel, x_label.as_bytes(), vec![b, x_folded], 2, |t| {
            t[0] * t[1]
        });
    channel.send_ext(x_label.as_bytes(), &finals[1..]);
    let input = (with_sample(x_point), finals[1]);

    let max_label = format!("{label}/max");
    let tau = channel
        .transcript
        .challenges(max_label.as_bytes(), batch_vars + pool.out_vars);
    let n_cells = pool.geometry.window_len();
    let mut tables = vec![eq_table(&tau)];
    tables.extend((0..n_cells).map(|k| cell_table(pool, d, k)));
    let (rho, finals) =
        sumcheck::prove_generic(channel, max_label.as_bytes(), tables, n_cells + 1, |t| {
            t[0] * product(&t[1..])
        });
    channel.send_ext(max_label.as_bytes(), &finals[1..]);
    let mut diff = vec![(point.clone(), d_eval)];
    for (k, &value) in finals[1..].iter().enumerate() {
        diff.push((cell_point(&rho, k, pool.window_vars), value));
    }
    PoolClaims {
        diff,
        y: y_claim,
        input,
    }
}

/// Verifies a max pool's proof over a batch of `2^batch_vars` samples, returning the claims it
/// reduces to.
pub fn verify(
    channel: &mut VerifierChannel<'_>,
    label: &str,
    pool: &PoolLayer,
    batch_vars: usize,
) -> Result<PoolClaims, PoolError> {
    let recv = |channel: &mut VerifierChannel<'_>, label: &str, n| {
        channel
            .recv_ext(label.as_bytes(), n)
            .map_err(|e| PoolError::Sumcheck(label.to_owned(), e.into()))
    };
    let sumcheck = |channel: &mut VerifierChannel<'_>, label: &str, n_vars, degree, claim| {
        sumcheck::verify_generic(channel, label.as_bytes(), n_vars, degree, claim)
            .map_err(|e| PoolError::Sumcheck(label.to_owned(), e))
    };
    let point = channel.transcript.challenges(
        label.as_bytes(),
        batch_vars + pool.out_vars + pool.window_vars,
    );
    let (sample, r) = point.split_at(batch_vars);
    let sent = recv(channel, label, 2)?;
    let (d_eval, s_y) = (sent[0], sent[1]);
    let (a, b, c) = coefficients(pool, r);
    let s_x = s_y + c - d_eval;
    let with_sample = |rho: Vec<EF>| -> Vec<EF> { sample.iter().copied().chain(rho).collect() };

    let y_label = format!("{label}/y");
    let (y_point, final_value) = sumcheck(channel, &y_label, pool.out_vars, 2, s_y)?;
    let y_eval = recv(channel, &y_label, 1)?[0];
    if final_value != evaluate(&a, &y_point) * y_eval {
        return Err(PoolError::Differences);
    }

    let x_label = format!("{label}/x");
    let (x_point, final_value) = sumcheck(channel, &x_label, pool.in_vars, 2, s_x)?;
    let x_eval = recv(channel, &x_label, 1)?[0];
    if final_value != evaluate(&b, &x_point) * x_eval {
        return Err(PoolError::Differences);
    }

    let max_label = format!("{label}/max");
    let tau = channel
        .transcript
        .challenges(max_label.as_bytes(), batch_vars + pool.out_vars);
    let n_cells = pool.geometry.window_len();
    let (rho, final_value) = sumcheck(
        channel,
        &max_label,
        batch_vars + pool.out_vars,
        n_cells + 1,
        EF::ZERO,
    )?;
    let cells = recv(channel, &max_label, n_cells)?;
    if final_value != eq_eval(&tau, &rho) * product(&cells) {
        return Err(PoolError::Product);
    }
    let mut diff = vec![(point.clone(), d_eval)];
    for (k, &value) in cells.iter().enumerate() {
        diff.push((cell_point(&rho, k, pool.window_vars), value));
    }
    Ok(PoolClaims {
        diff,
        y: (with_sample(y_point), y_eval),
        input: (with_sample(x_point), x_eval),
    })
}
