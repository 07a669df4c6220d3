//! Integration tests of ailedger-artifacts: one binary, one module per area.

// Helpers outside `#[test]` functions (file writers, reference implementations) are test code
// too; clippy's `allow-unwrap-in-tests` only covers the test functions themselves.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod dataset;
mod fuzz;
mod merkle;
mod support;
mod weights;
mod writers;
