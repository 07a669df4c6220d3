//! The bit-exact integer reference executor. Its trace is the prover's witness: the prover proves
//! exactly these integers, so the executor is the specification of the model's semantics.

use crate::arch::Layer;
use crate::quantise::QuantModel;

/// What one layer computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerTrace {
    /// A Dense or Conv layer.
    Linear {
        /// `W x + b` for every output.
        accumulator: Vec<i64>,
        /// The requantisation witness, absent for the last linear layer.
        requant: Option<RequantTrace>,
        /// The layer's output: the clamped quotients, or the accumulators when not requantised.
        output: Vec<i64>,
    },
    /// A standalone ReLU.
    Relu {
        /// `max(x, 0)`.
        output: Vec<i64>,
    },
    /// A max pool.
    MaxPool {
        /// The maxima.
        output: Vec<i64>,
        /// For each output, the input index of the first cell that attains the maximum.
        argmax: Vec<usize>,
    },
    /// A reshape: the data of the previous layer, unchanged.
    Reshape,
}

/// The requantisation witness of one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequantTrace {
    /// `q = floor((acc * multiplier + 2^(shift-1)) / 2^shift)`.
    pub quotient: Vec<i64>,
    /// `r = acc * multiplier + 2^(shift-1) - q * 2^shift`, in `[0, 2^shift)`.
    pub remainder: Vec<i64>,
}

/// One inference: the input, every layer's trace, and the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The int8 input.
    pub input: Vec<i64>,
    /// One entry per layer of the architecture.
    pub layers: Vec<LayerTrace>,
}

impl Trace {
    /// The input of layer `idx` (the output of the last earlier layer that has data).
    pub fn layer_input(&self, idx: usize) -> &[i64] {
        self.layers[..idx]
            .iter()
            .rev()
            .find_map(LayerTrace::output)
            .unwrap_or(&self.input)
    }

    /// The model's integer output.
    pub fn output(&self) -> &[i64] {
        self.layer_input(self.layers.len())
    }
}

impl LayerTrace {
    /// The values this layer produced (`None` for a reshape, which passes its input through).
    pub fn output(&self) -> Option<&[i64]> {
        match self {
            Self::Linear { output, .. } | Self::Relu { output } | Self::MaxPool { output, .. } => {
                Some(output)
            }
            Self::Reshape => None,
        }
    }
}

/// The input does not fit the model.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the model takes {expected} input values, {found} were given")]
pub struct InputLengthError {
    /// The model's input length.
    pub expected: usize,
    /// The given length.
    pub found: usize,
}

/// Runs the model on an int8 input.
pub fn run(model: &QuantModel, input: &[i8]) -> Result<Trace, InputLengthError> {
    let arch = model.arch();
    if input.len() != arch.input_len() {
        return Err(InputLengthError {
            expected: arch.input_len(),
            found: input.len(),
        });
    }
    let mut trace = Trace {
        input: input.iter().map(|&v| i64::from(v)).collect(),
        layers: vec![],
    };
    let mut weights = model.weights().iter();
    for layer in arch.layers() {
        let x = trace.layer_input(trace.layers.len());
        let layer_trace = match layer {
            Layer::Dense {
                in_dim,
                out_dim,
                requant,
            } => {
                let w = weights
                    .next()
                    .expect("QuantModel::new matched weights to layers");
                let accumulator: Vec<i64> = (0..*out_dim)
                    .map(|o| {
                        let row = &w.weight[o * in_dim..(o + 1) * in_dim];
                        let dot: i64 = row.iter().zip(x).map(|(&w, &v)| i64::from(w) * v).sum();
                        dot + i64::from(w.bias[o])
                    })
                    .collect();
                linear(accumulator, requant.as_ref())
            }
            Layer::Conv { geometry, requant } => {
                let w = weights
                    .next()
                    .expect("QuantModel::new matched weights to layers");
                let mut accumulator = geometry.apply(&w.weight, x, 0i64, |w, v| i64::from(w) * v);
                let per_channel = accumulator.len() / geometry.c_out;
                for (idx, acc) in accumulator.iter_mut().enumerate() {
                    *acc += i64::from(w.bias[idx / per_channel]);
                }
                linear(accumulator, requant.as_ref())
            }
            Layer::Relu => LayerTrace::Relu {
                output: x.iter().map(|&v| v.max(0)).collect(),
            },
            Layer::MaxPool(geometry) => {
                let [c, h, w] = geometry.output().unwrap_or([0, 0, 0]);
                let mut argmax = vec![usize::MAX; c * h * w];
                geometry.for_each_cell(|o, i| {
                    if argmax[o] == usize::MAX || x[i] > x[argmax[o]] {
                        argmax[o] = i;
                    }
                });
                let output = argmax.iter().map(|&i| x[i]).collect();
                LayerTrace::MaxPool { output, argmax }
            }
            Layer::Reshape(_) => LayerTrace::Reshape,
        };
        trace.layers.push(layer_trace);
    }
    Ok(trace)
}

fn linear(accumulator: Vec<i64>, requant: Option<&crate::arch::Requant>) -> LayerTrace {
    let Some(requant) = requant else {
        let output = accumulator.clone();
        return LayerTrace::Linear {
            accumulator,
            requant: None,
            output,
        };
    };
    let n = accumulator.len();
    let (mut quotient, mut remainder, mut output) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for &acc in &accumulator {
        let (q, r, y) = requant.apply(acc);
        quotient.push(q);
        remainder.push(r);
        output.push(y);
    }
    LayerTrace::Linear {
        accumulator,
        requant: Some(RequantTrace {
            quotient,
            remainder,
        }),
        output,
    }
}
