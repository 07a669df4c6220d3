//! The content endpoints: the claims of a content digest (one [`StateQuery`], with proofs on
//! request, so that who claimed it first can be checked against a block's state root), and the
//! near-duplicate lookup the node serves from its own index of claimed fingerprints.

use crate::{
    ApiError, Backend, MatchedBy, SimilarQuery,
    answer::{proofs, wrong_answer},
    extract::{ApiJson, ApiPath, ApiQuery},
    handlers::AppState,
};
use ailedger_client::{
    dto::{ClaimView, ContentClaimsAnswer, SimilarAnswer, SimilarMatchView, SimilarRequest},
    encoding::parse_hash,
};
use ailedger_state::{
    content::{MAX_CLAIMS_PER_CONTENT, MAX_MINHASH_LEN},
    query::{StateAnswer, StateQuery},
};
use axum::{Json, extract::State};
use serde::Deserialize;

/// Most differing bits a similarity query may ask for: beyond it, unrelated 64-bit
/// fingerprints (about 32 bits apart) match, and the index scans everything.
pub(crate) const MAX_DISTANCE: u32 = 32;
/// Default differing bits for image and SimHash matches.
const DEFAULT_DISTANCE: u32 = 10;
/// Default least similarity for MinHash matches.
const DEFAULT_SIMILARITY: f64 = 0.5;
/// Default and largest number of matches of each kind.
const DEFAULT_MATCHES: u32 = 20;
const MAX_MATCHES: u32 = 100;

/// `?offset=&limit=&proofs=`.
#[derive(Debug, Deserialize)]
pub(crate) struct ClaimsQuery {
    #[serde(default)]
    offset: u32,
    limit: Option<u32>,
    #[serde(default)]
    proofs: bool,
}

/// `GET /v1/content/{digest}`.
pub(crate) async fn claims<B: Backend>(
    State(state): State<AppState<B>>,
    ApiPath(digest): ApiPath<String>,
    ApiQuery(query): ApiQuery<ClaimsQuery>,
) -> Result<Json<ContentClaimsAnswer>, ApiError> {
    let content = parse_hash(&digest).map_err(|error| ApiError::BadHex {
        what: "content digest",
        reason: error.to_string(),
    })?;
    let limit = query
        .limit
        .unwrap_or(MAX_CLAIMS_PER_CONTENT)
        .min(MAX_CLAIMS_PER_CONTENT);
    let asked = StateQuery::ContentClaims {
        content,
        offset: query.offset,
        limit: limit as usize,
    };
    let answer = state.backend.query(asked, query.proofs).await?;
    let StateAnswer::ContentClaims(claims) = &answer.answer else {
        return Err(wrong_answer());
    };
    Ok(Json(ContentClaimsAnswer {
        height: answer.height,
        state_root: answer.state_root,
        content,
        total: claims.total,
        claims: claims.claims.iter().map(ClaimView::from).collect(),
        proofs: proofs(&answer),
    }))
}

/// `POST /v1/content/similar`.
pub(crate) async fn similar<B: Backend>(
    State(state): State<AppState<B>>,
    ApiJson(request): ApiJson<SimilarRequest>,
) -> Result<Json<SimilarAnswer>, ApiError> {
    if request.image.is_none() && request.simhash.is_none() && request.minhash.is_empty() {
        return Err(ApiError::BadQuery(
            "give at least one fingerprint: image, simhash or minhash".to_owned(),
        ));
    }
    if request.minhash.len() > MAX_MINHASH_LEN {
        return Err(ApiError::BadQuery(format!(
            "the MinHash signature has {} values, more than {MAX_MINHASH_LEN}",
            request.minhash.len()
        )));
    }
    let max_distance = request.max_distance.unwrap_or(DEFAULT_DISTANCE);
    if max_distance > MAX_DISTANCE {
        return Err(ApiError::BadQuery(format!(
            "max_distance {max_distance} is more than {MAX_DISTANCE}"
        )));
    }
    let min_similarity = request.min_similarity.unwrap_or(DEFAULT_SIMILARITY);
    if !(0.0..=1.0).contains(&min_similarity) {
        return Err(ApiError::BadQuery(format!(
            "min_similarity {min_similarity} is not between 0 and 1"
        )));
    }
    let limit = request
        .limit
        .unwrap_or(DEFAULT_MATCHES)
        .clamp(1, MAX_MATCHES);
    let answer = state
        .backend
        .similar(SimilarQuery {
            image: request.image,
            simhash: request.simhash,
            minhash: request.minhash,
            max_distance,
            min_similarity,
            limit: limit as usize,
        })
        .await?;
    Ok(Json(SimilarAnswer {
        height: answer.height,
        indexed: answer.indexed,
        matches: answer
            .matches
            .iter()
            .map(|found| {
                let (by, distance, similarity) = match found.by {
                    MatchedBy::Image { distance } => ("image", Some(distance), None),
                    MatchedBy::SimHash { distance } => ("simhash", Some(distance), None),
                    MatchedBy::MinHash { equal, compared } => (
                        "minhash",
                        None,
                        Some(if compared == 0 {
                            0.0
                        } else {
                            f64::from(equal) / f64::from(compared)
                        }),
                    ),
                };
                SimilarMatchView {
                    by: by.to_owned(),
                    distance,
                    similarity,
                    claim: ClaimView::from(&found.claim),
                }
            })
            .collect(),
    }))
}
