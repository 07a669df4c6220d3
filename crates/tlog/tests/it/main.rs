//! Integration tests of ailedger-tlog: one binary, one module per area.

// Helpers outside `#[test]` functions (reference trees, child processes) are test code too;
// clippy's `allow-unwrap-in-tests` only covers the test functions themselves.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod bad_input;
mod checkpoints;
mod crash;
mod fuzz;
mod go_interop;
mod proofs;
mod storage;
mod support;
