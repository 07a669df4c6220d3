//! A typed client of the log service, for operators appending records and for anyone
//! verifying receipts or auditing the log.

use crate::dto::{
    AppendRequest, AppendResponse, EntryJson, ErrorJson, LogInfo, ProofJson, ReceiptJson,
    RecordJson,
};
use ailedger_core::Hash;
use serde::de::DeserializeOwned;
use thiserror::Error;

/// Why a request to the log service failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LogClientError {
    /// The service answered with an error body.
    #[error("{code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The stable code.
        code: String,
        /// The message.
        message: String,
    },
    /// The service could not be reached or answered something unreadable.
    #[error("log service {url}: {reason}")]
    Transport {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A proof hash that is not hex.
    #[error("the service answered a malformed proof: {0}")]
    BadProof(String),
}

impl LogClientError {
    /// The stable code: the service's, or `LOG_UNREACHABLE`.
    pub fn code(&self) -> &str {
        match self {
            Self::Api { code, .. } => code,
            Self::Transport { .. } => "LOG_UNREACHABLE",
            Self::BadProof(_) => "MALFORMED_PROOF",
        }
    }
}

/// A client of one log service.
#[derive(Clone, Debug)]
pub struct LogClient {
    base: String,
    http: reqwest::Client,
}

impl LogClient {
    /// A client of the service at `base` (e.g. `http://127.0.0.1:8090`).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// The service's URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Appends records as one unit; one receipt per record.
    pub async fn append(
        &self,
        records: Vec<RecordJson>,
    ) -> Result<Vec<ReceiptJson>, LogClientError> {
        let url = format!("{}/v1/records", self.base);
        let response = self
            .http
            .post(&url)
            .json(&AppendRequest { records })
            .send()
            .await
            .map_err(|error| transport(&url, &error))?;
        let answer: AppendResponse = read(&url, response).await?;
        Ok(answer.receipts)
    }

    /// What the service is.
    pub async fn info(&self) -> Result<LogInfo, LogClientError> {
        self.get("/v1/log").await
    }

    /// Entry `index`.
    pub async fn entry(&self, index: u64) -> Result<EntryJson, LogClientError> {
        self.get(&format!("/v1/records/{index}")).await
    }

    /// A receipt for entry `index` against the latest checkpoint.
    pub async fn receipt(&self, index: u64) -> Result<ReceiptJson, LogClientError> {
        self.get(&format!("/v1/receipts/{index}")).await
    }

    /// The latest signed checkpoint (`/checkpoint`).
    pub async fn checkpoint(&self) -> Result<Vec<u8>, LogClientError> {
        self.bytes("/checkpoint").await
    }

    /// A tile or entry bundle (`/tile/...`).
    pub async fn tile(&self, path: &str) -> Result<Vec<u8>, LogClientError> {
        self.bytes(&format!("/{path}")).await
    }

    /// The consistency proof from `old` to `new`.
    pub async fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, LogClientError> {
        let proof: ProofJson = self
            .get(&format!("/v1/proofs/consistency?old={old}&new={new}"))
            .await?;
        hashes(&proof)
    }

    /// The inclusion proof of entry `index` in the tree of `size`.
    pub async fn inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogClientError> {
        let proof: ProofJson = self
            .get(&format!("/v1/proofs/inclusion?index={index}&size={size}"))
            .await?;
        hashes(&proof)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, LogClientError> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|error| transport(&url, &error))?;
        read(&url, response).await
    }

    async fn bytes(&self, path: &str) -> Result<Vec<u8>, LogClientError> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|error| transport(&url, &error))?;
        if !response.status().is_success() {
            return Err(api_error(&url, response).await);
        }
        Ok(response
            .bytes()
            .await
            .map_err(|error| transport(&url, &error))?
            .to_vec())
    }
}

fn hashes(proof: &ProofJson) -> Result<Vec<Hash>, LogClientError> {
    proof
        .path
        .iter()
        .map(|text| {
            ailedger_client::encoding::parse_hash(text)
                .map_err(|error| LogClientError::BadProof(error.to_string()))
        })
        .collect()
}

fn transport(url: &str, error: &reqwest::Error) -> LogClientError {
    LogClientError::Transport {
        url: url.to_owned(),
        reason: error.to_string(),
    }
}

async fn api_error(url: &str, response: reqwest::Response) -> LogClientError {
    let status = response.status().as_u16();
    match response.json::<ErrorJson>().await {
        Ok(body) => LogClientError::Api {
            status,
            code: body.code,
            message: body.message,
        },
        Err(error) => LogClientError::Transport {
            url: url.to_owned(),
            reason: format!("status {status}, unreadable error body: {error}"),
        },
    }
}

async fn read<T: DeserializeOwned>(
    url: &str,
    response: reqwest::Response,
) -> Result<T, LogClientError> {
    if !response.status().is_success() {
        return Err(api_error(url, response).await);
    }
    response
        .json()
        .await
        .map_err(|error| transport(url, &error))
}
