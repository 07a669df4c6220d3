//! Transparency-log figures, all from one run on one machine:
//!
//! 1. SHA-256 throughput (bulk, 200-byte leaf hashes, 65-byte node hashes; 1 and 2 threads)
//!    and the hashing work per appended record, giving the hashing limit in records/s.
//! 2. Durable appends: records/s with one `fdatasync` per batch, and receipt latency
//!    (p50/p99/p99.9/max of the append call, which returns the receipts) for several numbers
//!    of concurrent writers and records per call; storage bytes per entry.
//! 3. Proof generation and verification in a tree of 10^8 entries, read from tile files
//!    alone (no in-memory nodes). The tree is generated synthetically (leaf `i` is the hash
//!    of the 8-byte index) but written in the log's own tile-file layout and read through the
//!    same code the log uses for entries that have left its memory window.
//!
//! `cargo bench -p ailedger-tlog --bench append`. Environment: `AILEDGER_BENCH_SECONDS` per
//! append configuration (default 5), `AILEDGER_BENCH_RECORD_BYTES` (default 200),
//! `AILEDGER_BENCH_TREE` synthetic tree size (default 100000000), `AILEDGER_BENCH_TMP` where
//! logs are written (default: the system temporary directory).

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ailedger_tlog::merkle::tree_root;
use ailedger_tlog::storage::TileReader;
use ailedger_tlog::{
    ConsistencyProof, Frontier, Hash, InclusionProof, Log, LogKey, LogOptions, leaf_hash, node_hash,
};
use sha2::{Digest as _, Sha256};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn temp_root() -> PathBuf {
    std::env::var_os("AILEDGER_BENCH_TMP").map_or_else(std::env::temp_dir, PathBuf::from)
}

/// Runs `work(thread)` on `n_threads` threads for about `seconds`; returns operations/s.
fn rate(n_threads: usize, seconds: f64, work: impl Fn(usize) -> u64 + Sync) -> f64 {
    let start = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n_threads)
            .map(|thread| {
                let work = &work;
                scope.spawn(move || {
                    let mut ops = 0;
                    while start.elapsed().as_secs_f64() < seconds {
                        ops += work(thread);
                    }
                    ops
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let position = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[position.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let metadata = entry.metadata().unwrap();
        total += if metadata.is_dir() {
            dir_bytes(&entry.path())
        } else {
            metadata.len()
        };
    }
    total
}

fn record(thread: usize, n: u64, len: usize) -> Vec<u8> {
    let mut data =
        format!("{{\"model\":\"m-7\",\"writer\":{thread},\"seq\":{n},\"d\":\"").into_bytes();
    let fill = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    while data.len() < len {
        data.push(b'a' + (fill.rotate_left(data.len() as u32) % 26) as u8);
    }
    data.truncate(len);
    data
}

struct HashingFigures {
    leaf_per_s_2: f64,
    node_per_s_2: f64,
}

fn hashing(record_bytes: usize) -> HashingFigures {
    println!("## SHA-256 on this machine");
    let block = vec![0x5au8; 16 * 1024];
    for threads in [1, 2] {
        let per_s = rate(threads, 1.0, |_| {
            for _ in 0..64 {
                black_box(Sha256::digest(black_box(&block)));
            }
            64
        });
        println!(
            "bulk 16 KiB buffers, {threads} thread(s): {:.2} GB/s",
            per_s * block.len() as f64 / 1e9
        );
    }
    let entry = record(0, 1, record_bytes);
    let mut leaf_per_s = [0.0; 2];
    let mut node_per_s = [0.0; 2];
    for threads in [1, 2] {
        leaf_per_s[threads - 1] = rate(threads, 1.0, |_| {
            for _ in 0..1024 {
                black_box(leaf_hash(black_box(&entry)));
            }
            1024
        });
        let (left, right) = (leaf_hash(b"l"), leaf_hash(b"r"));
        node_per_s[threads - 1] = rate(threads, 1.0, |_| {
            for _ in 0..1024 {
                black_box(node_hash(black_box(&left), black_box(&right)));
            }
            1024
        });
        println!(
            "{threads} thread(s): leaf hash of a {record_bytes}-byte record {:.2} M/s, node hash (65 bytes) {:.2} M/s",
            leaf_per_s[threads - 1] / 1e6,
            node_per_s[threads - 1] / 1e6
        );
    }
    let per_record_2 = 1.0 / (1.0 / leaf_per_s[1] + 1.0 / node_per_s[1]);
    println!(
        "hashing work per record: 1 leaf hash ({} SHA-256 blocks) + 1 node hash (2 blocks; a tree of n leaves has n - 1 inner nodes)",
        (record_bytes + 1 + 9).div_ceil(64)
    );
    println!(
        "hashing limit: {:.2} M records/s on 2 threads ({:.2} M/s on 1)",
        per_record_2 / 1e6,
        1.0 / (1.0 / leaf_per_s[0] + 1.0 / node_per_s[0]) / 1e6
    );
    disk_sync_latency();
    HashingFigures {
        leaf_per_s_2: leaf_per_s[1],
        node_per_s_2: node_per_s[1],
    }
}

/// The disk's floor: one 4 KiB append plus `fdatasync`, as a batch costs at least that.
fn disk_sync_latency() {
    let dir = tempfile::tempdir_in(temp_root()).unwrap();
    let file = std::fs::File::create(dir.path().join("sync-probe")).unwrap();
    let block = vec![0x11u8; 4096];
    let mut samples = Vec::new();
    for i in 0..300u64 {
        let begin = Instant::now();
        file.write_all_at(&block, i * 4096).unwrap();
        file.sync_data().unwrap();
        samples.push(begin.elapsed());
    }
    samples.sort_unstable();
    println!(
        "disk: 4 KiB append + fdatasync p50 {:.2} ms, p99 {:.2} ms ({:.0} syncs/s one after another)",
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        samples.len() as f64 / samples.iter().sum::<Duration>().as_secs_f64()
    );
}

fn durable_appends(seconds: f64, record_bytes: usize, hashing: &HashingFigures) {
    println!();
    println!("## Durable appends ({record_bytes}-byte records, one fdatasync per batch)");
    println!(
        "| writers | records/call | records/s | calls/s | batches/s | records/batch | p50 ms | p99 ms | p99.9 ms | max ms | bytes/entry | overhead bytes/entry |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let key = LogKey::from_seed("bench.ailedger.test/log", [7; 32]).unwrap();
    let mut best = 0.0f64;
    for (writers, per_call) in [
        (1, 1),
        (16, 1),
        (64, 1),
        (256, 1),
        (1024, 1),
        (4, 64),
        (16, 64),
        (64, 64),
    ] {
        let dir = tempfile::tempdir_in(temp_root()).unwrap();
        let (log, _) = Log::open(dir.path(), key.clone(), LogOptions::default()).unwrap();
        let stop = AtomicBool::new(false);
        let start = Instant::now();
        let latencies: Vec<Vec<Duration>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..writers)
                .map(|thread| {
                    let appender = log.appender();
                    let stop = &stop;
                    std::thread::Builder::new()
                        .stack_size(256 * 1024)
                        .spawn_scoped(scope, move || {
                            let mut latencies = Vec::new();
                            let mut n = 0u64;
                            while !stop.load(Ordering::Relaxed) {
                                let entries: Vec<Vec<u8>> = (0..per_call)
                                    .map(|k| record(thread, n + k, record_bytes))
                                    .collect();
                                n += per_call;
                                let begin = Instant::now();
                                let receipts = appender.append(entries).unwrap();
                                latencies.push(begin.elapsed());
                                black_box(receipts);
                            }
                            latencies
                        })
                        .unwrap()
                })
                .collect();
            std::thread::sleep(Duration::from_secs_f64(seconds));
            stop.store(true, Ordering::Relaxed);
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let elapsed = start.elapsed().as_secs_f64();
        let mut all: Vec<Duration> = latencies.into_iter().flatten().collect();
        all.sort_unstable();
        let n_calls = all.len() as f64;
        let n_records = log.size() as f64;
        let n_batches = std::fs::metadata(dir.path().join("batches.index"))
            .unwrap()
            .len() as f64
            / 16.0;
        log.close().unwrap();
        let bytes = dir_bytes(dir.path()) as f64;
        let records_per_s = n_records / elapsed;
        best = best.max(records_per_s);
        println!(
            "| {writers} | {per_call} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.1} |",
            records_per_s,
            n_calls / elapsed,
            n_batches / elapsed,
            n_records / n_batches,
            ms(percentile(&all, 0.50)),
            ms(percentile(&all, 0.99)),
            ms(percentile(&all, 0.999)),
            ms(*all.last().unwrap()),
            bytes / n_records,
            bytes / n_records - record_bytes as f64,
        );
    }
    let limit = 1.0 / (1.0 / hashing.leaf_per_s_2 + 1.0 / hashing.node_per_s_2);
    println!(
        "best durable rate {:.0} records/s = {:.1}% of the 2-thread hashing limit ({:.0}/s)",
        best,
        100.0 * best / limit,
        limit
    );
}

/// Writes the tile-level files of a tree of `n` synthetic leaves in the log's layout.
fn write_synthetic_tiles(dir: &Path, n: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let mut files: Vec<std::io::BufWriter<std::fs::File>> = Vec::new();
    let mut frontier = Frontier::new();
    for i in 0..n {
        let leaf = leaf_hash(&i.to_be_bytes());
        frontier.push_with(leaf, |level, _, hash| {
            if level % 8 != 0 {
                return;
            }
            let tile_level = usize::from(level / 8);
            while files.len() <= tile_level {
                let path = dir.join(format!("{}.hashes", files.len()));
                files.push(std::io::BufWriter::with_capacity(
                    1 << 20,
                    std::fs::File::create(path).unwrap(),
                ));
            }
            files[tile_level].write_all(&hash.0).unwrap();
        });
    }
    for mut file in files {
        file.flush().unwrap();
    }
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name}: mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs ({} samples)",
        mean.as_secs_f64() * 1e6,
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        samples.len()
    );
}

fn proofs_at_scale(n: u64) {
    println!();
    println!("## Proofs in a tree of {n} entries, from tile files only");
    let dir = tempfile::tempdir_in(temp_root()).unwrap();
    let tiles = dir.path().join("tiles");
    let start = Instant::now();
    write_synthetic_tiles(&tiles, n);
    println!(
        "generated {n} leaves and their tile levels in {:.1} s ({} bytes of tile files, {:.2} bytes/entry)",
        start.elapsed().as_secs_f64(),
        dir_bytes(&tiles),
        dir_bytes(&tiles) as f64 / n as f64
    );
    let reader = TileReader::open(&tiles).unwrap();
    assert_eq!(reader.size(), n);
    let start = Instant::now();
    let root = tree_root(&reader, n).unwrap();
    println!(
        "root from tiles: {:.1} µs",
        start.elapsed().as_secs_f64() * 1e6
    );
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut generate, mut verify) = (Vec::new(), Vec::new());
    let mut path_len = 0;
    for _ in 0..2000 {
        let index = next() % n;
        let begin = Instant::now();
        let proof = InclusionProof::generate(&reader, index, n).unwrap();
        generate.push(begin.elapsed());
        let leaf = leaf_hash(&index.to_be_bytes());
        let begin = Instant::now();
        proof.verify(&leaf, &root).unwrap();
        verify.push(begin.elapsed());
        path_len = proof.path.len();
    }
    summary(
        &format!("inclusion proof generation ({path_len} hashes)"),
        generate,
    );
    summary("inclusion proof verification", verify);
    let (mut generate, mut verify) = (Vec::new(), Vec::new());
    for _ in 0..500 {
        let old = 1 + next() % (n - 1);
        let begin = Instant::now();
        let proof = ConsistencyProof::generate(&reader, old, n).unwrap();
        generate.push(begin.elapsed());
        let old_root: Hash = tree_root(&reader, old).unwrap();
        let begin = Instant::now();
        proof.verify(&old_root, &root).unwrap();
        verify.push(begin.elapsed());
    }
    summary(
        "consistency proof generation (random old size to n)",
        generate,
    );
    summary("consistency proof verification", verify);
    // Make sure the proofs really come from the files: after changing leaf 0 on disk, the
    // proof for leaf 1 (whose sibling it is) no longer verifies.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(tiles.join("0.hashes"))
        .unwrap();
    file.write_all_at(&[0xff; 32], 0).unwrap();
    let proof = InclusionProof::generate(&TileReader::open(&tiles).unwrap(), 1, n).unwrap();
    assert!(
        proof
            .verify(&leaf_hash(&1u64.to_be_bytes()), &root)
            .is_err()
    );
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        // `cargo test --benches` lists benchmarks; this one has no list to give.
        return;
    }
    let seconds = env_u64("AILEDGER_BENCH_SECONDS", 5) as f64;
    let record_bytes = env_u64("AILEDGER_BENCH_RECORD_BYTES", 200) as usize;
    let tree = env_u64("AILEDGER_BENCH_TREE", 100_000_000);
    println!(
        "# ailedger-tlog append benchmark ({} CPUs available)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let figures = hashing(record_bytes);
    durable_appends(seconds, record_bytes, &figures);
    proofs_at_scale(tree);
}
