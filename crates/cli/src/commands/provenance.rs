//! What the `dataset`, `model` and `verify` commands share: signing and submitting provenance
//! transactions, progress bars, local hashing with coded errors, lookups and text output.

use super::Context;
use crate::{
    cli::{DigestArg, TxArgs},
    failure::Failure,
    keystore::StoredKey,
    output::Fields,
};
use ailedger_artifacts::{
    NoProgress, Progress,
    dataset::identify_file,
    weights::{ModelOptions, TensorLeaf, hash_model, weight_files_in},
};
use ailedger_client::{
    Client, ClientError, ProofSummary,
    dto::{DatasetView, ModelVersionView, OutcomeView, TxRecordView, VersionStatusView},
};
use ailedger_core::{Hash, ModuleId, SignedTransaction, Transaction};
use ailedger_interop::model_signing::{HashOptions, hash_directory};
use ailedger_state::{
    Module,
    provenance::{FileDigest, Provenance, ProvenanceMsg, licence},
};
use anyhow::Context as _;
use commonware_codec::{Encode, EncodeSize};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

/// A progress bar on stderr while hashing, drawn only when stderr is a terminal, from the first
/// report on (when the job's size is known).
#[derive(Debug)]
pub(super) struct Bar {
    label: Option<String>,
    bar: OnceLock<ProgressBar>,
    done: AtomicU64,
}

impl Bar {
    /// A bar labelled `label` (nothing at all when stderr is not a terminal).
    pub(super) fn new(label: &str) -> Self {
        Self {
            label: std::io::stderr().is_terminal().then(|| label.to_owned()),
            bar: OnceLock::new(),
            done: AtomicU64::new(0),
        }
    }

    /// Removes the bar.
    pub(super) fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn on_progress(&self, bytes_done: u64, bytes_total: u64) {
        let Some(label) = &self.label else {
            return;
        };
        let bar = self.bar.get_or_init(|| {
            let bar = ProgressBar::new(bytes_total);
            let style = ProgressStyle::with_template(
                "{msg:>12} [{bar:32}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(label.clone());
            bar
        });
        // Reports from different threads may arrive out of order: keep the largest.
        let done = self
            .done
            .fetch_max(bytes_done, Ordering::Relaxed)
            .max(bytes_done);
        bar.set_position(done);
    }
}

/// Runs a hashing job with a progress bar, cleared when it ends.
pub(super) fn with_bar<T>(label: &str, job: impl FnOnce(&dyn Progress) -> T) -> T {
    let bar = Bar::new(label);
    let result = job(&bar);
    bar.finish();
    result
}

/// Converts an artifacts digest.
pub(super) fn hash_of(hash: &ailedger_artifacts::Hash) -> Hash {
    Hash::from(*hash.as_bytes())
}

/// The canonical form of a licence, or the licence checker's code for why it has none.
pub(super) fn canonical_licence(raw: &str) -> Result<String, Failure> {
    licence::canonicalize(raw)
        .map_err(|error| Failure::error(error.code(), format!("licence {raw:?}: {error}")))
}

/// A digest given as hex, or the SHA-256 of a file.
pub(super) fn digest_of(arg: &DigestArg) -> Result<Hash, Failure> {
    match arg {
        DigestArg::Hex(hash) => Ok(*hash),
        DigestArg::File(path) => Ok(hash_of(&identify_file(path, &NoProgress)?.sha256)),
    }
}

/// The keystore key `name`.
pub(super) fn signer(context: &Context, name: &str) -> anyhow::Result<StoredKey> {
    context
        .keystore()?
        .load(name)
        .with_context(|| format!("loading key {name:?}"))
}

/// `Some` of an answer, `None` if the node answered 404.
pub(super) fn found<T>(result: Result<T, ClientError>) -> Result<Option<T>, ClientError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// A submitted provenance transaction, and its record once committed (with `--wait`).
#[derive(Debug, Serialize)]
pub(super) struct Submitted {
    /// The transaction id.
    pub(super) tx_hash: String,
    /// The committed transaction with its receipt; `null` without `--wait`.
    pub(super) tx: Option<TxRecordView>,
}

impl Submitted {
    /// Text lines: the transaction, and its outcome once committed.
    pub(super) fn fields(&self, fields: Fields) -> Fields {
        let mut fields = fields.add("tx", &self.tx_hash);
        match &self.tx {
            None => fields.add("status", "submitted (not waited for)"),
            Some(record) => {
                if let Some(location) = &record.location {
                    fields = fields.add("height", location.height);
                }
                if let Some(receipt) = &record.receipt {
                    fields = fields.add("fee", receipt.fee).add(
                        "outcome",
                        match &receipt.outcome {
                            OutcomeView::Success => "success".to_owned(),
                            OutcomeView::Failed { code, message } => {
                                format!("failed: {code}: {message}")
                            }
                        },
                    );
                }
                fields
            }
        }
    }

    /// Fails (exit 1, the chain's code) if the transaction was committed but its message
    /// failed.
    pub(super) fn check(&self) -> Result<(), Failure> {
        if let Some(record) = &self.tx
            && let Some(receipt) = &record.receipt
            && let OutcomeView::Failed { code, message } = &receipt.outcome
        {
            return Err(Failure::error(
                code.clone(),
                format!(
                    "transaction {} was committed but failed: {message}",
                    self.tx_hash
                ),
            ));
        }
        Ok(())
    }
}

/// A gas limit that covers any provenance message of this size: the base charges, every byte
/// carried in the transaction and written to state a few times over, and for each parent or
/// dataset a children page rewritten. Only the gas used is paid, so the bound can be generous.
pub(super) fn estimated_gas(msg: &ProvenanceMsg) -> u64 {
    let bytes = u64::try_from(msg.encode_size()).unwrap_or(u64::MAX);
    let links = match msg {
        ProvenanceMsg::RegisterModelVersion(spec) => spec.parents.len() + spec.datasets.len(),
        _ => 0,
    };
    let links = u64::try_from(links).unwrap_or(u64::MAX);
    200_000_u64
        .saturating_add(bytes.saturating_mul(50))
        .saturating_add(links.saturating_mul(50_000))
}

/// Builds, signs and submits a provenance message; with `--wait`, waits for its receipt.
pub(super) async fn submit(
    client: &Client,
    key: &StoredKey,
    args: &TxArgs,
    msg: &ProvenanceMsg,
) -> anyhow::Result<Submitted> {
    let payload = msg.encode().to_vec();
    send(
        client,
        key,
        args,
        (Provenance::ID, payload),
        msg.kind(),
        estimated_gas(msg),
    )
    .await
}

/// Builds, signs and submits a transaction carrying `message` (a module and its encoded
/// message, of kind `kind`) with `--gas-limit` or else `default_gas`; with `--wait`, waits
/// for its receipt.
pub(super) async fn send(
    client: &Client,
    key: &StoredKey,
    args: &TxArgs,
    message: (ModuleId, Vec<u8>),
    kind: &str,
    default_gas: u64,
) -> anyhow::Result<Submitted> {
    let (module, payload) = message;
    let sender = key.key.address();
    let chain = client.chain().await.context("fetching the chain id")?;
    let gas_price = args.gas_price.unwrap_or(chain.min_gas_price);
    let gas_limit = args.gas_limit.unwrap_or(default_gas);
    let sign = |nonce: u64| -> anyhow::Result<SignedTransaction> {
        let tx = Transaction::new(
            &chain.chain_id,
            sender.clone(),
            nonce,
            gas_limit,
            gas_price,
            module,
            payload.clone(),
        )
        .context("building the transaction")?
        .sign(&key.key);
        tracing::debug!(target: "ailedger::cli", hash = %tx.hash(), kind, nonce, "submitting");
        Ok(tx)
    };
    let hash = match args.nonce {
        Some(nonce) => client
            .submit(&sign(nonce)?)
            .await
            .map_err(anyhow::Error::from),
        None => client
            .submit_at_next_nonce(&sender, sign)
            .await
            .map(|(hash, _)| hash),
    }
    .with_context(|| format!("submitting the {kind} transaction"))?;
    let record = if args.wait {
        Some(
            client
                .wait_for_tx(&hash, args.timeout)
                .await
                .with_context(|| format!("waiting for transaction {hash}"))?,
        )
    } else {
        None
    };
    Ok(Submitted {
        tx_hash: hash.to_string(),
        tx: record,
    })
}

/// `1 leaf`, `2 leaves`.
pub(super) fn leaves(n: u64) -> String {
    if n == 1 {
        "1 leaf".to_owned()
    } else {
        format!("{n} leaves")
    }
}

/// `verified against block H (state root R, N values proven)`.
pub(super) fn proof_text(summary: &ProofSummary) -> String {
    let plural = if summary.values_proven == 1 { "" } else { "s" };
    format!(
        "verified against block {} state root {} ({} state value{plural} proven)",
        summary.height, summary.state_root, summary.values_proven
    )
}

/// Text lines of a dataset.
pub(super) fn dataset_fields(dataset: &DatasetView) -> Fields {
    let mut fields = Fields::new()
        .add("root", dataset.id)
        .add("name", &dataset.name)
        .add("mode", &dataset.mode)
        .add("leaves", dataset.leaf_count)
        .add("bytes", dataset.total_bytes)
        .add("manifest", dataset.manifest)
        .add("licence", licence_text(&dataset.licence))
        .add("source", &dataset.source)
        .add("category", &dataset.source_category)
        .add("modality", &dataset.modality);
    if let Some(period) = &dataset.collection {
        fields = fields.add(
            "collected_ms",
            format!("{}..{}", period.start_ms, period.end_ms),
        );
    }
    for contributor in &dataset.contributors {
        fields = fields.add("contributor", contributor);
    }
    for evidence in &dataset.evidence {
        fields = fields.add("consent", evidence);
    }
    fields
        .add("registrant", &dataset.registrant)
        .add("registered", format!("block {}", dataset.height))
}

fn licence_text(licence: &ailedger_client::dto::LicenceView) -> String {
    if licence.raw == licence.expression {
        licence.expression.clone()
    } else {
        format!("{} (given as {:?})", licence.expression, licence.raw)
    }
}

/// `active`, or `revoked: REASON (block H)`.
pub(super) fn status_text(status: &VersionStatusView) -> String {
    match status {
        VersionStatusView::Active => "active".to_owned(),
        VersionStatusView::Deprecated { reason, height, .. } => {
            format!("deprecated: {reason} (block {height})")
        }
        VersionStatusView::Revoked { reason, height, .. } => {
            format!("revoked: {reason} (block {height})")
        }
    }
}

/// Text lines of a model version.
pub(super) fn version_fields(version: &ModelVersionView) -> Fields {
    let mut fields = Fields::new()
        .add("id", version.id)
        .add("version", version.label())
        .add("status", status_text(&version.status))
        .add("licence", licence_text(&version.licence))
        .add("tensor_root", version.tensor_root)
        .add("architecture", version.architecture);
    for file in &version.files {
        fields = fields.add("file", format!("{}  {}", file.sha256, file.path));
    }
    for parent in &version.parents {
        fields = fields.add("parent", format!("{} ({})", parent.id, parent.relation));
    }
    for dataset in &version.datasets {
        fields = fields.add("dataset", dataset);
    }
    if let Some(training) = &version.training {
        fields = fields
            .add("training", training.config)
            .add("code_commit", &training.code_commit)
            .add("hardware", &training.hardware);
    }
    fields
        .add("registrant", &version.registrant)
        .add("registered", format!("block {}", version.height))
}

/// A core digest as an artifacts digest.
pub(super) fn artifacts_hash(hash: &Hash) -> ailedger_artifacts::Hash {
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(hash.as_ref());
    ailedger_artifacts::Hash::new(bytes)
}

/// Domain tag of the default architecture digest ([`architecture_of`]).
pub(super) const ARCHITECTURE_TAG: &[u8] = b"ailedger/architecture/v1";

/// The default architecture digest of a model: SHA-256 over the tag, the number of tensors, and
/// for each tensor (sorted by name) its name, dtype name and shape, strings `u32`-length-prefixed
/// and integers big-endian. Weights do not enter it, so a finetune keeps its parent's
/// architecture and a quantized copy (other dtypes) does not.
pub(super) fn architecture_of(tensors: &[TensorLeaf]) -> Hash {
    let mut sorted: Vec<&TensorLeaf> = tensors.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut bytes = Vec::with_capacity(64 + 64 * sorted.len());
    bytes.extend_from_slice(ARCHITECTURE_TAG);
    bytes.extend_from_slice(&(sorted.len() as u64).to_be_bytes());
    let put_str = |bytes: &mut Vec<u8>, text: &str| {
        bytes.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_be_bytes());
        bytes.extend_from_slice(text.as_bytes());
    };
    for tensor in sorted {
        put_str(&mut bytes, &tensor.name);
        put_str(&mut bytes, tensor.dtype.name());
        bytes.extend_from_slice(
            &u32::try_from(tensor.shape.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        for dimension in &tensor.shape {
            bytes.extend_from_slice(&dimension.to_be_bytes());
        }
    }
    ailedger_core::sha256(&[&bytes])
}

/// A model's identities, computed locally.
#[derive(Debug)]
pub(super) struct ModelIdentity {
    /// Every file with its SHA-256, sorted by path (byte order).
    pub(super) files: Vec<FileDigest>,
    /// The per-tensor Merkle root of the weight files.
    pub(super) tensor_root: Hash,
    /// The tensors.
    pub(super) tensors: Vec<TensorLeaf>,
}

/// The identities of weight files (paths in the registration are their file names), or of a
/// model directory (every file, digested as OpenSSF Model Signing does; the tensor root of its
/// weight files).
pub(super) fn model_identity(
    weights: &[PathBuf],
    dir: Option<&Path>,
) -> Result<ModelIdentity, Failure> {
    let weight_files = match dir {
        Some(dir) => {
            let files = weight_files_in(dir)?;
            if files.is_empty() {
                return Err(Failure::error(
                    "NO_WEIGHT_FILES",
                    format!(
                        "{} has no .safetensors, .gguf or .onnx file at its top",
                        dir.display()
                    ),
                ));
            }
            files
        }
        None => weights.to_vec(),
    };
    let digest = with_bar("hashing", |progress| {
        hash_model(&weight_files, &ModelOptions::default(), progress)
    })?;
    let mut files: Vec<FileDigest> = match dir {
        Some(dir) => hash_directory(dir, &HashOptions::default())?
            .files
            .into_iter()
            .map(|file| FileDigest {
                path: file.path,
                sha256: Hash::from(file.sha256),
            })
            .collect(),
        None => {
            let mut files = Vec::with_capacity(digest.files.len());
            for file in &digest.files {
                let name = file
                    .path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .ok_or_else(|| {
                        Failure::error(
                            "BAD_PATH",
                            format!("{} has no UTF-8 file name", file.path.display()),
                        )
                    })?;
                files.push(FileDigest {
                    path: name.to_owned(),
                    sha256: hash_of(&file.sha256),
                });
            }
            files
        }
    };
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|pair| pair[0].path == pair[1].path) {
        return Err(Failure::error(
            "DUPLICATE_FILE_NAME",
            format!(
                "two weight files are named {}: a version names its files by name",
                pair[0].path
            ),
        ));
    }
    Ok(ModelIdentity {
        files,
        tensor_root: hash_of(&digest.tensor_root),
        tensors: digest.tensors,
    })
}
