//! Dataset hashing: a Merkle root over a directory's files or over the records of its CSV and
//! JSON Lines files, a per-file manifest, and proofs that one file or record is in a dataset.
//!
//! # Input
//!
//! A directory, walked recursively, or a single file. Paths are relative to the directory
//! (for a single file: its name), `/`-separated, UTF-8, and sorted by byte order. Hidden files
//! are included, empty files are fine, empty directories contribute nothing. Symbolic links
//! inside the directory are refused ([`DatasetError::SymlinkRefused`]) unless
//! [`DatasetOptions::follow_symlinks`] is set; the path given is always followed. FIFOs,
//! sockets and devices are refused.
//!
//! # Modes
//!
//! - [`DatasetMode::Files`]: one leaf per file ([`FileLeaf`]: path, size, SHA-256).
//! - [`DatasetMode::Records`]: one leaf per record ([`RecordLeaf`]) of `.csv` files (a record per
//!   row after the header; see [`Record::Csv`] for the canonical form) and `.jsonl`/`.ndjson`
//!   files (a record per non-blank line). Leaves follow the sorted file order, then the order
//!   of records in each file. Any other file is refused ([`DatasetError::NotARecordFile`]).
//!
//! Either way the result ([`DatasetDigest`]) has the root, the number of leaves, the total
//! bytes and the per-file [`Manifest`] with its digest. A dataset without a single leaf is an
//! error ([`DatasetError::EmptyDataset`]), not the RFC 6962 empty-tree hash: that hash would be
//! the same for every empty dataset and prove nothing.
//!
//! # Resources
//!
//! Files are read once, with 1 MiB buffers, on [`DatasetOptions::threads`] threads (one file per
//! thread at a time). Memory is `O(threads × buffer + number of files)`: the manifest holds one
//! entry per file; records are never collected (each file's leaf hashes are streamed to the
//! tree builder in small bounded batches). The [`Progress`] callback sees every buffer read.
//!
//! # Proofs
//!
//! - A file (files mode): [`prove_file`] builds the proof from the [`Manifest`] alone, with no
//!   I/O: a files-mode leaf is a manifest entry.
//! - A record (records mode): [`prove_record`] re-streams the whole dataset. Cost: the same
//!   read-and-parse pass as hashing it, plus a second read of the record's own file, and
//!   `O(log n)` memory. We chose that over saving 32 bytes per record in a leaf-hash file: a
//!   proof is rare next to hashing, a side file would have to be kept consistent with the data,
//!   and re-streaming also checks that the data still has the registered root (the proof's
//!   root is the recomputed one; see [`DatasetProof::root`]).
//!
//! A [`DatasetProof`] carries the leaf's fields and the inclusion proof; [`DatasetProof::verify`]
//! needs only the proof and the root.

mod error;
mod leaf;
mod manifest;
mod proof;
mod records;
mod walk;

pub use error::DatasetError;
pub use leaf::{FILE_LEAF_TAG, FileLeaf, RECORD_LEAF_TAG, Record, RecordLeaf};
pub use manifest::{MANIFEST_TAG, Manifest, ManifestEntry};
pub use proof::{DatasetLeaf, DatasetProof};

use std::fs::File;
use std::mem;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use records::{HashingReader, RecordFormat, read_records};
use walk::{SourceFile, list_files};

use crate::hash::{Hash, sha256_file};
use crate::merkle::{InclusionProver, MerkleBuilder};
use crate::parallel::{map_in_order, stream_in_order};
use crate::progress::{Progress, ProgressCounter};

/// Longest relative path accepted, in bytes (Linux's `PATH_MAX`).
pub const MAX_PATH_LEN: usize = 4096;
/// Largest record accepted, in bytes of its canonical form (a JSON line, or a CSV row's
/// encoded fields). Bounds the size of a record proof. A JSON line is refused as soon as it
/// passes the limit; a CSV row is checked once the parser has read it whole.
pub const MAX_RECORD_LEN: usize = 16 << 20;

/// Leaf hashes sent from a record file's thread to the tree builder at a time.
const LEAF_BATCH: usize = 4096;

/// What the leaves of a dataset are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DatasetMode {
    /// One leaf per file.
    #[default]
    Files,
    /// One leaf per record of CSV and JSON Lines files.
    Records,
}

/// How to hash a dataset.
#[derive(Debug, Clone, Default)]
pub struct DatasetOptions {
    /// Files or records.
    pub mode: DatasetMode,
    /// Follow symbolic links inside the directory instead of refusing them.
    pub follow_symlinks: bool,
    /// Worker threads; 0 means one per available core.
    pub threads: usize,
}

/// The identity of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetDigest {
    /// The mode the root was computed in.
    pub mode: DatasetMode,
    /// RFC 6962 root over the leaves.
    pub root: Hash,
    /// Number of leaves (files or records).
    pub n_leaves: u64,
    /// Sum of the file sizes.
    pub total_bytes: u64,
    /// The files with their sizes and SHA-256.
    pub manifest: Manifest,
    /// SHA-256 of the manifest's canonical encoding.
    pub manifest_digest: Hash,
}

/// Hashes the dataset at `path` (a directory or a single file).
pub fn hash_dataset(
    path: &Path,
    options: &DatasetOptions,
    progress: &dyn Progress,
) -> Result<DatasetDigest, DatasetError> {
    let files = list_files(path, options.follow_symlinks)?;
    if files.is_empty() {
        return Err(DatasetError::EmptyDataset {
            path: path.to_path_buf(),
            what: "no files",
        });
    }
    let progress = ProgressCounter::new(progress, files.iter().map(|file| file.size).sum());
    match options.mode {
        DatasetMode::Files => hash_files(&files, options.threads, &progress),
        DatasetMode::Records => {
            let formats = record_formats(&files)?;
            let mut tree = MerkleBuilder::new();
            let manifest =
                stream_records(&files, &formats, options.threads, &progress, |_, leaf| {
                    tree.push(leaf);
                    Ok(())
                })?;
            let Some(root) = tree.root() else {
                return Err(DatasetError::EmptyDataset {
                    path: path.to_path_buf(),
                    what: "no records",
                });
            };
            Ok(DatasetDigest {
                mode: DatasetMode::Records,
                root,
                n_leaves: tree.len(),
                total_bytes: manifest.total_bytes(),
                manifest_digest: manifest.digest(),
                manifest,
            })
        }
    }
}

fn hash_files(
    files: &[SourceFile],
    threads: usize,
    progress: &ProgressCounter<'_>,
) -> Result<DatasetDigest, DatasetError> {
    let entries = map_in_order(files, threads, |file| hash_one_file(file, progress))?;
    let manifest = Manifest::new(entries)?;
    let mut tree = MerkleBuilder::new();
    for entry in manifest.entries() {
        tree.push(entry.file_leaf().leaf_hash());
    }
    let Some(root) = tree.root() else {
        // `hash_dataset` refuses empty file lists before getting here.
        return Err(DatasetError::EmptyDataset {
            path: PathBuf::new(),
            what: "no files",
        });
    };
    Ok(DatasetDigest {
        mode: DatasetMode::Files,
        root,
        n_leaves: tree.len(),
        total_bytes: manifest.total_bytes(),
        manifest_digest: manifest.digest(),
        manifest,
    })
}

fn hash_one_file(
    file: &SourceFile,
    progress: &ProgressCounter<'_>,
) -> Result<ManifestEntry, DatasetError> {
    let mut handle = File::open(&file.full_path).map_err(DatasetError::io(&file.full_path))?;
    let (sha256, size) =
        sha256_file(&mut handle, progress).map_err(DatasetError::io(&file.full_path))?;
    check_size(file, size)?;
    Ok(ManifestEntry {
        path: file.relative_path.clone(),
        size,
        sha256,
    })
}

fn check_size(file: &SourceFile, size: u64) -> Result<(), DatasetError> {
    if size != file.size {
        return Err(DatasetError::FileChanged {
            path: file.full_path.clone(),
            reason: format!("listed with {} bytes, read {size}", file.size),
        });
    }
    Ok(())
}

fn record_formats(files: &[SourceFile]) -> Result<Vec<RecordFormat>, DatasetError> {
    files
        .iter()
        .map(|file| {
            RecordFormat::of_path(&file.relative_path).ok_or_else(|| DatasetError::NotARecordFile {
                path: file.relative_path.clone(),
            })
        })
        .collect()
}

/// What a record file's thread sends to the tree builder.
enum RecordMessage {
    Leaves(Vec<Hash>),
    Finished(ManifestEntry),
}

/// Streams the leaf hashes of every record, in dataset order, into `on_leaf(file_index, leaf)`
/// and returns the manifest. Files are parsed in parallel; see [`crate::parallel`].
fn stream_records(
    files: &[SourceFile],
    formats: &[RecordFormat],
    threads: usize,
    progress: &ProgressCounter<'_>,
    mut on_leaf: impl FnMut(usize, Hash) -> Result<(), DatasetError>,
) -> Result<Manifest, DatasetError> {
    let mut entries = Vec::with_capacity(files.len());
    stream_in_order(
        files.len(),
        threads,
        |index, emit| hash_record_file(&files[index], formats[index], progress, emit),
        |file_index, message| match message {
            RecordMessage::Leaves(leaves) => {
                for leaf in leaves {
                    on_leaf(file_index, leaf)?;
                }
                Ok(())
            }
            RecordMessage::Finished(entry) => {
                entries.push(entry);
                Ok(())
            }
        },
    )?;
    Manifest::new(entries)
}

fn hash_record_file(
    file: &SourceFile,
    format: RecordFormat,
    progress: &ProgressCounter<'_>,
    emit: &mut dyn FnMut(RecordMessage) -> bool,
) -> Result<(), DatasetError> {
    let handle = File::open(&file.full_path).map_err(DatasetError::io(&file.full_path))?;
    let mut reader = HashingReader::new(handle, progress);
    let mut batch = Vec::with_capacity(LEAF_BATCH);
    let mut consumer_gone = false;
    read_records(&mut reader, format, &file.relative_path, |index, record| {
        batch.push(record.leaf_hash(&file.relative_path, index));
        if batch.len() == LEAF_BATCH && !emit(RecordMessage::Leaves(mem::take(&mut batch))) {
            consumer_gone = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    if consumer_gone {
        return Ok(());
    }
    let (sha256, size) = reader.finish().map_err(DatasetError::io(&file.full_path))?;
    check_size(file, size)?;
    if !batch.is_empty() && !emit(RecordMessage::Leaves(batch)) {
        return Ok(());
    }
    emit(RecordMessage::Finished(ManifestEntry {
        path: file.relative_path.clone(),
        size,
        sha256,
    }));
    Ok(())
}

/// Which record to prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordLocator {
    /// The record at this position in the whole dataset (its leaf index), from 0.
    Leaf(u64),
    /// The record at `index` among the records of the file at `path`, from 0.
    InFile {
        /// Path relative to the dataset root.
        path: String,
        /// Position among the file's records.
        index: u64,
    },
}

/// The proof that file `path` is in the files-mode dataset with this manifest. No I/O.
pub fn prove_file(manifest: &Manifest, path: &str) -> Result<DatasetProof, DatasetError> {
    let Some((index, entry)) = manifest.get(path) else {
        return Err(DatasetError::FileNotInDataset {
            path: path.to_owned(),
        });
    };
    let leaves: Vec<Hash> = manifest
        .entries()
        .iter()
        .map(|entry| entry.file_leaf().leaf_hash())
        .collect();
    let inclusion = crate::merkle::InclusionProof::generate(&leaves, index as u64)?;
    Ok(DatasetProof::new(
        DatasetLeaf::File(entry.file_leaf()),
        inclusion,
    ))
}

/// The proof that a record is in the records-mode dataset at `path`, made by re-streaming the
/// whole dataset (see the module docs for the cost). The proof's root
/// ([`DatasetProof::root`]) is the dataset's current root: compare it with the registered one.
pub fn prove_record(
    path: &Path,
    options: &DatasetOptions,
    locator: &RecordLocator,
    progress: &dyn Progress,
) -> Result<DatasetProof, DatasetError> {
    let files = list_files(path, options.follow_symlinks)?;
    let formats = record_formats(&files)?;
    let target_file = match locator {
        RecordLocator::Leaf(_) => None,
        RecordLocator::InFile { path: wanted, .. } => {
            let position = files
                .iter()
                .position(|file| file.relative_path == *wanted)
                .ok_or_else(|| DatasetError::FileNotInDataset {
                    path: wanted.clone(),
                })?;
            Some(position)
        }
    };
    let progress = ProgressCounter::new(progress, files.iter().map(|file| file.size).sum());
    let mut prover = InclusionProver::new(match locator {
        RecordLocator::Leaf(index) => Some(*index),
        RecordLocator::InFile { .. } => None,
    });
    // First leaf index of each file, filled as files start.
    let mut file_starts: Vec<u64> = Vec::with_capacity(files.len());
    stream_records(
        &files,
        &formats,
        options.threads,
        &progress,
        |file_index, leaf| {
            while file_starts.len() <= file_index {
                file_starts.push(prover.len());
                if Some(file_starts.len() - 1) == target_file
                    && let RecordLocator::InFile { index, .. } = locator
                {
                    prover.set_target(prover.len().saturating_add(*index));
                }
            }
            prover.push(leaf);
            Ok(())
        },
    )?;
    while file_starts.len() < files.len() {
        file_starts.push(prover.len());
    }
    let n_leaves = prover.len();
    let file_end = |file_index: usize| file_starts.get(file_index + 1).copied().unwrap_or(n_leaves);
    let (file_index, index_in_file) = match locator {
        RecordLocator::Leaf(leaf) => {
            if *leaf >= n_leaves {
                return Err(DatasetError::LeafOutOfRange {
                    index: *leaf,
                    n_leaves,
                });
            }
            let file_index = file_starts.partition_point(|start| *start <= *leaf) - 1;
            (file_index, leaf - file_starts[file_index])
        }
        RecordLocator::InFile { path, index } => {
            let file_index = target_file.unwrap_or_default();
            let n_records = file_end(file_index) - file_starts[file_index];
            if *index >= n_records {
                return Err(DatasetError::RecordOutOfRange {
                    path: path.clone(),
                    index: *index,
                    n_records,
                });
            }
            (file_index, *index)
        }
    };
    let streamed_leaf = prover.target_leaf_hash();
    let (inclusion, _root) = prover.finish()?;
    let file = &files[file_index];
    let leaf = read_record_leaf(file, formats[file_index], index_in_file)?;
    if Some(leaf.leaf_hash()) != streamed_leaf {
        return Err(DatasetError::FileChanged {
            path: file.full_path.clone(),
            reason: "the record read again differs from the one hashed".into(),
        });
    }
    Ok(DatasetProof::new(DatasetLeaf::Record(leaf), inclusion))
}

/// Reads record `index_in_file` of one file.
fn read_record_leaf(
    file: &SourceFile,
    format: RecordFormat,
    index_in_file: u64,
) -> Result<RecordLeaf, DatasetError> {
    let handle = File::open(&file.full_path).map_err(DatasetError::io(&file.full_path))?;
    let mut found = None;
    let n_records = read_records(handle, format, &file.relative_path, |index, record| {
        if index == index_in_file {
            found = Some(record.to_record());
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    let Some(record) = found else {
        return Err(DatasetError::RecordOutOfRange {
            path: file.relative_path.clone(),
            index: index_in_file,
            n_records,
        });
    };
    Ok(RecordLeaf {
        path: file.relative_path.clone(),
        index_in_file,
        record,
    })
}

/// What a single file is: its content hash, and its leaf as a files-mode dataset of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    /// The file's name (the relative path of a dataset made of this one file).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content: look it up in manifests (and in model file digests).
    pub sha256: Hash,
}

impl FileIdentity {
    /// The file's leaf in a files-mode dataset of this one file.
    pub fn leaf(&self) -> FileLeaf {
        FileLeaf {
            path: self.name.clone(),
            size: self.size,
            sha256: self.sha256,
        }
    }

    /// The leaf hash of [`leaf`](Self::leaf): also the root of that one-file dataset. Inside a
    /// directory dataset the leaf hash depends on the file's relative path there; build it with
    /// a [`FileLeaf`].
    pub fn leaf_hash(&self) -> Hash {
        self.leaf().leaf_hash()
    }
}

/// Hashes one file (streamed) to answer "what is this file?".
pub fn identify_file(path: &Path, progress: &dyn Progress) -> Result<FileIdentity, DatasetError> {
    let metadata = std::fs::metadata(path).map_err(DatasetError::io(path))?;
    if !metadata.is_file() {
        return Err(DatasetError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let files = list_files(path, false)?;
    let [file] = files.as_slice() else {
        return Err(DatasetError::NotAFile {
            path: path.to_path_buf(),
        });
    };
    let counter = ProgressCounter::new(progress, file.size);
    let entry = hash_one_file(file, &counter)?;
    Ok(FileIdentity {
        name: entry.path,
        size: entry.size,
        sha256: entry.sha256,
    })
}
