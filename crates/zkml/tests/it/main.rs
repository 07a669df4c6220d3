//! Integration tests of ailedger-zkml: one binary, one module per area.

// Helpers outside `#[test]` functions (model builders) are test code too; clippy's
// `allow-unwrap-in-tests` only covers the test functions themselves.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod arch;
mod batch;
mod exec;
mod fuzz;
mod onnx;
mod pcs;
mod prove;
mod prove_cnn;
mod shared_models;
mod sumcheck;
mod support;
