use super::licence::LicenceError;
use crate::ModuleError;
use ailedger_core::{Address, Hash};
use thiserror::Error;

/// Why a provenance message is invalid on its face (its stateless checks). Such a transaction
/// is refused by the mempool and never included.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MsgError {
    /// The model name breaks the naming rules.
    #[error("invalid model name {name:?}: {reason}")]
    InvalidModelName {
        /// The name given.
        name: String,
        /// Which rule.
        reason: &'static str,
    },
    /// The version label is empty, too long or has characters outside `[A-Za-z0-9._+-]`.
    #[error("invalid version label {0:?}: 1 to 64 characters of [A-Za-z0-9._+-]")]
    InvalidVersionLabel(String),
    /// A required text field is empty.
    #[error("{0} may not be empty")]
    EmptyField(&'static str),
    /// A text field has forbidden characters.
    #[error("invalid {field}: {reason}")]
    InvalidText {
        /// Which field.
        field: &'static str,
        /// Which rule.
        reason: &'static str,
    },
    /// A file path is not a clean relative path.
    #[error("invalid file path {path:?}: {reason}")]
    InvalidPath {
        /// The path given.
        path: String,
        /// Which rule.
        reason: &'static str,
    },
    /// File digests must be strictly sorted by path (which also rules out duplicates).
    #[error("file {path:?} is out of order or listed twice: files must be sorted by path")]
    FilesNotSorted {
        /// The first path out of order.
        path: String,
    },
    /// A model version lists no file.
    #[error("a model version needs at least one file digest")]
    NoFiles,
    /// A parent is listed twice.
    #[error("parent {0} is listed twice")]
    DuplicateParent(Hash),
    /// The version lists itself as a parent.
    #[error("version {0} lists itself as a parent")]
    SelfParent(Hash),
    /// A dataset is listed twice.
    #[error("dataset {0} is listed twice")]
    DuplicateDataset(Hash),
    /// An evidence digest is listed twice.
    #[error("evidence digest {0} is listed twice")]
    DuplicateEvidence(Hash),
    /// A dataset with no leaves.
    #[error("a dataset needs at least one leaf")]
    EmptyDataset,
    /// The collection period ends before it starts.
    #[error("collection period ends ({end_ms}) before it starts ({start_ms})")]
    BadPeriod {
        /// Start, ms since the epoch.
        start_ms: u64,
        /// End, ms since the epoch.
        end_ms: u64,
    },
    /// The licence is not a valid licence expression.
    #[error(transparent)]
    Licence(#[from] LicenceError),
}

impl MsgError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidModelName { .. } => "INVALID_MODEL_NAME",
            Self::InvalidVersionLabel(_) => "INVALID_VERSION_LABEL",
            Self::EmptyField(_) => "EMPTY_FIELD",
            Self::InvalidText { .. } => "INVALID_TEXT",
            Self::InvalidPath { .. } => "INVALID_PATH",
            Self::FilesNotSorted { .. } => "FILES_NOT_SORTED",
            Self::NoFiles => "NO_FILES",
            Self::DuplicateParent(_) => "DUPLICATE_PARENT",
            Self::SelfParent(_) => "SELF_PARENT",
            Self::DuplicateDataset(_) => "DUPLICATE_DATASET",
            Self::DuplicateEvidence(_) => "DUPLICATE_EVIDENCE",
            Self::EmptyDataset => "EMPTY_DATASET",
            Self::BadPeriod { .. } => "BAD_PERIOD",
            Self::Licence(error) => error.code(),
        }
    }
}

/// Why a valid provenance message failed against the state. The transaction stays in its block
/// and pays its fee; nothing it wrote is kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProvenanceError {
    /// A dataset with this root is already registered.
    #[error("dataset {id} is already registered")]
    DatasetExists {
        /// The root.
        id: Hash,
    },
    /// A listed dataset is not registered.
    #[error("dataset {id} is not registered")]
    DatasetNotFound {
        /// The root.
        id: Hash,
    },
    /// The model name is taken.
    #[error("model {name:?} is already registered, owned by {owner}")]
    ModelExists {
        /// The name.
        name: String,
        /// Its owner.
        owner: Address,
    },
    /// The model name is not registered.
    #[error("model {name:?} is not registered")]
    ModelNotFound {
        /// The name.
        name: String,
    },
    /// The sender does not own the model.
    #[error("model {name:?} is owned by {owner}, not by the sender {sender}")]
    NotOwner {
        /// The model.
        name: String,
        /// Its owner.
        owner: Address,
        /// The sender.
        sender: Address,
    },
    /// The version is already registered.
    #[error("version {version:?} of model {model:?} ({id}) is already registered")]
    VersionExists {
        /// The version id.
        id: Hash,
        /// The model.
        model: String,
        /// The label.
        version: String,
    },
    /// The version is not registered.
    #[error("model version {id} is not registered")]
    VersionNotFound {
        /// The version id.
        id: Hash,
    },
    /// A listed parent is not registered.
    #[error("parent version {id} is not registered")]
    ParentNotFound {
        /// The parent's id.
        id: Hash,
    },
    /// A listed parent was revoked.
    #[error("parent version {id} was revoked ({reason}) and cannot be a parent")]
    ParentRevoked {
        /// The parent's id.
        id: Hash,
        /// Why it was revoked.
        reason: String,
    },
    /// The version is already deprecated.
    #[error("model version {id} is already deprecated")]
    AlreadyDeprecated {
        /// The version id.
        id: Hash,
    },
    /// The version was revoked: its status can no longer change.
    #[error("model version {id} was revoked; its status can no longer change")]
    AlreadyRevoked {
        /// The version id.
        id: Hash,
    },
    /// A transfer to the current owner.
    #[error("model {name:?} is already owned by {owner}")]
    SameOwner {
        /// The model.
        name: String,
        /// Its owner.
        owner: Address,
    },
    /// The licence does not canonicalise (the stateless checks make this unreachable).
    #[error(transparent)]
    Licence(#[from] LicenceError),
}

impl ModuleError for ProvenanceError {
    fn code(&self) -> &'static str {
        match self {
            Self::DatasetExists { .. } => "DATASET_EXISTS",
            Self::DatasetNotFound { .. } => "DATASET_NOT_FOUND",
            Self::ModelExists { .. } => "MODEL_EXISTS",
            Self::ModelNotFound { .. } => "MODEL_NOT_FOUND",
            Self::NotOwner { .. } => "NOT_MODEL_OWNER",
            Self::VersionExists { .. } => "VERSION_EXISTS",
            Self::VersionNotFound { .. } => "VERSION_NOT_FOUND",
            Self::ParentNotFound { .. } => "PARENT_NOT_FOUND",
            Self::ParentRevoked { .. } => "PARENT_REVOKED",
            Self::AlreadyDeprecated { .. } => "ALREADY_DEPRECATED",
            Self::AlreadyRevoked { .. } => "ALREADY_REVOKED",
            Self::SameOwner { .. } => "SAME_OWNER",
            Self::Licence(error) => error.code(),
        }
    }
}
