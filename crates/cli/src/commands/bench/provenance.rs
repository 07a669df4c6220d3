//! `ailedger bench provenance`: registrations and provenance queries through the whole node.
//!
//! A fresh single-validator chain runs as a separate process, as in `bench transfers`. The
//! synthetic graph of `ailedger_state::provenance::synthetic` (the same one the executor-only
//! `lineage` bench uses) is registered over HTTP in waves: first every dataset and model name,
//! then versions, each wave submitted once the waves it depends on are finalized. Every
//! receipt is checked to be a success. Then lineage, licence and downstream queries on random
//! versions and datasets are timed over HTTP, one at a time, as a client sees them.

use super::{
    Context, Load, NodeUnderTest, disk_usage, init_chain, latencies, load, percentile, queues,
    wait_ready,
};
use crate::output::Fields;
use ailedger_client::{
    Client,
    dto::{IntendedUseView, OutcomeView},
};
use ailedger_core::{SecretKey, SignedTransaction, Transaction};
use ailedger_state::{
    Module,
    provenance::{
        Provenance,
        query::Node,
        synthetic::{GraphShape, SplitMix, generate},
    },
};
use anyhow::{Context as _, bail};
use clap::Args;
use commonware_codec::Encode;
use serde::Serialize;
use std::time::Instant;

/// `ailedger bench provenance`.
#[derive(Debug, Args)]
pub(crate) struct ProvenanceArgs {
    /// Model versions to register.
    #[arg(long, default_value_t = 90_000)]
    pub(crate) versions: usize,
    /// Datasets to register.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) datasets: usize,
    /// Accounts registering (each owns `--models-per-sender` model names).
    #[arg(long, default_value_t = 100)]
    pub(crate) senders: usize,
    /// Model names per sender.
    #[arg(long, default_value_t = 10)]
    pub(crate) models_per_sender: usize,
    /// Versions per wave: a version's parents are registered in earlier waves.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) wave: usize,
    /// Queries of each kind to time.
    #[arg(long, default_value_t = 1_000)]
    pub(crate) queries: usize,
    /// Most records a query may visit (capped by the node's limit, 10,000 by default).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) max_nodes: u64,
    /// Transactions per HTTP request.
    #[arg(long, default_value_t = 500)]
    pub(crate) batch: usize,
    /// Concurrent HTTP workers.
    #[arg(long, default_value_t = 4)]
    pub(crate) workers: usize,
    /// The node's block interval, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub(crate) block_interval_ms: u64,
    /// Keep the node's directory (its log included) instead of deleting it.
    #[arg(long)]
    pub(crate) keep: bool,
}

/// Registration figures of one kind of wave.
#[derive(Debug, Default, Serialize)]
struct Registrations {
    txs: usize,
    seconds: f64,
    per_s: f64,
    latency_ms_p50: f64,
    latency_ms_p99: f64,
}

/// Latencies of one kind of query.
#[derive(Debug, Serialize)]
struct Queries {
    queries: usize,
    latency_ms_p50: f64,
    latency_ms_p99: f64,
    latency_ms_max: f64,
    nodes_p50: usize,
    nodes_p99: usize,
    nodes_max: usize,
    over_limit: usize,
}

#[derive(Debug, Serialize)]
struct Report {
    datasets_and_models: Registrations,
    versions: Registrations,
    lineage: Queries,
    licences: Queries,
    downstream: Queries,
    max_nodes: u64,
    disk_bytes_per_registration: f64,
    node_rss_bytes: u64,
    node_peak_rss_bytes: u64,
}

fn sender_key(index: usize) -> SecretKey {
    SecretKey::from_seed(2_000_000 + index as u64)
}

/// Checks that every transaction in blocks `from..=to` succeeded.
async fn check_receipts(client: &Client, from: u64, to: u64) -> anyhow::Result<usize> {
    let mut checked = 0;
    for height in from..=to {
        let receipts = client
            .block_receipts(height)
            .await
            .with_context(|| format!("receipts of block {height}"))?;
        for receipt in receipts.receipts {
            if let OutcomeView::Failed { code, message } = receipt.outcome {
                bail!(
                    "registration {} in block {height} failed: {code}: {message}",
                    receipt.tx_hash
                );
            }
            checked += 1;
        }
    }
    Ok(checked)
}

fn add_wave(figures: &mut Registrations, load: &Load, txs: usize) {
    let first = load
        .timings
        .submitted
        .values()
        .min()
        .copied()
        .unwrap_or(load.started);
    let last = load
        .timings
        .finalized
        .values()
        .max()
        .copied()
        .unwrap_or(load.started);
    figures.txs += txs;
    figures.seconds += last.duration_since(first).as_secs_f64();
}

/// Times `run` on each of `items`; `run` answers the number of nodes, or `None` when the
/// answer was over the traversal limit.
async fn time_queries<T, F, Fut>(items: &[T], mut run: F) -> anyhow::Result<Queries>
where
    F: FnMut(&T) -> Fut,
    Fut: Future<Output = anyhow::Result<Option<usize>>>,
{
    let mut times = Vec::with_capacity(items.len());
    let mut sizes = Vec::with_capacity(items.len());
    let mut over_limit = 0;
    for item in items {
        let started = Instant::now();
        let nodes = run(item).await?;
        times.push(started.elapsed());
        match nodes {
            Some(nodes) => sizes.push(nodes),
            None => over_limit += 1,
        }
    }
    times.sort();
    sizes.sort_unstable();
    let size = |fraction: f64| {
        sizes
            .get(((sizes.len().saturating_sub(1)) as f64 * fraction).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    Ok(Queries {
        queries: items.len(),
        latency_ms_p50: percentile(&times, 0.50),
        latency_ms_p99: percentile(&times, 0.99),
        latency_ms_max: percentile(&times, 1.0),
        nodes_p50: size(0.50),
        nodes_p99: size(0.99),
        nodes_max: size(1.0),
        over_limit,
    })
}

/// `Some(n)`, or `None` for the node's "over the traversal limit" answer.
fn within_limit<T>(
    answer: Result<T, ailedger_client::ClientError>,
    nodes: impl FnOnce(&T) -> usize,
) -> anyhow::Result<Option<usize>> {
    match answer {
        Ok(answer) => Ok(Some(nodes(&answer))),
        Err(error) if error.code() == Some("TOO_MANY_NODES") => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Runs the benchmark.
pub(crate) async fn provenance(context: &Context, args: &ProvenanceArgs) -> anyhow::Result<()> {
    if args.senders == 0 || args.models_per_sender == 0 || args.wave == 0 || args.batch == 0 {
        bail!("--senders, --models-per-sender, --wave and --batch must be positive");
    }
    let workers = args.workers.clamp(1, args.senders);
    let graph = generate(
        &GraphShape {
            senders: args.senders,
            models_per_sender: args.models_per_sender,
            datasets: args.datasets,
            versions: args.versions,
            wave: args.wave,
        },
        2026,
    );
    let chain_id = "ailedger-bench";
    let (dir, home) = init_chain(
        chain_id,
        (0..args.senders)
            .map(|i| (sender_key(i).address(), 1_000_000_000_000_000_000))
            .collect(),
        args.block_interval_ms,
        None,
    )?;
    let node = NodeUnderTest::spawn(&home, args.block_interval_ms, true)?;
    let urls = [node.url.clone()];
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(workers * 2)
        .build()?;
    let client = Client::with_http_client(&node.url, http.clone())?;
    let mut height = wait_ready(&http, &node.url).await?;
    let baseline_disk = disk_usage(&home);

    let keys: Vec<SecretKey> = (0..args.senders).map(sender_key).collect();
    let mut nonces = vec![0u64; args.senders];
    let mut first_wave = Registrations::default();
    let mut version_waves = Registrations::default();
    let mut version_latencies = Vec::new();
    let mut first_latencies = Vec::new();
    for (index, wave) in graph.waves.iter().enumerate() {
        let mut per_sender: Vec<Vec<SignedTransaction>> = vec![Vec::new(); args.senders];
        for registration in wave {
            let key = &keys[registration.sender];
            let nonce = &mut nonces[registration.sender];
            let tx = Transaction::new(
                chain_id,
                key.address(),
                *nonce,
                10_000_000,
                1,
                Provenance::ID,
                registration.msg.encode().to_vec(),
            )?
            .sign(key);
            *nonce += 1;
            per_sender[registration.sender].push(tx);
        }
        let total = wave.len();
        let load = load(
            &http,
            &urls,
            queues(&per_sender, total, workers, args.batch),
            total,
            height,
            None,
        )
        .await?;
        let checked = check_receipts(&client, height + 1, load.last_height).await?;
        if checked != total {
            bail!("wave {index}: {checked} transactions in its blocks, expected {total}");
        }
        height = load.last_height;
        let (figures, all) = if index == 0 {
            (&mut first_wave, &mut first_latencies)
        } else {
            (&mut version_waves, &mut version_latencies)
        };
        add_wave(figures, &load, total);
        all.extend(latencies(&load.timings));
        tracing::info!(wave = index, txs = total, height, "wave finalized");
    }
    for (figures, all) in [
        (&mut first_wave, &mut first_latencies),
        (&mut version_waves, &mut version_latencies),
    ] {
        all.sort();
        figures.per_s = figures.txs as f64 / figures.seconds.max(f64::MIN_POSITIVE);
        figures.latency_ms_p50 = percentile(all, 0.50);
        figures.latency_ms_p99 = percentile(all, 0.99);
    }
    let disk = disk_usage(&home).saturating_sub(baseline_disk);
    let registrations = first_wave.txs + version_waves.txs;

    let mut rng = SplitMix::new(7);
    let sample: Vec<_> = (0..args.queries)
        .filter(|_| !graph.versions.is_empty())
        .map(|_| graph.versions[rng.below(graph.versions.len())])
        .collect();
    let datasets: Vec<_> = (0..args.queries)
        .filter(|_| !graph.datasets.is_empty())
        .map(|_| graph.datasets[rng.below(graph.datasets.len())])
        .collect();
    let max_nodes = args.max_nodes;
    let lineage = time_queries(&sample, |id| {
        let client = &client;
        let id = *id;
        async move {
            within_limit(client.lineage(&id, max_nodes, false).await, |answer| {
                1 + answer.lineage.ancestors.len() + answer.lineage.datasets.len()
            })
        }
    })
    .await?;
    let intended = IntendedUseView {
        commercial: true,
        redistribute_weights: true,
        create_derivatives: false,
    };
    let licences = time_queries(&sample, |id| {
        let client = &client;
        let id = *id;
        async move {
            within_limit(
                client.licences(&id, intended, max_nodes, false).await,
                |answer| answer.report.licences.len(),
            )
        }
    })
    .await?;
    let downstream = time_queries(&datasets, |root| {
        let client = &client;
        let root = *root;
        async move {
            within_limit(
                client
                    .downstream(Node::Dataset(root), max_nodes, false)
                    .await,
                |answer| answer.downstream.versions.len(),
            )
        }
    })
    .await?;
    let (rss, peak_rss) = node.memory();
    drop(node);
    if args.keep {
        tracing::warn!(dir = %dir.keep().display(), "kept the node's directory");
    }

    let report = Report {
        datasets_and_models: first_wave,
        versions: version_waves,
        lineage,
        licences,
        downstream,
        max_nodes,
        disk_bytes_per_registration: disk as f64 / registrations.max(1) as f64,
        node_rss_bytes: rss,
        node_peak_rss_bytes: peak_rss,
    };
    context.output.emit(&report, || {
        let registered = |figures: &Registrations| {
            format!(
                "{} in {:.1} s: {:.0} tx/s, p50 {:.0} ms, p99 {:.0} ms (submission to finality)",
                figures.txs,
                figures.seconds,
                figures.per_s,
                figures.latency_ms_p50,
                figures.latency_ms_p99
            )
        };
        let queried = |figures: &Queries| {
            format!(
                "{} queries: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; nodes p50 {} p99 {} max {}; over limit {}",
                figures.queries,
                figures.latency_ms_p50,
                figures.latency_ms_p99,
                figures.latency_ms_max,
                figures.nodes_p50,
                figures.nodes_p99,
                figures.nodes_max,
                figures.over_limit
            )
        };
        Fields::new()
            .add("datasets+models", registered(&report.datasets_and_models))
            .add("versions", registered(&report.versions))
            .add("lineage", queried(&report.lineage))
            .add("licences", queried(&report.licences))
            .add("downstream", queried(&report.downstream))
            .add("max nodes", report.max_nodes)
            .add(
                "disk",
                format!("{:.0} bytes per registration", report.disk_bytes_per_registration),
            )
            .add(
                "node memory",
                format!(
                    "{} MiB resident, {} MiB peak",
                    report.node_rss_bytes >> 20,
                    report.node_peak_rss_bytes >> 20
                ),
            )
            .render()
    })
}
