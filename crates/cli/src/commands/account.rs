//! `ailedger account show`.

use super::Context;
use crate::{cli::AccountArg, output};
use anyhow::Context as _;

/// Shows an account, verified against the state root of the block its proof is for. A proof
/// that does not verify is an error that exits with status 3.
pub(super) async fn show(context: &Context, account: AccountArg) -> anyhow::Result<()> {
    let address = resolve(context, account)?;
    let verified = context
        .client()?
        .verified_account(&address)
        .await
        .with_context(|| format!("account {address}"))?;
    context
        .output
        .emit(&verified, || output::account(&verified))
}

/// The address of an account given by address or by key name.
pub(super) fn resolve(
    context: &Context,
    account: AccountArg,
) -> anyhow::Result<ailedger_core::Address> {
    Ok(match account {
        AccountArg::Address(address) => address,
        AccountArg::Key(name) => context
            .keystore()?
            .load(&name)
            .with_context(|| format!("loading key {name:?}"))?
            .key
            .address(),
    })
}
