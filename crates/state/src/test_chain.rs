//! An in-memory chain with the real executor, shared by the modules' tests: funded accounts
//! `0..10`, the validator `99`, one block per call, nonces kept per sender.

use crate::{
    BlockContext, BlockOutput, ChainParams, Executor, Genesis, MemStore, Module,
    executor::CheckError,
    provenance::{FileDigest, Provenance, ProvenanceMsg, VersionSpec, version_id},
};
use ailedger_core::{
    ChainId, Hash, ModuleId, Outcome, Receipt, SecretKey, SignedTransaction, Transaction, ZERO_HASH,
};
use commonware_codec::Encode;
use futures::executor::block_on;
use std::collections::BTreeMap;

/// The chain id.
pub(crate) const CHAIN: &str = "ailedger-test";

/// The chain.
pub(crate) struct TestChain {
    pub(crate) store: MemStore,
    pub(crate) height: u64,
    pub(crate) nonces: BTreeMap<u64, u64>,
    key: fn(u64) -> SecretKey,
    gas_limit: u64,
}

impl TestChain {
    /// A chain whose account `i` is `key(i)`, each transaction with `gas_limit`.
    pub(crate) fn new(key: fn(u64) -> SecretKey, gas_limit: u64) -> Self {
        let genesis = Genesis {
            staking: None,
            chain_id: ChainId::new(CHAIN).expect("valid"),
            genesis_time_ms: 1,
            params: ChainParams::DEFAULT,
            validators: vec![key(99).address()],
            balances: (0..10)
                .map(|i| (key(i).address(), u128::MAX / 64))
                .collect(),
        };
        let mut chain = Self {
            store: MemStore::new(),
            height: 1,
            nonces: BTreeMap::new(),
            key,
            gas_limit,
        };
        let output = block_on(Executor::new().execute_block(
            &chain.store,
            &chain.ctx(1),
            Some(&genesis),
            &[],
        ))
        .expect("genesis");
        chain.store.apply(output.writes);
        chain
    }

    /// The block context of `height`, proposed by account 99.
    pub(crate) fn ctx(&self, height: u64) -> BlockContext {
        BlockContext {
            chain_id: CHAIN.into(),
            height,
            timestamp_ms: 1_700_000_000_000 + 1_000 * height,
            proposer: (self.key)(99).address(),
            parent: ZERO_HASH,
        }
    }

    fn signed(
        &self,
        from: u64,
        nonce: u64,
        module: ModuleId,
        payload: Vec<u8>,
    ) -> SignedTransaction {
        let key = (self.key)(from);
        Transaction::new(
            CHAIN,
            key.address(),
            nonce,
            self.gas_limit,
            1,
            module,
            payload,
        )
        .expect("valid")
        .sign(&key)
    }

    /// A transaction of `from` with its next nonce.
    pub(crate) fn tx(
        &mut self,
        from: u64,
        module: ModuleId,
        payload: Vec<u8>,
    ) -> SignedTransaction {
        let nonce = self.nonces.get(&from).copied().unwrap_or(0);
        let tx = self.signed(from, nonce, module, payload);
        self.nonces.insert(from, nonce + 1);
        tx
    }

    /// Executes `txs` as the next block and applies its writes.
    pub(crate) fn execute(&mut self, txs: &[SignedTransaction]) -> BlockOutput {
        let height = self.height + 1;
        let output =
            block_on(Executor::new().execute_block(&self.store, &self.ctx(height), None, txs))
                .expect("valid block");
        self.store.apply(output.writes.clone());
        self.height = height;
        output
    }

    /// One transaction in a block of its own: its receipt and the block.
    pub(crate) fn send(
        &mut self,
        from: u64,
        module: ModuleId,
        payload: Vec<u8>,
    ) -> (Receipt, BlockOutput) {
        let tx = self.tx(from, module, payload);
        let mut output = self.execute(&[tx]);
        (output.receipts.remove(0), output)
    }

    /// One transaction that must succeed.
    pub(crate) fn succeed(&mut self, from: u64, module: ModuleId, payload: Vec<u8>) -> Receipt {
        let (receipt, _) = self.send(from, module, payload);
        assert_eq!(receipt.outcome, Outcome::Success, "{receipt:?}");
        receipt
    }

    /// The stateless and admission checks of `from`'s next transaction.
    pub(crate) fn check(
        &self,
        from: u64,
        module: ModuleId,
        payload: Vec<u8>,
    ) -> Result<(), CheckError> {
        let nonce = self.nonces.get(&from).copied().unwrap_or(0);
        let tx = self.signed(from, nonce, module, payload);
        block_on(Executor::new().check_tx(&self.store, CHAIN, &tx, 0))
    }

    /// Model `name` owned by account 1 with version `label` (the model registered if new).
    pub(crate) fn version(&mut self, name: &str, label: &str) -> Hash {
        if block_on(crate::provenance::query::model(&self.store, name))
            .expect("read")
            .value
            .is_none()
        {
            let msg = ProvenanceMsg::RegisterModel { name: name.into() };
            self.succeed(1, Provenance::ID, msg.encode().to_vec());
        }
        let msg = ProvenanceMsg::RegisterModelVersion(version_spec(name, label));
        self.succeed(1, Provenance::ID, msg.encode().to_vec());
        version_id(name, label)
    }
}

/// A version of `model` labelled `label`, one file, no parents, datasets or training.
pub(crate) fn version_spec(model: &str, label: &str) -> VersionSpec {
    VersionSpec {
        model: model.into(),
        version: label.into(),
        files: vec![FileDigest {
            path: "model.onnx".into(),
            sha256: ailedger_core::sha256(&[model.as_bytes(), label.as_bytes()]),
        }],
        tensor_root: ailedger_core::sha256(&[label.as_bytes()]),
        architecture: ailedger_core::sha256(&[b"arch"]),
        parents: vec![],
        datasets: vec![],
        training: None,
        licence: "apache-2.0".into(),
    }
}
