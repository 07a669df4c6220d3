//! Several vectors in one committed multilinear table, and the batching of many evaluation
//! claims on them into one opening.
//!
//! Each vector ("slot") of `2^k` values sits at an offset that is a multiple of `2^k`, so its MLE
//! is the table's MLE with the top variables fixed to the offset's bits. The slots are placed
//! largest first, which keeps every offset aligned; the table is zero-padded to a power of two.
//! Offsets depend only on the slot sizes, which the verifier derives from the architecture
//! descriptor.
//!
//! Batching: claims `v_i = slot_i~(p_i)` become, with a random `γ`, the single claim
//! `Σ γ^i v_i = Σ_x T(x) G(x)` with `G(x) = Σ γ^i eq((offset_i, p_i), x)`; a degree-2 sumcheck
//! over the table's variables reduces it to `T~(ρ) G~(ρ)`, where the verifier computes `G~(ρ)`
//! itself and `T~(ρ)` is the one value the commitment opens.

use p3_field::PrimeCharacteristicRing;

use crate::channel::{ProverChannel, VerifierChannel};
use crate::field::{EF, F};
use crate::mle::{eq_eval, eq_table, evaluate};
use crate::pcs::{Commitment, Pcs, PcsError};
use crate::sumcheck::{self, GenericSumcheckError};

/// Where one vector lives in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// First index.
    pub offset: usize,
    /// `log2` of the slot's length.
    pub vars: usize,
}

/// The placement of every slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableLayout {
    /// Variables of the whole table.
    pub n_vars: usize,
    /// Slots in the order they were requested.
    pub slots: Vec<Slot>,
}

impl TableLayout {
    /// Places slots of `2^vars[i]` values.
    pub fn new(vars: &[usize]) -> Self {
        let mut order: Vec<usize> = (0..vars.len()).collect();
        order.sort_by(|&a, &b| vars[b].cmp(&vars[a]).then(a.cmp(&b)));
        let mut slots = vec![Slot { offset: 0, vars: 0 }; vars.len()];
        let mut offset = 0usize;
        for idx in order {
            slots[idx] = Slot {
                offset,
                vars: vars[idx],
            };
            offset += 1 << vars[idx];
        }
        let n_vars = offset.next_power_of_two().trailing_zeros().max(1) as usize;
        Self { n_vars, slots }
    }

    /// The table with `values[i]` (at most `2^vars` integers each) in slot `i`, zero elsewhere.
    pub fn fill(&self, values: &[Vec<F>]) -> Vec<F> {
        let mut table = vec![F::ZERO; 1 << self.n_vars];
        for (slot, vector) in self.slots.iter().zip(values) {
            assert!(vector.len() <= 1 << slot.vars, "a vector fits its slot");
            table[slot.offset..slot.offset + vector.len()].copy_from_slice(vector);
        }
        table
    }

    /// `eq((offset bits of slot), high)`: the weight of a slot's block at the top variables.
    fn selector(&self, slot: Slot, high: &[EF]) -> EF {
        let block = slot.offset >> slot.vars;
        let n_high = self.n_vars - slot.vars;
        high.iter()
            .enumerate()
            .map(|(i, &h)| {
                if (block >> (n_high - 1 - i)) & 1 == 1 {
                    h
                } else {
                    EF::ONE - h
                }
            })
            .product()
    }
}

/// A claim `slot~(point) = value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// Index of the slot in the layout.
    pub slot: usize,
    /// A point with as many variables as the slot.
    pub point: Vec<EF>,
    /// The claimed value.
    pub value: EF,
}

/// A batched opening the verifier rejects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchError {
    /// The batching sumcheck failed.
    #[error(transparent)]
    Sumcheck(#[from] GenericSumcheckError),
    /// The commitment opening failed.
    #[error(transparent)]
    Pcs(#[from] PcsError),
    /// The sumcheck's final value disagrees with the opened value.
    #[error("the batching sumcheck does not end at the opened value")]
    FinalCheck,
}

/// Proves every claim with one sumcheck and one opening.
pub fn prove_batch<P: Pcs>(
    channel: &mut ProverChannel,
    label: &[u8],
    layout: &TableLayout,
    table: &[F],
    claims: &[Claim],
    pcs: &P,
    data: &P::ProverData,
) {
    let gamma = channel.transcript.challenge(label);
    let mut weights = vec![EF::ZERO; 1 << layout.n_vars];
    let mut power = EF::ONE;
    for claim in claims {
        let slot = layout.slots[claim.slot];
        for (w, e) in weights[slot.offset..]
            .iter_mut()
            .zip(eq_table(&claim.point))
        {
            *w += power * e;
        }
        power *= gamma;
    }
    let table_ext: Vec<EF> = table.iter().map(|&v| EF::from(v)).collect();
    let (point, finals) =
        sumcheck::prove_generic(channel, label, vec![table_ext, weights], 2, |t| t[0] * t[1]);
    channel.send_ext(label, &finals[..1]);
    pcs.open(data, &point, channel);
}

/// Verifies a batched opening of `claims` against `commitment`.
pub fn verify_batch<P: Pcs>(
    channel: &mut VerifierChannel<'_>,
    label: &[u8],
    layout: &TableLayout,
    claims: &[Claim],
    pcs: &P,
    commitment: &Commitment,
) -> Result<(), BatchError> {
    let gamma = channel.transcript.challenge(label);
    let mut total = EF::ZERO;
    let mut power = EF::ONE;
    for claim in claims {
        total += power * claim.value;
        power *= gamma;
    }
    let (point, final_value) = sumcheck::verify_generic(channel, label, layout.n_vars, 2, total)?;
    let opened = channel
        .recv_one(label)
        .map_err(|e| BatchError::Sumcheck(e.into()))?;
    let mut weight = EF::ZERO;
    let mut power = EF::ONE;
    for claim in claims {
        let slot = layout.slots[claim.slot];
        let (high, low) = point.split_at(layout.n_vars - slot.vars);
        weight += power * layout.selector(slot, high) * eq_eval(&claim.point, low);
        power *= gamma;
    }
    if final_value != opened * weight {
        return Err(BatchError::FinalCheck);
    }
    pcs.verify(commitment, &point, opened, channel)?;
    Ok(())
}

/// The MLE of a slot's vector at `point`, for the prover.
pub fn slot_eval(values: &[F], vars: usize, point: &[EF]) -> EF {
    let mut padded: Vec<EF> = values.iter().map(|&v| EF::from(v)).collect();
    padded.resize(1 << vars, EF::ZERO);
    evaluate(&padded, point)
}
