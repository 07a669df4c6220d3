//! The chain's block as the consensus engine sees it.

use ailedger_core::{Address, Block, BlockLimits, Hash, Header};
use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, Write};
use commonware_consensus::{
    Block as ConsensusBlock, BoundedBlock, CertifiableBlock, Heightable,
    simplex::types::Context,
    types::{Epoch, Height, Round, View},
};
use commonware_cryptography::{Digestible, ed25519};

/// The simplex consensus context of a block: round, leader and parent.
pub type BlockContext = Context<Hash, ed25519::PublicKey>;

/// A [`Block`] that the consensus engine can order: its id commits to the consensus context
/// (epoch, view, leader, parent view), which the header carries.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChainBlock(pub Block);

impl ChainBlock {
    /// The header.
    pub fn header(&self) -> &Header {
        self.0.header()
    }

    /// The genesis block. It carries no transactions; its `receipts_root` is the hash of the
    /// genesis document, so that nodes started from different documents never agree on a block.
    pub fn genesis(
        genesis_hash: Hash,
        genesis_time_ms: u64,
        proposer: Address,
        ops_root: Hash,
        ops_floor: u64,
        ops_size: u64,
    ) -> Self {
        let header = Header {
            height: 0,
            parent: ailedger_core::ZERO_HASH,
            timestamp_ms: genesis_time_ms,
            proposer,
            epoch: 0,
            view: 0,
            parent_view: 0,
            tx_count: 0,
            txs_root: ailedger_core::ZERO_HASH,
            gas_used: 0,
            receipts_root: genesis_hash,
            state_root: ailedger_core::ZERO_HASH,
            ops_root,
            ops_floor,
            ops_size,
            next_validators: ailedger_core::ZERO_HASH,
        };
        Self(Block::new(header, Vec::new()))
    }

    /// The header fields that mirror a consensus context.
    pub fn context_fields(context: &BlockContext) -> (u64, u64, u64, Address) {
        (
            context.round.epoch().get(),
            context.round.view().get(),
            context.parent.0.get(),
            Address::from(context.leader.clone()),
        )
    }
}

impl Write for ChainBlock {
    fn write(&self, buf: &mut impl BufMut) {
        self.0.write(buf);
    }
}

impl EncodeSize for ChainBlock {
    fn encode_size(&self) -> usize {
        self.0.encode_size()
    }
}

impl Read for ChainBlock {
    type Cfg = BlockLimits;

    fn read_cfg(buf: &mut impl Buf, limits: &BlockLimits) -> Result<Self, Error> {
        Block::read_cfg(buf, limits).map(Self)
    }
}

impl Digestible for ChainBlock {
    type Digest = Hash;

    fn digest(&self) -> Hash {
        self.0.hash()
    }
}

impl Heightable for ChainBlock {
    fn height(&self) -> Height {
        Height::new(self.0.height())
    }
}

impl ConsensusBlock for ChainBlock {
    fn parent(&self) -> Hash {
        self.0.header().parent
    }
}

impl CertifiableBlock for ChainBlock {
    type Context = BlockContext;

    fn context(&self) -> BlockContext {
        let header = self.0.header();
        Context {
            round: Round::new(Epoch::new(header.epoch), View::new(header.view)),
            leader: header.proposer.public_key().clone(),
            parent: (View::new(header.parent_view), header.parent),
        }
    }
}

impl BoundedBlock for ChainBlock {
    fn max_encode_size(limits: &BlockLimits) -> usize {
        limits.max_bytes
    }
}
