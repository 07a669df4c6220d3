//! ONNX import: supported forms, unsupported operators, malformed and truncated files.

use ailedger_zkml::graph::Op;
use ailedger_zkml::onnx::{OnnxError, import};
use ailedger_zkml::quantise::quantise;

use crate::support::*;

#[test]
fn float_mlp_imports_as_dense_relu_dense_with_folded_bias() {
    let graph = import(&tiny_mlp()).unwrap();
    assert_eq!(graph.input_shape, vec![1, 8]);
    let [Op::Dense(first), Op::Relu, Op::Dense(second)] = graph.ops.as_slice() else {
        panic!("unexpected ops {:?}", graph.ops);
    };
    assert_eq!((first.in_dim, first.out_dim), (8, 6));
    assert_eq!((second.in_dim, second.out_dim), (6, 3));
    // MatMul weights [6, 3] are stored transposed as [out, in].
    let w1 = floats(3, 18, 0.8);
    assert_eq!(second.weight.values[1], w1[3]);
    assert_eq!(second.bias.as_ref().unwrap().values, floats(4, 3, 0.2));
}

#[test]
fn float_cnn_imports_conv_pool_flatten_gemm() {
    let graph = import(&tiny_cnn()).unwrap();
    let kinds: Vec<&str> = graph
        .ops
        .iter()
        .map(|op| match op {
            Op::Dense(_) => "dense",
            Op::Conv(_) => "conv",
            Op::Relu => "relu",
            Op::MaxPool(_) => "maxpool",
            Op::Reshape(_) => "reshape",
            Op::Scale(_) => "scale",
        })
        .collect();
    assert_eq!(kinds, ["conv", "relu", "maxpool", "reshape", "dense"]);
    let Op::Conv(conv) = &graph.ops[0] else {
        unreachable!()
    };
    assert_eq!(conv.geometry.output(), Some([2, 6, 6]));
}

#[test]
fn unsupported_operator_is_named() {
    let bytes = model_bytes(
        &[1, 4],
        "s",
        &[1, 4],
        vec![node("Sigmoid", &["input"], "s", vec![])],
        vec![],
    );
    match import(&bytes) {
        Err(OnnxError::UnsupportedOp { op_type, node, .. }) => {
            assert_eq!(op_type, "Sigmoid");
            assert_eq!(node, "Sigmoid_s");
        }
        other => panic!("expected UnsupportedOp, got {other:?}"),
    }
    let message = import(&bytes).unwrap_err().to_string();
    assert!(message.contains("Sigmoid"), "{message}");
}

#[test]
fn unsupported_attribute_values_are_refused() {
    let w = float_tensor("w", &[2, 1, 2, 2], &floats(1, 8, 1.0));
    let conv = |attrs| {
        model_bytes(
            &[1, 1, 4, 4],
            "c",
            &[1, 2, 3, 3],
            vec![node("Conv", &["input", "w"], "c", attrs)],
            vec![w.clone()],
        )
    };
    for (attrs, needle) in [
        (vec![int("group", 2)], "grouped"),
        (vec![ints("dilations", &[2, 2])], "dilations"),
        (vec![int("bogus", 1)], "bogus"),
    ] {
        let message = import(&conv(attrs)).unwrap_err().to_string();
        assert!(message.contains(needle), "{message}");
    }
    assert!(import(&conv(vec![])).is_ok());
}

#[test]
fn a_graph_that_is_not_a_chain_is_refused() {
    // h = Gemm(input); out = Add(h, input): a residual connection.
    let bytes = model_bytes(
        &[1, 2],
        "out",
        &[1, 2],
        vec![
            node("Gemm", &["input", "w"], "h", vec![]),
            node("Add", &["h", "input"], "out", vec![]),
        ],
        vec![float_tensor("w", &[2, 2], &[1.0, 0.0, 0.0, 1.0])],
    );
    let message = import(&bytes).unwrap_err().to_string();
    assert!(
        message.contains("neither the running activation nor a constant"),
        "{message}"
    );
}

#[test]
fn every_truncation_of_a_valid_model_is_an_error() {
    let bytes = tiny_cnn();
    for len in 0..bytes.len() {
        assert!(
            import(&bytes[..len]).is_err(),
            "truncation to {len} bytes was accepted"
        );
    }
    assert!(import(&bytes).is_ok());
}

#[test]
fn garbage_and_corrupt_payloads_are_errors() {
    assert!(matches!(
        import(b"definitely not onnx"),
        Err(OnnxError::Decode(_))
    ));
    assert!(import(&[]).is_err());
    // A weight tensor whose payload is shorter than its dimensions say.
    let mut short = float_tensor("w", &[2, 2], &[1.0, 2.0, 3.0, 4.0]);
    short.raw_data.truncate(12);
    let bytes = model_bytes(
        &[1, 2],
        "h",
        &[1, 2],
        vec![node("Gemm", &["input", "w"], "h", vec![])],
        vec![short],
    );
    let message = import(&bytes).unwrap_err().to_string();
    assert!(message.contains("dimensions [2, 2]"), "{message}");
    // NaN weights.
    let nan = float_tensor("w", &[2, 2], &[1.0, f32::NAN, 3.0, 4.0]);
    let bytes = model_bytes(
        &[1, 2],
        "h",
        &[1, 2],
        vec![node("Gemm", &["input", "w"], "h", vec![])],
        vec![nan],
    );
    assert!(import(&bytes).unwrap_err().to_string().contains("NaN"));
    // Weights that do not fit the input.
    let wide = float_tensor("w", &[3, 2], &[0.0; 6]);
    let bytes = model_bytes(
        &[1, 2],
        "h",
        &[1, 2],
        vec![node("Gemm", &["input", "w"], "h", vec![])],
        vec![wide],
    );
    assert!(import(&bytes).is_err());
}

#[test]
fn flipped_bytes_never_panic() {
    let bytes = tiny_mlp();
    for idx in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut corrupt = bytes.clone();
            corrupt[idx] ^= bit;
            // Either a clear error or a (different) valid model; never a panic.
            let _ = import(&corrupt);
        }
    }
}

/// Input → QuantizeLinear → DequantizeLinear → Gemm(DQ(int8 W), DQ(int32 b)) → Relu →
/// QuantizeLinear → DequantizeLinear → Gemm(DQ(int8 W2)).
fn qdq_model() -> Vec<u8> {
    let w0: Vec<i8> = (0..12).map(|i| (i * 17 % 255 - 127) as i8).collect();
    let w1: Vec<i8> = (0..6).map(|i| (i * 29 % 200 - 100) as i8).collect();
    model_bytes(
        &[1, 4],
        "out",
        &[1, 2],
        vec![
            node("QuantizeLinear", &["input", "s_in", "zp"], "xq", vec![]),
            node("DequantizeLinear", &["xq", "s_in", "zp"], "x", vec![]),
            node("DequantizeLinear", &["w0q", "s_w0"], "w0", vec![]),
            node("DequantizeLinear", &["b0q", "s_b0"], "b0", vec![]),
            node("Gemm", &["x", "w0", "b0"], "h", vec![int("transB", 1)]),
            node("Relu", &["h"], "r", vec![]),
            node("QuantizeLinear", &["r", "s_h", "zp"], "rq", vec![]),
            node("DequantizeLinear", &["rq", "s_h", "zp"], "rd", vec![]),
            node("DequantizeLinear", &["w1q", "s_w1"], "w1", vec![]),
            node("Gemm", &["rd", "w1"], "out", vec![int("transB", 1)]),
        ],
        vec![
            float_tensor("s_in", &[], &[1.0 / 127.0]),
            int8_tensor("zp", &[], &[0]),
            int8_tensor("w0q", &[3, 4], &w0),
            float_tensor("s_w0", &[], &[0.01]),
            int32_tensor("b0q", &[3], &[100, -50, 7]),
            float_tensor("s_b0", &[], &[0.01 / 127.0]),
            float_tensor("s_h", &[], &[0.02]),
            int8_tensor("w1q", &[2, 3], &w1),
            float_tensor("s_w1", &[], &[0.005]),
        ],
    )
}

#[test]
fn qdq_model_keeps_its_integers_and_needs_no_calibration() {
    let graph = import(&qdq_model()).unwrap();
    let model = quantise(&graph, &[]).unwrap();
    let expected: Vec<i8> = (0..12).map(|i| (i * 17 % 255 - 127) as i8).collect();
    assert_eq!(model.weights()[0].weight, expected);
    assert_eq!(model.weights()[0].bias, vec![100, -50, 7]);
    assert_eq!(model.arch().input_scale(), 1.0 / 127.0);
    let requant = model.arch().layers()[0].requant().unwrap();
    assert_eq!(requant.min, 0, "the ReLU is fused into the clamp");
    // multiplier / 2^shift approximates s_in * s_w / s_h.
    let ratio = f64::from(requant.multiplier) / 2f64.powi(i32::from(requant.shift));
    let expected_ratio = f64::from(1.0f32 / 127.0) * f64::from(0.01f32) / f64::from(0.02f32);
    assert!(
        (ratio / expected_ratio - 1.0).abs() < 1e-8,
        "{ratio} vs {expected_ratio}"
    );
}

#[test]
fn qlinear_matmul_model_imports_with_pinned_scales() {
    let w: Vec<i8> = vec![10, -20, 30, -40, 50, -60];
    let bytes = model_bytes(
        &[1, 3],
        "out",
        &[1, 2],
        vec![
            node("QuantizeLinear", &["input", "s_in", "zp"], "xq", vec![]),
            node(
                "QLinearMatMul",
                &["xq", "s_in", "zp", "w", "s_w", "zp", "s_out", "zp"],
                "yq",
                vec![],
            ),
            node("DequantizeLinear", &["yq", "s_out", "zp"], "out", vec![]),
        ],
        vec![
            float_tensor("s_in", &[], &[0.01]),
            int8_tensor("zp", &[], &[0]),
            int8_tensor("w", &[3, 2], &w),
            float_tensor("s_w", &[], &[0.02]),
            float_tensor("s_out", &[], &[0.05]),
        ],
    );
    let graph = import(&bytes).unwrap();
    let model = quantise(&graph, &[]).unwrap();
    // [in, out] weights become [out, in].
    assert_eq!(model.weights()[0].weight, vec![10, 30, 50, -20, -40, -60]);
    // The single linear layer is the last: its accumulators are the output, at s_in * s_w.
    let scale = model.arch().output_scale();
    assert!((f64::from(scale) - 0.0002).abs() < 1e-9, "{scale}");
}

#[test]
fn asymmetric_quantisation_is_refused_by_name() {
    let bytes = model_bytes(
        &[1, 2],
        "x",
        &[1, 2],
        vec![node("QuantizeLinear", &["input", "s", "zp"], "x", vec![])],
        vec![float_tensor("s", &[], &[0.1]), int8_tensor("zp", &[], &[3])],
    );
    let message = import(&bytes).unwrap_err().to_string();
    assert!(message.contains("symmetric int8"), "{message}");
}

#[test]
fn reshape_with_inferred_dimension_and_constant_node() {
    let bytes = model_bytes(
        &[1, 2, 2, 2],
        "out",
        &[1, 2],
        vec![
            node(
                "Constant",
                &[],
                "shape",
                vec![ailedger_zkml::onnx::proto::AttributeProto {
                    name: "value".into(),
                    r#type: 4,
                    t: Some(int64_tensor("", &[2], &[1, -1])),
                    ..Default::default()
                }],
            ),
            node("Reshape", &["input", "shape"], "flat", vec![]),
            node("MatMul", &["flat", "w"], "out", vec![]),
        ],
        vec![float_tensor("w", &[8, 2], &floats(9, 16, 1.0))],
    );
    let graph = import(&bytes).unwrap();
    assert_eq!(graph.ops[0], Op::Reshape(vec![1, 8]));
}

#[test]
fn qlinear_conv_model_keeps_its_integer_weights_and_bias() {
    let bytes = model_bytes(
        &[1, 1, 3, 3],
        "out",
        &[1, 2, 2, 2],
        vec![
            node("QuantizeLinear", &["input", "s_in", "zp"], "xq", vec![]),
            node(
                "QLinearConv",
                &["xq", "s_in", "zp", "w", "s_w", "zp", "s_out", "zp", "b"],
                "yq",
                vec![ints("kernel_shape", &[2, 2]), ints("strides", &[1, 1])],
            ),
            node("DequantizeLinear", &["yq", "s_out", "zp"], "out", vec![]),
        ],
        vec![
            float_tensor("s_in", &[], &[0.01]),
            int8_tensor("zp", &[], &[0]),
            int8_tensor("w", &[2, 1, 2, 2], &[1, -2, 3, -4, 5, -6, 7, -8]),
            float_tensor("s_w", &[], &[0.1]),
            int32_tensor("b", &[2], &[40, -40]),
            float_tensor("s_out", &[], &[0.05]),
        ],
    );
    let graph = import(&bytes).unwrap();
    let model = quantise(&graph, &[]).unwrap();
    assert_eq!(model.weights()[0].weight, vec![1, -2, 3, -4, 5, -6, 7, -8]);
    assert_eq!(model.weights()[0].bias, vec![40, -40]);
    // A 1x3x3 input of ones (integers 100 at scale 0.01) through the first kernel:
    // 100 * (1 - 2 + 3 - 4) + 40 = -160 at every position.
    let trace = ailedger_zkml::exec::run(&model, &[100; 9]).unwrap();
    assert_eq!(&trace.output()[..4], &[-160; 4]);
    assert_eq!(&trace.output()[4..], &[100 * (5 - 6 + 7 - 8) - 40; 4]);
}
