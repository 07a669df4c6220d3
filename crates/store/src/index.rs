//! The index of committed blocks, transactions and receipts, in an embedded database (redb).
//!
//! The chain itself needs none of this: it is derived from finalized blocks and their receipts,
//! and writing a block again writes the same rows, so replaying blocks after a crash is harmless.
//! Each block is written in one durable transaction, so a block is either wholly indexed or not.

use ailedger_core::{Address, Block, Hash, Header, Receipt, SignedTransaction};
use bytes::Buf as _;
use commonware_codec::{Copying, Decode, Encode, EncodeSize, ReadExt};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;
use thiserror::Error;

const HEADERS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("headers");
const BLOCK_HEIGHTS: TableDefinition<'_, &[u8; 32], u64> = TableDefinition::new("block_heights");
const TXS: TableDefinition<'_, (u64, u32), &[u8]> = TableDefinition::new("txs");
const TX_LOCATIONS: TableDefinition<'_, &[u8; 32], (u64, u32)> =
    TableDefinition::new("tx_locations");
const SENDER_TXS: TableDefinition<'_, (&[u8; 32], u64), (u64, u32)> =
    TableDefinition::new("sender_txs");
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");

const META_HEIGHT: &str = "height";
const META_TXS: &str = "committed_txs";

/// The index failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The database failed.
    #[error("index database: {0}")]
    Database(String),
    /// A stored row does not decode: the index is corrupt.
    #[error("corrupt index row in {table}: {reason}")]
    Corrupt {
        /// Table name.
        table: &'static str,
        /// Decoding error.
        reason: String,
    },
    /// Blocks must be indexed in height order.
    #[error("block {got} cannot be indexed after block {indexed}")]
    OutOfOrder {
        /// Height being indexed.
        got: u64,
        /// Last indexed height.
        indexed: u64,
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
}

fn db_error(error: impl std::fmt::Display) -> IndexError {
    IndexError::Database(error.to_string())
}

fn corrupt(table: &'static str, error: impl std::fmt::Display) -> IndexError {
    IndexError::Corrupt {
        table,
        reason: error.to_string(),
    }
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

/// A committed block with its receipts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedBlock {
    /// The block.
    pub block: Block,
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
}

/// The index.
#[derive(Debug)]
pub struct Index {
    db: Database,
}

fn hash_key(hash: &Hash) -> &[u8; 32] {
    hash.as_ref()
        .try_into()
        .expect("a SHA-256 digest is 32 bytes")
}

impl Index {
    /// Opens (or creates) the index at `path`.
    pub fn open(path: &Path) -> Result<Self, IndexError> {
        let db = Database::create(path).map_err(db_error)?;
        let write = db.begin_write().map_err(db_error)?;
        {
            // Create every table, so that readers never meet a missing one.
            write.open_table(HEADERS).map_err(db_error)?;
            write.open_table(BLOCK_HEIGHTS).map_err(db_error)?;
            write.open_table(TXS).map_err(db_error)?;
            write.open_table(TX_LOCATIONS).map_err(db_error)?;
            write.open_table(SENDER_TXS).map_err(db_error)?;
            write.open_table(META).map_err(db_error)?;
        }
        write.commit().map_err(db_error)?;
        Ok(Self { db })
    }

    /// Records a committed block and its receipts, durably. Writing the same block again is a
    /// no-op; skipping a height is an error.
    pub fn put_block(&self, block: &Block, receipts: &[Receipt]) -> Result<(), IndexError> {
        let height = block.height();
        if block.txs().len() != receipts.len() {
            return Err(IndexError::ReceiptCount {
                height,
                txs: block.txs().len(),
                receipts: receipts.len(),
            });
        }
        let indexed = self.height()?;
        match indexed {
            Some(indexed) if height <= indexed => return Ok(()),
            Some(indexed) if height != indexed + 1 => {
                return Err(IndexError::OutOfOrder {
                    got: height,
                    indexed,
                });
            }
            None if height != 0 => {
                return Err(IndexError::OutOfOrder {
                    got: height,
                    indexed: 0,
                });
            }
            _ => {}
        }
        let write = self.db.begin_write().map_err(db_error)?;
        {
            let mut headers = write.open_table(HEADERS).map_err(db_error)?;
            headers
                .insert(height, &block.header().encode()[..])
                .map_err(db_error)?;
            let mut heights = write.open_table(BLOCK_HEIGHTS).map_err(db_error)?;
            heights
                .insert(hash_key(&block.hash()), height)
                .map_err(db_error)?;
            let mut txs = write.open_table(TXS).map_err(db_error)?;
            let mut locations = write.open_table(TX_LOCATIONS).map_err(db_error)?;
            let mut senders = write.open_table(SENDER_TXS).map_err(db_error)?;
            let mut row = Vec::new();
            for (index, (tx, receipt)) in block.txs().iter().zip(receipts).enumerate() {
                let index = u32::try_from(index).expect("blocks hold fewer than 2^32 transactions");
                row.clear();
                row.reserve(tx.encode_size() + receipt.encode_size());
                row.extend_from_slice(&tx.encode());
                row.extend_from_slice(&receipt.encode());
                txs.insert((height, index), &row[..]).map_err(db_error)?;
                locations
                    .insert(hash_key(&tx.hash()), (height, index))
                    .map_err(db_error)?;
                let sender: &[u8; 32] = tx.sender().as_bytes().try_into().expect("32-byte key");
                senders
                    .insert((sender, tx.tx().nonce), (height, index))
                    .map_err(db_error)?;
            }
            let mut meta = write.open_table(META).map_err(db_error)?;
            let committed = meta
                .get(META_TXS)
                .map_err(db_error)?
                .map_or(0, |value| value.value());
            meta.insert(META_TXS, committed + block.txs().len() as u64)
                .map_err(db_error)?;
            meta.insert(META_HEIGHT, height).map_err(db_error)?;
        }
        write.commit().map_err(db_error)?;
        Ok(())
    }

    /// Height of the last indexed block.
    pub fn height(&self) -> Result<Option<u64>, IndexError> {
        self.meta(META_HEIGHT)
    }

    /// Transactions committed since genesis.
    pub fn committed_txs(&self) -> Result<u64, IndexError> {
        Ok(self.meta(META_TXS)?.unwrap_or(0))
    }

    fn meta(&self, key: &str) -> Result<Option<u64>, IndexError> {
        let read = self.db.begin_read().map_err(db_error)?;
        let meta = read.open_table(META).map_err(db_error)?;
        Ok(meta.get(key).map_err(db_error)?.map(|value| value.value()))
    }

    /// The header of the block at `height`.
    pub fn header(&self, height: u64) -> Result<Option<Header>, IndexError> {
        let read = self.db.begin_read().map_err(db_error)?;
        let headers = read.open_table(HEADERS).map_err(db_error)?;
        let Some(bytes) = headers.get(height).map_err(db_error)? else {
            return Ok(None);
        };
        Header::decode_cfg(Copying(bytes.value()), &())
            .map(Some)
            .map_err(|error| corrupt("headers", error))
    }

    /// The height of the block with id `hash`.
    pub fn height_of(&self, hash: &Hash) -> Result<Option<u64>, IndexError> {
        let read = self.db.begin_read().map_err(db_error)?;
        let heights = read.open_table(BLOCK_HEIGHTS).map_err(db_error)?;
        Ok(heights
            .get(hash_key(hash))
            .map_err(db_error)?
            .map(|value| value.value()))
    }

    /// The block at `height` with its receipts.
    pub fn block(&self, height: u64) -> Result<Option<IndexedBlock>, IndexError> {
        let Some(header) = self.header(height)? else {
            return Ok(None);
        };
        let read = self.db.begin_read().map_err(db_error)?;
        let table = read.open_table(TXS).map_err(db_error)?;
        let mut txs = Vec::with_capacity(header.tx_count as usize);
        let mut receipts = Vec::with_capacity(header.tx_count as usize);
        for row in table
            .range((height, 0)..=(height, u32::MAX))
            .map_err(db_error)?
        {
            let (_, value) = row.map_err(db_error)?;
            let (tx, receipt) = decode_tx_row(value.value())?;
            txs.push(tx);
            receipts.push(receipt);
        }
        let block = Block::new(header.clone(), txs);
        if block.header() != &header {
            return Err(corrupt(
                "txs",
                format!("transactions of block {height} do not match its header"),
            ));
        }
        Ok(Some(IndexedBlock { block, receipts }))
    }

    /// A committed transaction by id.
    pub fn tx(&self, hash: &Hash) -> Result<Option<IndexedTx>, IndexError> {
        let read = self.db.begin_read().map_err(db_error)?;
        let locations = read.open_table(TX_LOCATIONS).map_err(db_error)?;
        let Some(location) = locations.get(hash_key(hash)).map_err(db_error)? else {
            return Ok(None);
        };
        let (height, index) = location.value();
        let txs = read.open_table(TXS).map_err(db_error)?;
        let Some(row) = txs.get((height, index)).map_err(db_error)? else {
            return Err(corrupt(
                "tx_locations",
                format!("{hash} points at a missing row"),
            ));
        };
        let (tx, receipt) = decode_tx_row(row.value())?;
        Ok(Some(IndexedTx {
            tx,
            height,
            index,
            receipt,
        }))
    }

    /// Committed transactions of `sender` from nonce `from_nonce` on, ascending, at most `limit`.
    pub fn txs_by_sender(
        &self,
        sender: &Address,
        from_nonce: u64,
        limit: usize,
    ) -> Result<Vec<IndexedTx>, IndexError> {
        let read = self.db.begin_read().map_err(db_error)?;
        let senders = read.open_table(SENDER_TXS).map_err(db_error)?;
        let txs = read.open_table(TXS).map_err(db_error)?;
        let key: &[u8; 32] = sender.as_bytes().try_into().expect("32-byte key");
        let mut found = Vec::new();
        for row in senders
            .range((key, from_nonce)..=(key, u64::MAX))
            .map_err(db_error)?
            .take(limit)
        {
            let (_, location) = row.map_err(db_error)?;
            let (height, index) = location.value();
            let Some(row) = txs.get((height, index)).map_err(db_error)? else {
                return Err(corrupt("sender_txs", "points at a missing row"));
            };
            let (tx, receipt) = decode_tx_row(row.value())?;
            found.push(IndexedTx {
                tx,
                height,
                index,
                receipt,
            });
        }
        Ok(found)
    }
}

fn decode_tx_row(bytes: &[u8]) -> Result<(SignedTransaction, Receipt), IndexError> {
    let mut buf = Copying(bytes);
    let tx = SignedTransaction::read(&mut buf).map_err(|error| corrupt("txs", error))?;
    let receipt = Receipt::read(&mut buf).map_err(|error| corrupt("txs", error))?;
    if buf.remaining() != 0 {
        return Err(corrupt("txs", "trailing bytes"));
    }
    Ok((tx, receipt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{ModuleId, Outcome, SecretKey, Transaction, ZERO_HASH};

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

    #[test]
    fn blocks_and_transactions_are_found_by_height_hash_and_sender() {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = Index::open(&dir.path().join("index.redb")).expect("open");
        for height in 0..3 {
            let (block, receipts) = block(height, height);
            index.put_block(&block, &receipts).expect("put");
        }
        assert_eq!(index.height().expect("read"), Some(2));
        assert_eq!(index.committed_txs().expect("read"), 3);
        let (expected, receipts) = block(2, 2);
        let found = index.block(2).expect("read").expect("present");
        assert_eq!(found.block, expected);
        assert_eq!(found.receipts, receipts);
        assert_eq!(index.height_of(&expected.hash()).expect("read"), Some(2));
        let tx = index
            .tx(&expected.txs()[1].hash())
            .expect("read")
            .expect("present");
        assert_eq!((tx.height, tx.index), (2, 1));
        let sender = SecretKey::from_seed(1).address();
        let by_sender = index.txs_by_sender(&sender, 150, 10).expect("read");
        assert_eq!(
            by_sender
                .iter()
                .map(|tx| tx.tx.tx().nonce)
                .collect::<Vec<_>>(),
            vec![200, 201]
        );
        assert!(index.block(3).expect("read").is_none());
    }

    #[test]
    fn rewriting_a_block_is_harmless_and_gaps_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("index.redb");
        let index = Index::open(&path).expect("open");
        let (genesis, receipts) = block(0, 0);
        index.put_block(&genesis, &receipts).expect("put");
        let (one, receipts) = block(1, 2);
        index.put_block(&one, &receipts).expect("put");
        index.put_block(&one, &receipts).expect("again");
        assert_eq!(index.committed_txs().expect("read"), 2);
        let (three, receipts) = block(3, 1);
        assert!(matches!(
            index.put_block(&three, &receipts),
            Err(IndexError::OutOfOrder { got: 3, indexed: 1 })
        ));
        drop(index);
        let index = Index::open(&path).expect("reopen");
        assert_eq!(index.height().expect("read"), Some(1));
        let (two, mut receipts) = block(2, 2);
        receipts.pop();
        assert!(matches!(
            index.put_block(&two, &receipts),
            Err(IndexError::ReceiptCount { .. })
        ));
    }
}
