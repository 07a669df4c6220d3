//! Times the matmul sumcheck on every linear layer of a shared model (import, quantise, execute,
//! then prove and verify each layer's claim) and prints one line per layer.
//!
//! ```sh
//! cargo run --release -p ailedger-zkml --example matmul_sumcheck -- ../shared/models/mnist-size-mlp
//! ```
//!
//! The argument is a path without extension; `<path>.onnx`, `<path>.cal.json` and
//! `<path>.input.json` must exist. Only the linear-layer sumchecks are timed: the requantisation
//! lookups and the weight-commitment opening that a full proof also needs are not built yet.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use ailedger_zkml::arch::Layer;
use ailedger_zkml::exec::{self, LayerTrace};
use ailedger_zkml::matmul::{self, MatmulProof, MatmulShape};
use ailedger_zkml::mle::{evaluate_base, n_vars, padded, padded_matrix};
use ailedger_zkml::transcript::Transcript;
use ailedger_zkml::{input, onnx, quantise};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .ok_or("usage: matmul_sumcheck PATH_WITHOUT_EXTENSION")?;
    let graph = onnx::import(&std::fs::read(format!("{base}.onnx"))?)?;
    let n = graph.input_len();
    let cal = input::parse_samples(&std::fs::read(format!("{base}.cal.json"))?, n)?;
    let sample = input::parse_samples(&std::fs::read(format!("{base}.input.json"))?, n)?;
    let model = quantise::quantise(&graph, &cal)?;
    let start = Instant::now();
    let trace = exec::run(&model, &model.arch().quantise_input(&sample[0]))?;
    println!("execute: {:.3} ms", start.elapsed().as_secs_f64() * 1e3);

    let mut weights = model.weights().iter();
    for (idx, layer) in model.arch().layers().iter().enumerate() {
        let Layer::Dense {
            in_dim, out_dim, ..
        } = layer
        else {
            if layer.is_linear() {
                weights.next();
                println!("layer {idx}: Conv (not timed: needs the im2col reduction)");
            }
            continue;
        };
        let w = weights.next().ok_or("missing weights")?;
        let LayerTrace::Linear { accumulator, .. } = &trace.layers[idx] else {
            continue;
        };
        let shape = MatmulShape {
            row_vars: n_vars(*out_dim),
            col_vars: n_vars(*in_dim),
        };
        let w_ints: Vec<i64> = w.weight.iter().map(|&v| i64::from(v)).collect();
        let weight = padded_matrix(&w_ints, *out_dim, *in_dim, shape.row_vars, shape.col_vars);
        let bias = padded(
            &w.bias.iter().map(|&b| i64::from(b)).collect::<Vec<_>>(),
            shape.row_vars,
        );
        let input = padded(trace.layer_input(idx), shape.col_vars);
        let output = padded(accumulator, shape.row_vars);

        let begin = |transcript: &mut Transcript| {
            transcript.absorb_base(b"output", &output);
            let r_o = transcript.challenges(b"output point", shape.row_vars);
            let claim = evaluate_base(&output, &r_o);
            (r_o, claim)
        };
        let label = format!("matmul/{idx}");
        let start = Instant::now();
        let mut transcript = Transcript::new();
        let (r_o, _) = begin(&mut transcript);
        let (proof, _) = matmul::prove(
            &mut transcript,
            label.as_bytes(),
            shape,
            &weight,
            &bias,
            &input,
            &r_o,
        );
        let prove = start.elapsed();
        let bytes = proof.encode();

        let start = Instant::now();
        let decoded = MatmulProof::decode(&bytes, shape)?;
        let mut transcript = Transcript::new();
        let (r_o, claim) = begin(&mut transcript);
        matmul::verify(
            &mut transcript,
            label.as_bytes(),
            shape,
            &r_o,
            claim,
            &decoded,
        )?;
        let verify = start.elapsed();
        println!(
            "layer {idx}: Dense {in_dim}->{out_dim} (2^{}x2^{}): prove {:.3} ms, verify {:.3} ms, {} bytes",
            shape.row_vars,
            shape.col_vars,
            prove.as_secs_f64() * 1e3,
            verify.as_secs_f64() * 1e3,
            bytes.len()
        );
    }
    Ok(())
}
