//! The provenance module's messages, their canonical encoding and their stateless checks.

use super::{
    error::MsgError,
    licence::{self, MAX_RAW_LEN},
    record::{
        CollectionPeriod, DatasetMode, FileDigest, MAX_CONTRIBUTOR_LEN, MAX_CONTRIBUTORS,
        MAX_DATASET_NAME_LEN, MAX_DATASETS, MAX_EVIDENCE, MAX_FILES, MAX_MODEL_NAME_LEN,
        MAX_PARENTS, MAX_REASON_LEN, MAX_SOURCE_LEN, MAX_VERSION_LEN, Modality, Parent,
        SourceCategory, TrainingRun, read_hashes, read_strings, strings_encode_size, write_strings,
    },
};
use ailedger_core::{Address, Hash, read_string, sha256, string_encode_size, write_string};
use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};
use std::collections::BTreeSet;

/// Domain tag of model version ids.
pub const VERSION_ID_TAG: &[u8] = b"ailedger/model-version/v1";

/// The id of version `version` of model `model`:
/// `SHA-256("ailedger/model-version/v1" || len(model) || model || len(version) || version)`,
/// lengths as minimal LEB128 varints (one byte for every valid name and label), so that no two
/// (model, version) pairs share an id.
pub fn version_id(model: &str, version: &str) -> Hash {
    let mut lengths = Vec::with_capacity(10);
    model.len().write(&mut lengths);
    let split = lengths.len();
    version.len().write(&mut lengths);
    sha256(&[
        VERSION_ID_TAG,
        &lengths[..split],
        model.as_bytes(),
        &lengths[split..],
        version.as_bytes(),
    ])
}

/// What a dataset registration gives: the [`Dataset`](super::Dataset) record without what the
/// chain adds (canonical licence, registrant, height, time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetSpec {
    /// The Merkle root over the dataset's leaves: its id.
    pub id: Hash,
    /// A short human-readable name (1 to 128 bytes).
    pub name: String,
    /// Digest of the per-file manifest.
    pub manifest: Hash,
    /// Number of leaves; at least 1.
    pub leaf_count: u64,
    /// Total size in bytes.
    pub total_bytes: u64,
    /// How the leaves are formed.
    pub mode: DatasetMode,
    /// The licence as given: an SPDX expression or a Hugging Face licence id.
    pub licence: String,
    /// Where it comes from (a URL or text, 1 to 1024 bytes).
    pub source: String,
    /// The kind of source.
    pub source_category: SourceCategory,
    /// The main kind of content.
    pub modality: Modality,
    /// When it was collected, if known.
    pub collection: Option<CollectionPeriod>,
    /// Who contributed it (at most 64 names of 1 to 128 bytes).
    pub contributors: Vec<String>,
    /// Digests of consent or opt-out evidence (at most 64, no duplicates).
    pub evidence: Vec<Hash>,
}

/// What a model version registration gives: the [`ModelVersion`](super::ModelVersion) record
/// without what the chain adds (id, canonical licence, registrant, height, time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSpec {
    /// The model's name; the sender must own it.
    pub model: String,
    /// The version label, unique under the model (`[A-Za-z0-9._+-]`, 1 to 64 bytes).
    pub version: String,
    /// SHA-256 of each file, strictly sorted by path (1 to 2048 files).
    pub files: Vec<FileDigest>,
    /// The per-tensor Merkle root of the weights.
    pub tensor_root: Hash,
    /// Digest of the architecture.
    pub architecture: Hash,
    /// Parents (registered, not revoked, no duplicates, at most 64).
    pub parents: Vec<Parent>,
    /// Datasets trained on (registered, no duplicates, at most 256).
    pub datasets: Vec<Hash>,
    /// How it was trained, if it was.
    pub training: Option<TrainingRun>,
    /// The licence as given: an SPDX expression or a Hugging Face licence id.
    pub licence: String,
}

impl VersionSpec {
    /// The id the version will have.
    pub fn id(&self) -> Hash {
        version_id(&self.model, &self.version)
    }
}

/// A provenance message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProvenanceMsg {
    /// Registers a dataset under its Merkle root. A root is registered once.
    RegisterDataset(DatasetSpec),
    /// Claims a model name for the sender, who becomes its owner.
    RegisterModel {
        /// The name (`[a-z0-9._/-]`, 1 to 128 bytes, no empty `/` segment).
        name: String,
    },
    /// Registers a version of a model the sender owns.
    RegisterModelVersion(VersionSpec),
    /// Marks a version deprecated (the model's owner only).
    DeprecateVersion {
        /// The version.
        id: Hash,
        /// Why (1 to 512 bytes).
        reason: String,
    },
    /// Revokes a version, for good (the model's owner only).
    RevokeVersion {
        /// The version.
        id: Hash,
        /// Why (1 to 512 bytes).
        reason: String,
    },
    /// Gives a model name, and the right to add and withdraw its versions, to another account.
    TransferModel {
        /// The model.
        name: String,
        /// The new owner.
        new_owner: Address,
    },
}

const REGISTER_DATASET: u8 = 0;
const REGISTER_MODEL: u8 = 1;
const REGISTER_MODEL_VERSION: u8 = 2;
const DEPRECATE_VERSION: u8 = 3;
const REVOKE_VERSION: u8 = 4;
const TRANSFER_MODEL: u8 = 5;

impl ProvenanceMsg {
    /// The stable name of the message's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RegisterDataset(_) => "register_dataset",
            Self::RegisterModel { .. } => "register_model",
            Self::RegisterModelVersion(_) => "register_model_version",
            Self::DeprecateVersion { .. } => "deprecate_version",
            Self::RevokeVersion { .. } => "revoke_version",
            Self::TransferModel { .. } => "transfer_model",
        }
    }

    /// The stateless checks: names, lengths, text, licence syntax, sorted and unique lists.
    /// What needs the state (existence, ownership) is checked on execution.
    pub fn validate(&self) -> Result<(), MsgError> {
        match self {
            Self::RegisterDataset(spec) => validate_dataset(spec),
            Self::RegisterModel { name } => validate_model_name(name),
            Self::RegisterModelVersion(spec) => validate_version(spec),
            Self::DeprecateVersion { reason, .. } | Self::RevokeVersion { reason, .. } => {
                validate_text("reason", reason, false)
            }
            Self::TransferModel { name, .. } => validate_model_name(name),
        }
    }
}

fn validate_dataset(spec: &DatasetSpec) -> Result<(), MsgError> {
    validate_text("name", &spec.name, false)?;
    validate_text("source", &spec.source, false)?;
    if spec.leaf_count == 0 {
        return Err(MsgError::EmptyDataset);
    }
    if let Some(period) = spec.collection
        && period.start_ms > period.end_ms
    {
        return Err(MsgError::BadPeriod {
            start_ms: period.start_ms,
            end_ms: period.end_ms,
        });
    }
    for contributor in &spec.contributors {
        validate_text("contributor", contributor, false)?;
    }
    let mut seen = BTreeSet::new();
    for digest in &spec.evidence {
        if !seen.insert(digest) {
            return Err(MsgError::DuplicateEvidence(*digest));
        }
    }
    licence::canonicalize(&spec.licence)?;
    Ok(())
}

fn validate_version(spec: &VersionSpec) -> Result<(), MsgError> {
    validate_model_name(&spec.model)?;
    validate_version_label(&spec.version)?;
    if spec.files.is_empty() {
        return Err(MsgError::NoFiles);
    }
    let mut previous: Option<&str> = None;
    for file in &spec.files {
        validate_path(&file.path)?;
        if let Some(previous) = previous
            && previous >= file.path.as_str()
        {
            return Err(MsgError::FilesNotSorted {
                path: file.path.clone(),
            });
        }
        previous = Some(&file.path);
    }
    let id = spec.id();
    let mut seen = BTreeSet::new();
    for parent in &spec.parents {
        if parent.id == id {
            return Err(MsgError::SelfParent(id));
        }
        if !seen.insert(parent.id) {
            return Err(MsgError::DuplicateParent(parent.id));
        }
    }
    let mut seen = BTreeSet::new();
    for dataset in &spec.datasets {
        if !seen.insert(dataset) {
            return Err(MsgError::DuplicateDataset(*dataset));
        }
    }
    if let Some(training) = &spec.training {
        if !training.code_commit.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(MsgError::InvalidText {
                field: "code_commit",
                reason: "must be printable ASCII without spaces",
            });
        }
        validate_text("hardware", &training.hardware, true)?;
    }
    licence::canonicalize(&spec.licence)?;
    Ok(())
}

/// Checks a model name: 1 to 128 bytes of `[a-z0-9._/-]`, no empty `/`-separated segment.
pub fn validate_model_name(name: &str) -> Result<(), MsgError> {
    let bad = |reason| {
        Err(MsgError::InvalidModelName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.len() > MAX_MODEL_NAME_LEN {
        return bad("longer than 128 bytes");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._/-".contains(&b))
    {
        return bad("only lowercase letters, digits and . _ / - are allowed");
    }
    if name.split('/').any(str::is_empty) {
        return bad("a '/' may not start or end the name or follow another '/'");
    }
    Ok(())
}

/// Checks a version label: 1 to 64 bytes of `[A-Za-z0-9._+-]`.
pub fn validate_version_label(label: &str) -> Result<(), MsgError> {
    if label.is_empty()
        || label.len() > MAX_VERSION_LEN
        || !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
    {
        return Err(MsgError::InvalidVersionLabel(label.to_owned()));
    }
    Ok(())
}

/// Checks a file path: relative, `/`-separated, no empty, `.` or `..` segment, no control
/// characters or backslashes.
fn validate_path(path: &str) -> Result<(), MsgError> {
    let bad = |reason| {
        Err(MsgError::InvalidPath {
            path: path.to_owned(),
            reason,
        })
    };
    if path.is_empty() {
        return bad("empty");
    }
    if path.chars().any(|c| c.is_control() || c == '\\') {
        return bad("control characters and backslashes are not allowed");
    }
    if path
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return bad("must be relative, without empty, '.' or '..' segments");
    }
    Ok(())
}

/// Checks free text: no control characters, and not empty unless `may_be_empty`.
fn validate_text(field: &'static str, text: &str, may_be_empty: bool) -> Result<(), MsgError> {
    if !may_be_empty && text.trim().is_empty() {
        return Err(MsgError::EmptyField(field));
    }
    if text.chars().any(char::is_control) {
        return Err(MsgError::InvalidText {
            field,
            reason: "control characters are not allowed",
        });
    }
    Ok(())
}

impl Write for DatasetSpec {
    fn write(&self, buf: &mut impl BufMut) {
        self.id.write(buf);
        write_string(&self.name, buf);
        self.manifest.write(buf);
        self.leaf_count.write(buf);
        self.total_bytes.write(buf);
        self.mode.write(buf);
        write_string(&self.licence, buf);
        write_string(&self.source, buf);
        self.source_category.write(buf);
        self.modality.write(buf);
        self.collection.write(buf);
        write_strings(&self.contributors, buf);
        self.evidence.write(buf);
    }
}

impl EncodeSize for DatasetSpec {
    fn encode_size(&self) -> usize {
        2 * Hash::SIZE
            + string_encode_size(&self.name)
            + 2 * u64::SIZE
            + DatasetMode::SIZE
            + string_encode_size(&self.licence)
            + string_encode_size(&self.source)
            + SourceCategory::SIZE
            + Modality::SIZE
            + self.collection.encode_size()
            + strings_encode_size(&self.contributors)
            + self.evidence.encode_size()
    }
}

impl Read for DatasetSpec {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            id: Hash::read(buf)?,
            name: read_string(buf, MAX_DATASET_NAME_LEN, "DatasetSpec.name")?,
            manifest: Hash::read(buf)?,
            leaf_count: u64::read(buf)?,
            total_bytes: u64::read(buf)?,
            mode: DatasetMode::read(buf)?,
            licence: read_string(buf, MAX_RAW_LEN, "DatasetSpec.licence")?,
            source: read_string(buf, MAX_SOURCE_LEN, "DatasetSpec.source")?,
            source_category: SourceCategory::read(buf)?,
            modality: Modality::read(buf)?,
            collection: Option::<CollectionPeriod>::read(buf)?,
            contributors: read_strings(
                buf,
                MAX_CONTRIBUTORS,
                MAX_CONTRIBUTOR_LEN,
                "DatasetSpec.contributor",
            )?,
            evidence: read_hashes(buf, MAX_EVIDENCE)?,
        })
    }
}

impl Write for VersionSpec {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.model, buf);
        write_string(&self.version, buf);
        self.files.write(buf);
        self.tensor_root.write(buf);
        self.architecture.write(buf);
        self.parents.write(buf);
        self.datasets.write(buf);
        self.training.write(buf);
        write_string(&self.licence, buf);
    }
}

impl EncodeSize for VersionSpec {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.model)
            + string_encode_size(&self.version)
            + self.files.encode_size()
            + 2 * Hash::SIZE
            + self.parents.encode_size()
            + self.datasets.encode_size()
            + self.training.encode_size()
            + string_encode_size(&self.licence)
    }
}

impl Read for VersionSpec {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            model: read_string(buf, MAX_MODEL_NAME_LEN, "VersionSpec.model")?,
            version: read_string(buf, MAX_VERSION_LEN, "VersionSpec.version")?,
            files: Vec::<FileDigest>::read_cfg(buf, &(RangeCfg::new(0..=MAX_FILES), ()))?,
            tensor_root: Hash::read(buf)?,
            architecture: Hash::read(buf)?,
            parents: Vec::<Parent>::read_cfg(buf, &(RangeCfg::new(0..=MAX_PARENTS), ()))?,
            datasets: read_hashes(buf, MAX_DATASETS)?,
            training: Option::<TrainingRun>::read(buf)?,
            licence: read_string(buf, MAX_RAW_LEN, "VersionSpec.licence")?,
        })
    }
}

impl Write for ProvenanceMsg {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::RegisterDataset(spec) => {
                REGISTER_DATASET.write(buf);
                spec.write(buf);
            }
            Self::RegisterModel { name } => {
                REGISTER_MODEL.write(buf);
                write_string(name, buf);
            }
            Self::RegisterModelVersion(spec) => {
                REGISTER_MODEL_VERSION.write(buf);
                spec.write(buf);
            }
            Self::DeprecateVersion { id, reason } => {
                DEPRECATE_VERSION.write(buf);
                id.write(buf);
                write_string(reason, buf);
            }
            Self::RevokeVersion { id, reason } => {
                REVOKE_VERSION.write(buf);
                id.write(buf);
                write_string(reason, buf);
            }
            Self::TransferModel { name, new_owner } => {
                TRANSFER_MODEL.write(buf);
                write_string(name, buf);
                new_owner.write(buf);
            }
        }
    }
}

impl EncodeSize for ProvenanceMsg {
    fn encode_size(&self) -> usize {
        1 + match self {
            Self::RegisterDataset(spec) => spec.encode_size(),
            Self::RegisterModel { name } => string_encode_size(name),
            Self::RegisterModelVersion(spec) => spec.encode_size(),
            Self::DeprecateVersion { reason, .. } | Self::RevokeVersion { reason, .. } => {
                Hash::SIZE + string_encode_size(reason)
            }
            Self::TransferModel { name, .. } => string_encode_size(name) + Address::SIZE,
        }
    }
}

impl Read for ProvenanceMsg {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            REGISTER_DATASET => Ok(Self::RegisterDataset(DatasetSpec::read(buf)?)),
            REGISTER_MODEL => Ok(Self::RegisterModel {
                name: read_string(buf, MAX_MODEL_NAME_LEN, "RegisterModel.name")?,
            }),
            REGISTER_MODEL_VERSION => Ok(Self::RegisterModelVersion(VersionSpec::read(buf)?)),
            DEPRECATE_VERSION => Ok(Self::DeprecateVersion {
                id: Hash::read(buf)?,
                reason: read_string(buf, MAX_REASON_LEN, "DeprecateVersion.reason")?,
            }),
            REVOKE_VERSION => Ok(Self::RevokeVersion {
                id: Hash::read(buf)?,
                reason: read_string(buf, MAX_REASON_LEN, "RevokeVersion.reason")?,
            }),
            TRANSFER_MODEL => Ok(Self::TransferModel {
                name: read_string(buf, MAX_MODEL_NAME_LEN, "TransferModel.name")?,
                new_owner: Address::read(buf)?,
            }),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}
