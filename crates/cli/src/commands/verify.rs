//! `ailedger verify PATH [--dataset ROOT] [--version ID]`: what is this file or directory?
//!
//! - Without a claim: PATH is hashed as a dataset (files mode; records mode too when it holds
//!   only record files) and each root is looked up, verified; weight files are hashed (file
//!   digests, tensor root) and their identities reported. Nothing registered is an answer, not
//!   a failure (exit 0).
//! - `--dataset ROOT`: PATH must be that dataset (its root recomputed from the data), or a file
//!   in it. For a file, PATH's parent and grandparent directories are tried as the dataset
//!   (only those whose file count, sizes and kinds fit the registered record are hashed): in
//!   files mode the Merkle inclusion proof of the file is built and checked against the
//!   registered root and leaf count; in records mode the file's entry is checked against the
//!   registered manifest digest. Exit 3 if neither holds.
//! - `--version ID`: PATH's weights must be that version's (same tensor root, or for one file
//!   one of its file digests). Exit 3 if not.

use super::{
    Context,
    dataset::{check_proof, registered},
    provenance::{
        ModelIdentity, architecture_of, found, hash_of, leaves, model_identity, proof_text,
        with_bar,
    },
};
use crate::{cli::VerifyArgs, failure::Failure, output::Fields};
use ailedger_artifacts::{
    dataset::{self as artifacts, DatasetOptions, hash_dataset, prove_file},
    weights::weight_files_in,
};
use ailedger_client::{Client, ProofSummary, dto::DatasetView};
use anyhow::Context as _;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One thing found out about PATH.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Finding {
    /// PATH hashed as a dataset, and the dataset registered under that root, if any.
    Dataset {
        mode: &'static str,
        root: String,
        leaves: u64,
        registered: Option<Box<DatasetView>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        verified: Option<ProofSummary>,
    },
    /// PATH is a file of a registered dataset.
    Member {
        dataset: String,
        name: String,
        /// The directory that hashes to the dataset.
        dataset_path: String,
        /// PATH relative to it.
        member: String,
        /// `merkle-inclusion` (files mode) or `manifest` (records mode).
        proof: &'static str,
        verified: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        state: ProofSummary,
    },
    /// PATH holds model weights.
    Weights {
        tensor_root: String,
        architecture: String,
        files: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<VersionComparison>,
    },
}

/// PATH's weights compared with a registered version.
#[derive(Debug, Serialize)]
struct VersionComparison {
    id: String,
    label: String,
    tensor_root_matches: bool,
    /// Files of PATH whose digest is one of the version's files.
    matching_files: Vec<String>,
    matches: bool,
    verified: ProofSummary,
}

/// What `verify` prints.
#[derive(Debug, Serialize)]
struct Report {
    path: String,
    kind: &'static str,
    /// What PATH is, in plain sentences.
    summary: Vec<String>,
    findings: Vec<Finding>,
}

/// Runs `verify`.
pub(super) async fn execute(context: &Context, args: VerifyArgs) -> anyhow::Result<()> {
    let path = args.path.clone();
    let metadata = std::fs::metadata(&path).map_err(|error| {
        let code = if error.kind() == std::io::ErrorKind::NotFound {
            "FILE_NOT_FOUND"
        } else {
            "IO_ERROR"
        };
        Failure::error(code, format!("cannot read {}: {error}", path.display()))
    })?;
    let is_dir = metadata.is_dir();
    let client = context.client()?;
    let mut report = Report {
        path: path.display().to_string(),
        kind: if is_dir { "directory" } else { "file" },
        summary: Vec::new(),
        findings: Vec::new(),
    };
    let mut failed: Option<Failure> = None;

    if let Some(root) = args.dataset
        && let Err(failure) =
            check_dataset_claim(&client, &path, is_dir, &root, &mut report).await?
    {
        failed = Some(failure);
    }
    if let Some(version) = &args.version {
        let identity = weights_of(&path, is_dir)?;
        let registered = client
            .verified_version(&version.id)
            .await
            .with_context(|| format!("version {}", version.text))?;
        let record = &registered.answer.version;
        let tensor_root_matches = identity.tensor_root == record.tensor_root;
        let matching_files: Vec<String> = identity
            .files
            .iter()
            .filter(|file| {
                record
                    .files
                    .iter()
                    .any(|registered| registered.sha256 == file.sha256)
            })
            .map(|file| file.path.clone())
            .collect();
        let matches = tensor_root_matches || (!is_dir && !matching_files.is_empty());
        report.summary.push(if tensor_root_matches {
            format!(
                "{} holds the weights of version {} ({}): the tensor root computed from them \
                 equals the registered one ({}).",
                report.path,
                record.label(),
                record.id,
                proof_text(&registered.verified)
            )
        } else if matches {
            format!(
                "{} is the file {} of version {} ({}): its SHA-256 is a registered file digest ({}).",
                report.path,
                matching_files.join(", "),
                record.label(),
                record.id,
                proof_text(&registered.verified)
            )
        } else {
            format!(
                "{} does NOT hold the weights of version {} ({}): tensor root {} is not the \
                 registered {}, and no file digest matches.",
                report.path,
                record.label(),
                record.id,
                identity.tensor_root,
                record.tensor_root
            )
        });
        if !matches && failed.is_none() {
            failed = Some(Failure::verification(
                "VERSION_MISMATCH",
                format!(
                    "{} does not hold the weights of {}",
                    report.path,
                    record.label()
                ),
            ));
        }
        report.findings.push(Finding::Weights {
            tensor_root: identity.tensor_root.to_string(),
            architecture: architecture_of(&identity.tensors).to_string(),
            files: identity
                .files
                .iter()
                .map(|file| format!("{}  {}", file.sha256, file.path))
                .collect(),
            version: Some(VersionComparison {
                id: record.id.to_string(),
                label: record.label(),
                tensor_root_matches,
                matching_files,
                matches,
                verified: registered.verified,
            }),
        });
    }
    if args.dataset.is_none() && args.version.is_none() {
        identify(&client, &path, is_dir, &mut report).await?;
    }

    context.output.emit(&report, || {
        let mut fields = Fields::new().add("path", &report.path);
        for sentence in &report.summary {
            fields = fields.add("finding", sentence);
        }
        fields.render()
    })?;
    match failed {
        Some(failure) => Err(failure.into()),
        None => Ok(()),
    }
}

/// Whether a file name has a weight format's extension.
fn is_weight_file(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            ["safetensors", "gguf", "onnx"]
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known))
        })
}

/// Whether a file name is a record file (records mode reads it).
fn is_record_file(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            ["csv", "jsonl", "ndjson"]
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known))
        })
}

fn weights_of(path: &Path, is_dir: bool) -> Result<ModelIdentity, Failure> {
    if is_dir {
        model_identity(&[], Some(path))
    } else {
        model_identity(&[path.to_path_buf()], None)
    }
}

fn options(mode: &str) -> DatasetOptions {
    DatasetOptions {
        mode: if mode == "records" {
            artifacts::DatasetMode::Records
        } else {
            artifacts::DatasetMode::Files
        },
        follow_symlinks: false,
        threads: 0,
    }
}

/// Hashes `path` as a dataset in `mode` and looks its root up.
async fn look_up(
    client: &Client,
    path: &Path,
    mode: &'static str,
    report: &mut Report,
) -> anyhow::Result<()> {
    let digest = with_bar("hashing", |progress| {
        hash_dataset(path, &options(mode), progress)
    })
    .map_err(Failure::from)?;
    let root = hash_of(&digest.root);
    let registered = found(client.verified_dataset(&root).await)
        .with_context(|| format!("looking up dataset {root}"))?;
    report.summary.push(match &registered {
        Some(verified) => format!(
            "{} is the registered dataset {:?} ({root}, {mode} mode, {} leaves, licence {}): \
             the root recomputed from the data is registered ({}).",
            report.path,
            verified.answer.dataset.name,
            verified.answer.dataset.leaf_count,
            verified.answer.dataset.licence.expression,
            proof_text(&verified.verified)
        ),
        None => format!(
            "{} hashed as a dataset in {mode} mode has root {root} ({}), which is not \
             registered (as the node answered).",
            report.path,
            leaves(digest.n_leaves)
        ),
    });
    report.findings.push(Finding::Dataset {
        mode,
        root: root.to_string(),
        leaves: digest.n_leaves,
        verified: registered
            .as_ref()
            .map(|verified| verified.verified.clone()),
        registered: registered.map(|verified| Box::new(verified.answer.dataset)),
    });
    Ok(())
}

/// No claim: what could PATH be?
async fn identify(
    client: &Client,
    path: &Path,
    is_dir: bool,
    report: &mut Report,
) -> anyhow::Result<()> {
    let files: Vec<PathBuf> = if is_dir {
        let mut files = Vec::new();
        for entry in
            std::fs::read_dir(path).with_context(|| format!("listing {}", path.display()))?
        {
            files.push(
                entry
                    .with_context(|| format!("listing {}", path.display()))?
                    .path(),
            );
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    look_up(client, path, "files", report).await?;
    let only_records = !files.is_empty()
        && files
            .iter()
            .all(|file| file.is_file() && is_record_file(file));
    if only_records {
        look_up(client, path, "records", report).await?;
    }
    let has_weights = if is_dir {
        !weight_files_in(path).map_err(Failure::from)?.is_empty()
    } else {
        is_weight_file(path)
    };
    if has_weights {
        let identity = weights_of(path, is_dir)?;
        report.summary.push(format!(
            "{} holds model weights with tensor root {} ({} tensors); the chain keeps no index \
             by digest: compare with a registered version with --version ID.",
            report.path,
            identity.tensor_root,
            identity.tensors.len()
        ));
        report.findings.push(Finding::Weights {
            tensor_root: identity.tensor_root.to_string(),
            architecture: architecture_of(&identity.tensors).to_string(),
            files: identity
                .files
                .iter()
                .map(|file| format!("{}  {}", file.sha256, file.path))
                .collect(),
            version: None,
        });
    }
    Ok(())
}

/// Most directories [`could_be`] looks into before giving up on a candidate.
const MAX_DIRS_PEEKED: usize = 10_000;

/// Whether `dir` could be the dataset, found by a bounded walk that gives up as soon as it sees
/// more bytes than the dataset has, more files than its leaves (files mode), or a file records
/// mode would refuse; so trying a large directory (say `/tmp`) as a candidate costs little and
/// only a plausible one is hashed.
fn could_be(dir: &Path, dataset: &DatasetView) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    let (mut n_files, mut n_bytes, mut n_dirs) = (0u64, 0u64, 0usize);
    while let Some(current) = stack.pop() {
        n_dirs += 1;
        if n_dirs > MAX_DIRS_PEEKED {
            return false;
        }
        let Ok(entries) = std::fs::read_dir(&current) else {
            return false;
        };
        for entry in entries {
            let Ok(entry) = entry else {
                return false;
            };
            let Ok(kind) = entry.file_type() else {
                return false;
            };
            if kind.is_dir() {
                stack.push(entry.path());
                continue;
            }
            // Links and special files are refused by the hasher unless asked for.
            if !kind.is_file() {
                return false;
            }
            n_files += 1;
            n_bytes = n_bytes.saturating_add(entry.metadata().map_or(u64::MAX, |m| m.len()));
            let too_many = dataset.mode == "files" && n_files > dataset.leaf_count;
            let not_a_record = dataset.mode == "records" && !is_record_file(&entry.path());
            if n_bytes > dataset.total_bytes || too_many || not_a_record {
                return false;
            }
        }
    }
    n_files > 0 && n_bytes == dataset.total_bytes
}

/// `path` relative to `dir` with `/` separators.
fn relative(dir: &Path, path: &Path) -> Option<String> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let path = std::fs::canonicalize(path).ok()?;
    let relative = path.strip_prefix(dir).ok()?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|component| component.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}

/// `--dataset ROOT`: PATH is the dataset, or a file of it. `Ok(Err(_))` is a claim that did
/// not hold (exit 3); `Err(_)` an operational error.
async fn check_dataset_claim(
    client: &Client,
    path: &Path,
    is_dir: bool,
    root: &ailedger_core::Hash,
    report: &mut Report,
) -> anyhow::Result<Result<(), Failure>> {
    let (dataset, state) =
        registered(client, root, || format!("dataset {root} is not registered")).await?;
    let mode: &'static str = if dataset.mode == "records" {
        "records"
    } else {
        "files"
    };
    // PATH as the whole dataset.
    let whole = with_bar("hashing", |progress| {
        hash_dataset(path, &options(mode), progress)
    });
    let mut hashed_to = None;
    if let Ok(digest) = &whole {
        let computed = hash_of(&digest.root);
        if computed == dataset.id && digest.n_leaves == dataset.leaf_count {
            report.summary.push(format!(
                "{} is the registered dataset {:?} ({}, {mode} mode, {} leaves, licence {}): the \
                 root recomputed from the data equals the registered root ({}).",
                report.path,
                dataset.name,
                dataset.id,
                dataset.leaf_count,
                dataset.licence.expression,
                proof_text(&state)
            ));
            report.findings.push(Finding::Dataset {
                mode,
                root: computed.to_string(),
                leaves: digest.n_leaves,
                registered: Some(Box::new(dataset)),
                verified: Some(state),
            });
            return Ok(Ok(()));
        }
        hashed_to = Some(computed);
    }
    if !is_dir {
        // A file of the dataset: try the directories above it.
        let mut candidate = path.parent().map(Path::to_path_buf);
        for _ in 0..2 {
            let Some(dir) = candidate.take() else {
                break;
            };
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            candidate = std::fs::canonicalize(&dir)
                .ok()
                .and_then(|dir| dir.parent().map(Path::to_path_buf));
            if !could_be(&dir, &dataset) {
                continue;
            }
            let Ok(digest) = with_bar("hashing", |progress| {
                hash_dataset(&dir, &options(mode), progress)
            }) else {
                continue;
            };
            if hash_of(&digest.root) != dataset.id {
                continue;
            }
            let Some(member) = relative(&dir, path) else {
                continue;
            };
            let (proof_kind, check) = if mode == "files" {
                let check = prove_file(&digest.manifest, &member)
                    .map_err(|error| error.to_string())
                    .and_then(|proof| check_proof(&proof, &dataset));
                ("merkle-inclusion", check)
            } else {
                let listed = digest.manifest.get(&member).is_some();
                let committed = hash_of(&digest.manifest_digest) == dataset.manifest;
                let check = match (listed, committed) {
                    (true, true) => Ok(()),
                    (false, _) => Err(format!("{member} is not a file of the dataset")),
                    (true, false) => Err(
                        "the dataset's manifest digest differs from the registered one".to_owned(),
                    ),
                };
                ("manifest", check)
            };
            let verified = check.is_ok();
            report.summary.push(if verified {
                format!(
                    "{} is the file {member} of the registered dataset {:?} ({}), found at {}: {} \
                     checked against the registered {} ({}).",
                    report.path,
                    dataset.name,
                    dataset.id,
                    dir.display(),
                    if proof_kind == "manifest" {
                        "its entry in the dataset's manifest was"
                    } else {
                        "its Merkle inclusion proof was"
                    },
                    if proof_kind == "manifest" {
                        "manifest digest"
                    } else {
                        "root and leaf count"
                    },
                    proof_text(&state)
                )
            } else {
                format!(
                    "{} is NOT proven to be in dataset {:?} ({}): {}",
                    report.path,
                    dataset.name,
                    dataset.id,
                    check.as_ref().err().cloned().unwrap_or_default()
                )
            });
            report.findings.push(Finding::Member {
                dataset: dataset.id.to_string(),
                name: dataset.name,
                dataset_path: dir.display().to_string(),
                member,
                proof: proof_kind,
                verified,
                reason: check.as_ref().err().cloned(),
                state,
            });
            return Ok(match check {
                Ok(()) => Ok(()),
                Err(reason) => Err(Failure::verification("NOT_A_MEMBER", reason)),
            });
        }
    }
    let reason = match (hashed_to, is_dir) {
        (Some(computed), true) => format!(
            "{} hashes to {computed} in {mode} mode, not to the registered root {}",
            report.path, dataset.id
        ),
        (_, true) => format!(
            "{} cannot be hashed in {mode} mode, the mode dataset {} is registered in",
            report.path, dataset.id
        ),
        (_, false) => format!(
            "neither {} nor the directories above it hash to dataset {} ({mode} mode)",
            report.path, dataset.id
        ),
    };
    report.summary.push(format!(
        "{} is NOT dataset {:?} ({}) nor a file of it: {reason}.",
        report.path, dataset.name, dataset.id
    ));
    Ok(Err(Failure::verification("NOT_A_MEMBER", reason)))
}
