//! The node's home directory: configuration, genesis document and validator key.
//!
//! ```text
//! HOME/config.toml     node settings (listen addresses, block interval, mempool, validators)
//! HOME/genesis.toml    the genesis document, identical on every node of a chain
//! HOME/validator.key   this node's consensus key (hex), readable by the owner only
//! HOME/data/           consensus journals, block archives, the state database and the index
//! ```

use ailedger_core::{Address, Amount, ChainId, SecretKey};
use ailedger_state::{
    ChainParams, Genesis,
    staking::{BPS, MAX_VALIDATORS, StakingGenesis, StakingParams},
};
use serde::{Deserialize, Serialize};
use std::{
    fs,
    io::Write as _,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use thiserror::Error;

/// Default address of the HTTP API.
pub const DEFAULT_API_ADDR: &str = "127.0.0.1:26657";
/// Default address of the p2p listener.
pub const DEFAULT_P2P_ADDR: &str = "127.0.0.1:26656";
/// Default time between blocks.
pub const DEFAULT_BLOCK_INTERVAL_MS: u64 = 100;

/// A problem with the home directory or its files.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A file is not valid TOML of the expected shape.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The home directory is already initialized.
    #[error("{0} already holds a node (config.toml exists); use --force to overwrite it")]
    AlreadyInitialized(PathBuf),
    /// The home directory is not initialized.
    #[error("{0} holds no node: run `ailedger init` first, or start with `ailedger node --dev`")]
    NotInitialized(PathBuf),
    /// A value is invalid.
    #[error("invalid {what}: {message}")]
    Invalid {
        /// Which value.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ConfigError + '_ {
    move |source| ConfigError::Io {
        path: path.to_owned(),
        source,
    }
}

/// `config.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// HTTP API settings.
    pub api: ApiConfig,
    /// Peer-to-peer settings.
    pub p2p: P2pConfig,
    /// Consensus settings.
    pub consensus: ConsensusConfig,
    /// Mempool settings.
    #[serde(default)]
    pub mempool: MempoolConfig,
}

/// `[api]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Listen address.
    pub listen: SocketAddr,
}

/// `[p2p]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct P2pConfig {
    /// Listen address.
    pub listen: SocketAddr,
}

/// `[consensus]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusConfig {
    /// Target time between blocks, in milliseconds.
    pub block_interval_ms: u64,
    /// The validators' p2p addresses, one per validator of the genesis document.
    pub peers: Vec<PeerConfig>,
    /// Full nodes: not validators, they follow the chain, verify every certificate and state
    /// root, and serve the API. Validators accept connections only from keys listed here or in
    /// `peers`; a node whose own key is listed here runs as a full node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub full_nodes: Vec<PeerConfig>,
}

/// A validator's address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// Its consensus key.
    pub key: String,
    /// Its p2p address.
    pub address: SocketAddr,
}

/// `[mempool]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MempoolConfig {
    /// Most pending transactions.
    pub max_txs: usize,
    /// Most pending transactions per sender.
    pub max_per_sender: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        let limits = crate::MempoolLimits::default();
        Self {
            max_txs: limits.max_txs,
            max_per_sender: limits.max_per_sender,
        }
    }
}

/// `genesis.toml`: the document every validator of a chain starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisFile {
    /// Chain id.
    pub chain_id: String,
    /// Genesis time, milliseconds since the Unix epoch.
    pub genesis_time_ms: u64,
    /// Most gas per block.
    pub block_gas_limit: u64,
    /// Lowest gas price.
    pub min_gas_price: u64,
    /// Validator consensus keys (hex).
    pub validators: Vec<String>,
    /// Initial balances.
    #[serde(default)]
    pub balances: Vec<BalanceEntry>,
    /// `[staking]`: epochs, staking rules and the genesis validators' stakes. Absent, the chain
    /// takes the default parameters with every validator staked the default, and the document
    /// hashes as one written before the section existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staking: Option<StakingSection>,
}

/// `[staking]` of `genesis.toml`. Every parameter is written out: the section is part of the
/// genesis document's hash, and a default taken from the code could change between releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StakingSection {
    /// The last height of epoch 0 (at least 1); a new chain takes `epoch_length - 1`.
    pub fork_last: u64,
    /// Heights in every epoch after epoch 0 (at least 1).
    pub epoch_length: u64,
    /// Least stake a validator must keep to be a candidate, as a decimal string.
    pub min_self_stake: String,
    /// Most validators in one epoch's set (1 to 256).
    pub max_validators: u32,
    /// Epochs an unbonded amount stays slashable before it can be withdrawn.
    pub unbonding_epochs: u64,
    /// Share of a validator's stake burned for double signing, in basis points (at most 10000).
    pub double_sign_slash_bps: u16,
    /// The genesis validators' stakes, one per validator. Absent, each validator is staked
    /// `min_self_stake`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stakes: Vec<StakeEntry>,
}

/// A genesis validator's stake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StakeEntry {
    /// The validator's consensus key (hex).
    pub validator: String,
    /// Its stake in the smallest unit, as a decimal string.
    pub stake: String,
}

impl StakingSection {
    /// The section `options` asks for: fixed-length epochs from genesis (`fork_last =
    /// epoch_length - 1`), the other parameters at their defaults, and every validator staked
    /// the stake asked for (or the minimum self-stake).
    pub fn for_validators(
        options: &StakingOptions,
        validators: &[Address],
    ) -> Result<Self, ConfigError> {
        let epoch_length = options
            .epoch_length
            .unwrap_or(StakingParams::DEFAULT.epoch_length);
        if epoch_length < 2 {
            return Err(ConfigError::Invalid {
                what: "epoch length",
                message: format!(
                    "{epoch_length}: epochs from genesis need at least 2 heights, since epoch 0 \
                     must hold a block after genesis"
                ),
            });
        }
        let params = StakingParams {
            fork_last: epoch_length - 1,
            epoch_length,
            ..StakingParams::DEFAULT
        };
        let stakes = match options.stake {
            None => Vec::new(),
            Some(stake) if stake < params.min_self_stake => {
                return Err(ConfigError::Invalid {
                    what: "stake",
                    message: format!(
                        "{stake} is below the minimum self-stake {}: the genesis validators \
                         would not be candidates for the next set",
                        params.min_self_stake
                    ),
                });
            }
            Some(stake) => validators
                .iter()
                .map(|validator| StakeEntry {
                    validator: validator.to_string(),
                    stake: stake.to_string(),
                })
                .collect(),
        };
        Ok(Self::new(&params, stakes))
    }

    /// The section for `params`, with `stakes` as given.
    pub fn new(params: &StakingParams, stakes: Vec<StakeEntry>) -> Self {
        Self {
            fork_last: params.fork_last,
            epoch_length: params.epoch_length,
            min_self_stake: params.min_self_stake.to_string(),
            max_validators: params.max_validators,
            unbonding_epochs: params.unbonding_epochs,
            double_sign_slash_bps: params.double_sign_slash_bps,
            stakes,
        }
    }

    /// The staking genesis for `validators`, each field checked on its own so that an error
    /// names it; [`Genesis::validate`] then checks the whole.
    pub fn to_staking_genesis(
        &self,
        validators: &[Address],
    ) -> Result<StakingGenesis, ConfigError> {
        if self.fork_last == 0 {
            return Err(invalid(
                "staking.fork_last",
                "0: epoch 0 must end at height 1 or later, since genesis is no epoch's work",
            ));
        }
        if self.epoch_length == 0 {
            return Err(invalid(
                "staking.epoch_length",
                "0: an epoch needs at least one height",
            ));
        }
        let min_self_stake = parse_amount(&self.min_self_stake, "staking.min_self_stake")?;
        if min_self_stake == 0 {
            return Err(invalid(
                "staking.min_self_stake",
                "0: the minimum must be positive",
            ));
        }
        if self.max_validators == 0 || self.max_validators > MAX_VALIDATORS {
            return Err(invalid(
                "staking.max_validators",
                format!("{} (expected 1 to {MAX_VALIDATORS})", self.max_validators),
            ));
        }
        if self.double_sign_slash_bps > BPS {
            return Err(invalid(
                "staking.double_sign_slash_bps",
                format!(
                    "{} (expected at most {BPS}, all of the stake)",
                    self.double_sign_slash_bps
                ),
            ));
        }
        let params = StakingParams {
            fork_last: self.fork_last,
            epoch_length: self.epoch_length,
            min_self_stake,
            max_validators: self.max_validators,
            unbonding_epochs: self.unbonding_epochs,
            double_sign_slash_bps: self.double_sign_slash_bps,
        };
        if self.stakes.is_empty() {
            let stakes = validators
                .iter()
                .map(|validator| (validator.clone(), min_self_stake))
                .collect();
            return Ok(StakingGenesis { params, stakes });
        }
        let mut stakes: Vec<(Address, Amount)> = Vec::with_capacity(self.stakes.len());
        for entry in &self.stakes {
            let validator = parse_address(&entry.validator, "staking.stakes validator")?;
            if !validators.contains(&validator) {
                return Err(invalid(
                    "staking.stakes validator",
                    format!("{validator} is not a validator of the genesis document"),
                ));
            }
            if stakes.iter().any(|(staked, _)| *staked == validator) {
                return Err(invalid(
                    "staking.stakes validator",
                    format!("{validator} is listed twice"),
                ));
            }
            let stake = parse_amount(&entry.stake, "staking.stakes stake")?;
            if stake == 0 {
                return Err(invalid(
                    "staking.stakes stake",
                    format!("0 for {validator}: a genesis validator's stake must be positive"),
                ));
            }
            stakes.push((validator, stake));
        }
        if let Some(missing) = validators
            .iter()
            .find(|validator| !stakes.iter().any(|(staked, _)| staked == *validator))
        {
            return Err(invalid(
                "staking.stakes",
                format!("validator {missing} has no stake: list every validator, or none"),
            ));
        }
        Ok(StakingGenesis { params, stakes })
    }
}

fn invalid(what: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        what,
        message: message.into(),
    }
}

/// An initial balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceEntry {
    /// Account address (hex).
    pub address: String,
    /// Amount in the smallest unit, as a decimal string (it may exceed 64 bits).
    pub amount: String,
}

fn parse_amount(value: &str, what: &'static str) -> Result<Amount, ConfigError> {
    // `u128::from_str` takes a leading `+`; a document has one spelling of a number.
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ConfigError::Invalid {
            what,
            message: format!("{value:?} is not a non-negative decimal integer"),
        });
    }
    value.parse().map_err(|_| ConfigError::Invalid {
        what,
        message: format!("{value:?} is larger than {}", Amount::MAX),
    })
}

fn parse_address(value: &str, what: &'static str) -> Result<Address, ConfigError> {
    value.parse().map_err(
        |error: ailedger_core::AddressParseError| ConfigError::Invalid {
            what,
            message: format!("{value:?}: {error}"),
        },
    )
}

impl GenesisFile {
    /// The genesis document, checked.
    pub fn to_genesis(&self) -> Result<Genesis, ConfigError> {
        let chain_id =
            ChainId::new(self.chain_id.clone()).map_err(|error| ConfigError::Invalid {
                what: "chain_id",
                message: error.to_string(),
            })?;
        let validators = self
            .validators
            .iter()
            .map(|key| parse_address(key, "validator key"))
            .collect::<Result<Vec<_>, _>>()?;
        let balances = self
            .balances
            .iter()
            .map(|entry| {
                let amount: Amount = entry.amount.parse().map_err(|_| ConfigError::Invalid {
                    what: "balance amount",
                    message: format!("{:?} is not a non-negative integer", entry.amount),
                })?;
                Ok((parse_address(&entry.address, "balance address")?, amount))
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let staking = self
            .staking
            .as_ref()
            .map(|section| section.to_staking_genesis(&validators))
            .transpose()?;
        let genesis = Genesis {
            staking,
            chain_id,
            genesis_time_ms: self.genesis_time_ms,
            params: ChainParams {
                block_gas_limit: self.block_gas_limit,
                min_gas_price: self.min_gas_price,
            },
            validators,
            balances,
        };
        genesis.validate().map_err(|error| ConfigError::Invalid {
            what: "genesis",
            message: error.to_string(),
        })?;
        Ok(genesis)
    }
}

/// Paths inside a home directory.
#[derive(Clone, Debug)]
pub struct Home(PathBuf);

impl Home {
    /// The home at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `config.toml`.
    pub fn config(&self) -> PathBuf {
        self.0.join("config.toml")
    }

    /// `genesis.toml`.
    pub fn genesis(&self) -> PathBuf {
        self.0.join("genesis.toml")
    }

    /// `validator.key`.
    pub fn validator_key(&self) -> PathBuf {
        self.0.join("validator.key")
    }

    /// `data/`.
    pub fn data(&self) -> PathBuf {
        self.0.join("data")
    }

    /// Whether `config.toml` exists.
    pub fn is_initialized(&self) -> bool {
        self.config().exists()
    }
}

/// What `init` creates.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// Chain id.
    pub chain_id: String,
    /// Accounts funded at genesis.
    pub balances: Vec<(Address, Amount)>,
    /// HTTP API address.
    pub api_listen: SocketAddr,
    /// p2p address.
    pub p2p_listen: SocketAddr,
    /// Time between blocks.
    pub block_interval: Duration,
    /// Overwrite an existing home.
    pub force: bool,
    /// A `[staking]` section to write.
    pub staking: Option<StakingOptions>,
}

/// The `[staking]` section `init` and `init_testnet` write; without it they write none, and
/// the chain has the default epochs and stakes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StakingOptions {
    /// Heights per epoch, from genesis (at least 2) [default: 1,000].
    pub epoch_length: Option<u64>,
    /// Every genesis validator's stake (at least the minimum self-stake) [default: the minimum
    /// self-stake].
    pub stake: Option<Amount>,
}

/// What `init` created.
#[derive(Clone, Debug)]
pub struct InitReport {
    /// The validator's consensus key.
    pub validator: Address,
    /// The genesis document's hash.
    pub genesis_hash: ailedger_core::Hash,
}

/// Writes a file readable by the owner only.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), ConfigError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_error(path))?;
    file.write_all(contents).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

fn write_toml(path: &Path, value: &impl Serialize) -> Result<(), ConfigError> {
    let text = toml::to_string_pretty(value).map_err(|error| ConfigError::Parse {
        path: path.to_owned(),
        message: error.to_string(),
    })?;
    fs::write(path, text).map_err(io_error(path))
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ConfigError> {
    let text = fs::read_to_string(path).map_err(io_error(path))?;
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.to_owned(),
        message: error.to_string(),
    })
}

/// Creates a single-validator chain in `home`: a new validator key, a genesis document funding
/// `options.balances`, and a configuration.
pub fn init(home: &Home, options: &InitOptions) -> Result<InitReport, ConfigError> {
    if home.is_initialized() && !options.force {
        return Err(ConfigError::AlreadyInitialized(home.path().to_owned()));
    }
    let key = SecretKey::generate();
    let validator = key.address();
    // Checked before anything is written, so that bad options leave the home as it was.
    let staking = options
        .staking
        .map(|staking| StakingSection::for_validators(&staking, std::slice::from_ref(&validator)))
        .transpose()?;
    if options.force && home.data().exists() {
        fs::remove_dir_all(home.data()).map_err(io_error(&home.data()))?;
    }
    fs::create_dir_all(home.path()).map_err(io_error(home.path()))?;
    write_private(
        &home.validator_key(),
        hex::encode(key.to_bytes()).as_bytes(),
    )?;
    let genesis = GenesisFile {
        chain_id: options.chain_id.clone(),
        genesis_time_ms: now_ms(),
        block_gas_limit: ChainParams::DEFAULT.block_gas_limit,
        min_gas_price: ChainParams::DEFAULT.min_gas_price,
        validators: vec![validator.to_string()],
        balances: balance_entries(&options.balances),
        staking,
    };
    let genesis_hash = genesis.to_genesis()?.hash();
    write_toml(&home.genesis(), &genesis)?;
    let config = NodeConfig {
        api: ApiConfig {
            listen: options.api_listen,
        },
        p2p: P2pConfig {
            listen: options.p2p_listen,
        },
        consensus: ConsensusConfig {
            block_interval_ms: u64::try_from(options.block_interval.as_millis())
                .unwrap_or(u64::MAX),
            peers: vec![PeerConfig {
                key: validator.to_string(),
                address: options.p2p_listen,
            }],
            full_nodes: Vec::new(),
        },
        mempool: MempoolConfig::default(),
    };
    write_toml(&home.config(), &config)?;
    Ok(InitReport {
        validator,
        genesis_hash,
    })
}

/// What `init_testnet` creates.
#[derive(Clone, Debug)]
pub struct TestnetOptions {
    /// Chain id.
    pub chain_id: String,
    /// Number of validators.
    pub validators: usize,
    /// Number of full nodes (after the validators in port order).
    pub full_nodes: usize,
    /// Accounts funded at genesis.
    pub balances: Vec<(Address, Amount)>,
    /// The host every node listens on and is reached at.
    pub host: std::net::IpAddr,
    /// API port of validator 0; validator `i` uses this plus `i`.
    pub api_base_port: u16,
    /// p2p port of validator 0; validator `i` uses this plus `i`.
    pub p2p_base_port: u16,
    /// Time between blocks.
    pub block_interval: Duration,
    /// A `[staking]` section to write.
    pub staking: Option<StakingOptions>,
}

/// One node `init_testnet` created.
#[derive(Clone, Debug)]
pub struct TestnetNode {
    /// Its home directory.
    pub home: PathBuf,
    /// Whether it is a full node rather than a validator.
    pub full_node: bool,
    /// Its key: its consensus key for a validator, its p2p identity for a full node.
    pub validator: Address,
    /// Where its API listens.
    pub api: SocketAddr,
    /// Where its p2p listens.
    pub p2p: SocketAddr,
}

/// Creates `options.validators` node homes `out/node0`, `out/node1`, ... for one chain: a key
/// each, one genesis document naming them all as validators, and configurations that list
/// every validator's p2p address; then `options.full_nodes` homes `out/full0`, ... for full
/// nodes, which every configuration lists too. Refuses a directory that already holds any of
/// them.
pub fn init_testnet(
    out: &Path,
    options: &TestnetOptions,
) -> Result<(Vec<TestnetNode>, ailedger_core::Hash), ConfigError> {
    if options.validators == 0 || options.validators > 100 {
        return Err(ConfigError::Invalid {
            what: "validators",
            message: format!("{} (expected 1 to 100)", options.validators),
        });
    }
    if options.full_nodes > 100 {
        return Err(ConfigError::Invalid {
            what: "full nodes",
            message: format!("{} (expected at most 100)", options.full_nodes),
        });
    }
    let port = |base: u16, index: usize, what: &'static str| {
        u16::try_from(index)
            .ok()
            .and_then(|index| base.checked_add(index))
            .ok_or(ConfigError::Invalid {
                what,
                message: format!("{base} + {index} is not a port"),
            })
    };
    let total = options.validators + options.full_nodes;
    let mut nodes = Vec::with_capacity(total);
    let mut keys = Vec::with_capacity(total);
    for index in 0..total {
        let full_node = index >= options.validators;
        let name = if full_node {
            format!("full{}", index - options.validators)
        } else {
            format!("node{index}")
        };
        let home = Home::new(out.join(name));
        if home.is_initialized() {
            return Err(ConfigError::AlreadyInitialized(home.path().to_owned()));
        }
        let key = SecretKey::generate();
        nodes.push(TestnetNode {
            home: home.path().to_owned(),
            full_node,
            validator: key.address(),
            api: SocketAddr::new(
                options.host,
                port(options.api_base_port, index, "API port")?,
            ),
            p2p: SocketAddr::new(
                options.host,
                port(options.p2p_base_port, index, "p2p port")?,
            ),
        });
        keys.push(key);
    }
    let validators: Vec<Address> = nodes
        .iter()
        .filter(|node| !node.full_node)
        .map(|node| node.validator.clone())
        .collect();
    let staking = options
        .staking
        .map(|staking| StakingSection::for_validators(&staking, &validators))
        .transpose()?;
    let genesis = GenesisFile {
        chain_id: options.chain_id.clone(),
        genesis_time_ms: now_ms(),
        block_gas_limit: ChainParams::DEFAULT.block_gas_limit,
        min_gas_price: ChainParams::DEFAULT.min_gas_price,
        validators: validators.iter().map(Address::to_string).collect(),
        balances: balance_entries(&options.balances),
        staking,
    };
    let genesis_hash = genesis.to_genesis()?.hash();
    let listed = |full_node: bool| -> Vec<PeerConfig> {
        nodes
            .iter()
            .filter(|node| node.full_node == full_node)
            .map(|node| PeerConfig {
                key: node.validator.to_string(),
                address: node.p2p,
            })
            .collect()
    };
    let (peers, full_nodes) = (listed(false), listed(true));
    for (node, key) in nodes.iter().zip(&keys) {
        let home = Home::new(&node.home);
        fs::create_dir_all(home.path()).map_err(io_error(home.path()))?;
        write_private(
            &home.validator_key(),
            hex::encode(key.to_bytes()).as_bytes(),
        )?;
        write_toml(&home.genesis(), &genesis)?;
        write_toml(
            &home.config(),
            &NodeConfig {
                api: ApiConfig { listen: node.api },
                p2p: P2pConfig { listen: node.p2p },
                consensus: ConsensusConfig {
                    block_interval_ms: u64::try_from(options.block_interval.as_millis())
                        .unwrap_or(u64::MAX),
                    peers: peers.clone(),
                    full_nodes: full_nodes.clone(),
                },
                mempool: MempoolConfig::default(),
            },
        )?;
    }
    Ok((nodes, genesis_hash))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

fn balance_entries(balances: &[(Address, Amount)]) -> Vec<BalanceEntry> {
    balances
        .iter()
        .map(|(address, amount)| BalanceEntry {
            address: address.to_string(),
            amount: amount.to_string(),
        })
        .collect()
}

/// Everything `run` needs from a home directory.
#[derive(Debug)]
pub struct Loaded {
    /// The configuration.
    pub config: NodeConfig,
    /// The genesis document.
    pub genesis: Genesis,
    /// The validator key.
    pub key: SecretKey,
}

/// Reads and checks a home directory.
pub fn load(home: &Home) -> Result<Loaded, ConfigError> {
    if !home.is_initialized() {
        return Err(ConfigError::NotInitialized(home.path().to_owned()));
    }
    let config: NodeConfig = read_toml(&home.config())?;
    let genesis = read_toml::<GenesisFile>(&home.genesis())?.to_genesis()?;
    let key_path = home.validator_key();
    let key_hex = fs::read_to_string(&key_path).map_err(io_error(&key_path))?;
    let key_bytes = hex::decode(key_hex.trim()).map_err(|_| ConfigError::Invalid {
        what: "validator key",
        message: format!("{} is not hexadecimal", key_path.display()),
    })?;
    let key = SecretKey::from_bytes(&key_bytes).map_err(|error| ConfigError::Invalid {
        what: "validator key",
        message: error.to_string(),
    })?;
    for peer in &config.consensus.peers {
        let address = parse_address(&peer.key, "peer key")?;
        if !genesis.validators.contains(&address) {
            return Err(ConfigError::Invalid {
                what: "consensus.peers",
                message: format!("{address} is not a validator of the genesis document"),
            });
        }
    }
    if config.consensus.peers.len() != genesis.validators.len() {
        return Err(ConfigError::Invalid {
            what: "consensus.peers",
            message: format!(
                "{} peers configured for {} validators",
                config.consensus.peers.len(),
                genesis.validators.len()
            ),
        });
    }
    let mut full_nodes = Vec::with_capacity(config.consensus.full_nodes.len());
    for peer in &config.consensus.full_nodes {
        let address = parse_address(&peer.key, "full node key")?;
        if genesis.validators.contains(&address) || full_nodes.contains(&address) {
            return Err(ConfigError::Invalid {
                what: "consensus.full_nodes",
                message: format!("{address} is listed twice (or is also a validator)"),
            });
        }
        full_nodes.push(address);
    }
    if !genesis.validators.contains(&key.address()) && !full_nodes.contains(&key.address()) {
        return Err(ConfigError::Invalid {
            what: "validator key",
            message: format!(
                "{} is neither a validator of the genesis document nor a listed full node",
                key.address()
            ),
        });
    }
    Ok(Loaded {
        config,
        genesis,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> InitOptions {
        InitOptions {
            chain_id: "ailedger-test".into(),
            balances: vec![(SecretKey::from_seed(1).address(), 10u128.pow(30))],
            api_listen: DEFAULT_API_ADDR.parse().expect("addr"),
            p2p_listen: DEFAULT_P2P_ADDR.parse().expect("addr"),
            block_interval: Duration::from_millis(50),
            force: false,
            staking: None,
        }
    }

    #[test]
    fn init_then_load_round_trips() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path().join("node"));
        let report = init(&home, &options()).expect("init");
        let loaded = load(&home).expect("load");
        assert_eq!(loaded.key.address(), report.validator);
        assert_eq!(loaded.genesis.hash(), report.genesis_hash);
        assert_eq!(loaded.genesis.balances[0].1, 10u128.pow(30));
        assert_eq!(loaded.config.consensus.block_interval_ms, 50);
        assert!(matches!(
            init(&home, &options()),
            Err(ConfigError::AlreadyInitialized(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(home.validator_key())
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_testnet_is_one_genesis_and_every_peer_in_every_config() {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = TestnetOptions {
            chain_id: "ailedger-testnet".into(),
            validators: 4,
            full_nodes: 2,
            balances: vec![(SecretKey::from_seed(1).address(), 10u128.pow(30))],
            host: "127.0.0.1".parse().expect("ip"),
            api_base_port: 27_000,
            p2p_base_port: 28_000,
            block_interval: Duration::from_millis(100),
            staking: None,
        };
        let (nodes, genesis_hash) = init_testnet(dir.path(), &options).expect("testnet");
        assert_eq!(nodes.len(), 6);
        for (index, node) in nodes.iter().enumerate() {
            let loaded = load(&Home::new(&node.home)).expect("each home loads");
            assert_eq!(loaded.key.address(), node.validator);
            assert_eq!(loaded.genesis.hash(), genesis_hash);
            assert_eq!(loaded.genesis.validators.len(), 4);
            assert_eq!(node.full_node, index >= 4);
            assert_eq!(
                loaded.genesis.validators.contains(&node.validator),
                !node.full_node
            );
            assert_eq!(loaded.config.consensus.peers.len(), 4);
            assert_eq!(loaded.config.consensus.full_nodes.len(), 2);
            assert_eq!(node.p2p.port(), 28_000 + index as u16);
            assert_eq!(loaded.config.api.listen.port(), 27_000 + index as u16);
        }
        assert!(matches!(
            init_testnet(dir.path(), &options),
            Err(ConfigError::AlreadyInitialized(_))
        ));
        for (validators, base) in [(0, 1), (101, 1), (4, u16::MAX - 1)] {
            let bad = TestnetOptions {
                validators,
                p2p_base_port: base,
                ..options.clone()
            };
            let out = tempfile::tempdir().expect("temp dir");
            assert!(
                matches!(
                    init_testnet(out.path(), &bad),
                    Err(ConfigError::Invalid { .. })
                ),
                "{validators} validators from port {base}"
            );
        }
    }

    #[test]
    fn a_full_node_must_be_listed_once_and_not_be_a_validator() {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = TestnetOptions {
            chain_id: "ailedger-testnet".into(),
            validators: 1,
            full_nodes: 1,
            balances: Vec::new(),
            host: "127.0.0.1".parse().expect("ip"),
            api_base_port: 27_000,
            p2p_base_port: 28_000,
            block_interval: Duration::from_millis(100),
            staking: None,
        };
        let (nodes, _) = init_testnet(dir.path(), &options).expect("testnet");
        let home = Home::new(&nodes[1].home);
        let mut config: NodeConfig = read_toml(&home.config()).expect("config");
        let listed = config.consensus.full_nodes.clone();

        config.consensus.full_nodes = Vec::new();
        write_toml(&home.config(), &config).expect("write");
        let error = load(&home).expect_err("an unlisted key");
        assert!(
            error.to_string().contains("nor a listed full node"),
            "{error}"
        );

        config.consensus.full_nodes = [listed.clone(), listed.clone()].concat();
        write_toml(&home.config(), &config).expect("write");
        let error = load(&home).expect_err("listed twice");
        assert!(
            error.to_string().contains("consensus.full_nodes"),
            "{error}"
        );

        config.consensus.full_nodes = [listed, config.consensus.peers.clone()].concat();
        write_toml(&home.config(), &config).expect("write");
        let error = load(&home).expect_err("a validator as a full node");
        assert!(error.to_string().contains("also a validator"), "{error}");
    }

    #[test]
    fn bad_files_are_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path());
        assert!(matches!(load(&home), Err(ConfigError::NotInitialized(_))));
        init(&home, &options()).expect("init");
        fs::write(home.genesis(), "chain_id = 5").expect("write");
        let error = load(&home).expect_err("bad genesis");
        assert!(error.to_string().contains("genesis.toml"), "{error}");
        init(
            &home,
            &InitOptions {
                force: true,
                ..options()
            },
        )
        .expect("re-init");
        fs::write(home.validator_key(), "zz").expect("write");
        let error = load(&home).expect_err("bad key");
        assert!(error.to_string().contains("validator key"), "{error}");
    }

    /// A genesis document as `init` writes it before the staking section existed.
    const LEGACY_GENESIS: &str = r#"chain_id = "ailedger-legacy"
genesis_time_ms = 1700000000000
block_gas_limit = 100000000
min_gas_price = 1
validators = ["VALIDATOR"]

[[balances]]
address = "FUNDED"
amount = "1000000000000000000000000000"
"#;

    fn legacy_text() -> String {
        LEGACY_GENESIS
            .replace("VALIDATOR", &SecretKey::from_seed(7).address().to_string())
            .replace("FUNDED", &SecretKey::from_seed(8).address().to_string())
    }

    fn with_staking(section: &str) -> String {
        format!("{}\n[staking]\n{section}", legacy_text())
    }

    fn parse(text: &str) -> Result<Genesis, ConfigError> {
        let file: GenesisFile = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: PathBuf::from("genesis.toml"),
            message: error.to_string(),
        })?;
        file.to_genesis()
    }

    const SECTION: &str = r#"fork_last = 9
epoch_length = 10
min_self_stake = "5000"
max_validators = 4
unbonding_epochs = 2
double_sign_slash_bps = 1000
"#;

    #[test]
    fn a_document_without_staking_loads_and_hashes_as_before_the_section() {
        let genesis = parse(&legacy_text()).expect("loads");
        assert_eq!(genesis.staking, None);
        let written = Genesis {
            chain_id: ChainId::new("ailedger-legacy").expect("id"),
            genesis_time_ms: 1_700_000_000_000,
            params: ChainParams {
                block_gas_limit: 100_000_000,
                min_gas_price: 1,
            },
            validators: vec![SecretKey::from_seed(7).address()],
            balances: vec![(SecretKey::from_seed(8).address(), 10u128.pow(27))],
            staking: None,
        };
        assert_eq!(genesis, written);
        assert_eq!(genesis.hash(), written.hash());
        let file: GenesisFile = toml::from_str(&legacy_text()).expect("parses");
        let text = toml::to_string_pretty(&file).expect("serializes");
        assert!(!text.contains("staking"), "{text}");
    }

    #[test]
    fn a_staking_section_round_trips_and_changes_the_hash() {
        let validator = SecretKey::from_seed(7).address();
        let genesis = parse(&with_staking(SECTION)).expect("loads");
        let staking = genesis.staking.clone().expect("a section");
        assert_eq!(
            staking.params,
            StakingParams {
                fork_last: 9,
                epoch_length: 10,
                min_self_stake: 5_000,
                max_validators: 4,
                unbonding_epochs: 2,
                double_sign_slash_bps: 1_000,
            }
        );
        // Without stakes, every validator is staked the minimum.
        assert_eq!(staking.stakes, vec![(validator.clone(), 5_000)]);
        assert_ne!(genesis.hash(), parse(&legacy_text()).expect("loads").hash());

        let staked = with_staking(&format!(
            "{SECTION}\n[[staking.stakes]]\nvalidator = \"{validator}\"\nstake = \"70000\"\n"
        ));
        let file: GenesisFile = toml::from_str(&staked).expect("parses");
        let again: GenesisFile =
            toml::from_str(&toml::to_string_pretty(&file).expect("serializes")).expect("parses");
        assert_eq!(again, file);
        let genesis = again.to_genesis().expect("valid");
        assert_eq!(
            genesis
                .staking
                .as_ref()
                .map(|staking| staking.stakes.clone()),
            Some(vec![(validator, 70_000)])
        );
        assert_eq!(genesis.hash(), file.to_genesis().expect("valid").hash());
        assert_ne!(
            genesis.hash(),
            parse(&with_staking(SECTION)).expect("loads").hash()
        );
    }

    #[test]
    fn bad_staking_values_name_their_field() {
        let validator = SecretKey::from_seed(7).address();
        let stranger = SecretKey::from_seed(9).address();
        let stake = |validator: &Address, stake: &str| {
            format!("\n[[staking.stakes]]\nvalidator = \"{validator}\"\nstake = \"{stake}\"\n")
        };
        let cases = [
            (
                SECTION.replace("fork_last = 9", "fork_last = 0"),
                "staking.fork_last",
            ),
            (
                SECTION.replace("epoch_length = 10", "epoch_length = 0"),
                "staking.epoch_length",
            ),
            (
                SECTION.replace("\"5000\"", "\"0\""),
                "staking.min_self_stake",
            ),
            (
                SECTION.replace("\"5000\"", "\"5e3\""),
                "staking.min_self_stake",
            ),
            (
                SECTION.replace("\"5000\"", "\"+5000\""),
                "staking.min_self_stake",
            ),
            (
                SECTION.replace("\"5000\"", &format!("\"{}0\"", u128::MAX)),
                "staking.min_self_stake",
            ),
            (
                SECTION.replace("max_validators = 4", "max_validators = 0"),
                "staking.max_validators",
            ),
            (
                SECTION.replace("max_validators = 4", "max_validators = 257"),
                "staking.max_validators",
            ),
            (
                SECTION.replace(
                    "double_sign_slash_bps = 1000",
                    "double_sign_slash_bps = 10001",
                ),
                "staking.double_sign_slash_bps",
            ),
            (
                format!("{SECTION}{}", stake(&validator, "0")),
                "staking.stakes stake",
            ),
            (
                format!("{SECTION}{}", stake(&validator, "ten")),
                "staking.stakes stake",
            ),
            (
                format!(
                    "{SECTION}{}{}",
                    stake(&validator, "1"),
                    stake(&stranger, "1")
                ),
                "staking.stakes validator",
            ),
            (
                format!(
                    "{SECTION}{}{}",
                    stake(&validator, "1"),
                    stake(&validator, "2")
                ),
                "staking.stakes validator",
            ),
        ];
        for (section, field) in cases {
            let error = parse(&with_staking(&section)).expect_err(&section);
            assert!(
                matches!(&error, ConfigError::Invalid { what, .. } if *what == field),
                "{field}: {error}"
            );
            assert!(error.to_string().contains(field), "{error}");
        }
        let missing = parse(&with_staking(
            &SECTION.replace("unbonding_epochs = 2\n", ""),
        ))
        .expect_err("a missing parameter");
        assert!(error_mentions(&missing, "unbonding_epochs"), "{missing}");
        let unknown =
            parse(&with_staking(&format!("{SECTION}epochs = 3\n"))).expect_err("an unknown key");
        assert!(error_mentions(&unknown, "epochs"), "{unknown}");
        let negative = parse(&with_staking(
            &SECTION.replace("fork_last = 9", "fork_last = -1"),
        ))
        .expect_err("a negative height");
        assert!(matches!(negative, ConfigError::Parse { .. }), "{negative}");
    }

    fn error_mentions(error: &ConfigError, text: &str) -> bool {
        error.to_string().contains(text)
    }

    #[test]
    fn a_testnet_with_staking_stakes_every_validator_and_a_missing_stake_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = TestnetOptions {
            chain_id: "ailedger-testnet".into(),
            validators: 2,
            full_nodes: 0,
            balances: Vec::new(),
            host: "127.0.0.1".parse().expect("ip"),
            api_base_port: 27_000,
            p2p_base_port: 28_000,
            block_interval: Duration::from_millis(100),
            staking: Some(StakingOptions {
                epoch_length: Some(4),
                stake: Some(2_000_000),
            }),
        };
        let (nodes, genesis_hash) = init_testnet(dir.path(), &options).expect("testnet");
        let home = Home::new(&nodes[0].home);
        let loaded = load(&home).expect("loads");
        assert_eq!(loaded.genesis.hash(), genesis_hash);
        let staking = loaded.genesis.staking.expect("a section");
        assert_eq!(
            (staking.params.fork_last, staking.params.epoch_length),
            (3, 4)
        );
        assert_eq!(staking.stakes.len(), 2);
        assert!(staking.stakes.iter().all(|(_, stake)| *stake == 2_000_000));

        let mut file: GenesisFile = read_toml(&home.genesis()).expect("genesis");
        file.staking.as_mut().expect("a section").stakes.pop();
        let error = file.to_genesis().expect_err("a validator without a stake");
        assert!(
            matches!(
                &error,
                ConfigError::Invalid {
                    what: "staking.stakes",
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("has no stake"), "{error}");
    }

    #[test]
    fn init_writes_fixed_epochs_from_genesis_and_refuses_bad_options_before_writing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = Home::new(dir.path().join("node"));
        let staking = |epoch_length, stake| InitOptions {
            staking: Some(StakingOptions {
                epoch_length,
                stake,
            }),
            ..options()
        };
        for (epoch_length, stake, what) in [
            (Some(1), None, "epoch length"),
            (Some(0), None, "epoch length"),
            (Some(10), Some(999_999), "stake"),
        ] {
            let error = init(&home, &staking(epoch_length, stake)).expect_err("refused");
            assert!(
                matches!(&error, ConfigError::Invalid { what: named, .. } if *named == what),
                "{error}"
            );
            assert!(!home.path().exists(), "nothing written for {error}");
        }
        let report = init(&home, &staking(Some(2), None)).expect("init");
        let loaded = load(&home).expect("loads");
        assert_eq!(loaded.genesis.hash(), report.genesis_hash);
        let section = loaded.genesis.staking.expect("a section");
        assert_eq!(
            section.params,
            StakingParams {
                fork_last: 1,
                epoch_length: 2,
                ..StakingParams::DEFAULT
            }
        );
        assert_eq!(
            section.stakes,
            vec![(report.validator, StakingParams::DEFAULT.min_self_stake)]
        );
        let text = fs::read_to_string(home.genesis()).expect("genesis");
        assert!(text.contains("[staking]"), "{text}");
        assert!(!text.contains("[[staking.stakes]]"), "{text}");
        // Without a stake, only the epochs are asked for: the default epochs of 1,000.
        let other = Home::new(dir.path().join("other"));
        init(&other, &staking(None, Some(3_000_000))).expect("init");
        let section = load(&other)
            .expect("loads")
            .genesis
            .staking
            .expect("a section");
        assert_eq!(
            (section.params.fork_last, section.params.epoch_length),
            (999, 1_000)
        );
        assert_eq!(section.stakes[0].1, 3_000_000);
    }
}
