//! Receipts in C2SP `tlog-proof@v1`: an entry's index, its inclusion proof and the signed
//! checkpoint the proof leads to, verifiable offline with the log's public key.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of opaque, unauthenticated data>     (optional)
//! index 7
//! <base64 hash>                                      (zero or more, leaf's sibling first)
//!
//! <signed checkpoint>
//! ```

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{SignedCheckpoint, parse_decimal};
use crate::error::{FormatError, ProofError, VerifyError};
use crate::hash::{Hash, leaf_hash};
use crate::note::{LogVerifier, MAX_NOTE_LEN};
use crate::proof::{InclusionProof, MAX_PROOF_HASHES};

/// The first line of every receipt.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The largest receipt accepted: a note plus a full proof and a generous `extra` line.
pub const MAX_RECEIPT_LEN: usize = MAX_NOTE_LEN + 64 * 1024;

/// Proof that an entry is in a log: a `tlog-proof@v1`.
///
/// Receipts of one batch share their checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    extra: Option<Vec<u8>>,
    index: u64,
    path: Vec<Hash>,
    checkpoint: Arc<SignedCheckpoint>,
}

impl Receipt {
    /// A receipt from an inclusion proof and the checkpoint of the same tree size.
    pub fn new(
        proof: InclusionProof,
        checkpoint: Arc<SignedCheckpoint>,
    ) -> Result<Self, ProofError> {
        let size = checkpoint.checkpoint().size();
        if proof.size != size {
            return Err(ProofError::IndexOutOfRange {
                index: proof.index,
                size,
            });
        }
        Ok(Self {
            extra: None,
            index: proof.index,
            path: proof.path,
            checkpoint,
        })
    }

    /// Attaches opaque extra data (not authenticated: verifiers must not trust it).
    pub fn with_extra(mut self, extra: Vec<u8>) -> Self {
        self.extra = (!extra.is_empty()).then_some(extra);
        self
    }

    /// The entry's index.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The extra data, if any.
    pub fn extra(&self) -> Option<&[u8]> {
        self.extra.as_deref()
    }

    /// The signed checkpoint the proof leads to.
    pub fn checkpoint(&self) -> &SignedCheckpoint {
        &self.checkpoint
    }

    /// The inclusion proof.
    pub fn inclusion_proof(&self) -> InclusionProof {
        InclusionProof {
            index: self.index,
            size: self.checkpoint.checkpoint().size(),
            path: self.path.clone(),
        }
    }

    /// Checks the checkpoint's signature and origin against `verifier` and that `entry` is
    /// at [`index`](Self::index) in its tree.
    pub fn verify(&self, entry: &[u8], verifier: &LogVerifier) -> Result<(), VerifyError> {
        self.verify_leaf_hash(&leaf_hash(entry), verifier)
    }

    /// As [`verify`](Self::verify), for a caller who has only the entry's leaf hash.
    pub fn verify_leaf_hash(&self, leaf: &Hash, verifier: &LogVerifier) -> Result<(), VerifyError> {
        self.checkpoint.verify(verifier)?;
        let root = self.checkpoint.checkpoint().root();
        self.inclusion_proof().verify(leaf, root)?;
        Ok(())
    }

    /// The receipt as `tlog-proof@v1` text.
    pub fn to_text(&self) -> String {
        let note = String::from_utf8_lossy(self.checkpoint.as_bytes());
        let mut text = String::with_capacity(64 + self.path.len() * 45 + note.len());
        text.push_str(TLOG_PROOF_HEADER);
        text.push('\n');
        if let Some(extra) = &self.extra {
            text.push_str("extra ");
            text.push_str(&BASE64.encode(extra));
            text.push('\n');
        }
        text.push_str("index ");
        text.push_str(&self.index.to_string());
        text.push('\n');
        for hash in &self.path {
            text.push_str(&hash.to_base64());
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&note);
        text
    }

    /// Parses `tlog-proof@v1` text and checks it against `verifier`, without an entry (the
    /// caller checks the entry with [`verify`](Self::verify)).
    pub fn parse(bytes: &[u8], verifier: &LogVerifier) -> Result<Self, VerifyError> {
        let (parts, note) = parse_parts(bytes)?;
        let receipt = parts.with_checkpoint(SignedCheckpoint::open(note, verifier)?);
        receipt.check_path_len()?;
        Ok(receipt)
    }

    /// Parses `tlog-proof@v1` text without checking its signature: only for display or
    /// diagnosis.
    pub fn parse_unverified(bytes: &[u8]) -> Result<Self, FormatError> {
        let (parts, note) = parse_parts(bytes)?;
        Ok(parts.with_checkpoint(SignedCheckpoint::parse_unverified(note)?))
    }

    fn check_path_len(&self) -> Result<(), ProofError> {
        let proof = self.inclusion_proof();
        if proof.index >= proof.size {
            return Err(ProofError::IndexOutOfRange {
                index: proof.index,
                size: proof.size,
            });
        }
        let expected = crate::proof::inclusion_path_len(proof.index, proof.size);
        if proof.path.len() != expected {
            return Err(ProofError::PathLength {
                expected,
                actual: proof.path.len(),
            });
        }
        Ok(())
    }
}

/// The lines of a receipt before its checkpoint.
struct ProofLines {
    extra: Option<Vec<u8>>,
    index: u64,
    path: Vec<Hash>,
}

impl ProofLines {
    fn with_checkpoint(self, checkpoint: SignedCheckpoint) -> Receipt {
        Receipt {
            extra: self.extra,
            index: self.index,
            path: self.path,
            checkpoint: Arc::new(checkpoint),
        }
    }
}

/// Splits a receipt into its proof lines (parsed) and the checkpoint note (raw).
fn parse_parts(bytes: &[u8]) -> Result<(ProofLines, &[u8]), FormatError> {
    const WHAT: &str = "receipt";
    if bytes.len() > MAX_RECEIPT_LEN {
        return Err(FormatError::TooLarge {
            what: WHAT,
            len: bytes.len(),
            max: MAX_RECEIPT_LEN,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| FormatError::NotUtf8 { what: WHAT })?;
    let mut lines = text.split_inclusive('\n');
    let mut line_no = 0usize;
    let mut next_line = || {
        line_no += 1;
        lines.next().map(|line| (line_no, line.strip_suffix('\n')))
    };
    let header = match next_line() {
        Some((_, Some(line))) => line,
        _ => "",
    };
    if header != TLOG_PROOF_HEADER {
        return Err(FormatError::BadProofHeader {
            found: header.chars().take(64).collect(),
            expected: TLOG_PROOF_HEADER,
        });
    }
    let Some((_, Some(mut line))) = next_line() else {
        return Err(FormatError::BadIndex {
            found: String::new(),
        });
    };
    let mut extra = None;
    if let Some(encoded) = line.strip_prefix("extra ") {
        let decoded = BASE64.decode(encoded).map_err(|_| FormatError::BadExtra)?;
        if decoded.is_empty() {
            return Err(FormatError::BadExtra);
        }
        extra = Some(decoded);
        line = match next_line() {
            Some((_, Some(line))) => line,
            _ => "",
        };
    } else if line == "extra" || line.starts_with("extra\t") {
        return Err(FormatError::BadExtra);
    }
    let index = line
        .strip_prefix("index ")
        .and_then(parse_decimal)
        .ok_or_else(|| FormatError::BadIndex {
            found: line.chars().take(64).collect(),
        })?;
    let mut path = Vec::new();
    let mut consumed = None;
    while let Some((number, line)) = next_line() {
        let Some(line) = line else {
            break;
        };
        if line.is_empty() {
            consumed = Some(number);
            break;
        }
        if path.len() == MAX_PROOF_HASHES {
            return Err(FormatError::TooManyProofHashes {
                max: MAX_PROOF_HASHES,
            });
        }
        let hash = Hash::from_base64(line).ok_or_else(|| FormatError::BadProofHash {
            line: number,
            found: line.chars().take(64).collect(),
        })?;
        path.push(hash);
    }
    let Some(blank_line) = consumed else {
        return Err(FormatError::MissingCheckpoint);
    };
    // Every line up to and including the blank one ends with exactly one newline byte.
    let offset: usize = text
        .split_inclusive('\n')
        .take(blank_line)
        .map(str::len)
        .sum();
    let note = &bytes[offset..];
    if note.is_empty() {
        return Err(FormatError::MissingCheckpoint);
    }
    Ok((ProofLines { extra, index, path }, note))
}
