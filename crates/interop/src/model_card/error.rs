//! Why a model card cannot be read or written.

/// A README's front matter is malformed, or a card cannot be made from the records given.
#[derive(Debug, thiserror::Error)]
pub enum ModelCardError {
    /// The README opens a front matter block (`---`) that no `---` line closes.
    #[error("front matter opened by `---` on line {line} is never closed by a `---` line")]
    UnterminatedFrontMatter {
        /// The line of the opening `---` (1-based).
        line: usize,
    },
    /// The front matter is not valid YAML (syntax, a duplicated key, an alias bomb...).
    #[error("front matter is not valid YAML: {message} (line {line}, column {column})")]
    Yaml {
        /// What the YAML parser found.
        message: String,
        /// Line in the README (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
    },
    /// The front matter holds more than one YAML document.
    #[error("front matter holds {0} YAML documents, expected one")]
    MultipleDocuments(usize),
    /// The front matter is not a mapping of keys to values.
    #[error("front matter must be a mapping of keys to values, found {found}")]
    NotAMapping {
        /// What it is.
        found: &'static str,
    },
    /// A key of the front matter is not a string.
    #[error("front matter key on line {line} must be a string, found {found}")]
    NonStringKey {
        /// What the key is.
        found: &'static str,
        /// Line in the README (1-based).
        line: usize,
    },
    /// A field has a value of the wrong type.
    #[error("`{key}` on line {line} must be {expected}, found {found}")]
    WrongType {
        /// The field (with the index of a list element, `tags[2]`).
        key: String,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
        /// Line in the README (1-based).
        line: usize,
    },
    /// `base_model_relation` is not one of the Hub's relations.
    #[error(
        "`base_model_relation` on line {line} is {value:?}; expected adapter, merge, quantized or \
         finetune"
    )]
    UnknownRelation {
        /// The value.
        value: String,
        /// Line in the README (1-based).
        line: usize,
    },
    /// A parent of the version was not given.
    #[error("parent version {id} of the model version is missing from the parents given")]
    MissingParent {
        /// The parent's version id (hex).
        id: String,
    },
    /// A dataset of the version was not given.
    #[error("dataset {root} of the model version is missing from the datasets given")]
    MissingDataset {
        /// The dataset's root (hex).
        root: String,
    },
}
