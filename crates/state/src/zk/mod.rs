//! Proofs of inference on the chain: a model version carries a proving identity, and a
//! transaction submits a proof that the version's model maps an input to an output; the chain
//! verifies it natively and records the verified inference.
//!
//! # Records
//!
//! - A [`ProvingIdentity`] is attached to a registered, non-revoked model version by its model's
//!   owner, once ([`ZkMsg::RegisterIdentity`]): the architecture descriptor (`ailedger-zkml`'s
//!   canonical encoding), the weight commitment's root, the commitment's parameters (derived from
//!   the descriptor) and the identity `BLAKE3(domain ‖ descriptor ‖ parameters ‖ root)`. The
//!   chain never sees the weights: anyone holding them recomputes the root and the identity.
//! - An [`Inference`] is recorded under [`inference_id`]`(version, input, output)` once a proof
//!   of it verifies ([`ZkMsg::SubmitProof`]): the version, the identity, the input's SHA-256 and
//!   length, the output, the proof's SHA-256 and length, the transaction, the submitter, the
//!   height and the time. The same inference is recorded once.
//!
//! # The input is public
//!
//! A proof is about a public int8 input that travels in the transaction (the state keeps its
//! digest). Version 1 proofs are sound but not zero-knowledge: they reveal linear information
//! about the weights, and the input is in the clear, so **nothing here hides the model or the
//! input**.
//!
//! # Verification
//!
//! The chain rebuilds the verifying key from the stored descriptor and root for every proof
//! (the circuit comes from the descriptor, never from the proof) and runs
//! `ailedger_zkml::verifier::verify` against the stored identity. The verifier is integer and
//! field arithmetic, BLAKE3 and a duplex sponge over Goldilocks: no floats, clocks, randomness or
//! unordered iteration, so every validator reaches the same verdict. A proof that fails is a
//! failed transaction with a precise code ([`error::proof_code`]); its fee, verification
//! included, is paid and nothing is recorded.
//!
//! # Bounds and gas
//!
//! Descriptors are at most [`MAX_DESCRIPTOR_LEN`] bytes and must describe a circuit with
//! committed tables of at most `2^`[`MAX_TABLE_VARS`] elements, at most
//! [`MAX_WINDOW_ENTRIES`] im2col and pooling-window entries, at most [`MAX_INPUT_LEN`]
//! inputs and [`MAX_OUTPUT_LEN`] outputs; proofs are at most [`MAX_PROOF_LEN`] bytes. These are
//! stateless checks: such a transaction never enters a block.
//!
//! Verification is charged by [`verify_gas`], a deterministic function of the descriptor's,
//! proof's, input's and output's sizes and of the circuit's im2col and pooling-window entries
//! (the constants were measured against the verifier's running time; see [`verify_gas`]),
//! before the proof is checked.
//!
//! # Events
//!
//! `identity_registered` and `inference_verified`. The module has nothing at genesis.

pub mod error;
mod execute;
mod msg;
pub mod query;
mod record;
pub mod state_key;
#[cfg(test)]
mod tests;

pub use error::{MsgError, ZkError, proof_code};
pub use execute::{
    DESCRIPTOR_BYTE_GAS, REGISTER_IDENTITY_GAS, SUBMIT_PROOF_GAS, VERIFY_BASE_GAS,
    VERIFY_PROOF_BYTE_GAS, VERIFY_VALUE_GAS, VERIFY_WINDOW_ENTRY_GAS, verify_gas,
};
pub use msg::{
    INFERENCE_ID_TAG, IdentitySpec, MAX_PROOF_LEN, MAX_TABLE_VARS, MAX_WINDOW_ENTRIES, ProofSpec,
    ZkMsg, inference_id, input_digest, output_digest, verifying_key,
};
pub use record::{
    Inference, MAX_DESCRIPTOR_LEN, MAX_INPUT_LEN, MAX_OUTPUT_LEN, MAX_PCS_PARAMS_LEN,
    ProvingIdentity,
};

use crate::{ExecError, Module, StateStore, TxContext, TxError, TxState};
use ailedger_core::{DecodeError, ModuleId};
use commonware_codec::{Copying, Decode};

/// The zk module.
#[derive(Debug, Clone, Copy)]
pub struct Zk;

impl Module for Zk {
    const NAME: &'static str = "zk";
    // 3 is the logs module's.
    const ID: ModuleId = ModuleId::new(4);
    type Msg = ZkMsg;

    fn decode(payload: &[u8]) -> Result<ZkMsg, DecodeError> {
        ZkMsg::decode_cfg(Copying(payload), &())
    }

    fn check(msg: &ZkMsg) -> Result<(), TxError> {
        msg.validate().map_err(|error| TxError::InvalidMessage {
            module: Self::NAME,
            reason: format!("{}: {error}", error.code()),
        })
    }

    fn execute<S: StateStore>(
        state: &mut TxState<'_, S>,
        ctx: &TxContext<'_>,
        msg: ZkMsg,
    ) -> impl Future<Output = Result<(), ExecError>> + Send {
        execute::execute(state, ctx, msg)
    }
}
