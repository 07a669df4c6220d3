//! The sumcheck protocol for a product of two multilinear polynomials,
//! `claim = Σ_{x in {0,1}^n} f(x) g(x)`.
//!
//! Each round sends the round polynomial `h(X) = Σ f(r.., X, x..) g(r.., X, x..)` (degree 2) as
//! its values at 0, 1 and 2, so a message cannot carry a higher degree. The verifier checks
//! `h(0) + h(1)` against the running claim, absorbs `h`, draws the round's challenge after it, and
//! moves the claim to `h(r)`. The round count comes from the verifier's shapes, never from the
//! proof. At the end the claim must equal `f(ρ) g(ρ)`; the caller obtains those two values from
//! somewhere it trusts (a commitment opening, the previous layer, a public input) — the sumcheck
//! alone proves nothing about them.
//!
//! Soundness: a false claim survives one round with probability at most `2 / |EF|`, so `n` rounds
//! give an error of at most `2n / |EF|` (Schwartz–Zippel and a union bound over rounds).

use p3_field::{Field, PrimeCharacteristicRing};

use crate::channel::{ChannelError, ProverChannel, VerifierChannel};
use crate::field::{EF, EF_BITS};
use crate::mle::fix_first;
use crate::transcript::Transcript;

/// Degree of every round polynomial.
pub const DEGREE: usize = 2;

/// The prover's messages: one round polynomial per variable, as its values at 0, 1 and 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SumcheckProof {
    /// `[h(0), h(1), h(2)]` per round.
    pub rounds: Vec<[EF; DEGREE + 1]>,
}

/// A sumcheck the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SumcheckError {
    /// A proof with a different number of rounds than the shapes require.
    #[error("the sumcheck has {found} rounds, {expected} expected")]
    RoundCount {
        /// Rounds required by the shapes.
        expected: usize,
        /// Rounds in the proof.
        found: usize,
    },
    /// `h(0) + h(1)` differs from the running claim.
    #[error("sumcheck round {0}: h(0) + h(1) does not match the claim")]
    RoundSum(usize),
}

/// Proves `claim = Σ f g` over `n = log2 f.len()` variables; returns the proof, the random point
/// `ρ` and the final values `f(ρ)`, `g(ρ)`.
pub fn prove_product(
    transcript: &mut Transcript,
    label: &[u8],
    mut f: Vec<EF>,
    mut g: Vec<EF>,
) -> (SumcheckProof, Vec<EF>, EF, EF) {
    assert_eq!(f.len(), g.len(), "both tables cover the same hypercube");
    assert!(
        f.len().is_power_of_two() && f.len() >= 2,
        "at least one variable"
    );
    let n_vars = f.len().trailing_zeros() as usize;
    let mut rounds = Vec::with_capacity(n_vars);
    let mut point = Vec::with_capacity(n_vars);
    for _ in 0..n_vars {
        let half = f.len() / 2;
        let mut evals = [EF::ZERO; DEGREE + 1];
        for i in 0..half {
            let (f0, f1) = (f[i], f[i + half]);
            let (g0, g1) = (g[i], g[i + half]);
            evals[0] += f0 * g0;
            evals[1] += f1 * g1;
            // At X = 2: f = 2 f1 - f0, g = 2 g1 - g0.
            evals[2] += (f1.double() - f0) * (g1.double() - g0);
        }
        transcript.absorb_ext(label, &evals);
        let r = transcript.challenge(label);
        rounds.push(evals);
        point.push(r);
        fix_first(&mut f, r);
        fix_first(&mut g, r);
    }
    (SumcheckProof { rounds }, point, f[0], g[0])
}

/// Verifies a product sumcheck of `n_vars` rounds for `claim`; returns the point `ρ` and the value
/// that `f(ρ) g(ρ)` must equal.
pub fn verify_product(
    transcript: &mut Transcript,
    label: &[u8],
    n_vars: usize,
    mut claim: EF,
    proof: &SumcheckProof,
) -> Result<(Vec<EF>, EF), SumcheckError> {
    if proof.rounds.len() != n_vars {
        return Err(SumcheckError::RoundCount {
            expected: n_vars,
            found: proof.rounds.len(),
        });
    }
    let mut point = Vec::with_capacity(n_vars);
    for (round, evals) in proof.rounds.iter().enumerate() {
        if evals[0] + evals[1] != claim {
            return Err(SumcheckError::RoundSum(round));
        }
        transcript.absorb_ext(label, evals);
        let r = transcript.challenge(label);
        claim = interpolate_012(evals, r);
        point.push(r);
    }
    Ok((point, claim))
}

/// The degree-2 polynomial through `(0, e0), (1, e1), (2, e2)` evaluated at `r`.
fn interpolate_012(evals: &[EF; 3], r: EF) -> EF {
    let [e0, e1, e2] = *evals;
    let (r1, r2) = (r - EF::ONE, r - EF::TWO);
    // Lagrange basis over {0, 1, 2}: L0 = (r-1)(r-2)/2, L1 = -r(r-2), L2 = r(r-1)/2.
    let half = EF::TWO.inverse();
    e0 * r1 * r2 * half - e1 * r * r2 + e2 * r * r1 * half
}

/// Bits of soundness of `n_rounds` rounds of degree `DEGREE`: `-log2(DEGREE * n / |EF|)`.
pub fn soundness_bits(n_rounds: usize) -> f64 {
    EF_BITS - ((DEGREE * n_rounds.max(1)) as f64).log2()
}

/// A round polynomial of any degree as its values at `0..=degree`, evaluated at `r`.
pub fn interpolate(evals: &[EF], r: EF) -> EF {
    let mut total = EF::ZERO;
    for (i, &value) in evals.iter().enumerate() {
        let mut numerator = EF::ONE;
        let mut denominator = EF::ONE;
        for j in 0..evals.len() {
            if j != i {
                numerator *= r - EF::from_usize(j);
                denominator *= EF::from_usize(i) - EF::from_usize(j);
            }
        }
        total += value * numerator * denominator.inverse();
    }
    total
}

/// Proves `claim = Σ_x f(t_0(x), t_1(x), ..)` for multilinear tables `t_i` and a polynomial `f`
/// of total degree at most `degree`, sending each round polynomial as its values at
/// `0..=degree` through the channel. Returns the point and every table's value there.
pub fn prove_generic(
    channel: &mut ProverChannel,
    label: &[u8],
    mut tables: Vec<Vec<EF>>,
    degree: usize,
    f: impl Fn(&[EF]) -> EF,
) -> (Vec<EF>, Vec<EF>) {
    let len = tables.first().map_or(0, Vec::len);
    assert!(len.is_power_of_two() && tables.iter().all(|t| t.len() == len));
    let n_vars = len.trailing_zeros() as usize;
    let mut point = Vec::with_capacity(n_vars);
    let mut at = vec![EF::ZERO; tables.len()];
    for _ in 0..n_vars {
        let half = tables[0].len() / 2;
        let mut evals = vec![EF::ZERO; degree + 1];
        for i in 0..half {
            for (t, eval) in evals.iter_mut().enumerate() {
                let x = EF::from_usize(t);
                for (slot, table) in at.iter_mut().zip(&tables) {
                    *slot = table[i] + x * (table[i + half] - table[i]);
                }
                *eval += f(&at);
            }
        }
        channel.send_ext(label, &evals);
        let r = channel.transcript.challenge(label);
        point.push(r);
        for table in &mut tables {
            fix_first(table, r);
        }
    }
    let finals = tables.iter().map(|t| t[0]).collect();
    (point, finals)
}

/// Verifies a sumcheck of `n_vars` rounds of `degree` for `claim`; returns the point and the
/// value that `f` of the tables must take there.
pub fn verify_generic(
    channel: &mut VerifierChannel<'_>,
    label: &[u8],
    n_vars: usize,
    degree: usize,
    mut claim: EF,
) -> Result<(Vec<EF>, EF), GenericSumcheckError> {
    let mut point = Vec::with_capacity(n_vars);
    for round in 0..n_vars {
        let evals = channel.recv_ext(label, degree + 1)?;
        if evals[0] + evals[1] != claim {
            return Err(GenericSumcheckError::RoundSum(round));
        }
        let r = channel.transcript.challenge(label);
        claim = interpolate(&evals, r);
        point.push(r);
    }
    Ok((point, claim))
}

/// A generic sumcheck the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum GenericSumcheckError {
    /// The proof could not be read.
    #[error(transparent)]
    Channel(#[from] ChannelError),
    /// `h(0) + h(1)` differs from the running claim.
    #[error("sumcheck round {0}: h(0) + h(1) does not match the claim")]
    RoundSum(usize),
}

/// Bits of soundness of `n_rounds` rounds of degree `degree`.
pub fn generic_soundness_bits(n_rounds: usize, degree: usize) -> f64 {
    EF_BITS - ((degree * n_rounds.max(1)) as f64).log2()
}
