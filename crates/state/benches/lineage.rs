//! Provenance at scale: registers a DAG of 100,000 datasets and model versions in a `MemStore`
//! through real signed transactions and `Executor::execute_block`, then times lineage, licence
//! and downstream queries on random versions and datasets.
//!
//! `cargo bench -p ailedger-state --bench lineage` (optionally `-- <versions> <datasets>
//! <queries>`; defaults 90,000, 10,000 and 1,000).

use ailedger_core::{ChainId, Hash, SecretKey, SignedTransaction, Transaction, ZERO_HASH, sha256};
use ailedger_state::{
    BlockContext, ChainParams, Executor, Genesis, MemStore, Module,
    provenance::{
        DatasetMode, DatasetSpec, FileDigest, Modality, Parent, Provenance, ProvenanceMsg,
        Relation, SourceCategory, TrainingRun, VersionSpec,
        licence::IntendedUse,
        query::{self, Node},
    },
};
use commonware_codec::Encode;
use futures::executor::block_on;
use std::time::{Duration, Instant};

const CHAIN: &str = "ailedger-bench";
const SENDERS: u64 = 10;
const MODELS_PER_SENDER: usize = 100;
const BLOCK_TXS: usize = 5_000;
const MAX_NODES: usize = 1_000_000;

/// SplitMix64: a fixed seed gives the same DAG every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Chain {
    store: MemStore,
    height: u64,
    keys: Vec<SecretKey>,
    nonces: Vec<u64>,
    executed: usize,
    execute_time: Duration,
}

impl Chain {
    fn new() -> Self {
        let keys: Vec<SecretKey> = (0..SENDERS)
            .map(|i| SecretKey::from_seed(7_000 + i))
            .collect();
        let genesis = Genesis {
            chain_id: ChainId::new(CHAIN).expect("valid"),
            genesis_time_ms: 0,
            params: ChainParams::DEFAULT,
            validators: vec![SecretKey::from_seed(6_999).address()],
            balances: keys.iter().map(|k| (k.address(), u128::MAX / 64)).collect(),
        };
        let store = MemStore::new();
        let output = block_on(Executor::new().execute_block(&store, &ctx(1), Some(&genesis), &[]))
            .expect("genesis");
        let mut chain = Self {
            store,
            height: 1,
            nonces: vec![0; keys.len()],
            keys,
            executed: 0,
            execute_time: Duration::ZERO,
        };
        chain.store.apply(output.writes);
        chain
    }

    fn sign(&mut self, sender: usize, msg: &ProvenanceMsg) -> SignedTransaction {
        let key = &self.keys[sender];
        let tx = Transaction::new(
            CHAIN,
            key.address(),
            self.nonces[sender],
            100_000_000,
            1,
            Provenance::ID,
            msg.encode().to_vec(),
        )
        .expect("valid")
        .sign(key);
        self.nonces[sender] += 1;
        tx
    }

    fn execute(&mut self, txs: &[SignedTransaction]) {
        let height = self.height + 1;
        let started = Instant::now();
        let output = block_on(Executor::new().execute_block(&self.store, &ctx(height), None, txs))
            .expect("valid block");
        self.execute_time += started.elapsed();
        assert!(
            output.receipts.iter().all(|r| r.outcome.is_success()),
            "a registration failed: {:?}",
            output.receipts.iter().find(|r| !r.outcome.is_success())
        );
        self.executed += txs.len();
        self.store.apply(output.writes);
        self.height = height;
    }
}

fn ctx(height: u64) -> BlockContext {
    BlockContext {
        chain_id: CHAIN.into(),
        height,
        timestamp_ms: 1_700_000_000_000 + height * 1_000,
        proposer: SecretKey::from_seed(6_999).address(),
        parent: ZERO_HASH,
    }
}

fn digest(tag: &str, n: u64) -> Hash {
    sha256(&[tag.as_bytes(), &n.to_be_bytes()])
}

const DATASET_LICENCES: &[&str] = &[
    "cc-by-4.0",
    "MIT",
    "CC-BY-SA-4.0",
    "cc-by-nc-4.0",
    "CC0-1.0",
    "odc-by",
    "apache-2.0",
    "other",
];
const VERSION_LICENCES: &[&str] = &[
    "Apache-2.0",
    "MIT",
    "llama3.1",
    "gemma",
    "creativeml-openrail-m",
    "MIT OR Apache-2.0",
    "GPL-3.0-only",
    "cc-by-nc-4.0",
];

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn count_percentile(sorted: &[usize], p: usize) -> usize {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn report(name: &str, mut times: Vec<Duration>, mut sizes: Vec<usize>) {
    times.sort();
    sizes.sort_unstable();
    println!(
        "{name:<28} p50 {:>9.3} ms   p99 {:>9.3} ms   max {:>9.3} ms   nodes p50 {:>6} p99 {:>6} max {:>6}",
        percentile(&times, 50).as_secs_f64() * 1e3,
        percentile(&times, 99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        count_percentile(&sizes, 50),
        count_percentile(&sizes, 99),
        sizes.last().copied().unwrap_or_default(),
    );
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_versions = args.first().copied().unwrap_or(90_000);
    let n_datasets = args.get(1).copied().unwrap_or(10_000);
    let n_queries = args.get(2).copied().unwrap_or(1_000);
    let mut rng = Rng(2026);
    let mut chain = Chain::new();

    // Datasets, from every sender, in blocks of BLOCK_TXS.
    let signing = Instant::now();
    let mut datasets = Vec::with_capacity(n_datasets);
    let mut txs = Vec::new();
    let mut blocks: Vec<Vec<SignedTransaction>> = Vec::new();
    for i in 0..n_datasets {
        let root = digest("dataset", i as u64);
        datasets.push(root);
        let spec = DatasetSpec {
            id: root,
            name: format!("corpus-{i}"),
            manifest: digest("manifest", i as u64),
            leaf_count: 1 + rng.next() % 1_000_000,
            total_bytes: rng.next() % (1 << 40),
            mode: if i % 3 == 0 {
                DatasetMode::Records
            } else {
                DatasetMode::Files
            },
            licence: DATASET_LICENCES[rng.below(DATASET_LICENCES.len())].into(),
            source: format!("https://data.example.org/corpus/{i}"),
            source_category: SourceCategory::ALL[rng.below(SourceCategory::ALL.len())],
            modality: Modality::ALL[rng.below(Modality::ALL.len())],
            collection: None,
            contributors: vec![format!("lab-{}", i % 97)],
            evidence: vec![digest("robots", i as u64)],
        };
        txs.push(chain.sign(i % SENDERS as usize, &ProvenanceMsg::RegisterDataset(spec)));
        if txs.len() == BLOCK_TXS {
            blocks.push(std::mem::take(&mut txs));
        }
    }
    // Model names: each sender owns MODELS_PER_SENDER.
    let models: Vec<(usize, String)> = (0..SENDERS as usize)
        .flat_map(|s| (0..MODELS_PER_SENDER).map(move |m| (s, format!("org{s}/model-{m}"))))
        .collect();
    for (sender, name) in &models {
        txs.push(chain.sign(
            *sender,
            &ProvenanceMsg::RegisterModel { name: name.clone() },
        ));
    }
    blocks.push(std::mem::take(&mut txs));
    let dataset_txs: usize = blocks.iter().map(Vec::len).sum();
    let signing_datasets = signing.elapsed();
    for block in &blocks {
        chain.execute(block);
    }
    let dataset_rate = dataset_txs as f64 / chain.execute_time.as_secs_f64();
    println!(
        "registered {n_datasets} datasets and {} models: {dataset_txs} txs in {:.2} s of execute_block ({dataset_rate:.0} tx/s; signing took {:.2} s)",
        models.len(),
        chain.execute_time.as_secs_f64(),
        signing_datasets.as_secs_f64(),
    );

    // Versions: mostly one parent from the recent past, some merges, some new bases.
    let mut versions: Vec<Hash> = Vec::with_capacity(n_versions);
    let execute_before = chain.execute_time;
    let mut signing_versions = Duration::ZERO;
    let mut version_txs = 0usize;
    let mut pending: Vec<SignedTransaction> = Vec::new();
    for i in 0..n_versions {
        let started = Instant::now();
        let mut parents: Vec<Parent> = Vec::new();
        if !versions.is_empty() {
            let count = match rng.below(20) {
                0 => 0,
                1 | 2 => 2 + rng.below(2),
                _ => 1,
            };
            for _ in 0..count {
                let window = if rng.below(50) == 0 {
                    versions.len()
                } else {
                    versions.len().min(2_000)
                };
                let id = versions[versions.len() - 1 - rng.below(window)];
                if parents.iter().all(|p| p.id != id) {
                    parents.push(Parent {
                        id,
                        relation: Relation::ALL[rng.below(Relation::ALL.len())],
                    });
                }
            }
        }
        let mut trained_on = Vec::new();
        for _ in 0..rng.below(3) {
            let dataset = datasets[rng.below(datasets.len())];
            if !trained_on.contains(&dataset) {
                trained_on.push(dataset);
            }
        }
        let (sender, model) = &models[rng.below(models.len())];
        let spec = VersionSpec {
            model: model.clone(),
            version: format!("v{i}"),
            files: vec![
                FileDigest {
                    path: "config.json".into(),
                    sha256: digest("config", i as u64),
                },
                FileDigest {
                    path: "model.safetensors".into(),
                    sha256: digest("weights", i as u64),
                },
            ],
            tensor_root: digest("tensors", i as u64),
            architecture: digest("arch", (i % 50) as u64),
            parents,
            datasets: trained_on,
            training: Some(TrainingRun {
                config: digest("train", i as u64),
                code_commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904".into(),
                hardware: "8x H100 80GB".into(),
            }),
            licence: VERSION_LICENCES[rng.below(VERSION_LICENCES.len())].into(),
        };
        versions.push(spec.id());
        pending.push(chain.sign(*sender, &ProvenanceMsg::RegisterModelVersion(spec)));
        signing_versions += started.elapsed();
        if pending.len() == BLOCK_TXS || i + 1 == n_versions {
            version_txs += pending.len();
            let block = std::mem::take(&mut pending);
            chain.execute(&block);
        }
    }
    let version_time = chain.execute_time - execute_before;
    println!(
        "registered {n_versions} model versions: {version_txs} txs in {:.2} s of execute_block ({:.0} tx/s; signing took {:.2} s)",
        version_time.as_secs_f64(),
        version_txs as f64 / version_time.as_secs_f64(),
        signing_versions.as_secs_f64(),
    );
    println!(
        "overall: {} registrations in {:.2} s of execute_block = {:.0} tx/s ({} blocks, {} state keys)",
        chain.executed,
        chain.execute_time.as_secs_f64(),
        chain.executed as f64 / chain.execute_time.as_secs_f64(),
        chain.height - 1,
        chain.store.len(),
    );

    // Queries on random versions.
    let sample: Vec<Hash> = (0..n_queries)
        .map(|_| versions[rng.below(versions.len())])
        .collect();
    let mut times = Vec::with_capacity(n_queries);
    let mut sizes = Vec::with_capacity(n_queries);
    let mut keys = 0usize;
    for id in &sample {
        let started = Instant::now();
        let lineage = block_on(query::lineage(&chain.store, id, MAX_NODES)).expect("lineage");
        times.push(started.elapsed());
        sizes.push(1 + lineage.value.ancestors.len() + lineage.value.datasets.len());
        keys += lineage.keys.len();
    }
    report("lineage", times, sizes.clone());
    println!(
        "{:<28} mean keys read (for proofs) {:.0}",
        "",
        keys as f64 / n_queries as f64
    );

    let use_ = IntendedUse {
        commercial: true,
        redistribute_weights: true,
        create_derivatives: false,
    };
    let mut times = Vec::with_capacity(n_queries);
    let mut conflicts = 0usize;
    for id in &sample {
        let started = Instant::now();
        let report =
            block_on(query::licences(&chain.store, id, &use_, MAX_NODES)).expect("licences");
        times.push(started.elapsed());
        conflicts += report.value.conflicts.len();
    }
    report("licences (commercial+share)", times, sizes);
    println!(
        "{:<28} mean conflicts {:.1}",
        "",
        conflicts as f64 / n_queries as f64
    );

    let mut times = Vec::with_capacity(n_queries);
    let mut sizes = Vec::with_capacity(n_queries);
    for _ in 0..n_queries.min(200) {
        let dataset = datasets[rng.below(datasets.len())];
        let started = Instant::now();
        let downstream = block_on(query::downstream(
            &chain.store,
            Node::Dataset(dataset),
            MAX_NODES,
        ))
        .expect("downstream");
        times.push(started.elapsed());
        sizes.push(downstream.value.versions.len());
    }
    report("downstream of a dataset", times, sizes);
}
