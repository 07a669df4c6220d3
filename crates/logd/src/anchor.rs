//! Anchoring: submitting the log's latest checkpoint to the chain with the consistency proof
//! from the latest anchored one, every N seconds or M entries.
//!
//! The chain checks the proof (see `ailedger_state::logs`); this side only has to build it from
//! its own tree. A log whose history does not extend the anchored one cannot build a proof
//! that verifies: its anchor is refused with `INCONSISTENT_ANCHOR`, or, at the anchored size,
//! recorded as evidence against the operator.

use crate::service::Shared;
use ailedger_client::{
    Client, ClientError,
    dto::{OutcomeView, TxRecordView},
};
use ailedger_core::{Hash, SecretKey, Transaction};
use ailedger_state::{
    Module,
    logs::{Logs, LogsMsg},
};
use bytes::Bytes;
use commonware_codec::Encode;
use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};
use thiserror::Error;
use tokio::time::Instant;

/// When to anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnchorPolicy {
    /// Anchor at least this often while there are new entries.
    pub every: Duration,
    /// Anchor as soon as this many entries are not anchored yet.
    pub every_entries: u64,
    /// How long to wait for an anchor transaction to commit.
    pub commit_timeout: Duration,
}

impl Default for AnchorPolicy {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(30),
            every_entries: 100_000,
            commit_timeout: Duration::from_secs(30),
        }
    }
}

/// What one anchoring attempt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorOutcome {
    /// The chain already has a checkpoint of this size or larger.
    UpToDate {
        /// The anchored size.
        size: u64,
    },
    /// The checkpoint was anchored.
    Anchored {
        /// The anchored size.
        size: u64,
        /// The transaction.
        tx: Hash,
    },
    /// The chain refused the anchor (its receipt's code and message), or recorded it as
    /// evidence of a fork (`LOG_FORKED_BY_ANCHOR`).
    Refused {
        /// The chain's code.
        code: String,
        /// Its message.
        message: String,
        /// The transaction.
        tx: Hash,
    },
}

/// Why anchoring could not be attempted.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AnchorError {
    /// The log is not registered on the chain.
    #[error("log {0:?} is not registered on the chain")]
    NotRegistered(String),
    /// Talking to the chain failed.
    #[error(transparent)]
    Chain(#[from] ClientError),
    /// The log could not produce its proof.
    #[error(transparent)]
    Storage(#[from] ailedger_tlog::StorageError),
    /// The transaction could not be built.
    #[error("building the anchor transaction: {0}")]
    Build(String),
}

/// Gas limit of an anchor: the base and signature charges, a full proof, a checkpoint of the
/// largest size written twice, with room to spare (only the gas used is paid).
pub const ANCHOR_GAS_LIMIT: u64 = 500_000;

/// Signs and submits a logs message from `key` and waits for it to commit.
pub async fn submit(
    client: &Client,
    key: &SecretKey,
    msg: &LogsMsg,
    gas_limit: u64,
    timeout: Duration,
) -> Result<TxRecordView, AnchorError> {
    let sender = key.address();
    let chain = client.chain().await?;
    let payload = msg.encode().to_vec();
    // The account may be shared (the operator's CLI, another service): a nonce taken in
    // between is asked again rather than failing the anchor.
    let (hash, _) = client
        .submit_at_next_nonce(&sender, |nonce| {
            Transaction::new(
                &chain.chain_id,
                sender.clone(),
                nonce,
                gas_limit,
                chain.min_gas_price,
                Logs::ID,
                payload.clone(),
            )
            .map_err(|error| AnchorError::Build(error.to_string()))
            .map(|tx| tx.sign(key))
        })
        .await?;
    Ok(client.wait_for_tx(&hash, timeout).await?)
}

/// Anchors the log's latest checkpoint if the chain's latest anchor is smaller.
pub async fn anchor_once(
    shared: &Shared,
    client: &Client,
    key: &SecretKey,
    timeout: Duration,
) -> Result<AnchorOutcome, AnchorError> {
    let checkpoint = shared.log.checkpoint();
    let origin = checkpoint.checkpoint().origin().to_owned();
    let size = checkpoint.checkpoint().size();
    let answer = match client.log(&origin, false).await {
        Ok(answer) => answer,
        Err(error) if error.is_not_found() => return Err(AnchorError::NotRegistered(origin)),
        Err(error) => return Err(error.into()),
    };
    let anchored = answer
        .latest_anchor
        .as_ref()
        .map_or(0, |anchor| anchor.size);
    if let Some(latest) = &answer.latest_anchor {
        // At the anchored size this log's root must be the anchored one; if it is not, the
        // checkpoint goes to the chain anyway, which records the two as evidence of a fork.
        let same_tree =
            latest.size == size && latest.root == Hash::from(checkpoint.checkpoint().root().0);
        if latest.size > size || same_tree {
            shared
                .anchored
                .fetch_max(latest.size.min(size), Ordering::AcqRel);
            return Ok(AnchorOutcome::UpToDate { size: anchored });
        }
    }
    let proof = if anchored == 0 || anchored == size {
        Vec::new()
    } else {
        shared
            .log
            .consistency_proof(anchored, size)?
            .path
            .iter()
            .map(|hash| Hash::from(hash.0))
            .collect()
    };
    let msg = LogsMsg::Anchor {
        origin,
        checkpoint: Bytes::copy_from_slice(checkpoint.as_bytes()),
        proof,
    };
    let record = submit(client, key, &msg, ANCHOR_GAS_LIMIT, timeout).await?;
    let Some(receipt) = record.receipt else {
        return Err(AnchorError::Build("committed without a receipt".into()));
    };
    match receipt.outcome {
        OutcomeView::Failed { code, message } => Ok(AnchorOutcome::Refused {
            code,
            message,
            tx: record.hash,
        }),
        OutcomeView::Success => {
            if receipt
                .events
                .iter()
                .any(|event| event.kind == "log_forked")
            {
                return Ok(AnchorOutcome::Refused {
                    code: "LOG_FORKED_BY_ANCHOR".into(),
                    message: "the checkpoint conflicts with the anchored one of the same size; \
                              the chain recorded both as evidence of a fork"
                        .into(),
                    tx: record.hash,
                });
            }
            shared.anchored.fetch_max(size, Ordering::AcqRel);
            Ok(AnchorOutcome::Anchored {
                size,
                tx: record.hash,
            })
        }
    }
}

/// Anchors whenever `policy` says so, until `shutdown` completes.
pub async fn run(
    shared: Arc<Shared>,
    client: Client,
    key: SecretKey,
    policy: AnchorPolicy,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut last = Instant::now();
    let tick = Duration::from_millis(100).min(policy.every);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(tick) => {}
        }
        let size = shared.log.size();
        let anchored = shared.anchored.load(Ordering::Acquire);
        if size <= anchored {
            continue;
        }
        let due = last.elapsed() >= policy.every || size - anchored >= policy.every_entries;
        if !due {
            continue;
        }
        last = Instant::now();
        match anchor_once(&shared, &client, &key, policy.commit_timeout).await {
            Ok(AnchorOutcome::Anchored { size, tx }) => {
                tracing::info!(target: "ailedger::logd", size, %tx, "checkpoint anchored");
            }
            Ok(AnchorOutcome::UpToDate { size }) => {
                tracing::debug!(target: "ailedger::logd", size, "anchor up to date");
            }
            Ok(AnchorOutcome::Refused { code, message, tx }) => {
                tracing::error!(target: "ailedger::logd", %code, %message, %tx, "anchor refused");
            }
            Err(error) => {
                tracing::warn!(target: "ailedger::logd", %error, "anchoring failed");
            }
        }
    }
}
