//! Shared helpers: ONNX models built in code, and the project's shared model directory.

use std::path::{Path, PathBuf};

use ailedger_zkml::onnx::proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
};
use prost::Message;

/// `../shared/models` relative to the workspace root, if present.
pub(crate) fn shared_models() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

/// A float tensor constant.
pub(crate) fn float_tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 1,
        raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

/// An int8 tensor constant.
pub(crate) fn int8_tensor(name: &str, dims: &[i64], values: &[i8]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 3,
        raw_data: values.iter().map(|&v| v as u8).collect(),
        ..Default::default()
    }
}

/// An int32 tensor constant.
pub(crate) fn int32_tensor(name: &str, dims: &[i64], values: &[i32]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 6,
        int32_data: values.to_vec(),
        ..Default::default()
    }
}

/// An int64 tensor constant.
pub(crate) fn int64_tensor(name: &str, dims: &[i64], values: &[i64]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 7,
        int64_data: values.to_vec(),
        ..Default::default()
    }
}

pub(crate) fn node(
    op: &str,
    inputs: &[&str],
    output: &str,
    attrs: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| (*s).into()).collect(),
        output: vec![output.into()],
        name: format!("{op}_{output}"),
        op_type: op.into(),
        attribute: attrs,
        ..Default::default()
    }
}

pub(crate) fn ints(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 7,
        ints: values.to_vec(),
        ..Default::default()
    }
}

pub(crate) fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 2,
        i: value,
        ..Default::default()
    }
}

fn value_info(name: &str, dims: &[i64]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|&d| Dimension {
            dim_value: d,
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: 1,
                shape: Some(TensorShapeProto { dim }),
            }),
        }),
    }
}

/// Encodes a model with input `input`, output `output` and the given nodes and initializers.
pub(crate) fn model_bytes(
    input_dims: &[i64],
    output: &str,
    output_dims: &[i64],
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
) -> Vec<u8> {
    ModelProto {
        ir_version: 8,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        producer_name: "ailedger-zkml-tests".into(),
        graph: Some(GraphProto {
            node: nodes,
            name: "test".into(),
            initializer: initializers,
            input: vec![value_info("input", input_dims)],
            output: vec![value_info(output, output_dims)],
        }),
    }
    .encode_to_vec()
}

/// Deterministic pseudo-random floats in `[-scale, scale)` (a fixed LCG, so test models are the
/// same on every run and platform).
pub(crate) fn floats(seed: u64, n: usize, scale: f32) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

/// A float MLP `8 -> Gemm 6 -> Relu -> MatMul 3 -> Add`, built in code.
pub(crate) fn tiny_mlp() -> Vec<u8> {
    let w0 = floats(1, 6 * 8, 0.8);
    let b0 = floats(2, 6, 0.2);
    let w1 = floats(3, 6 * 3, 0.8);
    let b1 = floats(4, 3, 0.2);
    model_bytes(
        &[1, 8],
        "out",
        &[1, 3],
        vec![
            node("Gemm", &["input", "w0", "b0"], "h0", vec![int("transB", 1)]),
            node("Relu", &["h0"], "r0", vec![]),
            node("MatMul", &["r0", "w1"], "m1", vec![]),
            node("Add", &["m1", "b1"], "out", vec![]),
        ],
        vec![
            float_tensor("w0", &[6, 8], &w0),
            float_tensor("b0", &[6], &b0),
            float_tensor("w1", &[6, 3], &w1),
            float_tensor("b1", &[3], &b1),
        ],
    )
}

/// A float CNN `1x6x6 -> Conv 3x3 (2 ch, stride 1, pad 1) -> Relu -> MaxPool 2x2 -> Flatten ->
/// Gemm 4`, built in code.
pub(crate) fn tiny_cnn() -> Vec<u8> {
    let wc = floats(5, 2 * 9, 0.6);
    let bc = floats(6, 2, 0.1);
    let wg = floats(7, 4 * 18, 0.5);
    let bg = floats(8, 4, 0.1);
    model_bytes(
        &[1, 1, 6, 6],
        "out",
        &[1, 4],
        vec![
            node(
                "Conv",
                &["input", "wc", "bc"],
                "c",
                vec![
                    ints("kernel_shape", &[3, 3]),
                    ints("pads", &[1, 1, 1, 1]),
                    ints("strides", &[1, 1]),
                ],
            ),
            node("Relu", &["c"], "r", vec![]),
            node(
                "MaxPool",
                &["r"],
                "p",
                vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])],
            ),
            node("Flatten", &["p"], "f", vec![int("axis", 1)]),
            node("Gemm", &["f", "wg", "bg"], "out", vec![int("transB", 1)]),
        ],
        vec![
            float_tensor("wc", &[2, 1, 3, 3], &wc),
            float_tensor("bc", &[2], &bc),
            float_tensor("wg", &[4, 18], &wg),
            float_tensor("bg", &[4], &bg),
        ],
    )
}

/// Calibration samples for a model with `n` inputs.
pub(crate) fn calibration(n: usize) -> Vec<Vec<f32>> {
    (0..16).map(|seed| floats(100 + seed, n, 1.0)).collect()
}

/// A float CNN that exercises every windowed form the prover handles: `1x2x7x7 -> MaxPool 2x2
/// (stride 1) -> Conv 3x3 (3 ch, stride 2, pads [1, 0, 1, 1]) -> Relu -> MaxPool 2x2 (stride 1,
/// pads [1, 1, 0, 0]) -> Conv 2x2 (2 ch) -> Relu -> Flatten -> Gemm 5`, built in code.
pub(crate) fn deep_cnn() -> Vec<u8> {
    let wa = floats(11, 3 * 2 * 9, 0.5);
    let ba = floats(12, 3, 0.1);
    let wb = floats(13, 2 * 3 * 4, 0.5);
    let bb = floats(14, 2, 0.1);
    let wg = floats(15, 5 * 8, 0.5);
    let bg = floats(16, 5, 0.1);
    model_bytes(
        &[1, 2, 7, 7],
        "out",
        &[1, 5],
        vec![
            node(
                "MaxPool",
                &["input"],
                "p0",
                vec![ints("kernel_shape", &[2, 2])],
            ),
            node(
                "Conv",
                &["p0", "wa", "ba"],
                "c1",
                vec![
                    ints("kernel_shape", &[3, 3]),
                    ints("pads", &[1, 0, 1, 1]),
                    ints("strides", &[2, 2]),
                ],
            ),
            node("Relu", &["c1"], "r1", vec![]),
            node(
                "MaxPool",
                &["r1"],
                "p1",
                vec![ints("kernel_shape", &[2, 2]), ints("pads", &[1, 1, 0, 0])],
            ),
            node("Conv", &["p1", "wb", "bb"], "c2", vec![]),
            node("Relu", &["c2"], "r2", vec![]),
            node("Flatten", &["r2"], "f", vec![int("axis", 1)]),
            node("Gemm", &["f", "wg", "bg"], "out", vec![int("transB", 1)]),
        ],
        vec![
            float_tensor("wa", &[3, 2, 3, 3], &wa),
            float_tensor("ba", &[3], &ba),
            float_tensor("wb", &[2, 3, 2, 2], &wb),
            float_tensor("bb", &[2], &bb),
            float_tensor("wg", &[5, 8], &wg),
            float_tensor("bg", &[5], &bg),
        ],
    )
}
