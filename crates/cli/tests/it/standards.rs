//! Other tools' formats through the `ailedger` binary: a registered dataset exported as
//! Croissant (checked by `mlcroissant validate` when it is installed), a version's Hugging
//! Face card exported and a finetune registered from a card, the EU AI Act training summary;
//! and the bad cases: data that is not the registered dataset, cards that name unknown
//! parents or datasets, that contradict the flags, or have no front matter.

use super::{
    provenance::{register_dataset, shared, start, text},
    python,
};
use serde_json::Value;
use std::{path::Path, process::Command};
use tempfile::TempDir;

/// Runs `mlcroissant validate` on `file` if the tool is importable; fails when
/// `AILEDGER_REQUIRE_INTEROP` is set and it is not.
fn mlcroissant_validate(file: &Path) {
    let python = python::tool_or_skip!(
        python::with_modules("mlcroissant", "mlcroissant==1.1.1"),
        "croissant"
    );
    let output = Command::new(&python)
        .current_dir(file.parent().expect("a directory"))
        .args(["-c", "from mlcroissant.scripts.cli import main; main()"])
        .args(["validate", "--jsonld", text(file)])
        .output()
        .expect("run mlcroissant");
    let said = python::text(&output);
    assert!(
        output.status.success(),
        "mlcroissant validate failed:\n{}",
        python::excerpt(&said)
    );
    assert!(!said.contains("warning(s)"), "mlcroissant warned:\n{said}");
}

fn write(path: &Path, content: &str) -> String {
    std::fs::write(path, content).expect("write");
    text(path).to_owned()
}

#[test]
fn datasets_and_versions_export_to_croissant_hub_cards_and_the_ai_act_summary() {
    let Some(shared) = shared() else {
        return;
    };
    let (_node, cli) = start();
    let scratch = TempDir::new().expect("temp dir");
    let dir = scratch.path();
    let digits_csv = shared.join("data/digits/digits.csv");
    let onnx = shared.join("models/digits-mlp.onnx");
    let onnx = text(&onnx);
    let root = register_dataset(&cli, &digits_csv, "digits", "cc-by-4.0", true);

    // Croissant: the record plus the files, which must hash to the registered root.
    let croissant = dir.join("digits.json");
    let written: Value = cli.ok_json(&[
        "dataset",
        "export-croissant",
        &root,
        text(&digits_csv),
        "--out",
        text(&croissant),
    ]);
    assert_eq!(written["format"], "croissant-1.1");
    assert_eq!(written["verified"], true);
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(&croissant).expect("read")).expect("json");
    assert_eq!(document["@type"], "sc:Dataset");
    assert_eq!(document["name"], "digits");
    let content = std::fs::read(&digits_csv).expect("read");
    let sha256 = hex::encode(ailedger_core::sha256(&[&content]));
    assert_eq!(
        document["distribution"][0]["sha256"], sha256,
        "{document:#}"
    );
    let fields = document["recordSet"][0]["field"]
        .as_array()
        .expect("fields");
    assert_eq!(fields.len(), 65, "64 pixels and the label");
    // The file next to the description, where its relative contentUrl points.
    std::fs::copy(&digits_csv, dir.join("digits.csv")).expect("copy");
    mlcroissant_validate(&croissant);
    let printed: Value = cli.ok_json(&["dataset", "export-croissant", &root, text(&digits_csv)]);
    assert_eq!(printed, document, "stdout carries the same document");

    let altered = dir.join("altered.csv");
    let mut content = std::fs::read_to_string(&digits_csv).expect("read");
    let duplicate = content.lines().nth(1).expect("a row").to_owned();
    content.push_str(&duplicate);
    content.push('\n');
    std::fs::write(&altered, content).expect("write");
    let mismatch = cli.run(&[
        "--json",
        "dataset",
        "export-croissant",
        &root,
        text(&altered),
    ]);
    let mismatch: Value = mismatch.exit(3).json();
    assert_eq!(
        mismatch["error"]["code"], "DATASET_MISMATCH",
        "{mismatch:#}"
    );

    // Hub cards: export a version's; register a finetune from a card.
    cli.ok_json::<Value>(&[
        "model",
        "register",
        "acme/digits-mlp",
        "--from",
        "dev",
        "--wait",
    ]);
    cli.ok_json::<Value>(&[
        "model",
        "version",
        "register",
        "acme/digits-mlp",
        "1.0",
        "--weights",
        onnx,
        "--licence",
        "apache-2.0",
        "--dataset",
        &root,
        "--from",
        "dev",
        "--wait",
    ]);
    let base_card = cli
        .ok(&["model", "export-card", "acme/digits-mlp@1.0"])
        .stdout;
    assert!(
        base_card.starts_with("---\nlicense: apache-2.0\n"),
        "{base_card}"
    );
    assert!(base_card.contains("datasets:\n- digits\n"), "{base_card}");

    let card = dir.join("README.md");
    let card = write(
        &card,
        "---\nlicense: apache-2.0\nbase_model: acme/digits-mlp\nbase_model_relation: finetune\n\
         datasets:\n- uci/optical-digits\n---\n# Digits, finetuned\n",
    );
    let map = format!("uci/optical-digits={root}");
    let registered: Value = cli.ok_json(&[
        "model",
        "version",
        "register",
        "acme/digits-mlp",
        "1.1",
        "--weights",
        onnx,
        "--card",
        &card,
        "--card-map",
        &map,
        "--from",
        "dev",
        "--wait",
    ]);
    assert_eq!(registered["tx"]["receipt"]["outcome"]["status"], "success");
    let shown: Value = cli.ok_json(&["model", "version", "show", "acme/digits-mlp@1.1"]);
    let version = &shown["version"];
    let base_id = ailedger_state::provenance::version_id("acme/digits-mlp", "1.0").to_string();
    assert_eq!(version["parents"][0]["id"], base_id.as_str(), "{shown:#}");
    assert_eq!(version["parents"][0]["relation"], "finetune");
    assert_eq!(version["datasets"][0], root.as_str());
    assert_eq!(version["licence"]["expression"], "Apache-2.0");

    let exported: Value = cli.ok_json(&[
        "model",
        "export-card",
        "acme/digits-mlp@1.1",
        "--hub-id",
        "acme/digits-mlp=acme-hub/digits-mlp",
        "--proofs",
    ]);
    let readme = exported["card"].as_str().expect("card");
    assert!(
        readme.contains("base_model: acme-hub/digits-mlp\n"),
        "{readme}"
    );
    assert!(
        readme.contains("base_model_relation: finetune\n"),
        "{readme}"
    );

    // The AI Act summary, from the whole lineage.
    let summary = dir.join("summary.md");
    cli.ok(&[
        "model",
        "summary",
        "acme/digits-mlp@1.1",
        "--provider",
        "Acme Labs",
        "--out",
        text(&summary),
        "--proofs",
    ]);
    let markdown = std::fs::read_to_string(&summary).expect("read");
    assert!(
        markdown.starts_with("# Public summary of training content: acme/digits-mlp@1.1"),
        "{markdown}"
    );
    assert!(
        markdown.contains("Acme Labs") && markdown.contains("digits"),
        "{markdown}"
    );

    // Cards that cannot be registered as they are; nothing is registered.
    let cases: [(&str, &[&str], &str); 5] = [
        (
            "---\nlicense: mit\nbase_model: meta/llama-9\nbase_model_relation: finetune\n---\n",
            &[],
            "PARENT_NOT_FOUND",
        ),
        (
            "---\nlicense: mit\nbase_model: acme/digits-mlp\n---\n",
            &[],
            "CARD_INVALID",
        ),
        (
            "---\nlicense: mit\n---\n",
            &["--licence", "apache-2.0"],
            "CARD_CONFLICT",
        ),
        (
            "---\nlicense: mit\ndatasets:\n- uci/unknown\n---\n",
            &[],
            "DATASET_NOT_FOUND",
        ),
        ("# No front matter\n", &[], "CARD_INVALID"),
    ];
    for (number, (content, extra, code)) in cases.iter().enumerate() {
        let path = write(&dir.join(format!("bad{number}.md")), content);
        let mut args = vec![
            "model",
            "version",
            "register",
            "acme/digits-mlp",
            "9.9",
            "--weights",
            onnx,
            "--card",
            &path,
            "--from",
            "dev",
        ];
        args.extend(*extra);
        cli.refused_json(&args, 1, code);
    }
    let versions: Value = cli.ok_json(&["model", "versions", "acme/digits-mlp"]);
    assert_eq!(versions["total"], 2, "{versions:#}");
    let unknown = cli.run(&[
        "--json",
        "model",
        "summary",
        "acme/digits-mlp@7.0",
        "--provider",
        "x",
    ]);
    let unknown: Value = unknown.exit(1).json();
    assert_eq!(unknown["error"]["code"], "NOT_FOUND", "{unknown:#}");
}
