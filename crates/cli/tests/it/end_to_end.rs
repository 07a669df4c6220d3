//! The whole system through its user-facing faces: a single-validator node started in-process
//! from a fresh home, driven through the Rust client, the `ailedger` binary and raw HTTP.
//!
//! Each test starts its own node (ephemeral ports, 50 ms blocks), so fee and balance arithmetic
//! is exact: the only transactions on a chain are the test's own. Every wait has a deadline.

use ailedger_client::{
    BlockRef, Client, VerifiedAccount,
    dto::{BlockView, DecodedMsg, NodeStatusView, OutcomeView, TxRecordView, TxStatus},
    verify::verify_account,
};
use ailedger_core::{Address, Hash, ModuleId, SecretKey, SignedTransaction, Transaction};
use ailedger_node::{
    Overrides, RunningNode,
    config::{Home, InitOptions, init},
};
use ailedger_state::{
    Module,
    bank::{Bank, BankMsg, state_key},
};
use commonware_codec::Encode;
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    future::Future,
    io::Read,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};
use tempfile::TempDir;

pub(crate) const CHAIN_ID: &str = "e2e";
/// What the genesis-funded key starts with.
pub(crate) const GENESIS_BALANCE: u128 = 1_000_000_000_000_000_000_000_000;
const GAS_LIMIT: u64 = 50_000;
/// The longest any single wait (a commitment, a height, a CLI process) may take.
pub(crate) const DEADLINE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(20);

// ---------------------------------------------------------------------------------------------
// The node
// ---------------------------------------------------------------------------------------------

/// A node started in-process in a temporary home, with a client of its API.
pub(crate) struct TestNode {
    node: RunningNode,
    pub(crate) client: Client,
    pub(crate) url: String,
    validator: Address,
    runtime: tokio::runtime::Runtime,
    dir: TempDir,
}

impl TestNode {
    /// Initializes a chain funding `balances` and starts its node; returns once block 1 (which
    /// applies the genesis state) is committed.
    pub(crate) fn start(balances: &[(Address, u128)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        let report = init(
            &home,
            &InitOptions {
                chain_id: CHAIN_ID.into(),
                balances: balances.to_vec(),
                api_listen: "127.0.0.1:0".parse().expect("address"),
                p2p_listen: "127.0.0.1:0".parse().expect("address"),
                block_interval: Duration::from_millis(50),
                force: false,
                staking: None,
            },
        )
        .expect("init");
        let node = ailedger_node::start(&home, &Overrides::default()).expect("node starts");
        let url = format!("http://{}", node.api_addr);
        let client = Client::new(&url).expect("client");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let test_node = Self {
            node,
            client,
            url,
            validator: report.validator,
            runtime,
            dir,
        };
        test_node.block_on(wait_for_height(&test_node.client, 1));
        test_node
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    pub(crate) fn home(&self) -> &Path {
        self.dir.path()
    }

    /// The `ailedger` binary, pointed at this node and home.
    pub(crate) fn cli(&self) -> Cli {
        Cli {
            home: self.home().to_owned(),
            node: self.url.clone(),
        }
    }

    /// Stops the node, checking it was still running.
    pub(crate) fn stop(self) {
        assert!(
            !self.node.has_stopped(),
            "the node stopped on its own during the test"
        );
        self.node.stop();
    }
}

/// Waits until the node has committed a block at `height` or above.
async fn wait_for_height(client: &Client, height: u64) -> NodeStatusView {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Ok(status) = client.status().await
            && status.height >= height
        {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "no block at height {height} within {DEADLINE:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

/// A signed transaction for any chain and module.
fn signed(
    key: &SecretKey,
    chain_id: &str,
    nonce: u64,
    gas_price: u64,
    module: ModuleId,
    payload: Vec<u8>,
) -> SignedTransaction {
    Transaction::new(
        chain_id,
        key.address(),
        nonce,
        GAS_LIMIT,
        gas_price,
        module,
        payload,
    )
    .expect("valid transaction")
    .sign(key)
}

/// A signed transfer on the test chain.
fn transfer(
    key: &SecretKey,
    nonce: u64,
    to: &Address,
    amount: u128,
    gas_price: u64,
) -> SignedTransaction {
    let msg = BankMsg::Transfer {
        to: to.clone(),
        amount,
    };
    signed(
        key,
        CHAIN_ID,
        nonce,
        gas_price,
        Bank::ID,
        msg.encode().to_vec(),
    )
}

/// Submits `txs` as one batch; every one must be admitted under its own id.
async fn submit_all(client: &Client, txs: &[SignedTransaction]) -> Vec<Hash> {
    let results = client.submit_batch(txs).await.expect("batch answered");
    assert_eq!(results.len(), txs.len(), "one result per transaction");
    txs.iter()
        .zip(results)
        .map(|(tx, result)| {
            let hash = result.unwrap_or_else(|error| panic!("{} refused: {error}", tx.hash()));
            assert_eq!(hash, tx.hash(), "the node names a transaction by its id");
            hash
        })
        .collect()
}

/// Waits for a transaction's commitment and returns its record.
pub(crate) async fn committed(client: &Client, hash: &Hash) -> TxRecordView {
    let record = client
        .wait_for_tx(hash, DEADLINE)
        .await
        .unwrap_or_else(|error| panic!("{hash} not committed: {error}"));
    assert_eq!(record.status, TxStatus::Committed);
    assert_eq!(record.hash, *hash);
    assert!(
        record.location.is_some(),
        "{hash}: committed without a location"
    );
    record
}

/// The fee a committed transaction paid, checked to be its gas times its price.
fn fee(record: &TxRecordView) -> u128 {
    let receipt = record
        .receipt
        .as_ref()
        .expect("a committed tx has a receipt");
    assert_eq!(receipt.tx_hash, record.hash);
    assert_eq!(
        receipt.fee,
        u128::from(receipt.gas_used) * u128::from(record.tx.gas_price),
        "{}: fee is not gas used x gas price",
        record.hash
    );
    assert!(receipt.gas_used > 0 && receipt.gas_used <= record.tx.gas_limit);
    receipt.fee
}

fn assert_succeeded(record: &TxRecordView) {
    let outcome = &record.receipt.as_ref().expect("receipt").outcome;
    assert_eq!(*outcome, OutcomeView::Success, "{}", record.hash);
}

/// An account whose state proof verified against the header of the block it claims.
async fn verified(client: &Client, address: &Address) -> VerifiedAccount {
    client
        .verified_account(address)
        .await
        .unwrap_or_else(|error| panic!("account {address} did not verify: {error:?}"))
}

/// An `ailedger node` process on ports the system picks, with `extra` flags (e.g. `--dev`,
/// `--block-interval-ms`, `--log-dir ...`): its API URL and, when it serves an inference log,
/// the log's URL. Its stderr is appended to `stderr_log` if given. SIGKILLed when dropped.
pub(crate) struct NodeProcess {
    child: std::process::Child,
    pub(crate) url: String,
    pub(crate) log_url: Option<String>,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        // `Child::kill` sends SIGKILL on Unix: no chance to flush or clean up.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NodeProcess {
    pub(crate) fn spawn(home: &Path, stderr_log: Option<&Path>, extra: &[&str]) -> Self {
        let stderr = match stderr_log {
            Some(path) => Stdio::from(
                std::fs::File::options()
                    .create(true)
                    .append(true)
                    .open(path)
                    .expect("log file"),
            ),
            None => Stdio::null(),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_ailedger"))
            .args(["--home", home.to_str().expect("utf-8 path"), "node"])
            .args(["--api-addr", "127.0.0.1:0", "--p2p-addr", "127.0.0.1:0"])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the node starts");
        let serves_log = extra.contains(&"--log-dir");
        let (found, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        // The whole output is read, so that the node never blocks on a full pipe.
        thread::spawn(move || {
            use std::io::BufRead as _;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = found.send(line);
            }
        });
        let (mut url, mut log_url) = (None, None);
        while url.is_none() || (serves_log && log_url.is_none()) {
            let line = lines
                .recv_timeout(DEADLINE)
                .expect("the node prints its URLs");
            if let Some(rest) = line.strip_prefix("api") {
                url = Some(rest.trim().to_owned());
            } else if let Some(rest) = line.strip_prefix("url") {
                log_url = Some(rest.trim().to_owned());
            }
        }
        Self {
            child,
            url: url.expect("api"),
            log_url,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------------------

/// The `ailedger` binary with `--home` and `--node` set.
pub(crate) struct Cli {
    pub(crate) home: PathBuf,
    pub(crate) node: String,
}

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Cli {
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--home", self.home.to_str().expect("utf-8 path")];
        all.extend(["--node", &self.node]);
        all.extend(args);
        ailedger(&all)
    }

    /// Runs a command that must succeed.
    pub(crate) fn ok(&self, args: &[&str]) -> Run {
        self.run(args).exit(0)
    }

    /// Runs a command with `--json` that must succeed, and parses its document as `T`.
    pub(crate) fn ok_json<T: serde::de::DeserializeOwned>(&self, args: &[&str]) -> T {
        let mut all = vec!["--json"];
        all.extend(args);
        self.ok(&all).json()
    }

    /// `account show WHO`, which exits 0 only if the proof verified; `json` adds `--json`.
    fn account_show(&self, who: &str, json: bool) -> Run {
        let args = ["--json", "account", "show", who];
        let args = if json { &args[..] } else { &args[1..] };
        self.run(args).exit(0)
    }

    /// `account show WHO --json`, parsed.
    fn account_json(&self, who: &str) -> Value {
        self.account_show(who, true).json()
    }

    /// Runs a command with `--json` that must fail with `code`; returns its error document.
    pub(crate) fn refused_json(&self, args: &[&str], exit: i32, code: &str) -> Value {
        let mut all = vec!["--json"];
        all.extend(args);
        let document: Value = self.run(&all).exit(exit).json();
        assert_eq!(document["error"]["code"], code, "{document:#}");
        assert!(
            document["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{document:#}"
        );
        document
    }
}

/// Runs the binary with exactly `args`, killed if it outlives the deadline.
fn ailedger(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ailedger"))
        .args(args)
        .env_remove("AILEDGER_HOME")
        .env_remove("AILEDGER_NODE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ailedger starts");
    let read = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).expect("utf-8 output");
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("stdout")));
    let stderr = read(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for ailedger") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ailedger {args:?} did not exit within {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code().expect("exited, not killed by a signal"),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

impl Run {
    /// Checks the exit status.
    pub(crate) fn exit(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit status: {self:#?}");
        self
    }

    /// The one JSON document on stdout.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not the JSON expected ({error}): {self:#?}"))
    }

    /// The value of `key` in human `key  value` output (its first line if repeated).
    pub(crate) fn field(&self, key: &str) -> &str {
        self.stdout
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(' ')?;
                (name == key).then(|| value.trim())
            })
            .unwrap_or_else(|| panic!("no {key:?} line in {:?}", self.stdout))
    }
}

fn amount(value: &Value) -> u128 {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("{value} is not a decimal amount string"))
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------------------------

/// A request the node must refuse with `status` and `code`.
struct Refusal<'a> {
    what: &'a str,
    path: &'a str,
    content_type: Option<&'a str>,
    body: Vec<u8>,
    status: u16,
    code: &'a str,
}

/// `{"tx": "<hex of bytes>"}`.
fn tx_json(bytes: &[u8]) -> Vec<u8> {
    json!({ "tx": hex::encode(bytes) }).to_string().into_bytes()
}

/// Posts `body` to `path` and returns the status and the JSON answer.
async fn post(
    http: &reqwest::Client,
    url: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = http.post(format!("{url}{path}")).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.expect("the node answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("answer body");
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
        panic!(
            "{path}: answer is not JSON ({error}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, body)
}

/// Sends a request that must be refused, and returns the error body.
async fn check_refused(http: &reqwest::Client, url: &str, refusal: Refusal<'_>) -> Value {
    let (status, body) = post(http, url, refusal.path, refusal.content_type, refusal.body).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (refusal.status, Some(refusal.code)),
        "{}: {body:#}",
        refusal.what
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}: {body:#}",
        refusal.what
    );
    body
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn client_transfers_commit_with_exact_balances_fees_and_indexes() {
    let funder = SecretKey::from_seed(1);
    let node = TestNode::start(&[(funder.address(), GENESIS_BALANCE)]);
    let client = node.client.clone();
    node.block_on(async {
        let chain = client.chain().await.expect("chain");
        assert_eq!(chain.chain_id, CHAIN_ID);
        assert_eq!(chain.validators, vec![node.validator.clone()]);
        let proposer = chain.validators[0].clone();

        // Before any transaction: the funder holds the genesis balance, and the proposer's
        // account does not exist (a verified proof of absence).
        let start = verified(&client, &funder.address()).await;
        assert_eq!((start.balance, start.nonce), (GENESIS_BALANCE, 0));
        let proposer_start = verified(&client, &proposer).await;
        assert_eq!(
            (
                proposer_start.exists,
                proposer_start.balance,
                proposer_start.nonce
            ),
            (false, 0, 0)
        );

        // Fund five accounts in one batch, at a gas price above the minimum.
        let gas_price = chain.min_gas_price + 2;
        let recipients: Vec<(Address, u128)> = (0..5u64)
            .map(|i| {
                let amount = 1_000_000 * u128::from(i + 1) + u128::from(i);
                (SecretKey::from_seed(100 + i).address(), amount)
            })
            .collect();
        let txs: Vec<SignedTransaction> = recipients
            .iter()
            .zip(0..)
            .map(|((to, amount), nonce)| transfer(&funder, nonce, to, *amount, gas_price))
            .collect();
        let hashes = submit_all(&client, &txs).await;
        let mut records = Vec::new();
        for hash in &hashes {
            records.push(committed(&client, hash).await);
        }
        for (record, tx) in records.iter().zip(&txs) {
            assert_succeeded(record);
            assert_eq!(record.tx.to_signed().expect("valid view"), *tx);
        }
        let fees: u128 = records.iter().map(fee).sum();
        let sent: u128 = recipients.iter().map(|(_, amount)| amount).sum();
        let last_height = records
            .iter()
            .filter_map(|record| record.location.as_ref())
            .map(|location| location.height)
            .max()
            .expect("committed");

        // Exact balances, each proven against the block it claims.
        for (address, amount) in &recipients {
            let account = verified(&client, address).await;
            assert!(account.height >= last_height, "{account:?}");
            assert_eq!(
                (account.exists, account.balance, account.nonce),
                (true, *amount, 0)
            );
        }
        let after = verified(&client, &funder.address()).await;
        assert_eq!(after.balance, GENESIS_BALANCE - sent - fees);
        assert_eq!(after.nonce, 5);
        let proposer_after = verified(&client, &proposer).await;
        assert_eq!(
            (proposer_after.balance, proposer_after.nonce),
            (fees, 0),
            "the proposer gets exactly the fees"
        );
        let supply = after.balance + sent + proposer_after.balance;
        assert_eq!(
            supply, GENESIS_BALANCE,
            "transfers and fees conserve supply"
        );

        // The sender's transactions, in nonce order, as committed; and a page of them.
        let listed = client
            .account_txs(&funder.address(), 0, 100)
            .await
            .expect("account txs");
        assert_eq!(listed.address, funder.address());
        assert_eq!(listed.txs, records);
        let nonces: Vec<u64> = listed.txs.iter().map(|record| record.tx.nonce).collect();
        assert_eq!(nonces, vec![0, 1, 2, 3, 4]);
        let page = client
            .account_txs(&funder.address(), 2, 2)
            .await
            .expect("account txs page");
        assert_eq!((page.from_nonce, page.limit), (2, 2));
        assert_eq!(page.txs, records[2..4].to_vec());

        // Each block holding them: its transactions, its receipts, and its gas.
        let mut by_height: BTreeMap<u64, Vec<&TxRecordView>> = BTreeMap::new();
        for record in &records {
            let location = record.location.as_ref().expect("location");
            by_height.entry(location.height).or_default().push(record);
        }
        for (height, in_block) in by_height {
            check_block(&client, height, &in_block, &proposer).await;
        }
    });
    node.stop();
}

/// Checks the block at `height` against the records of the transactions it holds (all of them:
/// the test's chain carries nothing else).
async fn check_block(client: &Client, height: u64, records: &[&TxRecordView], proposer: &Address) {
    let full = client
        .block(BlockRef::Height(height), true)
        .await
        .expect("block with txs");
    let receipts = client.block_receipts(height).await.expect("receipts");
    let header = &full.header;
    assert_eq!(header.height, height);
    assert_eq!(header.proposer, *proposer);
    assert_eq!(
        full.hash,
        header.to_header().hash(),
        "block id is its header's hash"
    );
    assert_eq!(header.tx_count as usize, records.len());
    assert_eq!(full.tx_hashes.len(), records.len());
    assert_eq!(receipts.height, height);
    assert_eq!(receipts.receipts.len(), records.len());
    let txs = full.txs.as_ref().expect("txs asked for");
    for record in records {
        let location = record.location.as_ref().expect("location");
        let index = location.index as usize;
        assert_eq!(location.block_hash, full.hash);
        assert_eq!(full.tx_hashes[index], record.hash);
        assert_eq!(txs[index], record.tx);
        assert_eq!(Some(&receipts.receipts[index]), record.receipt.as_ref());
    }
    let gas: u64 = receipts
        .receipts
        .iter()
        .map(|receipt| receipt.gas_used)
        .sum();
    assert_eq!(
        gas, header.gas_used,
        "block gas is the sum of its receipts'"
    );

    let short = client
        .block(BlockRef::Height(height), false)
        .await
        .expect("block");
    assert_eq!(short.txs, None);
    assert_eq!(
        (&short.hash, &short.tx_hashes),
        (&full.hash, &full.tx_hashes)
    );
    let by_hash = client
        .block(BlockRef::Hash(full.hash), true)
        .await
        .expect("block by hash");
    assert_eq!(by_hash, full);
}

#[test]
fn cli_transfers_and_queries_print_results_and_exit_with_documented_codes() {
    let funder = SecretKey::from_seed(1);
    let node = TestNode::start(&[(funder.address(), GENESIS_BALANCE)]);
    let client = node.client.clone();
    let cli = node.cli();

    // Keys: import the funded key, create a new one.
    let imported: Value = cli.ok_json(&[
        "keys",
        "import",
        "funder",
        "--secret-hex",
        &hex::encode(funder.to_bytes()),
    ]);
    assert_eq!(imported["address"], funder.address().to_string());
    let alice: Value = cli.ok_json(&["keys", "new", "alice"]);
    let alice: Address = alice["address"]
        .as_str()
        .expect("address")
        .parse()
        .expect("an address");

    // A transfer to a key name, human output.
    let run = cli.ok(&[
        "tx", "transfer", "--from", "funder", "--to", "alice", "--amount", "1000000", "--wait",
    ]);
    assert_eq!(run.field("status"), "committed");
    assert_eq!(run.field("nonce"), "0");
    assert_eq!(run.field("message"), format!("transfer 1000000 to {alice}"));
    assert_eq!(run.field("outcome"), "success");
    let first_hash: Hash = ailedger_client::encoding::parse_hash(run.field("hash")).expect("hash");
    let first = node.block_on(committed(&client, &first_hash));
    let first_fee = fee(&first);
    assert_eq!(run.field("fee"), first_fee.to_string());

    // A transfer to an address, JSON output.
    let record: TxRecordView = cli.ok_json(&[
        "tx",
        "transfer",
        "--from",
        "funder",
        "--to",
        &alice.to_string(),
        "--amount",
        "2000",
        "--wait",
    ]);
    assert_eq!(record.status, TxStatus::Committed);
    assert_succeeded(&record);
    assert_eq!(
        (
            record.tx.sender.clone(),
            record.tx.nonce,
            record.tx.chain_id.as_str()
        ),
        (funder.address(), 1, CHAIN_ID)
    );
    assert_eq!(
        record.tx.decoded,
        Some(DecodedMsg::BankTransfer {
            to: alice.clone(),
            amount: 2000
        })
    );
    let second_fee = fee(&record);

    // `tx show` shows the same record as the transfer printed, and as the API serves.
    let shown: TxRecordView = cli.ok_json(&["tx", "show", &record.hash.to_string()]);
    assert_eq!(shown, record);
    assert_eq!(node.block_on(client.tx(&record.hash)).expect("tx"), record);

    // `account show`: balances and nonces, verified against the block named.
    let alice_json = cli.account_json("alice");
    assert_eq!(amount(&alice_json["balance"]), 1_002_000);
    assert_eq!(
        (&alice_json["nonce"], &alice_json["exists"]),
        (&json!(0), &json!(true))
    );
    check_claimed_block(&node, &alice_json);
    let funder_json = cli.account_json(&funder.address().to_string());
    assert_eq!(
        amount(&funder_json["balance"]),
        GENESIS_BALANCE - 1_002_000 - first_fee - second_fee
    );
    assert_eq!(funder_json["nonce"], 2);
    let human = cli.account_show("alice", false);
    assert_eq!(human.field("balance"), "1002000");
    assert!(
        human.field("proof").starts_with("verified against block"),
        "{human:#?}"
    );

    // `block show` and `status`.
    let tx_height = record.location.as_ref().expect("location").height;
    let latest: BlockView = cli.ok_json(&["block", "show", "latest"]);
    assert!(latest.header.height >= tx_height);
    let block: BlockView = cli.ok_json(&["block", "show", &tx_height.to_string(), "--txs"]);
    assert!(
        block.txs.as_ref().expect("txs").contains(&record.tx),
        "{block:#?}"
    );
    assert_eq!(
        block,
        node.block_on(client.block(BlockRef::Height(tx_height), true))
            .expect("block")
    );
    let status: NodeStatusView = cli.ok_json(&["status"]);
    assert!(status.height >= tx_height);
    assert_eq!((status.committed_txs, status.mempool_size), (2, 0));

    // A transfer the chain commits but whose message fails: the fee is paid, the nonce used,
    // the receipt says why, and the command exits 1 after printing the record.
    let before = node.block_on(verified(&client, &alice));
    let run = cli
        .run(&[
            "--json",
            "tx",
            "transfer",
            "--from",
            "alice",
            "--to",
            "funder",
            "--amount",
            "1000000000000",
            "--wait",
        ])
        .exit(1);
    let failed: TxRecordView = run.json();
    assert_eq!(failed.status, TxStatus::Committed);
    let receipt = failed.receipt.as_ref().expect("receipt");
    assert!(
        matches!(&receipt.outcome, OutcomeView::Failed { code, .. } if code == "INSUFFICIENT_FUNDS"),
        "{receipt:#?}"
    );
    assert!(run.stderr.contains("INSUFFICIENT_FUNDS"), "{run:#?}");
    let after = node.block_on(verified(&client, &alice));
    assert_eq!(after.balance, before.balance - fee(&failed));
    assert_eq!(after.nonce, before.nonce + 1);

    // Transactions the node refuses: exit 1, and with --json one error document with the code.
    let replay = [
        "tx", "transfer", "--from", "funder", "--to", "alice", "--amount", "1", "--nonce", "0",
    ];
    cli.refused_json(&replay, 1, "NONCE_TOO_LOW");
    let human = cli.run(&replay).exit(1);
    assert!(human.stdout.is_empty(), "{human:#?}");
    assert!(human.stderr.contains("NONCE_TOO_LOW"), "{human:#?}");
    cli.ok(&["keys", "new", "empty"]);
    cli.refused_json(
        &[
            "tx", "transfer", "--from", "empty", "--to", "alice", "--amount", "1",
        ],
        1,
        "CANNOT_PAY_FEE",
    );
    // Operational errors that are not the node's: a missing key, an unreachable node.
    cli.refused_json(
        &[
            "tx", "transfer", "--from", "nobody", "--to", "alice", "--amount", "1",
        ],
        1,
        "ERROR",
    );
    let unreachable = Cli {
        home: cli.home.clone(),
        node: format!("http://{}", closed_port()),
    };
    unreachable.refused_json(&["status"], 1, "NODE_UNREACHABLE");

    // Things that do not exist are operational errors too.
    let missing = "00".repeat(32);
    cli.refused_json(&["tx", "show", &missing], 1, "NOT_FOUND");
    cli.refused_json(&["block", "show", "1000000"], 1, "NOT_FOUND");
    let never_used = cli.account_json(&SecretKey::from_seed(77).address().to_string());
    assert_eq!(
        (
            amount(&never_used["balance"]),
            &never_used["nonce"],
            &never_used["exists"]
        ),
        (0, &json!(0), &json!(false)),
        "a never-used account is proven absent"
    );

    // Without --wait, a transfer prints its id once admitted; transfers sent before the first
    // is committed take successive nonces.
    let mut queued = Vec::new();
    for amount in ["3", "4"] {
        let submitted: Value = cli.ok_json(&[
            "tx", "transfer", "--from", "funder", "--to", "alice", "--amount", amount,
        ]);
        let hash = submitted["hash"].as_str().expect("hash");
        queued.push(ailedger_client::encoding::parse_hash(hash).expect("a hash"));
    }
    for (hash, nonce) in queued.iter().zip([2, 3]) {
        let record = node.block_on(committed(&client, hash));
        assert_succeeded(&record);
        assert_eq!(record.tx.nonce, nonce);
    }

    // Five transactions committed; none of the refused ones was admitted.
    let status_after: NodeStatusView = cli.ok_json(&["status"]);
    assert_eq!(
        (status_after.committed_txs, status_after.mempool_size),
        (5, 0)
    );
    node.stop();
}

/// Checks that `account show --json` names a block whose id and state root the node serves.
fn check_claimed_block(node: &TestNode, account: &Value) {
    let height = account["height"].as_u64().expect("height");
    let block = node
        .block_on(node.client.block(BlockRef::Height(height), false))
        .expect("the claimed block");
    assert_eq!(account["block_hash"], block.hash.to_string());
    assert_eq!(account["state_root"], block.header.state_root.to_string());
}

/// A loopback address nothing listens on.
fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}

#[test]
fn cli_usage_errors_exit_2_without_contacting_a_node() {
    let home = tempfile::tempdir().expect("temp dir");
    // Nothing listens at the node URL: a usage error must be found before any request.
    let cli = Cli {
        home: home.path().to_owned(),
        node: format!("http://{}", closed_port()),
    };
    let to = SecretKey::from_seed(1).address().to_string();
    let cases: &[&[&str]] = &[
        &[
            "tx", "transfer", "--from", "a", "--to", &to, "--amount", "0",
        ],
        &[
            "tx", "transfer", "--from", "a", "--to", &to, "--amount", "-5",
        ],
        &["tx", "transfer", "--from", "a", "--amount", "5"],
        &[
            "tx", "transfer", "--from", "A", "--to", &to, "--amount", "5",
        ],
        &["tx", "show", "abc"],
        &["block", "show", "tip"],
        &["account", "show", "Not-A-Key!"],
        &["frobnicate"],
    ];
    for args in cases {
        for json in [false, true] {
            let mut all = Vec::from(*args);
            if json {
                all.insert(0, "--json");
            }
            let run = cli.run(&all).exit(2);
            assert!(!run.stderr.is_empty(), "{all:?}: {run:#?}");
            // With --json, stdout holds exactly one document, here the usage error.
            if json {
                let document: serde_json::Value =
                    serde_json::from_str(&run.stdout).expect("one JSON document");
                assert_eq!(document["error"]["code"], "USAGE", "{all:?}: {run:#?}");
            } else {
                assert!(run.stdout.is_empty(), "{all:?}: {run:#?}");
            }
        }
    }
}

#[test]
fn invalid_submissions_are_refused_with_stable_codes_and_the_chain_carries_on() {
    let funder = SecretKey::from_seed(1);
    let node = TestNode::start(&[(funder.address(), GENESIS_BALANCE)]);
    let client = node.client.clone();
    let url = node.url.clone();
    let recipient = SecretKey::from_seed(2).address();
    // Every refused transfer goes to `victim`; its account must stay absent.
    let victim = SecretKey::from_seed(3).address();
    let http = reqwest::Client::builder()
        .timeout(DEADLINE)
        .build()
        .expect("http client");

    node.block_on(async {
        // One committed transfer, so that nonce 0 is used.
        let first = transfer(&funder, 0, &recipient, 5, 1);
        submit_all(&client, std::slice::from_ref(&first)).await;
        committed(&client, &first.hash()).await;
        let funder_before = verified(&client, &funder.address()).await;
        let recipient_before = verified(&client, &recipient).await;
        let height_before = client.status().await.expect("status").height;

        let next = transfer(&funder, 1, &victim, 7, 1).encode_to_vec();
        let signature_at = next.len() - 64;
        let mut bad_signature = next.clone();
        bad_signature[signature_at] ^= 0x01;
        let mut tampered_body = next.clone();
        // The last payload byte: the low byte of the amount, which stays positive.
        tampered_body[signature_at - 1] ^= 0x02;
        let wrong_chain = signed(
            &funder,
            "other-chain",
            1,
            1,
            Bank::ID,
            BankMsg::Transfer {
                to: victim.clone(),
                amount: 7,
            }
            .encode()
            .to_vec(),
        );
        let unknown_module = signed(&funder, CHAIN_ID, 1, 1, ModuleId::new(200), vec![1, 2, 3]);
        let unfunded = transfer(&SecretKey::from_seed(4), 0, &victim, 7, 1);
        let oversized = format!(r#"{{"txs":["{}"]}}"#, "ab".repeat(2 * 1024 * 1024 + 1));

        let tx = "/v1/tx";
        let json_type = Some("application/json");
        let refusals = [
            Refusal {
                what: "a flipped signature byte",
                path: tx,
                content_type: json_type,
                body: tx_json(&bad_signature),
                status: 422,
                code: "BAD_SIGNATURE",
            },
            Refusal {
                what: "a flipped body byte under the original signature",
                path: tx,
                content_type: json_type,
                body: tx_json(&tampered_body),
                status: 422,
                code: "BAD_SIGNATURE",
            },
            Refusal {
                what: "another chain's transaction",
                path: tx,
                content_type: json_type,
                body: tx_json(&wrong_chain.encode_to_vec()),
                status: 422,
                code: "WRONG_CHAIN_ID",
            },
            Refusal {
                what: "a nonce past the next one",
                path: tx,
                content_type: json_type,
                body: tx_json(&transfer(&funder, 5, &victim, 7, 1).encode_to_vec()),
                status: 422,
                code: "NONCE_GAP",
            },
            Refusal {
                what: "a replayed transaction",
                path: tx,
                content_type: json_type,
                body: tx_json(&first.encode_to_vec()),
                status: 422,
                code: "NONCE_TOO_LOW",
            },
            Refusal {
                what: "a module id no module has",
                path: tx,
                content_type: json_type,
                body: tx_json(&unknown_module.encode_to_vec()),
                // A transaction error (422), unlike an unknown module name in a state path (404).
                status: 422,
                code: "UNKNOWN_MODULE",
            },
            Refusal {
                what: "a sender that cannot pay the fee",
                path: tx,
                content_type: json_type,
                body: tx_json(&unfunded.encode_to_vec()),
                status: 422,
                code: "CANNOT_PAY_FEE",
            },
            Refusal {
                what: "malformed JSON",
                path: tx,
                content_type: json_type,
                body: br#"{"tx": "ab"#.to_vec(),
                status: 400,
                code: "MALFORMED_JSON",
            },
            Refusal {
                what: "non-hex transaction",
                path: tx,
                content_type: json_type,
                body: br#"{"tx": "not hex"}"#.to_vec(),
                status: 400,
                code: "BAD_HEX",
            },
            Refusal {
                what: "truncated transaction bytes",
                path: tx,
                content_type: json_type,
                body: tx_json(&next[..next.len() / 2]),
                status: 400,
                code: "MALFORMED_TX",
            },
            Refusal {
                what: "a body with no media type",
                path: tx,
                content_type: None,
                body: tx_json(&next),
                status: 415,
                code: "UNSUPPORTED_MEDIA_TYPE",
            },
            Refusal {
                what: "an empty batch",
                path: "/v1/txs",
                content_type: json_type,
                body: br#"{"txs": []}"#.to_vec(),
                status: 400,
                code: "EMPTY_BATCH",
            },
            Refusal {
                what: "a batch body over 4 MiB",
                path: "/v1/txs",
                content_type: json_type,
                body: oversized.into_bytes(),
                status: 413,
                code: "PAYLOAD_TOO_LARGE",
            },
        ];
        let mut details = BTreeMap::new();
        for refusal in refusals {
            let code = refusal.code;
            let body = check_refused(&http, &url, refusal).await;
            details.insert(code, body["details"].clone());
        }
        assert_eq!(
            details["WRONG_CHAIN_ID"],
            json!({"expected": CHAIN_ID, "got": "other-chain"})
        );
        assert_eq!(details["NONCE_GAP"], json!({"expected": 1, "got": 5}));
        assert_eq!(details["NONCE_TOO_LOW"], json!({"expected": 1, "got": 0}));
        assert_eq!(
            details["CANNOT_PAY_FEE"],
            json!({"balance": "0", "max_fee": GAS_LIMIT.to_string()})
        );

        // In a batch each transaction gets its own verdict, in order.
        let batch = json!({"txs": [
            hex::encode(&bad_signature),
            "zz",
            hex::encode(wrong_chain.encode_to_vec()),
            hex::encode(&next[..10]),
        ]});
        let (status, answer) = post(
            &http,
            &url,
            "/v1/txs",
            json_type,
            batch.to_string().into_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{answer:#}");
        let codes: Vec<&str> = answer["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|result| result["error"]["code"].as_str().expect("refused"))
            .collect();
        assert_eq!(
            codes,
            ["BAD_SIGNATURE", "BAD_HEX", "WRONG_CHAIN_ID", "MALFORMED_TX"]
        );

        // An unknown module name in a state path is a missing resource.
        let response = http
            .get(format!("{url}/v1/state/nosuchmodule/00"))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status().as_u16(), 404);
        let body: Value = response.json().await.expect("JSON error");
        assert_eq!(body["code"], "UNKNOWN_MODULE");

        // Nothing was admitted, nothing changed, and the node is still up.
        let status = client.status().await.expect("status");
        assert_eq!((status.mempool_size, status.committed_txs), (0, 1));
        assert!(client.health().await.expect("health").ok);
        let funder_after = verified(&client, &funder.address()).await;
        assert_eq!(
            (funder_after.balance, funder_after.nonce),
            (funder_before.balance, funder_before.nonce)
        );
        let recipient_after = verified(&client, &recipient).await;
        assert_eq!(recipient_after.balance, recipient_before.balance);
        let victim_account = verified(&client, &victim).await;
        assert_eq!((victim_account.exists, victim_account.balance), (false, 0));

        // The chain still finalizes, and takes the transaction that was refused when tampered.
        let good = transfer(&funder, 1, &victim, 7, 1);
        assert_eq!(good.encode_to_vec(), next);
        submit_all(&client, std::slice::from_ref(&good)).await;
        let record = committed(&client, &good.hash()).await;
        assert_succeeded(&record);
        let height = record.location.as_ref().expect("location").height;
        assert!(height > height_before, "{height} <= {height_before}");
        let victim_account = verified(&client, &victim).await;
        assert_eq!((victim_account.exists, victim_account.balance), (true, 7));
    });
    node.stop();
}

#[test]
fn state_proofs_verify_against_their_block_while_blocks_are_finalized() {
    let funder = SecretKey::from_seed(1);
    let node = TestNode::start(&[(funder.address(), GENESIS_BALANCE)]);
    let client = node.client.clone();
    let to = SecretKey::from_seed(2).address();
    let raw_key = state_key::account(&funder.address());
    node.block_on(async {
        let (mut reads, mut next_nonce, mut last_nonce) = (0u32, 0u64, 0u64);
        let load_until = Instant::now() + Duration::from_millis(1_500);
        while Instant::now() < load_until {
            // Keep a few transfers pending, so that a block is finalized every 50 ms.
            if client.status().await.expect("status").mempool_size < 4 {
                let txs: Vec<SignedTransaction> = (next_nonce..next_nonce + 4)
                    .map(|nonce| transfer(&funder, nonce, &to, 1, 1))
                    .collect();
                submit_all(&client, &txs).await;
                next_nonce += 4;
            }
            let value = client.state(Bank::NAME, &raw_key).await.expect("state");
            // The block a proof is about is served as soon as the proof is.
            let block = client
                .block(BlockRef::Height(value.height), false)
                .await
                .unwrap_or_else(|error| panic!("block {}: {error:?}", value.height));
            let account = verify_account(&funder.address(), &value, &block)
                .unwrap_or_else(|error| panic!("height {}: {error}", value.height));
            assert!(account.nonce >= last_nonce, "the state went back");
            last_nonce = account.nonce;
            reads += 1;
        }
        assert!(
            last_nonce > 0 && reads > 50,
            "{reads} reads, nonce {last_nonce}"
        );
    });
    node.stop();
}
