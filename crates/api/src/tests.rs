//! The API driven through the router with `tower::ServiceExt::oneshot`, over a backend that runs
//! the real state machine (see [`crate::test_backend`]).

use crate::{
    ApiLimits, router,
    routes::{ROUTES, Verb},
    test_backend::{CHAIN_ID, FAKE_PROOF, TestBackend, validator},
};
use ailedger_client::dto::{AccountView, BlockView, StateValueView, TxRecordView, TxStatus};
use ailedger_core::{Address, Block, ModuleId, SecretKey, SignedTransaction, Transaction};
use ailedger_state::{
    Module,
    bank::{Account, Bank, BankMsg, query::account_key, state_key},
};
use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, StatusCode, header},
};
use commonware_codec::{Copying, Decode, Encode};
use serde_json::{Value, json};
use tower::ServiceExt;

pub(crate) const RICH: u128 = 1_000_000_000;

pub(crate) fn key(i: u64) -> SecretKey {
    SecretKey::from_seed(i)
}

fn transfer_on(
    chain_id: &str,
    from: u64,
    nonce: u64,
    to: &Address,
    amount: u128,
) -> SignedTransaction {
    let msg = BankMsg::Transfer {
        to: to.clone(),
        amount,
    };
    Transaction::new(
        chain_id,
        key(from).address(),
        nonce,
        100_000,
        1,
        Bank::ID,
        msg.encode().to_vec(),
    )
    .expect("valid transaction")
    .sign(&key(from))
}

fn transfer(from: u64, nonce: u64, to: &Address, amount: u128) -> SignedTransaction {
    transfer_on(CHAIN_ID, from, nonce, to, amount)
}

fn tx_hex(tx: &SignedTransaction) -> String {
    hex::encode(tx.encode_to_vec())
}

pub(crate) struct Harness {
    pub(crate) backend: TestBackend,
    pub(crate) app: Router,
}

pub(crate) async fn harness() -> Harness {
    harness_with(ApiLimits::DEFAULT, 1_000).await
}

pub(crate) async fn harness_with(limits: ApiLimits, mempool_capacity: usize) -> Harness {
    let backend = TestBackend::new(
        &[(key(1).address(), RICH), (key(2).address(), RICH)],
        mempool_capacity,
    )
    .await;
    let app = router(backend.clone(), limits);
    Harness { backend, app }
}

impl Harness {
    /// Submits `txs` (each must be accepted) and commits them in the next block.
    pub(crate) async fn commit(&self, txs: &[SignedTransaction]) -> Block {
        for tx in txs {
            let answer = self.submit(tx).await;
            assert_eq!(answer.0, StatusCode::ACCEPTED, "{}", answer.1);
        }
        self.backend.commit_block().await
    }

    /// Sends a request; every answer, error or not, must be JSON.
    pub(crate) async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let value = serde_json::from_slice(&body).unwrap_or_else(|_| {
            panic!(
                "status {status}: not JSON: {}",
                String::from_utf8_lossy(&body)
            )
        });
        assert_eq!(
            content_type.as_ref().and_then(|value| value.to_str().ok()),
            Some("application/json"),
            "status {status}"
        );
        (status, value)
    }

    pub(crate) async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    pub(crate) async fn post(
        &self,
        uri: &str,
        content_type: &str,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .expect("request");
        self.send(request).await
    }

    pub(crate) async fn post_json(&self, uri: &str, body: &Value) -> (StatusCode, Value) {
        self.post(uri, "application/json", body.to_string()).await
    }

    pub(crate) async fn submit(&self, tx: &SignedTransaction) -> (StatusCode, Value) {
        self.post_json("/v1/tx", &json!({"tx": tx_hex(tx)})).await
    }
}

#[track_caller]
pub(crate) fn assert_error(answer: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["code"], code, "{}", answer.1);
    assert!(
        answer.1["message"]
            .as_str()
            .is_some_and(|message| !message.is_empty()),
        "{}",
        answer.1
    );
}

#[tokio::test]
async fn health_chain_and_status() {
    let harness = harness().await;
    assert_eq!(
        harness.get("/v1/health").await,
        (StatusCode::OK, json!({"ok": true}))
    );

    let (status, chain) = harness.get("/v1/chain").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(chain["chain_id"], CHAIN_ID);
    assert_eq!(
        chain["validators"],
        json!([validator().address().to_string()])
    );
    assert_eq!(chain["min_gas_price"], 1);

    let (status, node) = harness.get("/v1/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(node["height"], 1);
    assert_eq!(node["mempool_size"], 0);
    assert_eq!(node["committed_txs"], 0);
}

#[tokio::test]
async fn a_submitted_transfer_is_pending_then_committed_with_its_receipt() {
    let harness = harness().await;
    let tx = transfer(1, 0, &key(3).address(), 250);
    let (status, body) = harness.submit(&tx).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body, json!({"hash": tx.hash().to_string()}));

    let (status, pending) = harness.get(&format!("/v1/txs/{}", tx.hash())).await;
    assert_eq!(status, StatusCode::OK);
    let pending: TxRecordView = serde_json::from_value(pending).expect("a TxRecordView");
    assert_eq!(pending.status, TxStatus::Pending);
    assert_eq!(pending.tx.to_signed().expect("the same transaction"), tx);

    let block = harness.backend.commit_block().await;
    let (status, committed) = harness.get(&format!("/v1/txs/{}", tx.hash())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(committed["status"], "committed");
    assert_eq!(
        committed["location"],
        json!({"height": 2, "block_hash": block.hash().to_string(), "index": 0})
    );
    assert_eq!(
        committed["receipt"]["outcome"],
        json!({"status": "success"})
    );
    assert_eq!(committed["tx"]["decoded"]["amount"], "250");

    let (_, account) = harness
        .get(&format!("/v1/accounts/{}", key(3).address()))
        .await;
    assert_eq!(account["balance"], "250");
    assert_eq!(account["nonce"], 0);
    let (_, sender) = harness
        .get(&format!("/v1/accounts/{}", key(1).address()))
        .await;
    assert_eq!(sender["nonce"], 1);
}

#[tokio::test]
async fn raw_bytes_are_accepted_with_octet_stream() {
    let harness = harness().await;
    let tx = transfer(1, 0, &key(3).address(), 1);
    let (status, body) = harness
        .post("/v1/tx", "application/octet-stream", tx.encode_to_vec())
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["hash"], tx.hash().to_string());
}

#[tokio::test]
async fn a_batch_answers_one_result_per_transaction_in_order() {
    let harness = harness().await;
    let to = key(3).address();
    let good = [
        transfer(1, 0, &to, 1),
        transfer(1, 1, &to, 1),
        transfer(2, 0, &to, 1),
    ];
    let forged = transfer_on(CHAIN_ID, 2, 1, &to, 1);
    let mut forged_bytes = forged.encode_to_vec();
    let last = forged_bytes.len() - 1;
    forged_bytes[last] ^= 1;
    let body = json!({"txs": [
        tx_hex(&good[0]),
        "not hex",
        tx_hex(&good[1]),
        "00ff",
        hex::encode(&forged_bytes),
        tx_hex(&good[0]),
        tx_hex(&good[2]),
    ]});
    let (status, answer) = harness.post_json("/v1/txs", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().expect("results");
    assert_eq!(results.len(), 7);
    assert_eq!(results[0], json!({"hash": good[0].hash().to_string()}));
    assert_eq!(results[1]["error"]["code"], "BAD_HEX");
    assert_eq!(results[2], json!({"hash": good[1].hash().to_string()}));
    assert_eq!(results[3]["error"]["code"], "MALFORMED_TX");
    assert_eq!(results[4]["error"]["code"], "BAD_SIGNATURE");
    assert_eq!(results[5]["error"]["code"], "DUPLICATE_TX");
    assert_eq!(results[6], json!({"hash": good[2].hash().to_string()}));

    let block = harness.backend.commit_block().await;
    assert_eq!(block.txs().len(), 3);
}

#[tokio::test]
async fn batches_must_hold_one_to_max_batch_transactions() {
    let limits = ApiLimits {
        max_batch: 2,
        ..ApiLimits::DEFAULT
    };
    let harness = harness_with(limits, 1_000).await;
    assert_error(
        &harness.post_json("/v1/txs", &json!({"txs": []})).await,
        StatusCode::BAD_REQUEST,
        "EMPTY_BATCH",
    );
    let to = key(3).address();
    let txs: Vec<String> = (0..3)
        .map(|nonce| tx_hex(&transfer(1, nonce, &to, 1)))
        .collect();
    let answer = harness.post_json("/v1/txs", &json!({"txs": txs})).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "BATCH_TOO_LARGE");
    assert_eq!(answer.1["details"], json!({"got": 3, "max": 2}));
}

#[tokio::test]
async fn malformed_json_gets_our_error_shape() {
    let harness = harness().await;
    for uri in ["/v1/tx", "/v1/txs"] {
        assert_error(
            &harness.post(uri, "application/json", "{not json").await,
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        );
        assert_error(
            &harness.post_json(uri, &json!({"wrong": 1})).await,
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        );
    }
    assert_error(
        &harness.post("/v1/tx", "text/plain", "hello").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
    );
    assert_error(
        &harness.post("/v1/txs", "text/plain", "{}").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
    );
}

#[tokio::test]
async fn bad_hex_and_undecodable_transactions_are_refused() {
    let harness = harness().await;
    assert_error(
        &harness.post_json("/v1/tx", &json!({"tx": "xyz"})).await,
        StatusCode::BAD_REQUEST,
        "BAD_HEX",
    );
    assert_error(
        &harness.post_json("/v1/tx", &json!({"tx": "ABCD"})).await,
        StatusCode::BAD_REQUEST,
        "BAD_HEX",
    );
    assert_error(
        &harness.post_json("/v1/tx", &json!({"tx": "0102"})).await,
        StatusCode::BAD_REQUEST,
        "MALFORMED_TX",
    );
    let mut extended = transfer(1, 0, &key(3).address(), 1).encode_to_vec();
    extended.push(0);
    assert_error(
        &harness
            .post("/v1/tx", "application/octet-stream", extended)
            .await,
        StatusCode::BAD_REQUEST,
        "MALFORMED_TX",
    );
}

#[tokio::test]
async fn invalid_transactions_are_refused_with_the_node_code() {
    let harness = harness().await;
    let to = key(3).address();

    let msg = BankMsg::Transfer {
        to: to.clone(),
        amount: 1,
    };
    let forged = Transaction::new(
        CHAIN_ID,
        key(1).address(),
        0,
        100_000,
        1,
        Bank::ID,
        msg.encode().to_vec(),
    )
    .expect("valid")
    .sign(&key(2));
    assert_error(
        &harness.submit(&forged).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "BAD_SIGNATURE",
    );

    let other_chain = transfer_on("other-chain", 1, 0, &to, 1);
    let answer = harness.submit(&other_chain).await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "WRONG_CHAIN_ID");
    assert_eq!(
        answer.1["details"],
        json!({"expected": CHAIN_ID, "got": "other-chain"})
    );

    let unknown = Transaction::new(
        CHAIN_ID,
        key(1).address(),
        0,
        100_000,
        1,
        ModuleId::new(200),
        vec![],
    )
    .expect("valid")
    .sign(&key(1));
    assert_error(
        &harness.submit(&unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "UNKNOWN_MODULE",
    );

    let poor = transfer(7, 0, &to, 1);
    assert_error(
        &harness.submit(&poor).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "CANNOT_PAY_FEE",
    );
}

#[tokio::test]
async fn replayed_nonces_and_duplicates_are_refused() {
    let harness = harness().await;
    let tx = transfer(1, 0, &key(3).address(), 1);
    assert_eq!(harness.submit(&tx).await.0, StatusCode::ACCEPTED);
    let duplicate = harness.submit(&tx).await;
    assert_error(&duplicate, StatusCode::CONFLICT, "DUPLICATE_TX");
    harness.backend.commit_block().await;

    let replay = harness.submit(&tx).await;
    assert_error(&replay, StatusCode::UNPROCESSABLE_ENTITY, "NONCE_TOO_LOW");
    assert_eq!(replay.1["details"], json!({"expected": 1, "got": 0}));

    let gap = harness.submit(&transfer(1, 5, &key(3).address(), 1)).await;
    assert_error(&gap, StatusCode::UNPROCESSABLE_ENTITY, "NONCE_GAP");
}

#[tokio::test]
async fn a_full_mempool_answers_503() {
    let harness = harness_with(ApiLimits::DEFAULT, 1).await;
    assert_eq!(
        harness
            .submit(&transfer(1, 0, &key(3).address(), 1))
            .await
            .0,
        StatusCode::ACCEPTED
    );
    let answer = harness.submit(&transfer(2, 0, &key(3).address(), 1)).await;
    assert_error(&answer, StatusCode::SERVICE_UNAVAILABLE, "MEMPOOL_FULL");
}

#[tokio::test]
async fn oversized_bodies_get_413_with_our_json() {
    let harness = harness().await;
    let too_big = vec![b'a'; ApiLimits::DEFAULT.max_tx_body_bytes + 1];
    assert_error(
        &harness
            .post("/v1/tx", "application/octet-stream", too_big.clone())
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
    );
    let json_body = format!(
        "{{\"tx\":\"{}\"}}",
        String::from_utf8(too_big).expect("ascii")
    );
    assert_error(
        &harness.post("/v1/tx", "application/json", json_body).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
    );

    let batch = format!(
        "{{\"txs\":[\"{}\"]}}",
        "a".repeat(ApiLimits::DEFAULT.max_batch_body_bytes)
    );
    assert_error(
        &harness.post("/v1/txs", "application/json", batch).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
    );
}

#[tokio::test]
async fn the_largest_transaction_fits_the_single_submission_limit() {
    let harness = harness().await;
    let payload = vec![0; ailedger_core::MAX_PAYLOAD_LEN];
    let tx = Transaction::new(CHAIN_ID, key(1).address(), 0, 100_000, 1, Bank::ID, payload)
        .expect("valid")
        .sign(&key(1));
    // The body is within the limit; the node then refuses the message itself.
    let answer = harness.submit(&tx).await;
    assert_ne!(answer.0, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.1);
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let harness = harness().await;
    let answer = harness.get("/v1/nope").await;
    assert_error(&answer, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert!(
        answer.1["message"]
            .as_str()
            .is_some_and(|message| message.contains("/v1/nope"))
    );
    assert_error(&harness.get("/").await, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_error(
        &harness.get("/v1/tx").await,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
    );
    assert_error(
        &harness.post_json("/v1/status", &json!({})).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
    );
}

#[tokio::test]
async fn unknown_blocks_and_transactions_are_404() {
    let harness = harness().await;
    let missing = ailedger_core::sha256(&[b"missing"]);
    assert_error(
        &harness.get(&format!("/v1/txs/{missing}")).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    );
    assert_error(
        &harness.get(&format!("/v1/blocks/{missing}")).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    );
    assert_error(
        &harness.get("/v1/blocks/999").await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    );
    assert_error(
        &harness.get("/v1/blocks/999/receipts").await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    );
    assert_error(
        &harness.get("/v1/txs/1234").await,
        StatusCode::BAD_REQUEST,
        "BAD_HEX",
    );
    for bad in ["-1", "+1", "tip", "0x00", "18446744073709551616"] {
        assert_error(
            &harness.get(&format!("/v1/blocks/{bad}")).await,
            StatusCode::BAD_REQUEST,
            "BAD_BLOCK_ID",
        );
    }
    assert_error(
        &harness.get("/v1/blocks/latest/receipts").await,
        StatusCode::BAD_REQUEST,
        "BAD_BLOCK_ID",
    );
}

#[tokio::test]
async fn blocks_by_height_hash_and_latest_with_and_without_transactions() {
    let harness = harness().await;
    let to = key(3).address();
    let txs = [transfer(1, 0, &to, 5), transfer(2, 0, &to, 6)];
    for tx in &txs {
        assert_eq!(harness.submit(tx).await.0, StatusCode::ACCEPTED);
    }
    let block = harness.backend.commit_block().await;

    let (status, latest) = harness.get("/v1/blocks/latest").await;
    assert_eq!(status, StatusCode::OK);
    let latest: BlockView = serde_json::from_value(latest).expect("a BlockView");
    assert_eq!(latest.hash, block.hash());
    assert_eq!(latest.header.to_header().hash(), block.hash());
    assert_eq!(latest.tx_hashes, vec![txs[0].hash(), txs[1].hash()]);
    assert_eq!(latest.txs, None);

    let (_, by_height) = harness.get("/v1/blocks/2?txs=true").await;
    let by_height: BlockView = serde_json::from_value(by_height).expect("a BlockView");
    let full = by_height.txs.expect("full transactions asked for");
    assert_eq!(full.len(), 2);
    assert_eq!(full[1].to_signed().expect("valid"), txs[1]);

    let (_, by_hash) = harness.get(&format!("/v1/blocks/{}", block.hash())).await;
    assert_eq!(by_hash["header"]["height"], 2);
    let (_, latest_by_id) = harness.get("/v1/blocks/latest?txs=false").await;
    assert_eq!(latest_by_id["hash"], block.hash().to_string());
    let (_, genesis) = harness.get("/v1/blocks/0").await;
    assert_eq!(
        genesis["hash"],
        harness.get("/v1/chain").await.1["genesis_block"]
    );

    let (status, receipts) = harness.get("/v1/blocks/2/receipts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(receipts["height"], 2);
    assert_eq!(
        receipts["receipts"][1]["tx_hash"],
        txs[1].hash().to_string()
    );
    assert_eq!(receipts["receipts"][1]["outcome"]["status"], "success");

    assert_error(
        &harness.get("/v1/blocks/2?txs=maybe").await,
        StatusCode::BAD_REQUEST,
        "BAD_QUERY",
    );
}

#[tokio::test]
async fn accounts_existing_and_never_used() {
    let harness = harness().await;
    let (status, rich) = harness
        .get(&format!("/v1/accounts/{}", key(1).address()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let rich: AccountView = serde_json::from_value(rich).expect("an AccountView");
    assert_eq!(
        (rich.balance, rich.nonce, rich.exists, rich.height),
        (RICH, 0, true, 1)
    );
    assert_eq!(rich.proof, FAKE_PROOF);

    let (status, nobody) = harness
        .get(&format!("/v1/accounts/{}", key(42).address()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nobody["balance"], "0");
    assert_eq!(nobody["nonce"], 0);
    assert_eq!(nobody["exists"], false);

    assert_error(
        &harness.get("/v1/accounts/nothex").await,
        StatusCode::BAD_REQUEST,
        "BAD_ADDRESS",
    );
    assert_error(
        &harness.get("/v1/accounts/abcd").await,
        StatusCode::BAD_REQUEST,
        "BAD_ADDRESS",
    );
}

#[tokio::test]
async fn account_transactions_page_by_nonce_and_cap_the_limit() {
    let harness = harness().await;
    let to = key(3).address();
    let txs: Vec<_> = (0..4).map(|nonce| transfer(1, nonce, &to, 1)).collect();
    for tx in &txs {
        assert_eq!(harness.submit(tx).await.0, StatusCode::ACCEPTED);
    }
    harness.backend.commit_block().await;
    let address = key(1).address();

    let (status, page) = harness
        .get(&format!("/v1/accounts/{address}/txs?from_nonce=1&limit=2"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["from_nonce"], 1);
    assert_eq!(page["limit"], 2);
    let nonces: Vec<&Value> = page["txs"]
        .as_array()
        .expect("txs")
        .iter()
        .map(|tx| &tx["tx"]["nonce"])
        .collect();
    assert_eq!(nonces, vec![&json!(1), &json!(2)]);

    let (_, all) = harness.get(&format!("/v1/accounts/{address}/txs")).await;
    assert_eq!(all["limit"], 100);
    assert_eq!(all["txs"].as_array().map(Vec::len), Some(4));
    let (_, capped) = harness
        .get(&format!("/v1/accounts/{address}/txs?limit=5000"))
        .await;
    assert_eq!(capped["limit"], 1000);

    assert_error(
        &harness
            .get(&format!("/v1/accounts/{address}/txs?limit=abc"))
            .await,
        StatusCode::BAD_REQUEST,
        "BAD_QUERY",
    );
}

#[tokio::test]
async fn state_values_by_module_key_and_by_state_key() {
    let harness = harness().await;
    let address = key(1).address();
    let raw_key = hex::encode(state_key::account(&address));
    let (status, value) = harness
        .get(&format!("/v1/state/{}/{raw_key}", Bank::NAME))
        .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    let value: StateValueView = serde_json::from_value(value).expect("a StateValueView");
    assert_eq!(value.key, account_key(&address));
    let bytes = value.value.clone().expect("the account exists");
    let account = Account::decode_cfg(Copying(bytes.as_slice()), &()).expect("an account");
    assert_eq!(account.balance, RICH);
    assert_eq!(value.proof, FAKE_PROOF);

    let (status, by_key) = harness
        .get(&format!("/v1/state/keys/{}", account_key(&address)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<StateValueView>(by_key).expect("a StateValueView"),
        value
    );

    let (_, absent) = harness
        .get(&format!(
            "/v1/state/keys/{}",
            ailedger_core::sha256(&[b"no such key"])
        ))
        .await;
    assert_eq!(absent["value"], Value::Null);

    assert_error(
        &harness.get(&format!("/v1/state/nope/{raw_key}")).await,
        StatusCode::NOT_FOUND,
        "UNKNOWN_MODULE",
    );
    assert_error(
        &harness.get("/v1/state/bank/zz").await,
        StatusCode::BAD_REQUEST,
        "BAD_HEX",
    );
    assert_error(
        &harness.get("/v1/state/keys/00").await,
        StatusCode::BAD_REQUEST,
        "BAD_HEX",
    );
}

#[tokio::test]
async fn backend_failures_are_500_with_a_generic_message() {
    let harness = harness().await;
    harness.backend.break_storage().await;
    let answer = harness.get("/v1/status").await;
    assert_error(&answer, StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL");
    assert!(
        !answer.1.to_string().contains("storage failed"),
        "{}",
        answer.1
    );
}

/// The document's operations, as `(method, path)`.
fn documented_operations(document: &Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            operations.push((method.clone(), path.clone()));
        }
    }
    operations.sort();
    operations
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document() {
    let harness = harness().await;
    let (status, document) = harness.get("/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3."))
    );

    let mut routes: Vec<(String, String)> = ROUTES
        .iter()
        .map(|route| {
            let method = match route.verb {
                Verb::Get => "get",
                Verb::Post => "post",
            };
            (method.to_owned(), route.path.to_owned())
        })
        .collect();
    routes.sort();
    assert_eq!(documented_operations(&document), routes);

    // Every documented operation is served: the router answers it with something other than
    // its "no route" and "wrong method" fallbacks.
    for (method, path) in &routes {
        let uri = path
            .replace("{hash}", &"00".repeat(32))
            .replace("{address}", &key(1).address().to_string())
            .replace("{id}", "1")
            .replace("{height}", "1")
            .replace("{module}", "bank")
            .replace("{raw_key}", "00")
            .replace("{key}", &"00".repeat(32))
            .replace("{root}", &"00".repeat(32))
            .replace("{name}", "acme%2Fmodel")
            .replace("{epoch}", "0");
        let request = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .expect("request");
        let (status, body) = harness.send(request).await;
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}: {body}"
        );
        assert!(
            !(status == StatusCode::NOT_FOUND
                && body["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("no route"))),
            "{method} {uri} is documented but not routed"
        );
    }

    // Every schema a route refers to is in the document.
    let text = document.to_string();
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().expect("a name");
        assert!(
            schemas.contains_key(name),
            "schema {name} is referred to but missing"
        );
    }
    for name in [
        "TxView",
        "ReceiptView",
        "OutcomeView",
        "HeaderView",
        "DecodedMsg",
        "ErrorBody",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
}

/// The typed client against the served API, over a loopback socket: the two crates agree on
/// every route and shape.
#[tokio::test]
async fn the_client_understands_every_answer() {
    use ailedger_client::{BlockRef, Client, ClientError, VerificationError};
    use std::time::Duration;

    let backend = TestBackend::new(&[(key(1).address(), RICH)], 1_000).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::serve(
        listener,
        backend.clone(),
        ApiLimits::DEFAULT,
        async {
            let _ = stopped.await;
        },
    ));
    let client = Client::new(&url).expect("valid url");

    assert!(client.health().await.expect("health").ok);
    assert_eq!(client.chain().await.expect("chain").chain_id, CHAIN_ID);
    assert_eq!(client.status().await.expect("status").height, 1);
    assert!(client.openapi().await.expect("document")["paths"]["/v1/tx"].is_object());

    let to = key(3).address();
    let first = transfer(1, 0, &to, 10);
    assert_eq!(client.submit(&first).await.expect("admitted"), first.hash());
    let batch = [transfer(1, 1, &to, 20), transfer(1, 1, &to, 30)];
    let results = client.submit_batch(&batch).await.expect("answered");
    assert_eq!(results[0], Ok(batch[0].hash()));
    assert!(
        matches!(&results[1], Err(error) if error.code == "NONCE_TOO_LOW"),
        "{results:?}"
    );
    let refused = client.submit(&first).await.expect_err("duplicate");
    assert_eq!(refused.code(), Some("DUPLICATE_TX"));

    let committer = backend.clone();
    let commit = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        committer.commit_block().await
    });
    let record = client
        .wait_for_tx(&first.hash(), Duration::from_secs(10))
        .await
        .expect("committed");
    let block = commit.await.expect("committed a block");
    assert_eq!(
        record.location.map(|location| location.block_hash),
        Some(block.hash())
    );
    let timeout = client
        .wait_for_tx(
            &ailedger_core::sha256(&[b"never"]),
            Duration::from_millis(250),
        )
        .await;
    assert!(
        matches!(timeout, Err(ClientError::Timeout { .. })),
        "{timeout:?}"
    );

    assert_eq!(client.account(&to).await.expect("account").balance, 30);
    assert_eq!(
        client
            .account_txs(&key(1).address(), 0, 10)
            .await
            .expect("txs")
            .txs
            .len(),
        2
    );
    let latest = client.block(BlockRef::Latest, true).await.expect("block");
    assert_eq!(latest.hash, block.hash());
    assert_eq!(
        client
            .block(BlockRef::Hash(block.hash()), false)
            .await
            .expect("block")
            .header
            .height,
        2
    );
    assert_eq!(
        client
            .block_receipts(2)
            .await
            .expect("receipts")
            .receipts
            .len(),
        2
    );
    let value = client.state_by_key(&account_key(&to)).await.expect("state");
    assert_eq!(
        client
            .state(Bank::NAME, &state_key::account(&to))
            .await
            .expect("state"),
        value
    );
    let missing = client
        .block(BlockRef::Height(99), false)
        .await
        .expect_err("no such block");
    assert!(missing.is_not_found(), "{missing:?}");

    // The test backend's proofs are placeholders, so verification gets as far as the proof
    // itself: key, height, header hash and state root all check out first.
    let verified = client
        .verified_account(&to)
        .await
        .expect_err("placeholder proof");
    assert!(
        matches!(
            verified,
            ClientError::Verification(VerificationError::Proof(_))
        ),
        "{verified:?}"
    );

    let _ = stop.send(());
    server.await.expect("server task").expect("server");
}
