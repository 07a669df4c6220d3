//! Transactions: how they are shown, submitted and tracked.

use super::{ErrorBody, ReceiptView};
use crate::encoding::serde_with;
use ailedger_core::{
    Address, DecodeError, Hash, ModuleId, Receipt, SignedTransaction, Transaction, TxBuildError,
};
use ailedger_state::{
    Module,
    bank::{Bank, BankMsg},
    logs::Logs,
    provenance::{Provenance, ProvenanceMsg},
    registry,
};
use commonware_codec::Encode;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use utoipa::ToSchema;

/// A state-machine module, by routing id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModuleRef {
    /// The routing byte carried by the transaction.
    pub id: u8,
    /// The module's name, or `null` if this software does not know the id.
    pub name: Option<String>,
}

impl From<ModuleId> for ModuleRef {
    fn from(id: ModuleId) -> Self {
        Self {
            id: id.get(),
            name: registry::module_name(id).map(str::to_owned),
        }
    }
}

/// A module message decoded for reading. Only messages of modules this software knows are
/// decoded; the payload hex is always there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DecodedMsg {
    /// A `bank` transfer.
    BankTransfer {
        /// Recipient.
        #[serde(with = "serde_with::address")]
        #[schema(value_type = String)]
        to: Address,
        /// Amount in the smallest token unit.
        #[serde(with = "serde_with::amount")]
        #[schema(value_type = String, example = "1000")]
        amount: u128,
    },
    /// A `provenance` message: its kind and what it is about.
    Provenance {
        /// `register_dataset`, `register_model`, `register_model_version`,
        /// `deprecate_version`, `revoke_version` or `transfer_model`.
        kind: String,
        /// The dataset root, the model name, `model@version`, the version id, or
        /// `name -> new owner`.
        subject: String,
    },
    /// A `logs` message: its kind and the log's origin.
    Logs {
        /// `register_log`, `anchor` or `report_fork`.
        kind: String,
        /// The log's origin.
        origin: String,
    },
}

impl DecodedMsg {
    /// Decodes `payload` for `module`; `None` if the module is unknown or the payload is not one
    /// of its messages.
    pub fn decode(module: ModuleId, payload: &[u8]) -> Option<Self> {
        match module {
            Bank::ID => match Bank::decode(payload).ok()? {
                BankMsg::Transfer { to, amount } => Some(Self::BankTransfer { to, amount }),
            },
            Provenance::ID => {
                let msg = Provenance::decode(payload).ok()?;
                let subject = match &msg {
                    ProvenanceMsg::RegisterDataset(spec) => spec.id.to_string(),
                    ProvenanceMsg::RegisterModel { name } => name.clone(),
                    ProvenanceMsg::RegisterModelVersion(spec) => {
                        format!("{}@{}", spec.model, spec.version)
                    }
                    ProvenanceMsg::DeprecateVersion { id, .. }
                    | ProvenanceMsg::RevokeVersion { id, .. } => id.to_string(),
                    ProvenanceMsg::TransferModel { name, new_owner } => {
                        format!("{name} -> {new_owner}")
                    }
                };
                Some(Self::Provenance {
                    kind: msg.kind().to_owned(),
                    subject,
                })
            }
            Logs::ID => {
                let msg = Logs::decode(payload).ok()?;
                Some(Self::Logs {
                    kind: msg.kind().to_owned(),
                    origin: msg.origin().to_owned(),
                })
            }
            _ => None,
        }
    }
}

/// A signed transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TxView {
    /// The transaction id: SHA-256 of the unsigned transaction's encoding.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub hash: Hash,
    /// The chain the transaction is valid on.
    pub chain_id: String,
    /// The signer, who pays the fee.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub sender: Address,
    /// The sender's transaction count before this one.
    pub nonce: u64,
    /// The most gas the transaction may use.
    pub gas_limit: u64,
    /// Fee per unit of gas.
    pub gas_price: u64,
    /// The module the message is for.
    pub module: ModuleRef,
    /// The module message, in the module's canonical encoding.
    #[serde(with = "serde_with::bytes")]
    #[schema(value_type = String)]
    pub payload: Vec<u8>,
    /// The Ed25519 signature.
    #[serde(with = "serde_with::bytes")]
    #[schema(value_type = String)]
    pub signature: Vec<u8>,
    /// The message decoded, for known modules; `null` otherwise.
    pub decoded: Option<DecodedMsg>,
}

impl From<&SignedTransaction> for TxView {
    fn from(signed: &SignedTransaction) -> Self {
        let tx = signed.tx();
        Self {
            hash: signed.hash(),
            chain_id: tx.chain_id.to_string(),
            sender: tx.sender.clone(),
            nonce: tx.nonce,
            gas_limit: tx.gas_limit,
            gas_price: tx.gas_price,
            module: tx.module.into(),
            payload: tx.payload.to_vec(),
            signature: signed.signature().encode().to_vec(),
            decoded: DecodedMsg::decode(tx.module, &tx.payload),
        }
    }
}

/// Why a [`TxView`] does not describe a valid signed transaction.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TxViewError {
    /// A field is out of range (chain id, payload size).
    #[error(transparent)]
    Build(#[from] TxBuildError),
    /// The fields do not form a canonical encoding (a malformed signature).
    #[error("transaction does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The fields give a transaction whose id is not the `hash` shown.
    #[error("transaction id is {computed}, not the {claimed} shown")]
    HashMismatch {
        /// The id shown.
        claimed: Hash,
        /// The id of the fields.
        computed: Hash,
    },
}

impl TxView {
    /// Rebuilds the signed transaction from the fields and checks that its id is
    /// [`hash`](Self::hash), so a node cannot show one transaction under another's id.
    pub fn to_signed(&self) -> Result<SignedTransaction, TxViewError> {
        let tx = Transaction::new(
            &self.chain_id,
            self.sender.clone(),
            self.nonce,
            self.gas_limit,
            self.gas_price,
            ModuleId::new(self.module.id),
            self.payload.clone(),
        )?;
        let mut bytes = tx.encode().to_vec();
        bytes.extend_from_slice(&self.signature);
        let signed = SignedTransaction::decode(&bytes)?;
        if signed.hash() != self.hash {
            return Err(TxViewError::HashMismatch {
                claimed: self.hash,
                computed: signed.hash(),
            });
        }
        Ok(signed)
    }
}

/// Whether a transaction is still waiting or in a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// In the mempool.
    Pending,
    /// In a committed block.
    Committed,
}

/// Where a committed transaction is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TxLocationView {
    /// Block height.
    pub height: u64,
    /// Block id.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub block_hash: Hash,
    /// Position in the block.
    pub index: u32,
}

/// A transaction the node knows, with where it is and its receipt once committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TxRecordView {
    /// The transaction id.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub hash: Hash,
    /// Pending or committed.
    pub status: TxStatus,
    /// The transaction.
    pub tx: TxView,
    /// Its block and position; `null` while pending.
    pub location: Option<TxLocationView>,
    /// What executing it did; `null` while pending.
    pub receipt: Option<ReceiptView>,
}

impl TxRecordView {
    /// A transaction waiting in the mempool.
    pub fn pending(tx: &SignedTransaction) -> Self {
        Self {
            hash: tx.hash(),
            status: TxStatus::Pending,
            tx: tx.into(),
            location: None,
            receipt: None,
        }
    }

    /// A committed transaction.
    pub fn committed(tx: &SignedTransaction, location: TxLocationView, receipt: &Receipt) -> Self {
        Self {
            hash: tx.hash(),
            status: TxStatus::Committed,
            tx: tx.into(),
            location: Some(location),
            receipt: Some(receipt.into()),
        }
    }
}

/// Body of `POST /v1/tx`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitTxRequest {
    /// The signed transaction's canonical encoding, as hex.
    pub tx: String,
}

impl SubmitTxRequest {
    /// The request that submits `tx`.
    pub fn new(tx: &SignedTransaction) -> Self {
        Self {
            tx: hex::encode(tx.encode_to_vec()),
        }
    }
}

/// Body of `POST /v1/txs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitTxsRequest {
    /// Signed transactions' canonical encodings, as hex, in the order to admit them.
    pub txs: Vec<String>,
}

impl SubmitTxsRequest {
    /// The request that submits `txs` in order.
    pub fn new(txs: &[SignedTransaction]) -> Self {
        Self {
            txs: txs
                .iter()
                .map(|tx| hex::encode(tx.encode_to_vec()))
                .collect(),
        }
    }
}

/// Answer to an accepted `POST /v1/tx`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitTxResponse {
    /// The id of the admitted transaction.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub hash: Hash,
}

/// The fate of one transaction of a batch: `{"hash": ...}` or `{"error": {...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SubmitResult {
    /// Admitted to the mempool.
    Accepted {
        /// Its id.
        #[serde(with = "serde_with::hash")]
        #[schema(value_type = String)]
        hash: Hash,
    },
    /// Refused.
    Rejected {
        /// Why.
        error: ErrorBody,
    },
}

impl SubmitResult {
    /// The id, or why the transaction was refused.
    pub fn into_result(self) -> Result<Hash, ErrorBody> {
        match self {
            Self::Accepted { hash } => Ok(hash),
            Self::Rejected { error } => Err(error),
        }
    }
}

/// Answer to `POST /v1/txs`: one result per submitted transaction, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitTxsResponse {
    /// One result per transaction.
    pub results: Vec<SubmitResult>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{Outcome, SecretKey};
    use serde_json::json;

    #[test]
    fn provenance_messages_are_decoded_with_their_subject() {
        let msg = ProvenanceMsg::RegisterModel {
            name: "acme/digits-mlp".into(),
        };
        assert_eq!(
            DecodedMsg::decode(Provenance::ID, &msg.encode()),
            Some(DecodedMsg::Provenance {
                kind: "register_model".into(),
                subject: "acme/digits-mlp".into(),
            })
        );
        let value = serde_json::to_value(DecodedMsg::decode(Provenance::ID, &msg.encode()))
            .expect("serializes");
        assert_eq!(
            value,
            json!({"type": "provenance", "kind": "register_model", "subject": "acme/digits-mlp"})
        );
        assert_eq!(DecodedMsg::decode(Provenance::ID, &[0xff]), None);
    }

    fn transfer() -> SignedTransaction {
        let key = SecretKey::from_seed(1);
        let msg = BankMsg::Transfer {
            to: SecretKey::from_seed(2).address(),
            amount: 340_282_366_920_938_463_463_374_607_431_768_211_455,
        };
        Transaction::new(
            "ailedger-test",
            key.address(),
            7,
            50_000,
            3,
            Bank::ID,
            msg.encode().to_vec(),
        )
        .expect("valid")
        .sign(&key)
    }

    #[test]
    fn tx_view_json_shape() {
        let tx = transfer();
        let value = serde_json::to_value(TxView::from(&tx)).expect("serializes");
        assert_eq!(
            value,
            json!({
                "hash": tx.hash().to_string(),
                "chain_id": "ailedger-test",
                "sender": SecretKey::from_seed(1).address().to_string(),
                "nonce": 7,
                "gas_limit": 50_000,
                "gas_price": 3,
                "module": {"id": 1, "name": "bank"},
                "payload": hex::encode(&tx.tx().payload),
                "signature": hex::encode(tx.signature().encode()),
                "decoded": {
                    "type": "bank_transfer",
                    "to": SecretKey::from_seed(2).address().to_string(),
                    "amount": "340282366920938463463374607431768211455",
                },
            })
        );
    }

    #[test]
    fn tx_view_round_trips_through_json_and_back_to_the_signed_transaction() {
        let tx = transfer();
        let view = TxView::from(&tx);
        let text = serde_json::to_string(&view).expect("serializes");
        let back: TxView = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back, view);
        assert_eq!(back.to_signed().expect("valid"), tx);
    }

    #[test]
    fn tx_view_with_a_wrong_hash_is_caught() {
        let mut view = TxView::from(&transfer());
        view.nonce += 1;
        assert!(matches!(
            view.to_signed(),
            Err(TxViewError::HashMismatch { .. })
        ));
    }

    #[test]
    fn unknown_module_and_undecodable_payloads_are_not_decoded() {
        let key = SecretKey::from_seed(1);
        let unknown = Transaction::new("c", key.address(), 0, 1, 1, ModuleId::new(200), vec![1, 2])
            .expect("valid")
            .sign(&key);
        let view = TxView::from(&unknown);
        assert_eq!(
            view.module,
            ModuleRef {
                id: 200,
                name: None
            }
        );
        assert_eq!(view.decoded, None);
        assert_eq!(DecodedMsg::decode(Bank::ID, &[9, 9]), None);
    }

    #[test]
    fn tx_record_json_shapes() {
        let tx = transfer();
        let pending = serde_json::to_value(TxRecordView::pending(&tx)).expect("serializes");
        assert_eq!(pending["status"], "pending");
        assert_eq!(pending["location"], json!(null));
        assert_eq!(pending["receipt"], json!(null));

        let receipt = Receipt {
            tx_hash: tx.hash(),
            gas_used: 21_000,
            fee: 63_000,
            outcome: Outcome::Success,
            events: vec![],
        };
        let location = TxLocationView {
            height: 5,
            block_hash: ailedger_core::ZERO_HASH,
            index: 2,
        };
        let committed = TxRecordView::committed(&tx, location, &receipt);
        let value = serde_json::to_value(&committed).expect("serializes");
        assert_eq!(value["status"], "committed");
        assert_eq!(
            value["location"],
            json!({"height": 5, "block_hash": "00".repeat(32), "index": 2})
        );
        assert_eq!(value["receipt"]["fee"], "63000");
        let back: TxRecordView = serde_json::from_value(value).expect("deserializes");
        assert_eq!(back, committed);
    }

    #[test]
    fn submit_results_are_a_hash_or_an_error() {
        let hash = transfer().hash();
        let response = SubmitTxsResponse {
            results: vec![
                SubmitResult::Accepted { hash },
                SubmitResult::Rejected {
                    error: ErrorBody::new("NONCE_TOO_LOW", "nonce 0 already used"),
                },
            ],
        };
        let value = serde_json::to_value(&response).expect("serializes");
        assert_eq!(
            value,
            json!({"results": [
                {"hash": hash.to_string()},
                {"error": {"code": "NONCE_TOO_LOW", "message": "nonce 0 already used"}},
            ]})
        );
        let back: SubmitTxsResponse = serde_json::from_value(value).expect("deserializes");
        assert_eq!(back, response);
        let mut results = back.results.into_iter().map(SubmitResult::into_result);
        assert_eq!(results.next(), Some(Ok(hash)));
        assert!(matches!(results.next(), Some(Err(error)) if error.code == "NONCE_TOO_LOW"));
    }

    #[test]
    fn submit_requests_carry_the_canonical_encoding() {
        let tx = transfer();
        let request = SubmitTxsRequest::new(std::slice::from_ref(&tx));
        assert_eq!(request.txs, vec![hex::encode(tx.encode_to_vec())]);
        assert_eq!(SubmitTxRequest::new(&tx).tx, request.txs[0]);
    }
}
