//! The stored tree: tile-level hash files on disk, and the nodes proofs of recent entries need
//! in memory.
//!
//! File `tiles/<L>.hashes` holds every hash at tree level `8 * L` in order, 32 bytes each:
//! `tiles/0.hashes` the leaf hashes, `tiles/1.hashes` the roots of full level-0 tiles, and so
//! on. Tile `(L, N)` of width `W` is bytes `[N * 8192, N * 8192 + W * 32)` of file `L`, and
//! any other node is at most 255 hash computations away from one tile. Storage is 32 bytes
//! per entry plus 1/256 of that per level above.
//!
//! In memory: every node below level 16 over the last one to two aligned blocks of 65,536
//! leaves (the "window", a few MiB), and every node from level 16 up (32 bytes per 32,768
//! leaves). A receipt for an entry of the latest batch therefore never touches the disk.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::StorageError;
use crate::hash::{Hash, node_hash};
use crate::merkle::{Frontier, NodeSource};
use crate::tiles::TILE_HEIGHT;

/// Levels below this are kept in memory only for the window; from it up, all of them.
const HIGH_LEVEL: u8 = 16;
/// Leaves per window block: a node below [`HIGH_LEVEL`] lies inside one block.
const BLOCK: u64 = 1 << HIGH_LEVEL;

/// The most entries one batch may hold so that all of its receipts come from memory.
pub const MAX_BATCH_ENTRIES: usize = BLOCK as usize;

pub(crate) fn io_error(
    op: &'static str,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> StorageError {
    let path = path.to_owned();
    move |source| StorageError::Io { op, path, source }
}

/// One tile level's hash file.
#[derive(Debug)]
pub(crate) struct LevelFile {
    pub(crate) path: PathBuf,
    pub(crate) file: Arc<File>,
    /// Hashes written.
    pub(crate) len: u64,
}

impl LevelFile {
    fn open(dir: &Path, level: u8) -> Result<Self, StorageError> {
        let path = dir.join(format!("{level}.hashes"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error("opening", &path))?;
        let bytes = file
            .metadata()
            .map_err(io_error("reading metadata of", &path))?
            .len();
        Ok(Self {
            path,
            file: Arc::new(file),
            len: bytes / Hash::LEN as u64,
        })
    }

    /// Reads `n` hashes starting at hash `start`.
    pub(crate) fn read(&self, start: u64, n: usize) -> Result<Vec<u8>, StorageError> {
        let mut buffer = vec![0u8; n * Hash::LEN];
        self.file
            .read_exact_at(&mut buffer, start * Hash::LEN as u64)
            .map_err(io_error("reading", &self.path))?;
        Ok(buffer)
    }
}

/// The tree as stored, plus the in-memory nodes (see the module documentation).
#[derive(Debug)]
pub(crate) struct StoredTree {
    dir: PathBuf,
    pub(crate) levels: Vec<LevelFile>,
    frontier: Frontier,
    /// First leaf of the window (a multiple of [`BLOCK`]).
    window_base: u64,
    /// `low[l]`: nodes of level `l < 16` from index `window_base >> l` on.
    low: Vec<Vec<Hash>>,
    /// `high[l - 16]`: every node of level `l >= 16`.
    high: Vec<Vec<Hash>>,
    /// Hashes appended to tile levels since the last [`flush`](Self::flush).
    pending: Vec<Vec<u8>>,
}

impl StoredTree {
    /// Opens the level files in `dir`, cut back to a tree of `size` leaves (whatever lies
    /// beyond was written for batches that are replayed or were never acknowledged).
    pub(crate) fn open(dir: &Path, size: u64) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(io_error("creating", dir))?;
        let mut levels = Vec::new();
        for level in 0..8u8 {
            let path = dir.join(format!("{level}.hashes"));
            let expected = size >> (u32::from(level) * u32::from(TILE_HEIGHT));
            if level > 0 && expected == 0 {
                // Stale files of higher levels from a larger, unacknowledged tree.
                if path.exists() {
                    std::fs::remove_file(&path).map_err(io_error("removing", &path))?;
                }
                continue;
            }
            let mut file = LevelFile::open(dir, level)?;
            if file.len < expected {
                return Err(StorageError::Corrupt {
                    path: file.path,
                    offset: file.len * Hash::LEN as u64,
                    reason: format!("{} hashes, a tree of {size} needs {expected}", file.len),
                });
            }
            if file.len > expected {
                file.file
                    .set_len(expected * Hash::LEN as u64)
                    .map_err(io_error("truncating", &file.path))?;
                file.len = expected;
            }
            levels.push(file);
        }
        let mut tree = Self {
            dir: dir.to_owned(),
            pending: vec![Vec::new(); levels.len()],
            levels,
            frontier: Frontier::new(),
            window_base: 0,
            low: vec![Vec::new(); usize::from(HIGH_LEVEL)],
            high: Vec::new(),
        };
        tree.load(size)?;
        Ok(tree)
    }

    /// Rebuilds the in-memory nodes of a tree of `size` from the level files.
    fn load(&mut self, size: u64) -> Result<(), StorageError> {
        // Every node of level >= 16 from the level-2 file (tree level 16).
        let n_high = size >> HIGH_LEVEL;
        if n_high > 0 {
            let bytes = self.levels[2].read(0, n_high as usize)?;
            let mut row: Vec<Hash> = bytes
                .chunks_exact(Hash::LEN)
                .filter_map(Hash::from_slice)
                .collect();
            while !row.is_empty() {
                let next: Vec<Hash> = row
                    .chunks_exact(2)
                    .map(|pair| node_hash(&pair[0], &pair[1]))
                    .collect();
                self.high.push(row);
                row = next;
            }
        }
        // The window's nodes from its leaves.
        self.window_base = window_base(size);
        let n_window = (size - self.window_base) as usize;
        let leaves = self.levels[0].read(self.window_base, n_window)?;
        let mut local = Frontier::new();
        for leaf in leaves.chunks_exact(Hash::LEN).filter_map(Hash::from_slice) {
            let low = &mut self.low;
            local.push_with(leaf, |level, _, hash| {
                if level < HIGH_LEVEL {
                    low[usize::from(level)].push(*hash);
                }
            });
        }
        self.frontier = Frontier::from_source(&*self, size)?;
        Ok(())
    }

    /// The number of leaves.
    pub(crate) fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The current root.
    pub(crate) fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// Appends a leaf hash. Tile-level hashes go to [`flush`](Self::flush).
    pub(crate) fn push(&mut self, leaf: Hash) {
        let (low, high, pending) = (&mut self.low, &mut self.high, &mut self.pending);
        self.frontier.push_with(leaf, |level, _, hash| {
            if level < HIGH_LEVEL {
                low[usize::from(level)].push(*hash);
            } else {
                let row = usize::from(level - HIGH_LEVEL);
                if high.len() <= row {
                    high.resize(row + 1, Vec::new());
                }
                high[row].push(*hash);
            }
            if level % TILE_HEIGHT == 0 {
                let tile_level = usize::from(level / TILE_HEIGHT);
                if pending.len() <= tile_level {
                    pending.resize(tile_level + 1, Vec::new());
                }
                pending[tile_level].extend_from_slice(&hash.0);
            }
        });
    }

    /// Moves the window forward so it keeps the block of the last leaf and the one before.
    ///
    /// Call after a batch's nodes are written to the level files ([`flush`](Self::flush)):
    /// nodes leaving the window are then read from there.
    pub(crate) fn slide_window(&mut self) {
        let new_base = window_base(self.size());
        if new_base <= self.window_base {
            return;
        }
        for (level, row) in self.low.iter_mut().enumerate() {
            let drop = ((new_base - self.window_base) >> level) as usize;
            row.drain(..drop.min(row.len()));
        }
        self.window_base = new_base;
    }

    /// Writes the tile-level hashes of the leaves pushed since the last call (no sync: the
    /// journal is what makes a batch durable; these files are rebuilt from it on recovery).
    pub(crate) fn flush(&mut self) -> Result<(), StorageError> {
        for (level, bytes) in self.pending.iter_mut().enumerate() {
            if bytes.is_empty() {
                continue;
            }
            if self.levels.len() <= level {
                self.levels.push(LevelFile::open(&self.dir, level as u8)?);
            }
            let file = &mut self.levels[level];
            file.file
                .write_all_at(bytes, file.len * Hash::LEN as u64)
                .map_err(io_error("writing", &file.path))?;
            file.len += (bytes.len() / Hash::LEN) as u64;
            bytes.clear();
        }
        Ok(())
    }

    /// The level files' handles, for syncing them.
    pub(crate) fn files(&self) -> Vec<(PathBuf, Arc<File>)> {
        self.levels
            .iter()
            .map(|level| (level.path.clone(), level.file.clone()))
            .collect()
    }

    /// Reads a hash tile's bytes: `width` hashes of tile `index` at tile level `level`.
    pub(crate) fn read_tile(
        &self,
        level: u8,
        index: u64,
        width: u16,
    ) -> Result<Vec<u8>, StorageError> {
        let file = self
            .levels
            .get(usize::from(level))
            .ok_or(StorageError::NotInLog {
                what: "tile level",
                index: u64::from(level),
                size: self.size(),
            })?;
        file.read(index << TILE_HEIGHT, usize::from(width))
    }

    /// A node below the window, folded from the tile that holds its subtree's bottom row.
    fn node_from_tiles(&self, level: u8, index: u64) -> Result<Hash, StorageError> {
        node_from_tiles(&self.dir, &self.levels, level, index)
    }
}

/// Node `(level, index)` folded from the tile-level file holding its subtree's bottom row:
/// at most 255 node hashes.
fn node_from_tiles(
    dir: &Path,
    levels: &[LevelFile],
    level: u8,
    index: u64,
) -> Result<Hash, StorageError> {
    let tile_level = level / TILE_HEIGHT;
    let height = level % TILE_HEIGHT;
    let file = levels
        .get(usize::from(tile_level))
        .ok_or_else(|| StorageError::Corrupt {
            path: dir.join(format!("{tile_level}.hashes")),
            offset: 0,
            reason: "missing tile level".to_owned(),
        })?;
    let bytes = file.read(index << height, 1 << height)?;
    let mut row: Vec<Hash> = bytes
        .chunks_exact(Hash::LEN)
        .filter_map(Hash::from_slice)
        .collect();
    while row.len() > 1 {
        row = row
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
    }
    row.first().copied().ok_or_else(|| StorageError::Corrupt {
        path: file.path.clone(),
        offset: index << height,
        reason: "empty tile read".to_owned(),
    })
}

/// Read-only access to a log's tile-level files (`<log dir>/tiles`), with no memory beyond
/// file handles: for proofs from a copy or mirror of the files, and for measuring proofs
/// served from disk alone.
#[derive(Debug)]
pub struct TileReader {
    dir: PathBuf,
    levels: Vec<LevelFile>,
}

impl TileReader {
    /// Opens the tile-level files in `dir` (a log's `tiles` directory).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = dir.as_ref().to_owned();
        let mut levels = Vec::new();
        for level in 0..8u8 {
            let path = dir.join(format!("{level}.hashes"));
            if !path.exists() {
                break;
            }
            let file = File::open(&path).map_err(io_error("opening", &path))?;
            let bytes = file
                .metadata()
                .map_err(io_error("reading metadata of", &path))?
                .len();
            levels.push(LevelFile {
                path,
                file: Arc::new(file),
                len: bytes / Hash::LEN as u64,
            });
        }
        Ok(Self { dir, levels })
    }

    /// The number of leaf hashes in the files.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |level| level.len)
    }
}

impl NodeSource for TileReader {
    type Error = StorageError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, StorageError> {
        node_from_tiles(&self.dir, &self.levels, level, index)
    }
}

/// The first leaf of the window for a tree of `size`: the start of the block before the
/// last leaf's block.
fn window_base(size: u64) -> u64 {
    (size.saturating_sub(1) >> HIGH_LEVEL).saturating_sub(1) << HIGH_LEVEL
}

impl NodeSource for StoredTree {
    type Error = StorageError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, StorageError> {
        if level >= HIGH_LEVEL {
            let hash = self
                .high
                .get(usize::from(level - HIGH_LEVEL))
                .and_then(|row| row.get(index as usize));
            if let Some(hash) = hash {
                return Ok(*hash);
            }
            return self.node_from_tiles(level, index);
        }
        let first = index << level;
        if first >= self.window_base {
            let position = (index - (self.window_base >> level)) as usize;
            if let Some(hash) = self.low[usize::from(level)].get(position) {
                return Ok(*hash);
            }
        }
        self.node_from_tiles(level, index)
    }
}
