//! The index under a growing history: time to index a block, and bytes per transaction, as the
//! number of committed transactions grows.
//!
//! `cargo bench -p ailedger-store --bench index -- [BLOCKS] [TXS_PER_BLOCK] [SENDERS]`

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use ailedger_core::{Block, Event, Header, Outcome, Receipt, SecretKey, Transaction, ZERO_HASH};
use ailedger_state::{
    Module,
    bank::{Bank, BankMsg},
};
use ailedger_store::Index;
use commonware_codec::Encode;
use commonware_runtime::{Runner as _, Supervisor as _, buffer::paged::CacheRef, tokio};
use commonware_utils::NZUsize;
use std::time::Instant;

fn arg(position: usize, default: usize) -> usize {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(position)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n_blocks = arg(1, 100);
    let per_block = arg(2, 10_000);
    let n_senders = arg(3, 10_000);
    let keys: Vec<SecretKey> = (0..n_senders as u64)
        .map(|i| SecretKey::from_seed(50_000 + i))
        .collect();
    let to = SecretKey::from_seed(1).address();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::Config::new()
        .with_storage_directory(dir.path())
        .with_worker_threads(2);
    let path = dir.path().to_owned();
    tokio::Runner::new(runtime).start(|context| async move {
    let page_cache = CacheRef::new(commonware_runtime::buffer::paged::page_size(4096), NZUsize!(4096));
    let index = Index::init(context.child("index"), "bench", page_cache).await.unwrap();
    let header = |height: u64| Header {
        height, parent: ZERO_HASH, timestamp_ms: height, proposer: to.clone(), epoch: 0, view: height,
        parent_view: 0, tx_count: 0, txs_root: ZERO_HASH, gas_used: 0, receipts_root: ZERO_HASH,
        state_root: ZERO_HASH, ops_root: ZERO_HASH, ops_floor: 0, ops_size: 0, next_validators: ZERO_HASH,
    };
    index.put_block(&Block::new(header(0), vec![]), Vec::new()).await.unwrap();
    let mut nonces = vec![0u64; n_senders];
    let mut total = std::time::Duration::ZERO;
    for height in 1..=n_blocks as u64 {
        let txs: Vec<_> = (0..per_block)
            .map(|i| {
                let s = (height as usize * per_block + i) % n_senders;
                let msg = BankMsg::Transfer { to: to.clone(), amount: 1 };
                let tx = Transaction::new("c", keys[s].address(), nonces[s], 50_000, 1, Bank::ID, msg.encode().to_vec()).unwrap().sign(&keys[s]);
                nonces[s] += 1;
                tx
            })
            .collect();
        let receipts: Vec<_> = txs
            .iter()
            .map(|tx| Receipt {
                tx_hash: tx.hash(), gas_used: 15_000, fee: 15_000, outcome: Outcome::Success,
                events: vec![Event::new("bank", "transfer").with("from", tx.sender()).with("to", &to).with("amount", 1)],
            })
            .collect();
        let block = Block::new(header(height), txs);
        let started = Instant::now();
        index.put_block(&block, receipts).await.unwrap();
        let took = started.elapsed();
        total += took;
        if height % (n_blocks as u64 / 10).max(1) == 0 {
            let size = disk_usage(&path);
            let committed = height * per_block as u64;
            println!(
                "{committed:>9} txs: block of {per_block} indexed in {:>6.1} ms ({:>7.0} tx/s), file {:>5} MiB, {:>5.0} B/tx",
                took.as_secs_f64() * 1e3, per_block as f64 / took.as_secs_f64(), size >> 20, size as f64 / committed as f64
            );
        }
    }
    println!("average {:.0} tx/s", (n_blocks * per_block) as f64 / total.as_secs_f64());
    });
}

fn disk_usage(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| match entry.metadata() {
                    Ok(meta) if meta.is_dir() => disk_usage(&entry.path()),
                    Ok(meta) => meta.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}
