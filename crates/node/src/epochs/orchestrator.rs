//! One simplex engine per epoch: the orchestrator enters the next epoch when the last block of
//! the current one is finalized.
//!
//! At the last block `L` of epoch `e` it waits until the state holds the set of `e + 1` (the
//! staking module stores it when `L` executes) and checks it against `L`'s header, registers
//! that set's scheme, tracks its members as the p2p primary peers, starts a simplex engine for
//! `e + 1` rooted at `L`, and stops the engine of `e`. Only then does it acknowledge `L`, so
//! marshal delivers no block of `e + 1` before its engine runs. Votes and certificates travel
//! on per-epoch subchannels; a message for a later epoch means this node is behind, and it asks
//! the sender for the finalization of its own epoch's last block.

use super::{EpochProvider, EvidenceReporter, NodeEpocher, Role};
use crate::{
    app::{Databases, Finalized},
    block::ChainBlock,
    engine::{LEADER_TIMEOUT, Marshal, PARTITION},
    view::CommittedView,
};
use ailedger_core::{Hash, ZERO_HASH, sha256};
use ailedger_state::{
    StateStore as _,
    staking::{ValidatorSet, query::validator_set_key},
};
use commonware_codec::{Copying, DecodeExt as _};
use commonware_consensus::{
    CertifiableAutomaton, Heightable as _, Relay, Reporter,
    marshal::Update,
    simplex::{
        self, Plan,
        config::{Floor, ForwardPolicy, SkipPolicy},
        elector::RoundRobin,
        scheme::ed25519::Scheme,
        types::{Activity, Context},
    },
    types::{Epoch, Height, ViewDelta},
};
use commonware_cryptography::{Digested, Digestible as _, Sha256, ed25519};
use commonware_p2p::{
    Address as PeerAddress, AddressableManager as _, AddressableTrackedPeers, Channel,
    Message as P2pMessage, Receiver, Sender,
    authenticated::lookup,
    utils::mux::{Builder as _, MuxHandle, Muxer},
};
use commonware_parallel::Sequential;
use commonware_runtime::{
    Clock as _, Handle, Spawner as _, Storage as _, Supervisor as _, buffer::paged::CacheRef, tokio,
};
use commonware_utils::{
    Acknowledgement as _, NZDuration, NZUsize,
    acknowledgement::Exact,
    channel::mpsc,
    ordered::{Map, Set},
    vec::NonEmptyVec,
};
use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};
use tokio_sync::{mpsc as tokio_mpsc, watch};
use tracing::{debug, error, info, warn};

use ::tokio::sync as tokio_sync;

/// A finalized block, as marshal reports it to the orchestrator.
pub(crate) struct FinalizedBlock {
    block: Digested<ChainBlock>,
    ack: Exact,
}

/// Marshal's reporter into the orchestrator: keeps finalized blocks, ignores tips. Unbounded,
/// because a dropped report would leave its block unacknowledged and stop marshal; marshal
/// itself bounds the blocks awaiting acknowledgement.
#[derive(Clone, Debug)]
pub(crate) struct OrchestratorMailbox {
    sender: tokio_mpsc::UnboundedSender<FinalizedBlock>,
}

impl OrchestratorMailbox {
    /// A mailbox, and its receiving end for [`Orchestrator::new`].
    pub(crate) fn new() -> (Self, FinalizedBlocks) {
        let (sender, receiver) = tokio_mpsc::unbounded_channel();
        (Self { sender }, FinalizedBlocks(receiver))
    }
}

/// The receiving end of an [`OrchestratorMailbox`].
pub(crate) struct FinalizedBlocks(tokio_mpsc::UnboundedReceiver<FinalizedBlock>);

impl Reporter for OrchestratorMailbox {
    type Activity = Update<ChainBlock>;

    fn report(&mut self, activity: Self::Activity) -> commonware_actor::Feedback {
        let Update::Block(block, ack) = activity else {
            return commonware_actor::Feedback::Ok;
        };
        match self.sender.send(FinalizedBlock { block, ack }) {
            Ok(()) => commonware_actor::Feedback::Ok,
            Err(_) => commonware_actor::Feedback::Closed,
        }
    }
}

/// What the orchestrator runs with.
pub(crate) struct OrchestratorConfig<A> {
    /// This node's identity.
    pub me: ed25519::PublicKey,
    /// The p2p oracle: peer sets by epoch, and blocking.
    pub oracle: lookup::Oracle<ed25519::PublicKey>,
    /// Schemes by epoch (every epoch up to the state's latest set is registered before start).
    pub provider: EpochProvider,
    /// Marshal, for boundary blocks and catching up.
    pub marshal: Marshal,
    /// Automaton, relay and reporter of every engine.
    pub application: A,
    /// Double-sign faults simplex reports.
    pub evidence: EvidenceReporter,
    /// The chain's epochs.
    pub epochs: NodeEpocher,
    /// Committed state, where the staking module keeps the sets.
    pub databases: Databases<tokio::Context>,
    /// Addresses of peers known from the configuration (the genesis validators and full nodes):
    /// used for a set member whose on-chain record has no address.
    pub address_book: BTreeMap<ed25519::PublicKey, SocketAddr>,
    /// Full nodes, connected in every epoch as secondary peers.
    pub full_nodes: Vec<ed25519::PublicKey>,
    /// Digest of the genesis block: the root of epoch 0.
    pub genesis: Hash,
    /// Page cache of the engines' journals.
    pub page_cache: CacheRef,
    /// Where the current role is published.
    pub role: watch::Sender<Role>,
    /// The last block the application finalized: its state is applied when this changes.
    pub finalized: watch::Receiver<Finalized>,
}

/// The orchestrator actor (see the module's documentation).
pub(crate) struct Orchestrator<A> {
    context: tokio::Context,
    mailbox: tokio_mpsc::UnboundedReceiver<FinalizedBlock>,
    config: OrchestratorConfig<A>,
}

struct Channels<S: Sender> {
    votes: MuxHandle<S>,
    vote_backup: mpsc::Receiver<(Channel, P2pMessage<ed25519::PublicKey>)>,
    certificates: MuxHandle<S>,
    certificate_backup: mpsc::Receiver<(Channel, P2pMessage<ed25519::PublicKey>)>,
    resolver: MuxHandle<S>,
}

struct ActiveEpoch {
    epoch: u64,
    handle: Handle<()>,
}

impl Drop for ActiveEpoch {
    // Replacing the active epoch stops its engine.
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// The simplex journal of `epoch`. Epoch 0 keeps the name of the chain's single engine from
/// before epochs, so that its journal is found again.
fn partition(epoch: u64) -> String {
    if epoch == 0 {
        format!("{PARTITION}-simplex")
    } else {
        format!("{PARTITION}-simplex-{epoch}")
    }
}

impl<A> Orchestrator<A>
where
    A: Sync
        + CertifiableAutomaton<Context = Context<Hash, ed25519::PublicKey>, Digest = Hash>
        + Relay<Digest = Hash, PublicKey = ed25519::PublicKey, Plan = Plan<ed25519::PublicKey>>
        + Reporter<Activity = Activity<Scheme, Hash>>,
{
    /// A new orchestrator, fed by the mailbox installed as a marshal reporter.
    pub(crate) fn new(
        context: tokio::Context,
        mailbox: FinalizedBlocks,
        config: OrchestratorConfig<A>,
    ) -> Self {
        Self {
            context,
            mailbox: mailbox.0,
            config,
        }
    }

    /// Runs the orchestrator on the three consensus channels, which it multiplexes by epoch.
    pub(crate) fn start<S, R>(
        self,
        votes: (S, R),
        certificates: (S, R),
        resolver: (S, R),
    ) -> Handle<()>
    where
        S: Sender<PublicKey = ed25519::PublicKey>,
        R: Receiver<PublicKey = ed25519::PublicKey>,
    {
        let context = self.context.child("orchestrator");
        context.spawn(move |_| self.run(votes, certificates, resolver))
    }

    async fn run<S, R>(mut self, votes: (S, R), certificates: (S, R), resolver: (S, R))
    where
        S: Sender<PublicKey = ed25519::PublicKey>,
        R: Receiver<PublicKey = ed25519::PublicKey>,
    {
        let (mux, votes, vote_backup) =
            Muxer::builder(self.context.child("vote_mux"), votes.0, votes.1)
                .with_backup()
                .build();
        mux.start();
        let (mux, certificates, certificate_backup) = Muxer::builder(
            self.context.child("certificate_mux"),
            certificates.0,
            certificates.1,
        )
        .with_backup()
        .build();
        mux.start();
        let (mux, resolver) =
            Muxer::new(self.context.child("resolver_mux"), resolver.0, resolver.1);
        mux.start();
        let mut channels = Channels {
            votes,
            vote_backup,
            certificates,
            certificate_backup,
            resolver,
        };

        // Marshal delivers the block after the last processed one next: its epoch is where
        // consensus resumes, rooted at the previous epoch's last block.
        let processed = self
            .config
            .marshal
            .get_processed()
            .await
            .map_or(0, |processed| processed.height().get());
        let epoch = self.config.epochs.0.epoch_of(processed.saturating_add(1));
        register_stored_sets(
            &self.config.provider,
            &self.config.databases,
            epoch.saturating_sub(1),
        )
        .await;
        self.config.provider.forget_before(epoch.saturating_sub(1));
        let root = match epoch.checked_sub(1) {
            None => self.config.genesis,
            Some(previous) => {
                let last = self
                    .config
                    .epochs
                    .0
                    .last(previous)
                    .expect("a past epoch ends");
                match self.config.marshal.get_block(Height::new(last)).await {
                    Some(block) => block.digest(),
                    None => {
                        error!(target: "ailedger::epochs", epoch, last, "the last block of the previous epoch is not stored; consensus cannot resume");
                        return;
                    }
                }
            }
        };
        let Some(mut active) = self.enter(epoch, root, &mut channels).await else {
            return;
        };
        loop {
            ::tokio::select! {
                Some((their_epoch, (from, _))) = channels.vote_backup.recv() => {
                    self.behind(active.epoch, their_epoch, from);
                }
                Some((their_epoch, (from, _))) = channels.certificate_backup.recv() => {
                    self.behind(active.epoch, their_epoch, from);
                }
                result = &mut active.handle => {
                    info!(target: "ailedger::epochs", epoch = active.epoch, ?result, "the consensus engine stopped");
                    return;
                }
                message = self.mailbox.recv() => {
                    let Some(FinalizedBlock { block, ack }) = message else {
                        debug!(target: "ailedger::epochs", "marshal closed the orchestrator's mailbox");
                        return;
                    };
                    let height = block.height().get();
                    let last = self.config.epochs.0.last(active.epoch).expect("the active epoch ends");
                    assert!(
                        height <= last,
                        "marshal delivered block {height} past the last block {last} of epoch {}",
                        active.epoch
                    );
                    if height < last {
                        ack.acknowledge();
                        continue;
                    }
                    let next = active.epoch + 1;
                    let Some(set) = self.wait_for_set(next, block.inner().header().next_validators).await else {
                        return;
                    };
                    self.config.provider.register(next, set);
                    let Some(entered) = self.enter(next, block.digest(), &mut channels).await else {
                        return;
                    };
                    // Dropping the old epoch stops its engine.
                    active = entered;
                    self.config.provider.forget_before(active.epoch - 1);
                    ack.acknowledge();
                }
            }
        }
    }

    /// A message arrived on `their_epoch`'s subchannel, which has no engine here. A later
    /// epoch means this node missed the end of its own: ask the sender for the finalization of
    /// this epoch's last block (marshal then fetches the blocks below it).
    fn behind(&self, ours: u64, their_epoch: u64, from: ed25519::PublicKey) {
        if their_epoch <= ours {
            return;
        }
        let Some(last) = self.config.epochs.0.last(ours) else {
            return;
        };
        debug!(target: "ailedger::epochs", ours, their_epoch, last, "a peer is in a later epoch; fetching the end of ours");
        self.config
            .marshal
            .hint_finalized(Height::new(last), NonEmptyVec::new(from));
    }

    /// The set of `epoch` once the state holds it (the state applies the boundary block
    /// alongside this actor), checked against the boundary header's commitment. `None` if the
    /// node stops first.
    async fn wait_for_set(&self, epoch: u64, committed: Hash) -> Option<Set<ed25519::PublicKey>> {
        let key = validator_set_key(epoch);
        // Every finalized block the application applies may be the one that stores the set: the
        // state is read again after each, never on a timer.
        let mut finalized = self.config.finalized.clone();
        let started = std::time::Instant::now();
        loop {
            let raw = {
                let guard = self.config.databases.read().await;
                CommittedView::new(&guard).get(&key).await
            };
            match raw {
                Ok(Some(raw)) if committed == ZERO_HASH || sha256(&[&raw]) == committed => {
                    match ValidatorSet::decode(Copying(&raw)) {
                        Ok(set) => return Some(participants(&set)),
                        Err(error) => {
                            error!(target: "ailedger::epochs", epoch, %error, "the stored validator set does not decode");
                            return None;
                        }
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    warn!(target: "ailedger::epochs", epoch, %error, "reading the validator set failed");
                }
            }
            const PATIENCE: Duration = Duration::from_secs(10);
            ::tokio::select! {
                changed = finalized.changed() => {
                    // The application is gone: the node is stopping.
                    changed.ok()?;
                }
                () = self.context.sleep(PATIENCE) => {
                    warn!(target: "ailedger::epochs", epoch, waited_s = started.elapsed().as_secs(), "waiting for the state to hold the next validator set");
                }
            }
        }
    }

    /// Tracks `epoch`'s peers and starts its engine rooted at the block `root`. `None` if the
    /// node is stopping.
    async fn enter<S: Sender<PublicKey = ed25519::PublicKey>>(
        &mut self,
        epoch: u64,
        root: Hash,
        channels: &mut Channels<S>,
    ) -> Option<ActiveEpoch> {
        let config = &self.config;
        let scheme = config
            .provider
            .get(epoch)
            .unwrap_or_else(|| panic!("no validator set registered for epoch {epoch}"));
        let participants = {
            use commonware_cryptography::certificate::Scheme as _;
            scheme.participants().clone()
        };
        let peers = self.peers(epoch, &participants).await;
        let _ = self.config.oracle.track(epoch, peers);

        let (Ok(votes), Ok(certificates), Ok(resolver)) = (
            channels.votes.register(epoch).await,
            channels.certificates.register(epoch).await,
            channels.resolver.register(epoch).await,
        ) else {
            debug!(target: "ailedger::epochs", epoch, "the consensus channels closed");
            return None;
        };
        let engine = simplex::Engine::new(
            self.context.child("simplex").with_attribute("epoch", epoch),
            simplex::Config {
                scheme: scheme.as_ref().clone(),
                elector: RoundRobin::<Sha256>::default(),
                blocker: self.config.oracle.clone(),
                automaton: self.config.application.clone(),
                relay: self.config.application.clone(),
                reporter: commonware_consensus::Reporters::from((
                    self.config.application.clone(),
                    self.config.evidence.clone(),
                )),
                strategy: Sequential,
                partition: partition(epoch),
                mailbox_size: NZUsize!(1024),
                epoch: Epoch::new(epoch),
                floor: Floor::Genesis(root),
                replay_buffer: NZUsize!(1 << 16),
                write_buffer: NZUsize!(1 << 16),
                page_cache: self.config.page_cache.clone(),
                leader_timeout: LEADER_TIMEOUT,
                certification_timeout: Duration::from_secs(3),
                timeout_retry: Duration::from_millis(500),
                view_retention: ViewDelta::new(256),
                skip: SkipPolicy::Enabled {
                    timeout: Duration::from_secs(6),
                    budget: simplex::SkipBudget::Participants,
                },
                fetch_timeout: NZDuration!(Duration::from_secs(2)),
                fetch_retry_delay: Duration::from_millis(500),
                forward: ForwardPolicy::Disabled,
                // Conflicting votes are then detected even after a round's certificate.
                track_historical_votes: true,
            },
        );
        let handle = engine.start(votes, certificates, resolver);
        // The journal of two epochs back is no longer needed: this node acknowledged the end
        // of that epoch before entering the one after it, so a restart never resumes it. (The
        // previous epoch's journal stays until the next boundary: a restart before its last
        // block is acknowledged resumes it, and its votes must not be cast twice.)
        if let Some(stale) = epoch.checked_sub(2)
            && let Err(error) = self.context.remove(&partition(stale), None).await
        {
            debug!(target: "ailedger::epochs", stale, %error, "removing an old consensus journal");
        }
        let validators: Arc<[ed25519::PublicKey]> = participants.iter().cloned().collect();
        let is_validator = participants.position(&self.config.me).is_some();
        info!(target: "ailedger::epochs", epoch, validators = validators.len(), is_validator, "entered epoch");
        self.config.role.send_replace(Role {
            epoch,
            validators,
            is_validator,
        });
        Some(ActiveEpoch { epoch, handle })
    }

    /// The peers of `epoch`: its validators (dialled) and, as secondary peers, the full nodes.
    /// An address comes from the member's on-chain record, else from the configuration; a
    /// member with neither is left out (it can still be reached once it dials in).
    async fn peers(
        &self,
        epoch: u64,
        participants: &Set<ed25519::PublicKey>,
    ) -> AddressableTrackedPeers<ed25519::PublicKey> {
        let mut on_chain = BTreeMap::new();
        if let Some(set) = self.stored_set(epoch).await {
            for member in set.members {
                if let Ok(address) = member.p2p_address.parse::<SocketAddr>() {
                    on_chain.insert(member.address.public_key().clone(), address);
                }
            }
        }
        let address_of = |key: &ed25519::PublicKey| {
            on_chain
                .get(key)
                .or_else(|| self.config.address_book.get(key))
                .copied()
        };
        let mut primary = Vec::new();
        for key in participants.iter() {
            match address_of(key) {
                Some(address) => primary.push((key.clone(), PeerAddress::from(address))),
                None => {
                    warn!(target: "ailedger::epochs", epoch, validator = %key, "no p2p address known for a validator");
                }
            }
        }
        let secondary: Vec<_> = self
            .config
            .full_nodes
            .iter()
            .filter(|key| participants.position(key).is_none())
            .filter_map(|key| Some((key.clone(), PeerAddress::from(address_of(key)?))))
            .collect();
        let map = |peers: Vec<(ed25519::PublicKey, PeerAddress)>| -> Map<ed25519::PublicKey, PeerAddress> {
            peers.try_into().expect("peers are distinct")
        };
        AddressableTrackedPeers::new(map(primary), map(secondary))
    }

    async fn stored_set(&self, epoch: u64) -> Option<ValidatorSet> {
        let guard = self.config.databases.read().await;
        let raw = CommittedView::new(&guard)
            .get(&validator_set_key(epoch))
            .await
            .ok()??;
        ValidatorSet::decode(Copying(&raw)).ok()
    }
}

/// A stored set's members as consensus participants (its order is theirs).
pub(crate) fn participants(set: &ValidatorSet) -> Set<ed25519::PublicKey> {
    set.addresses()
        .map(|address| address.public_key().clone())
        .collect::<Vec<_>>()
        .try_into()
        .expect("a stored set has distinct members")
}

/// Registers in `provider` the sets the state holds for `from` and the epochs after it (epoch
/// 0's is the genesis set, registered when the node starts). A restarted node resumes in the
/// epoch after the last block it processed and verifies certificates of that epoch and the one
/// before, so it reads two or three sets, not one per epoch since genesis.
pub(crate) async fn register_stored_sets(
    provider: &EpochProvider,
    databases: &Databases<tokio::Context>,
    from: u64,
) {
    let guard = databases.read().await;
    let view = CommittedView::new(&guard);
    for epoch in from.max(1).. {
        let Ok(Some(raw)) = view.get(&validator_set_key(epoch)).await else {
            break;
        };
        match ValidatorSet::decode(Copying(&raw)) {
            Ok(set) => {
                provider.register(epoch, participants(&set));
            }
            Err(error) => {
                error!(target: "ailedger::epochs", epoch, %error, "a stored validator set does not decode");
                break;
            }
        }
    }
}
