//! The execution path alone: the state machine and the authenticated store, no consensus and no
//! network. Blocks of signed transfers are executed (as a proposer builds them, and as a
//! validator verifies them, signatures included), written to QMDB, merkleized, applied and made
//! durable, block after block.
//!
//! `cargo bench -p ailedger-node --bench execution -- [BLOCKS] [TXS_PER_BLOCK] [SENDERS]`

#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use ailedger_core::{ChainId, SecretKey, SignedTransaction, Transaction, ZERO_HASH};
use ailedger_state::{
    BlockContext, ChainParams, Executor, Genesis, Module, StateKey, StateStore, StoreError,
    bank::{Bank, BankMsg},
};
use ailedger_store::{StateDb, state_db_config};
use commonware_codec::Encode;
use commonware_runtime::{Runner as _, Supervisor as _, buffer::paged::CacheRef, tokio};
use commonware_storage::qmdb::floor::Proportional;
use commonware_utils::NZUsize;
use std::time::{Duration, Instant};

type Batch = commonware_storage::qmdb::current::batch::UnmerkleizedBatch<
    commonware_storage::mmr::Family,
    commonware_cryptography::Sha256,
    commonware_storage::qmdb::any::ordered::Update<
        ailedger_core::Hash,
        commonware_storage::qmdb::any::value::VariableEncoding<Vec<u8>>,
    >,
    32,
    commonware_parallel::Sequential,
>;

struct View<'a> {
    batch: &'a Batch,
    db: &'a StateDb<tokio::Context>,
}

impl StateStore for View<'_> {
    async fn get(&self, key: &StateKey) -> Result<Option<Vec<u8>>, StoreError> {
        self.batch
            .get(key, self.db)
            .await
            .map_err(|error| StoreError(error.to_string()))
    }
}

fn arg(position: usize, default: usize) -> usize {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(position)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n_blocks = arg(1, 20);
    let per_block = arg(2, 5_000);
    let n_senders = arg(3, 10_000);
    let keys: Vec<SecretKey> = (0..n_senders as u64)
        .map(|i| SecretKey::from_seed(10_000 + i))
        .collect();
    let recipients: Vec<_> = (0..1_000u64)
        .map(|i| SecretKey::from_seed(900_000 + i).address())
        .collect();
    let genesis = Genesis {
        staking: None,
        chain_id: ChainId::new("bench").unwrap(),
        genesis_time_ms: 0,
        params: ChainParams::DEFAULT,
        validators: vec![SecretKey::from_seed(0).address()],
        balances: keys.iter().map(|k| (k.address(), 10u128.pow(24))).collect(),
    };
    println!(
        "signing {} transfers from {n_senders} senders...",
        n_blocks * per_block
    );
    let mut nonces = vec![0u64; n_senders];
    let blocks: Vec<Vec<SignedTransaction>> = (0..n_blocks)
        .map(|b| {
            (0..per_block)
                .map(|i| {
                    let sender = (b * per_block + i) % n_senders;
                    let msg = BankMsg::Transfer {
                        to: recipients[(b * 7 + i) % recipients.len()].clone(),
                        amount: 1,
                    };
                    let tx = Transaction::new(
                        "bench",
                        keys[sender].address(),
                        nonces[sender],
                        100_000,
                        1,
                        Bank::ID,
                        msg.encode().to_vec(),
                    )
                    .unwrap()
                    .sign(&keys[sender]);
                    nonces[sender] += 1;
                    tx
                })
                .collect()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::Config::new()
        .with_storage_directory(dir.path())
        .with_worker_threads(2);
    tokio::Runner::new(runtime).start(|context| async move {
        let page_cache = CacheRef::new(
            commonware_runtime::buffer::paged::page_size(4096),
            NZUsize!(4096),
        );
        let mut db = StateDb::init(
            context.child("state"),
            state_db_config("bench", page_cache),
            None,
        )
        .await
        .unwrap();
        let executor = Executor::new();
        // Block 1 creates the genesis state.
        let ctx = |height: u64| BlockContext {
            chain_id: "bench".into(),
            height,
            timestamp_ms: height,
            proposer: SecretKey::from_seed(0).address(),
            parent: ZERO_HASH,
        };
        let batch = db.new_batch();
        let output = executor
            .execute_block(
                View {
                    batch: &batch,
                    db: &db,
                },
                &ctx(1),
                Some(&genesis),
                &[],
            )
            .await
            .unwrap();
        let mut batch = batch;
        for (k, v) in output.writes {
            batch = batch.write(k, v);
        }
        let merkleized = batch.merkleize(&db, None, &mut Proportional).await.unwrap();
        db = db.apply_batch(merkleized).await.unwrap();
        db = db.commit().await.unwrap();

        let mut build = Duration::ZERO;
        let mut verify = Duration::ZERO;
        let mut store = Duration::ZERO;
        let started = Instant::now();
        for (i, txs) in blocks.iter().enumerate() {
            let height = i as u64 + 2;
            let batch = db.new_batch();
            let t = Instant::now();
            let built = executor
                .build_block(
                    View {
                        batch: &batch,
                        db: &db,
                    },
                    &ctx(height),
                    None,
                    txs.iter().cloned(),
                )
                .await
                .unwrap();
            build += t.elapsed();
            assert_eq!(
                built.included.len(),
                txs.len(),
                "{:?}",
                built.rejected.first()
            );
            let t = Instant::now();
            let checked = executor
                .execute_block(
                    View {
                        batch: &batch,
                        db: &db,
                    },
                    &ctx(height),
                    None,
                    &built.included,
                )
                .await
                .unwrap();
            verify += t.elapsed();
            assert_eq!(checked, built.output);
            let t = Instant::now();
            let mut batch = batch;
            for (k, v) in built.output.writes {
                batch = batch.write(k, v);
            }
            let merkleized = batch.merkleize(&db, None, &mut Proportional).await.unwrap();
            db = db.apply_batch(merkleized).await.unwrap();
            db = db.commit().await.unwrap();
            store += t.elapsed();
        }
        let total = started.elapsed();
        let n_txs = (n_blocks * per_block) as f64;
        println!("{n_blocks} blocks x {per_block} transfers, {n_senders} senders");
        println!(
            "  build (proposer, no signature checks): {:>9.0} tx/s",
            n_txs / build.as_secs_f64()
        );
        println!(
            "  verify (validator, batch signatures):  {:>9.0} tx/s",
            n_txs / verify.as_secs_f64()
        );
        println!(
            "  store (write, merkleize, apply, sync): {:>9.0} tx/s",
            n_txs / store.as_secs_f64()
        );
        println!(
            "  proposer path (build + store):         {:>9.0} tx/s",
            n_txs / (build + store).as_secs_f64()
        );
        println!(
            "  validator path (verify + store):       {:>9.0} tx/s",
            n_txs / (verify + store).as_secs_f64()
        );
        println!(
            "  wall time for all of it:               {:>9.2} s",
            total.as_secs_f64()
        );
    });
}
