//! Headers and validator sets across epochs, with real keys and real certificates: every way a
//! node (or an old set) could make the client trust the wrong signers is refused.

use crate::{LightClient, LightError};
use ailedger_client::dto::BlockView;
use ailedger_core::{Address, CONSENSUS_NAMESPACE, Hash, Header, SecretKey, ZERO_HASH, sha256};
use ailedger_state::staking::{ChainEpocher, SetMember, ValidatorSet};
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
use std::num::NonZeroU64;

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
