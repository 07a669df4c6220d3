//! The routes: one table that both the router and the OpenAPI document are built from, so a
//! route cannot be served without being documented.

use crate::{
    Backend,
    error::InternalErrorDetail,
    handlers::{self, AppState},
};
use ailedger_client::dto::{
    AccountTxs, AccountView, BlockReceipts, BlockView, ChainInfoView, Health, NodeStatusView,
    StateValueView, SubmitTxRequest, SubmitTxResponse, SubmitTxsRequest, SubmitTxsResponse,
    TxRecordView,
};
use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    middleware::{self, Next},
    response::Response,
    routing::{MethodFilter, MethodRouter, on},
};
use std::{borrow::Cow, future::Future, io};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use utoipa::ToSchema;

/// Limits on what one request may ask of the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiLimits {
    /// Most transactions in one `POST /v1/txs`.
    pub max_batch: usize,
    /// Largest body of `POST /v1/txs`, in bytes.
    pub max_batch_body_bytes: usize,
    /// Largest body of `POST /v1/tx`, in bytes. The default fits the largest transaction
    /// (a 128 KiB message) hex-encoded in JSON, which is twice its size.
    pub max_tx_body_bytes: usize,
    /// Most transactions in one page of `GET /v1/accounts/{address}/txs`.
    pub max_page: usize,
}

impl ApiLimits {
    /// The limits of a node that does not configure its own.
    pub const DEFAULT: Self = Self {
        max_batch: 10_000,
        max_batch_body_bytes: 4 * 1024 * 1024,
        max_tx_body_bytes: 512 * 1024,
        max_page: 1_000,
    };
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The HTTP API over `backend`: every route listed in the crate docs, a JSON 404 for any other
/// path, and a JSON 405 for a known path with another method.
pub fn router<B: Backend>(backend: B, limits: ApiLimits) -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        router = router.route(route.path, method_router::<B>(route, &limits));
    }
    router
        .fallback(handlers::route_not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(middleware::from_fn(log_internal_errors))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let matched_path = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map(MatchedPath::as_str);
                tracing::info_span!("request", method = %request.method(), matched_path)
            }),
        )
        .with_state(AppState { backend, limits })
}

/// Serves the API on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve<B: Backend>(
    listener: TcpListener,
    backend: B,
    limits: ApiLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(backend, limits))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Logs the detail of internal errors, which the response body leaves out.
async fn log_internal_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(InternalErrorDetail(detail)) = response.extensions().get::<InternalErrorDetail>() {
        tracing::error!(target: "ailedger::api", error = %detail, "request failed");
    }
    response
}

/// The handler of each endpoint, with its method and body limit from the table.
fn method_router<B: Backend>(route: &Route, limits: &ApiLimits) -> MethodRouter<AppState<B>> {
    let filter = match route.verb {
        Verb::Get => MethodFilter::GET,
        Verb::Post => MethodFilter::POST,
    };
    match route.endpoint {
        Endpoint::SubmitTx => on(filter, handlers::submit_tx::<B>)
            .layer(DefaultBodyLimit::max(limits.max_tx_body_bytes)),
        Endpoint::SubmitTxs => on(filter, handlers::submit_txs::<B>)
            .layer(DefaultBodyLimit::max(limits.max_batch_body_bytes)),
        Endpoint::Tx => on(filter, handlers::tx::<B>),
        Endpoint::Account => on(filter, handlers::account::<B>),
        Endpoint::AccountTxs => on(filter, handlers::account_txs::<B>),
        Endpoint::LatestBlock => on(filter, handlers::latest_block::<B>),
        Endpoint::Block => on(filter, handlers::block::<B>),
        Endpoint::BlockReceipts => on(filter, handlers::block_receipts::<B>),
        Endpoint::StateByModule => on(filter, handlers::state_by_module::<B>),
        Endpoint::StateByKey => on(filter, handlers::state_by_key::<B>),
        Endpoint::Status => on(filter, handlers::status::<B>),
        Endpoint::Chain => on(filter, handlers::chain::<B>),
        Endpoint::Health => on(filter, handlers::health),
        Endpoint::OpenApi => on(filter, handlers::openapi_document),
    }
}

/// Which handler serves a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    SubmitTx,
    SubmitTxs,
    Tx,
    Account,
    AccountTxs,
    LatestBlock,
    Block,
    BlockReceipts,
    StateByModule,
    StateByKey,
    Status,
    Chain,
    Health,
    OpenApi,
}

/// HTTP method of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
}

/// The name of a schema in the OpenAPI document (a [`ToSchema::name`]).
pub(crate) type SchemaName = fn() -> Cow<'static, str>;

/// Where a parameter is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamIn {
    Path,
    Query,
}

/// The type of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamType {
    String,
    Integer,
    Boolean,
}

/// A path or query parameter.
#[derive(Debug)]
pub(crate) struct Param {
    pub(crate) name: &'static str,
    pub(crate) location: ParamIn,
    pub(crate) kind: ParamType,
    pub(crate) description: &'static str,
}

/// A route: what the router serves and the document describes.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) endpoint: Endpoint,
    pub(crate) verb: Verb,
    /// The path, in axum's (and OpenAPI's) `{param}` syntax.
    pub(crate) path: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) description: &'static str,
    pub(crate) params: &'static [Param],
    /// The JSON request body, if any.
    pub(crate) request: Option<SchemaName>,
    /// Whether the body may also be raw bytes (`application/octet-stream`).
    pub(crate) raw_body: bool,
    /// Status of success.
    pub(crate) ok_status: u16,
    /// The JSON body of success; `None` for a free-form document.
    pub(crate) ok: Option<SchemaName>,
    /// Statuses of failure, each answered with an `ErrorBody`.
    pub(crate) errors: &'static [u16],
}

const HASH_PARAM: Param = Param {
    name: "hash",
    location: ParamIn::Path,
    kind: ParamType::String,
    description: "Transaction id: 64 lowercase hex digits.",
};

const ADDRESS_PARAM: Param = Param {
    name: "address",
    location: ParamIn::Path,
    kind: ParamType::String,
    description: "Account address: 64 lowercase hex digits.",
};

const TXS_PARAM: Param = Param {
    name: "txs",
    location: ParamIn::Query,
    kind: ParamType::Boolean,
    description: "Include the full transactions (default: only their ids).",
};

/// Every route of the API.
pub(crate) const ROUTES: &[Route] = &[
    Route {
        endpoint: Endpoint::SubmitTx,
        verb: Verb::Post,
        path: "/v1/tx",
        summary: "Submit one transaction",
        description: "Admits a signed transaction to the mempool. The body is JSON `{\"tx\": \"<hex>\"}`, or the \
                      raw canonical encoding with `Content-Type: application/octet-stream`. A transaction is checked \
                      (encoding, chain id, signature, nonce, fee) before it is admitted; a refusal carries the \
                      node's code (e.g. `NONCE_TOO_LOW`, `BAD_SIGNATURE`).",
        params: &[],
        request: Some(<SubmitTxRequest as ToSchema>::name),
        raw_body: true,
        ok_status: 202,
        ok: Some(<SubmitTxResponse as ToSchema>::name),
        errors: &[400, 409, 413, 415, 422, 429, 503],
    },
    Route {
        endpoint: Endpoint::SubmitTxs,
        verb: Verb::Post,
        path: "/v1/txs",
        summary: "Submit transactions in order",
        description: "Admits up to 10,000 signed transactions (hex) in order and answers one result per \
                      transaction: `{\"hash\"}` or `{\"error\": {\"code\", \"message\"}}`.",
        params: &[],
        request: Some(<SubmitTxsRequest as ToSchema>::name),
        raw_body: false,
        ok_status: 200,
        ok: Some(<SubmitTxsResponse as ToSchema>::name),
        errors: &[400, 413, 415],
    },
    Route {
        endpoint: Endpoint::Tx,
        verb: Verb::Get,
        path: "/v1/txs/{hash}",
        summary: "A transaction",
        description: "A pending or committed transaction; once committed, with its block, position and receipt.",
        params: &[HASH_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<TxRecordView as ToSchema>::name),
        errors: &[400, 404],
    },
    Route {
        endpoint: Endpoint::Account,
        verb: Verb::Get,
        path: "/v1/accounts/{address}",
        summary: "An account",
        description: "Balance and nonce as of the last committed block, with the proof of the account's state \
                      value (of exclusion for an account never used, shown as balance 0, nonce 0).",
        params: &[ADDRESS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<AccountView as ToSchema>::name),
        errors: &[400],
    },
    Route {
        endpoint: Endpoint::AccountTxs,
        verb: Verb::Get,
        path: "/v1/accounts/{address}/txs",
        summary: "An account's transactions",
        description: "Committed transactions sent by the account, by ascending nonce.",
        params: &[
            ADDRESS_PARAM,
            Param {
                name: "from_nonce",
                location: ParamIn::Query,
                kind: ParamType::Integer,
                description: "First nonce (default 0).",
            },
            Param {
                name: "limit",
                location: ParamIn::Query,
                kind: ParamType::Integer,
                description: "Most transactions (default 100, at most 1000).",
            },
        ],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<AccountTxs as ToSchema>::name),
        errors: &[400],
    },
    Route {
        endpoint: Endpoint::LatestBlock,
        verb: Verb::Get,
        path: "/v1/blocks/latest",
        summary: "The last committed block",
        description: "The last committed block.",
        params: &[TXS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<BlockView as ToSchema>::name),
        errors: &[400, 404],
    },
    Route {
        endpoint: Endpoint::Block,
        verb: Verb::Get,
        path: "/v1/blocks/{id}",
        summary: "A block",
        description: "A committed block by height or by id.",
        params: &[
            Param {
                name: "id",
                location: ParamIn::Path,
                kind: ParamType::String,
                description: "`latest`, a height, or a block id (64 lowercase hex digits).",
            },
            TXS_PARAM,
        ],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<BlockView as ToSchema>::name),
        errors: &[400, 404],
    },
    Route {
        endpoint: Endpoint::BlockReceipts,
        verb: Verb::Get,
        path: "/v1/blocks/{height}/receipts",
        summary: "A block's receipts",
        description: "The receipts of a committed block, in transaction order.",
        params: &[Param {
            name: "height",
            location: ParamIn::Path,
            kind: ParamType::Integer,
            description: "Block height.",
        }],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<BlockReceipts as ToSchema>::name),
        errors: &[400, 404],
    },
    Route {
        endpoint: Endpoint::StateByModule,
        verb: Verb::Get,
        path: "/v1/state/{module}/{raw_key}",
        summary: "A module's state value",
        description: "The value of a raw key in a module's key space, with its proof against the last committed \
                      block's state root.",
        params: &[
            Param {
                name: "module",
                location: ParamIn::Path,
                kind: ParamType::String,
                description: "Module name, e.g. `bank`.",
            },
            Param {
                name: "raw_key",
                location: ParamIn::Path,
                kind: ParamType::String,
                description: "The module's raw key, as lowercase hex.",
            },
        ],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<StateValueView as ToSchema>::name),
        errors: &[400, 404],
    },
    Route {
        endpoint: Endpoint::StateByKey,
        verb: Verb::Get,
        path: "/v1/state/keys/{key}",
        summary: "A state value by state key",
        description: "The value of a state key, with its proof against the last committed block's state root.",
        params: &[Param {
            name: "key",
            location: ParamIn::Path,
            kind: ParamType::String,
            description: "The state key: 64 lowercase hex digits.",
        }],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<StateValueView as ToSchema>::name),
        errors: &[400],
    },
    Route {
        endpoint: Endpoint::Status,
        verb: Verb::Get,
        path: "/v1/status",
        summary: "The node's status",
        description: "Last committed block, mempool size, committed transactions.",
        params: &[],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<NodeStatusView as ToSchema>::name),
        errors: &[],
    },
    Route {
        endpoint: Endpoint::Chain,
        verb: Verb::Get,
        path: "/v1/chain",
        summary: "The chain",
        description: "Chain id, genesis, validators and parameters.",
        params: &[],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<ChainInfoView as ToSchema>::name),
        errors: &[],
    },
    Route {
        endpoint: Endpoint::Health,
        verb: Verb::Get,
        path: "/v1/health",
        summary: "Liveness",
        description: "Answers `{\"ok\": true}` while the node serves requests.",
        params: &[],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<Health as ToSchema>::name),
        errors: &[],
    },
    Route {
        endpoint: Endpoint::OpenApi,
        verb: Verb::Get,
        path: "/v1/openapi.json",
        summary: "This document",
        description: "The OpenAPI 3 document of this API.",
        params: &[],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: None,
        errors: &[],
    },
];
