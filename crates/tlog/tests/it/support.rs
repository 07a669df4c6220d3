//! Shared helpers: a second tree implementation (`tlog_tiles`, the port of Go's
//! `x/mod/sumdb/tlog`) and fixed keys.

use ailedger_tlog::{Hash, LogKey};

/// The origin (and key name) of the logs under test.
pub(crate) const ORIGIN: &str = "ailedger.test/inference-log";

/// The log's key, from a fixed seed so failures reproduce.
pub(crate) fn key() -> LogKey {
    LogKey::from_seed(ORIGIN, [0x42; 32]).unwrap()
}

/// A key with the log's name but other key material: an impostor.
pub(crate) fn other_key() -> LogKey {
    LogKey::from_seed(ORIGIN, [0x17; 32]).unwrap()
}

/// The entry at `index` of the test logs.
pub(crate) fn entry(index: u64) -> Vec<u8> {
    format!("{{\"record\":{index},\"model\":\"m-1\"}}").into_bytes()
}

/// A tree kept the way Go's `tlog` package keeps it: every stored hash in one array,
/// appended by `tlog_tiles::stored_hashes`.
#[derive(Default)]
pub(crate) struct ReferenceTree {
    stored: Vec<tlog_tiles::Hash>,
    pub(crate) size: u64,
}

impl tlog_tiles::HashReader for ReferenceTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&index| {
                self.stored
                    .get(index as usize)
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

impl ReferenceTree {
    pub(crate) fn push(&mut self, entry: &[u8]) {
        let new = tlog_tiles::stored_hashes(self.size, entry, self).unwrap();
        self.stored.extend(new);
        self.size += 1;
    }

    pub(crate) fn root(&self, size: u64) -> Hash {
        Hash(tlog_tiles::tree_hash(size, self).unwrap().0)
    }
}

pub(crate) fn to_reference(hashes: &[Hash]) -> Vec<tlog_tiles::Hash> {
    hashes.iter().map(|hash| tlog_tiles::Hash(hash.0)).collect()
}

pub(crate) fn from_reference(hashes: &[tlog_tiles::Hash]) -> Vec<Hash> {
    hashes.iter().map(|hash| Hash(hash.0)).collect()
}
