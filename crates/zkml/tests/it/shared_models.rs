//! The project's shared ONNX models: import, calibrate, run, and compare with the float model and
//! with the float logits stored next to them.

use std::fs;

use ailedger_zkml::onnx::import;
use ailedger_zkml::quantise::quantise;
use ailedger_zkml::{exec, input, npz, report};

use crate::support::shared_models;

struct Expect {
    name: &'static str,
    /// Least fraction of test inputs on which both models pick the same class.
    min_agreement: f64,
}

const MODELS: [Expect; 3] = [
    Expect {
        name: "digits-mlp",
        min_agreement: 0.97,
    },
    Expect {
        name: "small-cnn",
        min_agreement: 0.97,
    },
    Expect {
        name: "mnist-size-mlp",
        min_agreement: 0.90,
    },
];

#[test]
fn shared_models_quantise_close_to_their_float_logits() {
    let Some(dir) = shared_models() else { return };
    for expect in MODELS {
        let name = expect.name;
        let graph = import(&fs::read(dir.join(format!("{name}.onnx"))).unwrap()).unwrap();
        let n = graph.input_len();
        let cal = input::parse_samples(&fs::read(dir.join(format!("{name}.cal.json"))).unwrap(), n)
            .unwrap();
        assert_eq!(cal.len(), 20);
        let model = quantise(&graph, &cal).unwrap();

        let sample = input::parse_samples(
            &fs::read(dir.join(format!("{name}.input.json"))).unwrap(),
            n,
        )
        .unwrap();
        let trace = exec::run(&model, &model.arch().quantise_input(&sample[0])).unwrap();
        assert_eq!(trace.output().len(), 10);

        let test = npz::read_npz(&fs::read(dir.join(format!("{name}.test.npz"))).unwrap()).unwrap();
        let x = &test["X"];
        let logits = &test["logits"];
        let n_test = x.shape[0];
        assert_eq!(x.values.len(), n_test * n);
        let inputs: Vec<Vec<f32>> = x
            .values
            .chunks_exact(n)
            .map(|c| c.iter().map(|&v| v as f32).collect())
            .collect();
        // The float executor reproduces the stored reference logits.
        for (input, reference) in inputs.iter().zip(logits.values.chunks_exact(10)).take(50) {
            let ours = graph.run_float(input);
            for (a, b) in ours.iter().zip(reference) {
                assert!(
                    (a - b).abs() < 1e-4,
                    "{name}: float logit {a} vs reference {b}"
                );
            }
        }
        let labels: Option<Vec<usize>> = test
            .get("y")
            .filter(|y| y.values.len() == n_test)
            .map(|y| y.values.iter().map(|&v| v as usize).collect());
        let report = report::compare(&model, &graph, &inputs, labels.as_deref()).unwrap();
        eprintln!("{name}: {report:?}");
        let agreement = report.argmax_agreement as f64 / n_test as f64;
        assert!(agreement >= expect.min_agreement, "{name}: {report:?}");
        if let (Some(f), Some(q)) = (report.float_correct, report.quantised_correct) {
            assert!(
                q + n_test / 50 >= f,
                "{name}: accuracy fell from {f} to {q}"
            );
        }
    }
}
