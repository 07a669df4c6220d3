//! The error body every failed request answers with.

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// `{"code": "...", "message": "...", "details": {...}}`.
///
/// `code` is a stable machine-readable name and part of the API contract (for example
/// `NOT_FOUND`, `MALFORMED_TX`, `NONCE_TOO_LOW`); `message` is for people and may change;
/// `details`, when present, holds the values behind the error (the expected nonce, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable error code.
    #[schema(example = "NOT_FOUND")]
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Structured facts about the error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl ErrorBody {
    /// An error body without details.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            details: None,
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_are_left_out_when_absent() {
        let body = ErrorBody::new("NOT_FOUND", "no such block");
        assert_eq!(
            serde_json::to_value(&body).expect("serializes"),
            json!({"code": "NOT_FOUND", "message": "no such block"})
        );
        let with_details = ErrorBody {
            details: Some(json!({"expected": 3})),
            ..body
        };
        let value = serde_json::to_value(&with_details).expect("serializes");
        assert_eq!(value["details"], json!({"expected": 3}));
        assert_eq!(
            serde_json::from_value::<ErrorBody>(value).expect("deserializes"),
            with_details
        );
    }
}
