//! The HTTP/JSON API of an ailedger node.
//!
//! # Overview
//!
//! The node implements [`Backend`]; [`router`] turns it into an axum [`Router`](axum::Router)
//! and [`serve`] runs that router on a listener. The API only translates between HTTP/JSON and
//! the backend's calls: it keeps no state of its own.
//!
//! - Request and response bodies are the `ailedger-client` DTOs, so the API, the CLI and any
//!   program using the client agree on one JSON shape.
//! - Every failure answers with `{"code", "message", "details"}` ([`ApiError`]): malformed
//!   bodies, unknown routes and over-limit bodies included. `code` is stable.
//! - The routes live in one table, which builds both the router and the OpenAPI document served
//!   at `GET /v1/openapi.json`.
//!
//! # Endpoints
//!
//! | Route | Answer |
//! | --- | --- |
//! | `POST /v1/tx` | submit one transaction (JSON hex or raw bytes) |
//! | `POST /v1/txs` | submit up to [`ApiLimits::max_batch`] transactions, one result each |
//! | `GET /v1/txs/{hash}` | a pending or committed transaction, with its receipt |
//! | `GET /v1/accounts/{address}` | balance, nonce and proof |
//! | `GET /v1/accounts/{address}/txs` | an account's committed transactions |
//! | `GET /v1/blocks/latest`, `GET /v1/blocks/{id}` | a block (`?txs=true` for full transactions) |
//! | `GET /v1/blocks/{height}/receipts` | a block's receipts |
//! | `GET /v1/state/{module}/{raw_key}`, `GET /v1/state/keys/{key}` | a state value and its proof |
//! | `GET /v1/status`, `GET /v1/chain`, `GET /v1/health` | the node and the chain |
//! | `GET /v1/openapi.json` | the OpenAPI 3 document |
//!
//! # Status
//!
//! ALPHA: routes and shapes may change until the first network launches.

mod backend;
mod convert;
mod error;
mod extract;
mod handlers;
mod openapi;
mod routes;
#[cfg(test)]
mod test_backend;
#[cfg(test)]
mod tests;

pub use backend::{
    Backend, BackendError, BlockId, ChainInfo, MAX_PROOF_KEYS, NodeStatus, QueryAnswer,
    QueryFailure, StateValue, SubmitError, TxLocation, TxRecord,
};
pub use error::ApiError;
pub use routes::{ApiLimits, router, serve};
