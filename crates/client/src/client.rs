//! The typed HTTP client.

use crate::{
    ClientError,
    dto::{
        AccountTxs, AccountView, AnchorAnswer, BlockReceipts, BlockView, ChainInfoView,
        DatasetAnswer, DatasetList, DownstreamAnswer, ErrorBody, EvidenceAnswer, FinalizationView,
        Health, IntendedUseView, LicencesAnswer, LineageAnswer, LogAnswer, ModelAnswer,
        ModelVersionList, NodeStatusView, StateValueView, SubmitResult, SubmitTxRequest,
        SubmitTxResponse, SubmitTxsRequest, SubmitTxsResponse, TxRecordView, TxStatus,
        VersionAnswer,
    },
    dto::{ContentClaimsAnswer, SimilarAnswer, SimilarRequest},
    dto::{InferenceAnswer, ProvingIdentityAnswer},
    dto::{StakingParamsAnswer, ValidatorAnswer, ValidatorSetAnswer},
    verify::{
        ProofSummary, Verified, VerifiedAccount, verify_account, verify_dataset,
        verify_dataset_list, verify_downstream, verify_licences, verify_lineage, verify_log,
        verify_log_anchor, verify_log_evidence, verify_model, verify_model_versions,
        verify_version,
    },
    verify::{
        VerificationError, verify_set_commitment, verify_staking_params, verify_validator,
        verify_validator_set,
    },
    verify::{verify_content_claims, verify_inference, verify_proving_identity},
};
use ailedger_core::{Address, Hash, SignedTransaction};
use ailedger_state::provenance::query::Node;
use ailedger_state::{
    Module, StateKey,
    bank::{Bank, state_key},
};
use serde::{Serialize, de::DeserializeOwned};
use std::{fmt, time::Duration};
use tokio::time::Instant;

/// How long one request may take before it fails with [`ClientError::Transport`].
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How many nonces [`Client::submit_at_next_nonce`] tries before giving up.
pub const NONCE_ATTEMPTS: u32 = 5;

/// How often [`Client::wait_for_tx`] asks about the transaction.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// How long a read waits for a starting node's first block.
const NOT_READY_PATIENCE: Duration = Duration::from_secs(10);

/// Which block to ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockRef {
    /// The last committed block.
    Latest,
    /// The block at this height.
    Height(u64),
    /// The block with this id.
    Hash(Hash),
}

impl fmt::Display for BlockRef {
    /// The path segment of `GET /v1/blocks/{id}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Latest => f.write_str("latest"),
            Self::Height(height) => write!(f, "{height}"),
            Self::Hash(hash) => write!(f, "{hash}"),
        }
    }
}

/// A client of one node's HTTP API. Cheap to clone: clones share the connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
}

impl Client {
    /// A client of the node at `base_url`, e.g. `http://127.0.0.1:26657`.
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|source| ClientError::Transport {
                url: base_url.to_owned(),
                source,
            })?;
        Self::with_http_client(base_url, http)
    }

    /// A client that sends its requests through `http` (for custom timeouts or pools).
    pub fn with_http_client(base_url: &str, http: reqwest::Client) -> Result<Self, ClientError> {
        let url = reqwest::Url::parse(base_url).map_err(|error| ClientError::InvalidUrl {
            url: base_url.to_owned(),
            reason: error.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ClientError::InvalidUrl {
                url: base_url.to_owned(),
                reason: format!("scheme must be http or https, not {}", url.scheme()),
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ClientError::InvalidUrl {
                url: base_url.to_owned(),
                reason: "must not have a query or fragment".to_owned(),
            });
        }
        Ok(Self {
            http,
            base_url: url.as_str().trim_end_matches('/').to_owned(),
        })
    }

    /// The node's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Submits one transaction (`POST /v1/tx`); returns its id once the node admitted it.
    pub async fn submit(&self, tx: &SignedTransaction) -> Result<Hash, ClientError> {
        let response: SubmitTxResponse = self.post("/v1/tx", &SubmitTxRequest::new(tx)).await?;
        Ok(response.hash)
    }

    /// Signs a transaction from `sender` at the account's next nonce (`sign` builds and signs
    /// it for a nonce) and submits it; returns its id and the nonce used.
    ///
    /// Another submitter from the same account (a second tool, a service anchoring for it)
    /// can take that nonce between the question and the submission; the node then answers
    /// `NONCE_TOO_LOW`, and the nonce is asked again and the transaction signed again, up to
    /// [`NONCE_ATTEMPTS`] times in all. A nonce chosen by the caller is submitted with
    /// [`Client::submit`] instead: nothing is retried over the caller's choice.
    pub async fn submit_at_next_nonce<E: From<ClientError>>(
        &self,
        sender: &Address,
        mut sign: impl FnMut(u64) -> Result<SignedTransaction, E>,
    ) -> Result<(Hash, u64), E> {
        let mut attempts = 1;
        loop {
            let nonce = self.account(sender).await?.next_nonce;
            let tx = sign(nonce)?;
            match self.submit(&tx).await {
                Ok(hash) => return Ok((hash, nonce)),
                Err(error)
                    if error.code() == Some("NONCE_TOO_LOW") && attempts < NONCE_ATTEMPTS =>
                {
                    attempts += 1;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Submits transactions in order (`POST /v1/txs`); one result per transaction: its id, or why
    /// the node refused it.
    pub async fn submit_batch(
        &self,
        txs: &[SignedTransaction],
    ) -> Result<Vec<Result<Hash, ErrorBody>>, ClientError> {
        let response: SubmitTxsResponse = self.post("/v1/txs", &SubmitTxsRequest::new(txs)).await?;
        Ok(response
            .results
            .into_iter()
            .map(SubmitResult::into_result)
            .collect())
    }

    /// A transaction, pending or committed (`GET /v1/txs/{hash}`).
    pub async fn tx(&self, hash: &Hash) -> Result<TxRecordView, ClientError> {
        self.get(&format!("/v1/txs/{hash}")).await
    }

    /// Waits until the transaction is committed and returns it with its receipt, asking the
    /// node every 200 ms, for at most `timeout`. A transaction the node does not know (yet) is
    /// waited for too; any other error ends the wait.
    pub async fn wait_for_tx(
        &self,
        hash: &Hash,
        timeout: Duration,
    ) -> Result<TxRecordView, ClientError> {
        let start = Instant::now();
        let deadline = start + timeout;
        loop {
            // A slow answer must not hold the caller past its timeout.
            match tokio::time::timeout_at(deadline, self.tx(hash)).await {
                Ok(Ok(record)) if record.status == TxStatus::Committed => return Ok(record),
                Ok(Ok(_)) | Err(_) => {}
                Ok(Err(error)) if error.is_not_found() => {}
                Ok(Err(error)) => return Err(error),
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(ClientError::Timeout {
                    hash: *hash,
                    waited,
                });
            }
            tokio::time::sleep(POLL_INTERVAL.min(timeout - waited)).await;
        }
    }

    /// An account's balance and nonce with its proof (`GET /v1/accounts/{address}`), not
    /// verified: see [`verified_account`](Self::verified_account).
    pub async fn account(&self, address: &Address) -> Result<AccountView, ClientError> {
        self.get(&format!("/v1/accounts/{address}")).await
    }

    /// An account, checked against the state root of the block its proof is for.
    ///
    /// Fetches the account's state value with its proof and the block at the proof's height,
    /// then checks them with [`verify_account`]; a failed check is
    /// [`ClientError::Verification`], naming the check.
    pub async fn verified_account(
        &self,
        address: &Address,
    ) -> Result<VerifiedAccount, ClientError> {
        let value = self.state(Bank::NAME, &state_key::account(address)).await?;
        let block = self.block(BlockRef::Height(value.height), false).await?;
        Ok(verify_account(address, &value, &block)?)
    }

    /// Committed transactions of `sender` from nonce `from_nonce` on, at most `limit` (the node
    /// caps it) (`GET /v1/accounts/{address}/txs`).
    pub async fn account_txs(
        &self,
        sender: &Address,
        from_nonce: u64,
        limit: u64,
    ) -> Result<AccountTxs, ClientError> {
        self.get(&format!(
            "/v1/accounts/{sender}/txs?from_nonce={from_nonce}&limit={limit}"
        ))
        .await
    }

    /// A committed block (`GET /v1/blocks/{id}`), with its full transactions if `include_txs`.
    pub async fn block(
        &self,
        block: BlockRef,
        include_txs: bool,
    ) -> Result<BlockView, ClientError> {
        self.get(&format!("/v1/blocks/{block}?txs={include_txs}"))
            .await
    }

    /// The certificate that finalized the block at `height`
    /// (`GET /v1/blocks/{height}/finalization`).
    pub async fn finalization(&self, height: u64) -> Result<FinalizationView, ClientError> {
        self.get(&format!("/v1/blocks/{height}/finalization")).await
    }

    /// The receipts of the block at `height` (`GET /v1/blocks/{height}/receipts`).
    pub async fn block_receipts(&self, height: u64) -> Result<BlockReceipts, ClientError> {
        self.get(&format!("/v1/blocks/{height}/receipts")).await
    }

    /// The value of `raw_key` in `module`'s key space with its proof
    /// (`GET /v1/state/{module}/{raw_key}`).
    pub async fn state(&self, module: &str, raw_key: &[u8]) -> Result<StateValueView, ClientError> {
        self.get(&format!("/v1/state/{module}/{}", hex::encode(raw_key)))
            .await
    }

    /// The value of a state key with its proof (`GET /v1/state/keys/{key}`).
    pub async fn state_by_key(&self, key: &StateKey) -> Result<StateValueView, ClientError> {
        self.get(&format!("/v1/state/keys/{key}")).await
    }

    /// The node's status (`GET /v1/status`).
    pub async fn status(&self) -> Result<NodeStatusView, ClientError> {
        self.get("/v1/status").await
    }

    /// Facts about the chain (`GET /v1/chain`).
    pub async fn chain(&self) -> Result<ChainInfoView, ClientError> {
        self.get("/v1/chain").await
    }

    /// Whether the node answers (`GET /v1/health`).
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get("/v1/health").await
    }

    /// The OpenAPI document of the node's API (`GET /v1/openapi.json`).
    pub async fn openapi(&self) -> Result<serde_json::Value, ClientError> {
        self.get("/v1/openapi.json").await
    }

    /// A registered dataset (`GET /v1/datasets/{root}`), with proofs if `proofs`, not verified:
    /// see [`verified_dataset`](Self::verified_dataset).
    pub async fn dataset(&self, root: &Hash, proofs: bool) -> Result<DatasetAnswer, ClientError> {
        self.get(&format!("/v1/datasets/{root}?proofs={proofs}"))
            .await
    }

    /// Registered dataset roots from position `offset`, at most `limit` (the node caps it)
    /// (`GET /v1/datasets`).
    pub async fn datasets(
        &self,
        offset: u64,
        limit: u64,
        proofs: bool,
    ) -> Result<DatasetList, ClientError> {
        self.get(&format!(
            "/v1/datasets?offset={offset}&limit={limit}&proofs={proofs}"
        ))
        .await
    }

    /// A model (`GET /v1/models/{name}`, the name percent-encoded).
    pub async fn model(&self, name: &str, proofs: bool) -> Result<ModelAnswer, ClientError> {
        self.get(&format!(
            "/v1/models/{}?proofs={proofs}",
            model_path_segment(name)
        ))
        .await
    }

    /// A model's version ids from position `offset`, at most `limit`
    /// (`GET /v1/models/{name}/versions`).
    pub async fn model_versions(
        &self,
        name: &str,
        offset: u64,
        limit: u64,
        proofs: bool,
    ) -> Result<ModelVersionList, ClientError> {
        self.get(&format!(
            "/v1/models/{}/versions?offset={offset}&limit={limit}&proofs={proofs}",
            model_path_segment(name)
        ))
        .await
    }

    /// A model version (`GET /v1/versions/{id}`).
    pub async fn version(&self, id: &Hash, proofs: bool) -> Result<VersionAnswer, ClientError> {
        self.get(&format!("/v1/versions/{id}?proofs={proofs}"))
            .await
    }

    /// A model version's proving identity (`GET /v1/versions/{id}/proving-identity`).
    pub async fn proving_identity(
        &self,
        version: &Hash,
        proofs: bool,
    ) -> Result<ProvingIdentityAnswer, ClientError> {
        self.get(&format!(
            "/v1/versions/{version}/proving-identity?proofs={proofs}"
        ))
        .await
    }

    /// A verified inference (`GET /v1/inferences/{id}`).
    pub async fn inference(&self, id: &Hash, proofs: bool) -> Result<InferenceAnswer, ClientError> {
        self.get(&format!("/v1/inferences/{id}?proofs={proofs}"))
            .await
    }

    /// The claims of a content digest from position `offset`, at most `limit`
    /// (`GET /v1/content/{digest}`).
    pub async fn content_claims(
        &self,
        content: &Hash,
        offset: u32,
        limit: u32,
        proofs: bool,
    ) -> Result<ContentClaimsAnswer, ClientError> {
        self.get(&format!(
            "/v1/content/{content}?offset={offset}&limit={limit}&proofs={proofs}"
        ))
        .await
    }

    /// Registered claims whose fingerprints are near the given ones
    /// (`POST /v1/content/similar`). The node's index is not consensus: check a match with
    /// [`Self::verified_content_claims`].
    pub async fn similar(&self, request: &SimilarRequest) -> Result<SimilarAnswer, ClientError> {
        self.post("/v1/content/similar", request).await
    }

    /// The lineage of a model version, visiting at most `max_nodes` records
    /// (`GET /v1/versions/{id}/lineage`).
    pub async fn lineage(
        &self,
        id: &Hash,
        max_nodes: u64,
        proofs: bool,
    ) -> Result<LineageAnswer, ClientError> {
        self.get(&format!(
            "/v1/versions/{id}/lineage?max_nodes={max_nodes}&proofs={proofs}"
        ))
        .await
    }

    /// Every licence reaching a model version, checked against `intended_use`
    /// (`GET /v1/versions/{id}/licences`).
    pub async fn licences(
        &self,
        id: &Hash,
        intended_use: IntendedUseView,
        max_nodes: u64,
        proofs: bool,
    ) -> Result<LicencesAnswer, ClientError> {
        let IntendedUseView {
            commercial,
            redistribute_weights,
            create_derivatives,
        } = intended_use;
        self.get(&format!(
            "/v1/versions/{id}/licences?commercial={commercial}\
             &redistribute_weights={redistribute_weights}\
             &create_derivatives={create_derivatives}&max_nodes={max_nodes}&proofs={proofs}"
        ))
        .await
    }

    /// Everything downstream of a dataset or a model version
    /// (`GET /v1/datasets/{root}/downstream`, `GET /v1/versions/{id}/downstream`).
    pub async fn downstream(
        &self,
        node: Node,
        max_nodes: u64,
        proofs: bool,
    ) -> Result<DownstreamAnswer, ClientError> {
        let prefix = match node {
            Node::Dataset(root) => format!("/v1/datasets/{root}"),
            Node::Version(id) => format!("/v1/versions/{id}"),
        };
        self.get(&format!(
            "{prefix}/downstream?max_nodes={max_nodes}&proofs={proofs}"
        ))
        .await
    }

    /// The header a proven answer claims: the block at `height`.
    async fn header_block(&self, height: u64) -> Result<BlockView, ClientError> {
        self.block(BlockRef::Height(height), false).await
    }

    /// A dataset, with every state value it was read from proven against the state root of the
    /// block it claims and the record recomputed from them ([`verify_dataset`]).
    pub async fn verified_dataset(
        &self,
        root: &Hash,
    ) -> Result<Verified<DatasetAnswer>, ClientError> {
        let answer = self.dataset(root, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_dataset(root, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// Registered dataset roots, verified ([`verify_dataset_list`]).
    pub async fn verified_datasets(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<Verified<DatasetList>, ClientError> {
        let answer = self.datasets(offset, limit, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_dataset_list(offset, limit, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// A model, verified ([`verify_model`]).
    pub async fn verified_model(&self, name: &str) -> Result<Verified<ModelAnswer>, ClientError> {
        let answer = self.model(name, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_model(name, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// A model's version ids, verified ([`verify_model_versions`]).
    pub async fn verified_model_versions(
        &self,
        name: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Verified<ModelVersionList>, ClientError> {
        let answer = self.model_versions(name, offset, limit, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_model_versions(name, offset, limit, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// A transparency log with its latest anchored checkpoint (`GET /v1/logs/{origin}`).
    pub async fn log(&self, origin: &str, proofs: bool) -> Result<LogAnswer, ClientError> {
        let origin = model_path_segment(origin);
        self.get(&format!("/v1/logs/{origin}?proofs={proofs}"))
            .await
    }

    /// Anchor `seq` of a log (`GET /v1/logs/{origin}/anchors/{seq}`).
    pub async fn log_anchor(
        &self,
        origin: &str,
        seq: u64,
        proofs: bool,
    ) -> Result<AnchorAnswer, ClientError> {
        let origin = model_path_segment(origin);
        self.get(&format!("/v1/logs/{origin}/anchors/{seq}?proofs={proofs}"))
            .await
    }

    /// Evidence record `index` against a log (`GET /v1/logs/{origin}/evidence/{index}`).
    pub async fn log_evidence(
        &self,
        origin: &str,
        index: u64,
        proofs: bool,
    ) -> Result<EvidenceAnswer, ClientError> {
        let origin = model_path_segment(origin);
        self.get(&format!(
            "/v1/logs/{origin}/evidence/{index}?proofs={proofs}"
        ))
        .await
    }

    /// A log and its latest anchor, verified ([`verify_log`]).
    pub async fn verified_log(&self, origin: &str) -> Result<Verified<LogAnswer>, ClientError> {
        let answer = self.log(origin, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_log(origin, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// Anchor `seq` of a log, verified ([`verify_log_anchor`]).
    pub async fn verified_log_anchor(
        &self,
        origin: &str,
        seq: u64,
    ) -> Result<Verified<AnchorAnswer>, ClientError> {
        let answer = self.log_anchor(origin, seq, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_log_anchor(origin, seq, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// Evidence record `index` against a log, verified ([`verify_log_evidence`]).
    pub async fn verified_log_evidence(
        &self,
        origin: &str,
        index: u64,
    ) -> Result<Verified<EvidenceAnswer>, ClientError> {
        let answer = self.log_evidence(origin, index, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_log_evidence(origin, index, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// A model version, verified ([`verify_version`]).
    pub async fn verified_version(
        &self,
        id: &Hash,
    ) -> Result<Verified<VersionAnswer>, ClientError> {
        let answer = self.version(id, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_version(id, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// A model version's proving identity, verified ([`verify_proving_identity`]).
    pub async fn verified_proving_identity(
        &self,
        version: &Hash,
    ) -> Result<Verified<ProvingIdentityAnswer>, ClientError> {
        let answer = self.proving_identity(version, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_proving_identity(version, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// A verified inference, its record checked against a block's state root
    /// ([`verify_inference`]).
    pub async fn verified_inference(
        &self,
        id: &Hash,
    ) -> Result<Verified<InferenceAnswer>, ClientError> {
        let answer = self.inference(id, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_inference(id, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// The claims of a content digest, verified ([`verify_content_claims`]): who claimed it
    /// first, and when, as the proven state holds it; an empty answer proves nobody did.
    pub async fn verified_content_claims(
        &self,
        content: &Hash,
        offset: u32,
        limit: u32,
    ) -> Result<Verified<ContentClaimsAnswer>, ClientError> {
        let answer = self.content_claims(content, offset, limit, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_content_claims(content, offset, limit as usize, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// The lineage of a model version, verified ([`verify_lineage`]). Proofs are served for at
    /// most 256 state values: a larger lineage fails with the node's `TOO_MANY_PROOFS`.
    pub async fn verified_lineage(
        &self,
        id: &Hash,
        max_nodes: u64,
    ) -> Result<Verified<LineageAnswer>, ClientError> {
        let answer = self.lineage(id, max_nodes, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_lineage(id, max_nodes, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// A licence report, verified ([`verify_licences`]).
    pub async fn verified_licences(
        &self,
        id: &Hash,
        intended_use: IntendedUseView,
        max_nodes: u64,
    ) -> Result<Verified<LicencesAnswer>, ClientError> {
        let answer = self.licences(id, intended_use, max_nodes, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_licences(id, intended_use.into(), max_nodes, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// Everything downstream of a dataset or a version, verified ([`verify_downstream`]).
    pub async fn verified_downstream(
        &self,
        node: Node,
        max_nodes: u64,
    ) -> Result<Verified<DownstreamAnswer>, ClientError> {
        let answer = self.downstream(node, max_nodes, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_downstream(node, max_nodes, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// The staking parameters with the epoch of the last committed block
    /// (`GET /v1/staking/params`).
    pub async fn staking_params(&self, proofs: bool) -> Result<StakingParamsAnswer, ClientError> {
        self.get(&format!("/v1/staking/params?proofs={proofs}"))
            .await
    }

    /// A registered validator (`GET /v1/staking/validators/{address}`).
    pub async fn validator(
        &self,
        address: &Address,
        proofs: bool,
    ) -> Result<ValidatorAnswer, ClientError> {
        self.get(&format!("/v1/staking/validators/{address}?proofs={proofs}"))
            .await
    }

    /// The validator set of `epoch` (`GET /v1/staking/sets/{epoch}`); not found until the last
    /// block of the epoch before is committed.
    pub async fn validator_set(
        &self,
        epoch: u64,
        proofs: bool,
    ) -> Result<ValidatorSetAnswer, ClientError> {
        self.get(&format!("/v1/staking/sets/{epoch}?proofs={proofs}"))
            .await
    }

    /// The validator set of the epoch of the last committed block
    /// (`GET /v1/staking/sets/current`).
    pub async fn current_validator_set(
        &self,
        proofs: bool,
    ) -> Result<ValidatorSetAnswer, ClientError> {
        self.get(&format!("/v1/staking/sets/current?proofs={proofs}"))
            .await
    }

    /// The staking parameters and the current epoch, verified ([`verify_staking_params`]).
    pub async fn verified_staking_params(
        &self,
    ) -> Result<Verified<StakingParamsAnswer>, ClientError> {
        let answer = self.staking_params(true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_staking_params(&answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// A validator, verified ([`verify_validator`]).
    pub async fn verified_validator(
        &self,
        address: &Address,
    ) -> Result<Verified<ValidatorAnswer>, ClientError> {
        let answer = self.validator(address, true).await?;
        let block = self.header_block(answer.height).await?;
        let verified = verify_validator(address, &answer, &block)?;
        Ok(proven(answer, verified))
    }

    /// The validator set of `epoch`, verified: its proof against the header of the block it was
    /// read at ([`verify_validator_set`]), and for an epoch after 0, the commitment to its
    /// digest in the header of the last block of the epoch before ([`verify_set_commitment`]).
    pub async fn verified_validator_set(
        &self,
        epoch: u64,
    ) -> Result<Verified<ValidatorSetAnswer>, ClientError> {
        let answer = self.validator_set(epoch, true).await?;
        self.verify_set(epoch, answer).await
    }

    /// The validator set of the epoch of the last committed block, verified as
    /// [`verified_validator_set`](Self::verified_validator_set) does, and its epoch checked to
    /// be the one the verified staking parameters place the answer's block in.
    pub async fn verified_current_validator_set(
        &self,
    ) -> Result<Verified<ValidatorSetAnswer>, ClientError> {
        let params = self.verified_staking_params().await?;
        let answer = self.current_validator_set(true).await?;
        let epoch = answer.set.epoch;
        let current = params
            .answer
            .params
            .to_params()
            .epochs()
            .map(|epochs| epochs.epoch_of(answer.height));
        if current != Some(epoch) {
            return Err(VerificationError::AnswerMismatch {
                reason: format!(
                    "the set of epoch {epoch} was served as current at height {}, which is in \
                     epoch {}",
                    answer.height,
                    current.map_or_else(|| "none".to_owned(), |epoch| epoch.to_string())
                ),
            }
            .into());
        }
        self.verify_set(epoch, answer).await
    }

    async fn verify_set(
        &self,
        epoch: u64,
        answer: ValidatorSetAnswer,
    ) -> Result<Verified<ValidatorSetAnswer>, ClientError> {
        let block = self.header_block(answer.height).await?;
        let verified = verify_validator_set(epoch, &answer, &block)?;
        if let Some(height) = answer.boundary_height {
            let boundary = self.header_block(height).await?;
            verify_set_commitment(&answer, &boundary)?;
        }
        Ok(proven(answer, verified))
    }

    /// A read. A node that is starting answers `NOT_READY` until its first block is committed,
    /// which takes moments: the read is retried for up to [`NOT_READY_PATIENCE`].
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base_url);
        let deadline = std::time::Instant::now() + NOT_READY_PATIENCE;
        loop {
            let response = self.http.get(&url).send().await;
            match read(url.clone(), response).await {
                Err(error)
                    if error.code() == Some("NOT_READY")
                        && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
                answer => return answer,
            }
        }
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base_url);
        let response = self.http.post(&url).json(body).send().await;
        read(url, response).await
    }
}

fn proven<T>(answer: T, verified: ProofSummary) -> Verified<T> {
    Verified { answer, verified }
}

/// A model name as one path segment: every byte outside `[A-Za-z0-9._~-]` percent-encoded, so
/// `acme/digits-mlp` becomes `acme%2Fdigits-mlp` (the API's routes take model names that way).
pub fn model_path_segment(name: &str) -> String {
    let mut segment = String::with_capacity(name.len() + 8);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"._~-".contains(&byte) {
            segment.push(char::from(byte));
        } else {
            segment.push_str(&format!("%{byte:02X}"));
        }
    }
    segment
}

/// Turns a response into the expected body, or into the error the node answered with.
async fn read<T: DeserializeOwned>(
    url: String,
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, ClientError> {
    // The URL is in the error already; the HTTP client's error would repeat it.
    let response = match response {
        Ok(response) => response,
        Err(source) => {
            return Err(ClientError::Transport {
                url,
                source: source.without_url(),
            });
        }
    };
    let status = response.status();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(source) => {
            return Err(ClientError::Transport {
                url,
                source: source.without_url(),
            });
        }
    };
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|error| ClientError::Decode {
            url,
            reason: error.to_string(),
        });
    }
    Err(api_error(status.as_u16(), &body))
}

/// The error of a failed answer; an answer that is not our error JSON (a proxy's page) keeps its
/// first bytes as the message.
fn api_error(status: u16, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => ClientError::Api {
            status,
            code: error.code,
            message: error.message,
            details: error.details.map(Box::new),
        },
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            ClientError::Api {
                status,
                code: format!("HTTP_{status}"),
                message: text.chars().take(200).collect(),
                details: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::ZERO_HASH;

    #[test]
    fn base_urls_are_checked_and_normalized() {
        let client = Client::new("http://127.0.0.1:26657/").expect("valid");
        assert_eq!(client.base_url(), "http://127.0.0.1:26657");
        let client = Client::new("https://node.example/api/").expect("valid");
        assert_eq!(client.base_url(), "https://node.example/api");
        for bad in ["127.0.0.1:26657", "ftp://x", "not a url", "http://x/?a=b"] {
            assert!(
                matches!(Client::new(bad), Err(ClientError::InvalidUrl { .. })),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn model_names_are_percent_encoded_into_one_segment() {
        assert_eq!(model_path_segment("acme/digits-mlp"), "acme%2Fdigits-mlp");
        assert_eq!(model_path_segment("a.b_c-d"), "a.b_c-d");
        assert_eq!(model_path_segment("x y"), "x%20y");
    }

    #[test]
    fn block_refs_are_path_segments() {
        assert_eq!(BlockRef::Latest.to_string(), "latest");
        assert_eq!(BlockRef::Height(12).to_string(), "12");
        assert_eq!(BlockRef::Hash(ZERO_HASH).to_string(), "00".repeat(32));
    }

    #[test]
    fn error_answers_keep_the_code_and_details() {
        let body = br#"{"code":"NONCE_TOO_LOW","message":"nonce 0 already used","details":{"expected":1}}"#;
        let error = api_error(422, body);
        assert_eq!(error.code(), Some("NONCE_TOO_LOW"));
        assert!(matches!(
            &error,
            ClientError::Api { status: 422, details: Some(details), .. } if details["expected"] == 1
        ));
        assert!(!error.is_not_found());
        assert!(api_error(404, br#"{"code":"NOT_FOUND","message":"no"}"#).is_not_found());
    }

    #[test]
    fn foreign_error_pages_are_kept_as_text() {
        let error = api_error(502, b"<html>bad gateway</html>");
        assert_eq!(error.code(), Some("HTTP_502"));
        assert!(error.to_string().contains("bad gateway"), "{error}");
    }

    #[tokio::test]
    async fn an_unreachable_node_is_a_transport_error() {
        // Port 9 (discard) on loopback: nothing listens there in a test environment, so the
        // connection is refused at once.
        let client = Client::new("http://127.0.0.1:9").expect("valid");
        let error = client.health().await.expect_err("nothing listens");
        assert!(matches!(error, ClientError::Transport { .. }), "{error:?}");
    }
}
