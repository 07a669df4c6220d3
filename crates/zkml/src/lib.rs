//! Proofs of inference for small quantised neural networks.
//!
//! A model is imported from ONNX ([`onnx::import`]), quantised to int8 with per-tensor scales
//! ([`quantise`]), and run by a bit-exact integer executor whose trace is the prover's witness.
//!
//! Version 1 proofs are sound but not zero-knowledge: they reveal linear information about the
//! weights and the activations, so nothing here hides the model or the input.

pub mod arch;
pub mod exec;
pub mod field;
pub mod geometry;
pub mod graph;
pub mod input;
pub mod matmul;
pub mod mle;
pub mod npz;
pub mod onnx;
pub mod quantise;
pub mod report;
pub mod sumcheck;
pub mod transcript;
