//! The node's home directory: configuration, genesis document and validator key.
//!
//! ```text
//! HOME/config.toml     node settings (listen addresses, block interval, mempool, validators)
//! HOME/genesis.toml    the genesis document, identical on every node of a chain
//! HOME/validator.key   this node's consensus key (hex), readable by the owner only
//! HOME/data/           consensus journals, block archives, the state database and the index
//! ```

use ailedger_core::{Address, Amount, ChainId, SecretKey};
use ailedger_state::{ChainParams, Genesis};
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
        let genesis = Genesis {
            staking: None,
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
    if options.force && home.data().exists() {
        fs::remove_dir_all(home.data()).map_err(io_error(&home.data()))?;
    }
    fs::create_dir_all(home.path()).map_err(io_error(home.path()))?;
    let key = SecretKey::generate();
    let validator = key.address();
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
    let genesis = GenesisFile {
        chain_id: options.chain_id.clone(),
        genesis_time_ms: now_ms(),
        block_gas_limit: ChainParams::DEFAULT.block_gas_limit,
        min_gas_price: ChainParams::DEFAULT.min_gas_price,
        validators: nodes
            .iter()
            .filter(|node| !node.full_node)
            .map(|node| node.validator.to_string())
            .collect(),
        balances: balance_entries(&options.balances),
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
}
