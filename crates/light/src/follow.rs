//! Following the validator sets from the highest known epoch to a later one, over a node that
//! is not trusted.

use crate::{LightClient, LightError};
use ailedger_client::{BlockRef, Client};
use ailedger_state::{
    Module as _,
    staking::{Staking, state_key},
};

impl LightClient {
    /// Learns the validator sets of every epoch up to `target` from `node`, starting from the
    /// highest known epoch, and returns the highest known epoch afterwards (at least `target`).
    ///
    /// For each boundary, the last block of epoch `e`, it fetches the block
    /// (`GET /v1/blocks/{height}`), its finalization (`GET /v1/blocks/{height}/finalization`)
    /// and the stored set of `e + 1` (`GET /v1/state/staking/{raw_key}`), and hands them to
    /// [`learn_next_set`](Self::learn_next_set). The state value's proof is against the node's
    /// latest state root, not the boundary's, so it is ignored: the boundary header that the
    /// known validators signed commits to the set's hash. Sets learned before a failure are
    /// kept.
    pub async fn learn_sets_to(&mut self, node: &Client, target: u64) -> Result<u64, LightError> {
        while self.highest_epoch() < target {
            let epoch = self.highest_epoch();
            let Some(height) = self.epochs().last(epoch) else {
                return Err(LightError::EpochOutOfRange { epoch });
            };
            let Some(next) = epoch.checked_add(1) else {
                return Err(LightError::EpochOutOfRange { epoch });
            };
            let boundary = node.block(BlockRef::Height(height), false).await?;
            // Another block, even a finalized boundary of an earlier epoch, would not advance.
            if boundary.header.height != height {
                return Err(LightError::OtherHeight {
                    requested: height,
                    served: boundary.header.height,
                });
            }
            let finalization = node.finalization(height).await?;
            let value = node.state(Staking::NAME, &state_key::set(next)).await?;
            let Some(set) = value.value else {
                return Err(LightError::SetMissing { epoch: next });
            };
            self.learn_next_set(&boundary, &finalization.finalization, &set)?;
        }
        Ok(self.highest_epoch())
    }
}
