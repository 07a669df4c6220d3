//! Minimal writers of valid safetensors, GGUF and ONNX files, in Rust, for the tests.

use std::path::Path;

/// A tensor to write: name, canonical dtype name, shape (outermost first), raw LE bytes.
#[derive(Debug, Clone)]
pub(crate) struct TestTensor {
    pub(crate) name: String,
    pub(crate) dtype: &'static str,
    pub(crate) shape: Vec<u64>,
    pub(crate) bytes: Vec<u8>,
}

impl TestTensor {
    pub(crate) fn new(name: &str, dtype: &'static str, shape: &[u64], bytes: Vec<u8>) -> Self {
        Self {
            name: name.into(),
            dtype,
            shape: shape.to_vec(),
            bytes,
        }
    }

    /// F32 values.
    pub(crate) fn f32(name: &str, shape: &[u64], values: &[f32]) -> Self {
        Self::new(
            name,
            "F32",
            shape,
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }
}

/// A set of tensors covering the dtypes safetensors, GGUF and ONNX share.
pub(crate) fn shared_tensors() -> Vec<TestTensor> {
    let f16: Vec<u8> = [0x3c00u16, 0xc000, 0x7bff, 0x0001]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let bf16: Vec<u8> = [0x3f80u16, 0xbf80, 0x4049, 0x0000, 0xffff, 0x1234]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    vec![
        TestTensor::f32(
            "model.layers.0.weight",
            &[2, 3],
            &[1.0, -2.5, 3.25, 0.0, -0.0, 1e-7],
        ),
        TestTensor::f32("model.layers.0.bias", &[3], &[0.5, 0.25, -8.0]),
        TestTensor::new("embed.f16", "F16", &[4], f16),
        TestTensor::new("norm.bf16", "BF16", &[2, 3], bf16),
        TestTensor::new(
            "pos.i64",
            "I64",
            &[3],
            [-1i64, 0, i64::MAX]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        TestTensor::new(
            "mask.i32",
            "I32",
            &[2, 2],
            [-7i32, 1 << 30, 0, 5]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        TestTensor::new("q.i8", "I8", &[4], vec![0x80, 0x7f, 0, 0xff]),
        TestTensor::new(
            "scale.f64",
            "F64",
            &[2],
            [std::f64::consts::PI, -1.0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        TestTensor::f32("scalar", &[], &[42.0]),
        TestTensor::new("empty", "F32", &[0, 4], Vec::new()),
    ]
}

/// Writes a safetensors file with the tensors in the given order and optional metadata.
pub(crate) fn write_safetensors(path: &Path, tensors: &[TestTensor], metadata: &[(&str, &str)]) {
    let mut header = serde_json::Map::new();
    if !metadata.is_empty() {
        let map: serde_json::Map<String, serde_json::Value> = metadata
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
            .collect();
        header.insert("__metadata__".into(), serde_json::Value::Object(map));
    }
    let mut offset = 0usize;
    for tensor in tensors {
        let end = offset + tensor.bytes.len();
        header.insert(
            tensor.name.clone(),
            serde_json::json!({
                "dtype": tensor.dtype,
                "shape": tensor.shape,
                "data_offsets": [offset, end],
            }),
        );
        offset = end;
    }
    let mut json = serde_json::to_vec(&header).unwrap();
    while !json.len().is_multiple_of(8) {
        json.push(b' ');
    }
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&json);
    for tensor in tensors {
        bytes.extend_from_slice(&tensor.bytes);
    }
    std::fs::write(path, bytes).unwrap();
}

/// A GGUF metadata value.
#[derive(Debug, Clone)]
pub(crate) enum KvValue {
    U32(u32),
    F32(f32),
    Bool(bool),
    Str(String),
    ArrayU8(Vec<u8>),
    ArrayStr(Vec<String>),
    ArrayOfArrays(Vec<Vec<u32>>),
}

fn put_gguf_string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

fn put_kv_value(out: &mut Vec<u8>, value: &KvValue, with_type: bool) {
    let type_id: u32 = match value {
        KvValue::U32(_) => 4,
        KvValue::F32(_) => 6,
        KvValue::Bool(_) => 7,
        KvValue::Str(_) => 8,
        _ => 9,
    };
    if with_type {
        out.extend_from_slice(&type_id.to_le_bytes());
    }
    match value {
        KvValue::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
        KvValue::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
        KvValue::Bool(v) => out.push(u8::from(*v)),
        KvValue::Str(v) => put_gguf_string(out, v),
        KvValue::ArrayU8(values) => {
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&(values.len() as u64).to_le_bytes());
            out.extend_from_slice(values);
        }
        KvValue::ArrayStr(values) => {
            out.extend_from_slice(&8u32.to_le_bytes());
            out.extend_from_slice(&(values.len() as u64).to_le_bytes());
            for v in values {
                put_gguf_string(out, v);
            }
        }
        KvValue::ArrayOfArrays(values) => {
            out.extend_from_slice(&9u32.to_le_bytes());
            out.extend_from_slice(&(values.len() as u64).to_le_bytes());
            for inner in values {
                out.extend_from_slice(&4u32.to_le_bytes());
                out.extend_from_slice(&(inner.len() as u64).to_le_bytes());
                for v in inner {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
    }
}

/// The GGML type id of a canonical dtype name.
pub(crate) fn ggml_type(dtype: &str) -> u32 {
    ailedger_artifacts::weights::Dtype::from_name(dtype)
        .and_then(|d| d.ggml_type())
        .unwrap_or_else(|| panic!("{dtype} has no GGML type"))
}

/// Writes a GGUF file (version 3 unless given) with the tensors in the given order.
/// `alignment` is written as `general.alignment` when it is not the default 32.
pub(crate) fn write_gguf(
    path: &Path,
    tensors: &[TestTensor],
    kvs: &[(&str, KvValue)],
    alignment: u64,
) {
    std::fs::write(path, gguf_bytes(3, tensors, kvs, alignment)).unwrap();
}

pub(crate) fn gguf_bytes(
    version: u32,
    tensors: &[TestTensor],
    kvs: &[(&str, KvValue)],
    alignment: u64,
) -> Vec<u8> {
    let mut kvs: Vec<(&str, KvValue)> = kvs.to_vec();
    if alignment != 32 {
        kvs.push(("general.alignment", KvValue::U32(alignment as u32)));
    }
    let mut out = b"GGUF".to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(tensors.len() as u64).to_le_bytes());
    out.extend_from_slice(&(kvs.len() as u64).to_le_bytes());
    for (key, value) in &kvs {
        put_gguf_string(&mut out, key);
        put_kv_value(&mut out, value, true);
    }
    let mut offset = 0u64;
    let mut offsets = Vec::new();
    for tensor in tensors {
        put_gguf_string(&mut out, &tensor.name);
        out.extend_from_slice(&(tensor.shape.len() as u32).to_le_bytes());
        for dimension in tensor.shape.iter().rev() {
            out.extend_from_slice(&dimension.to_le_bytes());
        }
        out.extend_from_slice(&ggml_type(tensor.dtype).to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        offsets.push(offset);
        offset = (offset + tensor.bytes.len() as u64).next_multiple_of(alignment);
    }
    let data_start = (out.len() as u64).next_multiple_of(alignment);
    out.resize(data_start as usize, 0);
    for (tensor, offset) in tensors.iter().zip(offsets) {
        out.resize((data_start + offset) as usize, 0);
        out.extend_from_slice(&tensor.bytes);
    }
    out
}

/// Protobuf encoding helpers.
pub(crate) mod pb {
    pub(crate) fn varint(out: &mut Vec<u8>, mut value: u64) {
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    pub(crate) fn key(out: &mut Vec<u8>, field: u64, wire: u8) {
        varint(out, (field << 3) | u64::from(wire));
    }

    pub(crate) fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
        key(out, field, 2);
        varint(out, bytes.len() as u64);
        out.extend_from_slice(bytes);
    }

    pub(crate) fn varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
        key(out, field, 0);
        varint(out, value);
    }
}

/// How an ONNX test tensor stores its data.
#[derive(Debug, Clone)]
pub(crate) enum OnnxData {
    /// `raw_data`.
    Raw,
    /// Packed typed field (the field is chosen from the dtype).
    Packed,
    /// Unpacked typed field: one tag per value.
    Unpacked,
    /// A custom list of fields appended after name, dims and data_type.
    Custom(Vec<u8>),
}

/// The ONNX data type code of a canonical dtype name.
pub(crate) fn onnx_type(dtype: &str) -> u64 {
    match dtype {
        "F32" => 1,
        "U8" => 2,
        "I8" => 3,
        "U16" => 4,
        "I16" => 5,
        "I32" => 6,
        "I64" => 7,
        "BOOL" => 9,
        "F16" => 10,
        "F64" => 11,
        "U32" => 12,
        "U64" => 13,
        "BF16" => 16,
        other => panic!("no ONNX type for {other}"),
    }
}

/// Encodes one TensorProto.
pub(crate) fn onnx_tensor(tensor: &TestTensor, data: &OnnxData) -> Vec<u8> {
    use pb::*;
    let mut out = Vec::new();
    for dimension in &tensor.shape {
        varint_field(&mut out, 1, *dimension);
    }
    varint_field(&mut out, 2, onnx_type(tensor.dtype));
    match data {
        OnnxData::Raw => {}
        OnnxData::Custom(fields) => out.extend_from_slice(fields),
        OnnxData::Packed | OnnxData::Unpacked => {
            let packed = matches!(data, OnnxData::Packed);
            let chunks = |width: usize| tensor.bytes.chunks(width).map(<[u8]>::to_vec);
            match tensor.dtype {
                "F32" | "F64" => {
                    let (field, wire, width) = if tensor.dtype == "F32" {
                        (4, 5, 4)
                    } else {
                        (10, 1, 8)
                    };
                    if packed {
                        bytes_field(&mut out, field, &tensor.bytes);
                    } else {
                        for chunk in chunks(width) {
                            key(&mut out, field, wire);
                            out.extend_from_slice(&chunk);
                        }
                    }
                }
                dtype => {
                    let (field, values): (u64, Vec<u64>) = match dtype {
                        "I64" => (
                            7,
                            chunks(8)
                                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                                .collect(),
                        ),
                        "U64" => (
                            11,
                            chunks(8)
                                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                                .collect(),
                        ),
                        "U32" => (
                            11,
                            chunks(4)
                                .map(|c| u64::from(u32::from_le_bytes(c.try_into().unwrap())))
                                .collect(),
                        ),
                        "I32" => (
                            5,
                            chunks(4)
                                .map(|c| {
                                    i64::from(i32::from_le_bytes(c.try_into().unwrap())) as u64
                                })
                                .collect(),
                        ),
                        "I16" => (
                            5,
                            chunks(2)
                                .map(|c| {
                                    i64::from(i16::from_le_bytes(c.try_into().unwrap())) as u64
                                })
                                .collect(),
                        ),
                        "U16" | "F16" | "BF16" => (
                            5,
                            chunks(2)
                                .map(|c| u64::from(u16::from_le_bytes(c.try_into().unwrap())))
                                .collect(),
                        ),
                        "I8" => (
                            5,
                            tensor
                                .bytes
                                .iter()
                                .map(|b| i64::from(*b as i8) as u64)
                                .collect(),
                        ),
                        "U8" | "BOOL" => (5, tensor.bytes.iter().map(|b| u64::from(*b)).collect()),
                        other => panic!("no typed field for {other}"),
                    };
                    if packed {
                        let mut packed_bytes = Vec::new();
                        for value in &values {
                            varint(&mut packed_bytes, *value);
                        }
                        bytes_field(&mut out, field, &packed_bytes);
                    } else {
                        for value in values {
                            varint_field(&mut out, field, value);
                        }
                    }
                }
            }
        }
    }
    bytes_field(&mut out, 8, tensor.name.as_bytes());
    if matches!(data, OnnxData::Raw) {
        bytes_field(&mut out, 9, &tensor.bytes);
    }
    out
}

/// Encodes a ModelProto whose graph has these initializer TensorProtos (already encoded).
pub(crate) fn onnx_model(initializers: &[Vec<u8>]) -> Vec<u8> {
    use pb::*;
    let mut graph = Vec::new();
    // A node, so that the graph has fields before the initializers.
    let mut node = Vec::new();
    bytes_field(&mut node, 1, b"x");
    bytes_field(&mut node, 2, b"y");
    bytes_field(&mut node, 4, b"Relu");
    bytes_field(&mut graph, 1, &node);
    bytes_field(&mut graph, 2, b"test-graph");
    for initializer in initializers {
        bytes_field(&mut graph, 5, initializer);
    }
    let mut model = Vec::new();
    varint_field(&mut model, 1, 8);
    bytes_field(&mut model, 2, b"ailedger-tests");
    let mut opset = Vec::new();
    bytes_field(&mut opset, 1, b"");
    varint_field(&mut opset, 2, 13);
    bytes_field(&mut model, 8, &opset);
    bytes_field(&mut model, 7, &graph);
    model
}

/// Writes an ONNX model whose initializers are `tensors`, each stored as `data`.
pub(crate) fn write_onnx(path: &Path, tensors: &[(TestTensor, OnnxData)]) {
    let initializers: Vec<Vec<u8>> = tensors.iter().map(|(t, d)| onnx_tensor(t, d)).collect();
    std::fs::write(path, onnx_model(&initializers)).unwrap();
}
