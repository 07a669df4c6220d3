//! The routes: one table that both the router and the OpenAPI document are built from, so a
//! route cannot be served without being documented.

use crate::{
    Backend, content,
    error::InternalErrorDetail,
    handlers::{self, AppState},
    logs, provenance, staking, zk,
};
use ailedger_client::dto::{
    AccountTxs, AccountView, AnchorAnswer, BlockReceipts, BlockView, ChainInfoView, DatasetAnswer,
    DatasetList, DownstreamAnswer, EvidenceAnswer, FinalizationView, Health, LicencesAnswer,
    LineageAnswer, LogAnswer, ModelAnswer, ModelVersionList, NodeStatusView, StateValueView,
    SubmitTxRequest, SubmitTxResponse, SubmitTxsRequest, SubmitTxsResponse, TxRecordView,
    VersionAnswer,
};
use ailedger_client::dto::{
    ContentClaimsAnswer, InferenceAnswer, ProvingIdentityAnswer, SimilarAnswer, SimilarRequest,
};
use ailedger_client::dto::{StakingParamsAnswer, ValidatorAnswer, ValidatorSetAnswer};
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
    /// (a 1 MiB message) hex-encoded in JSON, which is twice its size.
    pub max_tx_body_bytes: usize,
    /// Most transactions in one page of `GET /v1/accounts/{address}/txs`, and most ids in one
    /// page of `GET /v1/datasets` and `GET /v1/models/{name}/versions`.
    pub max_page: usize,
    /// Most records a lineage, licence or downstream query may visit (`max_nodes` is capped
    /// to it).
    pub max_query_nodes: usize,
}

impl ApiLimits {
    /// The limits of a node that does not configure its own.
    pub const DEFAULT: Self = Self {
        max_batch: 10_000,
        max_batch_body_bytes: 4 * 1024 * 1024,
        max_tx_body_bytes: 2 * ailedger_core::MAX_PAYLOAD_LEN + 64 * 1024,
        max_page: 1_000,
        max_query_nodes: 10_000,
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
        Endpoint::Finalization => on(filter, handlers::finalization::<B>),
        Endpoint::StateByModule => on(filter, handlers::state_by_module::<B>),
        Endpoint::StateByKey => on(filter, handlers::state_by_key::<B>),
        Endpoint::Status => on(filter, handlers::status::<B>),
        Endpoint::Chain => on(filter, handlers::chain::<B>),
        Endpoint::Health => on(filter, handlers::health),
        Endpoint::OpenApi => on(filter, handlers::openapi_document),
        Endpoint::Datasets => on(filter, provenance::datasets::<B>),
        Endpoint::Dataset => on(filter, provenance::dataset::<B>),
        Endpoint::DatasetDownstream => on(filter, provenance::dataset_downstream::<B>),
        Endpoint::Model => on(filter, provenance::model::<B>),
        Endpoint::ModelVersions => on(filter, provenance::model_versions::<B>),
        Endpoint::Version => on(filter, provenance::version::<B>),
        Endpoint::Lineage => on(filter, provenance::lineage::<B>),
        Endpoint::Licences => on(filter, provenance::licences::<B>),
        Endpoint::VersionDownstream => on(filter, provenance::version_downstream::<B>),
        Endpoint::Log => on(filter, logs::log::<B>),
        Endpoint::LogAnchor => on(filter, logs::anchor::<B>),
        Endpoint::LogEvidence => on(filter, logs::evidence::<B>),
        Endpoint::ProvingIdentity => on(filter, zk::proving_identity::<B>),
        Endpoint::Inference => on(filter, zk::inference::<B>),
        Endpoint::ContentClaims => on(filter, content::claims::<B>),
        Endpoint::StakingParams => on(filter, staking::params::<B>),
        Endpoint::Validator => on(filter, staking::validator::<B>),
        Endpoint::ValidatorSet => on(filter, staking::set::<B>),
        Endpoint::CurrentValidatorSet => on(filter, staking::current_set::<B>),
        Endpoint::Similar => {
            on(filter, content::similar::<B>).layer(DefaultBodyLimit::max(SIMILAR_BODY_BYTES))
        }
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
    Finalization,
    StateByModule,
    StateByKey,
    Status,
    Chain,
    Health,
    OpenApi,
    Datasets,
    Dataset,
    DatasetDownstream,
    Model,
    ModelVersions,
    Version,
    Lineage,
    Licences,
    VersionDownstream,
    Log,
    LogAnchor,
    LogEvidence,
    ProvingIdentity,
    Inference,
    ContentClaims,
    Similar,
    StakingParams,
    Validator,
    ValidatorSet,
    CurrentValidatorSet,
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

const PROOFS_PARAM: Param = Param {
    name: "proofs",
    location: ParamIn::Query,
    kind: ParamType::Boolean,
    description: "Also return every state value the answer was read from, each with its proof against the \
                  answer's state root (at most 256; more is 422 `TOO_MANY_PROOFS`). A client checks them \
                  against the header of the block at `height` and recomputes the answer from them.",
};

const ROOT_PARAM: Param = Param {
    name: "root",
    location: ParamIn::Path,
    kind: ParamType::String,
    description: "Dataset root (its id): 64 lowercase hex digits.",
};

const MODEL_NAME_PARAM: Param = Param {
    name: "name",
    location: ParamIn::Path,
    kind: ParamType::String,
    description: "Model name, percent-encoded as one path segment: `/` is written `%2F` \
                  (`acme/digits-mlp` → `acme%2Fdigits-mlp`).",
};

const VERSION_ID_PARAM: Param = Param {
    name: "id",
    location: ParamIn::Path,
    kind: ParamType::String,
    description: "Model version id: 64 lowercase hex digits (SHA-256 of the model name and version label).",
};

const INFERENCE_ID_PARAM: Param = Param {
    name: "id",
    location: ParamIn::Path,
    kind: ParamType::String,
    description: "Inference id: 64 lowercase hex digits (SHA-256 of the model version, the input digest and \
                  the output digest).",
};

const OFFSET_PARAM: Param = Param {
    name: "offset",
    location: ParamIn::Query,
    kind: ParamType::Integer,
    description: "Position of the first id (default 0).",
};

const LIMIT_PARAM: Param = Param {
    name: "limit",
    location: ParamIn::Query,
    kind: ParamType::Integer,
    description: "Most ids (default 100, at most 1000).",
};

const MAX_NODES_PARAM: Param = Param {
    name: "max_nodes",
    location: ParamIn::Query,
    kind: ParamType::Integer,
    description: "Most records the traversal may visit (default 1000, at most 10000); a larger answer is \
                  422 `TOO_MANY_NODES`.",
};

/// Statuses of a provenance query: bad parameters, not registered, over a bound, state unavailable.
const QUERY_ERRORS: &[u16] = &[400, 404, 422, 503];

const ORIGIN_PARAM: Param = Param {
    name: "origin",
    location: ParamIn::Path,
    kind: ParamType::String,
    description: "Log origin, percent-encoded as one path segment: `/` is written `%2F` \
                  (`ledger.example/inference` → `ledger.example%2Finference`).",
};

/// Largest body of `POST /v1/content/similar`: two fingerprints and a 128-value MinHash
/// signature are under 2 KB of JSON.
const SIMILAR_BODY_BYTES: usize = 16 * 1024;

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
        endpoint: Endpoint::Finalization,
        verb: Verb::Get,
        path: "/v1/blocks/{height}/finalization",
        summary: "A block's finalization certificate",
        description: "The validators' certificate that finalized the block at this height, in \
            the consensus engine's encoding: a light client holding the validator set checks it \
            and trusts the block's header, and every state proof under its state root, without \
            trusting this node. The genesis block has none.",
        params: &[Param {
            name: "height",
            location: ParamIn::Path,
            kind: ParamType::Integer,
            description: "Block height.",
        }],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<FinalizationView as ToSchema>::name),
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
        endpoint: Endpoint::Datasets,
        verb: Verb::Get,
        path: "/v1/datasets",
        summary: "Registered datasets",
        description: "Dataset roots in registration order, with the total count.",
        params: &[OFFSET_PARAM, LIMIT_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<DatasetList as ToSchema>::name),
        errors: &[400, 422, 503],
    },
    Route {
        endpoint: Endpoint::Dataset,
        verb: Verb::Get,
        path: "/v1/datasets/{root}",
        summary: "A dataset",
        description: "A registered dataset: root, manifest digest, leaf count and mode, licence, source, \
                      modality, collection period, contributors, consent evidence, registrant.",
        params: &[ROOT_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<DatasetAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::DatasetDownstream,
        verb: Verb::Get,
        path: "/v1/datasets/{root}/downstream",
        summary: "Everything trained on a dataset",
        description: "Every model version trained on the dataset or derived from such a version, each once \
                      with its shortest distance: what a takedown or erasure request reaches.",
        params: &[ROOT_PARAM, MAX_NODES_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<DownstreamAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::Model,
        verb: Verb::Get,
        path: "/v1/models/{name}",
        summary: "A model",
        description: "A model name, its owner and publisher, and its number of versions.",
        params: &[MODEL_NAME_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<ModelAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::ModelVersions,
        verb: Verb::Get,
        path: "/v1/models/{name}/versions",
        summary: "A model's versions",
        description: "A model's version ids in registration order, with the total count (404 if the model is \
                      not registered).",
        params: &[MODEL_NAME_PARAM, OFFSET_PARAM, LIMIT_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<ModelVersionList as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::Version,
        verb: Verb::Get,
        path: "/v1/versions/{id}",
        summary: "A model version",
        description: "A model version: file digests, tensor root, architecture digest, parents with their \
                      relation, datasets, training run, licence and status.",
        params: &[VERSION_ID_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<VersionAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::Lineage,
        verb: Verb::Get,
        path: "/v1/versions/{id}/lineage",
        summary: "A model version's lineage",
        description: "Every ancestor (with depth and relation), every parent edge among them, and every \
                      dataset reaching the version directly or through an ancestor.",
        params: &[VERSION_ID_PARAM, MAX_NODES_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<LineageAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::Licences,
        verb: Verb::Get,
        path: "/v1/versions/{id}/licences",
        summary: "Licences reaching a model version",
        description: "Every licence reaching the version (its own, its ancestors', its datasets'), checked \
                      against an intended use: conflicts (e.g. `NON_COMMERCIAL` naming the dataset) and \
                      obligations (attribution, share-alike, use restrictions).",
        params: &[
            VERSION_ID_PARAM,
            Param {
                name: "commercial",
                location: ParamIn::Query,
                kind: ParamType::Boolean,
                description: "Commercial use (default false).",
            },
            Param {
                name: "redistribute_weights",
                location: ParamIn::Query,
                kind: ParamType::Boolean,
                description: "Sharing the weights or weights derived from them (default false).",
            },
            Param {
                name: "create_derivatives",
                location: ParamIn::Query,
                kind: ParamType::Boolean,
                description: "Fine-tuning, adapting, merging, quantising or distilling (default false).",
            },
            MAX_NODES_PARAM,
            PROOFS_PARAM,
        ],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<LicencesAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::VersionDownstream,
        verb: Verb::Get,
        path: "/v1/versions/{id}/downstream",
        summary: "Everything derived from a model version",
        description: "Every model version descending from the version, each once with its shortest distance.",
        params: &[VERSION_ID_PARAM, MAX_NODES_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<DownstreamAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::Log,
        verb: Verb::Get,
        path: "/v1/logs/{origin}",
        summary: "A transparency log",
        description: "A registered transparency log: its key (hex and as a C2SP verifier key), operator, \
                      status (`active` or `forked`), number of anchors and evidence records, and its latest \
                      anchored checkpoint.",
        params: &[ORIGIN_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<LogAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::LogAnchor,
        verb: Verb::Get,
        path: "/v1/logs/{origin}/anchors/{seq}",
        summary: "An anchored checkpoint",
        description: "Anchor `seq` (from 0) of a log: the signed checkpoint, its size and root, and the block \
                      that anchored it.",
        params: &[
            ORIGIN_PARAM,
            Param {
                name: "seq",
                location: ParamIn::Path,
                kind: ParamType::Integer,
                description: "The anchor's sequence number, from 0.",
            },
            PROOFS_PARAM,
        ],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<AnchorAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::LogEvidence,
        verb: Verb::Get,
        path: "/v1/logs/{origin}/evidence/{index}",
        summary: "Fork evidence against a log",
        description: "Evidence record `index` (from 0) against a log: two checkpoints signed by its key that \
                      cannot both be true (an equivocation, or a divergence with the two inclusion proofs).",
        params: &[
            ORIGIN_PARAM,
            Param {
                name: "index",
                location: ParamIn::Path,
                kind: ParamType::Integer,
                description: "The record's index, from 0.",
            },
            PROOFS_PARAM,
        ],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<EvidenceAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::ProvingIdentity,
        verb: Verb::Get,
        path: "/v1/versions/{id}/proving-identity",
        summary: "A model version's proving identity",
        description: "The architecture descriptor, weight commitment root, commitment parameters and proving \
                      identity attached to a model version, against which the chain verifies proofs of inference.",
        params: &[VERSION_ID_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<ProvingIdentityAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::Inference,
        verb: Verb::Get,
        path: "/v1/inferences/{id}",
        summary: "A verified inference",
        description: "An inference whose proof the chain verified: model version, proving identity, input digest, \
                      output, proof digest, transaction and submitter. The proofs are not zero-knowledge: they hide \
                      neither the weights nor the input.",
        params: &[INFERENCE_ID_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<InferenceAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::ContentClaims,
        verb: Verb::Get,
        path: "/v1/content/{digest}",
        summary: "The claims of a content digest",
        description: "Every registered claim on the content (SHA-256 of its bytes), in registration order: the \
                      first claimant first, each with the block height and time that registered it, what it states \
                      (`human_made` with an IPTC source type, or `ai_generated` by a model version with the \
                      inference log's receipt digest), the credential's digest and the fingerprints. Content nobody \
                      claimed answers `total: 0`, which `?proofs=true` proves.",
        params: &[
            Param {
                name: "digest",
                location: ParamIn::Path,
                kind: ParamType::String,
                description: "Content digest: SHA-256 of the bytes, 64 lowercase hex digits.",
            },
            Param {
                name: "offset",
                location: ParamIn::Query,
                kind: ParamType::Integer,
                description: "Position of the first claim (default 0).",
            },
            Param {
                name: "limit",
                location: ParamIn::Query,
                kind: ParamType::Integer,
                description: "Most claims (default and at most 64, the most a content keeps).",
            },
            PROOFS_PARAM,
        ],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<ContentClaimsAnswer as ToSchema>::name),
        errors: &[400, 422, 503],
    },
    Route {
        endpoint: Endpoint::Similar,
        verb: Verb::Post,
        path: "/v1/content/similar",
        summary: "Claims with near-duplicate fingerprints",
        description: "Registered claims whose image perceptual hash or text SimHash is within `max_distance` bits \
                      of the given one, or whose MinHash signature shares an LSH band and at least `min_similarity` \
                      of its values, nearest first within each kind. Answered from the node's own index of \
                      committed claims, which is not consensus: check a match with `GET /v1/content/{digest}?proofs=true`.",
        params: &[],
        request: Some(<SimilarRequest as ToSchema>::name),
        raw_body: false,
        ok_status: 200,
        ok: Some(<SimilarAnswer as ToSchema>::name),
        errors: &[400, 413, 415, 503],
    },
    Route {
        endpoint: Endpoint::StakingParams,
        verb: Verb::Get,
        path: "/v1/staking/params",
        summary: "The staking parameters",
        description: "The rules of staking fixed at genesis (epochs, minimum self-stake, most validators per set, \
                      unbonding delay, double-sign penalty), and the epoch of the block the answer was read at, \
                      with its first and last heights. A chain without staking state answers 404.",
        params: &[PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<StakingParamsAnswer as ToSchema>::name),
        errors: &[400, 404, 422, 503],
    },
    Route {
        endpoint: Endpoint::Validator,
        verb: Verb::Get,
        path: "/v1/staking/validators/{address}",
        summary: "A validator",
        description: "A registered validator (its consensus key is its account address): p2p address, bonded \
                      stake, amounts unbonding with the epoch each can be withdrawn in, and whether it was jailed \
                      for double signing. 404 if the address is not a registered validator.",
        params: &[ADDRESS_PARAM, PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<ValidatorAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
    },
    Route {
        endpoint: Endpoint::CurrentValidatorSet,
        verb: Verb::Get,
        path: "/v1/staking/sets/current",
        summary: "The validator set of the current epoch",
        description: "The set of the epoch the block the answer was read at belongs to, as \
                      `/v1/staking/sets/{epoch}` answers it.",
        params: &[PROOFS_PARAM],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<ValidatorSetAnswer as ToSchema>::name),
        errors: &[400, 404, 422, 503],
    },
    Route {
        endpoint: Endpoint::ValidatorSet,
        verb: Verb::Get,
        path: "/v1/staking/sets/{epoch}",
        summary: "An epoch's validator set",
        description: "The validators of an epoch by address (a member's position is its participant index in \
                      that epoch's consensus), each with its stake and p2p address when the set was fixed, at \
                      the end of the last block of the epoch before (`boundary_height`; 404 until then). \
                      `encoded` is the set's stored value and `digest` its SHA-256, which that block's header \
                      carries as `next_validators`. Epoch 0's set is the genesis validators.",
        params: &[
            Param {
                name: "epoch",
                location: ParamIn::Path,
                kind: ParamType::Integer,
                description: "The epoch, from 0.",
            },
            PROOFS_PARAM,
        ],
        request: None,
        raw_body: false,
        ok_status: 200,
        ok: Some(<ValidatorSetAnswer as ToSchema>::name),
        errors: QUERY_ERRORS,
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
