//! Dataset hashing throughput against `sha256sum` on the same files in the same run, and peak
//! memory while hashing one large file.
//!
//! `cargo bench -p ailedger-artifacts --bench hashing`. Generates, in a temporary directory:
//! (a) a directory of many files of varied sizes, (b) one large file. The page cache is warmed
//! by reading everything once; then each case runs `ROUNDS` times alternating our library and
//! one `sha256sum` process (over all files in a single invocation for the directory), and the
//! median wall times are printed with their ratio. `sha256sum`'s digests are checked against
//! our manifest. Peak memory is the process's VmHWM (reset through `/proc/self/clear_refs`
//! just before hashing the large file).
//!
//! Sizes can be changed with `AILEDGER_BENCH_FILES` (default 2000), `AILEDGER_BENCH_DIR_MIB`
//! (default 1536) and `AILEDGER_BENCH_LARGE_MIB` (default 2048); `AILEDGER_BENCH_TMP` sets
//! where the data is written (default: the system temporary directory) and
//! `AILEDGER_BENCH_THREADS` our worker threads (default 0: one per core).

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ailedger_artifacts::dataset::{DatasetOptions, hash_dataset};
use ailedger_artifacts::{Hash, NoProgress};

const ROUNDS: usize = 3;
const MIB: u64 = 1 << 20;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Fills `buffer` with xorshift output: incompressible, fast to make.
fn fill(buffer: &mut [u8], state: &mut u64) {
    for chunk in buffer.chunks_mut(8) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let bytes = state.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

fn write_file(path: &Path, n_bytes: u64, seed: u64) {
    let mut file = File::create(path).unwrap();
    let mut buffer = vec![0u8; MIB as usize];
    let mut state = seed | 1;
    let mut left = n_bytes;
    while left > 0 {
        let n = left.min(MIB) as usize;
        fill(&mut buffer[..n], &mut state);
        file.write_all(&buffer[..n]).unwrap();
        left -= n as u64;
    }
}

/// Writes `n_files` files of varied sizes (a quarter to seven quarters of the mean) in 20
/// subdirectories; returns their relative paths, sorted.
fn make_directory(root: &Path, n_files: u64, total_bytes: u64) -> Vec<String> {
    let mean = total_bytes / n_files;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut paths = Vec::new();
    for index in 0..n_files {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let size = mean / 4 + state % (mean * 3 / 2);
        let relative = format!("part-{:02}/file-{index:05}.bin", index % 20);
        let path = root.join(&relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_file(&path, size, index + 1);
        paths.push(relative);
    }
    paths.sort();
    paths
}

fn warm(paths: &[PathBuf]) {
    let mut buffer = vec![0u8; MIB as usize];
    for path in paths {
        let mut file = File::open(path).unwrap();
        while file.read(&mut buffer).unwrap() > 0 {}
    }
}

/// Runs `sha256sum` over `paths` (relative to `dir`) and returns its digests.
fn run_sha256sum(dir: &Path, paths: &[String]) -> Vec<(String, Hash)> {
    let output = Command::new("sha256sum")
        .current_dir(dir)
        .args(paths)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (hash, path) = line.split_once("  ").unwrap();
            (path.to_owned(), hash.parse().unwrap())
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn gbps(bytes: u64, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e9
}

fn status_kib(field: &str) -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Times our hashing and `sha256sum` alternately; checks they agree.
fn compare(name: &str, dataset: &Path, sha_dir: &Path, sha_paths: &[String], total: u64) {
    let options = DatasetOptions {
        threads: env_u64("AILEDGER_BENCH_THREADS", 0) as usize,
        ..DatasetOptions::default()
    };
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let digest = hash_dataset(dataset, &options, &NoProgress).unwrap();
        ours.push(start.elapsed());
        assert_eq!(digest.total_bytes, total);

        let start = Instant::now();
        let reference = run_sha256sum(sha_dir, sha_paths);
        theirs.push(start.elapsed());
        assert_eq!(reference.len(), digest.manifest.entries().len());
        for (entry, (_, hash)) in digest.manifest.entries().iter().zip(&reference) {
            assert_eq!(entry.sha256, *hash, "{}", entry.path);
        }
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "{name}: ailedger {:.3} s ({:.2} GB/s), sha256sum {:.3} s ({:.2} GB/s), speed ratio {:.2}x",
        ours.as_secs_f64(),
        gbps(total, ours),
        theirs.as_secs_f64(),
        gbps(total, theirs),
        theirs.as_secs_f64() / ours.as_secs_f64(),
    );
    // A SHA-NI baseline too, when the `openssl` tool is installed (Debian's sha256sum uses
    // coreutils' portable C SHA-256, without SHA-NI).
    let mut openssl = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let status = Command::new("openssl")
            .current_dir(sha_dir)
            .args(["dgst", "-sha256"])
            .args(sha_paths)
            .stdout(Stdio::null())
            .status();
        if !status.is_ok_and(|status| status.success()) {
            break;
        }
        openssl.push(start.elapsed());
    }
    if openssl.len() == ROUNDS {
        let openssl = median(openssl);
        println!(
            "{name}: openssl dgst -sha256 {:.3} s ({:.2} GB/s), ailedger speed ratio {:.2}x",
            openssl.as_secs_f64(),
            gbps(total, openssl),
            openssl.as_secs_f64() / ours.as_secs_f64(),
        );
    }
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent; keep that run short.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("hashing bench: run with `cargo bench -p ailedger-artifacts --bench hashing`");
        return;
    }
    let n_files = env_u64("AILEDGER_BENCH_FILES", 2000);
    let dir_bytes = env_u64("AILEDGER_BENCH_DIR_MIB", 1536) * MIB;
    let large_bytes = env_u64("AILEDGER_BENCH_LARGE_MIB", 2048) * MIB;
    let parent = std::env::var_os("AILEDGER_BENCH_TMP")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let temp = tempfile::tempdir_in(parent).unwrap();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "cores: {threads}; rounds: {ROUNDS} (median shown); data in {}",
        temp.path().display()
    );

    // (a) many files.
    let dataset = temp.path().join("many");
    let relative = make_directory(&dataset, n_files, dir_bytes);
    let full: Vec<PathBuf> = relative.iter().map(|p| dataset.join(p)).collect();
    let total: u64 = full.iter().map(|p| fs::metadata(p).unwrap().len()).sum();
    warm(&full);
    println!(
        "(a) directory: {n_files} files, {:.2} GiB",
        total as f64 / (1u64 << 30) as f64
    );
    compare("(a) directory", &dataset, &dataset, &relative, total);

    // (b) one large file.
    let large = temp.path().join("large.bin");
    write_file(&large, large_bytes, 42);
    warm(std::slice::from_ref(&large));
    println!(
        "(b) one file: {:.2} GiB",
        large_bytes as f64 / (1u64 << 30) as f64
    );
    compare(
        "(b) one file",
        &large,
        temp.path(),
        &["large.bin".to_owned()],
        large_bytes,
    );

    // Peak memory while hashing the large file: reset VmHWM, hash, read it back.
    let reset = fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kib("VmRSS:");
    hash_dataset(&large, &DatasetOptions::default(), &NoProgress).unwrap();
    let peak = status_kib("VmHWM:");
    println!(
        "peak memory hashing the {:.2} GiB file: VmHWM {:.1} MiB (RSS before {:.1} MiB{})",
        large_bytes as f64 / (1u64 << 30) as f64,
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
        if reset {
            ""
        } else {
            "; VmHWM could not be reset, so it includes earlier work"
        },
    );
}
