//! `ailedger log register | serve | append | verify | audit`: inference logs, their anchors on
//! the chain, and checks anyone can run.

use super::Context;
use crate::{failure::Failure, output::Fields};
use ailedger_client::{Client, ClientError, dto::OutcomeView};
use ailedger_core::{Hash, SecretKey};
use ailedger_logd::{
    InferenceRecord, LogClient, LogClientError, ModelCheck, RecordBody, ServiceLimits, Shared,
    anchor::{self, AnchorPolicy},
    dto::{ReceiptJson, RecordJson},
};
use ailedger_state::logs::{ForkEvidence, LeafClaim, LogsMsg};
use ailedger_tlog::{
    ConsistencyProof, Log, LogKey, LogOptions, LogVerifier, Receipt, SignedCheckpoint, TileId,
    VerifyError, leaf_hash,
};
use anyhow::Context as _;
use bytes::Bytes;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// How long to wait for a logs transaction to commit.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(30);
/// Gas limit of a fork report: two checkpoints and two full proofs, with room to spare.
const REPORT_GAS_LIMIT: u64 = 1_000_000;

/// `ailedger log ...`
#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// Register a transparency log on the chain (creating its signing key if the file does not
    /// exist); the sender becomes its operator.
    Register(RegisterArgs),
    /// Serve a log over HTTP: append records with receipts, proofs, checkpoint and tiles; and
    /// anchor its checkpoints on the chain.
    Serve(ServeArgs),
    /// Sign inference records with an operator key and append them to a log service.
    Append(AppendArgs),
    /// Verify a receipt: the checkpoint's signature and the record's inclusion (offline), and
    /// that an anchored checkpoint covers it (online).
    Verify(VerifyArgs),
    /// Follow a log like a monitor: its checkpoint against every anchor and every other copy of
    /// the log; with --report, submit evidence of a fork.
    Audit(AuditArgs),
}

/// `ailedger log register`.
#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// The log's origin (the first line of its checkpoints), e.g. `ledger.example/inference`.
    #[arg(long)]
    origin: String,
    /// The log's signing key (`PRIVATE+KEY+...`); created if the file does not exist.
    #[arg(long, value_name = "FILE")]
    log_key: PathBuf,
    /// Name of the operator's key in the keystore (sends the transaction).
    #[arg(long, value_name = "KEY")]
    from: String,
}

/// `ailedger log serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Directory of the log's files (created if empty).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The log's signing key (`PRIVATE+KEY+...`).
    #[arg(long, value_name = "FILE")]
    log_key: PathBuf,
    /// Name of the operator's key in the keystore: records must be signed by it, and it signs
    /// the anchors.
    #[arg(long, value_name = "KEY")]
    from: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Anchor at least this often (seconds) while there are new entries.
    #[arg(long, default_value_t = 30)]
    anchor_every_secs: u64,
    /// Anchor as soon as this many entries are not anchored.
    #[arg(long, default_value_t = 100_000)]
    anchor_every_entries: u64,
    /// Do not anchor (the log is served, and grows, without the chain seeing it).
    #[arg(long)]
    no_anchor: bool,
    /// Accept records without checking their model version on the chain.
    #[arg(long)]
    no_model_check: bool,
    /// How long to trust the chain's answer that a model version is registered and not
    /// revoked (a revoked version is refused at most this long after its revocation).
    #[arg(long, default_value = "10s", value_parser = crate::cli::parse_duration)]
    model_check_ttl: std::time::Duration,
    /// Most records in one append.
    #[arg(long, default_value_t = 4_096)]
    max_batch: usize,
}

/// `ailedger log append`.
#[derive(Debug, Args)]
pub(crate) struct AppendArgs {
    /// URL of the log service.
    #[arg(long, value_name = "URL")]
    log: String,
    /// Name of the operator's key in the keystore (signs the records).
    #[arg(long, value_name = "KEY")]
    from: String,
    /// A JSON file with one record or an array of records (`model_version`, `input`, `output`,
    /// `parameters` as hex digests, optional `time_ms`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["model_version"])]
    records: Option<PathBuf>,
    /// The model version id (hex), for one record given by flags.
    #[arg(long, requires_all = ["input", "output", "parameters"])]
    model_version: Option<String>,
    /// SHA-256 of the input (hex).
    #[arg(long)]
    input: Option<String>,
    /// SHA-256 of the output (hex).
    #[arg(long)]
    output: Option<String>,
    /// SHA-256 of the parameters (hex).
    #[arg(long)]
    parameters: Option<String>,
    /// Time of the inference, ms since the epoch [default: now].
    #[arg(long)]
    time_ms: Option<u64>,
    /// Write each receipt to DIR/<index>.tlog-proof.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// `ailedger log verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The receipt (`tlog-proof@v1` text).
    receipt: PathBuf,
    /// The log's verifier key (`<origin>+<id>+<base64>`); without it, the key registered on
    /// the chain for the receipt's origin.
    #[arg(long)]
    verifier_key: Option<String>,
    /// Check only the signature, the inclusion and the record (needs --verifier-key).
    #[arg(long, requires = "verifier_key")]
    offline: bool,
    /// URL of the log service, for the consistency proof from the receipt's checkpoint to the
    /// anchored one.
    #[arg(long, value_name = "URL")]
    log: Option<String>,
}

/// `ailedger log audit`.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// URL of a copy of the log (repeat for mirrors or suspected forks).
    #[arg(long = "log", value_name = "URL", required = true)]
    logs: Vec<String>,
    /// Submit evidence of a fork found between two copies or a copy and an anchor.
    #[arg(long)]
    report: bool,
    /// Name of the key in the keystore that submits the evidence.
    #[arg(long, value_name = "KEY", requires = "report")]
    from: Option<String>,
    /// Remember the largest checkpoint verified in this file, and hold every copy to it on the
    /// next run: a log that shrinks or rewrites its history between two audits is caught even
    /// if it never anchored the checkpoint it dropped.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

pub(super) async fn execute(context: &Context, command: LogCommand) -> anyhow::Result<()> {
    match command {
        LogCommand::Register(args) => register(context, &args).await,
        LogCommand::Serve(args) => Box::pin(serve(context, &args)).await,
        LogCommand::Append(args) => append(context, &args).await,
        LogCommand::Verify(args) => verify(context, &args).await,
        LogCommand::Audit(args) => audit(context, &args).await,
    }
}

fn load_log_key(path: &Path) -> anyhow::Result<LogKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the log key {}", path.display()))?;
    LogKey::from_signer_key(text.trim())
        .map_err(|error| Failure::error("BAD_LOG_KEY", format!("{}: {error}", path.display())))
        .map_err(anyhow::Error::from)
}

fn operator_key(context: &Context, name: &str) -> anyhow::Result<SecretKey> {
    Ok(super::provenance::signer(context, name)?.key)
}

fn chain_failure(error: anchor::AnchorError) -> anyhow::Error {
    anyhow::Error::from(error)
}

#[derive(Debug, Serialize)]
struct Registered {
    origin: String,
    verifier_key: String,
    public_key: String,
    operator: String,
    tx: String,
    created_key: bool,
}

async fn register(context: &Context, args: &RegisterArgs) -> anyhow::Result<()> {
    let created_key = !args.log_key.exists();
    let key = if created_key {
        let key = LogKey::generate(&args.origin)
            .map_err(|error| Failure::error("INVALID_ORIGIN", error.to_string()))?;
        write_secret(&args.log_key, &key.to_signer_key())?;
        key
    } else {
        load_log_key(&args.log_key)?
    };
    if key.name() != args.origin {
        return Err(Failure::error(
            "ORIGIN_MISMATCH",
            format!(
                "the key in {} is named {:?}, not {:?}",
                args.log_key.display(),
                key.name(),
                args.origin
            ),
        )
        .into());
    }
    let verifier = key.verifier();
    let public_key = verifier
        .ed25519_public_key()
        .context("the log key is not an Ed25519 key")?;
    let msg = LogsMsg::RegisterLog {
        origin: args.origin.clone(),
        public_key,
    };
    msg.validate()
        .map_err(|error| Failure::error(error.code(), error.to_string()))?;
    let operator = operator_key(context, &args.from)?;
    let client = context.client()?;
    let record = anchor::submit(&client, &operator, &msg, 200_000, COMMIT_TIMEOUT)
        .await
        .map_err(chain_failure)?;
    committed_ok(&record)?;
    let view = Registered {
        origin: args.origin.clone(),
        verifier_key: verifier.verifier_key().to_owned(),
        public_key: hex::encode(public_key),
        operator: operator.address().to_string(),
        tx: record.hash.to_string(),
        created_key,
    };
    context.output.emit(&view, || {
        Fields::new()
            .add("origin", &view.origin)
            .add("verifier key", &view.verifier_key)
            .add("operator", &view.operator)
            .add("tx", &view.tx)
            .add(
                "log key",
                if created_key {
                    format!("{} (created)", args.log_key.display())
                } else {
                    args.log_key.display().to_string()
                },
            )
            .render()
    })
}

fn committed_ok(record: &ailedger_client::dto::TxRecordView) -> anyhow::Result<()> {
    if let Some(receipt) = &record.receipt
        && let OutcomeView::Failed { code, message } = &receipt.outcome
    {
        return Err(Failure::error(
            code.clone(),
            format!(
                "transaction {} was committed but failed: {message}",
                record.hash
            ),
        )
        .into());
    }
    Ok(())
}

fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(format!("{text}\n").as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

#[derive(Debug, Serialize)]
struct Serving {
    origin: String,
    verifier_key: String,
    url: String,
    size: u64,
    anchoring: bool,
}

impl ServeArgs {
    /// A log served by a node's own process (`ailedger node --log-dir ...`): records are
    /// checked against, and anchored on, that node's chain.
    pub(crate) fn embedded(
        dir: PathBuf,
        log_key: PathBuf,
        from: String,
        listen: SocketAddr,
        anchor_every_secs: u64,
        anchor_every_entries: u64,
    ) -> Self {
        Self {
            dir,
            log_key,
            from,
            listen,
            anchor_every_secs,
            anchor_every_entries,
            no_anchor: false,
            no_model_check: false,
            model_check_ttl: Duration::from_secs(10),
            max_batch: ServiceLimits::default().max_batch,
        }
    }
}

async fn serve(context: &Context, args: &ServeArgs) -> anyhow::Result<()> {
    Box::pin(serve_until(context, args, context.client()?, terminated())).await
}

/// Completes on Ctrl-C or, on Unix, SIGTERM: when a service started from the command line stops.
pub(super) async fn terminated() {
    #[cfg(unix)]
    if let Ok(mut terminate) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Serves the log of `args`, checking and anchoring on the chain `chain` speaks to, until
/// `stop` completes (then stops taking requests and anchoring, and returns).
pub(crate) async fn serve_until(
    context: &Context,
    args: &ServeArgs,
    chain: ailedger_client::Client,
    stop_when: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let key = load_log_key(&args.log_key)?;
    let operator = operator_key(context, &args.from)?;
    let dir = args.dir.clone();
    let (log, recovery) =
        tokio::task::spawn_blocking(move || Log::open(&dir, key, LogOptions::default()))
            .await?
            .with_context(|| format!("opening the log in {}", args.dir.display()))?;
    tracing::info!(target: "ailedger::cli", size = recovery.size, replayed = recovery.replayed_batches, "log opened");
    let models = if args.no_model_check {
        ModelCheck::Off
    } else {
        ModelCheck::Chain {
            client: chain.clone(),
            ttl: args.model_check_ttl,
        }
    };
    let limits = ServiceLimits {
        max_batch: args.max_batch,
        ..ServiceLimits::default()
    };
    let shared = Shared::new(log, operator.address(), models, limits);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    let checkpoint = shared.log.checkpoint();
    let view = Serving {
        origin: checkpoint.checkpoint().origin().to_owned(),
        verifier_key: shared.log.verifier().verifier_key().to_owned(),
        url: format!("http://{address}"),
        size: checkpoint.checkpoint().size(),
        anchoring: !args.no_anchor,
    };
    context.output.emit(&view, || {
        Fields::new()
            .add("url", &view.url)
            .add("origin", &view.origin)
            .add("verifier key", &view.verifier_key)
            .add("size", view.size)
            .add("anchoring", view.anchoring)
            .render()
    })?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let anchoring = (!args.no_anchor).then(|| {
        let policy = AnchorPolicy {
            every: Duration::from_secs(args.anchor_every_secs.max(1)),
            every_entries: args.anchor_every_entries.max(1),
            commit_timeout: COMMIT_TIMEOUT,
        };
        let client = chain.clone();
        let shared = shared.clone();
        let mut stopped = stopped.clone();
        async move {
            anchor::run(shared, client, operator, policy, async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await;
            anyhow::Ok(())
        }
    });
    let mut server_stopped = stopped.clone();
    let server = axum::serve(listener, ailedger_logd::router(shared.clone()))
        .with_graceful_shutdown(async move {
            let _ = server_stopped.wait_for(|stop| *stop).await;
        });
    let run = async {
        let anchoring = async {
            match anchoring {
                Some(task) => task.await,
                None => Ok(()),
            }
        };
        let (served, anchored) = tokio::join!(server, anchoring);
        served.context("serving the log")?;
        anchored
    };
    let mut run = std::pin::pin!(run);
    tokio::select! {
        result = &mut run => return result,
        () = stop_when => {}
    }
    let _ = stop.send(true);
    run.await
}

/// A record as given in a file: digests, and a time if not now.
#[derive(Debug, serde::Deserialize)]
struct RecordInput {
    model_version: String,
    input: String,
    output: String,
    parameters: String,
    time_ms: Option<u64>,
}

fn digest(field: &str, text: &str) -> Result<Hash, Failure> {
    ailedger_client::encoding::parse_hash(text)
        .map_err(|error| Failure::error("MALFORMED_RECORD", format!("{field}: {error}")))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

impl RecordInput {
    fn body(&self) -> Result<RecordBody, Failure> {
        Ok(RecordBody {
            model_version: digest("model_version", &self.model_version)?,
            input: digest("input", &self.input)?,
            output: digest("output", &self.output)?,
            parameters: digest("parameters", &self.parameters)?,
            time_ms: self.time_ms.unwrap_or_else(now_ms),
        })
    }
}

#[derive(Debug, Serialize)]
struct Appended {
    log: String,
    receipts: Vec<ReceiptJson>,
}

async fn append(context: &Context, args: &AppendArgs) -> anyhow::Result<()> {
    let inputs: Vec<RecordInput> = match (&args.records, &args.model_version) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
                Failure::error("MALFORMED_RECORD", format!("{}: {error}", path.display()))
            })?;
            let items = match value {
                serde_json::Value::Array(items) => items,
                one => vec![one],
            };
            items
                .into_iter()
                .enumerate()
                .map(|(position, item)| {
                    serde_json::from_value(item).map_err(|error| {
                        Failure::error(
                            "MALFORMED_RECORD",
                            format!("{} record {position}: {error}", path.display()),
                        )
                    })
                })
                .collect::<Result<_, _>>()?
        }
        (None, Some(model_version)) => vec![RecordInput {
            model_version: model_version.clone(),
            input: args.input.clone().unwrap_or_default(),
            output: args.output.clone().unwrap_or_default(),
            parameters: args.parameters.clone().unwrap_or_default(),
            time_ms: args.time_ms,
        }],
        (None, None) => {
            return Err(Failure::error(
                "MISSING_RECORD",
                "give --records FILE or --model-version with --input, --output and --parameters",
            )
            .into());
        }
    };
    let key = operator_key(context, &args.from)?;
    let records = inputs
        .iter()
        .map(|input| {
            Ok(RecordJson::from(&InferenceRecord::sign(
                input.body()?,
                &key,
            )))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let service = LogClient::new(&args.log);
    let receipts = service.append(records).await.map_err(log_failure)?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for receipt in &receipts {
            let path = dir.join(format!("{}.tlog-proof", receipt.index));
            std::fs::write(&path, &receipt.receipt)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let view = Appended {
        log: args.log.clone(),
        receipts,
    };
    context.output.emit(&view, || {
        let mut fields = Fields::new().add("log", &view.log);
        for receipt in &view.receipts {
            fields = fields.add("index", receipt.index);
        }
        if let Some(dir) = &args.out {
            fields = fields.add("receipts", dir.display());
        }
        fields.render()
    })
}

fn log_failure(error: LogClientError) -> anyhow::Error {
    Failure::error(error.code().to_owned(), error.to_string()).into()
}

/// What `log verify` checked.
#[derive(Debug, Serialize)]
pub(super) struct Verification {
    pub(super) origin: String,
    pub(super) index: u64,
    pub(super) tree_size: u64,
    pub(super) root: String,
    pub(super) record: Option<RecordJson>,
    pub(super) signature: &'static str,
    pub(super) inclusion: &'static str,
    /// `anchored` (with the anchor) or `not checked` (offline).
    pub(super) anchor: String,
    pub(super) anchored_size: Option<u64>,
    pub(super) anchored_height: Option<u64>,
}

fn verify_failure(error: &VerifyError) -> Failure {
    let code = match error {
        VerifyError::BadSignature { .. } => "CHECKPOINT_SIGNATURE_INVALID",
        VerifyError::NotSignedByKey { .. } => "WRONG_LOG_KEY",
        VerifyError::OriginMismatch { .. } => "WRONG_LOG",
        VerifyError::Proof(_) => "INCLUSION_PROOF_INVALID",
        _ => "RECEIPT_MALFORMED",
    };
    Failure::verification(code, error.to_string())
}

async fn verify(context: &Context, args: &VerifyArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.receipt)
        .with_context(|| format!("reading {}", args.receipt.display()))?;
    let client = (!args.offline).then(|| context.client()).transpose()?;
    let view = check_receipt(
        client.as_ref(),
        &bytes,
        args.verifier_key.as_deref(),
        args.log.as_deref(),
    )
    .await?;
    context.output.emit(&view, || {
        let mut fields = Fields::new()
            .add("verified", "yes")
            .add("origin", &view.origin)
            .add("index", view.index)
            .add("tree size", view.tree_size)
            .add("signature", view.signature)
            .add("inclusion", view.inclusion)
            .add("record", "signature valid");
        if let Some(record) = &view.record {
            fields = fields
                .add("model version", &record.model_version)
                .add("operator", &record.operator);
        }
        fields.add("anchor", &view.anchor).render()
    })
}

/// Checks an inference-log receipt: its checkpoint's signature (with `verifier_key`, or the key
/// registered on the chain), the inclusion of its record and, with a `client`, that the chain
/// has an anchor of the log covering it (a consistency proof from `log_url` when the anchor is
/// of a larger tree). Every failure is a [`Failure`] with a stable code.
pub(super) async fn check_receipt(
    client: Option<&Client>,
    bytes: &[u8],
    verifier_key: Option<&str>,
    log_url: Option<&str>,
) -> anyhow::Result<Verification> {
    let unverified = Receipt::parse_unverified(bytes)
        .map_err(|error| Failure::verification("RECEIPT_MALFORMED", error.to_string()))?;
    let origin = unverified.checkpoint().checkpoint().origin().to_owned();
    let chain_log = match client {
        Some(client) => Some(match client.verified_log(&origin).await {
            Ok(verified) => verified,
            Err(error) if error.is_not_found() => {
                return Err(Failure::verification(
                    "LOG_NOT_REGISTERED",
                    format!("log {origin:?} is not registered on the chain"),
                )
                .into());
            }
            Err(error) => return Err(client_failure(error)),
        }),
        None => None,
    };
    let verifier = match (verifier_key, &chain_log) {
        (Some(text), _) => LogVerifier::new(text)
            .map_err(|error| Failure::error("BAD_VERIFIER_KEY", error.to_string()))?,
        (None, Some(log)) => LogVerifier::new(&log.answer.log.verifier_key)
            .map_err(|error| Failure::error("BAD_VERIFIER_KEY", error.to_string()))?,
        (None, None) => {
            return Err(Failure::error(
                "VERIFIER_KEY_NEEDED",
                "offline, the log's verifier key must be given",
            )
            .into());
        }
    };
    if let (Some(text), Some(log)) = (verifier_key, &chain_log)
        && text != log.answer.log.verifier_key
    {
        return Err(Failure::verification(
            "WRONG_LOG_KEY",
            format!(
                "the key given is not the key registered for {origin:?}: {}",
                log.answer.log.verifier_key
            ),
        )
        .into());
    }
    if verifier.origin() != origin {
        return Err(Failure::verification(
            "WRONG_LOG",
            format!(
                "the receipt is from log {origin:?}, the key is of log {:?}",
                verifier.origin()
            ),
        )
        .into());
    }
    let receipt = Receipt::parse(bytes, &verifier).map_err(|error| verify_failure(&error))?;
    let Some(entry) = receipt.extra() else {
        return Err(Failure::verification(
            "RECEIPT_WITHOUT_RECORD",
            "the receipt carries no record in its extra line; nothing to check inclusion of",
        )
        .into());
    };
    receipt
        .verify(entry, &verifier)
        .map_err(|error| verify_failure(&error))?;
    let record = InferenceRecord::from_bytes(entry)
        .map_err(|error| Failure::verification(error.code(), error.to_string()))?;
    let checkpoint = receipt.checkpoint().checkpoint().clone();
    let mut view = Verification {
        origin: origin.clone(),
        index: receipt.index(),
        tree_size: checkpoint.size(),
        root: hex::encode(checkpoint.root().0),
        record: Some(RecordJson::from(&record)),
        signature: "valid",
        inclusion: "valid",
        anchor: "not checked (offline)".to_owned(),
        anchored_size: None,
        anchored_height: None,
    };
    if let Some(log) = &chain_log {
        if log.answer.log.status != "active" {
            return Err(Failure::verification(
                "LOG_FORKED",
                format!(
                    "log {origin:?} is forked: the chain holds {} evidence record(s) that its key \
                     signed two histories",
                    log.answer.log.evidence
                ),
            )
            .into());
        }
        let Some(anchor) = &log.answer.latest_anchor else {
            return Err(Failure::verification(
                "NOT_ANCHORED",
                format!("log {origin:?} has no anchored checkpoint yet"),
            )
            .into());
        };
        if checkpoint.size() > anchor.size {
            return Err(Failure::verification(
                "NOT_ANCHORED",
                format!(
                    "the receipt's tree has {} entries; the latest anchor covers {}",
                    checkpoint.size(),
                    anchor.size
                ),
            )
            .into());
        }
        let anchored = SignedCheckpoint::open(anchor.checkpoint.as_bytes(), &verifier)
            .map_err(|error| verify_failure(&error))?;
        let path = if checkpoint.size() == anchor.size {
            Vec::new()
        } else {
            let Some(url) = log_url else {
                return Err(Failure::error(
                    "LOG_URL_NEEDED",
                    format!(
                        "the receipt's tree ({}) is older than the anchor ({}): give --log URL for \
                         the consistency proof between them",
                        checkpoint.size(),
                        anchor.size
                    ),
                )
                .into());
            };
            LogClient::new(url)
                .consistency(checkpoint.size(), anchor.size)
                .await
                .map_err(log_failure)?
        };
        let proof = ConsistencyProof {
            old_size: checkpoint.size(),
            new_size: anchor.size,
            path: path.iter().map(to_tlog).collect(),
        };
        receipt
            .checkpoint()
            .verify_consistency(&anchored, &proof, &verifier)
            .map_err(|error| {
                Failure::verification(
                    "NOT_COVERED_BY_ANCHOR",
                    format!(
                        "the receipt's checkpoint is not consistent with anchor {} (size {}): {error}",
                        anchor.seq, anchor.size
                    ),
                )
            })?;
        view.anchor = format!(
            "covered by anchor {} at height {}",
            anchor.seq, anchor.height
        );
        view.anchored_size = Some(anchor.size);
        view.anchored_height = Some(anchor.height);
    }
    Ok(view)
}

fn client_failure(error: ClientError) -> anyhow::Error {
    if error.is_verification() {
        return Failure::verification("STATE_PROOF_INVALID", error.to_string()).into();
    }
    anyhow::Error::from(error)
}

fn to_tlog(hash: &Hash) -> ailedger_tlog::Hash {
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(hash.as_ref());
    ailedger_tlog::Hash(bytes)
}

fn from_tlog(hash: &ailedger_tlog::Hash) -> Hash {
    Hash::from(hash.0)
}

/// One copy of the log as the auditor saw it.
#[derive(Debug, Serialize)]
struct CopyView {
    url: String,
    size: u64,
    root: String,
    /// `consistent` with every anchor, or what failed.
    status: String,
}

#[derive(Debug, Serialize)]
struct AuditView {
    origin: String,
    anchors: u64,
    anchored_size: Option<u64>,
    log_status: String,
    /// Size of the checkpoint remembered by the previous audit (`--state`).
    last_audit_size: Option<u64>,
    /// Size of the checkpoint remembered for the next audit, if this one saved one.
    saved_size: Option<u64>,
    copies: Vec<CopyView>,
    /// Forks found: which two checkpoints, and the evidence transaction if reported.
    forks: Vec<ForkView>,
}

#[derive(Debug, Serialize)]
struct ForkView {
    first: String,
    second: String,
    kind: String,
    index: Option<u64>,
    reported: Option<String>,
    outcome: Option<String>,
}

/// A signed checkpoint and where it came from (a copy of the log, or an anchor).
struct Seen {
    label: String,
    checkpoint: SignedCheckpoint,
    /// The copy that can prove things about this tree, if any.
    source: Option<LogClient>,
}

async fn audit(context: &Context, args: &AuditArgs) -> anyhow::Result<()> {
    let client = context.client()?;
    let first = LogClient::new(&args.logs[0]);
    let note = first.checkpoint().await.map_err(log_failure)?;
    let origin = SignedCheckpoint::parse_unverified(&note)
        .map_err(|error| Failure::verification("CHECKPOINT_MALFORMED", error.to_string()))?
        .checkpoint()
        .origin()
        .to_owned();
    let log = client
        .verified_log(&origin)
        .await
        .map_err(client_failure)?
        .answer;
    let verifier = LogVerifier::new(&log.log.verifier_key)
        .map_err(|error| Failure::error("BAD_VERIFIER_KEY", error.to_string()))?;

    // Every anchor, each checked against the one before (the chain did; a monitor trusts no one).
    let mut seen: Vec<Seen> = Vec::new();
    for seq in 0..log.log.anchors {
        let anchor = client
            .verified_log_anchor(&origin, seq)
            .await
            .map_err(client_failure)?
            .answer
            .anchor;
        let checkpoint = SignedCheckpoint::open(anchor.checkpoint.as_bytes(), &verifier)
            .map_err(|error| verify_failure(&error))?;
        seen.push(Seen {
            label: format!("anchor {seq}"),
            checkpoint,
            source: None,
        });
    }
    let last_audit = match &args.state {
        Some(path) if path.exists() => {
            let note = std::fs::read(path)
                .with_context(|| format!("reading the audit state {}", path.display()))?;
            let checkpoint = SignedCheckpoint::open(&note, &verifier).map_err(|error| {
                Failure::error(
                    "BAD_AUDIT_STATE",
                    format!(
                        "{} is not a checkpoint of {origin:?} signed by its key: {error}",
                        path.display()
                    ),
                )
            })?;
            seen.push(Seen {
                label: "the last audit".to_owned(),
                checkpoint,
                source: None,
            });
            seen.last().map(|last| last.checkpoint.checkpoint().size())
        }
        _ => None,
    };
    // Checkpoints not from a copy: the anchors, and the last audit's.
    let n_fixed = seen.len();
    let mut copies = Vec::new();
    for url in &args.logs {
        let copy = LogClient::new(url);
        let note = copy.checkpoint().await.map_err(log_failure)?;
        let checkpoint =
            SignedCheckpoint::open(&note, &verifier).map_err(|error| verify_failure(&error))?;
        let size = checkpoint.checkpoint().size();
        copies.push(CopyView {
            url: url.clone(),
            size,
            root: hex::encode(checkpoint.checkpoint().root().0),
            status: match last_audit {
                // An honest log never shrinks: it signed the larger tree before.
                Some(last) if size < last => format!("shrank since the last audit (size {last})"),
                _ => "consistent".to_owned(),
            },
        });
        seen.push(Seen {
            label: url.clone(),
            checkpoint,
            source: Some(copy),
        });
    }

    // Every pair with a copy that can prove consistency: the smaller tree must be a prefix of
    // the larger one.
    let mut forks = Vec::new();
    for i in 0..seen.len() {
        for j in (i + 1)..seen.len() {
            let (a, b) = (&seen[i], &seen[j]);
            let (small, large) =
                if a.checkpoint.checkpoint().size() <= b.checkpoint.checkpoint().size() {
                    (a, b)
                } else {
                    (b, a)
                };
            let consistent = pair_consistent(small, large, &verifier).await?;
            let Some(consistent) = consistent else {
                continue;
            };
            if consistent {
                continue;
            }
            if j >= n_fixed {
                copies[j - n_fixed].status = format!("inconsistent with {}", a.label);
            }
            if i >= n_fixed {
                copies[i - n_fixed].status = format!("inconsistent with {}", b.label);
            }
            let evidence = evidence(small, large).await?;
            let mut fork = ForkView {
                first: small.label.clone(),
                second: large.label.clone(),
                kind: evidence
                    .as_ref()
                    .map_or("unproven", |evidence| evidence.kind())
                    .to_owned(),
                index: match &evidence {
                    Some(ForkEvidence::Divergence { index, .. }) => Some(*index),
                    _ => None,
                },
                reported: None,
                outcome: None,
            };
            if args.report
                && let Some(evidence) = evidence
            {
                let name = args.from.as_deref().unwrap_or_default();
                let key = operator_key(context, name)?;
                let msg = LogsMsg::ReportFork {
                    origin: origin.clone(),
                    evidence,
                };
                let record = anchor::submit(&client, &key, &msg, REPORT_GAS_LIMIT, COMMIT_TIMEOUT)
                    .await
                    .map_err(chain_failure)?;
                fork.reported = Some(record.hash.to_string());
                fork.outcome = record.receipt.map(|receipt| match receipt.outcome {
                    OutcomeView::Success => "recorded".to_owned(),
                    OutcomeView::Failed { code, .. } => code,
                });
            }
            forks.push(fork);
        }
    }
    let log_after = client.log(&origin, false).await.map_err(client_failure)?;
    let shrunk = copies.iter().any(|copy| copy.status.starts_with("shrank"));
    let forked = !forks.is_empty() || log_after.log.status != "active";
    // Only a clean audit moves the remembered checkpoint, and only forward.
    let mut saved_size = None;
    if let Some(path) = &args.state
        && !forked
        && !shrunk
        && let Some(largest) = seen[n_fixed..]
            .iter()
            .max_by_key(|seen| seen.checkpoint.checkpoint().size())
        && last_audit.is_none_or(|last| largest.checkpoint.checkpoint().size() > last)
    {
        super::write_atomically(path, largest.checkpoint.as_bytes())?;
        saved_size = Some(largest.checkpoint.checkpoint().size());
    }
    let view = AuditView {
        origin: origin.clone(),
        anchors: log.log.anchors,
        anchored_size: log.latest_anchor.as_ref().map(|anchor| anchor.size),
        log_status: log_after.log.status,
        last_audit_size: last_audit,
        saved_size,
        copies,
        forks,
    };
    context.output.emit(&view, || {
        let mut fields = Fields::new()
            .add("origin", &view.origin)
            .add("anchors", view.anchors)
            .add("log status", &view.log_status);
        if let Some(size) = view.last_audit_size {
            fields = fields.add("last audit", format!("size {size}"));
        }
        if let Some(size) = view.saved_size {
            fields = fields.add("remembered", format!("size {size} for the next audit"));
        }
        for copy in &view.copies {
            fields = fields.add(
                "copy",
                format!("{} size {} {}", copy.url, copy.size, copy.status),
            );
        }
        for fork in &view.forks {
            fields = fields.add(
                "fork",
                format!(
                    "{} vs {} ({}){}",
                    fork.first,
                    fork.second,
                    fork.kind,
                    fork.outcome
                        .as_ref()
                        .map(|outcome| format!(", reported: {outcome}"))
                        .unwrap_or_default()
                ),
            );
        }
        fields.render()
    })?;
    if shrunk && !forked {
        return Err(Failure::verification(
            "LOG_SHRANK",
            format!(
                "log {origin:?}: a copy serves a smaller tree than the last audit verified ({})",
                last_audit.unwrap_or_default()
            ),
        )
        .into());
    }
    if forked {
        return Err(Failure::verification(
            "LOG_FORKED",
            format!(
                "log {origin:?}: {} fork(s) found, status on the chain {}",
                view.forks.len(),
                view.log_status
            ),
        )
        .into());
    }
    Ok(())
}

/// Whether `small`'s tree is a prefix of `large`'s: `None` when neither side has a copy to ask
/// for the proof (two anchors, which the chain already checked).
async fn pair_consistent(
    small: &Seen,
    large: &Seen,
    verifier: &LogVerifier,
) -> anyhow::Result<Option<bool>> {
    let (s, l) = (small.checkpoint.checkpoint(), large.checkpoint.checkpoint());
    if s.size() == l.size() {
        return Ok(Some(s.root() == l.root()));
    }
    let Some(source) = &large.source else {
        return Ok(None);
    };
    let path = match source.consistency(s.size(), l.size()).await {
        Ok(path) => path,
        // A copy that cannot produce the proof for its own checkpoint is not consistent with
        // the smaller tree as far as anyone can tell.
        Err(LogClientError::Api { .. }) => return Ok(Some(false)),
        Err(error) => return Err(log_failure(error)),
    };
    let proof = ConsistencyProof {
        old_size: s.size(),
        new_size: l.size(),
        path: path.iter().map(to_tlog).collect(),
    };
    Ok(Some(
        small
            .checkpoint
            .verify_consistency(&large.checkpoint, &proof, verifier)
            .is_ok(),
    ))
}

/// Evidence that two checkpoints cannot both be true: an equivocation at one size, or the first
/// leaf where two copies disagree, with both inclusion proofs. `None` if it cannot be built
/// (neither copy can show its leaves).
async fn evidence(small: &Seen, large: &Seen) -> anyhow::Result<Option<ForkEvidence>> {
    let (s, l) = (small.checkpoint.checkpoint(), large.checkpoint.checkpoint());
    let note = |seen: &Seen| Bytes::copy_from_slice(seen.checkpoint.as_bytes());
    if s.size() == l.size() {
        return Ok(Some(ForkEvidence::Equivocation {
            first: note(small),
            second: note(large),
        }));
    }
    // Divergence needs the leaves of both trees: the smaller one's from its own copy, or from
    // another copy that claims the same tree (an anchor's from the copy that signed it).
    let (Some(small_source), Some(large_source)) = (&small.source, &large.source) else {
        return Ok(None);
    };
    let Some(index) = first_difference(small_source, large_source, s.size()).await? else {
        return Ok(None);
    };
    let claim = |seen: &Seen, source: &LogClient, size: u64| {
        let source = source.clone();
        let checkpoint = note(seen);
        async move {
            let leaf = leaf_of(&source, index).await?;
            let path = source.inclusion(index, size).await.map_err(log_failure)?;
            anyhow::Ok(LeafClaim {
                checkpoint,
                leaf,
                path,
            })
        }
    };
    let first = claim(small, small_source, s.size()).await?;
    let second = claim(large, large_source, l.size()).await?;
    Ok(Some(ForkEvidence::Divergence {
        index,
        first,
        second,
    }))
}

async fn leaf_of(source: &LogClient, index: u64) -> anyhow::Result<Hash> {
    let entry = source.entry(index).await.map_err(log_failure)?;
    let bytes = hex::decode(&entry.entry).context("the log served an entry that is not hex")?;
    Ok(from_tlog(&leaf_hash(&bytes)))
}

/// The first index below `size` where two copies hold different leaves, comparing level-0
/// tiles (256 leaf hashes at a time).
async fn first_difference(a: &LogClient, b: &LogClient, size: u64) -> anyhow::Result<Option<u64>> {
    let width = ailedger_tlog::tiles::TILE_WIDTH;
    let mut tile = 0u64;
    while tile * width < size {
        let n = (size - tile * width).min(width);
        let id = TileId::hashes(0, tile, u16::try_from(n).unwrap_or(u16::MAX));
        let left = a.tile(&id.path()).await.map_err(log_failure)?;
        let right = b.tile(&id.path()).await.map_err(log_failure)?;
        if left != right {
            let position = left
                .chunks(32)
                .zip(right.chunks(32))
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            return Ok(Some(tile * width + u64::try_from(position).unwrap_or(0)));
        }
        tile += 1;
    }
    Ok(None)
}
