//! A [`Backend`] for the API's tests, built from the real state machine: admission runs
//! [`Executor::check_tx`] and committing a block runs [`Executor::execute_block`] over a
//! [`MemStore`].
//!
//! What it cannot do without the node's QMDB: its state roots are a hash chain over each block's
//! state writes (not a QMDB root), and its state proofs are placeholder bytes that the tests
//! never verify. Proof verification is tested in `ailedger-client` and, end to end, in the node.

use crate::{
    Backend, BackendError, BlockId, ChainInfo, NodeStatus, StateValue, SubmitError, TxLocation,
    TxRecord,
};
use ailedger_core::{
    Address, Block, ChainId, Hash, Header, Receipt, SecretKey, SignedTransaction, ZERO_HASH, sha256,
};
use ailedger_state::{
    BlockContext, ChainParams, CheckError, Executor, Genesis, MemStore, StateKey, StateStore,
    staking::StakingGenesis,
};
use std::{collections::BTreeMap, sync::Arc};
use tokio::sync::Mutex;

pub(crate) const CHAIN_ID: &str = "ailedger-test";

/// The placeholder proof of every state value (see the module docs).
pub(crate) const FAKE_PROOF: &[u8] = b"test backend: no QMDB, no proof";

/// The validator that proposes every block and collects the fees.
pub(crate) fn validator() -> SecretKey {
    SecretKey::from_seed(1_000)
}

#[derive(Debug)]
struct Inner {
    store: MemStore,
    /// Blocks by height; the genesis block (height 0) executes nothing.
    blocks: Vec<Block>,
    /// Receipts by height.
    receipts: Vec<Vec<Receipt>>,
    /// Committed transactions: height and index.
    locations: BTreeMap<Hash, (u64, u32)>,
    mempool: Vec<SignedTransaction>,
    mempool_capacity: usize,
    committed_txs: u64,
    /// When set, every read fails as if storage were broken.
    broken: bool,
}

/// An in-memory chain.
#[derive(Clone, Debug)]
pub(crate) struct TestBackend {
    inner: Arc<Mutex<Inner>>,
    info: ChainInfo,
    genesis: Arc<Genesis>,
}

impl TestBackend {
    /// A chain whose genesis gives `balances`, with block 1 (which applies genesis) committed.
    pub(crate) async fn new(balances: &[(Address, u128)], mempool_capacity: usize) -> Self {
        Self::with_staking(balances, mempool_capacity, None).await
    }

    /// As [`new`](Self::new), with the genesis staking section `staking`.
    pub(crate) async fn with_staking(
        balances: &[(Address, u128)],
        mempool_capacity: usize,
        staking: Option<StakingGenesis>,
    ) -> Self {
        let genesis = Genesis {
            staking,
            chain_id: ChainId::new(CHAIN_ID).expect("valid chain id"),
            genesis_time_ms: 0,
            params: ChainParams::DEFAULT,
            validators: vec![validator().address()],
            balances: balances.to_vec(),
        };
        let genesis_block = Block::new(header(0, ZERO_HASH, ZERO_HASH, 0, ZERO_HASH), vec![]);
        let info = ChainInfo {
            chain_id: CHAIN_ID.to_owned(),
            genesis_hash: genesis.hash(),
            genesis_block: genesis_block.hash(),
            validators: genesis.validators.clone(),
            block_interval_ms: 1_000,
            min_gas_price: genesis.params.min_gas_price,
            block_gas_limit: genesis.params.block_gas_limit,
        };
        let backend = Self {
            inner: Arc::new(Mutex::new(Inner {
                store: MemStore::new(),
                blocks: vec![genesis_block],
                receipts: vec![vec![]],
                locations: BTreeMap::new(),
                mempool: Vec::new(),
                mempool_capacity,
                committed_txs: 0,
                broken: false,
            })),
            info,
            genesis: Arc::new(genesis),
        };
        backend.commit_block().await;
        backend
    }

    /// Executes the mempool's transactions as the next block and commits it.
    pub(crate) async fn commit_block(&self) -> Block {
        let mut inner = self.inner.lock().await;
        let parent = inner
            .blocks
            .last()
            .expect("the genesis block is always there")
            .clone();
        let height = parent.height() + 1;
        let ctx = BlockContext {
            chain_id: CHAIN_ID.to_owned(),
            height,
            timestamp_ms: height * 1_000,
            proposer: validator().address(),
            parent: parent.hash(),
        };
        let genesis = (height == 1).then_some(self.genesis.as_ref());
        let txs = std::mem::take(&mut inner.mempool);
        let output = Executor::new()
            .execute_block(&inner.store, &ctx, genesis, &txs)
            .await
            .expect("the mempool holds only admitted transactions");
        // Stand-in for the QMDB root: a hash chain over the blocks' writes.
        let mut root_parts: Vec<Vec<u8>> = vec![parent.header().state_root.to_vec()];
        for (key, value) in &output.writes {
            root_parts.push(key.to_vec());
            root_parts.push(value.clone().unwrap_or_default());
        }
        let state_root = sha256(&root_parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let mut header = header(
            height,
            parent.hash(),
            state_root,
            output.gas_used,
            output.receipts_root(),
        );
        header.timestamp_ms = ctx.timestamp_ms;
        let block = Block::new(header, txs);
        inner.store.apply(output.writes);
        for (index, tx) in block.txs().iter().enumerate() {
            let index = u32::try_from(index).expect("test blocks are small");
            inner.locations.insert(tx.hash(), (height, index));
        }
        inner.committed_txs += block.txs().len() as u64;
        inner.receipts.push(output.receipts);
        inner.blocks.push(block.clone());
        block
    }

    /// Makes every read fail, as broken storage would.
    pub(crate) async fn break_storage(&self) {
        self.inner.lock().await.broken = true;
    }
}

fn header(
    height: u64,
    parent: Hash,
    state_root: Hash,
    gas_used: u64,
    receipts_root: Hash,
) -> Header {
    Header {
        height,
        parent,
        timestamp_ms: height * 1_000,
        proposer: validator().address(),
        epoch: 0,
        view: height,
        parent_view: height.saturating_sub(1),
        tx_count: 0,
        txs_root: ZERO_HASH,
        gas_used,
        receipts_root,
        state_root,
        ops_root: ZERO_HASH,
        ops_floor: 0,
        ops_size: 0,
        next_validators: ailedger_core::ZERO_HASH,
    }
}

impl Inner {
    fn check(&self) -> Result<(), BackendError> {
        if self.broken {
            return Err(BackendError::Failed(
                "storage failed: test backend is broken".to_owned(),
            ));
        }
        Ok(())
    }

    fn tip(&self) -> &Block {
        self.blocks
            .last()
            .expect("the genesis block is always there")
    }

    fn record(&self, hash: &Hash) -> Option<TxRecord> {
        if let Some(tx) = self.mempool.iter().find(|tx| tx.hash() == *hash) {
            return Some(TxRecord {
                tx: tx.clone(),
                committed: None,
            });
        }
        let (height, index) = *self.locations.get(hash)?;
        let block = &self.blocks[usize::try_from(height).ok()?];
        let position = usize::try_from(index).ok()?;
        Some(TxRecord {
            tx: block.txs()[position].clone(),
            committed: Some((
                TxLocation {
                    height,
                    block_hash: block.hash(),
                    index,
                },
                self.receipts[usize::try_from(height).ok()?][position].clone(),
            )),
        })
    }
}

impl Backend for TestBackend {
    fn info(&self) -> ChainInfo {
        self.info.clone()
    }

    fn next_nonce(&self, sender: &Address, committed_nonce: u64) -> u64 {
        // Tests never hold the lock while asking for a nonce.
        let pending = self.inner.try_lock().map_or(0, |inner| {
            inner
                .mempool
                .iter()
                .filter(|tx| tx.sender() == sender)
                .count() as u64
        });
        committed_nonce + pending
    }

    async fn submit(&self, txs: Vec<SignedTransaction>) -> Vec<Result<Hash, SubmitError>> {
        let mut inner = self.inner.lock().await;
        let mut results = Vec::with_capacity(txs.len());
        for tx in txs {
            if inner
                .mempool
                .iter()
                .any(|pending| pending.hash() == tx.hash())
            {
                results.push(Err(SubmitError::Duplicate(tx.hash())));
                continue;
            }
            if inner.mempool.len() >= inner.mempool_capacity {
                results.push(Err(SubmitError::MempoolFull(inner.mempool.len())));
                continue;
            }
            let pending = inner
                .mempool
                .iter()
                .filter(|pending| pending.sender() == tx.sender())
                .count() as u64;
            match Executor::new()
                .check_tx(&inner.store, CHAIN_ID, &tx, pending)
                .await
            {
                Ok(()) => {
                    results.push(Ok(tx.hash()));
                    inner.mempool.push(tx);
                }
                Err(CheckError::Tx(error)) => results.push(Err(SubmitError::Invalid(error))),
                Err(CheckError::Block(error)) => {
                    results.push(Err(SubmitError::Unavailable(error.to_string())));
                }
            }
        }
        results
    }

    async fn status(&self) -> Result<NodeStatus, BackendError> {
        let inner = self.inner.lock().await;
        inner.check()?;
        let tip = inner.tip();
        Ok(NodeStatus {
            height: tip.height(),
            block_hash: tip.hash(),
            block_time_ms: tip.header().timestamp_ms,
            state_root: tip.header().state_root,
            mempool_size: inner.mempool.len(),
            committed_txs: inner.committed_txs,
            epoch: 0,
            validators: 1,
            is_validator: true,
        })
    }

    async fn block(&self, id: BlockId) -> Result<Option<Block>, BackendError> {
        let inner = self.inner.lock().await;
        inner.check()?;
        Ok(match id {
            BlockId::Latest => Some(inner.tip().clone()),
            BlockId::Height(height) => usize::try_from(height)
                .ok()
                .and_then(|height| inner.blocks.get(height))
                .cloned(),
            BlockId::Hash(hash) => inner
                .blocks
                .iter()
                .find(|block| block.hash() == hash)
                .cloned(),
        })
    }

    async fn finalization(&self, height: u64) -> Result<Option<Vec<u8>>, BackendError> {
        let inner = self.inner.lock().await;
        inner.check()?;
        // A stand-in certificate: the API passes the node's bytes through untouched.
        Ok(
            (height >= 1 && usize::try_from(height).is_ok_and(|h| h < inner.blocks.len()))
                .then(|| height.to_be_bytes().to_vec()),
        )
    }

    async fn block_receipts(&self, height: u64) -> Result<Option<Vec<Receipt>>, BackendError> {
        let inner = self.inner.lock().await;
        inner.check()?;
        Ok(usize::try_from(height)
            .ok()
            .and_then(|height| inner.receipts.get(height))
            .cloned())
    }

    async fn tx(&self, hash: Hash) -> Result<Option<TxRecord>, BackendError> {
        let inner = self.inner.lock().await;
        inner.check()?;
        Ok(inner.record(&hash))
    }

    async fn txs_by_sender(
        &self,
        sender: Address,
        from_nonce: u64,
        limit: usize,
    ) -> Result<Vec<TxRecord>, BackendError> {
        let inner = self.inner.lock().await;
        inner.check()?;
        let hashes: Vec<Hash> = inner
            .blocks
            .iter()
            .flat_map(|block| block.txs())
            .filter(|tx| *tx.sender() == sender && tx.tx().nonce >= from_nonce)
            .take(limit)
            .map(|tx| tx.hash())
            .collect();
        Ok(hashes
            .iter()
            .filter_map(|hash| inner.record(hash))
            .collect())
    }

    async fn query(
        &self,
        query: ailedger_state::query::StateQuery,
        proofs: bool,
    ) -> Result<crate::QueryAnswer, crate::QueryFailure> {
        let inner = self.inner.lock().await;
        inner.check()?;
        let (answer, keys) = ailedger_state::query::run(&inner.store, &query).await?;
        let tip = inner.tip();
        let proofs = if proofs {
            if keys.len() > crate::MAX_PROOF_KEYS {
                return Err(crate::QueryFailure::TooManyProofs { keys: keys.len() });
            }
            let mut values = Vec::with_capacity(keys.len());
            for key in &keys {
                let value = inner
                    .store
                    .get(key)
                    .await
                    .map_err(|error| BackendError::Failed(error.to_string()))?;
                values.push(StateValue {
                    height: tip.height(),
                    state_root: tip.header().state_root,
                    key: *key,
                    value,
                    proof: FAKE_PROOF.to_vec(),
                });
            }
            Some(values)
        } else {
            None
        };
        Ok(crate::QueryAnswer {
            height: tip.height(),
            state_root: tip.header().state_root,
            answer,
            keys,
            proofs,
        })
    }

    async fn state(&self, key: StateKey) -> Result<StateValue, BackendError> {
        let inner = self.inner.lock().await;
        inner.check()?;
        let value = inner
            .store
            .get(&key)
            .await
            .map_err(|error| BackendError::Failed(error.to_string()))?;
        let tip = inner.tip();
        Ok(StateValue {
            height: tip.height(),
            state_root: tip.header().state_root,
            key,
            value,
            proof: FAKE_PROOF.to_vec(),
        })
    }

    /// A scan of every claim: the node's index must find what this finds.
    async fn similar(
        &self,
        query: crate::SimilarQuery,
    ) -> Result<crate::SimilarAnswer, BackendError> {
        use crate::{MatchedBy, SimilarMatch};
        use ailedger_state::content::query as content;
        let inner = self.inner.lock().await;
        inner.check()?;
        let error = |error: ailedger_state::provenance::query::QueryError| {
            BackendError::Failed(error.to_string())
        };
        let total = content::total(&inner.store).await.map_err(error)?.value;
        let mut matches = Vec::new();
        for seq in 0..total {
            let Some(claim) = content::claim_by_seq(&inner.store, seq)
                .await
                .map_err(error)?
                .value
            else {
                continue;
            };
            let prints = &claim.fingerprints;
            let mut push = |by| {
                matches.push(SimilarMatch {
                    by,
                    claim: claim.clone(),
                })
            };
            if let (Some(a), Some(b)) = (query.image, prints.image) {
                let distance = (a ^ b).count_ones();
                if distance <= query.max_distance {
                    push(MatchedBy::Image { distance });
                }
            }
            if let (Some(a), Some(b)) = (query.simhash, prints.simhash) {
                let distance = (a ^ b).count_ones();
                if distance <= query.max_distance {
                    push(MatchedBy::SimHash { distance });
                }
            }
            let compared = query.minhash.len().min(prints.minhash.len());
            if compared > 0 {
                let equal = query
                    .minhash
                    .iter()
                    .zip(&prints.minhash)
                    .filter(|(a, b)| a == b)
                    .count();
                if equal as f64 / compared as f64 >= query.min_similarity {
                    push(MatchedBy::MinHash {
                        equal: equal as u32,
                        compared: compared as u32,
                    });
                }
            }
        }
        matches.truncate(query.limit * 3);
        Ok(crate::SimilarAnswer {
            height: inner.tip().height(),
            indexed: total,
            matches,
        })
    }
}
