//! Four validators on loopback, each its own `ailedger node` process, made by `ailedger testnet
//! init`: blocks finalize with identical hashes and state roots on every node; a transaction
//! sent to one node is executed once everywhere; a validator killed with SIGKILL does not stop
//! the other three, and catches up when restarted; with two of four down the chain halts
//! without forking and resumes when one returns.

use ailedger_client::Client;
use serde_json::Value;
use std::{
    collections::BTreeSet,
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};
use tempfile::TempDir;

const VALIDATORS: usize = 4;
/// Bound on every wait: the tests stop by themselves even if the chain does not.
const PATIENCE: Duration = Duration::from_secs(90);

/// `count` consecutive free ports on loopback, found by binding them, and never handed out
/// twice in this process (tests running side by side would otherwise find the same ports free
/// before either starts its nodes). They stay below the kernel's ephemeral range.
fn free_ports(count: u16) -> u16 {
    static CLAIMED: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut claimed = CLAIMED.lock().unwrap_or_else(|p| p.into_inner());
    for attempt in 0..400u16 {
        let base = 20_000 + ((std::process::id() as u16 % 500) * 23 + attempt * 29) % 12_000;
        if (base..base + count).any(|port| claimed.contains(&port)) {
            continue;
        }
        let listeners: Vec<_> = (0..count)
            .map_while(|offset| TcpListener::bind(("127.0.0.1", base.checked_add(offset)?)).ok())
            .collect();
        if listeners.len() == usize::from(count) {
            claimed.extend(base..base + count);
            return base;
        }
    }
    panic!("no {count} consecutive free ports on loopback");
}

/// One validator's process, killed when dropped.
pub(crate) struct Validator {
    pub(crate) home: PathBuf,
    pub(crate) url: String,
    /// Where it listens for peers.
    pub(crate) p2p: String,
    log: PathBuf,
    child: Option<Child>,
}

impl Validator {
    pub(crate) fn start(&mut self) {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_ailedger"))
            .args(["--home", self.home.to_str().expect("utf-8 path"), "node"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("node starts");
        self.child = Some(child);
    }

    /// SIGKILL: no chance to flush or say goodbye.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill");
            child.wait().expect("reap");
        }
    }
}

impl Drop for Validator {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(crate) struct Testnet {
    _dir: TempDir,
    pub(crate) validators: Vec<Validator>,
    /// The validator set, as the genesis document names it.
    pub(crate) keys: Vec<ailedger_core::Address>,
    pub(crate) runtime: tokio::runtime::Runtime,
}

impl Testnet {
    pub(crate) fn init() -> Self {
        Self::with_full_nodes(0)
    }

    /// Four validators, then `full_nodes` full nodes (indices 4, 5, ...).
    pub(crate) fn with_full_nodes(full_nodes: u16) -> Self {
        Self::with_options(full_nodes, &[])
    }

    /// As [`with_full_nodes`](Self::with_full_nodes), passing `extra` to `testnet init`.
    pub(crate) fn with_options(full_nodes: u16, extra: &[&str]) -> Self {
        let dir = TempDir::new().expect("temp dir");
        let nodes = VALIDATORS as u16 + full_nodes;
        let base = free_ports(2 * nodes);
        let out = dir.path().join("net");
        let output = Command::new(env!("CARGO_BIN_EXE_ailedger"))
            .args(["--json", "testnet", "init", "--validators", "4", "--out"])
            .arg(&out)
            .args(["--full-nodes", &full_nodes.to_string()])
            .args(["--api-port", &base.to_string()])
            .args(["--p2p-port", &(base + nodes).to_string()])
            .args(["--block-interval-ms", "50"])
            .args(extra)
            .output()
            .expect("testnet init runs");
        assert!(output.status.success(), "{output:?}");
        let view: Value = serde_json::from_slice(&output.stdout).expect("json");
        let keys = view["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|node| node["role"] == "validator")
            .map(|node| {
                node["validator"]
                    .as_str()
                    .expect("validator")
                    .parse()
                    .expect("address")
            })
            .collect();
        let validators = view["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .enumerate()
            .map(|(index, node)| Validator {
                home: PathBuf::from(node["home"].as_str().expect("home")),
                url: node["api"].as_str().expect("api").to_owned(),
                p2p: node["p2p"].as_str().expect("p2p").to_owned(),
                log: dir.path().join(format!("node{index}.log")),
                child: None,
            })
            .collect();
        Self {
            _dir: dir,
            validators,
            keys,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
        }
    }

    pub(crate) fn client(&self, index: usize) -> Client {
        Client::new(&self.validators[index].url).expect("client")
    }

    /// The node's finalized height, or `None` if it does not answer.
    pub(crate) fn height(&self, index: usize) -> Option<u64> {
        self.runtime
            .block_on(self.client(index).status())
            .ok()
            .map(|status| status.height)
    }

    /// Waits until every node in `nodes` is at `height` or above.
    pub(crate) fn wait_for(&self, nodes: &[usize], height: u64, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !nodes
            .iter()
            .all(|&node| self.height(node).is_some_and(|h| h >= height))
        {
            let heights: Vec<_> = nodes.iter().map(|&node| self.height(node)).collect();
            assert!(
                Instant::now() < deadline,
                "{what}: nodes {nodes:?} did not reach height {height} (at {heights:?}); logs in {}",
                self.logs().display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The directory of the nodes' logs (kept only while the testnet lives).
    pub(crate) fn logs(&self) -> &Path {
        self.validators[0].log.parent().unwrap_or(Path::new("?"))
    }

    /// Block hash and state root of `height` on `node`.
    fn block(&self, node: usize, height: u64) -> (String, String) {
        let block = self
            .runtime
            .block_on(
                self.client(node)
                    .block(ailedger_client::BlockRef::Height(height), false),
            )
            .unwrap_or_else(|error| panic!("block {height} from node {node}: {error}"));
        (block.hash.to_string(), block.header.state_root.to_string())
    }

    /// Every node in `nodes` has the same block and state root at every height up to `height`.
    pub(crate) fn assert_agree(&self, nodes: &[usize], height: u64) {
        for h in 1..=height {
            self.assert_agree_at(nodes, h);
        }
    }

    /// Every node in `nodes` has the same block and state root at `height`.
    pub(crate) fn assert_agree_at(&self, nodes: &[usize], height: u64) {
        let seen: BTreeSet<(String, String)> =
            nodes.iter().map(|&node| self.block(node, height)).collect();
        assert!(
            seen.len() <= 1,
            "nodes {nodes:?} disagree at height {height}: {seen:?}"
        );
    }

    /// A light client trusting the validators `keys` at genesis, with the chain's epochs (the
    /// genesis document has no staking section, so the default parameters').
    pub(crate) fn light_client(keys: &[ailedger_core::Address]) -> ailedger_light::LightClient {
        let epochs = ailedger_state::staking::StakingParams::DEFAULT
            .epochs()
            .expect("the defaults define epochs");
        ailedger_light::LightClient::new(keys, epochs).expect("validator set")
    }
}

pub(crate) fn ailedger(args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ailedger"))
        .arg("--json")
        .args(args)
        .output()
        .expect("ailedger runs");
    assert!(output.status.success(), "ailedger {args:?}: {output:?}");
    serde_json::from_slice(&output.stdout).expect("json")
}

#[test]
fn four_validators_agree_survive_one_crash_and_halt_safely_without_quorum() {
    let mut net = Testnet::init();
    for validator in &mut net.validators {
        validator.start();
    }
    let all = [0, 1, 2, 3];
    net.wait_for(&all, 5, "start");
    net.assert_agree(&all, 5);
    // A light client holding only the four genesis keys trusts a header any node serves once
    // a quorum of them signed its finalization.
    let light = Testnet::light_client(&net.keys);
    for node in all {
        let client = net.client(node);
        let block = net
            .runtime
            .block_on(client.block(ailedger_client::BlockRef::Height(4), false))
            .expect("block");
        let certificate = net
            .runtime
            .block_on(client.finalization(4))
            .expect("certificate");
        light
            .verify_header(&block, &certificate.finalization)
            .unwrap_or_else(|error| panic!("node {node}: {error}"));
    }
    let three = Testnet::light_client(&net.keys[..3]);
    let block = net
        .runtime
        .block_on(
            net.client(0)
                .block(ailedger_client::BlockRef::Height(4), false),
        )
        .expect("block");
    let certificate = net
        .runtime
        .block_on(net.client(0).finalization(4))
        .expect("certificate");
    assert!(
        three
            .verify_header(&block, &certificate.finalization)
            .is_err(),
        "a certificate is only valid for the set that signed it"
    );

    // A transfer sent to node 2 is executed once, and every node sees the same result.
    let home2 = net.validators[2].home.to_str().expect("utf-8").to_owned();
    let bob = SecretKeyAddress::new(7);
    let sent = ailedger(&[
        "--home",
        &home2,
        "--node",
        &net.validators[2].url,
        "tx",
        "transfer",
        "--from",
        "dev",
        "--to",
        &bob.address,
        "--amount",
        "10",
        "--wait",
    ]);
    assert_eq!(sent["receipt"]["outcome"]["status"], "success", "{sent:#}");
    let hash = sent["hash"].as_str().expect("hash").to_owned();
    let included = sent["location"]["height"]
        .as_u64()
        .expect("committed at a height");
    net.wait_for(&all, included, "transfer");
    let hash = ailedger_client::encoding::parse_hash(&hash).expect("hash");
    let dev: ailedger_core::Address = sent["tx"]["sender"]
        .as_str()
        .expect("sender")
        .parse()
        .expect("address");
    for node in all {
        let client = net.client(node);
        let account = net
            .runtime
            .block_on(client.verified_account(&bob.parsed()))
            .expect("a verified account");
        assert_eq!(account.balance, 10, "node {node}");
        let sender = net
            .runtime
            .block_on(client.verified_account(&dev))
            .expect("a verified account");
        assert_eq!(sender.nonce, 1, "node {node}: executed exactly once");
        let record = net
            .runtime
            .block_on(client.tx(&hash))
            .expect("the transaction");
        assert_eq!(
            record.location.map(|location| location.height),
            Some(included),
            "node {node}"
        );
    }

    // One validator killed: the other three keep finalizing.
    net.validators[3].kill();
    let at_kill = net.height(0).expect("node 0 answers");
    net.wait_for(&[0, 1, 2], at_kill + 5, "three of four");
    net.assert_agree(&[0, 1, 2], at_kill + 5);
    // Restarted, it catches up and agrees.
    net.validators[3].start();
    let target = net.height(0).expect("node 0 answers") + 2;
    net.wait_for(&all, target, "catch-up after restart");
    net.assert_agree(&all, target);

    // Two of four down: no quorum, no progress, no fork.
    net.validators[2].kill();
    net.validators[3].kill();
    std::thread::sleep(Duration::from_secs(2));
    let halted = net.height(0).expect("node 0 answers");
    std::thread::sleep(Duration::from_secs(5));
    for node in [0, 1] {
        let height = net.height(node).expect("answers");
        assert!(
            height <= halted + 1,
            "node {node} finalized without quorum: {halted} -> {height}"
        );
    }
    let common = net.height(0).min(net.height(1)).expect("both answer");
    net.assert_agree(&[0, 1], common);
    // One returns: quorum again, and the chain moves on.
    net.validators[2].start();
    net.wait_for(&[0, 1, 2], common + 3, "resume after quorum returns");
    net.assert_agree(&[0, 1, 2], common + 3);
}

/// An account the test does not need the key of.
pub(crate) struct SecretKeyAddress {
    pub(crate) address: String,
}

impl SecretKeyAddress {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            address: ailedger_core::SecretKey::from_seed(seed)
                .address()
                .to_string(),
        }
    }

    pub(crate) fn parsed(&self) -> ailedger_core::Address {
        self.address.parse().expect("address")
    }
}
