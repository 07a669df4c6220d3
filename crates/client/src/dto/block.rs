//! Blocks, headers and receipts.

use super::TxView;
use crate::encoding::serde_with;
use ailedger_core::{Address, Block, Event, Hash, Header, Outcome, Receipt};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A block header: every field that the block id commits to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HeaderView {
    /// Height; the genesis block is 0.
    pub height: u64,
    /// Id of the parent block.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub parent: Hash,
    /// Proposer's time, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The proposing validator.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub proposer: Address,
    /// Consensus epoch.
    pub epoch: u64,
    /// Consensus view.
    pub view: u64,
    /// Consensus view of the parent.
    pub parent_view: u64,
    /// Number of transactions.
    pub tx_count: u32,
    /// Merkle root over the transactions.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub txs_root: Hash,
    /// Gas used by the block.
    pub gas_used: u64,
    /// Merkle root over the receipts.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub receipts_root: Hash,
    /// Root of the state after the block: state proofs verify against it.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// Root of the state's operation log after the block.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub ops_root: Hash,
    /// First operation a syncing node must fetch.
    pub ops_floor: u64,
    /// Operations in the state's log after the block.
    pub ops_size: u64,
    /// At the last block of an epoch, SHA-256 of the next epoch's validator set; zeros
    /// otherwise.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub next_validators: Hash,
}

impl From<&Header> for HeaderView {
    fn from(header: &Header) -> Self {
        Self {
            height: header.height,
            parent: header.parent,
            timestamp_ms: header.timestamp_ms,
            proposer: header.proposer.clone(),
            epoch: header.epoch,
            view: header.view,
            parent_view: header.parent_view,
            tx_count: header.tx_count,
            txs_root: header.txs_root,
            gas_used: header.gas_used,
            receipts_root: header.receipts_root,
            state_root: header.state_root,
            ops_root: header.ops_root,
            ops_floor: header.ops_floor,
            ops_size: header.ops_size,
            next_validators: header.next_validators,
        }
    }
}

impl HeaderView {
    /// The header, whose [`hash`](Header::hash) is the block id.
    pub fn to_header(&self) -> Header {
        Header {
            height: self.height,
            parent: self.parent,
            timestamp_ms: self.timestamp_ms,
            proposer: self.proposer.clone(),
            epoch: self.epoch,
            view: self.view,
            parent_view: self.parent_view,
            tx_count: self.tx_count,
            txs_root: self.txs_root,
            gas_used: self.gas_used,
            receipts_root: self.receipts_root,
            state_root: self.state_root,
            ops_root: self.ops_root,
            ops_floor: self.ops_floor,
            ops_size: self.ops_size,
            next_validators: self.next_validators,
        }
    }
}

/// A block: its id, header, transaction ids, and the full transactions when asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockView {
    /// The block id: SHA-256 of the header's encoding.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub hash: Hash,
    /// The header.
    pub header: HeaderView,
    /// Ids of the transactions, in execution order.
    #[serde(with = "serde_with::hashes")]
    #[schema(value_type = Vec<String>)]
    pub tx_hashes: Vec<Hash>,
    /// The transactions, in execution order, when asked for (`?txs=true`); `null` otherwise.
    pub txs: Option<Vec<TxView>>,
}

impl BlockView {
    /// Shows `block`, with its full transactions if `include_txs`.
    pub fn new(block: &Block, include_txs: bool) -> Self {
        Self {
            hash: block.hash(),
            header: block.header().into(),
            tx_hashes: block.txs().iter().map(|tx| tx.hash()).collect(),
            txs: include_txs.then(|| block.txs().iter().map(TxView::from).collect()),
        }
    }
}

/// Whether a transaction's message took effect: `{"status": "success"}` or
/// `{"status": "failed", "code": "...", "message": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OutcomeView {
    /// The message executed and its state changes were kept.
    Success,
    /// The message failed: the fee was paid and the nonce used, nothing else changed.
    Failed {
        /// Stable machine-readable error code, e.g. `INSUFFICIENT_FUNDS`.
        code: String,
        /// Human-readable explanation.
        message: String,
    },
}

impl From<&Outcome> for OutcomeView {
    fn from(outcome: &Outcome) -> Self {
        match outcome {
            Outcome::Success => Self::Success,
            Outcome::Failed { code, message } => Self::Failed {
                code: code.clone(),
                message: message.clone(),
            },
        }
    }
}

/// One attribute of an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttributeView {
    /// Name.
    pub key: String,
    /// Value.
    pub value: String,
}

/// Something a module reported while executing a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// The module that emitted it.
    pub module: String,
    /// What happened, e.g. `transfer`.
    pub kind: String,
    /// Ordered details.
    pub attributes: Vec<AttributeView>,
}

impl From<&Event> for EventView {
    fn from(event: &Event) -> Self {
        Self {
            module: event.module.clone(),
            kind: event.kind.clone(),
            attributes: event
                .attributes
                .iter()
                .map(|(key, value)| AttributeView {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
        }
    }
}

/// What executing one transaction did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptView {
    /// The transaction id.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub tx_hash: Hash,
    /// Gas charged.
    pub gas_used: u64,
    /// Fee paid, in the smallest token unit.
    #[serde(with = "serde_with::amount")]
    #[schema(value_type = String, example = "21000")]
    pub fee: u128,
    /// Success, or the error that undid the message.
    pub outcome: OutcomeView,
    /// Events emitted (none when the message failed).
    pub events: Vec<EventView>,
}

impl From<&Receipt> for ReceiptView {
    fn from(receipt: &Receipt) -> Self {
        Self {
            tx_hash: receipt.tx_hash,
            gas_used: receipt.gas_used,
            fee: receipt.fee,
            outcome: (&receipt.outcome).into(),
            events: receipt.events.iter().map(EventView::from).collect(),
        }
    }
}

/// The receipts of a block, in transaction order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockReceipts {
    /// Block height.
    pub height: u64,
    /// One receipt per transaction.
    pub receipts: Vec<ReceiptView>,
}

/// The certificate that finalized a block: what a light client checks against the validator
/// set instead of trusting the node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FinalizationView {
    /// Block height.
    pub height: u64,
    /// The consensus engine's encoding of the finalization (the proposal, whose payload is the
    /// block's id, and the validators' signatures), hex.
    #[serde(with = "serde_with::bytes")]
    #[schema(value_type = String)]
    pub finalization: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{ModuleId, SecretKey, Transaction, ZERO_HASH};
    use serde_json::json;

    fn header(height: u64) -> Header {
        Header {
            height,
            parent: ZERO_HASH,
            timestamp_ms: 1_700_000_000_000,
            proposer: SecretKey::from_seed(0).address(),
            epoch: 1,
            view: 9,
            parent_view: 8,
            tx_count: 0,
            txs_root: ZERO_HASH,
            gas_used: 10,
            receipts_root: ZERO_HASH,
            state_root: ailedger_core::sha256(&[b"state"]),
            ops_root: ZERO_HASH,
            ops_floor: 2,
            ops_size: 3,
            next_validators: ailedger_core::ZERO_HASH,
        }
    }

    fn block() -> Block {
        let key = SecretKey::from_seed(5);
        let txs = (0..2)
            .map(|nonce| {
                Transaction::new("c", key.address(), nonce, 1, 1, ModuleId::new(1), vec![1])
                    .expect("valid")
                    .sign(&key)
            })
            .collect();
        Block::new(header(4), txs)
    }

    #[test]
    fn header_view_round_trips_to_the_same_block_id() {
        let block = block();
        let view = HeaderView::from(block.header());
        let text = serde_json::to_string(&view).expect("serializes");
        let back: HeaderView = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back.to_header().hash(), block.hash());
    }

    #[test]
    fn block_view_lists_hashes_and_full_transactions_only_when_asked() {
        let block = block();
        let short = serde_json::to_value(BlockView::new(&block, false)).expect("serializes");
        assert_eq!(short["hash"], block.hash().to_string());
        assert_eq!(short["header"]["height"], 4);
        assert_eq!(short["header"]["tx_count"], 2);
        assert_eq!(
            short["header"]["state_root"],
            ailedger_core::sha256(&[b"state"]).to_string()
        );
        assert_eq!(
            short["tx_hashes"],
            json!([
                block.txs()[0].hash().to_string(),
                block.txs()[1].hash().to_string()
            ])
        );
        assert_eq!(short["txs"], json!(null));

        let full = BlockView::new(&block, true);
        let value = serde_json::to_value(&full).expect("serializes");
        assert_eq!(value["txs"][1]["nonce"], 1);
        assert_eq!(
            serde_json::from_value::<BlockView>(value).expect("deserializes"),
            full
        );
    }

    #[test]
    fn outcome_json_shapes() {
        assert_eq!(
            serde_json::to_value(OutcomeView::from(&Outcome::Success)).expect("serializes"),
            json!({"status": "success"})
        );
        let failed = Outcome::Failed {
            code: "INSUFFICIENT_FUNDS".into(),
            message: "insufficient funds".into(),
        };
        assert_eq!(
            serde_json::to_value(OutcomeView::from(&failed)).expect("serializes"),
            json!({"status": "failed", "code": "INSUFFICIENT_FUNDS", "message": "insufficient funds"})
        );
    }

    #[test]
    fn receipt_json_shape() {
        let receipt = Receipt {
            tx_hash: ZERO_HASH,
            gas_used: 21_000,
            fee: u128::MAX,
            outcome: Outcome::Success,
            events: vec![
                Event::new("bank", "transfer")
                    .with("amount", 5)
                    .with("to", "x"),
            ],
        };
        let value = serde_json::to_value(ReceiptView::from(&receipt)).expect("serializes");
        assert_eq!(
            value,
            json!({
                "tx_hash": "00".repeat(32),
                "gas_used": 21_000,
                "fee": u128::MAX.to_string(),
                "outcome": {"status": "success"},
                "events": [{
                    "module": "bank",
                    "kind": "transfer",
                    "attributes": [{"key": "amount", "value": "5"}, {"key": "to", "value": "x"}],
                }],
            })
        );
    }

    #[test]
    fn amounts_must_be_decimal_strings() {
        let mut value = serde_json::to_value(ReceiptView::from(&Receipt {
            tx_hash: ZERO_HASH,
            gas_used: 1,
            fee: 1,
            outcome: Outcome::Success,
            events: vec![],
        }))
        .expect("serializes");
        for bad in [json!(1), json!("+1"), json!("-1"), json!(""), json!("1e3")] {
            value["fee"] = bad.clone();
            assert!(
                serde_json::from_value::<ReceiptView>(value.clone()).is_err(),
                "{bad} accepted"
            );
        }
    }
}
