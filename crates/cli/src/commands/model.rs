//! `ailedger model register | version register | version show | show | versions | lineage |
//! licences | downstream | deprecate | revoke | transfer | sign | verify-signature | keygen`.

use super::{
    Context,
    card::{self, card_links, read_card},
    dataset::{MaybeVerified, show_downstream},
    export,
    provenance::{
        ModelIdentity, Submitted, architecture_of, canonical_licence, digest_of, found,
        model_identity, proof_text, signer, status_text, submit, version_fields,
    },
};
use crate::{
    cli::{
        DigestArg, LicencesArgs, ModelCommand, StatusArgs, TraversalArgs, TxArgs, VersionCommand,
        VersionRef, VersionRegisterArgs,
    },
    failure::Failure,
    output::Fields,
};
use ailedger_client::{
    Client, ProofSummary,
    dto::{IntendedUseView, LicencesAnswer, LineageAnswer, ModelVersionView, VersionStatusView},
};
use ailedger_core::Hash;
use ailedger_interop::model_signing::{
    HashOptions, PrivateKey, PublicKey, VerifyOptions, generate_key_pair, hash_directory,
    sign_manifest, verify_directory_with,
};
use ailedger_state::provenance::{
    Parent, ProvenanceMsg, Relation, TrainingRun, VersionSpec, query::Node,
};
use anyhow::Context as _;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Runs a `model` command.
pub(super) async fn execute(context: &Context, command: ModelCommand) -> anyhow::Result<()> {
    match command {
        ModelCommand::Register { name, tx } => register(context, name, &tx).await,
        ModelCommand::Version {
            command: VersionCommand::Register(args),
        } => register_version(context, *args).await,
        ModelCommand::Version {
            command: VersionCommand::Show { version },
        } => show_version(context, &version).await,
        ModelCommand::Show { name } => show(context, &name).await,
        ModelCommand::Versions {
            name,
            offset,
            limit,
        } => versions(context, &name, offset, limit).await,
        ModelCommand::Lineage { version, traversal } => {
            lineage(context, &version, &traversal).await
        }
        ModelCommand::Licences(args) => licences(context, &args).await,
        ModelCommand::Downstream { version, traversal } => {
            show_downstream(context, Node::Version(version.id), &traversal).await
        }
        ModelCommand::Deprecate(args) => change_status(context, args, false).await,
        ModelCommand::Revoke(args) => change_status(context, args, true).await,
        ModelCommand::Transfer { name, to, tx } => transfer(context, name, to, &tx).await,
        ModelCommand::Sign { dir, key, out } => sign(context, &dir, &key, &out),
        ModelCommand::VerifySignature {
            dir,
            signature,
            public_key,
            version,
        } => verify_signature(context, &dir, &signature, &public_key, version.as_ref()).await,
        ModelCommand::ExportCard(args) => export::card(context, &args).await,
        ModelCommand::Summary(args) => export::summary(context, &args).await,
        ModelCommand::Keygen {
            out_private,
            out_public,
        } => keygen(context, &out_private, &out_public),
    }
}

/// What `model register` prints.
#[derive(Debug, Serialize)]
struct ModelRegistration {
    name: String,
    owner: String,
    #[serde(flatten)]
    submitted: Submitted,
}

async fn register(context: &Context, name: String, tx: &TxArgs) -> anyhow::Result<()> {
    let key = signer(context, &tx.from)?;
    let client = context.client()?;
    if let Some(existing) = found(client.model(&name, false).await)
        .with_context(|| format!("looking up model {name:?}"))?
    {
        return Err(Failure::error(
            "MODEL_EXISTS",
            format!(
                "model {name:?} is already registered, owned by {}",
                existing.model.owner
            ),
        )
        .into());
    }
    let msg = ProvenanceMsg::RegisterModel { name: name.clone() };
    let submitted = submit(&client, &key, tx, &msg).await?;
    let registration = ModelRegistration {
        name,
        owner: key.key.address().to_string(),
        submitted,
    };
    context.output.emit(&registration, || {
        registration
            .submitted
            .fields(
                Fields::new()
                    .add("model", &registration.name)
                    .add("owner", &registration.owner),
            )
            .render()
    })?;
    registration.submitted.check()?;
    Ok(())
}

/// What `model version register` prints.
#[derive(Debug, Serialize)]
struct VersionRegistration {
    id: String,
    model: String,
    version: String,
    tensor_root: String,
    architecture: String,
    files: Vec<FileLine>,
    licence: String,
    #[serde(flatten)]
    submitted: Submitted,
}

/// A file and its digest.
#[derive(Debug, Serialize)]
struct FileLine {
    path: String,
    sha256: String,
}

/// The registration's checks against the chain, before anything is signed: the model exists
/// and the signer owns it, the version is new, every parent and dataset is registered and no
/// parent is revoked. The chain checks all of it again; checking here spares a fee and names
/// the culprit.
async fn check_version_against_chain(
    client: &Client,
    spec: &VersionSpec,
    parents: &[VersionRef],
    sender: &ailedger_core::Address,
) -> anyhow::Result<()> {
    let Some(model) = found(client.model(&spec.model, false).await)
        .with_context(|| format!("looking up model {:?}", spec.model))?
    else {
        return Err(Failure::error(
            "MODEL_NOT_FOUND",
            format!(
                "model {:?} is not registered: register it first with `ailedger model register`",
                spec.model
            ),
        )
        .into());
    };
    if model.model.owner != *sender {
        return Err(Failure::error(
            "NOT_MODEL_OWNER",
            format!(
                "model {:?} is owned by {}, not by the signer {sender}",
                spec.model, model.model.owner
            ),
        )
        .into());
    }
    let id = spec.id();
    if found(client.version(&id, false).await)
        .with_context(|| format!("looking up version {id}"))?
        .is_some()
    {
        return Err(Failure::error(
            "VERSION_EXISTS",
            format!(
                "version {:?} of model {:?} ({id}) is already registered",
                spec.version, spec.model
            ),
        )
        .into());
    }
    for parent in parents {
        let Some(answer) = found(client.version(&parent.id, false).await)
            .with_context(|| format!("looking up parent {}", parent.text))?
        else {
            return Err(Failure::error(
                "PARENT_NOT_FOUND",
                format!(
                    "parent version {} ({}) is not registered",
                    parent.text, parent.id
                ),
            )
            .into());
        };
        if let VersionStatusView::Revoked { reason, .. } = &answer.version.status {
            return Err(Failure::error(
                "PARENT_REVOKED",
                format!(
                    "parent version {} ({}) was revoked ({reason}) and cannot be a parent",
                    answer.version.label(),
                    parent.id
                ),
            )
            .into());
        }
    }
    for dataset in &spec.datasets {
        if found(client.dataset(dataset, false).await)
            .with_context(|| format!("looking up dataset {dataset}"))?
            .is_none()
        {
            return Err(Failure::error(
                "DATASET_NOT_FOUND",
                format!("dataset {dataset} is not registered"),
            )
            .into());
        }
    }
    Ok(())
}

async fn register_version(context: &Context, args: VersionRegisterArgs) -> anyhow::Result<()> {
    let card = args.card.as_deref().map(read_card).transpose()?;
    let card_licence = card.as_ref().and_then(card::card_licence);
    let raw_licence = match (&args.licence, card_licence) {
        (Some(given), Some(from_card)) => {
            if canonical_licence(given)? != canonical_licence(&from_card)? {
                return Err(Failure::error(
                    "CARD_CONFLICT",
                    format!("--licence {given:?} differs from the card's licence {from_card:?}"),
                )
                .into());
            }
            given.clone()
        }
        (Some(given), None) => given.clone(),
        (None, Some(from_card)) => from_card,
        (None, None) => {
            return Err(Failure::error(
                "LICENCE_MISSING",
                "the card has no license: give --licence",
            )
            .into());
        }
    };
    let licence = canonical_licence(&raw_licence)?;
    let key = signer(context, &args.tx.from)?;
    let training = match &args.training_config {
        Some(path) => Some(TrainingRun {
            config: digest_of(&DigestArg::File(path.clone()))?,
            code_commit: args.code_commit.clone().unwrap_or_default(),
            hardware: args.hardware.clone().unwrap_or_default(),
        }),
        None => None,
    };
    let explicit_architecture = args
        .architecture_digest
        .as_ref()
        .map(digest_of)
        .transpose()?;
    let ModelIdentity {
        files,
        tensor_root,
        tensors,
    } = model_identity(&args.weights.weights, args.weights.weights_dir.as_deref())?;
    let architecture = explicit_architecture.unwrap_or_else(|| architecture_of(&tensors));
    let client = context.client()?;
    let mut parents: Vec<(VersionRef, Relation)> = args
        .parents
        .iter()
        .map(|parent| (parent.version.clone(), parent.relation))
        .collect();
    let mut datasets = args.datasets.clone();
    if let (Some(card), Some(path)) = (&card, &args.card) {
        let links = card_links(&client, path, card, &args.card_map).await?;
        for (version, relation) in links.parents {
            match parents.iter().find(|(given, _)| given.id == version.id) {
                Some((_, given)) if *given != relation => {
                    return Err(Failure::error(
                        "CARD_CONFLICT",
                        format!(
                            "parent {} is {given} by --parent but {relation} by the card",
                            version.text
                        ),
                    )
                    .into());
                }
                Some(_) => {}
                None => parents.push((version, relation)),
            }
        }
        for root in links.datasets {
            if !datasets.contains(&root) {
                datasets.push(root);
            }
        }
    }
    let spec = VersionSpec {
        model: args.name.clone(),
        version: args.version.clone(),
        files,
        tensor_root,
        architecture,
        parents: parents
            .iter()
            .map(|(version, relation)| Parent {
                id: version.id,
                relation: *relation,
            })
            .collect(),
        datasets,
        training,
        licence: raw_licence,
    };
    let msg = ProvenanceMsg::RegisterModelVersion(spec.clone());
    msg.validate()
        .map_err(|error| Failure::error(error.code(), error.to_string()))?;

    let parents: Vec<VersionRef> = parents.into_iter().map(|(version, _)| version).collect();
    check_version_against_chain(&client, &spec, &parents, &key.key.address()).await?;
    let submitted = submit(&client, &key, &args.tx, &msg).await?;
    let registration = VersionRegistration {
        id: spec.id().to_string(),
        model: spec.model.clone(),
        version: spec.version.clone(),
        tensor_root: tensor_root.to_string(),
        architecture: architecture.to_string(),
        files: spec
            .files
            .iter()
            .map(|file| FileLine {
                path: file.path.clone(),
                sha256: file.sha256.to_string(),
            })
            .collect(),
        licence,
        submitted,
    };
    context.output.emit(&registration, || {
        let mut fields = Fields::new()
            .add("id", &registration.id)
            .add(
                "version",
                format!("{}@{}", registration.model, registration.version),
            )
            .add("tensor_root", &registration.tensor_root)
            .add("architecture", &registration.architecture)
            .add("licence", &registration.licence);
        for file in &registration.files {
            fields = fields.add("file", format!("{}  {}", file.sha256, file.path));
        }
        registration.submitted.fields(fields).render()
    })?;
    registration.submitted.check()?;
    Ok(())
}

async fn show_version(context: &Context, version: &VersionRef) -> anyhow::Result<()> {
    let verified = context
        .client()?
        .verified_version(&version.id)
        .await
        .with_context(|| format!("version {}", version.text))?;
    context.output.emit(&verified, || {
        version_fields(&verified.answer.version)
            .add("proof", proof_text(&verified.verified))
            .render()
    })
}

async fn show(context: &Context, name: &str) -> anyhow::Result<()> {
    let verified = context
        .client()?
        .verified_model(name)
        .await
        .with_context(|| format!("model {name:?}"))?;
    context.output.emit(&verified, || {
        let model = &verified.answer.model;
        Fields::new()
            .add("model", &model.name)
            .add("owner", &model.owner)
            .add("publisher", &model.publisher)
            .add("versions", model.version_count)
            .add("registered", format!("block {}", model.height))
            .add("proof", proof_text(&verified.verified))
            .render()
    })
}

/// What `model versions` prints.
#[derive(Debug, Serialize)]
struct VersionListing {
    model: String,
    total: u64,
    offset: u64,
    versions: Vec<ModelVersionView>,
    verified: ProofSummary,
}

async fn versions(context: &Context, name: &str, offset: u64, limit: u64) -> anyhow::Result<()> {
    let client = context.client()?;
    let page = client
        .verified_model_versions(name, offset, limit)
        .await
        .with_context(|| format!("versions of model {name:?}"))?;
    let mut versions = Vec::with_capacity(page.answer.ids.len());
    for id in &page.answer.ids {
        let version = client
            .verified_version(id)
            .await
            .with_context(|| format!("version {id}"))?;
        versions.push(version.answer.version);
    }
    let listing = VersionListing {
        model: name.to_owned(),
        total: page.answer.total,
        offset,
        versions,
        verified: page.verified,
    };
    context.output.emit(&listing, || {
        let mut text = format!(
            "model {} has {} versions; from {}:\n",
            listing.model, listing.total, listing.offset
        );
        for version in &listing.versions {
            text.push_str(&format!(
                "{}  {}  {}  {}\n",
                version.id,
                version.version,
                status_text(&version.status),
                version.licence.expression
            ));
        }
        text.push_str(&format!("proof  {}\n", proof_text(&listing.verified)));
        text
    })
}

fn proof_line(fields: Fields, height: u64, verified: Option<&ProofSummary>) -> Fields {
    match verified {
        Some(summary) => fields.add("proof", proof_text(summary)),
        None => fields.add(
            "proof",
            format!("not verified (read at block {height}; pass --proofs)"),
        ),
    }
}

/// A version's lineage, verified against the block's state root when `--proofs` asks for it.
pub(super) async fn fetch_lineage(
    client: &Client,
    version: &VersionRef,
    traversal: &TraversalArgs,
) -> anyhow::Result<MaybeVerified<LineageAnswer>> {
    Ok(if traversal.proofs {
        let verified = client
            .verified_lineage(&version.id, traversal.max_nodes)
            .await
            .with_context(|| format!("lineage of {}", version.text))?;
        MaybeVerified {
            answer: verified.answer,
            verified: Some(verified.verified),
        }
    } else {
        MaybeVerified {
            answer: client
                .lineage(&version.id, traversal.max_nodes, false)
                .await
                .with_context(|| format!("lineage of {}", version.text))?,
            verified: None,
        }
    })
}

async fn lineage(
    context: &Context,
    version: &VersionRef,
    traversal: &TraversalArgs,
) -> anyhow::Result<()> {
    let answer = fetch_lineage(&context.client()?, version, traversal).await?;
    context.output.emit(&answer, || {
        let lineage = &answer.answer.lineage;
        let mut fields = Fields::new().add(
            "version",
            format!(
                "{}  {}  [{}]",
                lineage.version.id,
                lineage.version.label(),
                lineage.version.status.name()
            ),
        );
        for ancestor in &lineage.ancestors {
            fields = fields.add(
                "ancestor",
                format!(
                    "depth {}  {}  {}  {}  [{}]",
                    ancestor.depth,
                    ancestor.relation,
                    ancestor.version.id,
                    ancestor.version.label(),
                    ancestor.version.status.name()
                ),
            );
        }
        for dataset in &lineage.datasets {
            fields = fields.add(
                "dataset",
                format!(
                    "depth {}  {}  {}  {}",
                    dataset.depth,
                    dataset.dataset.id,
                    dataset.dataset.name,
                    dataset.dataset.licence.expression
                ),
            );
        }
        for edge in &lineage.edges {
            fields = fields.add(
                "edge",
                format!("{} -> {} ({})", edge.child, edge.parent, edge.relation),
            );
        }
        proof_line(fields, answer.answer.height, answer.verified.as_ref()).render()
    })
}

async fn licences(context: &Context, args: &LicencesArgs) -> anyhow::Result<()> {
    let intended_use = IntendedUseView {
        commercial: args.commercial,
        redistribute_weights: args.redistribute,
        create_derivatives: args.derivatives,
    };
    let client = context.client()?;
    let max_nodes = args.traversal.max_nodes;
    let answer: MaybeVerified<LicencesAnswer> = if args.traversal.proofs {
        let verified = client
            .verified_licences(&args.version.id, intended_use, max_nodes)
            .await
            .with_context(|| format!("licences of {}", args.version.text))?;
        MaybeVerified {
            answer: verified.answer,
            verified: Some(verified.verified),
        }
    } else {
        MaybeVerified {
            answer: client
                .licences(&args.version.id, intended_use, max_nodes, false)
                .await
                .with_context(|| format!("licences of {}", args.version.text))?,
            verified: None,
        }
    };
    let report = &answer.answer.report;
    context.output.emit(&answer, || {
        let mut uses = Vec::new();
        if intended_use.commercial {
            uses.push("commercial");
        }
        if intended_use.redistribute_weights {
            uses.push("redistributing weights");
        }
        if intended_use.create_derivatives {
            uses.push("creating derivatives");
        }
        let use_text = if uses.is_empty() {
            "non-commercial, no redistribution, no derivatives".to_owned()
        } else {
            uses.join(", ")
        };
        let verdict = if report.clear {
            "clear: no licence conflicts with this use".to_owned()
        } else {
            format!("{} conflict(s) with this use", report.conflicts.len())
        };
        let mut fields = Fields::new()
            .add("version", &args.version.text)
            .add("use", use_text)
            .add("verdict", verdict);
        for conflict in &report.conflicts {
            fields = fields.add(
                "conflict",
                format!(
                    "{}  {}  {} {} ({}): {}",
                    conflict.kind,
                    conflict.licence,
                    conflict.source.role,
                    conflict.source.label,
                    conflict.source.id,
                    conflict.reason
                ),
            );
        }
        for obligation in &report.obligations {
            fields = fields.add(
                "obligation",
                format!(
                    "{}  {}  {} {}: {}",
                    obligation.kind,
                    obligation.licence,
                    obligation.source.role,
                    obligation.source.label,
                    obligation.text
                ),
            );
        }
        for licence in &report.licences {
            fields = fields.add(
                "licence",
                format!(
                    "{} {}: {}",
                    licence.source.role, licence.source.label, licence.expression
                ),
            );
        }
        proof_line(fields, answer.answer.height, answer.verified.as_ref()).render()
    })?;
    if args.strict && !report.clear {
        let kinds: Vec<String> = report
            .conflicts
            .iter()
            .map(|conflict| format!("{} ({})", conflict.kind, conflict.source.label))
            .collect();
        return Err(Failure::conflicts(format!(
            "the intended use conflicts with the licences reaching {}: {}",
            args.version.text,
            kinds.join(", ")
        ))
        .into());
    }
    Ok(())
}

/// What `model deprecate`, `model revoke` and `model transfer` print.
#[derive(Debug, Serialize)]
struct Change {
    action: &'static str,
    subject: String,
    #[serde(flatten)]
    submitted: Submitted,
}

impl Change {
    fn emit(&self, context: &Context) -> anyhow::Result<()> {
        context.output.emit(self, || {
            self.submitted
                .fields(
                    Fields::new()
                        .add("action", self.action)
                        .add("subject", &self.subject),
                )
                .render()
        })?;
        self.submitted.check()?;
        Ok(())
    }
}

async fn change_status(context: &Context, args: StatusArgs, revoke: bool) -> anyhow::Result<()> {
    let key = signer(context, &args.tx.from)?;
    let client = context.client()?;
    let Some(existing) = found(client.version(&args.version.id, false).await)
        .with_context(|| format!("looking up version {}", args.version.text))?
    else {
        return Err(Failure::error(
            "VERSION_NOT_FOUND",
            format!(
                "model version {} ({}) is not registered",
                args.version.text, args.version.id
            ),
        )
        .into());
    };
    let (action, msg) = if revoke {
        (
            "revoke",
            ProvenanceMsg::RevokeVersion {
                id: args.version.id,
                reason: args.reason.clone(),
            },
        )
    } else {
        (
            "deprecate",
            ProvenanceMsg::DeprecateVersion {
                id: args.version.id,
                reason: args.reason.clone(),
            },
        )
    };
    msg.validate()
        .map_err(|error| Failure::error(error.code(), error.to_string()))?;
    let submitted = submit(&client, &key, &args.tx, &msg).await?;
    Change {
        action,
        subject: format!("{} ({})", existing.version.label(), args.version.id),
        submitted,
    }
    .emit(context)
}

async fn transfer(
    context: &Context,
    name: String,
    to: crate::cli::AccountArg,
    tx: &TxArgs,
) -> anyhow::Result<()> {
    let key = signer(context, &tx.from)?;
    let new_owner = super::account::resolve(context, to)?;
    let client = context.client()?;
    if found(client.model(&name, false).await)
        .with_context(|| format!("looking up model {name:?}"))?
        .is_none()
    {
        return Err(Failure::error(
            "MODEL_NOT_FOUND",
            format!("model {name:?} is not registered"),
        )
        .into());
    }
    let msg = ProvenanceMsg::TransferModel {
        name: name.clone(),
        new_owner: new_owner.clone(),
    };
    let submitted = submit(&client, &key, tx, &msg).await?;
    Change {
        action: "transfer",
        subject: format!("{name} to {new_owner}"),
        submitted,
    }
    .emit(context)
}

/// `out` relative to `dir` with `/` separators, if it is inside it (it need not exist yet).
fn inside(dir: &Path, out: &Path) -> Option<String> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let out = std::fs::canonicalize(parent).ok()?.join(out.file_name()?);
    let relative = out.strip_prefix(&dir).ok()?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|component| component.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}

fn read_text(path: &Path, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|error| {
        let code = if error.kind() == std::io::ErrorKind::NotFound {
            "FILE_NOT_FOUND"
        } else {
            "IO_ERROR"
        };
        Failure::error(
            code,
            format!("cannot read the {what} {}: {error}", path.display()),
        )
    })
}

/// What `model sign` prints.
#[derive(Debug, Serialize)]
struct Signed {
    dir: String,
    signature: String,
    files: usize,
    public_key_hint: String,
}

fn sign(context: &Context, dir: &Path, key: &Path, out: &Path) -> anyhow::Result<()> {
    let private_key =
        PrivateKey::from_pem(&read_text(key, "private key")?).map_err(Failure::from)?;
    // The bundle is written after hashing; inside the directory it must not sign itself.
    let options = HashOptions {
        ignore_paths: inside(dir, out).into_iter().collect(),
        ..HashOptions::default()
    };
    let manifest = hash_directory(dir, &options).map_err(Failure::from)?;
    let bundle = sign_manifest(&manifest, &private_key);
    bundle
        .write(out)
        .with_context(|| format!("writing the signature to {}", out.display()))?;
    let files = manifest.files.len();
    let signed = Signed {
        dir: dir.display().to_string(),
        signature: out.display().to_string(),
        files,
        public_key_hint: private_key.public_key().hint(),
    };
    context.output.emit(&signed, || {
        Fields::new()
            .add("signed", &signed.dir)
            .add("files", signed.files)
            .add("signature", &signed.signature)
            .add("key_hint", &signed.public_key_hint)
            .add(
                "format",
                "OpenSSF Model Signing v1 (Sigstore bundle v0.3, DSSE, in-toto)",
            )
            .render()
    })
}

/// How the signed files compare with a registered version's.
#[derive(Debug, Serialize)]
struct VersionMatch {
    id: String,
    label: String,
    /// Whether every file the version lists is signed, with the same digest.
    matches: bool,
    /// Files of the version missing from the signature or with another digest.
    differing: Vec<String>,
    /// Signed files the version does not list (e.g. a README).
    extra: Vec<String>,
    verified: ProofSummary,
}

/// What `model verify-signature` prints.
#[derive(Debug, Serialize)]
struct SignatureCheck {
    dir: String,
    signature_valid: bool,
    files: usize,
    key_hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<VersionMatch>,
}

async fn verify_signature(
    context: &Context,
    dir: &Path,
    signature: &Path,
    public_key: &Path,
    version: Option<&VersionRef>,
) -> anyhow::Result<()> {
    let public_key =
        PublicKey::from_pem(&read_text(public_key, "public key")?).map_err(Failure::from)?;
    let bundle = std::fs::read(signature).map_err(|error| {
        Failure::error(
            if error.kind() == std::io::ErrorKind::NotFound {
                "FILE_NOT_FOUND"
            } else {
                "IO_ERROR"
            },
            format!("cannot read the signature {}: {error}", signature.display()),
        )
    })?;
    let options = VerifyOptions {
        ignore_paths: inside(dir, signature).into_iter().collect(),
        ..VerifyOptions::default()
    };
    let verified =
        verify_directory_with(dir, &bundle, &public_key, &options).map_err(Failure::from)?;
    let version_match = match version {
        None => None,
        Some(version) => {
            let registered = context
                .client()?
                .verified_version(&version.id)
                .await
                .with_context(|| format!("version {}", version.text))?;
            let signed: std::collections::BTreeMap<&str, Hash> = verified
                .manifest
                .files
                .iter()
                .map(|file| (file.path.as_str(), Hash::from(file.sha256)))
                .collect();
            let record = &registered.answer.version;
            let differing: Vec<String> = record
                .files
                .iter()
                .filter(|file| signed.get(file.path.as_str()) != Some(&file.sha256))
                .map(|file| file.path.clone())
                .collect();
            let extra: Vec<String> = signed
                .keys()
                .filter(|path| !record.files.iter().any(|file| file.path == **path))
                .map(|path| (*path).to_owned())
                .collect();
            Some(VersionMatch {
                id: record.id.to_string(),
                label: record.label(),
                matches: differing.is_empty(),
                differing,
                extra,
                verified: registered.verified,
            })
        }
    };
    let check = SignatureCheck {
        dir: dir.display().to_string(),
        signature_valid: true,
        files: verified.manifest.files.len(),
        key_hint: verified.key_hint.clone(),
        version: version_match,
    };
    context.output.emit(&check, || {
        let mut fields = Fields::new()
            .add(
                "verdict",
                format!(
                    "the signature is valid: {} files of {} signed by this key, unchanged",
                    check.files, check.dir
                ),
            )
            .add("format", "OpenSSF Model Signing v1");
        if let Some(version) = &check.version {
            fields = fields.add(
                "version",
                if version.matches {
                    format!(
                        "the signed files are those registered for {} ({})",
                        version.label, version.id
                    )
                } else {
                    format!(
                        "the signed files are NOT those registered for {} ({}): {} differ",
                        version.label,
                        version.id,
                        version.differing.join(", ")
                    )
                },
            );
            if !version.extra.is_empty() {
                fields = fields.add("unregistered", version.extra.join(", "));
            }
            fields = fields.add("proof", proof_text(&version.verified));
        }
        fields.render()
    })?;
    if let Some(version) = &check.version
        && !version.matches
    {
        return Err(Failure::verification(
            "VERSION_MISMATCH",
            format!(
                "the signed files differ from those registered for {}: {}",
                version.label,
                version.differing.join(", ")
            ),
        )
        .into());
    }
    Ok(())
}

/// What `model keygen` prints.
#[derive(Debug, Serialize)]
struct KeyPair {
    private_key: String,
    public_key: String,
    public_key_hint: String,
}

fn keygen(context: &Context, out_private: &Path, out_public: &Path) -> anyhow::Result<()> {
    let key = generate_key_pair(out_private, out_public).map_err(Failure::from)?;
    let pair = KeyPair {
        private_key: out_private.display().to_string(),
        public_key: out_public.display().to_string(),
        public_key_hint: key.public_key().hint(),
    };
    context.output.emit(&pair, || {
        Fields::new()
            .add("private_key", &pair.private_key)
            .add("public_key", &pair.public_key)
            .add("key_hint", &pair.public_key_hint)
            .render()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_inside_the_model_directory_is_left_out_of_what_is_signed() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("sub")).expect("sub");
        assert_eq!(
            inside(dir.path(), &dir.path().join("model.sig")).as_deref(),
            Some("model.sig")
        );
        assert_eq!(
            inside(dir.path(), &dir.path().join("sub/model.sig")).as_deref(),
            Some("sub/model.sig")
        );
        let other = tempfile::tempdir().expect("temp dir");
        assert_eq!(inside(dir.path(), &other.path().join("model.sig")), None);
    }
}
