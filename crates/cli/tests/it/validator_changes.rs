//! Validator-set changes at an epoch boundary, on four validators and a full node with epochs
//! of 20 blocks: the full node registers as a validator with a stake and a genesis validator
//! unbonds all of its stake; at the end of the epoch in which both were finalized, the next
//! epoch's set holds the newcomer and not the leaver, consensus runs with that set from the
//! next block on (the newcomer proposes blocks of the new epoch), every node agrees on every
//! block, the leaver keeps following, and a light client that starts from the genesis set
//! alone learns the new set from the boundary block and verifies a block the new set signed.

use super::testnet::{Testnet, ailedger};
use ailedger_client::BlockRef;
use std::time::{Duration, Instant};

const EPOCH: u64 = 20;
const NEWCOMER: usize = 4;
const LEAVER: usize = 0;
const EVERYONE: [usize; 5] = [0, 1, 2, 3, NEWCOMER];

/// The node's consensus key, imported into its home's keystore as `node`; returns its address.
fn import_node_key(net: &Testnet, index: usize) -> String {
    let home = &net.validators[index].home;
    let secret = std::fs::read_to_string(home.join("validator.key")).expect("validator key");
    let imported = ailedger(&[
        "--home",
        home.to_str().expect("utf-8"),
        "keys",
        "import",
        "node",
        "--secret-hex",
        secret.trim(),
    ]);
    imported["address"]
        .as_str()
        .expect("the imported key's address")
        .to_owned()
}

/// Runs `args` against node `index` with its home, expects a successful receipt, and returns
/// the height that included it.
fn submit(net: &Testnet, index: usize, args: &[&str]) -> u64 {
    let node = &net.validators[index];
    let mut full = vec![
        "--home",
        node.home.to_str().expect("utf-8"),
        "--node",
        &node.url,
    ];
    full.extend_from_slice(args);
    full.push("--wait");
    let sent = ailedger(&full);
    // `tx` commands print the transaction's record; module commands print it under `tx`.
    let record = if sent["tx"]["receipt"].is_object() {
        &sent["tx"]
    } else {
        &sent
    };
    assert_eq!(
        record["receipt"]["outcome"]["status"], "success",
        "{args:?}: {sent:#}"
    );
    record["location"]["height"].as_u64().expect("height")
}

#[test]
fn a_validator_joins_and_one_leaves_at_an_epoch_boundary() {
    let mut net = Testnet::with_options(1, &["--epoch-length", &EPOCH.to_string()]);
    for node in &mut net.validators {
        node.start();
    }
    net.wait_for(&EVERYONE, 2, "the network starts");

    let newcomer = import_node_key(&net, NEWCOMER);
    let leaver = import_node_key(&net, LEAVER);
    for (to, amount) in [(&newcomer, "5000000"), (&leaver, "1000000")] {
        submit(
            &net,
            1,
            &[
                "tx", "transfer", "--from", "dev", "--to", to, "--amount", amount,
            ],
        );
    }
    let newcomer_p2p = net.validators[NEWCOMER].p2p.clone();
    let joined = submit(
        &net,
        NEWCOMER,
        &[
            "staking",
            "register",
            "--from",
            "node",
            "--p2p-address",
            &newcomer_p2p,
            "--stake",
            "2000000",
        ],
    );
    // The genesis stake is the minimum self-stake: unbonding all of it leaves no candidate.
    let left = submit(
        &net,
        LEAVER,
        &["staking", "unbond", "1000000", "--from", "node"],
    );

    let epoch = joined.max(left) / EPOCH;
    let boundary = epoch * EPOCH + EPOCH - 1;
    let next = epoch + 1;
    net.wait_for(&EVERYONE, boundary + 1, "the epoch boundary");

    let set = ailedger(&[
        "--node",
        &net.validators[1].url,
        "staking",
        "set",
        &next.to_string(),
    ]);
    let members: Vec<String> = set["set"]["members"]
        .as_array()
        .unwrap_or_else(|| panic!("the set of epoch {next}: {set:#}"))
        .iter()
        .map(|member| member["address"].as_str().expect("address").to_owned())
        .collect();
    assert_eq!(members.len(), 4, "{set:#}");
    assert!(members.contains(&newcomer), "the newcomer joined: {set:#}");
    assert!(!members.contains(&leaver), "the leaver left: {set:#}");

    // Consensus runs with the new set: blocks of the new epoch say so, and the newcomer,
    // leader of one view in four, proposes some of them.
    let client = net.client(1);
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut height = boundary + 1;
    let mut proposed_by_newcomer = None;
    while proposed_by_newcomer.is_none() {
        assert!(
            Instant::now() < deadline,
            "the newcomer proposed no block from {} to {height}",
            boundary + 1
        );
        net.wait_for(&[1], height, "the new epoch");
        let block = net
            .runtime
            .block_on(client.block(BlockRef::Height(height), false))
            .expect("block");
        if block.header.height <= boundary + EPOCH {
            assert_eq!(block.header.epoch, next, "block {height}");
        }
        assert_ne!(
            block.header.proposer.to_string(),
            leaver,
            "the leaver proposed block {height} of epoch {next}"
        );
        if block.header.proposer.to_string() == newcomer {
            proposed_by_newcomer = Some(height);
        }
        height += 1;
    }
    let last = height + 2;
    net.wait_for(&EVERYONE, last, "everyone follows the new set");
    net.assert_agree(&EVERYONE, last);

    // A light client holding only the genesis set learns the new one from the boundary block
    // served by the leaver (any node will do: nothing it says is taken on trust) and checks a
    // block the new set finalized; without learning it, the block's epoch is unknown to it.
    let epochs = ailedger_state::staking::ChainEpocher::fixed(EPOCH.try_into().expect("non-zero"))
        .expect("epochs");
    let mut light = ailedger_light::LightClient::new(&net.keys, epochs).expect("genesis set");
    let untrusted = net.client(LEAVER);
    let new_block = net
        .runtime
        .block_on(untrusted.block(BlockRef::Height(boundary + 1), false))
        .expect("block");
    let certificate = net
        .runtime
        .block_on(untrusted.finalization(boundary + 1))
        .expect("certificate");
    assert!(
        light
            .verify_header(&new_block, &certificate.finalization)
            .is_err(),
        "a block of epoch {next} is refused before its set is learned"
    );
    let learned = net
        .runtime
        .block_on(light.learn_sets_to(&untrusted, next))
        .expect("the set is learned from the boundary");
    assert_eq!(learned, next);
    let set: Vec<String> = light
        .validators(next)
        .expect("the learned set")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(set, members, "the light client learned the chain's set");
    light
        .verify_header(&new_block, &certificate.finalization)
        .expect("the new set finalized the block");
}

/// A validator that was down while the chain crossed epoch boundaries starts in the epoch it
/// stopped in; the first vote it hears from a later epoch makes it fetch the end of its own,
/// and it catches up epoch by epoch, checking every certificate with that epoch's set.
#[test]
fn a_validator_down_across_epoch_boundaries_catches_up() {
    const SHORT: u64 = 10;
    const DOWN: usize = 3;
    let mut net = Testnet::with_options(0, &["--epoch-length", &SHORT.to_string()]);
    for node in &mut net.validators {
        node.start();
    }
    let all = [0, 1, 2, DOWN];
    net.wait_for(&all, 3, "the network starts");
    net.validators[DOWN].kill();
    let stopped = net.height(0).expect("node 0 answers");
    let ahead = (stopped / SHORT + 3) * SHORT + 2;
    net.wait_for(&[0, 1, 2], ahead, "three validators cross three boundaries");
    net.validators[DOWN].start();
    let target = net.height(0).expect("node 0 answers") + 2;
    net.wait_for(&all, target, "the restarted validator catches up");
    net.assert_agree(&all, target);
    let block = net
        .runtime
        .block_on(net.client(DOWN).block(BlockRef::Height(target), false))
        .expect("block");
    assert_eq!(block.header.epoch, target / SHORT, "block {target}");
}

/// The transfer benchmark through four validators with epochs of 10 blocks: every transfer
/// submitted is committed while consensus changes engines at each boundary.
#[test]
fn transfers_keep_committing_across_epoch_boundaries() {
    let report = ailedger(&[
        "bench",
        "transfers",
        "--validators",
        "4",
        "--epoch-length",
        "10",
        "--block-interval-ms",
        "50",
        "--txs",
        "3000",
        "--senders",
        "60",
        "--batch",
        "50",
        "--workers",
        "4",
        "--rate",
        "300",
    ]);
    assert_eq!(report["txs"], 3000, "{report:#}");
    assert!(
        report["epochs_crossed"].as_u64().expect("epochs crossed") >= 1,
        "{report:#}"
    );
    assert!(
        report["committed_per_s"].as_f64().expect("rate") > 0.0,
        "{report:#}"
    );
}
