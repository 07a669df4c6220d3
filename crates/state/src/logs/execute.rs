//! Execution of logs messages against the state.
//!
//! Checkpoints are verified here, natively: the signature with the registered key
//! (`ailedger-tlog`, over `signed_note` and `ed25519-dalek`), then sizes and RFC 9162 proofs.
//! Everything in that path is a pure function of the message and the stored record: no clock,
//! no randomness, no I/O, and error messages built only from the inputs.

use super::{
    AnchorRecord, EvidenceRecord, ForkEvidence, LeafClaim, LogRecord, LogStatus, Logs, LogsError,
    LogsMsg, evidence_id, state_key,
};
use crate::{ExecError, Module, ModuleError, StateStore, StoreError, TxContext, TxState};
use ailedger_core::{Event, Hash};
use ailedger_tlog::{
    ConsistencyProof, InclusionProof, LogVerifier, ProofError, SignedCheckpoint, VerifyError,
};
use bytes::Bytes;
use commonware_codec::{Copying, Decode, Encode};

/// Gas charged for registering a log, on top of the metered reads and writes.
pub const REGISTER_LOG_GAS: u64 = 10_000;
/// Gas charged for an anchor, on top of the metered reads and writes and the verification.
pub const ANCHOR_GAS: u64 = 5_000;
/// Gas charged for a fork report, on top of the metered reads and writes and the verification.
pub const REPORT_FORK_GAS: u64 = 5_000;
/// Gas per checkpoint signature verified: an Ed25519 verification, as a transaction's own.
pub const SIGNATURE_GAS: u64 = 10_000;
/// Gas per hash of a consistency or inclusion proof (each costs one or two SHA-256 node hashes).
pub const PROOF_HASH_GAS: u64 = 100;
/// Gas per byte of checkpoint parsed (UTF-8 and structure checks, base64 decoding).
pub const CHECKPOINT_BYTE_GAS: u64 = 5;

pub(super) async fn execute<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    msg: LogsMsg,
) -> Result<(), ExecError> {
    match msg {
        LogsMsg::RegisterLog { origin, public_key } => {
            register(state, ctx, origin, public_key).await
        }
        LogsMsg::Anchor {
            origin,
            checkpoint,
            proof,
        } => anchor(state, ctx, origin, checkpoint, proof).await,
        LogsMsg::ReportFork { origin, evidence } => report_fork(state, ctx, origin, evidence).await,
    }
}

async fn register<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    origin: String,
    public_key: [u8; 32],
) -> Result<(), ExecError> {
    state.charge(REGISTER_LOG_GAS)?;
    if let Some(log) = load_log(state, &origin).await? {
        return Err(LogsError::LogExists {
            origin,
            operator: log.operator,
        }
        .into_exec());
    }
    let log = LogRecord {
        origin,
        public_key,
        operator: ctx.sender.clone(),
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
        anchors: 0,
        evidence: 0,
        status: LogStatus::Active,
    };
    put(state, state_key::log(&log.origin), &log)?;
    state.emit(
        Event::new(Logs::NAME, "log_registered")
            .with("origin", &log.origin)
            .with("public_key", hex(&log.public_key))
            .with("operator", &log.operator),
    )
}

async fn anchor<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    origin: String,
    note: Bytes,
    proof: Vec<Hash>,
) -> Result<(), ExecError> {
    state.charge(
        ANCHOR_GAS
            .saturating_add(SIGNATURE_GAS)
            .saturating_add(per(CHECKPOINT_BYTE_GAS, note.len()))
            .saturating_add(per(PROOF_HASH_GAS, proof.len())),
    )?;
    let mut log = existing_log(state, &origin).await?;
    if log.status != LogStatus::Active {
        return Err(LogsError::LogForked { origin }.into_exec());
    }
    let verifier = verifier(&log)?;
    let new = open(&note, &verifier)?;
    let (new_size, new_root) = (new.checkpoint().size(), *new.checkpoint().root());
    if new_size == 0 {
        return Err(LogsError::EmptyCheckpoint.into_exec());
    }
    let previous = match log.anchors.checked_sub(1) {
        None => None,
        Some(seq) => Some(latest_anchor(state, &origin, seq).await?),
    };
    let Some(previous) = previous else {
        if !proof.is_empty() {
            return Err(LogsError::UnexpectedProof(proof.len()).into_exec());
        }
        return record_anchor(state, ctx, &mut log, note, new_size, new_root).await;
    };
    let old_root = to_tlog(&previous.root);
    if new_size < previous.size {
        return Err(LogsError::SizeBackwards {
            size: new_size,
            anchored: previous.size,
        }
        .into_exec());
    }
    if new_size == previous.size {
        if new_root == old_root {
            return Err(LogsError::AlreadyAnchored { size: new_size }.into_exec());
        }
        // Two signed trees of one size with different roots: the log showed two histories.
        let evidence = ForkEvidence::Equivocation {
            first: previous.checkpoint,
            second: note,
        };
        return record_evidence(state, ctx, &mut log, evidence).await;
    }
    let consistency = ConsistencyProof {
        old_size: previous.size,
        new_size,
        path: proof.iter().map(to_tlog).collect(),
    };
    match consistency.verify(&old_root, &new_root) {
        Ok(()) => record_anchor(state, ctx, &mut log, note, new_size, new_root).await,
        Err(ProofError::PathLength { expected, actual }) => Err(LogsError::ProofLength {
            old_size: previous.size,
            new_size,
            expected,
            actual,
        }
        .into_exec()),
        Err(error) => Err(LogsError::InconsistentAnchor {
            old_size: previous.size,
            new_size,
            reason: error.to_string(),
        }
        .into_exec()),
    }
}

async fn record_anchor<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    log: &mut LogRecord,
    note: Bytes,
    size: u64,
    root: ailedger_tlog::Hash,
) -> Result<(), ExecError> {
    let anchor = AnchorRecord {
        seq: log.anchors,
        size,
        root: from_tlog(&root),
        checkpoint: note,
        submitter: ctx.sender.clone(),
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    put(state, state_key::anchor(&log.origin, anchor.seq), &anchor)?;
    log.anchors += 1;
    put(state, state_key::log(&log.origin), &*log)?;
    state.emit(
        Event::new(Logs::NAME, "log_anchored")
            .with("origin", &log.origin)
            .with("seq", anchor.seq)
            .with("size", anchor.size)
            .with("root", anchor.root)
            .with("submitter", &anchor.submitter),
    )
}

async fn report_fork<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    origin: String,
    evidence: ForkEvidence,
) -> Result<(), ExecError> {
    let [first_note, second_note] = evidence.checkpoints();
    let n_hashes = match &evidence {
        ForkEvidence::Equivocation { .. } => 0,
        ForkEvidence::Divergence { first, second, .. } => first.path.len() + second.path.len(),
    };
    state.charge(
        REPORT_FORK_GAS
            .saturating_add(2 * SIGNATURE_GAS)
            .saturating_add(per(
                CHECKPOINT_BYTE_GAS,
                first_note.len() + second_note.len(),
            ))
            .saturating_add(per(PROOF_HASH_GAS, n_hashes)),
    )?;
    let mut log = existing_log(state, &origin).await?;
    let verifier = verifier(&log)?;
    let first = open(first_note, &verifier)?;
    let second = open(second_note, &verifier)?;
    let (a, b) = (first.checkpoint(), second.checkpoint());
    match &evidence {
        ForkEvidence::Equivocation { .. } => {
            if a.size() != b.size() {
                return Err(LogsError::NotAFork(format!(
                    "the checkpoints have sizes {} and {}; an equivocation needs one size \
                     (a divergence shows a fork between sizes)",
                    a.size(),
                    b.size()
                ))
                .into_exec());
            }
            if a.root() == b.root() {
                return Err(
                    LogsError::NotAFork("the checkpoints have the same root".into()).into_exec(),
                );
            }
        }
        ForkEvidence::Divergence {
            index,
            first: first_claim,
            second: second_claim,
        } => {
            if *index >= a.size() || *index >= b.size() {
                return Err(LogsError::NotAFork(format!(
                    "index {index} is not below both tree sizes ({} and {})",
                    a.size(),
                    b.size()
                ))
                .into_exec());
            }
            if first_claim.leaf == second_claim.leaf {
                return Err(LogsError::NotAFork(format!(
                    "both checkpoints have the same leaf at index {index}"
                ))
                .into_exec());
            }
            check_claim("first", *index, first_claim, &first)?;
            check_claim("second", *index, second_claim, &second)?;
        }
    }
    record_evidence(state, ctx, &mut log, evidence).await
}

fn check_claim(
    which: &'static str,
    index: u64,
    claim: &LeafClaim,
    checkpoint: &SignedCheckpoint,
) -> Result<(), ExecError> {
    let proof = InclusionProof {
        index,
        size: checkpoint.checkpoint().size(),
        path: claim.path.iter().map(to_tlog).collect(),
    };
    proof
        .verify(&to_tlog(&claim.leaf), checkpoint.checkpoint().root())
        .map_err(|error| {
            LogsError::BadEvidenceProof {
                which,
                reason: error.to_string(),
            }
            .into_exec()
        })
}

async fn record_evidence<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    log: &mut LogRecord,
    evidence: ForkEvidence,
) -> Result<(), ExecError> {
    let id = evidence_id(&evidence);
    let seen_key = state_key::evidence_seen(&log.origin, &id);
    if let Some(index) = load::<S, u64>(state, &seen_key, "evidence marker").await? {
        return Err(LogsError::EvidenceExists {
            origin: log.origin.clone(),
            index,
        }
        .into_exec());
    }
    let record = EvidenceRecord {
        index: log.evidence,
        evidence,
        reporter: ctx.sender.clone(),
        height: ctx.block.height,
        time_ms: ctx.block.timestamp_ms,
    };
    put(
        state,
        state_key::evidence(&log.origin, record.index),
        &record,
    )?;
    put(state, seen_key, &record.index)?;
    log.evidence += 1;
    if log.status == LogStatus::Active {
        log.status = LogStatus::Forked {
            height: ctx.block.height,
            time_ms: ctx.block.timestamp_ms,
        };
    }
    put(state, state_key::log(&log.origin), &*log)?;
    state.emit(
        Event::new(Logs::NAME, "log_forked")
            .with("origin", &log.origin)
            .with("operator", &log.operator)
            .with("evidence", record.index)
            .with("kind", record.evidence.kind())
            .with("reporter", &record.reporter),
    )
}

/// The verifier of a registered log's key.
fn verifier(log: &LogRecord) -> Result<LogVerifier, ExecError> {
    // The key passed the stateless checks at registration, so this fails only on a corrupt state.
    LogVerifier::from_ed25519(&log.origin, &log.public_key)
        .map_err(|error| ExecError::Store(StoreError(format!("corrupt log key: {error}"))))
}

/// Opens a signed checkpoint with the log's key.
fn open(note: &[u8], verifier: &LogVerifier) -> Result<SignedCheckpoint, ExecError> {
    SignedCheckpoint::open(note, verifier).map_err(|error| {
        match error {
            VerifyError::BadSignature { .. } => LogsError::BadSignature(error.to_string()),
            VerifyError::NotSignedByKey { .. } => LogsError::WrongKey(error.to_string()),
            _ => LogsError::MalformedCheckpoint(error.to_string()),
        }
        .into_exec()
    })
}

async fn existing_log<S: StateStore>(
    state: &mut TxState<'_, S>,
    origin: &str,
) -> Result<LogRecord, ExecError> {
    match load_log(state, origin).await? {
        Some(log) => Ok(log),
        None => Err(LogsError::LogNotFound {
            origin: origin.to_owned(),
        }
        .into_exec()),
    }
}

async fn load_log<S: StateStore>(
    state: &mut TxState<'_, S>,
    origin: &str,
) -> Result<Option<LogRecord>, ExecError> {
    load(state, &state_key::log(origin), "log").await
}

async fn latest_anchor<S: StateStore>(
    state: &mut TxState<'_, S>,
    origin: &str,
    seq: u64,
) -> Result<AnchorRecord, ExecError> {
    load(state, &state_key::anchor(origin, seq), "anchor")
        .await?
        .ok_or_else(|| ExecError::Store(StoreError(format!("anchor {seq} of {origin} missing"))))
}

async fn load<S: StateStore, T: Decode<Cfg = ()>>(
    state: &mut TxState<'_, S>,
    key: &[u8],
    what: &str,
) -> Result<Option<T>, ExecError> {
    match state.get(Logs::NAME, key).await? {
        None => Ok(None),
        Some(bytes) => T::decode_cfg(Copying(&bytes), &())
            .map(Some)
            .map_err(|error| ExecError::Store(StoreError(format!("corrupt {what}: {error}")))),
    }
}

fn put<S: StateStore, T: Encode>(
    state: &mut TxState<'_, S>,
    key: Vec<u8>,
    value: &T,
) -> Result<(), ExecError> {
    state.put(Logs::NAME, &key, value.encode().to_vec())
}

fn per(gas: u64, n: usize) -> u64 {
    gas.saturating_mul(u64::try_from(n).unwrap_or(u64::MAX))
}

pub(super) fn to_tlog(hash: &Hash) -> ailedger_tlog::Hash {
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(hash.as_ref());
    ailedger_tlog::Hash(bytes)
}

pub(super) fn from_tlog(hash: &ailedger_tlog::Hash) -> Hash {
    Hash::from(hash.0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
