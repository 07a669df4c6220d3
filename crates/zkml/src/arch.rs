//! The architecture descriptor: everything about a quantised model except its weights, in one
//! canonical, versioned binary encoding.
//!
//! The verifier rebuilds the circuit from this descriptor (never from a proof), and its digest is
//! part of the model's proving identity, so the encoding is exact: big-endian fixed-width
//! integers, scales as IEEE-754 bit patterns, one byte per enum tag, no optional padding, and
//! decoding rejects anything it would not have produced (unknown tags, non-canonical flags,
//! inconsistent shapes, trailing bytes).
//!
//! Layout, version 1:
//!
//! ```text
//! magic "AILZKARC" | u16 version | u8 n_input_dims | u32 dims.. | u32 input_scale_bits
//! | u32 output_scale_bits | u16 n_layers | layer..
//! layer = u8 tag, then
//!   0 Dense:   u32 in_dim | u32 out_dim | requant
//!   1 Conv:    u32 c_in, h, w | u32 c_out | u32 kh, kw | u32 sh, sw | u32 pads x4 | requant
//!   2 Relu
//!   3 MaxPool: u32 c, h, w | u32 kh, kw | u32 sh, sw | u32 pads x4
//!   4 Reshape: u8 n_dims | u32 dims..
//! requant = u8 0 (none) | u8 1, u32 multiplier, u8 shift, i8 min, i8 max
//! ```

use crate::geometry::{ConvGeometry, PoolGeometry};

/// The first bytes of an encoded descriptor.
pub const ARCH_MAGIC: &[u8; 8] = b"AILZKARC";
/// The encoding version this crate writes and reads.
pub const ARCH_VERSION: u16 = 1;
/// Most layers a descriptor may have.
pub const MAX_LAYERS: usize = 1024;
/// Most elements in any activation or weight tensor.
pub const MAX_TENSOR_LEN: usize = 1 << 24;
/// Most dimensions of a shape.
const MAX_RANK: usize = 8;

/// Integer requantisation from the accumulator to int8: with `t = acc * multiplier +
/// 2^(shift-1)`, the quotient is `q = floor(t / 2^shift)` (round half up), the remainder
/// `r = t - q * 2^shift` lies in `[0, 2^shift)`, and the output is `clamp(q, min, max)`. A fused
/// ReLU is `min = 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requant {
    /// Fixed-point multiplier, below 2^31.
    pub multiplier: u32,
    /// Right shift, 1 to 62.
    pub shift: u8,
    /// Lower clamp.
    pub min: i8,
    /// Upper clamp.
    pub max: i8,
}

impl Requant {
    /// The largest multiplier (exclusive).
    pub const MULTIPLIER_BOUND: u32 = 1 << 31;

    /// Requantises one accumulator: `(quotient, remainder, output)`.
    ///
    /// The caller guarantees `|acc| * multiplier < 2^62` (checked per layer when a model is
    /// built), so nothing overflows.
    pub fn apply(&self, acc: i64) -> (i64, i64, i64) {
        let t = acc * i64::from(self.multiplier) + (1i64 << (self.shift - 1));
        let quotient = t >> self.shift;
        let remainder = t - (quotient << self.shift);
        let output = quotient.clamp(i64::from(self.min), i64::from(self.max));
        (quotient, remainder, output)
    }

    fn is_valid(&self) -> bool {
        self.multiplier < Self::MULTIPLIER_BOUND
            && (1..=62).contains(&self.shift)
            && self.min <= self.max
    }
}

/// One layer of the quantised chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layer {
    /// `acc = W x + b` over a `[1, in_dim]` activation, then requantisation unless it is the last
    /// linear layer (whose accumulators are the model's output).
    Dense {
        /// Inputs.
        in_dim: usize,
        /// Outputs.
        out_dim: usize,
        /// Requantisation to int8.
        requant: Option<Requant>,
    },
    /// A 2-D convolution with bias, then requantisation as for [`Layer::Dense`].
    Conv {
        /// Shapes, strides and padding.
        geometry: ConvGeometry,
        /// Requantisation to int8.
        requant: Option<Requant>,
    },
    /// `max(x, 0)` on integers (a ReLU right after a requantised layer is fused into its clamp).
    Relu,
    /// Max pool on integers.
    MaxPool(PoolGeometry),
    /// A new shape for the same row-major data.
    Reshape(Vec<usize>),
}

impl Layer {
    /// Whether the layer has weights (and so a [`crate::quantise::LinearWeights`] entry).
    pub fn is_linear(&self) -> bool {
        matches!(self, Self::Dense { .. } | Self::Conv { .. })
    }

    /// The requantisation of a linear layer.
    pub fn requant(&self) -> Option<&Requant> {
        match self {
            Self::Dense { requant, .. } | Self::Conv { requant, .. } => requant.as_ref(),
            _ => None,
        }
    }

    /// `(weights, biases, terms per accumulator)` of a linear layer.
    pub fn weight_counts(&self) -> Option<(usize, usize, usize)> {
        match self {
            Self::Dense {
                in_dim, out_dim, ..
            } => Some((in_dim * out_dim, *out_dim, *in_dim)),
            Self::Conv { geometry, .. } => Some((
                geometry.n_weights(),
                geometry.c_out,
                geometry.input[0] * geometry.kernel[0] * geometry.kernel[1],
            )),
            _ => None,
        }
    }
}

/// The architecture of a quantised model.
#[derive(Clone, Debug, PartialEq)]
pub struct Arch {
    input_shape: Vec<usize>,
    input_scale: f32,
    output_scale: f32,
    layers: Vec<Layer>,
    /// The activation shape after each layer (derived, not encoded).
    shapes: Vec<Vec<usize>>,
}

/// A descriptor that fails to decode or to validate.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArchError {
    /// The bytes end before the descriptor does.
    #[error("the architecture descriptor is truncated at byte {0}")]
    Truncated(usize),
    /// Bytes follow the descriptor.
    #[error("{0} bytes follow the architecture descriptor")]
    TrailingBytes(usize),
    /// The magic bytes are wrong.
    #[error("not an architecture descriptor (bad magic)")]
    BadMagic,
    /// An encoding version this crate does not read.
    #[error(
        "architecture descriptor version {0} is not supported (this build reads {ARCH_VERSION})"
    )]
    Version(u16),
    /// A structurally invalid descriptor.
    #[error("invalid architecture descriptor: {0}")]
    Invalid(String),
}

impl Arch {
    /// Builds and validates a descriptor.
    pub fn new(
        input_shape: Vec<usize>,
        input_scale: f32,
        output_scale: f32,
        layers: Vec<Layer>,
    ) -> Result<Self, ArchError> {
        let shapes = validate(&input_shape, input_scale, output_scale, &layers)?;
        Ok(Self {
            input_shape,
            input_scale,
            output_scale,
            layers,
            shapes,
        })
    }

    /// The input shape, batch dimension (1) first.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Number of input elements.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// The scale of the int8 input: `real ≈ int * input_scale`.
    pub fn input_scale(&self) -> f32 {
        self.input_scale
    }

    /// The scale of the integer output: `real ≈ int * output_scale`.
    pub fn output_scale(&self) -> f32 {
        self.output_scale
    }

    /// The layers, in execution order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The activation shape after layer `idx`.
    pub fn output_shape(&self, idx: usize) -> &[usize] {
        &self.shapes[idx]
    }

    /// Number of output elements.
    pub fn output_len(&self) -> usize {
        self.shapes.last().map_or(0, |shape| shape.iter().product())
    }

    /// Quantises a float input: `clamp(round_half_even(x / input_scale), -128, 127)`. This is
    /// the client's step; the proof is about the integers it returns.
    pub fn quantise_input(&self, input: &[f32]) -> Vec<i8> {
        input
            .iter()
            .map(|&x| {
                (x / self.input_scale)
                    .round_ties_even()
                    .clamp(-128.0, 127.0) as i8
            })
            .collect()
    }

    /// Dequantises integer outputs.
    pub fn dequantise_output(&self, output: &[i64]) -> Vec<f64> {
        output
            .iter()
            .map(|&v| v as f64 * f64::from(self.output_scale))
            .collect()
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + 48 * self.layers.len());
        out.extend_from_slice(ARCH_MAGIC);
        out.extend_from_slice(&ARCH_VERSION.to_be_bytes());
        put_dims(&mut out, &self.input_shape);
        out.extend_from_slice(&self.input_scale.to_bits().to_be_bytes());
        out.extend_from_slice(&self.output_scale.to_bits().to_be_bytes());
        out.extend_from_slice(&(self.layers.len() as u16).to_be_bytes());
        for layer in &self.layers {
            match layer {
                Layer::Dense {
                    in_dim,
                    out_dim,
                    requant,
                } => {
                    out.push(0);
                    put_u32s(&mut out, &[*in_dim, *out_dim]);
                    put_requant(&mut out, requant.as_ref());
                }
                Layer::Conv {
                    geometry: g,
                    requant,
                } => {
                    out.push(1);
                    put_u32s(&mut out, &g.input);
                    put_u32s(&mut out, &[g.c_out]);
                    put_u32s(&mut out, &g.kernel);
                    put_u32s(&mut out, &g.stride);
                    put_u32s(&mut out, &g.pads);
                    put_requant(&mut out, requant.as_ref());
                }
                Layer::Relu => out.push(2),
                Layer::MaxPool(g) => {
                    out.push(3);
                    put_u32s(&mut out, &g.input);
                    put_u32s(&mut out, &g.kernel);
                    put_u32s(&mut out, &g.stride);
                    put_u32s(&mut out, &g.pads);
                }
                Layer::Reshape(shape) => {
                    out.push(4);
                    put_dims(&mut out, shape);
                }
            }
        }
        out
    }

    /// Decodes and validates a descriptor.
    pub fn decode(bytes: &[u8]) -> Result<Self, ArchError> {
        let mut reader = Reader { bytes, pos: 0 };
        if reader.take(8)? != ARCH_MAGIC {
            return Err(ArchError::BadMagic);
        }
        let version = reader.u16()?;
        if version != ARCH_VERSION {
            return Err(ArchError::Version(version));
        }
        let input_shape = reader.dims()?;
        let input_scale = f32::from_bits(reader.u32()?);
        let output_scale = f32::from_bits(reader.u32()?);
        let n_layers = usize::from(reader.u16()?);
        if n_layers > MAX_LAYERS {
            return Err(invalid(format!(
                "{n_layers} layers, more than {MAX_LAYERS}"
            )));
        }
        let mut layers = Vec::with_capacity(n_layers);
        for _ in 0..n_layers {
            let layer = match reader.u8()? {
                0 => Layer::Dense {
                    in_dim: reader.usize()?,
                    out_dim: reader.usize()?,
                    requant: reader.requant()?,
                },
                1 => Layer::Conv {
                    geometry: ConvGeometry {
                        input: reader.array()?,
                        c_out: reader.usize()?,
                        kernel: reader.array()?,
                        stride: reader.array()?,
                        pads: reader.array()?,
                    },
                    requant: reader.requant()?,
                },
                2 => Layer::Relu,
                3 => Layer::MaxPool(PoolGeometry {
                    input: reader.array()?,
                    kernel: reader.array()?,
                    stride: reader.array()?,
                    pads: reader.array()?,
                }),
                4 => Layer::Reshape(reader.dims()?),
                tag => return Err(invalid(format!("unknown layer tag {tag}"))),
            };
            layers.push(layer);
        }
        if reader.pos != bytes.len() {
            return Err(ArchError::TrailingBytes(bytes.len() - reader.pos));
        }
        Self::new(input_shape, input_scale, output_scale, layers)
    }
}

fn validate(
    input_shape: &[usize],
    input_scale: f32,
    output_scale: f32,
    layers: &[Layer],
) -> Result<Vec<Vec<usize>>, ArchError> {
    for (name, scale) in [("input", input_scale), ("output", output_scale)] {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(invalid(format!(
                "the {name} scale {scale} is not positive and finite"
            )));
        }
    }
    check_shape(input_shape)?;
    if input_shape.first() != Some(&1) {
        return Err(invalid("the input's batch dimension must be 1"));
    }
    if layers.is_empty() || layers.len() > MAX_LAYERS {
        return Err(invalid(format!(
            "{} layers (1 to {MAX_LAYERS} allowed)",
            layers.len()
        )));
    }
    let last_linear = layers.iter().rposition(Layer::is_linear);
    let Some(last_linear) = last_linear else {
        return Err(invalid("no linear layer"));
    };
    let mut shape = input_shape.to_vec();
    let mut shapes = Vec::with_capacity(layers.len());
    for (idx, layer) in layers.iter().enumerate() {
        let at = |message: String| invalid(format!("layer {idx}: {message}"));
        if layer.is_linear() {
            match (idx == last_linear, layer.requant()) {
                (true, Some(_)) => {
                    return Err(at("the last linear layer is not requantised".into()));
                }
                (false, None) => {
                    return Err(at("a hidden linear layer must be requantised".into()));
                }
                (_, Some(requant)) if !requant.is_valid() => {
                    return Err(at(format!("invalid requantisation {requant:?}")));
                }
                _ => {}
            }
        }
        shape = match layer {
            Layer::Dense {
                in_dim, out_dim, ..
            } => {
                if shape != [1, *in_dim] {
                    return Err(at(format!(
                        "Dense over {in_dim} inputs after shape {shape:?}"
                    )));
                }
                vec![1, *out_dim]
            }
            Layer::Conv { geometry, .. } => {
                if shape != [1, geometry.input[0], geometry.input[1], geometry.input[2]] {
                    return Err(at(format!(
                        "Conv over {:?} after shape {shape:?}",
                        geometry.input
                    )));
                }
                if geometry.n_weights() > MAX_TENSOR_LEN {
                    return Err(at("too many weights".into()));
                }
                let [c, h, w] = geometry
                    .output()
                    .ok_or_else(|| at("kernel does not fit".into()))?;
                vec![1, c, h, w]
            }
            Layer::Relu => shape,
            Layer::MaxPool(geometry) => {
                if shape != [1, geometry.input[0], geometry.input[1], geometry.input[2]] {
                    return Err(at(format!(
                        "MaxPool over {:?} after shape {shape:?}",
                        geometry.input
                    )));
                }
                let [c, h, w] = geometry
                    .output()
                    .ok_or_else(|| at("window does not fit".into()))?;
                vec![1, c, h, w]
            }
            Layer::Reshape(target) => {
                let before: usize = shape.iter().product();
                if target.first() != Some(&1) || target.iter().product::<usize>() != before {
                    return Err(at(format!("Reshape from {shape:?} to {target:?}")));
                }
                target.clone()
            }
        };
        check_shape(&shape).map_err(|e| at(e.to_string()))?;
        shapes.push(shape.clone());
    }
    Ok(shapes)
}

fn check_shape(shape: &[usize]) -> Result<(), ArchError> {
    if shape.is_empty() || shape.len() > MAX_RANK {
        return Err(invalid(format!(
            "shape {shape:?} has rank outside 1..={MAX_RANK}"
        )));
    }
    let len = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    match len {
        Some(len) if len > 0 && len <= MAX_TENSOR_LEN => Ok(()),
        _ => Err(invalid(format!(
            "shape {shape:?} is empty or has more than 2^24 elements"
        ))),
    }
}

fn invalid(message: impl Into<String>) -> ArchError {
    ArchError::Invalid(message.into())
}

fn put_u32s(out: &mut Vec<u8>, values: &[usize]) {
    for &value in values {
        // Validation keeps every dimension far below 2^32.
        out.extend_from_slice(&(value as u32).to_be_bytes());
    }
}

fn put_dims(out: &mut Vec<u8>, dims: &[usize]) {
    out.push(dims.len() as u8);
    put_u32s(out, dims);
}

fn put_requant(out: &mut Vec<u8>, requant: Option<&Requant>) {
    match requant {
        None => out.push(0),
        Some(r) => {
            out.push(1);
            out.extend_from_slice(&r.multiplier.to_be_bytes());
            out.push(r.shift);
            out.extend_from_slice(&r.min.to_be_bytes());
            out.extend_from_slice(&r.max.to_be_bytes());
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ArchError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(ArchError::Truncated(self.bytes.len()));
        };
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, ArchError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, ArchError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ArchError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn usize(&mut self) -> Result<usize, ArchError> {
        let value = self.u32()? as usize;
        if value > MAX_TENSOR_LEN {
            return Err(invalid(format!("dimension {value} exceeds 2^24")));
        }
        Ok(value)
    }

    fn array<const N: usize>(&mut self) -> Result<[usize; N], ArchError> {
        let mut out = [0; N];
        for value in &mut out {
            *value = self.usize()?;
        }
        Ok(out)
    }

    fn dims(&mut self) -> Result<Vec<usize>, ArchError> {
        let n = usize::from(self.u8()?);
        if n == 0 || n > MAX_RANK {
            return Err(invalid(format!("rank {n} outside 1..={MAX_RANK}")));
        }
        (0..n).map(|_| self.usize()).collect()
    }

    fn requant(&mut self) -> Result<Option<Requant>, ArchError> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(Requant {
                multiplier: self.u32()?,
                shift: self.u8()?,
                min: self.u8()? as i8,
                max: self.u8()? as i8,
            })),
            flag => Err(invalid(format!(
                "requantisation flag {flag} is neither 0 nor 1"
            ))),
        }
    }
}
