//! `ailedger testnet init`: the homes of a chain of N validators (and optionally full nodes),
//! ready to start with `ailedger node --home DIR/nodeI` (or `DIR/fullI`).

use super::Context;
use crate::{keystore::Keystore, output::Fields};
use ailedger_core::{Amount, SecretKey};
use ailedger_node::config::{TestnetOptions, init_testnet};
use ailedger_state::staking::StakingParams;
use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use std::{net::IpAddr, path::PathBuf, time::Duration};

/// Name of the funded account put in every node's keystore.
const DEV_KEY: &str = "dev";
/// What it holds at genesis: 10^9 tokens of 10^18 units.
const DEV_FUNDS: Amount = 1_000_000_000_000_000_000_000_000_000;

/// `ailedger testnet init`.
#[derive(Debug, Args)]
pub(crate) struct TestnetInitArgs {
    /// Number of validators (1 to 100).
    #[arg(long, default_value_t = 4)]
    pub(crate) validators: usize,
    /// Number of full nodes (0 to 100): they follow the chain, verify it and serve the API,
    /// but do not vote. Their ports follow the validators'.
    #[arg(long, default_value_t = 0)]
    pub(crate) full_nodes: usize,
    /// Where to write `node0`, `node1`, ... and `full0`, ...
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Chain id.
    #[arg(long, default_value = "ailedger-testnet")]
    pub(crate) chain_id: String,
    /// The address every node listens on and is reached at.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: IpAddr,
    /// API port of node0; nodeI uses this plus I.
    #[arg(long, default_value_t = 26_657)]
    pub(crate) api_port: u16,
    /// p2p port of node0; nodeI uses this plus I.
    #[arg(long, default_value_t = 26_756)]
    pub(crate) p2p_port: u16,
    /// Target time between blocks, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub(crate) block_interval_ms: u64,
    #[command(flatten)]
    pub(crate) staking: super::node::GenesisStakingArgs,
}

#[derive(Debug, Serialize)]
struct NodeView {
    home: String,
    /// "validator" or "full".
    role: &'static str,
    /// The node's key (its consensus key for a validator).
    validator: String,
    api: String,
    p2p: String,
}

#[derive(Debug, Serialize)]
struct TestnetView {
    chain_id: String,
    genesis_hash: String,
    dev_account: String,
    /// Heights per epoch, when a staking section was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch_length: Option<u64>,
    nodes: Vec<NodeView>,
}

/// Writes the homes; the same funded `dev` key goes into each node's keystore.
pub(crate) fn init(context: &Context, args: &TestnetInitArgs) -> anyhow::Result<()> {
    let dev = SecretKey::generate();
    let (nodes, genesis_hash) = init_testnet(
        &args.out,
        &TestnetOptions {
            chain_id: args.chain_id.clone(),
            validators: args.validators,
            full_nodes: args.full_nodes,
            balances: vec![(dev.address(), DEV_FUNDS)],
            host: args.host,
            api_base_port: args.api_port,
            p2p_base_port: args.p2p_port,
            block_interval: Duration::from_millis(args.block_interval_ms),
            staking: args.staking.options(),
        },
    )
    .with_context(|| format!("initializing a testnet in {}", args.out.display()))?;
    for node in &nodes {
        Keystore::new(&node.home)
            .create(DEV_KEY, &dev)
            .with_context(|| format!("storing the dev key in {}", node.home.display()))?;
    }
    let view = TestnetView {
        chain_id: args.chain_id.clone(),
        genesis_hash: genesis_hash.to_string(),
        dev_account: dev.address().to_string(),
        epoch_length: args.staking.options().map(|staking| {
            staking
                .epoch_length
                .unwrap_or(StakingParams::DEFAULT.epoch_length)
        }),
        nodes: nodes
            .iter()
            .map(|node| NodeView {
                home: node.home.display().to_string(),
                role: if node.full_node { "full" } else { "validator" },
                validator: node.validator.to_string(),
                api: format!("http://{}", node.api),
                p2p: node.p2p.to_string(),
            })
            .collect(),
    };
    context.output.emit(&view, || {
        let mut fields = Fields::new()
            .add("chain id", &view.chain_id)
            .add("genesis hash", &view.genesis_hash)
            .add("dev account", format!("{} ({DEV_KEY})", view.dev_account));
        if let Some(length) = view.epoch_length {
            fields = fields.add("epoch length", length);
        }
        for node in &view.nodes {
            fields = fields.add(
                "node",
                format!(
                    "{}  {}  api {}  p2p {}",
                    node.home, node.role, node.api, node.p2p
                ),
            );
        }
        fields = fields.add(
            "start",
            format!(
                "ailedger node --home {}/NODE, for each node directory",
                args.out.display()
            ),
        );
        fields.render()
    })
}
