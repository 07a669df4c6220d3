//! Provenance at scale: registers a DAG of 100,000 datasets and model versions in a `MemStore`
//! through real signed transactions and `Executor::execute_block`, then times lineage, licence
//! and downstream queries on random versions and datasets.
//!
//! `cargo bench -p ailedger-state --bench lineage` (optionally `-- <versions> <datasets>
//! <queries>`; defaults 90,000, 10,000 and 1,000).

use ailedger_core::{ChainId, Hash, SecretKey, SignedTransaction, Transaction, ZERO_HASH};
use ailedger_state::{
    BlockContext, ChainParams, Executor, Genesis, MemStore, Module,
    provenance::{
        Provenance, ProvenanceMsg,
        licence::IntendedUse,
        query::{self, Node},
        synthetic::{GraphShape, SplitMix, generate},
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
            staking: None,
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
    let mut chain = Chain::new();
    let graph = generate(
        &GraphShape {
            senders: SENDERS as usize,
            models_per_sender: MODELS_PER_SENDER,
            datasets: n_datasets,
            versions: n_versions,
            wave: BLOCK_TXS,
        },
        2026,
    );
    let mut rng = SplitMix::new(2026);
    let (datasets, versions) = (&graph.datasets, &graph.versions);

    // Wave 0 (datasets and model names) in blocks of BLOCK_TXS; then one block per wave.
    let signing = Instant::now();
    let mut waves = graph.waves.iter();
    let first: Vec<SignedTransaction> = waves
        .next()
        .map(|wave| wave.iter().map(|r| chain.sign(r.sender, &r.msg)).collect())
        .unwrap_or_default();
    let signing_datasets = signing.elapsed();
    for block in first.chunks(BLOCK_TXS) {
        chain.execute(block);
    }
    let dataset_rate = first.len() as f64 / chain.execute_time.as_secs_f64();
    println!(
        "registered {n_datasets} datasets and {} models: {} txs in {:.2} s of execute_block ({dataset_rate:.0} tx/s; signing took {:.2} s)",
        SENDERS as usize * MODELS_PER_SENDER,
        first.len(),
        chain.execute_time.as_secs_f64(),
        signing_datasets.as_secs_f64(),
    );

    let execute_before = chain.execute_time;
    let mut signing_versions = Duration::ZERO;
    let mut version_txs = 0usize;
    for wave in waves {
        let started = Instant::now();
        let block: Vec<SignedTransaction> =
            wave.iter().map(|r| chain.sign(r.sender, &r.msg)).collect();
        signing_versions += started.elapsed();
        version_txs += block.len();
        chain.execute(&block);
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
