//! Errors, one type per kind of failure: a proof that does not check out, text that does not
//! parse, a signature or origin that does not match, a store that cannot be used, an append
//! that is refused.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::hash::Hash;

/// A Merkle proof that is malformed for its sizes or leads to another root.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof from an empty tree (every tree extends it; there is nothing to
    /// prove, and C2SP verifiers refuse it).
    #[error("a consistency proof needs a non-empty old tree")]
    EmptyOldTree,
    /// A consistency proof whose old tree is larger than its new tree.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder {
        /// Size of the older tree.
        old_size: u64,
        /// Size of the newer tree.
        new_size: u64,
    },
    /// A consistency proof for other tree sizes than the checkpoints it is checked against.
    #[error(
        "the proof is from size {proof_old_size} to {proof_new_size}, the checkpoints are {old_size} and {new_size}"
    )]
    SizesDiffer {
        /// The proof's old size.
        proof_old_size: u64,
        /// The proof's new size.
        proof_new_size: u64,
        /// The older checkpoint's size.
        old_size: u64,
        /// The newer checkpoint's size.
        new_size: u64,
    },
    /// The proof has the wrong number of hashes for its sizes (truncated or padded).
    #[error("the proof has {actual} hashes, its sizes need {expected}")]
    PathLength {
        /// The number the sizes require.
        expected: usize,
        /// The number found.
        actual: usize,
    },
    /// An inclusion proof leads to another root: the entry, the index or a hash differs.
    #[error("the inclusion proof leads to root {computed}, not to {expected}")]
    RootMismatch {
        /// The root the proof leads to.
        computed: Hash,
        /// The root it was checked against.
        expected: Hash,
    },
    /// A consistency proof does not lead to the old tree's root.
    #[error("the consistency proof leads to old root {computed}, not to {expected}")]
    OldRootMismatch {
        /// The old root the proof leads to.
        computed: Hash,
        /// The old root it was checked against.
        expected: Hash,
    },
    /// A consistency proof does not lead to the new tree's root.
    #[error("the consistency proof leads to new root {computed}, not to {expected}")]
    NewRootMismatch {
        /// The new root the proof leads to.
        computed: Hash,
        /// The new root it was checked against.
        expected: Hash,
    },
}

/// Generating a proof failed: bad sizes, or the node source could not be read.
#[derive(Debug, Error)]
pub enum ProveError<E> {
    /// The requested index or sizes do not describe a proof.
    #[error(transparent)]
    Invalid(ProofError),
    /// Reading a node failed.
    #[error("reading the tree: {0}")]
    Source(#[source] E),
}

/// Text (a signed note, a checkpoint, a `tlog-proof`) that does not parse; each variant names
/// what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FormatError {
    /// More bytes than any valid text of this kind can have.
    #[error("{what} is {len} bytes, the limit is {max}")]
    TooLarge {
        /// What was being parsed.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not UTF-8.
    #[error("{what} is not UTF-8")]
    NotUtf8 {
        /// What was being parsed.
        what: &'static str,
    },
    /// A control character other than newline.
    #[error("{what} contains control character {byte:#04x} at byte {offset}")]
    ControlCharacter {
        /// What was being parsed.
        what: &'static str,
        /// The character.
        byte: u8,
        /// Its position.
        offset: usize,
    },
    /// The text does not end with a newline.
    #[error("{what} does not end with a newline")]
    MissingFinalNewline {
        /// What was being parsed.
        what: &'static str,
    },
    /// A signed note without the blank line that separates text and signatures.
    #[error("the signed note has no blank line before its signatures")]
    MissingSignatureBlock,
    /// A signed note with no signature line.
    #[error("the signed note has no signatures")]
    NoSignatures,
    /// More signature lines than a note may carry.
    #[error("the signed note has more than {max} signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// A signature line that is not `— <name> <base64(key id || signature)>`.
    #[error("signature line {line} is malformed: {reason}")]
    BadSignatureLine {
        /// 1-based line number within the signature block.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The checkpoint's origin line is empty.
    #[error("the checkpoint's origin line is empty")]
    EmptyOrigin,
    /// The checkpoint's second line is not a tree size in canonical decimal.
    #[error("the checkpoint's tree size {found:?} is not a decimal u64 without leading zeros")]
    BadTreeSize {
        /// The line found.
        found: String,
    },
    /// The checkpoint's third line is not the base64 of a 32-byte hash.
    #[error("the checkpoint's root hash {found:?} is not base64 of 32 bytes")]
    BadRootHash {
        /// The line found.
        found: String,
    },
    /// The checkpoint has fewer than three lines.
    #[error("the checkpoint has {found} lines, it needs origin, tree size and root hash")]
    TruncatedCheckpoint {
        /// Lines found.
        found: usize,
    },
    /// An empty extension line in a checkpoint.
    #[error("the checkpoint's extension line {line} is empty")]
    EmptyExtensionLine {
        /// 1-based line number in the checkpoint.
        line: usize,
    },
    /// A field that cannot be put on a line (an origin, a key name, an extension).
    #[error("{what} {found:?} must be non-empty and contain no newline or control character")]
    BadLine {
        /// What it is.
        what: &'static str,
        /// The value.
        found: String,
    },
    /// The first line of a receipt is not `c2sp.org/tlog-proof@v1`.
    #[error("the receipt starts with {found:?}, not {expected:?}")]
    BadProofHeader {
        /// The line found.
        found: String,
        /// The required line.
        expected: &'static str,
    },
    /// The receipt's `extra` line is not `extra <base64>`.
    #[error("the receipt's extra line is not `extra <base64>`")]
    BadExtra,
    /// The receipt's index line is missing or not `index <decimal>`.
    #[error("the receipt's index line {found:?} is not `index <decimal without leading zeros>`")]
    BadIndex {
        /// The line found.
        found: String,
    },
    /// A line of the receipt's inclusion proof is not a base64 hash.
    #[error("line {line} of the receipt is not a base64 SHA-256 hash: {found:?}")]
    BadProofHash {
        /// 1-based line number in the receipt.
        line: usize,
        /// The line found.
        found: String,
    },
    /// More proof hashes than any tree can need.
    #[error("the receipt has more than {max} proof hashes")]
    TooManyProofHashes {
        /// The limit.
        max: usize,
    },
    /// The receipt ends before the blank line and checkpoint.
    #[error("the receipt has no blank line followed by a checkpoint")]
    MissingCheckpoint,
    /// A verifier key that is not `<name>+<hex key id>+<base64(0x01 || Ed25519 key)>`, or a
    /// signer key that is not `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`.
    #[error("malformed {what}: {reason}")]
    BadKey {
        /// Which kind of key.
        what: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The reference parser (`signed_note`, `tlog_tiles`) refused text this crate's own checks
    /// let through.
    #[error("{what} is malformed")]
    Rejected {
        /// What was being parsed.
        what: &'static str,
    },
}

/// A checkpoint, receipt or consistency proof that parses but does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The text does not parse.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The checkpoint is for another log.
    #[error("the checkpoint is for log {found:?}, expected {expected:?}")]
    OriginMismatch {
        /// The origin the verifier trusts.
        expected: String,
        /// The checkpoint's origin.
        found: String,
    },
    /// No signature by the trusted key (signed by another key, or by nobody we know).
    #[error("the checkpoint is not signed by key {key}; its signatures are by: {signers:?}")]
    NotSignedByKey {
        /// The trusted key, as `name+keyid`.
        key: String,
        /// The keys that did sign, as `name+keyid`.
        signers: Vec<String>,
    },
    /// A signature by the trusted key's name and id that does not verify: the text or the
    /// signature was altered.
    #[error("the signature by key {key} does not verify: the checkpoint was altered")]
    BadSignature {
        /// The key, as `name+keyid`.
        key: String,
    },
    /// The proof does not connect the entry or the trees.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

/// The durable store failed or found its files in a state it cannot recover from.
///
/// After any storage error the log stops accepting appends; reopening it recovers.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StorageError {
    /// A file operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A file does not hold what the log wrote: not a torn tail but damage in acknowledged
    /// data, or a file from another log.
    #[error("{path} is corrupt at byte {offset}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the damage starts.
        offset: u64,
        /// What does not match.
        reason: String,
    },
    /// The directory holds a log with another origin or key.
    #[error("the log in {path} is {found:?}, not {expected:?}")]
    WrongLog {
        /// The directory.
        path: PathBuf,
        /// `origin` and verifier key requested.
        expected: String,
        /// `origin` and verifier key found.
        found: String,
    },
    /// An entry or tile that is not in the log (yet).
    #[error("{what} {index} is not in a log of {size} entries")]
    NotInLog {
        /// Entry or tile.
        what: &'static str,
        /// The index asked for.
        index: u64,
        /// The log's size.
        size: u64,
    },
    /// A proof request with impossible sizes.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// Writing or syncing a batch failed. Whether it is durable is unknown: no receipt was
    /// issued, and reopening the log decides (a torn batch is cut off).
    #[error("writing the batch failed, reopen the log to recover: {reason}")]
    WriteFailed {
        /// The underlying error.
        reason: String,
    },
    /// An earlier write failed; the log refuses further appends until it is reopened.
    #[error("an earlier write failed; reopen the log to recover")]
    Poisoned,
}

/// An append that was refused; nothing of it was written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AppendError {
    /// A batch with no entries.
    #[error("the batch is empty")]
    EmptyBatch,
    /// More entries in one call than the log accepts at once.
    #[error("the batch has {n_entries} entries, the limit is {max}")]
    BatchTooLarge {
        /// Entries in the batch.
        n_entries: usize,
        /// The limit.
        max: usize,
    },
    /// More entry bytes in one call than the log accepts at once.
    #[error("the batch has {n_bytes} bytes of entries, the limit is {max}")]
    BatchBytesTooLarge {
        /// Bytes of entries in the batch.
        n_bytes: usize,
        /// The limit.
        max: usize,
    },
    /// An empty entry.
    #[error("entry {position} of the batch is empty")]
    EmptyEntry {
        /// Its position in the batch.
        position: usize,
    },
    /// An entry larger than the log accepts (entry bundles store lengths as `u16`).
    #[error("entry {position} of the batch is {len} bytes, the limit is {max}")]
    EntryTooLarge {
        /// Its position in the batch.
        position: usize,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The log is closed.
    #[error("the log is closed")]
    Closed,
    /// Writing failed; whether this batch is durable is unknown until the log is reopened,
    /// and no receipt was issued for it.
    #[error(transparent)]
    Storage(#[from] StorageError),
}
