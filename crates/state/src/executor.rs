//! Block execution: validity, fees, nonces, dispatch to modules, receipts.

use crate::{
    BlockContext, BlockError, BlockOverlay, ChainHead, ChainParams, ExecError, Genesis, StateKey,
    StateStore, StoreError, TxContext, TxError,
    bank::ante,
    overlay::TxState,
    params::{CHAIN, HEAD_KEY, PARAMS_KEY},
    registry::{self, AnyMsg},
    state_key,
};
use ailedger_core::{
    BlockLimits, Hash, Outcome, Receipt, SignatureBatch, SignedTransaction,
    gas::{GasMeter, GasSchedule},
    leaf_hash, merkle_root,
};
use commonware_codec::{Copying, Decode, Encode, EncodeSize};

/// Bytes of an encoded block with no transactions: the header and the largest count prefix.
const EMPTY_BLOCK_BYTES: usize = <ailedger_core::Header as commonware_codec::FixedSize>::SIZE + 5;

/// No block gas limit may be lower than this: it must fit at least one ordinary transaction.
pub(crate) const MIN_BLOCK_GAS_LIMIT: u64 = 1_000_000;

/// The state writes of a block, in key order (`None` deletes).
pub type StateWrites = Vec<(StateKey, Option<Vec<u8>>)>;

/// The gas every transaction pays before its message runs: the base cost and its size.
pub fn intrinsic_gas(tx: &SignedTransaction, schedule: &GasSchedule) -> u64 {
    let n_bytes = u64::try_from(tx.encode_size()).unwrap_or(u64::MAX);
    schedule
        .tx_base
        .saturating_add(schedule.tx_byte.saturating_mul(n_bytes))
}

/// What executing a block produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOutput {
    /// Writes to apply to the state.
    pub writes: StateWrites,
    /// One receipt per transaction, in order.
    pub receipts: Vec<Receipt>,
    /// Total gas used.
    pub gas_used: u64,
}

impl BlockOutput {
    /// RFC 6962 root over the receipts' encodings.
    pub fn receipts_root(&self) -> Hash {
        let leaves: Vec<Hash> = self
            .receipts
            .iter()
            .map(|receipt| leaf_hash(&receipt.encode()))
            .collect();
        merkle_root(&leaves)
    }
}

/// A candidate left out of a block being built, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// Transaction id.
    pub hash: Hash,
    /// Why it was left out.
    pub error: TxError,
}

/// What building a block from candidates produced.
#[derive(Clone, Debug)]
pub struct BuildOutput {
    /// The execution result of the included transactions.
    pub output: BlockOutput,
    /// The included transactions, in block order.
    pub included: Vec<SignedTransaction>,
    /// Candidates left out. [`TxError::NonceTooLow`] and [`TxError::CannotPayFee`] will never
    /// become valid by waiting; others may.
    pub rejected: Vec<Rejected>,
}

/// Executes blocks. Stateless: everything it depends on is in the state and the block.
#[derive(Clone, Debug)]
pub struct Executor {
    schedule: GasSchedule,
    limits: BlockLimits,
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

/// Per-block state of the executor.
struct BlockRun<'a, S> {
    overlay: BlockOverlay<S>,
    ctx: &'a BlockContext,
    params: ChainParams,
    schedule: GasSchedule,
    receipts: Vec<Receipt>,
    gas_used: u64,
    fees: u128,
}

impl Executor {
    /// An executor with the protocol's gas schedule and block limits.
    pub fn new() -> Self {
        Self {
            schedule: GasSchedule::DEFAULT,
            limits: BlockLimits::DEFAULT,
        }
    }

    /// An executor with other block limits (a chain must use the same limits on every node).
    pub fn with_limits(limits: BlockLimits) -> Self {
        Self {
            schedule: GasSchedule::DEFAULT,
            limits,
        }
    }

    /// The gas schedule.
    pub fn schedule(&self) -> &GasSchedule {
        &self.schedule
    }

    /// Checks a transaction for admission to the mempool against a committed state.
    ///
    /// `pending` is how many transactions of the sender the mempool already holds: the
    /// transaction's nonce must be the sender's committed nonce plus `pending`. Includes the
    /// signature check.
    pub async fn check_tx<S: StateStore>(
        &self,
        store: S,
        chain_id: &str,
        tx: &SignedTransaction,
        pending: u64,
    ) -> Result<(), CheckError> {
        let params = read_params(&store).await?;
        self.check_stateless(tx, chain_id, &params)?;
        tx.verify_signature().map_err(|_| TxError::BadSignature)?;
        let mut overlay = BlockOverlay::new(store);
        let account = ante::load(&mut overlay, tx.sender()).await?;
        let expected = account.nonce.saturating_add(pending);
        check_nonce(expected, tx.tx().nonce)?;
        // Pending transactions may spend the balance first; their fees are not counted here, as
        // the block builder re-checks every transaction against the state it actually runs on.
        if account.balance < tx.tx().max_fee() {
            return Err(TxError::CannotPayFee {
                balance: account.balance,
                max_fee: tx.tx().max_fee(),
            }
            .into());
        }
        Ok(())
    }

    /// Checks that need nothing but the transaction and the chain parameters.
    pub fn check_stateless(
        &self,
        tx: &SignedTransaction,
        chain_id: &str,
        params: &ChainParams,
    ) -> Result<AnyMsg, TxError> {
        let body = tx.tx();
        if body.chain_id.as_str() != chain_id {
            return Err(TxError::WrongChainId {
                expected: chain_id.to_owned(),
                got: body.chain_id.to_string(),
            });
        }
        let intrinsic = intrinsic_gas(tx, &self.schedule);
        if body.gas_limit < intrinsic {
            return Err(TxError::GasLimitTooLow {
                intrinsic,
                limit: body.gas_limit,
            });
        }
        if body.gas_limit > params.block_gas_limit {
            return Err(TxError::GasLimitTooHigh {
                limit: body.gas_limit,
                block_limit: params.block_gas_limit,
            });
        }
        if body.gas_price < params.min_gas_price {
            return Err(TxError::GasPriceTooLow {
                min: params.min_gas_price,
                got: body.gas_price,
            });
        }
        registry::decode(body.module, &body.payload)
    }

    /// Executes a block received from a peer: every transaction must be valid, or the block is.
    ///
    /// `genesis` must be given for the block at height 1, whose execution first creates the
    /// initial state.
    pub async fn execute_block<S: StateStore>(
        &self,
        store: S,
        ctx: &BlockContext,
        genesis: Option<&Genesis>,
        txs: &[SignedTransaction],
    ) -> Result<BlockOutput, BlockError> {
        if txs.len() > self.limits.max_txs {
            return Err(BlockError::TooManyTxs {
                got: txs.len(),
                limit: self.limits.max_txs,
            });
        }
        let n_bytes = EMPTY_BLOCK_BYTES + txs.iter().map(EncodeSize::encode_size).sum::<usize>();
        if n_bytes > self.limits.max_bytes {
            return Err(BlockError::TooLarge {
                got: n_bytes,
                limit: self.limits.max_bytes,
            });
        }
        // The signatures are checked on a thread of their own while the transactions run: they
        // are most of a block's cost, and a validator that checks them before running anything
        // holds up the next proposer, which must execute the block before building on it. The
        // verdict is the same: a bad signature rejects the block whatever execution found,
        // and the writes of a block with one are never used.
        let signatures = SignatureCheck::start(txs);
        let executed = self.run_block(store, ctx, genesis, txs).await;
        let bad = signatures.verdict().await;
        if let Some(&index) = bad.first() {
            return Err(invalid(index, &txs[index], TxError::BadSignature));
        }
        executed
    }

    async fn run_block<S: StateStore>(
        &self,
        store: S,
        ctx: &BlockContext,
        genesis: Option<&Genesis>,
        txs: &[SignedTransaction],
    ) -> Result<BlockOutput, BlockError> {
        let mut run = self.begin(store, ctx, genesis).await?;
        for (index, tx) in txs.iter().enumerate() {
            let msg = self
                .check_stateless(tx, &ctx.chain_id, &run.params)
                .map_err(|error| invalid(index, tx, error))?;
            match run.apply(tx, msg).await {
                Ok(()) => {}
                Err(ApplyError::Invalid(error)) => return Err(invalid(index, tx, error)),
                Err(ApplyError::Store(error)) => return Err(BlockError::Store(error)),
            }
        }
        run.finish().await
    }

    /// Builds a block from candidates whose signatures were already checked (the mempool checks
    /// them on admission). Invalid candidates are left out and reported, never executed.
    pub async fn build_block<S: StateStore>(
        &self,
        store: S,
        ctx: &BlockContext,
        genesis: Option<&Genesis>,
        candidates: impl IntoIterator<Item = SignedTransaction>,
    ) -> Result<BuildOutput, BlockError> {
        let mut run = self.begin(store, ctx, genesis).await?;
        let mut included = Vec::new();
        let mut rejected = Vec::new();
        let mut n_bytes = EMPTY_BLOCK_BYTES;
        for tx in candidates {
            if included.len() >= self.limits.max_txs {
                break;
            }
            let size = tx.encode_size();
            if n_bytes + size > self.limits.max_bytes {
                rejected.push(Rejected {
                    hash: tx.hash(),
                    error: TxError::BlockFull {
                        remaining: self.limits.max_bytes - n_bytes,
                        size,
                    },
                });
                continue;
            }
            let msg = match self.check_stateless(&tx, &ctx.chain_id, &run.params) {
                Ok(msg) => msg,
                Err(error) => {
                    rejected.push(Rejected {
                        hash: tx.hash(),
                        error,
                    });
                    continue;
                }
            };
            match run.apply(&tx, msg).await {
                Ok(()) => {
                    n_bytes += size;
                    included.push(tx);
                }
                Err(ApplyError::Invalid(error)) => rejected.push(Rejected {
                    hash: tx.hash(),
                    error,
                }),
                Err(ApplyError::Store(error)) => return Err(BlockError::Store(error)),
            }
        }
        Ok(BuildOutput {
            output: run.finish().await?,
            included,
            rejected,
        })
    }

    async fn begin<'a, S: StateStore>(
        &self,
        store: S,
        ctx: &'a BlockContext,
        genesis: Option<&Genesis>,
    ) -> Result<BlockRun<'a, S>, BlockError> {
        let mut overlay = BlockOverlay::new(store);
        if let Some(genesis) = genesis {
            let writes = genesis
                .state_writes()
                .map_err(|error| BlockError::CorruptState {
                    what: "genesis",
                    reason: error.to_string(),
                })?;
            for (key, value) in writes {
                overlay.put(key, value);
            }
        }
        let params = match overlay.get(&state_key(CHAIN, PARAMS_KEY)).await? {
            None => return Err(BlockError::MissingGenesis),
            Some(bytes) => ChainParams::decode_cfg(Copying(&bytes), &()).map_err(|error| {
                BlockError::CorruptState {
                    what: "chain params",
                    reason: error.to_string(),
                }
            })?,
        };
        Ok(BlockRun {
            overlay,
            ctx,
            params,
            schedule: self.schedule,
            receipts: Vec::new(),
            gas_used: 0,
            fees: 0,
        })
    }
}

/// Why a transaction could not be admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The transaction is invalid.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// Storage failed, or genesis is missing.
    #[error(transparent)]
    Block(#[from] BlockError),
}

impl From<StoreError> for CheckError {
    fn from(error: StoreError) -> Self {
        Self::Block(BlockError::Store(error))
    }
}

enum ApplyError {
    Invalid(TxError),
    Store(StoreError),
}

impl From<StoreError> for ApplyError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

fn invalid(index: usize, tx: &SignedTransaction, error: TxError) -> BlockError {
    BlockError::InvalidTx {
        index,
        hash: tx.hash().to_string(),
        error,
    }
}

fn check_nonce(expected: u64, got: u64) -> Result<(), TxError> {
    if got < expected {
        return Err(TxError::NonceTooLow { expected, got });
    }
    if got > expected {
        return Err(TxError::NonceGap { expected, got });
    }
    Ok(())
}

async fn read_params<S: StateStore>(store: &S) -> Result<ChainParams, CheckError> {
    match store.get(&state_key(CHAIN, PARAMS_KEY)).await? {
        None => Err(BlockError::MissingGenesis.into()),
        Some(bytes) => ChainParams::decode_cfg(Copying(&bytes), &()).map_err(|error| {
            BlockError::CorruptState {
                what: "chain params",
                reason: error.to_string(),
            }
            .into()
        }),
    }
}

impl<S: StateStore> BlockRun<'_, S> {
    /// Runs one transaction whose stateless checks passed. On `Err(Invalid)` nothing was written.
    async fn apply(&mut self, tx: &SignedTransaction, msg: AnyMsg) -> Result<(), ApplyError> {
        let body = tx.tx();
        let remaining = self.params.block_gas_limit - self.gas_used;
        if body.gas_limit > remaining {
            return Err(ApplyError::Invalid(TxError::BlockGasExhausted {
                remaining,
                limit: body.gas_limit,
            }));
        }
        let mut account = ante::load(&mut self.overlay, tx.sender()).await?;
        check_nonce(account.nonce, body.nonce).map_err(ApplyError::Invalid)?;
        let max_fee = body.max_fee();
        if account.balance < max_fee {
            return Err(ApplyError::Invalid(TxError::CannotPayFee {
                balance: account.balance,
                max_fee,
            }));
        }
        // The whole maximum fee is set aside before the message runs, so the message cannot
        // spend it; what the message did not use is refunded afterwards.
        account.nonce += 1;
        account.balance -= max_fee;
        ante::save(&mut self.overlay, tx.sender(), &account);

        let mut meter = GasMeter::new(body.gas_limit);
        meter
            .charge(intrinsic_gas(tx, &self.schedule))
            .expect("the stateless check guarantees the gas limit covers the intrinsic gas");
        let index =
            u32::try_from(self.receipts.len()).expect("blocks hold fewer than 2^32 transactions");
        let tx_ctx = TxContext {
            block: self.ctx,
            sender: tx.sender(),
            tx_hash: tx.hash(),
            index,
        };
        let mut state = TxState::new(&mut self.overlay, meter, self.schedule);
        let result = registry::execute(&mut state, &tx_ctx, msg).await;
        let (outcome, events, meter) = match result {
            Ok(()) => {
                let (events, meter) = state.commit();
                (Outcome::Success, events, meter)
            }
            Err(ExecError::Store(error)) => return Err(ApplyError::Store(error)),
            Err(error) => {
                let meter = state.discard();
                let outcome = Outcome::failed(error.code(), &error.to_string());
                (outcome, Vec::new(), meter)
            }
        };

        let gas_used = meter.used();
        let fee = u128::from(gas_used) * u128::from(body.gas_price);
        let mut account = ante::load(&mut self.overlay, tx.sender()).await?;
        // Cannot overflow: the refund returns part of what was just set aside, and the supply
        // fits in a u128.
        account.balance += max_fee - fee;
        ante::save(&mut self.overlay, tx.sender(), &account);

        self.gas_used += gas_used;
        self.fees += fee;
        self.receipts.push(Receipt {
            tx_hash: tx.hash(),
            gas_used,
            fee,
            outcome,
            events,
        });
        Ok(())
    }

    async fn finish(mut self) -> Result<BlockOutput, BlockError> {
        // The modules' end-of-block work: unmetered (nobody pays for it; each module bounds it),
        // and with no receipt to carry events.
        let mut state = TxState::new(&mut self.overlay, GasMeter::new(u64::MAX), self.schedule);
        match registry::end_block(&mut state, self.ctx).await {
            Ok(()) => {
                state.commit();
            }
            Err(ExecError::Store(error)) => return Err(BlockError::Store(error)),
            Err(error) => {
                return Err(BlockError::CorruptState {
                    what: "end of block",
                    reason: format!("{}: {error}", error.code()),
                });
            }
        }
        // Fees go to the proposer once per block, so a busy proposer account is written once.
        // They were taken from balances within the supply, so adding them back cannot overflow.
        if self.fees > 0 {
            let proposer = self.ctx.proposer.clone();
            let mut account = ante::load(&mut self.overlay, &proposer).await?;
            account.balance += self.fees;
            ante::save(&mut self.overlay, &proposer, &account);
        }
        let head = ChainHead {
            height: self.ctx.height,
            timestamp_ms: self.ctx.timestamp_ms,
            parent: self.ctx.parent,
        };
        self.overlay
            .put(state_key(CHAIN, HEAD_KEY), Some(head.encode().to_vec()));
        Ok(BlockOutput {
            writes: self.overlay.into_writes(),
            receipts: self.receipts,
            gas_used: self.gas_used,
        })
    }
}

/// A block's signature check running beside its execution.
enum SignatureCheck {
    /// On its own thread; the indices of the bad signatures arrive on the channel.
    Spawned(futures::channel::oneshot::Receiver<Vec<usize>>),
    /// Checked already (blocks too small to be worth a thread, or no thread to be had).
    Done(Vec<usize>),
}

impl SignatureCheck {
    /// Below this many signatures the check is quicker than starting a thread for it.
    const MIN_SPAWNED: usize = 64;

    fn start(txs: &[SignedTransaction]) -> Self {
        // What the check needs, owned for the thread: the signed bytes are shared, and each
        // sender's key is cloned once rather than every transaction being copied.
        let batch = SignatureBatch::new(txs);
        if txs.len() < Self::MIN_SPAWNED {
            return Self::Done(batch.bad_signatures());
        }
        let (sender, receiver) = futures::channel::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("block-signatures".into())
            .spawn(move || {
                // The receiver is gone only if execution was abandoned; nobody needs the verdict.
                let _ = sender.send(batch.bad_signatures());
            });
        match spawned {
            Ok(_) => Self::Spawned(receiver),
            // The batch went with the closure that could not run: collect it again.
            Err(_) => Self::Done(SignatureBatch::new(txs).bad_signatures()),
        }
    }

    async fn verdict(self) -> Vec<usize> {
        match self {
            Self::Done(bad) => bad,
            Self::Spawned(receiver) => receiver
                .await
                .expect("the signature thread sends its verdict before it ends"),
        }
    }
}
