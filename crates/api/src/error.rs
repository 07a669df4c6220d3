//! Every way a request can fail, its stable code and its HTTP status.

use crate::{BackendError, MAX_PROOF_KEYS, QueryFailure, SubmitError};
use ailedger_client::dto::ErrorBody;
use ailedger_state::{TxError, provenance::query::QueryError};
use axum::{
    Json,
    extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;
use thiserror::Error;

/// A failed request. Each variant has a stable [`code`](Self::code) (part of the API contract)
/// and an HTTP status; the response body is [`ErrorBody`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The body is not JSON, or not the JSON the endpoint takes.
    #[error("malformed JSON body: {0}")]
    MalformedJson(String),
    /// The body is of a media type the endpoint does not take.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body is larger than the endpoint's limit.
    #[error("request body is larger than this endpoint accepts")]
    PayloadTooLarge,
    /// The body could not be read.
    #[error("cannot read the request body: {0}")]
    BadBody(String),
    /// A value that must be lowercase hex is not.
    #[error("{what} is not valid hex: {reason}")]
    BadHex {
        /// Which value.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An address that is not one.
    #[error("invalid address: {0}")]
    BadAddress(String),
    /// A block id that is neither `latest`, a height, nor a block hash.
    #[error("invalid block id {0:?}: expected `latest`, a height, or 64 hex digits")]
    BadBlockId(String),
    /// A query string that does not parse.
    #[error("invalid query: {0}")]
    BadQuery(String),
    /// A path that does not parse.
    #[error("invalid path: {0}")]
    BadPath(String),
    /// Bytes that are not a signed transaction's canonical encoding.
    #[error("transaction does not decode: {0}")]
    MalformedTx(String),
    /// A batch with no transactions.
    #[error("batch has no transactions")]
    EmptyBatch,
    /// A batch with more transactions than allowed.
    #[error("batch has {got} transactions, more than the limit of {max}")]
    BatchTooLarge {
        /// Transactions in the batch.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// No module has this name.
    #[error("unknown module {0:?}")]
    UnknownModule(String),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// No route has this path.
    #[error("no route for {0}")]
    RouteNotFound(String),
    /// The route exists but not with this method.
    #[error("method not allowed for this route")]
    MethodNotAllowed,
    /// The node refused a transaction.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// The node refused a transaction whose message is invalid on its face; `message_code` is
    /// the module's own code for why (e.g. `LICENCE_MALFORMED`).
    #[error("{error}")]
    InvalidMessage {
        /// The refusal (always [`TxError::InvalidMessage`]).
        error: SubmitError,
        /// The module's code.
        message_code: &'static str,
    },
    /// A model name that breaks the naming rules.
    #[error("{0}")]
    BadModelName(String),
    /// The record a query is about is not registered.
    #[error("{what} {id} is not registered")]
    NotRegistered {
        /// `dataset`, `model` or `model version`.
        what: &'static str,
        /// Its id or name.
        id: String,
    },
    /// A traversal would visit more records than allowed.
    #[error("the answer has more than {max_nodes} nodes; raise max_nodes or narrow the query")]
    TooManyNodes {
        /// The bound used.
        max_nodes: usize,
    },
    /// Proofs were asked for an answer read from more state values than proofs are served for.
    #[error(
        "the answer was read from {keys} state values; proofs are served for at most {max}: \
         ask without proofs or narrow the query"
    )]
    TooManyProofs {
        /// State values read.
        keys: usize,
        /// The limit.
        max: usize,
    },
    /// The node's state could not be read. The detail is logged, never sent.
    #[error("state unavailable: {0}")]
    StateUnavailable(String),
    /// The node is starting and has no committed state yet; asking again shortly will work.
    #[error("the node has not committed its first block yet; try again shortly")]
    NotReady,
    /// The node failed. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The detail of an internal error, carried from the handler to the logging middleware in the
/// response's extensions so that building a response has no side effects.
#[derive(Clone, Debug)]
pub(crate) struct InternalErrorDetail(pub(crate) String);

impl ApiError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) => "MALFORMED_JSON",
            Self::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::BadBody(_) => "BAD_BODY",
            Self::BadHex { .. } => "BAD_HEX",
            Self::BadAddress(_) => "BAD_ADDRESS",
            Self::BadBlockId(_) => "BAD_BLOCK_ID",
            Self::BadQuery(_) => "BAD_QUERY",
            Self::BadPath(_) => "BAD_PATH",
            Self::MalformedTx(_) => "MALFORMED_TX",
            Self::EmptyBatch => "EMPTY_BATCH",
            Self::BatchTooLarge { .. } => "BATCH_TOO_LARGE",
            Self::UnknownModule(_) => "UNKNOWN_MODULE",
            Self::NotFound(_) | Self::RouteNotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Submit(error) | Self::InvalidMessage { error, .. } => error.code(),
            Self::BadModelName(_) => "BAD_MODEL_NAME",
            Self::NotRegistered { .. } => "NOT_FOUND",
            Self::TooManyNodes { .. } => "TOO_MANY_NODES",
            Self::TooManyProofs { .. } => "TOO_MANY_PROOFS",
            Self::StateUnavailable(_) => "UNAVAILABLE",
            Self::NotReady => "NOT_READY",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_)
            | Self::BadBody(_)
            | Self::BadHex { .. }
            | Self::BadAddress(_)
            | Self::BadBlockId(_)
            | Self::BadQuery(_)
            | Self::BadPath(_)
            | Self::MalformedTx(_)
            | Self::EmptyBatch
            | Self::BadModelName(_)
            | Self::BatchTooLarge { .. } => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnknownModule(_)
            | Self::NotFound(_)
            | Self::RouteNotFound(_)
            | Self::NotRegistered { .. } => StatusCode::NOT_FOUND,
            Self::TooManyNodes { .. } | Self::TooManyProofs { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::StateUnavailable(_) | Self::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Submit(error) | Self::InvalidMessage { error, .. } => submit_status(error),
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The response body. An internal error's detail is left out.
    pub fn body(&self) -> ErrorBody {
        let message = match self {
            Self::Internal(_) => "internal error; the node logged the details".to_owned(),
            Self::StateUnavailable(_) => {
                "the node's state cannot be read now; the node logged the details".to_owned()
            }
            other => other.to_string(),
        };
        ErrorBody {
            code: self.code().to_owned(),
            message,
            details: self.details(),
        }
    }

    fn details(&self) -> Option<serde_json::Value> {
        match self {
            Self::BatchTooLarge { got, max } => Some(json!({"got": got, "max": max})),
            Self::Submit(SubmitError::Invalid(error)) => tx_error_details(error),
            Self::InvalidMessage {
                error: SubmitError::Invalid(TxError::InvalidMessage { module, reason }),
                message_code,
            } => Some(json!({"module": module, "message_code": message_code, "reason": reason})),
            Self::NotRegistered { what, id } => Some(json!({"what": what, "id": id})),
            Self::TooManyNodes { max_nodes } => Some(json!({"max_nodes": max_nodes})),
            Self::TooManyProofs { keys, max } => Some(json!({"keys": keys, "max": max})),
            Self::Submit(SubmitError::Duplicate(hash)) => Some(json!({"hash": hash.to_string()})),
            Self::Submit(SubmitError::MempoolFull(size)) => Some(json!({"mempool_size": size})),
            Self::Submit(SubmitError::SenderQueueFull(pending)) => {
                Some(json!({"pending": pending}))
            }
            _ => None,
        }
    }
}

/// Statuses of refused transactions: 422 for an invalid transaction (resending it will not help),
/// 409 for one already pending, 429 when the sender must wait for its own transactions, 503 when
/// the node cannot take transactions now.
fn submit_status(error: &SubmitError) -> StatusCode {
    match error {
        SubmitError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        SubmitError::Duplicate(_) => StatusCode::CONFLICT,
        SubmitError::SenderQueueFull(_) => StatusCode::TOO_MANY_REQUESTS,
        SubmitError::MempoolFull(_) | SubmitError::Unavailable(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// The numbers behind a transaction error, so a client can fix its transaction (e.g. resend with
/// the expected nonce) without parsing the message.
fn tx_error_details(error: &TxError) -> Option<serde_json::Value> {
    match error {
        TxError::WrongChainId { expected, got } => Some(json!({"expected": expected, "got": got})),
        TxError::NonceTooLow { expected, got } | TxError::NonceGap { expected, got } => {
            Some(json!({"expected": expected, "got": got}))
        }
        TxError::GasLimitTooLow { intrinsic, limit } => {
            Some(json!({"intrinsic": intrinsic, "limit": limit}))
        }
        TxError::GasLimitTooHigh { limit, block_limit } => {
            Some(json!({"limit": limit, "block_limit": block_limit}))
        }
        TxError::GasPriceTooLow { min, got } => Some(json!({"min": min, "got": got})),
        TxError::CannotPayFee { balance, max_fee } => {
            Some(json!({"balance": balance.to_string(), "max_fee": max_fee.to_string()}))
        }
        TxError::InvalidMessage { module, reason } => {
            Some(json!({"module": module, "reason": reason}))
        }
        _ => None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        if let Self::Internal(detail) | Self::StateUnavailable(detail) = self {
            response
                .extensions_mut()
                .insert(InternalErrorDetail(detail));
        }
        response
    }
}

impl From<BackendError> for ApiError {
    fn from(error: BackendError) -> Self {
        match error {
            BackendError::NotReady => Self::NotReady,
            failed => Self::Internal(failed.to_string()),
        }
    }
}

/// Query failures: a missing start record is 404, a traversal or proof set over its bound 422
/// (asking again will not help; a narrower query will), a storage failure 503 and a corrupt
/// state 500, the last two with their detail logged only.
impl From<QueryFailure> for ApiError {
    fn from(failure: QueryFailure) -> Self {
        match failure {
            QueryFailure::Query(QueryError::NotFound { what, id }) => {
                Self::NotRegistered { what, id }
            }
            QueryFailure::Query(QueryError::TooManyNodes { max_nodes }) => {
                Self::TooManyNodes { max_nodes }
            }
            QueryFailure::Query(QueryError::Store(error)) => Self::StateUnavailable(error.0),
            QueryFailure::Query(other) => Self::Internal(other.to_string()),
            QueryFailure::TooManyProofs { keys } => Self::TooManyProofs {
                keys,
                max: MAX_PROOF_KEYS,
            },
            QueryFailure::Backend(error) => error.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(error) => Self::MalformedJson(error.body_text()),
            JsonRejection::JsonSyntaxError(error) => Self::MalformedJson(error.body_text()),
            JsonRejection::MissingJsonContentType(_) => {
                Self::UnsupportedMediaType("expected `Content-Type: application/json`".to_owned())
            }
            JsonRejection::BytesRejection(error) => error.into(),
            other => Self::from_status(other.status(), other.body_text()),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        Self::from_status(rejection.status(), rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::BadPath(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadQuery(rejection.body_text())
    }
}

impl ApiError {
    /// An extractor's rejection by its status: the body limit answers 413.
    fn from_status(status: StatusCode, text: String) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge
        } else {
            Self::BadBody(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::ZERO_HASH;

    #[test]
    fn submit_errors_keep_the_node_code_and_map_to_statuses() {
        let cases = [
            (
                SubmitError::Invalid(TxError::BadSignature),
                StatusCode::UNPROCESSABLE_ENTITY,
                "BAD_SIGNATURE",
            ),
            (
                SubmitError::Duplicate(ZERO_HASH),
                StatusCode::CONFLICT,
                "DUPLICATE_TX",
            ),
            (
                SubmitError::MempoolFull(10),
                StatusCode::SERVICE_UNAVAILABLE,
                "MEMPOOL_FULL",
            ),
            (
                SubmitError::SenderQueueFull(4),
                StatusCode::TOO_MANY_REQUESTS,
                "SENDER_QUEUE_FULL",
            ),
            (
                SubmitError::Unavailable("starting".into()),
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
            ),
        ];
        for (error, status, code) in cases {
            let error = ApiError::from(error);
            assert_eq!((error.status(), error.code()), (status, code));
        }
    }

    #[test]
    fn query_failures_map_to_statuses_with_details() {
        use ailedger_state::StoreError;
        let cases = [
            (
                QueryFailure::Query(QueryError::NotFound {
                    what: "dataset",
                    id: "ab".into(),
                }),
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                Some(json!({"what": "dataset", "id": "ab"})),
            ),
            (
                QueryFailure::Query(QueryError::TooManyNodes { max_nodes: 5 }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "TOO_MANY_NODES",
                Some(json!({"max_nodes": 5})),
            ),
            (
                QueryFailure::TooManyProofs { keys: 300 },
                StatusCode::UNPROCESSABLE_ENTITY,
                "TOO_MANY_PROOFS",
                Some(json!({"keys": 300, "max": MAX_PROOF_KEYS})),
            ),
            (
                QueryFailure::Query(QueryError::Store(StoreError("disk".into()))),
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                None,
            ),
            (
                QueryFailure::Query(QueryError::Corrupt {
                    what: "dataset",
                    reason: "bad".into(),
                }),
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                None,
            ),
            (
                QueryFailure::Backend(BackendError::Failed("down".into())),
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                None,
            ),
            (
                QueryFailure::Backend(BackendError::NotReady),
                StatusCode::SERVICE_UNAVAILABLE,
                "NOT_READY",
                None,
            ),
        ];
        for (failure, status, code, details) in cases {
            let error = ApiError::from(failure);
            assert_eq!((error.status(), error.code()), (status, code));
            let body = error.body();
            assert_eq!(body.details, details);
            assert!(!body.message.contains("disk"), "{}", body.message);
        }
    }

    #[test]
    fn nonce_errors_carry_the_expected_nonce() {
        let error = ApiError::from(SubmitError::Invalid(TxError::NonceTooLow {
            expected: 3,
            got: 1,
        }));
        assert_eq!(error.body().details, Some(json!({"expected": 3, "got": 1})));
    }

    #[test]
    fn internal_errors_do_not_leak_their_detail() {
        let error = ApiError::Internal("disk /var/lib/x failed".into());
        let body = error.body();
        assert_eq!(body.code, "INTERNAL");
        assert!(!body.message.contains("disk"), "{}", body.message);
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let detail = response
            .extensions()
            .get::<InternalErrorDetail>()
            .map(|detail| detail.0.clone());
        assert_eq!(detail.as_deref(), Some("disk /var/lib/x failed"));
    }
}
