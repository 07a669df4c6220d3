//! The JSON views of the [`Backend`](crate::Backend)'s types.
//!
//! The shapes are the `ailedger-client` DTOs, which convert from the domain types (blocks,
//! transactions, receipts) themselves; the types below are defined in this crate, which
//! `ailedger-client` cannot depend on, so their conversions live here.

use crate::{ChainInfo, NodeStatus, StateValue, TxLocation, TxRecord};
use ailedger_client::dto::{
    ChainInfoView, NodeStatusView, StateValueView, TxLocationView, TxRecordView,
};

impl From<&TxLocation> for TxLocationView {
    fn from(location: &TxLocation) -> Self {
        Self {
            height: location.height,
            block_hash: location.block_hash,
            index: location.index,
        }
    }
}

impl From<&TxRecord> for TxRecordView {
    fn from(record: &TxRecord) -> Self {
        match &record.committed {
            None => Self::pending(&record.tx),
            Some((location, receipt)) => Self::committed(&record.tx, location.into(), receipt),
        }
    }
}

impl From<StateValue> for StateValueView {
    fn from(value: StateValue) -> Self {
        Self {
            key: value.key,
            value: value.value,
            proof: value.proof,
            height: value.height,
            state_root: value.state_root,
        }
    }
}

impl From<&NodeStatus> for NodeStatusView {
    fn from(status: &NodeStatus) -> Self {
        Self {
            height: status.height,
            block_hash: status.block_hash,
            block_time_ms: status.block_time_ms,
            state_root: status.state_root,
            mempool_size: u64::try_from(status.mempool_size).unwrap_or(u64::MAX),
            committed_txs: status.committed_txs,
            epoch: status.epoch,
            validators: status.validators,
            is_validator: status.is_validator,
        }
    }
}

impl From<&ChainInfo> for ChainInfoView {
    fn from(info: &ChainInfo) -> Self {
        Self {
            chain_id: info.chain_id.clone(),
            genesis_hash: info.genesis_hash,
            genesis_block: info.genesis_block,
            validators: info.validators.clone(),
            block_interval_ms: info.block_interval_ms,
            min_gas_price: info.min_gas_price,
            block_gas_limit: info.block_gas_limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_client::dto::TxStatus;
    use ailedger_core::{ModuleId, Outcome, Receipt, SecretKey, Transaction, ZERO_HASH, sha256};

    #[test]
    fn tx_records_show_their_status_location_and_receipt() {
        let key = SecretKey::from_seed(1);
        let tx = Transaction::new("c", key.address(), 0, 1, 1, ModuleId::new(1), vec![])
            .expect("valid")
            .sign(&key);
        let pending = TxRecordView::from(&TxRecord {
            tx: tx.clone(),
            committed: None,
        });
        assert_eq!(pending.status, TxStatus::Pending);
        let receipt = Receipt {
            tx_hash: tx.hash(),
            gas_used: 5,
            fee: 5,
            outcome: Outcome::Success,
            events: vec![],
        };
        let location = TxLocation {
            height: 3,
            block_hash: sha256(&[b"block"]),
            index: 1,
        };
        let committed = TxRecordView::from(&TxRecord {
            tx,
            committed: Some((location, receipt)),
        });
        assert_eq!(committed.status, TxStatus::Committed);
        assert_eq!(
            committed
                .location
                .map(|location| (location.height, location.index)),
            Some((3, 1))
        );
        assert_eq!(committed.receipt.map(|receipt| receipt.gas_used), Some(5));
    }

    #[test]
    fn state_values_keep_every_field() {
        let view = StateValueView::from(StateValue {
            height: 4,
            state_root: sha256(&[b"root"]),
            key: ZERO_HASH,
            value: Some(vec![1]),
            proof: vec![2],
        });
        assert_eq!(
            (
                view.height,
                view.state_root,
                view.key,
                view.value,
                view.proof
            ),
            (4, sha256(&[b"root"]), ZERO_HASH, Some(vec![1]), vec![2])
        );
    }
}
