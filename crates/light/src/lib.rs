//! Light-client verification: trust the validator set, not the node.
//!
//! A full node's answers carry proofs against a block's state root, and
//! [`ailedger_client::verify`] checks them against the block header the node serves. That
//! header is still the node's word. A [`LightClient`] holds only the validator set (from the
//! genesis document) and checks the header too: the node serves the block's finalization
//! certificate (`GET /v1/blocks/{height}/finalization`), the client checks that a quorum of
//! the validators signed the finalization of exactly that block under the chain's consensus
//! namespace, and only then trusts the header's state root for state proofs.
//!
//! What this does not cover yet: validator sets that change after genesis (the chain has no
//! staking yet, so the genesis set is the set).

use ailedger_client::{
    dto::{BlockView, StateValueView},
    verify::{VerificationError, VerifiedAccount, verify_account},
};
use ailedger_core::{Address, CONSENSUS_NAMESPACE, Hash};
use commonware_codec::{Copying, Decode as _};
use commonware_consensus::simplex::{scheme::ed25519::Scheme, types::Finalization};
use commonware_cryptography::{certificate::Verifier as _, ed25519};
use commonware_parallel::Sequential;
use commonware_utils::ordered::Set;
use thiserror::Error;

/// Why a header or a proof under it is not trusted.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LightError {
    /// The validator set is empty or repeats a key.
    #[error("invalid validator set: {0}")]
    ValidatorSet(String),
    /// The certificate bytes do not decode.
    #[error("the finalization certificate does not decode: {0}")]
    Malformed(String),
    /// The certificate is for another block.
    #[error("the finalization certificate is for block {certified}, not block {block}")]
    OtherBlock {
        /// The block it certifies.
        certified: Hash,
        /// The block it came with.
        block: Hash,
    },
    /// The signatures are not a quorum of the validator set over this finalization.
    #[error("the finalization certificate is not signed by a quorum of the validators")]
    BadSignatures,
    /// The header does not hash to the block id it was served under.
    #[error("the block's header hashes to {computed}, not to its id {claimed}")]
    HeaderMismatch {
        /// The header's hash.
        computed: Hash,
        /// The id it came with.
        claimed: Hash,
    },
    /// A state proof under the finalized header does not verify.
    #[error(transparent)]
    State(#[from] VerificationError),
}

/// A block header whose finalization by the validator set was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalizedHeader {
    /// Its height.
    pub height: u64,
    /// The block's id.
    pub hash: Hash,
    /// The state root after the block.
    pub state_root: Hash,
    /// The consensus view it was finalized in.
    pub view: u64,
}

/// A client that trusts only a validator set.
#[derive(Clone, Debug)]
pub struct LightClient {
    verifier: Scheme,
}

impl LightClient {
    /// A client for the chain whose validators are `validators` (the genesis document's).
    pub fn new(validators: &[Address]) -> Result<Self, LightError> {
        if validators.is_empty() {
            return Err(LightError::ValidatorSet("no validators".into()));
        }
        let keys: Vec<ed25519::PublicKey> = validators
            .iter()
            .map(|address| address.public_key().clone())
            .collect();
        let participants: Set<ed25519::PublicKey> = keys
            .try_into()
            .map_err(|_| LightError::ValidatorSet("a validator is listed twice".into()))?;
        Ok(Self {
            verifier: Scheme::verifier(CONSENSUS_NAMESPACE, participants),
        })
    }

    /// Checks that `block` was finalized by a quorum of the validators, with `finalization`
    /// (the bytes of `GET /v1/blocks/{height}/finalization`), and that its header hashes to
    /// its id.
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
        let finalization = Finalization::<Scheme, Hash>::decode_cfg(
            Copying(finalization),
            &self.verifier.certificate_codec_config(),
        )
        .map_err(|error| LightError::Malformed(error.to_string()))?;
        if finalization.proposal.payload != block.hash {
            return Err(LightError::OtherBlock {
                certified: finalization.proposal.payload,
                block: block.hash,
            });
        }
        if !finalization.verify(&mut rand::rng(), &self.verifier, &Sequential) {
            return Err(LightError::BadSignatures);
        }
        Ok(FinalizedHeader {
            height: header.height,
            hash: block.hash,
            state_root: header.state_root,
            view: finalization.proposal.round.view().get(),
        })
    }

    /// Checks an account answer: the block it is proven under was finalized by the
    /// validators, and the proof holds under that block's state root.
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
