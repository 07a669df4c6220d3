//! Post-training quantisation of an imported [`Graph`] to int8 with per-tensor scales.
//!
//! Scheme (symmetric, zero points 0):
//! - weights: `w_q = round_half_even(w / s_w)` clamped to `[-127, 127]`, `s_w = max|w| / 127`;
//! - biases: int32 at the accumulator scale `s_x * s_w`;
//! - activations: int8 with `s = max|a| / 127` over the calibration inputs, measured after the
//!   linear layer and its fused ReLU;
//! - requantisation: the ratio `s_x * s_w / s_out` as a 31-bit multiplier and a shift (see
//!   [`Requant`]); the last linear layer is not requantised, its int accumulators are the output.
//!
//! Scales and integers that a QDQ/QLinear model pins are used as they are. This is the one place
//! where floats decide integers; everything after it (executor, prover, verifier) is integer
//! arithmetic on the values fixed here.

use crate::arch::{Arch, ArchError, Layer, Requant};
use crate::graph::{Graph, Op, Param};

/// The integer weights of one linear layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinearWeights {
    /// Weights in the layer's row-major order (`[out, in]` or `[c_out, c_in, kh, kw]`).
    pub weight: Vec<i8>,
    /// One bias per output row or channel, at the accumulator scale.
    pub bias: Vec<i32>,
}

/// A quantised model: its architecture and the weights of each linear layer, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantModel {
    arch: Arch,
    weights: Vec<LinearWeights>,
}

/// Why a model could not be quantised.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QuantiseError {
    /// Some scale is not pinned by the model and no calibration input was given.
    #[error("the model is not fully quantised and no calibration inputs were given")]
    NeedCalibration,
    /// A calibration input of the wrong length.
    #[error("calibration input {index} has {found} values, the model takes {expected}")]
    InputLength {
        /// Which input.
        index: usize,
        /// Its length.
        found: usize,
        /// The model's input length.
        expected: usize,
    },
    /// A calibration input with a NaN or infinity.
    #[error("calibration input {0} holds a NaN or infinity")]
    NonFinite(usize),
    /// Two pinned scales that disagree without a linear layer between them.
    #[error("op {op}: scale {found} without a linear layer after scale {expected}")]
    Rescale {
        /// Index of the operator.
        op: usize,
        /// The scale in force.
        expected: f32,
        /// The scale the model asks for.
        found: f32,
    },
    /// A scale ratio or value outside what int8/int32 arithmetic can represent.
    #[error("op {op}: {reason}")]
    OutOfRange {
        /// Index of the operator.
        op: usize,
        /// What overflowed.
        reason: String,
    },
    /// The resulting architecture is invalid.
    #[error(transparent)]
    Arch(#[from] ArchError),
}

impl QuantModel {
    /// Checks that `weights` fit `arch` and that no accumulator can overflow the requantisation
    /// arithmetic (`|acc| * multiplier + 2^(shift-1) < 2^62`, which also keeps every value far
    /// from wrapping in the 64-bit proof field).
    pub fn new(arch: Arch, weights: Vec<LinearWeights>) -> Result<Self, QuantiseError> {
        let linear: Vec<(usize, &Layer)> = arch
            .layers()
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_linear())
            .collect();
        if linear.len() != weights.len() {
            return Err(QuantiseError::OutOfRange {
                op: 0,
                reason: format!(
                    "{} linear layers but {} weight sets",
                    linear.len(),
                    weights.len()
                ),
            });
        }
        for ((idx, layer), weights) in linear.into_iter().zip(&weights) {
            let (n_weights, n_bias, n_terms) = layer.weight_counts().unwrap_or_default();
            if weights.weight.len() != n_weights || weights.bias.len() != n_bias {
                return Err(QuantiseError::OutOfRange {
                    op: idx,
                    reason: format!(
                        "{} weights and {} biases, the layer needs {n_weights} and {n_bias}",
                        weights.weight.len(),
                        weights.bias.len()
                    ),
                });
            }
            let max_bias = weights
                .bias
                .iter()
                .map(|b| i64::from(*b).abs())
                .max()
                .unwrap_or(0);
            let acc_bound = n_terms as i64 * 128 * 128 + max_bias;
            let multiplier = layer.requant().map_or(1, |r| i64::from(r.multiplier));
            let shift = layer.requant().map_or(0, |r| r.shift);
            let fits = acc_bound
                .checked_mul(multiplier)
                .and_then(|v| v.checked_add(1 << shift.saturating_sub(1)))
                .is_some_and(|v| v < 1 << 62);
            if !fits {
                return Err(QuantiseError::OutOfRange {
                    op: idx,
                    reason: format!(
                        "accumulators up to {acc_bound} times multiplier {multiplier} overflow 2^62"
                    ),
                });
            }
        }
        Ok(Self { arch, weights })
    }

    /// The architecture descriptor.
    pub fn arch(&self) -> &Arch {
        &self.arch
    }

    /// The weights of each linear layer, in layer order.
    pub fn weights(&self) -> &[LinearWeights] {
        &self.weights
    }
}

/// Quantises `graph`, measuring activation ranges on `calibration` (flattened inputs) wherever
/// the model does not pin a scale.
pub fn quantise(graph: &Graph, calibration: &[Vec<f32>]) -> Result<QuantModel, QuantiseError> {
    let expected = graph.input_len();
    for (index, input) in calibration.iter().enumerate() {
        if input.len() != expected {
            return Err(QuantiseError::InputLength {
                index,
                found: input.len(),
                expected,
            });
        }
        if input.iter().any(|v| !v.is_finite()) {
            return Err(QuantiseError::NonFinite(index));
        }
    }
    let ranges = Ranges::measure(graph, calibration);
    let ops = &graph.ops;
    let first_linear = ops.iter().position(is_linear).unwrap_or(ops.len());
    let input_scale = match ops[..first_linear].iter().find_map(pinned_scale) {
        Some(scale) => scale,
        None => scale_for(ranges.input()?),
    };
    let last_linear = ops.iter().rposition(is_linear).unwrap_or(0);

    let mut layers = Vec::new();
    let mut weights = Vec::new();
    let mut scale = f64::from(input_scale);
    let mut op_idx = 0;
    while op_idx < ops.len() {
        match &ops[op_idx] {
            Op::Scale(pinned) => {
                let pinned = f64::from(*pinned);
                // Markers after the last linear layer describe an int8 output that this scheme
                // replaces by the exact accumulators.
                if op_idx < last_linear && (pinned - scale).abs() > 1e-6 * scale {
                    return Err(QuantiseError::Rescale {
                        op: op_idx,
                        expected: scale as f32,
                        found: pinned as f32,
                    });
                }
            }
            Op::Relu => layers.push(Layer::Relu),
            Op::MaxPool(geometry) => layers.push(Layer::MaxPool(*geometry)),
            Op::Reshape(shape) => layers.push(Layer::Reshape(shape.clone())),
            Op::Dense(_) | Op::Conv(_) => {
                let (weight, bias, n_out) = match &ops[op_idx] {
                    Op::Dense(dense) => (&dense.weight, dense.bias.as_ref(), dense.out_dim),
                    Op::Conv(conv) => (&conv.weight, conv.bias.as_ref(), conv.geometry.c_out),
                    _ => continue,
                };
                let (weight_q, weight_scale) = quantise_weights(weight, op_idx)?;
                let acc_scale = scale * weight_scale;
                let bias_q = quantise_bias(bias, n_out, acc_scale, op_idx)?;
                weights.push(LinearWeights {
                    weight: weight_q,
                    bias: bias_q,
                });

                let mut requant = None;
                let mut fused_relu = false;
                if op_idx == last_linear {
                    scale = acc_scale;
                } else {
                    fused_relu = matches!(ops.get(op_idx + 1), Some(Op::Relu));
                    let next_linear =
                        op_idx + 1 + ops[op_idx + 1..].iter().position(is_linear).unwrap_or(0);
                    let out_scale = match ops[op_idx + 1..next_linear].iter().find_map(pinned_scale)
                    {
                        Some(pinned) => f64::from(pinned),
                        None => {
                            let measured_at = if fused_relu { op_idx + 1 } else { op_idx };
                            f64::from(scale_for(ranges.after(measured_at)?))
                        }
                    };
                    requant = Some(requant_for(acc_scale / out_scale, fused_relu, op_idx)?);
                    scale = out_scale;
                }
                layers.push(match &ops[op_idx] {
                    Op::Dense(dense) => Layer::Dense {
                        in_dim: dense.in_dim,
                        out_dim: dense.out_dim,
                        requant,
                    },
                    Op::Conv(conv) => Layer::Conv {
                        geometry: conv.geometry,
                        requant,
                    },
                    _ => continue,
                });
                if fused_relu {
                    op_idx += 1;
                }
            }
        }
        op_idx += 1;
    }
    let arch = Arch::new(graph.input_shape.clone(), input_scale, scale as f32, layers)?;
    QuantModel::new(arch, weights)
}

fn is_linear(op: &Op) -> bool {
    matches!(op, Op::Dense(_) | Op::Conv(_))
}

fn pinned_scale(op: &Op) -> Option<f32> {
    match op {
        Op::Scale(scale) => Some(*scale),
        _ => None,
    }
}

/// The symmetric int8 scale for values up to `max_abs` (1 for an all-zero tensor, whose
/// integers are 0 whatever the scale).
fn scale_for(max_abs: f64) -> f32 {
    if max_abs > 0.0 {
        (max_abs / 127.0) as f32
    } else {
        1.0
    }
}

fn quantise_weights(weight: &Param, op: usize) -> Result<(Vec<i8>, f64), QuantiseError> {
    if let Some((ints, scale)) = &weight.pinned {
        let ints = ints
            .iter()
            .map(|&v| i8::try_from(v))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| QuantiseError::OutOfRange {
                op,
                reason: "pinned weights are not int8".into(),
            })?;
        return Ok((ints, f64::from(*scale)));
    }
    let scale = scale_for(f64::from(weight.max_abs()));
    let ints = weight
        .values
        .iter()
        .map(|&w| (w / scale).round_ties_even().clamp(-127.0, 127.0) as i8)
        .collect();
    Ok((ints, f64::from(scale)))
}

fn quantise_bias(
    bias: Option<&Param>,
    n_out: usize,
    acc_scale: f64,
    op: usize,
) -> Result<Vec<i32>, QuantiseError> {
    let Some(bias) = bias else {
        return Ok(vec![0; n_out]);
    };
    let out_of_range = || QuantiseError::OutOfRange {
        op,
        reason: "a bias does not fit int32".into(),
    };
    if let Some((ints, scale)) = &bias.pinned
        && (f64::from(*scale) - acc_scale).abs() <= 1e-6 * acc_scale
    {
        return ints
            .iter()
            .map(|&v| i32::try_from(v).map_err(|_| out_of_range()))
            .collect();
    }
    bias.values
        .iter()
        .map(|&b| {
            let q = (f64::from(b) / acc_scale).round_ties_even();
            if q.abs() < f64::from(i32::MAX) {
                Ok(q as i32)
            } else {
                Err(out_of_range())
            }
        })
        .collect()
}

/// `ratio ≈ multiplier / 2^shift` with `multiplier` in `[2^30, 2^31)`.
fn requant_for(ratio: f64, relu: bool, op: usize) -> Result<Requant, QuantiseError> {
    let out_of_range = || QuantiseError::OutOfRange {
        op,
        reason: format!("requantisation ratio {ratio} cannot be a 31-bit multiplier and a shift"),
    };
    if !(ratio.is_finite() && ratio > 0.0) {
        return Err(out_of_range());
    }
    let exponent = ratio.log2().floor() as i64;
    let mut shift = 30 - exponent;
    if !(1..=62).contains(&shift) {
        return Err(out_of_range());
    }
    let mut multiplier = (ratio * 2f64.powi(shift as i32)).round() as u64;
    if multiplier >= 1 << 31 {
        multiplier = multiplier.div_ceil(2);
        shift -= 1;
    }
    if multiplier >= 1 << 31 || !(1..=62).contains(&shift) {
        return Err(out_of_range());
    }
    Ok(Requant {
        multiplier: multiplier as u32,
        shift: shift as u8,
        min: if relu { 0 } else { -128 },
        max: 127,
    })
}

/// Largest absolute values seen on the calibration inputs.
struct Ranges {
    input: Option<f64>,
    after_op: Vec<f64>,
}

impl Ranges {
    fn measure(graph: &Graph, calibration: &[Vec<f32>]) -> Self {
        let mut input = None::<f64>;
        let mut after_op = vec![0.0f64; graph.ops.len()];
        for sample in calibration {
            let max_in = sample
                .iter()
                .fold(0.0f64, |m, &v| m.max(f64::from(v).abs()));
            input = Some(input.map_or(max_in, |m| m.max(max_in)));
            for (slot, values) in after_op.iter_mut().zip(graph.run_float_traced(sample)) {
                *slot = values.iter().fold(*slot, |m, v| m.max(v.abs()));
            }
        }
        if calibration.is_empty() {
            after_op.clear();
        }
        Self { input, after_op }
    }

    fn input(&self) -> Result<f64, QuantiseError> {
        self.input.ok_or(QuantiseError::NeedCalibration)
    }

    fn after(&self, op: usize) -> Result<f64, QuantiseError> {
        self.after_op
            .get(op)
            .copied()
            .ok_or(QuantiseError::NeedCalibration)
    }
}
