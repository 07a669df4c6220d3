//! The node and the chain.

use crate::encoding::serde_with;
use ailedger_core::{Address, Hash};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A node's view of itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeStatusView {
    /// Height of the last committed block.
    pub height: u64,
    /// Its id.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub block_hash: Hash,
    /// Its time, milliseconds since the Unix epoch.
    pub block_time_ms: u64,
    /// Its state root.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub state_root: Hash,
    /// Transactions waiting in the mempool.
    pub mempool_size: u64,
    /// Transactions committed since genesis.
    pub committed_txs: u64,
    /// The epoch the node's consensus engine runs.
    pub epoch: u64,
    /// Validators in that epoch's set.
    pub validators: u32,
    /// Whether this node is one of them (otherwise it follows as a full node).
    pub is_validator: bool,
}

/// Facts about the chain that do not change while a node runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChainInfoView {
    /// The chain id transactions must carry.
    pub chain_id: String,
    /// SHA-256 of the genesis document.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub genesis_hash: Hash,
    /// Id of the genesis block.
    #[serde(with = "serde_with::hash")]
    #[schema(value_type = String)]
    pub genesis_block: Hash,
    /// The validators' consensus keys.
    #[serde(with = "serde_with::addresses")]
    #[schema(value_type = Vec<String>)]
    pub validators: Vec<Address>,
    /// Target time between blocks, in milliseconds.
    pub block_interval_ms: u64,
    /// Lowest gas price accepted.
    pub min_gas_price: u64,
    /// Most gas a block (and so a transaction) may use.
    pub block_gas_limit: u64,
}

/// Answer to `GET /v1/health`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `true`: a node that answers is up.
    pub ok: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_core::{SecretKey, ZERO_HASH};
    use serde_json::json;

    #[test]
    fn chain_info_json_shape() {
        let info = ChainInfoView {
            chain_id: "ailedger-dev".into(),
            genesis_hash: ZERO_HASH,
            genesis_block: ZERO_HASH,
            validators: vec![SecretKey::from_seed(1).address()],
            block_interval_ms: 500,
            min_gas_price: 1,
            block_gas_limit: 1_000_000_000,
        };
        let value = serde_json::to_value(&info).expect("serializes");
        assert_eq!(
            value["validators"],
            json!([SecretKey::from_seed(1).address().to_string()])
        );
        assert_eq!(value["min_gas_price"], 1);
        assert_eq!(
            serde_json::from_value::<ChainInfoView>(value).expect("deserializes"),
            info
        );
    }

    #[test]
    fn status_json_shape() {
        let status = NodeStatusView {
            height: 2,
            block_hash: ZERO_HASH,
            block_time_ms: 5,
            state_root: ZERO_HASH,
            mempool_size: 7,
            committed_txs: 11,
            epoch: 3,
            validators: 4,
            is_validator: true,
        };
        let value = serde_json::to_value(&status).expect("serializes");
        assert_eq!(
            value,
            json!({
                "height": 2,
                "block_hash": "00".repeat(32),
                "block_time_ms": 5,
                "state_root": "00".repeat(32),
                "mempool_size": 7,
                "committed_txs": 11,
                "epoch": 3,
                "validators": 4,
                "is_validator": true,
            })
        );
    }
}
