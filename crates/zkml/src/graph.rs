//! The imported network before quantisation: a chain of operators over one activation tensor.
//!
//! Import reduces every supported ONNX form (float, QDQ, QLinear) to this chain. Scales that a
//! quantised model pins are kept as [`Op::Scale`] markers and as [`Param::pinned`] integers, so
//! quantisation honours them instead of calibrating. The float forward pass here is the reference
//! the quantised model is measured against and the source of calibration ranges; it never enters
//! the proving path.

use crate::geometry::{ConvGeometry, PoolGeometry};

/// A constant tensor of the model: float values, plus the integers and scale a quantised model
/// pinned for it (`value = integer * scale`).
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The dequantised values, row-major.
    pub values: Vec<f32>,
    /// The pinned integers and their per-tensor scale, when the model was already quantised.
    pub pinned: Option<(Vec<i64>, f32)>,
}

impl Param {
    /// A float parameter, to be quantised by calibration.
    pub fn float(values: Vec<f32>) -> Self {
        Self {
            values,
            pinned: None,
        }
    }

    /// The largest absolute value (0 for an empty tensor).
    pub fn max_abs(&self) -> f32 {
        self.values
            .iter()
            .fold(0.0f32, |acc, value| acc.max(value.abs()))
    }
}

/// A fully connected layer `y = W x + b` with `W` stored as `[out_dim, in_dim]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Number of inputs.
    pub in_dim: usize,
    /// Number of outputs.
    pub out_dim: usize,
    /// Weights, `[out_dim, in_dim]` row-major.
    pub weight: Param,
    /// Bias, `[out_dim]`.
    pub bias: Option<Param>,
}

/// A 2-D convolution (batch 1, no dilation, one group).
#[derive(Clone, Debug, PartialEq)]
pub struct Conv {
    /// Shapes, strides and padding.
    pub geometry: ConvGeometry,
    /// Weights, `[c_out, c_in, kh, kw]` row-major.
    pub weight: Param,
    /// Bias, `[c_out]`.
    pub bias: Option<Param>,
}

/// One operator of the chain.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Gemm or MatMul (with a folded bias Add).
    Dense(Dense),
    /// Conv.
    Conv(Conv),
    /// Relu.
    Relu,
    /// MaxPool.
    MaxPool(PoolGeometry),
    /// Flatten or Reshape: the row-major data is unchanged, only the shape.
    Reshape(Vec<usize>),
    /// The activation at this point is quantised with this per-tensor scale (zero point 0), as
    /// pinned by a QuantizeLinear or a QLinear operator's output.
    Scale(f32),
}

/// The imported chain.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    /// Shape of the single input, batch dimension included (it must be 1).
    pub input_shape: Vec<usize>,
    /// The operators, in execution order.
    pub ops: Vec<Op>,
}

impl Graph {
    /// Number of input elements.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Runs the float model on one input (f64 accumulation), returning the activation after
    /// every operator (index `i` holds the output of `ops[i]`).
    pub fn run_float_traced(&self, input: &[f32]) -> Vec<Vec<f64>> {
        let mut current: Vec<f64> = input.iter().map(|&v| f64::from(v)).collect();
        let mut trace = Vec::with_capacity(self.ops.len());
        for op in &self.ops {
            current = match op {
                Op::Dense(dense) => dense_f64(dense, &current),
                Op::Conv(conv) => conv_f64(conv, &current),
                Op::Relu => current.iter().map(|&v| v.max(0.0)).collect(),
                Op::MaxPool(pool) => {
                    let [c, h, w] = pool.output().unwrap_or([0, 0, 0]);
                    let mut out = vec![f64::NEG_INFINITY; c * h * w];
                    pool.for_each_cell(|o, i| out[o] = out[o].max(current[i]));
                    out
                }
                Op::Reshape(_) | Op::Scale(_) => current,
            };
            trace.push(current.clone());
        }
        trace
    }

    /// Runs the float model on one input and returns its output.
    pub fn run_float(&self, input: &[f32]) -> Vec<f64> {
        let mut trace = self.run_float_traced(input);
        trace
            .pop()
            .unwrap_or_else(|| input.iter().map(|&v| f64::from(v)).collect())
    }
}

fn dense_f64(dense: &Dense, x: &[f64]) -> Vec<f64> {
    (0..dense.out_dim)
        .map(|o| {
            let row = &dense.weight.values[o * dense.in_dim..(o + 1) * dense.in_dim];
            let dot: f64 = row.iter().zip(x).map(|(&w, &v)| f64::from(w) * v).sum();
            dot + dense.bias.as_ref().map_or(0.0, |b| f64::from(b.values[o]))
        })
        .collect()
}

fn conv_f64(conv: &Conv, x: &[f64]) -> Vec<f64> {
    let mut out = conv
        .geometry
        .apply(&conv.weight.values, x, 0.0, |w, v| f64::from(w) * v);
    if let Some(bias) = &conv.bias {
        let per_channel = out.len() / conv.geometry.c_out.max(1);
        for (idx, value) in out.iter_mut().enumerate() {
            *value += f64::from(bias.values[idx / per_channel]);
        }
    }
    out
}
