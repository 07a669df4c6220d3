//! The content module's message, its canonical encoding and its stateless checks.

use super::{
    error::MsgError,
    record::{ClaimKind, CredentialFormat, Fingerprints, MAX_MINHASH_DECODE_LEN, MAX_MINHASH_LEN},
};
use crate::logs::validate_origin;
use ailedger_core::{Hash, ZERO_HASH};
use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, FixedSize, Read, ReadExt, Write};

/// A claim to register: the sender claims the content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimSpec {
    /// SHA-256 of the content's bytes, as distributed (with an embedded manifest, the signed
    /// file).
    pub content: Hash,
    /// What the sender states about its origin.
    pub kind: ClaimKind,
    /// SHA-256 of the credential stating it.
    pub credential: Hash,
    /// What that credential is.
    pub credential_format: CredentialFormat,
    /// Near-duplicate fingerprints.
    pub fingerprints: Fingerprints,
}

/// A content message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContentMsg {
    /// Registers a claim on a content digest. A later claim on the same digest by someone else
    /// is recorded after the earlier ones.
    RegisterClaim(ClaimSpec),
}

const REGISTER_CLAIM: u8 = 0;

impl ContentMsg {
    /// The stable name of the message's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RegisterClaim(_) => "register_claim",
        }
    }

    /// The stateless checks: digests are not all zeros (the placeholder of "no digest"),
    /// fingerprints are within bounds, a receipt's log origin is well-formed. What needs the
    /// state (the model version, the log, earlier claims) is checked on execution.
    pub fn validate(&self) -> Result<(), MsgError> {
        match self {
            Self::RegisterClaim(spec) => {
                if spec.content == ZERO_HASH {
                    return Err(MsgError::ZeroDigest("content"));
                }
                if spec.credential == ZERO_HASH {
                    return Err(MsgError::ZeroDigest("credential"));
                }
                if spec.fingerprints.minhash.len() > MAX_MINHASH_LEN {
                    return Err(MsgError::MinHashTooLong(spec.fingerprints.minhash.len()));
                }
                if let ClaimKind::AiGenerated {
                    model_version,
                    receipt,
                    ..
                } = &spec.kind
                {
                    if *model_version == ZERO_HASH {
                        return Err(MsgError::ZeroDigest("model version"));
                    }
                    if let Some(receipt) = receipt {
                        if receipt.digest == ZERO_HASH {
                            return Err(MsgError::ZeroDigest("receipt"));
                        }
                        validate_origin(&receipt.log_origin)
                            .map_err(|error| MsgError::BadLogOrigin(error.to_string()))?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl Write for ClaimSpec {
    fn write(&self, buf: &mut impl BufMut) {
        self.content.write(buf);
        self.kind.write(buf);
        self.credential.write(buf);
        self.credential_format.write(buf);
        self.fingerprints.write(buf);
    }
}

impl EncodeSize for ClaimSpec {
    fn encode_size(&self) -> usize {
        2 * Hash::SIZE
            + self.kind.encode_size()
            + CredentialFormat::SIZE
            + self.fingerprints.encode_size()
    }
}

impl Read for ClaimSpec {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Self {
            content: Hash::read(buf)?,
            kind: ClaimKind::read(buf)?,
            credential: Hash::read(buf)?,
            credential_format: CredentialFormat::read(buf)?,
            fingerprints: Fingerprints::read_cfg(buf, &MAX_MINHASH_DECODE_LEN)?,
        })
    }
}

impl Write for ContentMsg {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Self::RegisterClaim(spec) => {
                REGISTER_CLAIM.write(buf);
                spec.write(buf);
            }
        }
    }
}

impl EncodeSize for ContentMsg {
    fn encode_size(&self) -> usize {
        1 + match self {
            Self::RegisterClaim(spec) => spec.encode_size(),
        }
    }
}

impl Read for ContentMsg {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            REGISTER_CLAIM => Ok(Self::RegisterClaim(ClaimSpec::read(buf)?)),
            tag => Err(Error::InvalidEnum(tag)),
        }
    }
}
