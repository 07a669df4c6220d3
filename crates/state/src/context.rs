//! What execution may know about its surroundings.

use ailedger_core::{Address, Hash};

/// The block being executed. The only source of "now" for the state machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockContext {
    /// The chain id every transaction must carry.
    pub chain_id: String,
    /// Height of the block.
    pub height: u64,
    /// Block time, milliseconds since the Unix epoch, set by the proposer.
    pub timestamp_ms: u64,
    /// The proposer, who receives the block's fees.
    pub proposer: Address,
    /// Id of the parent block.
    pub parent: Hash,
}

/// The transaction being executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxContext<'a> {
    /// The block.
    pub block: &'a BlockContext,
    /// The signer.
    pub sender: &'a Address,
    /// The transaction id.
    pub tx_hash: Hash,
    /// Position of the transaction in its block.
    pub index: u32,
}
