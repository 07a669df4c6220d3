//! The circuit the prover and the verifier both derive from the architecture descriptor: the
//! layers' shapes in variables, the requantisation gadgets, the layout of the committed weight
//! table and of the per-inference witness table, and the lookup columns.
//!
//! # Requantisation and clamp, for a hidden layer
//!
//! With `t = m·acc + 2^(s-1)`, the output is `y = clamp(floor(t / 2^s), min, max)`. The witness
//! is `y`, a remainder `r` and two excesses `A`, `B`, with
//!
//! - `t = 2^s·y + r + A - B` (linear: checked at a random point, it turns a claim on `y, r, A,
//!   B` into the claim on `acc` that the layer's matmul sumcheck reduces);
//! - `0 <= r < 2^s`, `0 <= A, B < 2^R`, `0 <= y - min <= 255`, `0 <= max - y <= 255` (8-bit
//!   limb lookups; a top limb of fewer than 8 bits is also looked up scaled by `2^(8 - bits)`);
//! - `A·(max - y) = 0` and `B·(y - min) = 0` at every index (a zero-check sumcheck).
//!
//! These imply the clamp exactly: `A = B = 0` gives `y = floor(t/2^s)` within bounds; `A > 0`
//! forces `y = max` and `t >= 2^s·max`; `B > 0` forces `y = min` and `t < 2^s·(min+1)`. `R` is
//! chosen from the descriptor alone (`|acc| <= in·2^14 + 2^31` for int8 inputs and weights and
//! int32 biases) and every quantity stays below `p/2` in absolute value, so the field equations
//! are the integer equations; a descriptor for which that cannot hold is refused.

use crate::arch::{Arch, Layer};
use crate::layout::TableLayout;
use crate::mle::n_vars;

/// Bits of the lookup table: the table is `0..256`.
pub const TABLE_VARS: usize = 8;

/// Why the prover does not (yet) handle a model.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CircuitError {
    /// An operator the prover does not support yet.
    #[error("layer {layer}: {op} is not yet supported by the prover")]
    Unsupported {
        /// Layer index.
        layer: usize,
        /// The operator.
        op: &'static str,
    },
    /// A requantisation whose integers could wrap in the field, or that the gadget cannot express.
    #[error("layer {layer}: {reason}")]
    Requant {
        /// Layer index.
        layer: usize,
        /// What is wrong.
        reason: String,
    },
}

/// The requantisation gadget of a hidden layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequantGadget {
    /// Fixed-point multiplier (non-zero).
    pub multiplier: u64,
    /// Shift `s`.
    pub shift: usize,
    /// Lower clamp.
    pub min: i64,
    /// Upper clamp.
    pub max: i64,
    /// Bits of the excesses `A` and `B`.
    pub excess_bits: usize,
    /// First witness slot: `y`, then `ceil(s/8)` remainder limbs, then `A` limbs, then `B`
    /// limbs.
    pub first_slot: usize,
}

impl RequantGadget {
    /// Limbs of the remainder.
    pub fn remainder_limbs(&self) -> usize {
        self.shift.div_ceil(8)
    }

    /// Limbs of each excess.
    pub fn excess_limbs(&self) -> usize {
        self.excess_bits.div_ceil(8)
    }

    /// Witness slots of this layer.
    pub fn n_slots(&self) -> usize {
        1 + self.remainder_limbs() + 2 * self.excess_limbs()
    }

    /// Slot of `y`.
    pub fn y_slot(&self) -> usize {
        self.first_slot
    }

    /// Slot of remainder limb `j`.
    pub fn remainder_slot(&self, j: usize) -> usize {
        self.first_slot + 1 + j
    }

    /// Slot of limb `j` of `A` (`which = 0`) or `B` (`which = 1`).
    pub fn excess_slot(&self, which: usize, j: usize) -> usize {
        self.first_slot + 1 + self.remainder_limbs() + which * self.excess_limbs() + j
    }
}

/// One linear layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenseLayer {
    /// Index in the descriptor.
    pub index: usize,
    /// Inputs and outputs.
    pub in_dim: usize,
    /// Outputs.
    pub out_dim: usize,
    /// Variables of the (padded) input.
    pub in_vars: usize,
    /// Variables of the (padded) output.
    pub out_vars: usize,
    /// Weight-table slots of `W` and `b`.
    pub weight_slot: usize,
    /// Slot of the bias.
    pub bias_slot: usize,
    /// The requantisation of a hidden layer.
    pub requant: Option<RequantGadget>,
}

/// A lookup column: `scale · slot (zero-extended) + offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Witness slot.
    pub slot: usize,
    /// Variables of the slot.
    pub slot_vars: usize,
    /// Multiplier of the slot's values.
    pub scale: i64,
    /// Added constant.
    pub offset: i64,
}

/// Everything both sides derive from the descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Circuit {
    /// The linear layers in order.
    pub layers: Vec<DenseLayer>,
    /// The committed weight table.
    pub weight_layout: TableLayout,
    /// The per-inference witness table.
    pub witness_layout: TableLayout,
    /// Slot of the lookup multiplicities (256 values).
    pub multiplicity_slot: usize,
    /// Lookup columns (in order).
    pub columns: Vec<Column>,
    /// Variables of each column.
    pub column_vars: usize,
    /// Variables of the column index (padded column count).
    pub column_index_vars: usize,
    /// Length of the model's input.
    pub input_len: usize,
    /// Length of the model's output.
    pub output_len: usize,
}

const HALF_P: u128 = ((1u128 << 64) - (1u128 << 32)) / 2;

impl Circuit {
    /// Derives the circuit of `arch`.
    pub fn new(arch: &Arch) -> Result<Self, CircuitError> {
        let mut layers = Vec::new();
        let mut weight_vars = Vec::new();
        let mut witness_slots = 0usize;
        for (index, layer) in arch.layers().iter().enumerate() {
            match layer {
                Layer::Dense {
                    in_dim,
                    out_dim,
                    requant,
                } => {
                    let (in_vars, out_vars) = (n_vars(*in_dim), n_vars(*out_dim));
                    weight_vars.push(in_vars + out_vars);
                    weight_vars.push(out_vars);
                    let requant = match requant {
                        None => None,
                        Some(r) => {
                            let gadget = gadget(index, *in_dim, r, witness_slots)?;
                            witness_slots += gadget.n_slots();
                            Some(gadget)
                        }
                    };
                    layers.push(DenseLayer {
                        index,
                        in_dim: *in_dim,
                        out_dim: *out_dim,
                        in_vars,
                        out_vars,
                        weight_slot: weight_vars.len() - 2,
                        bias_slot: weight_vars.len() - 1,
                        requant,
                    });
                }
                // The data is row-major either way, so a reshape changes nothing the proof sees.
                Layer::Reshape(_) => {}
                Layer::Conv { .. } => {
                    return Err(CircuitError::Unsupported {
                        layer: index,
                        op: "Conv",
                    });
                }
                Layer::MaxPool(_) => {
                    return Err(CircuitError::Unsupported {
                        layer: index,
                        op: "MaxPool",
                    });
                }
                Layer::Relu => {
                    return Err(CircuitError::Unsupported {
                        layer: index,
                        op: "a ReLU not fused into a requantisation",
                    });
                }
            }
        }
        let mut witness_vars = Vec::with_capacity(witness_slots + 1);
        let mut columns = Vec::new();
        for layer in &layers {
            let Some(g) = layer.requant else { continue };
            let v = layer.out_vars;
            witness_vars.extend(std::iter::repeat_n(v, g.n_slots()));
            let column = |slot, scale, offset| Column {
                slot,
                slot_vars: v,
                scale,
                offset,
            };
            let limbs = |columns: &mut Vec<Column>, slot: &dyn Fn(usize) -> usize, n, bits| {
                for j in 0..n {
                    columns.push(column(slot(j), 1, 0));
                }
                let top_bits = bits - 8 * (n - 1);
                if top_bits < 8 {
                    columns.push(column(slot(n - 1), 1i64 << (8 - top_bits), 0));
                }
            };
            limbs(
                &mut columns,
                &|j| g.remainder_slot(j),
                g.remainder_limbs(),
                g.shift,
            );
            for which in 0..2 {
                limbs(
                    &mut columns,
                    &|j| g.excess_slot(which, j),
                    g.excess_limbs(),
                    g.excess_bits,
                );
            }
            columns.push(column(g.y_slot(), 1, -g.min));
            columns.push(column(g.y_slot(), -1, g.max));
        }
        let multiplicity_slot = witness_vars.len();
        witness_vars.push(TABLE_VARS);
        let column_vars = layers
            .iter()
            .filter(|l| l.requant.is_some())
            .map(|l| l.out_vars)
            .max()
            .unwrap_or(1);
        let mut column_index_vars = n_vars(columns.len().max(1));
        while column_vars + column_index_vars < TABLE_VARS {
            column_index_vars += 1;
        }
        Ok(Self {
            layers,
            weight_layout: TableLayout::new(&weight_vars),
            witness_layout: TableLayout::new(&witness_vars),
            multiplicity_slot,
            columns,
            column_vars,
            column_index_vars,
            input_len: arch.input_len(),
            output_len: arch.output_len(),
        })
    }

    /// Whether there is anything to look up (a model with no hidden layer has no lookups).
    pub fn has_lookups(&self) -> bool {
        !self.columns.is_empty()
    }

    /// Variables of one half of the LogUp leaves.
    pub fn lookup_half_vars(&self) -> usize {
        self.column_vars + self.column_index_vars
    }
}

fn gadget(
    layer: usize,
    in_dim: usize,
    r: &crate::arch::Requant,
    first_slot: usize,
) -> Result<RequantGadget, CircuitError> {
    let err = |reason: String| CircuitError::Requant { layer, reason };
    if r.multiplier == 0 {
        return Err(err("a zero multiplier is not invertible".into()));
    }
    let (min, max) = (i64::from(r.min), i64::from(r.max));
    if min > 0 || max < 0 {
        // Padding rows hold y = 0, which must lie inside the clamp.
        return Err(err(format!("clamp [{min}, {max}] excludes 0")));
    }
    let shift = usize::from(r.shift);
    let acc_bound = in_dim as u128 * (1 << 14) + (1u128 << 31);
    let t_bound = acc_bound * u128::from(r.multiplier) + (1u128 << (shift - 1));
    let y_term = (1u128 << shift) * 256;
    let excess_bits = (128 - (t_bound + y_term).leading_zeros()) as usize;
    let excess = 1u128 << excess_bits;
    // t and 2^s y + r + A - B both stay below p/2 in absolute value.
    if t_bound >= HALF_P || excess + y_term + (1u128 << shift) >= HALF_P {
        return Err(err(format!(
            "multiplier {} and shift {shift} over {in_dim} inputs can exceed p/2",
            r.multiplier
        )));
    }
    Ok(RequantGadget {
        multiplier: u64::from(r.multiplier),
        shift,
        min,
        max,
        excess_bits,
        first_slot,
    })
}
