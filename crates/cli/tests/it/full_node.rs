//! A full node beside four validators: it follows the chain without voting, holds the same
//! blocks and state roots, serves verifiable reads (state proofs, finalization certificates a
//! light client accepts), relays the transactions submitted to it so that they are executed
//! once, and catches up after being down.

use super::testnet::{SecretKeyAddress, Testnet, ailedger};
use ailedger_client::BlockRef;

const FULL: usize = 4;

#[test]
fn a_full_node_follows_verifies_serves_and_relays() {
    let mut net = Testnet::with_full_nodes(1);
    for node in &mut net.validators {
        node.start();
    }
    let everyone = [0, 1, 2, 3, FULL];
    net.wait_for(&everyone, 4, "a full node follows");
    net.assert_agree(&everyone, 4);

    // What the full node serves is checked against the genesis validator set alone.
    let light = Testnet::light_client(&net.keys);
    let full = net.client(FULL);
    let block = net
        .runtime
        .block_on(full.block(BlockRef::Height(3), false))
        .expect("block");
    let certificate = net
        .runtime
        .block_on(full.finalization(3))
        .expect("certificate");
    light
        .verify_header(&block, &certificate.finalization)
        .expect("a quorum of validators signed what the full node serves");

    // A transfer submitted to the full node is relayed, finalized once, and read back with a
    // proof from the full node's own state.
    let home = net.validators[FULL]
        .home
        .to_str()
        .expect("utf-8")
        .to_owned();
    let carol = SecretKeyAddress::new(11);
    let sent = ailedger(&[
        "--home",
        &home,
        "--node",
        &net.validators[FULL].url,
        "tx",
        "transfer",
        "--from",
        "dev",
        "--to",
        &carol.address,
        "--amount",
        "25",
        "--wait",
    ]);
    assert_eq!(sent["receipt"]["outcome"]["status"], "success", "{sent:#}");
    let included = sent["location"]["height"].as_u64().expect("height");
    net.wait_for(&everyone, included, "the relayed transfer");
    for node in everyone {
        let account = net
            .runtime
            .block_on(net.client(node).verified_account(&carol.parsed()))
            .expect("a verified account");
        assert_eq!(account.balance, 25, "node {node}: executed exactly once");
    }

    // Down for a while, then back: it fetches, verifies and executes what it missed.
    net.validators[FULL].kill();
    let at_kill = net.height(0).expect("node 0 answers");
    net.wait_for(
        &[0, 1, 2, 3],
        at_kill + 5,
        "validators without the full node",
    );
    net.validators[FULL].start();
    let target = net.height(0).expect("node 0 answers") + 1;
    net.wait_for(&everyone, target, "the full node catches up");
    net.assert_agree(&everyone, target);
}
