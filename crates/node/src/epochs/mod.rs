//! Validator sets that change by epoch.
//!
//! The chain is cut into epochs ([`ChainEpocher`], from the genesis staking parameters). The
//! staking module stores the set of epoch `e + 1` when it executes the last block of epoch `e`,
//! and that block's header commits to the set (`next_validators`). Consensus follows:
//!
//! ```text
//! marshal ──Update::Block──► stateful (App)        applies the block (state has set e+1)
//!         └─────────────────► Orchestrator         at last(e): reads set e+1 from state,
//!                                                  checks it against the header, registers its
//!                                                  scheme, tracks its peers, starts simplex
//!                                                  for e+1 (root: the boundary block), stops e
//! simplex ──faults──► EvidenceReporter ──► ReportDoubleSign transactions
//! ```
//!
//! [`EpochProvider`] gives marshal and simplex the scheme of every epoch this node knows, so
//! blocks and certificates of past epochs verify against the signers of their own epoch.

mod evidence;
mod orchestrator;
mod provider;

pub(crate) use evidence::{EvidenceReporter, submit_evidence};
pub(crate) use orchestrator::{Orchestrator, OrchestratorConfig, OrchestratorMailbox};
pub(crate) use provider::EpochProvider;

use ailedger_state::staking::ChainEpocher;
use commonware_consensus::types::{Epoch, EpochInfo, Epocher, Height};
use commonware_cryptography::ed25519;
use std::sync::Arc;

/// The chain's epochs as consensus places heights: a thin wrapper over the state machine's
/// arithmetic, so that both always agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeEpocher(pub ChainEpocher);

impl Epocher for NodeEpocher {
    fn containing(&self, height: Height) -> Option<EpochInfo> {
        self.0.containing(height.get()).map(|span| {
            EpochInfo::new(
                Epoch::new(span.epoch),
                height,
                Height::new(span.first),
                Height::new(span.last),
            )
        })
    }

    fn first(&self, epoch: Epoch) -> Option<Height> {
        self.0.first(epoch.get()).map(Height::new)
    }

    fn last(&self, epoch: Epoch) -> Option<Height> {
        self.0.last(epoch.get()).map(Height::new)
    }
}

/// Which validators the chain runs with now, as this node sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Role {
    /// The epoch the node's consensus engine runs.
    pub epoch: u64,
    /// Its validators, in participant order.
    pub validators: Arc<[ed25519::PublicKey]>,
    /// Whether this node is one of them.
    pub is_validator: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_consensus::types::FixedEpocher;
    use std::num::NonZeroU64;

    #[test]
    fn the_node_epocher_places_heights_as_the_state_machine_and_fixed_epochs_do() {
        let length = NonZeroU64::new(10).unwrap();
        let ours = NodeEpocher(ChainEpocher::fixed(length).unwrap());
        let fixed = FixedEpocher::new(length);
        for height in [0u64, 1, 9, 10, 11, 19, 20, 12_345] {
            let height = Height::new(height);
            assert_eq!(ours.containing(height), fixed.containing(height));
        }
        for epoch in [0u64, 1, 2, 77] {
            let epoch = Epoch::new(epoch);
            assert_eq!(ours.first(epoch), fixed.first(epoch));
            assert_eq!(ours.last(epoch), fixed.last(epoch));
        }
        assert_eq!(ours.last(Epoch::new(u64::MAX)), None);
    }
}
