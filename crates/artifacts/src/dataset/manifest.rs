//! The per-file manifest of a dataset and its digest.
//!
//! # Encoding
//!
//! ```text
//! manifest = str("ailedger/dataset-manifest/v1") || u64(number of files)
//!            || ( str(path) || u64(size) || sha256(content)[32] )...   in byte order of path
//! ```
//!
//! with the crate's canonical encoding (big-endian integers, `u32`-length-prefixed UTF-8
//! strings). The manifest digest is the SHA-256 of these bytes. The manifest does not depend on
//! the mode: the same files give the same manifest in files and in records mode.

use sha2::{Digest as _, Sha256};

use super::{DatasetError, FileLeaf, MAX_PATH_LEN};
use crate::encoding::{DecodeError, Decoder, Sink, put_hash, put_str, put_u64};
use crate::hash::{Hash, finish};

/// Domain tag at the start of a manifest's encoding.
pub const MANIFEST_TAG: &str = "ailedger/dataset-manifest/v1";

/// One file of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Path relative to the dataset root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content.
    pub sha256: Hash,
}

impl ManifestEntry {
    /// This file's leaf in files mode.
    pub fn file_leaf(&self) -> FileLeaf {
        FileLeaf {
            path: self.path.clone(),
            size: self.size,
            sha256: self.sha256,
        }
    }
}

/// The files of a dataset with their sizes and SHA-256, in byte order of their paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    entries: Vec<ManifestEntry>,
}

impl Manifest {
    /// A manifest; fails unless paths are unique and in byte order.
    pub fn new(entries: Vec<ManifestEntry>) -> Result<Self, DatasetError> {
        for pair in entries.windows(2) {
            if pair[0].path >= pair[1].path {
                return Err(DatasetError::ManifestOrder {
                    path: pair[1].path.clone(),
                    previous: pair[0].path.clone(),
                });
            }
        }
        Ok(Self { entries })
    }

    /// The files, in byte order of their paths.
    pub fn entries(&self) -> &[ManifestEntry] {
        &self.entries
    }

    /// The entry for `path`, if the dataset has that file.
    pub fn get(&self, path: &str) -> Option<(usize, &ManifestEntry)> {
        let position = self
            .entries
            .binary_search_by(|entry| entry.path.as_str().cmp(path))
            .ok()?;
        Some((position, &self.entries[position]))
    }

    /// Sum of the file sizes.
    pub fn total_bytes(&self) -> u64 {
        self.entries.iter().map(|entry| entry.size).sum()
    }

    /// The canonical encoding (see the module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.encode_into(&mut bytes);
        bytes
    }

    /// SHA-256 of [`encode`](Self::encode)'s output.
    pub fn digest(&self) -> Hash {
        let mut hasher = Sha256::new();
        self.encode_into(&mut hasher);
        finish(hasher)
    }

    fn encode_into(&self, sink: &mut impl Sink) {
        put_str(sink, MANIFEST_TAG);
        put_u64(sink, self.entries.len() as u64);
        for entry in &self.entries {
            put_str(sink, &entry.path);
            put_u64(sink, entry.size);
            put_hash(sink, &entry.sha256);
        }
    }

    /// Decodes [`encode`](Self::encode)'s output, rejecting anything else.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut decoder = Decoder::new(bytes);
        let tag = decoder.bytes("manifest tag", MANIFEST_TAG.len())?;
        if tag != MANIFEST_TAG.as_bytes() {
            return Err(DecodeError::Invalid {
                field: "manifest tag",
                reason: "not ailedger/dataset-manifest/v1",
            });
        }
        let n_entries = decoder.u64("number of files")?;
        // Each entry takes at least 44 bytes, which bounds the allocation by the input size.
        if n_entries > (decoder.remaining() / 44) as u64 {
            return Err(DecodeError::Truncated {
                field: "manifest entries",
                needed: n_entries.saturating_mul(44),
                available: decoder.remaining(),
            });
        }
        let mut entries = Vec::with_capacity(n_entries as usize);
        for _ in 0..n_entries {
            entries.push(ManifestEntry {
                path: decoder.string("path", MAX_PATH_LEN)?,
                size: decoder.u64("size")?,
                sha256: decoder.hash("sha256")?,
            });
        }
        decoder.finish()?;
        Self::new(entries).map_err(|_| DecodeError::Invalid {
            field: "manifest",
            reason: "paths are not unique and in byte order",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::sha256;

    fn entry(path: &str) -> ManifestEntry {
        ManifestEntry {
            path: path.into(),
            size: path.len() as u64,
            sha256: sha256(path.as_bytes()),
        }
    }

    #[test]
    fn encoding_round_trips_and_digest_is_sha256_of_it() {
        let manifest = Manifest::new(vec![entry("a"), entry("b/c"), entry("é")]).unwrap();
        let bytes = manifest.encode();
        assert_eq!(Manifest::decode(&bytes), Ok(manifest.clone()));
        assert_eq!(manifest.digest(), sha256(&bytes));
        assert_eq!(manifest.get("b/c").map(|(i, _)| i), Some(1));
        assert!(manifest.get("b").is_none());
        for cut in 0..bytes.len() {
            assert!(Manifest::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut extended = bytes;
        extended.push(0);
        assert!(Manifest::decode(&extended).is_err());
    }

    #[test]
    fn unsorted_or_duplicate_paths_are_refused() {
        assert!(matches!(
            Manifest::new(vec![entry("b"), entry("a")]),
            Err(DatasetError::ManifestOrder { .. })
        ));
        assert!(matches!(
            Manifest::new(vec![entry("a"), entry("a")]),
            Err(DatasetError::ManifestOrder { .. })
        ));
    }
}
