//! The logs module's messages, their canonical encoding and their stateless checks.

use super::{
    error::MsgError,
    record::{ForkEvidence, MAX_ORIGIN_LEN, read_checkpoint, read_origin, read_path},
};
use ailedger_core::{Hash, string_encode_size, write_string};
use ailedger_tlog::{LogVerifier, SignedCheckpoint};
use bytes::{BufMut, Bytes};
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};

/// A logs message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogsMsg {
    /// Registers a transparency log; the sender becomes its operator.
    RegisterLog {
        /// The log's origin (the first line of its checkpoints, and its key's name).
        origin: String,
        /// The Ed25519 public key its checkpoints are signed with.
        public_key: [u8; 32],
    },
    /// Anchors a signed checkpoint of a registered log. Anyone may submit one: it is the log's
    /// signed statement, whoever carries it.
    Anchor {
        /// The log.
        origin: String,
        /// The signed checkpoint (C2SP signed note), as the log signed it.
        checkpoint: Bytes,
        /// The RFC 9162 consistency proof from the latest anchored checkpoint to this one
        /// (empty for a log's first anchor).
        proof: Vec<Hash>,
    },
    /// Reports two checkpoints signed by a log's key that cannot both be true. Anyone may
    /// report; the evidence is recorded against the log's operator.
    ReportFork {
        /// The log.
        origin: String,
        /// The evidence.
        evidence: ForkEvidence,
    },
}

const REGISTER_LOG: u8 = 0;
const ANCHOR: u8 = 1;
const REPORT_FORK: u8 = 2;

impl LogsMsg {
    /// The stable name of the message's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RegisterLog { .. } => "register_log",
            Self::Anchor { .. } => "anchor",
            Self::ReportFork { .. } => "report_fork",
        }
    }

    /// The log the message is about.
    pub fn origin(&self) -> &str {
        match self {
            Self::RegisterLog { origin, .. }
            | Self::Anchor { origin, .. }
            | Self::ReportFork { origin, .. } => origin,
        }
    }

    /// The stateless checks: the origin's syntax, the key's validity, and that every
    /// checkpoint parses and names the message's log. Signatures need the registered key and
    /// are checked on execution.
    pub fn validate(&self) -> Result<(), MsgError> {
        validate_origin(self.origin())?;
        match self {
            Self::RegisterLog { origin, public_key } => {
                LogVerifier::from_ed25519(origin, public_key)
                    .map_err(|error| MsgError::BadKey(error.to_string()))?;
                Ok(())
            }
            Self::Anchor {
                origin, checkpoint, ..
            } => check_checkpoint(origin, checkpoint),
            Self::ReportFork { origin, evidence } => {
                for checkpoint in evidence.checkpoints() {
                    check_checkpoint(origin, checkpoint)?;
                }
                Ok(())
            }
        }
    }
}

/// Checks a log origin: 1 to 255 bytes of printable ASCII without space or `+` (a C2SP
/// signed-note key name, kept to ASCII so that it reads the same everywhere).
pub fn validate_origin(origin: &str) -> Result<(), MsgError> {
    let bad = |reason| {
        Err(MsgError::InvalidOrigin {
            origin: origin.to_owned(),
            reason,
        })
    };
    if origin.is_empty() {
        return bad("empty");
    }
    if origin.len() > MAX_ORIGIN_LEN {
        return bad("longer than 255 bytes");
    }
    if !origin.bytes().all(|b| b.is_ascii_graphic() && b != b'+') {
        return bad("only printable ASCII other than space and '+' is allowed");
    }
    Ok(())
}

fn check_checkpoint(origin: &str, note: &[u8]) -> Result<(), MsgError> {
    let parsed = SignedCheckpoint::parse_unverified(note)
        .map_err(|error| MsgError::MalformedCheckpoint(error.to_string()))?;
    let found = parsed.checkpoint().origin();
    if found != origin {
        return Err(MsgError::OriginMismatch {
            expected: origin.to_owned(),
            found: found.to_owned(),
        });
    }
    Ok(())
}

impl Write for LogsMsg {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::RegisterLog { origin, public_key } => {
                REGISTER_LOG.write(buf);
                write_string(origin, buf);
                public_key.write(buf);
            }
            Self::Anchor {
                origin,
                checkpoint,
                proof,
            } => {
                ANCHOR.write(buf);
                write_string(origin, buf);
                checkpoint.write(buf);
                proof.write(buf);
            }
            Self::ReportFork { origin, evidence } => {
                REPORT_FORK.write(buf);
                write_string(origin, buf);
                evidence.write(buf);
            }
        }
    }
}

impl EncodeSize for LogsMsg {
    fn encode_size(&self) -> usize {
        1 + string_encode_size(self.origin())
            + match self {
                Self::RegisterLog { .. } => 32,
                Self::Anchor {
                    checkpoint, proof, ..
                } => checkpoint.encode_size() + proof.encode_size(),
                Self::ReportFork { evidence, .. } => evidence.encode_size(),
            }
    }
}

impl Read for LogsMsg {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            REGISTER_LOG => Ok(Self::RegisterLog {
                origin: read_origin(buf, "RegisterLog.origin")?,
                public_key: <[u8; 32]>::read(buf)?,
            }),
            ANCHOR => Ok(Self::Anchor {
                origin: read_origin(buf, "Anchor.origin")?,
                checkpoint: read_checkpoint(buf)?,
                proof: read_path(buf)?,
            }),
            REPORT_FORK => Ok(Self::ReportFork {
                origin: read_origin(buf, "ReportFork.origin")?,
                evidence: ForkEvidence::read(buf)?,
            }),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}
