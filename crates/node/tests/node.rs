//! A single-validator node in-process: transfers are admitted, finalized, indexed and provable.
use ailedger_api::Backend;
use ailedger_core::{SecretKey, Transaction};
use ailedger_node::{
    Overrides,
    config::{Home, InitOptions, init},
};
use ailedger_state::{
    Module,
    bank::{Account, Bank, BankMsg},
};
use commonware_codec::{Copying, Decode, Encode};
use std::time::Duration;

#[test]
fn transfers_are_finalized_indexed_and_provable() {
    let dir = tempfile::tempdir().unwrap();
    let home = Home::new(dir.path());
    let alice = SecretKey::from_seed(1);
    let bob = SecretKey::from_seed(2);
    init(
        &home,
        &InitOptions {
            chain_id: "smoke".into(),
            balances: vec![(alice.address(), 10u128.pow(24))],
            api_listen: "127.0.0.1:0".parse().unwrap(),
            p2p_listen: "127.0.0.1:0".parse().unwrap(),
            block_interval: Duration::from_millis(50),
            force: false,
            staking: None,
        },
    )
    .unwrap();
    let node = ailedger_node::start(&home, &Overrides::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let handle = node.handle.clone();
        handle.wait_for_height(2).await;
        let txs: Vec<_> = (0..100)
            .map(|n| {
                let msg = BankMsg::Transfer {
                    to: bob.address(),
                    amount: 7,
                };
                Transaction::new(
                    "smoke",
                    alice.address(),
                    n,
                    100_000,
                    1,
                    Bank::ID,
                    msg.encode().to_vec(),
                )
                .unwrap()
                .sign(&alice)
            })
            .collect();
        let hashes = handle.submit(txs).await;
        assert!(hashes.iter().all(|h| h.is_ok()), "{hashes:?}");
        let last = *hashes.last().unwrap().as_ref().unwrap();
        loop {
            let record = handle.tx(last).await.unwrap().unwrap();
            if record.committed.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let value = handle
            .state(ailedger_state::bank::query::account_key(&bob.address()))
            .await
            .unwrap();
        let account = Account::decode_cfg(Copying(value.value.as_ref().unwrap()), &()).unwrap();
        assert_eq!(account.balance, 700);
        let header = handle
            .block(ailedger_api::BlockId::Height(value.height))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(header.header().state_root, value.state_root);
        ailedger_store::verify_state_proof(
            &value.key,
            value.value.as_deref(),
            &value.proof,
            &value.state_root,
        )
        .unwrap();
        let status = handle.status().await.unwrap();
        assert_eq!(status.committed_txs, 100);
        assert_eq!(status.mempool_size, 0);
    });
    node.stop();
}
