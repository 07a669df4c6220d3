//! Constant tensors: `TensorProto` payloads decoded into values with checked sizes.

use super::OnnxError;
use super::proto::{TensorProto, data_type};

/// The most elements one constant tensor may have (2^28: far above any model this crate can
/// prove, low enough that a forged shape cannot make import allocate unbounded memory).
const MAX_ELEMENTS: usize = 1 << 28;

/// A decoded constant tensor.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Constant {
    pub(crate) dims: Vec<usize>,
    pub(crate) data: ConstantData,
}

/// The values of a constant tensor: floats, or integers of an integer element type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ConstantData {
    Float(Vec<f32>),
    Int { values: Vec<i64>, data_type: i32 },
}

impl Constant {
    pub(crate) fn len(&self) -> usize {
        match &self.data {
            ConstantData::Float(values) => values.len(),
            ConstantData::Int { values, .. } => values.len(),
        }
    }

    /// The values of an integer tensor.
    pub(crate) fn ints(&self) -> Option<&[i64]> {
        match &self.data {
            ConstantData::Int { values, .. } => Some(values),
            ConstantData::Float(_) => None,
        }
    }

    /// The single value of a scalar (or one-element) float tensor.
    pub(crate) fn scalar_f32(&self) -> Option<f32> {
        match &self.data {
            ConstantData::Float(values) if values.len() == 1 => Some(values[0]),
            _ => None,
        }
    }
}

/// Decodes `tensor`, checking that its payload matches its dimensions and element type.
pub(crate) fn decode(tensor: &TensorProto) -> Result<Constant, OnnxError> {
    let name = &tensor.name;
    if tensor.data_location == 1 || !tensor.external_data.is_empty() {
        return Err(OnnxError::Malformed(format!(
            "tensor `{name}` keeps its data in an external file, which import does not read"
        )));
    }
    let mut dims = Vec::with_capacity(tensor.dims.len());
    let mut n_elements: usize = 1;
    for &dim in &tensor.dims {
        let dim = usize::try_from(dim).map_err(|_| {
            OnnxError::Malformed(format!("tensor `{name}` has a negative dimension {dim}"))
        })?;
        n_elements = n_elements
            .checked_mul(dim)
            .filter(|&n| n <= MAX_ELEMENTS)
            .ok_or_else(|| {
                OnnxError::Malformed(format!(
                    "tensor `{name}` has more than {MAX_ELEMENTS} elements"
                ))
            })?;
        dims.push(dim);
    }
    let raw = &tensor.raw_data;
    let wrong_len = |found: usize| {
        OnnxError::Malformed(format!(
            "tensor `{name}` has dimensions {dims:?} ({n_elements} elements) but {found} values"
        ))
    };
    let data = match tensor.data_type {
        data_type::FLOAT => {
            let values = if raw.is_empty() {
                tensor.float_data.clone()
            } else {
                if raw.len() != n_elements * 4 {
                    return Err(wrong_len(raw.len() / 4));
                }
                raw.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            };
            ConstantData::Float(values)
        }
        data_type::DOUBLE => {
            let values: Vec<f32> = if raw.is_empty() {
                tensor.double_data.iter().map(|&v| v as f32).collect()
            } else {
                if raw.len() != n_elements * 8 {
                    return Err(wrong_len(raw.len() / 8));
                }
                raw.chunks_exact(8)
                    .map(|c| {
                        let bytes = [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]];
                        f64::from_le_bytes(bytes) as f32
                    })
                    .collect()
            };
            ConstantData::Float(values)
        }
        data_type::INT8 | data_type::UINT8 | data_type::INT32 => {
            let signed = tensor.data_type != data_type::UINT8;
            let width = if tensor.data_type == data_type::INT32 {
                4
            } else {
                1
            };
            let values: Vec<i64> = if raw.is_empty() {
                // int8, uint8 and int32 values all travel in `int32_data` when not raw.
                tensor.int32_data.iter().map(|&v| i64::from(v)).collect()
            } else {
                if raw.len() != n_elements * width {
                    return Err(wrong_len(raw.len() / width));
                }
                match (width, signed) {
                    (1, true) => raw.iter().map(|&b| i64::from(b as i8)).collect(),
                    (1, false) => raw.iter().map(|&b| i64::from(b)).collect(),
                    _ => raw
                        .chunks_exact(4)
                        .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                        .collect(),
                }
            };
            let (lo, hi) = match tensor.data_type {
                data_type::INT8 => (-128, 127),
                data_type::UINT8 => (0, 255),
                _ => (i64::from(i32::MIN), i64::from(i32::MAX)),
            };
            if let Some(bad) = values.iter().find(|&&v| v < lo || v > hi) {
                return Err(OnnxError::Malformed(format!(
                    "tensor `{name}` holds {bad}, outside its element type's range"
                )));
            }
            ConstantData::Int {
                values,
                data_type: tensor.data_type,
            }
        }
        data_type::INT64 => {
            let values: Vec<i64> = if raw.is_empty() {
                tensor.int64_data.clone()
            } else {
                if raw.len() != n_elements * 8 {
                    return Err(wrong_len(raw.len() / 8));
                }
                raw.chunks_exact(8)
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect()
            };
            ConstantData::Int {
                values,
                data_type: data_type::INT64,
            }
        }
        other => {
            return Err(OnnxError::Malformed(format!(
                "tensor `{name}` has element type {other}; import reads float, double, int8, \
                 uint8, int32 and int64"
            )));
        }
    };
    let constant = Constant {
        dims: Vec::new(),
        data,
    };
    if constant.len() != n_elements {
        return Err(wrong_len(constant.len()));
    }
    Ok(Constant { dims, ..constant })
}
