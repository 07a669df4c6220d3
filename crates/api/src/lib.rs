//! The HTTP/JSON API of an ailedger node.

mod backend;

pub use backend::{
    Backend, BackendError, BlockId, ChainInfo, NodeStatus, StateValue, SubmitError, TxLocation,
    TxRecord,
};
