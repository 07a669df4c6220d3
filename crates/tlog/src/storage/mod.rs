//! The durable log: a directory of files, recovered on open.
//!
//! | file | content | synced |
//! |---|---|---|
//! | `journal` | every batch: its entries and its signed checkpoint | per batch, before its receipts |
//! | `tiles/<L>.hashes` | tree hashes at level `8 * L`, 32 bytes each, in order | periodically |
//! | `batches.index` | `(first index, journal offset)` per batch | periodically |
//! | `synced` | how far the two above are synced | atomically replaced |
//!
//! The journal starts with `ailedger-tlog journal v1`, the origin and the verifier key, one per
//! line, and a blank line. Each record is a 36-byte header (`TLOG`, first index `u64`, entry
//! count `u32`, entry bytes `u64`, note bytes `u32`, 8 bytes of SHA-256 over the rest of the
//! header; big-endian), the entries in entry-bundle encoding (`u16` length, bytes), and the
//! batch's signed checkpoint. A record is whole when its header checks, its entries parse and
//! the tree with them appended has its checkpoint's root: the Merkle tree checks the entries.
//! Tile `(L, N)` of width `W` is bytes `[N * 8192, N * 8192 + W * 32)` of `tiles/<L>.hashes`.
//!
//! Per entry this costs its bytes plus 2 (length) in the journal, 32 for its leaf hash and
//! about 0.13 for the tile levels above, plus per batch 36 bytes of header, a checkpoint
//! (about 200 bytes) and 16 bytes of index.
//!
//! Opening a log cuts the derived files back to the sync point, replays the journal records
//! after it (checking that each record's checkpoint matches the tree rebuilt from its
//! entries), cuts off a torn last record, and checks the last checkpoint's signature.

pub(crate) mod journal;
mod synced;
pub(crate) mod tree;

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::checkpoint::SignedCheckpoint;
use crate::error::{ProveError, StorageError};
use crate::hash::{Hash, leaf_hash};
use crate::merkle::Frontier;
use crate::note::{LogKey, LogVerifier};
use crate::proof::{ConsistencyProof, InclusionProof};
use crate::receipt::Receipt;
use crate::tiles::{
    MAX_ENTRY_LEN, TILE_HEIGHT, TILE_WIDTH, TileId, parse_bundle, push_bundle_entry,
};

use self::journal::{JournalReader, ReadOutcome, Record};
use self::synced::{BatchIndex, SyncPoint};
use self::tree::{StoredTree, io_error};

pub use self::tree::{MAX_BATCH_ENTRIES, TileReader};

/// Limits and tuning of a [`Log`].
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// Largest entry accepted, at most 65,535 (entry bundles store `u16` lengths).
    pub max_entry_len: usize,
    /// Most entries per append call and per batch, at most [`MAX_BATCH_ENTRIES`].
    pub max_batch_entries: usize,
    /// Most entry bytes per append call and per batch.
    pub max_batch_bytes: usize,
    /// Append calls that may wait for the committer before callers block.
    pub queue_len: usize,
    /// Sync the tile files (bounding replay on open) after this many entries...
    pub sync_tiles_every_entries: u64,
    /// ...or this many batches, whichever comes first.
    pub sync_tiles_every_batches: u64,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            max_entry_len: MAX_ENTRY_LEN,
            max_batch_entries: 16_384,
            max_batch_bytes: 16 << 20,
            queue_len: 4096,
            sync_tiles_every_entries: 1 << 20,
            sync_tiles_every_batches: 4096,
        }
    }
}

/// The latest durable state readers see.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    pub(crate) checkpoint: Arc<SignedCheckpoint>,
    pub(crate) n_batches: u64,
}

/// What the committer and readers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) dir: PathBuf,
    pub(crate) key: LogKey,
    pub(crate) verifier: LogVerifier,
    pub(crate) options: LogOptions,
    pub(crate) journal_path: PathBuf,
    pub(crate) journal: File,
    pub(crate) tree: RwLock<StoredTree>,
    pub(crate) batches: RwLock<BatchIndex>,
    pub(crate) published: RwLock<Published>,
    /// Where the next journal record goes (only the committer writes).
    pub(crate) journal_len: std::sync::atomic::AtomicU64,
    /// Set by the first failed write: appends stop until the log is reopened.
    pub(crate) poisoned: AtomicBool,
    /// Serialises sync-point writes (periodic and final).
    pub(crate) sync_lock: Mutex<()>,
}

/// What [`Log::open`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Entries in the log.
    pub size: u64,
    /// Journal records replayed after the sync point.
    pub replayed_batches: u64,
    /// Bytes of a torn last record that were cut off (never acknowledged).
    pub truncated_bytes: u64,
    /// Why the cut-off bytes were not a whole record.
    pub truncated_reason: Option<String>,
    /// Whether the tile files were rebuilt from the whole journal.
    pub rebuilt: bool,
}

/// What [`Log::audit`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// Entries re-hashed.
    pub entries: u64,
    /// Signed checkpoints checked (signature, origin, root of the tree at their size).
    pub checkpoints: u64,
}

pub(crate) fn read_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Opens or creates the log in `dir` and recovers it.
    pub(crate) fn open(
        dir: &Path,
        key: LogKey,
        options: LogOptions,
    ) -> Result<(Self, Recovery), StorageError> {
        std::fs::create_dir_all(dir).map_err(io_error("creating", dir))?;
        let verifier = key.verifier();
        let journal_path = journal::path(dir);
        let journal = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&journal_path)
            .map_err(io_error("opening", &journal_path))?;
        let journal_len = journal
            .metadata()
            .map_err(io_error("reading metadata of", &journal_path))?
            .len();
        if journal_len == 0 {
            journal
                .write_all_at(&journal::file_header(key.name(), &key.verifier_key()), 0)
                .map_err(io_error("writing", &journal_path))?;
            journal
                .sync_all()
                .map_err(io_error("syncing", &journal_path))?;
            synced::sync_dir(dir)?;
        }
        let (origin, verifier_key, header_len) =
            journal::read_file_header(&journal_path, &journal)?;
        if origin != key.name() || verifier_key != key.verifier_key() {
            return Err(StorageError::WrongLog {
                path: dir.to_owned(),
                expected: format!("{} {}", key.name(), key.verifier_key()),
                found: format!("{origin} {verifier_key}"),
            });
        }
        let start = SyncPoint {
            journal_offset: header_len,
            ..SyncPoint::default()
        };
        let point = synced::read(dir).unwrap_or(start);
        let (tree, batches, point, rebuilt) = match open_derived(dir, point) {
            Ok(Some((tree, batches))) if point.journal_offset <= journal_len => {
                (tree, batches, point, false)
            }
            _ => {
                // The derived files do not match their sync point: rebuild them all.
                let tiles = dir.join("tiles");
                if tiles.exists() {
                    std::fs::remove_dir_all(&tiles).map_err(io_error("removing", &tiles))?;
                }
                let (tree, batches) =
                    open_derived(dir, start)?.ok_or_else(|| StorageError::Corrupt {
                        path: dir.join("batches.index"),
                        offset: 0,
                        reason: "cannot be reset".to_owned(),
                    })?;
                (tree, batches, start, true)
            }
        };
        let shared = Self {
            dir: dir.to_owned(),
            verifier,
            options,
            journal_path,
            journal,
            tree: RwLock::new(tree),
            batches: RwLock::new(batches),
            published: RwLock::new(Published {
                checkpoint: Arc::new(empty_checkpoint(&key, dir)?),
                n_batches: 0,
            }),
            key,
            journal_len: std::sync::atomic::AtomicU64::new(0),
            poisoned: AtomicBool::new(false),
            sync_lock: Mutex::new(()),
        };
        let mut recovery = shared.replay(point)?;
        recovery.rebuilt = rebuilt;
        Ok((shared, recovery))
    }

    /// Loads the checkpoint at the sync point and replays the journal after it.
    fn replay(&self, point: SyncPoint) -> Result<Recovery, StorageError> {
        let journal_len = self
            .journal
            .metadata()
            .map_err(io_error("reading metadata of", &self.journal_path))?
            .len();
        let mut reader = JournalReader {
            path: &self.journal_path,
            file: &self.journal,
            offset: point.journal_offset,
            file_len: journal_len,
        };
        let mut tree = write_lock(&self.tree);
        let mut batches = write_lock(&self.batches);
        let mut latest = None;
        if point.n_batches > 0 {
            let record = self.record_at(point.last_record)?;
            let checkpoint = SignedCheckpoint::parse_unverified(&record.note)
                .map_err(|error| self.corrupt(point.last_record, &error.to_string()))?;
            if checkpoint.checkpoint().size() != tree.size()
                || *checkpoint.checkpoint().root() != tree.root()
            {
                return Err(self.corrupt(
                    point.last_record,
                    "the tile files do not match the checkpoint at the sync point",
                ));
            }
            latest = Some(checkpoint);
        }
        let mut replayed = 0u64;
        let mut truncated_bytes = 0u64;
        let mut truncated_reason = None;
        loop {
            let record_offset = reader.offset;
            let outcome = reader.next_record()?;
            let failure = match outcome {
                ReadOutcome::End => break,
                ReadOutcome::Invalid(reason) => reason,
                ReadOutcome::Record(record) => match self.check_record(&record, &tree) {
                    Ok((leaves, checkpoint)) => {
                        for leaf in leaves {
                            tree.push(leaf);
                        }
                        tree.flush()?;
                        tree.slide_window();
                        batches.push(record.header.first_index, record_offset)?;
                        latest = Some(checkpoint);
                        replayed += 1;
                        continue;
                    }
                    Err(reason) => {
                        // A whole record that fails, followed by a valid one, is damage in
                        // acknowledged data, not a torn write.
                        if reader.header_at(reader.offset)?.is_some() {
                            return Err(self.corrupt(record_offset, &reason));
                        }
                        reason
                    }
                },
            };
            // Only the last record can be torn: it was never synced, so never acknowledged.
            truncated_reason = Some(failure);
            truncated_bytes = journal_len - record_offset;
            self.journal
                .set_len(record_offset)
                .map_err(io_error("truncating", &self.journal_path))?;
            self.journal
                .sync_all()
                .map_err(io_error("syncing", &self.journal_path))?;
            break;
        }
        if let Some(checkpoint) = latest {
            checkpoint.verify(&self.verifier).map_err(|error| {
                self.corrupt(reader.offset, &format!("last checkpoint: {error}"))
            })?;
            let mut published = write_lock(&self.published);
            published.checkpoint = Arc::new(checkpoint);
            published.n_batches = batches.len;
        }
        self.journal_len.store(reader.offset, Ordering::Release);
        let size = tree.size();
        let files = tree.files();
        let n_batches = batches.len;
        let batch_file = (batches.path.clone(), batches.file.clone());
        drop(tree);
        drop(batches);
        if replayed > 0 {
            let mut files = files;
            files.push(batch_file);
            self.write_sync_point(&files, size, n_batches)?;
        }
        Ok(Recovery {
            size,
            replayed_batches: replayed,
            truncated_bytes,
            truncated_reason,
            rebuilt: false,
        })
    }

    /// Checks a journal record against the tree it extends; returns its leaf hashes and
    /// checkpoint, or why it is not a whole record.
    fn check_record(
        &self,
        record: &Record,
        tree: &StoredTree,
    ) -> Result<(Vec<Hash>, SignedCheckpoint), String> {
        if record.header.first_index != tree.size() {
            return Err(format!(
                "record starts at entry {}, the tree has {}",
                record.header.first_index,
                tree.size()
            ));
        }
        let entries = parse_bundle(&record.entries).ok_or("entries are truncated")?;
        if entries.len() != record.header.n_entries as usize {
            return Err(format!(
                "{} entries, the header says {}",
                entries.len(),
                record.header.n_entries
            ));
        }
        let leaves: Vec<Hash> = entries.iter().map(|entry| leaf_hash(entry)).collect();
        let checkpoint =
            SignedCheckpoint::parse_unverified(&record.note).map_err(|error| error.to_string())?;
        let mut frontier = tree_frontier(tree);
        for leaf in &leaves {
            frontier.push(*leaf);
        }
        let body = checkpoint.checkpoint();
        if body.origin() != self.key.name()
            || body.size() != frontier.size()
            || *body.root() != frontier.root()
        {
            return Err(format!("checkpoint {body} does not match the entries"));
        }
        Ok((leaves, checkpoint))
    }

    /// Appends a record to the journal and syncs it; returns the record's offset.
    pub(crate) fn append_journal(&self, record: &[u8]) -> Result<u64, StorageError> {
        let offset = self.journal_len.load(Ordering::Acquire);
        self.journal
            .write_all_at(record, offset)
            .map_err(io_error("writing", &self.journal_path))?;
        self.journal
            .sync_data()
            .map_err(io_error("syncing", &self.journal_path))?;
        self.journal_len
            .store(offset + record.len() as u64, Ordering::Release);
        Ok(offset)
    }

    pub(crate) fn corrupt(&self, offset: u64, reason: &str) -> StorageError {
        StorageError::Corrupt {
            path: self.journal_path.clone(),
            offset,
            reason: reason.to_owned(),
        }
    }

    /// Syncs the derived files and records the sync point for `size`.
    pub(crate) fn write_sync_point(
        &self,
        files: &[(PathBuf, Arc<File>)],
        size: u64,
        n_batches: u64,
    ) -> Result<(), StorageError> {
        let _guard = self
            .sync_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if n_batches == 0 {
            return Ok(());
        }
        let batches = read_lock(&self.batches);
        let (_, last_record) = batches.row(n_batches - 1)?;
        drop(batches);
        let last_len = JournalReader {
            path: &self.journal_path,
            file: &self.journal,
            offset: last_record,
            file_len: u64::MAX,
        }
        .header_at(last_record)?
        .ok_or_else(|| self.corrupt(last_record, "no record header at a batch index row"))?
        .record_len();
        synced::write(
            &self.dir,
            files,
            SyncPoint {
                size,
                journal_offset: last_record + last_len,
                n_batches,
                last_record,
            },
        )
    }

    /// The published size and checkpoint.
    pub(crate) fn published(&self) -> Published {
        read_lock(&self.published).clone()
    }

    /// Reads the record at `offset`.
    pub(crate) fn record_at(&self, offset: u64) -> Result<Box<Record>, StorageError> {
        let mut reader = JournalReader {
            path: &self.journal_path,
            file: &self.journal,
            offset,
            file_len: u64::MAX,
        };
        match reader.next_record()? {
            ReadOutcome::Record(record) => Ok(record),
            _ => Err(self.corrupt(offset, "no record at a batch index row")),
        }
    }

    /// Entries `[first, first + n)`, all below the published size.
    pub(crate) fn entries(
        &self,
        first: u64,
        n: u64,
        n_batches: u64,
    ) -> Result<Vec<Vec<u8>>, StorageError> {
        let mut out = Vec::with_capacity(n as usize);
        let batches = read_lock(&self.batches);
        let mut row = batches.find(first, n_batches)?;
        while (out.len() as u64) < n && row < n_batches {
            let (batch_first, offset) = batches.row(row)?;
            let record = self.record_at(offset)?;
            let entries = parse_bundle(&record.entries)
                .ok_or_else(|| self.corrupt(offset, "entries are truncated"))?;
            for (position, entry) in entries.into_iter().enumerate() {
                let index = batch_first + position as u64;
                if index >= first && index < first + n {
                    out.push(entry.to_vec());
                }
            }
            row += 1;
        }
        Ok(out)
    }
}

/// Opens the tile files and batch index at `point`; `None` if they are behind it.
fn open_derived(
    dir: &Path,
    point: SyncPoint,
) -> Result<Option<(StoredTree, BatchIndex)>, StorageError> {
    let tree = match StoredTree::open(&dir.join("tiles"), point.size) {
        Ok(tree) => tree,
        Err(StorageError::Corrupt { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    let Some(batches) = BatchIndex::open(dir, point.n_batches)? else {
        return Ok(None);
    };
    Ok(Some((tree, batches)))
}

fn tree_frontier(tree: &StoredTree) -> Frontier {
    Frontier::from_source(tree, tree.size()).unwrap_or_default()
}

/// A transparency log stored in a directory, appended to through [`Appender`]s.
///
/// [`Appender`]: crate::Appender
#[derive(Debug)]
pub struct Log {
    pub(crate) shared: Arc<Shared>,
    pub(crate) committer: crate::appender::Committer,
}

impl Log {
    /// Opens the log in `dir`, creating it if the directory has none, and recovers it (see
    /// the [module documentation](self)). The key must be the one the log was created with.
    pub fn open(
        dir: impl AsRef<Path>,
        key: LogKey,
        options: LogOptions,
    ) -> Result<(Self, Recovery), StorageError> {
        let mut options = options;
        options.max_entry_len = options.max_entry_len.min(MAX_ENTRY_LEN);
        options.max_batch_entries = options.max_batch_entries.clamp(1, MAX_BATCH_ENTRIES);
        let (shared, recovery) = Shared::open(dir.as_ref(), key, options)?;
        let shared = Arc::new(shared);
        let committer = crate::appender::Committer::start(shared.clone());
        Ok((Self { shared, committer }, recovery))
    }

    /// A handle for appending; clone it freely across threads.
    pub fn appender(&self) -> crate::Appender {
        self.committer.appender(self.shared.clone())
    }

    /// The verifier for this log's checkpoints.
    pub fn verifier(&self) -> &LogVerifier {
        &self.shared.verifier
    }

    /// The latest durable signed checkpoint (served at `<prefix>/checkpoint`).
    pub fn checkpoint(&self) -> Arc<SignedCheckpoint> {
        self.shared.published().checkpoint
    }

    /// The number of durable entries.
    pub fn size(&self) -> u64 {
        self.checkpoint().checkpoint().size()
    }

    /// Entry `index`.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, StorageError> {
        let published = self.shared.published();
        let size = published.checkpoint.checkpoint().size();
        if index >= size {
            return Err(StorageError::NotInLog {
                what: "entry",
                index,
                size,
            });
        }
        let mut entries = self.shared.entries(index, 1, published.n_batches)?;
        entries
            .pop()
            .ok_or_else(|| self.shared.corrupt(0, "entry missing from its batch"))
    }

    /// A receipt for entry `index` against the latest checkpoint.
    pub fn receipt(&self, index: u64) -> Result<Receipt, StorageError> {
        let checkpoint = self.checkpoint();
        let size = checkpoint.checkpoint().size();
        let proof = self.inclusion_proof(index, size)?;
        Receipt::new(proof, checkpoint).map_err(StorageError::Proof)
    }

    /// Proof that entry `index` is in the tree of `size` (at most the durable size).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, StorageError> {
        self.check_size(size)?;
        let tree = read_lock(&self.shared.tree);
        InclusionProof::generate(&*tree, index, size).map_err(prove_error)
    }

    /// Proof that the tree of `old_size` is a prefix of the tree of `new_size` (both at most
    /// the durable size): the evidence a monitor or an anchor needs between two checkpoints.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, StorageError> {
        self.check_size(new_size)?;
        let tree = read_lock(&self.shared.tree);
        ConsistencyProof::generate(&*tree, old_size, new_size).map_err(prove_error)
    }

    /// The root of the tree of `size` (at most the durable size).
    pub fn root(&self, size: u64) -> Result<Hash, StorageError> {
        self.check_size(size)?;
        let tree = read_lock(&self.shared.tree);
        crate::merkle::tree_root(&*tree, size)
    }

    fn check_size(&self, size: u64) -> Result<(), StorageError> {
        let durable = self.size();
        if size > durable {
            return Err(StorageError::NotInLog {
                what: "tree size",
                index: size,
                size: durable,
            });
        }
        Ok(())
    }

    /// The bytes of a tile or entry bundle of the tree of the latest checkpoint, as served at
    /// `<prefix>/<tile.path()>`.
    pub fn read_tile(&self, tile: TileId) -> Result<Vec<u8>, StorageError> {
        let published = self.shared.published();
        let size = published.checkpoint.checkpoint().size();
        let shift = u32::from(tile.level) * u32::from(TILE_HEIGHT);
        let available = if tile.entries {
            size
        } else {
            size.checked_shr(shift).unwrap_or(0)
        };
        let first = tile.index.saturating_mul(TILE_WIDTH);
        if tile.width == 0 || first.saturating_add(u64::from(tile.width)) > available {
            return Err(StorageError::NotInLog {
                what: "tile",
                index: tile.index,
                size,
            });
        }
        if tile.entries {
            let mut bundle = Vec::new();
            for entry in self
                .shared
                .entries(first, u64::from(tile.width), published.n_batches)?
            {
                push_bundle_entry(&mut bundle, &entry);
            }
            return Ok(bundle);
        }
        read_lock(&self.shared.tree).read_tile(tile.level, tile.index, tile.width)
    }

    /// Writes the log as C2SP `tlog-tiles` static files under `dir`: `checkpoint`, every tile
    /// and every entry bundle of the latest checkpoint's tree.
    pub fn export_static(
        &self,
        dir: impl AsRef<Path>,
    ) -> Result<Arc<SignedCheckpoint>, StorageError> {
        let dir = dir.as_ref();
        let checkpoint = self.checkpoint();
        let size = checkpoint.checkpoint().size();
        let mut tiles = TileId::tiles_for(size);
        tiles.extend(
            TileId::tiles_for(size)
                .into_iter()
                .filter(|tile| tile.level == 0)
                .map(|tile| TileId::entries(tile.index, tile.width)),
        );
        for tile in tiles {
            let path = dir.join(tile.path());
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io_error("creating", parent))?;
            }
            let bytes = self.read_tile(tile)?;
            std::fs::write(&path, bytes).map_err(io_error("writing", &path))?;
        }
        let path = dir.join("checkpoint");
        std::fs::write(&path, checkpoint.as_bytes()).map_err(io_error("writing", &path))?;
        Ok(checkpoint)
    }

    /// Re-reads the whole journal and checks everything: each entry's leaf hash against the
    /// tile files, and each batch's signed checkpoint (signature, origin, and root of the
    /// tree rebuilt up to it). Slow: for tests, monitors and operators, not for opening.
    pub fn audit(&self) -> Result<Audit, StorageError> {
        let published = self.shared.published();
        let size = published.checkpoint.checkpoint().size();
        let tree = read_lock(&self.shared.tree);
        let (_, _, header_len) =
            journal::read_file_header(&self.shared.journal_path, &self.shared.journal)?;
        let mut reader = JournalReader {
            path: &self.shared.journal_path,
            file: &self.shared.journal,
            offset: header_len,
            file_len: self
                .shared
                .journal
                .metadata()
                .map_err(io_error("reading metadata of", &self.shared.journal_path))?
                .len(),
        };
        let mut frontier = Frontier::new();
        let mut audit = Audit {
            entries: 0,
            checkpoints: 0,
        };
        while frontier.size() < size {
            let offset = reader.offset;
            let record = match reader.next_record()? {
                ReadOutcome::Record(record) => record,
                _ => {
                    return Err(self
                        .shared
                        .corrupt(offset, "journal ends before the published size"));
                }
            };
            let entries = parse_bundle(&record.entries)
                .ok_or_else(|| self.shared.corrupt(offset, "entries are truncated"))?;
            let stored = tree.levels[0].read(frontier.size(), entries.len())?;
            for (entry, stored_leaf) in entries.iter().zip(stored.chunks_exact(Hash::LEN)) {
                let leaf = leaf_hash(entry);
                if leaf.0 != stored_leaf {
                    return Err(StorageError::Corrupt {
                        path: tree.levels[0].path.clone(),
                        offset: frontier.size() * Hash::LEN as u64,
                        reason: format!(
                            "leaf hash of entry {} differs from its entry",
                            frontier.size()
                        ),
                    });
                }
                frontier.push(leaf);
            }
            audit.entries += entries.len() as u64;
            let checkpoint = SignedCheckpoint::open(&record.note, &self.shared.verifier)
                .map_err(|error| self.shared.corrupt(offset, &error.to_string()))?;
            let body = checkpoint.checkpoint();
            if body.size() != frontier.size() || *body.root() != frontier.root() {
                return Err(self.shared.corrupt(
                    offset,
                    &format!("checkpoint {body} does not match the entries before it"),
                ));
            }
            let stored_root = crate::merkle::tree_root(&*tree, body.size())?;
            if stored_root != *body.root() {
                return Err(self.shared.corrupt(
                    offset,
                    &format!("tile files give root {stored_root} at size {}", body.size()),
                ));
            }
            audit.checkpoints += 1;
        }
        Ok(audit)
    }

    /// Stops the committer after the batches already submitted, and syncs the tile files so
    /// the next open replays nothing. Dropping the log does the same.
    pub fn close(mut self) -> Result<(), StorageError> {
        self.committer.stop()
    }
}

pub(crate) fn prove_error(error: ProveError<StorageError>) -> StorageError {
    match error {
        ProveError::Invalid(error) => StorageError::Proof(error),
        ProveError::Source(error) => error,
    }
}

/// The checkpoint of the empty log, published until the first batch.
fn empty_checkpoint(key: &LogKey, dir: &Path) -> Result<SignedCheckpoint, StorageError> {
    crate::Checkpoint::new(key.name(), 0, crate::hash::empty_root())
        .and_then(|checkpoint| SignedCheckpoint::sign(checkpoint, key))
        .map_err(|error| StorageError::Corrupt {
            path: dir.to_owned(),
            offset: 0,
            reason: error.to_string(),
        })
}
