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
//! - Provenance answers ([`StateQuery`](ailedger_state::query::StateQuery) over the last
//!   committed state) carry the height and state root they were read at; with `?proofs=true`,
//!   also every state value they were read from with its proof, so a client can recompute the
//!   answer from proven values (`ailedger_client::verify::verify_query`). A model name contains
//!   `/`, so routes take it percent-encoded as one path segment (`acme%2Fdigits-mlp`).
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
//! | `GET /v1/datasets`, `GET /v1/datasets/{root}` | registered datasets |
//! | `GET /v1/datasets/{root}/downstream` | every model version trained on a dataset, transitively |
//! | `GET /v1/models/{name}`, `GET /v1/models/{name}/versions` | a model and its versions (`/` in `name` as `%2F`) |
//! | `GET /v1/versions/{id}`, `.../lineage`, `.../licences`, `.../downstream` | a model version, its lineage, the licences reaching it, what derives from it |
//! | `GET /v1/versions/{id}/proving-identity`, `GET /v1/inferences/{id}` | a version's proving identity, a verified inference |
//! | `GET /v1/content/{digest}` | the claims of a content digest, first claimant first |
//! | `POST /v1/content/similar` | claims whose fingerprints are near the given ones (the node's index) |
//! | `GET /v1/staking/params` | the staking parameters and the current epoch |
//! | `GET /v1/staking/validators/{address}` | a registered validator: stake, unbonding amounts, jailed |
//! | `GET /v1/staking/sets/{epoch}`, `GET /v1/staking/sets/current` | an epoch's validator set, with its stored bytes and digest |
//! | `GET /v1/openapi.json` | the OpenAPI 3 document |
//!
//! # Status
//!
//! ALPHA: routes and shapes may change until the first network launches.

#[macro_use]
mod answer;
mod backend;
mod content;
#[cfg(test)]
mod content_tests;
mod convert;
mod error;
mod extract;
mod handlers;
mod logs;
mod openapi;
mod provenance;
#[cfg(test)]
mod provenance_tests;
mod routes;
mod staking;
#[cfg(test)]
mod staking_tests;
#[cfg(test)]
mod test_backend;
#[cfg(test)]
mod tests;
mod zk;

pub use backend::{
    Backend, BackendError, BlockId, ChainInfo, MAX_PROOF_KEYS, MatchedBy, NodeStatus, QueryAnswer,
    QueryFailure, SimilarAnswer, SimilarMatch, SimilarQuery, StateValue, SubmitError, TxLocation,
    TxRecord,
};
pub use error::ApiError;
pub use routes::{ApiLimits, router, serve};
