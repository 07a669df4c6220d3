//! Provenance: datasets, models, model versions, their lineage and their licences.
//!
//! # Records
//!
//! - A [`Dataset`] is registered under its Merkle root (content-addressed: a root is registered
//!   once), with its manifest digest, size, licence, source and source category, modality,
//!   collection period, contributors and consent or opt-out evidence.
//! - A [`Model`] is a name, owned by whoever registered it first (its publisher) until a
//!   [`ProvenanceMsg::TransferModel`]. Only the owner adds versions and changes their status.
//! - A [`ModelVersion`] has the id [`version_id`]`(model, version)`, file digests, a per-tensor
//!   root, an architecture digest, its parents with their [`Relation`], the datasets it was
//!   trained on, an optional [`TrainingRun`] and a licence. The record never changes; its
//!   [`VersionStatus`] (active, deprecated, revoked) lives in a small [`VersionHead`] beside it.
//! - Licences are stored as a canonical SPDX expression and the string given ([`Licence`]; see
//!   [`licence`]).
//!
//! # Lineage
//!
//! A version's parents and datasets must be registered before it, and a version id can be
//! registered only once, so every parent edge points to an older version: **a lineage cycle
//! is impossible by construction**. A revoked version cannot become a parent
//! ([`ProvenanceError::ParentRevoked`]); a deprecated one can, with a `deprecated_parent` event.
//!
//! For downstream queries the state keeps reverse edges as lists of ids, paged
//! ([`PAGE_SIZE`] ids a page, see [`state_key`]) so that appending rewrites one small page,
//! however many children a popular dataset or base model has.
//!
//! # Gas
//!
//! Reads and writes are metered per byte by [`TxState`]; each registration also
//! pays a base charge ([`REGISTER_DATASET_GAS`], [`REGISTER_MODEL_GAS`],
//! [`REGISTER_VERSION_GAS`] plus [`LINK_GAS`] per parent and dataset). A version with 1,000 file
//! digests costs about 1.5 million gas (a small one about 80,000), well within the default
//! block gas limit of a billion.
//!
//! # Events
//!
//! `dataset_registered`, `model_registered`, `version_registered` (plus one `derived_from` per
//! parent, one `trained_on` per dataset and `deprecated_parent` warnings), `version_deprecated`,
//! `version_revoked` and `model_transferred`.
//!
//! The module has nothing at genesis.

#[cfg(test)]
mod encoding_tests;
mod error;
mod execute;
pub mod licence;
mod msg;
pub mod query;
mod record;
pub mod state_key;
pub mod synthetic;
#[cfg(test)]
mod tests;

pub use error::{MsgError, ProvenanceError};
pub use execute::{
    LINK_GAS, REGISTER_DATASET_GAS, REGISTER_MODEL_GAS, REGISTER_VERSION_GAS, UPDATE_GAS,
};
pub use msg::{
    DatasetSpec, ProvenanceMsg, VERSION_ID_TAG, VersionSpec, validate_model_name,
    validate_version_label, version_id,
};
pub use record::{
    CollectionPeriod, Dataset, DatasetMode, FileDigest, Licence, MAX_COMMIT_LEN,
    MAX_CONTRIBUTOR_LEN, MAX_CONTRIBUTORS, MAX_DATASET_NAME_LEN, MAX_DATASETS, MAX_EVIDENCE,
    MAX_FILES, MAX_HARDWARE_LEN, MAX_MODEL_NAME_LEN, MAX_PARENTS, MAX_PATH_LEN, MAX_REASON_LEN,
    MAX_SOURCE_LEN, MAX_VERSION_LEN, Modality, Model, ModelVersion, PAGE_SIZE, Page, Parent,
    Relation, SourceCategory, StatusChange, TrainingRun, UnknownName, VersionHead, VersionStatus,
};

use crate::{ExecError, Module, StateStore, TxContext, TxError, TxState};
use ailedger_core::{DecodeError, ModuleId};
use commonware_codec::{Copying, Decode};

/// The provenance module.
#[derive(Debug, Clone, Copy)]
pub struct Provenance;

impl Module for Provenance {
    const NAME: &'static str = "provenance";
    const ID: ModuleId = ModuleId::new(2);
    type Msg = ProvenanceMsg;

    fn decode(payload: &[u8]) -> Result<ProvenanceMsg, DecodeError> {
        ProvenanceMsg::decode_cfg(Copying(payload), &())
    }

    fn check(msg: &ProvenanceMsg) -> Result<(), TxError> {
        msg.validate().map_err(|error| TxError::InvalidMessage {
            module: Self::NAME,
            reason: error.to_string(),
        })
    }

    fn execute<S: StateStore>(
        state: &mut TxState<'_, S>,
        ctx: &TxContext<'_>,
        msg: ProvenanceMsg,
    ) -> impl Future<Output = Result<(), ExecError>> + Send {
        execute::execute(state, ctx, msg)
    }
}
