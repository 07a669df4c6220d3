//! Block pacing. Simplex proposes as soon as the previous view notarizes; a chain that should
//! produce a block every `interval` makes the proposer wait until `interval` after its parent's
//! time. Waiting here, outside the state machine, leaves the parent's finalization unhindered.
//!
//! An idle chain (empty mempool) slows down to one block per `idle_interval`, so that a node at
//! rest does not write ten empty blocks a second; a transaction that arrives meanwhile is
//! proposed at once. `idle_interval` must stay below the consensus leader timeout, or idle views
//! would time out instead of producing blocks.

use crate::{block::ChainBlock, mempool::Mempool};
use commonware_consensus::{Application, Handoff, marshal::ancestry::Ancestry};
use commonware_cryptography::Digested;
use commonware_runtime::Clock;
use std::time::{Duration, UNIX_EPOCH};

/// An application that delays proposals to keep blocks `interval` apart.
#[derive(Clone, Debug)]
pub(crate) struct Paced<A> {
    inner: A,
    interval: Duration,
    idle_interval: Duration,
    mempool: Mempool,
}

impl<A> Paced<A> {
    pub(crate) fn new(
        inner: A,
        interval: Duration,
        idle_interval: Duration,
        mempool: Mempool,
    ) -> Self {
        Self {
            inner,
            interval,
            idle_interval: idle_interval.max(interval),
            mempool,
        }
    }
}

impl<E, A> Application<E> for Paced<A>
where
    E: Clock + Send + Sync + 'static,
    A: Application<E, Block = ChainBlock, Input = ()>,
    A::Context: Send + Sync,
{
    type SigningScheme = A::SigningScheme;
    type Context = A::Context;
    type Block = ChainBlock;
    type Input = ();

    fn prepare(
        &mut self,
        context: (E, Self::Context),
        ancestry: impl Ancestry<ChainBlock>,
        input: (),
    ) -> impl Future<Output = Handoff<Digested<ChainBlock>>> + Send {
        self.inner.prepare(context, ancestry, input)
    }

    async fn propose(
        &mut self,
        context: (E, Self::Context),
        ancestry: impl Ancestry<ChainBlock>,
        input: (),
    ) -> Option<Digested<ChainBlock>> {
        if let Some(parent) = ancestry.peek() {
            let parent_time =
                UNIX_EPOCH + Duration::from_millis(parent.inner().header().timestamp_ms);
            let due = parent_time + self.interval;
            if context.0.current() < due {
                context.0.sleep_until(due).await;
            }
            let idle_due = parent_time + self.idle_interval;
            if self.mempool.is_empty() && context.0.current() < idle_due {
                let idle = context.0.sleep_until(idle_due);
                futures::pin_mut!(idle);
                let arrival = self.mempool.wait_for_transactions();
                futures::pin_mut!(arrival);
                futures::future::select(idle, arrival).await;
            }
        }
        self.inner.propose(context, ancestry, input).await
    }

    fn verify(
        &mut self,
        context: (E, Self::Context),
        ancestry: impl Ancestry<ChainBlock>,
    ) -> impl Future<Output = bool> + Send {
        self.inner.verify(context, ancestry)
    }
}
