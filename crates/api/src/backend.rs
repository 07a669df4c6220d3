//! What the API needs from a node. The node implements [`Backend`]; the API only translates
//! between HTTP/JSON and these calls.

use ailedger_core::{Address, Block, Hash, Receipt, SignedTransaction};
use ailedger_state::{
    StateKey, TxError,
    content::Claim,
    provenance::query::QueryError,
    query::{StateAnswer, StateQuery},
};
use std::future::Future;
use thiserror::Error;

/// Which block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockId {
    /// The block at this height.
    Height(u64),
    /// The block with this id.
    Hash(Hash),
    /// The last committed block.
    Latest,
}

/// Facts about the chain that do not change while a node runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainInfo {
    /// The chain id transactions must carry.
    pub chain_id: String,
    /// SHA-256 of the genesis document.
    pub genesis_hash: Hash,
    /// Id of the genesis block.
    pub genesis_block: Hash,
    /// The validators' consensus keys.
    pub validators: Vec<Address>,
    /// Target time between blocks, in milliseconds.
    pub block_interval_ms: u64,
    /// Lowest gas price accepted.
    pub min_gas_price: u64,
    /// Most gas a block (and so a transaction) may use.
    pub block_gas_limit: u64,
}

/// A node's view of itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    /// Height of the last committed (finalized and applied) block.
    pub height: u64,
    /// Its id.
    pub block_hash: Hash,
    /// Its time.
    pub block_time_ms: u64,
    /// Its state root.
    pub state_root: Hash,
    /// Transactions waiting in the mempool.
    pub mempool_size: usize,
    /// Transactions committed since genesis.
    pub committed_txs: u64,
    /// The epoch the node's consensus engine runs.
    pub epoch: u64,
    /// Validators in that epoch's set.
    pub validators: u32,
    /// Whether this node is one of them (otherwise it follows as a full node).
    pub is_validator: bool,
}

/// Where a committed transaction is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxLocation {
    /// Block height.
    pub height: u64,
    /// Block id.
    pub block_hash: Hash,
    /// Position in the block.
    pub index: u32,
}

/// A transaction the node knows, with its receipt once committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxRecord {
    /// The transaction.
    pub tx: SignedTransaction,
    /// `None` while the transaction waits in the mempool.
    pub committed: Option<(TxLocation, Receipt)>,
}

/// A state value (or its absence) with a proof against the state root of block `height`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateValue {
    /// The block whose post-state is proven.
    pub height: u64,
    /// That block's state root.
    pub state_root: Hash,
    /// The key.
    pub key: StateKey,
    /// The value; `None` if the key has none.
    pub value: Option<Vec<u8>>,
    /// The proof: of inclusion when `value` is `Some`, of exclusion otherwise. Checked with
    /// `ailedger_store::verify_state_proof`.
    pub proof: Vec<u8>,
}

/// Most state keys a query answer may carry proofs for.
pub const MAX_PROOF_KEYS: usize = 256;

/// The answer to a [`StateQuery`] on the last committed block, with the keys it was computed
/// from and, when asked for, a proof for each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryAnswer {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    pub state_root: Hash,
    /// The answer.
    pub answer: StateAnswer,
    /// Every state key read, in first-read order.
    pub keys: Vec<StateKey>,
    /// One value and proof per key, in the same order, when proofs were asked for.
    pub proofs: Option<Vec<StateValue>>,
}

/// Why a query has no answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QueryFailure {
    /// The query itself failed (not found, too many nodes).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Proofs were asked for an answer read from more keys than allowed.
    #[error(
        "the answer was read from {keys} state keys; proofs are served for at most {MAX_PROOF_KEYS}"
    )]
    TooManyProofs {
        /// Keys read.
        keys: usize,
    },
    /// The node failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Fingerprints to look up in the node's near-duplicate index of content claims.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SimilarQuery {
    /// A 64-bit image perceptual hash.
    pub image: Option<u64>,
    /// A 64-bit text SimHash.
    pub simhash: Option<u64>,
    /// A text MinHash signature.
    pub minhash: Vec<u32>,
    /// Most differing bits for image and SimHash matches.
    pub max_distance: u32,
    /// Least share of equal values for MinHash matches, 0 to 1.
    pub min_similarity: f64,
    /// Most matches of each kind.
    pub limit: usize,
}

/// Which fingerprint of a claim matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedBy {
    /// The image perceptual hash, within the Hamming radius.
    Image {
        /// Differing bits.
        distance: u32,
    },
    /// The text SimHash, within the Hamming radius.
    SimHash {
        /// Differing bits.
        distance: u32,
    },
    /// The MinHash signature, sharing a band and at least the similarity asked for.
    MinHash {
        /// Positions with equal values.
        equal: u32,
        /// Positions compared.
        compared: u32,
    },
}

/// A claim near the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimilarMatch {
    /// How it matched.
    pub by: MatchedBy,
    /// The claim, as committed.
    pub claim: Claim,
}

/// The answer to a [`SimilarQuery`]: nearest first within each kind of fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimilarAnswer {
    /// The block up to which claims were indexed.
    pub height: u64,
    /// Claims indexed.
    pub indexed: u64,
    /// The matches.
    pub matches: Vec<SimilarMatch>,
}

/// Why a transaction was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The transaction is invalid.
    #[error(transparent)]
    Invalid(#[from] TxError),
    /// The mempool already has it.
    #[error("transaction {0} is already in the mempool")]
    Duplicate(Hash),
    /// The mempool is full and the transaction's sender already has its fair share.
    #[error("mempool is full ({0} transactions)")]
    MempoolFull(usize),
    /// The sender has as many pending transactions as allowed.
    #[error("sender already has {0} pending transactions, the most allowed")]
    SenderQueueFull(usize),
    /// The node cannot take transactions now (starting, or its storage failed).
    #[error("node unavailable: {0}")]
    Unavailable(String),
}

impl SubmitError {
    /// A stable, machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(error) => error.code(),
            Self::Duplicate(_) => "DUPLICATE_TX",
            Self::MempoolFull(_) => "MEMPOOL_FULL",
            Self::SenderQueueFull(_) => "SENDER_QUEUE_FULL",
            Self::Unavailable(_) => "UNAVAILABLE",
        }
    }
}

/// The node could not answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BackendError {
    /// It failed (storage error, shutting down).
    #[error("node error: {0}")]
    Failed(String),
    /// It has no committed state yet: it is starting, before its first block.
    #[error("the node has not committed its first block yet")]
    NotReady,
}

/// The node, as the API sees it.
///
/// Every method answers from committed state (finalized blocks whose state is applied), except
/// [`submit`](Self::submit) and the pending case of [`tx`](Self::tx).
pub trait Backend: Clone + Send + Sync + 'static {
    /// Facts fixed at genesis.
    fn info(&self) -> ChainInfo;

    /// Admits transactions to the mempool, in order; one result per transaction. A transaction
    /// is checked (encoding, chain id, signature, nonce against committed state and pending
    /// transactions, fee affordability) before it is admitted.
    fn submit(
        &self,
        txs: Vec<SignedTransaction>,
    ) -> impl Future<Output = Vec<Result<Hash, SubmitError>>> + Send;

    /// The nonce `sender`'s next transaction must carry, given its committed nonce: one past
    /// its last transaction waiting in the mempool, or `committed_nonce` if none waits.
    fn next_nonce(&self, sender: &Address, committed_nonce: u64) -> u64;

    /// The node's status.
    fn status(&self) -> impl Future<Output = Result<NodeStatus, BackendError>> + Send;

    /// A committed block.
    fn block(
        &self,
        id: BlockId,
    ) -> impl Future<Output = Result<Option<Block>, BackendError>> + Send;

    /// Receipts of a committed block, in transaction order.
    fn block_receipts(
        &self,
        height: u64,
    ) -> impl Future<Output = Result<Option<Vec<Receipt>>, BackendError>> + Send;

    /// The finalization certificate of the block at `height` (the consensus engine's encoding:
    /// the finalized proposal and the validators' signatures over it), if the node keeps it.
    fn finalization(
        &self,
        height: u64,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, BackendError>> + Send;

    /// A transaction, pending or committed.
    fn tx(&self, hash: Hash)
    -> impl Future<Output = Result<Option<TxRecord>, BackendError>> + Send;

    /// Committed transactions of `sender` with nonces from `from_nonce`, ascending, at most
    /// `limit`.
    fn txs_by_sender(
        &self,
        sender: Address,
        from_nonce: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TxRecord>, BackendError>> + Send;

    /// Answers a query over the last committed block's state, all of it read from one state;
    /// with `proofs`, also proves every key read (at most [`MAX_PROOF_KEYS`]).
    fn query(
        &self,
        query: StateQuery,
        proofs: bool,
    ) -> impl Future<Output = Result<QueryAnswer, QueryFailure>> + Send;

    /// A state value with its proof against the last committed block's state root.
    fn state(&self, key: StateKey)
    -> impl Future<Output = Result<StateValue, BackendError>> + Send;

    /// Content claims whose fingerprints are near the query's, from the node's index of
    /// committed claims (derived data, not consensus: callers check a match against the
    /// state with [`query`](Self::query)).
    fn similar(
        &self,
        query: SimilarQuery,
    ) -> impl Future<Output = Result<SimilarAnswer, BackendError>> + Send;
}
