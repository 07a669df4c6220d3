//! What every query endpoint does with the backend's [`QueryAnswer`]: take the variant its
//! query asks for, answer `404` when the one record asked for is absent, and carry the proofs
//! when `?proofs=true`.

use crate::{ApiError, QueryAnswer};
use ailedger_client::dto::ProvenValueView;
use serde::Deserialize;

/// `?proofs=`.
#[derive(Debug, Deserialize)]
pub(crate) struct ProofsQuery {
    #[serde(default)]
    pub(crate) proofs: bool,
}

/// The state values read for an answer, with their proofs, if they were asked for.
pub(crate) fn proofs(answer: &QueryAnswer) -> Option<Vec<ProvenValueView>> {
    answer.proofs.as_ref().map(|values| {
        values
            .iter()
            .map(|value| ProvenValueView {
                key: value.key,
                value: value.value.clone(),
                proof: value.proof.clone(),
            })
            .collect()
    })
}

/// The backend answered another query than the one asked: its bug, never the caller's.
pub(crate) fn wrong_answer() -> ApiError {
    ApiError::Internal("the backend answered another query than the one asked".to_owned())
}

/// The record an answer of `$variant` (a query about one record) holds; returns from the
/// enclosing handler with `404 NOT_FOUND` naming `$what` and `$id` (evaluated only then) when
/// it is absent, and with [`wrong_answer`] for another variant.
macro_rules! found {
    ($answer:expr, $variant:path, $what:expr, $id:expr) => {
        match $answer {
            $variant(Some(record)) => record,
            $variant(None) => {
                return Err($crate::ApiError::NotRegistered {
                    what: $what,
                    id: $id,
                })
            }
            _ => return Err($crate::answer::wrong_answer()),
        }
    };
}
