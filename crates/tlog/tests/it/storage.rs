//! The durable log: receipts, reopening, concurrent appenders, trees past the in-memory
//! window, torn and damaged journals, refused appends, static tiles.

use std::path::Path;

use ailedger_tlog::tiles::parse_bundle;
use ailedger_tlog::{
    AppendError, ConsistencyProof, InclusionProof, Log, LogOptions, MemoryTree, Receipt,
    StorageError, TileId, leaf_hash,
};

use crate::support::{entry, key, other_key};

fn open(dir: &Path) -> Log {
    Log::open(dir, key(), LogOptions::default()).unwrap().0
}

#[test]
fn receipts_verify_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let appender = log.appender();
    let mut receipts = Vec::new();
    for start in (0..100).step_by(10) {
        let batch = (start..start + 10).map(entry).collect();
        receipts.extend(appender.append(batch).unwrap());
    }
    assert_eq!(log.size(), 100);
    for (index, receipt) in receipts.iter().enumerate() {
        assert_eq!(receipt.index(), index as u64);
        let parsed = Receipt::parse(receipt.to_text().as_bytes(), log.verifier()).unwrap();
        parsed.verify(&entry(index as u64), log.verifier()).unwrap();
    }
    let checkpoint = log.checkpoint();
    drop(appender);
    log.close().unwrap();

    let (log, recovery) = Log::open(dir.path(), key(), LogOptions::default()).unwrap();
    assert_eq!(recovery.size, 100);
    assert_eq!(recovery.replayed_batches, 0, "closing syncs the tile files");
    assert_eq!(log.checkpoint(), checkpoint);
    for index in [0, 37, 99] {
        assert_eq!(log.entry(index).unwrap(), entry(index));
        log.receipt(index)
            .unwrap()
            .verify(&entry(index), log.verifier())
            .unwrap();
    }
    // Every earlier receipt's checkpoint is a prefix of the latest one.
    for receipt in receipts.iter().step_by(7) {
        let old = receipt.checkpoint();
        let proof = log
            .consistency_proof(old.checkpoint().size(), log.size())
            .unwrap();
        old.verify_consistency(&log.checkpoint(), &proof, log.verifier())
            .unwrap();
    }
    assert_eq!(log.audit().unwrap().entries, 100);
}

#[test]
fn concurrent_appenders_get_distinct_indices_and_valid_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let results: Vec<Vec<(Vec<u8>, Receipt)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8u64)
            .map(|thread| {
                let appender = log.appender();
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for round in 0..40u64 {
                        let entries: Vec<Vec<u8>> = (0..1 + (round % 5))
                            .map(|k| format!("t{thread}-r{round}-k{k}").into_bytes())
                            .collect();
                        let receipts = appender.append(entries.clone()).unwrap();
                        out.extend(entries.into_iter().zip(receipts));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut indices: Vec<u64> = Vec::new();
    for (data, receipt) in results.iter().flatten() {
        receipt.verify(data, log.verifier()).unwrap();
        assert_eq!(&log.entry(receipt.index()).unwrap(), data);
        indices.push(receipt.index());
    }
    indices.sort_unstable();
    let n = indices.len() as u64;
    assert_eq!(indices, (0..n).collect::<Vec<_>>());
    assert_eq!(log.size(), n);
    log.audit().unwrap();
}

#[test]
fn trees_past_the_memory_window_prove_from_tiles_and_recover() {
    let dir = tempfile::tempdir().unwrap();
    let n: u64 = 3 * 65_536 + 1_234;
    let options = LogOptions {
        // Force sync points mid-way so reopening replays only the tail.
        sync_tiles_every_entries: 50_000,
        ..LogOptions::default()
    };
    let (log, _) = Log::open(dir.path(), key(), options.clone()).unwrap();
    let appender = log.appender();
    let mut next = 0u64;
    while next < n {
        let count = (n - next).min(16_000);
        appender
            .append((next..next + count).map(entry).collect())
            .unwrap();
        next += count;
    }
    let reference = MemoryTree::from_leaves((0..n).map(|i| leaf_hash(&entry(i))));
    assert_eq!(log.checkpoint().checkpoint().root(), &reference.root());
    for index in [0, 1, 65_535, 65_536, 131_071, 150_000, n - 1] {
        let ours = log.inclusion_proof(index, n).unwrap();
        assert_eq!(
            ours,
            InclusionProof::generate(&reference, index, n).unwrap()
        );
    }
    for (old, new) in [(1, n), (65_536, n), (100_000, 190_000), (n - 1, n)] {
        let ours = log.consistency_proof(old, new).unwrap();
        assert_eq!(
            ours,
            ConsistencyProof::generate(&reference, old, new).unwrap()
        );
    }
    drop(appender);
    // Dropping without `close` still stops cleanly; kill -9 is the crash test's business.
    drop(log);
    std::fs::remove_file(dir.path().join("synced")).unwrap();
    let (log, recovery) = Log::open(dir.path(), key(), options).unwrap();
    // Without a sync point the tile files are cut back to nothing and rebuilt from the
    // whole journal: 13 batches of at most 16,000 entries.
    assert_eq!(recovery.replayed_batches, 13);
    assert_eq!(recovery.size, n);
    assert_eq!(log.root(n).unwrap(), reference.root());
    assert_eq!(
        log.inclusion_proof(99_999, n).unwrap(),
        InclusionProof::generate(&reference, 99_999, n).unwrap()
    );
}

#[test]
fn torn_last_record_is_cut_off_and_acknowledged_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let appender = log.appender();
    appender.append((0..5).map(entry).collect()).unwrap();
    appender.append((5..9).map(entry).collect()).unwrap();
    let checkpoint = log.checkpoint();
    drop(appender);
    log.close().unwrap();

    // A crash in the middle of writing the next record: its first part is on disk.
    let journal = dir.path().join("journal");
    let mut bytes = std::fs::read(&journal).unwrap();
    let record_start = bytes.len();
    let last_record = bytes[bytes.len() - 400..].to_vec();
    bytes.extend_from_slice(&last_record[..150]);
    std::fs::write(&journal, &bytes).unwrap();

    let (log, recovery) = Log::open(dir.path(), key(), LogOptions::default()).unwrap();
    assert_eq!(recovery.truncated_bytes, 150);
    assert!(recovery.truncated_reason.is_some());
    assert_eq!(log.checkpoint(), checkpoint);
    assert_eq!(
        std::fs::metadata(&journal).unwrap().len(),
        record_start as u64
    );
    let receipts = log.appender().append(vec![entry(9)]).unwrap();
    assert_eq!(receipts[0].index(), 9);
    log.audit().unwrap();
}

#[test]
fn damaged_acknowledged_record_is_reported_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let appender = log.appender();
    appender
        .append(vec![b"first batch entry".to_vec()])
        .unwrap();
    appender
        .append(vec![b"second batch entry".to_vec()])
        .unwrap();
    drop(appender);
    log.close().unwrap();
    let journal = dir.path().join("journal");
    let bytes = std::fs::read(&journal).unwrap();
    let at = bytes
        .windows(5)
        .position(|window| window == b"first")
        .unwrap();
    let mut damaged = bytes;
    damaged[at] ^= 0x20;
    std::fs::write(&journal, &damaged).unwrap();

    // The sync point covers both records, so opening trusts the tiles; the audit does not.
    let log = open(dir.path());
    assert!(matches!(log.audit(), Err(StorageError::Corrupt { .. })));
    drop(log);
    // Without a sync point the damaged first record is replayed, and a valid record follows
    // it: that is damage, not a torn write, and opening refuses to cut it off.
    std::fs::remove_file(dir.path().join("synced")).unwrap();
    let error = Log::open(dir.path(), key(), LogOptions::default()).unwrap_err();
    assert!(matches!(error, StorageError::Corrupt { .. }), "{error}");
    assert_eq!(std::fs::read(&journal).unwrap(), damaged);
}

#[test]
fn refused_appends_name_the_problem_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let options = LogOptions {
        max_entry_len: 100,
        max_batch_entries: 10,
        max_batch_bytes: 500,
        ..LogOptions::default()
    };
    let (log, _) = Log::open(dir.path(), key(), options).unwrap();
    let appender = log.appender();
    appender.append(vec![entry(0)]).unwrap();
    type Expectation = fn(&AppendError) -> bool;
    let cases: Vec<(Vec<Vec<u8>>, Expectation)> = vec![
        (vec![], |e| matches!(e, AppendError::EmptyBatch)),
        (vec![b"x".to_vec(); 11], |e| {
            matches!(
                e,
                AppendError::BatchTooLarge {
                    n_entries: 11,
                    max: 10
                }
            )
        }),
        (vec![b"ok".to_vec(), vec![]], |e| {
            matches!(e, AppendError::EmptyEntry { position: 1 })
        }),
        (vec![b"ok".to_vec(), vec![7; 101]], |e| {
            matches!(
                e,
                AppendError::EntryTooLarge {
                    position: 1,
                    len: 101,
                    max: 100
                }
            )
        }),
        (vec![vec![7; 100]; 6], |e| {
            matches!(
                e,
                AppendError::BatchBytesTooLarge {
                    n_bytes: 600,
                    max: 500
                }
            )
        }),
    ];
    for (batch, expected) in cases {
        let error = appender.append(batch).unwrap_err();
        assert!(expected(&error), "{error}");
    }
    assert_eq!(log.size(), 1);
    // Entry bundles store u16 lengths: the limit cannot be raised past 65,535.
    let dir = tempfile::tempdir().unwrap();
    let options = LogOptions {
        max_entry_len: 1 << 20,
        ..LogOptions::default()
    };
    let (log, _) = Log::open(dir.path(), key(), options).unwrap();
    let error = log.appender().append(vec![vec![1; 65_536]]).unwrap_err();
    assert!(matches!(
        error,
        AppendError::EntryTooLarge { max: 65_535, .. }
    ));
    log.appender().append(vec![vec![1; 65_535]]).unwrap();
}

#[test]
fn a_log_opens_only_with_its_own_key() {
    let dir = tempfile::tempdir().unwrap();
    open(dir.path()).close().unwrap();
    let error = Log::open(dir.path(), other_key(), LogOptions::default()).unwrap_err();
    assert!(matches!(error, StorageError::WrongLog { .. }), "{error}");
}

#[test]
fn static_tiles_hold_the_tree_and_the_entries() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let n = 70_000u64;
    let appender = log.appender();
    for start in (0..n).step_by(10_000) {
        appender
            .append((start..(start + 10_000).min(n)).map(entry).collect())
            .unwrap();
    }
    let export = tempfile::tempdir().unwrap();
    let checkpoint = log.export_static(export.path()).unwrap();
    assert_eq!(
        std::fs::read(export.path().join("checkpoint")).unwrap(),
        checkpoint.as_bytes()
    );
    // The C2SP example: 273 full level-0 tiles and one of width 112, and so on up.
    let level0 = std::fs::read(export.path().join("tile/0/273.p/112")).unwrap();
    assert_eq!(level0.len(), 112 * 32);
    assert_eq!(&level0[..32], &leaf_hash(&entry(273 * 256)).0);
    assert_eq!(
        std::fs::read(export.path().join("tile/1/001.p/17"))
            .unwrap()
            .len(),
        17 * 32
    );
    assert_eq!(
        std::fs::read(export.path().join("tile/2/000.p/1"))
            .unwrap()
            .len(),
        32
    );
    // Entry bundles hold the entries, and each hashes to its level-0 tile hash.
    let bundle = std::fs::read(export.path().join("tile/entries/005")).unwrap();
    let tile = std::fs::read(export.path().join("tile/0/005")).unwrap();
    let entries = parse_bundle(&bundle).unwrap();
    assert_eq!(entries.len(), 256);
    for (position, data) in entries.iter().enumerate() {
        assert_eq!(*data, entry(5 * 256 + position as u64).as_slice());
        assert_eq!(&tile[position * 32..position * 32 + 32], &leaf_hash(data).0);
    }
    // The root recomputed from the top tiles only matches the checkpoint.
    let full_level1 = std::fs::read(export.path().join("tile/1/000")).unwrap();
    let mut tree = MemoryTree::new();
    for hash in full_level1.chunks(32) {
        tree.push(ailedger_tlog::Hash(hash.try_into().unwrap()));
    }
    assert_eq!(
        tree.root(),
        log.root(65_536).unwrap(),
        "a full level-1 tile is the bottom row of the subtree of its 65,536 entries"
    );
    assert!(matches!(
        log.read_tile(TileId::hashes(0, 274, 1)),
        Err(StorageError::NotInLog { .. })
    ));
}

#[test]
fn tile_files_alone_give_the_same_proofs_and_damaged_ones_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let n = 70_000u64;
    let appender = log.appender();
    for start in (0..n).step_by(7_000) {
        appender
            .append((start..start + 7_000).map(entry).collect())
            .unwrap();
    }
    drop(appender);
    let reader = ailedger_tlog::storage::TileReader::open(dir.path().join("tiles")).unwrap();
    assert_eq!(reader.size(), n);
    for index in [0, 255, 256, 65_535, 69_999] {
        assert_eq!(
            InclusionProof::generate(&reader, index, n).unwrap(),
            log.inclusion_proof(index, n).unwrap()
        );
    }
    log.close().unwrap();

    // A tile file shorter than the sync point says: rebuilt from the journal, not trusted.
    let level0 = dir.path().join("tiles/0.hashes");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&level0)
        .unwrap();
    file.set_len(1_000 * 32).unwrap();
    let (log, recovery) = Log::open(dir.path(), key(), LogOptions::default()).unwrap();
    assert!(recovery.rebuilt);
    assert_eq!(recovery.size, n);
    assert_eq!(std::fs::metadata(&level0).unwrap().len(), n * 32);
    log.audit().unwrap();
}
