//! The circuit the prover and the verifier both derive from the architecture descriptor: the
//! layers' shapes in variables, the requantisation gadgets, the layout of the committed weight
//! table and of the per-inference witness table, and the lookup columns.
//!
//! Every activation that a later stage reads is committed in the witness table (row-major, as
//! the executor lays it out, zero-padded to a power of two), so each stage is proven on its own:
//! its claims on its input land on a committed slot or on the public input. A stage's input is
//! always int8 (the public input, a requantised output, or a max pool of one), which is what
//! the max pool's argument needs.
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
use crate::geometry::{ConvGeometry, PoolGeometry};
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
    /// Outputs of the layer (the slots' real entries; the rest is padding).
    pub len: usize,
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

/// Where a stage reads its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The public input.
    Input,
    /// A committed witness slot (a requantised or pooled activation).
    Slot(usize),
}

/// The linear operator of a [`LinearLayer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinearOp {
    /// `acc = W x + b` with `W` padded to `2^out_vars x 2^in_vars` in one weight slot and `b`
    /// in another.
    Dense {
        /// Inputs.
        in_dim: usize,
        /// Outputs.
        out_dim: usize,
        /// Slot of `b`.
        bias_slot: usize,
    },
    /// A convolution, proven as a matrix product with its im2col matrix (see [`crate::conv`]).
    /// Its weight slot holds `W_aug`, `2^row_vars x 2^col_vars`: row `co` is the channel's
    /// `c_in * kh * kw` weights followed by its bias.
    Conv {
        /// Shapes, strides and padding.
        geometry: ConvGeometry,
        /// Variables of the output channel (`W_aug`'s rows).
        row_vars: usize,
        /// Variables of a `W_aug` row (`c_in * kh * kw + 1` columns).
        col_vars: usize,
    },
}

/// One linear layer (Dense or Conv), with its requantisation unless it is the last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinearLayer {
    /// Index in the descriptor.
    pub index: usize,
    /// The operator.
    pub op: LinearOp,
    /// Variables of the (padded) input.
    pub in_vars: usize,
    /// Variables of the (padded) output, row-major.
    pub out_vars: usize,
    /// Weight-table slot of `W` (of `W_aug` for a convolution).
    pub weight_slot: usize,
    /// The requantisation of a hidden layer.
    pub requant: Option<RequantGadget>,
    /// Where the input comes from.
    pub input: Source,
}

/// A max pool over an int8 activation (see [`crate::pool`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolLayer {
    /// Index in the descriptor.
    pub index: usize,
    /// Shapes, strides and padding.
    pub geometry: PoolGeometry,
    /// Variables of the (padded) input.
    pub in_vars: usize,
    /// Variables of the (padded) output.
    pub out_vars: usize,
    /// Variables of a window's cell (`kh * kw` padded).
    pub window_vars: usize,
    /// Witness slot of the maxima `y`.
    pub y_slot: usize,
    /// Witness slot of the differences `D`, `2^(out_vars + window_vars)` values: `D[o, k] =
    /// y[o] - x[cell k of window o]`, 1 for a cell in the padding or past the window, 0 for an
    /// output past the last.
    pub diff_slot: usize,
    /// Where the input comes from.
    pub input: Source,
}

/// One proven step of the chain (reshapes are not steps: they do not move data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// A Dense or Conv layer.
    Linear(LinearLayer),
    /// A max pool.
    MaxPool(PoolLayer),
}

impl Stage {
    /// Index of the layer in the descriptor.
    pub fn index(&self) -> usize {
        match self {
            Self::Linear(layer) => layer.index,
            Self::MaxPool(pool) => pool.index,
        }
    }
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
    /// The proven steps in order; the last is the last linear layer.
    pub stages: Vec<Stage>,
    /// The committed weight table.
    pub weight_layout: TableLayout,
    /// The per-inference witness table.
    pub witness_layout: TableLayout,
    /// Slot of the lookup multiplicities (256 values).
    pub multiplicity_slot: usize,
    /// Lookup columns (in order).
    pub columns: Vec<Column>,
    /// The distinct slots the columns read, in increasing order: the LogUp leaf claims.
    pub looked_up_slots: Vec<usize>,
    /// Variables of each column.
    pub column_vars: usize,
    /// Variables of the column index (padded column count).
    pub column_index_vars: usize,
    /// Length of the model's input.
    pub input_len: usize,
    /// Length of the model's output.
    pub output_len: usize,
    /// Entries of every im2col matrix and pooling window together: the verifier's work on
    /// the windowed layers is linear in this.
    pub window_entries: usize,
    /// Variables of the sample index: a batch of up to `2^batch_vars` inferences (0 for one).
    pub batch_vars: usize,
}

/// The most inferences one batched proof covers.
pub const MAX_BATCH: usize = 1 << 16;

/// Variables of the sample index of a batch of `batch` inferences (`0` for one).
pub fn batch_vars(batch: usize) -> usize {
    batch.next_power_of_two().trailing_zeros() as usize
}

const HALF_P: u128 = ((1u128 << 64) - (1u128 << 32)) / 2;

impl Circuit {
    /// Derives the circuit of `arch`.
    pub fn new(arch: &Arch) -> Result<Self, CircuitError> {
        Self::batched(arch, 0)
    }

    /// Derives the circuit of `arch` for a batch of up to `2^batch_vars` inferences proven
    /// together: every witness slot holds the batch's vectors one after the other (the sample
    /// index is the slot's top variables), so each stage's relation, being the same for every
    /// sample, is checked once on the batch folded at a random sample point.
    pub fn batched(arch: &Arch, batch_vars: usize) -> Result<Self, CircuitError> {
        let mut stages = Vec::new();
        let mut weight_vars = Vec::new();
        let mut witness_vars = Vec::new();
        let mut window_entries = 0usize;
        // The running activation: `None` after the last linear layer, whose accumulators are
        // the public output and nothing reads.
        let mut current = Some(Source::Input);
        let unsupported = |layer, op| CircuitError::Unsupported { layer, op };
        for (index, layer) in arch.layers().iter().enumerate() {
            let input_len: usize = if index == 0 {
                arch.input_len()
            } else {
                arch.output_shape(index - 1).iter().product()
            };
            let output_len: usize = arch.output_shape(index).iter().product();
            let (in_vars, out_vars) = (n_vars(input_len), n_vars(output_len));
            match layer {
                Layer::Dense { .. } | Layer::Conv { .. } => {
                    let Some(input) = current else {
                        return Err(unsupported(index, "a layer after the last linear layer"));
                    };
                    let (op, n_terms) = match layer {
                        Layer::Dense {
                            in_dim, out_dim, ..
                        } => {
                            weight_vars.push(in_vars + out_vars);
                            weight_vars.push(out_vars);
                            let op = LinearOp::Dense {
                                in_dim: *in_dim,
                                out_dim: *out_dim,
                                bias_slot: weight_vars.len() - 1,
                            };
                            (op, *in_dim)
                        }
                        Layer::Conv { geometry, .. } => {
                            let n_terms = geometry.input[0] * geometry.kernel_len();
                            let (row_vars, col_vars) =
                                (n_vars(geometry.c_out), n_vars(n_terms + 1));
                            weight_vars.push(row_vars + col_vars);
                            window_entries = window_entries.saturating_add(
                                n_terms.saturating_mul(output_len / geometry.c_out.max(1)),
                            );
                            let op = LinearOp::Conv {
                                geometry: *geometry,
                                row_vars,
                                col_vars,
                            };
                            (op, n_terms)
                        }
                        _ => unreachable!("matched above"),
                    };
                    let weight_slot = match op {
                        LinearOp::Dense { .. } => weight_vars.len() - 2,
                        LinearOp::Conv { .. } => weight_vars.len() - 1,
                    };
                    let requant = match layer.requant() {
                        None => None,
                        Some(r) => {
                            let gadget = gadget(index, n_terms, r, witness_vars.len(), output_len)?;
                            witness_vars.extend(std::iter::repeat_n(
                                batch_vars + out_vars,
                                gadget.n_slots(),
                            ));
                            Some(gadget)
                        }
                    };
                    current = requant.map(|g| Source::Slot(g.y_slot()));
                    stages.push(Stage::Linear(LinearLayer {
                        index,
                        op,
                        in_vars,
                        out_vars,
                        weight_slot,
                        requant,
                        input,
                    }));
                }
                // The data is row-major either way, so a reshape changes nothing the proof sees.
                Layer::Reshape(_) => {}
                Layer::MaxPool(geometry) => {
                    let Some(input) = current else {
                        return Err(unsupported(index, "a layer after the last linear layer"));
                    };
                    if geometry.window_len() > crate::pool::MAX_WINDOW {
                        return Err(unsupported(
                            index,
                            "a max pool window of more than 64 cells",
                        ));
                    }
                    let window_vars = n_vars(geometry.window_len());
                    let y_slot = witness_vars.len();
                    witness_vars.push(batch_vars + out_vars);
                    witness_vars.push(batch_vars + out_vars + window_vars);
                    window_entries = window_entries.saturating_add(output_len << window_vars);
                    current = Some(Source::Slot(y_slot));
                    stages.push(Stage::MaxPool(PoolLayer {
                        index,
                        geometry: *geometry,
                        in_vars,
                        out_vars,
                        window_vars,
                        y_slot,
                        diff_slot: y_slot + 1,
                        input,
                    }));
                }
                Layer::Relu => {
                    return Err(unsupported(index, "a ReLU not fused into a requantisation"));
                }
            }
        }
        let mut columns = Vec::new();
        for stage in &stages {
            let column = |slot, slot_vars, scale, offset| Column {
                slot,
                slot_vars,
                scale,
                offset,
            };
            let g = match stage {
                Stage::Linear(LinearLayer {
                    requant: Some(g), ..
                }) => g,
                Stage::Linear(_) => continue,
                Stage::MaxPool(pool) => {
                    // Every difference is a byte: y is at least every cell of its window.
                    let vars = batch_vars + pool.out_vars + pool.window_vars;
                    columns.push(column(pool.diff_slot, vars, 1, 0));
                    continue;
                }
            };
            let v = witness_vars[g.y_slot()];
            let limbs = |columns: &mut Vec<Column>, slot: &dyn Fn(usize) -> usize, n, bits| {
                for j in 0..n {
                    columns.push(column(slot(j), v, 1, 0));
                }
                let top_bits = bits - 8 * (n - 1);
                if top_bits < 8 {
                    columns.push(column(slot(n - 1), v, 1i64 << (8 - top_bits), 0));
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
            columns.push(column(g.y_slot(), v, 1, -g.min));
            columns.push(column(g.y_slot(), v, -1, g.max));
        }
        let mut looked_up_slots: Vec<usize> = columns.iter().map(|c| c.slot).collect();
        looked_up_slots.sort_unstable();
        looked_up_slots.dedup();
        let multiplicity_slot = witness_vars.len();
        witness_vars.push(TABLE_VARS);
        let column_vars = columns.iter().map(|c| c.slot_vars).max().unwrap_or(1);
        let mut column_index_vars = n_vars(columns.len().max(1));
        while column_vars + column_index_vars < TABLE_VARS {
            column_index_vars += 1;
        }
        Ok(Self {
            stages,
            weight_layout: TableLayout::new(&weight_vars),
            witness_layout: TableLayout::new(&witness_vars),
            multiplicity_slot,
            columns,
            looked_up_slots,
            column_vars,
            column_index_vars,
            input_len: arch.input_len(),
            output_len: arch.output_len(),
            window_entries,
            batch_vars,
        })
    }

    /// The linear layers in order.
    pub fn linear_layers(&self) -> impl DoubleEndedIterator<Item = &LinearLayer> {
        self.stages.iter().filter_map(|stage| match stage {
            Stage::Linear(layer) => Some(layer),
            Stage::MaxPool(_) => None,
        })
    }

    /// The requantisation gadgets in layer order, with the variables of their slots.
    pub fn gadgets(&self) -> impl Iterator<Item = (&LinearLayer, &RequantGadget)> {
        self.linear_layers()
            .filter_map(|layer| layer.requant.as_ref().map(|g| (layer, g)))
    }

    /// The max pools in order.
    pub fn pools(&self) -> impl Iterator<Item = &PoolLayer> {
        self.stages.iter().filter_map(|stage| match stage {
            Stage::MaxPool(pool) => Some(pool),
            Stage::Linear(_) => None,
        })
    }

    /// The last linear layer, whose accumulators are the output.
    pub fn last_layer(&self) -> &LinearLayer {
        self.linear_layers()
            .next_back()
            .expect("a descriptor has a linear layer, and the last stage is linear")
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
    n_terms: usize,
    r: &crate::arch::Requant,
    first_slot: usize,
    len: usize,
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
    let acc_bound = n_terms as u128 * (1 << 14) + (1u128 << 31);
    let t_bound = acc_bound * u128::from(r.multiplier) + (1u128 << (shift - 1));
    let y_term = (1u128 << shift) * 256;
    let excess_bits = (128 - (t_bound + y_term).leading_zeros()) as usize;
    let excess = 1u128 << excess_bits;
    // t and 2^s y + r + A - B both stay below p/2 in absolute value.
    if t_bound >= HALF_P || excess + y_term + (1u128 << shift) >= HALF_P {
        return Err(err(format!(
            "multiplier {} and shift {shift} over {n_terms} terms can exceed p/2",
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
        len,
    })
}
