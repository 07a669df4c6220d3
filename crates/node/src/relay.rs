//! Transactions submitted to a full node reach the validators.
//!
//! A full node never proposes, so a transaction it admits would otherwise wait in its mempool
//! for ever. It sends every transaction it admits to the current epoch's validators over a p2p
//! channel of its own; a validator admits what arrives exactly as if it had been submitted to
//! its API (signature, chain id, fee and nonce are all checked again), so a relaying peer is
//! trusted with nothing. The full node keeps its copy until a finalized block includes it,
//! which is also how it learns of the inclusion. Whether this node is a validator changes with
//! the epoch, so every node runs both sides and the sending side asks the current role.

use crate::{epochs::Role, service::NodeHandle};
use ::tokio::sync::watch;
use ailedger_core::SignedTransaction;
use commonware_codec::{Decode, Encode, EncodeSize, RangeCfg};
use commonware_cryptography::ed25519;
use commonware_p2p::{
    Receiver as _, Recipients, Sender as _,
    authenticated::lookup::{Receiver, Sender},
};
use commonware_runtime::tokio;
use std::sync::Mutex;
use tracing::{debug, warn};

/// Most bytes of one relayed message: one transaction (a message of at most 1 MiB plus its
/// envelope) always fits, and a batch is split into messages of at most this size.
pub(crate) const MAX_RELAY_BYTES: usize = 4 * ailedger_core::MAX_PAYLOAD_LEN;

/// Most transactions in one relayed message.
const MAX_RELAY_TXS: usize = 4_096;

/// The full node's side: sends admitted transactions to the validators.
pub(crate) struct Relay {
    sender: Mutex<Sender<ed25519::PublicKey, tokio::Context>>,
    role: watch::Receiver<Role>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("role", &*self.role.borrow())
            .finish_non_exhaustive()
    }
}

impl Relay {
    pub(crate) fn new(
        sender: Sender<ed25519::PublicKey, tokio::Context>,
        role: watch::Receiver<Role>,
    ) -> Self {
        Self {
            sender: Mutex::new(sender),
            role,
        }
    }

    /// Sends `txs` to every validator of the current epoch unless this node is one of them
    /// (it proposes them itself); validators offline miss them (the submitter can resubmit).
    pub(crate) fn send(&self, txs: &[SignedTransaction]) {
        let validators = {
            let role = self.role.borrow();
            if role.is_validator {
                return;
            }
            role.validators.to_vec()
        };
        let mut sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        for chunk in chunks(txs) {
            let reached = sender.send(Recipients::Some(validators.clone()), chunk.encode(), false);
            debug!(target: "ailedger::relay", txs = chunk.len(), validators = reached.len(), "relayed");
        }
    }
}

/// Splits `txs` into messages within [`MAX_RELAY_BYTES`] and [`MAX_RELAY_TXS`].
fn chunks(txs: &[SignedTransaction]) -> Vec<Vec<SignedTransaction>> {
    let mut chunks = Vec::new();
    let mut current: Vec<SignedTransaction> = Vec::new();
    // The length prefix of a vector takes at most 5 bytes.
    let mut size = 5;
    for tx in txs {
        let tx_size = tx.encode_size();
        if !current.is_empty()
            && (size + tx_size > MAX_RELAY_BYTES || current.len() == MAX_RELAY_TXS)
        {
            chunks.push(std::mem::take(&mut current));
            size = 5;
        }
        size += tx_size;
        current.push(tx.clone());
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// The validator's side: admits what full nodes relay, until the network stops. A node admits
/// relayed transactions whatever its role: one that is not a validator now may be one in the
/// next epoch, and admission checks everything anyway.
pub(crate) async fn admit_relayed(mut receiver: Receiver<ed25519::PublicKey>, node: NodeHandle) {
    while let Ok((peer, message)) = receiver.recv().await {
        let txs = match Vec::<SignedTransaction>::decode_cfg(
            message,
            &(RangeCfg::new(0..=MAX_RELAY_TXS), ()),
        ) {
            Ok(txs) => txs,
            Err(error) => {
                warn!(target: "ailedger::relay", %peer, %error, "undecodable relayed transactions");
                continue;
            }
        };
        let count = txs.len();
        let admitted = node
            .admit(txs)
            .await
            .into_iter()
            .filter(Result::is_ok)
            .count();
        debug!(target: "ailedger::relay", %peer, count, admitted, "admitted relayed transactions");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{ModuleId, SecretKey, Transaction};

    fn tx(nonce: u64, payload: usize) -> SignedTransaction {
        let key = SecretKey::from_seed(1);
        Transaction::new(
            "relay",
            key.address(),
            nonce,
            1,
            1,
            ModuleId::new(1),
            vec![0; payload],
        )
        .expect("transaction")
        .sign(&key)
    }

    #[test]
    fn chunks_stay_within_bounds_and_keep_order() {
        let big = ailedger_core::MAX_PAYLOAD_LEN;
        let txs: Vec<_> = (0..10).map(|nonce| tx(nonce, big)).collect();
        let split = chunks(&txs);
        assert!(split.len() >= 3, "{} chunks", split.len());
        for chunk in &split {
            assert!(chunk.encode_size() <= MAX_RELAY_BYTES);
            let decoded = Vec::<SignedTransaction>::decode_cfg(
                chunk.encode(),
                &(RangeCfg::new(0..=MAX_RELAY_TXS), ()),
            )
            .expect("decodes");
            assert_eq!(&decoded, chunk);
        }
        assert_eq!(split.concat(), txs);

        let small: Vec<_> = (0..(MAX_RELAY_TXS as u64 + 1)).map(|n| tx(n, 8)).collect();
        let split = chunks(&small);
        assert_eq!(
            split.iter().map(Vec::len).collect::<Vec<_>>(),
            [MAX_RELAY_TXS, 1]
        );
        assert!(chunks(&[]).is_empty());
    }
}
