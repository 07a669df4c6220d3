//! The provenance module's raw keys, inside its `provenance` key space (see
//! [`crate::state_key`]). Each starts with a one-byte tag, so no two kinds of key collide.
//!
//! | tag | raw key | value |
//! | --- | --- | --- |
//! | `0x01` | dataset id | [`Dataset`](super::Dataset) |
//! | `0x02` | model name (UTF-8) | [`Model`](super::Model) |
//! | `0x03` | version id | [`ModelVersion`](super::ModelVersion) (never rewritten) |
//! | `0x04` | version id | [`VersionHead`](super::VersionHead) (model name and status) |
//! | `0x05` | list kind, list id | list length, `u64` big-endian (absent: empty) |
//! | `0x06` | list kind, list id, page `u32` big-endian | [`Page`](super::Page) of ids |

use ailedger_core::{Hash, sha256};

const DATASET: u8 = 0x01;
const MODEL: u8 = 0x02;
const VERSION: u8 = 0x03;
const VERSION_HEAD: u8 = 0x04;
const LIST_LEN: u8 = 0x05;
const LIST_PAGE: u8 = 0x06;

/// Raw key of a dataset record.
pub fn dataset(id: &Hash) -> Vec<u8> {
    tagged(DATASET, id.as_ref())
}

/// Raw key of a model record.
pub fn model(name: &str) -> Vec<u8> {
    tagged(MODEL, name.as_bytes())
}

/// Raw key of a model version record.
pub fn version(id: &Hash) -> Vec<u8> {
    tagged(VERSION, id.as_ref())
}

/// Raw key of a model version's head (model and status).
pub fn version_head(id: &Hash) -> Vec<u8> {
    tagged(VERSION_HEAD, id.as_ref())
}

/// Which list kept in the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum List {
    /// Versions that list a dataset among their training data.
    DatasetChildren(Hash),
    /// Versions that list a version among their parents.
    VersionChildren(Hash),
    /// Versions of a model, in registration order (keyed by `SHA-256(name)`).
    ModelVersions(Hash),
    /// Every dataset, in registration order.
    Datasets,
}

impl List {
    /// The list of a model's versions.
    pub fn model_versions(name: &str) -> Self {
        Self::ModelVersions(sha256(&[name.as_bytes()]))
    }

    fn prefix(&self, tag: u8) -> Vec<u8> {
        let (kind, id) = match self {
            Self::DatasetChildren(id) => (1u8, *id),
            Self::VersionChildren(id) => (2, *id),
            Self::ModelVersions(id) => (3, *id),
            Self::Datasets => (4, ailedger_core::ZERO_HASH),
        };
        let mut key = Vec::with_capacity(2 + 32 + 4);
        key.push(tag);
        key.push(kind);
        key.extend_from_slice(id.as_ref());
        key
    }
}

/// Raw key of a list's length.
pub fn list_len(list: &List) -> Vec<u8> {
    list.prefix(LIST_LEN)
}

/// Raw key of one page of a list.
pub fn list_page(list: &List, page: u32) -> Vec<u8> {
    let mut key = list.prefix(LIST_PAGE);
    key.extend_from_slice(&page.to_be_bytes());
    key
}

fn tagged(tag: u8, rest: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + rest.len());
    key.push(tag);
    key.extend_from_slice(rest);
    key
}
