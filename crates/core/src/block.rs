//! Blocks: a header that commits to everything, and the ordered transactions.

use crate::{Address, Hash, SignedTransaction, hash::sha256, merkle_root};
use bytes::BufMut;
use commonware_codec::Buf;
use commonware_codec::{Encode, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};
use commonware_cryptography::Digestible;
use std::fmt;

/// The header of a block. Its SHA-256 is the block id, so it commits to the transactions (through
/// `txs_root`), to what executing them did (`receipts_root`, `gas_used`) and to the state after
/// execution (`state_root` and the state-sync target `ops_root`, `ops_floor`, `ops_size`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Header {
    /// Height: the genesis block is 0, each block is its parent's height plus one.
    pub height: u64,
    /// Id of the parent block ([`crate::ZERO_HASH`] for genesis).
    pub parent: Hash,
    /// Proposer's clock when it built the block, in milliseconds since the Unix epoch. Never
    /// earlier than the parent's.
    pub timestamp_ms: u64,
    /// The validator that proposed the block (the consensus leader of its round).
    pub proposer: Address,
    /// Consensus epoch of the round that proposed the block.
    pub epoch: u64,
    /// Consensus view of the round that proposed the block.
    pub view: u64,
    /// Consensus view of the parent block.
    pub parent_view: u64,
    /// Number of transactions.
    pub tx_count: u32,
    /// RFC 6962 Merkle root over the leaf hashes of the signed transactions' encodings.
    pub txs_root: Hash,
    /// Total gas used by the transactions.
    pub gas_used: u64,
    /// RFC 6962 Merkle root over the leaf hashes of the receipts' encodings, in transaction order.
    pub receipts_root: Hash,
    /// Root of the authenticated state after executing the block: every state value can be
    /// proven against it.
    pub state_root: Hash,
    /// Root of the state's operation log after the block (what state sync verifies against).
    pub ops_root: Hash,
    /// First operation a syncing node must fetch.
    pub ops_floor: u64,
    /// Number of operations in the state's log after the block.
    pub ops_size: u64,
    /// At the last block of an epoch, SHA-256 of the next epoch's validator set as the state
    /// machine stored it (the staking module's encoding); [`crate::ZERO_HASH`] in every other
    /// block. A light client that trusts this block's signers learns the next signers from it.
    pub next_validators: Hash,
}

impl Header {
    /// The block id: SHA-256 of the header's encoding.
    pub fn hash(&self) -> Hash {
        sha256(&[&self.encode()])
    }
}

impl Write for Header {
    fn write(&self, buf: &mut impl BufMut) {
        self.height.write(buf);
        self.parent.write(buf);
        self.timestamp_ms.write(buf);
        self.proposer.write(buf);
        self.epoch.write(buf);
        self.view.write(buf);
        self.parent_view.write(buf);
        self.tx_count.write(buf);
        self.txs_root.write(buf);
        self.gas_used.write(buf);
        self.receipts_root.write(buf);
        self.state_root.write(buf);
        self.ops_root.write(buf);
        self.ops_floor.write(buf);
        self.ops_size.write(buf);
        self.next_validators.write(buf);
    }
}

impl FixedSize for Header {
    const SIZE: usize = 8 * u64::SIZE + u32::SIZE + 6 * Hash::SIZE + Address::SIZE;
}

impl Read for Header {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            height: u64::read(buf)?,
            parent: Hash::read(buf)?,
            timestamp_ms: u64::read(buf)?,
            proposer: Address::read(buf)?,
            epoch: u64::read(buf)?,
            view: u64::read(buf)?,
            parent_view: u64::read(buf)?,
            tx_count: u32::read(buf)?,
            txs_root: Hash::read(buf)?,
            gas_used: u64::read(buf)?,
            receipts_root: Hash::read(buf)?,
            state_root: Hash::read(buf)?,
            ops_root: Hash::read(buf)?,
            ops_floor: u64::read(buf)?,
            ops_size: u64::read(buf)?,
            next_validators: Hash::read(buf)?,
        })
    }
}

/// How large a block may be. Part of the protocol: every node must use the same limits.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BlockLimits {
    /// Most transactions in one block.
    pub max_txs: usize,
    /// Most bytes of one encoded block.
    pub max_bytes: usize,
}

impl BlockLimits {
    /// The limits of every ailedger chain today.
    pub const DEFAULT: Self = Self {
        max_txs: 50_000,
        max_bytes: 24 * 1024 * 1024,
    };
}

impl Default for BlockLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A block: header and transactions. The id is cached.
#[derive(Clone, PartialEq, Eq)]
pub struct Block {
    header: Header,
    txs: Vec<SignedTransaction>,
    hash: Hash,
}

impl Block {
    /// Builds a block. The header's `tx_count` and `txs_root` are set from `txs`.
    pub fn new(mut header: Header, txs: Vec<SignedTransaction>) -> Self {
        header.tx_count = u32::try_from(txs.len()).unwrap_or(u32::MAX);
        header.txs_root = Self::txs_root(&txs);
        let hash = header.hash();
        Self { header, txs, hash }
    }

    /// The RFC 6962 root over the signed transactions.
    pub fn txs_root(txs: &[SignedTransaction]) -> Hash {
        let leaves: Vec<Hash> = txs.iter().map(SignedTransaction::leaf_hash).collect();
        merkle_root(&leaves)
    }

    /// The block id (SHA-256 of the header).
    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The height.
    pub fn height(&self) -> u64 {
        self.header.height
    }

    /// The transactions, in execution order.
    pub fn txs(&self) -> &[SignedTransaction] {
        &self.txs
    }
}

impl fmt::Debug for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Block")
            .field("hash", &self.hash)
            .field("height", &self.header.height)
            .field("txs", &self.txs.len())
            .finish_non_exhaustive()
    }
}

impl Write for Block {
    fn write(&self, buf: &mut impl BufMut) {
        self.header.write(buf);
        self.txs.write(buf);
    }
}

impl EncodeSize for Block {
    fn encode_size(&self) -> usize {
        Header::SIZE + self.txs.encode_size()
    }
}

impl Read for Block {
    type Cfg = BlockLimits;

    fn read_cfg(buf: &mut impl Buf, limits: &BlockLimits) -> Result<Self, Error> {
        if buf.remaining() > limits.max_bytes {
            return Err(Error::Invalid("Block", "larger than the block size limit"));
        }
        let header = Header::read(buf)?;
        let txs =
            Vec::<SignedTransaction>::read_cfg(buf, &(RangeCfg::new(0..=limits.max_txs), ()))?;
        if usize::try_from(header.tx_count) != Ok(txs.len()) {
            return Err(Error::Invalid(
                "Block",
                "tx_count does not match the transactions",
            ));
        }
        if Self::txs_root(&txs) != header.txs_root {
            return Err(Error::Invalid(
                "Block",
                "txs_root does not match the transactions",
            ));
        }
        let hash = header.hash();
        Ok(Self { header, txs, hash })
    }
}

impl Digestible for Block {
    type Digest = Hash;

    fn digest(&self) -> Hash {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ModuleId, SecretKey, Transaction, ZERO_HASH,
        tx::tests::{arb_address, arb_mutation, arb_signed_transaction, check_canonical},
    };
    use commonware_codec::{Copying, Decode};
    use proptest::{collection::vec, prelude::*, sample::Index};

    pub(crate) fn header(height: u64) -> Header {
        Header {
            height,
            parent: ZERO_HASH,
            timestamp_ms: 1_700_000_000_000,
            proposer: SecretKey::from_seed(0).address(),
            epoch: 0,
            view: height,
            parent_view: height.saturating_sub(1),
            tx_count: 0,
            txs_root: ZERO_HASH,
            gas_used: 0,
            receipts_root: ZERO_HASH,
            state_root: ZERO_HASH,
            ops_root: ZERO_HASH,
            ops_floor: 0,
            ops_size: 1,
            next_validators: ZERO_HASH,
        }
    }

    fn txs(n: u64) -> Vec<SignedTransaction> {
        let key = SecretKey::from_seed(9);
        (0..n)
            .map(|nonce| {
                Transaction::new("c", key.address(), nonce, 1, 1, ModuleId::new(1), vec![1])
                    .expect("valid")
                    .sign(&key)
            })
            .collect()
    }

    #[test]
    fn block_round_trips_and_id_commits_to_transactions() {
        let block = Block::new(header(3), txs(5));
        let bytes = block.encode();
        assert_eq!(bytes.len(), block.encode_size());
        let decoded = Block::decode_cfg(bytes, &BlockLimits::DEFAULT).expect("decodes");
        assert_eq!(decoded, block);
        assert_ne!(Block::new(header(3), txs(4)).hash(), block.hash());
    }

    #[test]
    fn header_size_is_fixed() {
        assert_eq!(header(1).encode().len(), Header::SIZE);
    }

    #[test]
    fn block_with_swapped_transactions_is_rejected() {
        let block = Block::new(header(3), txs(2));
        let mut forged = block;
        forged.txs.swap(0, 1);
        let error = Block::decode_cfg(forged.encode(), &BlockLimits::DEFAULT).expect_err("forged");
        assert!(error.to_string().contains("txs_root"), "{error}");
    }

    #[test]
    fn block_over_the_limits_is_rejected() {
        let block = Block::new(header(3), txs(3));
        let limits = BlockLimits {
            max_txs: 2,
            max_bytes: 1 << 20,
        };
        assert!(Block::decode_cfg(block.encode(), &limits).is_err());
        let limits = BlockLimits {
            max_txs: 10,
            max_bytes: 100,
        };
        assert!(Block::decode_cfg(block.encode(), &limits).is_err());
    }

    fn arb_hash() -> impl Strategy<Value = Hash> {
        any::<[u8; 32]>().prop_map(commonware_cryptography::sha256::Digest)
    }

    /// A header with every field arbitrary (its `tx_count` and `txs_root` need not match any
    /// transactions: the header alone has no such rule).
    fn arb_header() -> impl Strategy<Value = Header> {
        (
            (any::<u64>(), arb_hash(), any::<u64>(), arb_address()),
            (
                any::<u64>(),
                any::<u64>(),
                any::<u64>(),
                any::<u32>(),
                arb_hash(),
            ),
            (
                any::<u64>(),
                arb_hash(),
                arb_hash(),
                arb_hash(),
                any::<u64>(),
                any::<u64>(),
            ),
            arb_hash(),
        )
            .prop_map(
                |(
                    (height, parent, timestamp_ms, proposer),
                    (epoch, view, parent_view, tx_count, txs_root),
                    (gas_used, receipts_root, state_root, ops_root, ops_floor, ops_size),
                    next_validators,
                )| Header {
                    height,
                    parent,
                    timestamp_ms,
                    proposer,
                    epoch,
                    view,
                    parent_view,
                    tx_count,
                    txs_root,
                    gas_used,
                    receipts_root,
                    state_root,
                    ops_root,
                    ops_floor,
                    ops_size,
                    next_validators,
                },
            )
    }

    fn arb_block() -> impl Strategy<Value = Block> {
        (arb_header(), vec(arb_signed_transaction(), 0..6))
            .prop_map(|(header, txs)| Block::new(header, txs))
    }

    /// Where `tx_count` and `txs_root` sit in an encoded header.
    const TX_COUNT_AT: usize = 8 + 32 + 8 + 32 + 3 * 8;
    const TXS_ROOT_AT: usize = TX_COUNT_AT + 4;

    fn decode_block(bytes: &[u8]) -> Result<Block, Error> {
        Block::decode_cfg(Copying(bytes), &BlockLimits::DEFAULT)
    }

    /// The encoding of a block whose header and transactions are given separately, bypassing
    /// `Block::new`, which would fix `tx_count` and `txs_root`.
    fn forge(header: &Header, txs: &[SignedTransaction]) -> Vec<u8> {
        let mut bytes = header.encode().to_vec();
        txs.to_vec().write(&mut bytes);
        bytes
    }

    #[test]
    fn header_fields_sit_at_the_documented_offsets() {
        let mut header = header(1);
        header.tx_count = 0x0102_0304;
        header.txs_root = commonware_cryptography::sha256::Digest([0xee; 32]);
        let bytes = header.encode();
        assert_eq!(&bytes[TX_COUNT_AT..TXS_ROOT_AT], &[1, 2, 3, 4]);
        assert_eq!(&bytes[TXS_ROOT_AT..TXS_ROOT_AT + 32], &[0xee; 32]);
    }

    #[test]
    fn block_whose_tx_count_is_written_as_non_minimal_varint_is_rejected() {
        let block = Block::new(header(3), txs(2));
        let bytes = block.encode().to_vec();
        assert_eq!(bytes[Header::SIZE], 2);
        let mut padded = bytes[..Header::SIZE].to_vec();
        padded.extend_from_slice(&[0x82, 0x00]);
        padded.extend_from_slice(&bytes[Header::SIZE + 1..]);
        assert!(matches!(
            decode_block(&padded),
            Err(Error::InvalidVarint(_))
        ));
    }

    #[test]
    fn block_with_a_transaction_replaced_is_rejected() {
        let block = Block::new(header(3), txs(3));
        let mut replaced = block.txs().to_vec();
        replaced[1] = txs(5).remove(4);
        let error = decode_block(&forge(block.header(), &replaced)).expect_err("forged");
        assert!(
            matches!(
                error,
                Error::Invalid("Block", "txs_root does not match the transactions")
            ),
            "{error}"
        );
    }

    #[test]
    fn empty_block_commits_to_the_empty_tree() {
        let block = Block::new(header(1), Vec::new());
        assert_eq!(block.header().tx_count, 0);
        assert_eq!(block.header().txs_root, merkle_root(&[]));
        assert_eq!(block.encode().len(), Header::SIZE + 1);
        assert_eq!(decode_block(&block.encode()).expect("decodes"), block);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn header_with_arbitrary_fields_round_trips(header in arb_header()) {
            let bytes = header.encode();
            prop_assert_eq!(bytes.len(), Header::SIZE);
            prop_assert_eq!(header.encode_size(), Header::SIZE);
            prop_assert_eq!(header.hash(), sha256(&[&bytes]));
            let decoded = Header::decode_cfg(bytes, &()).expect("round trip");
            prop_assert_eq!(decoded, header);
        }

        #[test]
        fn block_with_arbitrary_transactions_round_trips(block in arb_block()) {
            let bytes = block.encode();
            prop_assert_eq!(bytes.len(), block.encode_size());
            prop_assert_eq!(block.header().tx_count as usize, block.txs().len());
            let decoded = decode_block(&bytes).expect("round trip");
            prop_assert_eq!(decoded.hash(), block.header().hash());
            prop_assert_eq!(&decoded, &block);
            prop_assert_eq!(decoded.encode(), bytes);
        }

        #[test]
        fn block_whose_tx_count_disagrees_with_its_transactions_is_rejected(
            block in arb_block(),
            tx_count in any::<u32>(),
        ) {
            prop_assume!(tx_count as usize != block.txs().len());
            let mut bytes = block.encode().to_vec();
            bytes[TX_COUNT_AT..TXS_ROOT_AT].copy_from_slice(&tx_count.to_be_bytes());
            let result = decode_block(&bytes);
            prop_assert!(
                matches!(
                    result,
                    Err(Error::Invalid("Block", "tx_count does not match the transactions"))
                ),
                "{:?}",
                result
            );
        }

        #[test]
        fn block_whose_txs_root_disagrees_with_its_transactions_is_rejected(
            block in arb_block(),
            txs_root in arb_hash(),
        ) {
            prop_assume!(txs_root != block.header().txs_root);
            let mut bytes = block.encode().to_vec();
            bytes[TXS_ROOT_AT..TXS_ROOT_AT + 32].copy_from_slice(txs_root.as_ref());
            let result = decode_block(&bytes);
            prop_assert!(
                matches!(
                    result,
                    Err(Error::Invalid("Block", "txs_root does not match the transactions"))
                ),
                "{:?}",
                result
            );
        }

        #[test]
        fn block_with_transactions_dropped_or_reordered_is_rejected(
            block in arb_block(),
            keep in vec(any::<Index>(), 0..6),
        ) {
            let chosen: Vec<SignedTransaction> = if block.txs().is_empty() {
                Vec::new()
            } else {
                keep.iter().map(|index| index.get(block.txs()).clone()).collect()
            };
            prop_assume!(chosen != block.txs());
            let mut header = block.header().clone();
            header.tx_count = u32::try_from(chosen.len()).expect("few transactions");
            let result = decode_block(&forge(&header, &chosen));
            prop_assert!(
                matches!(
                    result,
                    Err(Error::Invalid("Block", "txs_root does not match the transactions"))
                ),
                "{:?}",
                result
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn mutated_block_that_decodes_re_encodes_to_the_same_bytes(
            block in arb_block(),
            mutation in arb_mutation(),
        ) {
            let mutated = mutation.apply(&block.encode());
            let decoded = check_canonical::<Block>(&mutated, &BlockLimits::DEFAULT)?;
            if mutation.must_be_rejected() {
                prop_assert!(!decoded, "{:?} of a valid encoding decoded", mutation);
            }
        }

        #[test]
        fn mutated_header_that_decodes_re_encodes_to_the_same_bytes(
            header in arb_header(),
            mutation in arb_mutation(),
        ) {
            let mutated = mutation.apply(&header.encode());
            let decoded = check_canonical::<Header>(&mutated, &())?;
            if mutation.must_be_rejected() {
                prop_assert!(!decoded, "{:?} of a valid encoding decoded", mutation);
            }
        }
    }
}
