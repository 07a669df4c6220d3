//! One handler per endpoint: parse the request, ask the [`Backend`], show the answer.

use crate::{
    ApiError, ApiLimits, Backend, BlockId,
    extract::{ApiJson, ApiPath, ApiQuery, RawBody},
    openapi,
};
use ailedger_client::{
    dto::{
        AccountTxs, AccountView, BlockReceipts, BlockView, ChainInfoView, FinalizationView, Health,
        NodeStatusView, ReceiptView, StateValueView, SubmitResult, SubmitTxRequest,
        SubmitTxResponse, SubmitTxsRequest, SubmitTxsResponse, TxRecordView,
    },
    encoding::{parse_bytes, parse_hash},
};
use ailedger_core::{Address, Hash, SignedTransaction};
use ailedger_state::{
    bank::{Account, query::account_key},
    registry, state_key,
};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, Uri, header},
};
use commonware_codec::{Copying, Decode};
use serde::Deserialize;

/// What every handler sees.
#[derive(Clone, Debug)]
pub(crate) struct AppState<B> {
    pub(crate) backend: B,
    pub(crate) limits: ApiLimits,
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// `POST /v1/tx`: one transaction, as JSON `{"tx": "<hex>"}` or as raw bytes with
/// `Content-Type: application/octet-stream`.
pub(crate) async fn submit_tx<B: Backend>(
    State(state): State<AppState<B>>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<SubmitTxResponse>), ApiError> {
    let bytes = match media_type(&headers) {
        Some(media) if media == "application/octet-stream" => body.to_vec(),
        Some(media) if media == "application/json" || media.ends_with("+json") => {
            let request: SubmitTxRequest = serde_json::from_slice(&body)
                .map_err(|error| ApiError::MalformedJson(error.to_string()))?;
            parse_bytes(&request.tx).map_err(|error| ApiError::BadHex {
                what: "tx",
                reason: error.to_string(),
            })?
        }
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "expected `Content-Type: application/json` or `application/octet-stream`"
                    .to_owned(),
            ));
        }
    };
    let tx = SignedTransaction::decode(&bytes)
        .map_err(|error| ApiError::MalformedTx(error.to_string()))?;
    let mut results = state.backend.submit(vec![tx.clone()]).await;
    let result = match (results.pop(), results.is_empty()) {
        (Some(result), true) => result,
        _ => {
            return Err(ApiError::Internal(
                "backend returned a result count different from the transaction count".to_owned(),
            ));
        }
    };
    let hash = result.map_err(|error| crate::provenance::refusal(&tx, error))?;
    Ok((StatusCode::ACCEPTED, Json(SubmitTxResponse { hash })))
}

/// The media type of the body, without parameters, lowercase.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next()?.trim().to_ascii_lowercase();
    Some(media)
}

/// `POST /v1/txs`: transactions in order, one result each. A transaction that does not decode
/// gets its error in place; the others are submitted together, in order.
pub(crate) async fn submit_txs<B: Backend>(
    State(state): State<AppState<B>>,
    ApiJson(request): ApiJson<SubmitTxsRequest>,
) -> ApiResult<SubmitTxsResponse> {
    if request.txs.is_empty() {
        return Err(ApiError::EmptyBatch);
    }
    if request.txs.len() > state.limits.max_batch {
        return Err(ApiError::BatchTooLarge {
            got: request.txs.len(),
            max: state.limits.max_batch,
        });
    }
    let decoded: Vec<Result<SignedTransaction, ApiError>> =
        request.txs.iter().map(|text| decode_hex_tx(text)).collect();
    let valid: Vec<SignedTransaction> = decoded
        .iter()
        .filter_map(|tx| tx.as_ref().ok().cloned())
        .collect();
    let n_valid = valid.len();
    let submitted = if valid.is_empty() {
        Vec::new()
    } else {
        state.backend.submit(valid).await
    };
    if submitted.len() != n_valid {
        return Err(ApiError::Internal(format!(
            "backend returned {} results for {n_valid} transactions",
            submitted.len()
        )));
    }
    let mut submitted = submitted.into_iter();
    let results = decoded
        .into_iter()
        .map(|tx| {
            let outcome = match tx {
                Ok(tx) => match submitted.next() {
                    Some(Ok(hash)) => Ok(hash),
                    Some(Err(error)) => Err(crate::provenance::refusal(&tx, error)),
                    // The count was checked above.
                    None => Err(ApiError::Internal("missing result".to_owned())),
                },
                Err(error) => Err(error),
            };
            match outcome {
                Ok(hash) => SubmitResult::Accepted { hash },
                Err(error) => SubmitResult::Rejected {
                    error: error.body(),
                },
            }
        })
        .collect();
    Ok(Json(SubmitTxsResponse { results }))
}

fn decode_hex_tx(text: &str) -> Result<SignedTransaction, ApiError> {
    let bytes = parse_bytes(text).map_err(|error| ApiError::BadHex {
        what: "tx",
        reason: error.to_string(),
    })?;
    SignedTransaction::decode(&bytes).map_err(|error| ApiError::MalformedTx(error.to_string()))
}

/// `GET /v1/txs/{hash}`.
pub(crate) async fn tx<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(hash): ApiPath<String>,
) -> ApiResult<TxRecordView> {
    let hash = parse_hash_param("transaction hash", &hash)?;
    match state.backend.tx(hash).await? {
        Some(record) => Ok(Json(TxRecordView::from(&record))),
        None => Err(ApiError::NotFound(format!("transaction {hash}"))),
    }
}

fn parse_hash_param(what: &'static str, text: &str) -> Result<Hash, ApiError> {
    parse_hash(text).map_err(|error| ApiError::BadHex {
        what,
        reason: error.to_string(),
    })
}

pub(crate) fn parse_address(text: &str) -> Result<Address, ApiError> {
    text.parse()
        .map_err(|error: ailedger_core::AddressParseError| ApiError::BadAddress(error.to_string()))
}

/// `GET /v1/accounts/{address}`.
pub(crate) async fn account<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(address): ApiPath<String>,
) -> ApiResult<AccountView> {
    let address = parse_address(&address)?;
    let value = state.backend.state(account_key(&address)).await?;
    let account = match &value.value {
        None => Account::default(),
        Some(bytes) => Account::decode_cfg(Copying(bytes.as_slice()), &()).map_err(|error| {
            ApiError::Internal(format!("corrupt account {address} in state: {error}"))
        })?,
    };
    let next_nonce = state.backend.next_nonce(&address, account.nonce);
    Ok(Json(AccountView {
        address,
        balance: account.balance,
        nonce: account.nonce,
        next_nonce,
        exists: value.value.is_some(),
        height: value.height,
        state_root: value.state_root,
        proof: value.proof,
    }))
}

/// Query of `GET /v1/accounts/{address}/txs`.
#[derive(Debug, Deserialize)]
pub(crate) struct AccountTxsQuery {
    #[serde(default)]
    from_nonce: u64,
    limit: Option<u64>,
}

/// Transactions per page when the request does not say.
const DEFAULT_PAGE: u64 = 100;

/// `GET /v1/accounts/{address}/txs`.
pub(crate) async fn account_txs<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(address): ApiPath<String>,
    ApiQuery(query): ApiQuery<AccountTxsQuery>,
) -> ApiResult<AccountTxs> {
    let address = parse_address(&address)?;
    let max_page = u64::try_from(state.limits.max_page).unwrap_or(u64::MAX);
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).min(max_page);
    let records = state
        .backend
        .txs_by_sender(
            address.clone(),
            query.from_nonce,
            usize::try_from(limit).unwrap_or(usize::MAX),
        )
        .await?;
    Ok(Json(AccountTxs {
        address,
        from_nonce: query.from_nonce,
        limit,
        txs: records.iter().map(TxRecordView::from).collect(),
    }))
}

/// Query of the block endpoints.
#[derive(Debug, Deserialize)]
pub(crate) struct BlockQuery {
    /// Include the full transactions.
    #[serde(default)]
    txs: bool,
}

/// `GET /v1/blocks/latest`.
pub(crate) async fn latest_block<B: Backend>(
    State(state): State<AppState<B>>,
    ApiQuery(query): ApiQuery<BlockQuery>,
) -> ApiResult<BlockView> {
    block_view(&state.backend, BlockId::Latest, query.txs).await
}

/// `GET /v1/blocks/{id}`: `id` is `latest`, a height, or a block hash.
pub(crate) async fn block<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<BlockQuery>,
) -> ApiResult<BlockView> {
    block_view(&state.backend, parse_block_id(&id)?, query.txs).await
}

async fn block_view<B: Backend>(
    backend: &B,
    id: BlockId,
    include_txs: bool,
) -> ApiResult<BlockView> {
    match backend.block(id).await? {
        Some(block) => Ok(Json(BlockView::new(&block, include_txs))),
        None => Err(ApiError::NotFound(match id {
            BlockId::Height(height) => format!("block at height {height}"),
            BlockId::Hash(hash) => format!("block {hash}"),
            BlockId::Latest => "latest block".to_owned(),
        })),
    }
}

/// `latest`, a decimal height, or the 64 hex digits of a block id.
pub(crate) fn parse_block_id(text: &str) -> Result<BlockId, ApiError> {
    if text == "latest" {
        return Ok(BlockId::Latest);
    }
    if text.len() == 64 {
        return parse_hash(text)
            .map(BlockId::Hash)
            .map_err(|_| ApiError::BadBlockId(text.to_owned()));
    }
    parse_height(text).map(BlockId::Height)
}

fn parse_height(text: &str) -> Result<u64, ApiError> {
    // `u64::from_str` accepts a leading `+`; a height is digits only.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadBlockId(text.to_owned()));
    }
    text.parse()
        .map_err(|_| ApiError::BadBlockId(text.to_owned()))
}

/// `GET /v1/blocks/{height}/receipts`.
pub(crate) async fn block_receipts<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(height): ApiPath<String>,
) -> ApiResult<BlockReceipts> {
    let height = parse_height(&height)?;
    match state.backend.block_receipts(height).await? {
        Some(receipts) => Ok(Json(BlockReceipts {
            height,
            receipts: receipts.iter().map(ReceiptView::from).collect(),
        })),
        None => Err(ApiError::NotFound(format!("block at height {height}"))),
    }
}

/// `GET /v1/blocks/{height}/finalization`.
pub(crate) async fn finalization<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(height): ApiPath<String>,
) -> ApiResult<FinalizationView> {
    let height = parse_height(&height)?;
    match state.backend.finalization(height).await? {
        Some(finalization) => Ok(Json(FinalizationView {
            height,
            finalization,
        })),
        None => Err(ApiError::NotFound(format!(
            "finalization of the block at height {height}"
        ))),
    }
}

/// `GET /v1/state/{module}/{raw_key}`.
pub(crate) async fn state_by_module<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath((module, raw_key)): ApiPath<(String, String)>,
) -> ApiResult<StateValueView> {
    let Some(id) = registry::module_id(&module) else {
        return Err(ApiError::UnknownModule(module));
    };
    // The registry's spelling of the name is the one that keys are derived from.
    let name = registry::module_name(id).unwrap_or(module.as_str());
    let raw_key = parse_bytes(&raw_key).map_err(|error| ApiError::BadHex {
        what: "raw key",
        reason: error.to_string(),
    })?;
    let value = state.backend.state(state_key(name, &raw_key)).await?;
    Ok(Json(value.into()))
}

/// `GET /v1/state/keys/{key}`.
pub(crate) async fn state_by_key<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<StateValueView> {
    let key = parse_hash_param("state key", &key)?;
    let value = state.backend.state(key).await?;
    Ok(Json(value.into()))
}

/// `GET /v1/status`.
pub(crate) async fn status<B: Backend>(
    State(state): State<AppState<B>>,
) -> ApiResult<NodeStatusView> {
    let status = state.backend.status().await?;
    Ok(Json(NodeStatusView::from(&status)))
}

/// `GET /v1/chain`.
pub(crate) async fn chain<B: Backend>(State(state): State<AppState<B>>) -> Json<ChainInfoView> {
    Json(ChainInfoView::from(&state.backend.info()))
}

/// `GET /v1/health`.
pub(crate) async fn health() -> Json<Health> {
    Json(Health { ok: true })
}

/// `GET /v1/openapi.json`.
pub(crate) async fn openapi_document() -> Json<serde_json::Value> {
    Json(openapi::document_json())
}

/// Any path no route matches.
pub(crate) async fn route_not_found(uri: Uri) -> ApiError {
    ApiError::RouteNotFound(uri.path().to_owned())
}

/// A route's path with a method it does not have.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
