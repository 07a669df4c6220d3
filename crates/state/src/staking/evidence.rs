//! Double-sign evidence: Commonware simplex faults, decoded and verified with no I/O.
//!
//! The bytes are a fault as simplex's `Activity` encodes it (a tag, then two votes). The votes'
//! epoch and view are inside what they sign, so the participant set to check them against is
//! chosen by the evidence's own epoch; the signer is an index into that set. Verification is
//! Commonware's own `verify` with the ed25519 scheme under [`ailedger_core::CONSENSUS_NAMESPACE`]:
//! the scheme ignores the random generator it is given (ed25519 checks each signature alone),
//! and it is given a fixed-seed one anyway, so the verdict is a pure function of the bytes and
//! the set.

use super::{EvidenceError, FaultKind};
use ailedger_core::{CONSENSUS_NAMESPACE, Hash};
use commonware_codec::{Buf, Copying, Decode, Read, ReadExt};
use commonware_consensus::{
    Epochable, Viewable,
    simplex::{
        scheme::ed25519::Scheme,
        types::{
            Attributable, ConflictingFinalize, ConflictingNotarize, Finalize, Notarize, Nullify,
            NullifyFinalize,
        },
    },
};
use commonware_cryptography::ed25519;
use commonware_parallel::Sequential;
use commonware_utils::{TestRng, ordered::Set};

/// Largest encoded fault: a tag and two votes of at most 131 bytes each (ed25519 signatures,
/// SHA-256 payloads, varint epoch, view and signer), with room to spare.
pub const MAX_EVIDENCE_LEN: usize = 512;

/// The highest `Activity` tag that is not a fault (votes and certificates).
const LAST_NON_FAULT_TAG: u8 = 6;

/// A decoded fault whose votes agree on signer and round and conflict; not yet verified.
#[derive(Clone, Debug)]
pub enum DoubleSign {
    /// Two notarize votes for different proposals.
    ConflictingNotarize(ConflictingNotarize<Scheme, Hash>),
    /// Two finalize votes for different proposals.
    ConflictingFinalize(ConflictingFinalize<Scheme, Hash>),
    /// A nullify and a finalize vote.
    NullifyFinalize(NullifyFinalize<Scheme, Hash>),
}

impl DoubleSign {
    /// Decodes evidence, with a precise error for each way it can fail to be a fault.
    pub fn decode(bytes: &[u8]) -> Result<Self, EvidenceError> {
        let Some((&tag, rest)) = bytes.split_first() else {
            return Err(EvidenceError::Malformed("empty".into()));
        };
        let Some(kind) = FaultKind::from_tag(tag) else {
            if tag <= LAST_NON_FAULT_TAG {
                return Err(EvidenceError::NotAFault { tag });
            }
            return Err(EvidenceError::Malformed(format!(
                "unknown activity tag {tag}"
            )));
        };
        // The two votes are read one by one first, so that a pair that is not a conflict is
        // named precisely; Commonware's own decoding of the pair refuses all of these with one
        // error.
        let mut buf = Copying(rest);
        let (signers, rounds_match, conflicting) = match kind {
            FaultKind::ConflictingNotarize => {
                let first = read::<Notarize<Scheme, Hash>>(&mut buf)?;
                let second = read::<Notarize<Scheme, Hash>>(&mut buf)?;
                (
                    (first.signer().get(), second.signer().get()),
                    first.round() == second.round(),
                    first.proposal != second.proposal,
                )
            }
            FaultKind::ConflictingFinalize => {
                let first = read::<Finalize<Scheme, Hash>>(&mut buf)?;
                let second = read::<Finalize<Scheme, Hash>>(&mut buf)?;
                (
                    (first.signer().get(), second.signer().get()),
                    first.round() == second.round(),
                    first.proposal != second.proposal,
                )
            }
            FaultKind::NullifyFinalize => {
                let nullify = read::<Nullify<Scheme>>(&mut buf)?;
                let finalize = read::<Finalize<Scheme, Hash>>(&mut buf)?;
                (
                    (nullify.signer().get(), finalize.signer().get()),
                    nullify.round == finalize.round(),
                    true,
                )
            }
        };
        if !buf.0.is_empty() {
            return Err(EvidenceError::Malformed(format!(
                "{} trailing bytes",
                buf.0.len()
            )));
        }
        if signers.0 != signers.1 {
            return Err(EvidenceError::SignerMismatch {
                first: signers.0,
                second: signers.1,
            });
        }
        if !rounds_match {
            return Err(EvidenceError::RoundMismatch);
        }
        if !conflicting {
            return Err(EvidenceError::NotConflicting);
        }
        // Everything Commonware's decoding checks has been checked above, so this succeeds;
        // decoding (rather than building the pair) keeps a disagreement an error, not a panic.
        let malformed =
            |error: commonware_codec::Error| EvidenceError::Malformed(error.to_string());
        Ok(match kind {
            FaultKind::ConflictingNotarize => Self::ConflictingNotarize(
                ConflictingNotarize::decode_cfg(Copying(rest), &()).map_err(malformed)?,
            ),
            FaultKind::ConflictingFinalize => Self::ConflictingFinalize(
                ConflictingFinalize::decode_cfg(Copying(rest), &()).map_err(malformed)?,
            ),
            FaultKind::NullifyFinalize => Self::NullifyFinalize(
                NullifyFinalize::decode_cfg(Copying(rest), &()).map_err(malformed)?,
            ),
        })
    }

    /// Which fault.
    pub fn kind(&self) -> FaultKind {
        match self {
            Self::ConflictingNotarize(_) => FaultKind::ConflictingNotarize,
            Self::ConflictingFinalize(_) => FaultKind::ConflictingFinalize,
            Self::NullifyFinalize(_) => FaultKind::NullifyFinalize,
        }
    }

    /// The consensus epoch the votes were cast in.
    pub fn epoch(&self) -> u64 {
        match self {
            Self::ConflictingNotarize(fault) => fault.epoch().get(),
            Self::ConflictingFinalize(fault) => fault.epoch().get(),
            Self::NullifyFinalize(fault) => fault.epoch().get(),
        }
    }

    /// The view the votes were cast in.
    pub fn view(&self) -> u64 {
        match self {
            Self::ConflictingNotarize(fault) => fault.view().get(),
            Self::ConflictingFinalize(fault) => fault.view().get(),
            Self::NullifyFinalize(fault) => fault.view().get(),
        }
    }

    /// The signer's participant index in the epoch's set.
    pub fn signer(&self) -> u32 {
        match self {
            Self::ConflictingNotarize(fault) => fault.signer().get(),
            Self::ConflictingFinalize(fault) => fault.signer().get(),
            Self::NullifyFinalize(fault) => fault.signer().get(),
        }
    }

    /// Whether both votes are signed by participant [`signer`](Self::signer) of
    /// `participants` (the set of the evidence's epoch, in participant order).
    pub fn verify(&self, participants: Set<ed25519::PublicKey>) -> bool {
        let scheme = Scheme::verifier(CONSENSUS_NAMESPACE, participants);
        // Unused by ed25519, which verifies each signature alone; fixed so that nothing in this
        // path could vary between validators even if it were used.
        let mut rng = TestRng::new(0);
        match self {
            Self::ConflictingNotarize(fault) => fault.verify(&mut rng, &scheme, &Sequential),
            Self::ConflictingFinalize(fault) => fault.verify(&mut rng, &scheme, &Sequential),
            Self::NullifyFinalize(fault) => fault.verify(&mut rng, &scheme, &Sequential),
        }
    }
}

fn read<T: Read<Cfg = ()>>(buf: &mut impl Buf) -> Result<T, EvidenceError> {
    T::read(buf).map_err(|error| EvidenceError::Malformed(error.to_string()))
}
