//! The provenance endpoints: each asks the backend one [`StateQuery`] and shows its answer, with
//! the block it was read at and, with `?proofs=true`, a proof of every state value read.
//!
//! Model names contain `/`, so a route takes a name as one percent-encoded path segment
//! (`/v1/models/acme%2Fdigits-mlp/versions`); axum decodes it before the handler sees it.

use crate::answer::{ProofsQuery, proofs, wrong_answer};
use crate::{
    ApiError, Backend, SubmitError,
    extract::{ApiPath, ApiQuery},
    handlers::AppState,
};
use ailedger_client::{
    dto::{
        DatasetAnswer, DatasetList, DatasetView, DownstreamAnswer, DownstreamView,
        LicenceReportView, LicencesAnswer, LineageAnswer, LineageView, ModelAnswer,
        ModelVersionList, ModelVersionView, ModelView, VersionAnswer,
    },
    encoding::parse_hash,
};
use ailedger_core::{Hash, SignedTransaction};
use ailedger_state::{
    Module, TxError,
    provenance::{Provenance, licence::IntendedUse, query::Node, validate_model_name},
    query::{StateAnswer, StateQuery},
};
use axum::{Json, extract::State};
use serde::Deserialize;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Records a traversal visits when the request does not say.
pub(crate) const DEFAULT_MAX_NODES: u64 = 1_000;
/// Ids in a page of a list when the request does not say.
pub(crate) const DEFAULT_LIST_LIMIT: u64 = 100;

/// `?offset=&limit=&proofs=`.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    offset: u64,
    limit: Option<u64>,
    #[serde(default)]
    proofs: bool,
}

/// `?max_nodes=&proofs=`.
#[derive(Debug, Deserialize)]
pub(crate) struct TraversalQuery {
    max_nodes: Option<u64>,
    #[serde(default)]
    proofs: bool,
}

/// `?commercial=&redistribute_weights=&create_derivatives=&max_nodes=&proofs=`.
#[derive(Debug, Deserialize)]
pub(crate) struct LicencesQuery {
    #[serde(default)]
    commercial: bool,
    #[serde(default)]
    redistribute_weights: bool,
    #[serde(default)]
    create_derivatives: bool,
    max_nodes: Option<u64>,
    #[serde(default)]
    proofs: bool,
}

fn parse_root(text: &str) -> Result<Hash, ApiError> {
    parse_hash(text).map_err(|error| ApiError::BadHex {
        what: "dataset root",
        reason: error.to_string(),
    })
}

fn parse_version_id(text: &str) -> Result<Hash, ApiError> {
    parse_hash(text).map_err(|error| ApiError::BadHex {
        what: "version id",
        reason: error.to_string(),
    })
}

fn parse_model_name(name: String) -> Result<String, ApiError> {
    validate_model_name(&name).map_err(|error| ApiError::BadModelName(error.to_string()))?;
    Ok(name)
}

/// The traversal bound: as asked (default [`DEFAULT_MAX_NODES`]), at most the node's limit.
fn max_nodes<B>(state: &AppState<B>, asked: Option<u64>) -> u64 {
    let cap = u64::try_from(state.limits.max_query_nodes).unwrap_or(u64::MAX);
    asked.unwrap_or(DEFAULT_MAX_NODES).min(cap)
}

/// The page size: as asked (default [`DEFAULT_LIST_LIMIT`]), at most the node's page limit.
fn list_limit<B>(state: &AppState<B>, asked: Option<u64>) -> u64 {
    let cap = u64::try_from(state.limits.max_page).unwrap_or(u64::MAX);
    asked.unwrap_or(DEFAULT_LIST_LIMIT).min(cap)
}

fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// `GET /v1/datasets`.
pub(crate) async fn datasets<B: Backend>(
    State(state): State<AppState<B>>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<DatasetList> {
    let limit = list_limit(&state, query.limit);
    let asked = StateQuery::Datasets {
        offset: query.offset,
        limit: to_usize(limit),
    };
    let answer = state.backend.query(asked, query.proofs).await?;
    let StateAnswer::Datasets(slice) = &answer.answer else {
        return Err(wrong_answer());
    };
    Ok(Json(DatasetList {
        height: answer.height,
        state_root: answer.state_root,
        offset: query.offset,
        limit,
        total: slice.total,
        ids: slice.ids.clone(),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/datasets/{root}`.
pub(crate) async fn dataset<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(root): ApiPath<String>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<DatasetAnswer> {
    let root = parse_root(&root)?;
    let answer = state
        .backend
        .query(StateQuery::Dataset(root), query.proofs)
        .await?;
    let dataset = found!(
        &answer.answer,
        StateAnswer::Dataset,
        "dataset",
        root.to_string()
    );
    Ok(Json(DatasetAnswer {
        height: answer.height,
        state_root: answer.state_root,
        dataset: DatasetView::from(dataset),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/datasets/{root}/downstream`.
pub(crate) async fn dataset_downstream<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(root): ApiPath<String>,
    ApiQuery(query): ApiQuery<TraversalQuery>,
) -> ApiResult<DownstreamAnswer> {
    let root = parse_root(&root)?;
    downstream(&state, Node::Dataset(root), query).await
}

/// `GET /v1/versions/{id}/downstream`.
pub(crate) async fn version_downstream<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<TraversalQuery>,
) -> ApiResult<DownstreamAnswer> {
    let id = parse_version_id(&id)?;
    downstream(&state, Node::Version(id), query).await
}

async fn downstream<B: Backend>(
    state: &AppState<B>,
    node: Node,
    query: TraversalQuery,
) -> ApiResult<DownstreamAnswer> {
    let max_nodes = max_nodes(state, query.max_nodes);
    let asked = StateQuery::Downstream {
        node,
        max_nodes: to_usize(max_nodes),
    };
    let answer = state.backend.query(asked, query.proofs).await?;
    let StateAnswer::Downstream(downstream) = &answer.answer else {
        return Err(wrong_answer());
    };
    Ok(Json(DownstreamAnswer {
        height: answer.height,
        state_root: answer.state_root,
        max_nodes,
        downstream: DownstreamView::from(downstream.as_ref()),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/models/{name}`.
pub(crate) async fn model<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<ModelAnswer> {
    let name = parse_model_name(name)?;
    let answer = state
        .backend
        .query(StateQuery::Model(name.clone()), query.proofs)
        .await?;
    let model = found!(&answer.answer, StateAnswer::Model, "model", name);
    Ok(Json(ModelAnswer {
        height: answer.height,
        state_root: answer.state_root,
        model: ModelView::from(model),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/models/{name}/versions`: 404 for a model that is not registered (rather than an
/// empty list, which a registered model without versions has).
pub(crate) async fn model_versions<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ModelVersionList> {
    let name = parse_model_name(name)?;
    let exists = state
        .backend
        .query(StateQuery::Model(name.clone()), false)
        .await?;
    if matches!(exists.answer, StateAnswer::Model(None)) {
        return Err(ApiError::NotRegistered {
            what: "model",
            id: name,
        });
    }
    let limit = list_limit(&state, query.limit);
    let asked = StateQuery::ModelVersions {
        name: name.clone(),
        offset: query.offset,
        limit: to_usize(limit),
    };
    let answer = state.backend.query(asked, query.proofs).await?;
    let StateAnswer::ModelVersions(slice) = &answer.answer else {
        return Err(wrong_answer());
    };
    Ok(Json(ModelVersionList {
        height: answer.height,
        state_root: answer.state_root,
        model: name,
        offset: query.offset,
        limit,
        total: slice.total,
        ids: slice.ids.clone(),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/versions/{id}`.
pub(crate) async fn version<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<VersionAnswer> {
    let id = parse_version_id(&id)?;
    let answer = state
        .backend
        .query(StateQuery::Version(id), query.proofs)
        .await?;
    let version = found!(
        &answer.answer,
        StateAnswer::Version,
        "model version",
        id.to_string()
    );
    Ok(Json(VersionAnswer {
        height: answer.height,
        state_root: answer.state_root,
        version: ModelVersionView::from(version),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/versions/{id}/lineage`.
pub(crate) async fn lineage<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<TraversalQuery>,
) -> ApiResult<LineageAnswer> {
    let id = parse_version_id(&id)?;
    let max_nodes = max_nodes(&state, query.max_nodes);
    let asked = StateQuery::Lineage {
        id,
        max_nodes: to_usize(max_nodes),
    };
    let answer = state.backend.query(asked, query.proofs).await?;
    let StateAnswer::Lineage(lineage) = &answer.answer else {
        return Err(wrong_answer());
    };
    Ok(Json(LineageAnswer {
        height: answer.height,
        state_root: answer.state_root,
        max_nodes,
        lineage: LineageView::from(lineage.as_ref()),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/versions/{id}/licences`.
pub(crate) async fn licences<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<LicencesQuery>,
) -> ApiResult<LicencesAnswer> {
    let id = parse_version_id(&id)?;
    let max_nodes = max_nodes(&state, query.max_nodes);
    let asked = StateQuery::Licences {
        id,
        intended_use: IntendedUse {
            commercial: query.commercial,
            redistribute_weights: query.redistribute_weights,
            create_derivatives: query.create_derivatives,
        },
        max_nodes: to_usize(max_nodes),
    };
    let answer = state.backend.query(asked, query.proofs).await?;
    let StateAnswer::Licences(report) = &answer.answer else {
        return Err(wrong_answer());
    };
    Ok(Json(LicencesAnswer {
        height: answer.height,
        state_root: answer.state_root,
        max_nodes,
        report: LicenceReportView::from(report.as_ref()),
        proofs: proofs(&answer),
    }))
}

/// The error of a refused transaction. A message invalid on its face gets, beside the node's
/// `INVALID_MESSAGE`, the module's own code for why (e.g. `LICENCE_MALFORMED`), found by
/// running the module's stateless checks again here.
pub(crate) fn refusal(tx: &SignedTransaction, error: SubmitError) -> ApiError {
    if let SubmitError::Invalid(TxError::InvalidMessage { .. }) = &error
        && let Some(message_code) = message_code(tx)
    {
        return ApiError::InvalidMessage {
            error,
            message_code,
        };
    }
    ApiError::Submit(error)
}

fn message_code(tx: &SignedTransaction) -> Option<&'static str> {
    let tx = tx.tx();
    if tx.module != Provenance::ID {
        return None;
    }
    let msg = Provenance::decode(&tx.payload).ok()?;
    msg.validate().err().map(|error| error.code())
}
