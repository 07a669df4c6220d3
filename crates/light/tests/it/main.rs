//! A light client that holds only the genesis document checks a real node's blocks and account
//! proofs; every way of lying to it is caught: another validator set, another block's
//! certificate, an altered header, altered or truncated certificate bytes, an altered value.

use ailedger_client::{BlockRef, Client, ClientError, dto::BlockView};
use ailedger_core::{SecretKey, ZERO_HASH};
use ailedger_light::{LightClient, LightError};
use ailedger_node::{
    Overrides,
    config::{Home, InitOptions, init, load},
};
use ailedger_state::Genesis;
use std::time::Duration;

struct Node {
    _dir: tempfile::TempDir,
    node: ailedger_node::RunningNode,
    runtime: tokio::runtime::Runtime,
    client: Client,
    genesis: Genesis,
}

fn start(funded: &SecretKey) -> Node {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = Home::new(dir.path());
    init(
        &home,
        &InitOptions {
            chain_id: "light".into(),
            balances: vec![(funded.address(), 10u128.pow(24))],
            api_listen: "127.0.0.1:0".parse().expect("addr"),
            p2p_listen: "127.0.0.1:0".parse().expect("addr"),
            block_interval: Duration::from_millis(20),
            force: false,
            staking: None,
        },
    )
    .expect("init");
    let genesis = load(&home).expect("home loads").genesis;
    let node = ailedger_node::start(&home, &Overrides::default()).expect("node starts");
    let client = Client::new(&format!("http://{}", node.api_addr)).expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        while client.status().await.map_or(0, |status| status.height) < 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    Node {
        _dir: dir,
        node,
        runtime,
        client,
        genesis,
    }
}

impl Node {
    fn block(&self, height: u64) -> BlockView {
        self.runtime
            .block_on(self.client.block(BlockRef::Height(height), false))
            .expect("block")
    }

    fn finalization(&self, height: u64) -> Vec<u8> {
        self.runtime
            .block_on(self.client.finalization(height))
            .expect("finalization")
            .finalization
    }
}

#[test]
fn headers_and_proofs_are_trusted_only_under_a_quorum_of_the_validators() {
    let funded = SecretKey::from_seed(11);
    let node = start(&funded);
    let mut light = LightClient::from_genesis(&node.genesis).expect("genesis");

    let block = node.block(2);
    let finalization = node.finalization(2);
    let header = light
        .verify_header(&block, &finalization)
        .expect("finalized");
    assert_eq!((header.height, header.hash), (2, block.hash));
    assert_eq!(header.state_root, block.header.state_root);

    // An account proven under a finalized block.
    let value = node
        .runtime
        .block_on(node.client.state_by_key(&ailedger_state_key(&funded)))
        .expect("state value");
    let at = node.block(value.height);
    let certificate = node.finalization(value.height);
    let account = light
        .verify_account(&funded.address(), &value, &at, &certificate)
        .expect("verified");
    assert_eq!(account.balance, 10u128.pow(24));

    // Another validator set did not sign it.
    let strangers =
        LightClient::new(&[SecretKey::from_seed(99).address()], light.epochs()).expect("set");
    assert!(matches!(
        strangers.verify_header(&block, &finalization),
        Err(LightError::BadSignatures { epoch: 0 })
    ));
    // Another block's certificate.
    assert!(matches!(
        light.verify_header(&block, &node.finalization(3)),
        Err(LightError::OtherBlock { .. })
    ));
    // A header changed after the fact (here: its state root) no longer hashes to its id.
    let mut forged = block.clone();
    forged.header.state_root = ZERO_HASH;
    assert!(matches!(
        light.verify_header(&forged, &finalization),
        Err(LightError::HeaderMismatch { .. })
    ));
    // A forged header with its id recomputed: the certificate names the real id.
    forged.hash = forged.header.to_header().hash();
    assert!(matches!(
        light.verify_header(&forged, &finalization),
        Err(LightError::OtherBlock { .. })
    ));
    // Truncated, extended and altered certificate bytes.
    for cut in [0, 1, finalization.len() / 2, finalization.len() - 1] {
        assert!(
            light.verify_header(&block, &finalization[..cut]).is_err(),
            "truncated to {cut}"
        );
    }
    let mut extended = finalization.clone();
    extended.push(0);
    assert!(light.verify_header(&block, &extended).is_err());
    for position in 0..finalization.len() {
        let mut altered = finalization.clone();
        altered[position] ^= 0x01;
        assert!(
            light.verify_header(&block, &altered).is_err(),
            "flipped a bit of byte {position}"
        );
    }
    // A value changed under a genuine header.
    let mut lied = value;
    lied.value = Some(vec![0; 24]);
    assert!(matches!(
        light.verify_account(&funded.address(), &lied, &at, &certificate),
        Err(LightError::State(_))
    ));
    // The sets of later epochs come from the last block of epoch 0, which is far off.
    assert!(matches!(
        node.runtime.block_on(light.learn_sets_to(&node.client, 1)),
        Err(LightError::Node(ClientError::Api { status: 404, .. }))
    ));
    assert_eq!(light.highest_epoch(), 0);
    drop(node.node);
}

fn ailedger_state_key(key: &SecretKey) -> ailedger_state::StateKey {
    ailedger_state::bank::query::account_key(&key.address())
}
