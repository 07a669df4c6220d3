//! The proof-of-inference endpoints: a model version's proving identity and a verified
//! inference, each asked of the backend as one [`StateQuery`] with the block it was read at and,
//! with `?proofs=true`, the proof of the state value read.

use crate::{
    ApiError, Backend,
    answer::{ProofsQuery, proofs},
    extract::{ApiPath, ApiQuery},
    handlers::AppState,
};
use ailedger_client::{
    dto::{InferenceAnswer, InferenceView, ProvingIdentityAnswer, ProvingIdentityView},
    encoding::parse_hash,
};
use ailedger_core::Hash;
use ailedger_state::query::{StateAnswer, StateQuery};
use axum::{Json, extract::State};

fn parse_id(what: &'static str, text: &str) -> Result<Hash, ApiError> {
    parse_hash(text).map_err(|error| ApiError::BadHex {
        what,
        reason: error.to_string(),
    })
}

/// `GET /v1/versions/{id}/proving-identity`.
pub(crate) async fn proving_identity<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> Result<Json<ProvingIdentityAnswer>, ApiError> {
    let id = parse_id("version id", &id)?;
    let answer = state
        .backend
        .query(StateQuery::ProvingIdentity(id), query.proofs)
        .await?;
    let record = found!(
        &answer.answer,
        StateAnswer::ProvingIdentity,
        "proving identity of model version",
        id.to_string()
    );
    Ok(Json(ProvingIdentityAnswer {
        height: answer.height,
        state_root: answer.state_root,
        identity: ProvingIdentityView::from(record.as_ref()),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/inferences/{id}`.
pub(crate) async fn inference<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> Result<Json<InferenceAnswer>, ApiError> {
    let id = parse_id("inference id", &id)?;
    let answer = state
        .backend
        .query(StateQuery::Inference(id), query.proofs)
        .await?;
    let record = found!(
        &answer.answer,
        StateAnswer::Inference,
        "inference",
        id.to_string()
    );
    Ok(Json(InferenceAnswer {
        height: answer.height,
        state_root: answer.state_root,
        inference: InferenceView::from(record.as_ref()),
        proofs: proofs(&answer),
    }))
}
