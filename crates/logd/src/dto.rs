//! The JSON shapes of the log service. Hashes, keys and signatures are lowercase hex;
//! receipts are `tlog-proof@v1` text.

use crate::record::{InferenceRecord, RecordBody, RecordError};
use ailedger_core::{Address, Hash};
use serde::{Deserialize, Serialize};

/// An inference record as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordJson {
    /// The model version id.
    pub model_version: String,
    /// SHA-256 of the input.
    pub input: String,
    /// SHA-256 of the output.
    pub output: String,
    /// SHA-256 of the parameters.
    pub parameters: String,
    /// When, ms since the Unix epoch.
    pub time_ms: u64,
    /// The operator's account address.
    pub operator: String,
    /// The Ed25519 signature.
    pub signature: String,
}

/// Why a JSON record is not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordJsonError {
    /// A field that is not the hex it should be.
    #[error("{field}: {reason}")]
    Field {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The record itself is invalid.
    #[error(transparent)]
    Record(#[from] RecordError),
}

impl RecordJsonError {
    /// A stable, machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Field { .. } => "MALFORMED_RECORD",
            Self::Record(error) => error.code(),
        }
    }
}

fn hash(field: &'static str, text: &str) -> Result<Hash, RecordJsonError> {
    ailedger_client::encoding::parse_hash(text).map_err(|error| RecordJsonError::Field {
        field,
        reason: error.to_string(),
    })
}

impl RecordJson {
    /// The record, with its signature checked.
    pub fn to_record(&self) -> Result<InferenceRecord, RecordJsonError> {
        let record = self.to_record_unverified()?;
        record.verify()?;
        Ok(record)
    }

    /// The record, with its signature well formed but not checked (see
    /// [`crate::record::verify_many`]).
    pub(crate) fn to_record_unverified(&self) -> Result<InferenceRecord, RecordJsonError> {
        let body = RecordBody {
            model_version: hash("model_version", &self.model_version)?,
            input: hash("input", &self.input)?,
            output: hash("output", &self.output)?,
            parameters: hash("parameters", &self.parameters)?,
            time_ms: self.time_ms,
        };
        let operator: Address = self
            .operator
            .parse()
            .map_err(|error| RecordJsonError::Field {
                field: "operator",
                reason: format!("{error}"),
            })?;
        let signature = hex::decode(&self.signature).map_err(|error| RecordJsonError::Field {
            field: "signature",
            reason: error.to_string(),
        })?;
        Ok(InferenceRecord::from_parts_unverified(
            body, operator, &signature,
        )?)
    }
}

impl From<&InferenceRecord> for RecordJson {
    fn from(record: &InferenceRecord) -> Self {
        let body = record.body();
        Self {
            model_version: body.model_version.to_string(),
            input: body.input.to_string(),
            output: body.output.to_string(),
            parameters: body.parameters.to_string(),
            time_ms: body.time_ms,
            operator: record.operator().to_string(),
            signature: hex::encode(record.signature()),
        }
    }
}

/// `POST /v1/records`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppendRequest {
    /// The records, appended in order as one unit.
    pub records: Vec<RecordJson>,
}

/// One appended record's receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptJson {
    /// The record's index in the log.
    pub index: u64,
    /// The `tlog-proof@v1` receipt; its `extra` line carries the record's encoding.
    pub receipt: String,
}

/// `POST /v1/records`: one receipt per record, in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppendResponse {
    /// The receipts.
    pub receipts: Vec<ReceiptJson>,
}

/// `GET /v1/records/{index}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EntryJson {
    /// The index.
    pub index: u64,
    /// The entry's bytes, hex.
    pub entry: String,
    /// The record, if the entry is one.
    pub record: Option<RecordJson>,
}

/// A proof: inclusion (`index`, `size`) or consistency (`old_size`, `new_size`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofJson {
    /// Leaf index (inclusion) or old size (consistency).
    pub from: u64,
    /// Tree size (inclusion) or new size (consistency).
    pub size: u64,
    /// The hashes, hex, in RFC 9162 order.
    pub path: Vec<String>,
}

/// `GET /v1/log`: what the service is.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogInfo {
    /// The origin.
    pub origin: String,
    /// The C2SP verifier key of its checkpoints.
    pub verifier_key: String,
    /// The operator whose records it accepts.
    pub operator: String,
    /// Number of entries.
    pub size: u64,
    /// Root of the tree, hex.
    pub root: String,
    /// The latest signed checkpoint (signed-note text).
    pub checkpoint: String,
    /// The latest tree size this service anchored on the chain, if it anchors.
    pub anchored_size: Option<u64>,
}

/// The error body: `{"code","message","details"}` as the node API's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorJson {
    /// Stable code.
    pub code: String,
    /// What happened.
    pub message: String,
    /// More, by kind.
    #[serde(default)]
    pub details: serde_json::Value,
}
