//! Starting and stopping a node.

use crate::{
    config::{ConfigError, Home, Loaded, load},
    engine::{self, EngineConfig},
    mempool::{Mempool, MempoolLimits},
    relay::{Relay, admit_relayed},
    service::NodeHandle,
};
use ailedger_api::ChainInfo;
use ailedger_store::IndexError;
use commonware_runtime::{Runner as _, tokio};
use std::{net::SocketAddr, thread, time::Duration};
use thiserror::Error;
use tracing::info;

/// Stack of the node's runtime thread.
const NODE_THREAD_STACK: usize = 16 << 20;

/// Why a node could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The home directory is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The index could not be opened.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The API address could not be bound.
    #[error("cannot listen for the API on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// The node's thread ended before it started.
    #[error("node stopped while starting: {0}")]
    Startup(String),
}

/// Settings that override `config.toml` for one run.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// HTTP API address.
    pub api_listen: Option<SocketAddr>,
    /// p2p address.
    pub p2p_listen: Option<SocketAddr>,
    /// Time between blocks.
    pub block_interval: Option<Duration>,
}

/// A node running on its own threads.
#[derive(Debug)]
pub struct RunningNode {
    /// The node.
    pub handle: NodeHandle,
    /// Where the API listens.
    pub api_addr: SocketAddr,
    stop: Option<::tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl RunningNode {
    /// Stops the node and waits for its threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Whether the node stopped on its own (its API server or consensus engine ended).
    pub fn has_stopped(&self) -> bool {
        self.thread
            .as_ref()
            .is_none_or(thread::JoinHandle::is_finished)
    }
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the node of `home` on new threads; returns once its API listens.
pub fn start(home: &Home, overrides: &Overrides) -> Result<RunningNode, NodeError> {
    let Loaded {
        mut config,
        genesis,
        key,
    } = load(home)?;
    if let Some(api) = overrides.api_listen {
        config.api.listen = api;
    }
    if let Some(p2p) = overrides.p2p_listen {
        config.p2p.listen = p2p;
        // A single validator's own peer entry follows its listen address.
        if let [peer] = config.consensus.peers.as_mut_slice() {
            peer.address = p2p;
        }
    }
    let block_interval = overrides
        .block_interval
        .unwrap_or(Duration::from_millis(config.consensus.block_interval_ms));
    let genesis_block = engine::genesis_block(&genesis);
    let address_book = |peers: &[crate::config::PeerConfig]| {
        peers
            .iter()
            .map(|peer| {
                let key = peer
                    .key
                    .parse()
                    .map_err(
                        |error: ailedger_core::AddressParseError| ConfigError::Invalid {
                            what: "peer key",
                            message: error.to_string(),
                        },
                    )?;
                Ok((key, peer.address))
            })
            .collect::<Result<Vec<_>, ConfigError>>()
    };
    let validators = address_book(&config.consensus.peers)?;
    let full_nodes = address_book(&config.consensus.full_nodes)?;
    let mempool = Mempool::new(MempoolLimits {
        max_txs: config.mempool.max_txs,
        max_per_sender: config.mempool.max_per_sender,
    });
    let info = ChainInfo {
        chain_id: genesis.chain_id.to_string(),
        genesis_hash: genesis.hash(),
        genesis_block: genesis_block.0.hash(),
        validators: genesis.validators.clone(),
        block_interval_ms: u64::try_from(block_interval.as_millis()).unwrap_or(u64::MAX),
        min_gas_price: genesis.params.min_gas_price,
        block_gas_limit: genesis.params.block_gas_limit,
    };
    let params = genesis.params;
    let api_listen = config.api.listen;
    let reporter_key = key.clone();
    let engine_config = EngineConfig {
        key,
        validators,
        full_nodes,
        listen: config.p2p.listen,
        genesis,
        block_interval,
        mempool: mempool.clone(),
    };

    let runtime = tokio::Config::new()
        .with_storage_directory(home.data())
        .with_worker_threads(2)
        .with_catch_panics(false);
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = ::tokio::sync::oneshot::channel::<()>();
    let thread = thread::Builder::new()
        .name("ailedger-node".into())
        // The engine's start-up future holds every actor's configuration; unoptimised builds
        // need more than the default 2 MiB for it.
        .stack_size(NODE_THREAD_STACK)
        .spawn(move || {
            tokio::Runner::new(runtime).start(|context| async move {
                let listener = match ::tokio::net::TcpListener::bind(api_listen).await {
                    Ok(listener) => listener,
                    Err(source) => {
                        let _ = started_tx.send(Err(NodeError::Bind { addr: api_listen, source }));
                        return;
                    }
                };
                let api_addr = listener.local_addr().unwrap_or(api_listen);
                let engine = match Box::pin(engine::start(context, engine_config)).await {
                    Ok(engine) => engine,
                    Err(error) => {
                        let _ = started_tx.send(Err(NodeError::Index(error)));
                        return;
                    }
                };
                let (relay_sender, relay_receiver) = engine.relay_net;
                let relay = Relay::new(relay_sender, engine.role.clone());
                let handle = NodeHandle::new(
                    info,
                    params,
                    mempool,
                    engine.committed,
                    Some(relay),
                    engine.role,
                );
                ::tokio::spawn(admit_relayed(relay_receiver, handle.clone()));
                ::tokio::spawn(crate::epochs::submit_evidence(
                    engine.faults,
                    handle.clone(),
                    reporter_key,
                    engine.provider,
                ));
                let server = ailedger_api::serve(
                    listener,
                    handle.clone(),
                    ailedger_api::ApiLimits::default(),
                    async move {
                        let _ = stop_rx.await;
                    },
                );
                // The near-duplicate index follows committed blocks: rebuilt from the state now,
                // then caught up after each block, off the commit path.
                let indexer = handle.clone();
                ::tokio::spawn(async move {
                    let mut finalized = indexer.finalized_receiver();
                    loop {
                        if let Err(error) = indexer.index_content().await {
                            tracing::warn!(target: "ailedger::node", %error, "indexing content claims failed");
                        }
                        if finalized.changed().await.is_err() {
                            break;
                        }
                    }
                });
                info!(target: "ailedger::node", %api_addr, "node started");
                let _ = started_tx.send(Ok((handle, api_addr)));
                // The node runs as long as both the API and consensus do.
                ::tokio::select! {
                    result = server => {
                        if let Err(error) = result {
                            tracing::error!(target: "ailedger::node", %error, "API server failed");
                        }
                    }
                    result = engine.handle => {
                        tracing::error!(target: "ailedger::node", ?result, "consensus engine stopped");
                    }
                }
            });
        })
        .map_err(|error| NodeError::Startup(error.to_string()))?;
    match started_rx.recv() {
        Ok(Ok((handle, api_addr))) => Ok(RunningNode {
            handle,
            api_addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(error)) => {
            let _ = thread.join();
            Err(error)
        }
        Err(_) => {
            let _ = thread.join();
            Err(NodeError::Startup("the node thread exited".into()))
        }
    }
}
