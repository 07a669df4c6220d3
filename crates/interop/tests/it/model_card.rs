//! Hugging Face model cards: `huggingface_hub.ModelCard.load` reads a README exported here with
//! the expected values, our parser reads the same fields as `huggingface_hub` from hand-written
//! real-world-shaped cards, and reads the cards `huggingface_hub` writes.
//!
//! The tests need `python3 -c "import huggingface_hub"` (CI: `pip install
//! huggingface_hub==2.4.0`). Nothing touches the network: `ModelCard.load` of a local path only
//! reads the file.

use std::fs;
use std::path::Path;
use std::process::Command;

use ailedger_interop::model_card::{
    BaseModelRelation, CardDataset, CardMetadata, CardOptions, CardParent, export_model_card,
    parse_model_card,
};
use ailedger_interop::record::{
    FileDigest, Licence, ModelVersionRecord, ParentRef, Relation, TrainingRun, VersionStatus,
};
use serde_json::{Value, json};

use crate::python;

/// `huggingface_hub`, found and importable.
struct Hub {
    python: String,
}

impl Hub {
    fn find() -> Result<Self, String> {
        let python = python::with_modules("huggingface_hub", "huggingface_hub==2.4.0")?;
        Ok(Self { python })
    }

    /// `ModelCard.load(path).data.to_dict()`, as JSON.
    fn card_data(&self, path: &Path) -> Value {
        let output = Command::new(&self.python)
            .args([
                "-c",
                "import json, sys\n\
                 from huggingface_hub import ModelCard\n\
                 card = ModelCard.load(sys.argv[1])\n\
                 print(json.dumps(card.data.to_dict()))",
            ])
            .arg(path)
            .output()
            .expect("run python");
        let text = python::text(&output);
        assert!(output.status.success(), "ModelCard.load failed:\n{text}");
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("not JSON ({error}):\n{text}"))
    }

    /// A README written by `huggingface_hub` from `ModelCardData(**fields)`.
    fn write_card(&self, fields: &Value, path: &Path) {
        let output = Command::new(&self.python)
            .args([
                "-c",
                "import json, sys\n\
                 from huggingface_hub import ModelCard, ModelCardData\n\
                 data = ModelCardData(**json.loads(sys.argv[1]))\n\
                 card = ModelCard('---\\n' + data.to_yaml() + '\\n---\\n# Written by huggingface_hub\\n')\n\
                 card.save(sys.argv[2])",
            ])
            .arg(fields.to_string())
            .arg(path)
            .output()
            .expect("run python");
        assert!(
            output.status.success(),
            "writing a card failed:\n{}",
            python::text(&output)
        );
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn licence(expression: &str, raw: &str) -> Licence {
    Licence {
        expression: expression.to_owned(),
        raw: raw.to_owned(),
    }
}

fn version(parents: Vec<ParentRef>, licence: Licence) -> ModelVersionRecord {
    ModelVersionRecord {
        id: [0x0a; 32],
        model: "acme/digits-mlp".to_owned(),
        version: "1.0".to_owned(),
        files: vec![FileDigest {
            path: "model.safetensors".to_owned(),
            sha256: [0x0b; 32],
        }],
        tensor_root: [0x0c; 32],
        architecture: [0x0d; 32],
        parents,
        datasets: vec![[0x02; 32]],
        training: Some(TrainingRun {
            config: [0x0e; 32],
            code_commit: "0123abc".to_owned(),
            hardware: "2 CPU cores".to_owned(),
        }),
        licence,
        status: VersionStatus::Active,
        registrant: "ef".repeat(32),
        height: 7,
        time_ms: 1_764_064_800_000,
    }
}

fn parent(byte: u8, model: &str, hub_id: Option<&str>) -> CardParent {
    CardParent {
        id: [byte; 32],
        model: model.to_owned(),
        version: "0.9".to_owned(),
        licence: licence("MIT", "mit"),
        hub_id: hub_id.map(str::to_owned),
    }
}

fn digits() -> CardDataset {
    CardDataset {
        root: [0x02; 32],
        name: "digits".to_owned(),
        licence: licence("CC-BY-4.0", "cc-by-4.0"),
        hub_id: Some("ailedger/digits".to_owned()),
    }
}

#[test]
fn test_huggingface_hub_reads_our_export() {
    let hub = python::tool_or_skip!(Hub::find(), "model_card");
    let dir = tempfile::tempdir().unwrap();
    let record = version(
        vec![ParentRef {
            id: [0x01; 32],
            relation: Relation::Quantized,
        }],
        licence("Apache-2.0", "apache-2.0"),
    );
    let options = CardOptions {
        chain_id: "ailedger-interop-test".to_owned(),
        library_name: Some("gguf".to_owned()),
        pipeline_tag: Some("image-classification".to_owned()),
        language: strings(&["en", "no"]),
        tags: strings(&["ailedger", "1.0", "yes"]),
        ..CardOptions::default()
    };
    let readme = export_model_card(
        &record,
        &[parent(
            0x01,
            "acme/digits-base",
            Some("acme/digits-base-hf"),
        )],
        &[digits()],
        &options,
    )
    .unwrap();
    let path = dir.path().join("README.md");
    fs::write(&path, &readme).unwrap();

    let data = hub.card_data(&path);
    let expected = json!({
        "license": "apache-2.0",
        "base_model": "acme/digits-base-hf",
        "base_model_relation": "quantized",
        "datasets": ["ailedger/digits"],
        "library_name": "gguf",
        "pipeline_tag": "image-classification",
        "language": ["en", "no"],
        "tags": ["ailedger", "1.0", "yes"],
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&data[key], value, "{key} in {data}");
    }
    let ledger = &data["ailedger"];
    assert_eq!(ledger["chain_id"], "ailedger-interop-test");
    assert_eq!(ledger["version_id"], "0a".repeat(32));
    assert_eq!(ledger["version"], "1.0");
    assert_eq!(ledger["tensor_root"], "0c".repeat(32));
    assert_eq!(ledger["registration_height"], 7);
    assert_eq!(
        ledger["parents"],
        json!([{"id": "01".repeat(32), "relation": "quantized"}])
    );
    assert_eq!(ledger["dataset_roots"], json!(["02".repeat(32)]));
}

#[test]
fn test_huggingface_hub_reads_licence_other_and_several_base_models() {
    let hub = python::tool_or_skip!(Hub::find(), "model_card");
    let dir = tempfile::tempdir().unwrap();
    let record = version(
        vec![
            ParentRef {
                id: [0x01; 32],
                relation: Relation::Merge,
            },
            ParentRef {
                id: [0x03; 32],
                relation: Relation::Merge,
            },
        ],
        licence("Apache-2.0 OR MIT", "Apache-2.0 OR MIT"),
    );
    let options = CardOptions {
        chain_id: "ailedger-interop-test".to_owned(),
        license_link: Some("LICENSE".to_owned()),
        ..CardOptions::default()
    };
    let readme = export_model_card(
        &record,
        &[
            parent(0x03, "acme/other", None),
            parent(0x01, "acme/digits-base", None),
        ],
        &[digits()],
        &options,
    )
    .unwrap();
    let path = dir.path().join("README.md");
    fs::write(&path, &readme).unwrap();
    let data = hub.card_data(&path);
    assert_eq!(data["license"], "other");
    assert_eq!(data["license_name"], "apache-2.0-or-mit");
    assert_eq!(data["license_link"], "LICENSE");
    assert_eq!(
        data["base_model"],
        json!(["acme/digits-base", "acme/other"])
    );
    assert_eq!(data["base_model_relation"], "merge");
    assert_eq!(data["ailedger"]["licence_expression"], "Apache-2.0 OR MIT");
}

/// `huggingface_hub`'s value of a field that may be a string or a list, as a list.
fn hub_list(data: &Value, key: &str) -> Vec<Value> {
    match &data[key] {
        Value::Null => Vec::new(),
        Value::Array(items) => items.clone(),
        value => vec![value.clone()],
    }
}

/// Our fields as `huggingface_hub` would give them (for comparing).
fn ours(metadata: &CardMetadata) -> Value {
    let list = |items: &[String]| items.iter().map(|item| json!(item)).collect::<Vec<_>>();
    json!({
        "license": metadata.license,
        "license_name": metadata.license_name,
        "license_link": metadata.license_link,
        "datasets": list(&metadata.datasets),
        "base_model": list(&metadata.base_model),
        "base_model_relation": metadata.base_model_relation.map(BaseModelRelation::as_str),
        "library_name": metadata.library_name,
        "pipeline_tag": metadata.pipeline_tag,
        "language": list(&metadata.language),
        "tags": list(&metadata.tags),
    })
}

fn theirs(data: &Value) -> Value {
    json!({
        "license": data["license"],
        "license_name": data["license_name"],
        "license_link": data["license_link"],
        "datasets": hub_list(data, "datasets"),
        "base_model": hub_list(data, "base_model"),
        "base_model_relation": data["base_model_relation"],
        "library_name": data["library_name"],
        "pipeline_tag": data["pipeline_tag"],
        "language": hub_list(data, "language"),
        "tags": hub_list(data, "tags"),
    })
}

#[test]
fn test_we_read_the_fixtures_as_huggingface_hub_does() {
    let hub = python::tool_or_skip!(Hub::find(), "model_card");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/model_card");
    for name in ["quantized.md", "license-other.md", "merge.md", "adapter.md"] {
        let path = fixtures.join(name);
        let metadata = parse_model_card(&fs::read_to_string(&path).unwrap())
            .unwrap()
            .metadata
            .unwrap();
        let mut expected = theirs(&hub.card_data(&path));
        if name == "merge.md" {
            // PyYAML reads YAML 1.1, where an unquoted `no` is false; we read YAML 1.2, where it
            // is the string "no" (Norwegian), as the card's author meant.
            assert_eq!(expected["language"], json!(["no", false, "da"]));
            expected["language"] = json!(["no", "no", "da"]);
        }
        assert_eq!(ours(&metadata), expected, "{name}");
    }
}

#[test]
fn test_we_read_cards_huggingface_hub_writes() {
    let hub = python::tool_or_skip!(Hub::find(), "model_card");
    let dir = tempfile::tempdir().unwrap();
    let fields = json!({
        "license": "other",
        "license_name": "acme-research",
        "license_link": "https://acme.example/LICENSE",
        "datasets": ["acme/digits", "acme/more digits"],
        "base_model": ["acme/a", "acme/b"],
        "base_model_relation": "merge",
        "library_name": "transformers",
        "pipeline_tag": "text-classification",
        "language": ["en", "fr"],
        "tags": ["merge", "2024-01-01", "true"],
    });
    let path = dir.path().join("README.md");
    hub.write_card(&fields, &path);
    let card = parse_model_card(&fs::read_to_string(&path).unwrap()).unwrap();
    let metadata = card.metadata.unwrap();
    assert_eq!(ours(&metadata), fields);
    assert!(card.body.contains("# Written by huggingface_hub"));

    // One base model is written as a string.
    let fields = json!({"base_model": "acme/base", "base_model_relation": "quantized", "license": "llama3.1"});
    hub.write_card(&fields, &path);
    let metadata = parse_model_card(&fs::read_to_string(&path).unwrap())
        .unwrap()
        .metadata
        .unwrap();
    assert_eq!(metadata.base_model, strings(&["acme/base"]));
    assert_eq!(
        metadata.base_model_relation,
        Some(BaseModelRelation::Quantized)
    );
    assert_eq!(metadata.license.as_deref(), Some("llama3.1"));
}
