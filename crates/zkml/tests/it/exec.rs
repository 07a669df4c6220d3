//! Quantisation and the integer executor.

use ailedger_zkml::arch::Requant;
use ailedger_zkml::exec::{self, LayerTrace};
use ailedger_zkml::geometry::ConvGeometry;
use ailedger_zkml::onnx::import;
use ailedger_zkml::quantise::{QuantiseError, quantise};
use ailedger_zkml::report;

use crate::support::*;

#[test]
fn requant_rounds_half_up_and_keeps_the_remainder_in_range() {
    // multiplier / 2^shift = 0.5
    let half = Requant {
        multiplier: 1 << 30,
        shift: 31,
        min: -128,
        max: 127,
    };
    for (acc, quotient) in [(3, 2), (-3, -1), (5, 3), (-5, -2), (0, 0), (1, 1), (-1, 0)] {
        let (q, r, y) = half.apply(acc);
        assert_eq!(q, quotient, "acc {acc}");
        assert!((0..1 << 31).contains(&r));
        assert_eq!(acc * (1 << 30) + (1 << 30), q * (1 << 31) + r, "acc {acc}");
        assert_eq!(y, q);
    }
    let (q, _, y) = half.apply(1000);
    assert_eq!((q, y), (500, 127), "saturates");
    let relu = Requant { min: 0, ..half };
    assert_eq!(relu.apply(-9).2, 0);
}

#[test]
fn conv_geometry_matches_a_hand_computed_padded_strided_example() {
    // 1x3x3 input 1..9, one 2x2 kernel of ones, stride 2, padding 1 on every side.
    let geometry = ConvGeometry {
        input: [1, 3, 3],
        c_out: 1,
        kernel: [2, 2],
        stride: [2, 2],
        pads: [1, 1, 1, 1],
    };
    assert_eq!(geometry.output(), Some([1, 2, 2]));
    let x: Vec<i64> = (1..=9).collect();
    let out = geometry.apply(&[1i8; 4], &x, 0i64, |w, v| i64::from(w) * v);
    // Windows: {1}, {2,3}, {4,7}, {5,6,8,9}.
    assert_eq!(out, vec![1, 5, 11, 28]);
}

#[test]
fn quantised_mlp_tracks_the_float_model() {
    let graph = import(&tiny_mlp()).unwrap();
    let model = quantise(&graph, &calibration(8)).unwrap();
    let inputs: Vec<Vec<f32>> = (0..50).map(|s| floats(500 + s, 8, 1.0)).collect();
    let report = report::compare(&model, &graph, &inputs, None).unwrap();
    assert_eq!(report.n_inputs, 50);
    // Test inputs can exceed the 16 calibration samples' ranges and saturate a hidden
    // activation, so single outputs may be off by more than the mean suggests.
    assert!(
        report.mean_abs_error < 0.01 * report.max_abs_output,
        "{report:?}"
    );
    assert!(
        report.max_abs_error < 0.15 * report.max_abs_output,
        "{report:?}"
    );
    assert!(report.argmax_agreement >= 45, "{report:?}");
}

#[test]
fn quantised_cnn_tracks_the_float_model() {
    let graph = import(&tiny_cnn()).unwrap();
    let model = quantise(&graph, &calibration(36)).unwrap();
    let inputs: Vec<Vec<f32>> = (0..30).map(|s| floats(900 + s, 36, 1.0)).collect();
    let report = report::compare(&model, &graph, &inputs, None).unwrap();
    assert!(
        report.max_abs_error < 0.05 * report.max_abs_output,
        "{report:?}"
    );
}

#[test]
fn trace_is_consistent_layer_by_layer() {
    let graph = import(&tiny_cnn()).unwrap();
    let model = quantise(&graph, &calibration(36)).unwrap();
    let input = model.arch().quantise_input(&floats(77, 36, 1.0));
    let trace = exec::run(&model, &input).unwrap();
    assert_eq!(trace.layers.len(), model.arch().layers().len());
    for (idx, layer) in trace.layers.iter().enumerate() {
        if let LayerTrace::Linear {
            accumulator,
            requant: Some(rq),
            output,
        } = layer
        {
            let requant = model.arch().layers()[idx].requant().unwrap();
            for i in 0..accumulator.len() {
                let t = accumulator[i] * i64::from(requant.multiplier) + (1 << (requant.shift - 1));
                assert_eq!(t, rq.quotient[i] * (1 << requant.shift) + rq.remainder[i]);
                assert!(rq.remainder[i] >= 0 && rq.remainder[i] < 1 << requant.shift);
                assert_eq!(
                    output[i],
                    rq.quotient[i].clamp(requant.min.into(), requant.max.into())
                );
                assert!(
                    (0..=127).contains(&output[i]),
                    "fused ReLU clamps to [0, 127]"
                );
            }
        }
        if let LayerTrace::MaxPool { output, argmax } = layer {
            let x = trace.layer_input(idx);
            assert!(output.iter().zip(argmax).all(|(&y, &i)| x[i] == y));
        }
    }
    assert_eq!(trace.output().len(), 4);
    assert_eq!(exec::run(&model, &input).unwrap(), trace, "deterministic");
}

#[test]
fn wrong_input_length_and_missing_calibration_are_errors() {
    let graph = import(&tiny_mlp()).unwrap();
    assert!(matches!(
        quantise(&graph, &[]),
        Err(QuantiseError::NeedCalibration)
    ));
    assert!(matches!(
        quantise(&graph, &[vec![0.0; 7]]),
        Err(QuantiseError::InputLength { .. })
    ));
    let model = quantise(&graph, &calibration(8)).unwrap();
    assert!(exec::run(&model, &[0; 9]).is_err());
}

#[test]
fn input_json_in_the_ezkl_shape_parses_into_samples() {
    let samples =
        ailedger_zkml::input::parse_samples(br#"{"input_data": [[1, 2, 3, 4]]}"#, 2).unwrap();
    assert_eq!(samples, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
    assert!(ailedger_zkml::input::parse_samples(br#"{"input_data": [[1, 2, 3]]}"#, 2).is_err());
    assert!(ailedger_zkml::input::parse_samples(br#"{"input_data": [[1], [2]]}"#, 1).is_err());
}
