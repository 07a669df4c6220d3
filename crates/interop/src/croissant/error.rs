//! Why a dataset cannot be exported as Croissant.

/// A dataset record, its manifest or the export options cannot make a valid description.
#[derive(Debug, thiserror::Error)]
pub enum CroissantError {
    /// The manifest lists no file.
    #[error("the manifest lists no file; a registered dataset has at least one")]
    EmptyManifest,
    /// A manifest path is empty, absolute, has an empty, `.` or `..` segment, or a backslash.
    #[error("manifest path {path:?} must be a relative path with `/` separators")]
    InvalidPath {
        /// The path.
        path: String,
    },
    /// A manifest path appears twice.
    #[error("manifest path {path:?} appears twice")]
    DuplicatePath {
        /// The path.
        path: String,
    },
    /// The manifest's sizes do not add up to the record's size: it is another dataset's.
    #[error(
        "the manifest's files add up to {manifest_bytes} bytes but the dataset record has \
         {record_bytes}; is it this dataset's manifest?"
    )]
    SizeMismatch {
        /// The sum of the manifest's sizes.
        manifest_bytes: u64,
        /// The record's total size.
        record_bytes: u64,
    },
    /// In files mode, the manifest does not have one file per leaf.
    #[error(
        "the manifest lists {n_files} files but the dataset record (files mode) has {leaf_count} \
         leaves; is it this dataset's manifest?"
    )]
    FileCountMismatch {
        /// Files in the manifest.
        n_files: u64,
        /// Leaves of the record.
        leaf_count: u64,
    },
    /// A record set names a file that is not in the manifest.
    #[error("record set file {path:?} is not in the dataset's manifest")]
    RecordSetFileMissing {
        /// The file.
        path: String,
    },
    /// A record set names a file that is not a `.csv` file.
    #[error("record set file {path:?} is not a .csv file")]
    RecordSetNotCsv {
        /// The file.
        path: String,
    },
    /// A record set has no columns.
    #[error("the record set of {path:?} has no columns")]
    NoColumns {
        /// The file.
        path: String,
    },
    /// A record set has a column with an empty name.
    #[error("the record set of {path:?} has a column with an empty name")]
    EmptyColumnName {
        /// The file.
        path: String,
    },
    /// A record set has two columns of the same name.
    #[error("the record set of {path:?} has two columns named {column:?}")]
    DuplicateColumn {
        /// The file.
        path: String,
        /// The column name.
        column: String,
    },
    /// Two nodes of the description would get the same `@id` (a file path equal to a record
    /// set's or field's id); give the record set another id.
    #[error("two nodes would have the @id {id:?}; give the record set another id")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// The CSV file has no header.
    #[error("the CSV file has no header row")]
    EmptyCsv,
    /// The CSV file could not be read or parsed.
    #[error("cannot read the CSV file: {0}")]
    Csv(csv::Error),
}
