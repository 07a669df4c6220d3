//! Headers and validator sets across epochs, with real keys and real certificates: every way a
//! node (or an old set) could make the client trust the wrong signers is refused.

use crate::{LightClient, LightError};
use ailedger_client::{
    Client, ClientError,
    dto::{BlockView, ErrorBody, FinalizationView, StateValueView},
};
use ailedger_core::{Address, CONSENSUS_NAMESPACE, Hash, Header, SecretKey, ZERO_HASH, sha256};
use ailedger_state::staking::{
    ChainEpocher, SetMember, ValidatorSet, query::validator_set_key, state_key,
};
use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, Uri, header},
    response::{IntoResponse as _, Response},
};
use commonware_codec::Encode as _;
use commonware_consensus::{
    simplex::{
        scheme::ed25519::Scheme,
        types::{Finalization, Finalize, Proposal},
    },
    types::{Epoch, Round, View},
};
use commonware_cryptography::{certificate::Signers, ed25519};
use commonware_parallel::Sequential;
use commonware_utils::{non_empty, ordered::Set};
use std::{
    collections::BTreeMap,
    num::NonZeroU64,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

/// Key seeds of the genesis validators.
const SET_0: [u64; 4] = [1, 2, 3, 4];
/// Key seeds of epoch 1's validators: two stay, two are new, so the set has the same size
/// and only the keys tell the two sets apart.
const SET_1: [u64; 4] = [3, 4, 5, 6];
/// Key seeds of epoch 2's validators.
const SET_2: [u64; 3] = [5, 6, 7];
/// Keys the chain never chose.
const STRANGERS: [u64; 4] = [11, 12, 13, 14];

/// Epoch 0 is heights 0..=4, epoch 1 is 5..=9, epoch 2 is 10..=14.
fn epochs() -> ChainEpocher {
    ChainEpocher::new(4, NonZeroU64::new(5).expect("nonzero")).expect("valid")
}

fn addresses(seeds: &[u64]) -> Vec<Address> {
    let mut addresses: Vec<Address> = seeds
        .iter()
        .map(|seed| SecretKey::from_seed(*seed).address())
        .collect();
    addresses.sort();
    addresses
}

fn participants(seeds: &[u64]) -> Set<ed25519::PublicKey> {
    Set::try_from(
        addresses(seeds)
            .iter()
            .map(|address| address.public_key().clone())
            .collect::<Vec<_>>(),
    )
    .expect("distinct keys")
}

fn genesis_client() -> LightClient {
    LightClient::new(&addresses(&SET_0), epochs()).expect("genesis set")
}

/// The staking module's encoding of a set of `seeds` for `epoch`.
fn set_bytes(epoch: u64, seeds: &[u64]) -> Vec<u8> {
    ValidatorSet {
        epoch,
        members: addresses(seeds)
            .into_iter()
            .map(|address| SetMember {
                address,
                stake: 1_000_000,
                p2p_address: "127.0.0.1:9000".into(),
            })
            .collect(),
    }
    .encode()
    .to_vec()
}

/// A header at `height` of `epoch`, committing to `next_validators`.
fn header(height: u64, epoch: u64, next_validators: Hash) -> Header {
    Header {
        height,
        parent: sha256(&[&height.to_be_bytes()]),
        timestamp_ms: 1_700_000_000_000 + height,
        proposer: SecretKey::from_seed(SET_0[0]).address(),
        epoch,
        view: height + 1,
        parent_view: height,
        tx_count: 0,
        txs_root: ZERO_HASH,
        gas_used: 0,
        receipts_root: ZERO_HASH,
        state_root: sha256(&[b"state", &height.to_be_bytes()]),
        ops_root: ZERO_HASH,
        ops_floor: 0,
        ops_size: height,
        next_validators,
    }
}

/// The last block of `epoch`, committing to `set`.
fn boundary(epoch: u64, set: &[u8]) -> Header {
    let height = epochs().last(epoch).expect("small epoch");
    header(height, epoch, sha256(&[set]))
}

fn view(header: &Header) -> BlockView {
    BlockView {
        hash: header.hash(),
        header: header.into(),
        tx_hashes: Vec::new(),
        txs: None,
    }
}

/// A finalization of `header` in round (`epoch`, the header's view), by the votes of
/// `signers`, members of the set `members`.
fn finalization(
    header: &Header,
    epoch: u64,
    members: &[u64],
    signers: &[u64],
) -> Finalization<Scheme, Hash> {
    let proposal = Proposal::new(
        Round::new(Epoch::new(epoch), View::new(header.view)),
        View::new(header.parent_view),
        header.hash(),
    );
    let schemes: Vec<Scheme> = signers
        .iter()
        .map(|seed| {
            Scheme::signer(
                CONSENSUS_NAMESPACE,
                participants(members),
                SecretKey::from_seed(*seed).private_key().clone(),
            )
            .expect("a member")
        })
        .collect();
    let votes: Vec<Finalize<Scheme, Hash>> = schemes
        .iter()
        .map(|scheme| Finalize::sign(scheme, proposal.clone()).expect("a signer"))
        .collect();
    Finalization::from_finalizes(&schemes[0], non_empty![@&votes], &Sequential)
        .expect("a quorum of votes")
}

/// The certificate bytes of `header` finalized in its own epoch by a quorum (three of four)
/// of `members`.
fn certify(header: &Header, members: &[u64]) -> Vec<u8> {
    finalization(header, header.epoch, members, &members[..3])
        .encode()
        .to_vec()
}

fn verify(light: &LightClient, header: &Header, certificate: &[u8]) -> Result<u64, LightError> {
    light
        .verify_header(&view(header), certificate)
        .map(|finalized| finalized.epoch)
}

fn learn(
    light: &mut LightClient,
    boundary: &Header,
    certificate: &[u8],
    set: &[u8],
) -> Result<u64, LightError> {
    light.learn_next_set(&view(boundary), certificate, set)
}

/// The genesis client after learning epoch 1's set from the genuine boundary.
fn knowing_epoch_one() -> LightClient {
    let mut light = genesis_client();
    let set = set_bytes(1, &SET_1);
    let last = boundary(0, &set);
    learn(&mut light, &last, &certify(&last, &SET_0), &set).expect("learned");
    light
}

#[test]
fn an_epoch_one_header_is_unknown_until_its_set_is_learned_then_only_the_new_set_signs_it() {
    let mut light = genesis_client();
    let early = header(2, 0, ZERO_HASH);
    assert_eq!(
        verify(&light, &early, &certify(&early, &SET_0)).ok(),
        Some(0)
    );

    let later = header(6, 1, ZERO_HASH);
    let by_new_set = certify(&later, &SET_1);
    let error = verify(&light, &later, &by_new_set).expect_err("set 1 unknown");
    assert!(
        matches!(
            error,
            LightError::UnknownEpoch {
                epoch: 1,
                highest: 0
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("epoch 1"), "{error}");

    let set = set_bytes(1, &SET_1);
    let last = boundary(0, &set);
    assert_eq!(
        learn(&mut light, &last, &certify(&last, &SET_0), &set).ok(),
        Some(1)
    );
    assert_eq!(light.highest_epoch(), 1);
    assert_eq!(light.validators(1), Some(addresses(&SET_1).as_slice()));
    assert_eq!(light.validators(2), None);

    assert_eq!(verify(&light, &later, &by_new_set).ok(), Some(1));
    // The old set, the same size, has no say over epoch 1.
    assert!(matches!(
        verify(&light, &later, &certify(&later, &SET_0)),
        Err(LightError::BadSignatures { epoch: 1 })
    ));
    // Epoch 0 is still checked against the genesis set.
    assert_eq!(
        verify(&light, &early, &certify(&early, &SET_0)).ok(),
        Some(0)
    );
    assert!(matches!(
        verify(&light, &early, &certify(&early, &SET_1)),
        Err(LightError::BadSignatures { epoch: 0 })
    ));
    // Learning the same set again changes nothing.
    assert_eq!(
        learn(&mut light, &last, &certify(&last, &SET_0), &set).ok(),
        Some(1)
    );
    assert_eq!(light.highest_epoch(), 1);
}

#[test]
fn sets_are_learned_epoch_after_epoch_and_not_out_of_order() {
    let set_2 = set_bytes(2, &SET_2);
    let last_1 = boundary(1, &set_2);
    let mut genesis = genesis_client();
    assert!(matches!(
        learn(&mut genesis, &last_1, &certify(&last_1, &SET_1), &set_2),
        Err(LightError::UnknownEpoch { epoch: 1, .. })
    ));
    assert_eq!(genesis.highest_epoch(), 0);

    let mut light = knowing_epoch_one();
    assert_eq!(
        learn(&mut light, &last_1, &certify(&last_1, &SET_1), &set_2).ok(),
        Some(2)
    );
    // A set of three: its quorum is all three.
    let in_epoch_2 = header(12, 2, ZERO_HASH);
    let all_three = finalization(&in_epoch_2, 2, &SET_2, &SET_2).encode();
    assert_eq!(verify(&light, &in_epoch_2, &all_three).ok(), Some(2));
    assert!(matches!(
        verify(&light, &in_epoch_2, &certify(&in_epoch_2, &SET_1)),
        Err(LightError::BadSignatures { epoch: 2 })
    ));
}

#[test]
fn a_set_whose_hash_the_boundary_does_not_commit_to_is_refused() {
    let set = set_bytes(1, &SET_1);
    let last = boundary(0, &set);
    let certificate = certify(&last, &SET_0);
    let mut light = genesis_client();
    for served in [
        set_bytes(1, &STRANGERS),
        set_bytes(1, &SET_1[..3]),
        set[..set.len() - 1].to_vec(),
        [set.as_slice(), &[0]].concat(),
        Vec::new(),
    ] {
        assert!(
            matches!(
                learn(&mut light, &last, &certificate, &served),
                Err(LightError::SetHashMismatch { .. })
            ),
            "{served:?}"
        );
    }
    // A boundary that commits to no set (zeros).
    let uncommitted = header(4, 0, ZERO_HASH);
    assert!(matches!(
        learn(
            &mut light,
            &uncommitted,
            &certify(&uncommitted, &SET_0),
            &set
        ),
        Err(LightError::SetHashMismatch { .. })
    ));
    assert_eq!(light.highest_epoch(), 0);
}

#[test]
fn a_set_is_learned_only_from_the_last_block_of_an_epoch() {
    let set = set_bytes(1, &SET_1);
    let mut light = genesis_client();
    for height in [1, 3] {
        let inside = header(height, 0, sha256(&[&set]));
        assert!(
            matches!(
                learn(&mut light, &inside, &certify(&inside, &SET_0), &set),
                Err(LightError::NotBoundary { epoch: 0, .. })
            ),
            "height {height}"
        );
    }
    // The first block of epoch 1, which the new set would sign: its set is not known yet.
    let first_of_next = header(5, 1, sha256(&[&set]));
    assert!(matches!(
        learn(
            &mut light,
            &first_of_next,
            &certify(&first_of_next, &SET_1),
            &set
        ),
        Err(LightError::UnknownEpoch { epoch: 1, .. })
    ));
    // A block past epoch 0 that still claims epoch 0, finalized by the genesis set.
    let stale = header(9, 0, sha256(&[&set]));
    assert!(matches!(
        learn(&mut light, &stale, &certify(&stale, &SET_0), &set),
        Err(LightError::HeightOutsideEpoch {
            height: 9,
            epoch: 0,
            expected: 1
        })
    ));
    assert_eq!(light.highest_epoch(), 0);
}

#[test]
fn a_boundary_not_finalized_by_a_quorum_of_its_epochs_set_teaches_nothing() {
    let set = set_bytes(1, &SET_1);
    let last = boundary(0, &set);
    let mut light = genesis_client();
    // Signed by keys that were never validators.
    let strangers = certify(&last, &STRANGERS);
    // Signed by the next epoch's set, which cannot vouch for itself.
    let next_set = certify(&last, &SET_1);
    // Two of four genesis validators: below the quorum of three.
    let mut too_few = finalization(&last, 0, &SET_0, &SET_0[..3]);
    let kept: Vec<_> = too_few.certificate.signers.iter().take(2).collect();
    too_few.certificate.signers = Signers::new(4, kept).expect("members");
    too_few.certificate.signatures.truncate(2);
    // A quorum of genesis validators of which one signed another block.
    let other = header(4, 0, ZERO_HASH);
    let mut mixed = finalization(&last, 0, &SET_0, &SET_0[..3]);
    let forged = finalization(&other, 0, &SET_0, &SET_0[..3]);
    mixed.certificate.signatures[0] = forged.certificate.signatures[0].clone();
    for (name, certificate) in [
        ("strangers", strangers),
        ("next set", next_set),
        ("too few", too_few.encode().to_vec()),
        ("mixed", mixed.encode().to_vec()),
    ] {
        assert!(
            matches!(
                learn(&mut light, &last, &certificate, &set),
                Err(LightError::BadSignatures { epoch: 0 })
            ),
            "{name}"
        );
    }
    // Another block's certificate.
    assert!(matches!(
        learn(&mut light, &last, &certify(&other, &SET_0), &set),
        Err(LightError::OtherBlock { .. })
    ));
    assert_eq!(light.highest_epoch(), 0);
}

#[test]
fn a_header_is_checked_only_in_the_epoch_of_its_certificate() {
    let light = knowing_epoch_one();
    // Epoch 0 header, certificate of epoch 1 (by the set of epoch 1, which is known).
    let early = header(2, 0, ZERO_HASH);
    let in_epoch_1 = finalization(&early, 1, &SET_1, &SET_1[..3]).encode();
    assert!(matches!(
        verify(&light, &early, &in_epoch_1),
        Err(LightError::EpochMismatch {
            header: 0,
            certificate: 1
        })
    ));
    // Epoch 1 header, certificate of epoch 0 by the genesis set.
    let later = header(6, 1, ZERO_HASH);
    let in_epoch_0 = finalization(&later, 0, &SET_0, &SET_0[..3]).encode();
    assert!(matches!(
        verify(&light, &later, &in_epoch_0),
        Err(LightError::EpochMismatch {
            header: 1,
            certificate: 0
        })
    ));
    // Header and certificate agree on epoch 0, but the height is in epoch 1: the genesis set
    // cannot finalize the heights that came after its epoch.
    let stale = header(6, 0, ZERO_HASH);
    assert!(matches!(
        verify(&light, &stale, &certify(&stale, &SET_0)),
        Err(LightError::HeightOutsideEpoch {
            height: 6,
            epoch: 0,
            expected: 1
        })
    ));
    // And a height of epoch 0 claimed by epoch 1.
    let early_claim = header(3, 1, ZERO_HASH);
    assert!(matches!(
        verify(&light, &early_claim, &certify(&early_claim, &SET_1)),
        Err(LightError::HeightOutsideEpoch {
            height: 3,
            epoch: 1,
            expected: 0
        })
    ));
}

#[test]
fn committed_bytes_that_are_not_the_next_epochs_set_are_refused() {
    let genuine = set_bytes(1, &SET_1);
    let empty = ValidatorSet {
        epoch: 1,
        members: Vec::new(),
    }
    .encode()
    .to_vec();
    let mut unordered = ValidatorSet {
        epoch: 1,
        members: addresses(&SET_1)
            .into_iter()
            .map(|address| SetMember {
                address,
                stake: 1,
                p2p_address: String::new(),
            })
            .collect(),
    };
    unordered.members.swap(0, 1);
    let malformed: Vec<(&str, Vec<u8>)> = vec![
        ("empty bytes", Vec::new()),
        ("garbage", vec![0xff; 64]),
        ("truncated", genuine[..genuine.len() - 1].to_vec()),
        ("half", genuine[..genuine.len() / 2].to_vec()),
        ("trailing byte", [genuine.as_slice(), &[0]].concat()),
        ("no members", empty),
        ("out of order", unordered.encode().to_vec()),
    ];
    for (name, bytes) in malformed {
        // The boundary header commits to these very bytes, so only decoding can refuse them.
        let mut light = genesis_client();
        let last = boundary(0, &bytes);
        assert!(
            matches!(
                learn(&mut light, &last, &certify(&last, &SET_0), &bytes),
                Err(LightError::MalformedSet(_))
            ),
            "{name}"
        );
        assert_eq!(light.highest_epoch(), 0, "{name}");
    }
    for epoch in [0, 2, u64::MAX] {
        let mut light = genesis_client();
        let bytes = set_bytes(epoch, &SET_1);
        let last = boundary(0, &bytes);
        assert!(
            matches!(
                learn(&mut light, &last, &certify(&last, &SET_0), &bytes),
                Err(LightError::SetOfOtherEpoch { expected: 1, found }) if found == epoch
            ),
            "epoch {epoch}"
        );
        assert_eq!(light.highest_epoch(), 0);
    }
}

#[test]
fn a_second_certified_set_for_a_known_epoch_is_a_conflict() {
    let mut light = knowing_epoch_one();
    // Another last block of epoch 0 (another time), also finalized by the genesis set, that
    // commits to another set: a quorum signed two boundaries.
    let other_set = set_bytes(1, &STRANGERS);
    let mut other = boundary(0, &other_set);
    other.timestamp_ms += 1;
    assert!(matches!(
        learn(&mut light, &other, &certify(&other, &SET_0), &other_set),
        Err(LightError::ConflictingSet { epoch: 1 })
    ));
    assert_eq!(light.validators(1), Some(addresses(&SET_1).as_slice()));
}

#[test]
fn the_genesis_set_must_be_a_set() {
    assert!(matches!(
        LightClient::new(&[], epochs()),
        Err(LightError::ValidatorSet(_))
    ));
    let twice = [addresses(&[1])[0].clone(), addresses(&[1])[0].clone()];
    assert!(matches!(
        LightClient::new(&twice, epochs()),
        Err(LightError::ValidatorSet(_))
    ));
    // The genesis set's members are kept in participant order, whatever order they came in.
    let mut reversed = addresses(&SET_0);
    reversed.reverse();
    let light = LightClient::new(&reversed, epochs()).expect("set");
    assert_eq!(light.validators(0), Some(addresses(&SET_0).as_slice()));
    let early = header(2, 0, ZERO_HASH);
    assert_eq!(
        verify(&light, &early, &certify(&early, &SET_0)).ok(),
        Some(0)
    );
}

// --- Following sets over a node that is not trusted ---------------------------------------

/// A node that answers a fixed set of paths with fixed JSON bodies (and 404 otherwise), and
/// counts the requests it gets.
struct FakeNode {
    runtime: tokio::runtime::Runtime,
    client: Client,
    n_requests: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Answers {
    bodies: Arc<BTreeMap<String, String>>,
    n_requests: Arc<AtomicUsize>,
}

async fn answer(State(answers): State<Answers>, uri: Uri) -> Response {
    answers.n_requests.fetch_add(1, Ordering::SeqCst);
    match answers.bodies.get(uri.path()) {
        Some(body) => ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(ErrorBody::new("NOT_FOUND", "no such thing")),
        )
            .into_response(),
    }
}

impl FakeNode {
    fn serve(bodies: BTreeMap<String, String>) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let n_requests = Arc::new(AtomicUsize::new(0));
        let router = Router::new().fallback(answer).with_state(Answers {
            bodies: Arc::new(bodies),
            n_requests: n_requests.clone(),
        });
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a port");
        let address = listener.local_addr().expect("bound");
        runtime.spawn(async move { axum::serve(listener, router).await });
        let client = Client::new(&format!("http://{address}")).expect("client");
        Self {
            runtime,
            client,
            n_requests,
        }
    }

    fn learn_sets_to(&self, light: &mut LightClient, target: u64) -> Result<u64, LightError> {
        self.runtime
            .block_on(light.learn_sets_to(&self.client, target))
    }
}

/// What an honest node serves for the boundaries of epochs 0 and 1: the last block of each,
/// its finalization by the epoch's set, and the stored sets of epochs 1 and 2.
fn honest_answers() -> BTreeMap<String, String> {
    let mut bodies = BTreeMap::new();
    for (epoch, members, next_members) in [(0, &SET_0[..], &SET_1[..]), (1, &SET_1, &SET_2)] {
        let next = set_bytes(epoch + 1, next_members);
        let last = boundary(epoch, &next);
        serve_boundary(&mut bodies, &last, &certify(&last, members));
        serve_set(&mut bodies, epoch + 1, Some(next));
    }
    bodies
}

/// Serves `header` as the block at its height, with `certificate`.
fn serve_boundary(bodies: &mut BTreeMap<String, String>, header: &Header, certificate: &[u8]) {
    let height = header.height;
    bodies.insert(
        format!("/v1/blocks/{height}"),
        serde_json::to_string(&view(header)).expect("serializes"),
    );
    bodies.insert(
        format!("/v1/blocks/{height}/finalization"),
        serde_json::to_string(&FinalizationView {
            height,
            finalization: certificate.to_vec(),
        })
        .expect("serializes"),
    );
}

/// Serves `value` as the stored set of `epoch`, with a proof against some later root (which
/// the client ignores).
fn serve_set(bodies: &mut BTreeMap<String, String>, epoch: u64, value: Option<Vec<u8>>) {
    let raw_key: String = state_key::set(epoch)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    bodies.insert(
        format!("/v1/state/staking/{raw_key}"),
        serde_json::to_string(&StateValueView {
            key: validator_set_key(epoch),
            value,
            proof: vec![1, 2, 3],
            height: 40,
            state_root: ZERO_HASH,
        })
        .expect("serializes"),
    );
}

#[test]
fn the_sets_are_followed_from_an_honest_node_up_to_the_target_epoch() {
    let node = FakeNode::serve(honest_answers());
    let mut light = genesis_client();
    assert_eq!(node.learn_sets_to(&mut light, 2).ok(), Some(2));
    assert_eq!(light.validators(1), Some(addresses(&SET_1).as_slice()));
    assert_eq!(light.validators(2), Some(addresses(&SET_2).as_slice()));
    // Three requests per boundary, and none for epochs already known.
    assert_eq!(node.n_requests.load(Ordering::SeqCst), 6);
    assert_eq!(node.learn_sets_to(&mut light, 1).ok(), Some(2));
    assert_eq!(node.n_requests.load(Ordering::SeqCst), 6);
    // The node has not finalized the end of epoch 2.
    assert!(matches!(
        node.learn_sets_to(&mut light, 3),
        Err(LightError::Node(ClientError::Api { status: 404, .. }))
    ));
    assert_eq!(light.highest_epoch(), 2);
}

#[test]
fn a_node_that_lies_about_a_boundary_or_a_set_teaches_nothing_past_the_lie() {
    let check = |lie: &dyn Fn(&mut BTreeMap<String, String>), highest: u64| {
        let mut bodies = honest_answers();
        lie(&mut bodies);
        let node = FakeNode::serve(bodies);
        let mut light = genesis_client();
        let error = node.learn_sets_to(&mut light, 2).expect_err("a lie");
        // What was learned before the lie is kept.
        assert_eq!(light.highest_epoch(), highest, "{error}");
        error
    };
    // Another set for epoch 2 than the boundary of epoch 1 commits to.
    let error = check(
        &|bodies| serve_set(bodies, 2, Some(set_bytes(2, &STRANGERS))),
        1,
    );
    assert!(
        matches!(error, LightError::SetHashMismatch { .. }),
        "{error:?}"
    );
    // No set stored for epoch 1.
    let error = check(&|bodies| serve_set(bodies, 1, None), 0);
    assert!(
        matches!(error, LightError::SetMissing { epoch: 1 }),
        "{error:?}"
    );
    // A boundary finalized by keys that were never validators, committing to their own set.
    let error = check(
        &|bodies| {
            let theirs = set_bytes(1, &STRANGERS);
            let last = boundary(0, &theirs);
            serve_boundary(bodies, &last, &certify(&last, &STRANGERS));
            serve_set(bodies, 1, Some(theirs));
        },
        0,
    );
    assert!(
        matches!(error, LightError::BadSignatures { epoch: 0 }),
        "{error:?}"
    );
    // The boundary of epoch 0 asked for, a genuine later boundary served in its place.
    let error = check(
        &|bodies| {
            let later = bodies["/v1/blocks/9"].clone();
            bodies.insert("/v1/blocks/4".into(), later);
        },
        0,
    );
    assert!(
        matches!(
            error,
            LightError::OtherHeight {
                requested: 4,
                served: 9
            }
        ),
        "{error:?}"
    );
    // The genuine boundary of epoch 0 and its set again in place of epoch 1's: each would
    // verify, and teach nothing new.
    let error = check(
        &|bodies| {
            for (from, to) in [
                ("/v1/blocks/4", "/v1/blocks/9"),
                ("/v1/blocks/4/finalization", "/v1/blocks/9/finalization"),
            ] {
                let earlier = bodies[from].clone();
                bodies.insert(to.into(), earlier);
            }
            serve_set(bodies, 2, Some(set_bytes(1, &SET_1)));
        },
        1,
    );
    assert!(
        matches!(
            error,
            LightError::OtherHeight {
                requested: 9,
                served: 4
            }
        ),
        "{error:?}"
    );
    // Another block at the boundary's height (here, one of epoch 0 that commits to nothing).
    let error = check(
        &|bodies| {
            let other = header(4, 0, ZERO_HASH);
            serve_boundary(bodies, &other, &certify(&other, &SET_0));
        },
        0,
    );
    assert!(
        matches!(error, LightError::SetHashMismatch { .. }),
        "{error:?}"
    );
    // A certificate that is not one.
    let error = check(
        &|bodies| {
            bodies.insert(
                "/v1/blocks/9/finalization".into(),
                serde_json::to_string(&FinalizationView {
                    height: 9,
                    finalization: vec![0; 8],
                })
                .expect("serializes"),
            );
        },
        1,
    );
    assert!(matches!(error, LightError::Malformed(_)), "{error:?}");
}
