//! The derived files' sync point and the batch index.
//!
//! `synced` records a tree size up to which the tile-level files and `batches.index` were
//! synced, and where the journal continues after it. Recovery trusts the derived files up to
//! that point and replays the journal from there, so recovery time is bounded by how often
//! this file is rewritten, not by the log's size. It is replaced atomically (write, sync,
//! rename, sync the directory), so it is always either the old or the new state.
//!
//! `batches.index` has one 16-byte row per journal record, `(first index, journal offset)`,
//! big-endian, for finding an entry's record by binary search.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use crate::error::StorageError;
use crate::storage::tree::io_error;

const MAGIC: &[u8; 8] = b"TLOGSYNC";
const LEN: usize = 8 + 4 * 8 + 8;

/// A state of the derived files that is on disk for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SyncPoint {
    /// Tree size covered.
    pub(crate) size: u64,
    /// Journal offset of the first record after it.
    pub(crate) journal_offset: u64,
    /// Rows of `batches.index` covered.
    pub(crate) n_batches: u64,
    /// Journal offset of the record that signed `size` (meaningless when `n_batches` is 0).
    pub(crate) last_record: u64,
}

impl SyncPoint {
    fn encode(&self) -> [u8; LEN] {
        let mut bytes = [0u8; LEN];
        bytes[..8].copy_from_slice(MAGIC);
        for (position, value) in [
            self.size,
            self.journal_offset,
            self.n_batches,
            self.last_record,
        ]
        .into_iter()
        .enumerate()
        {
            bytes[8 + position * 8..16 + position * 8].copy_from_slice(&value.to_be_bytes());
        }
        let digest = Sha256::digest(&bytes[..40]);
        bytes[40..].copy_from_slice(&digest[..8]);
        bytes
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != LEN
            || &bytes[..8] != MAGIC
            || Sha256::digest(&bytes[..40])[..8] != bytes[40..]
        {
            return None;
        }
        let at = |position: usize| {
            u64::from_be_bytes(
                bytes[8 + position * 8..16 + position * 8]
                    .try_into()
                    .unwrap_or_default(),
            )
        };
        Some(Self {
            size: at(0),
            journal_offset: at(1),
            n_batches: at(2),
            last_record: at(3),
        })
    }
}

/// The sync point file's path.
pub(crate) fn path(dir: &Path) -> PathBuf {
    dir.join("synced")
}

/// Reads the sync point; `None` if absent or unreadable (then everything is rebuilt).
pub(crate) fn read(dir: &Path) -> Option<SyncPoint> {
    SyncPoint::decode(&std::fs::read(path(dir)).ok()?)
}

/// Syncs the derived files, then records `point` atomically.
pub(crate) fn write(
    dir: &Path,
    files: &[(PathBuf, Arc<File>)],
    point: SyncPoint,
) -> Result<(), StorageError> {
    for (path, file) in files {
        file.sync_data().map_err(io_error("syncing", path))?;
    }
    let final_path = path(dir);
    let temporary = dir.join("synced.tmp");
    let mut file = File::create(&temporary).map_err(io_error("creating", &temporary))?;
    file.write_all(&point.encode())
        .map_err(io_error("writing", &temporary))?;
    file.sync_all().map_err(io_error("syncing", &temporary))?;
    std::fs::rename(&temporary, &final_path).map_err(io_error("renaming", &temporary))?;
    sync_dir(dir)
}

/// Makes a directory's entries (created, renamed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(io_error("syncing directory", dir))
}

/// `batches.index`.
#[derive(Debug)]
pub(crate) struct BatchIndex {
    pub(crate) path: PathBuf,
    pub(crate) file: Arc<File>,
    pub(crate) len: u64,
}

const ROW: u64 = 16;

impl BatchIndex {
    /// Opens the index cut back to `n_batches` rows; `None` if it has fewer.
    pub(crate) fn open(dir: &Path, n_batches: u64) -> Result<Option<Self>, StorageError> {
        let path = dir.join("batches.index");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error("opening", &path))?;
        let rows = file
            .metadata()
            .map_err(io_error("reading metadata of", &path))?
            .len()
            / ROW;
        if rows < n_batches {
            return Ok(None);
        }
        file.set_len(n_batches * ROW)
            .map_err(io_error("truncating", &path))?;
        Ok(Some(Self {
            path,
            file: Arc::new(file),
            len: n_batches,
        }))
    }

    /// Appends a row (not synced: rebuilt from the journal on recovery).
    pub(crate) fn push(
        &mut self,
        first_index: u64,
        journal_offset: u64,
    ) -> Result<(), StorageError> {
        let mut row = [0u8; ROW as usize];
        row[..8].copy_from_slice(&first_index.to_be_bytes());
        row[8..].copy_from_slice(&journal_offset.to_be_bytes());
        self.file
            .write_all_at(&row, self.len * ROW)
            .map_err(io_error("writing", &self.path))?;
        self.len += 1;
        Ok(())
    }

    /// Row `position`: `(first index, journal offset)`.
    pub(crate) fn row(&self, position: u64) -> Result<(u64, u64), StorageError> {
        let mut row = [0u8; ROW as usize];
        self.file
            .read_exact_at(&mut row, position * ROW)
            .map_err(io_error("reading", &self.path))?;
        let first = u64::from_be_bytes(row[..8].try_into().unwrap_or_default());
        let offset = u64::from_be_bytes(row[8..].try_into().unwrap_or_default());
        Ok((first, offset))
    }

    /// The position of the row of the batch holding entry `index`, among the first `n_rows`.
    pub(crate) fn find(&self, index: u64, n_rows: u64) -> Result<u64, StorageError> {
        let (mut lo, mut hi) = (0u64, n_rows);
        // Invariant: the batch is at a position in [lo, hi).
        while hi - lo > 1 {
            let middle = lo + (hi - lo) / 2;
            let (first, _) = self.row(middle)?;
            if first <= index {
                lo = middle;
            } else {
                hi = middle;
            }
        }
        Ok(lo)
    }
}
