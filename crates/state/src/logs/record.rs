//! The records the logs module keeps, and their canonical encodings.
//!
//! As in every module, each record has exactly one encoding (commonware-codec, bounded
//! lengths, unknown tags refused) and decoding rejects trailing bytes. Checkpoints are kept as
//! the exact signed-note bytes the log signed: re-encoding them would change what the
//! signature covers.

use ailedger_core::{Address, Hash, read_string, string_encode_size, write_string};
use bytes::{BufMut, Bytes};
use commonware_codec::{Buf, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};

/// Longest log origin, in bytes.
pub const MAX_ORIGIN_LEN: usize = 255;
/// Largest signed checkpoint, in bytes: a checkpoint with a few extension lines and a few
/// dozen cosignatures fits; the checkpoint is stored on the chain, so it is kept small.
pub const MAX_CHECKPOINT_LEN: usize = 4096;
/// Most hashes in a consistency or inclusion proof: one per level of a tree of `2^64` leaves,
/// plus one.
pub const MAX_PROOF_HASHES: usize = ailedger_tlog::proof::MAX_PROOF_HASHES;

/// Whether a log can still be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogStatus {
    /// No evidence against the log.
    Active,
    /// Its key signed two checkpoints that cannot both be true; further anchors are refused.
    Forked {
        /// Height of the block that recorded the first evidence.
        height: u64,
        /// That block's time, ms since the epoch.
        time_ms: u64,
    },
}

impl LogStatus {
    /// The stable name (`active`, `forked`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Forked { .. } => "forked",
        }
    }
}

/// A registered transparency log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    /// The log's origin: the first line of its checkpoints and the name of its key.
    pub origin: String,
    /// The Ed25519 key its checkpoints are signed with (the signed-note verifier key).
    pub public_key: [u8; 32],
    /// Who registered it, and against whom evidence is recorded.
    pub operator: Address,
    /// Registration height.
    pub height: u64,
    /// Registration time, ms since the epoch.
    pub time_ms: u64,
    /// Number of anchored checkpoints; the latest has sequence number `anchors - 1`.
    pub anchors: u64,
    /// Number of evidence records.
    pub evidence: u64,
    /// Active or forked.
    pub status: LogStatus,
}

/// A checkpoint anchored on the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorRecord {
    /// Its position among the log's anchors, from 0.
    pub seq: u64,
    /// The checkpoint's tree size.
    pub size: u64,
    /// The checkpoint's root hash.
    pub root: Hash,
    /// The signed checkpoint, as the log signed it.
    pub checkpoint: Bytes,
    /// Who submitted it.
    pub submitter: Address,
    /// Height of the block that anchored it.
    pub height: u64,
    /// That block's time, ms since the epoch.
    pub time_ms: u64,
}

/// One signed checkpoint's claim about the leaf at an index: the leaf hash and its inclusion
/// proof up to the checkpoint's root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafClaim {
    /// The signed checkpoint.
    pub checkpoint: Bytes,
    /// The RFC 6962 leaf hash (`SHA-256(0x00 || entry)`).
    pub leaf: Hash,
    /// The inclusion proof of `leaf` at the evidence's index in the checkpoint's tree.
    pub path: Vec<Hash>,
}

/// Two checkpoints signed by a log's key that cannot both be true.
///
/// A failed consistency proof is not such evidence: anyone can submit a wrong proof for two
/// honest checkpoints. What cannot be faked without the key is a pair of signed checkpoints
/// that commit to different contents for the same entries:
///
/// - [`Equivocation`](Self::Equivocation): two trees of the same size with different roots;
/// - [`Divergence`](Self::Divergence): two trees whose inclusion proofs put different leaves at
///   the same index (below both sizes). If one tree extended the other, both proofs would lead
///   to the same leaf, or SHA-256 would have a collision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForkEvidence {
    /// Same size, different roots.
    Equivocation {
        /// One checkpoint.
        first: Bytes,
        /// The other.
        second: Bytes,
    },
    /// Different leaves at the same index.
    Divergence {
        /// The index (below both trees' sizes).
        index: u64,
        /// What one checkpoint says is there.
        first: LeafClaim,
        /// What the other says is there.
        second: LeafClaim,
    },
}

impl ForkEvidence {
    /// The stable name of the kind (`equivocation`, `divergence`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Equivocation { .. } => "equivocation",
            Self::Divergence { .. } => "divergence",
        }
    }

    /// The two signed checkpoints.
    pub fn checkpoints(&self) -> [&Bytes; 2] {
        match self {
            Self::Equivocation { first, second } => [first, second],
            Self::Divergence { first, second, .. } => [&first.checkpoint, &second.checkpoint],
        }
    }
}

/// Evidence recorded against a log's operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRecord {
    /// Its position among the log's evidence records, from 0.
    pub index: u64,
    /// The evidence.
    pub evidence: ForkEvidence,
    /// Who submitted it (the operator's own forked anchor, or anyone's report).
    pub reporter: Address,
    /// Height of the block that recorded it.
    pub height: u64,
    /// That block's time, ms since the epoch.
    pub time_ms: u64,
}

pub(super) fn read_checkpoint(buf: &mut impl Buf) -> Result<Bytes, Error> {
    Bytes::read_cfg(buf, &RangeCfg::new(0..=MAX_CHECKPOINT_LEN))
}

pub(super) fn read_path(buf: &mut impl Buf) -> Result<Vec<Hash>, Error> {
    Vec::<Hash>::read_cfg(buf, &(RangeCfg::new(0..=MAX_PROOF_HASHES), ()))
}

pub(super) fn read_origin(buf: &mut impl Buf, what: &'static str) -> Result<String, Error> {
    read_string(buf, MAX_ORIGIN_LEN, what)
}

const ACTIVE: u8 = 0;
const FORKED: u8 = 1;

impl Write for LogStatus {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::Active => ACTIVE.write(buf),
            Self::Forked { height, time_ms } => {
                FORKED.write(buf);
                height.write(buf);
                time_ms.write(buf);
            }
        }
    }
}

impl EncodeSize for LogStatus {
    fn encode_size(&self) -> usize {
        match self {
            Self::Active => 1,
            Self::Forked { .. } => 1 + 2 * u64::SIZE,
        }
    }
}

impl Read for LogStatus {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            ACTIVE => Ok(Self::Active),
            FORKED => Ok(Self::Forked {
                height: u64::read(buf)?,
                time_ms: u64::read(buf)?,
            }),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}

impl Write for LogRecord {
    fn write(&self, buf: &mut impl BufMut) {
        write_string(&self.origin, buf);
        self.public_key.write(buf);
        self.operator.write(buf);
        self.height.write(buf);
        self.time_ms.write(buf);
        self.anchors.write(buf);
        self.evidence.write(buf);
        self.status.write(buf);
    }
}

impl EncodeSize for LogRecord {
    fn encode_size(&self) -> usize {
        string_encode_size(&self.origin)
            + 32
            + Address::SIZE
            + 4 * u64::SIZE
            + self.status.encode_size()
    }
}

impl Read for LogRecord {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            origin: read_origin(buf, "LogRecord.origin")?,
            public_key: <[u8; 32]>::read(buf)?,
            operator: Address::read(buf)?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
            anchors: u64::read(buf)?,
            evidence: u64::read(buf)?,
            status: LogStatus::read(buf)?,
        })
    }
}

impl Write for AnchorRecord {
    fn write(&self, buf: &mut impl BufMut) {
        self.seq.write(buf);
        self.size.write(buf);
        self.root.write(buf);
        self.checkpoint.write(buf);
        self.submitter.write(buf);
        self.height.write(buf);
        self.time_ms.write(buf);
    }
}

impl EncodeSize for AnchorRecord {
    fn encode_size(&self) -> usize {
        4 * u64::SIZE + Hash::SIZE + self.checkpoint.encode_size() + Address::SIZE
    }
}

impl Read for AnchorRecord {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            seq: u64::read(buf)?,
            size: u64::read(buf)?,
            root: Hash::read(buf)?,
            checkpoint: read_checkpoint(buf)?,
            submitter: Address::read(buf)?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
        })
    }
}

impl Write for LeafClaim {
    fn write(&self, buf: &mut impl BufMut) {
        self.checkpoint.write(buf);
        self.leaf.write(buf);
        self.path.write(buf);
    }
}

impl EncodeSize for LeafClaim {
    fn encode_size(&self) -> usize {
        self.checkpoint.encode_size() + Hash::SIZE + self.path.encode_size()
    }
}

impl Read for LeafClaim {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            checkpoint: read_checkpoint(buf)?,
            leaf: Hash::read(buf)?,
            path: read_path(buf)?,
        })
    }
}

const EQUIVOCATION: u8 = 0;
const DIVERGENCE: u8 = 1;

impl Write for ForkEvidence {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::Equivocation { first, second } => {
                EQUIVOCATION.write(buf);
                first.write(buf);
                second.write(buf);
            }
            Self::Divergence {
                index,
                first,
                second,
            } => {
                DIVERGENCE.write(buf);
                index.write(buf);
                first.write(buf);
                second.write(buf);
            }
        }
    }
}

impl EncodeSize for ForkEvidence {
    fn encode_size(&self) -> usize {
        1 + match self {
            Self::Equivocation { first, second } => first.encode_size() + second.encode_size(),
            Self::Divergence { first, second, .. } => {
                u64::SIZE + first.encode_size() + second.encode_size()
            }
        }
    }
}

impl Read for ForkEvidence {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            EQUIVOCATION => Ok(Self::Equivocation {
                first: read_checkpoint(buf)?,
                second: read_checkpoint(buf)?,
            }),
            DIVERGENCE => Ok(Self::Divergence {
                index: u64::read(buf)?,
                first: LeafClaim::read(buf)?,
                second: LeafClaim::read(buf)?,
            }),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}

impl Write for EvidenceRecord {
    fn write(&self, buf: &mut impl BufMut) {
        self.index.write(buf);
        self.evidence.write(buf);
        self.reporter.write(buf);
        self.height.write(buf);
        self.time_ms.write(buf);
    }
}

impl EncodeSize for EvidenceRecord {
    fn encode_size(&self) -> usize {
        3 * u64::SIZE + self.evidence.encode_size() + Address::SIZE
    }
}

impl Read for EvidenceRecord {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            index: u64::read(buf)?,
            evidence: ForkEvidence::read(buf)?,
            reporter: Address::read(buf)?,
            height: u64::read(buf)?,
            time_ms: u64::read(buf)?,
        })
    }
}
