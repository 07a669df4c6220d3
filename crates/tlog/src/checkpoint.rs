//! C2SP `tlog-checkpoint`: origin, tree size and root hash, as the text of a signed note.
//!
//! ```text
//! example.com/log
//! 15
//! 8R5YP0hUB/ePNF+14fbz5NAfN2k4A7j4AUjwTLJ3CAo=
//!
//! — example.com/log Az3grlgt...
//! ```

use std::fmt;

use crate::error::{FormatError, VerifyError};
use crate::hash::Hash;
use crate::note::{LogKey, LogVerifier, check_controls, check_line, split_note};
use crate::proof::ConsistencyProof;

/// A checkpoint's content: which log, how many entries, which root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, FormatError> {
        check_line("origin", origin)?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Adds an extension line (opaque to C2SP clients, signed with the rest).
    pub fn with_extension(mut self, line: &str) -> Result<Self, FormatError> {
        check_line("extension line", line)?;
        self.extensions.push(line.to_owned());
        Ok(self)
    }

    /// The log's origin (its name, conventionally its URL prefix without scheme).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of entries.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root of the first [`size`](Self::size) entries.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// The extension lines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The checkpoint text: one line each for origin, size, root, then the extension lines.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, self.root);
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Parses checkpoint text (the text of a signed note, ending with a newline).
    pub fn parse(text: &str) -> Result<Self, FormatError> {
        const WHAT: &str = "checkpoint";
        check_controls(WHAT, text)?;
        let Some(body) = text.strip_suffix('\n') else {
            return Err(FormatError::MissingFinalNewline { what: WHAT });
        };
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(FormatError::TruncatedCheckpoint { found: lines.len() });
        };
        if origin.is_empty() {
            return Err(FormatError::EmptyOrigin);
        }
        let size = parse_decimal(size).ok_or_else(|| FormatError::BadTreeSize {
            found: (*size).to_owned(),
        })?;
        let root = Hash::from_base64(root).ok_or_else(|| FormatError::BadRootHash {
            found: (*root).to_owned(),
        })?;
        if let Some(position) = extensions.iter().position(|line| line.is_empty()) {
            return Err(FormatError::EmptyExtensionLine { line: position + 4 });
        }
        let checkpoint = Self {
            origin: (*origin).to_owned(),
            size,
            root,
            extensions: extensions.iter().map(|line| (*line).to_owned()).collect(),
        };
        // The reference parser has the last word, so both always agree on what is valid.
        let reference = tlog_tiles::Checkpoint::from_bytes(text.as_bytes())
            .map_err(|_| FormatError::Rejected { what: WHAT })?;
        if reference.size() != checkpoint.size || reference.hash().0 != checkpoint.root.0 {
            return Err(FormatError::Rejected { what: WHAT });
        }
        Ok(checkpoint)
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} @ {} = {}", self.origin, self.size, self.root)
    }
}

/// Parses a canonical decimal `u64`: digits only, no leading zeros (except `0` itself).
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// A checkpoint together with the exact signed note it was read from or signed into.
///
/// The note's bytes are kept as they are: re-encoding could drop cosignatures or change
/// bytes that signatures cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: Vec<u8>,
}

impl SignedCheckpoint {
    /// Signs `checkpoint` with the log's key.
    pub fn sign(checkpoint: Checkpoint, key: &LogKey) -> Result<Self, FormatError> {
        let note = key.sign_note(checkpoint.to_text().as_bytes())?;
        Ok(Self { checkpoint, note })
    }

    /// Parses a signed checkpoint without checking any signature: only for display or
    /// diagnosis; trust nothing in it before [`verify`](Self::verify).
    pub fn parse_unverified(note: &[u8]) -> Result<Self, FormatError> {
        let (text, _) = split_note(note)?;
        let checkpoint = Checkpoint::parse(text)?;
        signed_note::Note::from_bytes(note).map_err(|_| FormatError::Rejected {
            what: "signed note",
        })?;
        Ok(Self {
            checkpoint,
            note: note.to_vec(),
        })
    }

    /// Parses a signed checkpoint and checks that it is signed by `verifier`'s key and carries
    /// its origin.
    pub fn open(note: &[u8], verifier: &LogVerifier) -> Result<Self, VerifyError> {
        let text = verifier.open(note)?;
        let checkpoint = Checkpoint::parse(text)?;
        if checkpoint.origin != verifier.origin() {
            return Err(VerifyError::OriginMismatch {
                expected: verifier.origin().to_owned(),
                found: checkpoint.origin,
            });
        }
        Ok(Self {
            checkpoint,
            note: note.to_vec(),
        })
    }

    /// Checks the signature and origin again (for a value from [`parse_unverified`]).
    ///
    /// [`parse_unverified`]: Self::parse_unverified
    pub fn verify(&self, verifier: &LogVerifier) -> Result<(), VerifyError> {
        Self::open(&self.note, verifier).map(|_| ())
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The signed note's bytes, as served at `<prefix>/checkpoint`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.note
    }

    /// Checks that `self` (older) and `newer` are checkpoints of one log, signed by
    /// `verifier`, and that `proof` shows `newer`'s tree extends `self`'s.
    pub fn verify_consistency(
        &self,
        newer: &Self,
        proof: &ConsistencyProof,
        verifier: &LogVerifier,
    ) -> Result<(), VerifyError> {
        self.verify(verifier)?;
        newer.verify(verifier)?;
        let (old, new) = (&self.checkpoint, &newer.checkpoint);
        if proof.old_size != old.size || proof.new_size != new.size {
            return Err(crate::error::ProofError::SizesDiffer {
                proof_old_size: proof.old_size,
                proof_new_size: proof.new_size,
                old_size: old.size,
                new_size: new.size,
            }
            .into());
        }
        proof.verify(&old.root, &new.root)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_with_extensions() {
        let checkpoint = Checkpoint::new("example.com/log", 42, Hash([3; 32]))
            .unwrap()
            .with_extension("ext one")
            .unwrap();
        assert_eq!(
            Checkpoint::parse(&checkpoint.to_text()).unwrap(),
            checkpoint
        );
    }

    #[test]
    fn decimal_must_be_canonical() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("10"), Some(10));
        assert_eq!(parse_decimal("010"), None);
        assert_eq!(parse_decimal("+1"), None);
        assert_eq!(parse_decimal("18446744073709551616"), None);
    }
}
