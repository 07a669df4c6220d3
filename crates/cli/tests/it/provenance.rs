//! Provenance end to end: real datasets and real ONNX models registered through the `ailedger`
//! binary on an in-process node, then lineage, licence conflicts, downstream sets, record and
//! file proofs, `verify PATH`, and OpenSSF model signatures; and every kind of bad input,
//! through the CLI and the API, refused with a precise code and nothing registered.
//!
//! The real data (`../shared/data`, `../shared/models` beside the repository) is skipped with a
//! message when absent; the bad-input test makes its own files.

use super::end_to_end::{CHAIN_ID, Cli, GENESIS_BALANCE, TestNode, committed};
use ailedger_client::{Client, dto::OutcomeView};
use ailedger_core::{Hash, SecretKey, Transaction, sha256};
use ailedger_state::{
    Module,
    provenance::{
        DatasetMode, DatasetSpec, FileDigest, Modality, Parent, Provenance, ProvenanceMsg,
        Relation, SourceCategory, VersionSpec, version_id,
    },
};
use commonware_codec::Encode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The shared data and models, if present; a skipped test says why.
#[allow(clippy::print_stderr)]
pub(crate) fn shared() -> Option<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    let present = shared.join("data/digits/digits.csv").is_file()
        && shared.join("models/digits-mlp.onnx").is_file();
    if present {
        Some(shared)
    } else {
        eprintln!(
            "skipped: the shared data and models are not at {} (../shared beside the repository)",
            shared.display()
        );
        None
    }
}

pub(crate) fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The funded keys: `dev` (seed 1) and `other` (seed 2), imported into the CLI's keystore.
pub(crate) fn start() -> (TestNode, Cli) {
    let dev = SecretKey::from_seed(1);
    let other = SecretKey::from_seed(2);
    let node = TestNode::start(&[
        (dev.address(), GENESIS_BALANCE),
        (other.address(), GENESIS_BALANCE),
    ]);
    let cli = node.cli();
    for (name, key) in [("dev", &dev), ("other", &other)] {
        cli.ok(&[
            "keys",
            "import",
            name,
            "--secret-hex",
            &hex::encode(key.to_bytes()),
        ]);
    }
    (node, cli)
}

/// Registers a dataset with `--wait --json`; returns its root.
pub(crate) fn register_dataset(
    cli: &Cli,
    path: &Path,
    name: &str,
    licence: &str,
    records: bool,
) -> String {
    let mut args = vec![
        "dataset",
        "register",
        text(path),
        "--name",
        name,
        "--licence",
        licence,
        "--source",
        "https://archive.ics.uci.edu",
        "--category",
        "public-dataset",
        "--modality",
        "tabular",
        "--from",
        "dev",
        "--wait",
    ];
    if records {
        args.push("--records");
    }
    let registered: Value = cli.ok_json(&args);
    assert_eq!(registered["tx"]["receipt"]["outcome"]["status"], "success");
    registered["root"].as_str().expect("root").to_owned()
}

/// Registers a model version with `--wait --json` from `from`, plus `extra` flags.
fn register_version(cli: &Cli, model: &str, label: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "model", "version", "register", model, label, "--from", "dev",
    ];
    args.extend(extra);
    args.push("--wait");
    let registered: Value = cli.ok_json(&args);
    assert_eq!(
        registered["tx"]["receipt"]["outcome"]["status"], "success",
        "{registered:#}"
    );
    assert_eq!(
        registered["id"],
        version_id(model, label).to_string(),
        "{registered:#}"
    );
    registered
}

/// Runs a command with `--json` that prints its report and then exits with `exit` because a
/// check came back false; the report is returned, and stderr names `code`.
fn refused_report(cli: &Cli, args: &[&str], exit: i32, code: &str) -> Value {
    let mut all = vec!["--json"];
    all.extend(args);
    let run = cli.run(&all).exit(exit);
    assert!(run.stderr.contains(code), "{run:#?}");
    run.json()
}

fn labels(values: &Value) -> Vec<String> {
    values
        .as_array()
        .expect("an array")
        .iter()
        .map(|value| {
            format!(
                "{}@{}",
                value["version"]["model"].as_str().expect("model"),
                value["version"]["version"].as_str().expect("version")
            )
        })
        .collect()
}

#[test]
fn real_datasets_and_models_register_and_answer_lineage_licences_proofs_and_verify() {
    let Some(shared) = shared() else {
        return;
    };
    let (node, cli) = start();
    let scratch = TempDir::new().expect("temp dir");
    let scratch_path = scratch.path();
    let digits_csv = shared.join("data/digits/digits.csv");
    let breast_cancer = shared.join("data/breast-cancer");
    let models = shared.join("models");

    // Datasets: the real digits (records of one CSV file) and breast-cancer (records of a
    // directory), a small non-commercial one, and a files-mode directory.
    let digits = register_dataset(&cli, &digits_csv, "digits", "cc-by-4.0", true);
    let breast = register_dataset(&cli, &breast_cancer, "breast-cancer", "CC-BY-4.0", true);
    let notes_dir = scratch_path.join("clinic-notes");
    std::fs::create_dir(&notes_dir).expect("dir");
    std::fs::write(
        notes_dir.join("notes.jsonl"),
        "{\"text\": \"patient A\"}\n{\"text\": \"patient B\"}\n",
    )
    .expect("write");
    let notes = register_dataset(&cli, &notes_dir, "clinic-notes", "cc-by-nc-4.0", true);
    let assets = scratch_path.join("assets");
    std::fs::create_dir_all(assets.join("sub")).expect("dir");
    std::fs::write(assets.join("a.txt"), "alpha").expect("write");
    std::fs::write(assets.join("sub/b.txt"), "beta").expect("write");
    std::fs::write(assets.join("sub/c.txt"), "gamma").expect("write");
    let assets_root = register_dataset(&cli, &assets, "assets", "MIT", false);

    let shown: Value = cli.ok_json(&["dataset", "show", &digits]);
    assert_eq!(shown["dataset"]["name"], "digits");
    assert_eq!(shown["dataset"]["leaf_count"], 1797);
    assert_eq!(shown["dataset"]["mode"], "records");
    assert_eq!(
        shown["dataset"]["licence"],
        json!({"expression": "CC-BY-4.0", "raw": "cc-by-4.0"})
    );
    assert!(shown["verified"]["height"].as_u64().is_some(), "{shown:#}");
    let breast_shown: Value = cli.ok_json(&["dataset", "show", &breast]);
    assert_eq!(breast_shown["dataset"]["leaf_count"], 569);
    let listed: Value = cli.ok_json(&["dataset", "list"]);
    assert_eq!(listed["total"], 4);
    let names: Vec<&str> = listed["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .map(|dataset| dataset["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["digits", "breast-cancer", "clinic-notes", "assets"]);
    let human = cli.ok(&["dataset", "show", &digits]);
    assert_eq!(human.field("name"), "digits");
    assert!(human.field("proof").starts_with("verified against block"));

    // Models and versions from the real ONNX files, with lineage.
    for name in ["acme/digits-mlp", "acme/digits-mlp-q8", "acme/digits-merge"] {
        let registered: Value =
            cli.ok_json(&["model", "register", name, "--from", "dev", "--wait"]);
        assert_eq!(registered["tx"]["receipt"]["outcome"]["status"], "success");
    }
    let config = scratch_path.join("train.yaml");
    std::fs::write(&config, "epochs: 60\n").expect("write");
    let base = register_version(
        &cli,
        "acme/digits-mlp",
        "1.0",
        &[
            "--weights",
            text(&models.join("digits-mlp.onnx")),
            "--licence",
            "apache-2.0",
            "--dataset",
            &digits,
            "--training-config",
            text(&config),
            "--code-commit",
            "0123abcd",
            "--hardware",
            "2 vCPU",
        ],
    );
    assert_eq!(base["licence"], "Apache-2.0");
    assert_eq!(base["files"][0]["path"], "digits-mlp.onnx");
    // 1.1: a model directory (every file digested), finetuned from 1.0 on the clinic notes.
    let tuned_dir = scratch_path.join("digits-mlp-1.1");
    std::fs::create_dir(&tuned_dir).expect("dir");
    std::fs::copy(models.join("digits-mlp.onnx"), tuned_dir.join("model.onnx")).expect("copy");
    std::fs::write(tuned_dir.join("config.json"), "{\"hidden\": 32}").expect("write");
    let tuned = register_version(
        &cli,
        "acme/digits-mlp",
        "1.1",
        &[
            "--weights-dir",
            text(&tuned_dir),
            "--licence",
            "Apache-2.0",
            "--parent",
            "acme/digits-mlp@1.0:finetune",
            "--dataset",
            &notes,
        ],
    );
    let files: Vec<&str> = tuned["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|file| file["path"].as_str().expect("path"))
        .collect();
    assert_eq!(files, ["config.json", "model.onnx"]);
    assert_eq!(
        tuned["tensor_root"], base["tensor_root"],
        "same weights, same tensor root"
    );
    register_version(
        &cli,
        "acme/digits-mlp-q8",
        "q8",
        &[
            "--weights",
            text(&models.join("mnist-size-mlp.onnx")),
            "--licence",
            "apache-2.0",
            "--parent",
            "acme/digits-mlp@1.1:quantized",
        ],
    );
    register_version(
        &cli,
        "acme/digits-merge",
        "1",
        &[
            "--weights",
            text(&models.join("small-cnn.onnx")),
            "--licence",
            "MIT",
            "--parent",
            "acme/digits-mlp@1.0:merge",
            "--parent",
            "acme/digits-mlp-q8@q8:merge",
            "--dataset",
            &breast,
        ],
    );
    let version: Value = cli.ok_json(&["model", "version", "show", "acme/digits-mlp@1.0"]);
    assert_eq!(version["version"]["training"]["code_commit"], "0123abcd");
    assert_eq!(version["version"]["status"], json!({"status": "active"}));
    let versions: Value = cli.ok_json(&["model", "versions", "acme/digits-mlp"]);
    assert_eq!(versions["total"], 2);
    let model: Value = cli.ok_json(&["model", "show", "acme/digits-mlp"]);
    assert_eq!(model["model"]["version_count"], 2);

    // Lineage, verified against the block's state root.
    let lineage: Value = cli.ok_json(&["model", "lineage", "acme/digits-merge@1", "--proofs"]);
    assert!(
        lineage["verified"]["values_proven"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    let ancestors: Vec<(String, u64, String)> = lineage["lineage"]["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .map(|ancestor| {
            (
                format!(
                    "{}@{}",
                    ancestor["version"]["model"].as_str().expect("model"),
                    ancestor["version"]["version"].as_str().expect("version")
                ),
                ancestor["depth"].as_u64().expect("depth"),
                ancestor["relation"].as_str().expect("relation").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ancestors,
        [
            ("acme/digits-mlp@1.0".to_owned(), 1, "merge".to_owned()),
            ("acme/digits-mlp-q8@q8".to_owned(), 1, "merge".to_owned()),
            ("acme/digits-mlp@1.1".to_owned(), 2, "quantized".to_owned()),
        ]
    );
    let lineage_datasets: Vec<&str> = lineage["lineage"]["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .map(|dataset| dataset["dataset"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        lineage_datasets,
        ["breast-cancer", "digits", "clinic-notes"]
    );

    // Licences: commercial use conflicts with the non-commercial notes, three generations up.
    let commercial: Value =
        cli.ok_json(&["model", "licences", "acme/digits-merge@1", "--commercial"]);
    assert_eq!(commercial["report"]["clear"], false);
    let conflicts = commercial["report"]["conflicts"]
        .as_array()
        .expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{commercial:#}");
    assert_eq!(conflicts[0]["kind"], "NON_COMMERCIAL");
    assert_eq!(conflicts[0]["licence"], "CC-BY-NC-4.0");
    assert_eq!(conflicts[0]["source"]["label"], "clinic-notes");
    assert_eq!(conflicts[0]["source"]["id"], notes);
    let strict = cli
        .run(&[
            "--json",
            "model",
            "licences",
            "acme/digits-merge@1",
            "--commercial",
            "--strict",
            "--proofs",
        ])
        .exit(4);
    let strict: Value = strict.json();
    assert_eq!(
        strict["report"]["conflicts"][0]["source"]["label"],
        "clinic-notes"
    );
    assert!(strict["verified"].is_object());
    let human = cli
        .run(&["model", "licences", "acme/digits-merge@1", "--commercial"])
        .exit(0);
    assert!(
        human.field("conflict").contains("clinic-notes"),
        "{human:#?}"
    );
    let research: Value = cli.ok_json(&["model", "licences", "acme/digits-merge@1", "--strict"]);
    assert_eq!(research["report"]["clear"], true, "{research:#}");

    // Downstream of a dataset: everything trained on it, transitively.
    let downstream: Value = cli.ok_json(&["dataset", "downstream", &digits, "--proofs"]);
    assert!(downstream["verified"].is_object());
    assert_eq!(
        labels(&downstream["downstream"]["versions"]),
        [
            "acme/digits-mlp@1.0",
            "acme/digits-mlp@1.1",
            "acme/digits-merge@1",
            "acme/digits-mlp-q8@q8"
        ]
    );
    let from_notes: Value = cli.ok_json(&["model", "downstream", "acme/digits-mlp@1.1"]);
    assert_eq!(
        labels(&from_notes["downstream"]["versions"]),
        ["acme/digits-mlp-q8@q8", "acme/digits-merge@1"]
    );

    // Row 42 of digits: its proof verifies against the registered root and leaf count; saved,
    // it verifies offline; a tampered row or proof does not (exit 3).
    let proof_file = scratch_path.join("row42.proof");
    let proven: Value = cli.ok_json(&[
        "dataset",
        "prove",
        text(&digits_csv),
        "--record",
        "42",
        "--dataset",
        &digits,
        "--out",
        text(&proof_file),
    ]);
    assert_eq!(proven["verified"], true, "{proven:#}");
    assert_eq!(
        (
            &proven["leaf_index"],
            &proven["index_in_file"],
            &proven["tree_size"]
        ),
        (&json!(42), &json!(42), &json!(1797))
    );
    let by_file: Value = cli.ok_json(&[
        "dataset",
        "prove",
        text(&digits_csv),
        "--in-file",
        "digits.csv",
        "--index",
        "42",
    ]);
    assert_eq!(
        (&by_file["verified"], &by_file["dataset"]),
        (&json!(true), &json!(digits))
    );
    let offline: Value = cli.ok_json(&[
        "dataset",
        "verify-proof",
        text(&proof_file),
        "--dataset",
        &digits,
    ]);
    assert_eq!(offline["verified"], true);
    let wrong_dataset = refused_report(
        &cli,
        &[
            "dataset",
            "verify-proof",
            text(&proof_file),
            "--dataset",
            &breast,
        ],
        3,
        "PROOF_INVALID",
    );
    assert_eq!(wrong_dataset["verified"], false);
    assert!(
        wrong_dataset["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("569")),
        "{wrong_dataset:#}"
    );
    // A takedown request about row 42: the versions that record reached, once its proof holds.
    let reached: Value = cli.ok_json(&[
        "dataset",
        "downstream",
        &digits,
        "--member",
        text(&proof_file),
    ]);
    assert_eq!(reached["member"]["leaf_index"], 42, "{reached:#}");
    assert_eq!(
        labels(&reached["downstream"]["versions"]),
        labels(&downstream["downstream"]["versions"])
    );
    let human = cli.ok(&[
        "dataset",
        "downstream",
        &digits,
        "--member",
        text(&proof_file),
    ]);
    assert!(human.field("member").starts_with("record 42 of digits.csv"));
    refused_report(
        &cli,
        &[
            "dataset",
            "downstream",
            &breast,
            "--member",
            text(&proof_file),
        ],
        3,
        "PROOF_INVALID",
    );
    let saved = std::fs::read_to_string(&proof_file).expect("proof");
    // The record's fields follow the header in the encoding; flip a digit in the middle of it.
    let at = saved.len() / 3;
    let flipped = if &saved[at..=at] == "0" { "1" } else { "0" };
    let tampered_proof = scratch_path.join("tampered.proof");
    std::fs::write(
        &tampered_proof,
        format!("{}{flipped}{}", &saved[..at], &saved[at + 1..]),
    )
    .expect("write");
    let refused = cli
        .run(&[
            "--json",
            "dataset",
            "verify-proof",
            text(&tampered_proof),
            "--dataset",
            &digits,
        ])
        .exit(3);
    assert!(refused.stderr.contains("PROOF_"), "{refused:#?}");
    let tampered_csv = scratch_path.join("digits.csv");
    let original = std::fs::read_to_string(&digits_csv).expect("csv");
    let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
    // Line 0 is the header: row 42 is line 43. Change its label.
    let row = lines[43].clone();
    let (pixels, label) = row.rsplit_once(',').expect("a label");
    lines[43] = format!("{pixels},{}", if label == "9" { "8" } else { "9" });
    std::fs::write(&tampered_csv, lines.join("\n") + "\n").expect("write");
    let tampered = cli
        .run(&[
            "--json",
            "dataset",
            "prove",
            text(&tampered_csv),
            "--record",
            "42",
            "--dataset",
            &digits,
        ])
        .exit(3);
    let tampered: Value = tampered.json();
    assert_eq!(tampered["verified"], false, "{tampered:#}");
    assert!(
        tampered["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("root")),
        "{tampered:#}"
    );

    // `verify PATH`: what is this?
    let breast_verify: Value = cli.ok_json(&["verify", text(&breast_cancer)]);
    let registered: Vec<&Value> = breast_verify["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|finding| finding["kind"] == "dataset" && finding["registered"].is_object())
        .collect();
    assert_eq!(registered.len(), 1, "{breast_verify:#}");
    assert_eq!(registered[0]["mode"], "records");
    assert_eq!(registered[0]["root"], breast);
    let human = cli.ok(&["verify", text(&breast_cancer)]);
    assert!(
        human
            .stdout
            .contains("is the registered dataset \"breast-cancer\""),
        "{human:#?}"
    );
    let unregistered_dir = scratch_path.join("unregistered");
    std::fs::create_dir(&unregistered_dir).expect("dir");
    std::fs::write(unregistered_dir.join("x.bin"), [1u8, 2, 3]).expect("write");
    let unknown: Value = cli.ok_json(&["verify", text(&unregistered_dir)]);
    assert_eq!(
        unknown["findings"][0]["registered"],
        Value::Null,
        "{unknown:#}"
    );
    assert!(
        unknown["summary"][0]
            .as_str()
            .is_some_and(|sentence| sentence.contains("not registered")),
        "{unknown:#}"
    );
    let whole: Value = cli.ok_json(&["verify", text(&digits_csv), "--dataset", &digits]);
    assert_eq!(whole["findings"][0]["root"], digits);
    let not_member = refused_report(
        &cli,
        &["verify", text(&tampered_csv), "--dataset", &digits],
        3,
        "NOT_A_MEMBER",
    );
    assert!(
        not_member["summary"][0]
            .as_str()
            .is_some_and(|sentence| sentence.contains("is NOT dataset")),
        "{not_member:#}"
    );
    let member: Value = cli.ok_json(&[
        "verify",
        text(&assets.join("sub/b.txt")),
        "--dataset",
        &assets_root,
    ]);
    assert_eq!(member["findings"][0]["kind"], "member", "{member:#}");
    assert_eq!(member["findings"][0]["member"], "sub/b.txt");
    assert_eq!(member["findings"][0]["proof"], "merkle-inclusion");
    assert_eq!(member["findings"][0]["verified"], true);
    let stranger = scratch_path.join("stranger.txt");
    std::fs::write(&stranger, "beta").expect("write");
    refused_report(
        &cli,
        &["verify", text(&stranger), "--dataset", &assets_root],
        3,
        "NOT_A_MEMBER",
    );
    let weights: Value = cli.ok_json(&[
        "verify",
        text(&models.join("digits-mlp.onnx")),
        "--version",
        "acme/digits-mlp@1.0",
    ]);
    assert_eq!(
        weights["findings"][0]["version"]["matches"], true,
        "{weights:#}"
    );
    assert_eq!(
        weights["findings"][0]["version"]["tensor_root_matches"],
        true
    );
    let mismatch = refused_report(
        &cli,
        &[
            "verify",
            text(&models.join("small-cnn.onnx")),
            "--version",
            "acme/digits-mlp@1.0",
        ],
        3,
        "VERSION_MISMATCH",
    );
    assert_eq!(mismatch["findings"][0]["version"]["matches"], false);
    let identified: Value = cli.ok_json(&["verify", text(&models.join("small-cnn.onnx"))]);
    assert!(
        identified["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|finding| finding["kind"] == "weights"),
        "{identified:#}"
    );

    // OpenSSF Model Signing: sign the 1.1 directory, verify it (and that its files are the
    // registered 1.1's), then a wrong key and a modified file fail (exit 3).
    let private = scratch_path.join("signer.pem");
    let public = scratch_path.join("signer.pub");
    cli.ok_json::<Value>(&[
        "model",
        "keygen",
        "--out-private",
        text(&private),
        "--out-public",
        text(&public),
    ]);
    let signature = scratch_path.join("model.sig");
    let signed: Value = cli.ok_json(&[
        "model",
        "sign",
        text(&tuned_dir),
        "--key",
        text(&private),
        "--out",
        text(&signature),
    ]);
    assert_eq!(signed["files"], 2);
    let checked: Value = cli.ok_json(&[
        "model",
        "verify-signature",
        text(&tuned_dir),
        "--signature",
        text(&signature),
        "--public-key",
        text(&public),
        "--version",
        "acme/digits-mlp@1.1",
    ]);
    assert_eq!(checked["signature_valid"], true);
    assert_eq!(checked["version"]["matches"], true, "{checked:#}");
    let other_version = refused_report(
        &cli,
        &[
            "model",
            "verify-signature",
            text(&tuned_dir),
            "--signature",
            text(&signature),
            "--public-key",
            text(&public),
            "--version",
            "acme/digits-mlp@1.0",
        ],
        3,
        "VERSION_MISMATCH",
    );
    assert_eq!(other_version["signature_valid"], true);
    assert_eq!(
        other_version["version"]["differing"],
        json!(["digits-mlp.onnx"])
    );
    let other_private = scratch_path.join("other.pem");
    let other_public = scratch_path.join("other.pub");
    cli.ok(&[
        "model",
        "keygen",
        "--out-private",
        text(&other_private),
        "--out-public",
        text(&other_public),
    ]);
    cli.refused_json(
        &[
            "model",
            "verify-signature",
            text(&tuned_dir),
            "--signature",
            text(&signature),
            "--public-key",
            text(&other_public),
        ],
        3,
        "WRONG_KEY",
    );
    std::fs::write(tuned_dir.join("config.json"), "{\"hidden\": 64}").expect("write");
    cli.refused_json(
        &[
            "model",
            "verify-signature",
            text(&tuned_dir),
            "--signature",
            text(&signature),
            "--public-key",
            text(&public),
        ],
        3,
        "MODEL_MODIFIED",
    );

    // Status changes and a transfer.
    let deprecated: Value = cli.ok_json(&[
        "model",
        "deprecate",
        "acme/digits-mlp@1.0",
        "--reason",
        "superseded by 1.1",
        "--from",
        "dev",
        "--wait",
    ]);
    assert_eq!(deprecated["tx"]["receipt"]["outcome"]["status"], "success");
    let revoked: Value = cli.ok_json(&[
        "model",
        "revoke",
        "acme/digits-mlp-q8@q8",
        "--reason",
        "calibration data leaked",
        "--from",
        "dev",
        "--wait",
    ]);
    assert_eq!(revoked["tx"]["receipt"]["outcome"]["status"], "success");
    let shown: Value = cli.ok_json(&["model", "version", "show", "acme/digits-mlp-q8@q8"]);
    assert_eq!(shown["version"]["status"]["status"], "revoked");
    assert_eq!(
        shown["version"]["status"]["reason"],
        "calibration data leaked"
    );
    cli.refused_json(
        &[
            "model",
            "version",
            "register",
            "acme/digits-merge",
            "2",
            "--weights",
            text(&models.join("small-cnn.onnx")),
            "--licence",
            "MIT",
            "--parent",
            "acme/digits-mlp-q8@q8:merge",
            "--from",
            "dev",
        ],
        1,
        "PARENT_REVOKED",
    );
    let other = SecretKey::from_seed(2).address();
    cli.ok_json::<Value>(&[
        "model",
        "transfer",
        "acme/digits-merge",
        "--to",
        "other",
        "--from",
        "dev",
        "--wait",
    ]);
    let merge: Value = cli.ok_json(&["model", "show", "acme/digits-merge"]);
    assert_eq!(merge["model"]["owner"], other.to_string());
    assert_eq!(
        merge["model"]["publisher"],
        SecretKey::from_seed(1).address().to_string()
    );
    node.stop();
}

/// A valid safetensors file with one F32 tensor of `values`.
fn safetensors(path: &Path, values: &[f32]) {
    let data: Vec<u8> = values
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect();
    let mut header = format!(
        r#"{{"w":{{"dtype":"F32","shape":[{}],"data_offsets":[0,{}]}}}}"#,
        values.len(),
        data.len()
    );
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&data);
    std::fs::write(path, bytes).expect("write");
}

/// A signed provenance transaction from `key` with `nonce`.
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

fn version_msg(model: &str, label: &str, parents: &[Hash], datasets: &[Hash]) -> ProvenanceMsg {
    ProvenanceMsg::RegisterModelVersion(VersionSpec {
        model: model.into(),
        version: label.into(),
        files: vec![FileDigest {
            path: "w.safetensors".into(),
            sha256: sha256(&[label.as_bytes()]),
        }],
        tensor_root: sha256(&[b"tensors"]),
        architecture: sha256(&[b"architecture"]),
        parents: parents
            .iter()
            .map(|id| Parent {
                id: *id,
                relation: Relation::Finetune,
            })
            .collect(),
        datasets: datasets.to_vec(),
        training: None,
        licence: "MIT".into(),
    })
}

async fn failure_code(client: &Client, tx: &ailedger_core::SignedTransaction) -> String {
    client.submit(tx).await.expect("admitted");
    let record = committed(client, &tx.hash()).await;
    match record.receipt.expect("receipt").outcome {
        OutcomeView::Failed { code, .. } => code,
        OutcomeView::Success => panic!("{} succeeded", tx.hash()),
    }
}

/// `model version register acme/m LABEL EXTRA... --from dev`.
fn version_args(label: &str, extra: Vec<String>) -> Vec<String> {
    let mut args: Vec<String> = ["model", "version", "register", "acme/m", label]
        .map(str::to_owned)
        .to_vec();
    args.extend(extra);
    args.extend(["--from".to_owned(), "dev".to_owned()]);
    args
}

fn weights_arg(path: &Path) -> Vec<String> {
    vec!["--weights".to_owned(), text(path).to_owned()]
}

fn with(mut base: Vec<String>, more: &[&str]) -> Vec<String> {
    base.extend(more.iter().map(|arg| (*arg).to_owned()));
    base
}

#[test]
fn bad_provenance_input_is_refused_with_precise_codes_and_registers_nothing() {
    let (node, cli) = start();
    let client = node.client.clone();
    let scratch = TempDir::new().expect("temp dir");
    let dir = scratch.path();

    // What exists: a dataset, a model with one version (from `dev`).
    let data = dir.join("data");
    std::fs::create_dir(&data).expect("dir");
    std::fs::write(data.join("rows.csv"), "x,y\n1,2\n3,4\n").expect("write");
    let root = register_dataset(&cli, &data, "rows", "MIT", true);
    let weights = dir.join("w.safetensors");
    safetensors(&weights, &[1.0, 2.0]);
    cli.ok_json::<Value>(&["model", "register", "acme/m", "--from", "dev", "--wait"]);
    register_version(
        &cli,
        "acme/m",
        "1",
        &[
            "--weights",
            text(&weights),
            "--licence",
            "MIT",
            "--dataset",
            &root,
        ],
    );
    let dev = SecretKey::from_seed(1).address();
    let nonce_before = node.block_on(client.account(&dev)).expect("account").nonce;

    // Corrupt copies of valid weight files: the safetensors header no longer JSON, the ONNX
    // file cut inside its header (the real digits-mlp.onnx when the shared models are there).
    let corrupt_safetensors = dir.join("corrupt.safetensors");
    let mut bytes = std::fs::read(&weights).expect("read");
    bytes[8] = b'X';
    std::fs::write(&corrupt_safetensors, bytes).expect("write");
    let corrupt_onnx = dir.join("corrupt.onnx");
    let onnx = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models/digits-mlp.onnx");
    let cut = match std::fs::read(&onnx) {
        Ok(bytes) => bytes[..100].to_vec(),
        // A protobuf field header announcing a length far past the end of the file.
        Err(_) => vec![0x3a, 0xff, 0xff, 0xff, 0x0f, 0x01],
    };
    std::fs::write(&corrupt_onnx, cut).expect("write");
    let missing = dir.join("missing.onnx");
    let unregistered = sha256(&[b"never registered"]).to_string();

    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            [
                "dataset",
                "register",
                text(&dir.join("nowhere")),
                "--name",
                "x",
                "--licence",
                "MIT",
                "--source",
                "s",
                "--category",
                "other",
                "--modality",
                "text",
                "--from",
                "dev",
            ]
            .map(str::to_owned)
            .to_vec(),
            "FILE_NOT_FOUND",
        ),
        (
            [
                "dataset",
                "register",
                text(&data),
                "--name",
                "x",
                "--licence",
                "MIT OR",
                "--source",
                "s",
                "--category",
                "other",
                "--modality",
                "text",
                "--from",
                "dev",
            ]
            .map(str::to_owned)
            .to_vec(),
            "LICENCE_MALFORMED",
        ),
        (
            [
                "dataset",
                "register",
                text(&data),
                "--name",
                "again",
                "--licence",
                "MIT",
                "--source",
                "s",
                "--category",
                "other",
                "--modality",
                "text",
                "--records",
                "--from",
                "dev",
            ]
            .map(str::to_owned)
            .to_vec(),
            "DATASET_EXISTS",
        ),
        (
            version_args("2", with(weights_arg(&missing), &["--licence", "MIT"])),
            "FILE_NOT_FOUND",
        ),
        (
            version_args(
                "2",
                with(weights_arg(&corrupt_safetensors), &["--licence", "MIT"]),
            ),
            "CORRUPT_WEIGHTS",
        ),
        (
            version_args("2", with(weights_arg(&corrupt_onnx), &["--licence", "MIT"])),
            "CORRUPT_WEIGHTS",
        ),
        (
            version_args("2", with(weights_arg(&weights), &["--licence", "apache"])),
            "LICENCE_UNKNOWN",
        ),
        (
            version_args(
                "2",
                with(
                    weights_arg(&weights),
                    &["--licence", "MIT", "--parent", "acme/m@9:finetune"],
                ),
            ),
            "PARENT_NOT_FOUND",
        ),
        (
            version_args(
                "2",
                with(
                    weights_arg(&weights),
                    &["--licence", "MIT", "--dataset", &unregistered],
                ),
            ),
            "DATASET_NOT_FOUND",
        ),
        (
            version_args("1", with(weights_arg(&weights), &["--licence", "MIT"])),
            "VERSION_EXISTS",
        ),
        (
            ["model", "register", "acme/m", "--from", "dev"]
                .map(str::to_owned)
                .to_vec(),
            "MODEL_EXISTS",
        ),
        (
            [
                "model",
                "version",
                "register",
                "acme/none",
                "1",
                "--weights",
                text(&weights),
                "--licence",
                "MIT",
                "--from",
                "dev",
            ]
            .map(str::to_owned)
            .to_vec(),
            "MODEL_NOT_FOUND",
        ),
        (
            [
                "model",
                "version",
                "register",
                "acme/m",
                "2",
                "--weights",
                text(&weights),
                "--licence",
                "MIT",
                "--from",
                "other",
            ]
            .map(str::to_owned)
            .to_vec(),
            "NOT_MODEL_OWNER",
        ),
    ];
    for (args, code) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let refused = cli.refused_json(&args, 1, code);
        assert!(
            refused["error"]["message"]
                .as_str()
                .is_some_and(|m| m.len() > 10),
            "{args:?}: {refused:#}"
        );
    }
    // A corrupt file is named in the message.
    let named = cli.refused_json(
        &version_args("2", with(weights_arg(&corrupt_onnx), &["--licence", "MIT"]))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        1,
        "CORRUPT_WEIGHTS",
    );
    assert!(
        named["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("corrupt.onnx")),
        "{named:#}"
    );

    // Nothing was submitted, let alone registered.
    assert_eq!(
        node.block_on(client.account(&dev)).expect("account").nonce,
        nonce_before
    );
    let versions: Value = cli.ok_json(&["model", "versions", "acme/m"]);
    assert_eq!(versions["total"], 1);
    let listed: Value = cli.ok_json(&["dataset", "list"]);
    assert_eq!(listed["total"], 1);
    for (args, code) in [
        (vec!["model", "show", "acme/none"], "NOT_FOUND"),
        (vec!["model", "version", "show", "acme/m@2"], "NOT_FOUND"),
        (vec!["dataset", "show", unregistered.as_str()], "NOT_FOUND"),
    ] {
        cli.refused_json(&args, 1, code);
    }

    // Through the API, signed by hand: a malformed licence is refused at admission with the
    // module's code; the state-dependent failures are committed as failed transactions that
    // write nothing.
    let dev_key = SecretKey::from_seed(1);
    let other_key = SecretKey::from_seed(2);
    node.block_on(async {
        let nonce = client.account(&dev).await.expect("account").next_nonce;
        let bad_licence = provenance_tx(
            &dev_key,
            nonce,
            &ProvenanceMsg::RegisterDataset(DatasetSpec {
                id: sha256(&[b"api dataset"]),
                name: "api".into(),
                manifest: sha256(&[b"manifest"]),
                leaf_count: 1,
                total_bytes: 1,
                mode: DatasetMode::Files,
                licence: "MIT AND".into(),
                source: "s".into(),
                source_category: SourceCategory::Other,
                modality: Modality::Text,
                collection: None,
                contributors: vec![],
                evidence: vec![],
            }),
        );
        let refused = client.submit(&bad_licence).await.expect_err("refused");
        assert_eq!(refused.code(), Some("INVALID_MESSAGE"));
        assert!(
            matches!(&refused, ailedger_client::ClientError::Api { status: 422, details: Some(details), .. }
                if details["message_code"] == "LICENCE_MALFORMED"),
            "{refused:?}"
        );

        let existing = version_id("acme/m", "1");
        let root: Hash = ailedger_client::encoding::parse_hash(&root).expect("root");
        let failing = [
            (
                provenance_tx(
                    &dev_key,
                    nonce,
                    &version_msg("acme/m", "3", &[sha256(&[b"nobody"])], &[]),
                ),
                "PARENT_NOT_FOUND",
            ),
            (
                provenance_tx(
                    &dev_key,
                    nonce + 1,
                    &version_msg("acme/m", "4", &[], &[sha256(&[b"no data"])]),
                ),
                "DATASET_NOT_FOUND",
            ),
            (
                provenance_tx(&dev_key, nonce + 2, &version_msg("acme/m", "1", &[], &[])),
                "VERSION_EXISTS",
            ),
            (
                provenance_tx(&other_key, 0, &version_msg("acme/m", "5", &[existing], &[root])),
                "NOT_MODEL_OWNER",
            ),
        ];
        for (tx, code) in &failing {
            assert_eq!(failure_code(&client, tx).await, *code);
        }
        let duplicate = provenance_tx(
            &dev_key,
            nonce + 3,
            &ProvenanceMsg::RegisterDataset(DatasetSpec {
                id: root,
                name: "rows again".into(),
                manifest: sha256(&[b"manifest"]),
                leaf_count: 2,
                total_bytes: 1,
                mode: DatasetMode::Records,
                licence: "MIT".into(),
                source: "s".into(),
                source_category: SourceCategory::Other,
                modality: Modality::Text,
                collection: None,
                contributors: vec![],
                evidence: vec![],
            }),
        );
        assert_eq!(failure_code(&client, &duplicate).await, "DATASET_EXISTS");
        for label in ["3", "4", "5"] {
            let missing = client
                .version(&version_id("acme/m", label), false)
                .await
                .expect_err("not registered");
            assert!(missing.is_not_found(), "{missing:?}");
        }
        let model = client.verified_model("acme/m").await.expect("model");
        assert_eq!(model.answer.model.version_count, 1);
        let dataset = client.verified_dataset(&root).await.expect("dataset");
        assert_eq!(dataset.answer.dataset.name, "rows");
        let downstream = client
            .verified_downstream(ailedger_state::provenance::query::Node::Dataset(root), 100)
            .await
            .expect("downstream");
        assert_eq!(downstream.answer.downstream.versions.len(), 1);
    });
    node.stop();
}
