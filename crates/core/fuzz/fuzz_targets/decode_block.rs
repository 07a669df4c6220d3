//! Decodes arbitrary bytes as a block under the default limits.
//!
//! Whatever decodes must be the only encoding of its value, and its header must commit to its
//! transactions.

#![no_main]

use ailedger_core::{Block, BlockLimits};
use commonware_codec::{Copying, Decode, Encode, EncodeSize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(block) = Block::decode_cfg(Copying(data), &BlockLimits::DEFAULT) else {
        return;
    };
    assert_eq!(block.encode_size(), data.len(), "encode_size disagrees");
    assert_eq!(
        block.encode().as_ref(),
        data,
        "decoded bytes do not re-encode"
    );
    assert_eq!(block.hash(), block.header().hash(), "cached id disagrees");
    assert_eq!(block.header().tx_count as usize, block.txs().len());
    assert_eq!(block.header().txs_root, Block::txs_root(block.txs()));
});
