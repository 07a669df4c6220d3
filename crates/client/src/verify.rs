//! Checking what a node answers against block headers, with no trust in the node's word.

use crate::dto::{BlockView, StateValueView};
use ailedger_core::{Address, Hash};
use ailedger_state::{StateKey, bank::Account, bank::query::account_key};
use ailedger_store::{ProofError, verify_state_proof};
use commonware_codec::{Copying, Decode};
use serde::Serialize;
use thiserror::Error;

/// Why an answer did not verify. Each variant names the check that failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerificationError {
    /// The state value is for another key than the one asked for.
    #[error("the node proved key {got}, not the key {expected} that was asked for")]
    WrongKey {
        /// The key asked for.
        expected: StateKey,
        /// The key answered.
        got: StateKey,
    },
    /// The header is of another height than the proof.
    #[error("the proof is for height {proof} but the header is of height {header}")]
    HeightMismatch {
        /// Height of the proof.
        proof: u64,
        /// Height of the header.
        header: u64,
    },
    /// The header's fields do not hash to the block id it was served under.
    #[error("the header hashes to {computed}, not to the block id {claimed} it was served as")]
    HeaderHash {
        /// The block id served.
        claimed: Hash,
        /// The hash of the header's fields.
        computed: Hash,
    },
    /// The proof is against another root than the block's state root.
    #[error("block {height} has state root {header}, but the proof is against {proof}")]
    StateRootMismatch {
        /// Block height.
        height: u64,
        /// The header's state root.
        header: Hash,
        /// The root the node says the proof is against.
        proof: Hash,
    },
    /// The proof itself does not verify against the header's state root.
    #[error("state proof check failed: {0}")]
    Proof(#[from] ProofError),
    /// The proven value is not an account.
    #[error("the proven account value does not decode: {reason}")]
    CorruptAccount {
        /// The decoding error.
        reason: String,
    },
}

/// An account whose state value was proven against a block's state root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifiedAccount {
    /// The account.
    #[serde(with = "crate::encoding::serde_with::address")]
    pub address: Address,
    /// Balance in the smallest token unit.
    #[serde(with = "crate::encoding::serde_with::amount")]
    pub balance: u128,
    /// Nonce of the account's next transaction.
    pub nonce: u64,
    /// Whether the account has a state value (the proof was of inclusion).
    pub exists: bool,
    /// The block whose state root the proof verified against.
    pub height: u64,
    /// Its id.
    #[serde(with = "crate::encoding::serde_with::hash")]
    pub block_hash: Hash,
    /// Its state root.
    #[serde(with = "crate::encoding::serde_with::hash")]
    pub state_root: Hash,
}

/// Checks a node's answer about `address`: `value` must be the account's state value with its
/// proof, and `block` the block at the proof's height.
///
/// The checks, in order: the key is the account's key; the header is of the proof's height; the
/// header hashes to the block id it came with; the header's state root is the proof's root; the
/// proof verifies the value (or its absence) against that root; the value decodes.
///
/// The header itself is taken on the node's word: this checks the state against the node's own
/// chain, not that the chain is the one the validators finalized.
pub fn verify_account(
    address: &Address,
    value: &StateValueView,
    block: &BlockView,
) -> Result<VerifiedAccount, VerificationError> {
    let expected_key = account_key(address);
    if value.key != expected_key {
        return Err(VerificationError::WrongKey {
            expected: expected_key,
            got: value.key,
        });
    }
    let header = block.header.to_header();
    if header.height != value.height {
        return Err(VerificationError::HeightMismatch {
            proof: value.height,
            header: header.height,
        });
    }
    let computed = header.hash();
    if computed != block.hash {
        return Err(VerificationError::HeaderHash {
            claimed: block.hash,
            computed,
        });
    }
    if header.state_root != value.state_root {
        return Err(VerificationError::StateRootMismatch {
            height: header.height,
            header: header.state_root,
            proof: value.state_root,
        });
    }
    verify_state_proof(
        &expected_key,
        value.value.as_deref(),
        &value.proof,
        &header.state_root,
    )?;
    let account = match &value.value {
        None => Account::default(),
        Some(bytes) => Account::decode_cfg(Copying(bytes.as_slice()), &()).map_err(|error| {
            VerificationError::CorruptAccount {
                reason: error.to_string(),
            }
        })?,
    };
    Ok(VerifiedAccount {
        address: address.clone(),
        balance: account.balance,
        nonce: account.nonce,
        exists: value.value.is_some(),
        height: header.height,
        block_hash: block.hash,
        state_root: header.state_root,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{Block, Header, SecretKey, ZERO_HASH, sha256};

    fn block(height: u64, state_root: Hash) -> BlockView {
        let header = Header {
            height,
            parent: ZERO_HASH,
            timestamp_ms: 1,
            proposer: SecretKey::from_seed(0).address(),
            epoch: 0,
            view: height,
            parent_view: 0,
            tx_count: 0,
            txs_root: ZERO_HASH,
            gas_used: 0,
            receipts_root: ZERO_HASH,
            state_root,
            ops_root: ZERO_HASH,
            ops_floor: 0,
            ops_size: 0,
        };
        BlockView::new(&Block::new(header, vec![]), false)
    }

    fn answer(address: &Address, height: u64, root: Hash) -> StateValueView {
        StateValueView {
            key: account_key(address),
            value: None,
            proof: vec![1, 2, 3],
            height,
            state_root: root,
        }
    }

    fn check(
        value: &StateValueView,
        block: &BlockView,
    ) -> Result<VerifiedAccount, VerificationError> {
        verify_account(&SecretKey::from_seed(1).address(), value, block)
    }

    #[test]
    fn a_proof_for_another_key_is_refused() {
        let root = sha256(&[b"root"]);
        let other = SecretKey::from_seed(2).address();
        let result = check(&answer(&other, 3, root), &block(3, root));
        assert!(
            matches!(result, Err(VerificationError::WrongKey { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn a_header_of_another_height_is_refused() {
        let root = sha256(&[b"root"]);
        let address = SecretKey::from_seed(1).address();
        let result = check(&answer(&address, 3, root), &block(4, root));
        assert_eq!(
            result,
            Err(VerificationError::HeightMismatch {
                proof: 3,
                header: 4
            })
        );
    }

    #[test]
    fn a_tampered_header_is_refused() {
        let root = sha256(&[b"root"]);
        let address = SecretKey::from_seed(1).address();
        let mut tampered = block(3, sha256(&[b"other"]));
        tampered.header.state_root = root;
        let result = check(&answer(&address, 3, root), &tampered);
        assert!(
            matches!(result, Err(VerificationError::HeaderHash { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn a_proof_against_another_root_is_refused() {
        let address = SecretKey::from_seed(1).address();
        let result = check(
            &answer(&address, 3, sha256(&[b"a"])),
            &block(3, sha256(&[b"b"])),
        );
        assert!(
            matches!(
                result,
                Err(VerificationError::StateRootMismatch { height: 3, .. })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn a_proof_that_does_not_decode_is_refused() {
        let root = sha256(&[b"root"]);
        let address = SecretKey::from_seed(1).address();
        let result = check(&answer(&address, 3, root), &block(3, root));
        assert!(
            matches!(
                result,
                Err(VerificationError::Proof(ProofError::Malformed(_)))
            ),
            "{result:?}"
        );
    }

    /// A state database like the node's, holding `accounts`; returns the proofs of `present`
    /// (inclusion) and `absent` (exclusion) and the root.
    fn real_proofs(
        accounts: &[(Address, Account)],
        present: &Address,
        absent: &Address,
    ) -> (Vec<u8>, Vec<u8>, Hash) {
        use ailedger_store::{StateDb, StateProof, state_db_config};
        use commonware_codec::Encode;
        use commonware_runtime::{Runner as _, buffer::paged, deterministic};
        use commonware_storage::qmdb::floor::Proportional;
        use std::num::NonZeroUsize;

        deterministic::Runner::default().start(|context| async move {
            let page_cache = paged::CacheRef::new(
                paged::page_size(4096),
                NonZeroUsize::new(64).expect("positive"),
            );
            let db = StateDb::<deterministic::Context>::init(
                context,
                state_db_config("verify", page_cache),
                None,
            )
            .await
            .expect("opens");
            let mut batch = db.new_batch();
            for (address, account) in accounts {
                batch = batch.write(account_key(address), Some(account.encode().to_vec()));
            }
            let merkleized = batch
                .merkleize(&db, None, &mut Proportional)
                .await
                .expect("merkleizes");
            let db = db.apply_batch(merkleized).await.expect("applies");
            let db = db.commit().await.expect("commits");
            let inclusion = db
                .key_value_proof(account_key(present))
                .await
                .expect("present");
            let exclusion = db
                .exclusion_proof(&account_key(absent))
                .await
                .expect("absent");
            (
                StateProof::Inclusion(inclusion).to_bytes(),
                StateProof::Exclusion(exclusion).to_bytes(),
                db.root(),
            )
        })
    }

    #[test]
    fn real_proofs_verify_for_present_and_absent_accounts_and_catch_a_forged_value() {
        use commonware_codec::Encode;

        let alice = SecretKey::from_seed(1).address();
        let bob = SecretKey::from_seed(2).address();
        let carol = SecretKey::from_seed(3).address();
        let account = Account {
            balance: 5_000,
            nonce: 2,
        };
        let accounts = [
            (alice.clone(), account),
            (
                carol,
                Account {
                    balance: 1,
                    nonce: 0,
                },
            ),
        ];
        let (inclusion, exclusion, root) = real_proofs(&accounts, &alice, &bob);
        let block = block(7, root);

        let present = StateValueView {
            key: account_key(&alice),
            value: Some(account.encode().to_vec()),
            proof: inclusion,
            height: 7,
            state_root: root,
        };
        let verified = verify_account(&alice, &present, &block).expect("verifies");
        assert_eq!(
            (verified.balance, verified.nonce, verified.exists),
            (5_000, 2, true)
        );
        assert_eq!(
            (verified.height, verified.state_root, verified.block_hash),
            (7, root, block.hash)
        );

        let absent = StateValueView {
            key: account_key(&bob),
            value: None,
            proof: exclusion,
            height: 7,
            state_root: root,
        };
        let verified = verify_account(&bob, &absent, &block).expect("verifies");
        assert_eq!(
            (verified.balance, verified.nonce, verified.exists),
            (0, 0, false)
        );

        let forged = StateValueView {
            value: Some(
                Account {
                    balance: 5_001,
                    nonce: 2,
                }
                .encode()
                .to_vec(),
            ),
            ..present.clone()
        };
        assert_eq!(
            verify_account(&alice, &forged, &block),
            Err(VerificationError::Proof(ProofError::Invalid))
        );

        let hidden = StateValueView {
            value: None,
            ..present
        };
        assert!(matches!(
            verify_account(&alice, &hidden, &block),
            Err(VerificationError::Proof(ProofError::WrongKind(_)))
        ));
    }
}
