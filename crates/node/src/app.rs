//! The state machine bound to consensus: builds and verifies blocks on QMDB batches, and records
//! finalized blocks in the index.

use crate::{
    block::{BlockContext as ConsensusContext, ChainBlock},
    mempool::Mempool,
    view::BatchView,
};
use ailedger_core::{Block, BlockLimits, Hash, Header, Receipt, ZERO_HASH, sha256};
use ailedger_state::{
    BlockContext, Executor, Genesis, TxError,
    staking::{ChainEpocher, query::validator_set_key},
};
use ailedger_store::{Index, StateDb};
use commonware_consensus::{marshal::ancestry::Ancestry, simplex::scheme::ed25519::Scheme};
use commonware_cryptography::Digestible;
use commonware_glue::stateful::{
    Application, Finality, Input, Proposed,
    db::{DatabaseSet, Merkleized as _, Shared, Unmerkleized as _},
};
use commonware_runtime::{Clock, Spawner};
use commonware_storage::{Context as StorageContext, mmr::Location, qmdb::sync::Target};
use commonware_utils::non_empty_range;
use futures::StreamExt;
use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, UNIX_EPOCH},
};
use tokio::sync::watch;
use tracing::{debug, info, warn};

/// The set of databases the state machine runs on: one QMDB.
pub(crate) type Databases<E> = Shared<StateDb<E>>;
type Unmerkleized<E> = <Databases<E> as DatabaseSet<E>>::Unmerkleized;
type Merkleized<E> = <Databases<E> as DatabaseSet<E>>::Merkleized;

/// How far a block's time may run ahead of its parent's. A proposer that has been away longer
/// catches the chain's clock up over several blocks.
const MAX_TIME_STEP_MS: u64 = 10 * 60 * 1000;

/// How far ahead of the local clock a block's time may be before a validator waits for its own
/// clock to catch up.
const MAX_CLOCK_DRIFT_MS: u64 = 2_000;

/// Most time a proposer spends executing candidates for one block, well under the leader
/// timeout (2 s), which must also cover sealing the state, broadcasting and voting.
const BUILD_BUDGET: std::time::Duration = std::time::Duration::from_millis(400);

/// The last finalized block, as published to the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finalized {
    /// Height.
    pub height: u64,
    /// Id.
    pub hash: Hash,
    /// Header.
    pub header: Header,
}

/// Receipts of executed blocks not yet finalized, by block id.
type Outcomes = Mutex<BTreeMap<Hash, (u64, Vec<Receipt>)>>;

struct AppState<E: StorageContext> {
    genesis: Genesis,
    genesis_block: ChainBlock,
    executor: Executor,
    index: Arc<Index<E>>,
    mempool: Mempool,
    outcomes: Outcomes,
    finalized: watch::Sender<Finalized>,
    limits: BlockLimits,
    epochs: ChainEpocher,
}

/// The application: cheap to clone, all clones share one state.
pub struct App<E: StorageContext> {
    shared: Arc<AppState<E>>,
}

impl<E: StorageContext> Clone for App<E> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<E: StorageContext> std::fmt::Debug for App<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

impl<E: StorageContext> App<E> {
    /// A new application.
    pub fn new(
        genesis: Genesis,
        genesis_block: ChainBlock,
        index: Arc<Index<E>>,
        mempool: Mempool,
        finalized: watch::Sender<Finalized>,
    ) -> Self {
        Self {
            shared: Arc::new(AppState {
                genesis_block,
                executor: Executor::new(),
                index,
                mempool,
                outcomes: Mutex::new(BTreeMap::new()),
                epochs: epochs_of(&genesis),
                genesis,
                finalized,
                limits: BlockLimits::DEFAULT,
            }),
        }
    }

    fn remember(&self, block: &Block, receipts: Vec<Receipt>) {
        let mut outcomes = self
            .shared
            .outcomes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        outcomes.insert(block.hash(), (block.height(), receipts));
    }

    fn take_receipts(&self, block: &Block) -> Option<Vec<Receipt>> {
        let mut outcomes = self
            .shared
            .outcomes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let receipts = outcomes.remove(&block.hash()).map(|(_, receipts)| receipts);
        // Blocks at or below a finalized height that were not finalized never will be.
        outcomes.retain(|_, (height, _)| *height > block.height());
        receipts
    }

    fn block_context(&self, header: &Header) -> BlockContext {
        BlockContext {
            chain_id: self.shared.genesis.chain_id.to_string(),
            height: header.height,
            timestamp_ms: header.timestamp_ms,
            proposer: header.proposer.clone(),
            parent: header.parent,
        }
    }

    /// What the header at `height` commits to as the next epoch's validator set: at the last
    /// block of an epoch, the hash of the set the staking module stored for the next epoch in
    /// this block's writes; zeros otherwise (and at a boundary with no set stored, which the
    /// staking module never leaves).
    fn next_validators(&self, height: u64, writes: &[(Hash, Option<Vec<u8>>)]) -> Hash {
        let epochs = self.shared.epochs;
        if !epochs.is_last(height) {
            return ZERO_HASH;
        }
        let key = validator_set_key(epochs.epoch_of(height) + 1);
        writes
            .iter()
            .find(|(written, _)| *written == key)
            .and_then(|(_, value)| value.as_deref())
            .map_or(ZERO_HASH, |value| sha256(&[value]))
    }

    fn genesis_for(&self, height: u64) -> Option<&Genesis> {
        (height == 1).then_some(&self.shared.genesis)
    }
}

/// The epochs of the chain `genesis` starts: the staking parameters' (validated with the
/// genesis document, so they define epochs).
pub(crate) fn epochs_of(genesis: &Genesis) -> ChainEpocher {
    genesis
        .staking()
        .params
        .epochs()
        .expect("validated staking parameters define epochs")
}

fn now_ms(clock: &impl Clock) -> u64 {
    clock
        .current()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// Writes the block's state changes into the batch and seals it.
async fn seal<E>(
    mut batches: Unmerkleized<E>,
    writes: Vec<(Hash, Option<Vec<u8>>)>,
) -> Option<Merkleized<E>>
where
    E: Spawner + StorageContext + Clock,
{
    for (key, value) in writes {
        batches = batches.write(key, value);
    }
    match batches.merkleize().await {
        Ok(merkleized) => Some(merkleized),
        Err(error) => {
            warn!(target: "ailedger::node", %error, "merkleizing state failed");
            None
        }
    }
}

impl<E> Application<E> for App<E>
where
    E: Spawner + StorageContext + Clock,
{
    type SigningScheme = Scheme;
    type Context = ConsensusContext;
    type Block = ChainBlock;
    type Databases = Databases<E>;
    type Captured = ();
    type Provider = Mempool;
    type Input = ();

    fn sync_targets(block: &ChainBlock) -> <Self::Databases as DatabaseSet<E>>::SyncTargets {
        let header = block.header();
        Target::new(
            header.ops_root,
            non_empty_range!(
                Location::new(header.ops_floor),
                Location::new(header.ops_size)
            ),
        )
    }

    async fn genesis(&mut self) -> ChainBlock {
        self.shared.genesis_block.clone()
    }

    async fn propose(
        &mut self,
        context: (E, ConsensusContext),
        ancestry: impl Ancestry<ChainBlock>,
        batches: Unmerkleized<E>,
        input: Input<(), Mempool>,
    ) -> Option<Proposed<Self, E>> {
        let (runtime, consensus) = context;
        let mut ancestry = Box::pin(ancestry);
        let parent = ancestry.next().await?;
        let parent_header = parent.inner().header().clone();
        let height = parent_header.height + 1;
        let timestamp_ms = now_ms(&runtime)
            .max(parent_header.timestamp_ms)
            .min(parent_header.timestamp_ms + MAX_TIME_STEP_MS);
        let (epoch, view, parent_view, proposer) = ChainBlock::context_fields(&consensus);
        let block_ctx = BlockContext {
            chain_id: self.shared.genesis.chain_id.to_string(),
            height,
            timestamp_ms,
            proposer: proposer.clone(),
            parent: parent.digest(),
        };
        // Candidates already in an unfinalized ancestor are skipped by the builder (their nonce
        // is used), so ask for more than fit.
        let candidates = input.provider.candidates(self.shared.limits.max_txs * 2);
        let n_candidates = candidates.len();
        let building = std::time::Instant::now();
        // A block that takes longer to build than the leader timeout is never proposed in
        // time, and the next attempt is as slow: the chain would stall with a full mempool.
        // Execution stops at the budget; what is left waits for the next block.
        let deadline = building + BUILD_BUDGET;
        let candidates = candidates
            .into_iter()
            .take_while(move |_| std::time::Instant::now() < deadline);
        let built = {
            let view = BatchView::new(&batches);
            match self
                .shared
                .executor
                .build_block(view, &block_ctx, self.genesis_for(height), candidates)
                .await
            {
                Ok(built) => built,
                Err(error) => {
                    warn!(target: "ailedger::node", %error, height, "building a block failed");
                    return None;
                }
            }
        };
        let hopeless: Vec<Hash> = built
            .rejected
            .iter()
            .filter(|rejected| matches!(rejected.error, TxError::CannotPayFee { .. }))
            .map(|rejected| rejected.hash)
            .collect();
        input.provider.remove_invalid(&hopeless);
        let receipts_root = built.output.receipts_root();
        let gas_used = built.output.gas_used;
        let built_in = building.elapsed();
        let next_validators = self.next_validators(height, &built.output.writes);
        let merkleized = seal::<E>(batches, built.output.writes).await?;
        debug!(
            target: "ailedger::node",
            height,
            candidates = n_candidates,
            included = built.included.len(),
            rejected = built.rejected.len(),
            build_ms = built_in.as_millis(),
            seal_ms = (building.elapsed() - built_in).as_millis(),
            "block built"
        );
        let header = Header {
            height,
            parent: parent.digest(),
            timestamp_ms,
            proposer,
            epoch,
            view,
            parent_view,
            tx_count: 0,
            txs_root: ailedger_core::ZERO_HASH,
            gas_used,
            receipts_root,
            state_root: merkleized.root(),
            ops_root: merkleized.ops_root(),
            ops_floor: *merkleized.sync_boundary(),
            ops_size: *merkleized.bounds().tip.size,
            next_validators,
        };
        let block = Block::new(header, built.included);
        self.remember(&block, built.output.receipts);
        Some(Proposed {
            block: ChainBlock(block),
            merkleized,
        })
    }

    async fn process(
        &mut self,
        context: (E, ConsensusContext),
        ancestry: impl Ancestry<ChainBlock>,
        batches: Unmerkleized<E>,
        finality: Finality,
    ) -> Option<Merkleized<E>> {
        let (runtime, _) = context;
        let mut ancestry = Box::pin(ancestry);
        let block = ancestry.next().await?;
        let header = block.inner().header().clone();
        if finality == Finality::Candidate {
            let parent = ancestry.next().await?;
            let parent_header = parent.inner().header();
            if header.timestamp_ms < parent_header.timestamp_ms
                || header.timestamp_ms > parent_header.timestamp_ms + MAX_TIME_STEP_MS
            {
                warn!(target: "ailedger::node", height = header.height, "block time out of range");
                return None;
            }
            let now = now_ms(&runtime);
            if header.timestamp_ms > now + MAX_CLOCK_DRIFT_MS {
                // Not invalid: our clock may be behind. Wait for it, bounded by the rule above.
                runtime
                    .sleep(Duration::from_millis(
                        header.timestamp_ms - now - MAX_CLOCK_DRIFT_MS,
                    ))
                    .await;
            }
        }
        let block_ctx = self.block_context(&header);
        let executing = std::time::Instant::now();
        let output = {
            let view = BatchView::new(&batches);
            match self
                .shared
                .executor
                .execute_block(
                    view,
                    &block_ctx,
                    self.genesis_for(header.height),
                    block.inner().0.txs(),
                )
                .await
            {
                Ok(output) => output,
                Err(error) => {
                    warn!(target: "ailedger::node", %error, height = header.height, "rejecting block");
                    return None;
                }
            }
        };
        if output.gas_used != header.gas_used || output.receipts_root() != header.receipts_root {
            warn!(target: "ailedger::node", height = header.height, "block's gas or receipts do not match execution");
            return None;
        }
        if self.next_validators(header.height, &output.writes) != header.next_validators {
            warn!(target: "ailedger::node", height = header.height, "block's next validator set does not match execution");
            return None;
        }
        let executed_in = executing.elapsed();
        let merkleized = seal::<E>(batches, output.writes).await?;
        if merkleized.root() != header.state_root {
            warn!(target: "ailedger::node", height = header.height, "block's state root does not match execution");
            return None;
        }
        debug!(
            target: "ailedger::node",
            height = header.height,
            txs = block.inner().0.txs().len(),
            execute_ms = executed_in.as_millis(),
            seal_ms = (executing.elapsed() - executed_in).as_millis(),
            "block executed"
        );
        self.remember(&block.inner().0, output.receipts);
        Some(merkleized)
    }

    async fn capture(
        &mut self,
        _context: (E, ConsensusContext),
        _block: &ChainBlock,
        _batches: &Merkleized<E>,
        _readers: <Self::Databases as DatabaseSet<E>>::Readers,
    ) {
    }

    async fn finalized(
        &mut self,
        _context: (E, ConsensusContext),
        block: &ChainBlock,
        _captured: (),
        _readers: <Self::Databases as DatabaseSet<E>>::Readers,
    ) {
        let block = &block.0;
        let receipts = self
            .take_receipts(block)
            .expect("every finalized block was executed by propose or process in this process");
        // The index write is durable before this hook returns, and so before marshal counts the
        // block as processed: a crash can replay the block (the write is idempotent) but never
        // lose it.
        let indexing = std::time::Instant::now();
        if let Err(error) = self.shared.index.put_block(block, receipts).await {
            panic!(
                "indexing finalized block {} failed: {error}",
                block.height()
            );
        }
        self.shared.mempool.remove_committed(block.txs());
        info!(
            target: "ailedger::node",
            height = block.height(),
            hash = %block.hash(),
            txs = block.txs().len(),
            index_ms = indexing.elapsed().as_millis(),
            "block finalized"
        );
        self.shared.finalized.send_replace(Finalized {
            height: block.height(),
            hash: block.hash(),
            header: block.header().clone(),
        });
    }
}
