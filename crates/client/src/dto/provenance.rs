//! Provenance: datasets, models, model versions, lineage, licence reports and what descends
//! from a dataset or a version, each answer with the height and state root it was read at and,
//! when asked for, a proof of every state key it was computed from.
//!
//! Enumerations (dataset mode, source category, modality, relation, status, conflict kinds) are
//! their stable lowercase names (`"records"`, `"public-dataset"`, `"finetune"`, ...), the same
//! names the CLI takes and the chain's events carry.

use crate::encoding::serde_with;
use ailedger_core::{Address, Hash};
use ailedger_state::{
    StateKey,
    provenance::{
        CollectionPeriod, Dataset, FileDigest, Licence, Model, ModelVersion, Parent, TrainingRun,
        VersionStatus,
        licence::{
            Conflict, IntendedUse, LicenceReport, LicenceSource, Obligation, Role, SourceLicence,
        },
        query::{
            Ancestor, Descendant, Downstream, Edge, Lineage, LineageDataset,
            ModelView as ModelRecord, Node, VersionView as VersionRecord,
        },
    },
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A licence as registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LicenceView {
    /// The canonical SPDX expression.
    #[schema(example = "CC-BY-4.0")]
    pub expression: String,
    /// The licence as the registrant gave it (an SPDX expression or a Hugging Face id).
    #[schema(example = "cc-by-4.0")]
    pub raw: String,
}

impl From<&Licence> for LicenceView {
    fn from(licence: &Licence) -> Self {
        Self {
            expression: licence.expression.clone(),
            raw: licence.raw.clone(),
        }
    }
}

/// When a dataset was collected, in milliseconds since the Unix epoch (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CollectionPeriodView {
    /// First moment of collection.
    pub start_ms: u64,
    /// Last moment of collection.
    pub end_ms: u64,
}

impl From<&CollectionPeriod> for CollectionPeriodView {
    fn from(period: &CollectionPeriod) -> Self {
        Self {
            start_ms: period.start_ms,
            end_ms: period.end_ms,
        }
    }
}

/// A registered dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatasetView {
    /// Its id: the Merkle root over its leaves.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub id: Hash,
    /// A short human-readable name.
    pub name: String,
    /// Digest of its per-file manifest.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub manifest: Hash,
    /// Number of leaves (files or records).
    pub leaf_count: u64,
    /// Total size in bytes.
    pub total_bytes: u64,
    /// How the leaves are formed: `files` or `records`.
    #[schema(example = "records")]
    pub mode: String,
    /// Its licence.
    pub licence: LicenceView,
    /// Where it comes from.
    pub source: String,
    /// `public-dataset`, `licensed`, `crawled`, `user-data`, `synthetic` or `other`.
    #[schema(example = "public-dataset")]
    pub source_category: String,
    /// `text`, `image`, `audio`, `video`, `tabular`, `code`, `multimodal` or `other`.
    #[schema(example = "tabular")]
    pub modality: String,
    /// When it was collected, if known.
    pub collection: Option<CollectionPeriodView>,
    /// Who contributed it.
    pub contributors: Vec<String>,
    /// Digests of consent or opt-out evidence.
    #[serde(with = "serde_with::hashes")]
    #[schema(value_type = Vec<String>)]
    pub evidence: Vec<Hash>,
    /// Who registered it.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub registrant: Address,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl From<&Dataset> for DatasetView {
    fn from(dataset: &Dataset) -> Self {
        Self {
            id: dataset.id,
            name: dataset.name.clone(),
            manifest: dataset.manifest,
            leaf_count: dataset.leaf_count,
            total_bytes: dataset.total_bytes,
            mode: dataset.mode.as_str().to_owned(),
            licence: (&dataset.licence).into(),
            source: dataset.source.clone(),
            source_category: dataset.source_category.as_str().to_owned(),
            modality: dataset.modality.as_str().to_owned(),
            collection: dataset.collection.as_ref().map(Into::into),
            contributors: dataset.contributors.clone(),
            evidence: dataset.evidence.clone(),
            registrant: dataset.registrant.clone(),
            height: dataset.height,
            time_ms: dataset.time_ms,
        }
    }
}

/// A model name, who owns it and how many versions it has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelView {
    /// The name (`[a-z0-9._/-]`).
    #[schema(example = "acme/digits-mlp")]
    pub name: String,
    /// Who may add versions (the publisher, until a transfer).
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub owner: Address,
    /// Who first registered the name.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub publisher: Address,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Number of registered versions.
    pub version_count: u64,
}

impl From<&ModelRecord> for ModelView {
    fn from(view: &ModelRecord) -> Self {
        let model: &Model = &view.model;
        Self {
            name: model.name.clone(),
            owner: model.owner.clone(),
            publisher: model.publisher.clone(),
            height: model.height,
            time_ms: model.time_ms,
            version_count: view.version_count,
        }
    }
}

/// The SHA-256 of one file of a model version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FileDigestView {
    /// Path relative to the model's directory, `/`-separated.
    pub path: String,
    /// SHA-256 of the file.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub sha256: Hash,
}

impl From<&FileDigest> for FileDigestView {
    fn from(file: &FileDigest) -> Self {
        Self {
            path: file.path.clone(),
            sha256: file.sha256,
        }
    }
}

/// A parent of a model version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParentView {
    /// The parent's version id.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub id: Hash,
    /// `finetune`, `adapter`, `merge`, `quantized` or `distilled`.
    #[schema(example = "finetune")]
    pub relation: String,
}

impl From<&Parent> for ParentView {
    fn from(parent: &Parent) -> Self {
        Self {
            id: parent.id,
            relation: parent.relation.as_str().to_owned(),
        }
    }
}

/// How a model version was trained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrainingRunView {
    /// Digest of the training configuration.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub config: Hash,
    /// Commit of the training code.
    pub code_commit: String,
    /// The hardware it ran on.
    pub hardware: String,
}

impl From<&TrainingRun> for TrainingRunView {
    fn from(run: &TrainingRun) -> Self {
        Self {
            config: run.config,
            code_commit: run.code_commit.clone(),
            hardware: run.hardware.clone(),
        }
    }
}

/// Whether a model version should be used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VersionStatusView {
    /// In use.
    Active,
    /// Discouraged; still usable and still a possible parent.
    Deprecated {
        /// The owner's reason.
        reason: String,
        /// Height of the block that deprecated it.
        height: u64,
        /// Time of that block, milliseconds since the Unix epoch.
        time_ms: u64,
    },
    /// Withdrawn for good; it can no longer be a parent.
    Revoked {
        /// The owner's reason.
        reason: String,
        /// Height of the block that revoked it.
        height: u64,
        /// Time of that block, milliseconds since the Unix epoch.
        time_ms: u64,
    },
}

impl VersionStatusView {
    /// `active`, `deprecated` or `revoked`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deprecated { .. } => "deprecated",
            Self::Revoked { .. } => "revoked",
        }
    }
}

impl From<&VersionStatus> for VersionStatusView {
    fn from(status: &VersionStatus) -> Self {
        match status {
            VersionStatus::Active => Self::Active,
            VersionStatus::Deprecated(change) => Self::Deprecated {
                reason: change.reason.clone(),
                height: change.height,
                time_ms: change.time_ms,
            },
            VersionStatus::Revoked(change) => Self::Revoked {
                reason: change.reason.clone(),
                height: change.height,
                time_ms: change.time_ms,
            },
        }
    }
}

/// A registered model version and its status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelVersionView {
    /// Its id: `version_id(model, version)`.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub id: Hash,
    /// The model's name.
    pub model: String,
    /// The version label.
    pub version: String,
    /// SHA-256 of each file, sorted by path.
    pub files: Vec<FileDigestView>,
    /// The per-tensor Merkle root of the weights.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub tensor_root: Hash,
    /// Digest of the architecture.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub architecture: Hash,
    /// Parents and how the version derives from each.
    pub parents: Vec<ParentView>,
    /// Ids (roots) of the datasets it was trained on.
    #[serde(with = "serde_with::hashes")]
    #[schema(value_type = Vec<String>)]
    pub datasets: Vec<Hash>,
    /// How it was trained, if it was.
    pub training: Option<TrainingRunView>,
    /// Its licence.
    pub licence: LicenceView,
    /// Who registered it.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub registrant: Address,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Its status now.
    pub status: VersionStatusView,
}

impl ModelVersionView {
    /// `model@version`.
    pub fn label(&self) -> String {
        format!("{}@{}", self.model, self.version)
    }
}

impl From<&VersionRecord> for ModelVersionView {
    fn from(view: &VersionRecord) -> Self {
        let record: &ModelVersion = &view.record;
        Self {
            id: record.id,
            model: record.model.clone(),
            version: record.version.clone(),
            files: record.files.iter().map(Into::into).collect(),
            tensor_root: record.tensor_root,
            architecture: record.architecture,
            parents: record.parents.iter().map(Into::into).collect(),
            datasets: record.datasets.clone(),
            training: record.training.as_ref().map(Into::into),
            licence: (&record.licence).into(),
            registrant: record.registrant.clone(),
            height: record.height,
            time_ms: record.time_ms,
            status: (&view.status).into(),
        }
    }
}

/// An ancestor of a model version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AncestorView {
    /// The ancestor.
    pub version: ModelVersionView,
    /// Parent edges on the shortest path (1 = a direct parent).
    pub depth: u32,
    /// The relation of the first edge found to it.
    pub relation: String,
    /// The child it was first reached from.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub via: Hash,
}

impl From<&Ancestor> for AncestorView {
    fn from(ancestor: &Ancestor) -> Self {
        Self {
            version: (&ancestor.version).into(),
            depth: ancestor.depth,
            relation: ancestor.relation.as_str().to_owned(),
            via: ancestor.via,
        }
    }
}

/// A parent edge within a lineage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EdgeView {
    /// The derived version.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub child: Hash,
    /// Its parent.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub parent: Hash,
    /// How the child derives from the parent.
    pub relation: String,
}

impl From<&Edge> for EdgeView {
    fn from(edge: &Edge) -> Self {
        Self {
            child: edge.child,
            parent: edge.parent,
            relation: edge.relation.as_str().to_owned(),
        }
    }
}

/// A dataset reaching a model version, directly or through an ancestor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineageDatasetView {
    /// The dataset.
    pub dataset: DatasetView,
    /// Depth of the nearest version trained on it (0: the version itself).
    pub depth: u32,
    /// The versions of the lineage that list it.
    #[serde(with = "serde_with::hashes")]
    #[schema(value_type = Vec<String>)]
    pub used_by: Vec<Hash>,
}

impl From<&LineageDataset> for LineageDatasetView {
    fn from(dataset: &LineageDataset) -> Self {
        Self {
            dataset: (&dataset.dataset).into(),
            depth: dataset.depth,
            used_by: dataset.used_by.clone(),
        }
    }
}

/// Everything a model version comes from: its ancestors, the edges between them and every
/// dataset reaching it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineageView {
    /// The version asked about.
    pub version: ModelVersionView,
    /// Its ancestors, each once, by depth.
    pub ancestors: Vec<AncestorView>,
    /// Every parent edge among the version and its ancestors.
    pub edges: Vec<EdgeView>,
    /// Every dataset the version or an ancestor lists, each once.
    pub datasets: Vec<LineageDatasetView>,
}

impl From<&Lineage> for LineageView {
    fn from(lineage: &Lineage) -> Self {
        Self {
            version: (&lineage.version).into(),
            ancestors: lineage.ancestors.iter().map(Into::into).collect(),
            edges: lineage.edges.iter().map(Into::into).collect(),
            datasets: lineage.datasets.iter().map(Into::into).collect(),
        }
    }
}

/// What the user means to do with a model version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IntendedUseView {
    /// Use in or for a business.
    pub commercial: bool,
    /// Share the weights or weights derived from them.
    pub redistribute_weights: bool,
    /// Fine-tune, adapt, merge, quantise or distil the version.
    pub create_derivatives: bool,
}

impl From<&IntendedUse> for IntendedUseView {
    fn from(use_: &IntendedUse) -> Self {
        Self {
            commercial: use_.commercial,
            redistribute_weights: use_.redistribute_weights,
            create_derivatives: use_.create_derivatives,
        }
    }
}

impl From<IntendedUseView> for IntendedUse {
    fn from(view: IntendedUseView) -> Self {
        Self {
            commercial: view.commercial,
            redistribute_weights: view.redistribute_weights,
            create_derivatives: view.create_derivatives,
        }
    }
}

/// The record a licence comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LicenceSourceView {
    /// `own` (the version's licence), `ancestor` or `dataset`.
    #[schema(example = "dataset")]
    pub role: String,
    /// For an ancestor, its depth (1 = a direct parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<u32>,
    /// The record: a version id or a dataset root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub id: Hash,
    /// `model@version` for a version, the name of a dataset.
    pub label: String,
}

impl From<&LicenceSource> for LicenceSourceView {
    fn from(source: &LicenceSource) -> Self {
        let (role, depth) = match source.role {
            Role::Own => ("own", None),
            Role::Ancestor { depth } => ("ancestor", Some(depth)),
            Role::Dataset => ("dataset", None),
        };
        Self {
            role: role.to_owned(),
            depth,
            id: source.id,
            label: source.label.clone(),
        }
    }
}

/// One source's licence and the alternative chosen where it offers a choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SourceLicenceView {
    /// Where it comes from.
    pub source: LicenceSourceView,
    /// The canonical expression registered.
    pub expression: String,
    /// The terms that apply after choosing the best alternative of each `OR`.
    pub chosen: String,
}

impl From<&SourceLicence> for SourceLicenceView {
    fn from(licence: &SourceLicence) -> Self {
        Self {
            source: (&licence.source).into(),
            expression: licence.expression.clone(),
            chosen: licence.chosen.clone(),
        }
    }
}

/// A licence term that forbids the intended use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConflictView {
    /// Where the licence comes from.
    pub source: LicenceSourceView,
    /// The licence term, e.g. `CC-BY-NC-4.0`.
    pub licence: String,
    /// `NON_COMMERCIAL`, `NO_REDISTRIBUTION`, `NO_DERIVATIVES`, `SHARE_ALIKE` or `UNKNOWN_TERMS`.
    #[schema(example = "NON_COMMERCIAL")]
    pub kind: String,
    /// Why, in plain words.
    pub reason: String,
}

impl From<&Conflict> for ConflictView {
    fn from(conflict: &Conflict) -> Self {
        Self {
            source: (&conflict.source).into(),
            licence: conflict.licence.clone(),
            kind: conflict.kind.code().to_owned(),
            reason: conflict.reason.clone(),
        }
    }
}

/// Something the user must do to use the version as intended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ObligationView {
    /// Where the licence comes from.
    pub source: LicenceSourceView,
    /// The licence term.
    pub licence: String,
    /// `ATTRIBUTION`, `SHARE_ALIKE`, `USE_RESTRICTIONS`, `COMMERCIAL_CONDITION`, `EXCEPTION` or
    /// `NOTE`.
    #[schema(example = "ATTRIBUTION")]
    pub kind: String,
    /// What to do, in plain words.
    pub text: String,
}

impl From<&Obligation> for ObligationView {
    fn from(obligation: &Obligation) -> Self {
        Self {
            source: (&obligation.source).into(),
            licence: obligation.licence.clone(),
            kind: obligation.kind.code().to_owned(),
            text: obligation.text.clone(),
        }
    }
}

/// Every licence reaching a model version, checked against an intended use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LicenceReportView {
    /// The use checked.
    pub intended_use: IntendedUseView,
    /// Whether nothing conflicts with it.
    pub clear: bool,
    /// Every source's licence, the version's own first.
    pub licences: Vec<SourceLicenceView>,
    /// Conflicts with the intended use.
    pub conflicts: Vec<ConflictView>,
    /// Obligations: attribution, share-alike, use restrictions, conditions.
    pub obligations: Vec<ObligationView>,
}

impl From<&LicenceReport> for LicenceReportView {
    fn from(report: &LicenceReport) -> Self {
        Self {
            intended_use: (&report.intended_use).into(),
            clear: report.is_clear(),
            licences: report.licences.iter().map(Into::into).collect(),
            conflicts: report.conflicts.iter().map(Into::into).collect(),
            obligations: report.obligations.iter().map(Into::into).collect(),
        }
    }
}

/// A dataset or a model version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeRefView {
    /// A dataset, by root.
    Dataset {
        /// The root.
        #[serde(with = "serde_with::hash")]
        #[schema(value_type = String)]
        id: Hash,
    },
    /// A model version, by id.
    Version {
        /// The version id.
        #[serde(with = "serde_with::hash")]
        #[schema(value_type = String)]
        id: Hash,
    },
}

impl From<&Node> for NodeRefView {
    fn from(node: &Node) -> Self {
        match node {
            Node::Dataset(id) => Self::Dataset { id: *id },
            Node::Version(id) => Self::Version { id: *id },
        }
    }
}

/// A version descending from a dataset or a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DescendantView {
    /// The version.
    pub version: ModelVersionView,
    /// Edges on the shortest path from the start.
    pub depth: u32,
    /// What it was first reached from.
    pub via: NodeRefView,
}

impl From<&Descendant> for DescendantView {
    fn from(descendant: &Descendant) -> Self {
        Self {
            version: (&descendant.version).into(),
            depth: descendant.depth,
            via: (&descendant.via).into(),
        }
    }
}

/// Everything downstream of a dataset or a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DownstreamView {
    /// Where the query started.
    pub root: NodeRefView,
    /// Every version descending from it, each once, by depth.
    pub versions: Vec<DescendantView>,
}

impl From<&Downstream> for DownstreamView {
    fn from(downstream: &Downstream) -> Self {
        Self {
            root: (&downstream.root).into(),
            versions: downstream.versions.iter().map(Into::into).collect(),
        }
    }
}

/// One state value an answer was computed from, with its proof against the answer's state
/// root (inclusion when `value` is a string, exclusion when it is `null`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProvenValueView {
    /// The state key.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub key: StateKey,
    /// The value as hex, or `null` if the key has none.
    #[serde(with = "serde_with::opt_bytes")]
    #[schema(value_type = Option<String>)]
    pub value: Option<Vec<u8>>,
    /// The proof's wire encoding, as hex.
    #[serde(with = "serde_with::bytes")]
    #[schema(value_type = String)]
    pub proof: Vec<u8>,
}

/// Where an answer was read and the proofs it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvenState<'a> {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    pub state_root: Hash,
    /// The proofs, if any were asked for.
    pub proofs: Option<&'a [ProvenValueView]>,
}

answer! {
    /// `GET /v1/datasets/{root}`.
    DatasetAnswer {
        /// The dataset.
        pub dataset: DatasetView,
    }
}

answer! {
    /// `GET /v1/datasets`: registered dataset roots in registration order.
    DatasetList {
        /// Position of the first id.
        pub offset: u64,
        /// Most ids asked for (after capping).
        pub limit: u64,
        /// Number of registered datasets.
        pub total: u64,
        /// The roots.
        #[serde(with = "serde_with::hashes")]
        #[schema(value_type = Vec<String>)]
        pub ids: Vec<Hash>,
    }
}

answer! {
    /// `GET /v1/models/{name}`.
    ModelAnswer {
        /// The model.
        pub model: ModelView,
    }
}

answer! {
    /// `GET /v1/models/{name}/versions`: a model's version ids in registration order.
    ModelVersionList {
        /// The model.
        pub model: String,
        /// Position of the first id.
        pub offset: u64,
        /// Most ids asked for (after capping).
        pub limit: u64,
        /// Number of versions.
        pub total: u64,
        /// The version ids.
        #[serde(with = "serde_with::hashes")]
        #[schema(value_type = Vec<String>)]
        pub ids: Vec<Hash>,
    }
}

answer! {
    /// `GET /v1/versions/{id}`.
    VersionAnswer {
        /// The version.
        pub version: ModelVersionView,
    }
}

answer! {
    /// `GET /v1/versions/{id}/lineage`.
    LineageAnswer {
        /// Most records the traversal could visit (after capping).
        pub max_nodes: u64,
        /// The lineage.
        pub lineage: LineageView,
    }
}

answer! {
    /// `GET /v1/versions/{id}/licences`.
    LicencesAnswer {
        /// Most records the traversal could visit (after capping).
        pub max_nodes: u64,
        /// The report.
        pub report: LicenceReportView,
    }
}

answer! {
    /// `GET /v1/datasets/{root}/downstream` and `GET /v1/versions/{id}/downstream`.
    DownstreamAnswer {
        /// Most records the traversal could visit (after capping).
        pub max_nodes: u64,
        /// Everything downstream.
        pub downstream: DownstreamView,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{SecretKey, ZERO_HASH, sha256};
    use ailedger_state::provenance::{
        DatasetMode, Modality, Relation, SourceCategory, StatusChange,
    };
    use serde_json::json;

    fn dataset() -> Dataset {
        Dataset {
            id: sha256(&[b"root"]),
            name: "digits".into(),
            manifest: ZERO_HASH,
            leaf_count: 1797,
            total_bytes: 266_762,
            mode: DatasetMode::Records,
            licence: Licence {
                expression: "CC-BY-4.0".into(),
                raw: "cc-by-4.0".into(),
            },
            source: "https://archive.ics.uci.edu".into(),
            source_category: SourceCategory::PublicDataset,
            modality: Modality::Tabular,
            collection: Some(CollectionPeriod {
                start_ms: 1,
                end_ms: 2,
            }),
            contributors: vec!["Alpaydin".into()],
            evidence: vec![ZERO_HASH],
            registrant: SecretKey::from_seed(1).address(),
            height: 5,
            time_ms: 6,
        }
    }

    #[test]
    fn dataset_json_uses_hex_and_stable_names() {
        let view = DatasetView::from(&dataset());
        let value = serde_json::to_value(&view).expect("serializes");
        assert_eq!(value["id"], sha256(&[b"root"]).to_string());
        assert_eq!(value["mode"], "records");
        assert_eq!(value["source_category"], "public-dataset");
        assert_eq!(value["modality"], "tabular");
        assert_eq!(
            value["licence"],
            json!({"expression": "CC-BY-4.0", "raw": "cc-by-4.0"})
        );
        assert_eq!(value["collection"], json!({"start_ms": 1, "end_ms": 2}));
        assert_eq!(value["evidence"], json!(["00".repeat(32)]));
        assert_eq!(
            serde_json::from_value::<DatasetView>(value).expect("round trip"),
            view
        );
    }

    #[test]
    fn statuses_are_tagged_and_nodes_name_their_kind() {
        let revoked = VersionStatusView::from(&VersionStatus::Revoked(StatusChange {
            reason: "poisoned".into(),
            height: 9,
            time_ms: 10,
        }));
        assert_eq!(
            serde_json::to_value(&revoked).expect("serializes"),
            json!({"status": "revoked", "reason": "poisoned", "height": 9, "time_ms": 10})
        );
        assert_eq!(
            serde_json::to_value(VersionStatusView::Active).expect("serializes"),
            json!({"status": "active"})
        );
        let node = NodeRefView::from(&Node::Dataset(ZERO_HASH));
        assert_eq!(
            serde_json::to_value(node).expect("serializes"),
            json!({"kind": "dataset", "id": "00".repeat(32)})
        );
        let parent = ParentView::from(&Parent {
            id: ZERO_HASH,
            relation: Relation::Quantized,
        });
        assert_eq!(parent.relation, "quantized");
    }

    #[test]
    fn answers_carry_their_block_and_optional_proofs() {
        let answer = DatasetAnswer {
            height: 3,
            state_root: ZERO_HASH,
            dataset: DatasetView::from(&dataset()),
            proofs: None,
        };
        let value = serde_json::to_value(&answer).expect("serializes");
        assert_eq!(value["height"], 3);
        assert_eq!(value["proofs"], json!(null));
        let mut without = value;
        without.as_object_mut().expect("an object").remove("proofs");
        assert_eq!(
            serde_json::from_value::<DatasetAnswer>(without).expect("proofs may be left out"),
            answer
        );
        let proven = DatasetAnswer {
            proofs: Some(vec![ProvenValueView {
                key: ZERO_HASH,
                value: None,
                proof: vec![1],
            }]),
            ..answer
        };
        let value = serde_json::to_value(&proven).expect("serializes");
        assert_eq!(
            value["proofs"],
            json!([{"key": "00".repeat(32), "value": null, "proof": "01"}])
        );
        assert_eq!(proven.proven_state().proofs.map(<[_]>::len), Some(1));
    }
}
