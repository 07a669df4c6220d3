//! Croissant: a description exported here passes `mlcroissant validate` without a warning, and
//! `mlcroissant load` reads every row of the real digits CSV through it; a wrong sha256 makes
//! `load` fail.
//!
//! The tests need `python3 -c "import mlcroissant"` (CI: `pip install mlcroissant==1.1.1`). They
//! run the tool's own CLI entry point (`mlcroissant.scripts.cli`, what the `mlcroissant` command
//! runs) with the chosen interpreter. The CSV is `/work/shared/data/digits/digits.csv`
//! (`AILEDGER_TEST_DIGITS` overrides it), copied into a temporary directory next to the JSON-LD;
//! without it the tests use a small generated CSV of the same shape.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ailedger_interop::croissant::{
    CroissantOptions, CsvRecordSet, ManifestFile, export_dataset, infer_csv_columns,
};
use ailedger_interop::record::{
    CollectionPeriod, DatasetMode, DatasetRecord, Licence, Modality, SourceCategory,
};
use sha2::{Digest as _, Sha256};

use crate::python;

/// `mlcroissant`, found and importable.
struct Mlcroissant {
    python: String,
}

impl Mlcroissant {
    fn find() -> Result<Self, String> {
        let python = python::with_modules("mlcroissant", "mlcroissant==1.1.1")?;
        Ok(Self { python })
    }

    /// Runs `mlcroissant ARGS` in `dir`; returns whether it exited 0, and its output.
    fn run(&self, dir: &Path, args: &[&str]) -> (bool, String) {
        let output = Command::new(&self.python)
            .current_dir(dir)
            .args(["-c", "from mlcroissant.scripts.cli import main; main()"])
            .args(args)
            .output()
            .expect("run mlcroissant");
        (output.status.success(), python::text(&output))
    }
}

/// The digits CSV: the shared copy, or a generated one of the same shape.
fn digits_csv() -> Vec<u8> {
    let path = std::env::var_os("AILEDGER_TEST_DIGITS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/digits/digits.csv"),
        PathBuf::from,
    );
    if let Ok(content) = fs::read(&path) {
        return content;
    }
    let mut csv: Vec<String> = vec![
        (0..64)
            .map(|pixel| format!("p{pixel}"))
            .chain(["label".to_owned()])
            .collect::<Vec<_>>()
            .join(","),
    ];
    for row in 0..50u32 {
        let cells: Vec<String> = (0..64u32)
            .map(|pixel| ((row * 7 + pixel * 3) % 17).to_string())
            .chain([(row % 10).to_string()])
            .collect();
        csv.push(cells.join(","));
    }
    (csv.join("\n") + "\n").into_bytes()
}

/// A temporary directory with `data/digits.csv` and `README.txt`, and their record and manifest.
struct Scratch {
    dir: tempfile::TempDir,
    csv: Vec<u8>,
    dataset: DatasetRecord,
    manifest: Vec<ManifestFile>,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let csv = digits_csv();
        let readme = b"Optical Recognition of Handwritten Digits (UCI), 8x8 pixels.\n".to_vec();
        fs::create_dir_all(dir.path().join("data")).expect("create data/");
        fs::write(dir.path().join("data/digits.csv"), &csv).expect("write the CSV");
        fs::write(dir.path().join("README.txt"), &readme).expect("write the README");
        let manifest: Vec<ManifestFile> = [("README.txt", &readme), ("data/digits.csv", &csv)]
            .into_iter()
            .map(|(path, content)| ManifestFile {
                path: path.to_owned(),
                size: content.len() as u64,
                sha256: Sha256::digest(content).into(),
            })
            .collect();
        let n_rows = csv.iter().filter(|&&byte| byte == b'\n').count() as u64 - 1;
        let dataset = DatasetRecord {
            root: [0x5a; 32],
            name: "digits".to_owned(),
            manifest_digest: [0x6b; 32],
            leaf_count: n_rows,
            total_bytes: (csv.len() + readme.len()) as u64,
            mode: DatasetMode::Records,
            licence: Licence {
                expression: "CC-BY-4.0".to_owned(),
                raw: "cc-by-4.0".to_owned(),
            },
            source: "https://archive.ics.uci.edu/dataset/80".to_owned(),
            source_category: SourceCategory::PublicDataset,
            modality: Modality::Tabular,
            collection: Some(CollectionPeriod {
                start_ms: 883_612_800_000,
                end_ms: 915_148_799_000,
            }),
            contributors: vec!["E. Alpaydin".to_owned(), "C. Kaynak".to_owned()],
            evidence: vec![[0x77; 32]],
            registrant: "ef".repeat(32),
            height: 42,
            time_ms: 1_764_064_800_000,
        };
        Self {
            dir,
            csv,
            dataset,
            manifest,
        }
    }

    /// Exports the description with `manifest` to `digits.json`; returns its file name.
    fn export(&self, manifest: &[ManifestFile]) -> &'static str {
        let options = CroissantOptions {
            record_sets: vec![CsvRecordSet::new(
                "data/digits.csv",
                infer_csv_columns(self.csv.as_slice(), 1000).expect("read the CSV header"),
            )],
            ..CroissantOptions::new("ailedger-interop-test")
        };
        let json = export_dataset(&self.dataset, manifest, &options)
            .expect("export the dataset")
            .to_json();
        fs::write(self.dir.path().join("digits.json"), json).expect("write the JSON-LD");
        "digits.json"
    }

    /// The CSV's rows as `mlcroissant load` prints records: Python dicts of ints.
    fn expected_records(&self) -> Vec<String> {
        let text = String::from_utf8(self.csv.clone()).expect("the CSV is UTF-8");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("a header row").split(',').collect();
        lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let cells: Vec<String> = header
                    .iter()
                    .zip(line.split(','))
                    .map(|(column, value)| format!("'digits/{column}': {value}"))
                    .collect();
                format!("{{{}}}", cells.join(", "))
            })
            .collect()
    }
}

#[test]
fn test_export_validates_without_warnings() {
    let tool = python::tool_or_skip!(Mlcroissant::find(), "croissant");
    let scratch = Scratch::new();
    let file = scratch.export(&scratch.manifest);
    let (ok, text) = tool.run(scratch.dir.path(), &["validate", "--jsonld", file]);
    assert!(ok, "mlcroissant validate failed:\n{text}");
    assert!(text.contains("Done."), "{text}");
    assert!(
        !text.contains("warning(s)") && !text.contains("is not standard"),
        "mlcroissant validate warned:\n{text}"
    );
}

#[test]
fn test_load_reads_every_row_of_the_csv() {
    let tool = python::tool_or_skip!(Mlcroissant::find(), "croissant");
    let scratch = Scratch::new();
    let file = scratch.export(&scratch.manifest);
    let (ok, text) = tool.run(
        scratch.dir.path(),
        &[
            "load",
            "--jsonld",
            file,
            "--record_set",
            "digits",
            "--num_records",
            "-1",
        ],
    );
    assert!(ok, "mlcroissant load failed:\n{}", python::excerpt(&text));
    let records: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("{'digits/"))
        .collect();
    let expected = scratch.expected_records();
    assert_eq!(records.len(), expected.len(), "{}", python::excerpt(&text));
    assert_eq!(records.len() as u64, scratch.dataset.leaf_count);
    assert_eq!(
        records.first().copied(),
        expected.first().map(String::as_str)
    );
    assert_eq!(records.last().copied(), expected.last().map(String::as_str));
    assert!(
        text.lines().any(|line| line == "Done."),
        "{}",
        python::excerpt(&text)
    );
}

#[test]
fn test_load_fails_on_a_wrong_sha256() {
    let tool = python::tool_or_skip!(Mlcroissant::find(), "croissant");
    let scratch = Scratch::new();
    let mut manifest = scratch.manifest.clone();
    manifest[1].sha256[0] ^= 0x01;
    let file = scratch.export(&manifest);
    // The description itself is still valid: only loading checks the content.
    let (ok, text) = tool.run(scratch.dir.path(), &["validate", "--jsonld", file]);
    assert!(ok, "{text}");
    let (ok, text) = tool.run(
        scratch.dir.path(),
        &["load", "--jsonld", file, "--record_set", "digits"],
    );
    assert!(!ok, "mlcroissant load accepted a wrong sha256:\n{text}");
    assert!(
        text.contains("Hash of downloaded file") && text.contains("data/digits.csv"),
        "{text}"
    );
}

#[test]
fn test_load_fails_on_a_modified_file() {
    let tool = python::tool_or_skip!(Mlcroissant::find(), "croissant");
    let scratch = Scratch::new();
    let file = scratch.export(&scratch.manifest);
    let mut csv = scratch.csv.clone();
    let last_digit = csv.iter().rposition(u8::is_ascii_digit).unwrap();
    csv[last_digit] = if csv[last_digit] == b'9' { b'8' } else { b'9' };
    fs::write(scratch.dir.path().join("data/digits.csv"), csv).unwrap();
    let (ok, text) = tool.run(
        scratch.dir.path(),
        &["load", "--jsonld", file, "--record_set", "digits"],
    );
    assert!(!ok, "mlcroissant load accepted a modified file:\n{text}");
    assert!(text.contains("Hash of downloaded file"), "{text}");
}
