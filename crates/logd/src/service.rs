//! The HTTP service: append records (one or a batch) with receipts, read entries, receipts,
//! proofs and checkpoints, and serve the log as C2SP `tlog-tiles` (`/checkpoint`, `/tile/...`).
//!
//! Every failure answers `{"code","message","details"}` with a stable code, as the node API
//! does, and every POST body is bounded.

use crate::dto::{
    AppendRequest, AppendResponse, EntryJson, ErrorJson, LogInfo, ProofJson, ReceiptJson,
    RecordJson,
};
use crate::record::{InferenceRecord, RecordError, verify_many};
use ailedger_client::{Client, dto::VersionStatusView};
use ailedger_core::{Address, Hash};
use ailedger_tlog::{AppendError, Appender, Log, Receipt, StorageError, TileId};
use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, Query, State, rejection::BytesRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Limits on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceLimits {
    /// Most records in one `POST /v1/records`.
    pub max_batch: usize,
    /// Largest body of `POST /v1/records`, in bytes.
    pub max_body_bytes: usize,
}

impl Default for ServiceLimits {
    fn default() -> Self {
        Self {
            max_batch: 4_096,
            // A JSON record is about 600 bytes.
            max_body_bytes: 4 << 20,
        }
    }
}

/// How the service checks that a record's model version is registered and not revoked.
#[derive(Debug)]
pub enum ModelCheck {
    /// Ask the chain through `client`. A registration is permanent but a revocation can come
    /// at any time: an answer is trusted for `ttl`, so a revoked version is refused at most
    /// that long after its revocation is finalized.
    Chain {
        /// The chain.
        client: Client,
        /// How long an answer is trusted.
        ttl: Duration,
    },
    /// Accept any model version id (for a log run without a chain, e.g. benchmarks).
    Off,
}

/// The shared state of the service and its anchoring task.
#[derive(Debug)]
pub struct Shared {
    /// The log.
    pub log: Log,
    appender: Appender,
    operator: Address,
    models: ModelCheck,
    /// Versions the chain recently said were registered and not revoked, with when it said so.
    known_models: Mutex<BTreeMap<Hash, Instant>>,
    limits: ServiceLimits,
    /// The latest size anchored on the chain by this service (0: none yet).
    pub anchored: AtomicU64,
}

impl Shared {
    /// The service's state over `log`, accepting records signed by `operator`.
    pub fn new(
        log: Log,
        operator: Address,
        models: ModelCheck,
        limits: ServiceLimits,
    ) -> Arc<Self> {
        let appender = log.appender();
        Arc::new(Self {
            log,
            appender,
            operator,
            models,
            known_models: Mutex::new(BTreeMap::new()),
            limits,
            anchored: AtomicU64::new(0),
        })
    }

    async fn check_model(&self, id: &Hash) -> Result<(), ServiceError> {
        let ModelCheck::Chain { client, ttl } = &self.models else {
            return Ok(());
        };
        if self
            .known_models
            .lock()
            .map(|known| known.get(id).is_some_and(|at| at.elapsed() < *ttl))
            .unwrap_or(false)
        {
            return Ok(());
        }
        match client.version(id, false).await {
            Ok(answer) => {
                if let VersionStatusView::Revoked { reason, .. } = &answer.version.status {
                    if let Ok(mut known) = self.known_models.lock() {
                        known.remove(id);
                    }
                    return Err(ServiceError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "MODEL_REVOKED",
                        format!(
                            "model version {id} ({}) was revoked: {reason}",
                            answer.version.label()
                        ),
                    ));
                }
                if let Ok(mut known) = self.known_models.lock() {
                    known.insert(*id, Instant::now());
                }
                Ok(())
            }
            Err(error) if error.is_not_found() => Err(ServiceError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "MODEL_NOT_REGISTERED",
                format!("model version {id} is not registered on the chain"),
            )),
            Err(error) => Err(ServiceError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "CHAIN_UNAVAILABLE",
                format!("checking model version {id} on the chain: {error}"),
            )),
        }
    }
}

/// A failed request: status, stable code, message.
#[derive(Debug)]
pub struct ServiceError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: serde_json::Value,
}

impl ServiceError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }

    fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    fn storage(error: &StorageError) -> Self {
        match error {
            StorageError::NotInLog { .. } | StorageError::Proof(_) => {
                Self::new(StatusCode::NOT_FOUND, "NOT_IN_LOG", error.to_string())
            }
            _ => {
                tracing::error!(target: "ailedger::logd", %error, "log storage failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "STORAGE",
                    "the log's storage failed; see the service's log",
                )
            }
        }
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let body = ErrorJson {
            code: self.code.to_owned(),
            message: self.message,
            details: self.details,
        };
        (self.status, Json(body)).into_response()
    }
}

type Answer<T> = Result<Json<T>, ServiceError>;

/// The router over `shared`.
pub fn router(shared: Arc<Shared>) -> Router {
    let limit = shared.limits.max_body_bytes;
    Router::new()
        .route(
            "/v1/records",
            post(append).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/v1/records/{index}", get(entry))
        .route("/v1/receipts/{index}", get(receipt))
        .route("/v1/proofs/inclusion", get(inclusion))
        .route("/v1/proofs/consistency", get(consistency))
        .route("/v1/log", get(info))
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
        .fallback(|| async {
            ServiceError::new(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", "no such route")
        })
        .with_state(shared)
}

async fn append(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Answer<AppendResponse> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ServiceError::new(
                status,
                "PAYLOAD_TOO_LARGE",
                format!(
                    "the body is larger than {} bytes",
                    shared.limits.max_body_bytes
                ),
            )
        } else {
            ServiceError::new(status, "BAD_BODY", rejection.body_text())
        }
    })?;
    let request: AppendRequest = serde_json::from_slice(&body).map_err(|error| {
        ServiceError::new(StatusCode::BAD_REQUEST, "MALFORMED_JSON", error.to_string())
    })?;
    if request.records.is_empty() {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "EMPTY_BATCH",
            "the batch has no records",
        ));
    }
    if request.records.len() > shared.limits.max_batch {
        return Err(ServiceError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BATCH_TOO_LARGE",
            format!(
                "the batch has {} records, the limit is {}",
                request.records.len(),
                shared.limits.max_batch
            ),
        ));
    }
    // Every record is checked before any is appended: a batch is appended whole or not at all.
    let mut entries = Vec::with_capacity(request.records.len());
    let mut models = BTreeSet::new();
    let mut records = Vec::with_capacity(request.records.len());
    for (position, json) in request.records.iter().enumerate() {
        let record = json.to_record_unverified().map_err(|error| {
            ServiceError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                error.code(),
                format!("record {position}: {error}"),
            )
            .with_details(serde_json::json!({ "position": position }))
        })?;
        if record.operator() != &shared.operator {
            return Err(ServiceError::new(
                StatusCode::FORBIDDEN,
                "WRONG_OPERATOR",
                format!(
                    "record {position} is signed by {}, this log takes records of {}",
                    record.operator(),
                    shared.operator
                ),
            )
            .with_details(serde_json::json!({ "position": position })));
        }
        models.insert(record.body().model_version);
        records.push(record);
    }
    // Signatures are the heaviest check: one batch verification for the whole request.
    let (records, bad) = tokio::task::spawn_blocking(move || {
        let bad = verify_many(&records);
        (records, bad)
    })
    .await
    .map_err(|error| {
        ServiceError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "STORAGE",
            error.to_string(),
        )
    })?;
    if let Some(&position) = bad.first() {
        let error = RecordError::BadSignature(records[position].operator().to_string());
        return Err(ServiceError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            error.code(),
            format!("record {position}: {error}"),
        )
        .with_details(serde_json::json!({ "position": position })));
    }
    entries.extend(records.iter().map(InferenceRecord::to_bytes));
    for model in &models {
        shared.check_model(model).await?;
    }
    let appender = shared.appender.clone();
    let appended = entries.clone();
    let receipts = tokio::task::spawn_blocking(move || appender.append(appended))
        .await
        .map_err(|error| {
            ServiceError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "STORAGE",
                error.to_string(),
            )
        })?
        .map_err(|error| append_error(&error))?;
    let receipts = receipts
        .into_iter()
        .zip(entries)
        .map(|(receipt, entry)| receipt_json(receipt, entry))
        .collect();
    Ok(Json(AppendResponse { receipts }))
}

fn append_error(error: &AppendError) -> ServiceError {
    match error {
        AppendError::BatchTooLarge { .. } | AppendError::BatchBytesTooLarge { .. } => {
            ServiceError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BATCH_TOO_LARGE",
                error.to_string(),
            )
        }
        AppendError::Storage(storage) => ServiceError::storage(storage),
        _ => ServiceError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "LOG_UNAVAILABLE",
            error.to_string(),
        ),
    }
}

fn receipt_json(receipt: Receipt, entry: Vec<u8>) -> ReceiptJson {
    let receipt = receipt.with_extra(entry);
    ReceiptJson {
        index: receipt.index(),
        receipt: receipt.to_text(),
    }
}

async fn entry(State(shared): State<Arc<Shared>>, Path(index): Path<u64>) -> Answer<EntryJson> {
    let entry = shared
        .log
        .entry(index)
        .map_err(|error| ServiceError::storage(&error))?;
    Ok(Json(EntryJson {
        index,
        record: InferenceRecord::from_bytes(&entry)
            .ok()
            .map(|record| RecordJson::from(&record)),
        entry: hex::encode(entry),
    }))
}

async fn receipt(State(shared): State<Arc<Shared>>, Path(index): Path<u64>) -> Answer<ReceiptJson> {
    let receipt = shared
        .log
        .receipt(index)
        .map_err(|error| ServiceError::storage(&error))?;
    let entry = shared
        .log
        .entry(index)
        .map_err(|error| ServiceError::storage(&error))?;
    Ok(Json(receipt_json(receipt, entry)))
}

#[derive(Debug, Deserialize)]
struct InclusionQuery {
    index: u64,
    size: Option<u64>,
}

async fn inclusion(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<InclusionQuery>,
) -> Answer<ProofJson> {
    let size = query.size.unwrap_or_else(|| shared.log.size());
    let proof = shared
        .log
        .inclusion_proof(query.index, size)
        .map_err(|error| ServiceError::storage(&error))?;
    Ok(Json(ProofJson {
        from: proof.index,
        size: proof.size,
        path: proof.path.iter().map(|hash| hex::encode(hash.0)).collect(),
    }))
}

#[derive(Debug, Deserialize)]
struct ConsistencyQuery {
    old: u64,
    new: Option<u64>,
}

async fn consistency(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ConsistencyQuery>,
) -> Answer<ProofJson> {
    let new = query.new.unwrap_or_else(|| shared.log.size());
    let proof = shared
        .log
        .consistency_proof(query.old, new)
        .map_err(|error| ServiceError::storage(&error))?;
    Ok(Json(ProofJson {
        from: proof.old_size,
        size: proof.new_size,
        path: proof.path.iter().map(|hash| hex::encode(hash.0)).collect(),
    }))
}

async fn info(State(shared): State<Arc<Shared>>) -> Answer<LogInfo> {
    let checkpoint = shared.log.checkpoint();
    let anchored = shared.anchored.load(Ordering::Acquire);
    Ok(Json(LogInfo {
        origin: checkpoint.checkpoint().origin().to_owned(),
        verifier_key: shared.log.verifier().verifier_key().to_owned(),
        operator: shared.operator.to_string(),
        size: checkpoint.checkpoint().size(),
        root: hex::encode(checkpoint.checkpoint().root().0),
        checkpoint: String::from_utf8_lossy(checkpoint.as_bytes()).into_owned(),
        anchored_size: (anchored > 0).then_some(anchored),
    }))
}

async fn checkpoint(State(shared): State<Arc<Shared>>) -> Response {
    let checkpoint = shared.log.checkpoint();
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        checkpoint.as_bytes().to_vec(),
    )
        .into_response()
}

async fn tile(State(shared): State<Arc<Shared>>, Path(path): Path<String>) -> Response {
    let tile = match TileId::parse_path(&format!("tile/{path}")) {
        Ok(tile) => tile,
        Err(error) => {
            return ServiceError::new(StatusCode::NOT_FOUND, "BAD_TILE_PATH", error.to_string())
                .into_response();
        }
    };
    match shared.log.read_tile(tile) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(),
        Err(error) => ServiceError::storage(&error).into_response(),
    }
}
