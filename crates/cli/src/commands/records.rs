//! The ledger's answers (client DTOs) as the plain records `ailedger-interop` exports from.
//!
//! The interop crate knows nothing about the chain; these conversions are the one place that
//! maps the node's stable names (`public-dataset`, `finetune`, ...) onto its enums, so a name
//! the node adds later is a clear error here instead of a silent default.

use crate::failure::Failure;
use ailedger_client::dto::{DatasetView, LicenceView, ModelVersionView, VersionStatusView};
use ailedger_core::Hash;
use ailedger_interop::record::{
    CollectionPeriod, DatasetMode, DatasetRecord, Digest, FileDigest, Licence, Modality,
    ModelVersionRecord, ParentRef, Relation, SourceCategory, StatusChange, TrainingRun,
    VersionStatus,
};

/// The raw bytes of a ledger hash.
pub(super) fn digest(hash: &Hash) -> Digest {
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(hash.as_ref());
    bytes
}

/// The enum value whose stable name is `name`, or an error naming the field.
fn named<T: Copy>(
    all: &[T],
    as_str: impl Fn(T) -> &'static str,
    field: &str,
    name: &str,
) -> Result<T, Failure> {
    all.iter()
        .copied()
        .find(|value| as_str(*value) == name)
        .ok_or_else(|| {
            Failure::error(
                "BAD_ANSWER",
                format!("the node answered an unknown {field} {name:?}"),
            )
        })
}

fn licence(view: &LicenceView) -> Licence {
    Licence {
        expression: view.expression.clone(),
        raw: view.raw.clone(),
    }
}

/// A dataset as the interop exporters take it.
pub(super) fn dataset_record(view: &DatasetView) -> Result<DatasetRecord, Failure> {
    Ok(DatasetRecord {
        root: digest(&view.id),
        name: view.name.clone(),
        manifest_digest: digest(&view.manifest),
        leaf_count: view.leaf_count,
        total_bytes: view.total_bytes,
        mode: named(DatasetMode::ALL, DatasetMode::as_str, "mode", &view.mode)?,
        licence: licence(&view.licence),
        source: view.source.clone(),
        source_category: named(
            SourceCategory::ALL,
            SourceCategory::as_str,
            "source category",
            &view.source_category,
        )?,
        modality: named(Modality::ALL, Modality::as_str, "modality", &view.modality)?,
        collection: view.collection.as_ref().map(|period| CollectionPeriod {
            start_ms: period.start_ms,
            end_ms: period.end_ms,
        }),
        contributors: view.contributors.clone(),
        evidence: view.evidence.iter().map(digest).collect(),
        registrant: view.registrant.to_string(),
        height: view.height,
        time_ms: view.time_ms,
    })
}

/// A model version as the interop exporters take it.
pub(super) fn version_record(view: &ModelVersionView) -> Result<ModelVersionRecord, Failure> {
    let parents = view
        .parents
        .iter()
        .map(|parent| {
            Ok(ParentRef {
                id: digest(&parent.id),
                relation: named(
                    Relation::ALL,
                    Relation::as_str,
                    "relation",
                    &parent.relation,
                )?,
            })
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let status = match &view.status {
        VersionStatusView::Active => VersionStatus::Active,
        VersionStatusView::Deprecated {
            reason,
            height,
            time_ms,
        } => VersionStatus::Deprecated(StatusChange {
            reason: reason.clone(),
            height: *height,
            time_ms: *time_ms,
        }),
        VersionStatusView::Revoked {
            reason,
            height,
            time_ms,
        } => VersionStatus::Revoked(StatusChange {
            reason: reason.clone(),
            height: *height,
            time_ms: *time_ms,
        }),
    };
    Ok(ModelVersionRecord {
        id: digest(&view.id),
        model: view.model.clone(),
        version: view.version.clone(),
        files: view
            .files
            .iter()
            .map(|file| FileDigest {
                path: file.path.clone(),
                sha256: digest(&file.sha256),
            })
            .collect(),
        tensor_root: digest(&view.tensor_root),
        architecture: digest(&view.architecture),
        parents,
        datasets: view.datasets.iter().map(digest).collect(),
        training: view.training.as_ref().map(|run| TrainingRun {
            config: digest(&run.config),
            code_commit: run.code_commit.clone(),
            hardware: run.hardware.clone(),
        }),
        licence: licence(&view.licence),
        status,
        registrant: view.registrant.to_string(),
        height: view.height,
        time_ms: view.time_ms,
    })
}
