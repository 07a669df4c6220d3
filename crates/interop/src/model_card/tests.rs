//! Reading real-world-shaped cards and malformed ones, and writing cards that read back.
//! `tests/it/model_card.rs` checks the written cards with `huggingface_hub`.

use super::*;
use crate::record::{
    Licence, ModelVersionRecord, ParentRef, Relation, StatusChange, TrainingRun, VersionStatus,
};

const QUANTIZED: &str = include_str!("../../testdata/model_card/quantized.md");
const LICENSE_OTHER: &str = include_str!("../../testdata/model_card/license-other.md");
const MERGE: &str = include_str!("../../testdata/model_card/merge.md");
const ADAPTER: &str = include_str!("../../testdata/model_card/adapter.md");

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn metadata(readme: &str) -> CardMetadata {
    parse_model_card(readme)
        .unwrap()
        .metadata
        .expect("front matter")
}

fn error(readme: &str) -> ModelCardError {
    parse_model_card(readme).unwrap_err()
}

#[test]
fn test_quantized_card() {
    let card = parse_model_card(QUANTIZED).unwrap();
    assert_eq!(
        card.metadata.unwrap(),
        CardMetadata {
            license: Some("apache-2.0".to_owned()),
            base_model: strings(&["acme/digits-mlp-7b"]),
            base_model_relation: Some(BaseModelRelation::Quantized),
            library_name: Some("gguf".to_owned()),
            pipeline_tag: Some("text-generation".to_owned()),
            language: strings(&["en", "fr"]),
            tags: strings(&["gguf", "quantized", "llama-cpp"]),
            ..CardMetadata::default()
        }
    );
    // The body keeps the Markdown horizontal rule after the front matter.
    assert!(card.body.starts_with("\n# digits-mlp-7b GGUF\n"));
    assert!(card.body.contains("\n---\n\nFiles:"));
}

#[test]
fn test_license_other_card() {
    assert_eq!(
        metadata(LICENSE_OTHER),
        CardMetadata {
            license: Some("other".to_owned()),
            license_name: Some("acme-research-license".to_owned()),
            license_link: Some("https://acme.example/LICENSE".to_owned()),
            datasets: strings(&["acme/digits-extended"]),
            library_name: Some("transformers".to_owned()),
            language: strings(&["en"]),
            ..CardMetadata::default()
        }
    );
}

#[test]
fn test_merge_card_reads_yaml_1_2() {
    let metadata = metadata(MERGE);
    assert_eq!(
        metadata.base_model,
        strings(&["acme/digits-a", "acme/digits-b"])
    );
    assert_eq!(metadata.base_model_relation, Some(BaseModelRelation::Merge));
    assert_eq!(metadata.license.as_deref(), Some("mit"));
    // YAML 1.2: `no` is Norwegian, not `false`.
    assert_eq!(metadata.language, strings(&["no", "no", "da"]));
    assert_eq!(metadata.tags, strings(&["merge", "mergekit"]));
}

#[test]
fn test_adapter_card_with_crlf_and_nulls() {
    let card = parse_model_card(ADAPTER).unwrap();
    let metadata = card.metadata.unwrap();
    assert_eq!(metadata.license.as_deref(), Some("llama3.1"));
    assert_eq!(metadata.base_model, strings(&["meta-llama/Llama-3.1-8B"]));
    assert_eq!(
        metadata.base_model_relation,
        Some(BaseModelRelation::Adapter)
    );
    assert_eq!(metadata.library_name.as_deref(), Some("peft"));
    assert_eq!(metadata.pipeline_tag, None);
    assert!(metadata.datasets.is_empty());
    assert_eq!(metadata.tags, strings(&["lora"]));
    assert_eq!(card.body, "# A LoRA adapter\r\n");
    // The same card with `\n` line endings reads the same.
    let unix = ADAPTER.replace("\r\n", "\n");
    assert_eq!(parse_model_card(&unix).unwrap().metadata.unwrap(), metadata);
}

#[test]
fn test_front_matter_boundaries() {
    assert_eq!(
        parse_model_card("# No metadata\n\n---\nlicense: mit\n---\n").unwrap(),
        ModelCard {
            metadata: None,
            body: "# No metadata\n\n---\nlicense: mit\n---\n".to_owned()
        }
    );
    // `----` is a Markdown rule, not front matter.
    assert!(
        parse_model_card("----\nlicense: mit\n----\n")
            .unwrap()
            .metadata
            .is_none()
    );
    assert_eq!(metadata("---\n---\nbody"), CardMetadata::default());
    assert_eq!(
        metadata("---\n# only a comment\n---\n"),
        CardMetadata::default()
    );
    assert_eq!(
        metadata("\u{feff}---\nlicense: mit\n---   \n")
            .license
            .as_deref(),
        Some("mit")
    );
    let front_matter = split_front_matter("\n\n---\nlicense: mit\n---\nbody\n")
        .unwrap()
        .unwrap();
    assert_eq!(
        front_matter,
        FrontMatter {
            yaml: "license: mit\n",
            first_line: 4,
            body: "body\n"
        }
    );
}

#[test]
fn test_malformed_front_matter_is_refused_with_its_line() {
    let check = |readme: &str, expected: &str| {
        let message = error(readme).to_string();
        assert!(
            message.contains(expected),
            "expected {expected:?} in {message:?}"
        );
    };
    check(
        "---\nlicense: mit\n# no closing line\n",
        "opened by `---` on line 1 is never closed",
    );
    check(
        "---\nlicense: mit\ntags: [a, b\n---\n",
        "front matter is not valid YAML",
    );
    check(
        "---\nlicense: mit\n  bad: indentation\n---\n",
        "front matter is not valid YAML",
    );
    check(
        "---\nlicense: mit\nlicense: apache-2.0\n---\n",
        "duplicated key in mapping (line 3",
    );
    check(
        "---\n- a\n- b\n---\n",
        "must be a mapping of keys to values, found a list",
    );
    check("---\njust text\n---\n", "found a string");
    check(
        "---\nlicense: mit\nbase_model:\n  name: x\n---\n",
        "`base_model` on line 4 must be a string or a list of strings, found a mapping",
    );
    check(
        "---\ntags:\n- ok\n- 12\n---\n",
        "`tags[1]` on line 4 must be a string, found an integer",
    );
    check(
        "---\nlicense: [mit]\n---\n",
        "`license` on line 2 must be a string, found a list",
    );
    check(
        "---\nbase_model: x\nbase_model_relation: distilled\n---\n",
        "`base_model_relation` on line 3 is \"distilled\"; expected adapter, merge, quantized or finetune",
    );
    check(
        "---\n[a]: 1\n---\n",
        "front matter key on line 2 must be a string",
    );
    check(
        "---\nlicense: !custom mit\n---\n",
        "custom tags are not allowed",
    );
    check(
        "---\nlicense: mit\n--- # second\nx: 1\n---\n",
        "holds 2 YAML documents",
    );
    // An alias bomb is refused by the loader's expansion budget, not expanded.
    let mut bomb = String::from("---\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..12 {
        let previous = (b'a' + level - 1) as char;
        let this = (b'a' + level) as char;
        bomb.push_str(&format!(
            "{this}: &{this} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
        ));
    }
    bomb.push_str("---\n");
    check(&bomb, "alias expansion exceeded");
}

fn version() -> ModelVersionRecord {
    ModelVersionRecord {
        id: [0x0a; 32],
        model: "acme/digits-mlp".to_owned(),
        version: "1.0".to_owned(),
        files: vec![crate::record::FileDigest {
            path: "model.safetensors".to_owned(),
            sha256: [0x0b; 32],
        }],
        tensor_root: [0x0c; 32],
        architecture: [0x0d; 32],
        parents: vec![ParentRef {
            id: [0x01; 32],
            relation: Relation::Finetune,
        }],
        datasets: vec![[0x02; 32]],
        training: Some(TrainingRun {
            config: [0x0e; 32],
            code_commit: "abc123".to_owned(),
            hardware: "2 CPU cores".to_owned(),
        }),
        licence: Licence {
            expression: "Apache-2.0".to_owned(),
            raw: "apache-2.0".to_owned(),
        },
        status: VersionStatus::Active,
        registrant: "ef".repeat(32),
        height: 7,
        time_ms: 1_764_064_800_000,
    }
}

fn parent() -> CardParent {
    CardParent {
        id: [0x01; 32],
        model: "acme/digits-base".to_owned(),
        version: "0.9".to_owned(),
        licence: Licence {
            expression: "MIT".to_owned(),
            raw: "MIT".to_owned(),
        },
        hub_id: Some("acme/digits-base".to_owned()),
    }
}

fn dataset() -> CardDataset {
    CardDataset {
        root: [0x02; 32],
        name: "digits".to_owned(),
        licence: Licence {
            expression: "CC-BY-4.0".to_owned(),
            raw: "cc-by-4.0".to_owned(),
        },
        hub_id: None,
    }
}

fn options() -> CardOptions {
    CardOptions {
        chain_id: "ailedger-test".to_owned(),
        library_name: Some("safetensors".to_owned()),
        pipeline_tag: Some("image-classification".to_owned()),
        language: strings(&["no"]),
        tags: strings(&["ailedger", "1.0"]),
        ..CardOptions::default()
    }
}

#[test]
fn test_export_reads_back() {
    let readme = export_model_card(&version(), &[parent()], &[dataset()], &options()).unwrap();
    let card = parse_model_card(&readme).unwrap();
    assert_eq!(
        card.metadata.unwrap(),
        CardMetadata {
            license: Some("apache-2.0".to_owned()),
            base_model: strings(&["acme/digits-base"]),
            base_model_relation: Some(BaseModelRelation::Finetune),
            datasets: strings(&["digits"]),
            library_name: Some("safetensors".to_owned()),
            pipeline_tag: Some("image-classification".to_owned()),
            language: strings(&["no"]),
            tags: strings(&["ailedger", "1.0"]),
            ..CardMetadata::default()
        }
    );
    // Strings YAML 1.1 would read as booleans or numbers are quoted.
    assert!(readme.contains("- \"no\"\n"), "{readme}");
    assert!(readme.contains("- \"1.0\"\n"), "{readme}");
    assert!(readme.contains(&format!("  version_id: \"{}\"\n", "0a".repeat(32))));
    for expected in [
        "# acme/digits-mlp 1.0",
        "## Lineage",
        "- finetune of `acme/digits-base@0.9`",
        &"01".repeat(32),
        "## Training data",
        &format!(
            "- `digits` (dataset root `{}`), licence `CC-BY-4.0`",
            "02".repeat(32)
        ),
        "## Licences",
        "- This version: `Apache-2.0` (given as `apache-2.0`)",
        "- Parent `acme/digits-base@0.9`: `MIT`",
        "## Ledger record",
        &format!("`model.safetensors` sha256 `{}`", "0b".repeat(32)),
    ] {
        assert!(
            card.body.contains(expected),
            "missing {expected:?} in\n{}",
            card.body
        );
    }
}

#[test]
fn test_export_without_parents_and_with_several() {
    let mut root = version();
    root.parents.clear();
    root.datasets.clear();
    root.training = None;
    root.status = VersionStatus::Revoked(StatusChange {
        reason: "poisoned weights".to_owned(),
        height: 9,
        time_ms: 0,
    });
    let readme = export_model_card(&root, &[], &[], &CardOptions::default()).unwrap();
    let card = parse_model_card(&readme).unwrap();
    let metadata = card.metadata.unwrap();
    assert!(metadata.base_model.is_empty() && metadata.base_model_relation.is_none());
    assert!(card.body.contains("no parent model on the ledger"));
    assert!(card.body.contains("names no dataset on the ledger"));
    assert!(
        card.body
            .contains("**This version is revoked** (at height 9): poisoned weights")
    );

    let mut merged = version();
    merged.parents = vec![
        ParentRef {
            id: [0x01; 32],
            relation: Relation::Merge,
        },
        ParentRef {
            id: [0x03; 32],
            relation: Relation::Merge,
        },
    ];
    let other_parent = CardParent {
        id: [0x03; 32],
        model: "acme/other".to_owned(),
        hub_id: None,
        ..parent()
    };
    let readme = export_model_card(
        &merged,
        &[other_parent, parent()],
        &[dataset()],
        &CardOptions::default(),
    )
    .unwrap();
    let metadata = parse_model_card(&readme).unwrap().metadata.unwrap();
    assert_eq!(
        metadata.base_model,
        strings(&["acme/digits-base", "acme/other"])
    );
    assert_eq!(metadata.base_model_relation, Some(BaseModelRelation::Merge));
}

#[test]
fn test_export_refuses_a_missing_parent_or_dataset() {
    assert!(matches!(
        export_model_card(&version(), &[], &[dataset()], &options()),
        Err(ModelCardError::MissingParent { id }) if id == "01".repeat(32)
    ));
    assert!(matches!(
        export_model_card(&version(), &[parent()], &[], &options()),
        Err(ModelCardError::MissingDataset { root }) if root == "02".repeat(32)
    ));
}

#[test]
fn test_hub_relation() {
    assert_eq!(hub_relation(&[]), None);
    assert_eq!(
        hub_relation(&[Relation::Quantized]),
        Some(BaseModelRelation::Quantized)
    );
    assert_eq!(
        hub_relation(&[Relation::Adapter]),
        Some(BaseModelRelation::Adapter)
    );
    assert_eq!(hub_relation(&[Relation::Distilled]), None);
    assert_eq!(hub_relation(&[Relation::Merge, Relation::Finetune]), None);
}

#[test]
fn test_hub_license() {
    let check = |expression: &str,
                 raw: &str,
                 link: Option<&str>,
                 expected: (&str, Option<&str>, Option<&str>)| {
        let licence = Licence {
            expression: expression.to_owned(),
            raw: raw.to_owned(),
        };
        let hub = hub_license(&licence, link);
        assert_eq!(
            (
                hub.license.as_str(),
                hub.license_name.as_deref(),
                hub.license_link.as_deref()
            ),
            expected,
            "{expression}"
        );
    };
    check("Apache-2.0", "apache-2.0", None, ("apache-2.0", None, None));
    check("MIT", "MIT", None, ("mit", None, None));
    check(
        "BSD-3-Clause",
        "bsd-3-clause",
        None,
        ("bsd-3-clause", None, None),
    );
    check("GPL-3.0-only", "gpl-3.0", None, ("gpl-3.0", None, None));
    check(
        "LicenseRef-llama3.1",
        "llama3.1",
        None,
        ("llama3.1", None, None),
    );
    check(
        "LicenseRef-openrail-pp",
        "openrail++",
        None,
        ("openrail++", None, None),
    );
    check(
        "GPL-3.0-or-later",
        "GPL-3.0-or-later",
        None,
        (
            "other",
            Some("gpl-3.0-or-later"),
            Some("https://spdx.org/licenses/GPL-3.0-or-later.html"),
        ),
    );
    check(
        "Apache-2.0 OR MIT",
        "Apache-2.0 OR MIT",
        None,
        ("other", Some("apache-2.0-or-mit"), None),
    );
    check(
        "LicenseRef-acme-research",
        "https://acme.example/LICENSE",
        None,
        (
            "other",
            Some("acme-research"),
            Some("https://acme.example/LICENSE"),
        ),
    );
    check(
        "LicenseRef-other",
        "My Licence 2",
        Some("LICENSE"),
        ("other", Some("my-licence-2"), Some("LICENSE")),
    );
}
