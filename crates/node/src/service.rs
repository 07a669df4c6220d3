//! The node as the API sees it: admission to the mempool and reads of committed data.

use crate::{
    app::{Databases, Finalized},
    content_index::ContentIndex,
    engine::{Committed, Marshal},
    epochs::Role,
    mempool::Mempool,
    relay::Relay,
    view::CommittedView,
};
use ailedger_api::{
    Backend, BackendError, BlockId, ChainInfo, MAX_PROOF_KEYS, NodeStatus, QueryAnswer,
    QueryFailure, SimilarAnswer, SimilarMatch, SimilarQuery, StateValue, SubmitError, TxLocation,
    TxRecord,
};
use ailedger_core::{Address, Block, Hash, Receipt, SignedTransaction, verify_batch_with};
use ailedger_state::{
    ChainHead, ChainParams, Executor, StateKey, TxError, bank, content, head_key,
    query::StateQuery, staking,
};
use ailedger_store::{Index, IndexedTx, StateDb, StateProof};
use commonware_codec::{Copying, Decode};
use commonware_consensus::types::Height;
use commonware_parallel::Rayon;
use commonware_runtime::tokio;
use std::sync::Arc;
use tokio_sync::watch;

use ::tokio::sync as tokio_sync;

struct Inner {
    info: ChainInfo,
    /// Threads that check the signatures of submitted transactions.
    verifier: Option<Rayon>,
    params: ChainParams,
    executor: Executor,
    databases: Databases<tokio::Context>,
    mempool: Mempool,
    index: Arc<Index<tokio::Context>>,
    marshal: Marshal,
    finalized: watch::Receiver<Finalized>,
    /// Where admitted transactions go to reach the validators when this node is not one.
    relay: Option<Relay>,
    /// The epoch consensus runs and this node's part in it.
    role: watch::Receiver<Role>,
    /// The near-duplicate index of content claims; one task catches it up at a time.
    content: tokio_sync::Mutex<ContentIndex>,
}

/// A handle to a running node. Cheap to clone.
#[derive(Clone)]
pub struct NodeHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for NodeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeHandle")
            .field("chain_id", &self.inner.info.chain_id)
            .finish_non_exhaustive()
    }
}

/// Threads for signature checks on admission: the machine's two cores.
const SIGNATURE_THREADS: std::num::NonZeroUsize = std::num::NonZeroUsize::new(2).expect("non-zero");

fn backend_error(error: impl std::fmt::Display) -> BackendError {
    BackendError::Failed(error.to_string())
}

impl NodeHandle {
    pub(crate) fn new(
        info: ChainInfo,
        params: ChainParams,
        mempool: Mempool,
        committed: Committed,
        relay: Option<Relay>,
        role: watch::Receiver<Role>,
    ) -> Self {
        let Committed {
            databases,
            finalized,
            index,
            marshal,
        } = committed;
        Self {
            inner: Arc::new(Inner {
                verifier: Rayon::new(SIGNATURE_THREADS).ok(),
                info,
                params,
                executor: Executor::new(),
                databases,
                mempool,
                index,
                marshal,
                finalized,
                relay,
                role,
                content: tokio_sync::Mutex::new(ContentIndex::new()),
            }),
        }
    }

    /// The last finalized block.
    pub fn finalized(&self) -> Finalized {
        self.inner.finalized.borrow().clone()
    }

    /// A receiver of every finalized block.
    pub(crate) fn finalized_receiver(&self) -> watch::Receiver<Finalized> {
        self.inner.finalized.clone()
    }

    /// Waits until a block at `height` or above is finalized.
    pub async fn wait_for_height(&self, height: u64) -> Finalized {
        let mut receiver = self.inner.finalized.clone();
        match receiver
            .wait_for(|finalized| finalized.height >= height)
            .await
        {
            Ok(finalized) => finalized.clone(),
            // The sender lives as long as the engine; if it is gone, report what we have.
            Err(_) => self.finalized(),
        }
    }

    /// Brings the near-duplicate index up to the last committed claim: reads the claims
    /// registered since it last stopped, in order, a chunk per read of the state so that block
    /// application is not held up by a rebuild. Returns the number of claims indexed in all.
    pub async fn index_content(&self) -> Result<u64, BackendError> {
        /// Claims read under one read guard of the state.
        const CHUNK: u64 = 4_096;
        let mut index = self.inner.content.lock().await;
        loop {
            let guard = self.inner.databases.read().await;
            let view = CommittedView::new(&guard);
            let total = content::query::total(&view)
                .await
                .map_err(backend_error)?
                .value;
            let start = index.next_seq();
            if start >= total {
                return Ok(start);
            }
            for seq in start..total.min(start + CHUNK) {
                match content::query::claim_by_seq(&view, seq).await {
                    Ok(queried) => match queried.value {
                        Some(claim) => index.add(&claim),
                        None => index.skip(),
                    },
                    Err(error) => {
                        tracing::error!(target: "ailedger::node", seq, %error, "unreadable content claim");
                        index.skip();
                    }
                }
            }
        }
    }

    /// Whether committed state already settles a fault: the fault is recorded, or the offender
    /// is jailed (it can be slashed only once).
    pub(crate) async fn fault_settled(
        &self,
        kind: staking::FaultKind,
        epoch: u64,
        view: u64,
        offender: &Address,
    ) -> Result<bool, BackendError> {
        let guard = self.inner.databases.read().await;
        let state = CommittedView::new(&guard);
        let recorded = staking::query::evidence(&state, kind, epoch, view, offender)
            .await
            .map_err(backend_error)?
            .value
            .is_some();
        let jailed = staking::query::validator(&state, offender)
            .await
            .map_err(backend_error)?
            .value
            .is_some_and(|validator| validator.jailed);
        Ok(recorded || jailed)
    }

    /// The nonce of `address` in committed state (0 for an account that does not exist).
    pub(crate) async fn committed_nonce(&self, address: &Address) -> Result<u64, BackendError> {
        let guard = self.inner.databases.read().await;
        let view = CommittedView::new(&guard);
        bank::query::account(&view, address)
            .await
            .map(|account| account.nonce)
            .map_err(backend_error)
    }

    /// Admits `txs` to this node's mempool after the checks a block would make first
    /// (stateless checks, signatures, fee, nonce); one result per transaction, in order.
    pub(crate) async fn admit(
        &self,
        txs: Vec<SignedTransaction>,
    ) -> Vec<Result<Hash, SubmitError>> {
        let inner = &self.inner;
        let mut results: Vec<Option<Result<Hash, SubmitError>>> = txs
            .iter()
            .map(|tx| {
                inner
                    .executor
                    .check_stateless(tx, &inner.info.chain_id, &inner.params)
                    .err()
                    .map(|error| Err(error.into()))
            })
            .collect();
        let unchecked: Vec<usize> = (0..txs.len()).filter(|i| results[*i].is_none()).collect();
        // Signature checks are the heaviest part of admission: run them on the verifier's
        // threads, off the API's async workers.
        let this = self.clone();
        let checked = ::tokio::task::spawn_blocking(move || {
            let batch: Vec<&SignedTransaction> = unchecked.iter().map(|i| &txs[*i]).collect();
            let bad = match &this.inner.verifier {
                Some(pool) => verify_batch_with(&batch, pool),
                None => verify_batch_with(&batch, &commonware_parallel::Sequential),
            };
            (txs, unchecked, bad)
        })
        .await;
        let Ok((txs, unchecked, bad)) = checked else {
            let error = SubmitError::Unavailable("signature verification stopped".into());
            return results.into_iter().map(|_| Err(error.clone())).collect();
        };
        for index in bad {
            results[unchecked[index]] = Some(Err(TxError::BadSignature.into()));
        }
        let guard = inner.databases.read().await;
        let view = CommittedView::new(&guard);
        for (position, tx) in txs.into_iter().enumerate() {
            if results[position].is_some() {
                continue;
            }
            let account = match bank::query::account(&view, tx.sender()).await {
                Ok(account) => account,
                Err(error) => {
                    results[position] = Some(Err(SubmitError::Unavailable(error.to_string())));
                    continue;
                }
            };
            let max_fee = tx.tx().max_fee();
            results[position] = Some(if account.balance < max_fee {
                Err(TxError::CannotPayFee {
                    balance: account.balance,
                    max_fee,
                }
                .into())
            } else {
                inner.mempool.insert(tx, account.nonce)
            });
        }
        results
            .into_iter()
            .map(|result| result.expect("every transaction has a result"))
            .collect()
    }

    async fn record(&self, indexed: IndexedTx) -> Result<TxRecord, BackendError> {
        let header = self
            .inner
            .index
            .header(indexed.height)
            .await
            .map_err(backend_error)?
            .ok_or_else(|| backend_error(format!("missing header {}", indexed.height)))?;
        Ok(TxRecord {
            tx: indexed.tx,
            committed: Some((
                TxLocation {
                    height: indexed.height,
                    block_hash: header.hash(),
                    index: indexed.index,
                },
                indexed.receipt,
            )),
        })
    }
}

impl Backend for NodeHandle {
    fn info(&self) -> ChainInfo {
        self.inner.info.clone()
    }

    async fn submit(&self, txs: Vec<SignedTransaction>) -> Vec<Result<Hash, SubmitError>> {
        let Some(relay) = &self.inner.relay else {
            return self.admit(txs).await;
        };
        let results = self.admit(txs.clone()).await;
        let admitted: Vec<SignedTransaction> = txs
            .into_iter()
            .zip(&results)
            .filter(|(_, result)| result.is_ok())
            .map(|(tx, _)| tx)
            .collect();
        relay.send(&admitted);
        results
    }

    fn next_nonce(&self, sender: &Address, committed_nonce: u64) -> u64 {
        self.inner.mempool.next_nonce(sender, committed_nonce)
    }

    async fn status(&self) -> Result<NodeStatus, BackendError> {
        let finalized = self.finalized();
        let role = self.inner.role.borrow().clone();
        Ok(NodeStatus {
            height: finalized.height,
            block_hash: finalized.hash,
            block_time_ms: finalized.header.timestamp_ms,
            state_root: finalized.header.state_root,
            mempool_size: self.inner.mempool.len(),
            committed_txs: self.inner.index.committed_txs(),
            epoch: role.epoch,
            validators: u32::try_from(role.validators.len()).unwrap_or(u32::MAX),
            is_validator: role.is_validator,
        })
    }

    async fn finalization(&self, height: u64) -> Result<Option<Vec<u8>>, BackendError> {
        if height == 0 || Some(height) > self.inner.index.height() {
            return Ok(None);
        }
        Ok(self
            .inner
            .marshal
            .get_finalization(Height::new(height))
            .await
            .map(|finalization| commonware_codec::Encode::encode(&finalization).to_vec()))
    }

    async fn block(&self, id: BlockId) -> Result<Option<Block>, BackendError> {
        let index = &self.inner.index;
        let height = match id {
            BlockId::Height(height) => height,
            BlockId::Hash(hash) => match index.height_of(&hash).await.map_err(backend_error)? {
                Some(height) => height,
                None => return Ok(None),
            },
            BlockId::Latest => match index.height() {
                Some(height) => height,
                None => return Ok(None),
            },
        };
        if Some(height) > index.height() {
            return Ok(None);
        }
        // Marshal keeps every finalized block whole: one read, where the index would read each
        // transaction. The genesis block is not marshal's to keep.
        if let Some(block) = self.inner.marshal.get_block(Height::new(height)).await {
            return Ok(Some(block.inner().0.clone()));
        }
        Ok(index
            .block(height)
            .await
            .map_err(backend_error)?
            .map(|indexed| indexed.block))
    }

    async fn block_receipts(&self, height: u64) -> Result<Option<Vec<Receipt>>, BackendError> {
        Ok(self
            .inner
            .index
            .block(height)
            .await
            .map_err(backend_error)?
            .map(|indexed| indexed.receipts))
    }

    async fn tx(&self, hash: Hash) -> Result<Option<TxRecord>, BackendError> {
        if let Some(indexed) = self.inner.index.tx(&hash).await.map_err(backend_error)? {
            return self.record(indexed).await.map(Some);
        }
        Ok(self.inner.mempool.get(&hash).map(|tx| TxRecord {
            tx,
            committed: None,
        }))
    }

    async fn txs_by_sender(
        &self,
        sender: Address,
        from_nonce: u64,
        limit: usize,
    ) -> Result<Vec<TxRecord>, BackendError> {
        let found = self
            .inner
            .index
            .txs_by_sender(&sender, from_nonce, limit)
            .await
            .map_err(backend_error)?;
        let mut records = Vec::with_capacity(found.len());
        for indexed in found {
            records.push(self.record(indexed).await?);
        }
        Ok(records)
    }

    async fn query(&self, query: StateQuery, proofs: bool) -> Result<QueryAnswer, QueryFailure> {
        // One read guard for the whole query: every key, and every proof, is of one state.
        let guard = self.inner.databases.read().await;
        let head = committed_head(&guard).await?;
        let view = CommittedView::new(&guard);
        let (answer, keys) = ailedger_state::query::run(&view, &query).await?;
        let proofs = if proofs {
            if keys.len() > MAX_PROOF_KEYS {
                return Err(QueryFailure::TooManyProofs { keys: keys.len() });
            }
            let mut values = Vec::with_capacity(keys.len());
            for key in &keys {
                values.push(prove(&guard, &head, *key).await?);
            }
            Some(values)
        } else {
            None
        };
        let state_root = guard.root();
        drop(guard);
        self.wait_for_height(head.height).await;
        Ok(QueryAnswer {
            height: head.height,
            state_root,
            answer,
            keys,
            proofs,
        })
    }

    async fn state(&self, key: StateKey) -> Result<StateValue, BackendError> {
        let guard = self.inner.databases.read().await;
        let head = committed_head(&guard).await?;
        let state_value = prove(&guard, &head, key).await?;
        drop(guard);
        // The state of a finalized block is applied before the block is indexed; wait the
        // moment it takes, so that the block this proof is about can be fetched to check it.
        self.wait_for_height(head.height).await;
        Ok(state_value)
    }

    async fn similar(&self, query: SimilarQuery) -> Result<SimilarAnswer, BackendError> {
        self.similar_claims(query).await
    }
}

impl NodeHandle {
    async fn similar_claims(&self, query: SimilarQuery) -> Result<SimilarAnswer, BackendError> {
        self.index_content().await?;
        let (indexed, found) = {
            let index = self.inner.content.lock().await;
            (index.next_seq(), index.lookup(&query))
        };
        let guard = self.inner.databases.read().await;
        let head = committed_head(&guard).await?;
        let view = CommittedView::new(&guard);
        let mut matches = Vec::with_capacity(found.len());
        for (by, seq) in found {
            let claim = content::query::claim_by_seq(&view, seq)
                .await
                .map_err(backend_error)?
                .value
                .ok_or_else(|| backend_error(format!("indexed claim {seq} is missing")))?;
            matches.push(SimilarMatch { by, claim });
        }
        Ok(SimilarAnswer {
            height: head.height,
            indexed,
            matches,
        })
    }
}

/// The chain head recorded in committed state.
async fn committed_head(db: &StateDb<tokio::Context>) -> Result<ChainHead, BackendError> {
    let Some(head) = db.get(&head_key()).await.map_err(backend_error)? else {
        return Err(BackendError::NotReady);
    };
    ChainHead::decode_cfg(Copying(&head), &()).map_err(backend_error)
}

/// A key's value (or absence) with its proof against the database's root.
async fn prove(
    db: &StateDb<tokio::Context>,
    head: &ChainHead,
    key: StateKey,
) -> Result<StateValue, BackendError> {
    let value = db.get(&key).await.map_err(backend_error)?;
    let proof = match &value {
        Some(_) => StateProof::Inclusion(db.key_value_proof(key).await.map_err(backend_error)?),
        None => StateProof::Exclusion(db.exclusion_proof(&key).await.map_err(backend_error)?),
    };
    Ok(StateValue {
        height: head.height,
        state_root: db.root(),
        key,
        value,
        proof: proof.to_bytes(),
    })
}
