//! Errors of dataset hashing and proving.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::merkle::ProofError;

/// Why a dataset could not be hashed or a proof could not be made.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// Reading a file or directory failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A symbolic link inside the dataset, and following links was not asked for.
    #[error(
        "{} is a symbolic link; links are refused unless following them is asked for",
        path.display()
    )]
    SymlinkRefused {
        /// The link.
        path: PathBuf,
    },
    /// Following links leads back into a directory being walked.
    #[error("{} links back to one of its parent directories", path.display())]
    SymlinkCycle {
        /// The link.
        path: PathBuf,
    },
    /// A FIFO, socket or device file.
    #[error("{} is not a regular file or directory", path.display())]
    UnsupportedFileType {
        /// The entry.
        path: PathBuf,
    },
    /// A path that was expected to name a file (for example a directory).
    #[error("{} is not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// A file or directory name that is not UTF-8 (paths are hashed as UTF-8 text).
    #[error("{} has a name that is not UTF-8", path.display())]
    NonUtf8Path {
        /// The entry.
        path: PathBuf,
    },
    /// A relative path longer than [`MAX_PATH_LEN`](crate::dataset::MAX_PATH_LEN) bytes.
    #[error("path {path} is {len} bytes long, the limit is {max}")]
    PathTooLong {
        /// The relative path.
        path: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// No file (files mode) or no record (records mode): an empty dataset has no root.
    #[error("{} is an empty dataset ({what}); it has no root", path.display())]
    EmptyDataset {
        /// The dataset.
        path: PathBuf,
        /// What is missing: "no files" or "no records".
        what: &'static str,
    },
    /// A file changed while it was being hashed.
    #[error("{} changed while it was read: {reason}", path.display())]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// What changed.
        reason: String,
    },
    /// A file that records mode cannot split into records.
    #[error("{path} is not a record file: records mode reads .csv, .jsonl and .ndjson files only")]
    NotARecordFile {
        /// The relative path.
        path: String,
    },
    /// A CSV file that does not parse (the message names the record and line).
    #[error("{path}: {source}")]
    Csv {
        /// The relative path.
        path: String,
        /// The parser's error, with its position.
        source: csv::Error,
    },
    /// A JSON Lines line that is not JSON.
    #[error("{path}, line {line}: not JSON: {source}")]
    InvalidJsonLine {
        /// The relative path.
        path: String,
        /// The line number, from 1.
        line: u64,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A record above [`MAX_RECORD_LEN`](crate::dataset::MAX_RECORD_LEN) bytes.
    #[error("{path}, line {line}: a record of more than {max} bytes")]
    RecordTooLarge {
        /// The relative path.
        path: String,
        /// The line number where the record starts, from 1.
        line: u64,
        /// The limit.
        max: usize,
    },
    /// A path that is not in the manifest.
    #[error("{path} is not a file of this dataset")]
    FileNotInDataset {
        /// The relative path asked for.
        path: String,
    },
    /// A record position past the end of its file.
    #[error("{path} has {n_records} records, there is no record {index}")]
    RecordOutOfRange {
        /// The relative path.
        path: String,
        /// The index asked for.
        index: u64,
        /// The file's number of records.
        n_records: u64,
    },
    /// A leaf index past the end of the dataset.
    #[error("the dataset has {n_leaves} leaves, there is no leaf {index}")]
    LeafOutOfRange {
        /// The index asked for.
        index: u64,
        /// The dataset's number of leaves.
        n_leaves: u64,
    },
    /// A manifest whose paths are not strictly ascending.
    #[error("manifest paths must be unique and in byte order: {path} comes after {previous}")]
    ManifestOrder {
        /// The path out of order.
        path: String,
        /// The path before it.
        previous: String,
    },
    /// Building the inclusion proof failed.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

impl DatasetError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
