//! `ailedger bench logs`: the inference log service under load, over HTTP.
//!
//! The service runs as a separate process (`ailedger log serve`, as an operator runs it) on a
//! fresh log in a temporary directory, without anchoring and without asking a chain about
//! model versions, so that what is measured is the log: HTTP, JSON, the records' signature
//! checks, batching, the fsync that precedes every receipt, and the receipts themselves. Every
//! record is signed before the clock starts. `--workers` clients each post `--batch` records
//! per request, one request at a time, until `--records` are logged. Reported: records logged
//! per second, the time from posting a request to holding its receipts (p50, p99), bytes on
//! disk per record and the service's memory. Afterwards every receipt is verified offline
//! (checkpoint signature, inclusion of the record sent) and the indexes checked to be exactly
//! 0..records.

use super::{Context, disk_usage, percentile, process_memory};
use crate::{keystore::Keystore, output::Fields};
use ailedger_core::{SecretKey, sha256};
use ailedger_logd::{
    InferenceRecord, LogClient, RecordBody,
    dto::{ReceiptJson, RecordJson},
};
use ailedger_tlog::{LogKey, Receipt};
use anyhow::{Context as _, bail, ensure};
use clap::Args;
use serde::Serialize;
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// `ailedger bench logs`.
#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// Records to log.
    #[arg(long, default_value_t = 200_000)]
    records: usize,
    /// Records per HTTP request.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Concurrent clients, each with one request in flight.
    #[arg(long, default_value_t = 16)]
    workers: usize,
    /// Keep the log's directory (its path is printed) instead of deleting it.
    #[arg(long)]
    keep: bool,
}

const ORIGIN: &str = "bench.ailedger.example/log";

/// The service process under test; killed when dropped.
struct Service {
    child: Child,
    url: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    fn spawn(home: &std::path::Path, batch: usize) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding the ailedger binary")?;
        let stderr = std::fs::File::create(home.join("serve.log")).context("creating a log")?;
        let mut child = Command::new(exe)
            .arg("--home")
            .arg(home)
            .args(["log", "serve", "--dir"])
            .arg(home.join("log"))
            .arg("--log-key")
            .arg(home.join("log.key"))
            .args(["--from", "operator", "--listen", "127.0.0.1:0"])
            .args(["--no-anchor", "--no-model-check"])
            .args(["--max-batch", &batch.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .context("starting ailedger log serve")?;
        let stdout = child.stdout.take().context("service stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let Some(line) = lines.next() else {
                bail!(
                    "the log service exited before listening; see {}",
                    home.join("serve.log").display()
                );
            };
            if let Some(url) = line
                .context("reading the service's output")?
                .strip_prefix("url")
            {
                break url.trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Ok(Self { child, url })
    }
}

#[derive(Debug, Serialize)]
struct LogsReport {
    records: usize,
    batch: usize,
    workers: usize,
    seconds: f64,
    records_per_sec: f64,
    requests: usize,
    receipt_latency_ms_p50: f64,
    receipt_latency_ms_p99: f64,
    receipt_latency_ms_max: f64,
    disk_bytes_per_record: f64,
    service_rss_bytes: u64,
    service_peak_rss_bytes: u64,
    log_dir: Option<String>,
}

/// Signs `count` records by `key`, split into requests of `batch`.
fn sign_records(key: &SecretKey, count: usize, batch: usize) -> Vec<Vec<RecordJson>> {
    let model_version = sha256(&[b"bench model version"]);
    let parameters = sha256(&[b"bench parameters"]);
    let records: Vec<RecordJson> = (0..count as u64)
        .map(|i| {
            let body = RecordBody {
                model_version,
                input: sha256(&[b"input", &i.to_be_bytes()]),
                output: sha256(&[b"output", &i.to_be_bytes()]),
                parameters,
                time_ms: 1_800_000_000_000 + i,
            };
            RecordJson::from(&InferenceRecord::sign(body, key))
        })
        .collect();
    records.chunks(batch).map(<[RecordJson]>::to_vec).collect()
}

/// Posts `requests` one at a time; returns each request's latency and its receipts.
async fn worker(
    client: LogClient,
    requests: Vec<Vec<RecordJson>>,
) -> anyhow::Result<Vec<(Duration, Vec<RecordJson>, Vec<ReceiptJson>)>> {
    let mut done = Vec::with_capacity(requests.len());
    for records in requests {
        let started = Instant::now();
        let receipts = client
            .append(records.clone())
            .await
            .context("appending records")?;
        done.push((started.elapsed(), records, receipts));
    }
    Ok(done)
}

/// Runs the benchmark.
pub(crate) async fn logs(context: &Context, args: &LogsArgs) -> anyhow::Result<()> {
    ensure!(
        args.records > 0 && args.batch > 0 && args.workers > 0,
        "--records, --batch and --workers must be positive"
    );
    let dir = tempfile::Builder::new()
        .prefix("ailedger-bench-logs-")
        .tempdir()
        .context("creating a temporary directory")?;
    let home = dir.path();
    let operator = SecretKey::generate();
    Keystore::new(home)
        .create("operator", &operator)
        .context("storing the operator key")?;
    let log_key = LogKey::generate(ORIGIN).context("a log key")?;
    std::fs::write(home.join("log.key"), log_key.to_signer_key()).context("the log key")?;

    let requests = sign_records(&operator, args.records, args.batch);
    let request_count = requests.len();
    let mut queues: Vec<Vec<Vec<RecordJson>>> = vec![Vec::new(); args.workers];
    for (index, request) in requests.into_iter().enumerate() {
        queues[index % args.workers].push(request);
    }

    let service = Service::spawn(home, args.batch)?;
    let started = Instant::now();
    let tasks: Vec<_> = queues
        .into_iter()
        .map(|queue| tokio::spawn(worker(LogClient::new(&service.url), queue)))
        .collect();
    let mut results = Vec::with_capacity(request_count);
    for task in tasks {
        results.extend(task.await.context("a client task")??);
    }
    let elapsed = started.elapsed();
    let (rss, peak) = process_memory(service.child.id());

    // Every receipt is for the record sent, at a distinct index, and the service's checkpoint
    // now covers every one of them.
    let verifier = log_key.verifier();
    let mut indexes = Vec::with_capacity(args.records);
    for (_, records, receipts) in &results {
        ensure!(
            records.len() == receipts.len(),
            "a request of {} records got {} receipts",
            records.len(),
            receipts.len()
        );
        for (record, receipt) in records.iter().zip(receipts) {
            let entry = record.to_record().context("a record sent")?.to_bytes();
            Receipt::parse(receipt.receipt.as_bytes(), &verifier)
                .and_then(|parsed| {
                    parsed.verify(&entry, &verifier)?;
                    Ok(parsed)
                })
                .ok()
                .filter(|parsed| parsed.index() == receipt.index)
                .with_context(|| format!("receipt {} does not verify", receipt.index))?;
            indexes.push(receipt.index);
        }
    }
    indexes.sort_unstable();
    indexes.dedup();
    ensure!(
        indexes.len() == args.records && indexes.last() == Some(&(args.records as u64 - 1)),
        "the receipts' indexes are not 0..{}",
        args.records
    );
    let info = LogClient::new(&service.url)
        .info()
        .await
        .context("the service's state")?;
    ensure!(
        info.size == args.records as u64,
        "the log holds {} entries, not {}",
        info.size,
        args.records
    );
    drop(service);

    let mut latencies: Vec<Duration> = results.iter().map(|(latency, ..)| *latency).collect();
    latencies.sort_unstable();
    let disk = disk_usage(&home.join("log"));
    let log_dir = if args.keep {
        Some(dir.keep().display().to_string())
    } else {
        None
    };
    let report = LogsReport {
        records: args.records,
        batch: args.batch,
        workers: args.workers,
        seconds: elapsed.as_secs_f64(),
        records_per_sec: args.records as f64 / elapsed.as_secs_f64(),
        requests: request_count,
        receipt_latency_ms_p50: percentile(&latencies, 0.50),
        receipt_latency_ms_p99: percentile(&latencies, 0.99),
        receipt_latency_ms_max: percentile(&latencies, 1.0),
        disk_bytes_per_record: disk as f64 / args.records as f64,
        service_rss_bytes: rss,
        service_peak_rss_bytes: peak,
        log_dir,
    };
    context.output.emit(&report, || {
        let mut fields = Fields::new()
            .add(
                "logged",
                format!(
                    "{} records in {:.2} s: {:.0} records/s ({} workers × {} per request)",
                    report.records,
                    report.seconds,
                    report.records_per_sec,
                    report.workers,
                    report.batch
                ),
            )
            .add(
                "receipt latency",
                format!(
                    "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (post to durable receipts in hand)",
                    report.receipt_latency_ms_p50,
                    report.receipt_latency_ms_p99,
                    report.receipt_latency_ms_max
                ),
            )
            .add(
                "disk",
                format!("{:.1} bytes per record", report.disk_bytes_per_record),
            )
            .add(
                "service memory",
                format!(
                    "{:.1} MiB resident, {:.1} MiB peak",
                    report.service_rss_bytes as f64 / 1048576.0,
                    report.service_peak_rss_bytes as f64 / 1048576.0
                ),
            );
        if let Some(dir) = &report.log_dir {
            fields = fields.add("kept", dir);
        }
        fields.render()
    })
}
