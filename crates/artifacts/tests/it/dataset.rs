//! Dataset hashing on the project's real data and on generated trees.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use ailedger_artifacts::dataset::{
    DatasetDigest, DatasetError, DatasetLeaf, DatasetMode, DatasetOptions, DatasetProof, FileLeaf,
    Record, RecordLeaf, RecordLocator, hash_dataset, identify_file, prove_file, prove_record,
};
use ailedger_artifacts::merkle::{ProofError, leaf_hash, merkle_root};
use ailedger_artifacts::{Hash, NoProgress, sha256};

use crate::support::shared_dir;

fn files_mode() -> DatasetOptions {
    DatasetOptions::default()
}

fn records_mode() -> DatasetOptions {
    DatasetOptions {
        mode: DatasetMode::Records,
        ..DatasetOptions::default()
    }
}

fn hash(path: &Path, options: &DatasetOptions) -> DatasetDigest {
    hash_dataset(path, options, &NoProgress).unwrap()
}

fn write(root: &Path, relative: &str, content: &[u8]) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// `sha256sum`'s digest of a file, as an independent check of our file hashing.
fn sha256sum(path: &Path) -> Option<Hash> {
    let output = Command::new("sha256sum").arg(path).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

#[test]
fn real_data_in_files_mode_matches_sha256sum_and_proves_every_file() {
    let Some(data) = shared_dir("data") else {
        return;
    };
    let digest = hash(&data, &files_mode());
    let paths: Vec<&str> = digest
        .manifest
        .entries()
        .iter()
        .map(|entry| entry.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "README.md",
            "breast-cancer/breast-cancer.csv",
            "digits/digits.csv",
            "export.py"
        ]
    );
    assert_eq!(digest.n_leaves, 4);
    for entry in digest.manifest.entries() {
        let on_disk = data.join(&entry.path);
        assert_eq!(entry.size, fs::metadata(&on_disk).unwrap().len());
        if let Some(expected) = sha256sum(&on_disk) {
            assert_eq!(entry.sha256, expected, "{}", entry.path);
        }
        let proof = prove_file(&digest.manifest, &entry.path).unwrap();
        proof.verify(&digest.root).unwrap();
        assert_eq!(DatasetProof::decode(&proof.encode()).unwrap(), proof);
    }
    assert_eq!(digest.manifest_digest, sha256(&digest.manifest.encode()));
    assert_eq!(
        digest.total_bytes,
        digest
            .manifest
            .entries()
            .iter()
            .map(|e| e.size)
            .sum::<u64>()
    );
}

#[test]
fn digits_csv_has_1797_records_and_a_record_proof_checks_with_the_root_alone() {
    let Some(data) = shared_dir("data") else {
        return;
    };
    let digits = data.join("digits");
    let digest = hash(&digits, &records_mode());
    assert_eq!(digest.n_leaves, 1797);
    assert_eq!(digest.manifest.entries().len(), 1);
    // The manifest is the same in both modes.
    assert_eq!(hash(&digits, &files_mode()).manifest, digest.manifest);

    let proof = prove_record(
        &digits,
        &records_mode(),
        &RecordLocator::InFile {
            path: "digits.csv".into(),
            index: 17,
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(proof.inclusion.index(), 17);
    assert_eq!(proof.inclusion.size(), 1797);
    proof.verify(&digest.root).unwrap();
    let DatasetLeaf::Record(RecordLeaf {
        record: Record::Csv { header, fields },
        ..
    }) = &proof.leaf
    else {
        panic!("not a CSV record: {:?}", proof.leaf);
    };
    assert_eq!(header.len(), 65);
    assert_eq!(header[64], b"label");
    // Row 18 of the file (after the header) is record 17.
    let text = fs::read_to_string(digits.join("digits.csv")).unwrap();
    let row: Vec<&[u8]> = text
        .lines()
        .nth(18)
        .unwrap()
        .split(',')
        .map(str::as_bytes)
        .collect();
    assert_eq!(fields.iter().map(Vec::as_slice).collect::<Vec<_>>(), row);

    // The same record by its leaf index gives the same proof.
    let by_leaf = prove_record(
        &digits,
        &records_mode(),
        &RecordLocator::Leaf(17),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(by_leaf, proof);

    // A changed pixel no longer verifies.
    let mut tampered = proof.clone();
    if let DatasetLeaf::Record(RecordLeaf {
        record: Record::Csv { fields, .. },
        ..
    }) = &mut tampered.leaf
    {
        fields[10] = b"16".to_vec();
    }
    assert!(matches!(
        tampered.verify(&digest.root),
        Err(ProofError::RootMismatch { .. })
    ));
    let decoded = DatasetProof::from_hex(&proof.to_hex()).unwrap();
    decoded.verify(&digest.root).unwrap();
}

#[test]
fn breast_cancer_csv_has_569_records_and_shared_data_mixes_record_and_other_files() {
    let Some(data) = shared_dir("data") else {
        return;
    };
    let digest = hash(
        &data.join("breast-cancer/breast-cancer.csv"),
        &records_mode(),
    );
    assert_eq!(digest.n_leaves, 569);
    assert_eq!(digest.manifest.entries()[0].path, "breast-cancer.csv");
    let last = prove_record(
        &data.join("breast-cancer"),
        &records_mode(),
        &RecordLocator::Leaf(568),
        &NoProgress,
    )
    .unwrap();
    last.verify(&digest.root).unwrap();
    assert!(matches!(
        prove_record(
            &data.join("breast-cancer"),
            &records_mode(),
            &RecordLocator::Leaf(569),
            &NoProgress
        ),
        Err(DatasetError::LeafOutOfRange {
            index: 569,
            n_leaves: 569
        })
    ));
    // README.md and export.py are not record files.
    assert!(matches!(
        hash_dataset(&data, &records_mode(), &NoProgress),
        Err(DatasetError::NotARecordFile { path }) if path == "README.md"
    ));
}

#[test]
fn generated_tree_is_sorted_by_bytes_with_unicode_hidden_nested_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "b.txt", b"bee");
    write(root, "B.txt", b"upper");
    write(root, "é/日本語.txt", "こんにちは".as_bytes());
    write(root, ".hidden", b"secret");
    write(root, "a/b/c/deep.bin", &[0u8; 3000]);
    write(root, "a.txt", b"");
    write(root, "a/empty", b"");
    write(root, "🦀.rs", b"fn main() {}");
    fs::create_dir_all(root.join("empty-dir/nested")).unwrap();

    let digest = hash(root, &files_mode());
    let paths: Vec<&str> = digest
        .manifest
        .entries()
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            ".hidden",
            "B.txt",
            "a.txt",
            "a/b/c/deep.bin",
            "a/empty",
            "b.txt",
            "é/日本語.txt",
            "🦀.rs"
        ]
    );
    let expected_root = merkle_root(digest.manifest.entries().iter().map(|e| {
        FileLeaf {
            path: e.path.clone(),
            size: e.size,
            sha256: sha256(&fs::read(root.join(&e.path)).unwrap()),
        }
        .leaf_hash()
    }))
    .unwrap();
    assert_eq!(digest.root, expected_root);
    assert_eq!(digest.total_bytes, 3 + 5 + 15 + 6 + 3000 + 12);
    assert_eq!(
        digest.manifest.get("a/empty").unwrap().1.sha256.to_string(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );

    // The root does not depend on the number of threads.
    for threads in [1, 2, 7] {
        let options = DatasetOptions {
            threads,
            ..files_mode()
        };
        assert_eq!(hash(root, &options), digest);
    }
    // Renaming, editing or adding a file changes the root.
    write(root, "b.txt", b"bee!");
    assert_ne!(hash(root, &files_mode()).root, digest.root);
}

#[test]
fn a_single_file_is_a_one_leaf_dataset_and_identify_gives_its_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model card.md");
    fs::write(&file, b"# card\n").unwrap();
    let digest = hash(&file, &files_mode());
    let identity = identify_file(&file, &NoProgress).unwrap();
    assert_eq!(identity.name, "model card.md");
    assert_eq!(identity.sha256, sha256(b"# card\n"));
    assert_eq!(identity.size, 7);
    assert_eq!(digest.root, identity.leaf_hash());
    assert_eq!(
        identity.leaf_hash(),
        leaf_hash(&identity.leaf().leaf_data())
    );
    assert!(matches!(
        identify_file(dir.path(), &NoProgress),
        Err(DatasetError::NotAFile { .. })
    ));
}

#[test]
fn empty_datasets_are_errors_not_the_empty_tree_hash() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        hash_dataset(dir.path(), &files_mode(), &NoProgress),
        Err(DatasetError::EmptyDataset {
            what: "no files",
            ..
        })
    ));
    fs::create_dir_all(dir.path().join("x/y")).unwrap();
    assert!(matches!(
        hash_dataset(dir.path(), &files_mode(), &NoProgress),
        Err(DatasetError::EmptyDataset { .. })
    ));
    // Files without records.
    write(dir.path(), "only-header.csv", b"a,b\n");
    write(dir.path(), "blank.jsonl", b"\n \n");
    assert!(matches!(
        hash_dataset(dir.path(), &records_mode(), &NoProgress),
        Err(DatasetError::EmptyDataset {
            what: "no records",
            ..
        })
    ));
    // The same files are a valid files-mode dataset (empty or not, files are leaves).
    assert_eq!(hash(dir.path(), &files_mode()).n_leaves, 2);
}

#[test]
fn records_survive_line_endings_and_quoting_but_not_content_changes() {
    let lf = tempfile::tempdir().unwrap();
    let crlf = tempfile::tempdir().unwrap();
    write(lf.path(), "t.csv", b"id,text\n1,hello\n2,\"a,b\"\n");
    write(
        crlf.path(),
        "t.csv",
        b"\"id\",\"text\"\r\n\"1\",hello\r\n2,\"a,b\"\r\n",
    );
    let a = hash(lf.path(), &records_mode());
    let b = hash(crlf.path(), &records_mode());
    assert_eq!(a.root, b.root);
    assert_eq!(a.n_leaves, 2);
    // The files differ, so do their manifests.
    assert_ne!(a.manifest_digest, b.manifest_digest);

    write(crlf.path(), "t.csv", b"id,text\n1,hello\n2,\"a,c\"\n");
    assert_ne!(hash(crlf.path(), &records_mode()).root, a.root);
    // The header is part of every CSV leaf.
    write(crlf.path(), "t.csv", b"id,body\n1,hello\n2,\"a,b\"\n");
    assert_ne!(hash(crlf.path(), &records_mode()).root, a.root);

    // JSON Lines: LF and CRLF give the same records, blank lines are skipped.
    write(lf.path(), "t.csv", b"x\n1\n");
    write(lf.path(), "u.jsonl", b"{\"a\":1}\n\n[2]\n");
    write(crlf.path(), "t.csv", b"x\r\n1\r\n");
    write(crlf.path(), "u.jsonl", b"{\"a\":1}\r\n[2]");
    assert_eq!(
        hash(lf.path(), &records_mode()).root,
        hash(crlf.path(), &records_mode()).root
    );
}

#[test]
fn every_record_of_a_mixed_dataset_has_a_verifying_proof() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a.csv", b"k,v\n1,one\n2,two\n3,three\n");
    write(root, "b/empty.csv", b"k,v\n");
    write(root, "b/lines.jsonl", b"{\"n\":1}\n{\"n\":2}\n");
    write(root, "c.NDJSON", b"\"x\"\n");
    let digest = hash(root, &records_mode());
    assert_eq!(digest.n_leaves, 6);
    let expected = [
        ("a.csv", 0u64),
        ("a.csv", 1),
        ("a.csv", 2),
        ("b/lines.jsonl", 0),
        ("b/lines.jsonl", 1),
        ("c.NDJSON", 0),
    ];
    for (leaf, (path, index_in_file)) in expected.iter().enumerate() {
        let by_leaf = prove_record(
            root,
            &records_mode(),
            &RecordLocator::Leaf(leaf as u64),
            &NoProgress,
        )
        .unwrap();
        let by_file = prove_record(
            root,
            &records_mode(),
            &RecordLocator::InFile {
                path: (*path).into(),
                index: *index_in_file,
            },
            &NoProgress,
        )
        .unwrap();
        assert_eq!(by_leaf, by_file);
        assert_eq!(by_leaf.inclusion.index(), leaf as u64);
        by_leaf.verify(&digest.root).unwrap();
        assert_eq!(by_leaf.root(), digest.root);
        let DatasetLeaf::Record(record) = &by_leaf.leaf else {
            panic!("not a record");
        };
        assert_eq!(
            (record.path.as_str(), record.index_in_file),
            (*path, *index_in_file)
        );
        let bytes = by_leaf.encode();
        assert_eq!(DatasetProof::decode(&bytes).unwrap(), by_leaf);
        for cut in 0..bytes.len() {
            assert!(DatasetProof::decode(&bytes[..cut]).is_err());
        }
        let mut extended = bytes.clone();
        extended.push(1);
        assert!(DatasetProof::decode(&extended).is_err());
    }
    let DatasetLeaf::Record(RecordLeaf { record, .. }) =
        prove_record(root, &records_mode(), &RecordLocator::Leaf(4), &NoProgress)
            .unwrap()
            .leaf
    else {
        panic!("not a record");
    };
    assert_eq!(
        record,
        Record::Jsonl {
            line: b"{\"n\":2}".to_vec()
        }
    );

    let missing = |locator: RecordLocator| {
        prove_record(root, &records_mode(), &locator, &NoProgress).unwrap_err()
    };
    assert!(matches!(
        missing(RecordLocator::InFile {
            path: "b/empty.csv".into(),
            index: 0
        }),
        DatasetError::RecordOutOfRange { n_records: 0, .. }
    ));
    assert!(matches!(
        missing(RecordLocator::InFile {
            path: "a.csv".into(),
            index: 3
        }),
        DatasetError::RecordOutOfRange {
            index: 3,
            n_records: 3,
            ..
        }
    ));
    assert!(matches!(
        missing(RecordLocator::InFile {
            path: "nope.csv".into(),
            index: 0
        }),
        DatasetError::FileNotInDataset { .. }
    ));
    assert!(matches!(
        missing(RecordLocator::Leaf(6)),
        DatasetError::LeafOutOfRange {
            index: 6,
            n_leaves: 6
        }
    ));
}

#[test]
fn file_proofs_bind_path_size_and_content() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..13 {
        write(
            dir.path(),
            &format!("f{i:02}"),
            format!("content {i}").as_bytes(),
        );
    }
    let digest = hash(dir.path(), &files_mode());
    let proof = prove_file(&digest.manifest, "f07").unwrap();
    proof.verify(&digest.root).unwrap();
    let DatasetLeaf::File(file) = &proof.leaf else {
        panic!("not a file");
    };
    let variants = [
        FileLeaf {
            size: file.size + 1,
            ..file.clone()
        },
        FileLeaf {
            path: "f08".into(),
            ..file.clone()
        },
        FileLeaf {
            sha256: sha256(b"other"),
            ..file.clone()
        },
    ];
    for leaf in variants {
        let forged = DatasetProof::new(DatasetLeaf::File(leaf), proof.inclusion.clone());
        assert!(forged.verify(&digest.root).is_err());
    }
    assert!(matches!(
        prove_file(&digest.manifest, "f99"),
        Err(DatasetError::FileNotInDataset { .. })
    ));
}

#[test]
fn symlinks_are_refused_unless_followed_and_cycles_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    write(&root, "real/file.txt", b"x");
    std::os::unix::fs::symlink(root.join("real/file.txt"), root.join("link.txt")).unwrap();
    assert!(matches!(
        hash_dataset(&root, &files_mode(), &NoProgress),
        Err(DatasetError::SymlinkRefused { path }) if path.ends_with("link.txt")
    ));
    let follow = DatasetOptions {
        follow_symlinks: true,
        ..files_mode()
    };
    let digest = hash(&root, &follow);
    assert_eq!(digest.n_leaves, 2);
    assert_eq!(
        digest.manifest.get("link.txt").unwrap().1.sha256,
        digest.manifest.get("real/file.txt").unwrap().1.sha256
    );

    std::os::unix::fs::symlink(&root, root.join("real/loop")).unwrap();
    assert!(matches!(
        hash_dataset(&root, &follow, &NoProgress),
        Err(DatasetError::SymlinkCycle { .. })
    ));
    fs::remove_file(root.join("real/loop")).unwrap();

    // A dangling link that is followed is an unreadable file, named in the error.
    std::os::unix::fs::symlink(root.join("gone"), root.join("dangling")).unwrap();
    let error = hash_dataset(&root, &follow, &NoProgress).unwrap_err();
    assert!(
        matches!(&error, DatasetError::Io { path, .. } if path.ends_with("dangling")),
        "{error}"
    );
}

#[test]
fn odd_inputs_get_precise_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    assert!(matches!(
        hash_dataset(&missing, &files_mode(), &NoProgress),
        Err(DatasetError::Io { path, .. }) if path == missing
    ));

    let fifo_dir = dir.path().join("fifo");
    fs::create_dir(&fifo_dir).unwrap();
    let made = Command::new("mkfifo").arg(fifo_dir.join("pipe")).status();
    if made.is_ok_and(|status| status.success()) {
        assert!(matches!(
            hash_dataset(&fifo_dir, &files_mode(), &NoProgress),
            Err(DatasetError::UnsupportedFileType { .. })
        ));
    }

    use std::os::unix::ffi::OsStrExt;
    let bad_name_dir = dir.path().join("bad-name");
    fs::create_dir(&bad_name_dir).unwrap();
    fs::write(
        bad_name_dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")),
        b"latin-1 name",
    )
    .unwrap();
    assert!(matches!(
        hash_dataset(&bad_name_dir, &files_mode(), &NoProgress),
        Err(DatasetError::NonUtf8Path { .. })
    ));

    let csv_dir = dir.path().join("csv");
    write(&csv_dir, "bad.csv", b"a,b\n1,2\n3\n");
    let error = hash_dataset(&csv_dir, &records_mode(), &NoProgress).unwrap_err();
    assert!(
        matches!(&error, DatasetError::Csv { path, .. } if path == "bad.csv"),
        "{error}"
    );

    let jsonl_dir = dir.path().join("jsonl");
    write(&jsonl_dir, "bad.jsonl", b"{}\n{\n");
    assert!(matches!(
        hash_dataset(&jsonl_dir, &records_mode(), &NoProgress),
        Err(DatasetError::InvalidJsonLine { line: 2, .. })
    ));
}

#[test]
fn progress_reaches_the_total() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big", &vec![7u8; 3 << 20]);
    write(dir.path(), "small.csv", b"a\n1\n");
    let max_done = AtomicU64::new(0);
    let total_seen = AtomicU64::new(0);
    let progress = |done: u64, total: u64| {
        max_done.fetch_max(done, Ordering::Relaxed);
        total_seen.store(total, Ordering::Relaxed);
    };
    let digest = hash_dataset(dir.path(), &files_mode(), &progress).unwrap();
    assert_eq!(total_seen.load(Ordering::Relaxed), digest.total_bytes);
    assert_eq!(max_done.load(Ordering::Relaxed), digest.total_bytes);
}
