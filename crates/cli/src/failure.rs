//! Failures that carry a stable code (for `--json`) and their exit status, found by `main` in
//! an error's chain of causes.

use ailedger_artifacts::{dataset::DatasetError, weights::WeightsError};
use ailedger_interop::model_signing::{HashError, KeyError, VerifyError};
use std::{fmt, io};
use thiserror::Error;

/// How a failure ends the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: an operational error (bad input file, refused registration, unreachable node).
    Error,
    /// 3: a proof, signature or membership check came back false.
    Verification,
    /// 4: `model licences --strict` found conflicts with the intended use.
    Conflicts,
}

impl Exit {
    /// The process exit status.
    pub(crate) fn status(self) -> u8 {
        match self {
            Self::Error => 1,
            Self::Verification => 3,
            Self::Conflicts => 4,
        }
    }
}

/// A failure with a stable code, e.g. `PARENT_NOT_FOUND`, `CORRUPT_WEIGHTS` or `PROOF_INVALID`.
#[derive(Debug, Error)]
pub(crate) struct Failure {
    /// The stable code.
    pub(crate) code: String,
    /// What happened, in words.
    pub(crate) message: String,
    /// How the process ends.
    pub(crate) exit: Exit,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Failure {
    /// An operational error (exit 1).
    pub(crate) fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            exit: Exit::Error,
        }
    }

    /// A check that came back false (exit 3).
    pub(crate) fn verification(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            exit: Exit::Verification,
        }
    }

    /// Licence conflicts under `--strict` (exit 4).
    pub(crate) fn conflicts(message: impl Into<String>) -> Self {
        Self {
            code: "LICENCE_CONFLICTS".to_owned(),
            message: message.into(),
            exit: Exit::Conflicts,
        }
    }
}

fn io_code(error: &io::Error) -> &'static str {
    match error.kind() {
        io::ErrorKind::NotFound => "FILE_NOT_FOUND",
        io::ErrorKind::PermissionDenied => "FILE_UNREADABLE",
        _ => "IO_ERROR",
    }
}

impl From<DatasetError> for Failure {
    fn from(error: DatasetError) -> Self {
        let code = match &error {
            DatasetError::Io { source, .. } => io_code(source),
            DatasetError::SymlinkRefused { .. } | DatasetError::SymlinkCycle { .. } => {
                "SYMLINK_REFUSED"
            }
            DatasetError::UnsupportedFileType { .. } | DatasetError::NotAFile { .. } => {
                "UNSUPPORTED_FILE_TYPE"
            }
            DatasetError::NonUtf8Path { .. } | DatasetError::PathTooLong { .. } => "BAD_PATH",
            DatasetError::EmptyDataset { .. } => "EMPTY_DATASET",
            DatasetError::FileChanged { .. } => "FILE_CHANGED",
            DatasetError::NotARecordFile { .. } => "NOT_A_RECORD_FILE",
            DatasetError::Csv { .. } => "MALFORMED_CSV",
            DatasetError::InvalidJsonLine { .. } => "MALFORMED_JSONL",
            DatasetError::RecordTooLarge { .. } => "RECORD_TOO_LARGE",
            DatasetError::FileNotInDataset { .. } => "FILE_NOT_IN_DATASET",
            DatasetError::RecordOutOfRange { .. } | DatasetError::LeafOutOfRange { .. } => {
                "RECORD_OUT_OF_RANGE"
            }
            _ => "DATASET_ERROR",
        };
        Self::error(code, error.to_string())
    }
}

impl From<WeightsError> for Failure {
    fn from(error: WeightsError) -> Self {
        let code = match &error {
            WeightsError::Io { source, .. } => io_code(source),
            WeightsError::UnknownFormat { .. } => "UNKNOWN_WEIGHT_FORMAT",
            WeightsError::Truncated { .. }
            | WeightsError::BadMagic { .. }
            | WeightsError::LimitExceeded { .. }
            | WeightsError::Malformed { .. }
            | WeightsError::SafetensorsHeader { .. }
            | WeightsError::BadShape { .. }
            | WeightsError::SizeMismatch { .. }
            | WeightsError::OutOfBounds { .. }
            | WeightsError::Misaligned { .. }
            | WeightsError::ValueOutOfRange { .. } => "CORRUPT_WEIGHTS",
            WeightsError::UnsupportedVersion { .. }
            | WeightsError::UnsupportedDtype { .. }
            | WeightsError::ExternalData { .. } => "UNSUPPORTED_WEIGHTS",
            WeightsError::DuplicateTensor { .. } => "DUPLICATE_TENSOR",
            WeightsError::NoTensors => "NO_TENSORS",
            WeightsError::FileChanged { .. } => "FILE_CHANGED",
            _ => "WEIGHTS_ERROR",
        };
        Self::error(code, error.to_string())
    }
}

impl From<HashError> for Failure {
    fn from(error: HashError) -> Self {
        let code = match &error {
            HashError::Io { source, .. } => io_code(source),
            HashError::NotADirectory { .. } => "NOT_A_DIRECTORY",
            HashError::Symlink { .. } => "SYMLINK_REFUSED",
            _ => "MODEL_DIR_ERROR",
        };
        Self::error(code, error.to_string())
    }
}

impl From<KeyError> for Failure {
    fn from(error: KeyError) -> Self {
        let code = match &error {
            KeyError::Write { source, .. } if source.kind() == io::ErrorKind::AlreadyExists => {
                "FILE_EXISTS"
            }
            KeyError::Write { .. } => "IO_ERROR",
            _ => "BAD_KEY",
        };
        Self::error(code, error.to_string())
    }
}

/// A bundle that does not verify is a negative answer (exit 3), except when the directory
/// could not be read at all (exit 1).
impl From<VerifyError> for Failure {
    fn from(error: VerifyError) -> Self {
        let code = match &error {
            VerifyError::Hash(hash) => return Self::from_hash_ref(hash, error.to_string()),
            VerifyError::BadSignature | VerifyError::NoSignatures => "SIGNATURE_INVALID",
            VerifyError::KeyMismatch { .. } => "WRONG_KEY",
            VerifyError::MissingFiles(_)
            | VerifyError::ExtraFiles(_)
            | VerifyError::DigestMismatch { .. } => "MODEL_MODIFIED",
            _ => "BUNDLE_MALFORMED",
        };
        Self::verification(code, error.to_string())
    }
}

impl Failure {
    fn from_hash_ref(error: &HashError, message: String) -> Self {
        let code = match error {
            HashError::Io { source, .. } => io_code(source),
            HashError::NotADirectory { .. } => "NOT_A_DIRECTORY",
            _ => "MODEL_DIR_ERROR",
        };
        Self::error(code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn missing_files_and_corrupt_headers_have_their_own_codes() {
        let missing = Failure::from(DatasetError::Io {
            path: PathBuf::from("x"),
            source: io::Error::from(io::ErrorKind::NotFound),
        });
        assert_eq!(
            (missing.code.as_str(), missing.exit),
            ("FILE_NOT_FOUND", Exit::Error)
        );
        let corrupt = Failure::from(WeightsError::Malformed {
            path: PathBuf::from("m.onnx"),
            format: "onnx",
            offset: 3,
            reason: "bad varint".into(),
        });
        assert_eq!(corrupt.code, "CORRUPT_WEIGHTS");
        assert!(corrupt.message.contains("m.onnx"), "{}", corrupt.message);
        assert_eq!(Exit::Conflicts.status(), 4);
        assert_eq!(Failure::verification("X", "y").exit.status(), 3);
    }
}
