//! The commands: each takes checked arguments and a [`Context`], and prints through
//! [`crate::output::Output`].

mod account;
pub(crate) mod bench;
mod block;
mod card;
#[cfg(feature = "content")]
mod content;
mod dataset;
mod export;
mod keys;
mod log;
mod model;
pub(crate) mod node;
pub(crate) use log::LogCommand;
mod provenance;
mod records;
mod staking;
mod status;
pub(crate) mod testnet;
mod tx;
mod verify;
mod zk;

use crate::{
    cli::{
        AccountCommand, BenchCommand, BlockCommand, Command, GlobalArgs, TestnetCommand, TxCommand,
    },
    keystore::Keystore,
    output::Output,
};
use ailedger_client::Client;
use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// What commands share: the global flags, resolved when first needed (a command that needs no
/// node never parses the node URL; one that needs no keys never looks for a home directory).
#[derive(Debug)]
pub(crate) struct Context {
    global: GlobalArgs,
    /// Where results go.
    pub(crate) output: Output,
}

impl Context {
    /// The context of a parsed command line.
    pub(crate) fn new(global: GlobalArgs) -> Self {
        let output = Output::new(global.json);
        Self { global, output }
    }

    /// The home directory: `--home`, `$AILEDGER_HOME`, or `~/.ailedger`.
    pub(crate) fn home(&self) -> anyhow::Result<PathBuf> {
        if let Some(home) = &self.global.home {
            return Ok(home.clone());
        }
        let user_home = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .context("cannot find the home directory: $HOME is not set; pass --home or set $AILEDGER_HOME")?;
        Ok(PathBuf::from(user_home).join(".ailedger"))
    }

    /// The keystore in the home directory.
    pub(crate) fn keystore(&self) -> anyhow::Result<Keystore> {
        Ok(Keystore::new(&self.home()?))
    }

    /// A client of the node.
    pub(crate) fn client(&self) -> anyhow::Result<Client> {
        Client::new(&self.global.node).with_context(|| format!("using node {}", self.global.node))
    }
}

/// Runs a command.
pub(crate) async fn run(command: Command, context: &Context) -> anyhow::Result<()> {
    match command {
        Command::Keys { command } => keys::execute(context, command),
        Command::Tx {
            command: TxCommand::Transfer(args),
        } => tx::transfer(context, *args).await,
        Command::Tx {
            command: TxCommand::Show { hash },
        } => tx::show(context, &hash).await,
        Command::Account {
            command: AccountCommand::Show { account },
        } => account::show(context, account).await,
        Command::Block {
            command: BlockCommand::Show { block, txs },
        } => block::show(context, block, txs).await,
        Command::Dataset { command } => dataset::execute(context, command).await,
        Command::Model { command } => model::execute(context, command).await,
        Command::Log { command } => log::execute(context, command).await,
        Command::Verify(args) => verify::execute(context, args).await,
        Command::Staking { command } => staking::execute(context, command).await,
        Command::Zk { command } => zk::execute(context, command).await,
        #[cfg(feature = "content")]
        Command::Content { command } => content::execute(context, command).await,
        Command::Testnet {
            command: TestnetCommand::Init(args),
        } => testnet::init(context, &args),
        Command::Status => status::show(context).await,
        Command::Init(args) => node::init(context, &args),
        Command::Node { args, start } => node::run(context, &Command::node_args(args, start)).await,
        Command::Bench {
            command: BenchCommand::Transfers(args),
        } => bench::transfers(context, &args).await,
        Command::Bench {
            command: BenchCommand::Provenance(args),
        } => bench::provenance::provenance(context, &args).await,
        Command::Bench {
            command: BenchCommand::Logs(args),
        } => bench::logs::logs(context, &args).await,
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that a crash leaves the
/// old contents or the new, never a mix.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing next to {}", path.display()))?;
    std::io::Write::write_all(&mut file, bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}
