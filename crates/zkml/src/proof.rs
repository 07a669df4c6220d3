//! What the prover and the verifier share: the proof's header, the statement that starts the
//! transcript, and the arithmetic both sides apply to claimed values.
//!
//! # Format (version 1)
//!
//! `"AILZKPRF" | u16 version (big-endian) | messages`. The messages are canonical field elements
//! and fixed-size digests in protocol order (see [`crate::channel`]); their number is fixed by
//! the circuit the verifier derives from the descriptor, so no length is encoded and none is
//! trusted. Proofs larger than [`MAX_PROOF_BYTES`] are refused before any work.

use p3_field::{Field, PrimeCharacteristicRing};

use crate::circuit::{Column, RequantGadget, TABLE_VARS};
use crate::field::{EF, F, from_i64};
use crate::key::Identity;
use crate::mle::prefix_eval;
use crate::pcs::Commitment;
use crate::transcript::Transcript;

/// The first bytes of a proof.
pub const PROOF_MAGIC: &[u8; 8] = b"AILZKPRF";
/// The proof format this crate writes and reads.
pub const PROOF_VERSION: u16 = 1;
/// Bytes of the header.
pub const HEADER_LEN: usize = 10;
/// The largest proof the verifier reads.
pub const MAX_PROOF_BYTES: usize = 64 << 20;

/// The header bytes.
pub fn header() -> Vec<u8> {
    let mut out = PROOF_MAGIC.to_vec();
    out.extend_from_slice(&PROOF_VERSION.to_be_bytes());
    out
}

/// The transcript after absorbing the statement: identity, descriptor, weight commitment, the
/// batch size when it is more than one, inputs and outputs (one after the other). Every
/// challenge of the proof depends on all of them.
pub fn statement_transcript(
    identity: &Identity,
    arch_bytes: &[u8],
    weight_root: &Commitment,
    batch: usize,
    input: &[i64],
    output: &[i64],
) -> Transcript {
    let mut transcript = Transcript::new();
    transcript.absorb_bytes(b"statement/identity", identity);
    transcript.absorb_bytes(b"statement/descriptor", arch_bytes);
    transcript.absorb_bytes(b"statement/weights", weight_root);
    // A single inference keeps the statement it always had.
    if batch > 1 {
        transcript.absorb_bytes(b"statement/batch", &(batch as u64).to_be_bytes());
    }
    let to_field = |values: &[i64]| values.iter().map(|&v| from_i64(v)).collect::<Vec<F>>();
    transcript.absorb_base(b"statement/input", &to_field(input));
    transcript.absorb_base(b"statement/output", &to_field(output));
    transcript
}

/// `Σ 2^(8j) limb_j`.
pub fn from_limbs(limbs: &[EF]) -> EF {
    let mut total = EF::ZERO;
    for (j, &limb) in limbs.iter().enumerate() {
        total += limb * EF::from(F::from_u64(1u64 << (8 * j)));
    }
    total
}

/// Splits a gadget's slot evaluations (in slot order) into `(y, r, A, B)`.
pub fn gadget_parts(g: &RequantGadget, evals: &[EF]) -> (EF, EF, EF, EF) {
    let (nr, na) = (g.remainder_limbs(), g.excess_limbs());
    let y = evals[0];
    let r = from_limbs(&evals[1..1 + nr]);
    let a = from_limbs(&evals[1 + nr..1 + nr + na]);
    let b = from_limbs(&evals[1 + nr + na..1 + nr + 2 * na]);
    (y, r, a, b)
}

/// The accumulator's MLE value at `point` implied by `t = 2^s y + r + A - B`,
/// `t = m acc + 2^(s-1)` on the layer's outputs and `acc = 0` on their padding (where the honest
/// witness is all zeros, so the constant `2^(s-1)` is weighted by the real outputs only).
pub fn accumulator_eval(g: &RequantGadget, point: &[EF], evals: &[EF]) -> EF {
    let (y, r, a, b) = gadget_parts(g, evals);
    let two_s = EF::from(F::from_u64(1u64 << g.shift));
    let half = EF::from(F::from_u64(1u64 << (g.shift - 1))) * prefix_eval(point, g.len);
    let m_inv = F::from_u64(g.multiplier).inverse();
    (two_s * y + r + a - b - half) * EF::from(m_inv)
}

/// `Π (1 - point_i)` over the first `n` variables: the weight of a zero-extended vector.
pub fn zero_prefix(point: &[EF], n: usize) -> EF {
    point[..n].iter().map(|&v| EF::ONE - v).product()
}

/// A column's MLE at `point` (`column_vars` variables) from its slot's value at the tail.
pub fn column_eval(column: &Column, column_vars: usize, point: &[EF], slot_value: EF) -> EF {
    let prefix = zero_prefix(point, column_vars - column.slot_vars);
    EF::from(from_i64(column.scale)) * prefix * slot_value + EF::from(from_i64(column.offset))
}

/// The identity MLE of the table `0..256` at an 8-variable point.
pub fn table_identity_eval(point: &[EF]) -> EF {
    debug_assert_eq!(point.len(), TABLE_VARS);
    point
        .iter()
        .enumerate()
        .map(|(b, &v)| v * EF::from(F::from_u64(1u64 << (TABLE_VARS - 1 - b))))
        .sum()
}
