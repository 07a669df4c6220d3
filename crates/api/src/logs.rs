//! The transparency-log endpoints: a registered log with its latest anchored checkpoint, one
//! anchor, one evidence record; each one [`StateQuery`], with `?proofs=true` for proofs.
//!
//! Origins contain `/`, so a route takes an origin as one percent-encoded path segment
//! (`/v1/logs/ledger.example%2Finference`), as model names.

use crate::{
    ApiError, Backend,
    answer::{ProofsQuery, proofs},
    extract::{ApiPath, ApiQuery},
    handlers::AppState,
};
use ailedger_client::dto::{AnchorAnswer, AnchorView, EvidenceAnswer, EvidenceView, LogAnswer};
use ailedger_state::{
    logs::validate_origin,
    query::{StateAnswer, StateQuery},
};
use axum::{Json, extract::State};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn parse_origin(origin: String) -> Result<String, ApiError> {
    validate_origin(&origin).map_err(|error| ApiError::BadPath(error.to_string()))?;
    Ok(origin)
}

/// `GET /v1/logs/{origin}`.
pub(crate) async fn log<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(origin): ApiPath<String>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<LogAnswer> {
    let origin = parse_origin(origin)?;
    let answer = state
        .backend
        .query(StateQuery::Log(origin.clone()), query.proofs)
        .await?;
    let view = found!(&answer.answer, StateAnswer::Log, "log", origin);
    let (log, latest_anchor) = LogAnswer::parts(view);
    Ok(Json(LogAnswer {
        height: answer.height,
        state_root: answer.state_root,
        log,
        latest_anchor,
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/logs/{origin}/anchors/{seq}`.
pub(crate) async fn anchor<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath((origin, seq)): ApiPath<(String, u64)>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<AnchorAnswer> {
    let origin = parse_origin(origin)?;
    let asked = StateQuery::LogAnchor {
        origin: origin.clone(),
        seq,
    };
    let answer = state.backend.query(asked, query.proofs).await?;
    let anchor = found!(
        &answer.answer,
        StateAnswer::LogAnchor,
        "anchor",
        format!("{seq} of log {origin}")
    );
    Ok(Json(AnchorAnswer {
        height: answer.height,
        state_root: answer.state_root,
        anchor: AnchorView::from(&**anchor),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/logs/{origin}/evidence/{index}`.
pub(crate) async fn evidence<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath((origin, index)): ApiPath<(String, u64)>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<EvidenceAnswer> {
    let origin = parse_origin(origin)?;
    let asked = StateQuery::LogEvidence {
        origin: origin.clone(),
        index,
    };
    let answer = state.backend.query(asked, query.proofs).await?;
    let evidence = found!(
        &answer.answer,
        StateAnswer::LogEvidence,
        "evidence",
        format!("{index} against log {origin}")
    );
    Ok(Json(EvidenceAnswer {
        height: answer.height,
        state_root: answer.state_root,
        evidence: EvidenceView::from(&**evidence),
        proofs: proofs(&answer),
    }))
}
