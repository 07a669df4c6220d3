//! `ailedger dataset register | show | list | prove | verify-proof | downstream`.

use super::{
    Context,
    provenance::{
        Submitted, artifacts_hash, canonical_licence, dataset_fields, digest_of, found, hash_of,
        proof_text, signer, submit, with_bar,
    },
};
use crate::{
    cli::{
        DatasetCommand, DatasetProveArgs, DatasetRegisterArgs, DownstreamArgs, ProofFormat,
        TraversalArgs,
    },
    failure::Failure,
    output::Fields,
};
use ailedger_artifacts::dataset::{
    self as artifacts, DatasetLeaf, DatasetOptions, DatasetProof, RecordLocator, hash_dataset,
    prove_file, prove_record,
};
use ailedger_client::{
    Client, ProofSummary,
    dto::{DatasetView, DescendantView, DownstreamAnswer, NodeRefView},
};
use ailedger_core::Hash;
use ailedger_state::provenance::{
    CollectionPeriod, DatasetMode, DatasetSpec, ProvenanceMsg, query::Node,
};
use anyhow::Context as _;
use serde::Serialize;
use std::path::Path;

/// Runs a `dataset` command.
pub(super) async fn execute(context: &Context, command: DatasetCommand) -> anyhow::Result<()> {
    match command {
        DatasetCommand::Register(args) => register(context, *args).await,
        DatasetCommand::Show { root } => show(context, &root).await,
        DatasetCommand::List { offset, limit } => list(context, offset, limit).await,
        DatasetCommand::Prove(args) => prove(context, *args).await,
        DatasetCommand::VerifyProof { file, dataset } => {
            verify_proof(context, &file, &dataset).await
        }
        DatasetCommand::Downstream(args) => downstream(context, args).await,
        DatasetCommand::ExportCroissant(args) => super::export::croissant(context, &args).await,
    }
}

/// An answer, with where it was verified when it was.
#[derive(Debug, Serialize)]
pub(super) struct MaybeVerified<T> {
    #[serde(flatten)]
    pub(super) answer: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) verified: Option<ProofSummary>,
}

/// What `dataset register` prints.
#[derive(Debug, Serialize)]
struct DatasetRegistration {
    root: String,
    name: String,
    mode: &'static str,
    leaf_count: u64,
    total_bytes: u64,
    manifest: String,
    licence: String,
    #[serde(flatten)]
    submitted: Submitted,
}

fn artifacts_mode(records: bool) -> artifacts::DatasetMode {
    if records {
        artifacts::DatasetMode::Records
    } else {
        artifacts::DatasetMode::Files
    }
}

async fn register(context: &Context, args: DatasetRegisterArgs) -> anyhow::Result<()> {
    // Everything that can be checked without hashing or the node is checked first.
    let licence = canonical_licence(&args.licence)?;
    let key = signer(context, &args.tx.from)?;
    let evidence = args
        .consent
        .iter()
        .map(digest_of)
        .collect::<Result<Vec<_>, _>>()?;
    let options = DatasetOptions {
        mode: artifacts_mode(args.records),
        follow_symlinks: args.follow_symlinks,
        threads: 0,
    };
    let digest = with_bar("hashing", |progress| {
        hash_dataset(&args.path, &options, progress)
    })
    .map_err(Failure::from)?;
    let root = hash_of(&digest.root);
    let mode = if args.records {
        DatasetMode::Records
    } else {
        DatasetMode::Files
    };
    let msg = ProvenanceMsg::RegisterDataset(DatasetSpec {
        id: root,
        name: args.name.clone(),
        manifest: hash_of(&digest.manifest_digest),
        leaf_count: digest.n_leaves,
        total_bytes: digest.total_bytes,
        mode,
        licence: args.licence.clone(),
        source: args.source.clone(),
        source_category: args.category.0,
        modality: args.modality.0,
        collection: args.collected.map(|period| CollectionPeriod {
            start_ms: period.start_ms,
            end_ms: period.end_ms,
        }),
        contributors: args.contributors.clone(),
        evidence,
    });
    msg.validate()
        .map_err(|error| Failure::error(error.code(), error.to_string()))?;

    let client = context.client()?;
    if found(client.dataset(&root, false).await)
        .with_context(|| format!("looking up dataset {root}"))?
        .is_some()
    {
        return Err(Failure::error(
            "DATASET_EXISTS",
            format!(
                "dataset {root} ({}) is already registered",
                args.path.display()
            ),
        )
        .into());
    }
    let submitted = submit(&client, &key, &args.tx, &msg).await?;
    let registration = DatasetRegistration {
        root: root.to_string(),
        name: args.name,
        mode: mode.as_str(),
        leaf_count: digest.n_leaves,
        total_bytes: digest.total_bytes,
        manifest: hash_of(&digest.manifest_digest).to_string(),
        licence,
        submitted,
    };
    context.output.emit(&registration, || {
        registration
            .submitted
            .fields(
                Fields::new()
                    .add("root", &registration.root)
                    .add("name", &registration.name)
                    .add("mode", registration.mode)
                    .add("leaves", registration.leaf_count)
                    .add("bytes", registration.total_bytes)
                    .add("manifest", &registration.manifest)
                    .add("licence", &registration.licence),
            )
            .render()
    })?;
    registration.submitted.check()?;
    Ok(())
}

async fn show(context: &Context, root: &Hash) -> anyhow::Result<()> {
    let verified = context
        .client()?
        .verified_dataset(root)
        .await
        .with_context(|| format!("dataset {root}"))?;
    context.output.emit(&verified, || {
        dataset_fields(&verified.answer.dataset)
            .add("proof", proof_text(&verified.verified))
            .render()
    })
}

/// What `dataset list` prints.
#[derive(Debug, Serialize)]
struct DatasetListing {
    total: u64,
    offset: u64,
    datasets: Vec<DatasetView>,
    verified: ProofSummary,
}

async fn list(context: &Context, offset: u64, limit: u64) -> anyhow::Result<()> {
    let client = context.client()?;
    let page = client
        .verified_datasets(offset, limit)
        .await
        .context("listing datasets")?;
    let mut datasets = Vec::with_capacity(page.answer.ids.len());
    for root in &page.answer.ids {
        let dataset = client
            .verified_dataset(root)
            .await
            .with_context(|| format!("dataset {root}"))?;
        datasets.push(dataset.answer.dataset);
    }
    let listing = DatasetListing {
        total: page.answer.total,
        offset,
        datasets,
        verified: page.verified,
    };
    context.output.emit(&listing, || {
        let mut text = format!(
            "{} datasets registered; from {}:\n",
            listing.total, listing.offset
        );
        for dataset in &listing.datasets {
            text.push_str(&format!(
                "{}  {}  {} {}  {}\n",
                dataset.id,
                dataset.name,
                dataset.leaf_count,
                dataset.mode,
                dataset.licence.expression
            ));
        }
        text.push_str(&format!("proof  {}\n", proof_text(&listing.verified)));
        text
    })
}

/// Checks a proof against a registered dataset: the leaf kind matches the registered mode, the
/// proof's tree has the registered number of leaves (RFC 9162 proofs do not bind the tree size
/// by themselves), and the leaf and path lead to the registered root.
pub(super) fn check_proof(proof: &DatasetProof, dataset: &DatasetView) -> Result<(), String> {
    let leaf_mode = match proof.leaf {
        DatasetLeaf::File(_) => "files",
        DatasetLeaf::Record(_) => "records",
    };
    if leaf_mode != dataset.mode {
        return Err(format!(
            "the proof is of a {} leaf, but dataset {} is registered in {} mode",
            if leaf_mode == "files" {
                "file"
            } else {
                "record"
            },
            dataset.id,
            dataset.mode
        ));
    }
    if proof.inclusion.size() != dataset.leaf_count {
        return Err(format!(
            "the proof is for a tree of {} leaves, but dataset {} has {}",
            proof.inclusion.size(),
            dataset.id,
            dataset.leaf_count
        ));
    }
    proof
        .verify(&artifacts_hash(&dataset.id))
        .map_err(|error| error.to_string())
}

/// What `dataset prove` and `dataset verify-proof` print.
#[derive(Debug, Serialize)]
struct ProofReport {
    /// The registered dataset checked against.
    dataset: String,
    /// Its name.
    name: String,
    /// `file` or `record`.
    leaf: &'static str,
    /// The file's path, or the record's file.
    path: String,
    /// The record's position in its file (records only).
    #[serde(skip_serializing_if = "Option::is_none")]
    index_in_file: Option<u64>,
    /// The leaf's position in the dataset.
    leaf_index: u64,
    /// The proof's tree size.
    tree_size: u64,
    /// Whether the proof verified against the registered root and leaf count.
    verified: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// Where the registered root and leaf count were proven.
    state: ProofSummary,
    /// The proof as hex, when not written to a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    proof: Option<String>,
    /// Where the proof was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    out: Option<String>,
}

impl ProofReport {
    fn new(
        proof: &DatasetProof,
        dataset: &DatasetView,
        state: ProofSummary,
        check: &Result<(), String>,
    ) -> Self {
        let (leaf, path, index_in_file) = match &proof.leaf {
            DatasetLeaf::File(file) => ("file", file.path.clone(), None),
            DatasetLeaf::Record(record) => {
                ("record", record.path.clone(), Some(record.index_in_file))
            }
        };
        Self {
            dataset: dataset.id.to_string(),
            name: dataset.name.clone(),
            leaf,
            path,
            index_in_file,
            leaf_index: proof.inclusion.index(),
            tree_size: proof.inclusion.size(),
            verified: check.is_ok(),
            reason: check.as_ref().err().cloned(),
            state,
            proof: None,
            out: None,
        }
    }

    fn text(&self) -> String {
        let what = match self.index_in_file {
            Some(index) => format!("record {index} of {} (leaf {})", self.path, self.leaf_index),
            None => format!("file {} (leaf {})", self.path, self.leaf_index),
        };
        let verdict = if self.verified {
            format!(
                "{what} IS in dataset {} ({}): the Merkle proof leads to its registered root, \
                 over its {} registered leaves",
                self.name, self.dataset, self.tree_size
            )
        } else {
            format!(
                "{what} is NOT proven to be in dataset {} ({}): {}",
                self.name,
                self.dataset,
                self.reason
                    .as_deref()
                    .unwrap_or("the proof does not verify")
            )
        };
        let mut fields = Fields::new()
            .add("verdict", verdict)
            .add("dataset", &self.dataset)
            .add("leaf", &what)
            .add("registered", proof_text(&self.state));
        if let Some(out) = &self.out {
            fields = fields.add("proof_file", out);
        }
        if let Some(proof) = &self.proof {
            fields = fields.add("proof", proof);
        }
        fields.render()
    }
}

/// The registered dataset `root`, verified, or a coded error.
pub(super) async fn registered(
    client: &Client,
    root: &Hash,
    not_found: impl FnOnce() -> String,
) -> anyhow::Result<(DatasetView, ProofSummary)> {
    match found(client.verified_dataset(root).await).with_context(|| format!("dataset {root}"))? {
        Some(verified) => Ok((verified.answer.dataset, verified.verified)),
        None => Err(Failure::error("NOT_FOUND", not_found()).into()),
    }
}

async fn prove(context: &Context, args: DatasetProveArgs) -> anyhow::Result<()> {
    let leaf = &args.leaf;
    let options = |records| DatasetOptions {
        mode: artifacts_mode(records),
        follow_symlinks: args.follow_symlinks,
        threads: 0,
    };
    let proof = match (&leaf.file, leaf.record, &leaf.in_file, leaf.index) {
        (Some(file), _, _, _) => {
            let digest = with_bar("hashing", |progress| {
                hash_dataset(&args.path, &options(false), progress)
            })
            .map_err(Failure::from)?;
            prove_file(&digest.manifest, file).map_err(Failure::from)?
        }
        (None, Some(record), _, _) => with_bar("proving", |progress| {
            prove_record(
                &args.path,
                &options(true),
                &RecordLocator::Leaf(record),
                progress,
            )
        })
        .map_err(Failure::from)?,
        (None, None, Some(path), Some(index)) => with_bar("proving", |progress| {
            prove_record(
                &args.path,
                &options(true),
                &RecordLocator::InFile {
                    path: path.clone(),
                    index,
                },
                progress,
            )
        })
        .map_err(Failure::from)?,
        _ => {
            return Err(Failure::error(
                "USAGE",
                "name the leaf with --file, --record, or --in-file with --index",
            )
            .into());
        }
    };
    let local_root = hash_of(&proof.root());
    let root = args.dataset.unwrap_or(local_root);
    let client = context.client()?;
    let (dataset, state) = registered(&client, &root, || match args.dataset {
        Some(_) => format!("dataset {root} is not registered"),
        None => format!(
            "{} hashes to root {root}, which is not registered: the data differs from what \
             was registered, or pass the registered root with --dataset",
            args.path.display()
        ),
    })
    .await?;
    let check = check_proof(&proof, &dataset);
    let mut report = ProofReport::new(&proof, &dataset, state, &check);
    match &args.out {
        Some(out) => {
            let bytes = match args.format {
                ProofFormat::Hex => format!("{}\n", proof.to_hex()).into_bytes(),
                ProofFormat::Binary => proof.encode(),
            };
            std::fs::write(out, bytes)
                .with_context(|| format!("writing the proof to {}", out.display()))?;
            report.out = Some(out.display().to_string());
        }
        None => report.proof = Some(proof.to_hex()),
    }
    context.output.emit(&report, || report.text())?;
    if let Err(reason) = check {
        return Err(Failure::verification("PROOF_INVALID", reason).into());
    }
    Ok(())
}

/// Reads a proof file written as hex or as binary.
fn read_proof(file: &Path) -> anyhow::Result<DatasetProof> {
    let bytes = std::fs::read(file).map_err(|error| {
        let code = if error.kind() == std::io::ErrorKind::NotFound {
            "FILE_NOT_FOUND"
        } else {
            "IO_ERROR"
        };
        Failure::error(code, format!("cannot read {}: {error}", file.display()))
    })?;
    let text = std::str::from_utf8(&bytes).ok().map(str::trim);
    let decoded = match text {
        Some(text)
            if !text.is_empty()
                && text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            DatasetProof::from_hex(text)
        }
        _ => DatasetProof::decode(&bytes),
    };
    decoded.map_err(|error| {
        Failure::verification(
            "PROOF_MALFORMED",
            format!("{} is not a dataset proof: {error}", file.display()),
        )
        .into()
    })
}

async fn verify_proof(context: &Context, file: &Path, root: &Hash) -> anyhow::Result<()> {
    let proof = read_proof(file)?;
    let client = context.client()?;
    let (dataset, state) = registered(&client, root, || {
        format!("dataset {root} is not registered")
    })
    .await?;
    let check = check_proof(&proof, &dataset);
    let report = ProofReport::new(&proof, &dataset, state, &check);
    context.output.emit(&report, || report.text())?;
    if let Err(reason) = check {
        return Err(Failure::verification("PROOF_INVALID", reason).into());
    }
    Ok(())
}

/// Everything trained on a dataset; with `--member`, first the proof that a file or record is
/// in it, so a takedown or erasure request about one record gets the versions it reached.
async fn downstream(context: &Context, args: DownstreamArgs) -> anyhow::Result<()> {
    let member = match &args.member {
        Some(file) => {
            let proof = read_proof(file)?;
            let client = context.client()?;
            let (dataset, state) = registered(&client, &args.root, || {
                format!("dataset {} is not registered", args.root)
            })
            .await?;
            let check = check_proof(&proof, &dataset);
            if let Err(reason) = check {
                return Err(Failure::verification(
                    "PROOF_INVALID",
                    format!("{}: {reason}", file.display()),
                )
                .into());
            }
            Some(ProofReport::new(&proof, &dataset, state, &check))
        }
        None => None,
    };
    show_downstream_of(
        context,
        Node::Dataset(args.root),
        &args.traversal,
        member.as_ref(),
    )
    .await
}

/// What `dataset downstream --member` prints: the member checked, then the answer.
#[derive(Debug, Serialize)]
struct MemberDownstream<'a, T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<&'a ProofReport>,
    #[serde(flatten)]
    downstream: &'a MaybeVerified<T>,
}

fn node_text(node: &NodeRefView) -> String {
    match node {
        NodeRefView::Dataset { id } => format!("dataset {id}"),
        NodeRefView::Version { id } => format!("version {id}"),
    }
}

fn descendant_text(descendant: &DescendantView) -> String {
    format!(
        "{}  {}  depth {}  via {}  [{}]",
        descendant.version.id,
        descendant.version.label(),
        descendant.depth,
        node_text(&descendant.via),
        descendant.version.status.name()
    )
}

/// Shows everything downstream of a dataset or a version, verified with `--proofs`.
pub(super) async fn show_downstream(
    context: &Context,
    node: Node,
    traversal: &TraversalArgs,
) -> anyhow::Result<()> {
    show_downstream_of(context, node, traversal, None).await
}

async fn show_downstream_of(
    context: &Context,
    node: Node,
    traversal: &TraversalArgs,
    member: Option<&ProofReport>,
) -> anyhow::Result<()> {
    let client = context.client()?;
    let answer: MaybeVerified<DownstreamAnswer> = if traversal.proofs {
        let verified = client
            .verified_downstream(node, traversal.max_nodes)
            .await
            .context("downstream query")?;
        MaybeVerified {
            answer: verified.answer,
            verified: Some(verified.verified),
        }
    } else {
        MaybeVerified {
            answer: client
                .downstream(node, traversal.max_nodes, false)
                .await
                .context("downstream query")?,
            verified: None,
        }
    };
    let document = MemberDownstream {
        member,
        downstream: &answer,
    };
    context.output.emit(&document, || {
        let downstream = &answer.answer.downstream;
        let mut fields = Fields::new();
        if let Some(member) = member {
            let what = match member.index_in_file {
                Some(index) => format!("record {index} of {}", member.path),
                None => format!("file {}", member.path),
            };
            fields = fields.add(
                "member",
                format!("{what} (leaf {}), proof verified", member.leaf_index),
            );
        }
        let mut fields = fields
            .add("root", node_text(&downstream.root))
            .add("versions", downstream.versions.len());
        for descendant in &downstream.versions {
            fields = fields.add("version", descendant_text(descendant));
        }
        fields = match &answer.verified {
            Some(summary) => fields.add("proof", proof_text(summary)),
            None => fields.add(
                "proof",
                format!(
                    "not verified (read at block {}; pass --proofs)",
                    answer.answer.height
                ),
            ),
        };
        fields.render()
    })
}
