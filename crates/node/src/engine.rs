//! Wiring of the Commonware actors: p2p, simplex (one engine per epoch), marshal, the stateful
//! application.
//!
//! ```text
//! p2p (lookup) ── votes, certificates, resolver (muxed by epoch), backfill, broadcast, relay
//!   │
//! orchestrator ─► simplex(epoch e) ──► Deferred(Paced(stateful mailbox)) ──► marshal
//!   ▲                   └─faults─► evidence reporter                            │
//!   └──────────────── finalized blocks ◄─────────────── stateful (App) ◄────────┘
//! ```
//!
//! One validator is the same code with a validator set of one: quorum is one and nothing dials.

use crate::{
    app::{App, Databases, Finalized, epochs_of},
    block::ChainBlock,
    epochs::{
        EpochProvider, EvidenceReporter, NodeEpocher, Orchestrator, OrchestratorConfig,
        OrchestratorMailbox, Role,
    },
    mempool::Mempool,
    pacer::Paced,
    state_sync::NoStateSync,
};
use ailedger_core::{Address, BlockLimits, SecretKey};
use ailedger_state::{Genesis, staking::MAX_VALIDATORS};
use ailedger_store::{Index, IndexError, MAX_VALUE_LEN, state_db_config};
use commonware_broadcast::buffered;
use commonware_consensus::{
    Reporters,
    marshal::{
        self,
        core::Actor as MarshalActor,
        resolver::p2p as marshal_resolver,
        standard::{Deferred, Standard},
    },
    simplex::{self, scheme::ed25519::Scheme},
    types::ViewDelta,
};
use commonware_cryptography::{ChaCha20Poly1305, Digested, ed25519};
use commonware_glue::stateful::{
    Config as StatefulConfig, PruneConfig, Stateful, SyncPlan,
    db::{DatabaseSet, SyncEngineConfig, p2p as qmdb_resolver},
};
use commonware_p2p::{authenticated::lookup, max_message_size, utils::mux};
use commonware_parallel::Sequential;
use commonware_runtime::{Handle, Quota, Supervisor as _, buffer::paged::CacheRef, tokio};
use commonware_storage::{archive::prunable, mmr, translator::TwoCap};
use commonware_stream::{
    cups::{self, Cups},
    sake::{self, Sake},
};
use commonware_utils::{NZDuration, NZU32, NZU64, NZUsize, ordered::Set};
use std::{collections::BTreeMap, net::SocketAddr, num::NonZeroUsize, sync::Arc, time::Duration};
use tokio_sync::watch;

use ::tokio::sync as tokio_sync;

/// Namespace of every consensus and network signature of the chain.
const NAMESPACE: &[u8] = ailedger_core::CONSENSUS_NAMESPACE;

const CHANNEL_VOTES: u64 = 0;
const CHANNEL_CERTIFICATES: u64 = 1;
const CHANNEL_RESOLVER: u64 = 2;
const CHANNEL_BACKFILL: u64 = 3;
const CHANNEL_BROADCAST: u64 = 4;
const CHANNEL_STATE_SYNC: u64 = 5;
const CHANNEL_RELAY: u64 = 6;

const SYNC_BATCH: std::num::NonZeroU64 = NZU64!(256);
/// Prefix of every storage partition of the node.
pub(crate) const PARTITION: &str = "ailedger";

/// Time between blocks when there is nothing to include. Below `LEADER_TIMEOUT`.
const IDLE_BLOCK_INTERVAL: Duration = Duration::from_secs(1);
/// How long a view waits for its leader's proposal.
pub(crate) const LEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// What the engine needs to start.
#[derive(Debug)]
pub(crate) struct EngineConfig {
    /// This validator's consensus key.
    pub key: SecretKey,
    /// Every validator with its p2p address (this one included).
    pub validators: Vec<(Address, SocketAddr)>,
    /// Full nodes (not validators) the network accepts connections from, with their p2p
    /// addresses. A node whose key is not a validator's runs as one of them.
    pub full_nodes: Vec<(Address, SocketAddr)>,
    /// Where to listen for peers.
    pub listen: SocketAddr,
    /// The genesis document.
    pub genesis: Genesis,
    /// Target time between blocks.
    pub block_interval: Duration,
    /// The mempool the proposer draws from.
    pub mempool: Mempool,
}

/// What the engine has committed, for reads.
pub(crate) struct Committed {
    /// The state databases (committed state).
    pub databases: Databases<tokio::Context>,
    /// The last finalized block.
    pub finalized: watch::Receiver<Finalized>,
    /// The index of finalized blocks, transactions and receipts.
    pub index: Arc<Index<tokio::Context>>,
    /// Marshal, which keeps finalized blocks.
    pub marshal: Marshal,
}

/// A running engine.
pub(crate) struct Engine {
    /// The consensus engine's task.
    pub handle: Handle<()>,
    /// Committed blocks and state.
    pub committed: Committed,
    /// The epoch consensus runs and its validators; whether this node is one of them.
    pub role: watch::Receiver<Role>,
    /// The schemes of the epochs this node knows.
    pub provider: EpochProvider,
    /// Double-sign faults consensus detected, for [`crate::epochs::submit_evidence`].
    pub faults: ::tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    /// The channel full nodes relay transactions to validators on.
    pub relay_net: (
        lookup::Sender<ed25519::PublicKey, tokio::Context>,
        lookup::Receiver<ed25519::PublicKey>,
    ),
}

/// Marshal's mailbox for the chain's blocks.
pub(crate) type Marshal = marshal::core::Mailbox<Scheme, Standard<ChainBlock>>;

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

/// The genesis block of `genesis`: its state root is that of the empty database, since the
/// initial state is written by block 1.
pub fn genesis_block(genesis: &Genesis) -> ChainBlock {
    let target = <Databases<tokio::Context> as DatabaseSet<tokio::Context>>::initial_sync_targets();
    let proposer = genesis
        .validators
        .first()
        .cloned()
        .expect("a validated genesis has a validator");
    ChainBlock::genesis(
        genesis.hash(),
        genesis.genesis_time_ms,
        proposer,
        target.root,
        *target.range.start(),
        *target.range.end(),
    )
}

fn archive_config<C>(
    name: &str,
    page_cache: CacheRef,
    codec_config: C,
) -> prunable::Config<TwoCap, C> {
    let buffer = NZUsize!(1 << 16);
    prunable::Config {
        translator: TwoCap,
        metadata_partition: format!("{PARTITION}-{name}-metadata"),
        key_partition: format!("{PARTITION}-{name}-key"),
        key_page_cache: page_cache,
        value_partition: format!("{PARTITION}-{name}-value"),
        compression: None,
        codec_config,
        items_per_section: NZU64!(4096),
        key_write_buffer: buffer,
        value_write_buffer: buffer,
        replay_buffer: buffer,
    }
}

/// The largest message a node sends or accepts on p2p: a consensus message on any epoch's
/// subchannel, a block with its certificate, a state-sync batch or a batch of relayed
/// transactions. Every size is for the largest set an epoch may have, since sets change. Any
/// other peer of the network must accept as much, or its connections are dropped.
pub fn max_p2p_message_size() -> u32 {
    let op_size = MAX_VALUE_LEN + 256;
    max_message_size(&[
        mux::prefixed(simplex::max_payload_size::<Scheme, ailedger_core::Hash>(
            MAX_VALIDATORS,
        )),
        marshal::max_payload_size::<Standard<ChainBlock>, Scheme>(
            MAX_VALIDATORS,
            &BlockLimits::DEFAULT,
        ),
        qmdb_resolver::max_payload_size::<mmr::Family, ailedger_core::Hash>(SYNC_BATCH, op_size),
        crate::relay::MAX_RELAY_BYTES,
    ])
}

/// Starts every actor. Returns once they run; the chain proceeds in the background.
pub(crate) async fn start(
    context: tokio::Context,
    config: EngineConfig,
) -> Result<Engine, IndexError> {
    let limits = BlockLimits::DEFAULT;
    let signer = config.key.private_key().clone();
    let public_key = commonware_cryptography::Signer::public_key(&signer);
    let genesis_validators: Set<ed25519::PublicKey> = config
        .genesis
        .validators
        .iter()
        .map(|address| address.public_key().clone())
        .collect::<Vec<_>>()
        .try_into()
        .expect("a validated genesis has distinct validators");
    let epochs = NodeEpocher(epochs_of(&config.genesis));

    let max_message = max_p2p_message_size();
    let handshake = Cups::<_, ChaCha20Poly1305>::new(
        Sake {
            signer: signer.clone(),
            synchrony_bound: Duration::from_secs(5),
            max_handshake_age: Duration::from_secs(10),
            version: sake::Version::V1,
        },
        cups::Version::V1,
    );
    // A tracked set is an epoch's validators plus the full nodes. Every channel's inbound
    // queue holds a burst per retained peer (sets tracked × this bound), allocated up front, so
    // the bound is the chain's own `max_validators`, not the protocol's ceiling.
    // (Epoch 0's set is the genesis validators, which may outnumber `max_validators`.)
    let max_validators = usize::try_from(config.genesis.staking().params.max_validators)
        .expect("at most 256 validators")
        .max(config.genesis.validators.len());
    let max_peers_per_set =
        NonZeroUsize::new(max_validators + config.full_nodes.len() + 1).expect("non-zero");
    let mut p2p_config = lookup::Config::local(
        handshake,
        NAMESPACE,
        config.listen,
        max_peers_per_set,
        max_message,
        NZUsize!(4096),
    );
    // The current epoch's peers and the previous epoch's, which stay connected until the
    // next boundary (a validator that left keeps following that long; to follow for good it
    // is configured as a full node).
    p2p_config.tracked_peer_sets = NZUsize!(2);
    let (mut network, oracle) = lookup::Network::new(context.child("network"), p2p_config);
    let address_book: BTreeMap<ed25519::PublicKey, SocketAddr> = config
        .validators
        .iter()
        .chain(&config.full_nodes)
        .map(|(address, socket)| (address.public_key().clone(), *socket))
        .collect();
    let quota = Quota::per_second(NZU32!(1_000)).allow_burst(NZU32!(128));
    let vote_net = network.register(CHANNEL_VOTES, quota);
    let certificate_net = network.register(CHANNEL_CERTIFICATES, quota);
    let resolver_net = network.register(CHANNEL_RESOLVER, quota);
    let backfill_net = network.register(CHANNEL_BACKFILL, quota);
    let broadcast_net = network.register(CHANNEL_BROADCAST, quota);
    let state_sync_net = network.register(CHANNEL_STATE_SYNC, quota);
    let relay_net = network.register(CHANNEL_RELAY, quota);
    network.start();

    let page_cache = CacheRef::new(
        commonware_runtime::buffer::paged::page_size(4096),
        NZUsize!(4096),
    );

    // Marshal's backfill resolver and block broadcast.
    let resolver = marshal_resolver::init(
        context.child("marshal_resolver"),
        marshal_resolver::Config {
            public_key: public_key.clone(),
            peer_provider: oracle.clone(),
            blocker: oracle.clone(),
            mailbox_size: NZUsize!(1024),
            fetch_timeout: NZDuration!(Duration::from_secs(2)),
            fetch_retry_delay: Duration::from_millis(100),
            priority_requests: false,
            priority_responses: false,
        },
        backfill_net,
    );
    let (broadcast_engine, buffer) = buffered::Engine::new(
        context.child("broadcast"),
        buffered::Config {
            public_key: public_key.clone(),
            mailbox_size: NZUsize!(1024),
            deque_size: 16,
            priority: false,
            codec_config: limits,
            peer_provider: oracle.clone(),
            strategy: Sequential,
        },
    );
    broadcast_engine.start(broadcast_net);

    // Finalized blocks and their certificates.
    let finalizations = prunable::Archive::init(
        context.child("finalizations"),
        archive_config(
            "finalizations",
            page_cache.clone(),
            <Scheme as commonware_cryptography::certificate::Verifier>::certificate_codec_config_unbounded(),
        ),
    )
    .await
    .expect("opening the finalizations archive");
    let blocks = prunable::Archive::init(
        context.child("blocks"),
        archive_config("blocks", page_cache.clone(), limits),
    )
    .await
    .expect("opening the blocks archive");

    let genesis_block = genesis_block(&config.genesis);
    let index = Arc::new(
        Index::init(
            context.child("index"),
            &format!("{PARTITION}-index"),
            page_cache.clone(),
        )
        .await?,
    );
    if index.height().is_none() {
        index.put_block(&genesis_block.0, Vec::new()).await?;
    }
    let plan = SyncPlan::init(context.child("plan"), PARTITION.to_owned()).await;
    let provider = EpochProvider::new(signer.clone());
    provider.register(0, genesis_validators.clone());
    let (marshal_actor, marshal_mailbox, floor) =
        MarshalActor::<_, Standard<ChainBlock>, _, _, _, _, _>::init(
            context.child("marshal"),
            finalizations,
            blocks,
            marshal::Config {
                provider: provider.clone(),
                epocher: epochs,
                start: plan.marshal_start(Digested::precomputed(
                    genesis_block.clone(),
                    genesis_block.0.hash(),
                )),
                partition_prefix: PARTITION.to_owned(),
                mailbox_size: NZUsize!(1024),
                view_retention: ViewDelta::new(256),
                prunable_items_per_section: NZU64!(256),
                page_cache: page_cache.clone(),
                replay_buffer: NZUsize!(1 << 16),
                key_write_buffer: NZUsize!(1 << 16),
                value_write_buffer: NZUsize!(1 << 16),
                block_codec_config: limits,
                max_repair: NZUsize!(16),
                max_pending_acks: NZUsize!(16),
                strategy: Sequential,
            },
        )
        .await;

    // See `state_sync`: catch-up replays blocks; state sync is not offered.
    drop(state_sync_net);

    let (finalized_tx, finalized_rx) = watch::channel(Finalized {
        height: 0,
        hash: genesis_block.0.hash(),
        header: genesis_block.header().clone(),
    });
    let application = App::new(
        config.genesis.clone(),
        genesis_block.clone(),
        index.clone(),
        config.mempool.clone(),
        finalized_tx,
    );
    let (stateful, stateful_mailbox) = Stateful::new(
        context.child("stateful"),
        StatefulConfig {
            application,
            db_config: state_db_config(PARTITION, page_cache.clone()),
            provider: config.mempool.clone(),
            marshal: (marshal_mailbox.clone(), floor),
            mailbox_size: NZUsize!(1024),
            plan,
            resolvers: NoStateSync,
            sync_config: SyncEngineConfig {
                fetch_batch_size: SYNC_BATCH,
                apply_batch_size: NZU64!(1024),
                max_outstanding_requests: NZUsize!(8),
            },
            prune_config: Some(PruneConfig {
                maintenance_interval: NZUsize!(1024),
                retained_marshal_blocks: usize::MAX / 4,
                retained_qmdb_blocks: 0,
            }),
            strategy: Sequential,
        },
    );

    let deferred = Deferred::new(
        context.child("deferred"),
        Paced::new(
            stateful_mailbox.clone(),
            config.block_interval,
            IDLE_BLOCK_INTERVAL,
            config.mempool.clone(),
        ),
        marshal_mailbox.clone(),
        epochs,
    );
    let (orchestrator_mailbox, finalized_blocks) = OrchestratorMailbox::new();
    marshal_actor.start(
        Reporters::from((stateful_mailbox.clone(), orchestrator_mailbox)),
        buffer,
        resolver,
    );
    stateful.start();
    let databases = stateful_mailbox.subscribe_databases().await;

    let (evidence, faults) = EvidenceReporter::new();
    let (role_tx, role) = watch::channel(Role {
        epoch: 0,
        is_validator: genesis_validators.position(&public_key).is_some(),
        validators: genesis_validators.iter().cloned().collect(),
    });
    let orchestrator = Orchestrator::new(
        context.child("epochs"),
        finalized_blocks,
        OrchestratorConfig {
            me: public_key,
            oracle,
            provider: provider.clone(),
            marshal: marshal_mailbox.clone(),
            application: deferred,
            evidence,
            epochs,
            databases: databases.clone(),
            address_book,
            full_nodes: config
                .full_nodes
                .iter()
                .map(|(address, _)| address.public_key().clone())
                .collect(),
            genesis: genesis_block.0.hash(),
            page_cache,
            role: role_tx,
            finalized: finalized_rx.clone(),
        },
    );
    let handle = orchestrator.start(vote_net, certificate_net, resolver_net);

    Ok(Engine {
        handle,
        committed: Committed {
            databases,
            finalized: finalized_rx,
            index,
            marshal: marshal_mailbox,
        },
        role,
        provider,
        faults,
        relay_net,
    })
}
