//! `ailedger status`.

use super::Context;
use crate::output;
use anyhow::Context as _;

/// Shows the node's status.
pub(super) async fn show(context: &Context) -> anyhow::Result<()> {
    let status = context
        .client()?
        .status()
        .await
        .context("fetching the node status")?;
    context.output.emit(&status, || output::status(&status))
}
