//! The journal: the log's only file that is synced per batch, holding every entry and every
//! signed checkpoint.
//!
//! ```text
//! file header:  "ailedger-tlog journal v1\n" <origin> "\n" <verifier key> "\n" "\n"
//! record:       magic "TLOG" | first index u64 | entries u32 | entry bytes u64 | note bytes u32
//!               | first 8 bytes of SHA-256 of the 28 bytes before      (36 bytes, big-endian)
//!               entries, each u16 length + bytes (the entry bundle encoding)
//!               the batch's signed checkpoint
//! ```
//!
//! A record is written with one `write` and made durable with one `fdatasync` before any of
//! its receipts exist. Only the last record can be torn by a crash; its entries are then
//! unacknowledged and recovery cuts it off. A record is whole when its header checksum holds,
//! its entries parse, and the root of the tree with its entries appended equals its
//! checkpoint's root: the entries' integrity is checked by the Merkle tree itself.

use std::fs::File;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::error::StorageError;
use crate::storage::tree::io_error;
use crate::tiles::push_bundle_entry;

/// First line of a journal.
const FILE_MAGIC: &str = "ailedger-tlog journal v1\n";
/// Start of each record.
const RECORD_MAGIC: [u8; 4] = *b"TLOG";
/// Bytes of a record header.
pub(crate) const HEADER_LEN: usize = 36;

/// The journal's file header for a log.
pub(crate) fn file_header(origin: &str, verifier_key: &str) -> Vec<u8> {
    format!("{FILE_MAGIC}{origin}\n{verifier_key}\n\n").into_bytes()
}

/// Reads the file header: `(origin, verifier key, header length)`.
pub(crate) fn read_file_header(
    path: &Path,
    file: &File,
) -> Result<(String, String, u64), StorageError> {
    let mut buffer = vec![0u8; 4096];
    let n = file
        .read_at(&mut buffer, 0)
        .map_err(io_error("reading", path))?;
    buffer.truncate(n);
    let corrupt = |reason: &str| StorageError::Corrupt {
        path: path.to_owned(),
        offset: 0,
        reason: reason.to_owned(),
    };
    let text = buffer
        .strip_prefix(FILE_MAGIC.as_bytes())
        .ok_or_else(|| corrupt("not an ailedger-tlog journal"))?;
    let end = text
        .windows(2)
        .position(|pair| pair == b"\n\n")
        .ok_or_else(|| corrupt("truncated journal header"))?;
    let header =
        std::str::from_utf8(&text[..end]).map_err(|_| corrupt("journal header is not UTF-8"))?;
    let (origin, verifier_key) = header
        .split_once('\n')
        .ok_or_else(|| corrupt("journal header lacks the verifier key"))?;
    let len = (FILE_MAGIC.len() + end + 2) as u64;
    Ok((origin.to_owned(), verifier_key.to_owned(), len))
}

fn header_checksum(fields: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(fields);
    let mut checksum = [0u8; 8];
    checksum.copy_from_slice(&digest[..8]);
    checksum
}

/// Encodes one record.
pub(crate) fn encode_record<'a>(
    first_index: u64,
    entries: impl ExactSizeIterator<Item = &'a [u8]>,
    entry_bytes: usize,
    note: &[u8],
) -> Vec<u8> {
    let n_entries = entries.len();
    let mut record = Vec::with_capacity(HEADER_LEN + entry_bytes + 2 * n_entries + note.len());
    record.extend_from_slice(&RECORD_MAGIC);
    record.extend_from_slice(&first_index.to_be_bytes());
    record.extend_from_slice(&(n_entries as u32).to_be_bytes());
    record.extend_from_slice(&((entry_bytes + 2 * n_entries) as u64).to_be_bytes());
    record.extend_from_slice(&(note.len() as u32).to_be_bytes());
    let checksum = header_checksum(&record);
    record.extend_from_slice(&checksum);
    for entry in entries {
        push_bundle_entry(&mut record, entry);
    }
    record.extend_from_slice(note);
    record
}

/// A record's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordHeader {
    pub(crate) first_index: u64,
    pub(crate) n_entries: u32,
    pub(crate) entries_len: u64,
    pub(crate) note_len: u32,
}

impl RecordHeader {
    /// Parses and checks a header; `None` if it is not one.
    pub(crate) fn parse(bytes: &[u8; HEADER_LEN]) -> Option<Self> {
        if bytes[..4] != RECORD_MAGIC || header_checksum(&bytes[..28]) != bytes[28..] {
            return None;
        }
        let u64_at =
            |at: usize| u64::from_be_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
        let u32_at =
            |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
        Some(Self {
            first_index: u64_at(4),
            n_entries: u32_at(12),
            entries_len: u64_at(16),
            note_len: u32_at(24),
        })
    }

    /// The whole record's length.
    pub(crate) fn record_len(&self) -> u64 {
        HEADER_LEN as u64 + self.entries_len + u64::from(self.note_len)
    }
}

/// A record read back.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) header: RecordHeader,
    /// Entries section: `n_entries` × (u16 length, bytes).
    pub(crate) entries: Vec<u8>,
    pub(crate) note: Vec<u8>,
}

/// Reads records sequentially.
#[derive(Debug)]
pub(crate) struct JournalReader<'a> {
    pub(crate) path: &'a Path,
    pub(crate) file: &'a File,
    pub(crate) offset: u64,
    pub(crate) file_len: u64,
}

/// Why a record could not be read whole.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    Record(Box<Record>),
    End,
    /// The bytes at the offset are not a whole record (torn or damaged).
    Invalid(String),
}

impl JournalReader<'_> {
    /// Reads the record at the current offset, advancing past it if whole.
    pub(crate) fn next_record(&mut self) -> Result<ReadOutcome, StorageError> {
        if self.offset == self.file_len {
            return Ok(ReadOutcome::End);
        }
        let Some(header) = self.header_at(self.offset)? else {
            return Ok(ReadOutcome::Invalid("no valid record header".to_owned()));
        };
        if self.offset + header.record_len() > self.file_len {
            return Ok(ReadOutcome::Invalid(format!(
                "record of {} bytes runs past the end of the file",
                header.record_len()
            )));
        }
        let mut entries = vec![0u8; header.entries_len as usize];
        let start = self.offset + HEADER_LEN as u64;
        self.file
            .read_exact_at(&mut entries, start)
            .map_err(io_error("reading", self.path))?;
        let mut note = vec![0u8; header.note_len as usize];
        self.file
            .read_exact_at(&mut note, start + header.entries_len)
            .map_err(io_error("reading", self.path))?;
        self.offset += header.record_len();
        Ok(ReadOutcome::Record(Box::new(Record {
            header,
            entries,
            note,
        })))
    }

    /// The header at `offset`, if there is a valid one.
    pub(crate) fn header_at(&self, offset: u64) -> Result<Option<RecordHeader>, StorageError> {
        if offset + HEADER_LEN as u64 > self.file_len {
            return Ok(None);
        }
        let mut bytes = [0u8; HEADER_LEN];
        self.file
            .read_exact_at(&mut bytes, offset)
            .map_err(io_error("reading", self.path))?;
        Ok(RecordHeader::parse(&bytes))
    }
}

/// The journal's path in a log directory.
pub(crate) fn path(dir: &Path) -> PathBuf {
    dir.join("journal")
}
