//! The staking module on an in-memory chain with the real executor, against real simplex votes
//! signed with the validators' ed25519 keys under the node's consensus namespace.

use super::{
    EVIDENCE_BYTE_GAS, EvidenceRecord, FaultKind, REPORT_DOUBLE_SIGN_GAS, SET_MEMBER_GAS,
    SIGNATURE_GAS, Staking, StakingGenesis, StakingMsg, StakingParams, Validator, ValidatorSet,
    query,
};
use crate::{
    BlockContext, BlockError, BlockOutput, ChainParams, Executor, Genesis, MemStore, Module,
    TxError, bank,
};
use ailedger_core::{
    Address, CONSENSUS_NAMESPACE, ChainId, Hash, Outcome, Receipt, SecretKey, SignedTransaction,
    Transaction, ZERO_HASH,
};
use bytes::Bytes;
use commonware_codec::Encode;
use commonware_consensus::{
    simplex::{
        scheme::ed25519::Scheme,
        types::{
            Activity, ConflictingFinalize, ConflictingNotarize, Finalize, Notarize, Nullify,
            NullifyFinalize, Proposal,
        },
    },
    types::{Epoch, Round, View},
};
use commonware_cryptography::{ed25519, sha256::Digest};
use commonware_utils::ordered::Set;
use futures::executor::block_on;
use std::collections::BTreeMap;

const CHAIN: &str = "ailedger-test";
const GAS_LIMIT: u64 = 5_000_000;
const FUNDS: u128 = 1_000_000_000_000;
const GENESIS_STAKE: u128 = 5_000;

/// Epoch 0 is heights 0..=9, then epochs of 10 heights; at most 3 validators; 2 epochs of
/// unbonding; 10% burned for double signing.
const PARAMS: StakingParams = StakingParams {
    fork_last: 9,
    epoch_length: 10,
    min_self_stake: 1_000,
    max_validators: 3,
    unbonding_epochs: 2,
    double_sign_slash_bps: 1_000,
};

/// Accounts; 0 and 1 are the genesis validators.
fn key(i: u64) -> SecretKey {
    SecretKey::from_seed(900 + i)
}

fn addr(i: u64) -> Address {
    key(i).address()
}

fn ctx(height: u64) -> BlockContext {
    BlockContext {
        chain_id: CHAIN.into(),
        height,
        timestamp_ms: 1_700_000_000_000 + 1_000 * height,
        proposer: addr(99),
        parent: ZERO_HASH,
    }
}

fn genesis() -> Genesis {
    Genesis {
        staking: None,
        chain_id: ChainId::new(CHAIN).expect("valid"),
        genesis_time_ms: 1,
        params: ChainParams::DEFAULT,
        validators: vec![addr(0), addr(1)],
        balances: (0..10).map(|i| (addr(i), FUNDS)).collect(),
    }
}

fn staking_genesis() -> StakingGenesis {
    StakingGenesis {
        params: PARAMS,
        stakes: vec![(addr(0), GENESIS_STAKE), (addr(1), GENESIS_STAKE)],
    }
}

/// A chain in memory, its genesis state written; its next block is at height 1.
struct Chain {
    store: MemStore,
    height: u64,
    nonces: BTreeMap<u64, u64>,
    outputs: Vec<BlockOutput>,
}

impl Chain {
    fn new() -> Self {
        let mut store = MemStore::new();
        store.apply(
            genesis()
                .state_writes_with(&staking_genesis())
                .expect("valid genesis"),
        );
        Self {
            store,
            height: 0,
            nonces: BTreeMap::new(),
            outputs: Vec::new(),
        }
    }

    fn tx(&mut self, from: u64, msg: &StakingMsg) -> SignedTransaction {
        let nonce = self.nonces.get(&from).copied().unwrap_or(0);
        self.nonces.insert(from, nonce + 1);
        Transaction::new(
            CHAIN,
            addr(from),
            nonce,
            GAS_LIMIT,
            1,
            Staking::ID,
            msg.encode().to_vec(),
        )
        .expect("valid")
        .sign(&key(from))
    }

    fn execute(&mut self, txs: &[SignedTransaction]) -> Result<BlockOutput, BlockError> {
        let height = self.height + 1;
        let output = block_on(Executor::new().execute_block(&self.store, &ctx(height), None, txs))?;
        self.store.apply(output.writes.clone());
        self.height = height;
        self.outputs.push(output.clone());
        Ok(output)
    }

    fn send(&mut self, from: u64, msg: StakingMsg) -> Receipt {
        let tx = self.tx(from, &msg);
        let mut output = self.execute(&[tx]).expect("valid block");
        output.receipts.remove(0)
    }

    fn ok(&mut self, from: u64, msg: StakingMsg) -> Receipt {
        let receipt = self.send(from, msg);
        assert_eq!(receipt.outcome, Outcome::Success, "{receipt:?}");
        receipt
    }

    /// Sends `msg`, expects it to fail with `code`, and checks that the validators, the pool
    /// and the supply are unchanged.
    fn refused(&mut self, from: u64, msg: StakingMsg, code: &str) -> Receipt {
        let before = self.snapshot();
        let receipt = self.send(from, msg);
        let Outcome::Failed { code: got, message } = &receipt.outcome else {
            panic!("expected {code}, the message succeeded");
        };
        assert_eq!(got, code, "{message}");
        assert_eq!(
            self.snapshot(),
            before,
            "a refused message changed the state"
        );
        receipt
    }

    fn snapshot(&self) -> (Vec<Option<Validator>>, u128, u128) {
        let validators = (0..10).map(|i| self.validator(i)).collect();
        (validators, self.pool(), self.supply())
    }

    /// Runs empty blocks until the last executed block is at `height`.
    fn advance_to(&mut self, height: u64) {
        while self.height < height {
            self.execute(&[]).expect("empty block");
        }
    }

    fn epoch(&self) -> u64 {
        PARAMS.epochs().expect("valid").epoch_of(self.height)
    }

    fn set(&self, epoch: u64) -> Option<ValidatorSet> {
        block_on(query::validator_set(&self.store, epoch))
            .expect("read")
            .value
    }

    fn members(&self, epoch: u64) -> Vec<Address> {
        self.set(epoch)
            .expect("a set")
            .members
            .into_iter()
            .map(|member| member.address)
            .collect()
    }

    fn validator(&self, i: u64) -> Option<Validator> {
        block_on(query::validator(&self.store, &addr(i)))
            .expect("read")
            .value
    }

    fn balance(&self, i: u64) -> u128 {
        block_on(bank::query::account(&self.store, &addr(i)))
            .expect("read")
            .balance
    }

    fn pool(&self) -> u128 {
        block_on(query::pool(&self.store)).expect("read").value
    }

    fn supply(&self) -> u128 {
        block_on(bank::query::supply(&self.store)).expect("read")
    }
}

fn register(stake: u128) -> StakingMsg {
    StakingMsg::RegisterValidator {
        p2p_address: "10.0.0.1:26656".into(),
        stake,
    }
}

fn sorted(addresses: impl IntoIterator<Item = Address>) -> Vec<Address> {
    let mut addresses: Vec<Address> = addresses.into_iter().collect();
    addresses.sort();
    addresses
}

// --- Genesis, registration, bonds -----------------------------------------------------------

#[test]
fn genesis_stakes_the_validators_mints_their_stake_and_fixes_the_set_of_epoch_zero() {
    let chain = Chain::new();
    assert_eq!(chain.members(0), sorted([addr(0), addr(1)]));
    assert_eq!(chain.validator(0).expect("registered").stake, GENESIS_STAKE);
    assert_eq!(chain.pool(), 2 * GENESIS_STAKE);
    assert_eq!(chain.supply(), 10 * FUNDS + 2 * GENESIS_STAKE);
    assert_eq!(chain.set(1), None, "epoch 1's set waits for the boundary");
    assert_eq!(
        block_on(query::params(&chain.store)).expect("read").value,
        Some(PARAMS)
    );
}

#[test]
fn a_genesis_document_without_staking_gets_the_default_section() {
    let genesis = genesis();
    let mut store = MemStore::new();
    let output = block_on(Executor::new().execute_block(&store, &ctx(1), Some(&genesis), &[]))
        .expect("genesis block");
    store.apply(output.writes);
    let set = block_on(query::validator_set(&store, 0))
        .expect("read")
        .value
        .expect("epoch 0");
    assert!(
        set.members
            .iter()
            .all(|member| member.stake == StakingGenesis::DEFAULT_STAKE)
    );
    assert_eq!(
        block_on(query::params(&store)).expect("read").value,
        Some(StakingParams::DEFAULT)
    );
}

#[test]
fn a_staking_section_must_name_every_genesis_validator_once() {
    let mut staking = staking_genesis();
    staking.stakes.pop();
    assert!(genesis().state_writes_with(&staking).is_err());
    let mut staking = staking_genesis();
    staking.stakes[1].0 = addr(5);
    assert!(genesis().state_writes_with(&staking).is_err());
    let mut staking = staking_genesis();
    staking.params.max_validators = 0;
    assert!(genesis().state_writes_with(&staking).is_err());
}

#[test]
fn registration_bonds_from_the_balance_and_joins_the_set_at_the_next_boundary() {
    let mut chain = Chain::new();
    let receipt = chain.ok(2, register(2_000));
    assert_eq!(receipt.events[0].kind, "validator_registered");
    assert_eq!(chain.balance(2), FUNDS - 2_000 - receipt.fee);
    assert_eq!(chain.pool(), 2 * GENESIS_STAKE + 2_000);
    assert_eq!(
        chain.supply(),
        10 * FUNDS + 2 * GENESIS_STAKE,
        "bonding moves, never mints"
    );
    let validator = chain.validator(2).expect("registered");
    assert_eq!(validator.stake, 2_000);
    assert_eq!(validator.p2p_address, "10.0.0.1:26656");

    chain.advance_to(8);
    assert_eq!(chain.set(1), None, "not before the last block of epoch 0");
    chain.advance_to(9);
    assert_eq!(chain.members(1), sorted([addr(0), addr(1), addr(2)]));
    let set = chain.set(1).expect("set");
    assert_eq!(set.epoch, 1);
    assert_eq!(
        chain.members(0),
        sorted([addr(0), addr(1)]),
        "epoch 0 stays"
    );
}

#[test]
fn registration_is_refused_below_the_minimum_twice_or_without_funds() {
    let mut chain = Chain::new();
    chain.refused(2, register(999), "BELOW_MINIMUM_STAKE");
    chain.refused(0, register(1_000), "VALIDATOR_EXISTS");
    chain.refused(3, register(FUNDS), "INSUFFICIENT_FUNDS");
    chain.ok(2, register(1_000));
    chain.refused(2, register(1_000), "VALIDATOR_EXISTS");
}

#[test]
fn malformed_p2p_addresses_and_zero_amounts_are_refused_before_execution() {
    let mut chain = Chain::new();
    for msg in [
        StakingMsg::RegisterValidator {
            p2p_address: "node.example:26656".into(),
            stake: 1_000,
        },
        StakingMsg::Bond { amount: 0 },
        StakingMsg::ReportDoubleSign {
            evidence: Bytes::new(),
        },
    ] {
        let tx = chain.tx(2, &msg);
        let result = chain.execute(&[tx]);
        assert!(
            matches!(
                result,
                Err(BlockError::InvalidTx {
                    error: TxError::InvalidMessage {
                        module: "staking",
                        ..
                    },
                    ..
                })
            ),
            "{result:?}"
        );
        chain.nonces.insert(2, 0);
    }
}

#[test]
fn bonding_adds_stake_and_only_validators_may_bond() {
    let mut chain = Chain::new();
    chain.refused(2, StakingMsg::Bond { amount: 5 }, "NOT_A_VALIDATOR");
    let receipt = chain.ok(0, StakingMsg::Bond { amount: 700 });
    assert_eq!(receipt.events[0].kind, "bonded");
    assert_eq!(
        chain.validator(0).expect("validator").stake,
        GENESIS_STAKE + 700
    );
    assert_eq!(chain.pool(), 2 * GENESIS_STAKE + 700);
}

// --- Set computation ------------------------------------------------------------------------

#[test]
fn the_set_is_the_top_stakes_with_ties_to_the_lower_address_and_at_most_max_validators() {
    let mut chain = Chain::new();
    // Genesis validators hold 5,000 each; 2 and 3 tie at 7,000; 4 holds 6,000.
    chain.ok(2, register(7_000));
    chain.ok(3, register(7_000));
    chain.ok(4, register(6_000));
    chain.advance_to(9);
    let lower_of_tie = addr(2).min(addr(3));
    let higher_of_tie = addr(2).max(addr(3));
    // Top three: the two at 7,000 and the one at 6,000; the genesis validators drop out.
    assert_eq!(chain.members(1), sorted([addr(2), addr(3), addr(4)]));

    // Account 4 unbonds down to 5,000: a three-way tie with the genesis validators for the last
    // seat, which the lowest address among the tied wins.
    chain.ok(4, StakingMsg::Unbond { amount: 1_000 });
    chain.advance_to(19);
    let last_seat = [addr(0), addr(1), addr(4)]
        .into_iter()
        .min()
        .expect("three");
    assert_eq!(
        chain.members(2),
        sorted([lower_of_tie, higher_of_tie, last_seat])
    );
    let set = chain.set(2).expect("set");
    assert_eq!(set.members.len(), 3);
    assert!(set.members.iter().all(|member| member.stake >= 5_000));
}

#[test]
fn unbonding_everything_leaves_the_set_and_is_withdrawn_after_the_delay() {
    let mut chain = Chain::new();
    chain.ok(2, register(3_000));
    chain.advance_to(9);
    assert!(chain.members(1).contains(&addr(2)));

    // In epoch 1: unbond everything; it stays slashable through epoch 1 + 2, released in 4.
    let receipt = chain.ok(2, StakingMsg::Unbond { amount: 3_000 });
    let release = receipt.events[0]
        .attributes
        .iter()
        .find(|(key, _)| key == "release_epoch")
        .map(|(_, value)| value.clone());
    assert_eq!(release.as_deref(), Some("4"));
    assert_eq!(
        chain.pool(),
        2 * GENESIS_STAKE + 3_000,
        "still held while unbonding"
    );
    chain.advance_to(19);
    assert!(
        !chain.members(2).contains(&addr(2)),
        "gone at the next boundary"
    );

    chain.refused(2, StakingMsg::Withdraw, "NOTHING_TO_WITHDRAW");
    chain.advance_to(40);
    assert_eq!(chain.epoch(), 4);
    let before = chain.balance(2);
    let receipt = chain.ok(2, StakingMsg::Withdraw);
    assert_eq!(chain.balance(2), before + 3_000 - receipt.fee);
    assert_eq!(chain.pool(), 2 * GENESIS_STAKE);
    assert_eq!(chain.validator(2), None, "nothing left: forgotten");
    chain.ok(2, register(1_000));
}

#[test]
fn unbonding_may_not_leave_a_candidate_below_the_minimum_or_unbond_more_than_its_stake() {
    let mut chain = Chain::new();
    chain.refused(
        0,
        StakingMsg::Unbond { amount: 4_500 },
        "BELOW_MINIMUM_STAKE",
    );
    chain.refused(
        0,
        StakingMsg::Unbond {
            amount: GENESIS_STAKE + 1,
        },
        "INSUFFICIENT_STAKE",
    );
    chain.refused(2, StakingMsg::Unbond { amount: 1 }, "NOT_A_VALIDATOR");
    chain.ok(0, StakingMsg::Unbond { amount: 4_000 });
    chain.ok(0, StakingMsg::Unbond { amount: 1_000 });
    let validator = chain.validator(0).expect("still unbonding");
    assert_eq!(validator.stake, 0);
    assert_eq!(validator.unbonding.len(), 1, "same release epoch: merged");
    assert_eq!(validator.unbonding[0].amount, GENESIS_STAKE);
    // Back from zero, a bond must reach the minimum again.
    chain.refused(0, StakingMsg::Bond { amount: 999 }, "BELOW_MINIMUM_STAKE");
    chain.ok(0, StakingMsg::Bond { amount: 1_000 });
}

#[test]
fn with_no_eligible_candidate_the_current_set_carries_on() {
    let mut chain = Chain::new();
    chain.ok(
        0,
        StakingMsg::Unbond {
            amount: GENESIS_STAKE,
        },
    );
    chain.ok(
        1,
        StakingMsg::Unbond {
            amount: GENESIS_STAKE,
        },
    );
    chain.advance_to(9);
    assert_eq!(chain.members(1), chain.members(0));
    assert_eq!(chain.set(1).expect("set").epoch, 1);
}

#[test]
fn the_same_transactions_give_the_same_writes_and_the_set_ignores_registration_order() {
    let run = |order: &[u64]| {
        let mut chain = Chain::new();
        for &i in order {
            chain.ok(i, register(1_000 + 100 * u128::from(i)));
        }
        chain.advance_to(9);
        chain
    };
    let first = run(&[2, 3, 4, 5]);
    let again = run(&[2, 3, 4, 5]);
    assert_eq!(
        first.outputs, again.outputs,
        "same blocks, same writes and receipts"
    );
    let reordered = run(&[5, 4, 3, 2]);
    assert_eq!(first.set(1), reordered.set(1));
    assert_eq!(first.members(1), sorted([addr(0), addr(1), addr(5)]));
}

// --- Double-sign evidence -------------------------------------------------------------------

fn participants(members: &[Address]) -> Set<ed25519::PublicKey> {
    Set::try_from(
        members
            .iter()
            .map(|address| address.public_key().clone())
            .collect::<Vec<_>>(),
    )
    .expect("distinct keys")
}

/// `signer`'s consensus scheme in a set of `members` (which must include it).
fn scheme(members: &[Address], signer: u64) -> Scheme {
    Scheme::signer(
        CONSENSUS_NAMESPACE,
        participants(members),
        key(signer).private_key().clone(),
    )
    .expect("the signer is a member")
}

fn proposal(epoch: u64, view: u64, payload: u8) -> Proposal<Hash> {
    Proposal::new(
        Round::new(Epoch::new(epoch), View::new(view)),
        View::new(view - 1),
        Digest([payload; 32]),
    )
}

fn notarize(scheme: &Scheme, epoch: u64, view: u64, payload: u8) -> Notarize<Scheme, Hash> {
    Notarize::sign(scheme, proposal(epoch, view, payload)).expect("a signer")
}

fn finalize(scheme: &Scheme, epoch: u64, view: u64, payload: u8) -> Finalize<Scheme, Hash> {
    Finalize::sign(scheme, proposal(epoch, view, payload)).expect("a signer")
}

fn nullify(scheme: &Scheme, epoch: u64, view: u64) -> Nullify<Scheme> {
    Nullify::sign::<Hash>(scheme, Round::new(Epoch::new(epoch), View::new(view))).expect("a signer")
}

fn conflicting_notarize(scheme: &Scheme, epoch: u64, view: u64) -> Bytes {
    let fault = ConflictingNotarize::new(
        notarize(scheme, epoch, view, 1),
        notarize(scheme, epoch, view, 2),
    );
    Activity::<Scheme, Hash>::ConflictingNotarize(fault).encode()
}

fn report(evidence: Bytes) -> StakingMsg {
    StakingMsg::ReportDoubleSign { evidence }
}

/// Raw evidence: a tag and two encoded votes, without the checks of Commonware's constructors.
fn raw(tag: u8, first: &impl Encode, second: &impl Encode) -> Bytes {
    let mut bytes = vec![tag];
    bytes.extend_from_slice(&first.encode());
    bytes.extend_from_slice(&second.encode());
    Bytes::from(bytes)
}

fn genesis_set() -> Vec<Address> {
    sorted([addr(0), addr(1)])
}

#[test]
fn a_conflicting_notarize_slashes_jails_and_records_the_offender() {
    let mut chain = Chain::new();
    chain.ok(1, StakingMsg::Unbond { amount: 1_000 });
    let supply = chain.supply();
    let evidence = conflicting_notarize(&scheme(&genesis_set(), 1), 0, 5);
    let receipt = chain.ok(7, report(evidence.clone()));

    // 10% of the 4,000 bonded and of the 1,000 unbonding.
    let validator = chain.validator(1).expect("kept");
    assert!(validator.jailed);
    assert_eq!(validator.stake, 3_600);
    assert_eq!(validator.unbonding[0].amount, 900);
    assert_eq!(chain.supply(), supply - 500);
    assert_eq!(chain.pool(), GENESIS_STAKE + 4_500);
    let kinds: Vec<&str> = receipt
        .events
        .iter()
        .map(|event| event.kind.as_str())
        .collect();
    assert_eq!(kinds, ["validator_jailed", "double_sign_slashed"]);
    let record = block_on(query::evidence(
        &chain.store,
        FaultKind::ConflictingNotarize,
        0,
        5,
        &addr(1),
    ))
    .expect("read")
    .value;
    assert_eq!(
        record,
        Some(EvidenceRecord {
            kind: FaultKind::ConflictingNotarize,
            epoch: 0,
            view: 5,
            offender: addr(1),
            reporter: addr(7),
            height: chain.height,
            burned: 500,
        })
    );

    // Never slashed twice for one fault, whoever reports it.
    chain.refused(8, report(evidence), "EVIDENCE_EXISTS");
    // Jailed: no bonding, no set.
    chain.refused(1, StakingMsg::Bond { amount: 1_000 }, "VALIDATOR_JAILED");
    chain.refused(1, register(1_000), "VALIDATOR_EXISTS");
    chain.advance_to(9);
    assert_eq!(chain.members(1), vec![addr(0)]);
}

#[test]
fn conflicting_finalizes_and_nullify_finalize_are_faults_and_a_validator_is_slashed_once() {
    let mut chain = Chain::new();
    let offender = scheme(&genesis_set(), 0);
    let finalizes =
        ConflictingFinalize::new(finalize(&offender, 0, 3, 1), finalize(&offender, 0, 3, 2));
    chain.ok(
        7,
        report(Activity::<Scheme, Hash>::ConflictingFinalize(finalizes).encode()),
    );
    assert_eq!(chain.validator(0).expect("kept").stake, 4_500);

    let nullify_finalize =
        NullifyFinalize::new(nullify(&offender, 0, 4), finalize(&offender, 0, 4, 1));
    let receipt = chain.ok(
        7,
        report(Activity::<Scheme, Hash>::NullifyFinalize(nullify_finalize).encode()),
    );
    assert_eq!(
        chain.validator(0).expect("kept").stake,
        4_500,
        "already jailed"
    );
    let burned = receipt.events[0]
        .attributes
        .iter()
        .find(|(key, _)| key == "burned")
        .map(|(_, value)| value.as_str());
    assert_eq!(burned, Some("0"));
    assert!(
        block_on(query::evidence(
            &chain.store,
            FaultKind::NullifyFinalize,
            0,
            4,
            &addr(0)
        ))
        .expect("read")
        .value
        .is_some()
    );
}

#[test]
fn evidence_against_a_later_epochs_set_uses_that_set() {
    let mut chain = Chain::new();
    chain.ok(2, register(2_000));
    chain.advance_to(9);
    let set = chain.members(1);
    chain.advance_to(10);
    chain.ok(7, report(conflicting_notarize(&scheme(&set, 2), 1, 12)));
    assert!(chain.validator(2).expect("kept").jailed);
    // Account 2 was not in epoch 0's set: the same fault claimed in epoch 0 names a signer
    // whose key there is another's.
    let index_in_epoch_1 = set.iter().position(|a| *a == addr(2)).expect("member");
    let evidence = conflicting_notarize(&scheme(&set, 2), 0, 7);
    let code = if index_in_epoch_1 < 2 {
        "BAD_EVIDENCE_SIGNATURE"
    } else {
        "UNKNOWN_SIGNER"
    };
    chain.refused(7, report(evidence), code);
}

#[test]
fn evidence_signed_by_a_non_validator_is_refused() {
    let mut chain = Chain::new();
    // Account 5 signs as if it were in a set of the same size: its index names a genesis
    // validator, whose key its signatures do not verify under.
    let impostor_set = sorted([addr(0), addr(5)]);
    let evidence = conflicting_notarize(&scheme(&impostor_set, 5), 0, 5);
    chain.refused(7, report(evidence), "BAD_EVIDENCE_SIGNATURE");
    // With an index past the set.
    let bigger = sorted([addr(0), addr(1), addr(5)]);
    let index = bigger.iter().position(|a| *a == addr(5)).expect("member");
    let evidence = conflicting_notarize(&scheme(&bigger, 5), 0, 5);
    let code = if index < 2 {
        "BAD_EVIDENCE_SIGNATURE"
    } else {
        "UNKNOWN_SIGNER"
    };
    chain.refused(7, report(evidence), code);
}

#[test]
fn votes_signed_under_another_namespace_are_refused() {
    let mut chain = Chain::new();
    let foreign = Scheme::signer(
        b"_OTHER_CHAIN",
        participants(&genesis_set()),
        key(1).private_key().clone(),
    )
    .expect("member");
    chain.refused(
        7,
        report(conflicting_notarize(&foreign, 0, 5)),
        "BAD_EVIDENCE_SIGNATURE",
    );
}

#[test]
fn evidence_from_an_epoch_without_a_set_or_past_the_unbonding_window_is_refused() {
    let mut chain = Chain::new();
    let offender = scheme(&genesis_set(), 1);
    chain.refused(
        7,
        report(conflicting_notarize(&offender, 1, 12)),
        "UNKNOWN_EPOCH",
    );
    // Epoch 3 is within two epochs of epoch 1, not of epoch 0.
    chain.advance_to(30);
    assert_eq!(chain.epoch(), 3);
    chain.refused(
        7,
        report(conflicting_notarize(&offender, 0, 5)),
        "EVIDENCE_TOO_OLD",
    );
    // Epoch 1's set (the genesis validators, carried into it) is still within the window.
    let set = chain.members(1);
    assert!(set.contains(&addr(1)));
    chain.ok(7, report(conflicting_notarize(&scheme(&set, 1), 1, 15)));
}

#[test]
fn pairs_that_are_no_conflict_are_refused_with_precise_codes() {
    let mut chain = Chain::new();
    let set = genesis_set();
    let one = scheme(&set, 0);
    let other = scheme(&set, 1);

    // The same proposal twice.
    let vote = notarize(&one, 0, 5, 1);
    chain.refused(7, report(raw(7, &vote, &vote)), "EVIDENCE_NOT_CONFLICTING");
    let vote = finalize(&one, 0, 5, 1);
    chain.refused(7, report(raw(8, &vote, &vote)), "EVIDENCE_NOT_CONFLICTING");
    // Two signers.
    chain.refused(
        7,
        report(raw(7, &notarize(&one, 0, 5, 1), &notarize(&other, 0, 5, 2))),
        "EVIDENCE_SIGNER_MISMATCH",
    );
    // Two views.
    chain.refused(
        7,
        report(raw(7, &notarize(&one, 0, 5, 1), &notarize(&one, 0, 6, 2))),
        "EVIDENCE_ROUND_MISMATCH",
    );
    chain.refused(
        7,
        report(raw(9, &nullify(&one, 0, 5), &finalize(&one, 0, 6, 1))),
        "EVIDENCE_ROUND_MISMATCH",
    );
    // A single vote is activity, not a fault.
    let single = Activity::<Scheme, Hash>::Notarize(notarize(&one, 0, 5, 1)).encode();
    chain.refused(7, report(single), "NOT_A_FAULT");
}

#[test]
fn truncated_extended_and_garbage_evidence_is_malformed() {
    let mut chain = Chain::new();
    let evidence = conflicting_notarize(&scheme(&genesis_set(), 1), 0, 5);
    for len in [1, 2, 40, evidence.len() / 2, evidence.len() - 1] {
        chain.refused(7, report(evidence.slice(..len)), "MALFORMED_EVIDENCE");
    }
    let mut longer = evidence.to_vec();
    longer.push(0);
    chain.refused(7, report(Bytes::from(longer)), "MALFORMED_EVIDENCE");
    chain.refused(
        7,
        report(Bytes::from(vec![0xff; 200])),
        "MALFORMED_EVIDENCE",
    );
    chain.refused(7, report(Bytes::from(vec![7; 200])), "MALFORMED_EVIDENCE");
    // The untouched evidence still counts.
    chain.ok(7, report(evidence));
}

#[test]
fn a_refused_report_pays_for_decoding_and_verification() {
    let mut chain = Chain::new();
    let impostor_set = sorted([addr(0), addr(5)]);
    let evidence = conflicting_notarize(&scheme(&impostor_set, 5), 0, 5);
    let n_bytes = u64::try_from(evidence.len()).expect("small");
    let receipt = chain.refused(7, report(evidence), "BAD_EVIDENCE_SIGNATURE");
    let verification = REPORT_DOUBLE_SIGN_GAS
        + EVIDENCE_BYTE_GAS * n_bytes
        + 2 * SET_MEMBER_GAS
        + 2 * SIGNATURE_GAS;
    assert!(
        receipt.gas_used >= verification,
        "{} < {verification}",
        receipt.gas_used
    );
    // Garbage pays for its bytes only.
    let receipt = chain.refused(
        7,
        report(Bytes::from(vec![0xff; 200])),
        "MALFORMED_EVIDENCE",
    );
    assert!(receipt.gas_used >= REPORT_DOUBLE_SIGN_GAS + 200 * EVIDENCE_BYTE_GAS);
    assert!(receipt.gas_used < verification);
}
