//! State values with their proofs, and accounts.

use super::TxRecordView;
use crate::encoding::serde_with;
use ailedger_core::{Address, Hash};
use ailedger_state::StateKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A state value (or its absence) with a proof against the state root of block `height`.
///
/// Anyone holding that block's header can check it with `ailedger_store::verify_state_proof`:
/// the proof is of inclusion when `value` is a string and of exclusion when it is `null`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StateValueView {
    /// The state key: SHA-256 of the module name and the module's raw key.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub key: StateKey,
    /// The value as hex, or `null` if the key has none.
    #[serde(with = "serde_with::opt_bytes")]
    #[schema(value_type = Option<String>)]
    pub value: Option<Vec<u8>>,
    /// The proof's wire encoding, as hex.
    #[serde(with = "serde_with::bytes")]
    #[schema(value_type = String)]
    pub proof: Vec<u8>,
    /// The block whose post-state is proven.
    pub height: u64,
    /// That block's state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
}

/// An account's balance and nonce, with the proof of its state value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountView {
    /// The account.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub address: Address,
    /// Balance in the smallest token unit.
    #[serde(with = "serde_with::amount")]
    #[schema(value_type = String, example = "1000000")]
    pub balance: u128,
    /// Committed nonce: the number of the account's transactions in finalized blocks.
    pub nonce: u64,
    /// Nonce the account's next transaction must carry: the committed nonce plus the account's
    /// transactions waiting in the node's mempool. Not covered by the proof.
    pub next_nonce: u64,
    /// Whether the account has a state value; a never-used account has none (balance 0, nonce
    /// 0) and `proof` is a proof of exclusion.
    pub exists: bool,
    /// The block whose post-state is shown.
    pub height: u64,
    /// That block's state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// Proof of the account's state value (or of its absence), as hex.
    #[serde(with = "serde_with::bytes")]
    #[schema(value_type = String)]
    pub proof: Vec<u8>,
}

/// Committed transactions of one sender, by ascending nonce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountTxs {
    /// The sender.
    #[serde(with = "serde_with::address")]
    #[schema(value_type = String)]
    pub address: Address,
    /// First nonce asked for.
    pub from_nonce: u64,
    /// Most transactions returned (after capping).
    pub limit: u64,
    /// The transactions.
    pub txs: Vec<TxRecordView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{SecretKey, ZERO_HASH};
    use serde_json::json;

    #[test]
    fn state_value_json_shape_with_and_without_a_value() {
        let with_value = StateValueView {
            key: ZERO_HASH,
            value: Some(vec![1, 2]),
            proof: vec![0xab],
            height: 3,
            state_root: ZERO_HASH,
        };
        let value = serde_json::to_value(&with_value).expect("serializes");
        assert_eq!(
            value,
            json!({"key": "00".repeat(32), "value": "0102", "proof": "ab", "height": 3, "state_root": "00".repeat(32)})
        );
        assert_eq!(
            serde_json::from_value::<StateValueView>(value).expect("deserializes"),
            with_value
        );

        let absent = StateValueView {
            value: None,
            ..with_value
        };
        let value = serde_json::to_value(&absent).expect("serializes");
        assert_eq!(value["value"], json!(null));
        assert_eq!(
            serde_json::from_value::<StateValueView>(value).expect("deserializes"),
            absent
        );
    }

    #[test]
    fn account_json_shape() {
        let address = SecretKey::from_seed(3).address();
        let account = AccountView {
            address: address.clone(),
            balance: 10_u128.pow(30),
            nonce: 4,
            next_nonce: 6,
            exists: true,
            height: 9,
            state_root: ZERO_HASH,
            proof: vec![1],
        };
        let value = serde_json::to_value(&account).expect("serializes");
        assert_eq!(
            value,
            json!({
                "address": address.to_string(),
                "balance": "1000000000000000000000000000000",
                "nonce": 4,
                "next_nonce": 6,
                "exists": true,
                "height": 9,
                "state_root": "00".repeat(32),
                "proof": "01",
            })
        );
        assert_eq!(
            serde_json::from_value::<AccountView>(value).expect("deserializes"),
            account
        );
    }

    #[test]
    fn malformed_hex_fields_are_rejected() {
        let good = json!({"key": "00".repeat(32), "value": null, "proof": "", "height": 0, "state_root": "00".repeat(32)});
        assert!(serde_json::from_value::<StateValueView>(good.clone()).is_ok());
        for (field, bad) in [
            ("key", "00"),
            ("proof", "zz"),
            ("state_root", "AB"),
            ("value", "0"),
        ] {
            let mut value = good.clone();
            value[field] = json!(bad);
            assert!(
                serde_json::from_value::<StateValueView>(value).is_err(),
                "{field}={bad} accepted"
            );
        }
    }
}
