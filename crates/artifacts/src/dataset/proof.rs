//! Proofs that a file or a record is in a dataset, checkable with the root alone.

use super::leaf::{CSV_BODY_TAG, JSONL_BODY_TAG};
use super::{FileLeaf, MAX_PATH_LEN, MAX_RECORD_LEN, Record, RecordLeaf};
use crate::encoding::{
    DecodeError, Decoder, put_bytes, put_hash, put_str, put_u8, put_u32, put_u64,
};
use crate::hash::Hash;
use crate::merkle::{InclusionProof, ProofError};

/// Version byte of [`DatasetProof::encode`].
const DATASET_PROOF_VERSION: u8 = 1;
const FILE_LEAF_KIND: u8 = 1;
const RECORD_LEAF_KIND: u8 = 2;

/// The leaf a [`DatasetProof`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetLeaf {
    /// A file of a files-mode dataset.
    File(FileLeaf),
    /// A record of a records-mode dataset.
    Record(RecordLeaf),
}

impl DatasetLeaf {
    /// The leaf hash.
    pub fn leaf_hash(&self) -> Hash {
        match self {
            Self::File(leaf) => leaf.leaf_hash(),
            Self::Record(leaf) => leaf.leaf_hash(),
        }
    }
}

/// Proof that a file or a record is in a dataset: the leaf's fields and its inclusion proof.
///
/// # Binary encoding (version 1)
///
/// ```text
/// u8 version = 1 || leaf || inclusion proof (InclusionProof::encode)
/// leaf = u8(1) || str(path) || u64(size) || sha256[32]                       (file)
///      | u8(2) || str(path) || u64(index_in_file) || u8(1) || fields(header) || fields(row)  (CSV)
///      | u8(2) || str(path) || u64(index_in_file) || u8(2) || bytes(line)                   (JSONL)
/// fields = u32(count) || bytes(field)...
/// ```
///
/// Paths are bounded by [`MAX_PATH_LEN`] and records by [`MAX_RECORD_LEN`]; decoding rejects
/// unknown versions and tags, truncation and trailing bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetProof {
    /// The file or record.
    pub leaf: DatasetLeaf,
    /// Its position in the dataset tree and the sibling hashes.
    pub inclusion: InclusionProof,
}

impl DatasetProof {
    /// A proof from its parts.
    pub fn new(leaf: DatasetLeaf, inclusion: InclusionProof) -> Self {
        Self { leaf, inclusion }
    }

    /// The root this proof leads to.
    pub fn root(&self) -> Hash {
        self.inclusion.root_for(&self.leaf.leaf_hash())
    }

    /// Checks the proof against a dataset root (for example the one registered on chain).
    pub fn verify(&self, root: &Hash) -> Result<(), ProofError> {
        self.inclusion.verify(&self.leaf.leaf_hash(), root)
    }

    /// The canonical binary encoding (see the type's docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        put_u8(&mut bytes, DATASET_PROOF_VERSION);
        match &self.leaf {
            DatasetLeaf::File(file) => {
                put_u8(&mut bytes, FILE_LEAF_KIND);
                put_str(&mut bytes, &file.path);
                put_u64(&mut bytes, file.size);
                put_hash(&mut bytes, &file.sha256);
            }
            DatasetLeaf::Record(record) => {
                put_u8(&mut bytes, RECORD_LEAF_KIND);
                put_str(&mut bytes, &record.path);
                put_u64(&mut bytes, record.index_in_file);
                match &record.record {
                    Record::Csv { header, fields } => {
                        put_u8(&mut bytes, CSV_BODY_TAG);
                        put_fields(&mut bytes, header);
                        put_fields(&mut bytes, fields);
                    }
                    Record::Jsonl { line } => {
                        put_u8(&mut bytes, JSONL_BODY_TAG);
                        put_bytes(&mut bytes, line);
                    }
                }
            }
        }
        self.inclusion.encode_into(&mut bytes);
        bytes
    }

    /// Decodes [`encode`](Self::encode)'s output, rejecting anything else.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProofError> {
        let mut decoder = Decoder::new(bytes);
        let version = decoder.u8("dataset proof version")?;
        if version != DATASET_PROOF_VERSION {
            return Err(DecodeError::UnknownVersion {
                what: "dataset proof",
                version,
            }
            .into());
        }
        let leaf = match decoder.u8("leaf kind")? {
            FILE_LEAF_KIND => DatasetLeaf::File(FileLeaf {
                path: decoder.string("path", MAX_PATH_LEN)?,
                size: decoder.u64("size")?,
                sha256: decoder.hash("sha256")?,
            }),
            RECORD_LEAF_KIND => {
                let path = decoder.string("path", MAX_PATH_LEN)?;
                let index_in_file = decoder.u64("record index")?;
                let record = match decoder.u8("record kind")? {
                    CSV_BODY_TAG => Record::Csv {
                        header: decode_fields(&mut decoder, "CSV header")?,
                        fields: decode_fields(&mut decoder, "CSV row")?,
                    },
                    JSONL_BODY_TAG => Record::Jsonl {
                        line: decoder.bytes("JSON line", MAX_RECORD_LEN)?.to_vec(),
                    },
                    tag => {
                        return Err(DecodeError::UnknownTag {
                            what: "record kind",
                            tag,
                        }
                        .into());
                    }
                };
                DatasetLeaf::Record(RecordLeaf {
                    path,
                    index_in_file,
                    record,
                })
            }
            tag => {
                return Err(DecodeError::UnknownTag {
                    what: "leaf kind",
                    tag,
                }
                .into());
            }
        };
        let inclusion = InclusionProof::decode_from(&mut decoder)?;
        decoder.finish()?;
        Ok(Self { leaf, inclusion })
    }

    /// The binary encoding as lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.encode())
    }

    /// Decodes [`to_hex`](Self::to_hex)'s output.
    pub fn from_hex(text: &str) -> Result<Self, ProofError> {
        let bytes = hex::decode(text).map_err(DecodeError::from)?;
        Self::decode(&bytes)
    }
}

fn put_fields(bytes: &mut Vec<u8>, fields: &[Vec<u8>]) {
    put_u32(bytes, u32::try_from(fields.len()).unwrap_or(u32::MAX));
    for field in fields {
        put_bytes(bytes, field);
    }
}

fn decode_fields(
    decoder: &mut Decoder<'_>,
    field: &'static str,
) -> Result<Vec<Vec<u8>>, DecodeError> {
    let n_fields = decoder.u32(field)?;
    // Each field takes at least its 4-byte length: this bounds the allocation by the input.
    if u64::from(n_fields) * 4 > decoder.remaining() as u64 {
        return Err(DecodeError::Truncated {
            field,
            needed: u64::from(n_fields) * 4,
            available: decoder.remaining(),
        });
    }
    let mut fields = Vec::with_capacity(n_fields as usize);
    let mut encoded_len = 4usize;
    for _ in 0..n_fields {
        let value = decoder.bytes(field, MAX_RECORD_LEN)?;
        encoded_len += 4 + value.len();
        if encoded_len > MAX_RECORD_LEN {
            return Err(DecodeError::TooLong {
                field,
                len: encoded_len as u64,
                max: MAX_RECORD_LEN as u64,
            });
        }
        fields.push(value.to_vec());
    }
    Ok(fields)
}
