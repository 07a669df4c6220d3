//! Proofs of inference for small quantised neural networks.
//!
//! # Pipeline
//!
//! - [`onnx::import`] reads an ONNX file into a [`graph::Graph`], a chain of supported operators
//!   (float, QDQ or QLinear forms).
//! - [`quantise::quantise`] turns it into a [`quantise::QuantModel`]: symmetric per-tensor int8
//!   weights and activations, int32 biases, integer requantisation. Its [`arch::Arch`] descriptor
//!   (canonical, versioned encoding) is what the verifier will rebuild the circuit from.
//! - [`exec::run`] is the bit-exact integer reference executor; its [`exec::Trace`] is the prover's
//!   witness. [`report::compare`] measures the quantised model against the float one.
//! - [`field`], [`transcript`], [`mle`], [`sumcheck`] and [`matmul`] are the proof system's core:
//!   Goldilocks with challenges in its degree-2 extension, one duplex-sponge Fiat–Shamir
//!   transcript, and the sumcheck that reduces a claim on a linear layer's output to claims on
//!   its weights and its input.
//!
//! # Proofs of inference
//!
//! - [`key::ProvingKey::new`] commits to every weight and bias in one table ([`pcs`], laid out by
//!   [`layout`] from the [`circuit`] the descriptor determines); the
//!   [`key::VerifyingKey::identity`] is the model's proving identity.
//! - [`prover::prove`] runs the model and proves the output: matmul sumchecks per Dense layer,
//!   im2col sumchecks per convolution ([`conv`]), difference and product checks per max pool
//!   ([`pool`]), the requantisation/clamp gadget ([`circuit`]), LogUp-GKR range checks
//!   ([`logup`]), and one batched opening each of the weight commitment and of the
//!   per-inference witness commitment.
//! - [`verifier::verify`] rebuilds the circuit from the descriptor and checks a proof read
//!   message by message from its versioned binary form ([`proof`], [`channel`]).
//! - [`prover::prove_batch`] and [`verifier::verify_batch`] do the same for many inferences in
//!   one proof: the samples are stacked in every witness slot, each stage is checked once on
//!   the batch folded at a random sample point, and the weights are opened once.
//! - [`soundness::report`] counts the soundness of every component (at least 100 bits each).
//!
//! # Status
//!
//! The prover handles chains of Gemm/MatMul and Conv (strides, padding) layers with fused
//! requantisation and ReLU/clamp, max pools over int8 activations, and Flatten/Reshape (the
//! shared MLPs and CNN). A ReLU that is not fused into a requantisation, and anything after the
//! last linear layer, are refused with a "not yet supported by the prover" error. Proofs are
//! sound but not zero-knowledge: they reveal linear information about the weights and the
//! activations, so nothing here hides the model or the input.
//!
//! This crate knows nothing about the chain and does no I/O.

pub mod arch;
pub mod channel;
pub mod circuit;
pub mod conv;
pub mod exec;
pub mod field;
pub mod geometry;
pub mod graph;
pub mod input;
pub mod key;
pub mod layout;
pub mod logup;
pub mod matmul;
pub mod mle;
pub mod npz;
pub mod onnx;
pub mod pcs;
pub mod pool;
pub mod proof;
pub mod prover;
pub mod quantise;
pub mod report;
pub mod soundness;
pub mod sumcheck;
pub mod transcript;
pub mod verifier;
