//! The index of committed blocks, transactions and receipts.
//!
//! The chain itself needs none of this: it is derived from finalized blocks and their receipts.
//! It lives in three Commonware prunable archives: append-only journals of keys and values, with
//! an in-memory index of a 4-byte prefix of each key (a few tens of bytes per transaction). An
//! insert is an append whatever the size of the history, unlike a B-tree keyed by hashes, whose
//! inserts scatter across a growing file; the price is memory, and a replay of the key journals
//! when the node starts:
//!
//! - `txs`: every committed transaction with its receipt and location, at its global sequence
//!   number (the number of transactions committed before it), keyed by transaction id;
//! - `senders`: the same sequence numbers keyed by `SHA-256(sender || nonce)`;
//! - `blocks`: each header with the sequence number of its first transaction, at its height,
//!   keyed by block id.
//!
//! A block's transactions are made durable before its header is written, and the header is what
//! says a block is indexed. Writing a block again (after a crash, a block is replayed) writes the
//! same items at the same indices, which the archives ignore, so a block is either wholly
//! indexed or not at all.

use ailedger_core::{Address, Block, Hash, Header, Receipt, SignedTransaction, sha256};
use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error as CodecError, FixedSize, Read, ReadExt, Write};
use commonware_runtime::{Supervisor, buffer::paged::CacheRef};
use commonware_storage::{
    Context,
    archive::{
        Archive as _, Identifier,
        prunable::{Archive, Config},
    },
    translator::FourCap,
};
use commonware_utils::{NZU64, NZUsize, sync::AsyncRwLock};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// The index failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The storage failed.
    #[error("index storage: {0}")]
    Storage(String),
    /// A stored item is not what the index wrote: the index is corrupt.
    #[error("corrupt index: {0}")]
    Corrupt(String),
    /// Blocks must be indexed in height order.
    #[error("block {got} cannot be indexed after block {indexed:?}")]
    OutOfOrder {
        /// Height being indexed.
        got: u64,
        /// Last indexed height.
        indexed: Option<u64>,
    },
    /// A block and its receipts disagree.
    #[error("block {height} has {txs} transactions but {receipts} receipts")]
    ReceiptCount {
        /// Block height.
        height: u64,
        /// Transactions.
        txs: usize,
        /// Receipts.
        receipts: usize,
    },
    /// A previous write failed; the index must be reopened.
    #[error("the index was lost by an earlier storage failure")]
    Lost,
}

fn storage_error(error: impl std::fmt::Display) -> IndexError {
    IndexError::Storage(error.to_string())
}

/// A committed transaction, where it is and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedTx {
    /// The transaction.
    pub tx: SignedTransaction,
    /// Block height.
    pub height: u64,
    /// Position in the block.
    pub index: u32,
    /// Its receipt.
    pub receipt: Receipt,
}

impl Write for IndexedTx {
    fn write(&self, buf: &mut impl BufMut) {
        self.height.write(buf);
        self.index.write(buf);
        self.tx.write(buf);
        self.receipt.write(buf);
    }
}

impl EncodeSize for IndexedTx {
    fn encode_size(&self) -> usize {
        u64::SIZE + u32::SIZE + self.tx.encode_size() + self.receipt.encode_size()
    }
}

impl Read for IndexedTx {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        Ok(Self {
            height: u64::read(buf)?,
            index: u32::read(buf)?,
            tx: SignedTransaction::read(buf)?,
            receipt: Receipt::read(buf)?,
        })
    }
}

/// A header and where its transactions start in the sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
struct BlockRow {
    header: Header,
    first_tx: u64,
}

impl Write for BlockRow {
    fn write(&self, buf: &mut impl BufMut) {
        self.header.write(buf);
        self.first_tx.write(buf);
    }
}

impl FixedSize for BlockRow {
    const SIZE: usize = Header::SIZE + u64::SIZE;
}

impl Read for BlockRow {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        Ok(Self {
            header: Header::read(buf)?,
            first_tx: u64::read(buf)?,
        })
    }
}

/// A committed block with its receipts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedBlock {
    /// The block.
    pub block: Block,
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
}

type Store<E, V> = Archive<FourCap, E, Hash, V>;

struct Archives<E: Context> {
    txs: Store<E, IndexedTx>,
    senders: Store<E, u64>,
    blocks: Store<E, BlockRow>,
}

/// The index. Reads run concurrently; writing a block excludes them only while it stages.
pub struct Index<E: Context> {
    archives: AsyncRwLock<Option<Archives<E>>>,
    /// Sequence number of the next committed transaction.
    next_tx: AtomicU64,
    /// Height of the last indexed block, plus one (zero: nothing indexed).
    next_height: AtomicU64,
}

impl<E: Context> std::fmt::Debug for Index<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("next_tx", &self.next_tx)
            .field("next_height", &self.next_height)
            .finish_non_exhaustive()
    }
}

/// The key of a sender's transaction with a nonce.
fn sender_key(sender: &Address, nonce: u64) -> Hash {
    sha256(&[sender.as_bytes(), &nonce.to_be_bytes()])
}

fn config<C>(
    prefix: &str,
    name: &str,
    page_cache: CacheRef,
    codec_config: C,
) -> Config<FourCap, C> {
    let buffer = NZUsize!(1 << 16);
    Config {
        translator: FourCap,
        metadata_partition: format!("{prefix}-{name}-metadata"),
        key_partition: format!("{prefix}-{name}-keys"),
        key_page_cache: page_cache,
        value_partition: format!("{prefix}-{name}-values"),
        // Not compressed: a transaction record is mostly keys, hashes and a signature, which
        // zstd barely shrinks (4% here), while compressing each record cost a validator about
        // a third of its throughput under load.
        compression: None,
        codec_config,
        items_per_section: NZU64!(1 << 16),
        key_write_buffer: buffer,
        value_write_buffer: buffer,
        replay_buffer: NZUsize!(1 << 20),
    }
}

impl<E: Context> Index<E> {
    /// Opens (or creates) the index in `context`'s storage, with partitions named after `prefix`.
    pub async fn init(context: E, prefix: &str, page_cache: CacheRef) -> Result<Self, IndexError>
    where
        E: Supervisor,
    {
        let txs: Store<E, IndexedTx> = Archive::init(
            context.child("index_txs"),
            config(prefix, "txs", page_cache.clone(), ()),
        )
        .await
        .map_err(storage_error)?;
        let senders: Store<E, u64> = Archive::init(
            context.child("index_senders"),
            config(prefix, "senders", page_cache.clone(), ()),
        )
        .await
        .map_err(storage_error)?;
        let blocks: Store<E, BlockRow> = Archive::init(
            context.child("index_blocks"),
            config(prefix, "blocks", page_cache, ()),
        )
        .await
        .map_err(storage_error)?;
        let (next_height, next_tx) = match blocks.last_index() {
            None => (0, 0),
            Some(height) => {
                let row = blocks
                    .get(Identifier::Index(height))
                    .await
                    .map_err(storage_error)?
                    .ok_or_else(|| {
                        IndexError::Corrupt(format!("block {height} listed but missing"))
                    })?;
                (height + 1, row.first_tx + u64::from(row.header.tx_count))
            }
        };
        Ok(Self {
            archives: AsyncRwLock::new(Some(Archives {
                txs,
                senders,
                blocks,
            })),
            next_tx: AtomicU64::new(next_tx),
            next_height: AtomicU64::new(next_height),
        })
    }

    /// Records a committed block and its receipts, durably. Writing the last indexed block (or
    /// an earlier one) again is a no-op; skipping a height is an error. The receipts are taken,
    /// not copied: each becomes part of its transaction's record.
    pub async fn put_block(&self, block: &Block, receipts: Vec<Receipt>) -> Result<(), IndexError> {
        let height = block.height();
        if block.txs().len() != receipts.len() {
            return Err(IndexError::ReceiptCount {
                height,
                txs: block.txs().len(),
                receipts: receipts.len(),
            });
        }
        let next_height = self.next_height.load(Ordering::Acquire);
        if height < next_height {
            return Ok(());
        }
        if height > next_height {
            return Err(IndexError::OutOfOrder {
                got: height,
                indexed: next_height.checked_sub(1),
            });
        }
        let first_tx = self.next_tx.load(Ordering::Acquire);
        // Stage the transactions and start making them durable, then let readers in while the
        // disk catches up: nothing is visible until the header is.
        let (txs_synced, senders_synced) = {
            let mut guard = self.archives.write().await;
            let Archives {
                mut txs,
                mut senders,
                blocks,
            } = guard.take().ok_or(IndexError::Lost)?;
            for (position, (tx, receipt)) in block.txs().iter().zip(receipts).enumerate() {
                let index =
                    u32::try_from(position).expect("blocks hold fewer than 2^32 transactions");
                let sequence = first_tx + u64::from(index);
                let row = IndexedTx {
                    tx: tx.clone(),
                    height,
                    index,
                    receipt,
                };
                txs = txs
                    .put(sequence, tx.hash(), &row)
                    .await
                    .map_err(storage_error)?;
                senders = senders
                    .put(sequence, sender_key(tx.sender(), tx.tx().nonce), &sequence)
                    .await
                    .map_err(storage_error)?;
            }
            let (txs, txs_synced) = txs.start_sync().await.map_err(storage_error)?;
            let (senders, senders_synced) = senders.start_sync().await.map_err(storage_error)?;
            *guard = Some(Archives {
                txs,
                senders,
                blocks,
            });
            (txs_synced, senders_synced)
        };
        txs_synced.await.map_err(storage_error)?;
        senders_synced.await.map_err(storage_error)?;
        // The transactions are durable: the header may now declare them indexed.
        let header_synced = {
            let mut guard = self.archives.write().await;
            let Archives {
                txs,
                senders,
                blocks,
            } = guard.take().ok_or(IndexError::Lost)?;
            let row = BlockRow {
                header: block.header().clone(),
                first_tx,
            };
            let blocks = blocks
                .put(height, block.hash(), &row)
                .await
                .map_err(storage_error)?;
            let (blocks, synced) = blocks.start_sync().await.map_err(storage_error)?;
            *guard = Some(Archives {
                txs,
                senders,
                blocks,
            });
            synced
        };
        header_synced.await.map_err(storage_error)?;
        self.next_tx
            .store(first_tx + block.txs().len() as u64, Ordering::Release);
        self.next_height.store(height + 1, Ordering::Release);
        Ok(())
    }

    /// Height of the last indexed block.
    pub fn height(&self) -> Option<u64> {
        self.next_height.load(Ordering::Acquire).checked_sub(1)
    }

    /// Transactions committed since genesis.
    pub fn committed_txs(&self) -> u64 {
        self.next_tx.load(Ordering::Acquire)
    }

    async fn block_row(&self, height: u64) -> Result<Option<BlockRow>, IndexError> {
        if Some(height) > self.height() {
            return Ok(None);
        }
        let guard = self.archives.read().await;
        let archives = guard.as_ref().ok_or(IndexError::Lost)?;
        archives
            .blocks
            .get(Identifier::Index(height))
            .await
            .map_err(storage_error)
    }

    /// The header of the block at `height`.
    pub async fn header(&self, height: u64) -> Result<Option<Header>, IndexError> {
        Ok(self.block_row(height).await?.map(|row| row.header))
    }

    /// The height of the block with id `hash`.
    pub async fn height_of(&self, hash: &Hash) -> Result<Option<u64>, IndexError> {
        let guard = self.archives.read().await;
        let archives = guard.as_ref().ok_or(IndexError::Lost)?;
        let row = archives
            .blocks
            .get(Identifier::Key(hash))
            .await
            .map_err(storage_error)?;
        Ok(row
            .filter(|row| row.header.hash() == *hash && Some(row.header.height) <= self.height())
            .map(|row| row.header.height))
    }

    /// The block at `height` with its receipts.
    pub async fn block(&self, height: u64) -> Result<Option<IndexedBlock>, IndexError> {
        let Some(row) = self.block_row(height).await? else {
            return Ok(None);
        };
        let n_txs = u64::from(row.header.tx_count);
        let mut txs = Vec::with_capacity(n_txs as usize);
        let mut receipts = Vec::with_capacity(n_txs as usize);
        for sequence in row.first_tx..row.first_tx + n_txs {
            // One read lock per transaction, so that a large block never holds up indexing.
            let indexed = self.tx_at(sequence).await?.ok_or_else(|| {
                IndexError::Corrupt(format!("transaction {sequence} of block {height} missing"))
            })?;
            txs.push(indexed.tx);
            receipts.push(indexed.receipt);
        }
        let block = Block::new(row.header.clone(), txs);
        if block.header() != &row.header {
            return Err(IndexError::Corrupt(format!(
                "transactions of block {height} do not match its header"
            )));
        }
        Ok(Some(IndexedBlock { block, receipts }))
    }

    async fn tx_at(&self, sequence: u64) -> Result<Option<IndexedTx>, IndexError> {
        let guard = self.archives.read().await;
        let archives = guard.as_ref().ok_or(IndexError::Lost)?;
        archives
            .txs
            .get(Identifier::Index(sequence))
            .await
            .map_err(storage_error)
    }

    /// A committed transaction by id.
    pub async fn tx(&self, hash: &Hash) -> Result<Option<IndexedTx>, IndexError> {
        let guard = self.archives.read().await;
        let archives = guard.as_ref().ok_or(IndexError::Lost)?;
        let found = archives
            .txs
            .get(Identifier::Key(hash))
            .await
            .map_err(storage_error)?;
        // Only transactions of indexed blocks count: a crash can leave a block's transactions
        // written without its header.
        Ok(found
            .filter(|indexed| indexed.tx.hash() == *hash && Some(indexed.height) <= self.height()))
    }

    /// Committed transactions of `sender` from nonce `from_nonce` on, ascending, at most `limit`.
    pub async fn txs_by_sender(
        &self,
        sender: &Address,
        from_nonce: u64,
        limit: usize,
    ) -> Result<Vec<IndexedTx>, IndexError> {
        let height = self.height();
        let mut found = Vec::new();
        for nonce in (from_nonce..).take(limit) {
            let sequence = {
                let guard = self.archives.read().await;
                let archives = guard.as_ref().ok_or(IndexError::Lost)?;
                archives
                    .senders
                    .get(Identifier::Key(&sender_key(sender, nonce)))
                    .await
                    .map_err(storage_error)?
            };
            let Some(sequence) = sequence else {
                break;
            };
            let Some(indexed) = self.tx_at(sequence).await? else {
                return Err(IndexError::Corrupt(format!(
                    "sender entry points at missing transaction {sequence}"
                )));
            };
            if indexed.tx.sender() != sender
                || indexed.tx.tx().nonce != nonce
                || Some(indexed.height) > height
            {
                break;
            }
            found.push(indexed);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{ModuleId, Outcome, SecretKey, Transaction, ZERO_HASH};
    use commonware_runtime::{Runner as _, deterministic};
    use commonware_utils::NZU16;

    fn header(height: u64) -> Header {
        Header {
            height,
            parent: ZERO_HASH,
            timestamp_ms: height,
            proposer: SecretKey::from_seed(0).address(),
            epoch: 0,
            view: height,
            parent_view: 0,
            tx_count: 0,
            txs_root: ZERO_HASH,
            gas_used: 0,
            receipts_root: ZERO_HASH,
            state_root: ZERO_HASH,
            ops_root: ZERO_HASH,
            ops_floor: 0,
            ops_size: 0,
            next_validators: ailedger_core::ZERO_HASH,
        }
    }

    fn block(height: u64, n_txs: u64) -> (Block, Vec<Receipt>) {
        let key = SecretKey::from_seed(1);
        let txs: Vec<_> = (0..n_txs)
            .map(|i| {
                Transaction::new(
                    "c",
                    key.address(),
                    height * 100 + i,
                    1,
                    1,
                    ModuleId::new(1),
                    vec![],
                )
                .expect("valid")
                .sign(&key)
            })
            .collect();
        let receipts = txs
            .iter()
            .map(|tx| Receipt {
                tx_hash: tx.hash(),
                gas_used: 1,
                fee: 1,
                outcome: Outcome::Success,
                events: vec![],
            })
            .collect();
        (Block::new(header(height), txs), receipts)
    }

    fn page_cache() -> CacheRef {
        CacheRef::new(NZU16!(1024), NZUsize!(10))
    }

    #[test]
    fn blocks_and_transactions_are_found_by_height_hash_and_sender() {
        deterministic::Runner::default().start(|context| async move {
            let index = Index::init(context.child("index"), "test", page_cache())
                .await
                .expect("init");
            for height in 0..3 {
                let (block, receipts) = block(height, height);
                index.put_block(&block, receipts).await.expect("put");
            }
            assert_eq!(index.height(), Some(2));
            assert_eq!(index.committed_txs(), 3);
            let (expected, receipts) = block(2, 2);
            let found = index.block(2).await.expect("read").expect("present");
            assert_eq!(found.block, expected);
            assert_eq!(found.receipts, receipts);
            assert_eq!(
                index.height_of(&expected.hash()).await.expect("read"),
                Some(2)
            );
            assert_eq!(index.height_of(&ZERO_HASH).await.expect("read"), None);
            let tx = index
                .tx(&expected.txs()[1].hash())
                .await
                .expect("read")
                .expect("present");
            assert_eq!((tx.height, tx.index), (2, 1));
            assert_eq!(index.tx(&ZERO_HASH).await.expect("read"), None);
            let sender = SecretKey::from_seed(1).address();
            let by_sender = index.txs_by_sender(&sender, 200, 10).await.expect("read");
            let nonces: Vec<_> = by_sender.iter().map(|tx| tx.tx.tx().nonce).collect();
            assert_eq!(nonces, vec![200, 201]);
            assert!(
                index
                    .txs_by_sender(&sender, 150, 10)
                    .await
                    .expect("read")
                    .is_empty()
            );
            assert!(index.block(3).await.expect("read").is_none());
        });
    }

    #[test]
    fn rewriting_a_block_is_harmless_gaps_are_refused_and_reopening_keeps_everything() {
        deterministic::Runner::default().start(|context| async move {
            let index = Index::init(context.child("first"), "test", page_cache())
                .await
                .expect("init");
            let (genesis, receipts) = block(0, 0);
            index.put_block(&genesis, receipts).await.expect("put");
            let (one, receipts) = block(1, 2);
            index.put_block(&one, receipts.clone()).await.expect("put");
            index.put_block(&one, receipts).await.expect("again");
            assert_eq!(index.committed_txs(), 2);
            let (three, receipts) = block(3, 1);
            assert!(matches!(
                index.put_block(&three, receipts).await,
                Err(IndexError::OutOfOrder {
                    got: 3,
                    indexed: Some(1)
                })
            ));
            let (two, mut receipts) = block(2, 2);
            receipts.pop();
            assert!(matches!(
                index.put_block(&two, receipts).await,
                Err(IndexError::ReceiptCount { .. })
            ));
            drop(index);
            let index = Index::init(context.child("second"), "test", page_cache())
                .await
                .expect("reopen");
            assert_eq!(index.height(), Some(1));
            assert_eq!(index.committed_txs(), 2);
            assert_eq!(
                index.block(1).await.expect("read").expect("present").block,
                one
            );
        });
    }
}
