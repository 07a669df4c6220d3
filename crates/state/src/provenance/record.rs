//! The records the provenance module keeps, and their canonical encodings.
//!
//! Every record has exactly one encoding (commonware-codec: fixed-width big-endian integers,
//! minimal varint lengths, bounded lists and strings, UTF-8 checked, one byte per enum with
//! unknown tags refused), and decoding rejects trailing bytes. Decoding checks structure only;
//! the meaning of fields (name syntax, licence syntax, sorted paths...) is checked on the
//! message that creates a record ([`super::ProvenanceMsg::validate`]).

use super::licence::{MAX_EXPRESSION_LEN, MAX_RAW_LEN};
use ailedger_core::{Address, Hash, read_string, string_encode_size, write_string};
use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};
use std::{fmt, str::FromStr};

/// Longest model name, in bytes.
pub const MAX_MODEL_NAME_LEN: usize = 128;
/// Longest version label, in bytes.
pub const MAX_VERSION_LEN: usize = 64;
/// Longest dataset name, in bytes.
pub const MAX_DATASET_NAME_LEN: usize = 128;
/// Longest dataset source (URL or text), in bytes.
pub const MAX_SOURCE_LEN: usize = 1024;
/// Most contributors of a dataset.
pub const MAX_CONTRIBUTORS: usize = 64;
/// Longest contributor, in bytes.
pub const MAX_CONTRIBUTOR_LEN: usize = 128;
/// Most consent or opt-out evidence digests of a dataset.
pub const MAX_EVIDENCE: usize = 64;
/// Most file digests of a model version.
pub const MAX_FILES: usize = 2048;
/// Longest file path, in bytes.
pub const MAX_PATH_LEN: usize = 512;
/// Most parents of a model version.
pub const MAX_PARENTS: usize = 64;
/// Most datasets a model version lists.
pub const MAX_DATASETS: usize = 256;
/// Longest training code commit, in bytes.
pub const MAX_COMMIT_LEN: usize = 64;
/// Longest training hardware description, in bytes.
pub const MAX_HARDWARE_LEN: usize = 128;
/// Longest deprecation or revocation reason, in bytes.
pub const MAX_REASON_LEN: usize = 512;
/// Ids per page of a list kept in the state (children of a dataset or version, versions of a
/// model, all datasets): appending rewrites at most one page.
pub const PAGE_SIZE: usize = 64;

/// A name that is not one of an enum's stable names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {name:?}")]
pub struct UnknownName {
    /// What was being parsed.
    pub what: &'static str,
    /// The name given.
    pub name: String,
}

/// A one-byte enum with stable names (used by the CLI, the API and events).
macro_rules! byte_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $tag:literal, $text:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $tag, )+
        }

        impl $name {
            /// Every value, in tag order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(name: &str) -> Result<Self, UnknownName> {
                match name {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownName { what: $what, name: name.to_owned() }),
                }
            }
        }

        impl Write for $name {
            fn write(&self, buf: &mut impl BufMut) {
                (*self as u8).write(buf);
            }
        }

        impl FixedSize for $name {
            const SIZE: usize = 1;
        }

        impl Read for $name {
            type Cfg = ();

            fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
                match u8::read(buf)? {
                    $($tag => Ok(Self::$variant),)+
                    tag => Err(Error::InvalidEnum(tag)),
                }
            }
        }
    };
}

byte_enum! {
    /// How a dataset's Merkle leaves are formed.
    DatasetMode, "dataset mode" {
        /// One leaf per file of a directory.
        Files = 0, "files";
        /// One leaf per record of record files (CSV rows, JSON lines, ...).
        Records = 1, "records";
    }
}

byte_enum! {
    /// Where a dataset's content comes from (the categories of the EU AI Act's training-content
    /// summary template).
    SourceCategory, "source category" {
        /// A publicly available dataset.
        PublicDataset = 0, "public-dataset";
        /// Data licensed from a third party.
        Licensed = 1, "licensed";
        /// Data crawled or scraped online.
        Crawled = 2, "crawled";
        /// Data from users of the provider's services.
        UserData = 3, "user-data";
        /// Synthetic data.
        Synthetic = 4, "synthetic";
        /// Anything else.
        Other = 5, "other";
    }
}

byte_enum! {
    /// The main kind of content of a dataset.
    Modality, "modality" {
        /// Text.
        Text = 0, "text";
        /// Images.
        Image = 1, "image";
        /// Audio.
        Audio = 2, "audio";
        /// Video.
        Video = 3, "video";
        /// Tables.
        Tabular = 4, "tabular";
        /// Source code.
        Code = 5, "code";
        /// Several of the above.
        Multimodal = 6, "multimodal";
        /// Anything else.
        Other = 7, "other";
    }
}

byte_enum! {
    /// How a model version derives from a parent (Hugging Face's `base_model_relation`, plus
    /// distillation).
    Relation, "relation" {
        /// Further training of the parent's weights.
        Finetune = 0, "finetune";
        /// An adapter (e.g. LoRA) on top of the parent.
        Adapter = 1, "adapter";
        /// A merge of several parents' weights.
        Merge = 2, "merge";
        /// A quantised (or otherwise cast) copy of the parent.
        Quantized = 3, "quantized";
        /// A model trained to imitate the parent.
        Distilled = 4, "distilled";
    }
}

/// A licence as registered: the canonical SPDX expression and the string the registrant gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Licence {
    /// The canonical SPDX expression (see [`super::licence::canonicalize`]).
    pub expression: String,
    /// The licence string as given (an SPDX expression or a Hugging Face id).
    pub raw: String,
}

impl Write for Licence {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.expression, buf);
        write_string(&self.raw, buf);
    }
}

impl EncodeSize for Licence {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.expression) + string_encode_size(&self.raw)
    }
}

impl Read for Licence {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            expression: read_string(buf, MAX_EXPRESSION_LEN, "Licence.expression")?,
            raw: read_string(buf, MAX_RAW_LEN, "Licence.raw")?,
        })
    }
}

/// When a dataset's content was collected, in milliseconds since the Unix epoch (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectionPeriod {
    /// First moment of collection.
    pub start_ms: u64,
    /// Last moment of collection (not before `start_ms`).
    pub end_ms: u64,
}

impl Write for CollectionPeriod {
    fn write(&self, buf: &mut impl BufMut) {
        self.start_ms.write(buf);
        self.end_ms.write(buf);
    }
}

impl FixedSize for CollectionPeriod {
    const SIZE: usize = 2 * u64::SIZE;
}

impl Read for CollectionPeriod {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            start_ms: u64::read(buf)?,
            end_ms: u64::read(buf)?,
        })
    }
}

/// The SHA-256 of one file of a model version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDigest {
    /// Relative path (`/`-separated) within the model's directory.
    pub path: String,
    /// SHA-256 of the file's bytes.
    pub sha256: Hash,
}

impl Write for FileDigest {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.path, buf);
        self.sha256.write(buf);
    }
}

impl EncodeSize for FileDigest {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.path) + Hash::SIZE
    }
}

impl Read for FileDigest {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            path: read_string(buf, MAX_PATH_LEN, "FileDigest.path")?,
            sha256: Hash::read(buf)?,
        })
    }
}

/// A parent of a model version and how the version derives from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parent {
    /// The parent's version id.
    pub id: Hash,
    /// How the version derives from it.
    pub relation: Relation,
}

impl Write for Parent {
    fn write(&self, buf: &mut impl BufMut) {
        self.id.write(buf);
        self.relation.write(buf);
    }
}

impl FixedSize for Parent {
    const SIZE: usize = Hash::SIZE + Relation::SIZE;
}

impl Read for Parent {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            id: Hash::read(buf)?,
            relation: Relation::read(buf)?,
        })
    }
}

/// How a model version was trained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingRun {
    /// Digest of the training configuration.
    pub config: Hash,
    /// Commit of the training code (e.g. a git hash), printable ASCII.
    pub code_commit: String,
    /// The hardware it ran on, in words.
    pub hardware: String,
}

impl Write for TrainingRun {
    fn write(&self, buf: &mut impl BufMut) {
        self.config.write(buf);
        write_string(&self.code_commit, buf);
        write_string(&self.hardware, buf);
    }
}

impl EncodeSize for TrainingRun {
    fn encode_size(&self) -> usize {
        Hash::SIZE + string_encode_size(&self.code_commit) + string_encode_size(&self.hardware)
    }
}

impl Read for TrainingRun {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            config: Hash::read(buf)?,
            code_commit: read_string(buf, MAX_COMMIT_LEN, "TrainingRun.code_commit")?,
            hardware: read_string(buf, MAX_HARDWARE_LEN, "TrainingRun.hardware")?,
        })
    }
}

/// A registered dataset. Its id is its Merkle root: datasets are content-addressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    /// The Merkle root over the dataset's leaves: its id.
    pub id: Hash,
    /// A short human-readable name.
    pub name: String,
    /// Digest of the dataset's per-file manifest.
    pub manifest: Hash,
    /// Number of leaves (files or records).
    pub leaf_count: u64,
    /// Total size of the content in bytes.
    pub total_bytes: u64,
    /// How the leaves are formed.
    pub mode: DatasetMode,
    /// The dataset's licence.
    pub licence: Licence,
    /// Where it comes from (a URL or text).
    pub source: String,
    /// The kind of source.
    pub source_category: SourceCategory,
    /// The main kind of content.
    pub modality: Modality,
    /// When it was collected, if known.
    pub collection: Option<CollectionPeriod>,
    /// Who contributed it.
    pub contributors: Vec<String>,
    /// Digests of consent or opt-out evidence (e.g. robots.txt or TDM reservation snapshots).
    pub evidence: Vec<Hash>,
    /// Who registered it.
    pub registrant: Address,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl Write for Dataset {
    fn write(&self, buf: &mut impl BufMut) {
        self.id.write(buf);
        write_string(&self.name, buf);
        self.manifest.write(buf);
        self.leaf_count.write(buf);
        self.total_bytes.write(buf);
        self.mode.write(buf);
        self.licence.write(buf);
        write_string(&self.source, buf);
        self.source_category.write(buf);
        self.modality.write(buf);
        self.collection.write(buf);
        write_strings(&self.contributors, buf);
        self.evidence.write(buf);
        self.registrant.write(buf);
        self.height.write(buf);
        self.time_ms.write(buf);
    }
}

impl EncodeSize for Dataset {
    fn encode_size(&self) -> usize {
        Hash::SIZE
            + string_encode_size(&self.name)
            + Hash::SIZE
            + 2 * u64::SIZE
            + DatasetMode::SIZE
            + self.licence.encode_size()
            + string_encode_size(&self.source)
            + SourceCategory::SIZE
            + Modality::SIZE
            + self.collection.encode_size()
            + strings_encode_size(&self.contributors)
            + self.evidence.encode_size()
            + Address::SIZE
            + 2 * u64::SIZE
    }
}

impl Read for Dataset {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            id: Hash::read(buf)?,
            name: read_string(buf, MAX_DATASET_NAME_LEN, "Dataset.name")?,
            manifest: Hash::read(buf)?,
            leaf_count: u64::read(buf)?,
            total_bytes: u64::read(buf)?,
            mode: DatasetMode::read(buf)?,
            licence: Licence::read(buf)?,
            source: read_string(buf, MAX_SOURCE_LEN, "Dataset.source")?,
            source_category: SourceCategory::read(buf)?,
            modality: Modality::read(buf)?,
            collection: Option::<CollectionPeriod>::read(buf)?,
            contributors: read_strings(
                buf,
                MAX_CONTRIBUTORS,
                MAX_CONTRIBUTOR_LEN,
                "Dataset.contributor",
            )?,
            evidence: read_hashes(buf, MAX_EVIDENCE)?,
            registrant: Address::read(buf)?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
        })
    }
}

/// A model name and who owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    /// The name (`[a-z0-9._/-]`, at most [`MAX_MODEL_NAME_LEN`] bytes).
    pub name: String,
    /// Who may add versions to it (the publisher, until a transfer).
    pub owner: Address,
    /// Who first registered it.
    pub publisher: Address,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl Write for Model {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.name, buf);
        self.owner.write(buf);
        self.publisher.write(buf);
        self.height.write(buf);
        self.time_ms.write(buf);
    }
}

impl EncodeSize for Model {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.name) + 2 * Address::SIZE + 2 * u64::SIZE
    }
}

impl Read for Model {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            name: read_string(buf, MAX_MODEL_NAME_LEN, "Model.name")?,
            owner: Address::read(buf)?,
            publisher: Address::read(buf)?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
        })
    }
}

/// A registered model version. The record never changes once written; its status is kept
/// apart, in its [`VersionHead`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelVersion {
    /// `version_id(model, version)`.
    pub id: Hash,
    /// The model's name.
    pub model: String,
    /// The version label, unique under the model.
    pub version: String,
    /// SHA-256 of each file, sorted by path.
    pub files: Vec<FileDigest>,
    /// The per-tensor Merkle root of the weights.
    pub tensor_root: Hash,
    /// Digest of the architecture (e.g. of its configuration).
    pub architecture: Hash,
    /// Parents and how the version derives from each.
    pub parents: Vec<Parent>,
    /// Ids of the datasets it was trained on.
    pub datasets: Vec<Hash>,
    /// How it was trained, if it was.
    pub training: Option<TrainingRun>,
    /// Its licence.
    pub licence: Licence,
    /// Who registered it.
    pub registrant: Address,
    /// Height of the block that registered it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl Write for ModelVersion {
    fn write(&self, buf: &mut impl BufMut) {
        self.id.write(buf);
        write_string(&self.model, buf);
        write_string(&self.version, buf);
        self.files.write(buf);
        self.tensor_root.write(buf);
        self.architecture.write(buf);
        self.parents.write(buf);
        self.datasets.write(buf);
        self.training.write(buf);
        self.licence.write(buf);
        self.registrant.write(buf);
        self.height.write(buf);
        self.time_ms.write(buf);
    }
}

impl EncodeSize for ModelVersion {
    fn encode_size(&self) -> usize {
        Hash::SIZE
            + string_encode_size(&self.model)
            + string_encode_size(&self.version)
            + self.files.encode_size()
            + 2 * Hash::SIZE
            + self.parents.encode_size()
            + self.datasets.encode_size()
            + self.training.encode_size()
            + self.licence.encode_size()
            + Address::SIZE
            + 2 * u64::SIZE
    }
}

impl Read for ModelVersion {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            id: Hash::read(buf)?,
            model: read_string(buf, MAX_MODEL_NAME_LEN, "ModelVersion.model")?,
            version: read_string(buf, MAX_VERSION_LEN, "ModelVersion.version")?,
            files: Vec::<FileDigest>::read_cfg(buf, &(RangeCfg::new(0..=MAX_FILES), ()))?,
            tensor_root: Hash::read(buf)?,
            architecture: Hash::read(buf)?,
            parents: Vec::<Parent>::read_cfg(buf, &(RangeCfg::new(0..=MAX_PARENTS), ()))?,
            datasets: read_hashes(buf, MAX_DATASETS)?,
            training: Option::<TrainingRun>::read(buf)?,
            licence: Licence::read(buf)?,
            registrant: Address::read(buf)?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
        })
    }
}

/// Why and when a version's status changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    /// The owner's reason.
    pub reason: String,
    /// Height of the block that changed it.
    pub height: u64,
    /// Time of that block, milliseconds since the Unix epoch.
    pub time_ms: u64,
}

impl Write for StatusChange {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.reason, buf);
        self.height.write(buf);
        self.time_ms.write(buf);
    }
}

impl EncodeSize for StatusChange {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.reason) + 2 * u64::SIZE
    }
}

impl Read for StatusChange {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            reason: read_string(buf, MAX_REASON_LEN, "StatusChange.reason")?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
        })
    }
}

/// Whether a model version should be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionStatus {
    /// In use.
    Active,
    /// Superseded or discouraged; still usable, and may still be a parent.
    Deprecated(StatusChange),
    /// Withdrawn (e.g. a takedown, poisoned or mislabelled weights); final, and it can no
    /// longer be a parent.
    Revoked(StatusChange),
}

impl VersionStatus {
    /// The stable name: `active`, `deprecated` or `revoked`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deprecated(_) => "deprecated",
            Self::Revoked(_) => "revoked",
        }
    }
}

impl Write for VersionStatus {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::Active => 0u8.write(buf),
            Self::Deprecated(change) => {
                1u8.write(buf);
                change.write(buf);
            }
            Self::Revoked(change) => {
                2u8.write(buf);
                change.write(buf);
            }
        }
    }
}

impl EncodeSize for VersionStatus {
    fn encode_size(&self) -> usize {
        match self {
            Self::Active => 1,
            Self::Deprecated(change) | Self::Revoked(change) => 1 + change.encode_size(),
        }
    }
}

impl Read for VersionStatus {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            0 => Ok(Self::Active),
            1 => Ok(Self::Deprecated(StatusChange::read(buf)?)),
            2 => Ok(Self::Revoked(StatusChange::read(buf)?)),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}

/// The small, mutable part of a model version: which model it belongs to and its status.
///
/// Every registered version has one, so it also answers "does this version exist?" with a
/// read of a few dozen bytes (a parent check does not read the whole record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionHead {
    /// The model's name (whose owner may change the status).
    pub model: String,
    /// The status.
    pub status: VersionStatus,
}

impl Write for VersionHead {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.model, buf);
        self.status.write(buf);
    }
}

impl EncodeSize for VersionHead {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.model) + self.status.encode_size()
    }
}

impl Read for VersionHead {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            model: read_string(buf, MAX_MODEL_NAME_LEN, "VersionHead.model")?,
            status: VersionStatus::read(buf)?,
        })
    }
}

/// One page of a list kept in the state: at most [`PAGE_SIZE`] ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page(pub Vec<Hash>);

impl Write for Page {
    fn write(&self, buf: &mut impl BufMut) {
        self.0.write(buf);
    }
}

impl EncodeSize for Page {
    fn encode_size(&self) -> usize {
        self.0.encode_size()
    }
}

impl Read for Page {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        read_hashes(buf, PAGE_SIZE).map(Self)
    }
}

/// Writes a list of strings: its length, then each string.
pub(super) fn write_strings(values: &[String], buf: &mut impl BufMut) {
    values.len().write(buf);
    for value in values {
        write_string(value, buf);
    }
}

/// The encoded size of a list written by [`write_strings`].
pub(super) fn strings_encode_size(values: &[String]) -> usize {
    values.len().encode_size() + values.iter().map(|v| string_encode_size(v)).sum::<usize>()
}

/// Reads a list written by [`write_strings`]: at most `max_items` strings of at most `max_len`
/// bytes.
pub(super) fn read_strings(
    buf: &mut impl Buf,
    max_items: usize,
    max_len: usize,
    what: &'static str,
) -> Result<Vec<String>, Error> {
    let len = usize::read_cfg(buf, &RangeCfg::new(0..=max_items))?;
    let mut values = Vec::with_capacity(len);
    for _ in 0..len {
        values.push(read_string(buf, max_len, what)?);
    }
    Ok(values)
}

/// Reads a list of at most `max` digests.
pub(super) fn read_hashes(buf: &mut impl Buf, max: usize) -> Result<Vec<Hash>, Error> {
    Vec::<Hash>::read_cfg(buf, &(RangeCfg::new(0..=max), ()))
}
