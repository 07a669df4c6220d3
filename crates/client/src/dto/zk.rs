//! Proofs of inference: a model version's proving identity and the inferences whose proofs the
//! chain verified, each answer with the height and state root it was read at and, when asked
//! for, the proof of the state value it was read from.
//!
//! Version 1 proofs hide neither the model's weights nor the input: nothing here is private.

use super::{ProvenState, ProvenValueView};
use crate::encoding::serde_with;
use ailedger_core::{Address, Hash};
use ailedger_state::zk::{Inference, ProvingIdentity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The proving identity attached to a model version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvingIdentityView {
    /// The model version.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub version: Hash,
    /// The version's model.
    pub model: String,
    /// The architecture descriptor (`ailedger-zkml` canonical encoding), hex.
    #[serde(with = "serde_with::bytes")]
    #[schema(value_type = String)]
    pub descriptor: Vec<u8>,
    /// The weight commitment's root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub weight_root: Hash,
    /// The commitment's parameters, hex.
    #[serde(with = "serde_with::bytes")]
    #[schema(value_type = String)]
    pub pcs_params: Vec<u8>,
    /// The proving identity.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub identity: Hash,
    /// Who attached it.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub registrant: Address,
    /// Height of the block that attached it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl From<&ProvingIdentity> for ProvingIdentityView {
    fn from(record: &ProvingIdentity) -> Self {
        Self {
            version: record.version,
            model: record.model.clone(),
            descriptor: record.descriptor.clone(),
            weight_root: record.weight_root,
            pcs_params: record.pcs_params.clone(),
            identity: record.identity,
            registrant: record.registrant.clone(),
            height: record.height,
            time_ms: record.time_ms,
        }
    }
}

/// An inference whose proof the chain verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InferenceView {
    /// Its id: SHA-256 over the version, the input digest and the output digest.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub id: Hash,
    /// The model version.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub version: Hash,
    /// The proving identity the proof was checked against.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub identity: Hash,
    /// SHA-256 of the int8 input bytes (the input itself is public, in the transaction).
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub input_digest: Hash,
    /// Number of input values.
    pub input_len: u32,
    /// The integer output.
    pub output: Vec<i64>,
    /// SHA-256 of the proof.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub proof_digest: Hash,
    /// Size of the proof, in bytes.
    pub proof_len: u32,
    /// The transaction that carried it.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub tx: Hash,
    /// Who submitted it.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub submitter: Address,
    /// Height of the block that recorded it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl From<&Inference> for InferenceView {
    fn from(record: &Inference) -> Self {
        Self {
            id: record.id,
            version: record.version,
            identity: record.identity,
            input_digest: record.input_digest,
            input_len: record.input_len,
            output: record.output.clone(),
            proof_digest: record.proof_digest,
            proof_len: record.proof_len,
            tx: record.tx,
            submitter: record.submitter.clone(),
            height: record.height,
            time_ms: record.time_ms,
        }
    }
}

/// `GET /v1/versions/{id}/proving-identity`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvingIdentityAnswer {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// The identity.
    pub identity: ProvingIdentityView,
    /// With `?proofs=true`: the state value read, with its proof against `state_root`.
    #[serde(default)]
    pub proofs: Option<Vec<ProvenValueView>>,
}

/// `GET /v1/inferences/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InferenceAnswer {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// The inference.
    pub inference: InferenceView,
    /// With `?proofs=true`: the state value read, with its proof against `state_root`.
    #[serde(default)]
    pub proofs: Option<Vec<ProvenValueView>>,
}

impl ProvingIdentityAnswer {
    /// The block height, state root and proofs, for verification.
    pub fn proven_state(&self) -> ProvenState<'_> {
        ProvenState {
            height: self.height,
            state_root: self.state_root,
            proofs: self.proofs.as_deref(),
        }
    }
}

impl InferenceAnswer {
    /// The block height, state root and proofs, for verification.
    pub fn proven_state(&self) -> ProvenState<'_> {
        ProvenState {
            height: self.height,
            state_root: self.state_root,
            proofs: self.proofs.as_deref(),
        }
    }
}
