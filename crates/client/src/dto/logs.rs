//! Transparency logs: a registered log with its latest anchored checkpoint, one anchor, one
//! piece of fork evidence; each answer with the height and state root it was read at and, when
//! asked for, a proof of every state value it was read from.
//!
//! Checkpoints are shown as their signed-note text, exactly as the log signed it.

use super::provenance::{ProvenState, ProvenValueView};
use crate::encoding::serde_with;
use ailedger_core::{Address, Hash};
use ailedger_state::logs::{
    AnchorRecord, EvidenceRecord, ForkEvidence, LogRecord, LogStatus,
    query::LogView as LogRecordView,
};
use ailedger_tlog::LogVerifier;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A registered log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogView {
    /// The origin: the first line of the log's checkpoints.
    #[schema(example = "ledger.example/inference")]
    pub origin: String,
    /// The Ed25519 key its checkpoints are signed with, as hex.
    pub public_key: String,
    /// The same key as a C2SP signed-note verifier key (`<origin>+<key id>+<base64>`), what
    /// checkpoint clients take.
    pub verifier_key: String,
    /// Who registered it.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub operator: Address,
    /// Registration height.
    pub height: u64,
    /// Registration time, ms since the epoch.
    pub time_ms: u64,
    /// Number of anchored checkpoints.
    pub anchors: u64,
    /// Number of evidence records against it.
    pub evidence: u64,
    /// `active` or `forked`.
    pub status: String,
    /// Height of the block that recorded the first evidence, if forked.
    pub forked_height: Option<u64>,
}

impl From<&LogRecord> for LogView {
    fn from(log: &LogRecord) -> Self {
        let verifier_key = LogVerifier::from_ed25519(&log.origin, &log.public_key)
            .map(|verifier| verifier.verifier_key().to_owned())
            .unwrap_or_default();
        Self {
            origin: log.origin.clone(),
            public_key: hex::encode(log.public_key),
            verifier_key,
            operator: log.operator.clone(),
            height: log.height,
            time_ms: log.time_ms,
            anchors: log.anchors,
            evidence: log.evidence,
            status: log.status.as_str().to_owned(),
            forked_height: match log.status {
                LogStatus::Active => None,
                LogStatus::Forked { height, .. } => Some(height),
            },
        }
    }
}

/// A checkpoint anchored on the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AnchorView {
    /// Its position among the log's anchors, from 0.
    pub seq: u64,
    /// The checkpoint's tree size.
    pub size: u64,
    /// The checkpoint's root hash, as hex.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub root: Hash,
    /// The signed checkpoint (signed-note text).
    pub checkpoint: String,
    /// Who submitted it.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub submitter: Address,
    /// Height of the block that anchored it.
    pub height: u64,
    /// That block's time, ms since the epoch.
    pub time_ms: u64,
}

impl From<&AnchorRecord> for AnchorView {
    fn from(anchor: &AnchorRecord) -> Self {
        Self {
            seq: anchor.seq,
            size: anchor.size,
            root: anchor.root,
            checkpoint: String::from_utf8_lossy(&anchor.checkpoint).into_owned(),
            submitter: anchor.submitter.clone(),
            height: anchor.height,
            time_ms: anchor.time_ms,
        }
    }
}

/// One signed checkpoint's claim about a leaf, in divergence evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LeafClaimView {
    /// The leaf hash it proves at the index, as hex.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub leaf: Hash,
    /// Its inclusion proof, hex hashes.
    #[serde(with = "serde_with::hashes")]
    #[schema(value_type = Vec<String>)]
    pub path: Vec<Hash>,
}

/// Evidence recorded against a log's operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceView {
    /// Its position among the log's evidence records.
    pub index: u64,
    /// `equivocation` (same size, different roots) or `divergence` (different leaves at one
    /// index).
    pub kind: String,
    /// The two signed checkpoints (signed-note text).
    pub checkpoints: [String; 2],
    /// For a divergence: the index the checkpoints disagree on.
    pub leaf_index: Option<u64>,
    /// For a divergence: what each checkpoint proves is at that index.
    pub claims: Option<[LeafClaimView; 2]>,
    /// Who reported it.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub reporter: Address,
    /// Height of the block that recorded it.
    pub height: u64,
    /// That block's time, ms since the epoch.
    pub time_ms: u64,
}

impl From<&EvidenceRecord> for EvidenceView {
    fn from(record: &EvidenceRecord) -> Self {
        let [first, second] = record
            .evidence
            .checkpoints()
            .map(|note| String::from_utf8_lossy(note).into_owned());
        let (leaf_index, claims) = match &record.evidence {
            ForkEvidence::Equivocation { .. } => (None, None),
            ForkEvidence::Divergence {
                index,
                first,
                second,
            } => (
                Some(*index),
                Some([first, second].map(|claim| LeafClaimView {
                    leaf: claim.leaf,
                    path: claim.path.clone(),
                })),
            ),
        };
        Self {
            index: record.index,
            kind: record.evidence.kind().to_owned(),
            checkpoints: [first, second],
            leaf_index,
            claims,
            reporter: record.reporter.clone(),
            height: record.height,
            time_ms: record.time_ms,
        }
    }
}

/// `GET /v1/logs/{origin}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogAnswer {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// The log.
    pub log: LogView,
    /// Its latest anchored checkpoint, if any.
    pub latest_anchor: Option<AnchorView>,
    /// With `?proofs=true`: every state value read, with its proof against `state_root`.
    #[serde(default)]
    pub proofs: Option<Vec<ProvenValueView>>,
}

impl LogAnswer {
    /// The shown log and latest anchor of a log as the state holds them.
    pub fn parts(view: &LogRecordView) -> (LogView, Option<AnchorView>) {
        (
            LogView::from(&view.record),
            view.latest.as_ref().map(AnchorView::from),
        )
    }
}

/// `GET /v1/logs/{origin}/anchors/{seq}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AnchorAnswer {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// The anchor.
    pub anchor: AnchorView,
    /// With `?proofs=true`: every state value read, with its proof against `state_root`.
    #[serde(default)]
    pub proofs: Option<Vec<ProvenValueView>>,
}

/// `GET /v1/logs/{origin}/evidence/{index}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceAnswer {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// The evidence.
    pub evidence: EvidenceView,
    /// With `?proofs=true`: every state value read, with its proof against `state_root`.
    #[serde(default)]
    pub proofs: Option<Vec<ProvenValueView>>,
}

macro_rules! proven_state {
    ($($name:ident),*) => {$(
        impl $name {
            /// The block height, state root and proofs, for verification.
            pub fn proven_state(&self) -> ProvenState<'_> {
                ProvenState {
                    height: self.height,
                    state_root: self.state_root,
                    proofs: self.proofs.as_deref(),
                }
            }
        }
    )*};
}

proven_state!(LogAnswer, AnchorAnswer, EvidenceAnswer);
