//! Inference logs end to end: a model version and a log registered on an in-process node, the
//! log served by `ailedger log serve` processes, records appended, checkpoints anchored,
//! receipts verified offline and online; then a second instance of the log with the same key
//! and origin but other entries, caught when it anchors and recorded as evidence, and found
//! again by `log audit`. Bad input is refused with precise codes.

use super::end_to_end::{CHAIN_ID, Cli, DEADLINE, NodeProcess, TestNode, committed};
use super::provenance::{start, text};
use ailedger_client::dto::OutcomeView;
use ailedger_core::{Hash, SecretKey, Transaction, sha256};
use ailedger_logd::{InferenceRecord, RecordBody, dto::RecordJson};
use ailedger_state::{
    Module,
    provenance::{FileDigest, Provenance, ProvenanceMsg, VersionSpec, version_id},
};
use commonware_codec::Encode;
use serde_json::{Value, json};
use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub(crate) const ORIGIN: &str = "ledger.example/inference";

/// A service process (`log serve`, `content serve`), killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn serve(cli: &Cli, dir: &Path, log_key: &Path, extra: &[&str]) -> Server {
    let mut args = vec![
        "log",
        "serve",
        "--dir",
        text(dir),
        "--log-key",
        text(log_key),
        "--from",
        "dev",
        "--listen",
        "127.0.0.1:0",
    ];
    args.extend(extra);
    service(cli, &args)
}

/// A service process of the binary (`log serve`, `content serve`), once it printed its url.
pub(crate) fn service(cli: &Cli, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ailedger"))
        .args(["--home", text(&cli.home), "--node", &cli.node])
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the service starts");
    let stdout = child.stdout.take().expect("stdout");
    let (found, url) = std::sync::mpsc::channel();
    // The whole output is read, so that the service never writes to a closed pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("url") {
                let _ = found.send(rest.trim().to_owned());
            }
        }
    });
    let url = url
        .recv_timeout(DEADLINE)
        .expect("the service prints its url");
    Server { child, url }
}

fn provenance_tx(
    key: &SecretKey,
    nonce: u64,
    msg: &ProvenanceMsg,
) -> ailedger_core::SignedTransaction {
    Transaction::new(
        CHAIN_ID,
        key.address(),
        nonce,
        2_000_000,
        1,
        Provenance::ID,
        msg.encode().to_vec(),
    )
    .expect("valid transaction")
    .sign(key)
}

/// Registers model `acme/chat` and its versions `v1` and `v2` from `dev`; returns their ids.
pub(crate) fn register_model(node: &TestNode) -> [Hash; 2] {
    let dev = SecretKey::from_seed(1);
    let nonce = node
        .block_on(node.client.account(&dev.address()))
        .expect("account")
        .next_nonce;
    let model = ProvenanceMsg::RegisterModel {
        name: "acme/chat".into(),
    };
    let version = |label: &str| {
        ProvenanceMsg::RegisterModelVersion(VersionSpec {
            model: "acme/chat".into(),
            version: label.into(),
            files: vec![FileDigest {
                path: "model.safetensors".into(),
                sha256: sha256(&[b"weights", label.as_bytes()]),
            }],
            tensor_root: sha256(&[b"tensors", label.as_bytes()]),
            architecture: sha256(&[b"architecture"]),
            parents: vec![],
            datasets: vec![],
            training: None,
            licence: "apache-2.0".into(),
        })
    };
    for (offset, msg) in [model, version("v1"), version("v2")].iter().enumerate() {
        let tx = provenance_tx(&dev, nonce + offset as u64, msg);
        let hash = node.block_on(node.client.submit(&tx)).expect("submitted");
        let record = node.block_on(committed(&node.client, &hash));
        let outcome = record.receipt.expect("receipt").outcome;
        assert_eq!(outcome, OutcomeView::Success);
    }
    [version_id("acme/chat", "v1"), version_id("acme/chat", "v2")]
}

pub(crate) fn digest(tag: &str, i: u64) -> String {
    sha256(&[tag.as_bytes(), &i.to_be_bytes()]).to_string()
}

/// A records file of `n` records of `version`, digests tagged `tag`.
fn records_file(dir: &Path, name: &str, version: &Hash, tag: &str, n: u64) -> String {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "model_version": version.to_string(),
                "input": digest(&format!("{tag}/input"), i),
                "output": digest(&format!("{tag}/output"), i),
                "parameters": digest("parameters", 0),
                "time_ms": 1_700_000_000_000u64 + i,
            })
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(&records).expect("json")).expect("write");
    text(&path).to_owned()
}

/// Waits until the chain's log satisfies `done`.
pub(crate) fn wait_for_log(
    node: &TestNode,
    done: impl Fn(&ailedger_client::dto::LogAnswer) -> bool,
) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Ok(answer) = node.block_on(node.client.log(ORIGIN, false))
            && done(&answer)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the log did not reach the state awaited"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn records_are_logged_anchored_verified_and_a_fork_is_caught() {
    let (node, cli) = start();
    let work = tempfile::tempdir().expect("temp dir");
    let work_dir = work.path();
    let [version, version_v2] = register_model(&node);

    // Register the log; its key file is created.
    let log_key = work_dir.join("log.key");
    let registered: Value = cli.ok_json(&[
        "log",
        "register",
        "--origin",
        ORIGIN,
        "--log-key",
        text(&log_key),
        "--from",
        "dev",
    ]);
    assert_eq!(registered["created_key"], true);
    let verifier_key = registered["verifier_key"].as_str().expect("key").to_owned();
    cli.refused_json(
        &[
            "log",
            "register",
            "--origin",
            ORIGIN,
            "--log-key",
            text(&log_key),
            "--from",
            "other",
        ],
        1,
        "LOG_EXISTS",
    );

    let honest = serve(
        &cli,
        &work_dir.join("honest"),
        &log_key,
        &[
            "--anchor-every-secs",
            "1",
            "--anchor-every-entries",
            "4",
            "--max-batch",
            "8",
            "--model-check-ttl",
            "0s",
        ],
    );

    // One record by flags, then a batch of three from a file.
    let receipts = work_dir.join("receipts");
    let one: Value = cli.ok_json(&[
        "log",
        "append",
        "--log",
        &honest.url,
        "--from",
        "dev",
        "--model-version",
        &version.to_string(),
        "--input",
        &digest("input", 0),
        "--output",
        &digest("output", 0),
        "--parameters",
        &digest("parameters", 0),
        "--out",
        text(&receipts),
    ]);
    assert_eq!(one["receipts"][0]["index"], 0);
    let batch = records_file(work_dir, "batch.json", &version, "batch", 3);
    let three: Value = cli.ok_json(&[
        "log",
        "append",
        "--log",
        &honest.url,
        "--from",
        "dev",
        "--records",
        &batch,
        "--out",
        text(&receipts),
    ]);
    let indexes: Vec<u64> = three["receipts"]
        .as_array()
        .expect("receipts")
        .iter()
        .map(|receipt| receipt["index"].as_u64().expect("index"))
        .collect();
    assert_eq!(indexes, [1, 2, 3]);

    // Bad input to the service: nothing of it is appended.
    let unknown_model = records_file(work_dir, "unknown.json", &sha256(&[b"nope"]), "x", 1);
    cli.refused_json(
        &[
            "log",
            "append",
            "--log",
            &honest.url,
            "--from",
            "dev",
            "--records",
            &unknown_model,
        ],
        1,
        "MODEL_NOT_REGISTERED",
    );
    cli.refused_json(
        &[
            "log",
            "append",
            "--log",
            &honest.url,
            "--from",
            "other",
            "--records",
            &batch,
        ],
        1,
        "WRONG_OPERATOR",
    );
    let too_many = records_file(work_dir, "too-many.json", &version, "many", 9);
    cli.refused_json(
        &[
            "log",
            "append",
            "--log",
            &honest.url,
            "--from",
            "dev",
            "--records",
            &too_many,
        ],
        1,
        "BATCH_TOO_LARGE",
    );
    std::fs::write(work_dir.join("bad.json"), r#"[{"model_version": "zz"}]"#).expect("write");
    cli.refused_json(
        &[
            "log",
            "append",
            "--log",
            &honest.url,
            "--from",
            "dev",
            "--records",
            text(&work_dir.join("bad.json")),
        ],
        1,
        "MALFORMED_RECORD",
    );
    let http = reqwest::Client::new();
    let (status, body) = node.block_on(async {
        let response = http
            .post(format!("{}/v1/records", honest.url))
            .body("{not json")
            .send()
            .await
            .expect("answer");
        let status = response.status().as_u16();
        (
            status,
            response.json::<Value>().await.expect("json error body"),
        )
    });
    assert_eq!(status, 400);
    assert_eq!(body["code"], "MALFORMED_JSON");
    // One record of a batch with another record's signature: the whole batch is refused, and
    // the error names it.
    let dev = SecretKey::from_seed(1);
    let mut forged: Vec<RecordJson> = (0..4u8)
        .map(|i| {
            RecordJson::from(&InferenceRecord::sign(
                RecordBody {
                    model_version: version,
                    input: sha256(&[b"forged input", &[i]]),
                    output: sha256(&[b"forged output", &[i]]),
                    parameters: sha256(&[b"parameters"]),
                    time_ms: 1_700_000_000_000,
                },
                &dev,
            ))
        })
        .collect();
    forged[2].signature = forged[1].signature.clone();
    let (status, body) = node.block_on(async {
        let response = http
            .post(format!("{}/v1/records", honest.url))
            .json(&json!({ "records": forged }))
            .send()
            .await
            .expect("answer");
        (
            response.status().as_u16(),
            response.json::<Value>().await.expect("json error body"),
        )
    });
    assert_eq!(status, 422, "{body:#}");
    assert_eq!(body["code"], "BAD_RECORD_SIGNATURE", "{body:#}");
    assert_eq!(body["details"]["position"], 2, "{body:#}");

    // The anchoring task puts the checkpoint of 4 entries on the chain.
    wait_for_log(&node, |answer| {
        answer
            .latest_anchor
            .as_ref()
            .is_some_and(|anchor| anchor.size == 4)
    });

    // Offline: signature and inclusion with the log's key only.
    let receipt0 = receipts.join("0.tlog-proof");
    let offline: Value = cli.ok_json(&[
        "log",
        "verify",
        text(&receipt0),
        "--verifier-key",
        &verifier_key,
        "--offline",
    ]);
    assert_eq!(offline["inclusion"], "valid");
    assert_eq!(offline["record"]["model_version"], version.to_string());
    // Online: the key from the chain, and the receipt's tree (1 entry) is a prefix of the
    // anchored one (4 entries).
    let online: Value = cli.ok_json(&["log", "verify", text(&receipt0), "--log", &honest.url]);
    assert_eq!(online["anchored_size"], 4);
    let receipt3 = receipts.join("3.tlog-proof");
    let online: Value = cli.ok_json(&["log", "verify", text(&receipt3)]);
    assert_eq!(online["tree_size"], 4);

    // Altered receipts fail verification (exit 3).
    let receipt_text = std::fs::read_to_string(&receipt3).expect("receipt");
    let lines: Vec<&str> = receipt_text.lines().collect();
    let hash_line = lines
        .iter()
        .position(|line| line.starts_with("index "))
        .expect("index line")
        + 1;
    let mut altered = lines.clone();
    let zero = "A".repeat(43) + "=";
    altered[hash_line] = &zero;
    let altered_path = work_dir.join("altered.tlog-proof");
    std::fs::write(&altered_path, altered.join("\n") + "\n").expect("write");
    cli.refused_json(
        &[
            "log",
            "verify",
            text(&altered_path),
            "--verifier-key",
            &verifier_key,
            "--offline",
        ],
        3,
        "INCLUSION_PROOF_INVALID",
    );
    let mut truncated = lines.clone();
    truncated.remove(hash_line);
    std::fs::write(&altered_path, truncated.join("\n") + "\n").expect("write");
    cli.refused_json(
        &[
            "log",
            "verify",
            text(&altered_path),
            "--verifier-key",
            &verifier_key,
            "--offline",
        ],
        3,
        "INCLUSION_PROOF_INVALID",
    );
    let signed = receipt_text.replacen("\n4\n", "\n5\n", 1);
    std::fs::write(&altered_path, signed).expect("write");
    cli.refused_json(
        &[
            "log",
            "verify",
            text(&altered_path),
            "--verifier-key",
            &verifier_key,
            "--offline",
        ],
        3,
        "CHECKPOINT_SIGNATURE_INVALID",
    );
    // A receipt checked against another log's key.
    let other_key = ailedger_tlog::LogKey::from_seed("other.example/log", [9; 32]).expect("key");
    cli.refused_json(
        &[
            "log",
            "verify",
            text(&receipt3),
            "--verifier-key",
            &other_key.verifier_key(),
            "--offline",
        ],
        3,
        "WRONG_LOG",
    );
    std::fs::write(&altered_path, "not a receipt\n").expect("write");
    cli.refused_json(
        &[
            "log",
            "verify",
            text(&altered_path),
            "--verifier-key",
            &verifier_key,
            "--offline",
        ],
        3,
        "RECEIPT_MALFORMED",
    );

    // A monitor remembers what it verified between runs.
    let state = work_dir.join("audit.state");
    let state_arg = text(&state).to_owned();
    let audited: Value =
        cli.ok_json(&["log", "audit", "--log", &honest.url, "--state", &state_arg]);
    assert_eq!(audited["saved_size"], 4, "{audited:#}");
    assert_eq!(audited["last_audit_size"], Value::Null);
    let again: Value = cli.ok_json(&["log", "audit", "--log", &honest.url, "--state", &state_arg]);
    assert_eq!(again["last_audit_size"], 4, "{again:#}");
    assert_eq!(again["saved_size"], Value::Null, "nothing new to remember");

    // A second instance of the log: same key and origin, other entries. When it anchors a
    // checkpoint of the anchored size with another root, the chain records the equivocation.
    let fork = serve(
        &cli,
        &work_dir.join("fork"),
        &log_key,
        &["--anchor-every-secs", "1", "--anchor-every-entries", "4"],
    );
    // Before it has entries, it serves a tree smaller than one the last audit verified.
    let shrank: Value = cli
        .run(&[
            "--json", "log", "audit", "--log", &fork.url, "--state", &state_arg,
        ])
        .exit(3)
        .json();
    assert_eq!(
        shrank["copies"][0]["status"], "shrank since the last audit (size 4)",
        "{shrank:#}"
    );
    assert_eq!(shrank["saved_size"], Value::Null);
    assert_eq!(
        std::fs::read(&state).expect("state"),
        node.block_on(async {
            http.get(format!("{}/checkpoint", honest.url))
                .send()
                .await
                .expect("answer")
                .bytes()
                .await
                .expect("checkpoint")
        }),
        "a failed audit leaves the remembered checkpoint as it was"
    );
    std::fs::write(work_dir.join("bad.state"), "not a checkpoint").expect("write");
    cli.refused_json(
        &[
            "log",
            "audit",
            "--log",
            &honest.url,
            "--state",
            text(&work_dir.join("bad.state")),
        ],
        1,
        "BAD_AUDIT_STATE",
    );
    let forged = records_file(work_dir, "forged.json", &version, "forged", 4);
    cli.ok_json::<Value>(&[
        "log",
        "append",
        "--log",
        &fork.url,
        "--from",
        "dev",
        "--records",
        &forged,
    ]);
    wait_for_log(&node, |answer| answer.log.status == "forked");
    let evidence = node
        .block_on(node.client.verified_log_evidence(ORIGIN, 0))
        .expect("evidence verifies")
        .answer
        .evidence;
    assert_eq!(evidence.kind, "equivocation");
    assert_eq!(evidence.reporter, SecretKey::from_seed(1).address());
    // The evidence holds the honest anchored checkpoint and the forged one.
    let honest_checkpoint = node.block_on(async {
        http.get(format!("{}/checkpoint", honest.url))
            .send()
            .await
            .expect("answer")
            .text()
            .await
            .expect("checkpoint")
    });
    assert_eq!(evidence.checkpoints[0], honest_checkpoint);

    // A receipt of a forked log no longer verifies online.
    cli.refused_json(&["log", "verify", text(&receipt3)], 3, "LOG_FORKED");

    // The honest log grows; the monitor compares it with the fork and reports the divergence.
    let more = records_file(work_dir, "more.json", &version, "more", 2);
    cli.ok_json::<Value>(&[
        "log",
        "append",
        "--log",
        &honest.url,
        "--from",
        "dev",
        "--records",
        &more,
    ]);
    let audit: Value = cli
        .run(&[
            "--json",
            "log",
            "audit",
            "--log",
            &honest.url,
            "--log",
            &fork.url,
            "--report",
            "--from",
            "other",
        ])
        .exit(3)
        .json();
    assert_eq!(audit["log_status"], "forked", "{audit:#}");
    let outcomes: Vec<&str> = audit["forks"]
        .as_array()
        .expect("forks")
        .iter()
        .filter_map(|fork| fork["outcome"].as_str())
        .collect();
    assert!(outcomes.contains(&"recorded"), "{audit:#}");
    let log = node
        .block_on(node.client.verified_log(ORIGIN))
        .expect("log verifies")
        .answer;
    assert_eq!(log.log.evidence, 2, "{log:?}");
    let divergence = node
        .block_on(node.client.verified_log_evidence(ORIGIN, 1))
        .expect("evidence verifies")
        .answer
        .evidence;
    assert_eq!(divergence.kind, "divergence");
    assert_eq!(divergence.leaf_index, Some(0));
    assert_eq!(divergence.reporter, SecretKey::from_seed(2).address());

    // A model version revoked on the chain: records of it were taken before, and are refused
    // from then on (the service trusts the chain's answer for `--model-check-ttl`, 0 here).
    let v2 = records_file(work_dir, "v2.json", &version_v2, "v2", 1);
    let append_v2 = [
        "log",
        "append",
        "--log",
        &honest.url,
        "--from",
        "dev",
        "--records",
        &v2,
    ];
    cli.ok_json::<Value>(&append_v2);
    let revoked: Value = cli.ok_json(&[
        "model",
        "revoke",
        "acme/chat@v2",
        "--reason",
        "trained on withdrawn data",
        "--from",
        "dev",
        "--wait",
    ]);
    assert_eq!(revoked["tx"]["receipt"]["outcome"]["status"], "success");
    let refused = cli.refused_json(&append_v2, 1, "MODEL_REVOKED");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("trained on withdrawn data")),
        "{refused:#}"
    );

    drop(fork);
    drop(honest);
    node.stop();
}

#[test]
fn the_log_benchmark_logs_and_verifies_every_record() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ailedger"))
            .args(["--json", "bench", "logs"])
            .args(args)
            .env_remove("RUST_LOG")
            .output()
            .expect("ailedger runs")
    };
    let output = run(&["--records", "300", "--batch", "16", "--workers", "3"]);
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["records"], 300, "{report:#}");
    assert_eq!(report["requests"], 19, "{report:#}");
    assert!(report["disk_bytes_per_record"].as_f64().expect("disk") > 0.0);
    assert!(report["service_peak_rss_bytes"].as_u64().expect("memory") > 0);
    let refused = run(&["--records", "10", "--batch", "0"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("must be positive"),
        "{refused:?}"
    );
}

/// A tiny safetensors file: one tensor of two f32.
fn weights(dir: &Path) -> String {
    let header = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&[0, 0, 128, 63, 0, 0, 0, 64]);
    let path = dir.join("model.safetensors");
    std::fs::write(&path, bytes).expect("write weights");
    text(&path).to_owned()
}

#[test]
fn a_node_serves_an_inference_log_and_anchors_it_on_its_own_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    let log_key = dir.path().join("log.key");
    let node = NodeProcess::spawn(&home, None, &["--dev", "--block-interval-ms", "50"]);
    let cli = Cli {
        home: home.clone(),
        node: node.url.clone(),
    };
    cli.ok_json::<Value>(&[
        "log",
        "register",
        "--origin",
        ORIGIN,
        "--log-key",
        text(&log_key),
        "--from",
        "dev",
    ]);
    cli.ok_json::<Value>(&["model", "register", "acme/tiny", "--from", "dev", "--wait"]);
    let weights = weights(dir.path());
    let registered: Value = cli.ok_json(&[
        "model",
        "version",
        "register",
        "acme/tiny",
        "v1",
        "--weights",
        &weights,
        "--licence",
        "mit",
        "--from",
        "dev",
        "--wait",
    ]);
    let version = registered["id"].as_str().expect("version id").to_owned();
    drop(node);

    // The same node, now also serving the log: anchors go to its own chain.
    let log_dir = dir.path().join("log");
    let node = NodeProcess::spawn(
        &home,
        None,
        &[
            "--dev",
            "--block-interval-ms",
            "50",
            "--log-dir",
            text(&log_dir),
            "--log-key",
            text(&log_key),
            "--log-operator",
            "dev",
            "--log-listen",
            "127.0.0.1:0",
            "--log-anchor-every-secs",
            "1",
        ],
    );
    let log_url = node.log_url.clone().expect("the log's url");
    let cli = Cli {
        home,
        node: node.url.clone(),
    };
    let receipts = dir.path().join("receipts");
    let append = |model_version: &str| {
        vec![
            "log".to_owned(),
            "append".to_owned(),
            "--log".to_owned(),
            log_url.clone(),
            "--from".to_owned(),
            "dev".to_owned(),
            "--model-version".to_owned(),
            model_version.to_owned(),
            "--input".to_owned(),
            digest("input", 0),
            "--output".to_owned(),
            digest("output", 0),
            "--parameters".to_owned(),
            digest("parameters", 0),
            "--out".to_owned(),
            text(&receipts).to_owned(),
        ]
    };
    let args = append(&version);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let appended: Value = cli.ok_json(&args);
    assert_eq!(appended["receipts"][0]["index"], 0, "{appended:#}");
    let unknown = append(&digest("no such version", 0));
    let unknown: Vec<&str> = unknown.iter().map(String::as_str).collect();
    cli.refused_json(&unknown, 1, "MODEL_NOT_REGISTERED");

    // The receipt verifies online once the node's log has anchored it on the node's chain.
    let receipt = receipts.join("0.tlog-proof");
    let deadline = Instant::now() + DEADLINE;
    loop {
        let run = cli.run(&["--json", "log", "verify", text(&receipt)]);
        if run.code == 0 {
            let verified: Value = serde_json::from_str(&run.stdout).expect("json");
            assert_eq!(verified["anchored_size"], 1, "{verified:#}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the receipt was never covered by an anchor: {run:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
