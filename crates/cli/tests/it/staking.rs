//! Staking through the binary: `init` and `testnet init` write the genesis `[staking]` section
//! that every node of the chain loads.

use ailedger_node::config::{Home, load};
use ailedger_state::staking::StakingParams;
use serde_json::Value;
use std::process::Command;
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
