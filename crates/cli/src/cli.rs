//! The command line: clap definitions and the parsers that turn raw arguments into checked
//! values (addresses, amounts, durations, key names), so commands never see unchecked text.

#[cfg(feature = "content")]
mod content;
mod export;
mod provenance;
mod staking;
mod zk;

#[cfg(feature = "content")]
pub(crate) use content::{
    AttestArgs, CaCommand, ContentCommand, ContentServeArgs, ContentVerifyArgs, RegisterArgs,
    SignArgs, SignerArgs, SimilarArgs, SourceArg,
};

pub(crate) use zk::{
    CommitArgs, ModelSource, ProveArgs, RegisterIdentityArgs, SubmitArgs, VerifyProofArgs,
    ZkCommand,
};

pub(crate) use staking::{
    AmountArgs, EvidenceArg, RegisterValidatorArgs, ReportArgs, StakingCommand, WithdrawArgs,
};

pub(crate) use export::{CardArgs, CroissantArgs, MeasureUnit, SummaryArgs};

pub(crate) use provenance::{
    DatasetCommand, DatasetProveArgs, DatasetRegisterArgs, DigestArg, DownstreamArgs, LicencesArgs,
    ModelCommand, ProofFormat, StatusArgs, TraversalArgs, TxArgs, VerifyArgs, VersionCommand,
    VersionRef, VersionRegisterArgs,
};

use crate::commands::node::{InitArgs, NodeArgs};
use ailedger_client::{BlockRef, encoding::parse_hash};
use ailedger_core::{Address, Hash};
use clap::{Args, Parser, Subcommand};
use std::{path::PathBuf, time::Duration};

/// The ailedger command line.
#[derive(Debug, Parser)]
#[command(
    name = "ailedger",
    version,
    about = "The ailedger command line: keys, transactions, queries, nodes."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Print exactly one JSON document on stdout (logs and errors go to stderr).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Home directory: keys and node data [default: ~/.ailedger].
    #[arg(long, global = true, env = "AILEDGER_HOME", value_name = "DIR")]
    pub(crate) home: Option<PathBuf>,
    /// URL of the node's API.
    #[arg(
        long,
        global = true,
        env = "AILEDGER_NODE",
        value_name = "URL",
        default_value = "http://127.0.0.1:26657"
    )]
    pub(crate) node: String,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create, list and show signing keys (stored in HOME/keys).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Sign and submit transactions, and look them up.
    Tx {
        #[command(subcommand)]
        command: TxCommand,
    },
    /// Look up accounts, with their state proofs verified.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Look up blocks.
    Block {
        #[command(subcommand)]
        command: BlockCommand,
    },
    /// Register datasets; show, list and prove them (files and records); what trained on them.
    Dataset {
        #[command(subcommand)]
        command: DatasetCommand,
    },
    /// Register models and versions; lineage, licences, status, signatures.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Inference logs: register a transparency log, serve it, append records, verify receipts
    /// and audit the log against its anchors on the chain.
    Log {
        #[command(subcommand)]
        command: crate::commands::LogCommand,
    },
    /// Proofs of inference: commit to a model, prove and verify its outputs, submit proofs to the
    /// chain. Version 1 proofs hide neither the weights nor the input.
    Zk {
        #[command(subcommand)]
        command: ZkCommand,
    },
    /// Content credentials: sign AI-generated media with its model version and receipt, attest
    /// human-made works, register claims on the chain, verify files, find near duplicates.
    #[cfg(feature = "content")]
    Content {
        #[command(subcommand)]
        command: ContentCommand,
    },
    /// Validators: register, bond, unbond and withdraw stake, report double signing; show a
    /// validator, an epoch's validator set and the staking parameters, verified.
    Staking {
        #[command(subcommand)]
        command: StakingCommand,
    },
    /// What is this file or directory? A registered dataset, a model version's weights, or a
    /// member of a dataset, with the proof that was checked.
    Verify(VerifyArgs),
    /// Create the homes of a chain of several validators.
    Testnet {
        #[command(subcommand)]
        command: TestnetCommand,
    },
    /// Show the node's status.
    Status,
    /// Create a node's home: configuration, genesis and validator key.
    Init(InitArgs),
    /// Run a node (`ailedger node start` is the same).
    #[command(args_conflicts_with_subcommands = true)]
    Node {
        #[command(flatten)]
        args: NodeArgs,
        #[command(subcommand)]
        start: Option<NodeStart>,
    },
    /// Measure a node: throughput and latency of the whole path, disk and memory.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

/// `ailedger node start`: the spelling some deployment scripts use.
#[derive(Debug, Subcommand)]
pub(crate) enum NodeStart {
    /// Run a node.
    Start(NodeArgs),
}

impl Command {
    /// The node's arguments, given before or after `start`.
    pub(crate) fn node_args(node: NodeArgs, start: Option<NodeStart>) -> NodeArgs {
        match start {
            Some(NodeStart::Start(args)) => args,
            None => node,
        }
    }
}

/// `ailedger testnet ...`
#[derive(Debug, Subcommand)]
pub(crate) enum TestnetCommand {
    /// Write N node homes (keys, one genesis naming every validator, configurations listing
    /// every peer) under --out; start each with `ailedger node --home DIR/nodeI`.
    Init(crate::commands::testnet::TestnetInitArgs),
}

/// `ailedger bench ...`
#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Signed transfers submitted over HTTP to a fresh node process, timed to finality.
    Transfers(crate::commands::bench::TransfersArgs),
    /// Datasets, models and versions registered over HTTP to a fresh node process (a
    /// synthetic graph of 100,000 by default), then lineage, licence and downstream queries
    /// timed.
    Provenance(crate::commands::bench::provenance::ProvenanceArgs),
    /// Signed inference records appended over HTTP to a fresh `ailedger log serve` process by
    /// concurrent clients; records per second and the latency of durable receipts.
    Logs(crate::commands::bench::logs::LogsArgs),
}

/// `ailedger keys ...`
#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Generate a new key.
    New {
        /// Name of the key: 1 to 32 characters of [a-z0-9_-].
        #[arg(value_parser = parse_key_name)]
        name: String,
    },
    /// List the keys.
    List,
    /// Show a key's address.
    Show {
        /// Name of the key.
        #[arg(value_parser = parse_key_name)]
        name: String,
        /// Also print the secret key.
        #[arg(long)]
        reveal_secret: bool,
    },
    /// Import a key from its secret.
    Import {
        /// Name of the key.
        #[arg(value_parser = parse_key_name)]
        name: String,
        /// The 32-byte secret key, as 64 hex digits.
        #[arg(long, value_name = "HEX")]
        secret_hex: String,
    },
}

/// `ailedger tx ...`
#[derive(Debug, Subcommand)]
pub(crate) enum TxCommand {
    /// Transfer tokens: build, sign with a stored key, submit.
    Transfer(Box<TransferArgs>),
    /// Show a transaction, pending or committed, with its receipt.
    Show {
        /// The transaction id (64 hex digits).
        #[arg(value_parser = parse_hash_arg)]
        hash: Hash,
    },
}

/// `ailedger tx transfer`.
#[derive(Debug, Args)]
pub(crate) struct TransferArgs {
    /// Name of the key that signs and pays.
    #[arg(long, value_parser = parse_key_name)]
    pub(crate) from: String,
    /// Recipient: an address (64 hex digits) or the name of a key in the keystore.
    #[arg(long, value_parser = parse_account)]
    pub(crate) to: AccountArg,
    /// Amount, in the smallest token unit.
    #[arg(long, value_parser = parse_amount)]
    pub(crate) amount: u128,
    /// Most gas the transaction may use.
    #[arg(long, default_value_t = 50_000)]
    pub(crate) gas_limit: u64,
    /// Fee per unit of gas [default: the chain's minimum].
    #[arg(long)]
    pub(crate) gas_price: Option<u64>,
    /// Nonce [default: the account's next nonce at the node: its committed nonce plus its
    /// transactions waiting in the mempool].
    #[arg(long)]
    pub(crate) nonce: Option<u64>,
    /// Wait until the transaction is committed and print its receipt.
    #[arg(long)]
    pub(crate) wait: bool,
    /// How long --wait waits (e.g. 30s, 500ms, 2m).
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) timeout: Duration,
}

/// `ailedger account ...`
#[derive(Debug, Subcommand)]
pub(crate) enum AccountCommand {
    /// Show an account's balance and nonce, verified against a block's state root.
    Show {
        /// An address (64 hex digits) or the name of a stored key.
        #[arg(value_parser = parse_account)]
        account: AccountArg,
    },
}

/// An account named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AccountArg {
    /// By address.
    Address(Address),
    /// By the name of a stored key.
    Key(String),
}

/// `ailedger block ...`
#[derive(Debug, Subcommand)]
pub(crate) enum BlockCommand {
    /// Show a block.
    Show {
        /// `latest`, a height, or a block id (64 hex digits).
        #[arg(value_parser = parse_block_ref, default_value = "latest")]
        block: BlockRef,
        /// Show the full transactions, not only their ids.
        #[arg(long)]
        txs: bool,
    },
}

/// Key names: 1 to 32 characters of `[a-z0-9_-]`, so a name is a safe file name.
pub(crate) fn parse_key_name(text: &str) -> Result<String, String> {
    let valid = (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if valid {
        Ok(text.to_owned())
    } else {
        Err("key names are 1 to 32 characters of [a-z0-9_-]".to_owned())
    }
}

fn parse_hash_arg(text: &str) -> Result<Hash, String> {
    parse_hash(text).map_err(|error| error.to_string())
}

/// A positive decimal amount.
pub(crate) fn parse_amount(text: &str) -> Result<u128, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("amounts are decimal integers in the smallest token unit".to_owned());
    }
    match text.parse::<u128>() {
        Ok(0) => Err("the amount must be positive".to_owned()),
        Ok(amount) => Ok(amount),
        Err(_) => Err(format!("amount is larger than {}", u128::MAX)),
    }
}

/// `500ms`, `30s`, `2m`, or a plain number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 30s, 500ms, 2m"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(value)),
        "" | "s" => Ok(Duration::from_secs(value)),
        "m" => value
            .checked_mul(60)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("duration {text:?} is too long")),
        _ => Err(format!("invalid duration unit {unit:?}: use ms, s or m")),
    }
}

pub(crate) fn parse_account(text: &str) -> Result<AccountArg, String> {
    if let Ok(address) = text.parse::<Address>() {
        return Ok(AccountArg::Address(address));
    }
    parse_key_name(text)
        .map(AccountArg::Key)
        .map_err(|_| "expected an address (64 hex digits) or a key name".to_owned())
}

fn parse_block_ref(text: &str) -> Result<BlockRef, String> {
    if text == "latest" {
        return Ok(BlockRef::Latest);
    }
    if text.len() == 64 {
        return parse_hash(text)
            .map(BlockRef::Hash)
            .map_err(|error| error.to_string());
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(BlockRef::Height)
            .map_err(|_| "height is too large".to_owned());
    }
    Err("expected `latest`, a height, or a block id (64 hex digits)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{SecretKey, ZERO_HASH};
    use clap::{CommandFactory, error::ErrorKind};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("ailedger").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_anywhere() {
        let cli = parse(&[
            "status",
            "--json",
            "--node",
            "http://10.0.0.1:1",
            "--home",
            "/tmp/h",
        ])
        .expect("parses");
        assert!(cli.global.json);
        assert_eq!(cli.global.node, "http://10.0.0.1:1");
        assert_eq!(cli.global.home, Some(PathBuf::from("/tmp/h")));
        assert!(matches!(cli.command, Command::Status));
    }

    #[test]
    fn transfer_takes_defaults_and_checked_values() {
        let to = SecretKey::from_seed(1).address();
        let cli = parse(&[
            "tx",
            "transfer",
            "--from",
            "alice",
            "--to",
            &to.to_string(),
            "--amount",
            "25",
        ])
        .expect("parses");
        let Command::Tx {
            command: TxCommand::Transfer(args),
        } = cli.command
        else {
            panic!("not a transfer: {:?}", cli.command)
        };
        assert_eq!(args.from, "alice");
        assert_eq!(args.to, AccountArg::Address(to.clone()));
        assert_eq!(args.amount, 25);
        assert_eq!(args.gas_limit, 50_000);
        assert_eq!(args.gas_price, None);
        assert_eq!(args.nonce, None);
        assert!(!args.wait);
        assert_eq!(args.timeout, Duration::from_secs(30));

        let cli = parse(&[
            "tx",
            "transfer",
            "--from",
            "alice",
            "--to",
            &to.to_string(),
            "--amount",
            "1",
            "--gas-limit",
            "70000",
            "--gas-price",
            "3",
            "--nonce",
            "9",
            "--wait",
            "--timeout",
            "1500ms",
        ])
        .expect("parses");
        let Command::Tx {
            command: TxCommand::Transfer(args),
        } = cli.command
        else {
            panic!("not a transfer")
        };
        assert_eq!(
            (args.gas_limit, args.gas_price, args.nonce),
            (70_000, Some(3), Some(9))
        );
        assert!(args.wait);
        assert_eq!(args.timeout, Duration::from_millis(1_500));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let to = SecretKey::from_seed(1).address().to_string();
        let cases: &[&[&str]] = &[
            &[
                "tx", "transfer", "--from", "Alice", "--to", &to, "--amount", "1",
            ],
            &[
                "tx",
                "transfer",
                "--from",
                "alice",
                "--to",
                "Not-A-Key!",
                "--amount",
                "1",
            ],
            &[
                "tx", "transfer", "--from", "alice", "--to", &to, "--amount", "0",
            ],
            &[
                "tx", "transfer", "--from", "alice", "--to", &to, "--amount", "-1",
            ],
            &[
                "tx",
                "transfer",
                "--from",
                "alice",
                "--to",
                &to,
                "--amount",
                "1",
                "--timeout",
                "3h",
            ],
            &["tx", "transfer", "--from", "alice", "--to", &to],
            &["tx", "show", "abc"],
            &["keys", "new", "has space"],
            &["keys", "new", &"a".repeat(33)],
            &["block", "show", "tip"],
            &["account", "show", "UPPER"],
            &["frobnicate"],
        ];
        for args in cases {
            let error = parse(args).expect_err(&format!("{args:?} parsed"));
            assert_eq!(error.exit_code(), 2, "{args:?}: {error}");
        }
    }

    #[test]
    fn help_and_version_are_not_errors() {
        for args in [
            &["--help"][..],
            &["--version"],
            &["tx", "transfer", "--help"],
        ] {
            let error = parse(args).expect_err("help exits early");
            assert!(matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ));
            assert_eq!(error.exit_code(), 0);
        }
    }

    #[test]
    fn block_and_account_arguments() {
        let cases = [
            ("latest", BlockRef::Latest),
            ("0", BlockRef::Height(0)),
            ("12", BlockRef::Height(12)),
            (&*"00".repeat(32), BlockRef::Hash(ZERO_HASH)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_block_ref(text), Ok(expected));
        }
        let cli = parse(&["block", "show"]).expect("parses");
        assert!(matches!(
            cli.command,
            Command::Block {
                command: BlockCommand::Show {
                    block: BlockRef::Latest,
                    txs: false
                }
            }
        ));
        let address = SecretKey::from_seed(1).address();
        assert_eq!(
            parse_account(&address.to_string()),
            Ok(AccountArg::Address(address))
        );
        assert_eq!(parse_account("alice"), Ok(AccountArg::Key("alice".into())));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("1.5s").is_err());
    }

    #[test]
    fn node_commands_parse_their_flags() {
        let cli = parse(&["init", "--chain-id", "ailedger-dev", "--force"]).expect("parses");
        assert!(
            matches!(cli.command, Command::Init(args) if args.chain_id.as_deref() == Some("ailedger-dev") && args.force)
        );
        let cli = parse(&[
            "node",
            "--dev",
            "--api-addr",
            "127.0.0.1:1",
            "--p2p-addr",
            "127.0.0.1:2",
            "--block-interval-ms",
            "250",
        ])
        .expect("parses");
        let Command::Node { args, start } = cli.command else {
            panic!("not node")
        };
        let args = Command::node_args(args, start);
        assert!(args.dev);
        assert_eq!(args.api_addr.map(|addr| addr.port()), Some(1));
        assert_eq!(args.p2p_addr.map(|addr| addr.port()), Some(2));
        assert_eq!(args.block_interval_ms, Some(250));
        let cli = parse(&["node", "start", "--dev", "--api-addr", "127.0.0.1:3"]).expect("parses");
        let Command::Node { args, start } = cli.command else {
            panic!("not node")
        };
        let args = Command::node_args(args, start);
        assert!(args.dev);
        assert_eq!(args.api_addr.map(|addr| addr.port()), Some(3));
        assert!(parse(&["node", "--dev", "start"]).is_err());
    }

    #[test]
    fn staking_commands_take_checked_values() {
        let cli = parse(&[
            "staking",
            "register",
            "--p2p-address",
            "[::1]:26656",
            "--stake",
            "2000000",
            "--from",
            "alice",
            "--wait",
        ])
        .expect("parses");
        let Command::Staking {
            command: StakingCommand::Register(args),
        } = cli.command
        else {
            panic!("not a registration")
        };
        assert_eq!(
            (args.p2p_address.as_str(), args.stake, args.tx.wait),
            ("[::1]:26656", 2_000_000, true)
        );
        let cli = parse(&["staking", "set"]).expect("parses");
        assert!(matches!(
            cli.command,
            Command::Staking {
                command: StakingCommand::Set { epoch: None }
            }
        ));
        let cli = parse(&["staking", "validator", "alice"]).expect("parses");
        assert!(matches!(
            cli.command,
            Command::Staking {
                command: StakingCommand::Validator {
                    validator: Some(AccountArg::Key(_))
                }
            }
        ));
        let cli = parse(&[
            "staking",
            "report-double-sign",
            "--evidence",
            "07ab",
            "--from",
            "alice",
        ])
        .expect("parses");
        assert!(matches!(
            cli.command,
            Command::Staking {
                command: StakingCommand::ReportDoubleSign(ReportArgs {
                    evidence: EvidenceArg::Hex(ref bytes),
                    ..
                })
            } if bytes == &[0x07, 0xab]
        ));
        let register = |address: &'static str, stake: &'static str| {
            [
                "staking",
                "register",
                "--p2p-address",
                address,
                "--stake",
                stake,
                "--from",
                "alice",
            ]
        };
        let cases: &[&[&str]] = &[
            &register("localhost:26656", "2000000"),
            &register("127.0.0.1", "2000000"),
            &register("127.0.0.1:0", "2000000"),
            &register("127.000.0.1:26656", "2000000"),
            &register("127.0.0.1:26656", "0"),
            &register("127.0.0.1:26656", "-5"),
            &[
                "staking", "register", "--stake", "2000000", "--from", "alice",
            ],
            &["staking", "bond", "0", "--from", "alice"],
            &["staking", "unbond", "ten", "--from", "alice"],
            &["staking", "withdraw"],
            &["staking", "set", "latest"],
            &["staking", "validator", "Not-A-Key!"],
            &[
                "staking",
                "report-double-sign",
                "--evidence",
                "",
                "--from",
                "a",
            ],
            &[
                "staking",
                "report-double-sign",
                "--evidence",
                "zz",
                "--from",
                "a",
            ],
        ];
        for args in cases {
            let error = parse(args).expect_err(&format!("{args:?} parsed"));
            assert_eq!(error.exit_code(), 2, "{args:?}: {error}");
        }
    }

    #[test]
    fn init_and_testnet_init_take_epochs_and_a_stake() {
        let cli = parse(&["init", "--epoch-length", "10", "--stake", "2000000"]).expect("parses");
        let Command::Init(args) = cli.command else {
            panic!("not init")
        };
        assert_eq!(
            args.staking.options(),
            Some(ailedger_node::config::StakingOptions {
                epoch_length: Some(10),
                stake: Some(2_000_000),
            })
        );
        let cli = parse(&["init"]).expect("parses");
        let Command::Init(args) = cli.command else {
            panic!("not init")
        };
        assert_eq!(args.staking.options(), None);
        let cli =
            parse(&["testnet", "init", "--out", "/tmp/t", "--epoch-length", "2"]).expect("parses");
        let Command::Testnet {
            command: TestnetCommand::Init(args),
        } = cli.command
        else {
            panic!("not testnet init")
        };
        assert_eq!(
            args.staking
                .options()
                .and_then(|staking| staking.epoch_length),
            Some(2)
        );
        for bad in [
            &["init", "--epoch-length", "1"][..],
            &["init", "--epoch-length", "0"],
            &["init", "--epoch-length", "ten"],
            &["init", "--stake", "999999"],
            &["init", "--stake", "0"],
            &["testnet", "init", "--out", "/tmp/t", "--epoch-length", "1"],
            &["testnet", "init", "--out", "/tmp/t", "--stake", "-5"],
        ] {
            let error = parse(bad).expect_err(&format!("{bad:?} parsed"));
            assert_eq!(error.exit_code(), 2, "{bad:?}: {error}");
        }
    }
}
