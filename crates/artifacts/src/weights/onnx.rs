//! ONNX: the initializers of a model's main graph, read with a minimal streaming protobuf
//! reader.
//!
//! # Why not prost
//!
//! prost decodes a whole `ModelProto` into memory: up to 2 GiB (protobuf's limit) of weights
//! copied into `Vec`s just to hash them. Reading the wire format ourselves lets ONNX work like
//! safetensors and GGUF: one pass over the header that seeks past tensor bytes, then hashing by
//! file offset, in `O(1)` memory whatever the model's size. The reader needs only varints,
//! tags and length-delimited spans (`super::protobuf`), and it is stricter than protobuf: a
//! singular field given twice (which protobuf would merge or overwrite) is refused.
//!
//! # What is read
//!
//! `ModelProto.graph` (field 7) → `GraphProto.initializer` (field 5) → `TensorProto`: `dims`
//! (1), `data_type` (2), `name` (8), and the data: `raw_data` (9, little-endian bytes, hashed as
//! stored) or one of the typed repeated fields `float_data` (4), `int32_data` (5),
//! `int64_data` (7), `double_data` (10), `uint64_data` (11), packed or not, converted while
//! hashing to the little-endian bytes `raw_data` would hold (FLOAT16 and BFLOAT16 values are
//! bit patterns in `int32_data`; narrow integers are range-checked). Refused with an error:
//! external data (`data_location = EXTERNAL` or `external_data`, naming the tensor),
//! `sparse_initializer`, segmented tensors, STRING and 4-bit types. Not covered by the tensor
//! root (the file SHA-256 still covers them): `Constant` nodes and initializers of subgraphs.

use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::protobuf::{
    WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, skip_field, span, tag, varint,
};
use super::reader::HeaderReader;
use super::tensor::{MAX_RANK, MAX_TENSOR_NAME_LEN, TensorData, TensorInfo, TensorSource};
use super::{Dtype, WeightsError};
use crate::hash::{Hash, finish};
use crate::progress::ProgressCounter;

const MODEL_GRAPH: u64 = 7;
const GRAPH_INITIALIZER: u64 = 5;
const GRAPH_SPARSE_INITIALIZER: u64 = 15;
const TENSOR_DIMS: u64 = 1;
const TENSOR_DATA_TYPE: u64 = 2;
const TENSOR_SEGMENT: u64 = 3;
const TENSOR_NAME: u64 = 8;
const TENSOR_RAW_DATA: u64 = 9;
const TENSOR_EXTERNAL_DATA: u64 = 13;
const TENSOR_DATA_LOCATION: u64 = 14;
const DATA_LOCATION_EXTERNAL: u64 = 1;

/// The typed repeated fields of `TensorProto` that can hold numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TypedField {
    /// `float_data` (4): fixed32.
    Float = 4,
    /// `int32_data` (5): varint.
    Int32 = 5,
    /// `string_data` (6): bytes; never numeric, listed to be recognized and refused.
    String = 6,
    /// `int64_data` (7): varint.
    Int64 = 7,
    /// `double_data` (10): fixed64.
    Double = 10,
    /// `uint64_data` (11): varint.
    Uint64 = 11,
}

impl TypedField {
    fn of_field(field: u64) -> Option<Self> {
        match field {
            4 => Some(Self::Float),
            5 => Some(Self::Int32),
            6 => Some(Self::String),
            7 => Some(Self::Int64),
            10 => Some(Self::Double),
            11 => Some(Self::Uint64),
            _ => None,
        }
    }

    fn proto_name(self) -> &'static str {
        match self {
            Self::Float => "float_data",
            Self::Int32 => "int32_data",
            Self::String => "string_data",
            Self::Int64 => "int64_data",
            Self::Double => "double_data",
            Self::Uint64 => "uint64_data",
        }
    }
}

/// An ONNX `TensorProto.DataType`: our dtype, the typed field holding its values, and how many
/// values make one element.
fn onnx_dtype(data_type: u64) -> Result<(Dtype, TypedField, u64), String> {
    Ok(match data_type {
        1 => (Dtype::F32, TypedField::Float, 1),
        2 => (Dtype::U8, TypedField::Int32, 1),
        3 => (Dtype::I8, TypedField::Int32, 1),
        4 => (Dtype::U16, TypedField::Int32, 1),
        5 => (Dtype::I16, TypedField::Int32, 1),
        6 => (Dtype::I32, TypedField::Int32, 1),
        7 => (Dtype::I64, TypedField::Int64, 1),
        9 => (Dtype::BOOL, TypedField::Int32, 1),
        10 => (Dtype::F16, TypedField::Int32, 1),
        11 => (Dtype::F64, TypedField::Double, 1),
        12 => (Dtype::U32, TypedField::Uint64, 1),
        13 => (Dtype::U64, TypedField::Uint64, 1),
        14 => (Dtype::C64, TypedField::Float, 2),
        15 => (Dtype::C128, TypedField::Double, 2),
        16 => (Dtype::BF16, TypedField::Int32, 1),
        17 => (Dtype::F8_E4M3, TypedField::Int32, 1),
        18 => (Dtype::F8_E4M3FNUZ, TypedField::Int32, 1),
        19 => (Dtype::F8_E5M2, TypedField::Int32, 1),
        20 => (Dtype::F8_E5M2FNUZ, TypedField::Int32, 1),
        24 => (Dtype::F8_E8M0, TypedField::Int32, 1),
        0 => return Err("UNDEFINED".into()),
        8 => return Err("STRING".into()),
        21 => return Err("UINT4".into()),
        22 => return Err("INT4".into()),
        23 => return Err("FLOAT4E2M1".into()),
        other => return Err(format!("ONNX data type {other}")),
    })
}

/// Where a tensor's typed values are: its `TensorProto`'s span in the file, and which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypedData {
    message_start: u64,
    message_end: u64,
    field: TypedField,
    dtype: Dtype,
    n_values: u64,
}

/// The initializers of the model's main graph, in file order.
pub(crate) fn read_tensors(path: &Path) -> Result<Vec<TensorSource>, WeightsError> {
    let mut reader = HeaderReader::open(path, "ONNX")?;
    let file_len = reader.file_len();
    let mut graph = None;
    while reader.offset() < file_len {
        let (field, wire_type) = tag(&mut reader)?;
        if field == MODEL_GRAPH {
            expect_wire(&reader, "ModelProto.graph", wire_type, WIRE_LEN)?;
            let (start, end) = span(&mut reader, file_len)?;
            if graph.is_some() {
                return Err(reader.malformed("ModelProto.graph appears twice"));
            }
            graph = Some((start, end));
            reader.seek_to(end)?;
        } else {
            skip_field(&mut reader, wire_type, file_len)?;
        }
    }
    let Some((graph_start, graph_end)) = graph else {
        return Ok(Vec::new());
    };
    reader.seek_to(graph_start)?;
    let mut tensors = Vec::new();
    let mut names = BTreeSet::new();
    while reader.offset() < graph_end {
        let (field, wire_type) = tag(&mut reader)?;
        match field {
            GRAPH_INITIALIZER => {
                expect_wire(&reader, "GraphProto.initializer", wire_type, WIRE_LEN)?;
                let (start, end) = span(&mut reader, graph_end)?;
                let tensor = read_tensor(&mut reader, start, end)?;
                if !names.insert(tensor.info.name.clone()) {
                    return Err(WeightsError::DuplicateTensor {
                        name: tensor.info.name,
                        first: path.to_path_buf(),
                        second: path.to_path_buf(),
                    });
                }
                tensors.push(tensor);
                reader.seek_to(end)?;
            }
            GRAPH_SPARSE_INITIALIZER => {
                return Err(reader.malformed(
                    "sparse initializers (GraphProto.sparse_initializer) are not supported",
                ));
            }
            _ => skip_field(&mut reader, wire_type, graph_end)?,
        }
    }
    Ok(tensors)
}

fn expect_wire(
    reader: &HeaderReader,
    field: &str,
    wire_type: u8,
    expected: u8,
) -> Result<(), WeightsError> {
    if wire_type != expected {
        return Err(reader.malformed(format!(
            "{field} has wire type {wire_type}, expected {expected}"
        )));
    }
    Ok(())
}

/// Reads one `TensorProto` spanning `start..end`.
fn read_tensor(
    reader: &mut HeaderReader,
    start: u64,
    end: u64,
) -> Result<TensorSource, WeightsError> {
    let mut name = None;
    let mut dims: Vec<u64> = Vec::new();
    let mut negative_dim = None;
    let mut data_type = None;
    let mut raw_data = None;
    let mut typed_fields = BTreeSet::new();
    let mut external = false;
    while reader.offset() < end {
        let (field, wire_type) = tag(reader)?;
        match field {
            TENSOR_DIMS => {
                let mut push_dim = |value: u64| {
                    if (value as i64) < 0 {
                        negative_dim = Some(value as i64);
                    }
                    dims.push(value);
                };
                if wire_type == WIRE_LEN {
                    let (_, packed_end) = span(reader, end)?;
                    while reader.offset() < packed_end {
                        push_dim(varint(reader)?);
                    }
                } else {
                    expect_wire(reader, "TensorProto.dims", wire_type, WIRE_VARINT)?;
                    push_dim(varint(reader)?);
                }
                if dims.len() > MAX_RANK {
                    return Err(
                        reader.malformed(format!("a tensor has more than {MAX_RANK} dimensions"))
                    );
                }
            }
            TENSOR_DATA_TYPE => {
                expect_wire(reader, "TensorProto.data_type", wire_type, WIRE_VARINT)?;
                if data_type.replace(varint(reader)?).is_some() {
                    return Err(reader.malformed("TensorProto.data_type appears twice"));
                }
            }
            TENSOR_SEGMENT => {
                return Err(
                    reader.malformed("segmented tensors (TensorProto.segment) are not supported")
                );
            }
            TENSOR_NAME => {
                expect_wire(reader, "TensorProto.name", wire_type, WIRE_LEN)?;
                let (name_start, name_end) = span(reader, end)?;
                if name_end - name_start > MAX_TENSOR_NAME_LEN as u64 {
                    return Err(WeightsError::LimitExceeded {
                        path: reader.path().to_path_buf(),
                        what: "tensor name length",
                        value: name_end - name_start,
                        max: MAX_TENSOR_NAME_LEN as u64,
                    });
                }
                let bytes = reader.bytes("tensor name", name_end - name_start)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| reader.malformed("a tensor name is not UTF-8"))?;
                if name.replace(text).is_some() {
                    return Err(reader.malformed("TensorProto.name appears twice"));
                }
            }
            TENSOR_RAW_DATA => {
                expect_wire(reader, "TensorProto.raw_data", wire_type, WIRE_LEN)?;
                let (data_start, data_end) = span(reader, end)?;
                if raw_data.replace((data_start, data_end)).is_some() {
                    return Err(reader.malformed("TensorProto.raw_data appears twice"));
                }
                reader.seek_to(data_end)?;
            }
            TENSOR_EXTERNAL_DATA => {
                external = true;
                skip_field(reader, wire_type, end)?;
            }
            TENSOR_DATA_LOCATION => {
                expect_wire(reader, "TensorProto.data_location", wire_type, WIRE_VARINT)?;
                external |= varint(reader)? == DATA_LOCATION_EXTERNAL;
            }
            other => {
                if let Some(typed) = TypedField::of_field(other) {
                    typed_fields.insert(typed);
                }
                skip_field(reader, wire_type, end)?;
            }
        }
        if reader.offset() > end {
            return Err(reader.malformed("a field runs past the end of its TensorProto"));
        }
    }

    let path = reader.path().to_path_buf();
    let Some(name) = name.filter(|name| !name.is_empty()) else {
        return Err(reader.malformed(format!("an initializer at byte {start} has no name")));
    };
    if external {
        return Err(WeightsError::ExternalData { path, tensor: name });
    }
    let (dtype, field, values_per_element) =
        onnx_dtype(data_type.unwrap_or(0)).map_err(|dtype| WeightsError::UnsupportedDtype {
            path: path.clone(),
            tensor: name.clone(),
            dtype,
        })?;
    if let Some(value) = negative_dim {
        return Err(WeightsError::BadShape {
            path,
            tensor: name,
            reason: format!("negative dimension {value}"),
        });
    }
    let bad_shape = |reason: String| WeightsError::BadShape {
        path: path.clone(),
        tensor: name.clone(),
        reason,
    };
    let n_elements = dims
        .iter()
        .try_fold(1u64, |product, dimension| product.checked_mul(*dimension))
        .ok_or_else(|| bad_shape(format!("{dims:?} overflows")))?;
    let n_bytes = dtype
        .n_bytes(n_elements)
        .ok_or_else(|| bad_shape(format!("{dims:?} of {dtype} overflows")))?;
    let info = TensorInfo {
        name,
        dtype,
        shape: dims,
        n_bytes,
    };
    let data = match raw_data {
        Some(_) if !typed_fields.is_empty() => {
            return Err(reader.malformed(format!(
                "tensor {} has both raw_data and typed data",
                info.name
            )));
        }
        Some((data_start, data_end)) => {
            if data_end - data_start != n_bytes {
                return Err(WeightsError::SizeMismatch {
                    path,
                    tensor: info.name,
                    expected: n_bytes,
                    actual: data_end - data_start,
                });
            }
            TensorData::Raw { offset: data_start }
        }
        None if typed_fields.is_empty() => {
            if n_bytes != 0 {
                return Err(WeightsError::SizeMismatch {
                    path,
                    tensor: info.name,
                    expected: n_bytes,
                    actual: 0,
                });
            }
            TensorData::Raw { offset: start }
        }
        None => {
            if typed_fields.len() != 1 || !typed_fields.contains(&field) {
                let found: Vec<&str> = typed_fields.iter().map(|f| f.proto_name()).collect();
                return Err(reader.malformed(format!(
                    "tensor {} of type {dtype} must keep its values in {}, found {found:?}",
                    info.name,
                    field.proto_name()
                )));
            }
            TensorData::OnnxTyped(TypedData {
                message_start: start,
                message_end: end,
                field,
                dtype,
                // `n_bytes` did not overflow and is at least one byte per value.
                n_values: n_elements.saturating_mul(values_per_element),
            })
        }
    };
    Ok(TensorSource { info, data })
}

/// SHA-256 of a typed tensor's values converted to raw little-endian bytes, streamed from the
/// file (a second pass over its `TensorProto`).
pub(crate) fn hash_typed(
    path: &Path,
    tensor: &str,
    typed: &TypedData,
    progress: &ProgressCounter<'_>,
) -> Result<Hash, WeightsError> {
    let mut reader = HeaderReader::open(path, "ONNX")?;
    reader.seek_to(typed.message_start)?;
    let end = typed.message_end;
    let mut hasher = Sha256::new();
    let mut n_values = 0u64;
    let mut converted = Vec::with_capacity(64 << 10);
    while reader.offset() < end {
        let (field, wire_type) = tag(&mut reader)?;
        if field != typed.field as u64 {
            skip_field(&mut reader, wire_type, end)?;
            continue;
        }
        match (typed.field, wire_type) {
            (TypedField::Float | TypedField::Double, WIRE_LEN) => {
                // Packed fixed-width values are stored little-endian, exactly as raw_data.
                let width = if typed.field == TypedField::Float {
                    4
                } else {
                    8
                };
                let (start, packed_end) = span(&mut reader, end)?;
                let len = packed_end - start;
                if len % width != 0 {
                    return Err(reader.malformed(format!(
                        "packed {} of {len} bytes is not a whole number of values",
                        typed.field.proto_name()
                    )));
                }
                reader.feed("packed values", len, &mut hasher)?;
                n_values += len / width;
            }
            (TypedField::Float, WIRE_FIXED32) => {
                hasher.update(reader.array::<4>("float value")?);
                n_values += 1;
            }
            (TypedField::Double, WIRE_FIXED64) => {
                hasher.update(reader.array::<8>("double value")?);
                n_values += 1;
            }
            (TypedField::Int32 | TypedField::Int64 | TypedField::Uint64, WIRE_LEN) => {
                let (_, packed_end) = span(&mut reader, end)?;
                while reader.offset() < packed_end {
                    let value = varint(&mut reader)?;
                    push_converted(&mut converted, typed, value, path, tensor)?;
                    n_values += 1;
                    if converted.len() >= 64 << 10 {
                        hasher.update(&converted);
                        converted.clear();
                    }
                }
            }
            (TypedField::Int32 | TypedField::Int64 | TypedField::Uint64, WIRE_VARINT) => {
                let value = varint(&mut reader)?;
                push_converted(&mut converted, typed, value, path, tensor)?;
                n_values += 1;
                if converted.len() >= 64 << 10 {
                    hasher.update(&converted);
                    converted.clear();
                }
            }
            (field, wire_type) => {
                return Err(
                    reader.malformed(format!("{} has wire type {wire_type}", field.proto_name()))
                );
            }
        }
    }
    hasher.update(&converted);
    progress.add(end - typed.message_start);
    if n_values != typed.n_values {
        return Err(WeightsError::SizeMismatch {
            path: path.to_path_buf(),
            tensor: tensor.to_owned(),
            expected: typed.n_values,
            actual: n_values,
        });
    }
    Ok(finish(hasher))
}

/// Appends one varint-encoded value as the little-endian bytes of the tensor's dtype.
fn push_converted(
    out: &mut Vec<u8>,
    typed: &TypedData,
    value: u64,
    path: &Path,
    tensor: &str,
) -> Result<(), WeightsError> {
    let out_of_range = |shown: i128| WeightsError::ValueOutOfRange {
        path: path.to_path_buf(),
        tensor: tensor.to_owned(),
        dtype: typed.dtype.name(),
        value: shown,
    };
    // int32 and int64 fields carry negative numbers sign-extended to 64 bits.
    let signed = value as i64;
    match typed.dtype {
        Dtype::I64 => out.extend_from_slice(&signed.to_le_bytes()),
        Dtype::U64 => out.extend_from_slice(&value.to_le_bytes()),
        Dtype::U32 => {
            let narrow = u32::try_from(value).map_err(|_| out_of_range(i128::from(value)))?;
            out.extend_from_slice(&narrow.to_le_bytes());
        }
        Dtype::I32 => {
            let narrow = i32::try_from(signed).map_err(|_| out_of_range(i128::from(signed)))?;
            out.extend_from_slice(&narrow.to_le_bytes());
        }
        Dtype::I16 => {
            let narrow = i16::try_from(signed).map_err(|_| out_of_range(i128::from(signed)))?;
            out.extend_from_slice(&narrow.to_le_bytes());
        }
        Dtype::I8 => {
            let narrow = i8::try_from(signed).map_err(|_| out_of_range(i128::from(signed)))?;
            out.extend_from_slice(&narrow.to_le_bytes());
        }
        Dtype::U16 | Dtype::F16 | Dtype::BF16 => {
            let narrow = u16::try_from(signed).map_err(|_| out_of_range(i128::from(signed)))?;
            out.extend_from_slice(&narrow.to_le_bytes());
        }
        Dtype::BOOL => {
            if signed != 0 && signed != 1 {
                return Err(out_of_range(i128::from(signed)));
            }
            out.push(signed as u8);
        }
        _ => {
            // U8 and the 8-bit float types: one byte each.
            let narrow = u8::try_from(signed).map_err(|_| out_of_range(i128::from(signed)))?;
            out.push(narrow);
        }
    }
    Ok(())
}
