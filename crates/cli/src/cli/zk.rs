//! `ailedger zk ...`: proofs of inference. Version 1 proofs are sound but hide neither the
//! model's weights nor the input.

use super::{TxArgs, VersionRef, parse_hash_arg, provenance::parse_version_ref};
use ailedger_core::Hash;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `ailedger zk ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ZkCommand {
    /// Quantise an ONNX model to int8 and commit to its weights: prints the proving identity and
    /// writes the key directory `zk prove` and `zk register-identity` read.
    Commit(CommitArgs),
    /// Attach a key directory's proving identity to a registered model version (its model's
    /// owner only, once).
    RegisterIdentity(RegisterIdentityArgs),
    /// Run the quantised model on an input and prove the output.
    Prove(ProveArgs),
    /// Check a proof offline: exit 0 if it verifies, 3 if not.
    Verify(VerifyProofArgs),
    /// Submit a proof; the chain verifies it and records the inference.
    Submit(SubmitArgs),
    /// Show a verified inference, checked against a block's state root.
    Show {
        /// The inference id (64 hex digits), as `zk submit` prints it.
        #[arg(value_parser = parse_hash_arg)]
        id: Hash,
    },
}

/// `ailedger zk commit`.
#[derive(Debug, Args)]
pub(crate) struct CommitArgs {
    /// The ONNX model (float, QDQ or QLinear; a chain of Gemm/MatMul layers with ReLU).
    pub(crate) model: PathBuf,
    /// Calibration inputs for a float model, `{"input_data": [[...]]}` with samples back to back.
    #[arg(long, value_name = "CAL.json")]
    pub(crate) calibration: Option<PathBuf>,
    /// Where to write the key directory (descriptor, int8 weights, identity).
    #[arg(long, value_name = "KEY_DIR")]
    pub(crate) out: Option<PathBuf>,
}

/// `ailedger zk register-identity`.
#[derive(Debug, Args)]
pub(crate) struct RegisterIdentityArgs {
    /// The version: its id or MODEL@VERSION.
    #[arg(value_parser = parse_version_ref)]
    pub(crate) version: VersionRef,
    /// The key directory written by `zk commit`.
    #[arg(long, value_name = "KEY_DIR")]
    pub(crate) key: PathBuf,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// Where a model comes from: a key directory, or an ONNX file quantised again.
#[derive(Debug, Args)]
pub(crate) struct ModelSource {
    /// A key directory written by `zk commit`, or an ONNX model (quantised again, with
    /// --calibration for a float model).
    #[arg(long, value_name = "KEY_DIR|MODEL.onnx")]
    pub(crate) model: PathBuf,
    /// Calibration inputs when --model is a float ONNX model.
    #[arg(long, value_name = "CAL.json")]
    pub(crate) calibration: Option<PathBuf>,
}

/// `ailedger zk prove`.
#[derive(Debug, Args)]
pub(crate) struct ProveArgs {
    #[command(flatten)]
    pub(crate) source: ModelSource,
    /// The input, `{"input_data": [[...floats...]]}` (quantised with the model's input scale).
    #[arg(long, value_name = "INPUT.json")]
    pub(crate) input: PathBuf,
    /// Which sample of the input file, from 0.
    #[arg(long, default_value_t = 0)]
    pub(crate) sample: usize,
    /// Where to write the proof.
    #[arg(long, value_name = "PROOF")]
    pub(crate) out: PathBuf,
    /// Where to write the claimed output as JSON [default: PROOF.output.json].
    #[arg(long, value_name = "OUTPUT.json")]
    pub(crate) output: Option<PathBuf>,
}

/// `ailedger zk verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyProofArgs {
    /// A key directory written by `zk commit` (or an ONNX model, quantised and committed again).
    #[arg(
        long,
        value_name = "KEY_DIR|MODEL.onnx",
        conflicts_with = "version",
        required_unless_present = "version"
    )]
    pub(crate) model: Option<PathBuf>,
    /// Calibration inputs when --model is a float ONNX model.
    #[arg(long, value_name = "CAL.json")]
    pub(crate) calibration: Option<PathBuf>,
    /// Verify against the proving identity registered on the chain for this version (read from
    /// the node and checked against a block's state root): its id or MODEL@VERSION.
    #[arg(long, value_parser = parse_version_ref)]
    pub(crate) version: Option<VersionRef>,
    /// The input, `{"input_data": [[...]]}`.
    #[arg(long, value_name = "INPUT.json")]
    pub(crate) input: PathBuf,
    /// Which sample of the input file, from 0.
    #[arg(long, default_value_t = 0)]
    pub(crate) sample: usize,
    /// The claimed output, as `zk prove` wrote it [default: PROOF.output.json].
    #[arg(long, value_name = "OUTPUT.json")]
    pub(crate) output: Option<PathBuf>,
    /// The proof.
    #[arg(long, value_name = "PROOF")]
    pub(crate) proof: PathBuf,
}

/// `ailedger zk submit`.
#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// The version: its id or MODEL@VERSION.
    #[arg(value_parser = parse_version_ref)]
    pub(crate) version: VersionRef,
    /// The proof.
    #[arg(long, value_name = "PROOF")]
    pub(crate) proof: PathBuf,
    /// The input, `{"input_data": [[...]]}` (quantised with the registered model's input scale).
    #[arg(long, value_name = "INPUT.json")]
    pub(crate) input: PathBuf,
    /// Which sample of the input file, from 0.
    #[arg(long, default_value_t = 0)]
    pub(crate) sample: usize,
    /// The claimed output, as `zk prove` wrote it [default: PROOF.output.json].
    #[arg(long, value_name = "OUTPUT.json")]
    pub(crate) output: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}
