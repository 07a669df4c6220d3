//! A validator that signs conflicting votes is caught by the running network. Four validators on
//! loopback; validator 3 is stopped and its key taken over by a Byzantine peer in this process,
//! which joins the p2p network at validator 3's address and, in a round the honest validators are
//! voting in, sends every one of them two notarize votes (and two finalize votes) for different
//! blocks. The honest validators detect the equivocation, report it as `ReportDoubleSign` from
//! their own accounts, and the chain burns 5% of validator 3's stake and jails it; the same
//! evidence submitted again is refused, and the honest three keep finalizing one chain
//! throughout. Everything is checked through the nodes' API.

use super::testnet::{Testnet, ailedger};
use ailedger_client::dto::{OutcomeView, TxRecordView};
use ailedger_core::{Address, Amount, CONSENSUS_NAMESPACE, Hash, SecretKey, Transaction, sha256};
use ailedger_node::config::{Home, load};
use ailedger_state::{
    Module as _,
    staking::{DoubleSign, EvidenceRecord, FaultKind, Staking, StakingMsg, Validator, state_key},
};
use commonware_codec::{DecodeExt as _, Encode as _};
use commonware_consensus::simplex::{
    scheme::ed25519::Scheme,
    types::{Finalize, Notarize, Proposal, Vote},
};
use commonware_cryptography::{ChaCha20Poly1305, ed25519};
use commonware_p2p::{
    Address as PeerAddress, AddressableManager as _, CheckedSender as _, LimitedSender as _,
    Receiver as _, Recipients, Sender,
    authenticated::lookup,
    utils::mux::{Builder as _, GlobalSender, Muxer},
};
use commonware_runtime::{Quota, Runner as _, Supervisor as _, tokio as runtime};
use commonware_stream::{
    cups::{self, Cups},
    sake::{self, Sake},
};
use commonware_utils::{
    NZU32, NZUsize,
    ordered::{Map, Set},
};
use std::{
    collections::{BTreeMap, BTreeSet},
    net::SocketAddr,
    path::PathBuf,
    sync::mpsc,
    thread::JoinHandle,
    time::{Duration, Instant},
};

const HONEST: [usize; 3] = [0, 1, 2];
const BYZANTINE: usize = 3;
/// Bound on every wait: the test stops by itself even if the network never reacts.
const PATIENCE: Duration = Duration::from_secs(120);
/// Rounds the Byzantine peer equivocates in, at most (the first one is normally enough: every
/// honest validator that sees it blocks the peer).
const MAX_ATTACKS: usize = 5;
/// Views between two attacks, so that each lands in a different round.
const ATTACK_SPACING: u64 = 3;
/// What each validator's account receives to pay for its reports.
const FUNDING: Amount = 1_000_000_000_000_000_000;

// The node's channels (`crates/node/src/engine.rs`): votes, certificates and the resolver are
// multiplexed by epoch; the others carry blocks, state sync and relayed transactions.
const CHANNEL_VOTES: u64 = 0;
const LAST_CHANNEL: u64 = 6;

/// A round in which the Byzantine peer sent conflicting votes, and how many honest validators
/// it sent them to.
#[derive(Clone, Copy, Debug)]
struct Attack {
    epoch: u64,
    view: u64,
    reached: usize,
}

/// What the Byzantine peer is given: validator 3's key and address, the genesis validators and
/// where the others listen.
struct Setup {
    key: SecretKey,
    listen: SocketAddr,
    validators: Vec<ed25519::PublicKey>,
    peers: Vec<(ed25519::PublicKey, SocketAddr)>,
}

/// The Byzantine peer: a Commonware runtime on its own thread, stopped and joined when dropped.
struct Equivocator {
    stop: Option<::tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    reports: mpsc::Receiver<Attack>,
    attacks: Vec<Attack>,
}

impl Equivocator {
    fn start(setup: Setup, storage: PathBuf) -> Self {
        let (stop, stopped) = ::tokio::sync::oneshot::channel();
        let (report, reports) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("byzantine".into())
            .spawn(move || {
                let config = runtime::Config::new()
                    .with_storage_directory(storage)
                    .with_worker_threads(1);
                runtime::Runner::new(config)
                    .start(|context| Box::pin(equivocate(context, setup, stopped, report)));
            })
            .expect("the Byzantine peer's thread starts");
        Self {
            stop: Some(stop),
            thread: Some(thread),
            reports,
            attacks: Vec::new(),
        }
    }

    /// Every attack so far.
    fn attacks(&mut self) -> &[Attack] {
        self.attacks.extend(self.reports.try_iter());
        &self.attacks
    }

    /// Stops the peer and waits for its thread; `false` if the thread panicked.
    fn stop(&mut self) -> bool {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.thread
            .take()
            .is_none_or(|thread| thread.join().is_ok())
    }
}

impl Drop for Equivocator {
    // No panic here: a drop during a failed test's unwinding must not abort the process.
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Joins the network as validator 3 and, once connected to every honest validator, equivocates
/// in the round of the next honest notarize it hears: it signs that proposal and one for a
/// block nobody proposed, as a notarize and as a finalize each, and sends all four to everyone.
/// Repeats a few rounds later (while anyone still talks to it) until told to stop.
async fn equivocate(
    context: runtime::Context,
    setup: Setup,
    mut stop: ::tokio::sync::oneshot::Receiver<()>,
    report: mpsc::Sender<Attack>,
) {
    let signer = setup.key.private_key().clone();
    let participants: Set<ed25519::PublicKey> = setup
        .validators
        .try_into()
        .expect("distinct genesis validators");
    let scheme = Scheme::signer(CONSENSUS_NAMESPACE, participants, signer.clone())
        .expect("the key is a genesis validator's");

    // The node's p2p configuration: the same handshake, namespace and message bound.
    let handshake = Cups::<_, ChaCha20Poly1305>::new(
        Sake {
            signer,
            synchrony_bound: Duration::from_secs(5),
            max_handshake_age: Duration::from_secs(10),
            version: sake::Version::V1,
        },
        cups::Version::V1,
    );
    let config = lookup::Config::local(
        handshake,
        CONSENSUS_NAMESPACE,
        setup.listen,
        NZUsize!(8),
        ailedger_node::max_p2p_message_size(),
        NZUsize!(4096),
    );
    let (mut network, mut oracle) = lookup::Network::new(context.child("network"), config);
    let quota = Quota::per_second(NZU32!(1_000)).allow_burst(NZU32!(128));
    let (vote_sender, vote_receiver) = network.register(CHANNEL_VOTES, quota);
    // A message on a channel the peer has not registered closes the connection, so every
    // channel the validators use is registered; what arrives on the others is dropped.
    let others: Vec<_> = (CHANNEL_VOTES + 1..=LAST_CHANNEL)
        .map(|channel| network.register(channel, quota))
        .collect();
    network.start();
    let mut other_senders = Vec::new();
    for (sender, mut receiver) in others {
        other_senders.push(sender);
        ::tokio::spawn(async move { while receiver.recv().await.is_ok() {} });
    }
    let honest: BTreeSet<ed25519::PublicKey> =
        setup.peers.iter().map(|(key, _)| key.clone()).collect();
    let peers: Map<ed25519::PublicKey, PeerAddress> = setup
        .peers
        .into_iter()
        .map(|(key, address)| (key, PeerAddress::from(address)))
        .collect::<Vec<_>>()
        .try_into()
        .expect("distinct peers");
    let _ = oracle.track(0, peers);

    // Votes travel on the subchannel of their epoch; no subchannel is registered here, so every
    // vote arrives on the backup channel with its epoch, and the global sender picks the
    // subchannel of each vote sent.
    let (mux, _registrations, mut votes_in, mut votes_out) =
        Muxer::builder(context.child("vote_mux"), vote_sender, vote_receiver)
            .with_backup()
            .with_global_sender()
            .build();
    mux.start();

    let mut heard_from = BTreeSet::new();
    let mut last_attack: Option<u64> = None;
    let mut n_attacks = 0;
    loop {
        let message = ::tokio::select! {
            _ = &mut stop => return,
            message = votes_in.recv() => message,
        };
        let Some((epoch, (from, bytes))) = message else {
            return;
        };
        let Ok(vote) = Vote::<Scheme, Hash>::decode(bytes) else {
            continue;
        };
        heard_from.insert(from);
        let Vote::Notarize(notarize) = vote else {
            continue;
        };
        let proposal = notarize.proposal;
        let view = proposal.round.view().get();
        if heard_from.len() < honest.len()
            || n_attacks >= MAX_ATTACKS
            || proposal.round.epoch().get() != epoch
            || last_attack.is_some_and(|last| view < last + ATTACK_SPACING)
        {
            continue;
        }
        let reached = send_conflicting(&scheme, &mut votes_out, epoch, proposal);
        last_attack = Some(view);
        n_attacks += 1;
        let _ = report.send(Attack {
            epoch,
            view,
            reached,
        });
    }
}

/// Signs `proposal` and a conflicting one (same round and parent, another block) as a notarize
/// and a finalize each, and sends the four votes to every connected peer on `epoch`'s
/// subchannel; returns to how many peers.
fn send_conflicting<S: Sender<PublicKey = ed25519::PublicKey>>(
    scheme: &Scheme,
    sender: &mut GlobalSender<S>,
    epoch: u64,
    proposal: Proposal<Hash>,
) -> usize {
    let round = proposal.round;
    let other = Proposal::new(
        round,
        proposal.parent,
        sha256(&[
            b"a block nobody proposed",
            &round.view().get().to_be_bytes(),
        ]),
    );
    let sign = |proposal: &Proposal<Hash>| {
        (
            Vote::Notarize(Notarize::sign(scheme, proposal.clone()).expect("a signer signs")),
            Vote::Finalize(Finalize::sign(scheme, proposal.clone()).expect("a signer signs")),
        )
    };
    let (notarize, finalize) = sign(&proposal);
    let (conflicting_notarize, conflicting_finalize) = sign(&other);
    let mut reached = usize::MAX;
    for vote in [
        notarize,
        finalize,
        conflicting_notarize,
        conflicting_finalize,
    ] {
        let Ok(checked) = sender.check(Recipients::All) else {
            return 0;
        };
        reached = reached.min(checked.recipients().len());
        let _ = checked.with_subchannel(epoch).send(vote.encode(), true);
    }
    reached
}

/// The staking record of `validator` on `node`, if it has one.
fn staking_record(net: &Testnet, node: usize, validator: &Address) -> Option<Validator> {
    let value = net
        .runtime
        .block_on(
            net.client(node)
                .state(Staking::NAME, &state_key::validator(validator)),
        )
        .expect("the node answers")
        .value?;
    Some(Validator::decode(value).expect("a validator record decodes"))
}

/// Every `ReportDoubleSign` committed from `reporter`'s account, with the evidence it carried.
fn reports_from(net: &Testnet, node: usize, reporter: &Address) -> Vec<(TxRecordView, Vec<u8>)> {
    let txs = net
        .runtime
        .block_on(net.client(node).account_txs(reporter, 0, 100))
        .expect("the node answers");
    txs.txs
        .into_iter()
        .filter(|record| record.tx.module.id == Staking::ID.get())
        .filter_map(|record| match Staking::decode(&record.tx.payload) {
            Ok(StakingMsg::ReportDoubleSign { evidence }) => Some((record, evidence.to_vec())),
            _ => None,
        })
        .collect()
}

fn outcome(record: &TxRecordView) -> &OutcomeView {
    &record
        .receipt
        .as_ref()
        .expect("a committed receipt")
        .outcome
}

#[test]
fn a_double_signing_validator_is_reported_slashed_and_jailed_once() {
    let mut net = Testnet::init();
    for validator in &mut net.validators {
        validator.start();
    }
    let all = [0, 1, 2, 3];
    net.wait_for(&all, 3, "start");

    // Each validator's key is its account; the reports are paid from it.
    let keys: Vec<SecretKey> = net
        .validators
        .iter()
        .map(|validator| load(&Home::new(&validator.home)).expect("home").key)
        .collect();
    let addresses: Vec<Address> = keys.iter().map(SecretKey::address).collect();
    let witness = SecretKey::from_seed(31);
    let home = net.validators[0].home.to_str().expect("utf-8").to_owned();
    for to in addresses.iter().chain([&witness.address()]) {
        let sent = ailedger(&[
            "--home",
            &home,
            "--node",
            &net.validators[0].url,
            "tx",
            "transfer",
            "--from",
            "dev",
            "--to",
            &to.to_string(),
            "--amount",
            &FUNDING.to_string(),
            "--wait",
        ]);
        assert_eq!(sent["receipt"]["outcome"]["status"], "success", "{sent:#}");
    }
    let offender = addresses[BYZANTINE].clone();
    let before = staking_record(&net, 0, &offender).expect("a genesis validator is staked");
    assert!(!before.jailed && before.stake > 0, "{before:?}");

    // Validator 3 stops; its key joins the network again, now Byzantine.
    net.validators[BYZANTINE].kill();
    let at_attack = net.height(0).expect("node 0 answers");
    let storage = net.logs().join("byzantine");
    let mut byzantine = Equivocator::start(
        Setup {
            key: keys[BYZANTINE].clone(),
            listen: net.validators[BYZANTINE].p2p.parse().expect("p2p address"),
            validators: net
                .keys
                .iter()
                .map(|address| address.public_key().clone())
                .collect(),
            peers: HONEST
                .iter()
                .map(|&node| {
                    (
                        addresses[node].public_key().clone(),
                        net.validators[node].p2p.parse().expect("p2p address"),
                    )
                })
                .collect(),
        },
        storage,
    );

    // The honest validators report it, and the chain jails it.
    let deadline = Instant::now() + PATIENCE;
    let after = loop {
        if let Some(record) = staking_record(&net, 0, &offender).filter(|record| record.jailed) {
            break record;
        }
        assert!(
            Instant::now() < deadline,
            "validator {BYZANTINE} was not jailed; attacks {:?}; logs in {}",
            byzantine.attacks(),
            net.logs().display()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let attacks = byzantine.attacks().to_vec();
    assert!(
        attacks.iter().any(|attack| attack.reached == HONEST.len()),
        "the conflicting votes reached every honest validator: {attacks:?}"
    );
    // Slashed once, by exactly 5%, whatever number of faults was recorded.
    assert_eq!(
        after.stake,
        before.stake - before.stake * 5 / 100,
        "{after:?}"
    );
    assert!(after.unbonding.is_empty());

    // Let every report sent be committed, then read them back.
    let settled = net.height(0).expect("node 0 answers") + 5;
    net.wait_for(&HONEST, settled, "the reports settle");
    let participants: Set<ed25519::PublicKey> = net
        .keys
        .iter()
        .map(|address| address.public_key().clone())
        .collect::<Vec<_>>()
        .try_into()
        .expect("distinct validators");
    let offender_index = participants
        .position(offender.public_key())
        .expect("a participant");
    let reports: Vec<(TxRecordView, Vec<u8>)> = HONEST
        .iter()
        .flat_map(|&reporter| reports_from(&net, 0, &addresses[reporter]))
        .collect();
    // Each fault is accepted once; a second report of it is refused.
    let mut faults: BTreeMap<(FaultKind, u64, u64), Vec<u8>> = BTreeMap::new();
    for (record, evidence) in &reports {
        let fault = DoubleSign::decode(evidence).expect("evidence decodes");
        assert_eq!(
            usize::try_from(fault.signer()).ok(),
            Some(offender_index),
            "{record:?}"
        );
        assert!(fault.verify(participants.clone()), "{record:?}");
        assert!(
            attacks
                .iter()
                .any(|attack| (attack.epoch, attack.view) == (fault.epoch(), fault.view())),
            "a fault in a round the peer equivocated in: {record:?}"
        );
        let id = (fault.kind(), fault.epoch(), fault.view());
        match outcome(record) {
            OutcomeView::Success => {
                assert!(
                    faults.insert(id, evidence.clone()).is_none(),
                    "the fault {id:?} was accepted twice"
                );
            }
            OutcomeView::Failed { code, .. } => {
                assert_eq!(code, "EVIDENCE_EXISTS", "{record:?}");
            }
        }
    }
    assert!(
        faults
            .keys()
            .any(|(kind, _, _)| *kind == FaultKind::ConflictingNotarize),
        "the conflicting notarizes were reported: {reports:?}"
    );
    // Every honest node executed the same reports with the same outcomes.
    let summary = |node: usize| -> BTreeSet<(String, String)> {
        HONEST
            .iter()
            .flat_map(|&reporter| reports_from(&net, node, &addresses[reporter]))
            .map(|(record, _)| (record.hash.to_string(), format!("{:?}", outcome(&record))))
            .collect()
    };
    for node in [1, 2] {
        assert_eq!(summary(node), summary(0), "node {node}");
    }
    // One record per fault; the first burned the 5%, any later one nothing.
    let mut burned = 0;
    for (kind, epoch, view) in faults.keys() {
        let value = net
            .runtime
            .block_on(net.client(0).state(
                Staking::NAME,
                &state_key::evidence(*kind, *epoch, *view, &offender),
            ))
            .expect("the node answers")
            .value
            .expect("the fault is recorded");
        let record = EvidenceRecord::decode(value).expect("a record decodes");
        assert_eq!(record.offender, offender);
        assert!(
            HONEST
                .iter()
                .any(|&node| addresses[node] == record.reporter),
            "reported by an honest validator: {record:?}"
        );
        burned += record.burned;
    }
    assert_eq!(burned, before.stake - after.stake);

    // The same evidence again, from an account that never reported: refused, nothing burned.
    let client = net.client(1);
    let chain = net.runtime.block_on(client.chain()).expect("chain");
    for (nonce, evidence) in faults.values().enumerate() {
        let tx = Transaction::new(
            &chain.chain_id,
            witness.address(),
            u64::try_from(nonce).expect("few faults"),
            1_000_000,
            chain.min_gas_price,
            Staking::ID,
            StakingMsg::ReportDoubleSign {
                evidence: evidence.clone().into(),
            }
            .encode()
            .to_vec(),
        )
        .expect("a transaction")
        .sign(&witness);
        let record = net
            .runtime
            .block_on(async {
                let hash = client.submit(&tx).await?;
                client.wait_for_tx(&hash, PATIENCE).await
            })
            .expect("the report is committed");
        assert!(
            matches!(outcome(&record), OutcomeView::Failed { code, .. } if code == "EVIDENCE_EXISTS"),
            "{record:?}"
        );
    }
    assert_eq!(staking_record(&net, 0, &offender), Some(after));

    // The honest three finalized throughout, and hold one chain.
    assert!(byzantine.stop(), "the Byzantine peer exits cleanly");
    let top = net.height(0).expect("node 0 answers").max(at_attack) + 3;
    net.wait_for(&HONEST, top, "the honest validators after the attack");
    net.assert_agree(&HONEST, top);
}
