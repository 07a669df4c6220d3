//! The provenance module on an in-memory chain with the real executor.

use super::{
    DatasetMode, DatasetSpec, FileDigest, MsgError, Parent, Provenance, ProvenanceMsg, Relation,
    SourceCategory, TrainingRun, VersionSpec, VersionStatus,
    licence::{ConflictKind, IntendedUse, LicenceError, ObligationKind, Role},
    query::{self, Node, QueryError},
    version_id,
};
use crate::{
    BlockContext, BlockError, BlockOutput, ChainParams, Executor, Genesis, MemStore, Module,
    TxError, bank, executor::CheckError, head_key, registry,
};
use ailedger_core::{
    ChainId, Hash, Outcome, Receipt, SecretKey, SignedTransaction, Transaction, ZERO_HASH, sha256,
};
use commonware_codec::Encode;
use futures::executor::block_on;
use std::collections::{BTreeMap, BTreeSet};

const CHAIN: &str = "ailedger-test";
const GAS_LIMIT: u64 = 50_000_000;
const MAX_NODES: usize = 1_000_000;

fn key(i: u64) -> SecretKey {
    SecretKey::from_seed(500 + i)
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

fn hash(n: u64) -> Hash {
    sha256(&[b"test", &n.to_be_bytes()])
}

fn dataset_spec(root: Hash, licence: &str) -> DatasetSpec {
    DatasetSpec {
        id: root,
        name: format!("dataset {root}")[..20].to_owned(),
        manifest: sha256(&[root.as_ref(), b"manifest"]),
        leaf_count: 10,
        total_bytes: 1_000,
        mode: DatasetMode::Files,
        licence: licence.into(),
        source: "https://example.org/data".into(),
        source_category: SourceCategory::PublicDataset,
        modality: super::Modality::Text,
        collection: Some(super::CollectionPeriod {
            start_ms: 1,
            end_ms: 2,
        }),
        contributors: vec!["Ada".into()],
        evidence: vec![hash(9_999)],
    }
}

fn version_spec(
    model: &str,
    label: &str,
    parents: &[(Hash, Relation)],
    datasets: &[Hash],
    licence: &str,
) -> VersionSpec {
    VersionSpec {
        model: model.into(),
        version: label.into(),
        files: vec![
            FileDigest {
                path: "config.json".into(),
                sha256: hash(1),
            },
            FileDigest {
                path: "model.safetensors".into(),
                sha256: sha256(&[model.as_bytes(), label.as_bytes()]),
            },
        ],
        tensor_root: sha256(&[label.as_bytes(), model.as_bytes()]),
        architecture: hash(2),
        parents: parents
            .iter()
            .map(|(id, relation)| Parent {
                id: *id,
                relation: *relation,
            })
            .collect(),
        datasets: datasets.to_vec(),
        training: Some(TrainingRun {
            config: hash(3),
            code_commit: "0123abcd".into(),
            hardware: "8x H100".into(),
        }),
        licence: licence.into(),
    }
}

/// A chain in memory, genesis applied, with funded accounts 0..20 and their next nonces.
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
            balances: (0..20)
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

    fn sign_with(&mut self, from: u64, msg: &ProvenanceMsg, gas_limit: u64) -> SignedTransaction {
        let nonce = self.nonces.entry(from).or_insert(0);
        let tx = Transaction::new(
            CHAIN,
            key(from).address(),
            *nonce,
            gas_limit,
            1,
            Provenance::ID,
            msg.encode().to_vec(),
        )
        .expect("valid")
        .sign(&key(from));
        *nonce += 1;
        tx
    }

    fn sign(&mut self, from: u64, msg: &ProvenanceMsg) -> SignedTransaction {
        self.sign_with(from, msg, GAS_LIMIT)
    }

    fn execute(&mut self, txs: &[SignedTransaction]) -> Result<BlockOutput, BlockError> {
        let height = self.height + 1;
        let output = block_on(Executor::new().execute_block(&self.store, &ctx(height), None, txs))?;
        self.store.apply(output.writes.clone());
        self.height = height;
        Ok(output)
    }

    fn send(&mut self, from: u64, msg: ProvenanceMsg) -> Receipt {
        let tx = self.sign(from, &msg);
        let mut output = self.execute(&[tx]).expect("valid block");
        output.receipts.remove(0)
    }

    fn ok(&mut self, from: u64, msg: ProvenanceMsg) -> Receipt {
        let receipt = self.send(from, msg);
        assert_eq!(receipt.outcome, Outcome::Success, "{receipt:?}");
        receipt
    }

    fn fails(&mut self, from: u64, msg: ProvenanceMsg) -> (String, String) {
        match self.send(from, msg).outcome {
            Outcome::Failed { code, message } => (code, message),
            Outcome::Success => panic!("expected a failure"),
        }
    }

    fn check(&self, from: u64, msg: &ProvenanceMsg) -> Result<(), CheckError> {
        let nonce = self.nonces.get(&from).copied().unwrap_or(0);
        let tx = Transaction::new(
            CHAIN,
            key(from).address(),
            nonce,
            GAS_LIMIT,
            1,
            Provenance::ID,
            msg.encode().to_vec(),
        )
        .expect("valid")
        .sign(&key(from));
        block_on(Executor::new().check_tx(&self.store, CHAIN, &tx, 0))
    }

    fn register_dataset(&mut self, from: u64, root: Hash, licence: &str) {
        self.ok(
            from,
            ProvenanceMsg::RegisterDataset(dataset_spec(root, licence)),
        );
    }

    fn register_model(&mut self, from: u64, name: &str) {
        self.ok(from, ProvenanceMsg::RegisterModel { name: name.into() });
    }

    fn register_version(&mut self, from: u64, spec: VersionSpec) -> Hash {
        let id = spec.id();
        self.ok(from, ProvenanceMsg::RegisterModelVersion(spec));
        id
    }

    fn status(&self, id: &Hash) -> VersionStatus {
        block_on(query::version(&self.store, id))
            .expect("read")
            .value
            .expect("registered")
            .status
    }
}

fn invalid_reason(result: Result<(), CheckError>) -> String {
    match result {
        Err(CheckError::Tx(TxError::InvalidMessage { module, reason })) => {
            assert_eq!(module, "provenance");
            reason
        }
        other => panic!("expected an invalid message, got {other:?}"),
    }
}

#[test]
fn registers_a_dataset_a_model_and_a_version_and_answers_queries() {
    let mut chain = Chain::new();
    let data = hash(100);
    let receipt = chain.ok(
        1,
        ProvenanceMsg::RegisterDataset(dataset_spec(data, "cc-by-4.0")),
    );
    assert_eq!(receipt.events[0].kind, "dataset_registered");
    let dataset = block_on(query::dataset(&chain.store, &data))
        .expect("read")
        .value
        .expect("registered");
    assert_eq!(dataset.licence.expression, "CC-BY-4.0");
    assert_eq!(dataset.licence.raw, "cc-by-4.0");
    assert_eq!(dataset.registrant, key(1).address());
    assert_eq!(dataset.height, 2);
    assert_eq!(dataset.time_ms, ctx(2).timestamp_ms);

    chain.register_model(2, "acme/base");
    let base = chain.register_version(
        2,
        version_spec("acme/base", "v1", &[], &[data], "apache-2.0"),
    );
    assert_eq!(base, version_id("acme/base", "v1"));
    let receipt = chain.ok(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec(
            "acme/base",
            "v1-chat",
            &[(base, Relation::Finetune)],
            &[],
            "Apache-2.0",
        )),
    );
    let kinds: Vec<&str> = receipt.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["version_registered", "derived_from"]);
    let chat = version_id("acme/base", "v1-chat");

    let model = block_on(query::model(&chain.store, "acme/base"))
        .expect("read")
        .value
        .expect("registered");
    assert_eq!(model.model.owner, key(2).address());
    assert_eq!(model.model.publisher, key(2).address());
    assert_eq!(model.version_count, 2);
    let versions = block_on(query::model_versions(&chain.store, "acme/base", 0, 10))
        .expect("read")
        .value;
    assert_eq!(versions.ids, vec![base, chat]);

    let view = block_on(query::version(&chain.store, &chat)).expect("read");
    let version = view.value.expect("registered");
    assert_eq!(version.status, VersionStatus::Active);
    assert_eq!(version.record.licence.expression, "Apache-2.0");
    assert_eq!(version.record.parents[0].id, base);
    // The keys read are the head and the record: what a proof needs.
    assert_eq!(
        view.keys,
        vec![query::version_head_key(&chat), query::version_key(&chat)]
    );

    let lineage = block_on(query::lineage(&chain.store, &chat, MAX_NODES))
        .expect("lineage")
        .value;
    assert_eq!(lineage.ancestors.len(), 1);
    assert_eq!(lineage.ancestors[0].version.record.id, base);
    assert_eq!(lineage.ancestors[0].depth, 1);
    assert_eq!(lineage.ancestors[0].relation, Relation::Finetune);
    assert_eq!(lineage.datasets.len(), 1);
    assert_eq!(lineage.datasets[0].depth, 1);
    assert_eq!(lineage.datasets[0].used_by, vec![base]);

    let downstream = block_on(query::downstream(
        &chain.store,
        Node::Dataset(data),
        MAX_NODES,
    ))
    .expect("downstream")
    .value;
    let ids: Vec<Hash> = downstream
        .versions
        .iter()
        .map(|d| d.version.record.id)
        .collect();
    assert_eq!(ids, vec![base, chat]);
    assert_eq!(downstream.versions[1].depth, 2);
    assert_eq!(downstream.versions[1].via, Node::Version(base));

    let listed = block_on(query::datasets(&chain.store, 0, 10))
        .expect("read")
        .value;
    assert_eq!(listed.total, 1);
    assert_eq!(listed.ids, vec![data]);

    // An absent record's key is still reported (its absence can be proven).
    let absent = block_on(query::dataset(&chain.store, &hash(7))).expect("read");
    assert_eq!(absent.value, None);
    assert_eq!(absent.keys, vec![query::dataset_key(&hash(7))]);
}

#[test]
fn every_stateful_mistake_is_named_and_registers_nothing() {
    let mut chain = Chain::new();
    let data = hash(100);
    chain.register_dataset(1, data, "MIT");
    chain.register_model(2, "acme/m");
    let v1 = chain.register_version(2, version_spec("acme/m", "v1", &[], &[data], "MIT"));

    let (code, message) = chain.fails(
        1,
        ProvenanceMsg::RegisterDataset(dataset_spec(data, "Apache-2.0")),
    );
    assert_eq!(code, "DATASET_EXISTS");
    assert!(message.contains(&data.to_string()), "{message}");

    let (code, message) = chain.fails(
        3,
        ProvenanceMsg::RegisterModel {
            name: "acme/m".into(),
        },
    );
    assert_eq!(code, "MODEL_EXISTS");
    assert!(message.contains(&key(2).address().to_string()));

    let missing_parent = hash(555);
    let (code, message) = chain.fails(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec(
            "acme/m",
            "v2",
            &[(v1, Relation::Finetune), (missing_parent, Relation::Merge)],
            &[],
            "MIT",
        )),
    );
    assert_eq!(code, "PARENT_NOT_FOUND");
    assert!(message.contains(&missing_parent.to_string()), "{message}");

    let missing_data = hash(556);
    let (code, message) = chain.fails(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec(
            "acme/m",
            "v2",
            &[(v1, Relation::Finetune)],
            &[data, missing_data],
            "MIT",
        )),
    );
    assert_eq!(code, "DATASET_NOT_FOUND");
    assert!(message.contains(&missing_data.to_string()), "{message}");

    let (code, _) = chain.fails(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec("acme/m", "v1", &[], &[], "MIT")),
    );
    assert_eq!(code, "VERSION_EXISTS");

    let (code, message) = chain.fails(
        3,
        ProvenanceMsg::RegisterModelVersion(version_spec("acme/m", "v9", &[], &[], "MIT")),
    );
    assert_eq!(code, "NOT_MODEL_OWNER");
    assert!(message.contains(&key(3).address().to_string()));

    let (code, _) = chain.fails(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec("acme/none", "v1", &[], &[], "MIT")),
    );
    assert_eq!(code, "MODEL_NOT_FOUND");

    let (code, _) = chain.fails(
        3,
        ProvenanceMsg::DeprecateVersion {
            id: v1,
            reason: "mine now".into(),
        },
    );
    assert_eq!(code, "NOT_MODEL_OWNER");
    let (code, _) = chain.fails(
        2,
        ProvenanceMsg::RevokeVersion {
            id: hash(1234),
            reason: "typo".into(),
        },
    );
    assert_eq!(code, "VERSION_NOT_FOUND");

    // None of it was registered.
    let model = block_on(query::model(&chain.store, "acme/m"))
        .expect("read")
        .value
        .expect("registered");
    assert_eq!(model.version_count, 1);
    assert_eq!(
        block_on(query::version(&chain.store, &version_id("acme/m", "v2")))
            .expect("read")
            .value,
        None
    );
    let children = block_on(query::downstream(
        &chain.store,
        Node::Version(v1),
        MAX_NODES,
    ))
    .expect("read")
    .value;
    assert!(children.versions.is_empty());
    assert_eq!(
        block_on(query::dataset(&chain.store, &data))
            .expect("read")
            .value
            .expect("registered")
            .licence
            .expression,
        "MIT"
    );
}

#[test]
fn a_failed_message_pays_its_fee_and_nonce_and_writes_nothing_else() {
    let mut chain = Chain::new();
    chain.register_model(2, "acme/m");
    let before = block_on(bank::query::account(&chain.store, &key(2).address())).expect("read");
    // Fails after its checks, while appending to lists: out of gas half-way through the writes.
    let spec = version_spec("acme/m", "v1", &[], &[], "MIT");
    let msg = ProvenanceMsg::RegisterModelVersion(spec);
    let probe = chain.sign_with(2, &msg, GAS_LIMIT);
    let full = chain.execute(&[probe]).expect("valid").receipts[0].gas_used;
    // Same message under another label, with a limit just below what it needs.
    let spec = version_spec("acme/m", "v2", &[], &[], "MIT");
    let msg = ProvenanceMsg::RegisterModelVersion(spec);
    let tx = chain.sign_with(2, &msg, full - 500);
    let output = chain.execute(&[tx]).expect("valid");
    let receipt = &output.receipts[0];
    assert!(
        matches!(&receipt.outcome, Outcome::Failed { code, .. } if code == "OUT_OF_GAS"),
        "{receipt:?}"
    );
    // The only writes: the sender's and proposer's accounts (fee, nonce) and the chain head.
    let allowed: BTreeSet<_> = [
        bank::query::account_key(&key(2).address()),
        bank::query::account_key(&key(99).address()),
        head_key(),
    ]
    .into();
    let written: BTreeSet<_> = output.writes.iter().map(|(k, _)| *k).collect();
    assert!(written.is_subset(&allowed), "{written:?}");
    let after = block_on(bank::query::account(&chain.store, &key(2).address())).expect("read");
    assert_eq!(after.nonce, before.nonce + 2);
    assert_eq!(
        after.balance,
        before.balance - u128::from(full) - u128::from(receipt.gas_used)
    );
    assert_eq!(
        block_on(query::version(&chain.store, &version_id("acme/m", "v2")))
            .expect("read")
            .value,
        None
    );
    assert_eq!(
        block_on(query::model(&chain.store, "acme/m"))
            .expect("read")
            .value
            .expect("registered")
            .version_count,
        1
    );
}

#[test]
fn stateless_checks_refuse_bad_messages_before_they_reach_a_block() {
    let chain = Chain::new();
    let check = |msg: ProvenanceMsg| invalid_reason(chain.check(1, &msg));

    let mut spec = dataset_spec(hash(1), "apache");
    assert!(check(ProvenanceMsg::RegisterDataset(spec.clone())).contains("unknown licence"));
    spec.licence = "MIT OR".into();
    assert!(check(ProvenanceMsg::RegisterDataset(spec.clone())).contains("malformed licence"));
    spec.licence = "MIT".into();
    spec.leaf_count = 0;
    assert!(check(ProvenanceMsg::RegisterDataset(spec.clone())).contains("at least one leaf"));
    spec.leaf_count = 1;
    spec.collection = Some(super::CollectionPeriod {
        start_ms: 5,
        end_ms: 4,
    });
    assert!(check(ProvenanceMsg::RegisterDataset(spec.clone())).contains("before it starts"));
    spec.collection = None;
    spec.evidence = vec![hash(1), hash(1)];
    assert!(check(ProvenanceMsg::RegisterDataset(spec.clone())).contains("listed twice"));
    spec.evidence.clear();
    spec.name = " ".into();
    assert!(check(ProvenanceMsg::RegisterDataset(spec.clone())).contains("may not be empty"));
    spec.name = "a\nb".into();
    assert!(check(ProvenanceMsg::RegisterDataset(spec)).contains("control characters"));

    for bad in ["", "Acme/m", "acme//m", "/acme", "acme/", "acme m", "é"] {
        assert!(
            check(ProvenanceMsg::RegisterModel { name: bad.into() }).contains("invalid model name"),
            "{bad:?}"
        );
    }
    // Over the length limit, it does not even decode.
    assert!(matches!(
        chain.check(
            1,
            &ProvenanceMsg::RegisterModel {
                name: "a".repeat(129)
            }
        ),
        Err(CheckError::Tx(TxError::MalformedMessage { .. }))
    ));

    let base = version_spec("acme/m", "v1", &[], &[], "MIT");
    let with = |edit: &dyn Fn(&mut VersionSpec)| {
        let mut spec = base.clone();
        edit(&mut spec);
        check(ProvenanceMsg::RegisterModelVersion(spec))
    };
    assert!(with(&|s| s.version = "v 1".into()).contains("invalid version label"));
    assert!(with(&|s| s.version = String::new()).contains("invalid version label"));
    assert!(with(&|s| s.files.clear()).contains("at least one file"));
    assert!(with(&|s| s.files.reverse()).contains("sorted by path"));
    assert!(with(&|s| s.files[1].path = "config.json".into()).contains("listed twice"));
    assert!(with(&|s| s.files[0].path = "../x".into()).contains("invalid file path"));
    assert!(with(&|s| s.files[0].path = "/etc/x".into()).contains("invalid file path"));
    let id = base.id();
    assert!(
        with(&|s| s.parents = vec![Parent {
            id,
            relation: Relation::Finetune
        }])
        .contains("itself")
    );
    assert!(
        with(&|s| s.parents = vec![
            Parent {
                id: hash(1),
                relation: Relation::Finetune
            },
            Parent {
                id: hash(1),
                relation: Relation::Merge
            },
        ])
        .contains("parent")
    );
    assert!(with(&|s| s.datasets = vec![hash(1), hash(1)]).contains("listed twice"));
    assert!(with(&|s| s.licence = "other-thing".into()).contains("unknown licence"));
    assert!(
        with(&|s| s.training.as_mut().expect("set").code_commit = "a b".into())
            .contains("printable ASCII")
    );
    assert!(
        check(ProvenanceMsg::RevokeVersion {
            id: hash(1),
            reason: String::new()
        })
        .contains("reason")
    );

    // The typed errors carry stable codes.
    assert_eq!(
        ProvenanceMsg::RegisterModelVersion(VersionSpec {
            licence: "nope".into(),
            ..base.clone()
        })
        .validate()
        .map_err(|e| e.code()),
        Err("LICENCE_UNKNOWN")
    );
    assert_eq!(
        ProvenanceMsg::RegisterModelVersion(VersionSpec {
            files: Vec::new(),
            ..base
        })
        .validate(),
        Err(MsgError::NoFiles)
    );
    assert_eq!(MsgError::from(LicenceError::Empty).code(), "LICENCE_EMPTY");
}

#[test]
fn undecodable_messages_are_malformed_and_invalidate_a_block() {
    let mut chain = Chain::new();
    chain.register_model(2, "acme/m");
    let mut bytes = ProvenanceMsg::RegisterModelVersion(version_spec(
        "acme/m",
        "v1",
        &[(hash(1), Relation::Adapter)],
        &[],
        "MIT",
    ))
    .encode()
    .to_vec();
    // The relation byte of the only parent: model, version, 2 files, 2 digests, then the
    // parent count and the parent's 32-byte id.
    let spec = version_spec("acme/m", "v1", &[], &[], "MIT");
    let at =
        1 + 1 + spec.model.len() + 1 + spec.version.len() + spec.files.encode().len() + 64 + 1 + 32;
    assert_eq!(bytes[at], Relation::Adapter as u8);
    bytes[at] = 9;
    assert!(matches!(
        registry::decode(Provenance::ID, &bytes),
        Err(TxError::MalformedMessage {
            module: "provenance",
            ..
        })
    ));
    let nonce = chain.nonces[&2];
    let tx = Transaction::new(
        CHAIN,
        key(2).address(),
        nonce,
        GAS_LIMIT,
        1,
        Provenance::ID,
        bytes,
    )
    .expect("valid")
    .sign(&key(2));
    assert!(matches!(
        chain.execute(&[tx]),
        Err(BlockError::InvalidTx {
            error: TxError::MalformedMessage { .. },
            ..
        })
    ));
    // An oversize field never decodes either.
    let mut long_name = vec![1u8];
    commonware_codec::Write::write(&200usize, &mut long_name);
    long_name.extend_from_slice(&[b'a'; 200]);
    assert!(matches!(
        registry::decode(Provenance::ID, &long_name),
        Err(TxError::MalformedMessage { .. })
    ));
}

#[test]
fn statuses_move_forward_only_and_revoked_versions_cannot_be_parents() {
    let mut chain = Chain::new();
    chain.register_model(2, "acme/m");
    let v1 = chain.register_version(2, version_spec("acme/m", "v1", &[], &[], "MIT"));
    let v2 = chain.register_version(2, version_spec("acme/m", "v2", &[], &[], "MIT"));

    let receipt = chain.ok(
        2,
        ProvenanceMsg::DeprecateVersion {
            id: v1,
            reason: "superseded by v2".into(),
        },
    );
    assert_eq!(receipt.events[0].kind, "version_deprecated");
    assert!(
        matches!(chain.status(&v1), VersionStatus::Deprecated(c) if c.reason == "superseded by v2" && c.height == chain.height)
    );
    let (code, _) = chain.fails(
        2,
        ProvenanceMsg::DeprecateVersion {
            id: v1,
            reason: "again".into(),
        },
    );
    assert_eq!(code, "ALREADY_DEPRECATED");

    // A deprecated version may still be a parent, with a warning event.
    let receipt = chain.ok(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec(
            "acme/m",
            "v1-q4",
            &[(v1, Relation::Quantized)],
            &[],
            "MIT",
        )),
    );
    let warning = receipt
        .events
        .iter()
        .find(|e| e.kind == "deprecated_parent")
        .expect("warning");
    assert!(
        warning
            .attributes
            .contains(&("parent".into(), v1.to_string()))
    );

    // A deprecated version can be revoked; a revoked one is final.
    chain.ok(
        2,
        ProvenanceMsg::RevokeVersion {
            id: v1,
            reason: "poisoned weights".into(),
        },
    );
    assert!(
        matches!(chain.status(&v1), VersionStatus::Revoked(c) if c.reason == "poisoned weights")
    );
    for msg in [
        ProvenanceMsg::RevokeVersion {
            id: v1,
            reason: "x".into(),
        },
        ProvenanceMsg::DeprecateVersion {
            id: v1,
            reason: "x".into(),
        },
    ] {
        assert_eq!(chain.fails(2, msg).0, "ALREADY_REVOKED");
    }
    let (code, message) = chain.fails(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec(
            "acme/m",
            "v3",
            &[(v2, Relation::Merge), (v1, Relation::Merge)],
            &[],
            "MIT",
        )),
    );
    assert_eq!(code, "PARENT_REVOKED");
    assert!(message.contains("poisoned weights"), "{message}");
    // Active v2 revoked directly.
    chain.ok(
        2,
        ProvenanceMsg::RevokeVersion {
            id: v2,
            reason: "leak".into(),
        },
    );
    assert!(matches!(chain.status(&v2), VersionStatus::Revoked(_)));
    // The lineage of v1-q4 still shows its revoked parent.
    let lineage = block_on(query::lineage(
        &chain.store,
        &version_id("acme/m", "v1-q4"),
        MAX_NODES,
    ))
    .expect("lineage")
    .value;
    assert!(matches!(
        lineage.ancestors[0].version.status,
        VersionStatus::Revoked(_)
    ));
}

#[test]
fn ownership_transfers_move_the_right_to_add_versions() {
    let mut chain = Chain::new();
    chain.register_model(2, "acme/m");
    let receipt = chain.ok(
        2,
        ProvenanceMsg::TransferModel {
            name: "acme/m".into(),
            new_owner: key(3).address(),
        },
    );
    assert_eq!(receipt.events[0].kind, "model_transferred");
    assert_eq!(
        chain
            .fails(
                2,
                ProvenanceMsg::RegisterModelVersion(version_spec("acme/m", "v1", &[], &[], "MIT"))
            )
            .0,
        "NOT_MODEL_OWNER"
    );
    chain.register_version(3, version_spec("acme/m", "v1", &[], &[], "MIT"));
    let model = block_on(query::model(&chain.store, "acme/m"))
        .expect("read")
        .value
        .expect("registered")
        .model;
    assert_eq!(model.owner, key(3).address());
    assert_eq!(model.publisher, key(2).address());
    assert_eq!(
        chain
            .fails(
                3,
                ProvenanceMsg::TransferModel {
                    name: "acme/m".into(),
                    new_owner: key(3).address(),
                }
            )
            .0,
        "SAME_OWNER"
    );
    assert_eq!(
        chain
            .fails(
                2,
                ProvenanceMsg::TransferModel {
                    name: "acme/m".into(),
                    new_owner: key(2).address(),
                }
            )
            .0,
        "NOT_MODEL_OWNER"
    );
}

#[test]
fn a_lineage_cycle_cannot_be_registered() {
    let mut chain = Chain::new();
    chain.register_model(2, "acme/m");
    let a = chain.register_version(2, version_spec("acme/m", "a", &[], &[], "MIT"));
    let b = chain.register_version(
        2,
        version_spec("acme/m", "b", &[(a, Relation::Finetune)], &[], "MIT"),
    );
    // Closing the cycle needs `a` again, with `b` as its parent: `a` exists already.
    let (code, _) = chain.fails(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec(
            "acme/m",
            "a",
            &[(b, Relation::Finetune)],
            &[],
            "MIT",
        )),
    );
    assert_eq!(code, "VERSION_EXISTS");
    // Nor can a version name itself, nor a future version, as a parent.
    let c = version_id("acme/m", "c");
    assert!(
        invalid_reason(chain.check(
            2,
            &ProvenanceMsg::RegisterModelVersion(version_spec(
                "acme/m",
                "c",
                &[(c, Relation::Finetune)],
                &[],
                "MIT"
            ))
        ))
        .contains("itself")
    );
    let d = version_id("acme/m", "d");
    let (code, _) = chain.fails(
        2,
        ProvenanceMsg::RegisterModelVersion(version_spec(
            "acme/m",
            "c",
            &[(d, Relation::Finetune)],
            &[],
            "MIT",
        )),
    );
    assert_eq!(code, "PARENT_NOT_FOUND");
}

#[test]
fn a_version_with_a_thousand_files_fits_well_within_a_block() {
    let mut chain = Chain::new();
    chain.register_model(2, "acme/big");
    let mut spec = version_spec("acme/big", "v1", &[], &[], "Apache-2.0");
    spec.files = (0..1_000)
        .map(|i| FileDigest {
            path: format!("shards/model-{i:05}-of-01000.safetensors"),
            sha256: hash(i),
        })
        .collect();
    let msg = ProvenanceMsg::RegisterModelVersion(spec);
    assert!(msg.encode().len() <= ailedger_core::MAX_PAYLOAD_LEN);
    let receipt = chain.ok(2, msg);
    assert!(
        receipt.gas_used < ChainParams::DEFAULT.block_gas_limit / 100,
        "{} gas",
        receipt.gas_used
    );
    assert!(receipt.gas_used > super::REGISTER_VERSION_GAS);
}

#[test]
fn lists_are_paged_and_queries_bounded() {
    let mut chain = Chain::new();
    let data = hash(1);
    chain.register_dataset(1, data, "MIT");
    chain.register_model(2, "acme/m");
    let n = 2 * super::PAGE_SIZE + 5;
    let txs: Vec<_> = (0..n)
        .map(|i| {
            chain.sign(
                2,
                &ProvenanceMsg::RegisterModelVersion(version_spec(
                    "acme/m",
                    &format!("v{i}"),
                    &[],
                    &[data],
                    "MIT",
                )),
            )
        })
        .collect();
    let output = chain.execute(&txs).expect("valid");
    assert!(output.receipts.iter().all(|r| r.outcome.is_success()));

    let all = block_on(query::model_versions(&chain.store, "acme/m", 0, usize::MAX))
        .expect("read")
        .value;
    assert_eq!(all.total, n as u64);
    let expected: Vec<Hash> = (0..n)
        .map(|i| version_id("acme/m", &format!("v{i}")))
        .collect();
    assert_eq!(all.ids, expected);
    let slice = block_on(query::model_versions(&chain.store, "acme/m", 60, 10))
        .expect("read")
        .value;
    assert_eq!(slice.ids, expected[60..70]);
    assert_eq!(
        block_on(query::model_versions(&chain.store, "acme/m", n as u64, 10))
            .expect("read")
            .value
            .ids,
        Vec::<Hash>::new()
    );

    let downstream = block_on(query::downstream(
        &chain.store,
        Node::Dataset(data),
        MAX_NODES,
    ))
    .expect("read");
    assert_eq!(downstream.value.versions.len(), n);
    // The dataset, its list's length and three pages, then per version its head, its record
    // and its (empty) children list's length.
    assert_eq!(downstream.keys.len(), 1 + 1 + 3 + 3 * n);
    assert_eq!(
        block_on(query::downstream(&chain.store, Node::Dataset(data), n)),
        Err(QueryError::TooManyNodes { max_nodes: n })
    );
    assert!(block_on(query::downstream(&chain.store, Node::Dataset(data), n + 1)).is_ok());
    assert!(matches!(
        block_on(query::downstream(&chain.store, Node::Dataset(hash(2)), 10)),
        Err(QueryError::NotFound {
            what: "dataset",
            ..
        })
    ));
    assert!(matches!(
        block_on(query::lineage(&chain.store, &hash(2), 10)),
        Err(QueryError::NotFound {
            what: "model version",
            ..
        })
    ));
    assert_eq!(
        block_on(query::lineage(&chain.store, &expected[0], 1)).map(|q| q.value.datasets.len()),
        Err(QueryError::TooManyNodes { max_nodes: 1 })
    );
}

#[test]
fn licence_conflicts_through_the_lineage() {
    let mut chain = Chain::new();
    let nc_data = hash(1);
    let sa_data = hash(2);
    chain.register_dataset(1, nc_data, "cc-by-nc-4.0");
    chain.register_dataset(1, sa_data, "CC-BY-SA-4.0");
    chain.register_model(2, "acme/m");
    let nd = chain.register_version(2, version_spec("acme/m", "nd", &[], &[], "CC-BY-ND-4.0"));
    let gpl = chain.register_version(2, version_spec("acme/m", "gpl", &[], &[sa_data], "gpl-3.0"));
    let base = chain.register_version(
        2,
        version_spec("acme/m", "base", &[], &[nc_data], "MIT OR GPL-3.0-only"),
    );
    let tune = chain.register_version(
        2,
        version_spec(
            "acme/m",
            "tune",
            &[
                (base, Relation::Finetune),
                (nd, Relation::Merge),
                (gpl, Relation::Merge),
            ],
            &[],
            "Apache-2.0",
        ),
    );

    let report = |use_: IntendedUse| {
        block_on(query::licences(&chain.store, &tune, &use_, MAX_NODES))
            .expect("report")
            .value
    };
    let commercial = report(IntendedUse {
        commercial: true,
        ..IntendedUse::default()
    });
    let conflicts: Vec<(Hash, ConflictKind)> = commercial
        .conflicts
        .iter()
        .map(|c| (c.source.id, c.kind))
        .collect();
    // The non-commercial dataset reaches `tune` through `base`.
    assert_eq!(conflicts, vec![(nc_data, ConflictKind::NonCommercial)]);
    assert_eq!(commercial.conflicts[0].source.role, Role::Dataset);
    assert_eq!(commercial.conflicts[0].licence, "CC-BY-NC-4.0");
    // MIT OR GPL: the user picks MIT.
    let base_licence = commercial
        .licences
        .iter()
        .find(|l| l.source.id == base)
        .expect("listed");
    assert_eq!(base_licence.chosen, "MIT");
    assert_eq!(base_licence.source.role, Role::Ancestor { depth: 1 });
    // Share-alike from the GPL ancestor and its CC-BY-SA dataset.
    let share_alike: BTreeSet<Hash> = commercial
        .obligations_of(ObligationKind::ShareAlike)
        .map(|o| o.source.id)
        .collect();
    assert_eq!(share_alike, [gpl, sa_data].into());

    let shared = report(IntendedUse {
        redistribute_weights: true,
        ..IntendedUse::default()
    });
    let conflicts: BTreeSet<(Hash, ConflictKind)> = shared
        .conflicts
        .iter()
        .map(|c| (c.source.id, c.kind))
        .collect();
    assert_eq!(
        conflicts,
        [
            (nd, ConflictKind::NoDerivatives),
            (gpl, ConflictKind::ShareAlike)
        ]
        .into()
    );
    assert!(report(IntendedUse::default()).is_clear());
}

/// A deterministic generator (SplitMix64), so the DAG tests are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What the generator registered: parents and datasets of every version, in order.
#[derive(Default)]
struct Dag {
    datasets: Vec<Hash>,
    versions: Vec<Hash>,
    parents: BTreeMap<Hash, Vec<Hash>>,
    trained_on: BTreeMap<Hash, Vec<Hash>>,
}

/// Registers `n_datasets` datasets and `n_versions` versions with random parents (mostly one,
/// sometimes a merge of up to three, sometimes none) and random datasets, through real blocks.
fn build_dag(chain: &mut Chain, seed: u64, n_datasets: usize, n_versions: usize) -> Dag {
    let mut rng = Rng(seed);
    let mut dag = Dag::default();
    let mut txs = Vec::new();
    for i in 0..n_datasets {
        let root = hash(1_000_000 + i as u64);
        dag.datasets.push(root);
        let licence = ["MIT", "CC-BY-4.0", "cc-by-nc-4.0", "CC-BY-SA-4.0"][i % 4];
        txs.push(chain.sign(
            1,
            &ProvenanceMsg::RegisterDataset(dataset_spec(root, licence)),
        ));
    }
    txs.push(chain.sign(2, &ProvenanceMsg::RegisterModel { name: "dag".into() }));
    chain.execute(&txs).expect("valid");
    let mut txs = Vec::new();
    for i in 0..n_versions {
        let mut parents = Vec::new();
        if !dag.versions.is_empty() {
            let count = match rng.below(20) {
                0 => 0,
                1 | 2 => 2 + rng.below(2),
                _ => 1,
            };
            for _ in 0..count {
                // Mostly recent versions, sometimes any.
                let window = if rng.below(20) == 0 {
                    dag.versions.len()
                } else {
                    dag.versions.len().min(50)
                };
                let parent = dag.versions[dag.versions.len() - 1 - rng.below(window)];
                if !parents.contains(&parent) {
                    parents.push(parent);
                }
            }
        }
        let mut datasets = Vec::new();
        for _ in 0..rng.below(3) {
            let dataset = dag.datasets[rng.below(dag.datasets.len())];
            if !datasets.contains(&dataset) {
                datasets.push(dataset);
            }
        }
        let relations = Relation::ALL;
        let with_relations: Vec<(Hash, Relation)> = parents
            .iter()
            .map(|p| (*p, relations[rng.below(relations.len())]))
            .collect();
        let spec = version_spec("dag", &format!("v{i}"), &with_relations, &datasets, "MIT");
        let id = spec.id();
        txs.push(chain.sign(2, &ProvenanceMsg::RegisterModelVersion(spec)));
        dag.versions.push(id);
        dag.parents.insert(id, parents);
        dag.trained_on.insert(id, datasets);
        if txs.len() == 500 {
            let output = chain.execute(&txs).expect("valid");
            assert!(output.receipts.iter().all(|r| r.outcome.is_success()));
            txs.clear();
        }
    }
    if !txs.is_empty() {
        let output = chain.execute(&txs).expect("valid");
        assert!(output.receipts.iter().all(|r| r.outcome.is_success()));
    }
    dag
}

/// The reference: ancestors with their shortest depth, by the recursive definition
/// `anc(v) = ∪ over parents p of {p: 1} ∪ {a: d + 1 for (a, d) in anc(p)}` (memoised).
fn reference_ancestors<'a>(
    dag: &Dag,
    id: Hash,
    memo: &'a mut BTreeMap<Hash, BTreeMap<Hash, u32>>,
) -> &'a BTreeMap<Hash, u32> {
    if !memo.contains_key(&id) {
        let mut ancestors: BTreeMap<Hash, u32> = BTreeMap::new();
        for parent in &dag.parents[&id] {
            let mut found = vec![(*parent, 1)];
            found.extend(
                reference_ancestors(dag, *parent, memo)
                    .iter()
                    .map(|(a, d)| (*a, d + 1)),
            );
            for (ancestor, depth) in found {
                let entry = ancestors.entry(ancestor).or_insert(depth);
                *entry = (*entry).min(depth);
            }
        }
        memo.insert(id, ancestors);
    }
    &memo[&id]
}

#[test]
fn lineage_and_downstream_match_a_naive_reference_on_a_random_dag() {
    let mut chain = Chain::new();
    let dag = build_dag(&mut chain, 7, 150, 2_000);
    let mut memo = BTreeMap::new();
    for id in &dag.versions {
        reference_ancestors(&dag, *id, &mut memo);
    }
    // The DAG is not trivial: long lineages, merges, datasets reached through ancestors.
    let sizes: Vec<usize> = memo.values().map(BTreeMap::len).collect();
    let deepest = memo
        .values()
        .flat_map(|a| a.values())
        .max()
        .copied()
        .unwrap_or(0);
    let merges = dag.parents.values().filter(|p| p.len() > 1).count();
    assert!(sizes.iter().max().is_some_and(|m| *m > 200));
    assert!(deepest > 20 && merges > 50);
    let mut rng = Rng(11);
    let mut sample: Vec<Hash> = (0..40)
        .map(|_| dag.versions[rng.below(dag.versions.len())])
        .collect();
    sample.push(*dag.versions.last().expect("some"));
    for id in &sample {
        let lineage = block_on(query::lineage(&chain.store, id, MAX_NODES))
            .expect("lineage")
            .value;
        let got: BTreeMap<Hash, u32> = lineage
            .ancestors
            .iter()
            .map(|a| (a.version.record.id, a.depth))
            .collect();
        assert_eq!(got.len(), lineage.ancestors.len(), "ancestors repeat");
        assert_eq!(&got, &memo[id]);
        // Datasets: those of the version and of every ancestor, at the nearest user's depth.
        let mut expected: BTreeMap<Hash, u32> = BTreeMap::new();
        for (user, depth) in std::iter::once((*id, 0)).chain(memo[id].iter().map(|(a, d)| (*a, *d)))
        {
            for dataset in &dag.trained_on[&user] {
                let entry = expected.entry(*dataset).or_insert(depth);
                *entry = (*entry).min(depth);
            }
        }
        let got: BTreeMap<Hash, u32> = lineage
            .datasets
            .iter()
            .map(|d| (d.dataset.id, d.depth))
            .collect();
        assert_eq!(got, expected);
        let edges: usize = std::iter::once(id)
            .chain(memo[id].keys())
            .map(|v| dag.parents[v].len())
            .sum();
        assert_eq!(lineage.edges.len(), edges);

        // Downstream of a version: every v with it among v's ancestors, at that depth.
        let downstream = block_on(query::downstream(
            &chain.store,
            Node::Version(*id),
            MAX_NODES,
        ))
        .expect("downstream")
        .value;
        let got: BTreeMap<Hash, u32> = downstream
            .versions
            .iter()
            .map(|d| (d.version.record.id, d.depth))
            .collect();
        let expected: BTreeMap<Hash, u32> = memo
            .iter()
            .filter_map(|(v, ancestors)| ancestors.get(id).map(|d| (*v, *d)))
            .collect();
        assert_eq!(got, expected);
    }
    for dataset in dag.datasets.iter().take(10) {
        let downstream = block_on(query::downstream(
            &chain.store,
            Node::Dataset(*dataset),
            MAX_NODES,
        ))
        .expect("downstream")
        .value;
        let got: BTreeMap<Hash, u32> = downstream
            .versions
            .iter()
            .map(|d| (d.version.record.id, d.depth))
            .collect();
        // Every version reached by the dataset: 1 + the distance from its nearest user.
        let mut expected: BTreeMap<Hash, u32> = BTreeMap::new();
        for v in &dag.versions {
            let mut best: Option<u32> = None;
            if dag.trained_on[v].contains(dataset) {
                best = Some(1);
            }
            for (ancestor, depth) in &memo[v] {
                if dag.trained_on[ancestor].contains(dataset) {
                    best = Some(best.map_or(depth + 1, |b| b.min(depth + 1)));
                }
            }
            if let Some(depth) = best {
                expected.insert(*v, depth);
            }
        }
        assert_eq!(got, expected);
    }

    // The licence report lists every source once, own first, and flags the NC datasets.
    let last = *dag.versions.last().expect("some");
    let report = block_on(query::licences(
        &chain.store,
        &last,
        &IntendedUse {
            commercial: true,
            ..IntendedUse::default()
        },
        MAX_NODES,
    ))
    .expect("report")
    .value;
    let lineage = block_on(query::lineage(&chain.store, &last, MAX_NODES))
        .expect("lineage")
        .value;
    assert_eq!(
        report.licences.len(),
        1 + lineage.ancestors.len() + lineage.datasets.len()
    );
    assert_eq!(report.licences[0].source.role, Role::Own);
    let nc = lineage
        .datasets
        .iter()
        .filter(|d| d.dataset.licence.expression == "CC-BY-NC-4.0")
        .count();
    assert_eq!(report.conflicts.len(), nc);
}

#[test]
fn a_deep_chain_is_traversed_without_recursion() {
    let mut chain = Chain::new();
    chain.register_model(2, "deep");
    let mut txs = Vec::new();
    let mut previous: Option<Hash> = None;
    let depth = 3_000;
    for i in 0..depth {
        let parents: Vec<(Hash, Relation)> = previous
            .map(|p| (p, Relation::Finetune))
            .into_iter()
            .collect();
        let spec = version_spec("deep", &format!("v{i}"), &parents, &[], "MIT");
        previous = Some(spec.id());
        txs.push(chain.sign(2, &ProvenanceMsg::RegisterModelVersion(spec)));
    }
    for block in txs.chunks(1_000) {
        chain.execute(block).expect("valid");
    }
    let last = previous.expect("some");
    let lineage = block_on(query::lineage(&chain.store, &last, MAX_NODES))
        .expect("lineage")
        .value;
    assert_eq!(lineage.ancestors.len(), depth - 1);
    assert_eq!(
        lineage.ancestors.last().expect("root").depth,
        (depth - 1) as u32
    );
    let first = version_id("deep", "v0");
    let downstream = block_on(query::downstream(
        &chain.store,
        Node::Version(first),
        MAX_NODES,
    ))
    .expect("downstream")
    .value;
    assert_eq!(downstream.versions.len(), depth - 1);
}

#[test]
fn execution_is_deterministic() {
    let mut chain = Chain::new();
    chain.register_dataset(1, hash(1), "MIT");
    chain.register_model(2, "acme/m");
    let txs = vec![
        chain.sign(
            2,
            &ProvenanceMsg::RegisterModelVersion(version_spec(
                "acme/m",
                "a",
                &[],
                &[hash(1)],
                "MIT",
            )),
        ),
        chain.sign(
            2,
            &ProvenanceMsg::RegisterModelVersion(version_spec(
                "acme/m",
                "b",
                &[(version_id("acme/m", "a"), Relation::Distilled)],
                &[hash(1)],
                "llama3.1",
            )),
        ),
    ];
    let first =
        block_on(Executor::new().execute_block(&chain.store, &ctx(9), None, &txs)).expect("valid");
    let second =
        block_on(Executor::new().execute_block(&chain.store, &ctx(9), None, &txs)).expect("valid");
    assert_eq!(first, second);
    assert!(first.receipts.iter().all(|r| r.outcome.is_success()));
}
