//! Read-only queries over committed state, for every module, in one place.
//!
//! A node answers a [`StateQuery`] against the state of its last committed block and can
//! return, with the answer, a proof for every state key the answer was computed from. Adding a
//! module's queries means adding variants here and arms in [`run`].

use crate::{
    StateKey, StateStore,
    content::query::{self as content, ContentClaims},
    logs::{
        AnchorRecord, EvidenceRecord,
        query::{self as logs, LogView},
    },
    provenance::{
        Dataset,
        licence::{IntendedUse, LicenceReport},
        query::{
            self as provenance, Downstream, Lineage, ListSlice, ModelView, Node, QueryError,
            VersionView,
        },
    },
    staking::{self, EvidenceRecord as DoubleSignRecord, FaultKind, StakingParams, ValidatorSet},
    zk::{self, Inference, ProvingIdentity},
};
use ailedger_core::{Address, Hash};

/// A question about committed state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateQuery {
    /// A dataset by root.
    Dataset(Hash),
    /// Registered datasets, in registration order.
    Datasets {
        /// First position.
        offset: u64,
        /// Most ids.
        limit: usize,
    },
    /// A model by name.
    Model(String),
    /// A model's versions, in registration order.
    ModelVersions {
        /// The model.
        name: String,
        /// First position.
        offset: u64,
        /// Most ids.
        limit: usize,
    },
    /// A model version by id.
    Version(Hash),
    /// Everything a version comes from.
    Lineage {
        /// The version.
        id: Hash,
        /// Most records to visit.
        max_nodes: usize,
    },
    /// Every licence reaching a version, checked against an intended use.
    Licences {
        /// The version.
        id: Hash,
        /// The use to check.
        intended_use: IntendedUse,
        /// Most records to visit.
        max_nodes: usize,
    },
    /// Everything descending from a dataset or a version.
    Downstream {
        /// Where to start.
        node: Node,
        /// Most records to visit.
        max_nodes: usize,
    },
    /// A transparency log by origin, with its latest anchor.
    Log(String),
    /// One anchored checkpoint of a log.
    LogAnchor {
        /// The log's origin.
        origin: String,
        /// The anchor's sequence number.
        seq: u64,
    },
    /// One evidence record against a log.
    LogEvidence {
        /// The log's origin.
        origin: String,
        /// The record's index.
        index: u64,
    },
    /// A model version's proving identity.
    ProvingIdentity(Hash),
    /// A verified inference by id.
    Inference(Hash),
    /// The claims of a content digest, in registration order.
    ContentClaims {
        /// The content digest.
        content: Hash,
        /// First position.
        offset: u32,
        /// Most claims.
        limit: usize,
    },
    /// The staking parameters.
    StakingParams,
    /// A validator by consensus key.
    Validator(Address),
    /// The validator set of an epoch.
    ValidatorSet(u64),
    /// A recorded double-sign fault.
    DoubleSign {
        /// The fault.
        kind: FaultKind,
        /// Its epoch.
        epoch: u64,
        /// Its view.
        view: u64,
        /// The offender.
        offender: Address,
    },
}

/// The answer to a [`StateQuery`], variant for variant.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateAnswer {
    /// [`StateQuery::Dataset`].
    Dataset(Option<Dataset>),
    /// [`StateQuery::Datasets`].
    Datasets(ListSlice),
    /// [`StateQuery::Model`].
    Model(Option<ModelView>),
    /// [`StateQuery::ModelVersions`].
    ModelVersions(ListSlice),
    /// [`StateQuery::Version`].
    Version(Option<VersionView>),
    /// [`StateQuery::Lineage`].
    Lineage(Box<Lineage>),
    /// [`StateQuery::Licences`].
    Licences(Box<LicenceReport>),
    /// [`StateQuery::Downstream`].
    Downstream(Box<Downstream>),
    /// [`StateQuery::Log`].
    Log(Option<Box<LogView>>),
    /// [`StateQuery::LogAnchor`].
    LogAnchor(Option<Box<AnchorRecord>>),
    /// [`StateQuery::LogEvidence`].
    LogEvidence(Option<Box<EvidenceRecord>>),
    /// [`StateQuery::ProvingIdentity`].
    ProvingIdentity(Option<Box<ProvingIdentity>>),
    /// [`StateQuery::Inference`].
    Inference(Option<Box<Inference>>),
    /// [`StateQuery::ContentClaims`].
    ContentClaims(Box<ContentClaims>),
    /// [`StateQuery::StakingParams`].
    StakingParams(Option<StakingParams>),
    /// [`StateQuery::Validator`].
    Validator(Option<Box<staking::Validator>>),
    /// [`StateQuery::ValidatorSet`].
    ValidatorSet(Option<Box<ValidatorSet>>),
    /// [`StateQuery::DoubleSign`].
    DoubleSign(Option<Box<DoubleSignRecord>>),
}

/// Runs a query; returns the answer and every state key read (for proofs).
pub async fn run<S: StateStore>(
    store: &S,
    query: &StateQuery,
) -> Result<(StateAnswer, Vec<StateKey>), QueryError> {
    Ok(match query {
        StateQuery::Dataset(id) => {
            let queried = provenance::dataset(store, id).await?;
            (StateAnswer::Dataset(queried.value), queried.keys)
        }
        StateQuery::Datasets { offset, limit } => {
            let queried = provenance::datasets(store, *offset, *limit).await?;
            (StateAnswer::Datasets(queried.value), queried.keys)
        }
        StateQuery::Model(name) => {
            let queried = provenance::model(store, name).await?;
            (StateAnswer::Model(queried.value), queried.keys)
        }
        StateQuery::ModelVersions {
            name,
            offset,
            limit,
        } => {
            let queried = provenance::model_versions(store, name, *offset, *limit).await?;
            (StateAnswer::ModelVersions(queried.value), queried.keys)
        }
        StateQuery::Version(id) => {
            let queried = provenance::version(store, id).await?;
            (StateAnswer::Version(queried.value), queried.keys)
        }
        StateQuery::Lineage { id, max_nodes } => {
            let queried = provenance::lineage(store, id, *max_nodes).await?;
            (StateAnswer::Lineage(Box::new(queried.value)), queried.keys)
        }
        StateQuery::Licences {
            id,
            intended_use,
            max_nodes,
        } => {
            let queried = provenance::licences(store, id, intended_use, *max_nodes).await?;
            (StateAnswer::Licences(Box::new(queried.value)), queried.keys)
        }
        StateQuery::Downstream { node, max_nodes } => {
            let queried = provenance::downstream(store, *node, *max_nodes).await?;
            (
                StateAnswer::Downstream(Box::new(queried.value)),
                queried.keys,
            )
        }
        StateQuery::Log(origin) => {
            let queried = logs::log(store, origin).await?;
            (StateAnswer::Log(queried.value.map(Box::new)), queried.keys)
        }
        StateQuery::LogAnchor { origin, seq } => {
            let queried = logs::anchor(store, origin, *seq).await?;
            (
                StateAnswer::LogAnchor(queried.value.map(Box::new)),
                queried.keys,
            )
        }
        StateQuery::LogEvidence { origin, index } => {
            let queried = logs::evidence(store, origin, *index).await?;
            (
                StateAnswer::LogEvidence(queried.value.map(Box::new)),
                queried.keys,
            )
        }
        StateQuery::ProvingIdentity(version) => {
            let queried = zk::query::identity(store, version).await?;
            (
                StateAnswer::ProvingIdentity(queried.value.map(Box::new)),
                queried.keys,
            )
        }
        StateQuery::Inference(id) => {
            let queried = zk::query::inference(store, id).await?;
            (
                StateAnswer::Inference(queried.value.map(Box::new)),
                queried.keys,
            )
        }
        StateQuery::ContentClaims {
            content: digest,
            offset,
            limit,
        } => {
            let queried = content::claims(store, digest, *offset, *limit).await?;
            (
                StateAnswer::ContentClaims(Box::new(queried.value)),
                queried.keys,
            )
        }
        StateQuery::StakingParams => {
            let queried = staking::query::params(store).await?;
            (StateAnswer::StakingParams(queried.value), queried.keys)
        }
        StateQuery::Validator(address) => {
            let queried = staking::query::validator(store, address).await?;
            (
                StateAnswer::Validator(queried.value.map(Box::new)),
                queried.keys,
            )
        }
        StateQuery::ValidatorSet(epoch) => {
            let queried = staking::query::validator_set(store, *epoch).await?;
            (
                StateAnswer::ValidatorSet(queried.value.map(Box::new)),
                queried.keys,
            )
        }
        StateQuery::DoubleSign {
            kind,
            epoch,
            view,
            offender,
        } => {
            let queried = staking::query::evidence(store, *kind, *epoch, *view, offender).await?;
            (
                StateAnswer::DoubleSign(queried.value.map(Box::new)),
                queried.keys,
            )
        }
    })
}
