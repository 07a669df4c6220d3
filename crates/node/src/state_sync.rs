//! State sync source.
//!
//! Commonware's p2p state-sync resolver serves only databases whose operations decode without a
//! configuration, which rules out the variable-size values of the chain state. A node therefore
//! catches up by replaying finalized blocks fetched through marshal's backfill (every block is
//! re-executed and checked against its state root), and never asks for state sync: this source
//! answers that it has nothing, and the sync plan is never given a floor.

use ailedger_core::Hash;
use commonware_glue::stateful::db::{AttachableResolver, Shared};
use commonware_storage::{
    mmr,
    qmdb::{
        any::{operation::Operation, ordered::Update, value::VariableEncoding},
        sync::{Request, ServeError, Source, source},
    },
};

/// A state-sync source with no peers.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NoStateSync;

impl Source for NoStateSync {
    type Family = mmr::Family;
    type Digest = Hash;
    type Op = Operation<mmr::Family, Update<Hash, VariableEncoding<Vec<u8>>>>;
    type Error = ServeError<mmr::Family>;

    async fn serve(&self, _request: Request<mmr::Family>) -> source::Result<Self> {
        Err(ServeError::MissingSource)
    }
}

impl<DB: Send + Sync + 'static> AttachableResolver<DB> for NoStateSync {
    async fn attach_database(&self, _db: Shared<DB>) {}
}
