//! Staking through the binary: `init` and `testnet init` write the genesis `[staking]` section
//! that every node of the chain loads; on a single-validator chain with short epochs and one
//! seat, an account registers as a validator, bonds, unbonds and withdraws after the unbonding
//! delay (not before: the chain's `NOTHING_TO_WITHDRAW`), and competes for the set of each next
//! epoch, read back verified against the header that commits to it (the seat goes to the larger
//! stake, so the running node keeps it and the chain goes on); double-sign evidence signed with
//! the validator's key jails it, once. Bad inputs are refused with their codes and exit
//! statuses. A validator that joins a running set is `validator_changes.rs`.

use super::end_to_end::{Cli, DEADLINE, NodeProcess};
use ailedger_client::Client;
use ailedger_core::{Address, CONSENSUS_NAMESPACE, Hash, SecretKey, sha256};
use ailedger_node::config::{Home, load};
use ailedger_state::staking::{ChainEpocher, StakingParams};
use commonware_codec::Encode;
use commonware_consensus::{
    simplex::{
        scheme::ed25519::Scheme,
        types::{Activity, ConflictingNotarize, Notarize, Proposal},
    },
    types::{Epoch, Round, View},
};
use commonware_cryptography::sha256::Digest;
use commonware_utils::ordered::Set;
use serde_json::Value;
use std::{
    num::NonZeroU64,
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};
use tempfile::TempDir;

/// Runs the binary with `args`; returns its exit status and stdout.
fn ailedger(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ailedger"))
        .args(args)
        .env_remove("AILEDGER_HOME")
        .env_remove("AILEDGER_NODE")
        .output()
        .expect("ailedger runs");
    (
        output.status.code().expect("exited"),
        String::from_utf8(output.stdout).expect("utf-8"),
    )
}

#[test]
fn testnet_init_writes_one_staking_section_that_every_node_loads() {
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("net");
    let out_text = out.to_str().expect("utf-8 path");
    let (code, stdout) = ailedger(&[
        "--json",
        "testnet",
        "init",
        "--validators",
        "2",
        "--out",
        out_text,
        "--epoch-length",
        "6",
        "--stake",
        "2000000",
    ]);
    assert_eq!(code, 0, "{stdout}");
    let view: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(view["epoch_length"], 6);
    let homes: Vec<&str> = view["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["home"].as_str().expect("home"))
        .collect();
    assert_eq!(homes.len(), 2);
    let genesis: Vec<_> = homes
        .iter()
        .map(|home| load(&Home::new(home)).expect("the home loads").genesis)
        .collect();
    assert_eq!(genesis[0].hash(), genesis[1].hash());
    assert_eq!(
        view["genesis_hash"].as_str(),
        Some(genesis[0].hash().to_string().as_str())
    );
    let staking = genesis[0].staking.clone().expect("a staking section");
    assert_eq!(
        staking.params,
        StakingParams {
            fork_last: 5,
            epoch_length: 6,
            ..StakingParams::DEFAULT
        }
    );
    let mut staked: Vec<_> = staking.stakes.iter().map(|(key, _)| key.clone()).collect();
    staked.sort();
    let mut validators = genesis[0].validators.clone();
    validators.sort();
    assert_eq!(staked, validators);
    assert!(staking.stakes.iter().all(|(_, stake)| *stake == 2_000_000));

    // Without the flags, no section: the default epochs and stakes, as before.
    let plain = dir.path().join("plain");
    let (code, stdout) = ailedger(&[
        "--json",
        "testnet",
        "init",
        "--validators",
        "1",
        "--out",
        plain.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, 0, "{stdout}");
    let view: Value = serde_json::from_str(&stdout).expect("json");
    assert!(view.get("epoch_length").is_none(), "{view:#}");
    let genesis = load(&Home::new(plain.join("node0")))
        .expect("loads")
        .genesis;
    assert_eq!(genesis.staking, None);

    // Epochs of one block, or a stake below the minimum, are usage errors; nothing is written.
    for bad in [["--epoch-length", "1"], ["--stake", "999999"]] {
        let refused = dir.path().join("refused");
        let (code, stdout) = ailedger(&[
            "--json",
            "testnet",
            "init",
            "--out",
            refused.to_str().expect("utf-8 path"),
            bad[0],
            bad[1],
        ]);
        assert_eq!(code, 2, "{bad:?}: {stdout}");
        let document: Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(document["error"]["code"], "USAGE", "{document:#}");
        assert!(!refused.exists(), "{bad:?}");
    }
}

/// A single-validator chain made by `ailedger init --epoch-length N` (its genesis edited by
/// `edit`), run by `ailedger node`, with the binary pointed at it.
struct Chain {
    _node: NodeProcess,
    cli: Cli,
    client: Client,
    runtime: tokio::runtime::Runtime,
    home: PathBuf,
    epochs: ChainEpocher,
    _dir: TempDir,
}

impl Chain {
    fn start(epoch_length: u64, edit: impl FnOnce(String) -> String) -> Self {
        let dir = TempDir::new().expect("temp dir");
        let home = dir.path().join("node");
        let home_text = home.to_str().expect("utf-8 path");
        let (code, stdout) = ailedger(&[
            "--json",
            "--home",
            home_text,
            "init",
            "--chain-id",
            "e2e-staking",
            "--epoch-length",
            &epoch_length.to_string(),
        ]);
        assert_eq!(code, 0, "{stdout}");
        let view: Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(view["epoch_length"], epoch_length);
        let genesis_path = Home::new(&home).genesis();
        let genesis = std::fs::read_to_string(&genesis_path).expect("genesis");
        assert!(genesis.contains("[staking]"), "{genesis}");
        std::fs::write(&genesis_path, edit(genesis)).expect("edit genesis");
        let node = NodeProcess::spawn(
            &home,
            Some(&dir.path().join("node.log")),
            &["--block-interval-ms", "50"],
        );
        let cli = Cli {
            home: home.clone(),
            node: node.url.clone(),
        };
        let client = Client::new(&node.url).expect("client");
        let epochs = ChainEpocher::fixed(NonZeroU64::new(epoch_length).expect("positive"))
            .expect("epochs of 2 or more");
        Self {
            _node: node,
            cli,
            client,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            home,
            epochs,
            _dir: dir,
        }
    }

    fn height(&self) -> u64 {
        self.runtime
            .block_on(self.client.status())
            .map_or(0, |status| status.height)
    }

    /// Waits until a block at `height` or above is committed.
    fn wait_for_height(&self, height: u64) {
        let deadline = Instant::now() + DEADLINE;
        while self.height() < height {
            assert!(
                Instant::now() < deadline,
                "no block at height {height} within {DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the chain is in `epoch` or later.
    fn wait_for_epoch(&self, epoch: u64) {
        self.wait_for_height(self.epochs.first(epoch).expect("an epoch in range"));
    }

    /// The height of the block that committed a `--wait --json` transaction command's output.
    fn committed_height(sent: &Value) -> u64 {
        sent["tx"]["location"]["height"]
            .as_u64()
            .unwrap_or_else(|| panic!("not committed: {sent:#}"))
    }

    /// The validator key of the node's home.
    fn validator_key(&self) -> SecretKey {
        let text = std::fs::read_to_string(Home::new(&self.home).validator_key()).expect("key");
        SecretKey::from_bytes(&hex::decode(text.trim()).expect("hex")).expect("a key")
    }

    /// A transaction command with `--wait --json` that the chain commits and refuses with
    /// `code`: exit 1, the refusal in the receipt printed and named on stderr.
    fn refused_on_chain(&self, args: &[&str], code: &str) -> Value {
        let mut all = vec!["--json"];
        all.extend(args);
        all.push("--wait");
        let run = self.cli.run(&all).exit(1);
        let sent: Value = run.json();
        assert_eq!(
            sent["tx"]["receipt"]["outcome"]["status"], "failed",
            "{sent:#}"
        );
        assert_eq!(sent["tx"]["receipt"]["outcome"]["code"], code, "{sent:#}");
        assert!(run.stderr.contains(code), "{run:#?}");
        sent
    }
}

/// Runs a `--wait --json` transaction command that must succeed.
fn committed(cli: &Cli, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--wait");
    let sent: Value = cli.ok_json(&all);
    assert_eq!(
        sent["tx"]["receipt"]["outcome"]["status"], "success",
        "{sent:#}"
    );
    sent
}

fn amount(value: &Value) -> u128 {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("{value} is not a decimal amount"))
}

fn members(set: &Value) -> Vec<(String, u128, String)> {
    set["set"]["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|member| {
            (
                member["address"].as_str().expect("address").to_owned(),
                amount(&member["stake"]),
                member["p2p_address"].as_str().expect("p2p").to_owned(),
            )
        })
        .collect()
}

/// Checks a set answer's own bytes: its digest is their SHA-256.
fn check_encoding(set: &Value) {
    let encoded = hex::decode(set["encoded"].as_str().expect("encoded")).expect("hex");
    assert_eq!(
        set["digest"].as_str(),
        Some(sha256(&[&encoded]).to_string().as_str()),
        "{set:#}"
    );
}

/// The genesis validator's stake in the registration test: more than the candidate's.
const GENESIS_STAKE: u128 = 10_000_000;

#[test]
fn a_validator_registers_bonds_unbonds_withdraws_and_competes_for_the_next_set() {
    // Epochs of 10 blocks, one epoch of unbonding instead of the default seven, and one seat,
    // which the genesis validator's larger stake keeps: the registered account runs no node,
    // and a set it entered would stop the chain.
    let chain = Chain::start(10, |genesis| {
        let validator = genesis
            .lines()
            .find_map(|line| line.strip_prefix("validators = [\""))
            .and_then(|rest| rest.strip_suffix("\"]"))
            .expect("one genesis validator")
            .to_owned();
        genesis
            .replace("unbonding_epochs = 7", "unbonding_epochs = 1")
            .replace("max_validators = 100", "max_validators = 1")
            + &format!(
                "\n[[staking.stakes]]\nvalidator = \"{validator}\"\nstake = \"{GENESIS_STAKE}\"\n"
            )
    });
    let cli = &chain.cli;
    let genesis_validator = chain.validator_key().address().to_string();
    let dev: Value = cli.ok_json(&["keys", "show", "dev"]);
    let dev = dev["address"].as_str().expect("address").to_owned();

    let params: Value = cli.ok_json(&["staking", "params"]);
    assert_eq!(params["params"]["epoch_length"], 10);
    assert_eq!(params["params"]["fork_last"], 9);
    assert_eq!(params["params"]["unbonding_epochs"], 1);
    let min = amount(&params["params"]["min_self_stake"]);
    assert_eq!(min, StakingParams::DEFAULT.min_self_stake);
    assert!(
        params["verified"]["values_proven"].as_u64() == Some(1),
        "{params:#}"
    );
    let human = cli.ok(&["staking", "params"]);
    assert!(
        human.field("epoch").contains("(heights"),
        "{}",
        human.stdout
    );

    // The node's own validator (this home's key), staked at genesis.
    let own: Value = cli.ok_json(&["staking", "validator"]);
    assert_eq!(own["validator"]["address"], genesis_validator.as_str());
    assert_eq!(amount(&own["validator"]["stake"]), GENESIS_STAKE);
    assert_eq!(own["validator"]["p2p_address"], "");
    let zero: Value = cli.ok_json(&["staking", "set", "0"]);
    assert_eq!(
        members(&zero),
        vec![(genesis_validator.clone(), GENESIS_STAKE, String::new())]
    );
    assert_eq!(zero["boundary_height"], Value::Null);
    check_encoding(&zero);

    // Refused before anything is signed: malformed values (usage, exit 2), and what the
    // verified state already rules out (exit 1, the chain's codes).
    for bad in [
        ["--p2p-address", "localhost:26656", "--stake", "2000000"],
        ["--p2p-address", "127.0.0.1:30001", "--stake", "0"],
    ] {
        let mut args = vec!["staking", "register"];
        args.extend(bad);
        args.extend(["--from", "dev"]);
        cli.run(&args).exit(2);
    }
    cli.refused_json(
        &[
            "staking",
            "register",
            "--p2p-address",
            "127.0.0.1:30001",
            "--stake",
            "999999",
            "--from",
            "dev",
        ],
        1,
        "BELOW_MINIMUM_STAKE",
    );
    cli.refused_json(
        &["staking", "bond", "5", "--from", "dev"],
        1,
        "NOT_A_VALIDATOR",
    );
    cli.refused_json(
        &["staking", "withdraw", "--from", "dev"],
        1,
        "NOT_A_VALIDATOR",
    );
    cli.refused_json(&["staking", "validator", &dev], 1, "NOT_FOUND");
    cli.refused_json(&["staking", "validator", "nobody"], 1, "ERROR");
    cli.refused_json(&["staking", "set", "1000"], 1, "NOT_FOUND");

    let register = [
        "staking",
        "register",
        "--p2p-address",
        "127.0.0.1:30001",
        "--stake",
        "3000000",
        "--from",
        "dev",
    ];
    let registered = committed(cli, &register);
    assert_eq!(registered["action"], "register_validator");
    assert_eq!(registered["from"], dev.as_str());
    let registered_at = Chain::committed_height(&registered);
    cli.refused_json(&register, 1, "VALIDATOR_EXISTS");
    committed(cli, &["staking", "bond", "1000000", "--from", "dev"]);
    // The withdrawal right after the unbond (the same block or the next, in nonce order) is
    // refused by the chain: nothing is released before the delay. The fee is paid.
    let unbond: Value = cli.ok_json(&["staking", "unbond", "1000000", "--from", "dev"]);
    assert_eq!(unbond["tx"], Value::Null, "not waited for: {unbond:#}");
    chain.refused_on_chain(
        &["staking", "withdraw", "--from", "dev"],
        "NOTHING_TO_WITHDRAW",
    );

    let shown: Value = cli.ok_json(&["staking", "validator", "dev"]);
    let validator = &shown["validator"];
    assert_eq!(amount(&validator["stake"]), 3_000_000);
    assert_eq!(validator["p2p_address"], "127.0.0.1:30001");
    assert_eq!(validator["jailed"], false);
    assert_eq!(amount(&validator["unbonding"][0]["amount"]), 1_000_000);
    // Unbonded in epoch u: slashable through u + 1, withdrawable from u + 2.
    let release = validator["unbonding"][0]["release_epoch"]
        .as_u64()
        .expect("release epoch");
    let unbond_epoch = release - 2;
    assert!(
        unbond_epoch >= chain.epochs.epoch_of(registered_at),
        "{shown:#}"
    );
    let human = cli.ok(&["staking", "validator", &dev]);
    assert_eq!(human.field("stake"), "3000000");
    assert_eq!(
        human.field("unbonding"),
        format!("1000000 withdrawable from epoch {release}")
    );

    // The set of the epoch after the registration is computed with the new candidate; its
    // one seat goes to the larger stake, and so does every later one.
    let joined = chain.epochs.epoch_of(registered_at) + 1;
    chain.wait_for_epoch(joined);
    let set: Value = cli.ok_json(&["staking", "set", &joined.to_string()]);
    assert_eq!(
        members(&set),
        vec![(genesis_validator.clone(), GENESIS_STAKE, String::new())],
        "{set:#}"
    );
    assert_eq!(
        set["boundary_height"].as_u64(),
        chain.epochs.last(joined - 1),
        "{set:#}"
    );
    check_encoding(&set);
    let settled = unbond_epoch + 1;
    chain.wait_for_epoch(settled);
    let set: Value = cli.ok_json(&["staking", "set", &settled.to_string()]);
    assert_eq!(
        members(&set),
        vec![(genesis_validator, GENESIS_STAKE, String::new())],
        "{set:#}"
    );
    let human = cli.ok(&["staking", "set", &settled.to_string()]);
    assert_eq!(human.field("validators"), "1");
    assert!(
        human
            .field("committed")
            .starts_with("by the header of block"),
        "{}",
        human.stdout
    );
    // The current set is the set of the epoch of the block it was read at.
    let current: Value = cli.ok_json(&["staking", "set"]);
    let read_at = current["height"].as_u64().expect("height");
    assert_eq!(
        current["set"]["epoch"].as_u64(),
        Some(chain.epochs.epoch_of(read_at))
    );

    chain.wait_for_epoch(release);
    let balance = |who: &str| -> u128 {
        let account: Value = cli.ok_json(&["account", "show", who]);
        amount(&account["balance"])
    };
    let before = balance("dev");
    let withdrawn = committed(cli, &["staking", "withdraw", "--from", "dev"]);
    let fee = amount(&withdrawn["tx"]["receipt"]["fee"]);
    assert_eq!(balance("dev"), before + 1_000_000 - fee);
    let shown: Value = cli.ok_json(&["staking", "validator", "dev"]);
    assert_eq!(shown["validator"]["unbonding"], Value::Array(Vec::new()));
    assert_eq!(amount(&shown["validator"]["stake"]), 3_000_000);
    chain.refused_on_chain(
        &["staking", "withdraw", "--from", "dev"],
        "NOTHING_TO_WITHDRAW",
    );
}

/// A conflicting-notarize fault by `key`, a member of `members`, in `epoch` and `view`, as
/// simplex's `Activity` encodes it.
fn double_sign(key: &SecretKey, members: &[Address], epoch: u64, view: u64) -> Vec<u8> {
    let participants = Set::try_from(
        members
            .iter()
            .map(|address| address.public_key().clone())
            .collect::<Vec<_>>(),
    )
    .expect("distinct keys");
    let scheme = Scheme::signer(CONSENSUS_NAMESPACE, participants, key.private_key().clone())
        .expect("the signer is a member");
    let vote = |payload: u8| {
        let proposal = Proposal::new(
            Round::new(Epoch::new(epoch), View::new(view)),
            View::new(view - 1),
            Digest([payload; 32]),
        );
        Notarize::<Scheme, Hash>::sign(&scheme, proposal).expect("a signer")
    };
    let fault = ConflictingNotarize::new(vote(1), vote(2));
    Activity::<Scheme, Hash>::ConflictingNotarize(fault)
        .encode()
        .to_vec()
}

#[test]
fn double_sign_evidence_jails_the_validator_once_and_bad_evidence_costs_nothing() {
    let chain = Chain::start(20, |genesis| genesis);
    let cli = &chain.cli;
    let key = chain.validator_key();
    let validator = key.address();
    let evidence = double_sign(&key, std::slice::from_ref(&validator), 0, 3);
    let file = chain.home.join("fault.hex");
    std::fs::write(&file, format!("{}\n", hex::encode(&evidence))).expect("write");

    // Bytes that are no fault are refused before signing.
    cli.refused_json(
        &[
            "staking",
            "report-double-sign",
            "--evidence",
            "0700",
            "--from",
            "dev",
        ],
        1,
        "MALFORMED_EVIDENCE",
    );
    cli.refused_json(
        &[
            "staking",
            "report-double-sign",
            "--evidence",
            "05",
            "--from",
            "dev",
        ],
        1,
        "NOT_A_FAULT",
    );
    cli.run(&[
        "staking",
        "report-double-sign",
        "--evidence",
        "zz",
        "--from",
        "dev",
    ])
    .exit(2);

    let reported = committed(
        cli,
        &[
            "staking",
            "report-double-sign",
            "--evidence",
            file.to_str().expect("utf-8 path"),
            "--from",
            "dev",
        ],
    );
    assert_eq!(reported["action"], "report_double_sign");
    let events: Vec<&str> = reported["tx"]["receipt"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| event["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(events, ["validator_jailed", "double_sign_slashed"]);
    let shown: Value = cli.ok_json(&["staking", "validator"]);
    assert_eq!(shown["validator"]["jailed"], true);
    // 5% of the default stake burned.
    let min = StakingParams::DEFAULT.min_self_stake;
    assert_eq!(amount(&shown["validator"]["stake"]), min - min / 20);

    // The same fault again, as hex: recorded already.
    chain.refused_on_chain(
        &[
            "staking",
            "report-double-sign",
            "--evidence",
            &hex::encode(&evidence),
            "--from",
            "dev",
        ],
        "EVIDENCE_EXISTS",
    );
    // Votes by a key that is in no set do not verify against epoch 0's.
    let stranger = SecretKey::from_seed(99);
    let mut members = vec![validator, stranger.address()];
    members.sort();
    let forged = double_sign(&stranger, &members, 0, 4);
    chain.refused_on_chain(
        &[
            "staking",
            "report-double-sign",
            "--evidence",
            &hex::encode(&forged),
            "--from",
            "dev",
        ],
        if members[0] == stranger.address() {
            "BAD_EVIDENCE_SIGNATURE"
        } else {
            "UNKNOWN_SIGNER"
        },
    );
}
