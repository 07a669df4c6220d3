//! The light client: the validator sets it has verified, and the checks made with them.

use crate::LightError;
use ailedger_client::{
    dto::{BlockView, StateValueView},
    verify::{VerifiedAccount, verify_account},
};
use ailedger_core::{Address, CONSENSUS_NAMESPACE, Hash, sha256};
use ailedger_state::{
    Genesis,
    staking::{ChainEpocher, MAX_VALIDATORS, ValidatorSet},
};
use commonware_codec::{Copying, Decode as _};
use commonware_consensus::simplex::{scheme::ed25519::Scheme, types::Finalization};
use commonware_cryptography::ed25519;
use commonware_parallel::Sequential;
use commonware_utils::ordered::Set;

/// A block header whose finalization by the validator set of its epoch was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalizedHeader {
    /// Its height.
    pub height: u64,
    /// The block's id.
    pub hash: Hash,
    /// The state root after the block.
    pub state_root: Hash,
    /// The consensus epoch it was finalized in (the header's and the certificate's).
    pub epoch: u64,
    /// The consensus view it was finalized in.
    pub view: u64,
    /// At the last block of an epoch, SHA-256 of the next epoch's validator set; zeros
    /// otherwise.
    pub next_validators: Hash,
}

/// One epoch's validators, as verified.
#[derive(Clone, Debug)]
struct EpochSet {
    /// The members, in participant order (by address).
    validators: Vec<Address>,
    verifier: Scheme,
}

impl EpochSet {
    fn new(mut validators: Vec<Address>) -> Result<Self, LightError> {
        if validators.is_empty() {
            return Err(LightError::ValidatorSet("no validators".into()));
        }
        validators.sort();
        let keys: Vec<ed25519::PublicKey> = validators
            .iter()
            .map(|address| address.public_key().clone())
            .collect();
        let participants: Set<ed25519::PublicKey> = keys
            .try_into()
            .map_err(|_| LightError::ValidatorSet("a validator is listed twice".into()))?;
        Ok(Self {
            validators,
            verifier: Scheme::verifier(CONSENSUS_NAMESPACE, participants),
        })
    }
}

/// A client that trusts only the genesis validator set, and every later set it learned from
/// a boundary block that the set before it finalized.
#[derive(Clone, Debug)]
pub struct LightClient {
    epochs: ChainEpocher,
    /// The verified sets of epochs `0..=highest`, by epoch: epoch 0 is the genesis set, and
    /// each later one was learned from the last block of the epoch before it, so the known
    /// epochs are always contiguous.
    sets: Vec<EpochSet>,
}

impl LightClient {
    /// A client for the chain whose genesis validators are `validators` and whose heights map
    /// to epochs by `epochs` (the genesis document's staking parameters,
    /// `genesis.staking().params.epochs()`).
    pub fn new(validators: &[Address], epochs: ChainEpocher) -> Result<Self, LightError> {
        Ok(Self {
            epochs,
            sets: vec![EpochSet::new(validators.to_vec())?],
        })
    }

    /// A client for the chain `genesis` starts: its validators and its epochs.
    pub fn from_genesis(genesis: &Genesis) -> Result<Self, LightError> {
        let epochs = genesis
            .staking()
            .params
            .epochs()
            .ok_or(LightError::NoEpochs)?;
        Self::new(&genesis.validators, epochs)
    }

    /// The chain's epochs.
    pub fn epochs(&self) -> ChainEpocher {
        self.epochs
    }

    /// The highest epoch whose validator set is known; every epoch below it is known too.
    pub fn highest_epoch(&self) -> u64 {
        // There is always the genesis set, and fewer sets than `u64::MAX`.
        u64::try_from(self.sets.len()).map_or(u64::MAX, |n_sets| n_sets - 1)
    }

    /// The verified validators of `epoch`, in participant order, if its set is known.
    pub fn validators(&self, epoch: u64) -> Option<&[Address]> {
        self.set(epoch).map(|set| set.validators.as_slice())
    }

    fn set(&self, epoch: u64) -> Option<&EpochSet> {
        usize::try_from(epoch)
            .ok()
            .and_then(|index| self.sets.get(index))
    }

    /// Checks that `block` was finalized, with `finalization` (the bytes of
    /// `GET /v1/blocks/{height}/finalization`), by a quorum of the validators of the
    /// certificate's epoch, that its header is of that epoch and its height in it, and that
    /// its header hashes to its id.
    ///
    /// The certificate's epoch must be known ([`LightError::UnknownEpoch`] otherwise): a
    /// header is never checked against another epoch's set.
    pub fn verify_header(
        &self,
        block: &BlockView,
        finalization: &[u8],
    ) -> Result<FinalizedHeader, LightError> {
        let header = block.header.to_header();
        let computed = header.hash();
        if computed != block.hash {
            return Err(LightError::HeaderMismatch {
                computed,
                claimed: block.hash,
            });
        }
        // The epoch, and so the set, is known only after decoding; no set is larger than
        // MAX_VALIDATORS, and verification checks that the signer bitmap is the set's size.
        let max_signers = usize::try_from(MAX_VALIDATORS).unwrap_or(usize::MAX);
        let finalization =
            Finalization::<Scheme, Hash>::decode_cfg(Copying(finalization), &max_signers)
                .map_err(|error| LightError::Malformed(error.to_string()))?;
        if finalization.proposal.payload != block.hash {
            return Err(LightError::OtherBlock {
                certified: finalization.proposal.payload,
                block: block.hash,
            });
        }
        let epoch = finalization.proposal.round.epoch().get();
        if header.epoch != epoch {
            return Err(LightError::EpochMismatch {
                header: header.epoch,
                certificate: epoch,
            });
        }
        let expected = self.epochs.epoch_of(header.height);
        if expected != epoch {
            return Err(LightError::HeightOutsideEpoch {
                height: header.height,
                epoch,
                expected,
            });
        }
        let Some(set) = self.set(epoch) else {
            return Err(LightError::UnknownEpoch {
                epoch,
                highest: self.highest_epoch(),
            });
        };
        if !finalization.verify(&mut rand::rng(), &set.verifier, &Sequential) {
            return Err(LightError::BadSignatures { epoch });
        }
        Ok(FinalizedHeader {
            height: header.height,
            hash: block.hash,
            state_root: header.state_root,
            epoch,
            view: finalization.proposal.round.view().get(),
            next_validators: header.next_validators,
        })
    }

    /// Learns the validator set of epoch `e + 1` from `boundary`, the last block of epoch `e`,
    /// finalized by `finalization`, and `set`, the staking module's stored encoding of the set
    /// (the value of `staking::query::validator_set_key(e + 1)`, from any node).
    ///
    /// The set is accepted only if the boundary is finalized by a quorum of the known set of
    /// its epoch `e` ([`verify_header`](Self::verify_header)), is at the last height of `e`,
    /// commits to SHA-256 of `set` in `next_validators`, and `set` decodes (strictly, with
    /// bounded lengths) as the set of epoch `e + 1`. The bytes need no proof: the header that
    /// the known validators signed commits to them. Returns `e + 1`. Learning a known set
    /// again is a no-op; a different set for a known epoch is [`LightError::ConflictingSet`].
    pub fn learn_next_set(
        &mut self,
        boundary: &BlockView,
        finalization: &[u8],
        set: &[u8],
    ) -> Result<u64, LightError> {
        let header = self.verify_header(boundary, finalization)?;
        let epoch = header.epoch;
        if self.epochs.last(epoch) != Some(header.height) {
            return Err(LightError::NotBoundary {
                height: header.height,
                epoch,
            });
        }
        let served = sha256(&[set]);
        if served != header.next_validators {
            return Err(LightError::SetHashMismatch {
                committed: header.next_validators,
                served,
            });
        }
        let decoded = ValidatorSet::decode_cfg(Copying(set), &())
            .map_err(|error| LightError::MalformedSet(error.to_string()))?;
        let Some(next) = epoch.checked_add(1) else {
            return Err(LightError::EpochOutOfRange { epoch });
        };
        if decoded.epoch != next {
            return Err(LightError::SetOfOtherEpoch {
                expected: next,
                found: decoded.epoch,
            });
        }
        let learned = EpochSet::new(decoded.addresses().cloned().collect())?;
        if let Some(known) = self.set(next) {
            if known.validators != learned.validators {
                return Err(LightError::ConflictingSet { epoch: next });
            }
            return Ok(next);
        }
        // `epoch`'s set is known (its certificate verified) and `next`'s is not, so `next` is
        // the first unknown epoch: the known epochs stay contiguous.
        self.sets.push(learned);
        Ok(next)
    }

    /// Checks an account answer: the block it is proven under was finalized by the
    /// validators of its epoch, and the proof holds under that block's state root.
    pub fn verify_account(
        &self,
        address: &Address,
        value: &StateValueView,
        block: &BlockView,
        finalization: &[u8],
    ) -> Result<VerifiedAccount, LightError> {
        self.verify_header(block, finalization)?;
        Ok(verify_account(address, value, block)?)
    }
}
