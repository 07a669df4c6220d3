//! `ailedger block show`.

use super::Context;
use crate::output;
use ailedger_client::BlockRef;
use anyhow::Context as _;

/// Shows a block, with its full transactions if `include_txs`.
pub(super) async fn show(
    context: &Context,
    block: BlockRef,
    include_txs: bool,
) -> anyhow::Result<()> {
    let view = context
        .client()?
        .block(block, include_txs)
        .await
        .with_context(|| format!("fetching block {block}"))?;
    context.output.emit(&view, || output::block(&view))
}
