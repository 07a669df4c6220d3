//! `ailedger init` and `ailedger node`: creating and running a node.

use super::Context;
use crate::{keystore::KeystoreError, output::Fields};
use ailedger_core::{Address, Amount};
use ailedger_node::{
    Overrides,
    config::{
        self, DEFAULT_API_ADDR, DEFAULT_BLOCK_INTERVAL_MS, DEFAULT_P2P_ADDR, Home, InitOptions,
        StakingOptions,
    },
};
use ailedger_state::staking::StakingParams;
use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use std::{net::SocketAddr, time::Duration};

/// Chain id of a development chain.
const DEV_CHAIN_ID: &str = "ailedger-dev";
/// Name of the development account in the keystore.
const DEV_KEY: &str = "dev";
/// What the development account holds at genesis: 10^9 tokens of 10^18 units.
const DEV_FUNDS: Amount = 1_000_000_000_000_000_000_000_000_000;

/// `ailedger init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Chain id of the new chain: 1 to 64 characters of [a-z0-9._-].
    #[arg(long)]
    pub(crate) chain_id: Option<String>,
    /// Replace an existing home's configuration, genesis and chain data.
    #[arg(long)]
    pub(crate) force: bool,
    /// Also fund ADDRESS with AMOUNT at genesis (repeatable), as ADDRESS=AMOUNT.
    #[arg(long, value_name = "ADDRESS=AMOUNT", value_parser = parse_fund)]
    pub(crate) fund: Vec<(Address, Amount)>,
    /// Address the HTTP API will listen on.
    #[arg(long, value_name = "ADDR")]
    pub(crate) api_addr: Option<SocketAddr>,
    /// Address the peer-to-peer network will listen on.
    #[arg(long, value_name = "ADDR")]
    pub(crate) p2p_addr: Option<SocketAddr>,
    /// Target time between blocks, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub(crate) block_interval_ms: Option<u64>,
    #[command(flatten)]
    pub(crate) staking: GenesisStakingArgs,
}

/// The genesis `[staking]` section `init` and `testnet init` write. Without either flag they
/// write none, and the chain has the default epochs (1,000 blocks) and stakes.
#[derive(Clone, Copy, Debug, Default, Args)]
pub(crate) struct GenesisStakingArgs {
    /// Epochs of N blocks from genesis (N >= 2): the validator set can change every N blocks.
    /// Writes a [staking] section with fork_last = N-1 and epoch_length = N, the other
    /// parameters at their defaults.
    #[arg(long, value_name = "N", value_parser = parse_epoch_length)]
    pub(crate) epoch_length: Option<u64>,
    /// Every genesis validator's stake, in the smallest token unit (at least the minimum
    /// self-stake, 1000000) [default: the minimum self-stake]. Writes a [staking] section.
    #[arg(long, value_name = "AMOUNT", value_parser = parse_stake)]
    pub(crate) stake: Option<Amount>,
}

impl GenesisStakingArgs {
    /// The section to write, if one is asked for.
    pub(crate) fn options(self) -> Option<StakingOptions> {
        (self.epoch_length.is_some() || self.stake.is_some()).then_some(StakingOptions {
            epoch_length: self.epoch_length,
            stake: self.stake,
        })
    }
}

fn parse_epoch_length(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(length) if length >= 2 => Ok(length),
        Ok(_) => {
            Err("epochs need at least 2 blocks: epoch 0 must hold a block after genesis".to_owned())
        }
        Err(_) => Err("expected a whole number of blocks".to_owned()),
    }
}

/// A stake for the genesis section: the minimum self-stake it writes, or more, so that the
/// genesis validators stay candidates for the next set.
fn parse_stake(text: &str) -> Result<Amount, String> {
    let stake = crate::cli::parse_amount(text)?;
    let min = StakingParams::DEFAULT.min_self_stake;
    if stake < min {
        return Err(format!(
            "the stake must be at least the minimum self-stake, {min}, or the genesis validators \
             would not be candidates for the next set"
        ));
    }
    Ok(stake)
}

fn parse_fund(value: &str) -> Result<(Address, Amount), String> {
    let (address, amount) = value
        .split_once('=')
        .ok_or_else(|| format!("{value:?} is not ADDRESS=AMOUNT"))?;
    let address = address
        .parse::<Address>()
        .map_err(|error| error.to_string())?;
    let amount = amount
        .parse::<Amount>()
        .map_err(|_| format!("{amount:?} is not a non-negative integer"))?;
    Ok((address, amount))
}

/// `ailedger node`.
#[derive(Debug, Args)]
pub(crate) struct NodeArgs {
    /// Run a single-validator development chain, creating it on first run.
    #[arg(long)]
    pub(crate) dev: bool,
    /// Address the HTTP API listens on.
    #[arg(long, value_name = "ADDR")]
    pub(crate) api_addr: Option<SocketAddr>,
    /// Address the peer-to-peer network listens on.
    #[arg(long, value_name = "ADDR")]
    pub(crate) p2p_addr: Option<SocketAddr>,
    /// Target time between blocks, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub(crate) block_interval_ms: Option<u64>,
    /// An inference log served by this process.
    #[command(flatten)]
    pub(crate) log: EmbeddedLogArgs,
}

/// `ailedger node --log-dir ...`: the same service as `ailedger log serve`, in the node's
/// process, checking model versions against and anchoring on this node's chain.
#[derive(Debug, Args)]
pub(crate) struct EmbeddedLogArgs {
    /// Also serve the inference log in DIR (created if empty).
    #[arg(long, value_name = "DIR", requires_all = ["log_key", "log_operator"])]
    pub(crate) log_dir: Option<std::path::PathBuf>,
    /// The log's signing key (`PRIVATE+KEY+...`), as `ailedger log register` wrote it.
    #[arg(long, value_name = "FILE", requires = "log_dir")]
    pub(crate) log_key: Option<std::path::PathBuf>,
    /// Name of the operator's key in the keystore: records must be signed by it, and it signs
    /// the anchors.
    #[arg(long, value_name = "KEY", requires = "log_dir")]
    pub(crate) log_operator: Option<String>,
    /// Address the log service listens on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
    pub(crate) log_listen: SocketAddr,
    /// Anchor at least this often (seconds) while there are new entries.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub(crate) log_anchor_every_secs: u64,
    /// Anchor as soon as this many entries are not anchored.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub(crate) log_anchor_every_entries: u64,
}

#[derive(Debug, Serialize)]
struct InitView {
    home: String,
    chain_id: String,
    validator: String,
    genesis_hash: String,
    dev_account: String,
    dev_balance: String,
    /// Heights per epoch, when a staking section was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch_length: Option<u64>,
    /// The validator's stake, when a staking section was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    stake: Option<String>,
}

/// Creates a node's home: validator key, genesis (funding the keystore's `dev` account, created
/// if missing, and every `--fund`), configuration.
pub(crate) fn init(context: &Context, args: &InitArgs) -> anyhow::Result<()> {
    let view = create(context, args)?;
    context.output.emit(&view, || {
        let mut fields = Fields::new()
            .add("home", &view.home)
            .add("chain id", &view.chain_id)
            .add("validator", &view.validator)
            .add("genesis hash", &view.genesis_hash)
            .add("dev account", format!("{} ({DEV_KEY})", view.dev_account))
            .add("dev balance", &view.dev_balance);
        if let Some(length) = view.epoch_length {
            fields = fields.add("epoch length", length);
        }
        if let Some(stake) = &view.stake {
            fields = fields.add("stake", stake);
        }
        fields.render()
    })
}

fn create(context: &Context, args: &InitArgs) -> anyhow::Result<InitView> {
    let home_path = context.home()?;
    let keystore = context.keystore()?;
    let dev = match keystore.load(DEV_KEY) {
        Ok(stored) => stored.key.address(),
        Err(KeystoreError::NotFound { .. }) => {
            let key = ailedger_core::SecretKey::generate();
            keystore
                .create(DEV_KEY, &key)
                .context("creating the development key")?;
            key.address()
        }
        Err(error) => return Err(error).context("loading the development key"),
    };
    let mut balances = vec![(dev.clone(), DEV_FUNDS)];
    balances.extend(args.fund.iter().cloned());
    let chain_id = args
        .chain_id
        .clone()
        .unwrap_or_else(|| DEV_CHAIN_ID.to_owned());
    let home = Home::new(&home_path);
    let report = config::init(
        &home,
        &InitOptions {
            chain_id: chain_id.clone(),
            balances,
            api_listen: args.api_addr.unwrap_or(parse_default(DEFAULT_API_ADDR)),
            p2p_listen: args.p2p_addr.unwrap_or(parse_default(DEFAULT_P2P_ADDR)),
            block_interval: Duration::from_millis(
                args.block_interval_ms.unwrap_or(DEFAULT_BLOCK_INTERVAL_MS),
            ),
            force: args.force,
            staking: args.staking.options(),
        },
    )
    .with_context(|| format!("initializing {}", home_path.display()))?;
    Ok(InitView {
        home: home_path.display().to_string(),
        chain_id,
        validator: report.validator.to_string(),
        genesis_hash: report.genesis_hash.to_string(),
        dev_account: dev.to_string(),
        dev_balance: DEV_FUNDS.to_string(),
        epoch_length: args.staking.options().map(|staking| {
            staking
                .epoch_length
                .unwrap_or(StakingParams::DEFAULT.epoch_length)
        }),
        stake: args.staking.options().map(|staking| {
            staking
                .stake
                .unwrap_or(StakingParams::DEFAULT.min_self_stake)
                .to_string()
        }),
    })
}

fn parse_default(address: &str) -> SocketAddr {
    address.parse().expect("the default addresses are valid")
}

#[derive(Debug, Serialize)]
struct RunningView {
    home: String,
    api: String,
    chain_id: String,
    initialized: bool,
}

/// Runs a node until Ctrl-C or SIGTERM.
pub(crate) async fn run(context: &Context, args: &NodeArgs) -> anyhow::Result<()> {
    let home_path = context.home()?;
    let home = Home::new(&home_path);
    let mut initialized = false;
    if !home.is_initialized() && args.dev {
        create(
            context,
            &InitArgs {
                chain_id: None,
                force: false,
                fund: Vec::new(),
                api_addr: args.api_addr,
                p2p_addr: args.p2p_addr,
                block_interval_ms: args.block_interval_ms,
                staking: GenesisStakingArgs::default(),
            },
        )?;
        initialized = true;
    }
    let overrides = Overrides {
        api_listen: args.api_addr,
        p2p_listen: args.p2p_addr,
        block_interval: args.block_interval_ms.map(Duration::from_millis),
    };
    let node = ailedger_node::start(&home, &overrides)
        .with_context(|| format!("starting the node in {}", home_path.display()))?;
    let view = RunningView {
        home: home_path.display().to_string(),
        api: format!("http://{}", node.api_addr),
        chain_id: ailedger_api_chain_id(&node),
        initialized,
    };
    context.output.emit(&view, || {
        Fields::new()
            .add("node", "running (Ctrl-C to stop)")
            .add("chain id", &view.chain_id)
            .add("api", &view.api)
            .add("home", &view.home)
            .render()
    })?;
    let stopped = match (&args.log.log_dir, &args.log.log_key, &args.log.log_operator) {
        (Some(dir), Some(key), Some(operator)) => {
            let log = super::log::ServeArgs::embedded(
                dir.clone(),
                key.clone(),
                operator.clone(),
                args.log.log_listen,
                args.log.log_anchor_every_secs,
                args.log.log_anchor_every_entries,
            );
            let chain = ailedger_client::Client::new(&view.api).context("the node's own API")?;
            // The log stops with the node, and the node with the log if it cannot serve.
            let node_stopped = std::sync::Mutex::new(None);
            let served = Box::pin(super::log::serve_until(context, &log, chain, async {
                let stopped = wait_for_stop(&node).await;
                *node_stopped.lock().unwrap_or_else(|p| p.into_inner()) = Some(stopped);
            }))
            .await;
            let stopped = node_stopped.into_inner().unwrap_or_else(|p| p.into_inner());
            served.and(stopped.unwrap_or(Ok(())))
        }
        _ => wait_for_stop(&node).await,
    };
    node.stop();
    stopped
}

fn ailedger_api_chain_id(node: &ailedger_node::RunningNode) -> String {
    use ailedger_api::Backend as _;
    node.handle.info().chain_id
}

/// Waits for Ctrl-C or SIGTERM (a clean stop), or for the node to stop on its own (an error).
async fn wait_for_stop(node: &ailedger_node::RunningNode) -> anyhow::Result<()> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("listening for SIGTERM")?;
    loop {
        #[cfg(unix)]
        let terminated = terminate.recv();
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = terminated => return Ok(()),
            () = tokio::time::sleep(Duration::from_millis(500)) => {
                if node.has_stopped() {
                    anyhow::bail!("the node stopped unexpectedly; see the log above");
                }
            }
        }
    }
}
