//! The staking endpoints: the parameters with the current epoch, a validator, an epoch's set;
//! each asked of the backend as one [`StateQuery`] with the block it was read at and, with
//! `?proofs=true`, the proof of the state value read.
//!
//! A set is served with its stored bytes and their SHA-256, which the header of the last block
//! of the epoch before (`boundary_height`) commits to as `next_validators`.

use crate::{
    ApiError, Backend, QueryAnswer,
    answer::{ProofsQuery, proofs, wrong_answer},
    extract::{ApiPath, ApiQuery},
    handlers::{AppState, parse_address},
};
use ailedger_client::dto::{
    EpochView, StakingParamsAnswer, StakingParamsView, ValidatorAnswer, ValidatorSetAnswer,
    ValidatorSetView, ValidatorView,
};
use ailedger_state::{
    query::{StateAnswer, StateQuery},
    staking::{ChainEpocher, StakingParams, ValidatorSet},
};
use axum::{Json, extract::State};

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Most reads of the current set: each retry follows an epoch boundary passed between the read
/// of the parameters and the read of the set.
const CURRENT_SET_READS: usize = 4;

/// The staking parameters of an answer; `404` on a chain without staking.
fn params_of(answer: &QueryAnswer) -> Result<&StakingParams, ApiError> {
    match &answer.answer {
        StateAnswer::StakingParams(Some(params)) => Ok(params),
        StateAnswer::StakingParams(None) => Err(ApiError::NotFound(
            "staking parameters (this chain has no staking state)".to_owned(),
        )),
        _ => Err(wrong_answer()),
    }
}

fn epochs_of(params: &StakingParams) -> Result<ChainEpocher, ApiError> {
    params
        .epochs()
        .ok_or_else(|| ApiError::Internal("stored staking parameters define no epochs".to_owned()))
}

/// The chain's epochs, and the height they were read at.
async fn epochs<B: Backend>(backend: &B) -> Result<(u64, ChainEpocher), ApiError> {
    let answer = backend.query(StateQuery::StakingParams, false).await?;
    Ok((answer.height, epochs_of(params_of(&answer)?)?))
}

/// `GET /v1/staking/params`.
pub(crate) async fn params<B: Backend>(
    State(state): State<AppState<B>>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<StakingParamsAnswer> {
    let answer = state
        .backend
        .query(StateQuery::StakingParams, query.proofs)
        .await?;
    let params = params_of(&answer)?;
    let span = epochs_of(params)?
        .containing(answer.height)
        .ok_or_else(|| ApiError::Internal(format!("height {} is in no epoch", answer.height)))?;
    Ok(Json(StakingParamsAnswer {
        height: answer.height,
        state_root: answer.state_root,
        params: StakingParamsView::from(params),
        epoch: EpochView::from(span),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/staking/validators/{address}`.
pub(crate) async fn validator<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(address): ApiPath<String>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<ValidatorAnswer> {
    let address = parse_address(&address)?;
    let answer = state
        .backend
        .query(StateQuery::Validator(address.clone()), query.proofs)
        .await?;
    let validator = found!(
        &answer.answer,
        StateAnswer::Validator,
        "validator",
        address.to_string()
    );
    Ok(Json(ValidatorAnswer {
        height: answer.height,
        state_root: answer.state_root,
        validator: ValidatorView::new(&address, validator),
        proofs: proofs(&answer),
    }))
}

/// `GET /v1/staking/sets/{epoch}`.
pub(crate) async fn set<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(epoch): ApiPath<u64>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<ValidatorSetAnswer> {
    let (_, epochs) = epochs(&state.backend).await?;
    let answer = state
        .backend
        .query(StateQuery::ValidatorSet(epoch), query.proofs)
        .await?;
    let set = match &answer.answer {
        StateAnswer::ValidatorSet(Some(set)) => set,
        StateAnswer::ValidatorSet(None) => return Err(not_computed(epoch, &epochs)),
        _ => return Err(wrong_answer()),
    };
    Ok(Json(set_answer(&answer, set, &epochs)))
}

/// `GET /v1/staking/sets/current`: the set of the epoch of the block the answer is read at.
pub(crate) async fn current_set<B: Backend>(
    State(state): State<AppState<B>>,
    ApiQuery(query): ApiQuery<ProofsQuery>,
) -> ApiResult<ValidatorSetAnswer> {
    let (height, epochs) = epochs(&state.backend).await?;
    let mut epoch = epochs.epoch_of(height);
    for _ in 0..CURRENT_SET_READS {
        let answer = state
            .backend
            .query(StateQuery::ValidatorSet(epoch), query.proofs)
            .await?;
        let read_in = epochs.epoch_of(answer.height);
        if read_in != epoch {
            // A boundary passed since the parameters were read; the newer epoch's set is in
            // the state read at its heights, fixed at the end of the epoch before.
            epoch = read_in;
            continue;
        }
        let set = match &answer.answer {
            StateAnswer::ValidatorSet(Some(set)) => set,
            StateAnswer::ValidatorSet(None) => {
                return Err(ApiError::Internal(format!(
                    "the state of block {} holds no set for its own epoch {epoch}",
                    answer.height
                )));
            }
            _ => return Err(wrong_answer()),
        };
        return Ok(Json(set_answer(&answer, set, &epochs)));
    }
    Err(ApiError::StateUnavailable(format!(
        "the chain passed {CURRENT_SET_READS} epoch boundaries while the current set was read"
    )))
}

fn set_answer(
    answer: &QueryAnswer,
    set: &ValidatorSet,
    epochs: &ChainEpocher,
) -> ValidatorSetAnswer {
    let (encoded, digest) = ValidatorSetAnswer::encoding_of(set);
    ValidatorSetAnswer {
        height: answer.height,
        state_root: answer.state_root,
        set: ValidatorSetView::from(set),
        encoded,
        digest,
        boundary_height: boundary(set.epoch, epochs),
        proofs: proofs(answer),
    }
}

/// The last block of the epoch before `epoch`, whose header commits to `epoch`'s set; `None`
/// for epoch 0.
fn boundary(epoch: u64, epochs: &ChainEpocher) -> Option<u64> {
    epochs.last(epoch.checked_sub(1)?)
}

fn not_computed(epoch: u64, epochs: &ChainEpocher) -> ApiError {
    match boundary(epoch, epochs) {
        Some(height) => ApiError::NotFound(format!(
            "validator set of epoch {epoch} (fixed at the end of block {height})"
        )),
        None => ApiError::NotFound(format!("validator set of epoch {epoch}")),
    }
}
