//! The state database type and its configuration.

use ailedger_core::Hash;
use commonware_cryptography::Sha256;
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_storage::{
    journal::contiguous::variable::Config as JournalConfig,
    mmr::{self, full::Config as MerkleConfig},
    qmdb::current::{VariableConfig, ordered::variable},
    translator::FourCap,
};
use commonware_utils::{NZU64, NZUsize};

/// Largest state value, in bytes.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// Bytes per chunk of the activity bitmap that `current` databases graft onto their Merkle tree.
pub(crate) const BITMAP_CHUNK: usize = 32;

/// The chain state: QMDB `current`, ordered keys (so absence is provable), variable values.
///
/// The in-memory index keeps the first four bytes of each key (keys are SHA-256 outputs, so
/// uniform): with two bytes, 65,536 buckets held a dozen keys each at a million keys, and every
/// lookup read that many log entries from disk to tell them apart; four bytes keep buckets
/// near one key up to hundreds of millions. The index is rebuilt from the log on open, so the
/// choice does not change what is on disk or any state root.
pub type StateDb<E> =
    variable::Db<mmr::Family, E, Hash, Vec<u8>, Sha256, FourCap, BITMAP_CHUNK, Sequential>;

/// The configuration of a [`StateDb`].
pub type StateDbConfig =
    VariableConfig<FourCap, ((), (commonware_codec::RangeCfg<usize>, ())), Sequential>;

/// The configuration of the state database, with its partitions named after `prefix`.
pub fn state_db_config(prefix: &str, page_cache: CacheRef) -> StateDbConfig {
    let buffer = NZUsize!(1 << 16);
    VariableConfig {
        merkle_config: MerkleConfig {
            journal_partition: format!("{prefix}-state-mmr-journal"),
            metadata_partition: format!("{prefix}-state-mmr-metadata"),
            items_per_blob: NZU64!(1 << 16),
            write_buffer: buffer,
            replay_buffer: buffer,
            strategy: Sequential,
            page_cache: page_cache.clone(),
        },
        journal_config: JournalConfig {
            partition: format!("{prefix}-state-log"),
            items_per_section: NZU64!(1 << 14),
            compression: None,
            codec_config: ((), ((0..=MAX_VALUE_LEN).into(), ())),
            page_cache,
            write_buffer: buffer,
            replay_buffer: buffer,
        },
        grafted_metadata_partition: format!("{prefix}-state-grafted-metadata"),
        translator: FourCap,
        init_cache: Some(NZUsize!(1 << 16)),
        init_buffer: NZUsize!(1 << 21),
        init_concurrency: (),
    }
}
