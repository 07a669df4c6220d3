//! The provenance endpoints through the router, over the test backend: everything is registered
//! with real signed transactions executed by the real state machine, then queried.

use crate::{
    ApiLimits, router,
    test_backend::{CHAIN_ID, FAKE_PROOF, TestBackend},
    tests::{Harness, RICH, assert_error, harness, harness_with, key},
};
use ailedger_client::dto::{
    DatasetAnswer, DatasetList, DownstreamAnswer, LicencesAnswer, LineageAnswer, ModelAnswer,
    ModelVersionList, VersionAnswer,
};
use ailedger_core::{Hash, SignedTransaction, Transaction, ZERO_HASH, sha256};
use ailedger_state::{
    Module,
    provenance::{
        DatasetMode, DatasetSpec, FileDigest, Modality, Parent, Provenance, ProvenanceMsg,
        Relation, SourceCategory, VersionSpec,
        query::{dataset_key, version_head_key, version_key},
        version_id,
    },
};
use axum::http::StatusCode;
use commonware_codec::Encode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Enough gas for any registration of these tests.
const GAS_LIMIT: u64 = 2_000_000;

/// Signs provenance messages for the keys of the harness, keeping each key's next nonce.
#[derive(Default)]
struct Signer {
    nonces: BTreeMap<u64, u64>,
}

impl Signer {
    fn sign(&mut self, from: u64, msg: &ProvenanceMsg) -> SignedTransaction {
        let nonce = self.nonces.entry(from).or_default();
        let tx = Transaction::new(
            CHAIN_ID,
            key(from).address(),
            *nonce,
            GAS_LIMIT,
            1,
            Provenance::ID,
            msg.encode().to_vec(),
        )
        .expect("valid transaction")
        .sign(&key(from));
        *nonce += 1;
        tx
    }
}

fn root(n: u64) -> Hash {
    sha256(&[b"api test dataset", &n.to_be_bytes()])
}

fn dataset(n: u64, name: &str, licence: &str) -> ProvenanceMsg {
    ProvenanceMsg::RegisterDataset(DatasetSpec {
        id: root(n),
        name: name.into(),
        manifest: sha256(&[root(n).as_ref(), b"manifest"]),
        leaf_count: 100 + n,
        total_bytes: 10_000,
        mode: DatasetMode::Records,
        licence: licence.into(),
        source: "https://example.org/data".into(),
        source_category: SourceCategory::PublicDataset,
        modality: Modality::Tabular,
        collection: None,
        contributors: vec!["Ada".into()],
        evidence: vec![],
    })
}

fn model(name: &str) -> ProvenanceMsg {
    ProvenanceMsg::RegisterModel { name: name.into() }
}

fn version(
    model: &str,
    label: &str,
    parents: &[(Hash, Relation)],
    datasets: &[Hash],
    licence: &str,
) -> ProvenanceMsg {
    ProvenanceMsg::RegisterModelVersion(VersionSpec {
        model: model.into(),
        version: label.into(),
        files: vec![FileDigest {
            path: "model.onnx".into(),
            sha256: sha256(&[model.as_bytes(), label.as_bytes()]),
        }],
        tensor_root: sha256(&[label.as_bytes()]),
        architecture: ZERO_HASH,
        parents: parents
            .iter()
            .map(|(id, relation)| Parent {
                id: *id,
                relation: *relation,
            })
            .collect(),
        datasets: datasets.to_vec(),
        training: None,
        licence: licence.into(),
    })
}

impl Harness {
    /// The committed receipt outcome of a transaction.
    async fn outcome(&self, tx: &SignedTransaction) -> Value {
        let (status, record) = self.get(&format!("/v1/txs/{}", tx.hash())).await;
        assert_eq!(status, StatusCode::OK, "{record}");
        record["receipt"]["outcome"].clone()
    }

    async fn ok<T: serde::de::DeserializeOwned>(&self, uri: &str) -> T {
        let (status, body) = self.get(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        serde_json::from_value(body).unwrap_or_else(|error| panic!("{uri}: {error}"))
    }
}

/// The lineage of these tests: datasets `digits` (CC-BY-NC-4.0) and `extra` (MIT); `acme/base`
/// 1.0 trained on digits; `acme/base` 1.1 finetuned from 1.0 on extra; `acme/small` q8
/// quantized from 1.1; `acme/small` merged from 1.0 and q8.
struct Graph {
    /// The signer that registered everything, holding the next nonces.
    signer: Signer,
    digits: Hash,
    extra: Hash,
    base: Hash,
    tuned: Hash,
    quantized: Hash,
    merged: Hash,
}

async fn graph(harness: &Harness) -> Graph {
    let mut signer = Signer::default();
    let txs = [
        signer.sign(1, &dataset(1, "digits", "cc-by-nc-4.0")),
        signer.sign(1, &dataset(2, "extra", "MIT")),
        signer.sign(1, &model("acme/base")),
        signer.sign(2, &model("acme/small")),
    ];
    harness.commit(&txs).await;
    let base = version_id("acme/base", "1.0");
    let tuned = version_id("acme/base", "1.1");
    let quantized = version_id("acme/small", "q8");
    let merged = version_id("acme/small", "merged");
    let txs = [
        signer.sign(
            1,
            &version("acme/base", "1.0", &[], &[root(1)], "Apache-2.0"),
        ),
        signer.sign(
            1,
            &version(
                "acme/base",
                "1.1",
                &[(base, Relation::Finetune)],
                &[root(2)],
                "Apache-2.0",
            ),
        ),
    ];
    harness.commit(&txs).await;
    let txs = [
        signer.sign(
            2,
            &version(
                "acme/small",
                "q8",
                &[(tuned, Relation::Quantized)],
                &[],
                "apache-2.0",
            ),
        ),
        signer.sign(
            2,
            &version(
                "acme/small",
                "merged",
                &[(base, Relation::Merge), (quantized, Relation::Merge)],
                &[],
                "MIT",
            ),
        ),
    ];
    harness.commit(&txs).await;
    for tx in &txs {
        assert_eq!(harness.outcome(tx).await, json!({"status": "success"}));
    }
    Graph {
        signer,
        digits: root(1),
        extra: root(2),
        base,
        tuned,
        quantized,
        merged,
    }
}

#[tokio::test]
async fn registered_datasets_are_listed_shown_and_proven_on_request() {
    let harness = harness().await;
    let graph = graph(&harness).await;

    let list: DatasetList = harness.ok("/v1/datasets").await;
    assert_eq!((list.offset, list.limit, list.total), (0, 100, 2));
    assert_eq!(list.ids, vec![graph.digits, graph.extra]);
    assert_eq!(list.proofs, None);
    let page: DatasetList = harness.ok("/v1/datasets?offset=1&limit=5").await;
    assert_eq!((page.offset, page.limit, page.total), (1, 5, 2));
    assert_eq!(page.ids, vec![graph.extra]);
    let capped: DatasetList = harness.ok("/v1/datasets?limit=100000").await;
    assert_eq!(capped.limit, 1_000);

    let shown: DatasetAnswer = harness.ok(&format!("/v1/datasets/{}", graph.digits)).await;
    let dataset = &shown.dataset;
    assert_eq!(dataset.id, graph.digits);
    assert_eq!(dataset.name, "digits");
    assert_eq!(
        (
            dataset.licence.expression.as_str(),
            dataset.licence.raw.as_str()
        ),
        ("CC-BY-NC-4.0", "cc-by-nc-4.0")
    );
    assert_eq!(
        (dataset.mode.as_str(), dataset.modality.as_str()),
        ("records", "tabular")
    );
    assert_eq!(dataset.source_category, "public-dataset");
    assert_eq!(dataset.leaf_count, 101);
    assert_eq!(dataset.registrant, key(1).address());
    assert_eq!(shown.proofs, None);
    let status = harness.get("/v1/status").await.1;
    assert_eq!(shown.height, status["height"].as_u64().expect("height"));

    // With proofs: one per key read, here the dataset record itself, with its value.
    let proven: DatasetAnswer = harness
        .ok(&format!("/v1/datasets/{}?proofs=true", graph.digits))
        .await;
    let proofs = proven.proofs.expect("proofs were asked for");
    assert_eq!(proofs.len(), 1);
    assert_eq!(proofs[0].key, dataset_key(&graph.digits));
    assert!(proofs[0].value.is_some());
    assert_eq!(proofs[0].proof, FAKE_PROOF);
    let proven_list: DatasetList = harness.ok("/v1/datasets?proofs=true").await;
    assert_eq!(proven_list.proofs.map(|proofs| proofs.len()), Some(2));

    let missing = harness.get(&format!("/v1/datasets/{}", root(99))).await;
    assert_error(&missing, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_eq!(
        missing.1["details"],
        json!({"what": "dataset", "id": root(99).to_string()})
    );
    assert_error(
        &harness.get("/v1/datasets/xyz").await,
        StatusCode::BAD_REQUEST,
        "BAD_HEX",
    );
    assert_error(
        &harness.get("/v1/datasets?offset=-1").await,
        StatusCode::BAD_REQUEST,
        "BAD_QUERY",
    );
    assert_error(
        &harness
            .get(&format!("/v1/datasets/{}?proofs=maybe", graph.digits))
            .await,
        StatusCode::BAD_REQUEST,
        "BAD_QUERY",
    );
}

#[tokio::test]
async fn models_are_addressed_by_percent_encoded_names() {
    let harness = harness().await;
    let graph = graph(&harness).await;

    let model: ModelAnswer = harness.ok("/v1/models/acme%2Fbase").await;
    assert_eq!(model.model.name, "acme/base");
    assert_eq!(model.model.owner, key(1).address());
    assert_eq!(model.model.publisher, key(1).address());
    assert_eq!(model.model.version_count, 2);
    let lower: ModelAnswer = harness.ok("/v1/models/acme%2fsmall?proofs=true").await;
    assert_eq!(lower.model.version_count, 2);
    assert!(lower.proofs.is_some_and(|proofs| proofs.len() == 2));

    let versions: ModelVersionList = harness.ok("/v1/models/acme%2Fbase/versions").await;
    assert_eq!(versions.model, "acme/base");
    assert_eq!(versions.total, 2);
    assert_eq!(versions.ids, vec![graph.base, graph.tuned]);
    let second: ModelVersionList = harness
        .ok("/v1/models/acme%2Fbase/versions?offset=1&limit=1&proofs=true")
        .await;
    assert_eq!(second.ids, vec![graph.tuned]);
    assert!(second.proofs.is_some());

    // An unencoded `/` is another path, which no route serves.
    let raw = harness.get("/v1/models/acme/base").await;
    assert_error(&raw, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert!(
        raw.1["message"]
            .as_str()
            .is_some_and(|message| message.starts_with("no route")),
        "{}",
        raw.1
    );
    let unknown = harness.get("/v1/models/acme%2Fnothing").await;
    assert_error(&unknown, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_eq!(
        unknown.1["details"],
        json!({"what": "model", "id": "acme/nothing"})
    );
    assert_error(
        &harness.get("/v1/models/acme%2Fnothing/versions").await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    );
    for bad in ["Acme%2Fbase", "acme%2F%2Fbase", "acme%20base"] {
        assert_error(
            &harness.get(&format!("/v1/models/{bad}")).await,
            StatusCode::BAD_REQUEST,
            "BAD_MODEL_NAME",
        );
    }
}

#[tokio::test]
async fn versions_show_their_record_status_and_keys_read() {
    let harness = harness().await;
    let graph = graph(&harness).await;
    let shown: VersionAnswer = harness
        .ok(&format!("/v1/versions/{}?proofs=true", graph.merged))
        .await;
    let version = &shown.version;
    assert_eq!(version.label(), "acme/small@merged");
    assert_eq!(version.status.name(), "active");
    assert_eq!(version.licence.expression, "MIT");
    assert_eq!(
        version
            .parents
            .iter()
            .map(|parent| (parent.id, parent.relation.as_str()))
            .collect::<Vec<_>>(),
        vec![(graph.base, "merge"), (graph.quantized, "merge")]
    );
    let keys: Vec<Hash> = shown
        .proofs
        .expect("proofs")
        .iter()
        .map(|proof| proof.key)
        .collect();
    assert_eq!(
        keys,
        vec![version_head_key(&graph.merged), version_key(&graph.merged)]
    );
    let missing = harness.get(&format!("/v1/versions/{}", root(5))).await;
    assert_error(&missing, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_eq!(missing.1["details"]["what"], "model version");
    assert_error(
        &harness.get("/v1/versions/12").await,
        StatusCode::BAD_REQUEST,
        "BAD_HEX",
    );
}

#[tokio::test]
async fn lineage_licences_and_downstream_follow_the_registered_graph() {
    let harness = harness().await;
    let graph = graph(&harness).await;

    let lineage: LineageAnswer = harness
        .ok(&format!("/v1/versions/{}/lineage", graph.merged))
        .await;
    assert_eq!(lineage.max_nodes, 1_000);
    let ancestors: Vec<(Hash, u32, &str)> = lineage
        .lineage
        .ancestors
        .iter()
        .map(|ancestor| {
            (
                ancestor.version.id,
                ancestor.depth,
                ancestor.relation.as_str(),
            )
        })
        .collect();
    assert_eq!(
        ancestors,
        vec![
            (graph.base, 1, "merge"),
            (graph.quantized, 1, "merge"),
            (graph.tuned, 2, "quantized"),
        ]
    );
    assert_eq!(lineage.lineage.edges.len(), 4);
    let datasets: Vec<(&str, u32)> = lineage
        .lineage
        .datasets
        .iter()
        .map(|dataset| (dataset.dataset.name.as_str(), dataset.depth))
        .collect();
    assert_eq!(datasets, vec![("digits", 1), ("extra", 2)]);

    // Commercial use of a version trained, through an ancestor, on CC-BY-NC data conflicts,
    // and the conflict names the dataset.
    let commercial: LicencesAnswer = harness
        .ok(&format!(
            "/v1/versions/{}/licences?commercial=true&redistribute_weights=true",
            graph.merged
        ))
        .await;
    let report = &commercial.report;
    assert!(report.intended_use.commercial && report.intended_use.redistribute_weights);
    assert!(!report.clear);
    let conflicts: Vec<(&str, &str, &str, Hash)> = report
        .conflicts
        .iter()
        .map(|conflict| {
            (
                conflict.kind.as_str(),
                conflict.licence.as_str(),
                conflict.source.label.as_str(),
                conflict.source.id,
            )
        })
        .collect();
    assert_eq!(
        conflicts,
        vec![("NON_COMMERCIAL", "CC-BY-NC-4.0", "digits", graph.digits)]
    );
    assert_eq!(report.licences[0].source.role, "own");
    assert!(
        report
            .obligations
            .iter()
            .any(|obligation| obligation.kind == "ATTRIBUTION"),
        "{report:#?}"
    );
    let research: LicencesAnswer = harness
        .ok(&format!("/v1/versions/{}/licences", graph.merged))
        .await;
    assert!(research.report.clear, "{:#?}", research.report);

    let downstream: DownstreamAnswer = harness
        .ok(&format!("/v1/datasets/{}/downstream", graph.digits))
        .await;
    let reached: Vec<(Hash, u32)> = downstream
        .downstream
        .versions
        .iter()
        .map(|descendant| (descendant.version.id, descendant.depth))
        .collect();
    assert_eq!(
        reached,
        vec![
            (graph.base, 1),
            (graph.tuned, 2),
            (graph.merged, 2),
            (graph.quantized, 3)
        ]
    );
    let from_extra: DownstreamAnswer = harness
        .ok(&format!(
            "/v1/datasets/{}/downstream?proofs=true",
            graph.extra
        ))
        .await;
    assert_eq!(from_extra.downstream.versions.len(), 3);
    assert!(from_extra.proofs.is_some());
    let from_version: DownstreamAnswer = harness
        .ok(&format!("/v1/versions/{}/downstream", graph.quantized))
        .await;
    assert_eq!(
        from_version
            .downstream
            .versions
            .iter()
            .map(|descendant| descendant.version.id)
            .collect::<Vec<_>>(),
        vec![graph.merged]
    );

    for uri in [
        format!("/v1/versions/{}/lineage", root(7)),
        format!("/v1/versions/{}/licences", root(7)),
        format!("/v1/versions/{}/downstream", root(7)),
        format!("/v1/datasets/{}/downstream", root(7)),
    ] {
        assert_error(&harness.get(&uri).await, StatusCode::NOT_FOUND, "NOT_FOUND");
    }
}

#[tokio::test]
async fn traversal_and_proof_bounds_answer_422_with_details() {
    let harness = harness().await;
    let graph = graph(&harness).await;
    let too_many = harness
        .get(&format!(
            "/v1/versions/{}/lineage?max_nodes=2",
            graph.merged
        ))
        .await;
    assert_error(
        &too_many,
        StatusCode::UNPROCESSABLE_ENTITY,
        "TOO_MANY_NODES",
    );
    assert_eq!(too_many.1["details"], json!({"max_nodes": 2}));
    let capped: LineageAnswer = harness
        .ok(&format!(
            "/v1/versions/{}/lineage?max_nodes=99999999",
            graph.merged
        ))
        .await;
    assert_eq!(capped.max_nodes, 10_000);

    // A chain of 130 versions: its lineage reads 2 keys per version, more than the 256
    // proofs served.
    let mut signer = graph.signer;
    harness.commit(&[signer.sign(2, &model("deep"))]).await;
    let mut parent: Option<Hash> = None;
    let mut txs = Vec::new();
    for n in 0..130 {
        let label = format!("v{n}");
        let parents: Vec<(Hash, Relation)> =
            parent.iter().map(|id| (*id, Relation::Finetune)).collect();
        txs.push(signer.sign(2, &version("deep", &label, &parents, &[], "MIT")));
        parent = Some(version_id("deep", &label));
    }
    harness.commit(&txs).await;
    let tip = parent.expect("130 versions");
    let unproven: LineageAnswer = harness.ok(&format!("/v1/versions/{tip}/lineage")).await;
    assert_eq!(unproven.lineage.ancestors.len(), 129);
    let refused = harness
        .get(&format!("/v1/versions/{tip}/lineage?proofs=true"))
        .await;
    assert_error(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "TOO_MANY_PROOFS",
    );
    assert_eq!(refused.1["details"], json!({"keys": 260, "max": 256}));
}

#[tokio::test]
async fn invalid_provenance_messages_are_refused_with_the_module_code() {
    let harness = harness().await;
    let mut signer = Signer::default();
    let cases = [
        (dataset(1, "d", "not-a-licence"), "LICENCE_UNKNOWN"),
        (dataset(1, "d", "MIT OR"), "LICENCE_MALFORMED"),
        (dataset(1, " ", "MIT"), "EMPTY_FIELD"),
        (model("Acme/Upper"), "INVALID_MODEL_NAME"),
        (
            ProvenanceMsg::RegisterModelVersion(VersionSpec {
                files: vec![],
                ..match version("acme/x", "1", &[], &[], "MIT") {
                    ProvenanceMsg::RegisterModelVersion(spec) => spec,
                    _ => unreachable!("a version message"),
                }
            }),
            "NO_FILES",
        ),
    ];
    for (msg, message_code) in cases {
        // The signer's nonce is not used up: refused transactions never reach a block.
        let tx = signer.sign(1, &msg);
        signer.nonces.insert(1, 0);
        let answer = harness.submit(&tx).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "INVALID_MESSAGE");
        assert_eq!(
            answer.1["details"]["message_code"], message_code,
            "{}",
            answer.1
        );
        assert_eq!(answer.1["details"]["module"], "provenance");
    }
    // In a batch too.
    let tx = signer.sign(1, &dataset(1, "d", "MIT AND"));
    let (status, answer) = harness
        .post_json(
            "/v1/txs",
            &json!({"txs": [hex::encode(tx.encode_to_vec())]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer["results"][0]["error"]["details"]["message_code"],
        "LICENCE_MALFORMED"
    );
}

#[tokio::test]
async fn registrations_that_fail_on_state_are_committed_as_failures_and_register_nothing() {
    let harness = harness().await;
    let mut graph = graph(&harness).await;
    let signer = &mut graph.signer;
    let failing = [
        (
            signer.sign(
                1,
                &version(
                    "acme/base",
                    "2.0",
                    &[(root(50), Relation::Finetune)],
                    &[],
                    "MIT",
                ),
            ),
            "PARENT_NOT_FOUND",
        ),
        (
            signer.sign(1, &version("acme/base", "2.1", &[], &[root(51)], "MIT")),
            "DATASET_NOT_FOUND",
        ),
        (
            signer.sign(1, &version("acme/base", "1.0", &[], &[], "MIT")),
            "VERSION_EXISTS",
        ),
        (
            signer.sign(1, &dataset(1, "digits again", "MIT")),
            "DATASET_EXISTS",
        ),
        (
            signer.sign(2, &version("acme/base", "2.2", &[], &[], "MIT")),
            "NOT_MODEL_OWNER",
        ),
        (signer.sign(2, &model("acme/base")), "MODEL_EXISTS"),
    ];
    let txs: Vec<SignedTransaction> = failing.iter().map(|(tx, _)| tx.clone()).collect();
    harness.commit(&txs).await;
    for (tx, code) in &failing {
        let outcome = harness.outcome(tx).await;
        assert_eq!(outcome["status"], "failed", "{outcome}");
        assert_eq!(outcome["code"], *code, "{outcome}");
    }
    for label in ["2.0", "2.1", "2.2"] {
        assert_error(
            &harness
                .get(&format!("/v1/versions/{}", version_id("acme/base", label)))
                .await,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        );
    }
    let base: ModelAnswer = harness.ok("/v1/models/acme%2Fbase").await;
    assert_eq!(base.model.version_count, 2);
    let list: DatasetList = harness.ok("/v1/datasets").await;
    assert_eq!(list.total, 2);
    let digits: DatasetAnswer = harness.ok(&format!("/v1/datasets/{}", graph.digits)).await;
    assert_eq!(digits.dataset.name, "digits");
    // Nothing new reaches the datasets either.
    let downstream: DownstreamAnswer = harness
        .ok(&format!("/v1/datasets/{}/downstream", graph.extra))
        .await;
    assert_eq!(downstream.downstream.versions.len(), 3);
}

#[tokio::test]
async fn provenance_backend_failures_are_500_without_their_detail() {
    let harness = harness().await;
    harness.backend.break_storage().await;
    let answer = harness.get(&format!("/v1/datasets/{}", root(1))).await;
    assert_error(&answer, StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL");
    assert!(
        !answer.1.to_string().contains("storage failed"),
        "{}",
        answer.1
    );
}

/// The typed client against the served provenance routes: shapes and percent-encoding agree,
/// and verification gets as far as the test backend's placeholder proofs.
#[tokio::test]
async fn the_client_reads_every_provenance_answer() {
    use ailedger_client::{Client, ClientError, VerificationError, dto::IntendedUseView};
    use ailedger_state::provenance::query::Node;

    let backend =
        TestBackend::new(&[(key(1).address(), RICH), (key(2).address(), RICH)], 1_000).await;
    let harness = Harness::over(backend.clone());
    let graph = graph(&harness).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::serve(listener, backend, ApiLimits::DEFAULT, async {
        let _ = stopped.await;
    }));
    let client = Client::new(&url).expect("valid url");

    let list = client.datasets(0, 10, false).await.expect("datasets");
    assert_eq!(list.ids, vec![graph.digits, graph.extra]);
    let dataset = client.dataset(&graph.digits, true).await.expect("dataset");
    assert_eq!(dataset.dataset.name, "digits");
    let model = client.model("acme/small", false).await.expect("model");
    assert_eq!(model.model.owner, key(2).address());
    let versions = client
        .model_versions("acme/small", 0, 10, false)
        .await
        .expect("versions");
    assert_eq!(versions.ids, vec![graph.quantized, graph.merged]);
    let version = client.version(&graph.tuned, false).await.expect("version");
    assert_eq!(version.version.label(), "acme/base@1.1");
    let lineage = client
        .lineage(&graph.tuned, 100, false)
        .await
        .expect("lineage");
    assert_eq!(lineage.lineage.ancestors.len(), 1);
    let licences = client
        .licences(
            &graph.tuned,
            IntendedUseView {
                commercial: true,
                ..IntendedUseView::default()
            },
            100,
            false,
        )
        .await
        .expect("licences");
    assert_eq!(licences.report.conflicts.len(), 1);
    let downstream = client
        .downstream(Node::Version(graph.base), 100, false)
        .await
        .expect("downstream");
    assert_eq!(downstream.downstream.versions.len(), 3);
    let missing = client
        .model("acme/none", false)
        .await
        .expect_err("not registered");
    assert!(missing.is_not_found(), "{missing:?}");

    let verified = client
        .verified_dataset(&graph.digits)
        .await
        .expect_err("placeholder proofs");
    assert!(
        matches!(
            verified,
            ClientError::Verification(VerificationError::Proof(_))
        ),
        "{verified:?}"
    );
    let _ = stop.send(());
    server.await.expect("server task").expect("server");
}

#[tokio::test]
async fn list_and_traversal_limits_are_the_node_configuration() {
    let limits = ApiLimits {
        max_query_nodes: 3,
        max_page: 1,
        ..ApiLimits::DEFAULT
    };
    let harness = harness_with(limits, 1_000).await;
    let graph = graph(&harness).await;
    let list: DatasetList = harness.ok("/v1/datasets").await;
    assert_eq!((list.limit, list.ids.len()), (1, 1));
    let lineage: LineageAnswer = harness
        .ok(&format!("/v1/versions/{}/lineage?max_nodes=50", graph.base))
        .await;
    assert_eq!(lineage.max_nodes, 3);
    assert_error(
        &harness
            .get(&format!("/v1/versions/{}/lineage", graph.tuned))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "TOO_MANY_NODES",
    );
}

impl Harness {
    /// A harness over an existing backend.
    fn over(backend: TestBackend) -> Self {
        let app = router(backend.clone(), ApiLimits::DEFAULT);
        Self { backend, app }
    }
}
