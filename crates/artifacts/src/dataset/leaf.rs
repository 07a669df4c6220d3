//! The leaves of a dataset tree: one per file (files mode) or one per record (records mode).
//!
//! Leaf data, in the crate's canonical encoding (see [`crate::encoding`]: big-endian integers,
//! `u32`-length-prefixed strings); the leaf hash is `SHA-256(0x00 || leaf data)`.
//!
//! ```text
//! file leaf   = str("ailedger/dataset-file/v1") || str(path) || u64(size) || sha256(content)[32]
//! record leaf = str("ailedger/dataset-record/v1") || str(path) || u64(index_in_file) || body
//! body (CSV)   = u8(1) || sha256(fields(header))[32] || fields(row)
//! body (JSONL) = u8(2) || bytes(line)
//! fields(r)    = u32(number of fields) || bytes(field)...
//! ```
//!
//! `path` is the file's path relative to the dataset root, `/`-separated. `index_in_file` counts
//! the records of that file from 0 (a CSV header is not a record). The leaf's position in the
//! tree (the dataset-wide record number) is bound by the inclusion proof, not by the leaf, so
//! each file's leaves can be hashed without knowing how many records the files before it hold,
//! which is what lets records mode hash files in parallel.

use sha2::{Digest as _, Sha256};

use crate::encoding::{Sink, put_bytes, put_hash, put_str, put_u8, put_u32, put_u64};
use crate::hash::{Hash, finish};
use crate::merkle::LEAF_PREFIX;

/// Domain tag of a file leaf.
pub const FILE_LEAF_TAG: &str = "ailedger/dataset-file/v1";
/// Domain tag of a record leaf.
pub const RECORD_LEAF_TAG: &str = "ailedger/dataset-record/v1";

const CSV_BODY: u8 = 1;
const JSONL_BODY: u8 = 2;

/// A file of a dataset, as its leaf commits to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLeaf {
    /// Path relative to the dataset root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content.
    pub sha256: Hash,
}

impl FileLeaf {
    /// The leaf data (see the module docs).
    pub fn leaf_data(&self) -> Vec<u8> {
        let mut data = Vec::new();
        self.encode_leaf(&mut data);
        data
    }

    /// `SHA-256(0x00 || leaf data)`.
    pub fn leaf_hash(&self) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update([LEAF_PREFIX]);
        self.encode_leaf(&mut hasher);
        finish(hasher)
    }

    fn encode_leaf(&self, sink: &mut impl Sink) {
        put_str(sink, FILE_LEAF_TAG);
        put_str(sink, &self.path);
        put_u64(sink, self.size);
        put_hash(sink, &self.sha256);
    }
}

/// One record's canonical content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A CSV row: its fields after unquoting, with the file's header fields.
    ///
    /// The canonical form is the parsed fields, not the row's bytes: the same data quoted
    /// differently (`a` or `"a"`), or ending lines with CRLF instead of LF, gives the same
    /// record; a field's embedded line breaks and quotes are kept as the field holds them.
    Csv {
        /// The header row's fields.
        header: Vec<Vec<u8>>,
        /// This row's fields.
        fields: Vec<Vec<u8>>,
    },
    /// A JSON Lines record: the line's bytes without its `\n` or `\r\n` terminator (and
    /// without a UTF-8 byte order mark on the first line).
    Jsonl {
        /// The line.
        line: Vec<u8>,
    },
}

/// A record of a dataset, as its leaf commits to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLeaf {
    /// Path of its file relative to the dataset root, `/`-separated.
    pub path: String,
    /// Position among its file's records, from 0.
    pub index_in_file: u64,
    /// The record.
    pub record: Record,
}

impl RecordLeaf {
    /// The leaf data (see the module docs).
    pub fn leaf_data(&self) -> Vec<u8> {
        let mut data = Vec::new();
        self.encode_leaf(&mut data);
        data
    }

    /// `SHA-256(0x00 || leaf data)`.
    pub fn leaf_hash(&self) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update([LEAF_PREFIX]);
        self.encode_leaf(&mut hasher);
        finish(hasher)
    }

    fn encode_leaf(&self, sink: &mut impl Sink) {
        match &self.record {
            Record::Csv { header, fields } => encode_csv_leaf(
                sink,
                &self.path,
                self.index_in_file,
                &csv_header_digest(header.iter().map(Vec::as_slice)),
                fields.iter().map(Vec::as_slice),
            ),
            Record::Jsonl { line } => encode_jsonl_leaf(sink, &self.path, self.index_in_file, line),
        }
    }
}

/// SHA-256 of `fields(header)`.
pub(crate) fn csv_header_digest<'a>(header: impl ExactSizeIterator<Item = &'a [u8]>) -> Hash {
    let mut hasher = Sha256::new();
    put_fields(&mut hasher, header);
    finish(hasher)
}

/// Size of `fields(row)` in bytes.
pub(crate) fn encoded_fields_len<'a>(fields: impl Iterator<Item = &'a [u8]>) -> usize {
    4 + fields.map(|field| 4 + field.len()).sum::<usize>()
}

fn put_fields<'a>(sink: &mut impl Sink, fields: impl ExactSizeIterator<Item = &'a [u8]>) {
    // Callers bound records by `MAX_RECORD_LEN`, so the count fits a `u32`.
    put_u32(sink, u32::try_from(fields.len()).unwrap_or(u32::MAX));
    for field in fields {
        put_bytes(sink, field);
    }
}

pub(crate) fn encode_csv_leaf<'a>(
    sink: &mut impl Sink,
    path: &str,
    index_in_file: u64,
    header_digest: &Hash,
    fields: impl ExactSizeIterator<Item = &'a [u8]>,
) {
    put_str(sink, RECORD_LEAF_TAG);
    put_str(sink, path);
    put_u64(sink, index_in_file);
    put_u8(sink, CSV_BODY);
    put_hash(sink, header_digest);
    put_fields(sink, fields);
}

pub(crate) fn encode_jsonl_leaf(sink: &mut impl Sink, path: &str, index_in_file: u64, line: &[u8]) {
    put_str(sink, RECORD_LEAF_TAG);
    put_str(sink, path);
    put_u64(sink, index_in_file);
    put_u8(sink, JSONL_BODY);
    put_bytes(sink, line);
}

/// The leaf hash of a CSV row, without building a [`RecordLeaf`].
pub(crate) fn csv_leaf_hash<'a>(
    path: &str,
    index_in_file: u64,
    header_digest: &Hash,
    fields: impl ExactSizeIterator<Item = &'a [u8]>,
) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    encode_csv_leaf(&mut hasher, path, index_in_file, header_digest, fields);
    finish(hasher)
}

/// The leaf hash of a JSON Lines record, without building a [`RecordLeaf`].
pub(crate) fn jsonl_leaf_hash(path: &str, index_in_file: u64, line: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    encode_jsonl_leaf(&mut hasher, path, index_in_file, line);
    finish(hasher)
}

pub(crate) const CSV_BODY_TAG: u8 = CSV_BODY;
pub(crate) const JSONL_BODY_TAG: u8 = JSONL_BODY;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    #[test]
    fn leaf_hash_is_the_rfc6962_hash_of_the_leaf_data() {
        let file = FileLeaf {
            path: "a/b.txt".into(),
            size: 3,
            sha256: crate::hash::sha256(b"abc"),
        };
        assert_eq!(file.leaf_hash(), leaf_hash(&file.leaf_data()));
        let data = file.leaf_data();
        assert_eq!(&data[..4], &(FILE_LEAF_TAG.len() as u32).to_be_bytes());
        assert_eq!(data.len(), 4 + FILE_LEAF_TAG.len() + 4 + 7 + 8 + 32);

        let csv = RecordLeaf {
            path: "d.csv".into(),
            index_in_file: 5,
            record: Record::Csv {
                header: vec![b"x".to_vec(), b"y".to_vec()],
                fields: vec![b"1".to_vec(), b"".to_vec()],
            },
        };
        assert_eq!(csv.leaf_hash(), leaf_hash(&csv.leaf_data()));
        assert_eq!(
            csv.leaf_hash(),
            csv_leaf_hash(
                "d.csv",
                5,
                &csv_header_digest([b"x".as_slice(), b"y"].into_iter()),
                [b"1".as_slice(), b""].into_iter()
            )
        );
        let jsonl = RecordLeaf {
            path: "d.jsonl".into(),
            index_in_file: 0,
            record: Record::Jsonl {
                line: b"{}".to_vec(),
            },
        };
        assert_eq!(jsonl.leaf_hash(), jsonl_leaf_hash("d.jsonl", 0, b"{}"));
        assert_ne!(jsonl.leaf_hash(), csv.leaf_hash());
    }
}
