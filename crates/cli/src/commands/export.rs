//! `ailedger dataset export-croissant`, `ailedger model export-card` and `ailedger model
//! summary`: ledger records written in the formats other tools read, from answers checked
//! against the chain.

use super::{
    Context,
    dataset::registered,
    model::fetch_lineage,
    provenance::{hash_of, with_bar},
    records::{dataset_record, digest, version_record},
};
use crate::{
    cli::{CardArgs, CroissantArgs, MeasureUnit, SummaryArgs},
    failure::Failure,
    output::Fields,
};
use ailedger_artifacts::dataset::{self as artifacts, DatasetOptions, hash_dataset};
use ailedger_client::dto::{LineageAnswer, ModelVersionView};
use ailedger_interop::{
    ai_act::{Measure, SummaryOptions, training_content_summary},
    croissant::{
        ContributorType, CroissantOptions, CsvRecordSet, ManifestFile, export_dataset,
        infer_csv_columns,
    },
    model_card::{CardDataset, CardOptions, CardParent, export_model_card},
};
use anyhow::Context as _;
use serde::Serialize;
use std::{
    collections::BTreeMap,
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
};

/// Rows read to infer the type of a CSV file's columns.
const CSV_TYPE_ROWS: usize = 10_000;

/// What an export prints when it wrote a file.
#[derive(Debug, Serialize)]
struct Written {
    /// The file written.
    out: String,
    /// The format written.
    format: &'static str,
    /// What was exported: a dataset root or a version id.
    id: String,
    /// Height of the block the record was read at.
    height: u64,
    /// Whether the record was verified against that block's state root.
    verified: bool,
}

/// Writes `document` to `out`, or prints it (as `json` under `--json`).
fn deliver(
    context: &Context,
    document: &str,
    json: impl FnOnce() -> serde_json::Value,
    out: Option<&Path>,
    written: Written,
) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, document).map_err(|error| {
                Failure::error(
                    "WRITE_FAILED",
                    format!("writing {}: {error}", path.display()),
                )
            })?;
            context.output.emit(&written, || {
                Fields::new()
                    .add("wrote", &written.out)
                    .add("format", written.format)
                    .add("id", &written.id)
                    .add(
                        "read at",
                        if written.verified {
                            format!("block {} (verified)", written.height)
                        } else {
                            format!("block {} (not verified: --proofs)", written.height)
                        },
                    )
                    .render()
            })
        }
        None => context.output.emit(&json(), || document.to_owned()),
    }
}

/// `dataset export-croissant`: the registered record, and the manifest of the files at `path`
/// once they hash to exactly the registered dataset.
pub(super) async fn croissant(context: &Context, args: &CroissantArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let (view, _) = registered(&client, &args.root, || {
        format!("dataset {} is not registered", args.root)
    })
    .await?;
    let record = dataset_record(&view)?;
    let options = DatasetOptions {
        mode: match view.mode.as_str() {
            "records" => artifacts::DatasetMode::Records,
            _ => artifacts::DatasetMode::Files,
        },
        follow_symlinks: false,
        threads: 0,
    };
    let hashed = with_bar("hashing", |progress| {
        hash_dataset(&args.path, &options, progress)
    })
    .map_err(Failure::from)?;
    if hash_of(&hashed.root) != args.root || hash_of(&hashed.manifest_digest) != view.manifest {
        return Err(Failure::verification(
            "DATASET_MISMATCH",
            format!(
                "{} is not dataset {}: its files hash to root {} (manifest {}), the ledger has \
                 root {} (manifest {})",
                args.path.display(),
                args.root,
                hash_of(&hashed.root),
                hash_of(&hashed.manifest_digest),
                args.root,
                view.manifest
            ),
        )
        .into());
    }
    let manifest: Vec<ManifestFile> = hashed
        .manifest
        .entries()
        .iter()
        .map(|entry| ManifestFile {
            path: entry.path.clone(),
            size: entry.size,
            sha256: *entry.sha256.as_bytes(),
        })
        .collect();
    let record_sets = if args.no_record_sets {
        Vec::new()
    } else {
        csv_record_sets(&args.path, &manifest)?
    };
    let chain_id = client.chain().await.context("chain info")?.chain_id;
    let options = CroissantOptions {
        base_url: args.base_url.clone(),
        url: args.url.clone(),
        description: args.description.clone(),
        cite_as: args.cite_as.clone(),
        version: args.version.clone(),
        license_url: args.license_url.clone(),
        contributor_type: if args.organizations {
            ContributorType::Organization
        } else {
            ContributorType::Person
        },
        record_sets,
        ..CroissantOptions::new(chain_id)
    };
    let document = export_dataset(&record, &manifest, &options)
        .map_err(|error| Failure::error("EXPORT_FAILED", format!("Croissant export: {error}")))?;
    deliver(
        context,
        &document.to_json(),
        || document.to_value(),
        args.out.as_deref(),
        Written {
            out: out_text(args.out.as_deref()),
            format: "croissant-1.1",
            id: args.root.to_string(),
            height: view.height,
            verified: true,
        },
    )
}

fn out_text(out: Option<&Path>) -> String {
    out.map(|path| path.display().to_string())
        .unwrap_or_default()
}

/// A record set for every CSV file of the manifest, with column types read from the file.
fn csv_record_sets(path: &Path, manifest: &[ManifestFile]) -> anyhow::Result<Vec<CsvRecordSet>> {
    let mut sets = Vec::new();
    for file in manifest {
        if !file.path.to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        // A single-file dataset's manifest names the file itself.
        let location: PathBuf = if path.is_file() {
            path.to_path_buf()
        } else {
            path.join(&file.path)
        };
        let reader = File::open(&location).map_err(|error| {
            Failure::error(
                "FILE_UNREADABLE",
                format!("reading {}: {error}", location.display()),
            )
        })?;
        let columns =
            infer_csv_columns(BufReader::new(reader), CSV_TYPE_ROWS).map_err(|error| {
                Failure::error(
                    "CORRUPT_RECORDS",
                    format!("columns of {}: {error}", location.display()),
                )
            })?;
        sets.push(CsvRecordSet::new(file.path.clone(), columns));
    }
    Ok(sets)
}

/// The version's direct parents, as the lineage answered them.
fn direct_parents<'a>(
    lineage: &'a LineageAnswer,
    version: &ModelVersionView,
) -> anyhow::Result<Vec<&'a ModelVersionView>> {
    version
        .parents
        .iter()
        .map(|parent| {
            lineage
                .lineage
                .ancestors
                .iter()
                .map(|ancestor| &ancestor.version)
                .find(|ancestor| ancestor.id == parent.id)
                .ok_or_else(|| {
                    Failure::error(
                        "BAD_ANSWER",
                        format!("the lineage answered has no parent {}", parent.id),
                    )
                    .into()
                })
        })
        .collect()
}

/// `model export-card`: the version's README with Hub front matter.
pub(super) async fn card(context: &Context, args: &CardArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let fetched = fetch_lineage(&client, &args.version, &args.traversal).await?;
    let (lineage, verified) = (fetched.answer, fetched.verified.is_some());
    let version = &lineage.lineage.version;
    let hub_ids: BTreeMap<&str, &str> = args
        .hub_ids
        .iter()
        .map(|(ledger, hub)| (ledger.as_str(), hub.as_str()))
        .collect();
    let parents = direct_parents(&lineage, version)?
        .into_iter()
        .map(|parent| {
            Ok(CardParent {
                id: digest(&parent.id),
                model: parent.model.clone(),
                version: parent.version.clone(),
                licence: version_record(parent)?.licence,
                hub_id: hub_ids
                    .get(parent.model.as_str())
                    .map(|id| (*id).to_owned()),
            })
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let datasets = lineage
        .lineage
        .datasets
        .iter()
        .filter(|dataset| version.datasets.contains(&dataset.dataset.id))
        .map(|dataset| {
            let record = dataset_record(&dataset.dataset)?;
            Ok(CardDataset {
                root: record.root,
                name: record.name,
                licence: record.licence,
                hub_id: hub_ids
                    .get(dataset.dataset.id.to_string().as_str())
                    .map(|id| (*id).to_owned()),
            })
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let chain_id = client.chain().await.context("chain info")?.chain_id;
    let options = CardOptions {
        chain_id,
        license_link: args.license_link.clone(),
        library_name: args.library_name.clone(),
        pipeline_tag: args.pipeline_tag.clone(),
        language: args.languages.clone(),
        tags: args.tags.clone(),
    };
    let readme = export_model_card(&version_record(version)?, &parents, &datasets, &options)
        .map_err(|error| Failure::error("EXPORT_FAILED", format!("model card: {error}")))?;
    deliver(
        context,
        &readme,
        || serde_json::json!({"version": version.id.to_string(), "card": readme}),
        args.out.as_deref(),
        Written {
            out: out_text(args.out.as_deref()),
            format: "hugging-face-model-card",
            id: version.id.to_string(),
            height: lineage.height,
            verified,
        },
    )
}

/// `model summary`: the AI Act training-content summary of the version's lineage.
pub(super) async fn summary(context: &Context, args: &SummaryArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let fetched = fetch_lineage(&client, &args.version, &args.traversal).await?;
    let (lineage, verified) = (fetched.answer, fetched.verified.is_some());
    let version = version_record(&lineage.lineage.version)?;
    let ancestors = lineage
        .lineage
        .ancestors
        .iter()
        .map(|ancestor| version_record(&ancestor.version))
        .collect::<Result<Vec<_>, Failure>>()?;
    let datasets = lineage
        .lineage
        .datasets
        .iter()
        .map(|dataset| dataset_record(&dataset.dataset))
        .collect::<Result<Vec<_>, Failure>>()?;
    let measured = args
        .measures
        .iter()
        .map(|measure| {
            let size = match measure.unit {
                MeasureUnit::Tokens => Measure::Tokens(measure.amount),
                MeasureUnit::Images => Measure::Images(measure.amount),
                MeasureUnit::Hours => Measure::Hours(measure.amount),
            };
            (digest(&measure.root), size)
        })
        .collect();
    let options = SummaryOptions {
        chain_id: client.chain().await.context("chain info")?.chain_id,
        provider: args.provider.clone(),
        provider_contact: args.contact.clone(),
        authorised_representative: args.representative.clone(),
        placed_on_market: args.placed_on_market.clone(),
        measured,
    };
    let summary = training_content_summary(&version, &ancestors, &datasets, &options)
        .map_err(|error| Failure::error("SUMMARY_FAILED", format!("training summary: {error}")))?;
    let markdown = summary.to_markdown();
    deliver(
        context,
        &markdown,
        || {
            serde_json::json!({
                "version": summary.version_id,
                "model": summary.model,
                "markdown": markdown,
            })
        },
        args.out.as_deref(),
        Written {
            out: out_text(args.out.as_deref()),
            format: "eu-ai-act-training-content-summary",
            id: lineage.lineage.version.id.to_string(),
            height: lineage.height,
            verified,
        },
    )
}
