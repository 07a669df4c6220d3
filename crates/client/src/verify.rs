//! Checking what a node answers against block headers, with no trust in the node's word.
//!
//! Two kinds of answer are checked:
//!
//! - A single state value ([`verify_account`]): its proof against the state root of the block
//!   it claims.
//! - A query answer computed from many state values (provenance records, lineage, licence
//!   reports, downstream sets): [`verify_query`] checks the proof of every value the node says
//!   it read, then **recomputes the answer** by running the same query
//!   ([`ailedger_state::query::run`]) over those proven values alone. A value the query needs
//!   but the node did not prove fails the check, and the typed checks ([`verify_dataset`],
//!   [`verify_lineage`], ...) then require the node's answer to equal the recomputed one. So a
//!   node can neither forge a record, nor hide an ancestor, a dataset or a licence, nor leave
//!   out a descendant, without being caught.

use crate::dto::{
    AnchorAnswer, AnchorView, BlockView, DatasetAnswer, DatasetList, DatasetView, DownstreamAnswer,
    DownstreamView, EvidenceAnswer, EvidenceView, LicenceReportView, LicencesAnswer, LineageAnswer,
    LineageView, LogAnswer, ModelAnswer, ModelVersionList, ModelVersionView, ModelView,
    ProvenState, StateValueView, VersionAnswer,
};
use crate::dto::{ClaimView, ContentClaimsAnswer};
use crate::dto::{
    EpochView, StakingParamsAnswer, StakingParamsView, ValidatorAnswer, ValidatorSetAnswer,
    ValidatorSetView, ValidatorView,
};
use crate::dto::{InferenceAnswer, InferenceView, ProvingIdentityAnswer, ProvingIdentityView};
use ailedger_core::{Address, Hash, Header};
use ailedger_state::{
    StateKey, StateStore, StoreError,
    bank::{Account, query::account_key},
    provenance::{licence::IntendedUse, query::Node},
    query::{StateAnswer, StateQuery, run},
};
use ailedger_store::{ProofError, verify_state_proof};
use commonware_codec::{Copying, Decode};
use serde::Serialize;
use std::{
    collections::BTreeMap,
    future::Future,
    pin::pin,
    task::{Context, Poll, Waker},
};
use thiserror::Error;

/// Why an answer is refused when its proofs answer another query than the one asked.
const ANOTHER_QUERY: &str = "the proven state answers another query";

/// The record a proven answer of `$variant` (a query about one record) holds; returns a
/// mismatch from the enclosing function if the proofs show it absent (`$absent`, evaluated only
/// then) or answer another query.
macro_rules! proven_record {
    ($answer:expr, $variant:path, $absent:expr) => {
        match $answer {
            $variant(Some(record)) => record,
            $variant(None) => return Err(mismatch($absent)),
            _ => return Err(mismatch(ANOTHER_QUERY)),
        }
    };
}

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
    /// The answer came without the proofs that were asked for.
    #[error("the answer carries no proofs")]
    MissingProofs,
    /// Recomputing the answer needed a state value the node did not prove.
    #[error("the proofs are incomplete: the answer needs state key {key}, which was not proven")]
    IncompleteProofs {
        /// The first key needed and not proven.
        key: StateKey,
    },
    /// The proven state gives another answer than the node's.
    #[error("the node's answer differs from the one its proven state gives: {reason}")]
    AnswerMismatch {
        /// What differs.
        reason: String,
    },
    /// The header at the end of the epoch before a validator set does not commit to it.
    #[error(
        "the header of block {height} commits to the next validator set {committed}, not to the \
         set served, whose digest is {digest}"
    )]
    SetNotCommitted {
        /// The boundary block.
        height: u64,
        /// Its header's `next_validators`.
        committed: Hash,
        /// SHA-256 of the set served.
        digest: Hash,
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
    let header = check_header(value.height, &value.state_root, block)?;
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

/// Checks that `block` is the block at `height`, that its header hashes to the id it was served
/// under, and that its state root is `state_root`; returns the header.
fn check_header(
    height: u64,
    state_root: &Hash,
    block: &BlockView,
) -> Result<Header, VerificationError> {
    let header = block.header.to_header();
    if header.height != height {
        return Err(VerificationError::HeightMismatch {
            proof: height,
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
    if header.state_root != *state_root {
        return Err(VerificationError::StateRootMismatch {
            height: header.height,
            header: header.state_root,
            proof: *state_root,
        });
    }
    Ok(header)
}

/// Where an answer was verified: the block whose state root every proof checked against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProofSummary {
    /// The block's height.
    pub height: u64,
    /// Its id.
    #[serde(with = "crate::encoding::serde_with::hash")]
    pub block_hash: Hash,
    /// Its state root.
    #[serde(with = "crate::encoding::serde_with::hash")]
    pub state_root: Hash,
    /// Number of state values proven (present or absent) and used to recompute the answer.
    pub values_proven: usize,
}

/// A query's answer recomputed from proven state values only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedQuery {
    /// The recomputed answer.
    pub answer: StateAnswer,
    /// Where the proofs were checked.
    pub summary: ProofSummary,
}

/// An answer that verified, with where it was verified. Serializes as the answer's fields
/// plus `"verified": {height, block_hash, state_root, values_proven}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verified<T> {
    /// The node's answer, equal to the one recomputed from the proofs.
    #[serde(flatten)]
    pub answer: T,
    /// Where it was verified.
    pub verified: ProofSummary,
}

/// The state values whose proofs verified; reading any other key fails, so that a query run
/// over it uses proven values only.
#[derive(Debug)]
struct ProvenStore {
    values: BTreeMap<StateKey, Option<Vec<u8>>>,
}

/// The message of the [`StoreError`] a [`ProvenStore`] gives for a key it lacks; the key
/// follows it.
const UNPROVEN: &str = "unproven key ";

impl StateStore for ProvenStore {
    async fn get(&self, key: &StateKey) -> Result<Option<Vec<u8>>, StoreError> {
        match self.values.get(key) {
            Some(value) => Ok(value.clone()),
            None => Err(StoreError(format!("{UNPROVEN}{key}"))),
        }
    }
}

/// Polls a future once: the queries run over a [`ProvenStore`] never wait, since every read is
/// answered from memory.
fn ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// Checks a query answer's proofs against `block` and recomputes the answer from them.
///
/// The checks, in order: the answer carries proofs; `block` is the block at the answer's
/// height, its header hashes to its id and its state root is the answer's; every proof verifies
/// its value (or absence) against that root; running `query` over the proven values alone needs
/// no other value. The recomputed answer is returned: compare it with the node's (the typed
/// checks below do).
///
/// Like [`verify_account`], the header is taken on the node's word.
pub fn verify_query(
    query: &StateQuery,
    state: ProvenState<'_>,
    block: &BlockView,
) -> Result<VerifiedQuery, VerificationError> {
    let Some(proofs) = state.proofs else {
        return Err(VerificationError::MissingProofs);
    };
    let header = check_header(state.height, &state.state_root, block)?;
    let mut values = BTreeMap::new();
    for proven in proofs {
        verify_state_proof(
            &proven.key,
            proven.value.as_deref(),
            &proven.proof,
            &header.state_root,
        )?;
        values.insert(proven.key, proven.value.clone());
    }
    let store = ProvenStore { values };
    let outcome = ready(run(&store, query)).ok_or_else(|| VerificationError::AnswerMismatch {
        reason: "recomputing the answer did not complete".to_owned(),
    })?;
    let (answer, _keys) = outcome.map_err(|error| {
        if let ailedger_state::provenance::query::QueryError::Store(StoreError(message)) = &error
            && let Some(key) = message.strip_prefix(UNPROVEN)
            && let Ok(key) = crate::encoding::parse_hash(key)
        {
            return VerificationError::IncompleteProofs { key };
        }
        VerificationError::AnswerMismatch {
            reason: format!("the proven state answers: {error}"),
        }
    })?;
    Ok(VerifiedQuery {
        answer,
        summary: ProofSummary {
            height: header.height,
            block_hash: block.hash,
            state_root: header.state_root,
            values_proven: proofs.len(),
        },
    })
}

/// Fails unless the node's answer equals the recomputed one.
/// Checks the log `origin` and its latest anchor as served.
pub fn verify_log(
    origin: &str,
    answer: &LogAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let verified = verify_query(
        &StateQuery::Log(origin.to_owned()),
        answer.proven_state(),
        block,
    )?;
    let view = proven_record!(
        &verified.answer,
        StateAnswer::Log,
        format!("the proofs show log {origin:?} is not registered")
    );
    let (log, latest) = LogAnswer::parts(view);
    same("log", &answer.log, &log)?;
    same("latest anchor", &answer.latest_anchor, &latest)?;
    Ok(verified.summary)
}

/// Checks anchor `seq` of the log `origin` as served.
pub fn verify_log_anchor(
    origin: &str,
    seq: u64,
    answer: &AnchorAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let query = StateQuery::LogAnchor {
        origin: origin.to_owned(),
        seq,
    };
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let anchor = proven_record!(
        &verified.answer,
        StateAnswer::LogAnchor,
        format!("the proofs show log {origin:?} has no anchor {seq}")
    );
    same("anchor", &answer.anchor, &AnchorView::from(&**anchor))?;
    Ok(verified.summary)
}

/// Checks evidence record `index` against the log `origin` as served.
pub fn verify_log_evidence(
    origin: &str,
    index: u64,
    answer: &EvidenceAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let query = StateQuery::LogEvidence {
        origin: origin.to_owned(),
        index,
    };
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let evidence = proven_record!(
        &verified.answer,
        StateAnswer::LogEvidence,
        format!("the proofs show log {origin:?} has no evidence {index}")
    );
    same(
        "evidence",
        &answer.evidence,
        &EvidenceView::from(&**evidence),
    )?;
    Ok(verified.summary)
}

/// Checks the staking parameters as served, and the epoch they place the answer's block in.
pub fn verify_staking_params(
    answer: &StakingParamsAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let verified = verify_query(&StateQuery::StakingParams, answer.proven_state(), block)?;
    let params = proven_record!(
        &verified.answer,
        StateAnswer::StakingParams,
        "the proofs show the chain has no staking parameters"
    );
    same(
        "staking parameters",
        &answer.params,
        &StakingParamsView::from(params),
    )?;
    let span = params
        .epochs()
        .and_then(|epochs| epochs.containing(answer.height))
        .ok_or_else(|| mismatch("the proven parameters place the block in no epoch"))?;
    same("epoch", &answer.epoch, &EpochView::from(span))?;
    Ok(verified.summary)
}

/// Checks the validator `address` as served.
pub fn verify_validator(
    address: &Address,
    answer: &ValidatorAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let query = StateQuery::Validator(address.clone());
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let validator = proven_record!(
        &verified.answer,
        StateAnswer::Validator,
        format!("the proofs show {address} is not a registered validator")
    );
    same(
        "validator",
        &answer.validator,
        &ValidatorView::new(address, validator),
    )?;
    Ok(verified.summary)
}

/// Checks the validator set of `epoch` as served: its members, and its stored bytes and their
/// digest, which [`verify_set_commitment`] then finds in the boundary header.
pub fn verify_validator_set(
    epoch: u64,
    answer: &ValidatorSetAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let verified = verify_query(
        &StateQuery::ValidatorSet(epoch),
        answer.proven_state(),
        block,
    )?;
    let set = proven_record!(
        &verified.answer,
        StateAnswer::ValidatorSet,
        format!("the proofs show no validator set for epoch {epoch}")
    );
    if set.epoch != epoch {
        return Err(mismatch(format!(
            "the set stored for epoch {epoch} names epoch {}",
            set.epoch
        )));
    }
    same(
        "validator set",
        &answer.set,
        &ValidatorSetView::from(set.as_ref()),
    )?;
    let (encoded, digest) = ValidatorSetAnswer::encoding_of(set);
    same("set encoding", &answer.encoded, &encoded)?;
    same("set digest", &answer.digest, &digest)?;
    match (epoch, answer.boundary_height) {
        (0, None) => {}
        (0, Some(_)) => {
            return Err(mismatch(
                "the set of epoch 0 is the genesis validators': no header commits to it",
            ));
        }
        (_, None) => {
            return Err(mismatch(format!(
                "no boundary block is named for the set of epoch {epoch}"
            )));
        }
        (_, Some(_)) => {}
    }
    Ok(verified.summary)
}

/// Checks that `boundary`, the block at the answer's `boundary_height` (the last block of the
/// epoch before the set's), commits to the set served: its header hashes to its id and its
/// `next_validators` is the digest of the set's stored bytes (checked against the proofs by
/// [`verify_validator_set`]).
///
/// Like [`verify_account`], the header is taken on the node's word; a light client checks its
/// finalization too.
pub fn verify_set_commitment(
    answer: &ValidatorSetAnswer,
    boundary: &BlockView,
) -> Result<(), VerificationError> {
    let Some(height) = answer.boundary_height else {
        return Err(mismatch(format!(
            "no boundary block is named for the set of epoch {}",
            answer.set.epoch
        )));
    };
    let header = boundary.header.to_header();
    if header.height != height {
        return Err(VerificationError::HeightMismatch {
            proof: height,
            header: header.height,
        });
    }
    let computed = header.hash();
    if computed != boundary.hash {
        return Err(VerificationError::HeaderHash {
            claimed: boundary.hash,
            computed,
        });
    }
    if header.next_validators != answer.digest {
        return Err(VerificationError::SetNotCommitted {
            height,
            committed: header.next_validators,
            digest: answer.digest,
        });
    }
    Ok(())
}

fn same<T: PartialEq>(what: &str, served: &T, recomputed: &T) -> Result<(), VerificationError> {
    if served == recomputed {
        Ok(())
    } else {
        Err(VerificationError::AnswerMismatch {
            reason: format!("the {what} served is not the {what} the proven state holds"),
        })
    }
}

fn mismatch(reason: impl Into<String>) -> VerificationError {
    VerificationError::AnswerMismatch {
        reason: reason.into(),
    }
}

/// The bound to recompute with: the node's (it may cap what was asked), but never more than
/// was asked.
fn bound(asked: u64, served: u64) -> usize {
    usize::try_from(asked.min(served)).unwrap_or(usize::MAX)
}

/// Checks the dataset `root` as served ([`verify_query`], then equality with the record the
/// proofs hold).
pub fn verify_dataset(
    root: &Hash,
    answer: &DatasetAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let verified = verify_query(&StateQuery::Dataset(*root), answer.proven_state(), block)?;
    let dataset = proven_record!(
        &verified.answer,
        StateAnswer::Dataset,
        format!("the proofs show dataset {root} is not registered")
    );
    same("dataset", &answer.dataset, &DatasetView::from(dataset))?;
    Ok(verified.summary)
}

/// Checks a page of dataset roots asked for from `offset`, at most `limit`.
pub fn verify_dataset_list(
    offset: u64,
    limit: u64,
    answer: &DatasetList,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    if answer.offset != offset {
        return Err(mismatch(format!(
            "asked from position {offset}, served from {}",
            answer.offset
        )));
    }
    let query = StateQuery::Datasets {
        offset,
        limit: bound(limit, answer.limit),
    };
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let StateAnswer::Datasets(slice) = &verified.answer else {
        return Err(mismatch(ANOTHER_QUERY));
    };
    same("dataset count", &answer.total, &slice.total)?;
    same("dataset list", &answer.ids, &slice.ids)?;
    Ok(verified.summary)
}

/// Checks the model `name` as served.
pub fn verify_model(
    name: &str,
    answer: &ModelAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let verified = verify_query(
        &StateQuery::Model(name.to_owned()),
        answer.proven_state(),
        block,
    )?;
    let model = proven_record!(
        &verified.answer,
        StateAnswer::Model,
        format!("the proofs show model {name:?} is not registered")
    );
    same("model", &answer.model, &ModelView::from(model))?;
    Ok(verified.summary)
}

/// Checks a page of a model's version ids asked for from `offset`, at most `limit`.
pub fn verify_model_versions(
    name: &str,
    offset: u64,
    limit: u64,
    answer: &ModelVersionList,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    if answer.offset != offset || answer.model != name {
        return Err(mismatch("the list served is not the one asked for"));
    }
    let query = StateQuery::ModelVersions {
        name: name.to_owned(),
        offset,
        limit: bound(limit, answer.limit),
    };
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let StateAnswer::ModelVersions(slice) = &verified.answer else {
        return Err(mismatch(ANOTHER_QUERY));
    };
    same("version count", &answer.total, &slice.total)?;
    same("version list", &answer.ids, &slice.ids)?;
    Ok(verified.summary)
}

/// Checks the model version `id` as served.
pub fn verify_version(
    id: &Hash,
    answer: &VersionAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let verified = verify_query(&StateQuery::Version(*id), answer.proven_state(), block)?;
    let version = proven_record!(
        &verified.answer,
        StateAnswer::Version,
        format!("the proofs show version {id} is not registered")
    );
    same("version", &answer.version, &ModelVersionView::from(version))?;
    Ok(verified.summary)
}

/// Checks the proving identity of version `version` as served.
pub fn verify_proving_identity(
    version: &Hash,
    answer: &ProvingIdentityAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let query = StateQuery::ProvingIdentity(*version);
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let record = proven_record!(
        &verified.answer,
        StateAnswer::ProvingIdentity,
        format!("the proofs show version {version} has no proving identity")
    );
    same(
        "proving identity",
        &answer.identity,
        &ProvingIdentityView::from(record.as_ref()),
    )?;
    Ok(verified.summary)
}

/// Checks the verified inference `id` as served.
pub fn verify_inference(
    id: &Hash,
    answer: &InferenceAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let verified = verify_query(&StateQuery::Inference(*id), answer.proven_state(), block)?;
    let record = proven_record!(
        &verified.answer,
        StateAnswer::Inference,
        format!("the proofs show inference {id} is not recorded")
    );
    same(
        "inference",
        &answer.inference,
        &InferenceView::from(record.as_ref()),
    )?;
    Ok(verified.summary)
}

/// Checks the claims of `content` from position `offset` (at most `limit`) as served: the
/// count, every claim (claimant, block, what it states) and, for content nobody claimed, the
/// absence of a count.
pub fn verify_content_claims(
    content: &Hash,
    offset: u32,
    limit: usize,
    answer: &ContentClaimsAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let query = StateQuery::ContentClaims {
        content: *content,
        offset,
        limit,
    };
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let StateAnswer::ContentClaims(claims) = &verified.answer else {
        return Err(mismatch(ANOTHER_QUERY));
    };
    if answer.content != *content {
        return Err(mismatch("the answer is about another content digest"));
    }
    same("claim count", &answer.total, &claims.total)?;
    let proven: Vec<ClaimView> = claims.claims.iter().map(ClaimView::from).collect();
    same("claims", &answer.claims, &proven)?;
    Ok(verified.summary)
}

/// Checks the lineage of version `id`, asked for with at most `max_nodes` records.
pub fn verify_lineage(
    id: &Hash,
    max_nodes: u64,
    answer: &LineageAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let query = StateQuery::Lineage {
        id: *id,
        max_nodes: bound(max_nodes, answer.max_nodes),
    };
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let StateAnswer::Lineage(lineage) = &verified.answer else {
        return Err(mismatch(ANOTHER_QUERY));
    };
    same(
        "lineage",
        &answer.lineage,
        &LineageView::from(lineage.as_ref()),
    )?;
    Ok(verified.summary)
}

/// Checks the licence report of version `id` for `intended_use`.
pub fn verify_licences(
    id: &Hash,
    intended_use: IntendedUse,
    max_nodes: u64,
    answer: &LicencesAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let query = StateQuery::Licences {
        id: *id,
        intended_use,
        max_nodes: bound(max_nodes, answer.max_nodes),
    };
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let StateAnswer::Licences(report) = &verified.answer else {
        return Err(mismatch(ANOTHER_QUERY));
    };
    same(
        "licence report",
        &answer.report,
        &LicenceReportView::from(report.as_ref()),
    )?;
    Ok(verified.summary)
}

/// Checks everything downstream of `node`.
pub fn verify_downstream(
    node: Node,
    max_nodes: u64,
    answer: &DownstreamAnswer,
    block: &BlockView,
) -> Result<ProofSummary, VerificationError> {
    let query = StateQuery::Downstream {
        node,
        max_nodes: bound(max_nodes, answer.max_nodes),
    };
    let verified = verify_query(&query, answer.proven_state(), block)?;
    let StateAnswer::Downstream(downstream) = &verified.answer else {
        return Err(mismatch(ANOTHER_QUERY));
    };
    same(
        "downstream set",
        &answer.downstream,
        &DownstreamView::from(downstream.as_ref()),
    )?;
    Ok(verified.summary)
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
            next_validators: ailedger_core::ZERO_HASH,
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

    /// A state database like the node's holding `writes`, and the proof of each of `keys`
    /// (inclusion or exclusion) with the root.
    fn prove_keys(
        writes: &[(StateKey, Vec<u8>)],
        keys: &[StateKey],
    ) -> (Vec<crate::dto::ProvenValueView>, Hash) {
        use ailedger_store::{StateDb, StateProof, state_db_config};
        use commonware_runtime::{Runner as _, buffer::paged, deterministic};
        use commonware_storage::qmdb::floor::Proportional;
        use std::num::NonZeroUsize;

        let writes = writes.to_vec();
        let keys = keys.to_vec();
        deterministic::Runner::default().start(|context| async move {
            let page_cache = paged::CacheRef::new(
                paged::page_size(4096),
                NonZeroUsize::new(64).expect("positive"),
            );
            let db = StateDb::<deterministic::Context>::init(
                context,
                state_db_config("verify-query", page_cache),
                None,
            )
            .await
            .expect("opens");
            let mut batch = db.new_batch();
            for (key, value) in &writes {
                batch = batch.write(*key, Some(value.clone()));
            }
            let merkleized = batch
                .merkleize(&db, None, &mut Proportional)
                .await
                .expect("merkleizes");
            let db = db.apply_batch(merkleized).await.expect("applies");
            let db = db.commit().await.expect("commits");
            let mut proven = Vec::new();
            for key in keys {
                let value = db.get(&key).await.expect("reads");
                let proof = match &value {
                    Some(_) => StateProof::Inclusion(db.key_value_proof(key).await.expect("proof")),
                    None => StateProof::Exclusion(db.exclusion_proof(&key).await.expect("proof")),
                };
                proven.push(crate::dto::ProvenValueView {
                    key,
                    value,
                    proof: proof.to_bytes(),
                });
            }
            (proven, db.root())
        })
    }

    /// A dataset, a base version trained on it and a finetune of the base, written as the
    /// provenance module writes them (records, heads, children lists).
    fn provenance_writes() -> (Vec<(StateKey, Vec<u8>)>, Hash, Hash, Hash) {
        use ailedger_state::{
            Module,
            provenance::{
                Dataset, DatasetMode, FileDigest, Licence, Modality, ModelVersion, Page, Parent,
                Provenance, Relation, SourceCategory, VersionHead, VersionStatus,
                state_key::{self as raw, List},
                version_id,
            },
            state_key,
        };
        use commonware_codec::Encode;

        let key = |raw: Vec<u8>| state_key(Provenance::NAME, &raw);
        let registrant = SecretKey::from_seed(1).address();
        let dataset_id = sha256(&[b"dataset"]);
        let dataset = Dataset {
            id: dataset_id,
            name: "digits".into(),
            manifest: ZERO_HASH,
            leaf_count: 1797,
            total_bytes: 1,
            mode: DatasetMode::Records,
            licence: Licence {
                expression: "CC-BY-NC-4.0".into(),
                raw: "CC-BY-NC-4.0".into(),
            },
            source: "uci".into(),
            source_category: SourceCategory::PublicDataset,
            modality: Modality::Tabular,
            collection: None,
            contributors: vec![],
            evidence: vec![],
            registrant: registrant.clone(),
            height: 2,
            time_ms: 2,
        };
        let version = |label: &str, parents: Vec<Parent>, datasets: Vec<Hash>| ModelVersion {
            id: version_id("acme/m", label),
            model: "acme/m".into(),
            version: label.into(),
            files: vec![FileDigest {
                path: "model.onnx".into(),
                sha256: sha256(&[label.as_bytes()]),
            }],
            tensor_root: ZERO_HASH,
            architecture: ZERO_HASH,
            parents,
            datasets,
            training: None,
            licence: Licence {
                expression: "MIT".into(),
                raw: "MIT".into(),
            },
            registrant: registrant.clone(),
            height: 3,
            time_ms: 3,
        };
        let base = version("1", vec![], vec![dataset_id]);
        let tuned = version(
            "2",
            vec![Parent {
                id: base.id,
                relation: Relation::Finetune,
            }],
            vec![],
        );
        let head = VersionHead {
            model: "acme/m".into(),
            status: VersionStatus::Active,
        };
        let mut writes = vec![
            (key(raw::dataset(&dataset_id)), dataset.encode().to_vec()),
            (key(raw::version(&base.id)), base.encode().to_vec()),
            (key(raw::version_head(&base.id)), head.encode().to_vec()),
            (key(raw::version(&tuned.id)), tuned.encode().to_vec()),
            (key(raw::version_head(&tuned.id)), head.encode().to_vec()),
        ];
        for (list, child) in [
            (List::DatasetChildren(dataset_id), base.id),
            (List::VersionChildren(base.id), tuned.id),
        ] {
            writes.push((key(raw::list_len(&list)), 1u64.encode().to_vec()));
            writes.push((
                key(raw::list_page(&list, 0)),
                Page(vec![child]).encode().to_vec(),
            ));
        }
        (writes, dataset_id, base.id, tuned.id)
    }

    /// The answer and keys the node would compute, over the same writes in memory.
    fn node_answer(
        writes: &[(StateKey, Vec<u8>)],
        query: &StateQuery,
    ) -> (StateAnswer, Vec<StateKey>) {
        let mut store = ailedger_state::MemStore::new();
        store.apply(
            writes
                .iter()
                .map(|(key, value)| (*key, Some(value.clone()))),
        );
        ready(run(&store, query))
            .expect("in memory")
            .expect("the query answers")
    }

    #[test]
    fn a_lineage_recomputed_from_real_proofs_verifies_and_a_hidden_dataset_is_caught() {
        let (writes, dataset_id, _base, tuned) = provenance_writes();
        let query = StateQuery::Lineage {
            id: tuned,
            max_nodes: 100,
        };
        let (answer, keys) = node_answer(&writes, &query);
        let StateAnswer::Lineage(lineage) = &answer else {
            panic!("a lineage")
        };
        assert_eq!(lineage.datasets.len(), 1);
        let (proofs, root) = prove_keys(&writes, &keys);
        let block = block(9, root);
        let served = LineageAnswer {
            height: 9,
            state_root: root,
            max_nodes: 100,
            lineage: LineageView::from(lineage.as_ref()),
            proofs: Some(proofs),
        };
        let summary = verify_lineage(&tuned, 100, &served, &block).expect("verifies");
        assert_eq!(
            (summary.height, summary.state_root, summary.values_proven),
            (9, root, keys.len())
        );

        // The node leaves the dataset out of its answer: the proofs still hold it.
        let mut hidden = served.clone();
        hidden.lineage.datasets.clear();
        assert!(matches!(
            verify_lineage(&tuned, 100, &hidden, &block),
            Err(VerificationError::AnswerMismatch { .. })
        ));

        // The node also leaves out the dataset's proof: recomputing needs it.
        let mut unproven = served.clone();
        let dataset_key = ailedger_state::provenance::query::dataset_key(&dataset_id);
        unproven
            .proofs
            .as_mut()
            .expect("proofs")
            .retain(|proof| proof.key != dataset_key);
        assert_eq!(
            verify_lineage(&tuned, 100, &unproven, &block),
            Err(VerificationError::IncompleteProofs { key: dataset_key })
        );

        // A forged value does not verify against the root.
        let mut forged = served.clone();
        let first = &mut forged.proofs.as_mut().expect("proofs")[0];
        if let Some(value) = first.value.as_mut() {
            let last = value.len() - 1;
            value[last] ^= 1;
        }
        assert!(matches!(
            verify_lineage(&tuned, 100, &forged, &block),
            Err(VerificationError::Proof(_))
        ));

        let bare = LineageAnswer {
            proofs: None,
            ..served.clone()
        };
        assert_eq!(
            verify_lineage(&tuned, 100, &bare, &block),
            Err(VerificationError::MissingProofs)
        );
        assert!(matches!(
            verify_lineage(&tuned, 100, &served, &self::block(10, root)),
            Err(VerificationError::HeightMismatch { .. })
        ));
    }

    #[test]
    fn a_dataset_and_its_downstream_set_verify_and_a_dropped_descendant_is_caught() {
        let (writes, dataset_id, base, tuned) = provenance_writes();
        let query = StateQuery::Dataset(dataset_id);
        let (answer, keys) = node_answer(&writes, &query);
        let StateAnswer::Dataset(Some(dataset)) = &answer else {
            panic!("a dataset")
        };
        let (proofs, root) = prove_keys(&writes, &keys);
        let served = DatasetAnswer {
            height: 4,
            state_root: root,
            dataset: DatasetView::from(dataset),
            proofs: Some(proofs),
        };
        let block = block(4, root);
        verify_dataset(&dataset_id, &served, &block).expect("verifies");
        let mut renamed = served;
        renamed.dataset.licence.expression = "MIT".into();
        assert!(matches!(
            verify_dataset(&dataset_id, &renamed, &block),
            Err(VerificationError::AnswerMismatch { .. })
        ));

        let node = Node::Dataset(dataset_id);
        let query = StateQuery::Downstream {
            node,
            max_nodes: 10,
        };
        let (answer, keys) = node_answer(&writes, &query);
        let StateAnswer::Downstream(downstream) = &answer else {
            panic!("a downstream set")
        };
        assert_eq!(
            downstream
                .versions
                .iter()
                .map(|descendant| descendant.version.record.id)
                .collect::<Vec<_>>(),
            vec![base, tuned]
        );
        let (proofs, root) = prove_keys(&writes, &keys);
        let served = DownstreamAnswer {
            height: 4,
            state_root: root,
            max_nodes: 10,
            downstream: DownstreamView::from(downstream.as_ref()),
            proofs: Some(proofs),
        };
        let block = self::block(4, root);
        verify_downstream(node, 10, &served, &block).expect("verifies");
        let mut dropped = served;
        dropped.downstream.versions.pop();
        assert!(matches!(
            verify_downstream(node, 10, &dropped, &block),
            Err(VerificationError::AnswerMismatch { .. })
        ));
        // A proof set that shows the dataset as absent cannot back an answer that has it.
        let absent = sha256(&[b"absent"]);
        let (proofs, root) = prove_keys(
            &writes,
            &[ailedger_state::provenance::query::dataset_key(&absent)],
        );
        let served = DatasetAnswer {
            height: 4,
            state_root: root,
            dataset: DatasetView::from(dataset),
            proofs: Some(proofs),
        };
        assert!(matches!(
            verify_dataset(&absent, &served, &self::block(4, root)),
            Err(VerificationError::AnswerMismatch { .. })
        ));
    }

    /// The staking module's parameters and the sets of epochs 0 and 1, as it writes them.
    fn staking_writes() -> (
        Vec<(StateKey, Vec<u8>)>,
        ailedger_state::staking::StakingParams,
    ) {
        use ailedger_state::{
            Module,
            staking::{
                SetMember, Staking, StakingParams, ValidatorSet, query::validator_set_key,
                state_key as raw,
            },
            state_key,
        };
        use commonware_codec::Encode;

        let params = StakingParams {
            fork_last: 4,
            epoch_length: 5,
            ..StakingParams::DEFAULT
        };
        let mut members: Vec<SetMember> = (1..=3)
            .map(|seed| SetMember {
                address: SecretKey::from_seed(seed).address(),
                stake: u128::from(seed) * 1_000_000,
                p2p_address: format!("10.0.0.{seed}:26656"),
            })
            .collect();
        members.sort_by(|a, b| a.address.cmp(&b.address));
        let genesis = ValidatorSet {
            epoch: 0,
            members: members[..1].to_vec(),
        };
        let next = ValidatorSet { epoch: 1, members };
        let writes = vec![
            (
                state_key(Staking::NAME, raw::PARAMS),
                params.encode().to_vec(),
            ),
            (validator_set_key(0), genesis.encode().to_vec()),
            (validator_set_key(1), next.encode().to_vec()),
        ];
        (writes, params)
    }

    fn served_set(epoch: u64) -> (ValidatorSetAnswer, BlockView) {
        let (writes, _) = staking_writes();
        let query = StateQuery::ValidatorSet(epoch);
        let (answer, keys) = node_answer(&writes, &query);
        let StateAnswer::ValidatorSet(Some(set)) = &answer else {
            panic!("a set")
        };
        let (proofs, root) = prove_keys(&writes, &keys);
        let (encoded, digest) = ValidatorSetAnswer::encoding_of(set);
        let served = ValidatorSetAnswer {
            height: 6,
            state_root: root,
            set: ValidatorSetView::from(set.as_ref()),
            encoded,
            digest,
            boundary_height: (epoch > 0).then_some(4),
            proofs: Some(proofs),
        };
        (served, block(6, root))
    }

    /// A header at `height` committing to `next_validators`.
    fn boundary(height: u64, next_validators: Hash) -> BlockView {
        let mut view = block(height, ZERO_HASH);
        view.header.next_validators = next_validators;
        let header = view.header.to_header();
        BlockView::new(&Block::new(header, vec![]), false)
    }

    #[test]
    fn a_validator_set_verifies_with_its_bytes_and_the_boundary_header_commits_to_them() {
        let (served, header) = served_set(1);
        let summary = verify_validator_set(1, &served, &header).expect("verifies");
        assert_eq!((summary.height, summary.values_proven), (6, 1));
        assert_eq!(served.set.members.len(), 3);
        verify_set_commitment(&served, &boundary(4, served.digest)).expect("committed");

        // A member dropped, a stake changed, the bytes or the digest altered: each is caught.
        let mut dropped = served.clone();
        dropped.set.members.pop();
        let mut richer = served.clone();
        richer.set.members[0].stake += 1;
        let mut bytes = served.clone();
        let last = bytes.encoded.len() - 1;
        bytes.encoded[last] ^= 1;
        let mut digest = served.clone();
        digest.digest = sha256(&[b"another set"]);
        for (what, bad) in [
            ("dropped", dropped),
            ("stake", richer),
            ("bytes", bytes),
            ("digest", digest),
        ] {
            assert!(
                matches!(
                    verify_validator_set(1, &bad, &header),
                    Err(VerificationError::AnswerMismatch { .. })
                ),
                "{what}"
            );
        }
        // The set of another epoch is not the set asked for.
        assert!(matches!(
            verify_validator_set(0, &served, &header),
            Err(VerificationError::IncompleteProofs { .. })
        ));
        // A set after epoch 0 must name its boundary block; epoch 0's must not.
        let unbounded = ValidatorSetAnswer {
            boundary_height: None,
            ..served.clone()
        };
        assert!(matches!(
            verify_validator_set(1, &unbounded, &header),
            Err(VerificationError::AnswerMismatch { .. })
        ));
        let (genesis, genesis_header) = served_set(0);
        verify_validator_set(0, &genesis, &genesis_header).expect("verifies");
        let bounded = ValidatorSetAnswer {
            boundary_height: Some(4),
            ..genesis
        };
        assert!(matches!(
            verify_validator_set(0, &bounded, &genesis_header),
            Err(VerificationError::AnswerMismatch { .. })
        ));

        // A boundary header that commits to another set, or is not the block named.
        assert_eq!(
            verify_set_commitment(&served, &boundary(4, ZERO_HASH)),
            Err(VerificationError::SetNotCommitted {
                height: 4,
                committed: ZERO_HASH,
                digest: served.digest,
            })
        );
        assert!(matches!(
            verify_set_commitment(&served, &boundary(5, served.digest)),
            Err(VerificationError::HeightMismatch { .. })
        ));
        let mut forged = boundary(4, ZERO_HASH);
        forged.header.next_validators = served.digest;
        assert!(matches!(
            verify_set_commitment(&served, &forged),
            Err(VerificationError::HeaderHash { .. })
        ));
    }

    #[test]
    fn staking_params_verify_with_their_epoch_and_an_absent_validator_cannot_be_served() {
        use crate::dto::{EpochView, StakingParamsView};

        let (writes, params) = staking_writes();
        let (answer, keys) = node_answer(&writes, &StateQuery::StakingParams);
        assert_eq!(answer, StateAnswer::StakingParams(Some(params)));
        let (proofs, root) = prove_keys(&writes, &keys);
        let served = StakingParamsAnswer {
            height: 7,
            state_root: root,
            params: StakingParamsView::from(&params),
            epoch: EpochView {
                epoch: 1,
                first: 5,
                last: 9,
            },
            proofs: Some(proofs),
        };
        verify_staking_params(&served, &block(7, root)).expect("verifies");
        let mut wrong_epoch = served.clone();
        wrong_epoch.epoch.epoch = 2;
        let mut longer = served;
        longer.params.unbonding_epochs = 1;
        for bad in [wrong_epoch, longer] {
            assert!(matches!(
                verify_staking_params(&bad, &block(7, root)),
                Err(VerificationError::AnswerMismatch { .. })
            ));
        }

        // A validator the proofs show absent cannot be served.
        let address = SecretKey::from_seed(1).address();
        let query = StateQuery::Validator(address.clone());
        let (answer, keys) = node_answer(&writes, &query);
        assert_eq!(answer, StateAnswer::Validator(None));
        let (proofs, root) = prove_keys(&writes, &keys);
        let served = ValidatorAnswer {
            height: 7,
            state_root: root,
            validator: crate::dto::ValidatorView {
                address: address.clone(),
                p2p_address: String::new(),
                stake: 1,
                unbonding: Vec::new(),
                jailed: false,
            },
            proofs: Some(proofs),
        };
        assert!(matches!(
            verify_validator(&address, &served, &block(7, root)),
            Err(VerificationError::AnswerMismatch { .. })
        ));
    }
}
