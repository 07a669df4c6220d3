//! The JSON shapes of the node API: every request and response body.
//!
//! Hashes, addresses, raw bytes and proofs are lowercase hex strings; token amounts and fees
//! (`u128`) are decimal strings; other integers are JSON numbers. Each type converts from the
//! domain type it shows (`From<&Block>`, `From<&Receipt>`, ...), so the node API and the CLI
//! print one shape.

mod block;
mod error;
mod node;
mod state;
mod tx;

pub use block::{
    AttributeView, BlockReceipts, BlockView, EventView, HeaderView, OutcomeView, ReceiptView,
};
pub use error::ErrorBody;
pub use node::{ChainInfoView, Health, NodeStatusView};
pub use state::{AccountTxs, AccountView, StateValueView};
pub use tx::{
    DecodedMsg, ModuleRef, SubmitResult, SubmitTxRequest, SubmitTxResponse, SubmitTxsRequest,
    SubmitTxsResponse, TxLocationView, TxRecordView, TxStatus, TxView, TxViewError,
};
