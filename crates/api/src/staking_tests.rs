//! The staking endpoints through the router, over the test backend: validators registered with
//! real signed transactions, sets fixed by the real state machine at epoch boundaries.

use crate::{
    test_backend::{CHAIN_ID, FAKE_PROOF, TestBackend, validator},
    tests::{Harness, RICH, assert_error, key},
};
use ailedger_client::dto::{StakingParamsAnswer, ValidatorAnswer, ValidatorSetAnswer};
use ailedger_core::{SignedTransaction, Transaction, sha256};
use ailedger_state::{
    Module,
    staking::{
        Staking, StakingGenesis, StakingMsg, StakingParams, ValidatorSet, query::validator_set_key,
    },
};
use axum::http::StatusCode;
use commonware_codec::{Copying, Decode, Encode};

/// Epoch 0 is heights 0 to 2, then epochs of 3: sets are fixed at the end of blocks 2, 5, 8...
const PARAMS: StakingParams = StakingParams {
    fork_last: 2,
    epoch_length: 3,
    min_self_stake: 1_000,
    max_validators: 10,
    unbonding_epochs: 1,
    double_sign_slash_bps: 500,
};

/// The genesis validator's stake.
const GENESIS_STAKE: u128 = 5_000;

async fn harness() -> Harness {
    let backend = TestBackend::with_staking(
        &[(key(1).address(), RICH), (key(2).address(), RICH)],
        1_000,
        Some(StakingGenesis {
            params: PARAMS,
            stakes: vec![(validator().address(), GENESIS_STAKE)],
        }),
    )
    .await;
    let app = crate::router(backend.clone(), crate::ApiLimits::DEFAULT);
    Harness { backend, app }
}

fn staking_tx(from: u64, nonce: u64, msg: &StakingMsg) -> SignedTransaction {
    Transaction::new(
        CHAIN_ID,
        key(from).address(),
        nonce,
        200_000,
        1,
        Staking::ID,
        msg.encode().to_vec(),
    )
    .expect("valid")
    .sign(&key(from))
}

/// Submits `txs` and commits them in the next block; every one must succeed.
async fn commit(harness: &Harness, txs: &[SignedTransaction]) {
    let block = harness.commit(txs).await;
    for tx in txs {
        let (status, record) = harness.get(&format!("/v1/txs/{}", tx.hash())).await;
        assert_eq!(status, StatusCode::OK, "{record}");
        assert_eq!(
            record["receipt"]["outcome"]["status"],
            "success",
            "block {}: {record}",
            block.height()
        );
    }
}

async fn set(harness: &Harness, path: &str) -> ValidatorSetAnswer {
    let (status, body) = harness.get(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_value(body).expect("shape")
}

#[tokio::test]
async fn params_name_the_epoch_of_the_block_read() {
    let harness = harness().await;
    let (status, body) = harness.get("/v1/staking/params?proofs=true").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: StakingParamsAnswer = serde_json::from_value(body.clone()).expect("shape");
    assert_eq!(answer.height, 1);
    assert_eq!(answer.params.to_params(), PARAMS);
    assert_eq!(body["params"]["min_self_stake"], "1000");
    assert_eq!(
        (answer.epoch.epoch, answer.epoch.first, answer.epoch.last),
        (0, 0, 2)
    );
    assert_eq!(answer.proofs.as_ref().map(Vec::len), Some(1));

    for _ in 0..3 {
        harness.backend.commit_block().await;
    }
    let (_, body) = harness.get("/v1/staking/params").await;
    let answer: StakingParamsAnswer = serde_json::from_value(body).expect("shape");
    assert_eq!(answer.height, 4);
    assert_eq!(
        (answer.epoch.epoch, answer.epoch.first, answer.epoch.last),
        (1, 3, 5)
    );
    assert_eq!(answer.proofs, None);
}

#[tokio::test]
async fn a_registered_validator_is_served_and_others_are_not_found() {
    let harness = harness().await;
    let register = StakingMsg::RegisterValidator {
        p2p_address: "10.0.0.1:26656".into(),
        stake: 3_000,
    };
    let unbond = StakingMsg::Unbond { amount: 1_000 };
    commit(
        &harness,
        &[staking_tx(1, 0, &register), staking_tx(1, 1, &unbond)],
    )
    .await;

    let address = key(1).address();
    let (status, body) = harness
        .get(&format!("/v1/staking/validators/{address}?proofs=true"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["validator"]["stake"], "2000", "{body}");
    let answer: ValidatorAnswer = serde_json::from_value(body).expect("shape");
    let validator_view = &answer.validator;
    assert_eq!(validator_view.address, address);
    assert_eq!(validator_view.p2p_address, "10.0.0.1:26656");
    assert_eq!(validator_view.stake, 2_000);
    assert!(!validator_view.jailed);
    // Unbonded in epoch 0 with one epoch of delay: withdrawable from epoch 2.
    assert_eq!(validator_view.unbonding.len(), 1);
    assert_eq!(
        (
            validator_view.unbonding[0].release_epoch,
            validator_view.unbonding[0].amount
        ),
        (2, 1_000)
    );
    let proofs = answer.proofs.expect("asked for");
    assert_eq!(proofs.len(), 1);
    assert_eq!(proofs[0].proof, FAKE_PROOF);

    // The genesis validator has no p2p address on the chain: the configurations give it.
    let genesis = validator().address();
    let (_, body) = harness
        .get(&format!("/v1/staking/validators/{genesis}"))
        .await;
    let answer: ValidatorAnswer = serde_json::from_value(body).expect("shape");
    assert_eq!(
        (
            answer.validator.stake,
            answer.validator.p2p_address.as_str()
        ),
        (GENESIS_STAKE, "")
    );

    let stranger = key(2).address();
    let answer = harness
        .get(&format!("/v1/staking/validators/{stranger}"))
        .await;
    assert_error(&answer, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_eq!(answer.1["details"]["what"], "validator");
    assert_eq!(answer.1["details"]["id"], stranger.to_string());
    for bad in ["abc", &"AB".repeat(32), &"00".repeat(33)] {
        let answer = harness.get(&format!("/v1/staking/validators/{bad}")).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "BAD_ADDRESS");
    }
}

#[tokio::test]
async fn sets_appear_at_the_end_of_the_epoch_before_with_their_stored_bytes() {
    let harness = harness().await;
    let genesis = validator().address();

    let zero = set(&harness, "/v1/staking/sets/0?proofs=true").await;
    assert_eq!(zero.set.epoch, 0);
    assert_eq!(zero.boundary_height, None);
    assert_eq!(zero.set.members.len(), 1);
    assert_eq!(zero.set.members[0].address, genesis);
    assert_eq!(zero.set.total_stake, GENESIS_STAKE);
    let decoded =
        ValidatorSet::decode_cfg(Copying(zero.encoded.as_slice()), &()).expect("a stored set");
    assert_eq!(decoded.epoch, 0);
    assert_eq!(zero.digest, sha256(&[&zero.encoded]));
    let proofs = zero.proofs.as_ref().expect("asked for");
    assert_eq!(proofs[0].key, validator_set_key(0));
    assert_eq!(proofs[0].value.as_deref(), Some(zero.encoded.as_slice()));

    // The set of epoch 1 is fixed at the end of block 2, the last of epoch 0.
    let answer = harness.get("/v1/staking/sets/1").await;
    assert_error(&answer, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert!(
        answer.1["message"]
            .as_str()
            .is_some_and(|message| message.contains("fixed at the end of block 2")),
        "{}",
        answer.1
    );
    let register = StakingMsg::RegisterValidator {
        p2p_address: "[::1]:26656".into(),
        stake: 9_000,
    };
    commit(&harness, &[staking_tx(1, 0, &register)]).await;

    let one = set(&harness, "/v1/staking/sets/1?proofs=true").await;
    assert_eq!(one.height, 2);
    assert_eq!(one.boundary_height, Some(2));
    assert_eq!(one.set.epoch, 1);
    let members: Vec<_> = one
        .set
        .members
        .iter()
        .map(|member| {
            (
                member.address.clone(),
                member.stake,
                member.p2p_address.clone(),
            )
        })
        .collect();
    let mut expected = vec![
        (genesis.clone(), GENESIS_STAKE, String::new()),
        (key(1).address(), 9_000, "[::1]:26656".to_owned()),
    ];
    expected.sort();
    assert_eq!(members, expected, "members by address");
    assert_eq!(one.set.total_stake, GENESIS_STAKE + 9_000);
    assert_eq!(one.digest, sha256(&[&one.encoded]));
    assert_eq!(
        one.proofs.as_ref().expect("asked for")[0].value.as_deref(),
        Some(one.encoded.as_slice())
    );

    // At height 2 the current epoch is still 0; at height 3 it is 1.
    let current = set(&harness, "/v1/staking/sets/current").await;
    assert_eq!((current.height, current.set.epoch), (2, 0));
    assert_eq!(current.proofs, None);
    harness.backend.commit_block().await;
    let current = set(&harness, "/v1/staking/sets/current?proofs=true").await;
    assert_eq!((current.height, current.set.epoch), (3, 1));
    assert_eq!(current.encoded, one.encoded);
    assert_eq!(current.boundary_height, Some(2));

    let answer = harness.get("/v1/staking/sets/2").await;
    assert_error(&answer, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert!(
        answer.1["message"]
            .as_str()
            .is_some_and(|message| message.contains("fixed at the end of block 5")),
        "{}",
        answer.1
    );
    for bad in ["latest", "-1", "1.5", "18446744073709551616"] {
        let answer = harness.get(&format!("/v1/staking/sets/{bad}")).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "BAD_PATH");
    }
}

#[tokio::test]
async fn broken_storage_is_an_internal_error_not_an_absence() {
    let harness = harness().await;
    harness.backend.break_storage().await;
    for path in [
        "/v1/staking/params",
        "/v1/staking/sets/current",
        "/v1/staking/sets/0",
        &format!("/v1/staking/validators/{}", key(1).address()),
    ] {
        let answer = harness.get(path).await;
        assert_eq!(
            answer.0,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}: {}",
            answer.1
        );
        assert_eq!(answer.1["code"], "INTERNAL", "{path}");
    }
}
