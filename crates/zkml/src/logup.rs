//! LogUp-GKR: a lookup argument proven with a GKR over a binary tree of fractions.
//!
//! To show that every `a_i` lies in the table `t = (0..256)` with multiplicities `m_j`, the prover
//! shows `Σ_i 1/(α - a_i) - Σ_j m_j/(α - t_j) = 0` for a random `α` drawn after the columns and
//! multiplicities were committed. The leaves are the fractions `(1, α - a_i)` followed by
//! `(-m_j, α - t_j)` (table padding `(0, 1)`); each tree level adds pairs of siblings,
//! `p = p_0 q_1 + p_1 q_0`, `q = q_0 q_1`. The root must be `0 / q` with `q ≠ 0`.
//!
//! Level by level from the root, a claim on `(p~, q~)` at a point `z` is reduced, with a random
//! `λ`, to a degree-3 sumcheck of `eq(z, x)·(p_0 q_1 + p_1 q_0 + λ q_0 q_1)`, and the four child
//! values at its end are merged onto one point with a random `μ` (a line through them). The
//! last level leaves claims on the leaf MLEs, which the caller checks against the committed
//! columns and multiplicities and the table, which the verifier evaluates itself.
//!
//! Soundness: `(n_leaves)/|EF|` for `α` (the rational identity has degree at most the number of
//! leaves), and per level `k`: `3k/|EF|` for the sumcheck plus `2/|EF|` for `λ` and `μ`.

use p3_field::{Field, PrimeCharacteristicRing};

use crate::channel::{ChannelError, ProverChannel, VerifierChannel};
use crate::field::{EF, EF_BITS};
use crate::mle::{eq_eval, eq_table};
use crate::sumcheck::{self, GenericSumcheckError};

/// A LogUp proof the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogupError {
    /// A sumcheck failed.
    #[error(transparent)]
    Sumcheck(#[from] GenericSumcheckError),
    /// The proof could not be read.
    #[error(transparent)]
    Channel(#[from] ChannelError),
    /// The fractions do not sum to zero, or the root denominator is zero.
    #[error("the lookup fractions do not cancel")]
    Root,
    /// A level's sumcheck does not end at its children's values.
    #[error("LogUp level {0}: the children do not match the sumcheck")]
    Level(usize),
}

/// The leaf claims a verified LogUp leaves to the caller: `p~(point)` and `q~(point)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafClaims {
    /// The leaf point.
    pub point: Vec<EF>,
    /// Claimed numerator MLE.
    pub numerator: EF,
    /// Claimed denominator MLE.
    pub denominator: EF,
}

/// Proves that the fractions `numerators[i] / denominators[i]` sum to zero.
pub fn prove(
    channel: &mut ProverChannel,
    numerators: Vec<EF>,
    denominators: Vec<EF>,
) -> LeafClaims {
    let n_leaves = numerators.len();
    assert!(n_leaves.is_power_of_two() && n_leaves >= 2);
    assert_eq!(denominators.len(), n_leaves);
    let depth = n_leaves.trailing_zeros() as usize;
    // levels[k] holds 2^k fractions.
    let mut levels = vec![(Vec::new(), Vec::new()); depth + 1];
    levels[depth] = (numerators, denominators);
    for k in (0..depth).rev() {
        let (p, q) = &levels[k + 1];
        let mut next_p = Vec::with_capacity(1 << k);
        let mut next_q = Vec::with_capacity(1 << k);
        for x in 0..1 << k {
            next_p.push(p[2 * x] * q[2 * x + 1] + p[2 * x + 1] * q[2 * x]);
            next_q.push(q[2 * x] * q[2 * x + 1]);
        }
        levels[k] = (next_p, next_q);
    }
    let (p1, q1) = &levels[1];
    channel.send_ext(b"logup/root", &[p1[0], p1[1], q1[0], q1[1]]);
    let mu = channel.transcript.challenge(b"logup/line");
    let mut point = vec![mu];
    for k in 1..depth {
        let lambda = channel.transcript.challenge(b"logup/lambda");
        let (p, q) = &levels[k + 1];
        let split = |v: &Vec<EF>, parity: usize| -> Vec<EF> {
            v.iter().skip(parity).step_by(2).copied().collect()
        };
        let tables = vec![
            eq_table(&point),
            split(p, 0),
            split(p, 1),
            split(q, 0),
            split(q, 1),
        ];
        let (rho, finals) = sumcheck::prove_generic(channel, b"logup/level", tables, 3, |t| {
            t[0] * (t[1] * t[4] + t[2] * t[3] + lambda * t[3] * t[4])
        });
        channel.send_ext(b"logup/children", &finals[1..]);
        let mu = channel.transcript.challenge(b"logup/line");
        point = rho;
        point.push(mu);
    }
    let (p, q) = &levels[depth];
    LeafClaims {
        numerator: crate::mle::evaluate(p, &point),
        denominator: crate::mle::evaluate(q, &point),
        point,
    }
}

/// Verifies a LogUp proof over `2^depth` leaves.
pub fn verify(channel: &mut VerifierChannel<'_>, depth: usize) -> Result<LeafClaims, LogupError> {
    let root = channel.recv_ext(b"logup/root", 4)?;
    let [p0, p1, q0, q1] = [root[0], root[1], root[2], root[3]];
    if p0 * q1 + p1 * q0 != EF::ZERO || (q0 * q1).is_zero() {
        return Err(LogupError::Root);
    }
    let mu = channel.transcript.challenge(b"logup/line");
    let mut point = vec![mu];
    let mut claim_p = p0 + mu * (p1 - p0);
    let mut claim_q = q0 + mu * (q1 - q0);
    for k in 1..depth {
        let lambda = channel.transcript.challenge(b"logup/lambda");
        let (rho, final_value) =
            sumcheck::verify_generic(channel, b"logup/level", k, 3, claim_p + lambda * claim_q)?;
        let children = channel.recv_ext(b"logup/children", 4)?;
        let [p0, p1, q0, q1] = [children[0], children[1], children[2], children[3]];
        let expected = eq_eval(&point, &rho) * (p0 * q1 + p1 * q0 + lambda * q0 * q1);
        if expected != final_value {
            return Err(LogupError::Level(k));
        }
        let mu = channel.transcript.challenge(b"logup/line");
        claim_p = p0 + mu * (p1 - p0);
        claim_q = q0 + mu * (q1 - q0);
        point = rho;
        point.push(mu);
    }
    Ok(LeafClaims {
        point,
        numerator: claim_p,
        denominator: claim_q,
    })
}

/// Bits of soundness of a LogUp-GKR over `2^depth` leaves.
pub fn soundness_bits(depth: usize) -> f64 {
    let alpha = (1u64 << depth) as f64;
    let levels: f64 = (1..depth).map(|k| (3 * k + 2) as f64).sum::<f64>() + 1.0;
    EF_BITS - (alpha + levels).log2()
}
