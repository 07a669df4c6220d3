//! The exported description's shape, and every refusal, without `mlcroissant` (see
//! `tests/it/croissant.rs` for the tool).

use serde_json::{Value, json};

use super::*;
use crate::record::{CollectionPeriod, Licence, Modality};

const CSV: &str = "p0,p1,label\n0,5,0\n3,16,1\n";

fn licence(expression: &str, raw: &str) -> Licence {
    Licence {
        expression: expression.to_owned(),
        raw: raw.to_owned(),
    }
}

fn dataset() -> DatasetRecord {
    DatasetRecord {
        root: [0xab; 32],
        name: "digits".to_owned(),
        manifest_digest: [0xcd; 32],
        leaf_count: 2,
        total_bytes: CSV.len() as u64 + 5,
        mode: DatasetMode::Records,
        licence: licence("CC-BY-4.0", "cc-by-4.0"),
        source: "https://archive.ics.uci.edu/dataset/80".to_owned(),
        source_category: SourceCategory::PublicDataset,
        modality: Modality::Tabular,
        collection: Some(CollectionPeriod {
            start_ms: 883_612_800_000,
            end_ms: 915_148_799_000,
        }),
        contributors: vec!["E. Alpaydin".to_owned(), "C. Kaynak".to_owned()],
        evidence: vec![[0x11; 32]],
        registrant: "ef".repeat(32),
        height: 42,
        time_ms: 1_764_064_800_000,
    }
}

fn manifest() -> Vec<ManifestFile> {
    vec![
        ManifestFile {
            path: "data/digits.csv".to_owned(),
            size: CSV.len() as u64,
            sha256: [0x01; 32],
        },
        ManifestFile {
            path: "notes v2.txt".to_owned(),
            size: 5,
            sha256: [0x02; 32],
        },
    ]
}

fn options() -> CroissantOptions {
    CroissantOptions {
        record_sets: vec![CsvRecordSet::new(
            "data/digits.csv",
            infer_csv_columns(CSV.as_bytes(), 100).unwrap(),
        )],
        ..CroissantOptions::new("ailedger-test")
    }
}

fn export(dataset: &DatasetRecord, manifest: &[ManifestFile], options: &CroissantOptions) -> Value {
    export_dataset(dataset, manifest, options)
        .unwrap()
        .to_value()
}

#[test]
fn test_export_has_the_croissant_core_fields() {
    let value = export(&dataset(), &manifest(), &options());
    assert_eq!(value["@type"], "sc:Dataset");
    assert_eq!(value["conformsTo"], CROISSANT_1_1);
    assert_eq!(value["name"], "digits");
    assert_eq!(value["url"], "https://archive.ics.uci.edu/dataset/80");
    assert_eq!(value["license"], "https://spdx.org/licenses/CC-BY-4.0.html");
    assert_eq!(value["version"], "1.0.0");
    assert_eq!(value["datePublished"], "2025-11-25T10:00:00Z");
    assert_eq!(
        value["creator"],
        json!([
            {"@type": "sc:Person", "name": "E. Alpaydin"},
            {"@type": "sc:Person", "name": "C. Kaynak"},
        ])
    );
    let description = value["description"].as_str().unwrap();
    assert!(description.contains(&"ab".repeat(32)), "{description}");
    assert!(value["citeAs"].as_str().unwrap().contains("height 42"));
    assert_eq!(value["keywords"], json!(["tabular", "public-dataset"]));
}

#[test]
fn test_context_holds_every_key_mlcroissant_checks() {
    let value = export(&dataset(), &manifest(), &options());
    let context = value["@context"].as_object().unwrap();
    // The keys of mlcroissant 1.1.1's `make_context` for Croissant 1.1.
    for key in [
        "@language",
        "@vocab",
        "arrayShape",
        "citeAs",
        "column",
        "conformsTo",
        "containedIn",
        "cr",
        "data",
        "dataType",
        "dct",
        "description",
        "equivalentProperty",
        "examples",
        "extract",
        "field",
        "fileObject",
        "fileProperty",
        "fileSet",
        "format",
        "includes",
        "isArray",
        "isLiveDataset",
        "jsonPath",
        "key",
        "md5",
        "name",
        "parentField",
        "path",
        "rai",
        "recordSet",
        "references",
        "regex",
        "repeated",
        "replace",
        "samplingRate",
        "sc",
        "separator",
        "source",
        "subField",
        "transform",
    ] {
        assert!(context.contains_key(key), "missing @context key {key}");
    }
    assert_eq!(context["ailedger"], LEDGER_NAMESPACE);
    assert_eq!(context["data"], json!({"@id": "cr:data", "@type": "@json"}));
    assert_eq!(context["name"], json!({"@container": "@language"}));
    // The serialized context keeps the spec's order, starting with the prefixes.
    let json = export_dataset(&dataset(), &manifest(), &options())
        .unwrap()
        .to_json();
    let language = json.find("\"@language\"").unwrap();
    let vocab = json.find("\"@vocab\"").unwrap();
    let transform = json.find("\"transform\": \"cr:transform\"").unwrap();
    assert!(language < vocab && vocab < transform);
}

#[test]
fn test_distribution_has_one_file_object_per_manifest_file() {
    let value = export(&dataset(), &manifest(), &options());
    assert_eq!(
        value["distribution"],
        json!([
            {
                "@type": "cr:FileObject",
                "@id": "data/digits.csv",
                "name": "data/digits.csv",
                "contentUrl": "data/digits.csv",
                "encodingFormat": "text/csv",
                "contentSize": format!("{} B", CSV.len()),
                "sha256": "01".repeat(32),
            },
            {
                "@type": "cr:FileObject",
                "@id": "notes v2.txt",
                "name": "notes v2.txt",
                "contentUrl": "notes v2.txt",
                "encodingFormat": "text/plain",
                "contentSize": "5 B",
                "sha256": "02".repeat(32),
            },
        ])
    );
}

#[test]
fn test_base_url_prefixes_percent_encoded_paths() {
    let options = CroissantOptions {
        base_url: Some("https://data.example.org/digits/".to_owned()),
        ..options()
    };
    let value = export(&dataset(), &manifest(), &options);
    assert_eq!(
        value["distribution"][0]["contentUrl"],
        "https://data.example.org/digits/data/digits.csv"
    );
    assert_eq!(
        value["distribution"][1]["contentUrl"],
        "https://data.example.org/digits/notes%20v2.txt"
    );
    // The record's source link still wins as the dataset's page.
    assert_eq!(value["url"], "https://archive.ics.uci.edu/dataset/80");
    let mut text_source = dataset();
    text_source.source = "collected in the lab".to_owned();
    let value = export(&text_source, &manifest(), &options);
    assert_eq!(value["url"], "https://data.example.org/digits/");
}

#[test]
fn test_record_set_has_a_field_per_csv_column() {
    let value = export(&dataset(), &manifest(), &options());
    let record_set = &value["recordSet"][0];
    assert_eq!(record_set["@type"], "cr:RecordSet");
    assert_eq!(record_set["@id"], "digits");
    let fields = record_set["field"].as_array().unwrap();
    assert_eq!(fields.len(), 3);
    assert_eq!(
        fields[2],
        json!({
            "@type": "cr:Field",
            "@id": "digits/label",
            "name": "label",
            "dataType": "sc:Integer",
            "source": {"fileObject": {"@id": "data/digits.csv"}, "extract": {"column": "label"}},
        })
    );
}

#[test]
fn test_rai_fields_and_ledger_reference() {
    let value = export(&dataset(), &manifest(), &options());
    assert_eq!(
        value["rai:dataCollectionTimeframe"],
        json!(["1998-01-01T00:00:00Z", "1998-12-31T23:59:59Z"])
    );
    let collection = value["rai:dataCollection"].as_str().unwrap();
    assert!(
        collection.starts_with(
            "A publicly available dataset. Source: https://archive.ics.uci.edu/dataset/80."
        ) && collection.contains("E. Alpaydin"),
        "{collection}"
    );
    assert!(value.get("rai:dataCollectionType").is_none());
    let sensitive = value["rai:personalSensitiveInformation"].as_str().unwrap();
    assert!(sensitive.contains(&"11".repeat(32)), "{sensitive}");
    assert_eq!(
        value["ailedger:registration"],
        json!({
            "@type": "ailedger:DatasetRegistration",
            "ailedger:chainId": "ailedger-test",
            "ailedger:datasetRoot": "ab".repeat(32),
            "ailedger:manifestDigest": "cd".repeat(32),
            "ailedger:leafMode": "records",
            "ailedger:leafCount": 2,
            "ailedger:totalBytes": CSV.len() + 5,
            "ailedger:registrationHeight": 42,
            "ailedger:registrationTime": "2025-11-25T10:00:00Z",
            "ailedger:registrant": "ef".repeat(32),
            "ailedger:licenseExpression": "CC-BY-4.0",
            "ailedger:licenseGiven": "cc-by-4.0",
            "ailedger:sourceCategory": "public-dataset",
            "ailedger:modality": "tabular",
            "ailedger:consentEvidence": ["11".repeat(32)],
        })
    );
}

#[test]
fn test_optional_rai_fields_are_left_out_without_data() {
    let mut dataset = dataset();
    dataset.collection = None;
    dataset.evidence.clear();
    dataset.contributors.clear();
    dataset.source_category = SourceCategory::Crawled;
    let value = export(&dataset, &manifest(), &options());
    assert!(value.get("rai:dataCollectionTimeframe").is_none());
    assert!(value.get("rai:personalSensitiveInformation").is_none());
    assert!(value.get("creator").is_none());
    assert_eq!(value["rai:dataCollectionType"], "Web Scraping");
}

#[test]
fn test_license_values() {
    let check = |expression: &str, raw: &str, url: Option<&str>, expected: Value| {
        let value = serde_json::to_value(license_value(&licence(expression, raw), url)).unwrap();
        assert_eq!(value, expected, "{expression} given as {raw}");
    };
    check(
        "Apache-2.0",
        "apache-2.0",
        None,
        json!("https://spdx.org/licenses/Apache-2.0.html"),
    );
    check("LicenseRef-llama3.1", "llama3.1", None, json!("llama3.1"));
    check(
        "LicenseRef-acme",
        "https://acme.example/licence",
        None,
        json!("https://acme.example/licence"),
    );
    check(
        "LicenseRef-llama3.1",
        "llama3.1",
        Some("https://llama.example/LICENSE"),
        json!("https://llama.example/LICENSE"),
    );
    check(
        "Apache-2.0 OR MIT",
        "Apache-2.0 OR MIT",
        None,
        json!([
            "https://spdx.org/licenses/Apache-2.0.html",
            "https://spdx.org/licenses/MIT.html"
        ]),
    );
    check(
        "Apache-2.0 WITH LLVM-exception",
        "Apache-2.0 WITH LLVM-exception",
        None,
        json!([
            "https://spdx.org/licenses/Apache-2.0.html",
            "https://spdx.org/licenses/LLVM-exception.html"
        ]),
    );
    check(
        "LicenseRef-a AND LicenseRef-b",
        "LicenseRef-a AND LicenseRef-b",
        None,
        json!(["LicenseRef-a", "LicenseRef-b"]),
    );
}

#[test]
fn test_encoding_formats() {
    for (path, expected) in [
        ("a.csv", "text/csv"),
        ("dir/A.CSV", "text/csv"),
        ("x.jsonl", "application/jsonlines"),
        ("x.ndjson", "application/jsonlines"),
        ("x.json", "application/json"),
        ("x.parquet", "application/x-parquet"),
        ("img.JPEG", "image/jpeg"),
        ("a.tar.gz", "application/gzip"),
        ("model.safetensors", "application/octet-stream"),
        ("README", "application/octet-stream"),
        (".csv", "application/octet-stream"),
    ] {
        assert_eq!(encoding_format(path), expected, "{path}");
    }
}

#[test]
fn test_csv_column_inference() {
    let csv = "id,score,flag,name,empty,sparse,mixed\n\
               1,0.5,true,a,,3,1\n\
               2,1e3,False,b,,,x\n";
    let columns = infer_csv_columns(csv.as_bytes(), 100).unwrap();
    let types: Vec<(&str, ColumnType)> = columns
        .iter()
        .map(|column| (column.name.as_str(), column.data_type))
        .collect();
    assert_eq!(
        types,
        [
            ("id", ColumnType::Integer),
            ("score", ColumnType::Float),
            ("flag", ColumnType::Boolean),
            ("name", ColumnType::Text),
            ("empty", ColumnType::Text),
            ("sparse", ColumnType::Float),
            ("mixed", ColumnType::Text),
        ]
    );
    // Only the first rows are read.
    let columns = infer_csv_columns("a\n1\nx\n".as_bytes(), 1).unwrap();
    assert_eq!(columns[0].data_type, ColumnType::Integer);
    assert!(matches!(
        infer_csv_columns("".as_bytes(), 10),
        Err(CroissantError::EmptyCsv)
    ));
    assert!(matches!(
        infer_csv_columns("a,b\n1,2,3\n".as_bytes(), 10),
        Err(CroissantError::Csv(_))
    ));
}

#[test]
fn test_refusals() {
    let check = |manifest: &[ManifestFile], options: &CroissantOptions, expected: &str| {
        let error = export_dataset(&dataset(), manifest, options).unwrap_err();
        assert!(
            error.to_string().contains(expected),
            "expected {expected:?}, got {error}"
        );
    };
    check(&[], &options(), "lists no file");
    let mut bad_path = manifest();
    bad_path[1].path = "../notes".to_owned();
    check(&bad_path, &options(), "must be a relative path");
    bad_path[1].path = "/abs".to_owned();
    check(&bad_path, &options(), "must be a relative path");
    let mut twice = manifest();
    twice[1].path = "data/digits.csv".to_owned();
    check(&twice, &options(), "appears twice");
    let mut wrong_size = manifest();
    wrong_size[1].size = 6;
    check(&wrong_size, &options(), "add up to");

    let mut files_mode = dataset();
    files_mode.mode = DatasetMode::Files;
    files_mode.leaf_count = 3;
    let error = export_dataset(&files_mode, &manifest(), &options()).unwrap_err();
    assert!(matches!(
        error,
        CroissantError::FileCountMismatch {
            n_files: 2,
            leaf_count: 3
        }
    ));

    let columns = || infer_csv_columns(CSV.as_bytes(), 10).unwrap();
    let with_set = |set: CsvRecordSet| CroissantOptions {
        record_sets: vec![set],
        ..options()
    };
    check(
        &manifest(),
        &with_set(CsvRecordSet::new("missing.csv", columns())),
        "not in the dataset's manifest",
    );
    check(
        &manifest(),
        &with_set(CsvRecordSet::new("notes v2.txt", columns())),
        "not a .csv file",
    );
    check(
        &manifest(),
        &with_set(CsvRecordSet::new("data/digits.csv", Vec::new())),
        "has no columns",
    );
    let mut repeated = columns();
    repeated[1].name = "p0".to_owned();
    check(
        &manifest(),
        &with_set(CsvRecordSet::new("data/digits.csv", repeated)),
        "two columns named \"p0\"",
    );
    let mut unnamed = columns();
    unnamed[0].name.clear();
    check(
        &manifest(),
        &with_set(CsvRecordSet::new("data/digits.csv", unnamed)),
        "empty name",
    );
    // A record set whose id is a file's path.
    let clash = CsvRecordSet {
        id: Some("notes v2.txt".to_owned()),
        ..CsvRecordSet::new("data/digits.csv", columns())
    };
    check(&manifest(), &with_set(clash), "@id \"notes v2.txt\"");
}
