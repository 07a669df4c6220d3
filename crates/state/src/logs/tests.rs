//! The logs module on an in-memory chain with the real executor, against real checkpoints
//! signed by `ailedger-tlog`.

use super::{
    AnchorRecord, ForkEvidence, LeafClaim, LogStatus, Logs, LogsMsg, MAX_CHECKPOINT_LEN, MsgError,
    query::{self, LogView},
};
use crate::{
    BlockContext, BlockError, BlockOutput, ChainParams, Executor, Genesis, MemStore, Module,
    TxError, executor::CheckError,
};
use ailedger_core::{
    ChainId, Hash, Outcome, Receipt, SecretKey, SignedTransaction, Transaction, ZERO_HASH,
};
use ailedger_tlog::{
    Checkpoint, ConsistencyProof, InclusionProof, LogKey, MemoryTree, NodeSource as _,
    SignedCheckpoint, leaf_hash, merkle::tree_root,
};
use bytes::Bytes;
use commonware_codec::{Decode, Encode};
use futures::executor::block_on;
use std::collections::BTreeMap;

const CHAIN: &str = "ailedger-test";
const GAS_LIMIT: u64 = 5_000_000;
const ORIGIN: &str = "logs.example/inference";

fn key(i: u64) -> SecretKey {
    SecretKey::from_seed(700 + i)
}

fn ctx(height: u64) -> BlockContext {
    BlockContext {
        chain_id: CHAIN.into(),
        height,
        timestamp_ms: 1_700_000_000_000 + 1_000 * height,
        proposer: key(99).address(),
        parent: ZERO_HASH,
    }
}

/// A log kept in memory: its key, its tree, and checkpoints of any size it has reached.
struct TestLog {
    key: LogKey,
    tree: MemoryTree,
}

impl TestLog {
    fn new(seed: u8) -> Self {
        Self {
            key: LogKey::from_seed(ORIGIN, [seed; 32]).expect("valid name"),
            tree: MemoryTree::new(),
        }
    }

    fn public_key(&self) -> [u8; 32] {
        self.key
            .verifier()
            .ed25519_public_key()
            .expect("an Ed25519 key")
    }

    /// Appends `n` entries named `tag/i`.
    fn append(&mut self, tag: &str, n: u64) -> &mut Self {
        for _ in 0..n {
            let i = self.tree.size();
            self.tree.push(leaf_hash(format!("{tag}/{i}").as_bytes()));
        }
        self
    }

    fn root(&self, size: u64) -> ailedger_tlog::Hash {
        tree_root(&self.tree, size).expect("in memory")
    }

    fn checkpoint(&self, size: u64) -> Bytes {
        let checkpoint = Checkpoint::new(ORIGIN, size, self.root(size)).expect("valid origin");
        let signed = SignedCheckpoint::sign(checkpoint, &self.key).expect("signs");
        Bytes::copy_from_slice(signed.as_bytes())
    }

    fn consistency(&self, old: u64, new: u64) -> Vec<Hash> {
        ConsistencyProof::generate(&self.tree, old, new)
            .expect("in memory")
            .path
            .iter()
            .map(|hash| Hash::from(hash.0))
            .collect()
    }

    fn leaf(&self, index: u64) -> Hash {
        Hash::from(self.tree.node(0, index).expect("in memory").0)
    }

    fn claim(&self, index: u64, size: u64) -> LeafClaim {
        LeafClaim {
            checkpoint: self.checkpoint(size),
            leaf: self.leaf(index),
            path: InclusionProof::generate(&self.tree, index, size)
                .expect("in memory")
                .path
                .iter()
                .map(|hash| Hash::from(hash.0))
                .collect(),
        }
    }

    fn anchor(&self, size: u64, from: Option<u64>) -> LogsMsg {
        LogsMsg::Anchor {
            origin: ORIGIN.into(),
            checkpoint: self.checkpoint(size),
            proof: from.map_or_else(Vec::new, |old| self.consistency(old, size)),
        }
    }

    fn register(&self) -> LogsMsg {
        LogsMsg::RegisterLog {
            origin: ORIGIN.into(),
            public_key: self.public_key(),
        }
    }
}

/// A chain in memory, genesis applied, with funded accounts 0..10.
struct Chain {
    store: MemStore,
    height: u64,
    nonces: BTreeMap<u64, u64>,
}

impl Chain {
    fn new() -> Self {
        let genesis = Genesis {
            staking: None,
            chain_id: ChainId::new(CHAIN).expect("valid"),
            genesis_time_ms: 1,
            params: ChainParams::DEFAULT,
            validators: vec![key(99).address()],
            balances: (0..10)
                .map(|i| (key(i).address(), u128::MAX / 64))
                .collect(),
        };
        let store = MemStore::new();
        let output = block_on(Executor::new().execute_block(&store, &ctx(1), Some(&genesis), &[]))
            .expect("genesis");
        let mut chain = Self {
            store,
            height: 1,
            nonces: BTreeMap::new(),
        };
        chain.store.apply(output.writes);
        chain
    }

    fn tx(&self, from: u64, nonce: u64, msg: &LogsMsg) -> SignedTransaction {
        Transaction::new(
            CHAIN,
            key(from).address(),
            nonce,
            GAS_LIMIT,
            1,
            Logs::ID,
            msg.encode().to_vec(),
        )
        .expect("valid")
        .sign(&key(from))
    }

    fn execute(&mut self, txs: &[SignedTransaction]) -> Result<BlockOutput, BlockError> {
        let height = self.height + 1;
        let output = block_on(Executor::new().execute_block(&self.store, &ctx(height), None, txs))?;
        self.store.apply(output.writes.clone());
        self.height = height;
        Ok(output)
    }

    fn send(&mut self, from: u64, msg: LogsMsg) -> Receipt {
        let nonce = self.nonces.get(&from).copied().unwrap_or(0);
        let tx = self.tx(from, nonce, &msg);
        self.nonces.insert(from, nonce + 1);
        let mut output = self.execute(&[tx]).expect("valid block");
        output.receipts.remove(0)
    }

    fn ok(&mut self, from: u64, msg: LogsMsg) -> Receipt {
        let receipt = self.send(from, msg);
        assert_eq!(receipt.outcome, Outcome::Success, "{receipt:?}");
        receipt
    }

    /// Sends `msg`, expects it to fail with `code`, and checks the log's state is unchanged.
    fn refused(&mut self, from: u64, msg: LogsMsg, code: &str) -> String {
        let before = self.snapshot();
        let receipt = self.send(from, msg);
        let Outcome::Failed { code: got, message } = receipt.outcome else {
            panic!("expected {code}, the message succeeded");
        };
        assert_eq!(got, code, "{message}");
        assert_eq!(self.snapshot(), before, "a refused message changed the log");
        message
    }

    fn check(&self, from: u64, msg: &LogsMsg) -> Result<(), CheckError> {
        let nonce = self.nonces.get(&from).copied().unwrap_or(0);
        block_on(Executor::new().check_tx(&self.store, CHAIN, &self.tx(from, nonce, msg), 0))
    }

    fn log(&self) -> Option<LogView> {
        block_on(query::log(&self.store, ORIGIN))
            .expect("read")
            .value
    }

    fn anchor(&self, seq: u64) -> Option<AnchorRecord> {
        block_on(query::anchor(&self.store, ORIGIN, seq))
            .expect("read")
            .value
    }

    fn evidence(&self, index: u64) -> Option<super::EvidenceRecord> {
        block_on(query::evidence(&self.store, ORIGIN, index))
            .expect("read")
            .value
    }

    /// Everything the module keeps about the test log.
    fn snapshot(
        &self,
    ) -> (
        Option<LogView>,
        Vec<Option<AnchorRecord>>,
        Vec<Option<super::EvidenceRecord>>,
    ) {
        (
            self.log(),
            (0..8).map(|seq| self.anchor(seq)).collect(),
            (0..8).map(|index| self.evidence(index)).collect(),
        )
    }
}

fn attr<'a>(receipt: &'a Receipt, key: &str) -> Option<&'a str> {
    receipt.events[0]
        .attributes
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn invalid_reason(result: Result<(), CheckError>) -> String {
    match result {
        Err(CheckError::Tx(TxError::InvalidMessage { module, reason })) => {
            assert_eq!(module, "logs");
            reason
        }
        other => panic!("expected an invalid message, got {other:?}"),
    }
}

#[test]
fn registers_anchors_and_grows_consistently() {
    let mut chain = Chain::new();
    let mut log = TestLog::new(1);
    let receipt = chain.ok(1, log.register());
    assert_eq!(receipt.events[0].kind, "log_registered");
    let view = chain.log().expect("registered");
    assert_eq!(view.record.operator, key(1).address());
    assert_eq!(view.record.anchors, 0);
    assert_eq!(view.record.status, LogStatus::Active);
    assert_eq!(view.latest, None);

    log.append("a", 3);
    let receipt = chain.ok(1, log.anchor(3, None));
    assert_eq!(receipt.events[0].kind, "log_anchored");
    log.append("b", 10);
    // Anyone may carry the log's signed checkpoint to the chain.
    chain.ok(2, log.anchor(13, Some(3)));
    log.append("c", 1);
    chain.ok(1, log.anchor(14, Some(13)));

    let view = chain.log().expect("registered");
    assert_eq!(view.record.anchors, 3);
    let latest = view.latest.expect("anchored");
    assert_eq!((latest.seq, latest.size), (2, 14));
    assert_eq!(latest.root, Hash::from(log.root(14).0));
    assert_eq!(latest.checkpoint, log.checkpoint(14));
    let second = chain.anchor(1).expect("anchored");
    assert_eq!((second.size, second.submitter), (13, key(2).address()));
    assert_eq!(chain.anchor(3), None);
}

#[test]
fn gas_grows_with_the_proof() {
    let mut chain = Chain::new();
    let mut log = TestLog::new(1);
    chain.ok(1, log.register());
    log.append("a", 1);
    chain.ok(1, log.anchor(1, None));
    log.append("a", 1);
    let short = chain.ok(1, log.anchor(2, Some(1)));
    log.append("a", 1_000);
    let long = chain.ok(1, log.anchor(1_002, Some(2)));
    assert_eq!(log.consistency(1, 2).len(), 1);
    let n_long = log.consistency(2, 1_002).len();
    assert!(n_long > 5, "{n_long}");
    // Both anchors rewrite the same records; the longer proof and its hashes make the difference.
    assert!(
        long.gas_used >= short.gas_used + super::PROOF_HASH_GAS * (n_long as u64 - 1),
        "{} vs {}",
        long.gas_used,
        short.gas_used
    );
}

#[test]
fn a_log_is_registered_once_with_a_usable_key() {
    let mut chain = Chain::new();
    let log = TestLog::new(1);
    chain.ok(1, log.register());
    let message = chain.refused(2, log.register(), "LOG_EXISTS");
    assert!(message.contains(&key(1).address().to_string()), "{message}");

    // The identity point is of small order: anyone could sign as it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = LogsMsg::RegisterLog {
        origin: "weak.example".into(),
        public_key: identity,
    };
    assert_eq!(weak.validate().map_err(|e| e.code()), Err("BAD_LOG_KEY"));
    assert!(invalid_reason(chain.check(2, &weak)).contains("small order"));

    for origin in ["", "has space", "plus+sign", "tab\tin", &"x".repeat(256)] {
        let msg = LogsMsg::RegisterLog {
            origin: origin.into(),
            public_key: log.public_key(),
        };
        assert_eq!(
            msg.validate().map_err(|e| e.code()),
            Err("INVALID_ORIGIN"),
            "{origin:?}"
        );
    }
}

#[test]
fn an_unregistered_log_cannot_be_anchored() {
    let mut chain = Chain::new();
    let mut log = TestLog::new(1);
    log.append("a", 2);
    chain.refused(1, log.anchor(2, None), "LOG_NOT_FOUND");
    assert_eq!(chain.log(), None);
}

#[test]
fn an_altered_checkpoint_fails_its_signature() {
    let mut chain = Chain::new();
    let mut log = TestLog::new(1);
    chain.ok(1, log.register());
    log.append("a", 5);
    let note = log.checkpoint(5);
    let text = std::str::from_utf8(&note).expect("utf-8");
    let altered = text.replacen("\n5\n", "\n4\n", 1);
    assert_ne!(altered, text);
    let msg = LogsMsg::Anchor {
        origin: ORIGIN.into(),
        checkpoint: Bytes::from(altered.into_bytes()),
        proof: vec![],
    };
    chain.refused(1, msg, "BAD_CHECKPOINT_SIGNATURE");
}

#[test]
fn a_checkpoint_signed_by_another_key_is_refused() {
    let mut chain = Chain::new();
    let log = TestLog::new(1);
    chain.ok(1, log.register());
    let mut impostor = TestLog::new(2);
    impostor.append("a", 3);
    chain.refused(1, impostor.anchor(3, None), "WRONG_LOG_KEY");
}

#[test]
fn a_checkpoint_of_another_log_is_refused_before_the_chain() {
    let chain = Chain::new();
    let mut log = TestLog::new(1);
    log.append("a", 3);
    let msg = LogsMsg::Anchor {
        origin: "other.example/log".into(),
        checkpoint: log.checkpoint(3),
        proof: vec![],
    };
    assert_eq!(msg.validate().map_err(|e| e.code()), Err("ORIGIN_MISMATCH"));
    assert!(invalid_reason(chain.check(1, &msg)).contains("other.example/log"));

    let garbage = LogsMsg::Anchor {
        origin: ORIGIN.into(),
        checkpoint: Bytes::from_static(b"not a note\n"),
        proof: vec![],
    };
    assert!(matches!(
        garbage.validate(),
        Err(MsgError::MalformedCheckpoint(_))
    ));
}

#[test]
fn an_oversized_checkpoint_does_not_decode() {
    let chain = Chain::new();
    let mut log = TestLog::new(1);
    log.append("a", 3);
    let note = log.checkpoint(3);
    let mut big = note.to_vec();
    // Padding signature lines keep it a note; its size alone refuses it.
    while big.len() <= MAX_CHECKPOINT_LEN {
        big.extend_from_slice(
            "\u{2014} pad.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                .as_bytes(),
        );
    }
    let msg = LogsMsg::Anchor {
        origin: ORIGIN.into(),
        checkpoint: Bytes::from(big),
        proof: vec![],
    };
    match chain.check(1, &msg) {
        Err(CheckError::Tx(TxError::MalformedMessage { module, .. })) => assert_eq!(module, "logs"),
        other => panic!("expected a malformed message, got {other:?}"),
    }
}

#[test]
fn the_first_anchor_needs_entries_and_no_proof() {
    let mut chain = Chain::new();
    let mut log = TestLog::new(1);
    chain.ok(1, log.register());
    chain.refused(1, log.anchor(0, None), "EMPTY_CHECKPOINT");
    log.append("a", 4);
    let msg = LogsMsg::Anchor {
        origin: ORIGIN.into(),
        checkpoint: log.checkpoint(4),
        proof: log.consistency(2, 4),
    };
    chain.refused(1, msg, "UNEXPECTED_PROOF");
}

#[test]
fn a_truncated_or_padded_proof_is_refused() {
    let mut chain = Chain::new();
    let mut log = TestLog::new(1);
    chain.ok(1, log.register());
    log.append("a", 5);
    chain.ok(1, log.anchor(5, None));
    log.append("b", 20);
    let mut proof = log.consistency(5, 25);
    assert!(proof.len() > 2);
    proof.pop();
    let truncated = LogsMsg::Anchor {
        origin: ORIGIN.into(),
        checkpoint: log.checkpoint(25),
        proof: proof.clone(),
    };
    let message = chain.refused(1, truncated, "PROOF_LENGTH");
    assert!(message.contains("from 5 to 25"), "{message}");
    proof.push(ZERO_HASH);
    proof.push(ZERO_HASH);
    let padded = LogsMsg::Anchor {
        origin: ORIGIN.into(),
        checkpoint: log.checkpoint(25),
        proof,
    };
    chain.refused(1, padded, "PROOF_LENGTH");
}

#[test]
fn an_altered_proof_is_refused_and_is_no_evidence() {
    let mut chain = Chain::new();
    let mut log = TestLog::new(1);
    chain.ok(1, log.register());
    log.append("a", 5);
    chain.ok(1, log.anchor(5, None));
    log.append("b", 20);
    for position in 0..log.consistency(5, 25).len() {
        let mut proof = log.consistency(5, 25);
        proof[position] = ZERO_HASH;
        let msg = LogsMsg::Anchor {
            origin: ORIGIN.into(),
            checkpoint: log.checkpoint(25),
            proof,
        };
        // Two honest checkpoints with a wrong proof: refused, and the log stays active.
        chain.refused(2, msg, "INCONSISTENT_ANCHOR");
    }
    assert_eq!(
        chain.log().expect("registered").record.status,
        LogStatus::Active
    );
    chain.ok(1, log.anchor(25, Some(5)));
}

#[test]
fn sizes_never_go_backwards_and_a_checkpoint_is_anchored_once() {
    let mut chain = Chain::new();
    let mut log = TestLog::new(1);
    chain.ok(1, log.register());
    log.append("a", 9);
    chain.ok(1, log.anchor(9, None));
    let message = chain.refused(1, log.anchor(4, None), "SIZE_BACKWARDS");
    assert!(message.contains("fewer than the 9"), "{message}");
    chain.refused(1, log.anchor(9, None), "ALREADY_ANCHORED");
}

#[test]
fn an_anchor_that_forks_the_log_is_recorded_as_evidence() {
    let mut chain = Chain::new();
    let mut honest = TestLog::new(1);
    chain.ok(1, honest.register());
    honest.append("a", 4);
    chain.ok(1, honest.anchor(4, None));

    // Same key and origin, other entries, same size: a second history.
    let mut fork = TestLog::new(1);
    fork.append("a", 2).append("forged", 2);
    let receipt = chain.ok(1, fork.anchor(4, None));
    assert_eq!(receipt.events[0].kind, "log_forked");
    assert_eq!(attr(&receipt, "kind"), Some("equivocation"));

    let view = chain.log().expect("registered");
    assert!(matches!(
        view.record.status,
        LogStatus::Forked { height: 4, .. }
    ));
    assert_eq!(view.record.evidence, 1);
    assert_eq!(
        view.record.anchors, 1,
        "the forked checkpoint is not an anchor"
    );
    let evidence = chain.evidence(0).expect("recorded");
    assert_eq!(evidence.reporter, key(1).address());
    assert_eq!(
        evidence.evidence,
        ForkEvidence::Equivocation {
            first: honest.checkpoint(4),
            second: fork.checkpoint(4),
        }
    );

    // A forked log's history is no longer anchored, however consistent.
    honest.append("b", 3);
    chain.refused(1, honest.anchor(7, Some(4)), "LOG_FORKED");
}

#[test]
fn anyone_can_report_a_divergence_between_sizes() {
    let mut chain = Chain::new();
    let mut honest = TestLog::new(1);
    chain.ok(1, honest.register());
    honest.append("a", 4);
    chain.ok(1, honest.anchor(4, None));

    let mut fork = TestLog::new(1);
    fork.append("a", 2).append("forged", 5);
    // The fork cannot prove itself consistent with the anchor: refused, not yet evidence.
    let proof = fork.consistency(4, 7);
    let msg = LogsMsg::Anchor {
        origin: ORIGIN.into(),
        checkpoint: fork.checkpoint(7),
        proof,
    };
    chain.refused(1, msg, "INCONSISTENT_ANCHOR");

    let report = |first: LeafClaim, second: LeafClaim, index| LogsMsg::ReportFork {
        origin: ORIGIN.into(),
        evidence: ForkEvidence::Divergence {
            index,
            first,
            second,
        },
    };

    // Same leaf at the index: both can be true.
    chain.refused(
        3,
        report(honest.claim(1, 4), fork.claim(1, 7), 1),
        "NOT_A_FORK",
    );
    // A claim whose proof does not lead to its checkpoint's root.
    let mut bad = fork.claim(2, 7);
    bad.path[0] = ZERO_HASH;
    chain.refused(3, report(honest.claim(2, 4), bad, 2), "BAD_EVIDENCE_PROOF");
    // A claim of a leaf the checkpoint does not contain.
    let mut lie = fork.claim(2, 7);
    lie.leaf = ZERO_HASH;
    chain.refused(3, report(honest.claim(2, 4), lie, 2), "BAD_EVIDENCE_PROOF");
    // Beyond the smaller tree.
    chain.refused(
        3,
        report(honest.claim(3, 4), fork.claim(5, 7), 5),
        "NOT_A_FORK",
    );
    // Two sizes are no equivocation.
    let unequal = LogsMsg::ReportFork {
        origin: ORIGIN.into(),
        evidence: ForkEvidence::Equivocation {
            first: honest.checkpoint(4),
            second: fork.checkpoint(7),
        },
    };
    chain.refused(3, unequal, "NOT_A_FORK");

    let receipt = chain.ok(3, report(honest.claim(2, 4), fork.claim(2, 7), 2));
    assert_eq!(attr(&receipt, "kind"), Some("divergence"));
    assert_eq!(
        attr(&receipt, "operator"),
        Some(key(1).address().to_string().as_str())
    );
    let view = chain.log().expect("registered");
    assert!(matches!(view.record.status, LogStatus::Forked { .. }));
    assert_eq!(
        chain.evidence(0).expect("recorded").reporter,
        key(3).address()
    );

    // The same two checkpoints again, the other way round and at another index.
    chain.refused(
        4,
        report(fork.claim(3, 7), honest.claim(3, 4), 3),
        "EVIDENCE_EXISTS",
    );
}

#[test]
fn reports_against_unknown_logs_or_with_forged_signatures_are_refused() {
    let mut chain = Chain::new();
    let mut honest = TestLog::new(1);
    honest.append("a", 4);
    let mut other = TestLog::new(1);
    other.append("b", 4);
    let report = LogsMsg::ReportFork {
        origin: ORIGIN.into(),
        evidence: ForkEvidence::Equivocation {
            first: honest.checkpoint(4),
            second: other.checkpoint(4),
        },
    };
    chain.refused(2, report, "LOG_NOT_FOUND");

    chain.ok(1, honest.register());
    // Checkpoints signed by someone else's key prove nothing against this log.
    let mut impostor = TestLog::new(9);
    impostor.append("b", 4);
    let forged = LogsMsg::ReportFork {
        origin: ORIGIN.into(),
        evidence: ForkEvidence::Equivocation {
            first: honest.checkpoint(4),
            second: impostor.checkpoint(4),
        },
    };
    chain.refused(2, forged, "WRONG_LOG_KEY");
    assert_eq!(
        chain.log().expect("registered").record.status,
        LogStatus::Active
    );
}

#[test]
fn messages_and_records_have_one_encoding() {
    let mut log = TestLog::new(1);
    log.append("a", 6);
    let messages = [
        log.register(),
        log.anchor(6, Some(2)),
        LogsMsg::ReportFork {
            origin: ORIGIN.into(),
            evidence: ForkEvidence::Divergence {
                index: 1,
                first: log.claim(1, 6),
                second: log.claim(1, 3),
            },
        },
    ];
    for msg in messages {
        let bytes = msg.encode().to_vec();
        assert_eq!(bytes.len(), commonware_codec::EncodeSize::encode_size(&msg));
        assert_eq!(Logs::decode(&bytes).expect("decodes"), msg);
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(Logs::decode(&trailing).is_err());
        assert!(Logs::decode(&bytes[..bytes.len() - 1]).is_err());
    }
    let mut chain = Chain::new();
    chain.ok(1, log.register());
    chain.ok(1, log.anchor(6, None));
    let record = chain.log().expect("registered").record;
    let bytes = record.encode();
    assert_eq!(
        super::LogRecord::decode_cfg(bytes, &()).expect("decodes"),
        record
    );
}
