//! `ailedger bench transfers` and `ailedger bench provenance`: the whole node under load
//! (`ailedger bench logs`, in [`logs`], loads the inference log service).
//!
//! A fresh single-validator chain is created in a temporary directory with `--senders` funded
//! accounts, and its node runs as a separate process (`ailedger node`), as a user would run it.
//! Every transfer is signed before the clock starts. Workers then post them over HTTP in
//! batches (`POST /v1/txs`), each worker owning a disjoint set of senders so that nonces arrive
//! in order, either as fast as the node accepts them (with at most 100,000 in flight) or at a
//! fixed `--rate`. A poller follows
//! finalized blocks and notes when each transaction is first seen in one. Reported: committed
//! transfers per second, latency from submission to finality, disk per transaction and the
//! node's memory.

pub(crate) mod logs;
pub(crate) mod provenance;

use super::Context;
use crate::output::Fields;
use ailedger_core::{Hash, SecretKey, SignedTransaction, Transaction};
use ailedger_node::config::{
    Home, InitOptions, StakingOptions, TestnetOptions, init, init_testnet,
};
use ailedger_state::staking::StakingParams;
use ailedger_state::{
    Module,
    bank::{Bank, BankMsg},
};
use anyhow::{Context as _, bail};
use clap::Args;
use commonware_codec::Encode;
use serde::Serialize;
use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// `ailedger bench transfers`.
#[derive(Debug, Args)]
pub(crate) struct TransfersArgs {
    /// Transfers to commit.
    #[arg(long, default_value_t = 200_000)]
    pub(crate) txs: usize,
    /// Funded accounts sending them (each sends txs / senders, in nonce order).
    #[arg(long, default_value_t = 2_000)]
    pub(crate) senders: usize,
    /// Transfers per HTTP request.
    #[arg(long, default_value_t = 1_000)]
    pub(crate) batch: usize,
    /// Concurrent HTTP workers.
    #[arg(long, default_value_t = 4)]
    pub(crate) workers: usize,
    /// Submit at this many transfers per second (open loop) instead of as fast as accepted.
    #[arg(long, value_name = "TX_PER_S")]
    pub(crate) rate: Option<u64>,
    /// The node's block interval, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub(crate) block_interval_ms: u64,
    /// Keep the node's directory (its path is printed) instead of deleting it.
    #[arg(long)]
    pub(crate) keep: bool,
    /// Validators: more than one runs a chain of that many node processes on loopback, each
    /// worker submitting to one of them.
    #[arg(long, default_value_t = 1)]
    pub(crate) validators: usize,
    /// Epochs of N blocks (the chain's default is 1,000): short epochs put validator-set
    /// boundaries, where consensus changes engines, inside the measurement.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..))]
    pub(crate) epoch_length: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Report {
    validators: usize,
    txs: usize,
    senders: usize,
    batch: usize,
    workers: usize,
    rate: Option<u64>,
    block_interval_ms: u64,
    epoch_length: Option<u64>,
    epochs_crossed: u64,
    committed_per_s: f64,
    submitted_per_s: f64,
    latency_ms_p50: f64,
    latency_ms_p90: f64,
    latency_ms_p99: f64,
    latency_ms_max: f64,
    blocks: u64,
    txs_per_block: f64,
    retried: usize,
    disk_bytes: u64,
    disk_bytes_per_tx: f64,
    node_rss_bytes: u64,
    node_peak_rss_bytes: u64,
    dir: Option<String>,
}

/// The node process under test; killed when dropped.
struct NodeUnderTest {
    child: Child,
    url: String,
}

impl Drop for NodeUnderTest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NodeUnderTest {
    /// Starts the node of `home`. A lone validator listens on ports the system picks; a
    /// validator of several keeps the addresses its peers know it by.
    fn spawn(home: &Path, block_interval_ms: u64, alone: bool) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding the ailedger binary")?;
        let log = std::fs::File::create(home.join("node.log")).context("creating the node log")?;
        let mut command = Command::new(exe);
        command.arg("--home").arg(home).arg("node");
        if alone {
            command.args(["--api-addr", "127.0.0.1:0", "--p2p-addr", "127.0.0.1:0"]);
        }
        let mut child = command
            .args(["--block-interval-ms", &block_interval_ms.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .context("starting the node")?;
        let stdout = child.stdout.take().context("node stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let Some(line) = lines.next() else {
                bail!(
                    "the node exited before listening; see {}",
                    home.join("node.log").display()
                );
            };
            if let Some(url) = line
                .context("reading the node's output")?
                .strip_prefix("api")
            {
                break url.trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Ok(Self { child, url })
    }

    /// Resident and peak resident memory.
    fn memory(&self) -> (u64, u64) {
        process_memory(self.child.id())
    }
}

/// Resident and peak resident memory of process `pid`, from `/proc` (zeros where it does not
/// exist).
fn process_memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn disk_usage(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(metadata) if metadata.is_dir() => disk_usage(&entry.path()),
            Ok(metadata) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt as _;
                    metadata.blocks() * 512
                }
                #[cfg(not(unix))]
                {
                    metadata.len()
                }
            }
            Err(_) => 0,
        })
        .sum()
}

fn sender_key(index: usize) -> SecretKey {
    SecretKey::from_seed(1_000_000 + index as u64)
}

/// One HTTP request's worth of signed transfers.
struct Batch {
    body: String,
    hashes: Vec<Hash>,
    txs: Vec<SignedTransaction>,
}

fn body(txs: &[SignedTransaction]) -> String {
    let hexes: Vec<String> = txs.iter().map(|tx| hex::encode(tx.encode())).collect();
    serde_json::json!({ "txs": hexes }).to_string()
}

/// Signs every transfer, and splits them into per-worker queues of batches in nonce order.
fn prepare(args: &TransfersArgs, chain_id: &str) -> anyhow::Result<Vec<Vec<Batch>>> {
    let rounds = args.txs.div_ceil(args.senders);
    let recipient = SecretKey::from_seed(42).address();
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let keys: Vec<SecretKey> = (0..args.senders).map(sender_key).collect();
    // Sign in parallel, one chunk of senders per thread.
    let per_thread = args.senders.div_ceil(threads);
    let signed: Vec<Vec<SignedTransaction>> = std::thread::scope(|scope| {
        let handles: Vec<_> = keys
            .chunks(per_thread)
            .map(|chunk| {
                let recipient = recipient.clone();
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|key| {
                            (0..rounds as u64)
                                .map(|nonce| {
                                    let msg = BankMsg::Transfer {
                                        to: recipient.clone(),
                                        amount: 1,
                                    };
                                    Transaction::new(
                                        chain_id,
                                        key.address(),
                                        nonce,
                                        50_000,
                                        1,
                                        Bank::ID,
                                        msg.encode().to_vec(),
                                    )
                                    .map(|tx| tx.sign(key))
                                })
                                .collect::<Result<Vec<_>, _>>()
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("signing threads do not panic"))
            .collect::<Result<Vec<_>, _>>()
            .map(|chunks| chunks.into_iter().flatten().collect())
    })?;
    Ok(queues(&signed, args.txs, args.workers, args.batch))
}

/// Splits per-sender transactions (each sender's in nonce order) into per-worker queues of
/// batches: a sender belongs to one worker, so its nonces arrive in order, and rounds
/// interleave senders so that every sender makes progress. At most `total` are taken.
fn queues(
    signed: &[Vec<SignedTransaction>],
    total: usize,
    workers: usize,
    batch: usize,
) -> Vec<Vec<Batch>> {
    let rounds = signed.iter().map(Vec::len).max().unwrap_or(0);
    let mut queues: Vec<Vec<Batch>> = (0..workers).map(|_| Vec::new()).collect();
    let mut remaining = total;
    for round in 0..rounds {
        for (worker, queue) in queues.iter_mut().enumerate() {
            let round_txs: Vec<SignedTransaction> = (worker..signed.len())
                .step_by(workers)
                .filter_map(|sender| {
                    if remaining == 0 {
                        return None;
                    }
                    let tx = signed[sender].get(round).cloned();
                    remaining -= usize::from(tx.is_some());
                    tx
                })
                .collect();
            for chunk in round_txs.chunks(batch) {
                queue.push(Batch {
                    body: body(chunk),
                    hashes: chunk.iter().map(SignedTransaction::hash).collect(),
                    txs: chunk.to_vec(),
                });
            }
        }
    }
    queues
}

/// Most transactions submitted and not yet seen finalized, when submitting as fast as accepted.
const MAX_IN_FLIGHT: usize = 100_000;

/// What the workers and the poller share.
#[derive(Default)]
struct Timings {
    submitted: HashMap<Hash, Instant>,
    finalized: HashMap<Hash, Instant>,
    retried: usize,
}

#[derive(serde::Deserialize)]
struct SubmitResults {
    results: Vec<serde_json::Value>,
}

/// Posts a worker's batches in order; resubmits what a full mempool turned away.
async fn worker(
    http: reqwest::Client,
    url: String,
    batches: Vec<Batch>,
    timings: Arc<Mutex<Timings>>,
    schedule: Option<(Instant, Duration, usize, usize)>,
) -> anyhow::Result<()> {
    for (position, batch) in batches.into_iter().enumerate() {
        if let Some((start, per_batch, workers, index)) = schedule {
            let due =
                start + per_batch * u32::try_from(position * workers + index).unwrap_or(u32::MAX);
            tokio::time::sleep_until(due.into()).await;
        } else {
            // As fast as accepted, but never more in flight than half the mempool holds: a full
            // mempool evicts fairly, and an evicted transaction would leave its sender a gap.
            loop {
                let in_flight = {
                    let timings = timings.lock().unwrap_or_else(|p| p.into_inner());
                    timings
                        .submitted
                        .len()
                        .saturating_sub(timings.finalized.len())
                };
                if in_flight < MAX_IN_FLIGHT {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let mut body = batch.body;
        let mut hashes = batch.hashes;
        let mut txs = batch.txs;
        loop {
            let sent = Instant::now();
            let response = http
                .post(format!("{url}/v1/txs"))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .context("posting transactions")?;
            let status = response.status();
            let results: SubmitResults = response
                .json()
                .await
                .with_context(|| format!("reading the answer to a batch (HTTP {status})"))?;
            let mut retry = Vec::new();
            {
                let mut timings = timings.lock().unwrap_or_else(|p| p.into_inner());
                for (i, result) in results.results.iter().enumerate() {
                    let code = result.pointer("/error/code").and_then(|c| c.as_str());
                    match code {
                        None | Some("DUPLICATE_TX") => {
                            timings.submitted.entry(hashes[i]).or_insert(sent);
                        }
                        Some("MEMPOOL_FULL" | "SENDER_QUEUE_FULL") => retry.push(i),
                        Some(other) => {
                            bail!("transaction {} refused: {other}: {result}", hashes[i])
                        }
                    }
                }
                timings.retried += retry.len();
            }
            if retry.is_empty() {
                break;
            }
            // A refused transaction breaks its sender's nonce chain for the rest of the batch
            // too, so resubmit from the first refusal on.
            let first = retry[0];
            txs = txs.split_off(first);
            hashes = hashes.split_off(first);
            body = self::body(&txs);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct StatusView {
    height: u64,
}

#[derive(serde::Deserialize)]
struct BlockHashes {
    tx_hashes: Vec<String>,
}

/// Follows finalized blocks until `total` transactions are seen; returns the last height.
async fn poll(
    http: reqwest::Client,
    url: String,
    timings: Arc<Mutex<Timings>>,
    total: usize,
    start_height: u64,
) -> anyhow::Result<u64> {
    let mut height = start_height;
    let deadline = Instant::now() + Duration::from_secs(3_600);
    loop {
        let status: StatusView = http
            .get(format!("{url}/v1/status"))
            .send()
            .await?
            .json()
            .await?;
        while height < status.height {
            height += 1;
            let block: BlockHashes = http
                .get(format!("{url}/v1/blocks/{height}"))
                .send()
                .await?
                .json()
                .await
                .with_context(|| format!("reading block {height}"))?;
            let seen = Instant::now();
            let mut timings = timings.lock().unwrap_or_else(|p| p.into_inner());
            for hash in block.tx_hashes {
                let hash = ailedger_client::encoding::parse_hash(&hash)?;
                timings.finalized.entry(hash).or_insert(seen);
            }
            if timings.finalized.len() >= total {
                return Ok(height);
            }
        }
        if Instant::now() > deadline {
            bail!(
                "gave up after an hour with {} transactions finalized",
                timings.lock().map_or(0, |t| t.finalized.len())
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A fresh single-validator chain in a temporary directory: the directory (deleted when
/// dropped) and the node's home in it.
fn init_chain(
    chain_id: &str,
    balances: Vec<(ailedger_core::Address, u128)>,
    block_interval_ms: u64,
    staking: Option<StakingOptions>,
) -> anyhow::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new()
        .prefix("ailedger-bench-")
        .tempdir()
        .context("creating a temporary directory")?;
    let home = dir.path().join("node");
    init(
        &Home::new(&home),
        &InitOptions {
            chain_id: chain_id.into(),
            balances,
            api_listen: "127.0.0.1:0".parse().context("address")?,
            p2p_listen: "127.0.0.1:0".parse().context("address")?,
            block_interval: Duration::from_millis(block_interval_ms),
            force: false,
            staking,
        },
    )
    .context("creating the benchmark chain")?;
    Ok((dir, home))
}

/// A fresh chain of `validators` validators on loopback, on free ports.
fn init_validators(
    chain_id: &str,
    balances: Vec<(ailedger_core::Address, u128)>,
    validators: usize,
    block_interval_ms: u64,
    staking: Option<StakingOptions>,
) -> anyhow::Result<(tempfile::TempDir, Vec<PathBuf>)> {
    let dir = tempfile::Builder::new()
        .prefix("ailedger-bench-")
        .tempdir()
        .context("creating a temporary directory")?;
    let count = u16::try_from(2 * validators).context("too many validators")?;
    let base = free_ports(count)?;
    let (nodes, _) = init_testnet(
        dir.path(),
        &TestnetOptions {
            chain_id: chain_id.into(),
            validators,
            full_nodes: 0,
            balances,
            host: std::net::Ipv4Addr::LOCALHOST.into(),
            api_base_port: base,
            p2p_base_port: base + u16::try_from(validators).context("too many validators")?,
            block_interval: Duration::from_millis(block_interval_ms),
            staking,
        },
    )
    .context("creating the benchmark chain")?;
    Ok((dir, nodes.into_iter().map(|node| node.home).collect()))
}

/// The first of `count` consecutive loopback ports that are free now.
fn free_ports(count: u16) -> anyhow::Result<u16> {
    for base in (30_000..60_000u16).step_by(usize::from(count.max(1)) * 7) {
        let listeners: Vec<_> = (0..count)
            .map_while(|offset| std::net::TcpListener::bind(("127.0.0.1", base + offset)).ok())
            .collect();
        if listeners.len() == usize::from(count) {
            return Ok(base);
        }
    }
    bail!("no {count} consecutive free ports on loopback")
}

/// Waits for the node's first block; returns the height it is at.
async fn wait_ready(http: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = http.get(format!("{url}/v1/status")).send().await
            && let Ok(status) = response.json::<StatusView>().await
            && status.height >= 1
        {
            return Ok(status.height);
        }
        if Instant::now() > deadline {
            bail!("the node did not produce a block within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What one load run measured.
struct Load {
    timings: Timings,
    started: Instant,
    submitted_at: Duration,
    last_height: u64,
}

/// Submits `queues` (one worker each, worker `i` to node `i` modulo the nodes) and follows
/// finalized blocks on the first node from `start_height` until all `total` transactions are
/// seen; `schedule_step` paces batches (open loop).
async fn load(
    http: &reqwest::Client,
    urls: &[String],
    queues: Vec<Vec<Batch>>,
    total: usize,
    start_height: u64,
    schedule_step: Option<Duration>,
) -> anyhow::Result<Load> {
    let timings = Arc::new(Mutex::new(Timings::default()));
    let started = Instant::now();
    let poller = tokio::spawn(poll(
        http.clone(),
        urls[0].clone(),
        timings.clone(),
        total,
        start_height,
    ));
    let workers = queues.len();
    let handles: Vec<_> = queues
        .into_iter()
        .enumerate()
        .map(|(index, batches)| {
            let schedule = schedule_step.map(|step| (started, step, workers, index));
            tokio::spawn(worker(
                http.clone(),
                urls[index % urls.len()].clone(),
                batches,
                timings.clone(),
                schedule,
            ))
        })
        .collect();
    for handle in handles {
        handle.await.context("worker task")??;
    }
    let submitted_at = started.elapsed();
    let last_height = poller.await.context("poller task")??;
    let timings = std::mem::take(&mut *timings.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(Load {
        timings,
        started,
        submitted_at,
        last_height,
    })
}

/// Submission-to-finality latencies, sorted.
fn latencies(timings: &Timings) -> Vec<Duration> {
    let mut latencies: Vec<Duration> = timings
        .submitted
        .iter()
        .filter_map(|(hash, sent)| {
            timings
                .finalized
                .get(hash)
                .map(|seen| seen.saturating_duration_since(*sent))
        })
        .collect();
    latencies.sort();
    latencies
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1_000.0
}

/// Runs the benchmark.
pub(crate) async fn transfers(context: &Context, args: &TransfersArgs) -> anyhow::Result<()> {
    if args.txs == 0
        || args.senders == 0
        || args.batch == 0
        || args.workers == 0
        || args.validators == 0
    {
        bail!("--txs, --senders, --batch, --workers and --validators must be positive");
    }
    let chain_id = "ailedger-bench";
    let balances = (0..args.senders)
        .map(|i| (sender_key(i).address(), 1_000_000_000_000_000))
        .collect();
    let staking = args.epoch_length.map(|length| StakingOptions {
        epoch_length: Some(length),
        stake: None,
    });
    let (dir, homes) = if args.validators > 1 {
        init_validators(
            chain_id,
            balances,
            args.validators,
            args.block_interval_ms,
            staking,
        )?
    } else {
        let (dir, home) = init_chain(chain_id, balances, args.block_interval_ms, staking)?;
        (dir, vec![home])
    };
    let home_path = homes[0].clone();
    tracing::info!(txs = args.txs, senders = args.senders, "signing");
    let queues = prepare(args, chain_id)?;
    let nodes = homes
        .iter()
        .map(|home| NodeUnderTest::spawn(home, args.block_interval_ms, homes.len() == 1))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let urls: Vec<String> = nodes.iter().map(|node| node.url.clone()).collect();
    let node = &nodes[0];
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.workers * 2)
        .build()?;
    let start_height = wait_ready(&http, &node.url).await?;
    let baseline_disk = disk_usage(&home_path);

    let schedule_step = args.rate.map(|rate| {
        Duration::from_secs_f64(
            args.batch.min(args.senders / args.workers.max(1)).max(1) as f64 / rate.max(1) as f64,
        )
    });
    let Load {
        timings,
        started,
        submitted_at,
        last_height,
    } = load(&http, &urls, queues, args.txs, start_height, schedule_step).await?;
    let (rss, peak_rss) = node.memory();
    let disk = disk_usage(&home_path).saturating_sub(baseline_disk);

    let first_submit = timings.submitted.values().min().copied().unwrap_or(started);
    let last_final = timings.finalized.values().max().copied().unwrap_or(started);
    let latencies = latencies(&timings);
    let blocks = last_height - start_height;
    let epoch_length = args
        .epoch_length
        .unwrap_or(StakingParams::DEFAULT.epoch_length);
    let report = Report {
        validators: args.validators,
        txs: args.txs,
        senders: args.senders,
        batch: args.batch,
        workers: args.workers,
        rate: args.rate,
        block_interval_ms: args.block_interval_ms,
        epoch_length: args.epoch_length,
        epochs_crossed: last_height / epoch_length - start_height / epoch_length,
        committed_per_s: args.txs as f64 / last_final.duration_since(first_submit).as_secs_f64(),
        submitted_per_s: args.txs as f64 / submitted_at.as_secs_f64(),
        latency_ms_p50: percentile(&latencies, 0.50),
        latency_ms_p90: percentile(&latencies, 0.90),
        latency_ms_p99: percentile(&latencies, 0.99),
        latency_ms_max: percentile(&latencies, 1.0),
        blocks,
        txs_per_block: args.txs as f64 / blocks.max(1) as f64,
        retried: timings.retried,
        disk_bytes: disk,
        disk_bytes_per_tx: disk as f64 / args.txs as f64,
        node_rss_bytes: rss,
        node_peak_rss_bytes: peak_rss,
        dir: args.keep.then(|| dir.path().display().to_string()),
    };
    drop(nodes);
    if args.keep {
        let _ = dir.keep();
    }
    context.output.emit(&report, || {
        let mut fields = Fields::new()
            .add("validators", report.validators)
            .add(
                "epochs",
                format!(
                    "{} boundaries crossed (epochs of {} blocks)",
                    report.epochs_crossed, epoch_length
                ),
            )
            .add("transfers", report.txs)
            .add("senders", report.senders)
            .add("load", match report.rate {
                Some(rate) => format!("open loop at {rate} tx/s, {} workers, batches of {}", report.workers, report.batch),
                None => format!("as fast as accepted, {} workers, batches of {}", report.workers, report.batch),
            })
            .add("committed", format!("{:.0} tx/s (submission {:.0} tx/s)", report.committed_per_s, report.submitted_per_s))
            .add(
                "latency",
                format!(
                    "p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms (submission to finality)",
                    report.latency_ms_p50, report.latency_ms_p90, report.latency_ms_p99, report.latency_ms_max
                ),
            )
            .add("blocks", format!("{} ({:.0} transfers each, interval {} ms)", report.blocks, report.txs_per_block, report.block_interval_ms))
            .add("retried", format!("{} (mempool full)", report.retried))
            .add("disk", format!("{} bytes, {:.0} per transfer", report.disk_bytes, report.disk_bytes_per_tx))
            .add("node memory", format!("{} MiB resident, {} MiB peak", report.node_rss_bytes >> 20, report.node_peak_rss_bytes >> 20));
        if let Some(dir) = &report.dir {
            fields = fields.add("kept", dir);
        }
        fields.render()
    })
}
