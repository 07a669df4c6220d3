//! Proofs of inference end to end with the real digits MLP (`../shared/models`, skipped with a
//! message when absent): register the model and a version, commit, attach the proving identity,
//! prove, verify offline, submit, and show the recorded inference verified against the state
//! root; a tampered proof is refused offline (exit 3) and on the chain (exit 3, nothing
//! recorded). The small CNN (convolution, ReLU, dense layer) is committed, proven and verified
//! offline, and its tampered proof refused.

use super::provenance::{shared, start, text};
use serde_json::Value;
use tempfile::TempDir;

#[test]
fn shared_models_are_committed_proven_verified_and_recorded() {
    let Some(shared) = shared() else {
        return;
    };
    let models = shared.join("models");
    let onnx = models.join("digits-mlp.onnx");
    let calibration = models.join("digits-mlp.cal.json");
    let input = models.join("digits-mlp.input.json");
    let (_node, cli) = start();
    let scratch = TempDir::new().expect("temp dir");
    let key_dir = scratch.path().join("key");
    let proof = scratch.path().join("proof.bin");

    let registered: Value = cli.ok_json(&[
        "model",
        "register",
        "acme/digits-mlp",
        "--from",
        "dev",
        "--wait",
    ]);
    assert_eq!(registered["tx"]["receipt"]["outcome"]["status"], "success");
    let version: Value = cli.ok_json(&[
        "model",
        "version",
        "register",
        "acme/digits-mlp",
        "1.0",
        "--weights",
        text(&onnx),
        "--licence",
        "apache-2.0",
        "--from",
        "dev",
        "--wait",
    ]);
    assert_eq!(version["tx"]["receipt"]["outcome"]["status"], "success");
    let version_id = version["id"].as_str().expect("id").to_owned();

    let committed: Value = cli.ok_json(&[
        "zk",
        "commit",
        text(&onnx),
        "--calibration",
        text(&calibration),
        "--out",
        text(&key_dir),
    ]);
    let identity = committed["identity"].as_str().expect("identity").to_owned();
    assert_eq!(identity.len(), 64);
    assert!(
        committed["privacy"]
            .as_str()
            .is_some_and(|p| p.contains("do not hide")),
        "{committed:#}"
    );

    // Only the model's owner attaches the identity.
    let refused = cli
        .run(&[
            "--json",
            "zk",
            "register-identity",
            "acme/digits-mlp@1.0",
            "--key",
            text(&key_dir),
            "--from",
            "other",
            "--wait",
        ])
        .exit(1);
    assert!(refused.stderr.contains("NOT_MODEL_OWNER"), "{refused:#?}");
    let attached: Value = cli.ok_json(&[
        "zk",
        "register-identity",
        "acme/digits-mlp@1.0",
        "--key",
        text(&key_dir),
        "--from",
        "dev",
        "--wait",
    ]);
    assert_eq!(attached["tx"]["receipt"]["outcome"]["status"], "success");
    assert_eq!(attached["identity"], identity.as_str());

    let proved: Value = cli.ok_json(&[
        "zk",
        "prove",
        "--model",
        text(&key_dir),
        "--input",
        text(&input),
        "--out",
        text(&proof),
    ]);
    assert_eq!(proved["identity"], identity.as_str());
    assert_eq!(proved["output"].as_array().expect("output").len(), 10);
    assert_eq!(
        proved["proof_bytes"].as_u64(),
        std::fs::metadata(&proof).ok().map(|m| m.len())
    );

    // Offline, against the key directory and against the identity registered on the chain.
    let offline: Value = cli.ok_json(&[
        "zk",
        "verify",
        "--model",
        text(&key_dir),
        "--input",
        text(&input),
        "--proof",
        text(&proof),
    ]);
    assert_eq!(offline["valid"], true);
    let against_chain: Value = cli.ok_json(&[
        "zk",
        "verify",
        "--version",
        &version_id,
        "--input",
        text(&input),
        "--proof",
        text(&proof),
    ]);
    assert_eq!(against_chain["identity"], identity.as_str());

    // A flipped byte: refused offline (exit 3) and by the chain (exit 3, fee paid, nothing
    // recorded).
    let mut bytes = std::fs::read(&proof).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x04;
    let tampered = scratch.path().join("tampered.bin");
    std::fs::write(&tampered, &bytes).expect("write");
    std::fs::copy(
        scratch.path().join("proof.bin.output.json"),
        scratch.path().join("tampered.bin.output.json"),
    )
    .expect("copy");
    let offline_bad = cli
        .run(&[
            "--json",
            "zk",
            "verify",
            "--model",
            text(&key_dir),
            "--input",
            text(&input),
            "--proof",
            text(&tampered),
        ])
        .exit(3);
    assert!(offline_bad.stderr.contains("PROOF_"), "{offline_bad:#?}");
    let on_chain_bad = cli
        .run(&[
            "--json",
            "zk",
            "submit",
            "acme/digits-mlp@1.0",
            "--proof",
            text(&tampered),
            "--input",
            text(&input),
            "--from",
            "other",
            "--wait",
        ])
        .exit(3);
    assert!(on_chain_bad.stderr.contains("PROOF_"), "{on_chain_bad:#?}");
    let report: Value = on_chain_bad.json();
    let inference = report["inference"].as_str().expect("id").to_owned();
    assert!(
        report["tx"]["receipt"]["fee"]
            .as_str()
            .is_some_and(|fee| fee != "0"),
        "{report:#}"
    );
    let missing = cli.run(&["--json", "zk", "show", &inference]).exit(1);
    assert!(missing.stdout.contains("NOT_FOUND"), "{missing:#?}");

    // The honest proof is recorded, and shown with its state proof.
    let submitted: Value = cli.ok_json(&[
        "zk",
        "submit",
        "acme/digits-mlp@1.0",
        "--proof",
        text(&proof),
        "--input",
        text(&input),
        "--from",
        "other",
        "--wait",
    ]);
    assert_eq!(submitted["tx"]["receipt"]["outcome"]["status"], "success");
    assert_eq!(submitted["inference"], inference.as_str());
    let shown: Value = cli.ok_json(&["zk", "show", &inference]);
    assert_eq!(shown["verified"], true);
    assert_eq!(shown["inference"]["version"], version_id.as_str());
    assert_eq!(shown["inference"]["identity"], identity.as_str());
    assert_eq!(shown["inference"]["output"], proved["output"]);
    assert_eq!(shown["inference"]["input_digest"], proved["input_sha256"]);
    let human = cli.ok(&["zk", "show", &inference]);
    assert!(
        human
            .field("state")
            .starts_with("proof  verified against the state root"),
        "{human:#?}"
    );

    // The same inference again is refused.
    let again = cli
        .run(&[
            "--json",
            "zk",
            "submit",
            "acme/digits-mlp@1.0",
            "--proof",
            text(&proof),
            "--input",
            text(&input),
            "--from",
            "other",
            "--wait",
        ])
        .exit(1);
    assert!(again.stderr.contains("INFERENCE_EXISTS"), "{again:#?}");

    // The small CNN, offline.
    let cnn_dir = scratch.path().join("cnn-key");
    let cnn_proof = scratch.path().join("cnn-proof.bin");
    let cnn_input = models.join("small-cnn.input.json");
    let cnn: Value = cli.ok_json(&[
        "zk",
        "commit",
        text(&models.join("small-cnn.onnx")),
        "--calibration",
        text(&models.join("small-cnn.cal.json")),
        "--out",
        text(&cnn_dir),
    ]);
    let cnn_proved: Value = cli.ok_json(&[
        "zk",
        "prove",
        "--model",
        text(&cnn_dir),
        "--input",
        text(&cnn_input),
        "--out",
        text(&cnn_proof),
    ]);
    assert_eq!(cnn_proved["identity"], cnn["identity"]);
    assert_eq!(cnn_proved["output"].as_array().expect("output").len(), 10);
    let cnn_verified: Value = cli.ok_json(&[
        "zk",
        "verify",
        "--model",
        text(&cnn_dir),
        "--input",
        text(&cnn_input),
        "--proof",
        text(&cnn_proof),
    ]);
    assert_eq!(cnn_verified["valid"], true);
    let mut bytes = std::fs::read(&cnn_proof).expect("read");
    let quarter = bytes.len() / 4;
    bytes[quarter] ^= 0x01;
    let cnn_tampered = scratch.path().join("cnn-tampered.bin");
    std::fs::write(&cnn_tampered, &bytes).expect("write");
    std::fs::copy(
        scratch.path().join("cnn-proof.bin.output.json"),
        scratch.path().join("cnn-tampered.bin.output.json"),
    )
    .expect("copy");
    let cnn_bad = cli
        .run(&[
            "--json",
            "zk",
            "verify",
            "--model",
            text(&cnn_dir),
            "--input",
            text(&cnn_input),
            "--proof",
            text(&cnn_tampered),
        ])
        .exit(3);
    assert!(cnn_bad.stderr.contains("PROOF_"), "{cnn_bad:#?}");
}
